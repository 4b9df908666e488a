package subscription

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// SeedDue writes n customers, each with an active monthly subscription of
// two licensed lines due on day, straight into the tables (the billing
// benchmark and the crash test need thousands; the API would take
// minutes). The rows are exactly what Create would have written.
func SeedDue(ctx context.Context, db *store.DB, sc workspace.Scope, n int, day string, currency, docType string) ([]string, error) {
	us := time.Now().UnixMicro()
	prod := id.New("pro")
	plans := []string{id.New("pla"), id.New("pla")}
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO products (id, workspace_id, test_mode, name, status, metadata, created, updated) VALUES ($1, $2, $3, 'Seeded', 'active', '{}', $4, $4)`,
			prod, sc.ID, sc.TestMode, us); err != nil {
			return err
		}
		for i, p := range plans {
			if _, err := tx.ExecContext(ctx, `INSERT INTO plans (id, workspace_id, test_mode, product_id, name, description, frequency, currency, amount, exempt,
				usage_scheme, tiers, status, metadata, created, updated) VALUES ($1, $2, $3, $4, $5, 'Seeded plan', 'monthly', $6, $7, false, 'licensed', '[]', 'active', '{}', $8, $8)`,
				p, sc.ID, sc.TestMode, prod, fmt.Sprintf("Plan %d", i+1), currency, fmt.Sprintf("%d.00", 10*(i+1)), us); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	subs := make([]string, 0, n)
	const batch = 200
	for start := 0; start < n; start += batch {
		k := min(batch, n-start)
		var cusRows, subRows, itemRows []string
		var cusArgs, subArgs, itemArgs []any
		for i := 0; i < k; i++ {
			cid, sid := id.New("cus"), id.New(Prefix)
			subs = append(subs, sid)
			b := len(cusArgs)
			cusRows = append(cusRows, fmt.Sprintf("($%d, $%d, $%d, $%d, 'US', 'IL', $%d, '{}', '{}', true, true, true, 'active', $%d, $%d)", b+1, b+2, b+3, b+4, b+5, b+6, b+6))
			cusArgs = append(cusArgs, cid, sc.ID, sc.TestMode, fmt.Sprintf("Seeded customer %d", start+i), currency, us)
			b = len(subArgs)
			subRows = append(subRows, fmt.Sprintf(`($%d, $%d, $%d, $%d, $%d, 'monthly', $%d, $%d, $%d, 0, $%d, 1, 0, 10, 'send_invoice', 0, false, 'active', '[]', '{}', $%d, $%d)`,
				b+1, b+2, b+3, b+4, b+5, b+6, b+7, b+7, b+7, b+8, b+8))
			subArgs = append(subArgs, sid, sc.ID, sc.TestMode, cid, docType, currency, day, us)
			for j, p := range plans {
				b = len(itemArgs)
				itemRows = append(itemRows, fmt.Sprintf("($%d, $%d, $%d, $%d, 'line', $%d, $%d, false, '%d', 0, 0, '[]', $%d, $%d)", b+1, b+2, b+3, b+4, b+5, b+6, j+1, b+7, b+7))
				itemArgs = append(itemArgs, id.New(PrefixLine), sid, sc.ID, sc.TestMode, j, p, us)
			}
		}
		err := db.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO customers (id, workspace_id, test_mode, name, country, state, currency, tax_settings, metadata,
				send_invoices, send_collections, send_vouchers, status, created, updated) VALUES `+strings.Join(cusRows, ", "), cusArgs...); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (id, workspace_id, test_mode, customer_id, document_type, frequency, currency,
				date_start, anchor, next_index, next_billing, next_billing_cycle, cycles_opened, expiration_days, collection_scheme, coupon_redemptions,
				require_reference, status, refs, metadata, created, updated) VALUES `+strings.Join(subRows, ", "), subArgs...); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO subscription_items (id, subscription_id, workspace_id, test_mode, kind, position, plan_id, metered,
				quantity, redemptions, opened, rates, created, updated) VALUES `+strings.Join(itemRows, ", "), itemArgs...)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return subs, nil
}
