package clsii

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/biller"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// JobKind is the job of a live-mode submission to the sandbox agency.
const JobKind = "sii_sandbox"

// PollDelay is how long the sandbox agency takes to answer after the
// upload, like the SII's first status poll (tax-agency.md §9.1).
const PollDelay = time.Second

// eventPrefix maps a stored document kind to its event object
// (documents.md; the same as document.Kinds' Event, checked by a test).
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

// Worker answers live-mode sandbox submissions through the job queue, the
// way the real agency does (tax-agency.md §1): "send" uploads the
// envelope (biller_status processing, track id), "poll" one PollDelay
// later records the verdict (succeeded or failed, with its event). It is
// the handler of JobKind, run by the job runner (internal/jobs).
type Worker struct {
	DB     *store.DB
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

// Kind is the job kind of submissions for the runner: one at a time, a
// failed step retried a minute later.
func (w *Worker) Kind() jobs.Kind {
	return jobs.Kind{Name: JobKind, Poll: w.Poll, Lease: time.Minute, RetryAfter: time.Minute,
		Handle: func(ctx context.Context, j jobs.Job) error { return w.handle(ctx, j, w.clock().Now()) }}
}

// RunOnce handles the jobs due now and returns how many (tests).
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	return jobs.RunOnce(ctx, w.DB, w.clock(), w.Logger, w.Kind())
}

func (w *Worker) handle(ctx context.Context, j jobs.Job, now time.Time) error {
	var p jobPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Complete(ctx, w.DB, j.ID) // not ours to fix
	}
	return w.DB.InTx(ctx, func(tx *sql.Tx) error {
		ws, err := workspace.ByID(ctx, tx, p.Workspace)
		if err != nil {
			return err
		}
		sc := workspace.Scope{Workspace: ws, TestMode: p.TestMode}
		var kind, status, fileID string
		var taRaw string
		var fid sql.NullString
		err = tx.QueryRowContext(ctx, `SELECT kind, biller_status, tax_agency, local_file FROM documents WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`+
			w.DB.Dialect.ForUpdate(), p.Document, sc.ID, sc.TestMode).Scan(&kind, &status, &taRaw, &fid)
		if errors.Is(err, sql.ErrNoRows) {
			return jobs.Complete(ctx, tx, j.ID)
		}
		if err != nil {
			return err
		}
		fileID = fid.String
		// numbers stay exact text (json.Number): folios are never floats
		var ta map[string]any
		dec := json.NewDecoder(strings.NewReader(taRaw))
		dec.UseNumber()
		if err := dec.Decode(&ta); err != nil || ta == nil {
			ta = map[string]any{}
		}
		stamp := now.In(locOf(sc)).Format(clock.Layout)
		switch {
		case p.Phase == "send" && status == biller.StatusQueued:
			var xml []byte
			if err := tx.QueryRowContext(ctx, `SELECT data FROM files WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`, fileID, sc.ID, sc.TestMode).Scan(&xml); err != nil {
				return fmt.Errorf("file of %s: %w", p.Document, err)
			}
			a := (&sii.Sandbox{Today: now}).Check(xml)
			attempts, _ := strconv.Atoi(fmt.Sprint(ta["attempts"]))
			ta["track_id"], ta["status"], ta["attempts"], ta["submitted"] = a.TrackID, a.Status, attempts+1, stamp
			if err := setDoc(ctx, tx, sc, p.Document, biller.StatusProcessing, ta, now); err != nil {
				return err
			}
			next := jobPayload{Document: p.Document, Workspace: p.Workspace, TestMode: p.TestMode, Phase: "poll", Answer: &a}
			if err := jobs.Enqueue(ctx, tx, JobKind, j.Key+":poll", next, now.Add(PollDelay), now); err != nil {
				return err
			}
		case p.Phase == "poll" && status == biller.StatusProcessing && p.Answer != nil:
			a := *p.Answer
			st, err := Load(ctx, tx, sc)
			if err != nil {
				return err
			}
			sb := &sii.Sandbox{Seen: func(rut string, td int, folio int64) bool {
				r, err := tx.ExecContext(ctx, `INSERT INTO sii_sandbox_received (workspace_id, test_mode, rut, document_type, folio) VALUES ($1, $2, $3, $4, $5)
					ON CONFLICT DO NOTHING`, sc.ID, sc.TestMode, rut, td, folio)
				if err != nil {
					return false
				}
				n, _ := r.RowsAffected()
				return n == 0
			}}
			var td int
			var typeID string
			if err := tx.QueryRowContext(ctx, `SELECT document_type FROM documents WHERE id = $1`, p.Document).Scan(&typeID); err == nil {
				fmt.Sscanf(typeID, "CL%d", &td)
			}
			folio, _ := strconv.ParseInt(fmt.Sprint(ta["folio"]), 10, 64)
			sb.CheckDuplicate(&a, str(st.RUT), td, folio)
			if a.Messages == nil {
				a.Messages = []sii.Message{}
			}
			ta["document_status"], ta["result"], ta["messages"], ta["answered"] = a.DocStatus, a.Result(), a.Messages, stamp
			final := biller.StatusSucceeded
			if a.Result() == "rejected" {
				final = biller.StatusFailed
			}
			if err := setDoc(ctx, tx, sc, p.Document, final, ta, now); err != nil {
				return err
			}
			evt := "biller_succeeded"
			if final == biller.StatusFailed {
				evt = "biller_failed"
				if w.Rejected != nil {
					if err := w.Rejected.DocumentRejected(ctx, tx, sc, p.Document, now); err != nil {
						return err
					}
				}
			}
			if prefix := eventPrefix[kind]; prefix != "" {
				if err := event.Emit(ctx, tx, sc, prefix+"."+evt, p.Document, now); err != nil {
					return err
				}
			}
		}
		return jobs.Complete(ctx, tx, j.ID)
	})
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
