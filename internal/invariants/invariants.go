// Package invariants checks, over a whole Cobro database, the properties
// that must hold whatever happened to the server (crashes, retries,
// concurrent requests): numbers handed out once, totals equal to their
// lines, maintained aggregations equal to the documents, adjusted totals
// equal to their notes, and no change without its events, deliveries and
// jobs (issue 9, item 4). Tests and the crash harness run it; it only reads.
package invariants

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/totals"
	"github.com/cobrobilling/cobro/internal/webhook"
	"github.com/shopspring/decimal"
)

// EndpointSlack is how long after an endpoint's last change an event must
// be before the check requires a delivery of it to that endpoint. An
// event's time is its request's start, not its commit: a request that
// started just after an endpoint was created (or its filter changed) may
// still have fanned out before that change committed. A request that
// takes longer than this between its start and its commit would make the
// check report a false positive.
const EndpointSlack = 2 * time.Second

// Check returns one human-readable line per violation found (none: all
// good). It reads the database as it is; run it on a quiescent database.
func Check(ctx context.Context, db *store.DB) ([]string, error) {
	c := &checker{ctx: ctx, db: db}
	docs, err := c.loadDocs()
	if err != nil {
		return nil, fmt.Errorf("load documents: %w", err)
	}
	for _, step := range []func([]*doc) error{c.numbers, c.totals, c.adjusted, c.aggregations, c.documentEvents, c.payments} {
		if err := step(docs); err != nil {
			return c.out, err
		}
	}
	if err := c.deliveries(); err != nil {
		return c.out, err
	}
	if err := c.subscriptionRuns(); err != nil {
		return c.out, err
	}
	return c.out, nil
}

// subscriptionRuns: one invoice per subscription and billing period, and
// every run's invoice exists and names its subscription (docs/billing.md#84-billing-schedule).
func (c *checker) subscriptionRuns() error {
	for _, q := range []struct{ sql, msg string }{
		{`SELECT subscription_id || ' ' || period_start FROM documents WHERE subscription_id IS NOT NULL GROUP BY subscription_id, period_start HAVING COUNT(*) > 1`,
			"subscription period billed twice: %s"},
		{`SELECT r.subscription_id || ' ' || r.billing_date FROM subscription_runs r LEFT JOIN documents d ON d.id = r.invoice_id
			WHERE d.id IS NULL OR d.subscription_id IS NULL OR d.subscription_id <> r.subscription_id`, "run without its invoice: %s"},
		{`SELECT d.id FROM documents d WHERE d.subscription_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM subscription_runs r WHERE r.invoice_id = d.id)`,
			"subscription invoice without its run: %s"},
		{`SELECT s.id FROM subscriptions s WHERE s.next_billing_cycle - 1 < (SELECT COUNT(*) FROM subscription_runs r WHERE r.subscription_id = s.id)`,
			"subscription with more runs than its cycle counter: %s"},
	} {
		bad, err := store.Strings(c.ctx, c.db, q.sql)
		if err != nil {
			return err
		}
		for _, v := range bad {
			c.report(q.msg, v)
		}
	}
	return nil
}

type checker struct {
	ctx context.Context
	db  *store.DB
	out []string
}

func (c *checker) report(format string, a ...any) { c.out = append(c.out, fmt.Sprintf(format, a...)) }

// doc is the part of a documents row the checks need.
type doc struct {
	id, workspace, kind, typeID, currency, date, status string
	testMode, imported                                  bool
	customer, invoice, creditNote, purchase             string
	number                                              *int64
	lines                                               []document.Line
	amount, taxPercent, subtotal, total, discount       decimal.Decimal
	exempt, tax, retention, totalAdjusted               *decimal.Decimal
	discountScheme                                      string
	totalAdjustedCents                                  *int64
	collectedCents, created                             int64
}

func (d *doc) scope() string { return fmt.Sprintf("%s/%s", d.workspace, mode(d.testMode)) }

func mode(test bool) string {
	if test {
		return "test"
	}
	return "live"
}

func (c *checker) loadDocs() ([]*doc, error) {
	rs, err := c.db.QueryContext(c.ctx, `SELECT id, workspace_id, test_mode, kind, document_type, currency, date, status, imported,
		customer_id, invoice_id, credit_note_id, purchase_id, number, lines, amount, tax_percent, subtotal, total, discount, discount_scheme,
		exempt, tax, retention, total_adjusted, total_adjusted_cents, collected_cents, created
		FROM documents ORDER BY created, id`)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []*doc
	for rs.Next() {
		var (
			d                                          doc
			cus, inv, crn, pur                         sql.NullString
			number, taCents                            sql.NullInt64
			lines, amount, taxPct, sub, total, discSum string
			exempt, tax, ret, ta                       sql.NullString
		)
		if err := rs.Scan(&d.id, &d.workspace, &d.testMode, &d.kind, &d.typeID, &d.currency, &d.date, &d.status, &d.imported,
			&cus, &inv, &crn, &pur, &number, &lines, &amount, &taxPct, &sub, &total, &discSum, &d.discountScheme,
			&exempt, &tax, &ret, &ta, &taCents, &d.collectedCents, &d.created); err != nil {
			return nil, err
		}
		d.customer, d.invoice, d.creditNote, d.purchase = cus.String, inv.String, crn.String, pur.String
		d.number = rows.Int(number)
		d.totalAdjustedCents = rows.Int(taCents)
		if err := json.Unmarshal([]byte(lines), &d.lines); err != nil {
			return nil, fmt.Errorf("document %s: lines: %w", d.id, err)
		}
		for _, f := range []struct {
			dst *decimal.Decimal
			src string
		}{{&d.amount, amount}, {&d.taxPercent, taxPct}, {&d.subtotal, sub}, {&d.total, total}, {&d.discount, discSum}} {
			v, err := decimal.NewFromString(f.src)
			if err != nil {
				return nil, fmt.Errorf("document %s: %w", d.id, err)
			}
			*f.dst = v
		}
		for _, f := range []struct {
			dst **decimal.Decimal
			src sql.NullString
		}{{&d.exempt, exempt}, {&d.tax, tax}, {&d.retention, ret}, {&d.totalAdjusted, ta}} {
			if f.src.Valid {
				v, err := decimal.NewFromString(f.src.String)
				if err != nil {
					return nil, fmt.Errorf("document %s: %w", d.id, err)
				}
				*f.dst = &v
			}
		}
		out = append(out, &d)
	}
	return out, rs.Err()
}

// numbers: the workspace's own numbers (not imported, not null) of one
// (workspace, mode, document type) are unique and were handed out by the
// sequence. Numbers are gapless except for the gaps deleted drafts leave,
// and a deleted draft leaves no trace, so gaps cannot be told from lost
// numbers here: the check reports only what cannot be explained, a number
// used twice and a number above the sequence (sequences.next_number − 1),
// i.e. one handed out without the sequence recording it. Types numbered by
// the tax agency (has_local_format: folios at finalize) do not use the
// sequences; purchases and purchase credit notes may carry an explicit
// number of their own, so only their uniqueness is checked.
func (c *checker) numbers(docs []*doc) error {
	type key struct {
		ws     string
		test   bool
		typeID string
	}
	seq := map[key]int64{}
	type sequence struct {
		k    key
		next int64
	}
	seqs, err := store.Collect(c.ctx, c.db, func(r store.Scanner) (s sequence, err error) {
		return s, r.Scan(&s.k.ws, &s.k.test, &s.k.typeID, &s.next)
	}, `SELECT workspace_id, test_mode, document_type, next_number FROM sequences`)
	if err != nil {
		return err
	}
	for _, s := range seqs {
		seq[s.k] = s.next
	}
	used := map[key]map[int64]string{}
	for _, d := range docs {
		if d.imported || d.number == nil {
			continue
		}
		k := key{d.workspace, d.testMode, d.typeID}
		if used[k] == nil {
			used[k] = map[int64]string{}
		}
		if other, dup := used[k][*d.number]; dup {
			c.report("numbers: %s %s number %d is used by both %s and %s", d.scope(), d.typeID, *d.number, other, d.id)
		} else {
			used[k][*d.number] = d.id
		}
		t, _ := catalog.DocumentTypeByID(d.typeID)
		if t.HasLocalFormat || d.kind == document.Purchase.Name || d.kind == document.PurchaseCreditNote.Name {
			continue
		}
		next, ok := seq[k]
		switch {
		case !ok:
			c.report("numbers: %s %s has number %d (%s) but no sequence row", d.scope(), d.typeID, *d.number, d.id)
		case *d.number > next-1:
			c.report("numbers: %s %s number %d (%s) is above the sequence (next_number %d)", d.scope(), d.typeID, *d.number, d.id, next)
		case *d.number < 1:
			c.report("numbers: %s %s number %d (%s) is below 1", d.scope(), d.typeID, *d.number, d.id)
		}
	}
	return nil
}

func dec(s string) decimal.Decimal {
	if s == "" {
		return decimal.Zero
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero
	}
	return v
}

func scaleOf(currency string) int32 {
	cur, _ := catalog.CurrencyByID(currency)
	return money.ScaleFor(cur.Rounded)
}

func eqOpt(a, b *decimal.Decimal) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func optStr(d *decimal.Decimal) string {
	if d == nil {
		return "null"
	}
	return d.String()
}

// totals: every document's stored totals are what its stored lines give,
// with the formula of its kind (internal/totals for sales and purchases,
// Σ round(amount × rate / 100) for retentions).
func (c *checker) totals(docs []*doc) error {
	for _, d := range docs {
		scale := scaleOf(d.currency)
		var (
			amount, subtotal, total    decimal.Decimal
			exempt, tax, retention     *decimal.Decimal
			lineTotals, lineRetentions []*decimal.Decimal
		)
		if d.kind == document.Retention.Name {
			base, withheld := decimal.Zero, decimal.Zero
			for _, l := range d.lines {
				r := money.Round(dec(l.Amount).Mul(dec(l.RetentionPercent)).Div(decimal.NewFromInt(100)), scale)
				base, withheld = base.Add(dec(l.Amount)), withheld.Add(r)
				rc := r
				lineTotals, lineRetentions = append(lineTotals, &rc), append(lineRetentions, &rc)
			}
			amount, subtotal, total, retention = base, base, withheld, &withheld
		} else {
			t, ok := catalog.DocumentTypeByID(d.typeID)
			if !ok {
				c.report("totals: %s %s %s has unknown document type %q", d.scope(), d.kind, d.id, d.typeID)
				continue
			}
			res, errs := totals.Compute(document.TotalsInput(t, d.lines, d.taxPercent, d.discount, d.discountScheme, scale))
			if len(errs) > 0 {
				c.report("totals: %s %s %s: its stored lines do not compute: %v", d.scope(), d.kind, d.id, errs[0])
				continue
			}
			amount, subtotal, total, exempt, tax, retention = res.Amount, res.Subtotal, res.Total, res.Exempt, res.Tax, res.Retention
			for _, lr := range res.Lines {
				lt := lr.Total
				lineTotals, lineRetentions = append(lineTotals, &lt), append(lineRetentions, lr.Retention)
			}
		}
		var diffs []string
		if !d.amount.Equal(amount) {
			diffs = append(diffs, fmt.Sprintf("amount %s (lines give %s)", d.amount, amount))
		}
		if !eqOpt(d.exempt, exempt) {
			diffs = append(diffs, fmt.Sprintf("exempt %s (lines give %s)", optStr(d.exempt), optStr(exempt)))
		}
		if !eqOpt(d.tax, tax) {
			diffs = append(diffs, fmt.Sprintf("tax %s (lines give %s)", optStr(d.tax), optStr(tax)))
		}
		if !eqOpt(d.retention, retention) {
			diffs = append(diffs, fmt.Sprintf("retention %s (lines give %s)", optStr(d.retention), optStr(retention)))
		}
		if !d.subtotal.Equal(subtotal) {
			diffs = append(diffs, fmt.Sprintf("subtotal %s (lines give %s)", d.subtotal, subtotal))
		}
		if !d.total.Equal(total) {
			diffs = append(diffs, fmt.Sprintf("total %s (lines give %s)", d.total, total))
		}
		for i, l := range d.lines {
			if i < len(lineTotals) && !dec(l.Total).Equal(*lineTotals[i]) {
				diffs = append(diffs, fmt.Sprintf("lines[%d].total %s (computed %s)", i, l.Total, lineTotals[i]))
			}
			var stored *decimal.Decimal
			if l.Retention != nil {
				v := dec(*l.Retention)
				stored = &v
			}
			if i < len(lineRetentions) && !eqOpt(stored, lineRetentions[i]) {
				diffs = append(diffs, fmt.Sprintf("lines[%d].retention %s (computed %s)", i, optStr(stored), optStr(lineRetentions[i])))
			}
		}
		for _, s := range diffs {
			c.report("totals: %s %s %s (%s): %s", d.scope(), d.kind, d.id, d.status, s)
		}
	}
	return nil
}

// adjusted: an invoice's total_adjusted is its total − Σ its finalized or
// cancelled credit notes + Σ its finalized debit notes; a purchase's is its
// total − Σ its finalized purchase credit notes. total_adjusted_cents is
// total_adjusted in cents.
func (c *checker) adjusted(docs []*doc) error {
	credits, debits, pcredits := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
	for _, d := range docs {
		switch {
		case d.kind == document.CreditNote.Name && (d.status == document.StatusFinalized || d.status == document.StatusCancelled) && d.invoice != "":
			credits[d.invoice] = credits[d.invoice].Add(d.total)
		case d.kind == document.DebitNote.Name && d.status == document.StatusFinalized && d.invoice != "":
			debits[d.invoice] = debits[d.invoice].Add(d.total)
		case d.kind == document.PurchaseCreditNote.Name && d.status == document.StatusFinalized && d.purchase != "":
			pcredits[d.purchase] = pcredits[d.purchase].Add(d.total)
		}
	}
	for _, d := range docs {
		var want decimal.Decimal
		switch d.kind {
		case document.Invoice.Name:
			want = d.total.Sub(credits[d.id]).Add(debits[d.id])
		case document.Purchase.Name:
			want = d.total.Sub(pcredits[d.id])
		default:
			continue
		}
		if d.totalAdjusted == nil {
			if d.status != document.StatusDraft && d.status != document.StatusPending {
				c.report("adjusted: %s %s %s (%s) has no total_adjusted", d.scope(), d.kind, d.id, d.status)
			}
			continue
		}
		if !d.totalAdjusted.Equal(want) {
			c.report("adjusted: %s %s %s (%s) total_adjusted %s, its notes give %s (total %s)", d.scope(), d.kind, d.id, d.status, d.totalAdjusted, want, d.total)
		}
		cents := money.Round(*d.totalAdjusted, 2).Shift(2).IntPart()
		if d.totalAdjustedCents == nil || *d.totalAdjustedCents != cents {
			got := "null"
			if d.totalAdjustedCents != nil {
				got = fmt.Sprint(*d.totalAdjustedCents)
			}
			c.report("adjusted: %s %s %s total_adjusted_cents %s, total_adjusted %s", d.scope(), d.kind, d.id, got, d.totalAdjusted)
		}
	}
	return nil
}

// aggregations: the customer_totals rows equal, per (customer, currency,
// day), the Σ of the invoice contributions of docs/billing.md#1-customers: sales are the
// total_adjusted of finalized, paid, uncollectible and cancelled invoices;
// balance is the same minus collected, uncollectible invoices excluded.
func (c *checker) aggregations(docs []*doc) error {
	type key struct{ customer, currency, day string }
	type sums struct {
		sales, balance int64
		scope          string
	}
	want := map[key]*sums{}
	for _, d := range docs {
		if d.kind != document.Invoice.Name || d.customer == "" || d.totalAdjusted == nil {
			continue
		}
		switch d.status {
		case document.StatusFinalized, document.StatusPaid, document.StatusUncollectible, document.StatusCancelled:
		default:
			continue
		}
		k := key{d.customer, d.currency, d.date}
		s := want[k]
		if s == nil {
			s = &sums{scope: d.scope()}
			want[k] = s
		}
		ta := money.Round(*d.totalAdjusted, 2).Shift(2).IntPart()
		s.sales += ta
		if d.status != document.StatusUncollectible {
			s.balance += ta - d.collectedCents
		}
	}
	rows, err := c.db.QueryContext(c.ctx, `SELECT workspace_id, test_mode, customer_id, currency, day, sales_cents, balance_cents FROM customer_totals`)
	if err != nil {
		return err
	}
	got := map[key]*sums{}
	for rows.Next() {
		var (
			ws             string
			test           bool
			k              key
			sales, balance int64
		)
		if err := rows.Scan(&ws, &test, &k.customer, &k.currency, &k.day, &sales, &balance); err != nil {
			rows.Close()
			return err
		}
		got[k] = &sums{sales: sales, balance: balance, scope: ws + "/" + mode(test)}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	keys := map[key]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	sorted := make([]key, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.customer != b.customer {
			return a.customer < b.customer
		}
		if a.currency != b.currency {
			return a.currency < b.currency
		}
		return a.day < b.day
	})
	for _, k := range sorted {
		w, g := want[k], got[k]
		zero := &sums{}
		if w == nil {
			w = zero
		}
		if g == nil {
			g = zero
		}
		if w.sales != g.sales || w.balance != g.balance {
			scope := w.scope
			if scope == "" {
				scope = g.scope
			}
			c.report("aggregations: %s customer %s %s %s: customer_totals sales %d balance %d cents, its invoices give sales %d balance %d",
				scope, k.customer, k.currency, k.day, g.sales, g.balance, w.sales, w.balance)
		}
	}
	return nil
}

// documentEvents: nothing half-written. Every document has its
// "<event>.created" event and every document that went through finalize
// (any status but draft and pending) its "<event>.finalized" one, both in
// the document's own transaction. Events are purged after 30 days oldest
// first, so only documents created at or after the oldest event still
// stored (or within the retention) are checked.
func (c *checker) documentEvents(docs []*doc) error {
	prefix := map[string]string{}
	for _, k := range document.Kinds {
		prefix[k.Name] = k.Event
	}
	have := map[string]bool{} // object id + " " + event name
	var oldest sql.NullInt64
	if err := c.db.QueryRowContext(c.ctx, `SELECT MIN(created) FROM events`).Scan(&oldest); err != nil {
		return err
	}
	events, err := c.pairs(`SELECT object_id, event FROM events WHERE event LIKE '%.created' OR event LIKE '%.finalized'`)
	if err != nil {
		return err
	}
	for _, e := range events {
		have[e[0]+" "+e[1]] = true
	}
	retained := time.Now().Add(-webhook.EventRetention + time.Hour).UnixMicro()
	for _, d := range docs {
		if !(d.created >= retained || (oldest.Valid && d.created >= oldest.Int64)) {
			continue
		}
		p, ok := prefix[d.kind]
		if !ok {
			c.report("events: %s document %s has unknown kind %q", d.scope(), d.id, d.kind)
			continue
		}
		if !have[d.id+" "+p+".created"] {
			c.report("events: %s %s %s has no %s.created event", d.scope(), d.kind, d.id, p)
		}
		if d.status != document.StatusDraft && d.status != document.StatusPending && !have[d.id+" "+p+".finalized"] {
			c.report("events: %s %s %s (%s) has no %s.finalized event", d.scope(), d.kind, d.id, d.status, p)
		}
	}
	return nil
}

// deliveries: every delivery belongs to a stored event; every pending
// delivery has its job (unique_key "webhook:<delivery id>"); and every
// event has a delivery for each endpoint of its workspace and mode that
// was subscribed to it and unchanged since before the event (see
// EndpointSlack).
func (c *checker) deliveries() error {
	orphans, err := store.Strings(c.ctx, c.db, `SELECT d.id FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = d.event_id) ORDER BY d.id`)
	if err != nil {
		return err
	}
	for _, id := range orphans {
		c.report("deliveries: delivery %s has no event", id)
	}

	jobless, err := c.pairs(`SELECT d.id, d.event_id FROM deliveries d WHERE d.status = $1
		AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.unique_key = 'webhook:' || d.id) ORDER BY d.id`, webhook.DeliveryPending)
	if err != nil {
		return err
	}
	for _, p := range jobless {
		c.report("deliveries: pending delivery %s (event %s) has no job", p[0], p[1])
	}

	// endpoints by scope
	type scope struct {
		ws   string
		test bool
	}
	eps, err := store.Collect(c.ctx, c.db, webhook.ScanEndpoint, `SELECT `+webhook.Columns+` FROM webhook_endpoints ORDER BY created, id`)
	if err != nil {
		return err
	}
	endpoints := map[scope][]*webhook.Endpoint{}
	for _, ep := range eps {
		k := scope{ep.WorkspaceID, ep.TestMode}
		endpoints[k] = append(endpoints[k], ep)
	}
	if len(endpoints) == 0 {
		return nil
	}
	have := map[string]bool{} // event id + " " + endpoint id
	deliveries, err := c.pairs(`SELECT event_id, webhook_id FROM deliveries`)
	if err != nil {
		return err
	}
	for _, d := range deliveries {
		have[d[0]+" "+d[1]] = true
	}
	rows, err := c.db.QueryContext(c.ctx, `SELECT id, workspace_id, test_mode, event, created FROM events ORDER BY created, seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	slack := EndpointSlack.Microseconds()
	for rows.Next() {
		var (
			id, name string
			k        scope
			created  int64
		)
		if err := rows.Scan(&id, &k.ws, &k.test, &name, &created); err != nil {
			return err
		}
		for _, ep := range endpoints[k] {
			if ep.Updated+slack < created && ep.Subscribed(name) && !have[id+" "+ep.ID] {
				c.report("deliveries: %s/%s event %s (%s) has no delivery to endpoint %s", k.ws, mode(k.test), id, name, ep.ID)
			}
		}
	}
	return rows.Err()
}

// pairs runs a query of two text columns and returns its rows in order.
func (c *checker) pairs(query string, args ...any) ([][2]string, error) {
	return store.Collect(c.ctx, c.db, func(r store.Scanner) (p [2]string, err error) {
		return p, r.Scan(&p[0], &p[1])
	}, query, args...)
}
