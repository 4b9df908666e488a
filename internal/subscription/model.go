package subscription

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// Id prefixes.
const (
	Prefix      = "sub"
	PrefixLine  = "lin"
	PrefixUsage = "usa"
	PrefixClock = "clk"
)

// Statuses (docs/billing.md#86-status-machine).
const (
	StatusActive         = "active"
	StatusPaused         = "paused"
	StatusCancelled      = "cancelled"
	StatusFinalized      = "finalized"
	StatusNeedsAttention = "needs_attention"
)

// needs_attention reasons (docs/billing.md#88-needs_attention-reasons).
const (
	ReasonBiller           = "biller_issue"
	ReasonGateway          = "gateway_issue"
	ReasonReferenceExpired = "reference_expired"
	ReasonWithoutUsage     = "without_usage_records"
	ReasonProcessing       = "processing_issue"
	ReasonWithoutReference = "without_reference"
)

var (
	statuses      = []string{StatusActive, StatusPaused, StatusCancelled, StatusFinalized, StatusNeedsAttention}
	reasons       = []string{ReasonBiller, ReasonGateway, ReasonReferenceExpired, ReasonWithoutUsage, ReasonProcessing, ReasonWithoutReference}
	CancelReasons = []string{"custom", "fraud_review_failed", "insolvency", "no_card", "non_compliant_customer", "not_paid", "not_specified", "shutdown_ops"}
	PauseReasons  = []string{"not_specified", "non_compliant_customer", "custom", "tax_agency_failed"}
	schemes       = []string{SchemeSendInvoice, SchemeChargePayment}
)

// Collection schemes.
const (
	SchemeSendInvoice   = "send_invoice"
	SchemeChargePayment = "charge_payment"
)

// Reference is a subscription reference (docs/billing.md#82-subscription-object).
type Reference struct {
	Date        string  `json:"date"`
	Document    string  `json:"document"`
	Serial      string  `json:"serial"`
	DateEnd     *string `json:"date_end"`
	Description *string `json:"description"`
}

// Rate is a share of a one-time add-on billed at a given run.
type Rate struct {
	BillingCycle int             `json:"billing_cycle"`
	Percentage   decimal.Decimal `json:"-"`
	Description  *string         `json:"description"`
}

type storedRate struct {
	BillingCycle int     `json:"billing_cycle"`
	Percentage   string  `json:"percentage"`
	Description  *string `json:"description"`
}

// Item is a line (plan) or an add-on entry.
type Item struct {
	ID, Kind         string
	Position         int
	PlanID, AddonID  *string
	Metered          bool
	Quantity         *decimal.Decimal
	CouponID         *string
	Redemptions      int
	Opened           int
	Rates            []Rate
	Created, Updated int64
	isNew            bool
	dirty            bool // changed since read: save writes it
}

// Sub is a stored subscription.
type Sub struct {
	ID, CustomerID, TypeID, Frequency, Currency string
	TestMode                                    bool
	DateStart, Anchor                           string
	NextIndex                                   int
	NextBilling, PreviousBilling                *string
	BillingCycles                               *int
	NextBillingCycle, CyclesOpened              int
	ExpirationDays                              int
	CollectionScheme                            string
	DefaultSource                               *string
	CustomChange                                *decimal.Decimal
	CouponID                                    *string
	CouponRedemptions                           int
	RequireReference                            bool
	Note, OrgunitID                             *string
	Status                                      string
	StatusDescription                           *string
	NeedsAttention                              *int64
	NeedsAttentionReason, AttentionInvoice      *string
	CancelReason                                *string
	Cancelled, Paused                           *int64
	PausedReason, PauseUntil                    *string
	Refs                                        []Reference
	LatestInvoice                               *string
	Metadata                                    json.RawMessage
	TestClockID                                 *string
	Created, Updated                            int64
	Lines, Addons                               []*Item
}

// subsTable is the subscriptions table, aliased s.
var subsTable = rows.Table{Name: "subscriptions s", Alias: "s", Prefix: Prefix, Columns: columns}

const columns = `s.id, s.test_mode, s.customer_id, s.document_type, s.frequency, s.currency, s.date_start, s.anchor, s.next_index, s.next_billing,
	s.previous_billing, s.billing_cycles, s.next_billing_cycle, s.cycles_opened, s.expiration_days, s.collection_scheme, s.default_source,
	s.custom_change, s.coupon_id, s.coupon_redemptions, s.require_reference, s.note, s.orgunit_id, s.status, s.status_description,
	s.needs_attention, s.needs_attention_reason, s.attention_invoice, s.cancel_reason, s.cancelled, s.paused, s.paused_reason, s.pause_until,
	s.refs, s.latest_invoice, s.metadata, s.test_clock_id, s.created, s.updated`

func scan(row list.Scanner) (*Sub, error) {
	var (
		s                                     Sub
		next, prev, src, cc, coupon, note, ou sql.NullString
		desc, reason, attInv, cancelR         sql.NullString
		pausedR, until, latest, tclock        sql.NullString
		cycles                                sql.NullInt64
		attention, cancelled, paused          sql.NullInt64
		refs, meta                            string
	)
	if err := row.Scan(&s.ID, &s.TestMode, &s.CustomerID, &s.TypeID, &s.Frequency, &s.Currency, &s.DateStart, &s.Anchor, &s.NextIndex, &next,
		&prev, &cycles, &s.NextBillingCycle, &s.CyclesOpened, &s.ExpirationDays, &s.CollectionScheme, &src,
		&cc, &coupon, &s.CouponRedemptions, &s.RequireReference, &note, &ou, &s.Status, &desc,
		&attention, &reason, &attInv, &cancelR, &cancelled, &paused, &pausedR, &until,
		&refs, &latest, &meta, &tclock, &s.Created, &s.Updated); err != nil {
		return nil, err
	}
	s.NextBilling, s.PreviousBilling, s.DefaultSource, s.CouponID = rows.Text(next), rows.Text(prev), rows.Text(src), rows.Text(coupon)
	s.Note, s.OrgunitID, s.StatusDescription, s.NeedsAttentionReason = rows.Text(note), rows.Text(ou), rows.Text(desc), rows.Text(reason)
	s.AttentionInvoice, s.CancelReason, s.PausedReason, s.PauseUntil = rows.Text(attInv), rows.Text(cancelR), rows.Text(pausedR), rows.Text(until)
	s.LatestInvoice, s.TestClockID = rows.Text(latest), rows.Text(tclock)
	if cycles.Valid {
		n := int(cycles.Int64)
		s.BillingCycles = &n
	}
	s.NeedsAttention, s.Cancelled, s.Paused = ni(attention), ni(cancelled), ni(paused)
	if cc.Valid {
		v, err := decimal.NewFromString(cc.String)
		if err != nil {
			return nil, err
		}
		s.CustomChange = &v
	}
	if err := json.Unmarshal([]byte(refs), &s.Refs); err != nil {
		return nil, err
	}
	if s.Refs == nil {
		s.Refs = []Reference{}
	}
	s.Metadata = json.RawMessage(meta)
	return &s, nil
}

func ni(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

func str(s string) *string { return &s }

// get reads a subscription of the scope with its items; lock is "" or the
// dialect's FOR UPDATE.
func get(ctx context.Context, q store.Querier, sc workspace.Scope, subID, lock string) (*Sub, error) {
	s, err := rows.Get(ctx, q, sc, subsTable, subID, lock, scan)
	if err != nil {
		return nil, err
	}
	if err := loadItems(ctx, q, []*Sub{s}); err != nil {
		return nil, err
	}
	return s, nil
}

const itemColumns = `id, subscription_id, kind, position, plan_id, addon_id, metered, quantity, coupon_id, redemptions, opened, rates, created, updated`

// loadItems reads the lines and add-on entries of subs in one query.
func loadItems(ctx context.Context, q store.Querier, subs []*Sub) error {
	if len(subs) == 0 {
		return nil
	}
	byID := make(map[string]*Sub, len(subs))
	args := make([]any, len(subs))
	ph := make([]string, len(subs))
	for i, s := range subs {
		byID[s.ID] = s
		s.Lines, s.Addons = []*Item{}, []*Item{}
		args[i] = s.ID
		ph[i] = "$" + strconv.Itoa(i+1)
	}
	itemRows, err := q.QueryContext(ctx, `SELECT `+itemColumns+` FROM subscription_items WHERE subscription_id IN (`+strings.Join(ph, ", ")+`) ORDER BY subscription_id, kind, position`, args...)
	if err != nil {
		return err
	}
	defer itemRows.Close()
	for itemRows.Next() {
		var (
			it                       Item
			subID                    string
			plan, addon, qty, coupon sql.NullString
			rates                    string
		)
		if err := itemRows.Scan(&it.ID, &subID, &it.Kind, &it.Position, &plan, &addon, &it.Metered, &qty, &coupon, &it.Redemptions, &it.Opened, &rates, &it.Created, &it.Updated); err != nil {
			return err
		}
		it.PlanID, it.AddonID, it.CouponID = rows.Text(plan), rows.Text(addon), rows.Text(coupon)
		if qty.Valid {
			v, err := decimal.NewFromString(qty.String)
			if err != nil {
				return err
			}
			it.Quantity = &v
		}
		var sr []storedRate
		if err := json.Unmarshal([]byte(rates), &sr); err != nil {
			return err
		}
		for _, r := range sr {
			p, err := decimal.NewFromString(r.Percentage)
			if err != nil {
				return err
			}
			it.Rates = append(it.Rates, Rate{BillingCycle: r.BillingCycle, Percentage: p, Description: r.Description})
		}
		s := byID[subID]
		if it.Kind == kindAddon {
			s.Addons = append(s.Addons, &it)
		} else {
			s.Lines = append(s.Lines, &it)
		}
	}
	return itemRows.Err()
}

const (
	kindLine  = "line"
	kindAddon = "addon"
)

func decText(d *decimal.Decimal) any {
	if d == nil {
		return nil
	}
	return d.String()
}

func ratesJSON(rs []Rate) string {
	out := make([]storedRate, len(rs))
	for i, r := range rs {
		out[i] = storedRate{BillingCycle: r.BillingCycle, Percentage: r.Percentage.String(), Description: r.Description}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func refsJSON(rs []Reference) string {
	if rs == nil {
		rs = []Reference{}
	}
	b, _ := json.Marshal(rs)
	return string(b)
}

// insert writes a new subscription and its items.
func insert(ctx context.Context, q store.Querier, sc workspace.Scope, s *Sub) error {
	_, err := q.ExecContext(ctx, `INSERT INTO subscriptions (id, workspace_id, test_mode, customer_id, document_type, frequency, currency, date_start,
		anchor, next_index, next_billing, previous_billing, billing_cycles, next_billing_cycle, cycles_opened, expiration_days, collection_scheme,
		default_source, custom_change, coupon_id, coupon_redemptions, require_reference, note, orgunit_id, status, status_description,
		needs_attention, needs_attention_reason, attention_invoice, cancel_reason, cancelled, paused, paused_reason, pause_until, refs,
		latest_invoice, metadata, test_clock_id, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28,
		$29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $40)`,
		s.ID, sc.ID, sc.TestMode, s.CustomerID, s.TypeID, s.Frequency, s.Currency, s.DateStart,
		s.Anchor, s.NextIndex, s.NextBilling, s.PreviousBilling, s.BillingCycles, s.NextBillingCycle, s.CyclesOpened, s.ExpirationDays, s.CollectionScheme,
		s.DefaultSource, decText(s.CustomChange), s.CouponID, s.CouponRedemptions, s.RequireReference, s.Note, s.OrgunitID, s.Status, s.StatusDescription,
		s.NeedsAttention, s.NeedsAttentionReason, s.AttentionInvoice, s.CancelReason, s.Cancelled, s.Paused, s.PausedReason, s.PauseUntil, refsJSON(s.Refs),
		s.LatestInvoice, string(s.Metadata), s.TestClockID, s.Created, s.Updated)
	if err != nil {
		return err
	}
	return saveItems(ctx, q, sc, s, nil)
}

// save writes every mutable column of s; items are written when withItems.
func save(ctx context.Context, q store.Querier, sc workspace.Scope, s *Sub, withItems bool, before *Sub) error {
	_, err := q.ExecContext(ctx, `UPDATE subscriptions SET document_type = $4, frequency = $5, currency = $6, date_start = $7, anchor = $8,
		next_index = $9, next_billing = $10, previous_billing = $11, billing_cycles = $12, next_billing_cycle = $13, cycles_opened = $14,
		expiration_days = $15, collection_scheme = $16, default_source = $17, custom_change = $18, coupon_id = $19, coupon_redemptions = $20,
		require_reference = $21, note = $22, orgunit_id = $23, status = $24, status_description = $25, needs_attention = $26,
		needs_attention_reason = $27, attention_invoice = $28, cancel_reason = $29, cancelled = $30, paused = $31, paused_reason = $32,
		pause_until = $33, refs = $34, latest_invoice = $35, metadata = $36, updated = $37
		WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`,
		s.ID, sc.ID, sc.TestMode, s.TypeID, s.Frequency, s.Currency, s.DateStart, s.Anchor,
		s.NextIndex, s.NextBilling, s.PreviousBilling, s.BillingCycles, s.NextBillingCycle, s.CyclesOpened,
		s.ExpirationDays, s.CollectionScheme, s.DefaultSource, decText(s.CustomChange), s.CouponID, s.CouponRedemptions,
		s.RequireReference, s.Note, s.OrgunitID, s.Status, s.StatusDescription, s.NeedsAttention,
		s.NeedsAttentionReason, s.AttentionInvoice, s.CancelReason, s.Cancelled, s.Paused, s.PausedReason,
		s.PauseUntil, refsJSON(s.Refs), s.LatestInvoice, string(s.Metadata), s.Updated)
	if err != nil || !withItems {
		return err
	}
	return saveItems(ctx, q, sc, s, before)
}

// runChanges are the columns of a subscription a run changes (advance,
// collect, finish): what a batch's flush writes for its held runs.
var runChanges = []store.Column{{Name: "next_index", Type: "INTEGER"}, {Name: "next_billing", Type: "TEXT"}, {Name: "previous_billing", Type: "TEXT"},
	{Name: "next_billing_cycle", Type: "INTEGER"}, {Name: "cycles_opened", Type: "INTEGER"}, {Name: "coupon_redemptions", Type: "INTEGER"},
	{Name: "status", Type: "TEXT"}, {Name: "status_description", Type: "TEXT"}, {Name: "needs_attention", Type: "BIGINT"},
	{Name: "needs_attention_reason", Type: "TEXT"}, {Name: "attention_invoice", Type: "TEXT"}, {Name: "latest_invoice", Type: "TEXT"}, {Name: "updated", Type: "BIGINT"}}

// runChangesRow is s's id and its values of runChanges.
func runChangesRow(s *Sub) []any {
	return []any{s.ID, s.NextIndex, s.NextBilling, s.PreviousBilling, s.NextBillingCycle, s.CyclesOpened, s.CouponRedemptions,
		s.Status, s.StatusDescription, s.NeedsAttention, s.NeedsAttentionReason, s.AttentionInvoice, s.LatestInvoice, s.Updated}
}

// saveItems writes the items of s: new ones inserted, kept ones updated,
// the ones before had and s no longer has deleted.
func saveItems(ctx context.Context, q store.Querier, sc workspace.Scope, s *Sub, before *Sub) error {
	keep := map[string]bool{}
	for _, list := range [][]*Item{s.Lines, s.Addons} {
		for i, it := range list {
			it.Position = i
			keep[it.ID] = true
			if it.isNew || before == nil {
				if _, err := q.ExecContext(ctx, `INSERT INTO subscription_items (`+itemColumns+`, workspace_id, test_mode)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
					it.ID, s.ID, it.Kind, it.Position, it.PlanID, it.AddonID, it.Metered, decText(it.Quantity), it.CouponID, it.Redemptions, it.Opened,
					ratesJSON(it.Rates), it.Created, it.Updated, sc.ID, sc.TestMode); err != nil {
					return err
				}
				it.isNew, it.dirty = false, false
				continue
			}
			if !it.dirty {
				continue
			}
			if _, err := q.ExecContext(ctx, `UPDATE subscription_items SET position = $2, plan_id = $3, addon_id = $4, metered = $5, quantity = $6,
				coupon_id = $7, redemptions = $8, opened = $9, rates = $10, updated = $11 WHERE id = $1`,
				it.ID, it.Position, it.PlanID, it.AddonID, it.Metered, decText(it.Quantity), it.CouponID, it.Redemptions, it.Opened, ratesJSON(it.Rates), it.Updated); err != nil {
				return err
			}
		}
	}
	if before != nil {
		for _, list := range [][]*Item{before.Lines, before.Addons} {
			for _, it := range list {
				if !keep[it.ID] {
					if _, err := q.ExecContext(ctx, `DELETE FROM subscription_items WHERE id = $1`, it.ID); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// View is the API object (docs/billing.md#82-subscription-object).
type View struct {
	ID                   string               `json:"id"`
	Customer             *customer.Summary    `json:"customer"`
	Document             document.TypeSummary `json:"document"`
	Frequency            string               `json:"frequency"`
	Currency             string               `json:"currency"`
	DateStart            string               `json:"date_start"`
	NextBilling          *string              `json:"next_billing"`
	PreviousBilling      *string              `json:"previous_billing"`
	BillingCycles        *int                 `json:"billing_cycles"`
	NextBillingCycle     int                  `json:"next_billing_cycle"`
	EndDate              *string              `json:"end_date"`
	ExpirationDays       int                  `json:"expiration_days"`
	CollectionScheme     string               `json:"collection_scheme"`
	DefaultSource        *string              `json:"default_source"`
	CustomChange         *money.Quantity      `json:"custom_change"`
	Coupon               *string              `json:"coupon"`
	CouponRedemptions    int                  `json:"coupon_redemptions"`
	RequireReference     bool                 `json:"require_reference"`
	Note                 *string              `json:"note"`
	Orgunit              *string              `json:"orgunit"`
	Status               string               `json:"status"`
	StatusDescription    *string              `json:"status_description"`
	NeedsAttention       clock.NullStamp      `json:"needs_attention"`
	NeedsAttentionReason *string              `json:"needs_attention_reason"`
	CancelReason         *string              `json:"cancel_reason"`
	Cancelled            clock.NullStamp      `json:"cancelled"`
	Paused               clock.NullStamp      `json:"paused"`
	PausedReason         *string              `json:"paused_reason"`
	PauseUntil           *string              `json:"pause_until"`
	Lines                []LineView           `json:"lines"`
	Addons               []AddonView          `json:"addons"`
	References           []Reference          `json:"references"`
	LatestInvoice        *string              `json:"latest_invoice"`
	Metadata             json.RawMessage      `json:"metadata"`
	TestMode             bool                 `json:"test_mode"`
	Created              clock.Stamp          `json:"created"`
	Updated              clock.Stamp          `json:"updated"`
}

// LineView is a subscription line.
type LineView struct {
	ID                string          `json:"id"`
	Plan              string          `json:"plan"`
	Quantity          *money.Quantity `json:"quantity"`
	Coupon            *string         `json:"coupon"`
	CouponRedemptions int             `json:"coupon_redemptions"`
	Created           clock.Stamp     `json:"created"`
	Updated           clock.Stamp     `json:"updated"`
}

// AddonView is an add-on entry.
type AddonView struct {
	ID               string         `json:"id"`
	Addon            string         `json:"addon"`
	Quantity         money.Quantity `json:"quantity"`
	AddonRedemptions int            `json:"addon_redemptions"`
	Rates            []RateView     `json:"rates"`
	Created          clock.Stamp    `json:"created"`
	Updated          clock.Stamp    `json:"updated"`
}

// RateView is an add-on rate.
type RateView struct {
	BillingCycle int           `json:"billing_cycle"`
	Percentage   money.Percent `json:"percentage"`
	Description  *string       `json:"description"`
}

// Views renders subscriptions with their customer summaries.
func (svc *Service) Views(ctx context.Context, q store.Querier, sc workspace.Scope, subs ...*Sub) ([]*View, error) {
	ids := make([]string, 0, len(subs))
	for _, s := range subs {
		ids = append(ids, s.CustomerID)
	}
	sums, err := svc.documents().Customers.Summaries(ctx, q, sc, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*View, len(subs))
	for i, s := range subs {
		out[i] = s.view(sc, sums[s.CustomerID])
	}
	return out, nil
}

func (s *Sub) view(sc workspace.Scope, cus *customer.Summary) *View {
	loc := sc.Loc
	st := func(us int64) clock.Stamp { return clock.Stamp{Micros: us, Loc: loc} }
	nst := func(us *int64) clock.NullStamp { return clock.NullStamp{Micros: us, Loc: loc} }
	v := &View{ID: s.ID, Customer: cus, Document: document.TypeSummaryOf(s.TypeID), Frequency: s.Frequency, Currency: s.Currency,
		DateStart: s.DateStart, NextBilling: s.NextBilling, PreviousBilling: s.PreviousBilling, BillingCycles: s.BillingCycles,
		NextBillingCycle: s.NextBillingCycle, ExpirationDays: s.ExpirationDays, CollectionScheme: s.CollectionScheme,
		DefaultSource: s.DefaultSource, Coupon: s.CouponID, CouponRedemptions: s.CouponRedemptions, RequireReference: s.RequireReference,
		Note: s.Note, Orgunit: s.OrgunitID, Status: s.Status, StatusDescription: s.StatusDescription, NeedsAttention: nst(s.NeedsAttention),
		NeedsAttentionReason: s.NeedsAttentionReason, CancelReason: s.CancelReason, Cancelled: nst(s.Cancelled), Paused: nst(s.Paused),
		PausedReason: s.PausedReason, PauseUntil: s.PauseUntil, Lines: []LineView{}, Addons: []AddonView{}, References: s.Refs,
		LatestInvoice: s.LatestInvoice, Metadata: s.Metadata, TestMode: s.TestMode, Created: st(s.Created), Updated: st(s.Updated)}
	if s.CustomChange != nil {
		q := money.NewQuantity(*s.CustomChange)
		v.CustomChange = &q
	}
	if e := s.endDate(); e != nil {
		v.EndDate = e
	}
	for _, it := range s.Lines {
		lv := LineView{ID: it.ID, Plan: deref(it.PlanID), Coupon: it.CouponID, CouponRedemptions: it.Redemptions, Created: st(it.Created), Updated: st(it.Updated)}
		if it.Quantity != nil {
			q := money.NewQuantity(*it.Quantity)
			lv.Quantity = &q
		}
		v.Lines = append(v.Lines, lv)
	}
	for _, it := range s.Addons {
		av := AddonView{ID: it.ID, Addon: deref(it.AddonID), AddonRedemptions: it.Redemptions, Rates: []RateView{}, Created: st(it.Created), Updated: st(it.Updated)}
		if it.Quantity != nil {
			av.Quantity = money.NewQuantity(*it.Quantity)
		}
		for _, r := range it.Rates {
			av.Rates = append(av.Rates, RateView{BillingCycle: r.BillingCycle, Percentage: money.NewPercent(r.Percentage), Description: r.Description})
		}
		v.Addons = append(v.Addons, av)
	}
	return v
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// endDate is B(billing_cycles) − 1 day when billing_cycles is set.
func (s *Sub) endDate() *string {
	if s.BillingCycles == nil {
		return nil
	}
	p, ok := PeriodOf(s.Frequency)
	a, ok2 := ParseDate(s.Anchor)
	if !ok || !ok2 {
		return nil
	}
	return str(BillingDate(a, p, *s.BillingCycles).AddDays(-1).String())
}
