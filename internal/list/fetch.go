package list

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cobrobilling/cobro/internal/store"
)

// Scanner is a row being read (*sql.Row and *sql.Rows).
type Scanner = store.Scanner

// ExactCount is how many rows a list counts exactly; past it, count is
// an estimate (docs/conventions.md#11-lists-pagination-filtering-ordering-search): counting a
// million invoices on every page would read all of them.
const ExactCount = 10_000

// Fetch runs a parsed list query: the page, then its count, scanned with
// scan. from is " FROM … WHERE <scope conditions>"; the query's own
// conditions are appended to it, its arguments after args. The page is
// read with one row more than asked, so whether another page follows is
// known exactly even when the count is an estimate.
func Fetch[T any](ctx context.Context, q store.Querier, lq *Query, columns, from string, args []any, scan func(Scanner) (T, error)) (int, []T, error) {
	from += lq.Where()
	args = append(append([]any{}, args...), lq.Args...)
	out, err := store.Collect(ctx, q, scan, `SELECT `+columns+from+` ORDER BY `+lq.OrderBy+fmt.Sprintf(` LIMIT %d OFFSET %d`, lq.PageSize+1, lq.Offset()), args...)
	if err != nil {
		return 0, nil, err
	}
	if out == nil {
		out = []T{} // an empty page is [] in JSON
	}
	more := len(out) > lq.PageSize
	if more {
		out = out[:lq.PageSize]
	}
	count, err := lq.count(ctx, q, from, args, len(out), more)
	return count, out, err
}

// count is the number of rows matching, given a page of n rows at the
// query's offset and whether more follow. On the last page it is exact
// without counting; else rows are counted up to ExactCount + 1, and past
// that the database's estimate is used, never below what the page shows
// (next stays right) and, past the end, never above the offset (so a page
// past the end is still "Invalid page.").
func (lq *Query) count(ctx context.Context, q store.Querier, from string, args []any, n int, more bool) (int, error) {
	offset := lq.Offset()
	if !more && (n > 0 || offset == 0) {
		return offset + n, nil
	}
	var counted int
	if err := q.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM (SELECT 1 AS one%s LIMIT %d) AS capped`, from, ExactCount+1), args...).Scan(&counted); err != nil {
		return 0, err
	}
	if counted <= ExactCount {
		if more {
			return max(counted, offset+n+1), nil // rows added between the two statements
		}
		return counted, nil
	}
	estimate, err := estimateRows(ctx, q, from, args, lq.dialect)
	if err != nil {
		return 0, err
	}
	estimate = max(estimate, ExactCount+1)
	if more {
		return max(estimate, offset+n+1), nil
	}
	return min(estimate, offset), nil
}

// estimateRows is PostgreSQL's planner estimate of the rows matching.
// SQLite has no estimate to ask for, and counting a million rows takes
// seconds there: its estimate is the lower bound the capped count found.
func estimateRows(ctx context.Context, q store.Querier, from string, args []any, d store.Dialect) (int, error) {
	if !d.Postgres {
		return ExactCount + 1, nil
	}
	var raw string
	if err := q.QueryRowContext(ctx, `EXPLAIN (FORMAT JSON) SELECT 1 AS one`+from, args...).Scan(&raw); err != nil {
		return 0, err
	}
	var plans []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		}
	}
	if err := json.Unmarshal([]byte(raw), &plans); err != nil || len(plans) == 0 {
		return 0, fmt.Errorf("read the row estimate: %w", err)
	}
	return int(plans[0].Plan.Rows), nil
}
