package api_test

import (
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

func count(t *testing.T, c *apitest.Client, path string) string {
	t.Helper()
	return apitest.Num(c.Get(path).Expect(200)["count"])
}

// docs/catalogues.md, with the examples reproduced exactly.
func TestCatalogues(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		cl := e.Workspace("CL")
		us := e.Workspace("US")

		cl.Get("/generals/countries/CL/").ExpectBody(200, `{"id": "CL", "name": "Chile", "name_en": "Chile", "code": "+56", "phone_code": "+56",
			"has_regulation": true, "currencies": ["CLP", "CLF"], "tax_percent": 19, "time_zone": "America/Santiago", "tax_id_name": "RUT"}`)
		if n := count(t, cl, "/generals/countries/"); n != "249" {
			t.Errorf("countries %s", n)
		}
		if n := count(t, cl, "/generals/countries/?has_regulation=true"); n != "4" {
			t.Errorf("regulated countries %s", n)
		}
		if n := count(t, cl, "/generals/countries/?id__in=CL,US,MX"); n != "3" {
			t.Errorf("id__in %s", n)
		}
		if n := count(t, cl, "/generals/countries/?search=chil"); n != "1" {
			t.Errorf("search chil %s", n)
		}
		cl.Get("/generals/countries/XX/").ExpectBody(404, `{"detail": "Not found."}`)

		cl.Get("/generals/states/US-IL/").ExpectBody(200, `{"id": "US-IL", "code": "IL", "name": "Illinois", "country": "US"}`)
		for country, n := range map[string]string{"US": "51", "CL": "16", "MX": "32", "CO": "33", "PE": "26"} {
			if got := count(t, cl, "/generals/states/?country="+country); got != n {
				t.Errorf("states of %s: %s, want %s", country, got, n)
			}
		}
		if n := count(t, cl, "/generals/states/?country=CL&code=RM"); n != "1" {
			t.Errorf("state code filter %s", n)
		}

		clp := `{"id": "CLP", "name": "Peso Chileno", "name_en": "Chilean Peso", "conversion": null, "country": "CL",
			"default": true, "is_chargeable": true, "available": true, "rounded": true}`
		e.Anonymous().Get("/generals/currencies/CLP/").ExpectBody(200, clp)
		if n := count(t, e.Anonymous(), "/generals/currencies/"); n != "7" {
			t.Errorf("currencies %s", n)
		}
		if n := count(t, e.Anonymous(), "/generals/currencies/?is_chargeable=false"); n != "1" {
			t.Errorf("non-chargeable currencies %s", n)
		}
		if n := count(t, e.Anonymous(), "/generals/currencies/?name__icontains=peso"); n != "3" {
			t.Errorf("peso currencies %s", n)
		}

		cl.Get("/generals/documents/CL33/").ExpectBody(200, `{"id": "CL33", "code": "33", "name": "Factura electrónica", "country": "CL",
			"currency": `+clp+`,
			"tax": 19, "kind": "invoice", "has_taxes": true, "has_taxes_detail": true, "has_lines_total": false,
			"has_local_format": true, "hold_taxes": false, "is_foreign": false, "is_sale": true, "is_purchase": true,
			"is_purshase": true, "is_order": false, "send": true, "given": true, "biller": "cl_sii",
			"max_lines": 60, "available": true}`)
		if us.Get("/generals/documents/CL33/").Expect(200)["available"] != false {
			t.Error("CL33 available in a US workspace")
		}
		if n := count(t, us, "/generals/documents/?available=true"); n != "7" {
			t.Errorf("US available types %s", n)
		}
		if n := count(t, cl, "/generals/documents/?available=true"); n != "14" {
			t.Errorf("CL available types %s", n)
		}
		if n := count(t, cl, "/generals/documents/?kind__in=invoice,credit_note&country=CL"); n != "4" {
			t.Errorf("CL invoice/credit types %s", n)
		}
		cl.Get("/generals/documents/?kind=bogus").ExpectBody(400, `{"kind": ["Select a valid choice. bogus is not one of the available choices."]}`)

		cl.Get("/generals/references/801/").ExpectBody(200, `{"id": "801", "name": "Orden de compra", "country": "CL"}`)
		if n := count(t, cl, "/generals/references/?country=US"); n != "2" {
			t.Errorf("US references %s", n)
		}

		page := cl.Get("/frequencies/").Expect(200)
		var ids []string
		for _, f := range page["results"].([]any) {
			ids = append(ids, f.(map[string]any)["id"].(string))
		}
		if len(ids) != 5 || ids[0] != "weekly" || ids[4] != "annual" {
			t.Errorf("frequency order %v", ids)
		}
		cl.Get("/frequencies/quarterly/").ExpectBody(200, `{"id": "quarterly", "name": "Trimestral", "name_en": "Quarterly", "interval": "month", "interval_count": 3}`)
		if n := count(t, cl, "/frequencies/?interval=week"); n != "1" {
			t.Errorf("weekly frequencies %s", n)
		}

		cl.Get("/generals/changes/").ExpectBody(200, `{"count": 0, "next": null, "previous": null, "results": []}`)
		cl.Get("/generals/changes/chg_JCkoT0b77d1DIIwDVR/").ExpectBody(404, `{"detail": "Not found."}`)
		cl.Get("/generals/changes/?date__gte=nope").ExpectBody(400, `{"date__gte": ["Enter a valid date."]}`)

		// read-only
		for _, m := range []string{"POST", "PATCH", "PUT", "DELETE"} {
			cl.Do(m, "/generals/countries/CL/", "{}").Expect(405)
		}
		cl.Do("POST", "/generals/countries/", "{}").Expect(405)
	})
}
