package subscription

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Final actions of dunning: what happens to a subscription and its invoice
// once every retry failed (docs/billing.md#813-dunning).
const (
	FinalCancel         = "cancel_subscription"
	FinalUncollectible  = "mark_uncollectible"
	FinalNeedsAttention = "needs_attention"
)

// FinalActions are the accepted final_action values.
var FinalActions = []string{FinalCancel, FinalUncollectible, FinalNeedsAttention}

// DefaultRetryDays is the retry schedule of a workspace that set none:
// days after the failed charge.
var DefaultRetryDays = []int{1, 3, 5, 7}

// Limits of retry_days.
const (
	MaxRetries  = 8
	MaxRetryDay = 60
)

// CollectionSettings are a workspace's collection settings
// (docs/billing.md#814-collection-settings): the dunning schedule and
// final action, and whether the customer portal may cancel subscriptions.
type CollectionSettings struct {
	RetryDays                 []int  `json:"retry_days"`
	FinalAction               string `json:"final_action"`
	PortalCancelSubscriptions bool   `json:"portal_cancel_subscriptions"`
}

// CollectionPatch is the decoded PATCH body; nil fields are not given.
// Errs are what the edge could not decode.
type CollectionPatch struct {
	RetryDays                 *[]int
	FinalAction               *string
	PortalCancelSubscriptions *bool
	Errs                      *apperr.Fields
}

// LoadCollectionSettings reads a workspace's settings (defaults when none).
func LoadCollectionSettings(ctx context.Context, q store.Querier, workspaceID string) (CollectionSettings, error) {
	st := CollectionSettings{RetryDays: append([]int(nil), DefaultRetryDays...), FinalAction: FinalNeedsAttention}
	var days string
	err := q.QueryRowContext(ctx, `SELECT retry_days, final_action, portal_cancel FROM collection_settings WHERE workspace_id = $1`, workspaceID).
		Scan(&days, &st.FinalAction, &st.PortalCancelSubscriptions)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal([]byte(days), &st.RetryDays); err != nil {
		return st, fmt.Errorf("collection settings of %s: %w", workspaceID, err)
	}
	return st, nil
}

// CheckRetryDays is the rule of retry_days: 1–8 days, each 1–60, strictly
// increasing ("" when valid).
func CheckRetryDays(days []int) string {
	if len(days) == 0 || len(days) > MaxRetries {
		return fmt.Sprintf("Give 1 to %d retry days.", MaxRetries)
	}
	for i, d := range days {
		if d < 1 || d > MaxRetryDay {
			return fmt.Sprintf("Each retry day must be between 1 and %d.", MaxRetryDay)
		}
		if i > 0 && d <= days[i-1] {
			return "Retry days must be in increasing order."
		}
	}
	return ""
}

// UpdateCollectionSettings applies a PATCH and stores the result. Dunnings
// already started keep the schedule they started with.
func UpdateCollectionSettings(ctx context.Context, q store.Querier, sc workspace.Scope, p CollectionPatch, now time.Time) (CollectionSettings, error) {
	st, err := LoadCollectionSettings(ctx, q, sc.ID)
	if err != nil {
		return st, err
	}
	if p.Errs != nil {
		if err := p.Errs.Err(); err != nil {
			return st, err
		}
	}
	if p.RetryDays != nil {
		if msg := CheckRetryDays(*p.RetryDays); msg != "" {
			return st, apperr.Field("retry_days", msg)
		}
		st.RetryDays = *p.RetryDays
	}
	if p.FinalAction != nil {
		st.FinalAction = *p.FinalAction
	}
	if p.PortalCancelSubscriptions != nil {
		st.PortalCancelSubscriptions = *p.PortalCancelSubscriptions
	}
	days, _ := json.Marshal(st.RetryDays)
	_, err = q.ExecContext(ctx, `INSERT INTO collection_settings (workspace_id, retry_days, final_action, portal_cancel, updated) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (workspace_id) DO UPDATE SET retry_days = $2, final_action = $3, portal_cancel = $4, updated = $5`,
		sc.ID, string(days), st.FinalAction, st.PortalCancelSubscriptions, now.UnixMicro())
	return st, err
}

// DunningClockCleanup deletes the dunnings and portal sessions of a test
// clock's customers ($1 = clock id) before the clock's customers go.
var DunningClockCleanup = []string{
	`DELETE FROM dunnings WHERE customer_id IN (SELECT id FROM customers WHERE test_clock_id = $1)`,
	`DELETE FROM portal_sessions WHERE customer_id IN (SELECT id FROM customers WHERE test_clock_id = $1)`,
}
