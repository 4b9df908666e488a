package reception

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/sii/siiws"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Register is the SII's register of acceptances and claims (RCV), reached
// with the workspace's certificate (the SII biller).
type Register interface {
	RCVAction(ctx context.Context, q store.Querier, sc workspace.Scope, now time.Time, issuer string, td int, folio int64, action string) (siiws.RCVAnswer, error)
	RCVEvents(ctx context.Context, q store.Querier, sc workspace.Scope, now time.Time, issuer string, td int, folio int64) (siiws.RCVAnswer, []siiws.RCVEvent, error)
}

// Job kinds of the register and of the acceptance deadline.
const (
	RCVJobKind      = "reception_rcv"
	DeadlineJobKind = "reception_deadline"
	// DeadlineEvent fires two days before a received factura's
	// acceptance_deadline while it is neither accepted nor claimed.
	DeadlineEvent = "purchase.acceptance_due"
	// DeadlineNotice is how long before the deadline the event fires.
	DeadlineNotice = 2
)

type docJob struct {
	Workspace string `json:"workspace"`
	TestMode  bool   `json:"test_mode"`
	Document  string `json:"document"`
	Action    string `json:"action,omitempty"`
}

// FileRCV queues an action in the SII's register for a received factura
// (docs/procurement.md#65-the-sii-register-rcv): ACD accepts it, RCD,
// RFP and RFT claim it, ERM grants the receipt of goods. The register
// answers through the job queue.
func FileRCV(e document.Env, docID, action string) (*State, error) {
	if !slices.Contains(siiws.RCVActions, action) {
		return nil, apperr.Field("action", fmt.Sprintf("%q is not a valid choice.", action))
	}
	state, err := loadState(e, docID, e.D.ForUpdate())
	if err != nil {
		return nil, err
	}
	if state.docType != 33 && state.docType != 34 {
		return nil, apperr.NonField("Only facturas (CL33, CL34) are accepted or claimed in the SII's register.")
	}
	if state.RCVStatus != nil && *state.RCVStatus == "pending" {
		return nil, apperr.NonField("An action is already on its way to the SII's register.")
	}
	if state.RCVState != nil && action != "ERM" {
		return nil, apperr.NonField("The document is already registered with " + *state.RCVState + ".")
	}
	_, err = e.Q.ExecContext(e.Ctx, `UPDATE received_dtes SET rcv_action = $1, rcv_status = 'pending', rcv_message = NULL WHERE document_id = $2`, action, docID)
	if err != nil {
		return nil, err
	}
	err = jobs.Enqueue(e.Ctx, e.Q, RCVJobKind, fmt.Sprintf("reception_rcv:%s:%s:%d", docID, action, e.Now.UnixMicro()),
		docJob{Workspace: e.Scope.ID, TestMode: e.Scope.TestMode, Document: docID, Action: action}, e.Now, e.Now)
	if err != nil {
		return nil, err
	}
	return GetState(e, docID)
}

// Events is what the SII's register holds for a received factura.
type Events struct {
	Code   int             `json:"code"`
	Text   string          `json:"text"`
	Events []RegisterEvent `json:"events"`
}

// RegisterEvent is one event of the register (listarEventosHistDoc).
type RegisterEvent struct {
	Code        string `json:"code"`
	Text        string `json:"text"`
	Responsible string `json:"responsible"`
	Date        string `json:"date"`
}

// RCVEvents reads the register's events of a received document.
func (s *Service) RCVEvents(e document.Env, docID string) (*Events, error) {
	state, err := GetState(e, docID)
	if err != nil {
		return nil, err
	}
	if s.Register == nil {
		return nil, apperr.NotFoundErr()
	}
	a, evs, err := s.Register.RCVEvents(e.Ctx, e.Q, e.Scope, e.Now, state.IssuerRUT, state.docType, state.Number)
	if err != nil {
		return nil, agencyError(err)
	}
	out := &Events{Code: a.Code, Text: a.Text, Events: []RegisterEvent{}}
	for _, ev := range evs {
		out.Events = append(out.Events, RegisterEvent(ev))
	}
	return out, nil
}

// agencyError turns a transport failure into a 503 that says to retry.
func agencyError(err error) error {
	if _, ok := apperr.As(err); ok {
		return err
	}
	if _, ok := err.(*siiws.Error); ok {
		return apperr.Detail(apperr.Unavailable, "The SII's register cannot be reached now: "+err.Error()+" Try again later.")
	}
	return err
}

// scheduleDeadline queues the deadline event of a received factura, in
// the transaction that records it.
func scheduleDeadline(e document.Env, docID, deadline string) error {
	day, err := time.ParseInLocation("2006-01-02", deadline, sii.Santiago())
	if err != nil {
		return err
	}
	at := day.AddDate(0, 0, -DeadlineNotice).Add(9 * time.Hour) // 09:00 in Chile
	return jobs.Enqueue(e.Ctx, e.Q, DeadlineJobKind, "reception_deadline:"+docID, docJob{Workspace: e.Scope.ID, TestMode: e.Scope.TestMode, Document: docID}, at, e.Now)
}

// Worker runs the register's actions and the deadline events.
type Worker struct {
	DB       *store.DB
	Register Register
	Clock    clock.Clock
	Logger   *slog.Logger
	Deps     document.Deps
}

func (w *Worker) init() {
	if w.Logger == nil {
		w.Logger = slog.New(slog.DiscardHandler)
	}
	if w.Clock == nil {
		w.Clock = clock.System{}
	}
}

// Kinds are the worker's job kinds for the runner.
func (w *Worker) Kinds() []jobs.Kind {
	w.init()
	return []jobs.Kind{
		{Name: RCVJobKind, Handle: w.fileAction, Poll: 5 * time.Second, Lease: time.Minute, RetryAfter: 5 * time.Minute},
		{Name: DeadlineJobKind, Handle: w.deadline, Poll: time.Minute, Lease: time.Minute, RetryAfter: 5 * time.Minute},
	}
}

// RunOnce runs the due jobs of kind (tests).
func (w *Worker) RunOnce(ctx context.Context, kind string) (int, error) {
	for _, k := range w.Kinds() {
		if k.Name == kind {
			return jobs.RunOnce(ctx, w.DB, w.Clock, w.Logger, k)
		}
	}
	return 0, fmt.Errorf("no job kind %s", kind)
}

func (w *Worker) scope(ctx context.Context, j jobs.Job) (docJob, workspace.Scope, error) {
	var p docJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return p, workspace.Scope{}, err
	}
	ws, err := workspace.ByID(ctx, w.DB, p.Workspace)
	if err != nil {
		return p, workspace.Scope{}, err
	}
	return p, workspace.Scope{Workspace: ws, TestMode: p.TestMode}, nil
}

// fileAction sends one queued action to the register; a transport
// failure is retried, the register's refusal is recorded.
func (w *Worker) fileAction(ctx context.Context, j jobs.Job) error {
	p, sc, err := w.scope(ctx, j)
	if err != nil {
		return err
	}
	now := w.Clock.Now()
	e := document.Env{Ctx: ctx, Q: w.DB, D: w.DB.Dialect, Scope: sc, Now: now, Deps: w.Deps}
	state, err := GetState(e, p.Document)
	if err != nil {
		return err
	}
	a, err := w.Register.RCVAction(ctx, w.DB, sc, now, state.IssuerRUT, state.docType, state.Number, p.Action)
	if _, refused := apperr.As(err); err != nil && !refused {
		w.Logger.Warn("SII register not reached; will retry", "document", p.Document, "error", err.Error())
		return err
	}
	status, msg, registered := "refused", fmt.Sprintf("%d %s", a.Code, a.Text), sql.NullString{}
	switch {
	case err != nil:
		msg = err.Error()
	case a.Code == siiws.RCVOK || a.Code == siiws.RCVRegistered:
		status = "registered"
		// rcv_state is the acceptance or claim; the receipt of goods (ERM) is beside it
		registered = sql.NullString{String: p.Action, Valid: p.Action != "ERM"}
	}
	return w.DB.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE received_dtes SET rcv_status = $1, rcv_message = $2, rcv_state = COALESCE($3, rcv_state), rcv_updated = $4
			WHERE document_id = $5 AND workspace_id = $6 AND test_mode = $7`, status, msg, registered, now.UnixMicro(), p.Document, sc.ID, sc.TestMode)
		if err != nil {
			return err
		}
		return jobs.Complete(ctx, tx, j.ID)
	})
}

// deadline emits DeadlineEvent for a factura still neither accepted nor
// claimed, in the SII's register or commercially.
func (w *Worker) deadline(ctx context.Context, j jobs.Job) error {
	p, sc, err := w.scope(ctx, j)
	if err != nil {
		return err
	}
	now := w.Clock.Now()
	return w.DB.InTx(ctx, func(tx *sql.Tx) error {
		e := document.Env{Ctx: ctx, Q: tx, D: w.DB.Dialect, Scope: sc, Now: now, Deps: w.Deps}
		state, err := GetState(e, p.Document)
		if err != nil {
			return err
		}
		settled := state.Result != nil || state.RCVState != nil
		if !settled {
			if err := event.Emit(ctx, tx, sc, DeadlineEvent, p.Document, now); err != nil {
				return err
			}
		}
		return jobs.Complete(ctx, tx, j.ID)
	})
}
