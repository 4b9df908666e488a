package subscription_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/app"
	"github.com/cobrobilling/cobro/internal/invariants"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/subscription"
	"github.com/cobrobilling/cobro/internal/workspace"
)

func scopeOf(t *testing.T, db *store.DB, country string) workspace.Scope {
	t.Helper()
	ctx := context.Background()
	c, err := workspace.Create(ctx, db, "Bill Co", country, "owner@example.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	w, err := workspace.ByID(ctx, db, c.Workspace)
	if err != nil {
		t.Fatal(err)
	}
	return workspace.Scope{Workspace: w}
}

// Four billing runs at once over the same due subscriptions (as several
// nodes and `cobro bill` processes would) bill each date exactly once.
func TestConcurrentBillingRunsBillOnce(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := apitest.OpenDB(t, dialect)
			billing := app.New(app.Config{DB: db}).Subscriptions
			sc := scopeOf(t, db, "US")
			now := time.Now()
			today := subscription.DateOf(now, sc.Loc)
			// due today and also one month ago: each must be billed separately, in order
			subs, err := subscription.SeedDue(ctx, db, sc, 150, today.String(), "USD", "US1")
			if err != nil {
				t.Fatal(err)
			}
			late, err := subscription.SeedDue(ctx, db, sc, 50, today.AddDays(-31).String(), "USD", "US1")
			if err != nil {
				t.Fatal(err)
			}
			// one broken subscription (an unknown frequency: an internal
			// error) must not stop the others: it ends in processing_issue
			broken, err := subscription.SeedDue(ctx, db, sc, 1, today.String(), "USD", "US1")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `UPDATE subscriptions SET frequency = 'fortnightly' WHERE id = $1`, broken[0]); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			sums := make([]subscription.Summary, 4)
			for i := range sums {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := billing.Bill(ctx, db, now, subscription.BillOptions{Batch: 7})
					if err != nil {
						t.Error(err)
					}
					sums[i] = s
				}()
			}
			wg.Wait()
			total := 0
			for _, s := range sums {
				total += s.Invoices
			}
			var runs, docs, dup int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscription_runs`).Scan(&runs); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM documents WHERE subscription_id IS NOT NULL`).Scan(&docs); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT subscription_id, period_start FROM documents WHERE subscription_id IS NOT NULL
				GROUP BY subscription_id, period_start HAVING COUNT(*) > 1) x`).Scan(&dup); err != nil {
				t.Fatal(err)
			}
			// the late ones are billed for both dates (two invoices each)
			want := len(subs) + 2*len(late)
			if runs != want || docs != want || total != want || dup != 0 {
				t.Errorf("runs %d, invoices %d, reported %d, duplicated periods %d; want %d, %d, %d, 0", runs, docs, total, dup, want, want, want)
			}
			var wrong int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscriptions WHERE (next_billing <= $1 OR status <> 'active') AND id <> $2`, today.String(), broken[0]).Scan(&wrong); err != nil {
				t.Fatal(err)
			}
			if wrong != 0 {
				t.Errorf("%d subscriptions still due after the runs", wrong)
			}
			var st, reason string
			if err := db.QueryRowContext(ctx, `SELECT status, needs_attention_reason FROM subscriptions WHERE id = $1`, broken[0]).Scan(&st, &reason); err != nil || st != "needs_attention" || reason != "processing_issue" {
				t.Errorf("broken subscription: %s %s %v", st, reason, err)
			}
			again, err := billing.Bill(ctx, db, now, subscription.BillOptions{})
			if err != nil || again.Processed != 0 {
				t.Errorf("a second run processed %d (%v)", again.Processed, err)
			}
			if v, err := invariants.Check(ctx, db); err != nil || len(v) > 0 {
				t.Errorf("invariants: %v %v", v, err)
			}
		})
	}
}
