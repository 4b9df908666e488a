package reception

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/biller/clsii"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Intake outcomes (docs/procurement.md#62-intake-object).
const (
	StatusImported  = "imported"
	StatusRefused   = "refused"
	StatusDuplicate = "duplicate"
)

// IntakePrefix is the id prefix of intakes.
const IntakePrefix = "rin"

// AcceptanceDays is the buyer's term to accept or claim a factura in the
// SII's register (Ley 19.983 art. 3): eight days from its reception.
const AcceptanceDays = 8

// Upload is an envelope handed to Receive.
type Upload struct {
	Source   string // "upload" or "mailbox"
	Filename string
	XML      []byte
	// ReplyTo is the issuer's exchange address when the envelope came
	// by mail (its sender); else the document's CorreoEmisor is used.
	ReplyTo string
}

// Intake is one received envelope and what became of it.
type Intake struct {
	ID        string        `json:"id"`
	Source    string        `json:"source"`
	Filename  *string       `json:"filename"`
	Status    string        `json:"status"`
	IssuerRUT *string       `json:"issuer_rut"`
	Messages  []sii.Message `json:"messages"`
	Documents []IntakeDoc   `json:"documents"`
	TestMode  bool          `json:"test_mode"`
	Created   clock.Stamp   `json:"created"`
}

// IntakeDoc is one document of an intake: what it is and what it became.
type IntakeDoc struct {
	Document           string  `json:"document"`
	Number             int64   `json:"number"`
	Object             *string `json:"object"`
	ID                 *string `json:"id"`
	AcceptanceDeadline *string `json:"acceptance_deadline"`
}

// Receive checks an envelope and records its documents, all or none
// (docs/procurement.md#61-intake). A refused envelope is kept with its
// reasons; the error is only for a workspace that cannot receive or a
// database failure.
func (s *Service) Receive(e document.Env, up Upload) (*Intake, error) {
	st, err := clsii.Load(e.Ctx, e.Q, e.Scope)
	if err != nil {
		return nil, err
	}
	if st.RUT == nil {
		return nil, apperr.NonField("Set the company's rut in the SII biller settings (/billers/built_in/) before receiving documents.")
	}
	// one intake at a time per workspace and mode: a concurrent copy of the
	// same envelope waits and is then reported as a duplicate
	var one int
	if err := e.Q.QueryRowContext(e.Ctx, `SELECT 1 FROM sii_settings WHERE workspace_id = $1 AND test_mode = $2`+e.D.ForUpdate(),
		e.Scope.ID, e.Scope.TestMode).Scan(&one); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(up.XML)
	in := &Intake{ID: id.New(IntakePrefix), Source: up.Source, Status: StatusRefused, Messages: []sii.Message{}, Documents: []IntakeDoc{},
		TestMode: e.Scope.TestMode, Created: clock.Stamp{Micros: e.Now.UnixMicro(), Loc: e.Scope.Loc}}
	if up.Filename != "" {
		in.Filename = &up.Filename
	}
	env, msgs := Verify(up.XML, *st.RUT, e.Now, e.Scope.TestMode)
	if env != nil {
		in.IssuerRUT = &env.IssuerRUT
		for _, d := range env.Docs {
			in.Documents = append(in.Documents, IntakeDoc{Document: fmt.Sprintf("CL%d", d.Type), Number: d.Folio})
		}
	}
	in.Messages = append(in.Messages, msgs...)
	if env != nil && !hasError(in.Messages) {
		dups, err := duplicates(e, env)
		if err != nil {
			return nil, err
		}
		in.Messages = append(in.Messages, dups...)
		if len(dups) == len(env.Docs) {
			in.Status = StatusDuplicate
		}
	}
	if env != nil && !hasError(in.Messages) {
		m, err := recordAll(e, in, env, up.ReplyTo)
		if err != nil {
			return nil, err
		}
		if m != nil {
			in.Messages = append(in.Messages, *m)
		} else {
			in.Status = StatusImported
		}
	}
	save, err := s.answerReception(e, st, in, env, up.XML, up.ReplyTo)
	if err != nil {
		return nil, err
	}
	if err := insertIntake(e, in, up.XML, hex.EncodeToString(sum[:])); err != nil {
		return nil, err
	}
	if save != nil {
		return in, save()
	}
	return in, nil
}

func hasError(ms []sii.Message) bool {
	for _, m := range ms {
		if m.Severity == "error" {
			return true
		}
	}
	return false
}

// Verify runs the sandbox agency's checks on an envelope for a receiver
// (docs/procurement.md#61-intake): schema, both signatures, each TED
// against its CAF, the totals, and the receiver's RUT; then the types a
// buyer records. env is nil when the envelope could not be read. In live
// mode a CAF must be signed by the SII's production key: the sandbox key
// is public, so a CAF it signs proves nothing.
func Verify(xml []byte, rut string, now time.Time, testMode bool) (*Envelope, []sii.Message) {
	sb := sii.Sandbox{Receivers: []string{rut, sii.RUTSII}, Today: now, Live: !testMode,
		SIIKeys: sii.SIICAFKeys(sii.ProductionIDK)}
	if testMode {
		sb.SIIKeys = sii.SIICAFKeys(sii.CertificationIDK, sii.ProductionIDK)
	}
	var msgs []sii.Message
	for _, m := range sb.Check(xml).Messages {
		if m.Severity == "error" {
			msgs = append(msgs, m)
		}
	}
	env, err := ParseEnvelope(xml)
	if err != nil {
		if len(msgs) == 0 {
			msgs = append(msgs, sii.Message{Code: "SCH-001", Severity: "error", Text: "The file cannot be received: " + err.Error() + "."})
		}
		return nil, msgs
	}
	for _, d := range env.Docs {
		if d.ReceiverRUT != rut {
			msgs = append(msgs, sii.Message{Code: "REC-001", Severity: "error",
				Text: fmt.Sprintf("Document %s is addressed to RUT %s, not to this company (%s).", d.ID, d.ReceiverRUT, rut)})
		}
		if _, ok := receivedKinds[d.Type]; !ok {
			msgs = append(msgs, sii.Message{Code: "REC-002", Severity: "error",
				Text: fmt.Sprintf("Document %s: type %d is not received as a purchase (33, 34, 56 and 61 are).", d.ID, d.Type)})
		}
	}
	return env, msgs
}

// receivedKinds: what each received type becomes.
var receivedKinds = map[int]*document.Kind{33: document.Purchase, 34: document.Purchase, 56: document.Purchase, 61: document.PurchaseCreditNote}

// duplicates reports the documents already received (DUP-001).
func duplicates(e document.Env, env *Envelope) ([]sii.Message, error) {
	var out []sii.Message
	for _, d := range env.Docs {
		var n int
		err := e.Q.QueryRowContext(e.Ctx, `SELECT COUNT(*) FROM received_dtes WHERE workspace_id = $1 AND test_mode = $2 AND issuer_rut = $3
			AND document_type = $4 AND folio = $5`, e.Scope.ID, e.Scope.TestMode, d.Issuer.RUT, d.Type, d.Folio).Scan(&n)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, sii.Message{Code: "DUP-001", Severity: "error",
				Text: fmt.Sprintf("Folio %d of type %d from %s was already received.", d.Folio, d.Type, d.Issuer.RUT)})
		}
	}
	return out, nil
}

// recordAll records every document of env inside a savepoint: when one
// is refused by the document rules, none stays and the reason is
// returned as a message.
func recordAll(e document.Env, in *Intake, env *Envelope, replyTo string) (*sii.Message, error) {
	if _, err := e.Q.ExecContext(e.Ctx, `SAVEPOINT reception_intake`); err != nil {
		return nil, err
	}
	for i, d := range env.Docs {
		kind, docID, err := record(e, in.ID, d, replyTo)
		if ae, ok := apperr.As(err); ok {
			if _, err := e.Q.ExecContext(e.Ctx, `ROLLBACK TO SAVEPOINT reception_intake`); err != nil {
				return nil, err
			}
			for j := range in.Documents {
				in.Documents[j].Object, in.Documents[j].ID, in.Documents[j].AcceptanceDeadline = nil, nil, nil
			}
			return &sii.Message{Code: "REC-003", Severity: "error", Text: fmt.Sprintf("Document %s cannot be recorded: %s", d.ID, describe(ae))}, nil
		}
		if err != nil {
			return nil, err
		}
		in.Documents[i].Object, in.Documents[i].ID = &kind.Name, &docID
		if dl := deadline(e, d); dl != "" {
			in.Documents[i].AcceptanceDeadline = &dl
		}
	}
	_, err := e.Q.ExecContext(e.Ctx, `RELEASE SAVEPOINT reception_intake`)
	return nil, err
}

// describe renders a rule error for an intake message.
func describe(ae *apperr.Error) string {
	if len(ae.Fields) == 0 {
		return ae.Detail
	}
	b, _ := json.Marshal(ae.Fields)
	return string(b)
}

// deadline is the last day to accept or claim a factura in the SII's
// register (docs/procurement.md#61-intake); "" for other types.
func deadline(e document.Env, d Received) string {
	if d.Type != 33 && d.Type != 34 {
		return ""
	}
	return e.Now.In(sii.Santiago()).AddDate(0, 0, AcceptanceDays).Format("2006-01-02")
}

func insertIntake(e document.Env, in *Intake, xml []byte, sum string) error {
	msgs, _ := json.Marshal(in.Messages)
	docs, _ := json.Marshal(in.Documents)
	_, err := e.Q.ExecContext(e.Ctx, `INSERT INTO reception_intakes (id, workspace_id, test_mode, source, filename, sha256, status, issuer_rut,
		messages, documents, envelope, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		in.ID, e.Scope.ID, e.Scope.TestMode, in.Source, in.Filename, sum, in.Status, in.IssuerRUT, string(msgs), string(docs), xml, in.Created.Micros)
	return err
}

const intakeColumns = `id, source, filename, status, issuer_rut, messages, documents, test_mode, created`

func scanIntake(sc workspace.Scope, row interface{ Scan(...any) error }) (*Intake, error) {
	in := &Intake{}
	var msgs, docs string
	if err := row.Scan(&in.ID, &in.Source, &in.Filename, &in.Status, &in.IssuerRUT, &msgs, &docs, &in.TestMode, &in.Created.Micros); err != nil {
		return nil, err
	}
	in.Created.Loc = sc.Loc
	if err := json.Unmarshal([]byte(msgs), &in.Messages); err != nil {
		return nil, err
	}
	return in, json.Unmarshal([]byte(docs), &in.Documents)
}

var intakes = rows.Table{Name: "reception_intakes", Prefix: IntakePrefix, Columns: intakeColumns}

// IntakeListSpec declares the intake list (docs/procurement.md#61-intake).
var IntakeListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "status", Expr: "status", Lookups: []string{list.In}},
		{Name: "source", Expr: "source", Lookups: []string{list.In}},
		{Name: "issuer_rut", Expr: "issuer_rut", Lookups: []string{list.In}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"created": "created"},
	DefaultOrdering: "-created",
	Search:          []string{"filename", "issuer_rut"},
}

// ListIntakes returns one page of the scope's intakes.
func ListIntakes(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Intake, error) {
	return rows.List(ctx, q, sc, intakes, lq, func(r list.Scanner) (*Intake, error) { return scanIntake(sc, r) })
}

// GetIntake reads one intake of the scope.
func GetIntake(ctx context.Context, q store.Querier, sc workspace.Scope, intakeID string) (*Intake, error) {
	return rows.Get(ctx, q, sc, intakes, intakeID, "", func(r list.Scanner) (*Intake, error) { return scanIntake(sc, r) })
}
