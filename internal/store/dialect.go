package store

import (
	"fmt"
	"strconv"
	"strings"
)

// Dialect holds the few SQL fragments where SQLite and PostgreSQL differ.
// Everything else is one SQL text ($N placeholders work on both).
type Dialect struct{ Postgres bool }

// Name is the migrations folder and the name printed by benchmarks.
func (d Dialect) Name() string {
	if d.Postgres {
		return "postgres"
	}
	return "sqlite"
}

// ForUpdate locks the selected rows on PostgreSQL. SQLite needs nothing: its
// transactions begin IMMEDIATE and hold the database write lock.
func (d Dialect) ForUpdate() string {
	if d.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// ILike is a case-insensitive LIKE with '\' as escape. SQLite's LIKE is
// already case-insensitive (for ASCII).
func (d Dialect) ILike(expr, placeholder string) string {
	if d.Postgres {
		return fmt.Sprintf("%s ILIKE %s ESCAPE '\\'", expr, placeholder)
	}
	return fmt.Sprintf("%s LIKE %s ESCAPE '\\'", expr, placeholder)
}

// Contains is a case-sensitive substring test.
func (d Dialect) Contains(expr, placeholder string) string {
	if d.Postgres {
		return fmt.Sprintf("strpos(%s, %s) > 0", expr, placeholder)
	}
	return fmt.Sprintf("instr(%s, %s) > 0", expr, placeholder)
}

// JSONText is the string form of key in a JSON object column: strings
// unquoted, numbers and booleans as their JSON text exactly as stored
// (PostgreSQL columns are JSON, not JSONB, so "1.50" stays "1.50"), NULL
// when absent.
func (d Dialect) JSONText(col, keyPlaceholder string) string {
	if d.Postgres {
		return fmt.Sprintf("(%s ->> %s)", col, keyPlaceholder)
	}
	// json_extract would turn numbers into floats and booleans into 1/0;
	// "->" keeps the JSON text, which only strings need unquoting from.
	path := "('$.\"' || " + keyPlaceholder + " || '\"')" // parenthesised: -> binds tighter than ||
	return fmt.Sprintf("(CASE json_type(%[1]s, %[2]s) WHEN 'text' THEN json_extract(%[1]s, %[2]s) ELSE (%[1]s -> %[2]s) END)", col, path)
}

// Numeric makes a decimal column comparable as a number. PostgreSQL stores
// NUMERIC already; SQLite stores decimal text, which compares as text, so
// it is cast to NUMERIC for the comparison (filters only: values are read
// back as text, never through a float).
func (d Dialect) Numeric(expr string) string {
	if d.Postgres {
		return expr
	}
	return "CAST(" + expr + " AS NUMERIC)"
}

// SkipLocked lets PostgreSQL claimers pass over rows another transaction
// is claiming; SQLite serialises writers, so it needs nothing.
func (d Dialect) SkipLocked() string {
	if d.Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// InList appends the distinct values to args and returns the placeholder
// list for "IN (…)" ("$3, $4"): one query for a page of ids.
func InList(args []any, values []string) ([]any, string) {
	seen := make(map[string]bool, len(values))
	phs := make([]string, 0, len(values))
	for _, v := range values {
		if seen[v] {
			continue
		}
		seen[v] = true
		args = append(args, v)
		phs = append(phs, "$"+strconv.Itoa(len(args)))
	}
	return args, strings.Join(phs, ", ")
}
