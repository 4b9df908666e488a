package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
)

const orgExampleOut = `{"id": "%s", "customer": "%s",
 "name": "Sucursal Antofagasta", "test_mode": %t,
 "created": "%s", "updated": "%s"}`

// docs/billing.md#35-example.
func TestOrgunitCreateExample(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		cus := custNew(c, custExample())
		r := c.Post("/orgunits/", map[string]any{"customer": cus, "name": "Sucursal Antofagasta"})
		org := apitest.Str(r.Expect(201), "id")
		if !strings.HasPrefix(org, "org_") || len(org) != 4+18 {
			t.Fatalf("id %q", org)
		}
		want := fmt.Sprintf(orgExampleOut, org, cus, false, custStamp, custStamp)
		r.ExpectBody(201, want)
		c.Get("/orgunits/"+org+"/").ExpectBody(200, want)
		c.Get("/orgunits/"+org).ExpectBody(200, want)
		// read-only and unknown fields are ignored
		e.Clock.Advance(time.Second)
		got := c.Patch("/orgunits/"+org+"/", map[string]any{"id": "org_x", "created": "2020-01-01", "test_mode": true, "foo": 1, "customer": cus}).Expect(200)
		if got["id"] != org || got["created"] != custStamp || got["test_mode"] != false || got["name"] != "Sucursal Antofagasta" {
			t.Errorf("PATCH with read-only fields: %v", got)
		}
		// rename; PUT is partial
		got = c.Put("/orgunits/"+org+"/", map[string]any{"name": " Sucursal Calama "}).Expect(200)
		if got["name"] != "Sucursal Calama" || got["customer"] != cus || got["updated"] != "2026-06-02T10:15:01.000000-04:00" || got["created"] != custStamp {
			t.Errorf("PUT rename: %v", got)
		}
		// test mode
		tc := c.Test()
		tcus := custNew(tc, custExample())
		r = tc.Post("/orgunits/", map[string]any{"customer": tcus, "name": "Sucursal Antofagasta"})
		tid := apitest.Str(r.Expect(201), "id")
		r.ExpectBody(201, fmt.Sprintf(orgExampleOut, tid, tcus, true, "2026-06-02T10:15:01.000000-04:00", "2026-06-02T10:15:01.000000-04:00"))
	})
}

// docs/billing.md#34-errors, every row.
func TestOrgunitErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := custNew(c, custUSBody("Acme"))
		other := custNew(c, custUSBody("Other"))
		archived := custNew(c, custWith(custUSBody("Old"), "status", "archived"))
		first := orgNew(c, cus, "Sucursal Norte")

		rows := []struct {
			label string
			body  map[string]any
			want  string
		}{
			{"name missing", map[string]any{"customer": cus}, `{"name": ["This field is required."]}`},
			{"duplicate name", map[string]any{"customer": cus, "name": "Sucursal Norte"}, `{"name": ["An organisation unit with this name already exists for this customer."]}`},
			{"duplicate name, other case", map[string]any{"customer": cus, "name": "  sucursal NORTE "}, `{"name": ["An organisation unit with this name already exists for this customer."]}`},
			// standard messages
			{"name blank", map[string]any{"customer": cus, "name": ""}, `{"name": ["This field may not be blank."]}`},
			{"name null", map[string]any{"customer": cus, "name": nil}, `{"name": ["This field may not be null."]}`},
			{"name 65", map[string]any{"customer": cus, "name": strings.Repeat("n", 65)}, `{"name": ["Ensure this field has no more than 64 characters."]}`},
			{"customer missing", map[string]any{"name": "X"}, `{"customer": ["This field is required."]}`},
			{"unknown customer", map[string]any{"customer": "cus_unknown00000000000", "name": "X"}, `{"customer": ["Invalid pk \"cus_unknown00000000000\" - object does not exist."]}`},
			{"archived customer", map[string]any{"customer": archived, "name": "X"}, `{"customer": ["Customer is archived."]}`},
			{"customer list", map[string]any{"customer": []any{cus}, "name": "X"}, `{"customer": ["Incorrect type. Expected pk value, received list."]}`},
			{"both missing", map[string]any{}, `{"customer": ["This field is required."], "name": ["This field is required."]}`},
		}
		for _, row := range rows {
			custCheck(t, c.Post("/orgunits/", row.body), 400, row.want, row.label)
		}
		// the same name under another customer is fine
		orgNew(c, other, "Sucursal Norte")

		// 13th orgunit of a customer
		for i := 2; i <= 12; i++ {
			orgNew(c, cus, fmt.Sprintf("Unit %02d", i))
		}
		custCheck(t, c.Post("/orgunits/", map[string]any{"customer": cus, "name": "Unit 13"}), 400,
			`{"non_field_errors": ["A customer can have at most 12 organisation units."]}`, "13th orgunit")
		custCheck(t, c.Post("/orgunits/", map[string]any{"customer": cus}), 400, `{"name": ["This field is required."]}`, "13th without name: field errors first")
		custListIs(t, c, fmt.Sprintf("/orgunits/?customer=%s&page_size=100", cus), "customer", false, strings.Split(strings.Repeat(cus+" ", 12), " ")[:12]...)
		orgNew(c, other, "Unit 13")

		// PATCH with another customer; the same customer is accepted
		p := "/orgunits/" + first + "/"
		custCheck(t, c.Patch(p, map[string]any{"customer": other}), 400, `{"customer": ["This field cannot be changed after creation."]}`, "PATCH customer")
		custCheck(t, c.Put(p, map[string]any{"customer": other, "name": "Y"}), 400, `{"customer": ["This field cannot be changed after creation."]}`, "PUT customer")
		c.Patch(p, map[string]any{"customer": cus}).Expect(200)
		// renaming onto another unit's name, in any case, is refused; its own name in another case is fine
		custCheck(t, c.Patch(p, map[string]any{"name": "UNIT 02"}), 400, `{"name": ["An organisation unit with this name already exists for this customer."]}`, "rename duplicate")
		custCheck(t, c.Patch(p, map[string]any{"name": nil}), 400, `{"name": ["This field may not be null."]}`, "PATCH name null")
		custCheck(t, c.Patch(p, map[string]any{"name": ""}), 400, `{"name": ["This field may not be blank."]}`, "PATCH name blank")
		if got := c.Patch(p, map[string]any{"name": "SUCURSAL NORTE"}).Expect(200); got["name"] != "SUCURSAL NORTE" {
			t.Errorf("rename case: %v", got["name"])
		}

		// DELETE while in use by a contact is refused; unused → 204
		con := conNew(c, map[string]any{"customer": cus, "orgunit": first, "name": "Ann", "email": "ann@example.com"})
		custCheck(t, c.Delete(p), 400, `{"non_field_errors": ["Organisation unit is in use by contacts or subscriptions."]}`, "DELETE in use")
		c.Get(p).Expect(200)
		c.Patch("/contacts/"+con+"/", map[string]any{"orgunit": nil}).Expect(200)
		r := c.Delete(p)
		if r.Status != 204 || len(r.Body) != 0 {
			t.Fatalf("DELETE unused: %d %s", r.Status, r.Body)
		}
		c.Get(p).ExpectBody(404, `{"detail": "Not found."}`)
		c.Delete(p).ExpectBody(404, `{"detail": "Not found."}`)
		// a place is free again, and the name too
		orgNew(c, cus, "Sucursal Norte")

		const unknown = "/orgunits/org_unknown00000000000/"
		custCheck(t, c.Get(unknown), 404, `{"detail": "Not found."}`, "GET unknown")
		custCheck(t, c.Patch(unknown, map[string]any{"name": "x"}), 404, `{"detail": "Not found."}`, "PATCH unknown")
		custCheck(t, c.Delete(unknown), 404, `{"detail": "Not found."}`, "DELETE unknown")
	})
}

// docs/billing.md#33-list.
func TestOrgunitList(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus1 := custNew(c, custUSBody("One"))
		cus2 := custNew(c, custUSBody("Two"))
		north := orgNew(c, cus1, "Norte")
		e.Clock.Advance(48 * time.Hour)
		south := orgNew(c, cus1, "Sur")
		center := orgNew(c, cus2, "Centro Norte")
		cases := []struct {
			query string
			want  []string
		}{
			{"", []string{north, south, center}},
			{"customer=" + cus1, []string{north, south}},
			{"customer__in=" + cus2, []string{center}},
			{"name=Sur", []string{south}},
			{"name__icontains=NORTE", []string{north, center}},
			{"search=norte", []string{north, center}},
			{"search=SUR", []string{south}},
			{"created__gte=2026-06-03", []string{south, center}},
			{"created__lte=2026-06-02", []string{north}},
			{"customer=" + cus1 + "&search=norte", []string{north}},
		}
		for _, tc := range cases {
			custListIs(t, c, "/orgunits/?"+tc.query, "id", false, tc.want...)
		}
		custListIs(t, c, "/orgunits/?ordering=name", "name", true, "Centro Norte", "Norte", "Sur")
		custListIs(t, c, "/orgunits/?ordering=-name", "name", true, "Sur", "Norte", "Centro Norte")
		custListIs(t, c, "/orgunits/?ordering=created,-name", "name", true, "Norte", "Sur", "Centro Norte")
		for q, want := range map[string]string{
			"foo=1":          `{"foo": ["Unknown filter."]}`,
			"name__gt=a":     `{"name__gt": ["Unsupported lookup 'gt' for this field."]}`,
			"ordering=foo":   `{"ordering": ["Invalid ordering field: foo."]}`,
			"page=0":         `{"page": ["A valid integer is required."]}`,
			"metadata__a=1":  `{"metadata__a": ["Unknown filter."]}`,
			"test_mode=true": `{"test_mode": ["Unknown filter."]}`,
		} {
			custCheck(t, c.Get("/orgunits/?"+q), 400, want, q)
		}
	})
}

// docs/conventions.md#3-authentication-and-headers: test mode and other workspaces.
func TestOrgunitScope(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		tc := c.Test()
		other := e.Workspace("US")
		cus := custNew(c, custUSBody("Live"))
		live := orgNew(c, cus, "Live HQ")
		tcus := custNew(tc, custUSBody("Test"))
		test := orgNew(tc, tcus, "Test HQ")
		if got := tc.Get("/orgunits/" + test + "/").Expect(200); got["test_mode"] != true {
			t.Errorf("test_mode = %v", got["test_mode"])
		}
		const nf = `{"detail": "Not found."}`
		for _, who := range []struct {
			label string
			cl    *apitest.Client
			id    string
		}{{"live from test", tc, live}, {"test from live", c, test}, {"other workspace", other, live}, {"other workspace test", other.Test(), test}} {
			p := "/orgunits/" + who.id + "/"
			custCheck(t, who.cl.Get(p), 404, nf, who.label+" GET")
			custCheck(t, who.cl.Patch(p, map[string]any{"name": "hijack"}), 404, nf, who.label+" PATCH")
			custCheck(t, who.cl.Put(p, map[string]any{"name": "hijack"}), 404, nf, who.label+" PUT")
			custCheck(t, who.cl.Delete(p), 404, nf, who.label+" DELETE")
		}
		if got := c.Get("/orgunits/" + live + "/").Expect(200); got["name"] != "Live HQ" {
			t.Errorf("live orgunit changed: %v", got)
		}
		custListIs(t, c, "/orgunits/", "id", false, live)
		custListIs(t, tc, "/orgunits/", "id", false, test)
		custListIs(t, other, "/orgunits/", "id", false)
		custListIs(t, other.Test(), "/orgunits/", "id", false)
		custCheck(t, tc.Post("/orgunits/", map[string]any{"name": "X", "customer": cus}), 400,
			fmt.Sprintf(`{"customer": ["Invalid pk \"%s\" - object does not exist."]}`, cus), "test orgunit → live customer")
		custCheck(t, other.Post("/orgunits/", map[string]any{"name": "X", "customer": cus}), 400,
			fmt.Sprintf(`{"customer": ["Invalid pk \"%s\" - object does not exist."]}`, cus), "other workspace orgunit → customer")
		// names are unique per customer, not across modes: same name in test mode is fine
		orgNew(tc, tcus, "Live HQ")
	})
}
