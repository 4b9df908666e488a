package subscription

import (
	"context"
	"database/sql"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

type countingQ struct {
	q     store.Querier
	stmts map[string]int
}

func (c *countingQ) note(s string) {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 90 {
		s = s[:90]
	}
	c.stmts[s]++
}
func (c *countingQ) ExecContext(ctx context.Context, q string, a ...any) (sql.Result, error) {
	c.note(q)
	return c.q.ExecContext(ctx, q, a...)
}
func (c *countingQ) QueryContext(ctx context.Context, q string, a ...any) (*sql.Rows, error) {
	c.note(q)
	return c.q.QueryContext(ctx, q, a...)
}
func (c *countingQ) QueryRowContext(ctx context.Context, q string, a ...any) *sql.Row {
	c.note(q)
	return c.q.QueryRowContext(ctx, q, a...)
}

// maxRunStatements is what one billing run of a plain subscription (two
// licensed lines) may cost in database round trips, outside a batch. Each
// statement is a round trip on PostgreSQL; a change that adds some must
// say why here.
const maxRunStatements = 27

// TestRunStatements counts the statements of one run and fails when they
// grow past maxRunStatements (printing them all).
func TestRunStatements(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/x.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := catalog.Seed(ctx, db); err != nil {
		t.Fatal(err)
	}
	c, _ := workspace.Create(ctx, db, "X", "US", "a@b.c", time.Now())
	w, _ := workspace.ByID(ctx, db, c.Workspace)
	sc := workspace.Scope{Workspace: w}
	subs, err := SeedDue(ctx, db, sc, 1, DateOf(time.Now(), w.Loc).String(), "USD", "US1")
	if err != nil {
		t.Fatal(err)
	}
	// what the test binary linked before the composition root: document
	// aggregations and the subscriptions' own hook
	svc := &Service{}
	svc.Deps.Documents = document.Deps{Customers: customer.NewService(customer.Deps{Aggregations: document.CustomerAggregations{}}), Settled: svc}
	cq := &countingQ{stmts: map[string]int{}}
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		cq.q = tx
		_, err := svc.stepOne(ctx, cq, db.Dialect, sc, subs[0], time.Now(), "2100-01-01", &Summary{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	total := 0
	for k, n := range cq.stmts {
		keys = append(keys, k)
		total += n
	}
	if total < 10 { // the run did not happen
		t.Fatalf("only %d statements: the run did not bill", total)
	}
	if total > maxRunStatements || testing.Verbose() {
		sort.Strings(keys)
		for _, k := range keys {
			t.Logf("%2d %s", cq.stmts[k], k)
		}
	}
	if total > maxRunStatements {
		t.Errorf("one run made %d statements, more than %d", total, maxRunStatements)
	}
	var runs int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscription_runs`).Scan(&runs); err != nil || runs != 1 {
		t.Errorf("runs %d (%v), want 1", runs, err)
	}
}
