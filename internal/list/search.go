package list

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cobrobilling/cobro/internal/store"
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
		sets = append(sets, ix.ownSet(p, own, term, ph))
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
	if len(ix.Refs) == 1 && len(own) > 0 && len(refs[0]) > 0 {
		p.q.refSearch = ix.refLookup(p, sets[0], refs[0], term, key, len(p.q.Conds))
	}
	return ix.qualify(key) + " IN (" + strings.Join(sets, " UNION ") + ")"
}

// MaxRefMatches bounds the ref rows (customers) a search looks up
// first; more matches keep the search as one set of keys.
const MaxRefMatches = 1000

// refSearch is a search through a ref, resolved before the list runs:
// the ref rows matching (through their trigram index, at most
// MaxRefMatches+1) are looked up first, then the listed rows matching on
// their own columns OR pointing to one of them, each part on its index.
// A single customer holding every invoice no longer makes the planner
// walk them all to find the few whose number matches.
type refSearch struct {
	cond   int    // index in Conds of the condition it replaces
	lookup string // the matching ref ids; $1, $2 the scope's, $3 match
	match  any    // $3
	key    string // the listed rows' key (id or rowid), qualified
	// ownSet is the listed rows' keys matching on their own columns,
	// byRef the start of those whose ref is among a list of ids.
	ownSet, byRef string
}

// ownSet is the keys of the listed rows matching term on their own
// columns; ph is the LIKE pattern on PostgreSQL.
func (ix *SearchIndex) ownSet(p *parser, own []string, term, ph string) string {
	if p.env.Dialect.Postgres {
		return "SELECT id FROM " + ix.Table + " WHERE " + ix.Scope + " AND " + ilikeAny(p, unqualified(own, ix.Alias), ph)
	}
	return "SELECT rowid FROM " + ix.FTS + " WHERE " + ix.FTS + " MATCH " + p.arg(ftsQuery(ix.Columns, own, term))
}

// refLookup is the ref lookup of a search whose own columns' keys are
// ownSet.
func (ix *SearchIndex) refLookup(p *parser, ownSet string, cols []string, term, key string, cond int) *refSearch {
	r := ix.Refs[0]
	rs := &refSearch{cond: cond, key: ix.qualify(key), ownSet: ownSet,
		byRef: "SELECT " + key + " FROM " + ix.Table + " WHERE " + ix.Scope + " AND " + r.Key + " IN ("}
	if p.env.Dialect.Postgres {
		rs.lookup = "SELECT id FROM " + r.Table + " WHERE " + ix.Scope + " AND " + ilikeAny(p, cols, "$3")
		rs.match = "%" + escapeLike(term) + "%"
	} else {
		rs.lookup = "SELECT id FROM " + r.Table + " WHERE " + ix.Scope + " AND rowid IN (SELECT rowid FROM " + r.FTS + " WHERE " + r.FTS + " MATCH $3)"
		rs.match = ftsColumns(cols, term)
	}
	rs.lookup += fmt.Sprintf(" LIMIT %d", MaxRefMatches+1)
	return rs
}

// resolveSearch runs a search's ref lookup and, when its matches are
// few enough, replaces the search condition by the own-columns match OR
// the key among them. scope is the list's first two arguments.
func (lq *Query) resolveSearch(ctx context.Context, q store.Querier, scope []any) error {
	rs := lq.refSearch
	if rs == nil {
		return nil
	}
	lq.refSearch = nil
	ids, err := store.Collect(ctx, q, func(s Scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	}, rs.lookup, scope[0], scope[1], rs.match)
	if err != nil || len(ids) > MaxRefMatches {
		return err
	}
	set := rs.ownSet
	if len(ids) > 0 {
		phs := make([]string, len(ids))
		for i, id := range ids {
			lq.Args = append(lq.Args, id)
			phs[i] = "$" + strconv.Itoa(lq.argOffset+len(lq.Args))
		}
		set += " UNION " + rs.byRef + strings.Join(phs, ", ") + ")"
	}
	lq.Conds[rs.cond] = rs.key + " IN (" + set + ")"
	return nil
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
