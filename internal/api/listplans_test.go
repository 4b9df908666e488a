package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/app"
	"github.com/cobrobilling/cobro/internal/biller/clsii"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/paylink"
	"github.com/cobrobilling/cobro/internal/payment"
	"github.com/cobrobilling/cobro/internal/product"
	"github.com/cobrobilling/cobro/internal/reception"
	"github.com/cobrobilling/cobro/internal/reminder"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/subscription"
	"github.com/cobrobilling/cobro/internal/supplier"
	"github.com/cobrobilling/cobro/internal/webhook"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// sqlRecorder is a pgx tracer keeping the statements the server sends.
type sqlRecorder struct {
	mu    sync.Mutex
	stmts []recorded
}

type recorded struct {
	sql  string
	args []any
}

func (r *sqlRecorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	r.stmts = append(r.stmts, recorded{d.SQL, d.Args})
	r.mu.Unlock()
	return ctx
}

func (r *sqlRecorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *sqlRecorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.stmts
	r.stmts = nil
	return out
}

// listSpecs are the filters of each list route (the test fails on a list
// route missing here, so a new list gets its plans checked).
func listSpecs() map[string]*list.Spec {
	m := map[string]*list.Spec{
		"/customers/": customer.NewService(customer.Deps{}).ListSpec(), "/contacts/": &customer.ContactListSpec,
		"/orgunits/": &customer.OrgunitListSpec, "/suppliers/": &supplier.ListSpec, "/products/": &product.ProductListSpec,
		"/plans/": &product.PlanListSpec, "/addons/": &product.AddonListSpec, "/coupons/": &product.CouponListSpec,
		"/subscriptions/": &subscription.ListSpec, "/usages/": &subscription.UsageListSpec, "/test_clocks/": &subscription.ClockListSpec,
		"/dunning/":            &subscription.DunningListSpec,
		"/reminders/messages/": &reminder.ListSpec, "/reminders/rules/": &reminder.RuleListSpec, "/webhooks/": &webhook.EndpointListSpec, "/events/": &webhook.EventListSpec,
		"/sources/": &payment.SourceListSpec, "/payments/": &payment.PaymentListSpec,
		"/payment_links/links/": &paylink.LinkListSpec, "/payment_links/intents/": &paylink.IntentListSpec,
	}
	for _, k := range document.Kinds {
		m[k.Path] = document.Specs[k]
	}
	m["/purchase/credit-notes/"] = document.Specs[document.PurchaseCreditNote]
	m["/cancellations/"] = &document.CancellationSpec
	m["/billers/built_in/cafs/"] = &clsii.CAFListSpec
	m["/purchases/received/"] = &reception.IntakeListSpec
	m["/purchases/received/answers/"] = &reception.AnswerListSpec
	return m
}

// sampleFilters are one query per filter of spec (exact, and the first
// other lookup), plus a search.
func sampleFilters(spec *list.Spec) []url.Values {
	var out []url.Values
	for _, f := range spec.Fields {
		v := "x"
		switch f.Kind {
		case list.Int, list.Decimal:
			v = "1"
		case list.Bool:
			v = "true"
		case list.Date, list.DateTime:
			v = "2026-06-01"
		case list.Enum:
			v = f.Choices[0]
		}
		out = append(out, url.Values{f.Name: {v}})
		for _, lk := range f.Lookups {
			switch lk {
			case list.IsNull:
				out = append(out, url.Values{f.Name + "__isnull": {"true"}})
			case list.In:
				out = append(out, url.Values{f.Name + "__in": {v + "," + v}})
			default:
				out = append(out, url.Values{f.Name + "__" + lk: {v}})
			}
			break
		}
	}
	if len(spec.Search) > 0 {
		out = append(out, url.Values{"search": {"acme"}})
	}
	return out
}

// TestListPlansUseIndexes: on PostgreSQL, every statement each list
// endpoint runs (count and page), with each of its filters and with its
// search, is planned on indexes alone: with sequential scans priced out,
// a plan still scanning a table sequentially has no index to use, and
// would read the whole table at 1,000,000 invoices (issue 15).
func TestListPlansUseIndexes(t *testing.T) {
	if apitest.PostgresURL() == "" {
		t.Skip("COBRO_TEST_DATABASE_URL is not set: the plans are PostgreSQL's")
	}
	rec := &sqlRecorder{}
	var plain *store.DB
	e := apitest.NewWith(t, "postgres", func(cfg *app.Config) {
		plain = cfg.DB
		cfg.DB = tracedDB(t, cfg.DB, rec)
	})
	c := e.Workspace("CL")
	searchedRows(t, c, plain)
	specs := listSpecs()
	conn, err := plain.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// tables never analyzed: the planner assumes sizable tables instead
	// of the few rows here; sequential scans priced out
	for _, stmt := range []string{`SET enable_seqscan = off`} {
		if _, err := conn.ExecContext(context.Background(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	checked := 0
	for _, rt := range e.Server.Routes() {
		if rt.Method != "GET" || strings.Contains(rt.Path, "{") || !strings.HasPrefix(rt.Summary, "List") ||
			strings.HasPrefix(rt.Path, "/generals/") || rt.Path == "/frequencies/" || rt.Path == "/providers/" { // served from memory
			continue
		}
		spec, ok := specs[rt.Path]
		queries := []url.Values{{}}
		if ok {
			queries = append(queries, sampleFilters(spec)...)
		} else {
			t.Errorf("list route %s has no spec in listSpecs: its filters are not checked", rt.Path)
		}
		for _, q := range queries {
			rec.take()
			resp := c.Get(rt.Path + "?" + q.Encode())
			stmts := rec.take()
			if resp.Status != 200 {
				continue // a filter this workspace's country refuses
			}
			for _, st := range stmts {
				if !listStatement(st.sql) {
					continue // authentication, expansions by id
				}
				checked++
				indexedSearch := ok && spec.SearchIndex != nil && q.Has("search")
				if scans := seqScans(t, conn, st, indexedSearch); len(scans) > 0 {
					t.Errorf("GET %s?%s: %s\n%s", rt.Path, q.Encode(), strings.Join(scans, "; "), st.sql)
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d list statements checked", checked)
	}
}

// searchedRows gives the planner a customer and an invoice table of a few
// thousand analyzed rows: on empty tables walking the scope's index and
// filtering is cheapest, and whether a trigram index serves a search
// would go unchecked.
func searchedRows(t *testing.T, c *apitest.Client, db *store.DB) {
	t.Helper()
	cus := docCLCustomer(c, "Comercial Andes SpA", true)
	inv := c.Post("/invoices/", map[string]any{"customer": cus, "document": 33, "date": "2026-06-01",
		"lines": []any{docLine("Servicio", 1, 1000)}}).Expect(201)
	copyRows(t, db, "customers", cus, 100000)
	copyRows(t, db, "documents", apitest.Str(inv, "id"), 20000)
	if _, err := db.ExecContext(context.Background(), `ANALYZE`); err != nil {
		t.Fatal(err)
	}
}

// listStatement: the count or the page of a list (list.Fetch).
func listStatement(q string) bool {
	return strings.HasPrefix(q, "SELECT COUNT(*)") || strings.Contains(q, " LIMIT ") && strings.Contains(q, " OFFSET ")
}

// seqScans explains st and returns the tables its plan still reads
// sequentially with sequential scans priced out: those with no index the
// statement can use. (Which index the planner picks depends on row
// counts these near-empty tables do not have; bench lists measures that.)
// With indexedSearch, a search's ILIKE (~~*) left as a scan's filter
// rather than an index condition is reported too: its trigram index
// does not serve it.
func seqScans(t *testing.T, conn *sql.Conn, st recorded, indexedSearch bool) []string {
	t.Helper()
	var raw string
	if indexedSearch {
		// Near-empty tables make walking the scope index and filtering
		// the cheapest plan; priced out, the filter has to find an index.
		setPlanner(t, conn, `SET enable_indexscan = off`)
		defer setPlanner(t, conn, `RESET enable_indexscan`)
	}
	if err := conn.QueryRowContext(context.Background(), `EXPLAIN (FORMAT JSON) `+st.sql, st.args...).Scan(&raw); err != nil {
		t.Fatalf("explain: %v\n%s", err, st.sql)
	}
	var plans []struct{ Plan map[string]any }
	if os.Getenv("COBRO_TEST_PLANS") != "" {
		t.Log(raw)
	}
	if err := json.Unmarshal([]byte(raw), &plans); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		if n["Node Type"] == "Seq Scan" {
			out = append(out, "sequential scan of "+n["Relation Name"].(string))
		}
		// (a filter of rows fetched by their id is no scan)
		recheck, _ := n["Recheck Cond"].(string)
		cond, _ := n["Index Cond"].(string)
		byID := strings.HasPrefix(recheck, "(id = ") || strings.HasPrefix(cond, "(id = ")
		if f, _ := n["Filter"].(string); indexedSearch && strings.Contains(f, "~~*") && !byID {
			out = append(out, fmt.Sprintf("search filtered in a %s of %v, not by its trigram index", n["Node Type"], n["Relation Name"]))
		}
		if kids, ok := n["Plans"].([]any); ok {
			for _, k := range kids {
				walk(k.(map[string]any))
			}
		}
	}
	for _, p := range plans {
		walk(p.Plan)
	}
	return out
}

func setPlanner(t *testing.T, conn *sql.Conn, stmt string) {
	t.Helper()
	if _, err := conn.ExecContext(context.Background(), stmt); err != nil {
		t.Fatal(err)
	}
}

// tracedDB opens db's schema again through pgx with rec as its tracer.
func tracedDB(t *testing.T, db *store.DB, rec *sqlRecorder) *store.DB {
	t.Helper()
	var schema string
	if err := db.QueryRowContext(context.Background(), `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(apitest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tracer = rec
	sqlDB := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { sqlDB.Close() })
	return &store.DB{DB: sqlDB, Dialect: db.Dialect}
}
