package document_test

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/app"
	"github.com/cobrobilling/cobro/internal/biller"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// fakeAgency stands in for the Chile SII biller, which plugs into the
// same interface: it numbers from a counter, fails the first submission
// and accepts the retry, and returns an XML file.
type fakeAgency struct {
	next     atomic.Int64
	attempts atomic.Int64
}

func (f *fakeAgency) NextNumber(context.Context, store.Querier, workspace.Scope, catalog.DocumentType) (int64, error) {
	return f.next.Add(1), nil
}

func (f *fakeAgency) Submit(_ context.Context, _ store.Querier, _ workspace.Scope, d biller.Document) (biller.Result, error) {
	xml := []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><EnvioDTE><Folio>` + itoa(d.Number) + `</Folio></EnvioDTE>`)
	if f.attempts.Add(1) == 1 {
		return biller.Result{Status: biller.StatusFailed, TaxAgency: map[string]any{"messages": []string{"transport error"}},
			File: xml, FileName: "dte.xml", ContentType: "application/xml; charset=ISO-8859-1"}, nil
	}
	return biller.Result{Status: biller.StatusSucceeded, TaxAgency: map[string]any{"track_id": "123"},
		File: xml, FileName: "dte.xml", ContentType: "application/xml; charset=ISO-8859-1"}, nil
}

func itoa(n int64) string {
	b := []byte{}
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// A type with an agency numbers at finalize from its biller, keeps the
// number on a retry after a failed submission, serves the fiscal file
// through a signed local_file URL and emits the biller events.
func TestAgencyBillerHandOff(t *testing.T) {
	agency := &fakeAgency{}
	agency.next.Store(40)
	e := apitest.NewWith(t, "sqlite", func(c *app.Config) { c.Billers = biller.Set{catalog.BillerCLSII: agency} })
	c := e.Workspace("CL")
	cus := apitest.Str(c.Post("/customers/", map[string]any{"name": "Comercial Andes SpA", "address": "Av. Apoquindo 4501", "country": "CL", "state": "RM",
		"tax_id": "76086428-5", "tax_settings": map[string]any{"cl_activity_description": "Venta de equipos", "cl_commune": "Las Condes"}}).Expect(201), "id")
	inv := c.Post("/invoices/", map[string]any{"customer": cus, "document": "CL33", "date": "2026-06-01",
		"lines": []any{map[string]any{"name": "Equipo", "quantity": 3, "amount": 15990}}}).Expect(201)
	id := apitest.Str(inv, "id")
	if inv["number"] != nil || inv["local_file"] != nil {
		t.Fatalf("draft: number %v local_file %v", inv["number"], inv["local_file"])
	}
	got := c.Post("/invoices/"+id+"/finalize/", nil).Expect(200)
	if got["status"] != "finalized" || got["biller_status"] != "failed" || apitest.Num(got["number"]) != "41" {
		t.Fatalf("first finalize: %v %v %v", got["status"], got["biller_status"], got["number"])
	}
	// retry: same number, now accepted
	got = c.Post("/invoices/"+id+"/finalize/", nil).Expect(200)
	if got["biller_status"] != "succeeded" || apitest.Num(got["number"]) != "41" || got["tax_agency"].(map[string]any)["track_id"] != "123" {
		t.Fatalf("retry: %v", got)
	}
	c.Post("/invoices/"+id+"/finalize/", nil).ExpectBody(400, `{"non_field_errors": ["Only invoices with status draft or pending can be finalized."]}`)

	// local_file: fetchable without auth, signed, tampering refused
	u := apitest.Str(got, "local_file")
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/xml; charset=ISO-8859-1" || string(body) != `<?xml version="1.0" encoding="ISO-8859-1"?><EnvioDTE><Folio>41</Folio></EnvioDTE>` {
		t.Fatalf("local_file: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	res, err = http.Get(u + "0")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 403 || !apitest.JSONEqual(b, []byte(`{"detail": "This link has expired or is invalid."}`)) {
		t.Fatalf("tampered local_file: %d %s", res.StatusCode, b)
	}

	var events []string
	rows, err := e.DB.Query(`SELECT event FROM events WHERE object_id = $1 ORDER BY created, seq`, id)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		events = append(events, s)
	}
	rows.Close()
	want := []string{"invoice.created", "invoice.finalized", "invoice.biller_failed", "invoice.biller_succeeded"}
	if len(events) != len(want) {
		t.Fatalf("events %v, want %v", events, want)
	}
	for i := range want {
		if events[i] != want[i] {
			t.Fatalf("events %v, want %v", events, want)
		}
	}
}
