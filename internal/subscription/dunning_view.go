package subscription

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// PrefixDunning is the id prefix of dunnings.
const PrefixDunning = "dun"

// DunningView is what dunning is doing about one invoice whose automatic
// charge failed (docs/billing.md#815-dunning-state).
type DunningView struct {
	ID           string `json:"id"`
	Subscription string `json:"subscription"`
	Invoice      string `json:"invoice"`
	Customer     string `json:"customer"`
	Status       string `json:"status"`
	// Retries is how many retries ran (the run's own charge not counted).
	Retries   int   `json:"retries"`
	RetryDays []int `json:"retry_days"`
	// Started is the failed charge the retry days count from, in the
	// subscription's time (its test clock's when attached).
	Started     clock.Stamp     `json:"started"`
	NextRetry   clock.NullStamp `json:"next_retry"`
	FinalAction string          `json:"final_action"`
	TestMode    bool            `json:"test_mode"`
	Created     clock.Stamp     `json:"created"`
	Updated     clock.Stamp     `json:"updated"`
}

var dunningsTable = rows.Table{Name: "dunnings", Prefix: PrefixDunning, Columns: `id, subscription_id, invoice_id, customer_id, status, retries, retry_days,
	COALESCE(started, created), next_retry, final_action, test_mode, created, updated`}

func scanDunning(sc workspace.Scope, row list.Scanner) (*DunningView, error) {
	var (
		v                         DunningView
		days                      string
		started, created, updated int64
		next                      sql.NullInt64
	)
	if err := row.Scan(&v.ID, &v.Subscription, &v.Invoice, &v.Customer, &v.Status, &v.Retries, &days, &started, &next, &v.FinalAction,
		&v.TestMode, &created, &updated); err != nil {
		return nil, err
	}
	v.Started, v.Created, v.Updated = clock.Stamp{Micros: started, Loc: sc.Loc}, clock.Stamp{Micros: created, Loc: sc.Loc}, clock.Stamp{Micros: updated, Loc: sc.Loc}
	v.NextRetry = rows.Stamp(next, sc.Loc)
	return &v, json.Unmarshal([]byte(days), &v.RetryDays)
}

// DunningListSpec declares the dunning list.
var DunningListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: []string{DunningRetrying, DunningRecovered, DunningExhausted, DunningStopped}, Lookups: []string{list.In}},
		{Name: "subscription", Expr: "subscription_id", Lookups: []string{list.In}},
		{Name: "invoice", Expr: "invoice_id"},
		{Name: "customer", Expr: "customer_id", Lookups: []string{list.In}},
		{Name: "next_retry", Expr: "next_retry", Kind: list.DateTime, Lookups: append([]string{list.IsNull}, list.Ranges...)},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"created": "created", "next_retry": "next_retry"},
	DefaultOrdering: "-created",
}

// ListDunnings returns one page of the scope's dunnings.
func ListDunnings(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*DunningView, error) {
	return rows.List(ctx, q, sc, dunningsTable, lq, func(r list.Scanner) (*DunningView, error) { return scanDunning(sc, r) })
}

// ListSubscriptionDunnings returns one page of a subscription's dunnings,
// or a 404 for a subscription not in the scope (lq binds from $4).
func ListSubscriptionDunnings(ctx context.Context, q store.Querier, sc workspace.Scope, subID string, lq *list.Query) (int, []*DunningView, error) {
	if _, err := get(ctx, q, sc, subID, ""); err != nil {
		return 0, nil, err
	}
	return list.Fetch(ctx, q, lq, dunningsTable.Columns, dunningsTable.From()+` AND subscription_id = $3`, []any{sc.ID, sc.TestMode, subID},
		func(r list.Scanner) (*DunningView, error) { return scanDunning(sc, r) })
}

// GetDunningView returns one dunning of the scope, or a 404.
func GetDunningView(ctx context.Context, q store.Querier, sc workspace.Scope, dunID string) (*DunningView, error) {
	return rows.Get(ctx, q, sc, dunningsTable, dunID, "", func(r list.Scanner) (*DunningView, error) { return scanDunning(sc, r) })
}
