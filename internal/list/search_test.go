package list

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/store"
)

var testIndex = &SearchIndex{Table: "documents", Alias: "d", Scope: "workspace_id = $1 AND test_mode = $2", FTS: "documents_search",
	Columns: map[string]string{"CAST(d.number AS TEXT)": "number", "d.line_names": "line_names"},
	Refs:    []SearchRef{{Key: "customer_id", Table: "customers", FTS: "customers_search", Columns: map[string]string{"c.name": "name"}}}}

// TestSearchIndexConditions: each dialect's search condition binds exactly
// the arguments it names, uses its index where the term allows, and falls
// back to LIKE where it cannot.
func TestSearchIndexConditions(t *testing.T) {
	placeholder := regexp.MustCompile(`\$(\d+)`)
	for _, c := range []struct {
		postgres bool
		search   []string
		term     string
		want     []string // substrings of the condition
		args     []any
	}{
		{true, []string{"CAST(d.number AS TEXT)", "c.name"}, "acme", []string{"d.id IN (SELECT id FROM documents WHERE workspace_id = $1", "CAST(number AS TEXT) ILIKE $3", "UNION SELECT id FROM documents", "customer_id IN (SELECT id FROM customers WHERE (name ILIKE $3"}, []any{"%acme%"}},
		{false, []string{"CAST(d.number AS TEXT)", "d.line_names", "c.name"}, `ac"me`, []string{"d.rowid IN (SELECT rowid FROM documents_search WHERE documents_search MATCH $3", "customers_search MATCH $4"}, []any{`{number line_names} : "ac""me"`, `{name} : "ac""me"`}},
		{false, []string{"CAST(d.number AS TEXT)", "c.name"}, "ac", []string{"(CAST(d.number AS TEXT) LIKE $3 ESCAPE '\\' OR c.name LIKE $3"}, []any{"%ac%"}},
		{true, []string{"CAST(d.number AS TEXT)", "d.carrier_name"}, "acme", []string{"(CAST(d.number AS TEXT) ILIKE $3 ESCAPE '\\' OR d.carrier_name ILIKE $3"}, []any{"%acme%"}}, // not covered: scan
	} {
		spec := &Spec{Search: c.search, SearchIndex: testIndex, Ordering: map[string]string{}, IDExpr: "d.id"}
		q, err := spec.Parse(url.Values{"search": {c.term}}, Env{Dialect: store.Dialect{Postgres: c.postgres}, ArgOffset: 2})
		if err != nil {
			t.Fatal(err)
		}
		where := q.Where()
		for _, w := range c.want {
			if !strings.Contains(where, w) {
				t.Errorf("postgres=%v %v %q: %s\nlacks %s", c.postgres, c.search, c.term, where, w)
			}
		}
		highest := 0
		for _, m := range placeholder.FindAllStringSubmatch(where, -1) {
			highest = max(highest, int(m[1][0]-'0'))
		}
		if highest != 2+len(q.Args) || len(q.Args) != len(c.args) {
			t.Errorf("postgres=%v %q: placeholders up to $%d, %d args %v; want %v", c.postgres, c.term, highest, len(q.Args), q.Args, c.args)
			continue
		}
		for i := range c.args {
			if q.Args[i] != c.args[i] {
				t.Errorf("postgres=%v %q: arg %d = %v, want %v", c.postgres, c.term, i, q.Args[i], c.args[i])
			}
		}
	}
}
