package webhook

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// EventRetention is how long events are shown (docs/webhooks.md#2-events: kept 30
// days); older ones are 404 and absent from lists even before a purge.
const EventRetention = 30 * 24 * time.Hour

// EventView is the API object of an event (docs/webhooks.md#22-event-object).
type EventView struct {
	ID         string          `json:"id"`
	Event      string          `json:"event"`
	ObjectID   string          `json:"object_id"`
	ObjectType string          `json:"object_type"`
	TestMode   bool            `json:"test_mode"`
	Created    clock.Stamp     `json:"created"`
	Deliveries []*DeliveryView `json:"deliveries"`
}

// DeliveryView is one entry of an event's deliveries.
type DeliveryView struct {
	Webhook     string          `json:"webhook"`
	Status      string          `json:"status"`
	NextAttempt clock.NullStamp `json:"next_attempt"`
	Attempts    []AttemptView   `json:"attempts"`
}

// AttemptView is one recorded POST of a delivery.
type AttemptView struct {
	Number       int64       `json:"number"`
	At           clock.Stamp `json:"at"`
	StatusCode   *int64      `json:"status_code"`
	Error        *string     `json:"error"`
	DurationMS   int64       `json:"duration_ms"`
	ResponseBody *string     `json:"response_body"`
}

const eventColumns = `id, event, object_id, object_type, test_mode, created`

func scanEvent(sc workspace.Scope, row interface{ Scan(...any) error }) (*EventView, error) {
	var (
		e       EventView
		created int64
	)
	if err := row.Scan(&e.ID, &e.Event, &e.ObjectID, &e.ObjectType, &e.TestMode, &created); err != nil {
		return nil, err
	}
	e.Created = clock.Stamp{Micros: created, Loc: sc.Loc}
	e.Deliveries = []*DeliveryView{}
	return &e, nil
}

// visibleSince is the oldest created shown at now.
func visibleSince(now time.Time) int64 { return now.Add(-EventRetention).UnixMicro() }

// GetEvent returns an event of the scope younger than EventRetention, with
// its deliveries, or 404.
func GetEvent(ctx context.Context, q store.Querier, sc workspace.Scope, eventID string, now time.Time) (*EventView, error) {
	if !id.Valid("evt", eventID) {
		return nil, apperr.NotFoundErr()
	}
	e, err := scanEvent(sc, q.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE id = $1 AND workspace_id = $2 AND test_mode = $3 AND created >= $4`,
		eventID, sc.ID, sc.TestMode, visibleSince(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundErr()
	}
	if err != nil {
		return nil, err
	}
	return e, attachDeliveries(ctx, q, sc, []*EventView{e})
}

// EventListSpec declares the event list (docs/webhooks.md#22-event-object).
var EventListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "event", Expr: "event", Lookups: []string{list.In}},
		{Name: "object_id", Expr: "object_id", Lookups: []string{list.In}},
		{Name: "object_type", Expr: "object_type", Lookups: []string{list.In}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"created": "created"},
	DefaultOrdering: "-created",
	// The events of one request share created; seq keeps their causal order.
	IDExpr: "seq",
}

// EventListArgs is the number of scope arguments ListEvents binds before
// the list's own (the argOffset of Spec.Parse).
const EventListArgs = 3

// ListEvents returns one page of the scope's events of the last
// EventRetention, with their deliveries.
func ListEvents(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query, now time.Time) (int, []*EventView, error) {
	count, out, err := list.Fetch(ctx, q, lq, eventColumns, ` FROM events WHERE workspace_id = $1 AND test_mode = $2 AND created >= $3`,
		[]any{sc.ID, sc.TestMode, visibleSince(now)}, func(r list.Scanner) (*EventView, error) { return scanEvent(sc, r) })
	if err != nil {
		return 0, nil, err
	}
	return count, out, attachDeliveries(ctx, q, sc, out)
}

// attachDeliveries loads the deliveries and attempts of events in two
// queries.
func attachDeliveries(ctx context.Context, q store.Querier, sc workspace.Scope, events []*EventView) error {
	if len(events) == 0 {
		return nil
	}
	byEvent := map[string]*EventView{}
	args := []any{sc.ID}
	phs := make([]string, 0, len(events))
	for _, e := range events {
		byEvent[e.ID] = e
		args = append(args, e.ID)
		phs = append(phs, fmt.Sprintf("$%d", len(args)))
	}
	in := strings.Join(phs, ", ")
	type delivery struct {
		id, event string
		view      *DeliveryView
	}
	ds, err := store.Collect(ctx, q, func(r store.Scanner) (d delivery, err error) {
		var next sql.NullInt64
		d.view = &DeliveryView{Attempts: []AttemptView{}}
		err = r.Scan(&d.id, &d.event, &d.view.Webhook, &d.view.Status, &next)
		d.view.NextAttempt = rows.Stamp(next, sc.Loc)
		return d, err
	}, `SELECT id, event_id, webhook_id, status, next_attempt FROM deliveries
		WHERE workspace_id = $1 AND event_id IN (`+in+`) ORDER BY created, id`, args...)
	if err != nil || len(ds) == 0 {
		return err
	}
	byID := map[string]*DeliveryView{}
	for _, d := range ds {
		byID[d.id] = d.view
		byEvent[d.event].Deliveries = append(byEvent[d.event].Deliveries, d.view)
	}
	type attempt struct {
		delivery string
		view     AttemptView
	}
	as, err := store.Collect(ctx, q, func(r store.Scanner) (a attempt, err error) {
		var (
			at       int64
			code     sql.NullInt64
			msg, res sql.NullString
		)
		err = r.Scan(&a.delivery, &a.view.Number, &at, &code, &msg, &a.view.DurationMS, &res)
		a.view.At = clock.Stamp{Micros: at, Loc: sc.Loc}
		a.view.StatusCode, a.view.Error, a.view.ResponseBody = rows.Int(code), rows.Text(msg), rows.Text(res)
		return a, err
	}, `SELECT a.delivery_id, a.number, a.at, a.status_code, a.error, a.duration_ms, a.response_body
		FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
		WHERE d.workspace_id = $1 AND d.event_id IN (`+in+`) ORDER BY a.delivery_id, a.number`, args...)
	if err != nil {
		return err
	}
	for _, a := range as {
		if d := byID[a.delivery]; d != nil {
			d.Attempts = append(d.Attempts, a.view)
		}
	}
	return nil
}

// Redeliver starts a new delivery of an event (fresh schedule, same
// webhook-id) to the endpoint named in the body, or to every enabled
// endpoint of the mode subscribed to it (docs/webhooks.md#53-redelivery).
// The endpoint named is webhook (nil: every subscribed one); errs are what
// the edge could not decode, reported once the event is known to exist.
func Redeliver(ctx context.Context, q store.Querier, sc workspace.Scope, eventID string, webhook *string, errs *apperr.Fields, now time.Time) (*EventView, error) {
	ev, err := GetEvent(ctx, q, sc, eventID, now)
	if err != nil {
		return nil, err
	}
	if errs != nil {
		if err := errs.Err(); err != nil {
			return nil, err
		}
	}
	var targets []string
	if ref := webhook; ref != nil {
		ep, err := GetEndpoint(ctx, q, sc, *ref, "")
		if e, nf := apperr.As(err); nf && e.Kind == apperr.NotFound {
			return nil, apperr.Field("webhook", apperr.MsgPK(*ref))
		}
		if err != nil {
			return nil, err
		}
		if ep.Status != StatusEnabled {
			return nil, apperr.Field("webhook", MsgDisabled)
		}
		if !ep.Subscribed(ev.Event) {
			return nil, apperr.Field("webhook", fmt.Sprintf("The endpoint is not subscribed to %s.", ev.Event))
		}
		targets = append(targets, ep.ID)
	} else {
		eps, err := store.Collect(ctx, q, ScanEndpoint, `SELECT `+Columns+` FROM webhook_endpoints WHERE workspace_id = $1 AND test_mode = $2 AND status = $3 ORDER BY created, id`,
			sc.ID, sc.TestMode, StatusEnabled)
		if err != nil {
			return nil, err
		}
		for _, ep := range eps {
			if ep.Subscribed(ev.Event) {
				targets = append(targets, ep.ID)
			}
		}
		if len(targets) == 0 {
			return nil, apperr.NonField(MsgNoSubscribers)
		}
	}
	for _, t := range targets {
		if _, err := NewDelivery(ctx, q, sc, ev.ID, t, DeliveryPending, now); err != nil {
			return nil, err
		}
	}
	return GetEvent(ctx, q, sc, ev.ID, now)
}
