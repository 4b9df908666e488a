package rows

import (
	"context"
	"database/sql"
	"errors"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Resource is one resource's reads within a request: its scoped table,
// the scan of a row and the expansion of the related summaries the API
// object shows. Expand runs on the rows of a list and on the single row
// Show returns, so both show the same object.
type Resource[T any] struct {
	Ctx    context.Context
	Q      store.Querier
	D      store.Dialect
	Scope  workspace.Scope
	Table  Table
	Scan   func(list.Scanner) (T, error)
	Expand func([]T) error // nil: nothing to expand
}

// Get reads the row objID without expanding it, locked for update when
// lock is set, or a 404.
func (r Resource[T]) Get(objID string, lock bool) (T, error) {
	return Get(r.Ctx, r.Q, r.Scope, r.Table, objID, Lock(r.D, lock), r.Scan)
}

// Show reads the row objID expanded, or a 404.
func (r Resource[T]) Show(objID string) (T, error) {
	v, err := r.Get(objID, false)
	if err != nil {
		return v, err
	}
	return v, r.expand([]T{v})
}

// List returns one page of rows for a parsed list query, expanded.
func (r Resource[T]) List(lq *list.Query) (int, []T, error) {
	n, out, err := List(r.Ctx, r.Q, r.Scope, r.Table, lq, r.Scan)
	if err != nil {
		return 0, nil, err
	}
	return n, out, r.expand(out)
}

func (r Resource[T]) expand(items []T) error {
	if r.Expand == nil {
		return nil
	}
	return r.Expand(items)
}

// ScopeOf finds the workspace and mode of the row objID of t from its id
// alone, for callers that have nothing else (a publishable page, a job).
func ScopeOf(ctx context.Context, q store.Querier, t Table, objID string) (workspace.Scope, error) {
	if !id.Valid(t.Prefix, objID) {
		return workspace.Scope{}, apperr.NotFoundErr()
	}
	var ws string
	var test bool
	err := q.QueryRowContext(ctx, `SELECT `+t.col("workspace_id")+`, `+t.col("test_mode")+` FROM `+t.Name+` WHERE `+t.col("id")+` = $1`, objID).Scan(&ws, &test)
	if errors.Is(err, sql.ErrNoRows) {
		return workspace.Scope{}, apperr.NotFoundErr()
	}
	if err != nil {
		return workspace.Scope{}, err
	}
	w, err := workspace.ByID(ctx, q, ws)
	if err != nil {
		return workspace.Scope{}, err
	}
	return workspace.Scope{Workspace: w, TestMode: test}, nil
}
