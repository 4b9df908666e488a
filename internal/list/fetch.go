package list

import (
	"context"
	"fmt"

	"github.com/cobrobilling/cobro/internal/store"
)

// Scanner is a row being read (*sql.Row and *sql.Rows).
type Scanner interface{ Scan(dest ...any) error }

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
	rows, err := q.QueryContext(ctx, `SELECT `+columns+from+` ORDER BY `+lq.OrderBy+fmt.Sprintf(` LIMIT %d OFFSET %d`, lq.PageSize, lq.Offset()), args...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, v)
	}
	return count, out, rows.Err()
}
