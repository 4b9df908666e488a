package list

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/store"
)

var spec = Spec{
	Fields: []Field{
		{Name: "name", Expr: "name", Lookups: []string{IContains, Contains}},
		{Name: "status", Expr: "status", Kind: Enum, Choices: []string{"draft", "finalized"}, Lookups: []string{In}},
		{Name: "total", Expr: "total", Kind: Decimal, Lookups: Ranges},
		{Name: "number", Expr: "number", Kind: Int, Lookups: append([]string{In, IsNull}, Ranges...)},
		{Name: "active", Expr: "active", Kind: Bool},
		{Name: "date", Expr: "date", Kind: Date, Lookups: Ranges},
		{Name: "created", Expr: "created", Kind: DateTime, Lookups: Ranges},
	},
	Ordering:        map[string]string{"name": "name", "created": "created", "date": "date"},
	DefaultOrdering: "-created",
	Search:          []string{"name", "email"},
	Metadata:        "metadata",
}

func parse(t *testing.T, q string) (*Query, map[string]any) {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	got, perr := spec.Parse(v, Env{Dialect: store.Dialect{Postgres: true}, Loc: time.FixedZone("CLT", -3*3600), ArgOffset: 2})
	if perr != nil {
		e, ok := apperr.As(perr)
		if !ok || e.Kind != apperr.Invalid {
			t.Fatalf("%q: non-validation error %v", q, perr)
		}
		return nil, e.Fields
	}
	return got, nil
}

func TestParse(t *testing.T) {
	q, errs := parse(t, "status__in=draft,finalized&total__gte=10.5&name__icontains=a%25_b&ordering=-date,name&page=2&page_size=500")
	if errs != nil {
		t.Fatal(errs)
	}
	want := []string{"name ILIKE $3 ESCAPE '\\'", "status IN ($4, $5)", "total >= $6"}
	if strings.Join(q.Conds, " | ") != strings.Join(want, " | ") {
		t.Errorf("conds %q", q.Conds)
	}
	if q.Args[0] != `%a\%\_b%` || q.Args[3] != "10.5" {
		t.Errorf("args %v", q.Args)
	}
	if q.OrderBy != "date DESC, name ASC, id ASC" || q.Page != 2 || q.PageSize != 100 || q.Offset() != 100 {
		t.Errorf("order %q page %d size %d", q.OrderBy, q.Page, q.PageSize)
	}
	// a date on a datetime field covers the local day (UTC-3 here)
	q, _ = parse(t, "created=2026-01-01")
	if q.Conds[0] != "created >= $3 AND created < $4" || q.Args[0] != time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC).UnixMicro() {
		t.Errorf("day filter %q %v", q.Conds, q.Args)
	}
	q, _ = parse(t, "created__lte=2026-01-31")
	if q.Conds[0] != "created < $3" || q.Args[0] != time.Date(2026, 2, 1, 3, 0, 0, 0, time.UTC).UnixMicro() {
		t.Errorf("lte day %q %v", q.Conds, q.Args)
	}
	q, _ = parse(t, "")
	if q.OrderBy != "created DESC, id DESC" || q.PageSize != 20 || len(q.Conds) != 0 {
		t.Errorf("defaults %+v", q)
	}
	q, _ = parse(t, "limit=7")
	if q.PageSize != 7 {
		t.Errorf("limit alias %d", q.PageSize)
	}
	q, _ = parse(t, "metadata__order_id=12345&number__isnull=true")
	if q.Conds[0] != "(metadata ->> $3) = $4" || q.Args[0] != "order_id" || q.Args[1] != "12345" || q.Conds[1] != "number IS NULL" {
		t.Errorf("metadata %q %v", q.Conds, q.Args)
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]map[string]string{
		"foo=1":                       {"foo": "Unknown filter."},
		"customer__name__icontains=x": {"customer__name__icontains": "Unknown filter."},
		"active__gt=1":                {"active__gt": "Unsupported lookup 'gt' for this field."},
		"status=foo":                  {"status": "Select a valid choice. foo is not one of the available choices."},
		"date__gte=2026-13-01":        {"date__gte": "Enter a valid date."},
		"total__gt=1e3":               {"total__gt": "Enter a number."},
		"number=x":                    {"number": "Enter a whole number."},
		"active=maybe":                {"active": "Must be a valid boolean."},
		"page=0":                      {"page": "A valid integer is required."},
		"page=abc":                    {"page": "A valid integer is required."},
		"page_size=0":                 {"page_size": "A valid integer between 1 and 100 is required."},
		"ordering=-foo":               {"ordering": "Invalid ordering field: foo."},
		"created__gt=yesterday":       {"created__gt": "Enter a valid date/time."},
		"format=xml":                  {"format": `"xml" is not a valid choice.`},
	}
	for q, want := range cases {
		_, errs := parse(t, q)
		if len(errs) != len(want) {
			t.Errorf("%q: errors %v, want %v", q, errs, want)
			continue
		}
		for k, msg := range want {
			got, _ := errs[k].([]string)
			if len(got) != 1 || got[0] != msg {
				t.Errorf("%q: %s = %v, want %q", q, k, errs[k], msg)
			}
		}
	}
}

var placeholder = regexp.MustCompile(`\$(\d+)`)

// FuzzParse: the parser never panics, and every placeholder it writes is
// bound to exactly one argument (so the SQL cannot be malformed by input).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"status__in=draft,finalized&total__gte=10.5", "metadata__a=b", "search=x%", "created=2026-01-01", "ordering=-name", "number__in=1,2,x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, d := range []store.Dialect{{Postgres: true}, {Postgres: false}} {
			q, err := spec.Parse(v, Env{Dialect: d, ArgOffset: 2})
			if err != nil {
				if _, ok := apperr.As(err); !ok {
					t.Fatalf("non-apperr error %v", err)
				}
				continue
			}
			seen := map[string]bool{}
			for _, m := range placeholder.FindAllStringSubmatch(strings.Join(q.Conds, " "), -1) {
				seen[m[1]] = true
			}
			if len(seen) != len(q.Args) {
				t.Fatalf("%d placeholders for %d args: %q", len(seen), len(q.Args), q.Conds)
			}
			if q.PageSize < 1 || q.PageSize > MaxPageSize || q.Page < 1 {
				t.Fatalf("page %d size %d", q.Page, q.PageSize)
			}
		}
	})
}

// Issue 13 findings 4 and 11: an __in list holds at most MaxInValues
// values, and any accepted page keeps Offset non-negative and exact.
func TestBoundsOfInListsAndPages(t *testing.T) {
	in := func(n int) string { return "number__in=" + strings.TrimSuffix(strings.Repeat("7,", n), ",") }
	if q, errs := parse(t, in(MaxInValues)); errs != nil || len(q.Args) != MaxInValues {
		t.Fatalf("%d values: %v", MaxInValues, errs)
	}
	for _, raw := range []string{in(MaxInValues + 1), "number__in=" + strings.Repeat(",", 100), "status__in=" + strings.Repeat("draft,", 5000)} {
		_, errs := parse(t, raw)
		if len(errs) != 1 || !strings.Contains(strings.Join(errs[strings.SplitN(raw, "=", 2)[0]].([]string), ""), "no more than 100 values") {
			t.Errorf("%.40s…: %v", raw, errs)
		}
	}
	for _, page := range []string{"1", "2", "10000000", "9999999"} {
		for _, size := range []string{"1", "100", "9223372036854775807", "99999999999999999999"} {
			q, errs := parse(t, "page="+page+"&page_size="+size)
			if errs != nil || q.Offset() < 0 || q.Offset() != (q.Page-1)*q.PageSize || q.PageSize > MaxPageSize {
				t.Errorf("page %s size %s: %+v %v", page, size, q, errs)
			}
		}
	}
	for _, page := range []string{"10000001", "9223372036854775807", "-9223372036854775809", "99999999999999999999", "0", "-1", "x"} {
		if _, errs := parse(t, "page="+page); errs["page"] == nil {
			t.Errorf("page %s accepted", page)
		}
	}
}
