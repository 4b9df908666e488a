package document

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/shopspring/decimal"
)

// errBody is the JSON of a collector, for comparison.
func errBody(t *testing.T, f *apperr.Fields) string {
	t.Helper()
	if f == nil {
		return "null"
	}
	b, err := json.Marshal(f.Map())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// In-process drafts get the value rules the API applies at its edge.
func TestCheckValues(t *testing.T) {
	long := func(n int) *string { s := strings.Repeat("x", n); return &s }
	one := decimal.NewFromInt(1)
	dr := &Draft{
		Note:         Of(*long(257)),
		CustomChange: Of(decimal.RequireFromString("0.5")),
		References:   &[]Reference{{Date: "2026-01-01", Document: "801", Serial: "A"}, {Date: "2026-01-01", Document: "801", Serial: *long(19)}},
		Lines: []LineDraft{
			{Name: long(80), Quantity: &one, Amount: &one},
			{Name: long(81), Description: long(1001), UnitLabel: long(5), Quantity: &one, Amount: &one},
			{Quantity: &one, Amount: &one},
		},
	}
	got := checkValues(dr, Invoice)
	want := `{"custom_change":["Ensure this value is greater than or equal to 1."],"note":["Ensure this field has no more than 256 characters."],` +
		`"references":[{},{"serial":["Ensure this field has no more than 18 characters."]}]}`
	if b := errBody(t, got.Errs); b != want {
		t.Errorf("draft errors\n got %s\nwant %s", b, want)
	}
	if got.Lines[0].Errs != nil {
		t.Errorf("an 80-character name: %s", errBody(t, got.Lines[0].Errs))
	}
	if b := errBody(t, got.Lines[1].Errs); b != `{"description":["Ensure this field has no more than 1000 characters."],"name":["Ensure this field has no more than 80 characters."],"unit_label":["Ensure this field has no more than 4 characters."]}` {
		t.Errorf("line 2: %s", b)
	}
	if b := errBody(t, got.Lines[2].Errs); b != `{"name":["This field is required."]}` {
		t.Errorf("line 3: %s", b)
	}
	if dr.Errs != nil || dr.Lines[1].Errs != nil {
		t.Error("checkValues changed its argument")
	}
	// an error the edge already recorded is not repeated
	edge := &apperr.Fields{}
	edge.Add("name", apperr.MsgMaxLen(80))
	if b := errBody(t, checkValues(&Draft{Lines: []LineDraft{{Errs: edge}}}, Invoice).Lines[0].Errs); b != `{"name":["Ensure this field has no more than 80 characters."]}` {
		t.Errorf("edge error: %s", b)
	}
}
