package subscription

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Clock is a test clock (docs/billing.md#10-test-clocks, Cobro).
type Clock struct {
	ID         string      `json:"id"`
	Name       *string     `json:"name"`
	FrozenTime clock.Stamp `json:"frozen_time"`
	Status     string      `json:"status"`
	Customers  int         `json:"customers"`
	Created    clock.Stamp `json:"created"`
	Updated    clock.Stamp `json:"updated"`
}

var clocksTable = rows.Table{Name: "test_clocks k", Alias: "k", Prefix: PrefixClock, Columns: clockColumns}

const clockColumns = `k.id, k.name, k.frozen_time, k.status, (SELECT COUNT(*) FROM customers c WHERE c.test_clock_id = k.id), k.created, k.updated`

func scanClock(sc workspace.Scope, row interface{ Scan(...any) error }) (*Clock, error) {
	var (
		c                        Clock
		name                     sql.NullString
		frozen, created, updated int64
	)
	if err := row.Scan(&c.ID, &name, &frozen, &c.Status, &c.Customers, &created, &updated); err != nil {
		return nil, err
	}
	c.Name = rows.Text(name)
	c.FrozenTime = clock.Stamp{Micros: frozen, Loc: sc.Loc}
	c.Created = clock.Stamp{Micros: created, Loc: sc.Loc}
	c.Updated = clock.Stamp{Micros: updated, Loc: sc.Loc}
	return &c, nil
}

// ClockListSpec declares the test clock list.
var ClockListSpec = list.Spec{
	Fields:          []list.Field{{Name: "created", Expr: "k.created", Kind: list.DateTime, Lookups: list.Ranges}},
	Ordering:        map[string]string{"created": "k.created", "frozen_time": "k.frozen_time"},
	DefaultOrdering: "-created",
	IDExpr:          "k.id",
}

// errLiveClock: test clocks do not exist in live mode.
func liveMode(sc workspace.Scope) error {
	if !sc.TestMode {
		return apperr.NotFoundErr()
	}
	return nil
}

// ListClocks returns one page of test clocks.
func ListClocks(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Clock, error) {
	if err := liveMode(sc); err != nil {
		return 0, nil, err
	}
	return rows.List(ctx, q, sc, clocksTable, lq, func(row list.Scanner) (*Clock, error) { return scanClock(sc, row) })
}

// GetClock returns a test clock, or 404 (always 404 in live mode).
func GetClock(ctx context.Context, q store.Querier, sc workspace.Scope, clockID string) (*Clock, error) {
	return getClock(ctx, q, sc, clockID, "")
}

func getClock(ctx context.Context, q store.Querier, sc workspace.Scope, clockID, lock string) (*Clock, error) {
	if err := liveMode(sc); err != nil {
		return nil, err
	}
	return rows.Get(ctx, q, sc, clocksTable, clockID, lock, func(r list.Scanner) (*Clock, error) { return scanClock(sc, r) })
}

// CreateClock creates a test clock.
// ClockParams creates a test clock, decoded at the HTTP edge; Errs are
// the fields it could not decode (reported in test mode only: live mode
// has no clocks).
type ClockParams struct {
	FrozenTime time.Time
	Name       *string
	Errs       *apperr.Fields
}

func CreateClock(ctx context.Context, q store.Querier, sc workspace.Scope, c ClockParams, now time.Time) (*Clock, error) {
	if err := liveMode(sc); err != nil {
		return nil, err
	}
	if err := fieldsErr(c.Errs); err != nil {
		return nil, err
	}
	at, name := c.FrozenTime, c.Name
	cid, us := id.New(PrefixClock), now.UnixMicro()
	if _, err := q.ExecContext(ctx, `INSERT INTO test_clocks (id, workspace_id, test_mode, name, frozen_time, status, created, updated) VALUES ($1, $2, $3, $4, $5, 'ready', $6, $6)`,
		cid, sc.ID, sc.TestMode, name, at.UnixMicro(), us); err != nil {
		return nil, err
	}
	return GetClock(ctx, q, sc, cid)
}

// DeleteClock deletes a clock with every customer attached to it and
// everything of those customers.
func (svc *Service) DeleteClock(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, clockID string) error {
	if _, err := getClock(ctx, q, sc, clockID, d.ForUpdate()); err != nil {
		return err
	}
	cus := `(SELECT id FROM customers WHERE test_clock_id = $1)`
	docs := `(SELECT id FROM documents WHERE customer_id IN ` + cus + `)`
	stmts := append([]string{}, svc.clockCleanup()...)
	stmts = append(stmts,
		`DELETE FROM usages WHERE subscription_id IN (SELECT id FROM subscriptions WHERE test_clock_id = $1)`,
		`DELETE FROM subscription_runs WHERE subscription_id IN (SELECT id FROM subscriptions WHERE test_clock_id = $1)`,
		`DELETE FROM subscription_items WHERE subscription_id IN (SELECT id FROM subscriptions WHERE test_clock_id = $1)`,
		`DELETE FROM subscriptions WHERE test_clock_id = $1`,
		`DELETE FROM reminders WHERE invoice_id IN `+docs+` OR order_id IN `+docs,
		`DELETE FROM files WHERE object_id IN `+docs,
		`UPDATE documents SET invoice_id = NULL, credit_note_id = NULL WHERE customer_id IN `+cus,
		`DELETE FROM documents WHERE customer_id IN `+cus,
		`DELETE FROM customer_totals WHERE customer_id IN `+cus,
		`DELETE FROM customers WHERE test_clock_id = $1`,
		`DELETE FROM test_clocks WHERE id = $1`,
	)
	for _, s := range stmts {
		if _, err := q.ExecContext(ctx, s, clockID); err != nil {
			return fmt.Errorf("delete test clock: %w", err)
		}
	}
	return nil
}

// Advance moves a clock forward through every due date in order, as the
// scheduler would have done in real time (docs/billing.md#10-test-clocks).
// The target is frozen_time; errs are what the edge could not decode,
// reported once the clock is known to exist.
func (svc *Service) Advance(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, clockID string, target time.Time, errs *apperr.Fields, now time.Time) (*Clock, error) {
	c, err := getClock(ctx, q, sc, clockID, d.ForUpdate())
	if err != nil {
		return nil, err
	}
	if err := fieldsErr(errs); err != nil {
		return nil, err
	}
	current := c.FrozenTime.Time()
	if !target.After(current) {
		return nil, apperr.Field("frozen_time", "Must be later than the current frozen_time.")
	}
	limit, err := advanceLimit(ctx, q, sc, clockID, current)
	if err != nil {
		return nil, err
	}
	if target.After(limit) {
		return nil, apperr.Field("frozen_time", fmt.Sprintf("Cannot advance more than two billing periods of the attached subscriptions at once: the latest allowed time is %s.", clock.Stamp{Micros: limit.UnixMicro(), Loc: sc.Loc}.Time().In(sc.Loc).Format(time.RFC3339)))
	}
	a := advance{svc: svc, ctx: ctx, q: q, d: d, sc: sc, clockID: clockID, now: now, target: target, current: current}
	if err := a.run(); err != nil {
		return nil, err
	}
	if _, err := q.ExecContext(ctx, `UPDATE test_clocks SET frozen_time = $2, updated = $3 WHERE id = $1`, clockID, target.UnixMicro(), now.UnixMicro()); err != nil {
		return nil, err
	}
	return GetClock(ctx, q, sc, clockID)
}

// advance moves one clock from current to target, doing what falls due
// on the way in time order: billing runs and resumes on their days, and
// the retries of failed charges at their instants (docs/billing.md#103-advance).
type advance struct {
	svc             *Service
	ctx             context.Context
	q               store.Querier
	d               store.Dialect
	sc              workspace.Scope
	clockID         string
	now             time.Time // the real time of the writes
	target, current time.Time
}

func (a *advance) run() error {
	targetDay := DateOf(a.target, a.sc.Loc).String()
	sum := &Summary{}
	retried := map[string]bool{} // dunning:retry pairs done: each runs once
	for {
		day, hasDay, err := a.nextDay(targetDay)
		if err != nil {
			return err
		}
		retry, hasRetry, err := a.nextRetry()
		if err != nil {
			return err
		}
		switch {
		case hasRetry && !retried[retry.key()] && (!hasDay || retry.at.Before(day.Start(a.sc.Loc))):
			retried[retry.key()] = true
			if err := a.moveTo(retry.at); err != nil {
				return err
			}
			if err := a.svc.retry(a.ctx, a.q, a.d, a.sc, retry.payload, a.now, true); err != nil {
				return err
			}
		case hasDay:
			if err := a.moveTo(day.Start(a.sc.Loc)); err != nil {
				return err
			}
			progressed, err := a.runDay(day, sum)
			if err != nil || !progressed {
				return err
			}
		default:
			return nil
		}
	}
}

// moveTo sets the clock's time to at (never back).
func (a *advance) moveTo(at time.Time) error {
	if at.Before(a.current) {
		at = a.current
	}
	a.current = at
	_, err := a.q.ExecContext(a.ctx, `UPDATE test_clocks SET frozen_time = $2 WHERE id = $1`, a.clockID, at.UnixMicro())
	return err
}

// nextDay is the earliest billing or resume day among the clock's
// subscriptions up to targetDay.
func (a *advance) nextDay(targetDay string) (Date, bool, error) {
	var next sql.NullString
	if err := a.q.QueryRowContext(a.ctx, `SELECT MIN(CASE WHEN status = 'active' THEN next_billing ELSE pause_until END) FROM subscriptions
		WHERE test_clock_id = $1 AND ((status = 'active' AND next_billing <= $2) OR (status = 'paused' AND pause_until <= $2))`,
		a.clockID, targetDay).Scan(&next); err != nil || !next.Valid {
		return Date{}, false, err
	}
	day, ok := ParseDate(next.String)
	return day, ok, nil
}

// dueRetry is the next retry of a dunning of the clock's subscriptions.
type dueRetry struct {
	at      time.Time
	payload dunningPayload
}

func (r dueRetry) key() string { return r.payload.Dunning + ":" + itoa(r.payload.Retry) }

// nextRetry is the earliest retry due up to the target.
func (a *advance) nextRetry() (dueRetry, bool, error) {
	var r dueRetry
	var at int64
	err := a.q.QueryRowContext(a.ctx, `SELECT d.id, d.retries, d.next_retry FROM dunnings d JOIN subscriptions s ON s.id = d.subscription_id
		WHERE s.test_clock_id = $1 AND d.status = $2 AND d.next_retry <= $3 ORDER BY d.next_retry, d.id LIMIT 1`,
		a.clockID, DunningRetrying, a.target.UnixMicro()).Scan(&r.payload.Dunning, &r.payload.Retry, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	r.payload.Retry++
	r.at = time.UnixMicro(at)
	return r, err == nil, err
}

// runDay runs what is due on day for each of the clock's subscriptions;
// false when none made progress.
func (a *advance) runDay(day Date, sum *Summary) (bool, error) {
	rows, err := a.q.QueryContext(a.ctx, `SELECT id FROM subscriptions WHERE test_clock_id = $1 AND ((status = 'active' AND next_billing <= $2) OR (status = 'paused' AND pause_until <= $2))
		ORDER BY created, id`, a.clockID, day.String())
	if err != nil {
		return false, err
	}
	var ids []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return false, err
		}
		ids = append(ids, s)
	}
	rows.Close()
	progressed := false
	for _, subID := range ids {
		did, err := a.svc.stepOne(a.ctx, a.q, a.d, a.sc, subID, a.now, day.String(), sum)
		if err != nil {
			return false, err
		}
		progressed = progressed || did
	}
	return progressed, nil
}

// advanceLimit: at most two periods of the shortest attached subscription
// past its next billing date (end of that day); two years without any.
func advanceLimit(ctx context.Context, q store.Querier, sc workspace.Scope, clockID string, current time.Time) (time.Time, error) {
	rows, err := q.QueryContext(ctx, `SELECT frequency, next_billing, anchor, next_index FROM subscriptions WHERE test_clock_id = $1 AND status IN ('active', 'paused', 'needs_attention') AND next_billing IS NOT NULL`, clockID)
	if err != nil {
		return time.Time{}, err
	}
	defer rows.Close()
	var limit time.Time
	for rows.Next() {
		var freq, next, anchor string
		var j int
		if err := rows.Scan(&freq, &next, &anchor, &j); err != nil {
			return time.Time{}, err
		}
		p, ok := PeriodOf(freq)
		a, ok2 := ParseDate(anchor)
		if !ok || !ok2 {
			continue
		}
		end := BillingDate(a, p, j+2).AddDays(1).Start(sc.Loc)
		if end.Before(current) {
			end = current.Add(time.Duration(p.Days)*24*time.Hour + time.Duration(p.Months)*31*24*time.Hour)
		}
		if limit.IsZero() || end.Before(limit) {
			limit = end
		}
	}
	if err := rows.Err(); err != nil {
		return time.Time{}, err
	}
	if limit.IsZero() {
		limit = current.AddDate(2, 0, 0)
	}
	return limit, nil
}

// fieldsErr is the 400 of the errors f holds (none when nil).
func fieldsErr(f *apperr.Fields) error {
	if f == nil {
		return nil
	}
	return f.Err()
}
