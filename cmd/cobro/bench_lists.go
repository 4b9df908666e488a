package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/workspace"
)

// benchLists (docs/operations.md#4-benchmarks `lists --invoices N`): one
// workspace holding N finalized invoices, seeded by one SQL statement (a
// copy of an invoice made through the API, with new ids, numbers and
// dates), then reads over HTTP at --clients: one invoice by id, the first
// page of the list (with its total count), the list filtered by status
// and by customer, and a search. Figures are p50/p99 per read; there is
// no raw ceiling (ratio=na).
func benchLists(b *benchEnv) ([]kv, error) {
	probeID, customerID, err := listsWorkspace(b)
	if err != nil {
		return nil, err
	}
	reads := []struct{ name, path string }{
		{"get one", "/invoices/" + probeID + "/"},
		{"list", "/invoices/"},
		{"list status", "/invoices/?status=paid"},
		{"list customer", "/invoices/?customer=" + customerID + "&page_size=20"},
		{"search", "/invoices/?search=" + strconv.FormatInt(int64(b.invoices/2), 10)},
	}
	var phases []phaseResult
	for _, r := range reads {
		phases = append(phases, b.runPhase(r.name, func(ctx context.Context, _ int) error {
			status, out, err := b.request(ctx, http.MethodGet, r.path, nil, nil)
			if err == nil && status != http.StatusOK {
				err = fmt.Errorf("GET %s: %d %.200s", r.path, status, out)
			}
			return err
		}))
		if b.ctx.Err() != nil {
			return nil, b.ctx.Err()
		}
	}
	b.printPhases(phases...)
	pairs := []kv{{"invoices", strconv.Itoa(b.invoices)}}
	errs := 0
	for _, p := range phases {
		key := strings.ReplaceAll(p.name, " ", "_")
		pairs = append(pairs, kv{key + "_per_s", fmt.Sprintf("%.1f", p.perSecond())}, kv{key + "_p99_ms", fmt.Sprintf("%.2f", p.pct(0.99))})
		errs += p.errors
	}
	return append(pairs, kv{"ratio", "na"}, kv{"errors", strconv.Itoa(errs)}), nil
}

// listsWorkspace points b at a workspace of b.invoices invoices and
// returns one of them and their customer: with --reuse, the one a
// previous run seeded when there is one; otherwise a new one seeded now.
func listsWorkspace(b *benchEnv) (string, string, error) {
	if b.reuse {
		// The probe is the workspace's one invoice made through the API
		// (the seeded copies' ids are not API ids).
		var ws, probeID, customerID string
		err := b.db.QueryRowContext(b.ctx, `SELECT p.workspace_id, p.id, p.customer_id FROM documents s JOIN documents p
			ON p.workspace_id = s.workspace_id AND p.test_mode = s.test_mode AND p.kind = s.kind AND p.number = 1
			WHERE s.id = $1 AND NOT EXISTS (SELECT 1 FROM documents WHERE id = $2)`,
			"inv_seed"+strconv.Itoa(b.invoices), "inv_seed"+strconv.Itoa(b.invoices+1)).Scan(&ws, &probeID, &customerID)
		switch {
		case err == nil:
			fmt.Fprintf(b.progress, "reusing the %d invoices of workspace %s\n", b.invoices, ws)
			b.ws.Workspace = ws
			return probeID, customerID, workspace.AddMember(b.ctx, b.db, b.ws.User, ws, time.Now())
		case !errors.Is(err, sql.ErrNoRows):
			return "", "", err
		}
	}
	cus, err := (&customersBench{b: b}).post(b.ctx, newCustomerBody("lists", 0, 0))
	if err != nil {
		return "", "", fmt.Errorf("create the customer: %w", err)
	}
	body, err := json.Marshal(newInvoiceBody(cus.ID, time.Now().Format(time.DateOnly)))
	if err != nil {
		return "", "", err
	}
	c := &invoicesBench{b: b, body: body}
	probeID, err := c.createAndFinalize(b.ctx)
	if err != nil {
		return "", "", fmt.Errorf("probe invoice: %w", err)
	}
	if err := c.loadProbe(b.ctx, probeID); err != nil {
		return "", "", fmt.Errorf("probe invoice: %w", err)
	}
	fmt.Fprintf(b.progress, "seeding %d invoices by SQL…\n", b.invoices)
	t0 := time.Now()
	if err := c.seedCopies(b.ctx, b.invoices); err != nil {
		return "", "", fmt.Errorf("seed: %w", err)
	}
	if b.db.Dialect.Postgres {
		// What autovacuum does after a bulk load: statistics for the
		// planner and the visibility map for index-only scans.
		if _, err := b.db.ExecContext(b.ctx, `VACUUM (ANALYZE) documents`); err != nil {
			return "", "", err
		}
	}
	fmt.Fprintf(b.out, "seeded %d invoices in %s\n", b.invoices, time.Since(t0).Round(time.Millisecond))
	return probeID, cus.ID, nil
}

// seedCopies inserts n copies of the probe row in one statement (a
// recursive series, the same SQL on both databases): numbers after the
// probe's, creation times a second apart going back, every tenth one
// paid so the status filter has a selective value.
func (c *invoicesBench) seedCopies(ctx context.Context, n int) error {
	exprs := make([]string, len(invoiceColumns))
	var args []any
	for i, col := range invoiceColumns {
		switch col {
		case "id":
			exprs[i] = `'inv_seed' || CAST(g AS TEXT)`
		case "number":
			exprs[i] = `g + 1`
		case "created", "updated":
			args = append(args, time.Now().UnixMicro())
			exprs[i] = `CAST($` + strconv.Itoa(len(args)) + ` AS BIGINT) - CAST(g AS BIGINT) * 1000000`
		case "status":
			args = append(args, "finalized")
			exprs[i] = `CASE WHEN g % 10 = 0 THEN 'paid' ELSE $` + strconv.Itoa(len(args)) + ` END`
		default:
			args = append(args, c.row[i])
			exprs[i] = `$` + strconv.Itoa(len(args))
		}
	}
	args = append(args, n)
	_, err := c.b.db.ExecContext(ctx, `WITH RECURSIVE series(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM series WHERE g < $`+strconv.Itoa(len(args))+`)
		INSERT INTO documents (`+strings.Join(invoiceColumns, ", ")+`) SELECT `+strings.Join(exprs, ", ")+` FROM series`, args...)
	return err
}
