package main

import (
	"cmp"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/subscription"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// benchBilling (docs/operations.md#4-benchmarks `billing --subscriptions N`): seeds N due
// subscriptions of two lines each, then times one billing run to
// completion with --clients concurrent runners (as several nodes would),
// next to the raw ceiling: the rows a run writes (an invoice row with its
// two lines, the run row, the subscription's new schedule) written by
// plain SQL in transactions of the same size. Afterwards it counts
// duplicates and missing runs, which must be 0.
func benchBilling(b *benchEnv) ([]kv, error) {
	ctx := b.ctx
	n := b.subscriptions
	w, err := workspace.ByID(ctx, b.db, b.ws.Workspace)
	if err != nil {
		return nil, err
	}
	sc := workspace.Scope{Workspace: w}
	now := time.Now()
	today := subscription.DateOf(now, w.Loc).String()
	fmt.Fprintf(b.progress, "seeding %d due subscriptions (2 lines each)…\n", n)
	t0 := time.Now()
	subs, err := subscription.SeedDue(ctx, b.db, sc, n, today, "USD", "US1")
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(b.out, "seeded %d subscriptions in %s\n", n, time.Since(t0).Round(time.Millisecond))

	// raw ceiling
	const batch = subscription.DefaultBatch
	if _, err := b.db.ExecContext(ctx, `CREATE TABLE bench_raw_invoices (id TEXT PRIMARY KEY, subscription_id TEXT NOT NULL, lines TEXT NOT NULL, total TEXT NOT NULL, created BIGINT NOT NULL)`); err != nil {
		return nil, err
	}
	if _, err := b.db.ExecContext(ctx, `CREATE TABLE bench_raw_runs (subscription_id TEXT NOT NULL, billing_date TEXT NOT NULL, invoice_id TEXT NOT NULL, PRIMARY KEY (subscription_id, billing_date))`); err != nil {
		return nil, err
	}
	lines := `[{"name":"Plan 1","quantity":"1","amount":"10.00","total":"10.00"},{"name":"Plan 2","quantity":"2","amount":"20.00","total":"40.00"}]`
	fmt.Fprintf(b.progress, "raw ceiling: %d runs by plain SQL, %d clients…\n", n, b.clients)
	t0 = time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, b.clients)
	chunks := make(chan []string, len(subs)/batch+1)
	for i := 0; i < len(subs); i += batch {
		chunks <- subs[i:min(i+batch, len(subs))]
	}
	close(chunks)
	for c := 0; c < b.clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range chunks {
				err := b.db.InTx(ctx, func(tx *sql.Tx) error {
					for _, s := range chunk {
						inv := id.New("inv")
						if _, err := tx.ExecContext(ctx, `INSERT INTO bench_raw_invoices (id, subscription_id, lines, total, created) VALUES ($1, $2, $3, '50.00', $4)`, inv, s, lines, now.UnixMicro()); err != nil {
							return err
						}
						if _, err := tx.ExecContext(ctx, `INSERT INTO bench_raw_runs (subscription_id, billing_date, invoice_id) VALUES ($1, $2, $3)`, s, today, inv); err != nil {
							return err
						}
						if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET updated = $2 WHERE id = $1`, s, now.UnixMicro()); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("raw: %w", err)
	}
	rawElapsed := time.Since(t0)
	rawPerS := float64(n) / rawElapsed.Seconds()

	// Cobro: one billing run, --clients runners at once (or --processes)
	t0 = time.Now()
	total, split, err := b.billRun(now, batch)
	if err != nil {
		return nil, fmt.Errorf("billing run: %w", err)
	}
	elapsed := time.Since(t0)
	perS := float64(total.Invoices) / elapsed.Seconds()

	var runs, dups, due int
	_ = b.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscription_runs`).Scan(&runs)
	_ = b.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT subscription_id, period_start FROM documents WHERE subscription_id IS NOT NULL GROUP BY subscription_id, period_start HAVING COUNT(*) > 1) x`).Scan(&dups)
	_ = b.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscriptions WHERE status = 'active' AND next_billing <= $1`, today).Scan(&due)
	fmt.Fprintf(b.out, "%-8s %10s %12s\n", "phase", "elapsed", "runs/s")
	fmt.Fprintf(b.out, "%-8s %10s %12.1f\n", "raw", rawElapsed.Round(time.Millisecond), rawPerS)
	fmt.Fprintf(b.out, "%-8s %10s %12.1f   invoices=%d needs_attention=%d\n", "cobro", elapsed.Round(time.Millisecond), perS, total.Invoices, total.Attention)
	fmt.Fprintf(b.out, "runs=%d duplicates=%d missing=%d\n", runs, dups, due)
	if split != "" {
		fmt.Fprintf(b.out, "invoices per process: %s\n", split)
	}
	return []kv{{"subscriptions", fmt.Sprint(n)}, {"cobro_per_s", fmt.Sprintf("%.1f", perS)}, {"raw_per_s", fmt.Sprintf("%.1f", rawPerS)},
		{"ratio", fmt.Sprintf("%.3f", perS/rawPerS)}, {"elapsed_s", fmt.Sprintf("%.1f", elapsed.Seconds())},
		{"duplicates", fmt.Sprint(dups)}, {"missing", fmt.Sprint(due + n - runs)}, {"errors", fmt.Sprint(total.Attention)}, {"processes", fmt.Sprint(b.processes)}, {"split", cmp.Or(split, "na")}}, nil
}

// billRun bills every due subscription with --clients runners in this
// process, or with --processes `cobro bill` processes on the same
// database (as several nodes would); split is each process's invoices.
func (b *benchEnv) billRun(now time.Time, batch int) (subscription.Summary, string, error) {
	var (
		mu    sync.Mutex
		total subscription.Summary
		wg    sync.WaitGroup
		parts []string
	)
	n := b.clients
	if b.processes > 0 {
		n = b.processes
		fmt.Fprintf(b.progress, "cobro: one billing run over %d due subscriptions, %d cobro bill processes…\n", b.subscriptions, n)
	} else {
		fmt.Fprintf(b.progress, "cobro: one billing run over %d due subscriptions, %d runners…\n", b.subscriptions, n)
	}
	exe, err := os.Executable()
	if err != nil {
		return total, "", err
	}
	errs := make(chan error, n)
	for c := 0; c < n; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s subscription.Summary
			var err error
			if b.processes > 0 {
				s, err = b.billProcess(exe, batch)
			} else {
				s, err = b.app.Subscriptions.Bill(b.ctx, b.db, now, subscription.BillOptions{Batch: batch})
			}
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			total.Processed += s.Processed
			total.Invoices += s.Invoices
			total.Attention += s.Attention
			parts = append(parts, strconv.Itoa(s.Invoices))
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return total, "", err
	}
	if b.processes == 0 {
		return total, "", nil
	}
	return total, strings.Join(parts, "/"), nil
}

// billProcess runs `cobro bill` on the bench database and reads its
// summary line.
func (b *benchEnv) billProcess(exe string, batch int) (subscription.Summary, error) {
	var s subscription.Summary
	cmd := exec.CommandContext(b.ctx, exe, "bill", "--db", b.dbURL, "--batch", strconv.Itoa(batch))
	out, err := cmd.Output()
	if err != nil {
		return s, fmt.Errorf("cobro bill: %w: %s", err, out)
	}
	line := strings.TrimSpace(string(out))
	at := strings.LastIndex(line, "billed:")
	if at < 0 {
		return s, fmt.Errorf("cobro bill answered %q", line)
	}
	if _, err := fmt.Sscanf(line[at:], "billed: subscriptions=%d invoices=%d needs_attention=%d", &s.Processed, &s.Invoices, &s.Attention); err != nil {
		return s, fmt.Errorf("cobro bill answered %q: %w", line, err)
	}
	return s, nil
}
