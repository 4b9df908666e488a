package subscription

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Messages of the actions (docs/billing.md#811-errors).
const (
	MsgPauseStatus   = "Only active subscriptions or subscriptions that need attention can be paused."
	MsgResumeStatus  = "Only paused subscriptions or subscriptions that need attention can be resumed."
	MsgCancelStatus  = "Only active, paused or needs-attention subscriptions can be cancelled."
	MsgProcessStatus = "Only active subscriptions or subscriptions that need attention can be processed."
	MsgPauseUntil    = "Date must be later than today."
	MsgCustomReason  = "This field is required when the reason is custom."
)

// Get returns a subscription of the scope, or 404.
func Get(ctx context.Context, q store.Querier, sc workspace.Scope, subID string) (*Sub, error) {
	return get(ctx, q, sc, subID, "")
}

// open locks a subscription and prepares the env of its clock.
func (svc *Service) open(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, subID string, now time.Time) (env, *Sub, error) {
	e := env{ctx: ctx, q: q, d: d, sc: sc, now: now, us: now.UnixMicro(), svc: svc}
	s, err := get(ctx, q, sc, subID, d.ForUpdate())
	if err != nil {
		return e, nil, err
	}
	if s.TestClockID != nil {
		t, err := clockTime(ctx, q, sc, *s.TestClockID)
		if err != nil {
			return e, nil, err
		}
		e.now = t
	}
	return e, s, nil
}

// ListSpec declares the subscription list (docs/billing.md#810-list).
var ListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "customer", Expr: "s.customer_id", Lookups: []string{list.In}},
		{Name: "test_clock", Expr: "s.test_clock_id", Lookups: []string{list.IsNull}},
		{Name: "status", Expr: "s.status", Kind: list.Enum, Choices: statuses, Lookups: []string{list.In}},
		{Name: "next_billing", Expr: "s.next_billing", Kind: list.Date, Lookups: append([]string{list.IsNull}, list.Ranges...)},
		{Name: "date_start", Expr: "s.date_start", Kind: list.Date, Lookups: list.Ranges},
		{Name: "document", Expr: "s.document_type"},
		{Name: "collection_scheme", Expr: "s.collection_scheme", Kind: list.Enum, Choices: schemes},
		{Name: "plan", Cond: "EXISTS (SELECT 1 FROM subscription_items i WHERE i.subscription_id = s.id AND i.plan_id = {})"},
		{Name: "lines__plan", Cond: "EXISTS (SELECT 1 FROM subscription_items i WHERE i.subscription_id = s.id AND i.plan_id = {})"},
		{Name: "lines", Cond: "EXISTS (SELECT 1 FROM subscription_items i WHERE i.subscription_id = s.id AND i.kind = 'line' AND i.id = {})"},
		{Name: "coupon", Expr: "s.coupon_id"},
		{Name: "orgunit", Expr: "s.orgunit_id"},
		{Name: "needs_attention_reason", Expr: "s.needs_attention_reason", Kind: list.Enum, Choices: reasons},
		{Name: "created", Expr: "s.created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"next_billing": "s.next_billing", "date_start": "s.date_start", "created": "s.created"},
	DefaultOrdering: "-created",
	Search:          []string{"(SELECT c.name FROM customers c WHERE c.id = s.customer_id)", "(SELECT c.tax_id FROM customers c WHERE c.id = s.customer_id)"},
	Metadata:        "s.metadata",
}

// List returns one page of subscriptions with their items.
func List(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Sub, error) {
	n, out, err := rows.List(ctx, q, sc, subsTable, lq, scan)
	if err != nil {
		return 0, nil, err
	}
	return n, out, loadItems(ctx, q, out)
}

// Update applies a PATCH (docs/billing.md#89-update-rules).
func (svc *Service) Update(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, subID string, p *Patch, now time.Time) (*Sub, error) {
	e, before, err := svc.open(ctx, q, d, sc, subID, now)
	if err != nil {
		return nil, err
	}
	s := before.clone()
	s.Updated = e.us
	if p.Has("status") {
		return nil, apperr.Field("status", MsgStatusPatch)
	}
	if before.Status == StatusCancelled || before.Status == StatusFinalized {
		for k := range p.Keys {
			if k != "metadata" {
				return nil, apperr.NonField(MsgClosedOnlyMeta)
			}
		}
	}
	errs := p.errs()
	if c := p.CustomerGiven; c.Set && (c.Value == nil || *c.Value != before.CustomerID) {
		errs.Add("customer", apperr.MsgNoChange)
	}
	if t, ok := invoiceType(p.Document, sc, errs); ok {
		s.TypeID = t.ID
	}
	nextGiven, reschedule := e.patchSchedule(&p.Params, errs, s, before)
	if err := e.readBody(&p.Params, errs, s, before); err != nil {
		return nil, err
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if reschedule {
		s.restartSchedule(nextGiven)
		if s.NextBilling != nil {
			s.setNext()
		}
	}
	if err := save(ctx, q, sc, s, true, before); err != nil {
		return nil, err
	}
	if err := e.emit("subscription.updated", s.ID); err != nil {
		return nil, err
	}
	return get(ctx, q, sc, subID, "")
}

// patchSchedule applies date_start and next_billing, which only change
// before the first billing; it returns the next_billing given and whether
// the schedule starts over.
func (e env) patchSchedule(p *Params, errs *apperr.Fields, s, before *Sub) (*string, bool) {
	firstRunDone := before.PreviousBilling != nil || before.NextBillingCycle > 1
	reschedule := false
	if p.Has("date_start") {
		if firstRunDone {
			errs.Drop("date_start") // whatever was sent, it cannot change
			errs.Add("date_start", MsgAfterFirstBilling)
		} else if v := p.DateStart; v != nil {
			if *v < e.today().String() {
				errs.Add("date_start", MsgDateStartPast)
			} else if *v >= MaxStart {
				errs.Add("date_start", MsgTooFar)
			} else {
				s.DateStart, reschedule = *v, true
			}
		}
	}
	var nextGiven *string
	if p.Has("next_billing") {
		if firstRunDone {
			errs.Drop("next_billing")
			errs.Add("next_billing", MsgAfterFirstBilling)
		} else if p.NextBilling.Set {
			v := p.NextBilling.Value
			nextGiven, reschedule = v, true
			if v != nil && *v < s.DateStart {
				errs.Add("next_billing", MsgNextBeforeStart)
			} else if v != nil && *v >= MaxStart {
				errs.Add("next_billing", MsgTooFar)
			}
		}
	}
	return nextGiven, reschedule
}

func (s *Sub) clone() *Sub {
	c := *s
	c.Lines = append([]*Item(nil), s.Lines...)
	c.Addons = append([]*Item(nil), s.Addons...)
	c.Refs = append([]Reference(nil), s.Refs...)
	return &c
}

// StatusChange is the body of pause and cancel, decoded at the HTTP
// edge: the reason (nil: not_specified), pause_until, the description.
// Errs are the fields the edge could not decode.
type StatusChange struct {
	Reason      *string
	PauseUntil  *string
	Description *string
	Errs        *apperr.Fields
}

// check applies the rules of a status change: a custom reason needs a
// description.
func (c StatusChange) check() (string, *apperr.Fields) {
	errs := &apperr.Fields{}
	if c.Errs != nil {
		errs = c.Errs.Clone()
	}
	reason := "not_specified"
	if c.Reason != nil {
		reason = *c.Reason
	}
	if reason == "custom" && c.Description == nil && !errs.Has("status_description") {
		errs.Add("status_description", MsgCustomReason)
	}
	return reason, errs
}

// Pause moves an active or needs-attention subscription to paused.
func (svc *Service) Pause(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, subID string, c StatusChange, now time.Time) (*Sub, error) {
	e, s, err := svc.open(ctx, q, d, sc, subID, now)
	if err != nil {
		return nil, err
	}
	if s.Status != StatusActive && s.Status != StatusNeedsAttention {
		return nil, apperr.NonField(MsgPauseStatus)
	}
	var until *string
	if v := c.PauseUntil; v != nil && *v <= e.today().String() {
		c.Errs = withError(c.Errs, "pause_until", MsgPauseUntil)
	} else {
		until = v
	}
	reason, errs := c.check()
	if err := errs.Err(); err != nil {
		return nil, err
	}
	desc := c.Description
	s.clearAttention()
	s.Status = StatusPaused
	at := e.us
	s.Paused, s.PausedReason, s.PauseUntil, s.StatusDescription = &at, &reason, until, desc
	s.Updated = e.us
	if err := save(ctx, q, sc, s, false, nil); err != nil {
		return nil, err
	}
	return s, e.emit("subscription.paused", s.ID)
}

// Resume returns a paused or needs-attention subscription to active.
func (svc *Service) Resume(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, subID string, now time.Time) (*Sub, error) {
	e, s, err := svc.open(ctx, q, d, sc, subID, now)
	if err != nil {
		return nil, err
	}
	if s.Status != StatusPaused && s.Status != StatusNeedsAttention {
		return nil, apperr.NonField(MsgResumeStatus)
	}
	if err := e.resume(s); err != nil {
		return nil, err
	}
	return s, nil
}

func (e env) resume(s *Sub) error {
	wasPaused := s.Status == StatusPaused
	finishedRuns := s.NextBilling == nil
	s.clearAttention()
	if wasPaused {
		s.Paused, s.PausedReason, s.PauseUntil = nil, nil, nil
		// skipped periods are never billed: the next date ≥ today and after
		// the previous run
		anchor, _ := ParseDate(s.Anchor)
		p, _ := PeriodOf(s.Frequency)
		from := s.NextIndex
		j := FirstOnOrAfter(anchor, p, from, e.today())
		if s.PreviousBilling != nil {
			prev, _ := ParseDate(*s.PreviousBilling)
			for !BillingDate(anchor, p, j).After(prev) {
				j++
			}
		}
		if s.NextBilling != nil {
			s.NextIndex = j
			// periods skipped count as cycles: billing_cycles limits the
			// service period, not the number of invoices
			if s.BillingCycles != nil && s.hasLicensed() && j > *s.BillingCycles-1 && !s.hasMetered() {
				s.NextBilling = nil
			} else {
				s.setNext()
			}
		}
	}
	if finishedRuns || s.NextBilling == nil {
		s.Status = StatusFinalized
	}
	s.Updated = e.us
	if err := save(e.ctx, e.q, e.sc, s, false, nil); err != nil {
		return err
	}
	if s.Status == StatusFinalized {
		return e.emit("subscription.finalized", s.ID)
	}
	return e.emit("subscription.resumed", s.ID)
}

// Cancel cancels (DELETE) with an optional reason.
func (svc *Service) Cancel(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, subID string, c StatusChange, now time.Time) (*Sub, error) {
	e, s, err := svc.open(ctx, q, d, sc, subID, now)
	if err != nil {
		return nil, err
	}
	reason, errs := c.check()
	if err := errs.Err(); err != nil {
		return nil, err
	}
	desc := c.Description
	if s.Status != StatusActive && s.Status != StatusPaused && s.Status != StatusNeedsAttention {
		return nil, apperr.NonField(MsgCancelStatus)
	}
	s.clearAttention()
	s.Status = StatusCancelled
	at := e.us
	s.Cancelled, s.CancelReason, s.StatusDescription, s.NextBilling = &at, &reason, desc, nil
	s.Paused, s.PausedReason, s.PauseUntil = nil, nil, nil
	s.Updated = e.us
	if err := save(ctx, q, sc, s, false, nil); err != nil {
		return nil, err
	}
	return s, e.emit("subscription.cancelled", s.ID)
}

// ErrAttention reports a run stopped before its invoice; the caller keeps
// the status change (commits) and answers 400 with Message.
type ErrAttention struct{ Message string }

func (e *ErrAttention) Error() string { return e.Message }

// Process runs the next run now (docs/billing.md#87-actions) and returns its invoice.
func (svc *Service) Process(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, subID string, now time.Time) (*document.Doc, error) {
	e, s, err := svc.open(ctx, q, d, sc, subID, now)
	if err != nil {
		return nil, err
	}
	if s.Status != StatusActive && s.Status != StatusNeedsAttention {
		return nil, apperr.NonField(MsgProcessStatus)
	}
	if s.NextBilling == nil {
		return nil, apperr.NonField(MsgProcessStatus)
	}
	inv, err := e.run(s)
	var at *attention
	if errors.As(err, &at) {
		return nil, &ErrAttention{Message: at.Error()}
	}
	if err != nil {
		return nil, err
	}
	if inv == nil {
		return nil, apperr.NonField("This run had nothing to bill.")
	}
	return inv, nil
}

// clockTime is the frozen time of a test clock.
func clockTime(ctx context.Context, q store.Querier, sc workspace.Scope, clockID string) (time.Time, error) {
	var us int64
	err := q.QueryRowContext(ctx, `SELECT frozen_time FROM test_clocks WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`, clockID, sc.ID, sc.TestMode).Scan(&us)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, apperr.NotFoundErr()
	}
	return time.UnixMicro(us), err
}

// withError is f with msg added on field (f is not changed).
func withError(f *apperr.Fields, field, msg string) *apperr.Fields {
	out := &apperr.Fields{}
	if f != nil {
		out = f.Clone()
	}
	out.Add(field, msg)
	return out
}
