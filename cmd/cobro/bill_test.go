package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/invariants"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/subscription"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// A `cobro bill` over thousands of due subscriptions is killed with
// SIGKILL mid-run; two more run at once to completion. Every subscription
// ends with exactly one invoice for the date, none missing, none twice
// (docs/billing.md#84-billing-schedule; issue 4 crash test), on both databases.
func TestBillKilledMidRunBillsEachCycleOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills real processes")
	}
	bin := filepath.Join(t.TempDir(), "cobro")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) { billCrash(t, bin, "sqlite:"+filepath.Join(t.TempDir(), "bill.db"), 3000) })
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("COBRO_TEST_DATABASE_URL")
		if base == "" {
			t.Skip("COBRO_TEST_DATABASE_URL is not set")
		}
		billCrash(t, bin, freshSchema(t, base), 3000)
	})
}

// seedDueDB migrates and seeds a database with a US workspace holding n
// subscriptions due today; it returns the database and that day.
func seedDueDB(t *testing.T, dbURL string, n int) (*store.DB, string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := catalog.Seed(ctx, db); err != nil {
		t.Fatal(err)
	}
	c, err := workspace.Create(ctx, db, "Billing Co", "US", "owner@example.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	w, err := workspace.ByID(ctx, db, c.Workspace)
	if err != nil {
		t.Fatal(err)
	}
	today := subscription.DateOf(time.Now(), w.Loc).String()
	if _, err := subscription.SeedDue(ctx, db, workspace.Scope{Workspace: w}, n, today, "USD", "US1"); err != nil {
		t.Fatal(err)
	}
	return db, today
}

func billCrash(t *testing.T, bin, dbURL string, n int) {
	ctx := context.Background()
	db, today := seedDueDB(t, dbURL, n)
	runs := func() int {
		var k int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscription_runs`).Scan(&k); err != nil {
			t.Fatal(err)
		}
		return k
	}
	// kill the first run once it has committed some batches
	first := exec.Command(bin, "bill", "--db", dbURL, "--batch", "10")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for runs() < n/5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	_ = first.Process.Signal(syscall.SIGKILL)
	_ = first.Wait()
	killedAt := runs()
	t.Logf("killed after %d of %d runs", killedAt, n)
	if killedAt >= n {
		t.Logf("the first run finished before the kill")
	}
	// two runs at once finish the work
	var wg sync.WaitGroup
	outs := make([]string, 2)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := exec.Command(bin, "bill", "--db", dbURL, "--batch", "10").CombinedOutput()
			if err != nil {
				t.Errorf("cobro bill: %v\n%s", err, out)
			}
			outs[i] = string(out)
		}()
	}
	wg.Wait()
	for _, o := range outs {
		if !strings.HasPrefix(o, "billed: subscriptions=") {
			t.Errorf("summary line: %q", o)
		}
	}
	var docs, due int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM documents WHERE subscription_id IS NOT NULL`).Scan(&docs); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscriptions WHERE next_billing <= $1`, today).Scan(&due); err != nil {
		t.Fatal(err)
	}
	if r := runs(); r != n || docs != n || due != 0 {
		t.Errorf("after the crash: %d runs, %d invoices, %d still due; want %d, %d, 0", r, docs, due, n, n)
	}
	if v, err := invariants.Check(ctx, db); err != nil || len(v) > 0 {
		if len(v) > 10 {
			v = v[:10]
		}
		t.Errorf("invariants: %v %v", v, err)
	}
}

// `cobro serve` bills due subscriptions by itself (its scheduler), counts
// them in /metrics, and --no-scheduler turns that off.
func TestServeSchedulerBills(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "cobro")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dbURL := "sqlite:" + filepath.Join(dir, "s.db")
	ctx := context.Background()
	db, _ := seedDueDB(t, dbURL, 5)
	runs := func() int {
		var k int
		_ = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscription_runs`).Scan(&k)
		return k
	}
	// cobro bill: --date decides what is due, --workspace what is billed
	if code, _, errs := runCmd(t, "bill", "--db", dbURL, "--date", "tomorrow"); code != exitUsage || !strings.Contains(errs, "YYYY-MM-DD") {
		t.Errorf("bad --date: exit %d %s", code, errs)
	}
	yesterday := time.Now().AddDate(0, 0, -2).Format(time.DateOnly)
	if code, out, _ := runCmd(t, "bill", "--db", dbURL, "--date", yesterday); code != 0 || out != "billed: subscriptions=0 invoices=0 needs_attention=0 resumed=0\n" {
		t.Errorf("bill --date %s: exit %d %q", yesterday, code, out)
	}
	if code, out, _ := runCmd(t, "bill", "--db", dbURL, "--workspace", "acc_tnlUbv0YSTbzmsx7oH"); code != 0 || !strings.HasPrefix(out, "billed: subscriptions=0 ") {
		t.Errorf("bill --workspace of another: exit %d %q", code, out)
	}
	off, _ := startServe(t, bin, dbURL, "--no-scheduler")
	time.Sleep(500 * time.Millisecond)
	if n := runs(); n != 0 {
		t.Fatalf("--no-scheduler billed %d", n)
	}
	_ = off.Process.Kill()
	_ = off.Wait()

	_, addr := startServe(t, bin, dbURL, "--scheduler-interval", "100ms")
	deadline := time.Now().Add(20 * time.Second)
	for runs() < 5 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runs(); n != 5 {
		t.Fatalf("the scheduler billed %d of 5", n)
	}
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(body), `cobro_billing_runs_total{outcome="invoiced"} 5`) {
		t.Errorf("metrics lack the billing runs:\n%s", grepLines(string(body), "cobro_billing"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
