package subscription

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// DefaultBatch is the runs of one billing transaction: hundreds, so the
// batch's multi-row writes and its commit are shared by many runs.
const DefaultBatch = 500

// Summary counts what a billing run did.
type Summary struct {
	Processed int // runs attempted
	Invoices  int // invoices created
	Attention int // runs that left a subscription needing attention
	Resumed   int // paused subscriptions resumed by pause_until
}

// BillOptions select what Bill processes.
type BillOptions struct {
	// Day bills dates ≤ Day (YYYY-MM-DD); "" = today in each workspace's
	// time zone.
	Day string
	// Workspace limits the run to one workspace ("" = all).
	Workspace string
	// Batch is the number of runs per transaction (default DefaultBatch).
	Batch  int
	Logger *slog.Logger
}

// Bill processes every active subscription whose next_billing is due, one
// run at a time per subscription until caught up (docs/billing.md#84-billing-schedule), and
// resumes paused subscriptions whose pause_until arrived. Safe to run on
// several nodes at once: each subscription row is locked while it runs
// (SKIP LOCKED on PostgreSQL), its due date is re-checked under the lock,
// and subscription_runs' primary key (subscription, billing date) refuses
// a second run of a date whatever happens.
// Subscriptions attached to a test clock are left to their clock.
func (svc *Service) Bill(ctx context.Context, db *store.DB, now time.Time, opt BillOptions) (Summary, error) {
	var sum Summary
	if opt.Batch <= 0 {
		opt.Batch = DefaultBatch
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	// the latest "today" on Earth bounds every workspace's today
	bound := now.UTC().Add(14 * time.Hour).Format(time.DateOnly)
	if opt.Day != "" {
		bound = opt.Day
	}
	// each half on its partial index
	ws := ""
	args := []any{bound}
	if opt.Workspace != "" {
		ws = ` AND workspace_id = $2`
		args = append(args, opt.Workspace)
	}
	q := `SELECT workspace_id FROM subscriptions WHERE status = 'active' AND next_billing <= $1 AND test_clock_id IS NULL` + ws +
		` UNION SELECT workspace_id FROM subscriptions WHERE status = 'paused' AND pause_until <= $1 AND test_clock_id IS NULL` + ws
	wss, err := store.Strings(ctx, db, q, args...)
	if err != nil {
		return sum, err
	}
	for _, wid := range wss {
		w, err := workspace.ByID(ctx, db, wid)
		if err != nil {
			return sum, err
		}
		day := opt.Day
		if day == "" {
			day = DateOf(now, w.Loc).String()
		}
		for _, testMode := range []bool{false, true} {
			sc := workspace.Scope{Workspace: w, TestMode: testMode}
			if err := svc.billScope(ctx, db, sc, now, day, opt, &sum); err != nil {
				return sum, err
			}
		}
	}
	return sum, nil
}

// billScope runs the due subscriptions of one scope in batches: one
// transaction per batch, the invoice numbers and customer totals of the
// batch written last (document.Tail: the sequence and totals rows are
// every concurrent writer's locks). An unexpected error
// rolls the batch back and its subscriptions run again one transaction
// each, so one broken subscription cannot hold the others back.
func (svc *Service) billScope(ctx context.Context, db *store.DB, sc workspace.Scope, now time.Time, day string, opt BillOptions, sum *Summary) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var ids []string
		n := 0
		batchSum := Summary{}
		err := db.InTx(ctx, func(tx *sql.Tx) error {
			b, err := claimBatch(ctx, tx, db.Dialect, sc, day, opt.Batch)
			if err != nil {
				return err
			}
			ids = b.order
			bctx := event.WithCache(ctx)
			for _, subID := range ids {
				e := env{ctx: bctx, q: tx, d: db.Dialect, sc: sc, now: now, us: now.UnixMicro(), svc: svc, batch: b}
				did, err := e.step(b.subs[subID], day, &batchSum)
				if err != nil {
					return err
				}
				if did {
					n++
				}
			}
			return b.flush(document.Env{Ctx: bctx, Q: tx, D: db.Dialect, Scope: sc, Now: now, Deps: svc.documents()})
		})
		if err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && len(ids) == 0 {
			return err
		}
		if err != nil {
			opt.Logger.Warn("billing batch failed; running its subscriptions one by one", "error", err.Error())
			n = 0
			for _, subID := range ids {
				did, err := svc.billAlone(ctx, db, sc, subID, now, day, sum, opt)
				if err != nil {
					return err
				}
				if did {
					n++
				}
			}
		} else {
			sum.Processed += batchSum.Processed
			sum.Invoices += batchSum.Invoices
			sum.Attention += batchSum.Attention
			sum.Resumed += batchSum.Resumed
		}
		if n == 0 {
			return nil
		}
	}
}

// billAlone runs one subscription in its own transaction; when that fails
// unexpectedly, the failure is recorded on the subscription
// (processing_issue) so it is not retried in a loop.
func (svc *Service) billAlone(ctx context.Context, db *store.DB, sc workspace.Scope, subID string, now time.Time, day string, sum *Summary, opt BillOptions) (bool, error) {
	var did bool
	one := Summary{}
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		did, err = svc.stepOne(ctx, tx, db.Dialect, sc, subID, now, day, &one)
		return err
	})
	if err == nil {
		sum.Processed += one.Processed
		sum.Invoices += one.Invoices
		sum.Attention += one.Attention
		sum.Resumed += one.Resumed
		return did, nil
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	opt.Logger.Error("billing run failed", "subscription", subID, "error", err.Error())
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		e, s, err := svc.open(ctx, tx, db.Dialect, sc, subID, now)
		if err != nil {
			return err
		}
		if s.Status != StatusActive {
			return nil
		}
		if aerr := e.needAttention(s, ReasonProcessing, "An internal error stopped the run; see the server logs."); aerr != nil && !isAttention(aerr) {
			return aerr
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	sum.Attention++
	return true, nil
}

func isAttention(err error) bool {
	var a *attention
	return errors.As(err, &a)
}

// stepOne locks subscription subID and does what is due on it at day.
func (svc *Service) stepOne(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, subID string, now time.Time, day string, sum *Summary) (bool, error) {
	e, s, err := svc.open(ctx, q, d, sc, subID, now)
	if err != nil {
		return false, err
	}
	return e.step(s, day, sum)
}

// step does what is due on the locked subscription s at day: its resume
// or its next run.
func (e env) step(s *Sub, day string, sum *Summary) (bool, error) {
	switch {
	case s.Status == StatusPaused && s.PauseUntil != nil && *s.PauseUntil <= day:
		sum.Resumed++
		return true, e.resume(s)
	case s.Status == StatusActive && s.NextBilling != nil && *s.NextBilling <= day:
		sum.Processed++
		inv, err := e.run(s)
		if isAttention(err) {
			sum.Attention++
			return true, nil
		}
		if err != nil {
			return false, err
		}
		if inv != nil {
			sum.Invoices++
		}
		if s.Status == StatusNeedsAttention {
			sum.Attention++
		}
		return true, nil
	}
	return false, nil // done meanwhile by another node
}
