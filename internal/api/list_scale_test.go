package api_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/store"
)

// copyRows inserts n copies of table's row id in one statement: ids id
// + "x1" … "xn", created one microsecond apart going back.
func copyRows(t *testing.T, db *store.DB, table, id string, n int) {
	t.Helper()
	rs, err := db.QueryContext(context.Background(), `SELECT * FROM `+table+` WHERE id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := rs.Columns()
	rs.Close()
	if err != nil {
		t.Fatal(err)
	}
	exprs := make([]string, len(cols))
	for i, c := range cols {
		switch c {
		case "id":
			exprs[i] = `src.id || 'x' || CAST(g AS TEXT)`
		case "created":
			exprs[i] = `src.created - g`
		default:
			exprs[i] = `src.` + c
		}
	}
	_, err = db.ExecContext(context.Background(), `WITH RECURSIVE series(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM series WHERE g < $2)
		INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) SELECT `+strings.Join(exprs, ", ")+` FROM series, `+table+` src WHERE src.id = $1`, id, n)
	if err != nil {
		t.Fatal(err)
	}
}

// TestListCountPastExactLimit: past list.ExactCount matching rows the
// count may be an estimate, but next and previous stay right, the last
// page's count is exact, and a page past the end is still a 404
// (docs/conventions.md#11-lists-pagination-filtering-ordering-search).
func TestListCountPastExactLimit(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := custNew(c, custUSBody("Mass Customer"))
		total := list.ExactCount + 50
		copyRows(t, e.DB, "customers", cus, total-1)
		count := func(r *apitest.Resp) int {
			t.Helper()
			if r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			n, err := strconv.Atoi(apitest.Num(r.JSON()["count"]))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, q := range []string{"", "search=mass+cust", "name__icontains=mass", "page_size=100&page=100"} {
			r := c.Get("/customers/?" + q)
			if n := count(r); n <= list.ExactCount || r.JSON()["next"] == nil {
				t.Errorf("%s: count %d next %v; want more than %d and a next page", q, n, r.JSON()["next"], list.ExactCount)
			}
		}
		last := c.Get("/customers/?page_size=100&page=101")
		if n := count(last); n != total || last.JSON()["next"] != nil || len(last.JSON()["results"].([]any)) != total-10000 ||
			last.JSON()["previous"] != e.URL+"/customers/?page=100&page_size=100" {
			t.Errorf("last page: count %d (want %d) next %v previous %v", n, total, last.JSON()["next"], last.JSON()["previous"])
		}
		c.Get("/customers/?page_size=100&page=102").Expect(404)
		past := c.Get("/customers/?limit=100&offset=20000")
		if n := count(past); n <= list.ExactCount || n > 20000 || past.JSON()["next"] != nil || len(past.JSON()["results"].([]any)) != 0 {
			t.Errorf("offset past the end: count %d next %v", n, past.JSON()["next"])
		}
		if n := count(c.Get("/customers/?search=nobody-has-this")); n != 0 {
			t.Errorf("search without matches: count %d", n)
		}
	})
}

// TestSearchFollowsWrites: the search indexes (trigram GIN on PostgreSQL,
// FTS5 tables kept by triggers on SQLite) follow creates, renames and
// deletes in the same transaction; terms under 3 characters and quotes
// still search.
func TestSearchFollowsWrites(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := custNew(c, custUSBody(`Zanzibar "Spice" Trading`))
		other := custNew(c, custUSBody("Quiet Harbor Inc"))
		inv := apitest.Str(docCreate(t, c, "/invoices/", docInvBody(cus, "lines", []any{docLine("Clove consulting", 1, 10)})), "id")
		draft := apitest.Str(docCreate(t, c, "/invoices/", docInvBody(other, "lines", []any{docLine("Nutmeg audit", 1, 10)})), "id")
		docListIs(t, c, "/invoices/?search=ZANZIB", "id", inv)
		docListIs(t, c, "/invoices/?search=clove+cons", "id", inv)
		docListIs(t, c, "/invoices/?search="+`"spice"`, "id", inv)
		docListIs(t, c, "/invoices/?search=nutmeg", "id", draft)
		docListIs(t, c, "/customers/?search=zanzib", "id", cus)
		docListIs(t, c, "/customers/?search=zA", "id", cus)

		c.Patch("/customers/"+cus+"/", map[string]any{"name": "Pemba Cloves Ltd"}).Expect(200)
		docListIs(t, c, "/invoices/?search=zanzib", "id")
		docListIs(t, c, "/invoices/?search=pemba", "id", inv)
		docListIs(t, c, "/customers/?search=zanzib", "id")
		docListIs(t, c, "/customers/?search=pemba+clo", "id", cus)

		c.Patch("/invoices/"+draft+"/", map[string]any{"lines": []any{docLine("Saffron review", 1, 10)}}).Expect(200)
		docListIs(t, c, "/invoices/?search=nutmeg", "id")
		docListIs(t, c, "/invoices/?search=saffron", "id", draft)
		c.Delete("/invoices/" + draft + "/").Expect(204)
		docListIs(t, c, "/invoices/?search=saffron", "id")
		docListIs(t, c, "/invoices/?search=quiet", "id")
	})
}
