package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/store"
)

// cobro rates import loads a workspace's rates, all or none; the lookup
// then finds them for that workspace only (docs/catalogues.md#71-a-workspaces-rates).
func TestRatesImport(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "cli.db")
	_, out, _ := runCmd(t, "init", "--db", db, "--country", "CL")
	var created map[string]string
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "rates.csv")
	os.WriteFile(good, []byte("date,from,to,rate\n2026-06-01,CLF,CLP,39242.85\n2026-06-01,USD,CLP,950.25\n"), 0o600)
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("2026-06-02,CLF,CLP,39250\n2026-06-02,CLF,CLP,-1\n"), 0o600)

	if code, out, errs := runCmd(t, "rates", "import", good, "--db", db, "--workspace", created["workspace"]); code != 0 || out != "imported: 2 rates\n" {
		t.Fatalf("import: %d %q %s", code, out, errs)
	}
	if code, _, errs := runCmd(t, "rates", "import", bad, "--db", db, "--workspace", created["workspace"]); code != 1 || !strings.Contains(errs, "line 2: amount") {
		t.Fatalf("bad file: %d %s", code, errs)
	}
	if code, _, _ := runCmd(t, "rates", "import", good, "--db", db); code != 2 {
		t.Errorf("no workspace: %d", code)
	}
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []struct{ ws, from, day, want string }{
		{created["workspace"], "CLF", "2026-06-03", "39242.85"}, // the bad file loaded nothing
		{created["workspace"], "USD", "2026-06-01", "950.25"},
		{"acc_other", "USD", "2026-06-01", ""},
	} {
		r, ok, err := document.Rate(context.Background(), s, c.ws, c.from, "CLP", c.day)
		if err != nil || ok != (c.want != "") || ok && r.String() != c.want {
			t.Errorf("%+v: %v %v %v", c, r, ok, err)
		}
	}
}
