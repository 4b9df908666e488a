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
type Worker struct {
	DB *store.DB
	// Biller reaches the agency (nil: the installed one).
	Biller *Biller
	Clock  clock.Clock
	Logger *slog.Logger
	// Poll is the idle wait between queue scans (default 1 s).
	Poll time.Duration
	id   string
}

func (w *Worker) init() {
	if w.Clock == nil {
		w.Clock = clock.System{}
	}
	if w.Logger == nil {
		w.Logger = slog.New(slog.DiscardHandler)
	}
	if w.Poll == 0 {
		w.Poll = time.Second
	}
	if w.id == "" {
		w.id = "sii_" + id.Random(10)
	}
}

// Run works until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	w.init()
	for ctx.Err() == nil {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Logger.Warn("sii worker", "error", err.Error())
		}
		if n > 0 {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(w.Poll):
		}
	}
}

// RunOnce handles the jobs due now and returns how many.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.init()
	now := w.Clock.Now()
	claimed, err := jobs.Claim(ctx, w.DB, JobKind, w.id, now, time.Minute, 16)
	if err != nil {
		return 0, err
	}
	for _, j := range claimed {
		if err := w.handle(ctx, j, now); err != nil {
			w.Logger.Warn("sii job", "job", j.ID, "error", err.Error())
			if err := jobs.Retry(ctx, w.DB, j.ID, now.Add(retryDelay(err))); err != nil {
				return len(claimed), err
			}
		}
	}
	return len(claimed), nil
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
