package list

import (
	"context"
	"fmt"

	"github.com/cobrobilling/cobro/internal/store"
)

// Scanner is a row being read (*sql.Row and *sql.Rows).
type Scanner = store.Scanner

// Fetch runs a parsed list query: the total count, then the page, scanned
// with scan. from is " FROM … WHERE <scope conditions>"; the query's own
// conditions are appended to it, its arguments after args.
func Fetch[T any](ctx context.Context, q store.Querier, lq *Query, columns, from string, args []any, scan func(Scanner) (T, error)) (int, []T, error) {
	from += lq.Where()
	args = append(append([]any{}, args...), lq.Args...)
	var count int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*)`+from, args...).Scan(&count); err != nil {
		return 0, nil, err
	}
	out, err := store.Collect(ctx, q, scan, `SELECT `+columns+from+` ORDER BY `+lq.OrderBy+fmt.Sprintf(` LIMIT %d OFFSET %d`, lq.PageSize, lq.Offset()), args...)
	if err != nil {
		return 0, nil, err
	}
	if out == nil {
		out = []T{} // an empty page is [] in JSON
	}
	return count, out, nil
}
