package reception

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/biller/clsii"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Signer gives the certificate a workspace signs its answers with (the
// SII biller's).
type Signer interface {
	Certificate(ctx context.Context, q store.Querier, sc workspace.Scope, now time.Time) (*sii.Certificate, error)
}

// Service receives DTEs and answers them; the composition root fills it.
type Service struct {
	Signer Signer
	// Register is the SII's register of acceptances and claims.
	Register Register
	// Sealer seals the exchange mailbox's password.
	Sealer Sealer
}

// Answer kinds (docs/procurement.md#63-exchange-answers).
const (
	AnswerReception = "reception" // RespuestaDTE / RecepcionEnvio
	AnswerResult    = "result"    // RespuestaDTE / ResultadoDTE
	AnswerReceipt   = "receipt"   // EnvioRecibos
)

// AnswerPrefix is the id prefix of answers.
const AnswerPrefix = "ran"

// Answer is a signed exchange answer and its delivery.
type Answer struct {
	ID       string  `json:"id"`
	Kind     string  `json:"kind"`
	Intake   string  `json:"intake"`
	Document *string `json:"document"`
	EmailTo  *string `json:"email_to"`
	Status   string  `json:"status"` // queued, sent, no_address
	// File is the signed XML (ISO-8859-1), base64, on retrieve only.
	File     string      `json:"file,omitempty"`
	TestMode bool        `json:"test_mode"`
	Created  clock.Stamp `json:"created"`
	Sent     *int64      `json:"-"`
}

// AnswerJobKind is the job kind that emails answers.
const AnswerJobKind = "reception_answer"

type answerJob struct {
	Workspace string `json:"workspace"`
	TestMode  bool   `json:"test_mode"`
	Answer    string `json:"answer"`
	Attempts  int    `json:"attempts"`
}

// saveAnswer stores a signed answer and, when there is an address, queues
// its email in the same transaction.
func saveAnswer(e document.Env, kind, intakeID, docID string, xml []byte, to string) (*Answer, error) {
	a := &Answer{ID: id.New(AnswerPrefix), Kind: kind, Intake: intakeID, Status: "no_address", TestMode: e.Scope.TestMode,
		Created: clock.Stamp{Micros: e.Now.UnixMicro(), Loc: e.Scope.Loc}}
	if docID != "" {
		a.Document = &docID
	}
	if to != "" {
		a.EmailTo, a.Status = &to, "queued"
	}
	_, err := e.Q.ExecContext(e.Ctx, `INSERT INTO reception_answers (id, workspace_id, test_mode, intake_id, document_id, kind, xml, email_to, status, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, a.ID, e.Scope.ID, e.Scope.TestMode, intakeID, a.Document, kind, xml, a.EmailTo, a.Status, a.Created.Micros)
	if err != nil || to == "" {
		return a, err
	}
	return a, jobs.Enqueue(e.Ctx, e.Q, AnswerJobKind, "reception_answer:"+a.ID, answerJob{Workspace: e.Scope.ID, TestMode: e.Scope.TestMode, Answer: a.ID}, e.Now, e.Now)
}

// party is the answering company and the issuer it answers.
func party(st *clsii.Stored, issuerRUT string) sii.ExchangeParty {
	p := sii.ExchangeParty{Responder: deref(st.RUT), Recipient: issuerRUT}
	if st.BusinessName != nil {
		p.Contact = *st.BusinessName
	}
	if st.Email != nil {
		p.Email = *st.Email
	}
	return p
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// receptionState maps an intake's findings to EstadoRecepEnv and the
// state of each document (EstadoRecepDTE).
func receptionState(in *Intake) (env int, gloss string) {
	codes := map[string]bool{}
	for _, m := range in.Messages {
		if m.Severity == "error" {
			codes[m.Code] = true
		}
	}
	switch {
	case in.Status == StatusImported:
		return 0, "Envio recibido conforme"
	case codes["SCH-001"]:
		return 1, "Envio rechazado: error de schema"
	case codes["FRM-001"] || codes["FRM-002"] || codes["FRM-003"]:
		return 2, "Envio rechazado: error de firma"
	case codes["REC-001"] || codes["CAR-001"]:
		return 3, "Envio rechazado: RUT receptor no corresponde"
	case in.Status == StatusDuplicate:
		return 90, "Envio rechazado: documentos repetidos"
	}
	return 99, "Envio rechazado: " + firstError(in.Messages)
}

func firstError(ms []sii.Message) string {
	for _, m := range ms {
		if m.Severity == "error" {
			return m.Code + " " + m.Text
		}
	}
	return ""
}

// docState is the EstadoRecepDTE of one document of an intake.
func docState(in *Intake, d Received) (int, string) {
	ref := d.ID
	for _, m := range in.Messages {
		if m.Severity != "error" {
			continue
		}
		mine := strings.Contains(m.Text, ref) || strings.Contains(m.Text, fmt.Sprintf("Folio %d of type %d", d.Folio, d.Type))
		switch {
		case m.Code == "DUP-001" && mine:
			return 4, "DTE no recibido: repetido"
		case m.Code == "REC-001" && mine:
			return 3, "DTE no recibido: error en RUT receptor"
		case m.Code == "FRM-001" && mine:
			return 1, "DTE no recibido: error de firma"
		}
	}
	if in.Status == StatusImported {
		return 0, "DTE recibido OK"
	}
	return 99, "DTE no recibido: el envio fue rechazado"
}

func keyOf(d Received) sii.DocKey {
	return sii.DocKey{Type: d.Type, Folio: d.Folio, Date: d.Date, IssuerRUT: d.Issuer.RUT, ReceiverRUT: d.ReceiverRUT, Total: d.Total.Round(0).String()}
}

// answerReception signs and stores the envelope's RecepcionEnvio for
// its issuer (docs/procurement.md#63-exchange-answers); nothing when the
// envelope could not be read (no one to answer). A workspace without a
// certificate gets a warning on the intake instead.
func (s *Service) answerReception(e document.Env, st *clsii.Stored, in *Intake, env *Envelope, xml []byte, replyTo string) (func() error, error) {
	if env == nil || s.Signer == nil {
		return nil, nil
	}
	cert, err := s.Signer.Certificate(e.Ctx, e.Q, e.Scope, e.Now)
	if ae, ok := apperr.As(err); ok {
		in.Messages = append(in.Messages, sii.Message{Code: "ANS-001", Severity: "warning", Text: "No reception answer was sent: " + ae.Message("")})
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	status, gloss := receptionState(in)
	r := sii.EnvelopeReception{FileName: orDefault(deref(in.Filename), "envio.xml"), Received: e.Now, Code: sii.AnswerNumber(in.ID),
		EnvelopeID: orDefault(env.SetID, "SetDoc"), Digest: env.Digest, IssuerRUT: env.IssuerRUT, ReceiverRUT: deref(st.RUT), Status: status, Gloss: gloss}
	for _, d := range env.Docs {
		ds, dg := docState(in, d)
		r.Docs = append(r.Docs, sii.DocReception{DocKey: keyOf(d), Status: ds, Gloss: dg})
	}
	ansID := id.New(AnswerPrefix)
	out, err := sii.BuildRecepcionEnvio(party(st, env.IssuerRUT), sii.AnswerNumber(ansID), r, cert, e.Now)
	if err != nil {
		return nil, err
	}
	to, err := exchangeAddress(e, replyTo, env.Docs[0].Issuer)
	if err != nil {
		return nil, err
	}
	return func() error { _, err := saveAnswer(e, AnswerReception, in.ID, "", out, to); return err }, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

const answerColumns = `id, kind, intake_id, document_id, email_to, status, xml, test_mode, created`

var answers = rows.Table{Name: "reception_answers", Prefix: AnswerPrefix, Columns: answerColumns}

func scanAnswer(sc workspace.Scope, r list.Scanner, withXML bool) (*Answer, error) {
	a := &Answer{}
	var xml []byte
	if err := r.Scan(&a.ID, &a.Kind, &a.Intake, &a.Document, &a.EmailTo, &a.Status, &xml, &a.TestMode, &a.Created.Micros); err != nil {
		return nil, err
	}
	a.Created.Loc = sc.Loc
	if withXML {
		a.File = base64.StdEncoding.EncodeToString(xml)
	}
	return a, nil
}

// AnswerListSpec declares the answers list.
var AnswerListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "kind", Expr: "kind", Lookups: []string{list.In}},
		{Name: "intake", Expr: "intake_id", Lookups: []string{list.In}},
		{Name: "document", Expr: "document_id", Lookups: []string{list.In}},
		{Name: "status", Expr: "status", Lookups: []string{list.In}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"created": "created"},
	DefaultOrdering: "-created",
}

// ListAnswers returns one page of the scope's answers (without their XML).
func ListAnswers(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Answer, error) {
	return rows.List(ctx, q, sc, answers, lq, func(r list.Scanner) (*Answer, error) { return scanAnswer(sc, r, false) })
}

// GetAnswer reads one answer with its XML.
func GetAnswer(ctx context.Context, q store.Querier, sc workspace.Scope, answerID string) (*Answer, error) {
	return rows.Get(ctx, q, sc, answers, answerID, "", func(r list.Scanner) (*Answer, error) { return scanAnswer(sc, r, true) })
}
