package store

import (
	"context"
	"strconv"
	"strings"
)

// maxParams bounds the parameters of one multi-row statement: SQLite's
// default limit is 32766, PostgreSQL's 65535.
const maxParams = 30000

// Column is a column of a multi-row UPDATE and its SQL type: PostgreSQL
// types the VALUES list from the casts.
type Column struct{ Name, Type string }

// InsertRows inserts rows (each a value per column of cols) into table
// with as few multi-row statements as the parameter limit allows; suffix
// follows the VALUES list (an ON CONFLICT clause, or ""). A set-based
// write (a billing batch) costs one round trip per table instead of one
// per row.
func InsertRows(ctx context.Context, q Querier, d Dialect, table, cols string, rows [][]any, suffix string) error {
	for _, chunk := range chunks(rows) {
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
		args := make([]any, 0, len(chunk)*len(chunk[0]))
		for i, row := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			args = placeholders(&sb, d, args, row, nil)
		}
		sb.WriteString(suffix)
		if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// UpdateRows sets cols of the rows of table whose key column matches each
// row's first value (the key, TEXT), the others being the new values of
// cols in order: WITH v AS (VALUES …) UPDATE … FROM v, one statement per
// chunk on both databases.
func UpdateRows(ctx context.Context, q Querier, d Dialect, table, key string, cols []Column, rows [][]any) error {
	names := make([]string, 0, len(cols)+1)
	types := make([]string, 0, len(cols)+1)
	set := make([]string, 0, len(cols))
	names, types = append(names, key), append(types, "TEXT")
	for _, c := range cols {
		names, types = append(names, c.Name), append(types, c.Type)
		set = append(set, c.Name+" = v."+c.Name)
	}
	for _, chunk := range chunks(rows) {
		var sb strings.Builder
		sb.WriteString("WITH v (" + strings.Join(names, ", ") + ") AS (VALUES ")
		args := make([]any, 0, len(chunk)*len(names))
		for i, row := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			args = placeholders(&sb, d, args, row, types)
		}
		sb.WriteString(") UPDATE " + table + " SET " + strings.Join(set, ", ") + " FROM v WHERE " + table + "." + key + " = v." + key)
		if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// placeholders writes "($n, …)" for row's values (cast to types when
// given) and returns args with them appended. SQLite gets anonymous "?"
// placeholders: its driver looks every numbered one up by name in a
// list, which costs the square of the parameters of a long statement.
func placeholders(sb *strings.Builder, d Dialect, args []any, row []any, types []string) []any {
	sb.WriteByte('(')
	for j, v := range row {
		if j > 0 {
			sb.WriteString(", ")
		}
		args = append(args, v)
		ph := "?"
		if d.Postgres {
			ph = "$" + strconv.Itoa(len(args))
		}
		if types != nil {
			ph = "CAST(" + ph + " AS " + types[j] + ")"
		}
		sb.WriteString(ph)
	}
	sb.WriteByte(')')
	return args
}

// chunks splits rows so that no statement passes maxParams.
func chunks(rows [][]any) [][][]any {
	if len(rows) == 0 {
		return nil
	}
	per := max(1, maxParams/max(1, len(rows[0])))
	var out [][][]any
	for len(rows) > per {
		out = append(out, rows[:per])
		rows = rows[per:]
	}
	return append(out, rows)
}
