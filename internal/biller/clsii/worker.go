package clsii

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// JobKind is the job of a live-mode submission (sandbox environment or
// the SII).
const JobKind = "sii_sandbox"

// PollDelay is how long the sandbox agency takes to answer after the
// upload, like the SII's first status poll (docs/tax-agency.md#91-which-endpoint).
const PollDelay = time.Second

// eventPrefix maps a stored document kind to its event object
// (docs/documents.md; the same as document.Kinds' Event, checked by a test).
var eventPrefix = map[string]string{"invoice": "invoice", "credit_note": "creditnote", "debit_note": "debitnote", "order": "order",
	"purchase": "purchase", "purchase_credit_note": "purchase.creditnote"}

// EventPrefix is exported for that test.
func EventPrefix(kind string) string { return eventPrefix[kind] }

type jobPayload struct {
	Document  string      `json:"document"`
	Workspace string      `json:"workspace"`
	TestMode  bool        `json:"test_mode"`
	Phase     string      `json:"phase"` // "send", then "poll"
	Answer    *sii.Answer `json:"answer,omitempty"`
}

// enqueue schedules the upload of a finalized document's envelope.
func enqueue(ctx context.Context, q store.Querier, sc workspace.Scope, docID string, now time.Time) error {
	return jobs.Enqueue(ctx, q, JobKind, "sii:"+docID+":"+id.Random(8),
		jobPayload{Document: docID, Workspace: sc.ID, TestMode: sc.TestMode, Phase: "send"}, now, now)
}

// Worker submits live-mode documents through the job queue
// (docs/tax-agency.md#1-billers-and-what-finalize-does): "send" uploads
// the envelope (biller_status processing, track id), "poll" asks for the
// verdict until it is final (succeeded or failed, with its event). Both
// steps are in steps.go.
//
// It is the handler of JobKind, run by the job runner (internal/jobs).
type Worker struct {
	DB *store.DB
	// Biller reaches the agency (nil: one without credentials).
	Biller *Biller
	Clock  clock.Clock
	Logger *slog.Logger
	// Poll is the idle wait between queue scans (default 1 s).
	Poll time.Duration
	// Rejected, when set, is told of a document the agency rejected, in
	// the transaction that records the answer (the subscriptions work puts
	// a rejected run's subscription in needs_attention).
	Rejected Rejections
}

// Rejections hears of documents the agency rejected after their finalize.
type Rejections interface {
	DocumentRejected(ctx context.Context, q store.Querier, sc workspace.Scope, docID string, now time.Time) error
}

func (w *Worker) clock() clock.Clock {
	if w.Clock == nil {
		return clock.System{}
	}
	return w.Clock
}

// Kind is the job kind of submissions for the runner: one at a time; a
// step that failed or is not final yet runs again after its own delay.
func (w *Worker) Kind() jobs.Kind {
	return jobs.Kind{Name: JobKind, Poll: w.Poll, Lease: time.Minute, Backoff: retryDelay,
		Handle: func(ctx context.Context, j jobs.Job) error { return w.handle(ctx, j, w.clock().Now()) }}
}

// RunOnce handles the jobs due now and returns how many (tests). A step's
// error is not returned: it is logged and the job retried after its delay,
// as the runner does.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	n, err := jobs.RunOnce(ctx, w.DB, w.clock(), w.Logger, w.Kind())
	if ctx.Err() != nil {
		return n, err
	}
	return n, nil
}

func (w *Worker) handle(ctx context.Context, j jobs.Job, now time.Time) error {
	var p jobPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Complete(ctx, w.DB, j.ID) // not ours to fix
	}
	switch p.Phase {
	case "send":
		return w.send(ctx, j, p, now)
	case "poll":
		return w.poll(ctx, j, p, now)
	}
	return jobs.Complete(ctx, w.DB, j.ID)
}

func setDoc(ctx context.Context, q store.Querier, sc workspace.Scope, docID, status string, ta map[string]any, now time.Time) error {
	b, err := json.Marshal(ta)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `UPDATE documents SET biller_status = $1, tax_agency = $2, updated = $3 WHERE id = $4 AND workspace_id = $5 AND test_mode = $6`,
		status, string(b), now.UnixMicro(), docID, sc.ID, sc.TestMode)
	return err
}
