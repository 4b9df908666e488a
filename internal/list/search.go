package list

import (
	"strings"
	"unicode/utf8"
)

// SearchIndex says which indexes serve a Spec's Search. On PostgreSQL they
// are pg_trgm GIN indexes, which serve the same ILIKE conditions a plain
// search writes. On SQLite they are FTS5 trigram tables kept in sync by
// triggers: a search of 3 characters or more matches their rowids;
// shorter terms have no trigram and fall back to LIKE. A searched column
// of another table (an invoice's customer name) makes the condition one
// set of the listed table's keys: those matching on their own columns
// UNION those whose ref matches.
type SearchIndex struct {
	Table string // the listed table
	Alias string // its alias in the list's FROM, or ""
	// Scope is the condition restricting Table and the Refs' tables to
	// the request's workspace and mode (its placeholders bound by the list).
	Scope string
	// FTS is the SQLite FTS5 table of Table's searched columns, rowid for
	// rowid; Columns maps each Search expression on Table to its column.
	FTS     string
	Columns map[string]string
	Refs    []SearchRef
}

// SearchRef is searched columns of another table the listed row points to.
type SearchRef struct {
	Key   string // column of the listed table holding the other row's id
	Table string // the other table, with an id column
	FTS   string // its SQLite FTS5 table
	// Columns maps each Search expression on Table to its column (the
	// same name in FTS).
	Columns map[string]string
}

// minTrigramTerm is the shortest term a trigram index can match.
const minTrigramTerm = 3

// cond is the search condition for term.
func (ix *SearchIndex) cond(p *parser, term string) string {
	if !p.env.Dialect.Postgres && utf8.RuneCountInString(term) < minTrigramTerm {
		return p.likeAny(term, p.spec.Search)
	}
	own, refs, covered := ix.split(p.spec.Search)
	if !covered {
		return p.likeAny(term, p.spec.Search) // a searched column has no index: scan
	}
	if p.env.Dialect.Postgres && len(ix.Refs) == 0 {
		return p.likeAny(term, own) // ORed bitmaps of the table's trigram indexes
	}
	// The rows matching on their own columns or through a ref, as one set
	// of keys: the planner estimates its size (a bitmap OR of an
	// "= ANY(subquery)" has no estimate) and joins it by key.
	key, ph := "rowid", ""
	if p.env.Dialect.Postgres {
		key, ph = "id", p.arg("%"+escapeLike(term)+"%")
	}
	var sets []string
	if len(own) > 0 {
		if p.env.Dialect.Postgres {
			sets = append(sets, "SELECT id FROM "+ix.Table+" WHERE "+ix.Scope+" AND "+ilikeAny(p, unqualified(own, ix.Alias), ph))
		} else {
			sets = append(sets, "SELECT rowid FROM "+ix.FTS+" WHERE "+ix.FTS+" MATCH "+p.arg(ftsQuery(ix.Columns, own, term)))
		}
	}
	for i, cols := range refs {
		if len(cols) == 0 {
			continue
		}
		r := ix.Refs[i]
		var match string
		if p.env.Dialect.Postgres {
			match = ilikeAny(p, cols, ph)
		} else {
			match = "rowid IN (SELECT rowid FROM " + r.FTS + " WHERE " + r.FTS + " MATCH " + p.arg(ftsColumns(cols, term)) + ")"
		}
		// The other table's matches are not scoped: its ids are, as the
		// listed rows pointing to them, and its trigram index is the
		// only path the planner can take.
		sets = append(sets, "SELECT "+key+" FROM "+ix.Table+" WHERE "+ix.Scope+" AND "+r.Key+" IN (SELECT id FROM "+r.Table+" WHERE "+match+")")
	}
	return ix.qualify(key) + " IN (" + strings.Join(sets, " UNION ") + ")"
}

// ilikeAny is "(a ILIKE ph OR b ILIKE ph …)".
func ilikeAny(p *parser, exprs []string, ph string) string {
	ors := make([]string, len(exprs))
	for i, expr := range exprs {
		ors[i] = p.env.Dialect.ILike(expr, ph)
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// unqualified drops the alias from expressions ("CAST(d.number AS TEXT)"
// inside a subquery on the table without it).
func unqualified(exprs []string, alias string) []string {
	if alias == "" {
		return exprs
	}
	out := make([]string, len(exprs))
	for i, e := range exprs {
		out[i] = strings.ReplaceAll(e, alias+".", "")
	}
	return out
}

// split sorts the Search expressions into the listed table's and, per
// ref, the other table's columns; covered is false when an expression
// has no index.
func (ix *SearchIndex) split(search []string) (own []string, refs [][]string, covered bool) {
	refs = make([][]string, len(ix.Refs))
	n := 0
	for _, expr := range search {
		if _, ok := ix.Columns[expr]; ok {
			own, n = append(own, expr), n+1
			continue
		}
		for i, r := range ix.Refs {
			if col, ok := r.Columns[expr]; ok {
				refs[i], n = append(refs[i], col), n+1
				break
			}
		}
	}
	return own, refs, n == len(search)
}

func (ix *SearchIndex) qualify(col string) string {
	if ix.Alias == "" {
		return col
	}
	return ix.Alias + "." + col
}

// likeAny is the plain search: any expression contains term.
func (p *parser) likeAny(term string, exprs []string) string {
	return ilikeAny(p, exprs, p.arg("%"+escapeLike(term)+"%"))
}

// ftsQuery is an FTS5 query matching term as a substring of the FTS
// columns of exprs.
func ftsQuery(columns map[string]string, exprs []string, term string) string {
	cols := make([]string, len(exprs))
	for i, e := range exprs {
		cols[i] = columns[e]
	}
	return ftsColumns(cols, term)
}

// ftsColumns is "{a b} : "term"": a trigram phrase is a substring match,
// case-insensitive; a quote in term is doubled.
func ftsColumns(cols []string, term string) string {
	return "{" + strings.Join(cols, " ") + `} : "` + strings.ReplaceAll(term, `"`, `""`) + `"`
}
