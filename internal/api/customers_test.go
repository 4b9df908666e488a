package api_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// Helpers shared by customers_test.go, contacts_test.go and orgunits_test.go.

// custOmit as a value in custWith removes the key.
var custOmit = struct{ omit bool }{true}

// custWith returns a copy of base with the key/value pairs applied.
func custWith(base map[string]any, kv ...any) map[string]any {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]any{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == any(custOmit) {
			delete(out, k)
		} else {
			out[k] = kv[i+1]
		}
	}
	return out
}

// custCheck reports (without stopping the test) a status or body mismatch.
// An empty want only checks the status.
func custCheck(t *testing.T, r *apitest.Resp, status int, want, label string) {
	t.Helper()
	if r.Status != status || (want != "" && !apitest.JSONEqual(r.Body, []byte(want))) {
		t.Errorf("%s:\n got: %d %s\nwant: %d %s", label, r.Status, r.Body, status, want)
	}
}

// custExample is the create body of docs/billing.md#18-example.
func custExample() map[string]any {
	return map[string]any{
		"name": "Comercial Andes SpA", "address": "Av. Apoquindo 4501, of. 1201",
		"country": "CL", "state": "RM", "email": "facturas@andes.cl",
		"tax_id":       "76.086.428-5",
		"tax_settings": map[string]any{"cl_activity_description": "Venta de equipos", "cl_commune": "Las Condes"},
	}
}

// custUSBody is a minimal valid US customer.
func custUSBody(name string) map[string]any {
	return map[string]any{"name": name, "address": "1 Main St", "country": "US", "state": "IL"}
}

// custNew creates a customer and returns its id.
func custNew(c *apitest.Client, body map[string]any) string {
	return apitest.Str(c.Post("/customers/", body).Expect(201), "id")
}

// custCol returns the field of each result of a list page, in order.
func custCol(page map[string]any, field string) []string {
	var out []string
	for _, row := range page["results"].([]any) {
		out = append(out, fmt.Sprint(row.(map[string]any)[field]))
	}
	return out
}

// custCount is the page's count as text.
func custCount(page map[string]any) string { return page["count"].(json.Number).String() }

// custListIs checks that GET path lists exactly the names (sorted
// comparison unless ordered).
func custListIs(t *testing.T, c *apitest.Client, path, field string, ordered bool, want ...string) {
	t.Helper()
	r := c.Get(path)
	if r.Status != 200 {
		t.Errorf("GET %s: %d %s", path, r.Status, r.Body)
		return
	}
	page := r.JSON()
	got := custCol(page, field)
	if !ordered {
		slices.Sort(got)
		want = slices.Clone(want)
		slices.Sort(want)
	}
	if !slices.Equal(got, want) || custCount(page) != fmt.Sprint(len(want)) {
		t.Errorf("GET %s: got %q (count %s), want %q", path, got, custCount(page), want)
	}
}

const custStamp = "2026-06-02T10:15:00.000000-04:00" // the fake clock in America/Santiago

const custExampleOut = `{"id": "%s", "name": "Comercial Andes SpA",
 "address": "Av. Apoquindo 4501, of. 1201", "country": "CL", "state": "RM",
 "currency": "CLP", "email": "facturas@andes.cl", "phone": null, "website": null,
 "zip_code": null, "manager": null, "reference": null, "tax_id": "76086428-5",
 "tax_settings": {"cl_activity_description": "Venta de equipos", "cl_commune": "Las Condes"},
 "metadata": {}, "send_invoices": true, "send_collections": true, "send_vouchers": true,
 "status": "active", "contacts": [], "sources": [],
 "aggregations": {"balance": 0.00, "sales": 0.00, "sales_current_period": 0.00},
 "test_clock": null, "test_mode": %t,
 "created": "%s", "updated": "%s"}`

// docs/billing.md#18-example, field for field.
func TestCustomerCreateExample(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		r := c.Post("/customers/", custExample())
		got := r.Expect(201)
		cid := apitest.Str(got, "id")
		if !strings.HasPrefix(cid, "cus_") || len(cid) != 4+18 {
			t.Fatalf("id %q", cid)
		}
		want := fmt.Sprintf(custExampleOut, cid, false, custStamp, custStamp)
		r.ExpectBody(201, want)
		c.Get("/customers/"+cid+"/").ExpectBody(200, want)
		// the path without the trailing slash serves the same
		c.Get("/customers/"+cid).ExpectBody(200, want)

		// test mode: same body, test_mode true
		tc := c.Test()
		r = tc.Post("/customers/", custExample())
		tid := apitest.Str(r.Expect(201), "id")
		r.ExpectBody(201, fmt.Sprintf(custExampleOut, tid, true, custStamp, custStamp))
	})
}

// docs/billing.md#17-errors, every row.
func TestCustomerCreateErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		base := custExample()
		long41 := strings.Repeat("x", 41)
		meta51 := map[string]any{}
		for i := range 51 {
			meta51[fmt.Sprintf("k%d", i)] = "v"
		}
		rows := []struct {
			label string
			body  map[string]any
			want  string
		}{
			{"name missing", custWith(base, "name", custOmit), `{"name": ["This field is required."]}`},
			{"name 101", custWith(base, "name", strings.Repeat("n", 101)), `{"name": ["Ensure this field has no more than 100 characters."]}`},
			{"address missing", custWith(base, "address", custOmit), `{"address": ["This field is required."]}`},
			{"country XX", custWith(base, "country", "XX"), `{"country": ["Invalid pk \"XX\" - object does not exist."]}`},
			{"state missing for US", custWith(base, "country", "US", "state", custOmit, "tax_id", custOmit), `{"state": ["This field is required."]}`},
			{"state ZZ for US", custWith(base, "country", "US", "state", "ZZ", "tax_id", custOmit), `{"state": ["State \"ZZ\" does not belong to country US."]}`},
			{"currency XYZ", custWith(base, "currency", "XYZ"), `{"currency": ["Invalid pk \"XYZ\" - object does not exist."]}`},
			{"email nope", custWith(base, "email", "nope"), `{"email": ["Enter a valid email address."]}`},
			{"website not a url", custWith(base, "website", "not a url"), `{"website": ["Enter a valid URL."]}`},
			{"CL without tax_id", custWith(base, "tax_id", custOmit), `{"tax_id": ["This field is required for customers in CL."]}`},
			{"CL tax_id null", custWith(base, "tax_id", nil), `{"tax_id": ["This field is required for customers in CL."]}`},
			{"CL tax_id blank", custWith(base, "tax_id", ""), `{"tax_id": ["This field is required for customers in CL."]}`},
			{"bad RUT", custWith(base, "tax_id", "76086428-4"), `{"tax_id": ["Invalid RUT: the check digit does not match."]}`},
			{"RUT format", custWith(base, "tax_id", "abc"), `{"tax_id": ["Invalid RUT: expected digits, a hyphen and a check digit (12345678-5)."]}`},
			{"tax_settings str", custWith(base, "tax_settings", "x"), `{"tax_settings": ["Expected a dictionary of items but got type \"str\"."]}`},
			{"cl_activity_description 41", custWith(base, "tax_settings", map[string]any{"cl_activity_description": long41}),
				`{"tax_settings": {"cl_activity_description": ["Ensure this field has no more than 40 characters."]}}`},
			{"metadata 51 keys", custWith(base, "metadata", meta51), `{"metadata": ["Ensure this object has no more than 50 keys."]}`},
			{"status pending", custWith(base, "status", "pending"), `{"status": ["\"pending\" is not a valid choice."]}`},
			// docs/conventions.md#7-data-types / docs/conventions.md#12-errors standard messages
			{"name blank", custWith(base, "name", "   "), `{"name": ["This field may not be blank."]}`},
			{"name null", custWith(base, "name", nil), `{"name": ["This field may not be null."]}`},
			{"address null", custWith(base, "address", nil), `{"address": ["This field may not be null."]}`},
			{"address blank", custWith(base, "address", ""), `{"address": ["This field may not be blank."]}`},
			{"address 65", custWith(base, "address", strings.Repeat("a", 65)), `{"address": ["Ensure this field has no more than 64 characters."]}`},
			{"phone 17", custWith(base, "phone", strings.Repeat("1", 17)), `{"phone": ["Ensure this field has no more than 16 characters."]}`},
			{"bool", custWith(base, "send_invoices", "maybe"), `{"send_invoices": ["Must be a valid boolean."]}`},
			{"state of other country", custWith(base, "state", "US-IL"), `{"state": ["State \"US-IL\" does not belong to country CL."]}`},
			// errors are collected and returned together
			{"several", custWith(base, "name", custOmit, "email", "nope", "status", "pending"),
				`{"name": ["This field is required."], "email": ["Enter a valid email address."], "status": ["\"pending\" is not a valid choice."]}`},
		}
		for _, row := range rows {
			custCheck(t, c.Post("/customers/", row.body), 400, row.want, row.label)
		}
		// unknown id
		const unknown = "/customers/cus_unknown00000000000/"
		custCheck(t, c.Get(unknown), 404, `{"detail": "Not found."}`, "GET unknown")
		custCheck(t, c.Patch(unknown, map[string]any{"name": "x"}), 404, `{"detail": "Not found."}`, "PATCH unknown")
		custCheck(t, c.Put(unknown, map[string]any{"name": "x"}), 404, `{"detail": "Not found."}`, "PUT unknown")
		custCheck(t, c.Delete(unknown), 404, `{"detail": "Not found."}`, "DELETE unknown")
		// nothing was created
		custCheck(t, c.Get("/customers/"), 200, `{"count": 0, "next": null, "previous": null, "results": []}`, "empty list")
	})
}

// state as a full id, tax ids and their normalisation, currencies.
func TestCustomerCreateRules(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		cl := e.Workspace("CL")
		us := e.Workspace("US")

		// state given as the full id is stored and returned as the code
		got := cl.Post("/customers/", custWith(custExample(), "state", "CL-RM")).Expect(201)
		if got["state"] != "RM" {
			t.Errorf("state = %v, want RM", got["state"])
		}
		if got := cl.Get("/customers/" + apitest.Str(got, "id") + "/").Expect(200); got["state"] != "RM" {
			t.Errorf("stored state = %v, want RM", got["state"])
		}

		// RUT normalisation
		for in, want := range map[string]string{"760864285": "76086428-5", "76086428-5": "76086428-5", " 60.803.000-k ": "60803000-K", "66666666-6": "66666666-6"} {
			got := cl.Post("/customers/", custWith(custExample(), "tax_id", in)).Expect(201)
			if got["tax_id"] != want {
				t.Errorf("tax_id %q stored as %v, want %s", in, got["tax_id"], want)
			}
		}

		// a US customer needs no tax_id anywhere
		got = us.Post("/customers/", custUSBody("Acme")).Expect(201)
		if got["tax_id"] != nil || got["currency"] != "USD" || got["state"] != "IL" {
			t.Errorf("US customer: %v", got)
		}
		got = cl.Post("/customers/", custUSBody("Acme")).Expect(201)
		if got["tax_id"] != nil || got["currency"] != "USD" {
			t.Errorf("US customer in CL workspace: %v", got)
		}
		// a Chilean customer in a US workspace needs no tax_id …
		got = us.Post("/customers/", custWith(custExample(), "tax_id", custOmit)).Expect(201)
		if got["tax_id"] != nil || got["currency"] != "CLP" {
			t.Errorf("CL customer in US workspace: %v", got)
		}
		// … but when given it is still validated and normalised by the RUT rules
		custCheck(t, us.Post("/customers/", custWith(custExample(), "tax_id", "76086428-4")), 400,
			`{"tax_id": ["Invalid RUT: the check digit does not match."]}`, "bad RUT in US workspace")
		got = us.Post("/customers/", custExample()).Expect(201)
		if got["tax_id"] != "76086428-5" {
			t.Errorf("tax_id = %v", got["tax_id"])
		}
		// US tax ids: any non-blank string, as is
		got = us.Post("/customers/", custWith(custUSBody("Acme"), "tax_id", " 12-3456789 ")).Expect(201)
		if got["tax_id"] != "12-3456789" {
			t.Errorf("US tax_id = %v", got["tax_id"])
		}

		// explicit currency; a country without states takes any state
		got = cl.Post("/customers/", custWith(custExample(), "currency", "CLF")).Expect(201)
		if got["currency"] != "CLF" {
			t.Errorf("currency = %v", got["currency"])
		}
		got = us.Post("/customers/", map[string]any{"name": "Tango SA", "address": "Corrientes 1", "country": "AR"}).Expect(201)
		if got["state"] != nil || got["country"] != "AR" {
			t.Errorf("AR customer: %v", got)
		}

		// booleans and optional strings
		got = us.Post("/customers/", custWith(custUSBody("Flags"), "send_invoices", false, "send_collections", "False", "send_vouchers", "0",
			"phone", "", "website", "https://acme.example.com", "zip_code", " 60601 ", "manager", "Ann", "reference", "R-1", "email", " a@b.co ")).Expect(201)
		for k, v := range map[string]any{"send_invoices": false, "send_collections": false, "send_vouchers": false, "phone": nil,
			"website": "https://acme.example.com", "zip_code": "60601", "manager": "Ann", "reference": "R-1", "email": "a@b.co", "status": "active"} {
			if got[k] != v {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		}
		// lengths count Unicode characters
		got = us.Post("/customers/", custWith(custUSBody(strings.Repeat("é", 100)), "address", strings.Repeat("ñ", 64))).Expect(201)
		if got["name"] != strings.Repeat("é", 100) {
			t.Errorf("name = %v", got["name"])
		}
		// created archived
		got = us.Post("/customers/", custWith(custUSBody("Old"), "status", "archived")).Expect(201)
		if got["status"] != "archived" {
			t.Errorf("status = %v", got["status"])
		}
	})
}

// docs/catalogues.md#82-mexico--rfc to docs/catalogues.md#84-peru--ruc-modulo-11 in their own-country workspaces.
func TestCustomerTaxIDByCountry(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		cases := []struct {
			country, state, currency string
			valid                    map[string]string // input → stored
			invalid                  map[string]string // input → message
		}{
			{"MX", "CMX", "MXN",
				map[string]string{"EKU9003173C9": "EKU9003173C9", "gode-561231-gr8": "GODE561231GR8", "XAXX010101000": "XAXX010101000"},
				map[string]string{
					"EKU900317":    "Invalid RFC: expected 12 (company) or 13 (individual) characters.",
					"EKU9013173C9": "Invalid RFC: the date part is not a valid date.",
				}},
			{"CO", "DC", "COP",
				map[string]string{"900.373.115-3": "900373115-3", "860002964-4": "860002964-4"},
				map[string]string{
					"900373115":   "Invalid NIT: expected digits, a hyphen and a check digit (900373115-3).",
					"900373115-4": "Invalid NIT: the check digit does not match.",
				}},
			{"PE", "LMA", "PEN",
				map[string]string{"20100070970": "20100070970", "201-0007-0970": "20100070970", "10467793549": "10467793549"},
				map[string]string{
					"30100070970": "Invalid RUC: expected 11 digits starting with 10, 15, 16, 17 or 20.",
					"20100070971": "Invalid RUC: the check digit does not match.",
				}},
		}
		for _, tc := range cases {
			c := e.Workspace(tc.country)
			base := map[string]any{"name": "Cliente " + tc.country, "address": "Calle 1", "country": tc.country, "state": tc.state}
			for in, want := range tc.valid {
				got := c.Post("/customers/", custWith(base, "tax_id", in)).Expect(201)
				if got["tax_id"] != want || got["currency"] != tc.currency || got["state"] != tc.state {
					t.Errorf("%s tax_id %q: got tax_id %v currency %v state %v", tc.country, in, got["tax_id"], got["currency"], got["state"])
				}
			}
			for in, msg := range tc.invalid {
				b, _ := json.Marshal(map[string]any{"tax_id": []string{msg}})
				custCheck(t, c.Post("/customers/", custWith(base, "tax_id", in)), 400, string(b), tc.country+" "+in)
			}
			custCheck(t, c.Post("/customers/", base), 400,
				fmt.Sprintf(`{"tax_id": ["This field is required for customers in %s."]}`, tc.country), tc.country+" without tax_id")
			// full state id works for these countries too
			for in, want := range tc.valid {
				got := c.Post("/customers/", custWith(base, "state", tc.country+"-"+tc.state, "tax_id", in)).Expect(201)
				if got["state"] != tc.state || got["tax_id"] != want {
					t.Errorf("%s full state id: state %v tax_id %v", tc.country, got["state"], got["tax_id"])
				}
				break
			}
		}
	})
}

// docs/billing.md#14-update; docs/conventions.md#2-requests-and-responses null vs absent, PATCH = PUT.
func TestCustomerUpdate(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		cid := custNew(c, custExample())
		path := "/customers/" + cid + "/"
		orig := c.Get(path).Expect(200)

		e.Clock.Advance(time.Hour)
		later := "2026-06-02T11:15:00.000000-04:00"
		got := c.Patch(path, map[string]any{"name": "Andes Nuevo"}).Expect(200)
		want := custWith(orig, "name", "Andes Nuevo", "updated", later)
		if b1, b2 := mustJSON(got), mustJSON(want); !apitest.JSONEqual(b1, b2) {
			t.Errorf("PATCH name:\n got %s\nwant %s", b1, b2)
		}
		// PUT is partial too
		got = c.Put(path, map[string]any{"phone": "+56 2 2345 6789"}).Expect(200)
		if got["name"] != "Andes Nuevo" || got["phone"] != "+56 2 2345 6789" || got["address"] != orig["address"] || got["tax_id"] != "76086428-5" {
			t.Errorf("PUT phone: %v", got)
		}
		// the same through PATCH gives the same object
		got2 := c.Patch(path, map[string]any{"phone": "+56 2 2345 6789"}).Expect(200)
		if !apitest.JSONEqual(mustJSON(got), mustJSON(got2)) {
			t.Errorf("PATCH and PUT differ:\n%v\n%v", got, got2)
		}
		// explicit null clears an optional field; "" is stored as null
		got = c.Patch(path, map[string]any{"phone": nil, "email": ""}).Expect(200)
		if got["phone"] != nil || got["email"] != nil {
			t.Errorf("cleared: phone %v email %v", got["phone"], got["email"])
		}
		// null on a non-nullable field
		custCheck(t, c.Patch(path, map[string]any{"address": nil}), 400, `{"address": ["This field may not be null."]}`, "address null")
		custCheck(t, c.Patch(path, map[string]any{"name": nil}), 400, `{"name": ["This field may not be null."]}`, "name null")
		custCheck(t, c.Patch(path, map[string]any{"name": ""}), 400, `{"name": ["This field may not be blank."]}`, "name blank")
		custCheck(t, c.Patch(path, map[string]any{"country": nil}), 400, `{"country": ["This field may not be null."]}`, "country null")
		custCheck(t, c.Patch(path, map[string]any{"tax_id": nil}), 400, `{"tax_id": ["This field is required for customers in CL."]}`, "tax_id null")
		custCheck(t, c.Patch(path, map[string]any{"tax_id": "76086428-4"}), 400, `{"tax_id": ["Invalid RUT: the check digit does not match."]}`, "PATCH bad RUT")
		custCheck(t, c.Patch(path, map[string]any{"status": "pending"}), 400, `{"status": ["\"pending\" is not a valid choice."]}`, "PATCH status pending")
		// PATCH of the tax id normalises
		if got := c.Patch(path, map[string]any{"tax_id": "97.975.000-5"}).Expect(200); got["tax_id"] != "97975000-5" {
			t.Errorf("tax_id = %v", got["tax_id"])
		}

		// changing country re-validates state and tax_id against the result
		custCheck(t, c.Patch(path, map[string]any{"country": "US"}), 400, `{"state": ["State \"RM\" does not belong to country US."]}`, "country US keeps RM")
		custCheck(t, c.Patch(path, map[string]any{"country": "US", "state": nil}), 400, `{"state": ["This field is required."]}`, "country US state null")
		got = c.Patch(path, map[string]any{"country": "US", "state": "US-NY"}).Expect(200)
		if got["country"] != "US" || got["state"] != "NY" || got["tax_id"] != "97975000-5" {
			t.Errorf("moved to US: %v", got)
		}
		// back to CL without a state, and CL without a tax id
		custCheck(t, c.Patch(path, map[string]any{"country": "CL"}), 400, `{"state": ["State \"NY\" does not belong to country CL."]}`, "back to CL")
		got = c.Patch(path, map[string]any{"country": "CL", "state": "VS"}).Expect(200)
		if got["state"] != "VS" {
			t.Errorf("state = %v", got["state"])
		}
		ar := custNew(c, map[string]any{"name": "Tango SA", "address": "Corrientes 1", "country": "AR"})
		custCheck(t, c.Patch("/customers/"+ar+"/", map[string]any{"country": "US"}), 400, `{"state": ["This field is required."]}`, "AR to US without state")
		custCheck(t, c.Patch("/customers/"+ar+"/", map[string]any{"country": "CL", "state": "RM"}), 400,
			`{"tax_id": ["This field is required for customers in CL."]}`, "AR to CL without tax_id")
		custCheck(t, c.Patch("/customers/"+ar+"/", map[string]any{"country": "CL", "state": "RM", "tax_id": "76086428-4"}), 400,
			`{"tax_id": ["Invalid RUT: the check digit does not match."]}`, "AR to CL bad tax_id")
		got = c.Patch("/customers/"+ar+"/", map[string]any{"country": "CL", "state": "RM", "tax_id": "760864285"}).Expect(200)
		if got["tax_id"] != "76086428-5" || got["country"] != "CL" {
			t.Errorf("AR to CL: %v", got)
		}
		// a failed PATCH changes nothing
		before := c.Get(path).Expect(200)
		custCheck(t, c.Patch(path, map[string]any{"name": "Changed", "email": "nope"}), 400, `{"email": ["Enter a valid email address."]}`, "failed PATCH")
		if after := c.Get(path).Expect(200); !apitest.JSONEqual(mustJSON(before), mustJSON(after)) {
			t.Errorf("failed PATCH changed the customer")
		}

		// status: archive and restore
		if got := c.Patch(path, map[string]any{"status": "archived"}).Expect(200); got["status"] != "archived" {
			t.Errorf("status = %v", got["status"])
		}
		if got := c.Get(path).Expect(200); got["status"] != "archived" {
			t.Errorf("stored status = %v", got["status"])
		}
		if got := c.Patch(path, map[string]any{"status": "active"}).Expect(200); got["status"] != "active" {
			t.Errorf("restored status = %v", got["status"])
		}
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// docs/conventions.md#2-requests-and-responses: read-only and unknown fields in bodies are ignored, so a
// client may send back the object it retrieved.
func TestCustomerIgnoresReadOnlyAndUnknownFields(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		body := custWith(custExample(),
			"id", "cus_WbqWgS8Tb4MSDZJiIc", "created", "2020-01-01T00:00:00Z", "updated", "2020-01-01T00:00:00Z",
			"total", 5, "test_mode", true, "contacts", []any{map[string]any{"name": "x"}}, "sources", []any{"sou_x"},
			"aggregations", map[string]any{"sales": 100}, "foo", "bar", "nested", map[string]any{"a": 1})
		r := c.Post("/customers/", body)
		cid := apitest.Str(r.Expect(201), "id")
		if cid == "cus_WbqWgS8Tb4MSDZJiIc" {
			t.Fatal("id taken from the body")
		}
		r.ExpectBody(201, fmt.Sprintf(custExampleOut, cid, false, custStamp, custStamp))

		// send the retrieved object back: nothing changes but updated
		path := "/customers/" + cid + "/"
		obj := c.Get(path).Expect(200)
		e.Clock.Advance(time.Minute)
		got := c.Patch(path, obj).Expect(200)
		want := custWith(obj, "updated", "2026-06-02T10:16:00.000000-04:00")
		if !apitest.JSONEqual(mustJSON(got), mustJSON(want)) {
			t.Errorf("PATCH with the object itself:\n got %s\nwant %s", mustJSON(got), mustJSON(want))
		}
		got = c.Put(path, custWith(obj, "id", "cus_other0000000000000", "created", "1999-01-01T00:00:00Z", "sources", []any{"x"}, "unknown", 1)).Expect(200)
		if got["id"] != cid || got["created"] != custStamp || len(got["sources"].([]any)) != 0 {
			t.Errorf("PUT with read-only fields: %v", got)
		}
	})
}

func TestCustomerMetadataAndTaxSettings(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		meta := `{"order_id": "12345", "n": 5, "ratio": 1.50, "vip": true}`
		var m map[string]any
		d := json.NewDecoder(strings.NewReader(meta))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		got := c.Post("/customers/", custWith(custUSBody("Meta"), "metadata", m, "tax_settings", map[string]any{"custom": "x", "num": 3, "flag": false})).Expect(201)
		if b := mustJSON(got["metadata"]); !apitest.JSONEqual(b, []byte(meta)) {
			t.Errorf("metadata %s, want %s", b, meta)
		}
		if b := mustJSON(got["tax_settings"]); !apitest.JSONEqual(b, []byte(`{"custom": "x", "num": 3, "flag": false}`)) {
			t.Errorf("tax_settings %s", b)
		}
		path := "/customers/" + apitest.Str(got, "id") + "/"
		if b := mustJSON(c.Get(path).Expect(200)["metadata"]); !apitest.JSONEqual(b, []byte(meta)) {
			t.Errorf("stored metadata %s", b)
		}
		// PATCH replaces the whole object
		got = c.Patch(path, map[string]any{"metadata": map[string]any{"a": "b"}}).Expect(200)
		if b := mustJSON(got["metadata"]); !apitest.JSONEqual(b, []byte(`{"a": "b"}`)) {
			t.Errorf("metadata after PATCH %s", b)
		}
		// another field's PATCH leaves it alone
		got = c.Patch(path, map[string]any{"name": "Meta 2"}).Expect(200)
		if b := mustJSON(got["metadata"]); !apitest.JSONEqual(b, []byte(`{"a": "b"}`)) {
			t.Errorf("metadata after name PATCH %s", b)
		}
		got = c.Patch(path, map[string]any{"metadata": map[string]any{}}).Expect(200)
		if b := mustJSON(got["metadata"]); string(b) != `{}` {
			t.Errorf("metadata emptied %s", b)
		}
		custCheck(t, c.Patch(path, map[string]any{"metadata": "x"}), 400, `{"metadata": ["Expected a dictionary of items but got type \"str\"."]}`, "metadata str")
		custCheck(t, c.Patch(path, map[string]any{"metadata": []any{1}}), 400, `{"metadata": ["Expected a dictionary of items but got type \"list\"."]}`, "metadata list")
		// 50 keys is fine
		m50 := map[string]any{}
		for i := range 50 {
			m50[fmt.Sprintf("key_%02d", i)] = i
		}
		c.Patch(path, map[string]any{"metadata": m50}).Expect(200)
		// tax_settings limits
		custCheck(t, c.Patch(path, map[string]any{"tax_settings": map[string]any{"cl_commune": strings.Repeat("c", 21)}}), 400,
			`{"tax_settings": {"cl_commune": ["Ensure this field has no more than 20 characters."]}}`, "cl_commune 21")
		got = c.Patch(path, map[string]any{"tax_settings": map[string]any{"cl_activity_description": strings.Repeat("d", 40), "cl_city": "Santiago"}}).Expect(200)
		if b := mustJSON(got["tax_settings"]); !apitest.JSONEqual(b, []byte(`{"cl_activity_description": "`+strings.Repeat("d", 40)+`", "cl_city": "Santiago"}`)) {
			t.Errorf("tax_settings %s", b)
		}
	})
}

// docs/billing.md#15-delete, docs/conventions.md#15-deletion-semantics.
func TestCustomerDelete(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cid := custNew(c, custUSBody("Gone"))
		r := c.Delete("/customers/" + cid + "/")
		if r.Status != 204 || len(r.Body) != 0 {
			t.Fatalf("DELETE: %d %q", r.Status, r.Body)
		}
		c.Get("/customers/"+cid+"/").ExpectBody(404, `{"detail": "Not found."}`)
		c.Delete("/customers/"+cid+"/").ExpectBody(404, `{"detail": "Not found."}`)
		c.Patch("/customers/"+cid+"/", map[string]any{"name": "x"}).ExpectBody(404, `{"detail": "Not found."}`)

		// contacts and orgunits are not activity: the customer is destroyed with them
		cid = custNew(c, custUSBody("With people"))
		org := apitest.Str(c.Post("/orgunits/", map[string]any{"customer": cid, "name": "HQ"}).Expect(201), "id")
		con := apitest.Str(c.Post("/contacts/", map[string]any{"customer": cid, "orgunit": org, "name": "Ann", "email": "ann@example.com"}).Expect(201), "id")
		con2 := apitest.Str(c.Post("/contacts/", map[string]any{"customer": cid, "name": "Bob", "email": "bob@example.com"}).Expect(201), "id")
		r = c.Delete("/customers/" + cid + "/")
		if r.Status != 204 {
			t.Fatalf("DELETE with contacts: %d %s", r.Status, r.Body)
		}
		c.Get("/orgunits/"+org+"/").ExpectBody(404, `{"detail": "Not found."}`)
		c.Get("/contacts/"+con+"/").ExpectBody(404, `{"detail": "Not found."}`)
		c.Get("/contacts/"+con2+"/").ExpectBody(404, `{"detail": "Not found."}`)
		c.Get("/customers/").ExpectBody(200, `{"count": 0, "next": null, "previous": null, "results": []}`)
	})
}

// test mode isolation and other workspaces (docs/conventions.md#3-authentication-and-headers).
func TestCustomerScope(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		tc := c.Test()
		other := e.Workspace("US")
		live := custNew(c, custUSBody("Live Co"))
		test := custNew(tc, custUSBody("Test Co"))
		const nf = `{"detail": "Not found."}`
		for _, who := range []struct {
			label string
			cl    *apitest.Client
			id    string
		}{{"live from test", tc, live}, {"test from live", c, test}, {"other workspace", other, live}, {"other workspace test", other.Test(), test}} {
			p := "/customers/" + who.id + "/"
			custCheck(t, who.cl.Get(p), 404, nf, who.label+" GET")
			custCheck(t, who.cl.Patch(p, map[string]any{"name": "hijack"}), 404, nf, who.label+" PATCH")
			custCheck(t, who.cl.Put(p, map[string]any{"name": "hijack"}), 404, nf, who.label+" PUT")
			custCheck(t, who.cl.Delete(p), 404, nf, who.label+" DELETE")
		}
		if got := c.Get("/customers/" + live + "/").Expect(200); got["name"] != "Live Co" || got["test_mode"] != false {
			t.Errorf("live customer changed: %v", got)
		}
		if got := tc.Get("/customers/" + test + "/").Expect(200); got["name"] != "Test Co" || got["test_mode"] != true {
			t.Errorf("test customer changed: %v", got)
		}
		custListIs(t, c, "/customers/", "id", false, live)
		custListIs(t, tc, "/customers/", "id", false, test)
		custListIs(t, other, "/customers/", "id", false)
		custListIs(t, other.Test(), "/customers/", "id", false)
		// a live customer referenced from a test-mode write does not exist
		custCheck(t, tc.Post("/contacts/", map[string]any{"name": "Ann", "email": "ann@example.com", "customer": live}), 400,
			fmt.Sprintf(`{"customer": ["Invalid pk \"%s\" - object does not exist."]}`, live), "test contact → live customer")
		custCheck(t, tc.Post("/orgunits/", map[string]any{"name": "HQ", "customer": live}), 400,
			fmt.Sprintf(`{"customer": ["Invalid pk \"%s\" - object does not exist."]}`, live), "test orgunit → live customer")
		custCheck(t, other.Post("/contacts/", map[string]any{"name": "Ann", "email": "ann@example.com", "customer": live}), 400,
			fmt.Sprintf(`{"customer": ["Invalid pk \"%s\" - object does not exist."]}`, live), "other workspace contact → customer")
	})
}

// docs/conventions.md#11-lists-pagination-filtering-ordering-search and docs/billing.md#16-list: search, filters, ordering.
func TestCustomerListFilters(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		custNew(c, custWith(custUSBody("Acme Corp"), "email", "billing@acme.com", "reference", "REF-001", "tax_id", "12-3456789",
			"metadata", map[string]any{"tier": "gold", "n": 5}))
		custNew(c, custWith(custExample(), "name", "Beta Industries", "email", "ap@beta.io", "metadata", map[string]any{"tier": "silver", "vip": true}))
		custNew(c, map[string]any{"name": "Gamma LLC", "address": "Av 1", "country": "AR", "email": "gamma@example.com", "status": "archived"})
		e.Clock.Advance(3 * 24 * time.Hour) // 2026-06-05 local
		custNew(c, custWith(custUSBody("Delta Acme"), "state", "NY", "email", "d@delta.com", "reference", "acme-partner"))

		const A, B, G, D = "Acme Corp", "Beta Industries", "Gamma LLC", "Delta Acme"
		cases := []struct {
			query string
			want  []string
		}{
			{"", []string{A, B, G, D}},
			// search: name, email, tax_id, reference; case-insensitive
			{"search=ACME", []string{A, D}},
			{"search=Acme.COM", []string{A}},
			{"search=76086428", []string{B}},
			{"search=ref-0", []string{A}},
			{"search=PARTNER", []string{D}},
			{"search=zzz", nil},
			{"search=%25", nil}, // a literal %, not a wildcard
			// filters
			{"name__icontains=aCmE", []string{A, D}},
			{"name=Gamma+LLC", []string{G}},
			{"name=gamma+llc", nil},
			{"country__in=CL,AR", []string{B, G}},
			{"country=US", []string{A, D}},
			{"state=NY", []string{D}},
			{"currency=CLP", []string{B}},
			{"status=archived", []string{G}},
			{"status=active", []string{A, B, D}},
			{"status__in=active,archived", []string{A, B, G, D}},
			{"email=ap@beta.io", []string{B}},
			{"tax_id=76086428-5", []string{B}},
			{"reference=REF-001", []string{A}},
			{"created__gte=2026-06-03", []string{D}},
			{"created__lt=2026-06-03", []string{A, B, G}},
			{"created__lte=2026-06-02", []string{A, B, G}},
			{"created=2026-06-05", []string{D}},
			{"created__gt=2026-06-04", []string{D}},
			{"metadata__tier=gold", []string{A}},
			{"metadata__n=5", []string{A}},
			{"metadata__vip=true", []string{B}},
			{"metadata__tier=bronze", nil},
			{"metadata__missing=x", nil},
			{"name__icontains=acme&country=US&created__gte=2026-06-03", []string{D}},
			{"expand=orgunit&format=json", []string{A, B, G, D}},
		}
		for _, tc := range cases {
			custListIs(t, c, "/customers/?"+tc.query, "name", false, tc.want...)
		}
		// ordering
		custListIs(t, c, "/customers/?ordering=name", "name", true, A, B, D, G)
		custListIs(t, c, "/customers/?ordering=-name", "name", true, G, D, B, A)
		custListIs(t, c, "/customers/?ordering=-created,name", "name", true, D, A, B, G)
		custListIs(t, c, "/customers/?ordering=created,-name", "name", true, G, B, A, D)
		custListIs(t, c, "/customers/", "name", false, A, B, G, D)
		if first := custCol(c.Get("/customers/").Expect(200), "name")[0]; first != D {
			t.Errorf("default ordering -created: first %s", first)
		}
		// bad parameters
		for q, want := range map[string]string{
			"foo=1":                       `{"foo": ["Unknown filter."]}`,
			"status__gt=x":                `{"status__gt": ["Unsupported lookup 'gt' for this field."]}`,
			"status=foo":                  `{"status": ["Select a valid choice. foo is not one of the available choices."]}`,
			"ordering=foo":                `{"ordering": ["Invalid ordering field: foo."]}`,
			"ordering=email":              `{"ordering": ["Invalid ordering field: email."]}`,
			"customer__name__icontains=a": `{"customer__name__icontains": ["Unknown filter."]}`,
			"foo=1&status__gt=x":          `{"foo": ["Unknown filter."], "status__gt": ["Unsupported lookup 'gt' for this field."]}`,
		} {
			custCheck(t, c.Get("/customers/?"+q), 400, want, q)
		}
	})
}

// docs/conventions.md#11-lists-pagination-filtering-ordering-search pagination.
func TestCustomerListPagination(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		for i := 1; i <= 25; i++ {
			custNew(c, custUSBody(fmt.Sprintf("Customer %03d", i)))
		}
		names := func(from, to int) []string {
			var out []string
			for i := from; i <= to; i++ {
				out = append(out, fmt.Sprintf("Customer %03d", i))
			}
			return out
		}
		link := func(q string) string { return e.URL + "/customers/?" + q }
		check := func(q string, next, prev any, want []string) {
			t.Helper()
			r := c.Get("/customers/?" + q)
			if r.Status != 200 {
				t.Errorf("%s: %d %s", q, r.Status, r.Body)
				return
			}
			page := r.JSON()
			if custCount(page) != "25" || page["next"] != next || page["previous"] != prev || !slices.Equal(custCol(page, "name"), want) {
				t.Errorf("%s: count %v next %v previous %v names %v\nwant next %v previous %v names %v", q, page["count"], page["next"], page["previous"], custCol(page, "name"), next, prev, want)
			}
		}
		check("ordering=name&page_size=10", link("ordering=name&page=2&page_size=10"), nil, names(1, 10))
		check("ordering=name&page_size=10&page=2", link("ordering=name&page=3&page_size=10"), link("ordering=name&page=1&page_size=10"), names(11, 20))
		check("ordering=name&page_size=10&page=3", nil, link("ordering=name&page=2&page_size=10"), names(21, 25))
		check("ordering=name&page_size=10&page=3&search=customer", nil, link("ordering=name&page=2&page_size=10&search=customer"), names(21, 25))
		check("ordering=name&limit=10&page=2", link("limit=10&ordering=name&page=3"), link("limit=10&ordering=name&page=1"), names(11, 20))
		check("ordering=name", link("ordering=name&page=2"), nil, names(1, 20))
		check("ordering=name&page=2", nil, link("ordering=name&page=1"), names(21, 25))
		check("ordering=name&page_size=500", nil, nil, names(1, 25))

		c.Get("/customers/?page_size=10&page=4").ExpectBody(404, `{"detail": "Invalid page."}`)
		c.Get("/customers/?page=99").ExpectBody(404, `{"detail": "Invalid page."}`)
		for _, v := range []string{"0", "-1", "abc", "1.5", ""} {
			custCheck(t, c.Get("/customers/?page="+url.QueryEscape(v)), 400, `{"page": ["A valid integer is required."]}`, "page="+v)
		}
		for _, v := range []string{"0", "-5", "x"} {
			custCheck(t, c.Get("/customers/?page_size="+v), 400, `{"page_size": ["A valid integer between 1 and 100 is required."]}`, "page_size="+v)
		}
		// page 1 of an empty list is valid; page 2 is not
		c.Test().Get("/customers/").ExpectBody(200, `{"count": 0, "next": null, "previous": null, "results": []}`)
		c.Test().Get("/customers/?page=2").ExpectBody(404, `{"detail": "Invalid page."}`)

		// page_size above 100 is clamped to 100
		for i := 26; i <= 101; i++ {
			custNew(c, custUSBody(fmt.Sprintf("Customer %03d", i)))
		}
		page := c.Get("/customers/?ordering=name&page_size=500").Expect(200)
		if got := custCol(page, "name"); custCount(page) != "101" || !slices.Equal(got, names(1, 100)) || page["next"] != link("ordering=name&page=2&page_size=500") {
			t.Errorf("page_size=500: count %v, %d results, next %v", page["count"], len(got), page["next"])
		}
		page = c.Get("/customers/?ordering=name&page_size=500&page=2").Expect(200)
		if got := custCol(page, "name"); !slices.Equal(got, names(101, 101)) || page["next"] != nil {
			t.Errorf("page 2 of page_size=500: %v next %v", got, page["next"])
		}
	})
}

// metadata__<key> compares the value's JSON text the same way on both databases.
func TestMetadataFilterNumbersAsText(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		c.Post("/customers/", `{"name": "M", "address": "x", "country": "US", "state": "IL", "metadata": {"ratio": 1.50, "big": 123456789012345678901234, "flag": true, "s": "1.50"}}`).Expect(201)
		for q, want := range map[string]string{"metadata__ratio=1.50": "1", "metadata__ratio=1.5": "0", "metadata__big=123456789012345678901234": "1",
			"metadata__flag=true": "1", "metadata__s=1.50": "1", "metadata__missing=x": "0"} {
			if got := apitest.Num(c.Get("/customers/?" + q).Expect(200)["count"]); got != want {
				t.Errorf("%s: count %s, want %s", q, got, want)
			}
		}
		got := c.Get("/customers/").Expect(200)["results"].([]any)[0].(map[string]any)["metadata"].(map[string]any)
		if apitest.Num(got["ratio"]) != "1.50" {
			t.Errorf("metadata ratio echoed as %v", got["ratio"])
		}
	})
}

// The create answer (built from what was written) is exactly what a read
// returns.
func TestCustomerCreateAnswerEqualsRead(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		r := c.Post("/customers/", `{"name": "Comercial Andes SpA", "address": "Av. Apoquindo 4501", "country": "CL", "state": "CL-RM",
			"tax_id": "76.086.428-5", "email": "f@andes.cl", "metadata": {"b": 1.50, "a": "x"}, "tax_settings": {"cl_commune": "Las Condes"}, "send_vouchers": false}`)
		r.Expect(201)
		got := c.Get("/customers/" + apitest.Str(r.JSON(), "id") + "/")
		got.Expect(200)
		if string(r.Body) != string(got.Body) {
			t.Fatalf("create answered\n%s\nread returns\n%s", r.Body, got.Body)
		}
	})
}
