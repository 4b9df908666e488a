package dashboard

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzPageInputs: what the pages take from outside (a post-sign-in
// destination, form field paths) and from the API (error bodies,
// amounts) never panics, and the destination is always one of ours.
func FuzzPageInputs(f *testing.F) {
	f.Add("/app/invoices?page=2", `{"lines": {"0": {"amount": ["A valid number is required."]}}, "detail": "x"}`, "lines.0.plan", "1234.5", "CLP")
	f.Add("//evil.example/app", `[1, 2]`, "a..b", "-0.001", "USD")
	f.Add("/app\\@evil", `{"non_field_errors": ["No."]}`, "x.99.y.3.z", "1e400", "")
	f.Fuzz(func(t *testing.T, next, body, path, amount, currency string) {
		got := safeNext(next)
		if !strings.HasPrefix(got, "/app") || strings.HasPrefix(got, "//") || strings.Contains(got, "\\") {
			t.Fatalf("safeNext(%q) = %q", next, got)
		}
		if fields, _ := apiErrors([]byte(body)); !json.Valid([]byte(body)) && len(fields) != 0 {
			t.Fatalf("apiErrors read fields from invalid JSON %q: %v", body, fields)
		}
		setPath(map[string]any{}, strings.Split(path, "."), "v")
		for _, lang := range []string{"es", "en"} {
			if s := formatMoney(lang, amount, currency); s == "" && amount != "" {
				t.Fatalf("formatMoney(%q) is empty", amount)
			}
		}
	})
}
