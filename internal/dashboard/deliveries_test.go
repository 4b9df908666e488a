package dashboard

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDeliveryRows: attempts become rows of the endpoint asked for, an
// error replaces the answer, and a long answer is cut.
func TestDeliveryRows(t *testing.T) {
	long := strings.Repeat("é", excerptLen+5)
	var events []any
	if err := json.Unmarshal([]byte(`[{"id": "evt_1", "event": "invoice.finalized", "deliveries": [
		{"webhook": "whe_a", "attempts": [{"number": 1, "at": "2026-06-02T10:15:00Z", "status_code": 500, "duration_ms": 12, "response_body": "`+long+`"},
		                                   {"number": 2, "at": "2026-06-02T10:16:00Z", "status_code": null, "error": "connection refused", "duration_ms": 3}]},
		{"webhook": "whe_b", "attempts": [{"number": 1, "at": "2026-06-02T10:15:00Z", "status_code": 204, "duration_ms": 7}]}]}]`), &events); err != nil {
		t.Fatal(err)
	}
	rows := deliveryRows(events, "whe_a")
	if len(rows) != 2 || rows[0].Code != "500" || rows[0].OK || rows[0].Attempt != "1" || rows[0].Duration != "12" || rows[0].Event != "invoice.finalized" {
		t.Fatalf("rows %+v", rows)
	}
	if want := strings.Repeat("é", excerptLen) + "…"; rows[0].Excerpt != want {
		t.Fatalf("excerpt %q", rows[0].Excerpt)
	}
	if rows[1].Code != "—" || rows[1].Excerpt != "connection refused" {
		t.Fatalf("a failed connection: %+v", rows[1])
	}
	all := deliveryRows(events, "")
	if len(all) != 3 || !all[2].OK || all[2].Webhook != "whe_b" {
		t.Fatalf("all rows %+v", all)
	}
}
