package rates

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParseCSV(t *testing.T) {
	got, err := ParseCSV(strings.NewReader("date,from,to,rate\n2026-06-01,CLF,CLP,39242.85\n2026-06-02, usd ,CLP, 950.5\n"))
	if err != nil || len(got) != 2 || got[1].From != "USD" || !got[1].Amount.Equal(decimal.RequireFromString("950.5")) || got[0].Date != "2026-06-01" {
		t.Fatalf("%+v %v", got, err)
	}
	for in, want := range map[string]string{
		"2026-06-01,CLF,CLP\n":                   "line 1: record on line 1: wrong number of fields",
		"2026-06-01,CLF,CLP,abc\n":               `line 1: rate "abc" is not a number`,
		"2026-06-01,CLF,CLP,0\n":                 "line 1: amount: Ensure this value is greater than 0.",
		"01/06/2026,CLF,CLP,1\n":                 "line 1: date: Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
		"date,from,to,rate\n2026-06-01,XX,CLP,1": `line 2: currency_from: Invalid pk "XX" - object does not exist.`,
		"2026-06-01,CLP,CLP,1\n":                 "line 1: currency_to: Must differ from currency_from.",
		"2026-06-01,USD,CLP,1.12345678901\n":     "line 1: amount: Ensure that there are no more than 10 decimal places.",
	} {
		if _, err := ParseCSV(strings.NewReader(in)); err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %s", in, err, want)
		}
	}
}

// Any input parses to valid rates or an error naming a line; never a panic.
func FuzzParseCSV(f *testing.F) {
	f.Add("date,from,to,rate\n2026-06-01,CLF,CLP,39242.85\n")
	f.Add("2026-06-01,USD,CLP,950.5\n2026-06-02,USD,CLP,1e3\n")
	f.Add("\"a\nb\",x,y,z")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseCSV(strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Errorf("error without a line: %v", err)
			}
			return
		}
		for _, r := range got {
			if errs := r.Check(); len(errs) > 0 {
				t.Errorf("accepted %+v: %v", r, errs)
			}
		}
	})
}
