package money

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestFormat(t *testing.T) {
	cases := []struct {
		in     string
		places int32
		es     bool
		want   string
	}{
		{"0", 0, true, "0"},
		{"999", 0, true, "999"},
		{"1190", 0, true, "1.190"},
		{"1234567.5", 2, true, "1.234.567,50"},
		{"1234567.5", 2, false, "1,234,567.50"},
		{"-1000", 0, false, "-1,000"},
		{"-49.9", 2, true, "-49,90"},
		{"100000", 2, false, "100,000.00"},
	}
	for _, c := range cases {
		if got := Format(decimal.RequireFromString(c.in), c.places, c.es); got != c.want {
			t.Errorf("Format(%s, %d, es=%v) = %q, want %q", c.in, c.places, c.es, got, c.want)
		}
	}
}
