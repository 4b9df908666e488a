package rows

import (
	"context"

	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// ByIDs reads the rows of t in sc whose ids are in ids, in one query, in
// no particular order; ids of another shape or scope are simply absent.
// It is how a resource loads the related rows it expands.
func ByIDs[T any](ctx context.Context, q store.Querier, sc workspace.Scope, t Table, ids []string, scan func(list.Scanner) (T, error)) ([]T, error) {
	var valid []string
	for _, objID := range ids {
		if id.Valid(t.Prefix, objID) {
			valid = append(valid, objID)
		}
	}
	if len(valid) == 0 {
		return nil, nil
	}
	// the scope is compared as an expression here: without statistics
	// SQLite would walk the scope's index instead of looking the ids up
	args, in := store.InList([]any{sc.ID, sc.TestMode}, valid)
	return store.Collect(ctx, q, scan, `SELECT `+t.Columns+` FROM `+t.Name+` WHERE `+t.col("id")+` IN (`+in+`) AND `+
		t.col("workspace_id")+` || '' = $1 AND `+t.col("test_mode")+` = $2`, args...)
}

// In reads the rows of t in sc whose column is one of values (none when
// values is empty), in one query ordered by orderBy ("" leaves the order
// to the database): the children of several parents, say.
func In[T any](ctx context.Context, q store.Querier, sc workspace.Scope, t Table, column string, values []string, orderBy string, scan func(list.Scanner) (T, error)) ([]T, error) {
	if len(values) == 0 {
		return nil, nil
	}
	args, in := store.InList([]any{sc.ID, sc.TestMode}, values)
	query := `SELECT ` + t.Columns + t.From() + ` AND ` + t.col(column) + ` IN (` + in + `)`
	if orderBy != "" {
		query += ` ORDER BY ` + orderBy
	}
	return store.Collect(ctx, q, scan, query, args...)
}
