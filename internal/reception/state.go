package reception

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/biller/clsii"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/sii"
)

// State is the exchange state of a received document
// (docs/procurement.md#64-reception-state).
type State struct {
	Document           string          `json:"document"`
	Intake             string          `json:"intake"`
	IssuerRUT          string          `json:"issuer_rut"`
	DocumentType       string          `json:"document_type"`
	Number             int64           `json:"number"`
	Date               string          `json:"date"`
	Total              string          `json:"total"`
	IssuerEmail        *string         `json:"issuer_email"`
	Received           clock.Stamp     `json:"received"`
	AcceptanceDeadline *string         `json:"acceptance_deadline"`
	Result             *string         `json:"result"`
	ResultReason       *string         `json:"result_reason"`
	Receipt            clock.NullStamp `json:"receipt"`
	RCVState           *string         `json:"rcv_state"`
	RCVAction          *string         `json:"rcv_action"`
	RCVStatus          *string         `json:"rcv_status"`
	RCVMessage         *string         `json:"rcv_message"`
	RCVUpdated         clock.NullStamp `json:"rcv_updated"`
	TestMode           bool            `json:"test_mode"`

	docType int
}

const stateColumns = `document_id, intake_id, issuer_rut, document_type, folio, date, total, issuer_email, received, acceptance_deadline,
	result, result_reason, receipt, rcv_state, rcv_action, rcv_status, rcv_message, rcv_updated, test_mode`

// GetState reads the exchange state of a received document (a purchase
// or purchase credit note id); 404 for a document not received as a DTE.
func GetState(e document.Env, docID string) (*State, error) { return loadState(e, docID, "") }

func loadState(e document.Env, docID, lock string) (*State, error) {
	s := &State{}
	err := e.Q.QueryRowContext(e.Ctx, `SELECT `+stateColumns+` FROM received_dtes WHERE document_id = $1 AND workspace_id = $2 AND test_mode = $3`+lock,
		docID, e.Scope.ID, e.Scope.TestMode).Scan(&s.Document, &s.Intake, &s.IssuerRUT, &s.docType, &s.Number, &s.Date, &s.Total, &s.IssuerEmail,
		&s.Received.Micros, &s.AcceptanceDeadline, &s.Result, &s.ResultReason, &s.Receipt.Micros, &s.RCVState, &s.RCVAction, &s.RCVStatus, &s.RCVMessage, &s.RCVUpdated.Micros, &s.TestMode)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundErr()
	}
	if err != nil {
		return nil, err
	}
	s.DocumentType = fmt.Sprintf("CL%d", s.docType)
	s.Received.Loc, s.Receipt.Loc, s.RCVUpdated.Loc = e.Scope.Loc, e.Scope.Loc, e.Scope.Loc
	return s, nil
}

func (s *State) key(receiverRUT string) sii.DocKey {
	return sii.DocKey{Type: s.docType, Folio: s.Number, Date: s.Date, IssuerRUT: s.IssuerRUT, ReceiverRUT: receiverRUT, Total: s.Total}
}

// Commercial results (docs/procurement.md#63-exchange-answers).
const (
	ResultAccepted = "accepted"
	ResultRejected = "rejected"
)

// SetResult records the commercial result of a received document and
// sends its ResultadoDTE to the issuer: accepted (reason optional) or
// rejected (reason required); once.
func (s *Service) SetResult(e document.Env, docID, result, reason string) (*State, error) {
	reason = strings.TrimSpace(reason)
	fe := &apperr.Fields{}
	if result == ResultRejected && reason == "" {
		fe.Add("reason", "Say why the document is rejected.")
	}
	if len([]rune(reason)) > 256 {
		fe.Add("reason", "Ensure this field has no more than 256 characters.")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	st, cert, state, err := s.prepare(e, docID)
	if err != nil {
		return nil, err
	}
	if state.Result != nil {
		return nil, apperr.NonField("The document was already " + *state.Result + ".")
	}
	r := sii.DocResult{DocKey: state.key(deref(st.RUT)), Code: sii.AnswerNumber(state.Intake), Status: 0, Gloss: orDefault(reason, "DTE aceptado")}
	if result == ResultRejected {
		r.Status, r.Reason = 2, -1
	}
	out, err := sii.BuildResultadoDTE(party(st, state.IssuerRUT), sii.AnswerNumber(docID+"/result"), []sii.DocResult{r}, cert, e.Now)
	if err != nil {
		return nil, err
	}
	var why *string
	if reason != "" {
		why = &reason
	}
	if _, err := e.Q.ExecContext(e.Ctx, `UPDATE received_dtes SET result = $1, result_reason = $2 WHERE document_id = $3`, result, why, docID); err != nil {
		return nil, err
	}
	if _, err := saveAnswer(e, AnswerResult, state.Intake, docID, out, deref(state.IssuerEmail)); err != nil {
		return nil, err
	}
	return GetState(e, docID)
}

// Acknowledge sends the EnvioRecibos of a received document: its goods or
// services were received at place (default the company's address); once.
func (s *Service) Acknowledge(e document.Env, docID, place string) (*State, error) {
	place = strings.TrimSpace(place)
	if len([]rune(place)) > 80 {
		return nil, apperr.Field("place", "Ensure this field has no more than 80 characters.")
	}
	st, cert, state, err := s.prepare(e, docID)
	if err != nil {
		return nil, err
	}
	if state.Receipt.Micros != nil {
		return nil, apperr.NonField("The receipt of this document was already sent.")
	}
	if state.docType == 61 {
		return nil, apperr.NonField("Credit notes have no receipt of goods or services.")
	}
	if place == "" {
		place = deref(st.Address)
	}
	if place == "" {
		return nil, apperr.Field("place", "Say where the goods or services were received (the company has no address).")
	}
	rec := sii.Receipt{DocKey: state.key(deref(st.RUT)), Place: place, SignerRUT: cert.RUT}
	if rec.SignerRUT == "" {
		rec.SignerRUT = deref(st.RUT)
	}
	out, err := sii.BuildEnvioRecibos(party(st, state.IssuerRUT), []sii.Receipt{rec}, cert, e.Now)
	if err != nil {
		return nil, err
	}
	if _, err := e.Q.ExecContext(e.Ctx, `UPDATE received_dtes SET receipt = $1 WHERE document_id = $2`, e.Now.UnixMicro(), docID); err != nil {
		return nil, err
	}
	if _, err := saveAnswer(e, AnswerReceipt, state.Intake, docID, out, deref(state.IssuerEmail)); err != nil {
		return nil, err
	}
	return GetState(e, docID)
}

// prepare locks a received document's state and loads what signing an
// answer needs.
func (s *Service) prepare(e document.Env, docID string) (*clsii.Stored, *sii.Certificate, *State, error) {
	state, err := loadState(e, docID, e.D.ForUpdate())
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := clsii.Load(e.Ctx, e.Q, e.Scope)
	if err != nil {
		return nil, nil, nil, err
	}
	if s.Signer == nil {
		return nil, nil, nil, apperr.NonField("Answers cannot be signed: the SII biller is not available.")
	}
	cert, err := s.Signer.Certificate(e.Ctx, e.Q, e.Scope, e.Now)
	if err != nil {
		return nil, nil, nil, err
	}
	return st, cert, state, nil
}
