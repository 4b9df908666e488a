package paylink

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/payment"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Expirer runs the time-based transitions of payments and payment links
// from the job queue (payment.ExpiryJob): sources whose authentication was
// never answered fail (and their intents with them), card holds older than
// 7 days expire, authorized intents not captured in 7 days are cancelled.
// It is the handler of payment.ExpiryJob, run by the job runner
// (internal/jobs); every node may run one, the leases share the work.
type Expirer struct {
	DB     *store.DB
	Clock  clock.Clock
	Logger *slog.Logger
	Poll   time.Duration // default 15 s
	// Deps are the document collaborators (an intent's source failing).
	Deps document.Deps
}

// Kind is the job kind of expiries for the runner.
func (x *Expirer) Kind() jobs.Kind {
	poll := x.Poll
	if poll <= 0 {
		poll = 15 * time.Second
	}
	return jobs.Kind{Name: payment.ExpiryJob, Handle: x.handle, Poll: poll, Lease: time.Minute, RetryAfter: time.Minute}
}

// RunOnce handles the jobs due now and returns how many (tests).
func (x *Expirer) RunOnce(ctx context.Context) (int, error) {
	return jobs.RunOnce(ctx, x.DB, x.Clock, x.Logger, x.Kind())
}

func (x *Expirer) handle(ctx context.Context, j jobs.Job) error {
	now := x.Clock.Now()
	var p struct{ Object string }
	_ = json.Unmarshal(j.Payload, &p)
	return x.DB.InTx(ctx, func(tx *sql.Tx) error {
		if err := expire(clock.WithNow(ctx, now), tx, x.DB.Dialect, x.Deps, p.Object, now); err != nil {
			return err
		}
		return jobs.Complete(ctx, tx, j.ID)
	})
}

func expire(ctx context.Context, q store.Querier, d store.Dialect, deps document.Deps, objectID string, now time.Time) error {
	var (
		sc  workspace.Scope
		err error
	)
	switch {
	case strings.HasPrefix(objectID, "sou_"):
		sc, err = payment.ScopeOfSource(ctx, q, objectID)
	case strings.HasPrefix(objectID, "pay_"):
		sc, err = payment.ScopeOfPayment(ctx, q, objectID)
	case strings.HasPrefix(objectID, "pin_"):
		sc, err = rows.ScopeOf(ctx, q, intentsTable, objectID)
	default:
		return nil
	}
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.NotFound {
		return nil // destroyed since: nothing to expire
	}
	if err != nil {
		return err
	}
	e := Env{Env: document.Env{Ctx: ctx, Q: q, D: d, Scope: sc, Now: now, Deps: deps}}
	switch objectID[:4] {
	case "sou_":
		return payment.ExpireSource(e.Env, objectID)
	case "pay_":
		return payment.ExpireHold(e.Env, objectID)
	}
	in, _, err := lockIntent(e, objectID)
	if err != nil {
		return err
	}
	_, err = expired(e, in)
	return err
}
