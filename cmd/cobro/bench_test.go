package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// benchKeys are the summary keys of each scenario; positive are those
// that must be positive numbers.
var benchKeys = map[string]struct{ keys, positive []string }{
	"customers": {
		keys: []string{"scenario", "db", "clients", "cobro_per_s", "raw_per_s", "ratio", "p50_ms", "p99_ms", "p999_ms",
			"read_per_s", "read_p50_ms", "read_p99_ms", "read_p999_ms", "errors"},
		positive: []string{"cobro_per_s", "raw_per_s", "ratio", "read_per_s", "p50_ms", "read_p50_ms"},
	},
	"invoices": {
		keys:     []string{"scenario", "db", "clients", "cobro_per_s", "raw_per_s", "ratio", "p50_ms", "p99_ms", "p999_ms", "errors"},
		positive: []string{"cobro_per_s", "raw_per_s", "ratio", "p50_ms", "p99_ms"},
	},
	"lists": {
		keys: []string{"scenario", "db", "clients", "invoices", "get_one_per_s", "get_one_p99_ms", "list_per_s", "list_p99_ms",
			"list_status_per_s", "list_status_p99_ms", "list_customer_per_s", "list_customer_p99_ms", "search_per_s", "search_p99_ms", "ratio", "errors"},
		positive: []string{"get_one_per_s", "get_one_p99_ms"},
	},
	"webhooks": {
		keys:     []string{"scenario", "db", "clients", "cobro_per_s", "raw_per_s", "ratio", "raw_p99_ms", "errors"},
		positive: []string{"cobro_per_s", "raw_per_s", "ratio"},
	},
	"mixed": {
		keys:     []string{"scenario", "db", "clients", "ops_per_s", "p50_ms", "p99_ms", "p999_ms", "errors", "rss_mb", "violations", "ratio"},
		positive: []string{"ops_per_s", "p50_ms", "p99_ms"},
	},
	"pdf": {
		keys:     []string{"scenario", "per_s", "median_ms", "p99_ms", "ratio", "errors"},
		positive: []string{"per_s", "median_ms", "p99_ms"},
	},
	"dte": {
		keys:     []string{"scenario", "workers", "per_s", "median_ms", "p99_ms", "ratio", "errors"},
		positive: []string{"workers", "per_s", "median_ms", "p99_ms"},
	},
}

func inProcessScenario(s string) bool { return s == "pdf" || s == "dte" }

// runBench runs a short bench of scenario and checks the summary line; it
// returns its pairs.
func runBench(t *testing.T, scenario string, extra ...string) map[string]string {
	t.Helper()
	args := []string{"bench", scenario, "--duration", "300ms", "--warmup", "50ms"}
	if !inProcessScenario(scenario) {
		args = append(args, "--clients", "2")
	}
	args = append(args, extra...)
	var out, errb bytes.Buffer
	// getenv returns nothing: the default database must be a temp SQLite
	// file whatever COBRO_DATABASE_URL says.
	getenv := func(string) string { return "" }
	if code := run(context.Background(), args, getenv, &out, &errb); code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	last := lines[len(lines)-1]
	if len(lines) < 2 {
		t.Errorf("no human-readable rows before the summary:\n%s", out.String())
	}
	if !strings.HasPrefix(last, "bench ") {
		t.Fatalf("last line is not the summary: %q", last)
	}
	pairs := map[string]string{}
	var keys []string
	for _, f := range strings.Fields(last)[1:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			t.Fatalf("summary field %q is not key=value", f)
		}
		pairs[k] = v
		keys = append(keys, k)
	}
	want := benchKeys[scenario]
	if !slices.Equal(keys, want.keys) {
		t.Errorf("summary keys %q, want %q: %s", keys, want.keys, last)
	}
	if pairs["scenario"] != scenario || (!inProcessScenario(scenario) && pairs["clients"] != "2") {
		t.Errorf("summary: %s", last)
	}
	if pairs["errors"] != "0" {
		t.Errorf("errors=%s\n%s\n%s", pairs["errors"], out.String(), errb.String())
	}
	if inProcessScenario(scenario) && pairs["ratio"] != "na" {
		t.Errorf("ratio=%q, want na", pairs["ratio"])
	}
	for _, k := range want.positive {
		if v, err := strconv.ParseFloat(pairs[k], 64); err != nil || v <= 0 {
			t.Errorf("%s=%q is not a positive number", k, pairs[k])
		}
	}
	return pairs
}

// benchSQLite runs scenario on the default database and checks the temp
// file is removed afterwards.
func benchSQLite(t *testing.T, scenario string, extra ...string) map[string]string {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the temp database must be removed afterwards
	pairs := runBench(t, scenario, extra...)
	if pairs["db"] != "sqlite" {
		t.Errorf("db=%s, want sqlite", pairs["db"])
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("the bench left %d entries in the temp dir, first %s", len(entries), entries[0].Name())
	}
	return pairs
}

// benchPostgres runs scenario on COBRO_TEST_DATABASE_URL and checks its
// schema is dropped afterwards.
func benchPostgres(t *testing.T, scenario string, extra ...string) map[string]string {
	base := os.Getenv("COBRO_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("COBRO_TEST_DATABASE_URL is not set")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	before := benchSchemas(t, admin)
	pairs := runBench(t, scenario, append([]string{"--db", base}, extra...)...)
	if pairs["db"] != "postgres" {
		t.Errorf("db=%s, want postgres", pairs["db"])
	}
	for s := range benchSchemas(t, admin) {
		if !before[s] {
			t.Errorf("schema %s left behind", s)
		}
	}
	return pairs
}

func TestBenchCustomersSQLite(t *testing.T)   { benchSQLite(t, "customers") }
func TestBenchCustomersPostgres(t *testing.T) { benchPostgres(t, "customers") }
func TestBenchInvoicesSQLite(t *testing.T)    { benchSQLite(t, "invoices") }
func TestBenchInvoicesPostgres(t *testing.T)  { benchPostgres(t, "invoices") }
func TestBenchListsSQLite(t *testing.T)       { benchSQLite(t, "lists", "--invoices", "300") }
func TestBenchListsPostgres(t *testing.T)     { benchPostgres(t, "lists", "--invoices", "300") }
func TestBenchWebhooksSQLite(t *testing.T)    { benchSQLite(t, "webhooks") }
func TestBenchWebhooksPostgres(t *testing.T)  { benchPostgres(t, "webhooks") }

// The mixed scenario runs 500 ms and must end with no error and every
// database invariant holding.
func TestBenchMixedSQLite(t *testing.T) {
	checkMixed(t, benchSQLite(t, "mixed", "--duration", "500ms"))
}
func TestBenchMixedPostgres(t *testing.T) {
	checkMixed(t, benchPostgres(t, "mixed", "--duration", "500ms"))
}

func checkMixed(t *testing.T, pairs map[string]string) {
	t.Helper()
	if pairs["violations"] != "0" {
		t.Errorf("violations=%s, want 0", pairs["violations"])
	}
	if pairs["ratio"] != "na" {
		t.Errorf("ratio=%q, want na", pairs["ratio"])
	}
	if v, err := strconv.ParseFloat(pairs["rss_mb"], 64); runtime.GOOS == "linux" && (err != nil || v <= 0) {
		t.Errorf("rss_mb=%q is not a positive number", pairs["rss_mb"])
	}
}

// The pdf scenario needs no database: it leaves nothing behind.
func TestBenchPDF(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	runBench(t, "pdf")
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("the bench left %d entries in the temp dir, first %s", len(entries), entries[0].Name())
	}
}

// The dte scenario builds, stamps and signs CL33 envelopes in process; its
// probe has the sandbox accept one.
func TestBenchDTE(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	runBench(t, "dte")
}

func benchSchemas(t *testing.T, db *sql.DB) map[string]bool {
	t.Helper()
	rows, err := db.Query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench\_%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out[s] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBenchUsage(t *testing.T) {
	getenv := func(string) string { return "" }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench"}, "usage: cobro bench"},
		{[]string{"bench", "nope"}, "known scenarios: billing, customers, dte, invoices, lists, mixed, pdf, usages, webhooks"},
		{[]string{"bench", "--clients", "2", "customers"}, "scenario comes first"},
		{[]string{"bench", "customers", "--clients", "0"}, "--clients"},
		{[]string{"bench", "customers", "--duration", "0s"}, "--duration"},
		{[]string{"bench", "customers", "--bogus"}, "bogus"},
		{[]string{"bench", "customers", "--db", "mysql://x"}, "unsupported --db"},
		{[]string{"bench", "invoices", "--warmup", "-1s"}, "--warmup"},
		{[]string{"bench", "pdf", "--clients", "2"}, "-clients"},
		{[]string{"bench", "pdf", "--db", "sqlite:x.db"}, "-db"},
		{[]string{"bench", "pdf", "--duration", "0s"}, "--duration"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), tc.args, getenv, &out, &errb); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", tc.args, code, exitUsage)
		}
		if !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: stderr %q lacks %q", tc.args, errb.String(), tc.want)
		}
	}
}

// --json writes the summary line's pairs as one object (numbers as JSON
// numbers) and --cpuprofile a profile pprof reads.
func TestBenchJSONAndProfile(t *testing.T) {
	tmp := t.TempDir()
	jsonPath, profPath := tmp+"/pdf.json", tmp+"/cpu.pprof"
	pairs := runBench(t, "pdf", "--json", jsonPath, "--cpuprofile", profPath)
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		t.Fatalf("--json file is not a JSON object: %v\n%s", err, data)
	}
	if len(obj) != len(pairs) {
		t.Errorf("--json has %d keys, the summary %d: %s", len(obj), len(pairs), data)
	}
	for k, v := range pairs {
		switch got := obj[k].(type) {
		case json.Number:
			if got.String() != v {
				t.Errorf("%s: json %s, summary %s", k, got, v)
			}
		case string:
			if _, err := strconv.ParseFloat(v, 64); err == nil || got != v {
				t.Errorf("%s: json %q, summary %s (numbers must be JSON numbers)", k, got, v)
			}
		default:
			t.Errorf("%s: json %v (%T), summary %s", k, obj[k], obj[k], v)
		}
	}
	if out, err := exec.Command("go", "tool", "pprof", "-top", profPath).CombinedOutput(); err != nil {
		t.Errorf("go tool pprof cannot read --cpuprofile: %v\n%s", err, out)
	}
}
