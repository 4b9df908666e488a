// Package rows reads and writes the rows every resource keeps per
// workspace and mode: get or lock one by id, list a page, resolve a body
// reference, archive, and expand related summaries. Each resource used to
// spell these out itself; the scope conditions live here once, so no
// lookup can forget one and leak another workspace's row.
package rows

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Table describes a scoped table: every row has workspace_id and test_mode.
type Table struct {
	Name    string // SQL table, with an alias when Alias is set ("test_clocks k")
	Alias   string // column qualifier ("k") or ""
	Prefix  string // id prefix: ids of another shape are 404 without a query
	Columns string // select list the scan function reads
}

func (t Table) col(c string) string {
	if t.Alias == "" {
		return c
	}
	return t.Alias + "." + c
}

// Scope is the scope condition with the workspace at $n and the mode at
// $n+1, as " WHERE …" continues it.
func (t Table) scope(n int) string {
	return fmt.Sprintf("%s = $%d AND %s = $%d", t.col("workspace_id"), n, t.col("test_mode"), n+1)
}

// From is " FROM <table> WHERE <scope>", the scope bound to $1 and $2 (the
// form list.Fetch expects).
func (t Table) From() string { return ` FROM ` + t.Name + ` WHERE ` + t.scope(1) }

// Lock is the lock clause for Get: "" or the dialect's FOR UPDATE.
func Lock(d store.Dialect, lock bool) string {
	if !lock {
		return ""
	}
	return d.ForUpdate()
}

// Get reads the row objID of sc with scan, or a 404. lock is "" or the
// dialect's FOR UPDATE clause (see Lock).
func Get[T any](ctx context.Context, q store.Querier, sc workspace.Scope, t Table, objID, lock string, scan func(list.Scanner) (T, error)) (T, error) {
	var zero T
	if !id.Valid(t.Prefix, objID) {
		return zero, apperr.NotFoundErr()
	}
	v, err := scan(q.QueryRowContext(ctx, `SELECT `+t.Columns+` FROM `+t.Name+` WHERE `+t.col("id")+` = $1 AND `+t.scope(2)+lock,
		objID, sc.ID, sc.TestMode))
	if errors.Is(err, sql.ErrNoRows) {
		return zero, apperr.NotFoundErr()
	}
	if err != nil {
		return zero, err
	}
	return v, nil
}

// List returns one page of t's rows in sc for a parsed list query (its
// arguments start at $3).
func List[T any](ctx context.Context, q store.Querier, sc workspace.Scope, t Table, lq *list.Query, scan func(list.Scanner) (T, error)) (int, []T, error) {
	return list.Fetch(ctx, q, lq, t.Columns, t.From(), []any{sc.ID, sc.TestMode}, scan)
}

// Exec runs a statement on the row objID of sc: set is the SET list, its
// arguments first; the id and scope follow them.
func Exec(ctx context.Context, q store.Querier, sc workspace.Scope, t Table, objID, set string, args ...any) error {
	n := len(args)
	_, err := q.ExecContext(ctx, `UPDATE `+t.Name+` SET `+set+fmt.Sprintf(` WHERE %s = $%d AND `, t.col("id"), n+1)+t.scope(n+2),
		append(args, objID, sc.ID, sc.TestMode)...)
	return err
}

// Archive sets status archived and the archived stamp on the row objID.
func Archive(ctx context.Context, q store.Querier, sc workspace.Scope, t Table, objID, archivedStatus string, now time.Time) error {
	us := now.UnixMicro()
	return Exec(ctx, q, sc, t, objID, `status = $1, archived = $2, updated = $2`, archivedStatus, us)
}

// Field messages of a reference in a request body.
func MsgPK(v string) string            { return fmt.Sprintf("Invalid pk %q - object does not exist.", v) }
func MsgArchived(object string) string { return object + " is archived." }

// Ref turns the lookup of a referenced row (the result of Get) into the
// field message a body reference gets: "Invalid pk …" when it is missing,
// "<object> is archived." when archived(v). err is returned only when it
// is not a 404.
func Ref[T any](v T, err error, objID, object string, archived func(T) bool) (T, string, error) {
	if e, ok := apperr.As(err); ok && e.Kind == apperr.NotFound {
		return v, MsgPK(objID), nil
	}
	if err != nil {
		return v, "", err
	}
	if archived(v) {
		return v, MsgArchived(object), nil
	}
	return v, "", nil
}

// Expand fills a related value into each item: key gives the item's
// related id (false when it has none), fetch loads them all at once, set
// stores the found value (the zero value when fetch did not return it).
func Expand[T any, V any](items []T, key func(T) (string, bool), fetch func([]string) (map[string]V, error), set func(T, V)) error {
	var ids []string
	for _, it := range items {
		if k, ok := key(it); ok {
			ids = append(ids, k)
		}
	}
	found, err := fetch(ids)
	if err != nil {
		return err
	}
	for _, it := range items {
		if k, ok := key(it); ok {
			set(it, found[k])
		}
	}
	return nil
}

// Text is a nullable text column as an optional string.
func Text(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	s := v.String
	return &s
}

// Int is a nullable integer column as an optional int64.
func Int(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	n := v.Int64
	return &n
}

// Stamp is a nullable microsecond column as a timestamp shown in loc.
func Stamp(v sql.NullInt64, loc *time.Location) clock.NullStamp {
	return clock.NullStamp{Micros: Int(v), Loc: loc}
}

// OrNull is "" stored as NULL.
func OrNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Referenced tells whether any of the queries ("SELECT 1 FROM … WHERE
// x_id = $1") finds a row for objID: whether something still uses it.
func Referenced(ctx context.Context, q store.Querier, queries []string, objID string) (bool, error) {
	for _, query := range queries {
		var one int
		err := q.QueryRowContext(ctx, query+` LIMIT 1`, objID).Scan(&one)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, err
		}
	}
	return false, nil
}
