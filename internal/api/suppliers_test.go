package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// supExample is the create body of docs/procurement.md#14-example.
func supExample() map[string]any {
	return map[string]any{"name": "Midwest Parts Inc.", "country": "US", "state": "OH", "tax_id": "31-1234567",
		"email": "ar@midwestparts.com"}
}

// supCL is a valid Chilean supplier (tax_id required in a CL workspace).
func supCL() map[string]any {
	return map[string]any{"name": "Proveedora Andes SpA", "country": "CL", "state": "RM", "tax_id": "76.086.428-5"}
}

func supNew(c *apitest.Client, body map[string]any) string {
	return apitest.Str(c.Post("/suppliers/", body).Expect(201), "id")
}

const supStamp = "2026-06-02T10:15:00.000000-04:00" // the fake clock in America/New_York and America/Santiago

const supExampleOut = `{"id": "%s", "name": "Midwest Parts Inc.", "country": "US", "tax_id": "31-1234567",
 "state": "OH", "currency": "USD", "address": null, "email": "ar@midwestparts.com", "phone": null,
 "website": null, "tax_settings": {}, "metadata": {}, "test_mode": %t,
 "created": "%s", "updated": "%s"}`

// docs/procurement.md#14-example, field for field (id and timestamps aside), in the
// example's field order.
func TestSupplierCreateExample(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		r := c.Post("/suppliers/", supExample())
		sid := apitest.Str(r.Expect(201), "id")
		if !strings.HasPrefix(sid, "sup_") || len(sid) != 4+18 {
			t.Fatalf("id %q", sid)
		}
		want := fmt.Sprintf(supExampleOut, sid, false, supStamp, supStamp)
		r.ExpectBody(201, want)
		c.Get("/suppliers/"+sid+"/").ExpectBody(200, want)
		c.Get("/suppliers/"+sid).ExpectBody(200, want)
		// field order of the example
		body := string(c.Get("/suppliers/" + sid + "/").Body)
		last := -1
		for _, k := range []string{"id", "name", "country", "tax_id", "state", "currency", "address", "email", "phone", "website",
			"tax_settings", "metadata", "test_mode", "created", "updated"} {
			i := strings.Index(body, `"`+k+`":`)
			if i <= last {
				t.Errorf("field %s out of order in %s", k, body)
			}
			last = i
		}

		tc := c.Test()
		r = tc.Post("/suppliers/", supExample())
		tid := apitest.Str(r.Expect(201), "id")
		r.ExpectBody(201, fmt.Sprintf(supExampleOut, tid, true, supStamp, supStamp))
	})
}

// docs/procurement.md#13-errors, every row but "DELETE with documents": no document
// references a supplier yet (purchases do not exist; the documents table has
// no supplier_id), so that refusal cannot be reached through the API. The
// registry behind it is tested in internal/supplier.
func TestSupplierCreateErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		base := supCL()
		meta51 := map[string]any{}
		for i := range 51 {
			meta51[fmt.Sprintf("k%d", i)] = "v"
		}
		rows := []struct {
			label string
			body  map[string]any
			want  string
		}{
			// docs/procurement.md#13-errors
			{"name missing", custWith(base, "name", custOmit), `{"name": ["This field is required."]}`},
			{"country missing", custWith(base, "country", custOmit, "state", custOmit), `{"country": ["This field is required."]}`},
			{"tax_id 33", custWith(base, "tax_id", strings.Repeat("1", 33)), `{"tax_id": ["Ensure this field has no more than 32 characters."]}`},
			{"tax_id 33 foreign", custWith(base, "country", "US", "state", "OH", "tax_id", strings.Repeat("x", 33)), `{"tax_id": ["Ensure this field has no more than 32 characters."]}`},
			{"CL without tax_id", custWith(base, "tax_id", custOmit), `{"tax_id": ["This field is required for suppliers in CL."]}`},
			{"CL tax_id null", custWith(base, "tax_id", nil), `{"tax_id": ["This field is required for suppliers in CL."]}`},
			{"CL tax_id blank", custWith(base, "tax_id", "  "), `{"tax_id": ["This field is required for suppliers in CL."]}`},
			{"invalid RUC for PE", map[string]any{"name": "Lima SAC", "country": "PE", "tax_id": "20100070971"}, `{"tax_id": ["Invalid RUC: the check digit does not match."]}`},
			// docs/procurement.md#12-supplier-object-and-body rules and docs/conventions.md#7-data-types / docs/conventions.md#12-errors standard messages
			{"bad RUT", custWith(base, "tax_id", "76086428-4"), `{"tax_id": ["Invalid RUT: the check digit does not match."]}`},
			{"name 65", custWith(base, "name", strings.Repeat("n", 65)), `{"name": ["Ensure this field has no more than 64 characters."]}`},
			{"name blank", custWith(base, "name", " "), `{"name": ["This field may not be blank."]}`},
			{"name null", custWith(base, "name", nil), `{"name": ["This field may not be null."]}`},
			{"country null", custWith(base, "country", nil), `{"country": ["This field may not be null."]}`},
			{"country XX", custWith(base, "country", "XX"), `{"country": ["Invalid pk \"XX\" - object does not exist."]}`},
			{"state ZZ for US", custWith(base, "country", "US", "state", "ZZ", "tax_id", custOmit), `{"state": ["State \"ZZ\" does not belong to country US."]}`},
			{"state of other country", custWith(base, "state", "US-OH"), `{"state": ["State \"US-OH\" does not belong to country CL."]}`},
			{"currency XYZ", custWith(base, "currency", "XYZ"), `{"currency": ["Invalid pk \"XYZ\" - object does not exist."]}`},
			{"address 65", custWith(base, "address", strings.Repeat("a", 65)), `{"address": ["Ensure this field has no more than 64 characters."]}`},
			{"email nope", custWith(base, "email", "nope"), `{"email": ["Enter a valid email address."]}`},
			{"phone 17", custWith(base, "phone", strings.Repeat("1", 17)), `{"phone": ["Ensure this field has no more than 16 characters."]}`},
			{"website not a url", custWith(base, "website", "not a url"), `{"website": ["Enter a valid URL."]}`},
			{"website ftp", custWith(base, "website", "ftp://example.com"), `{"website": ["Enter a valid URL."]}`},
			{"website 201", custWith(base, "website", "https://example.com/"+strings.Repeat("a", 181)), `{"website": ["Ensure this field has no more than 200 characters."]}`},
			{"tax_settings str", custWith(base, "tax_settings", "x"), `{"tax_settings": ["Expected a dictionary of items but got type \"str\"."]}`},
			{"tax_settings null", custWith(base, "tax_settings", nil), `{"tax_settings": ["This field may not be null."]}`},
			{"cl_activity_description 41", custWith(base, "tax_settings", map[string]any{"cl_activity_description": strings.Repeat("x", 41)}),
				`{"tax_settings": {"cl_activity_description": ["Ensure this field has no more than 40 characters."]}}`},
			{"cl_commune 21", custWith(base, "tax_settings", map[string]any{"cl_commune": strings.Repeat("x", 21)}),
				`{"tax_settings": {"cl_commune": ["Ensure this field has no more than 20 characters."]}}`},
			{"cl_city 21", custWith(base, "tax_settings", map[string]any{"cl_city": strings.Repeat("x", 21)}),
				`{"tax_settings": {"cl_city": ["Ensure this field has no more than 20 characters."]}}`},
			{"metadata 51 keys", custWith(base, "metadata", meta51), `{"metadata": ["Ensure this object has no more than 50 keys."]}`},
			{"metadata list", custWith(base, "metadata", []any{1}), `{"metadata": ["Expected a dictionary of items but got type \"list\"."]}`},
			// errors are collected and returned together
			{"several", custWith(base, "name", custOmit, "email", "nope", "tax_id", custOmit),
				`{"name": ["This field is required."], "email": ["Enter a valid email address."], "tax_id": ["This field is required for suppliers in CL."]}`},
			{"empty body", map[string]any{}, `{"name": ["This field is required."], "country": ["This field is required."]}`},
		}
		for _, row := range rows {
			custCheck(t, c.Post("/suppliers/", row.body), 400, row.want, row.label)
		}
		// the RUC rule in its own workspace, where tax_id is also required
		pe := e.Workspace("PE")
		custCheck(t, pe.Post("/suppliers/", map[string]any{"name": "Lima SAC", "country": "PE", "tax_id": "20100070971"}), 400,
			`{"tax_id": ["Invalid RUC: the check digit does not match."]}`, "PE workspace bad RUC")
		custCheck(t, pe.Post("/suppliers/", map[string]any{"name": "Lima SAC", "country": "PE"}), 400,
			`{"tax_id": ["This field is required for suppliers in PE."]}`, "PE workspace without tax_id")

		const unknown = "/suppliers/sup_unknown00000000000/"
		const nf = `{"detail": "Not found."}`
		for _, p := range []string{unknown, "/suppliers/cus_unknown00000000000/", "/suppliers/sup_short/"} {
			custCheck(t, c.Get(p), 404, nf, "GET "+p)
			custCheck(t, c.Patch(p, map[string]any{"name": "x"}), 404, nf, "PATCH "+p)
			custCheck(t, c.Put(p, map[string]any{"name": "x"}), 404, nf, "PUT "+p)
			custCheck(t, c.Delete(p), 404, nf, "DELETE "+p)
		}
		custCheck(t, c.Get("/suppliers/"), 200, `{"count": 0, "next": null, "previous": null, "results": []}`, "nothing created")
	})
}

// Defaults (state optional, currency from the country) and normalisation.
func TestSupplierCreateRules(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		us := e.Workspace("US")
		cl := e.Workspace("CL")
		check := func(got map[string]any, label string, kv ...any) {
			t.Helper()
			for i := 0; i+1 < len(kv); i += 2 {
				if k := kv[i].(string); got[k] != kv[i+1] {
					t.Errorf("%s: %s = %v, want %v", label, k, got[k], kv[i+1])
				}
			}
		}
		// minimal body: state null, currency the country's default, empty objects
		got := us.Post("/suppliers/", map[string]any{"name": "Bare", "country": "US"}).Expect(201)
		check(got, "minimal US", "state", nil, "currency", "USD", "tax_id", nil, "address", nil, "email", nil, "phone", nil, "website", nil)
		if b := string(mustJSON(got["tax_settings"])) + string(mustJSON(got["metadata"])); b != "{}{}" {
			t.Errorf("minimal US objects: %s", b)
		}
		check(cl.Post("/suppliers/", custWith(supCL(), "state", custOmit)).Expect(201), "CL without state", "state", nil, "currency", "CLP", "tax_id", "76086428-5")
		check(us.Post("/suppliers/", map[string]any{"name": "Mex", "country": "MX"}).Expect(201), "MX", "currency", "MXN", "tax_id", nil)
		check(us.Post("/suppliers/", map[string]any{"name": "Lima", "country": "PE", "tax_id": "201-0007-0970"}).Expect(201), "PE", "currency", "PEN", "tax_id", "20100070970")
		// explicit currency; null or "" currency is the default
		check(cl.Post("/suppliers/", custWith(supCL(), "currency", "CLF")).Expect(201), "CLF", "currency", "CLF")
		check(cl.Post("/suppliers/", custWith(supCL(), "currency", nil)).Expect(201), "currency null", "currency", "CLP")
		check(cl.Post("/suppliers/", custWith(supCL(), "currency", "")).Expect(201), "currency blank", "currency", "CLP")
		check(us.Post("/suppliers/", custWith(supExample(), "currency", "EUR")).Expect(201), "EUR", "currency", "EUR")
		// state as a code or a full id, case-insensitively; stored as the code
		check(cl.Post("/suppliers/", custWith(supCL(), "state", "CL-RM")).Expect(201), "full state id", "state", "RM")
		check(us.Post("/suppliers/", custWith(supExample(), "state", "oh")).Expect(201), "lower-case state", "state", "OH")
		check(us.Post("/suppliers/", custWith(supExample(), "state", nil)).Expect(201), "state null", "state", nil)
		check(us.Post("/suppliers/", custWith(supExample(), "state", "")).Expect(201), "state blank", "state", nil)
		// a country without tracked states takes any state
		check(us.Post("/suppliers/", map[string]any{"name": "Tango SA", "country": "AR", "state": "Córdoba"}).Expect(201), "AR", "state", "Córdoba")
		// RUT normalisation
		for in, want := range map[string]string{"760864285": "76086428-5", " 60.803.000-k ": "60803000-K"} {
			check(cl.Post("/suppliers/", custWith(supCL(), "tax_id", in)).Expect(201), "RUT "+in, "tax_id", want)
		}
		// tax_id only required for the workspace's own regulated country
		check(cl.Post("/suppliers/", supExample()).Expect(201), "US supplier in CL", "tax_id", "31-1234567")
		check(cl.Post("/suppliers/", custWith(supExample(), "tax_id", custOmit)).Expect(201), "US supplier in CL without tax_id", "tax_id", nil)
		check(us.Post("/suppliers/", custWith(supCL(), "tax_id", custOmit)).Expect(201), "CL supplier in US", "tax_id", nil, "currency", "CLP")
		custCheck(t, us.Post("/suppliers/", custWith(supCL(), "tax_id", "76086428-4")), 400,
			`{"tax_id": ["Invalid RUT: the check digit does not match."]}`, "bad RUT in US workspace")
		// limits: exactly at the maximum is fine; strings are trimmed; "" is null
		web200 := "https://example.com/" + strings.Repeat("a", 180)
		got = us.Post("/suppliers/", custWith(supExample(), "name", strings.Repeat("é", 64), "tax_id", " "+strings.Repeat("9", 32)+" ",
			"address", strings.Repeat("ñ", 64), "phone", "+1 614 555 0100", "website", web200, "email", " AR@Midwest.com ")).Expect(201)
		check(got, "limits", "name", strings.Repeat("é", 64), "tax_id", strings.Repeat("9", 32), "address", strings.Repeat("ñ", 64),
			"phone", "+1 614 555 0100", "website", web200, "email", "AR@Midwest.com")
		got = us.Post("/suppliers/", custWith(supExample(), "address", "", "phone", "", "website", "", "email", "", "tax_id", "")).Expect(201)
		check(got, "blank optionals", "address", nil, "phone", nil, "website", nil, "email", nil, "tax_id", nil)
		// tax_settings: the customers' keys, trimmed; null drops a key; other keys kept
		got = cl.Post("/suppliers/", custWith(supCL(), "tax_settings", map[string]any{"cl_activity_description": " Venta de repuestos ",
			"cl_commune": "Providencia", "cl_city": nil, "custom": "x"})).Expect(201)
		if b := mustJSON(got["tax_settings"]); !apitest.JSONEqual(b, []byte(`{"cl_activity_description": "Venta de repuestos", "cl_commune": "Providencia", "custom": "x"}`)) {
			t.Errorf("tax_settings %s", b)
		}
		// read-only and unknown fields are ignored
		got = us.Post("/suppliers/", custWith(supExample(), "id", "sup_zVUtMpaRDJddmVOJwj", "test_mode", true, "created", "2020-01-01T00:00:00Z", "foo", 1)).Expect(201)
		if got["id"] == "sup_zVUtMpaRDJddmVOJwj" || got["test_mode"] != false || got["created"] != supStamp {
			t.Errorf("read-only fields taken from the body: %v", got)
		}
	})
}

// PATCH and PUT are partial updates (docs/procurement.md#11-endpoints, docs/conventions.md#2-requests-and-responses).
func TestSupplierUpdate(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		sid := supNew(c, custWith(supCL(), "email", "ventas@andes.cl", "metadata", map[string]any{"k": "v"}))
		path := "/suppliers/" + sid + "/"
		orig := c.Get(path).Expect(200)

		e.Clock.Advance(time.Hour)
		later := "2026-06-02T11:15:00.000000-04:00"
		got := c.Patch(path, map[string]any{"name": "Andes Nuevo"}).Expect(200)
		if want := custWith(orig, "name", "Andes Nuevo", "updated", later); !apitest.JSONEqual(mustJSON(got), mustJSON(want)) {
			t.Errorf("PATCH name:\n got %s\nwant %s", mustJSON(got), mustJSON(want))
		}
		got = c.Put(path, map[string]any{"phone": "+56 2 2345 6789"}).Expect(200)
		if got["name"] != "Andes Nuevo" || got["phone"] != "+56 2 2345 6789" || got["tax_id"] != "76086428-5" || got["email"] != "ventas@andes.cl" {
			t.Errorf("PUT phone: %v", got)
		}
		if got2 := c.Patch(path, map[string]any{"phone": "+56 2 2345 6789"}).Expect(200); !apitest.JSONEqual(mustJSON(got), mustJSON(got2)) {
			t.Errorf("PATCH and PUT differ:\n%v\n%v", got, got2)
		}
		if got["created"] != supStamp || got["updated"] != later {
			t.Errorf("timestamps: created %v updated %v", got["created"], got["updated"])
		}
		// null / "" clear optional fields
		got = c.Patch(path, map[string]any{"phone": nil, "email": "", "state": nil}).Expect(200)
		if got["phone"] != nil || got["email"] != nil || got["state"] != nil {
			t.Errorf("cleared: %v", got)
		}
		// metadata is replaced as a whole; other PATCHes leave it alone
		got = c.Patch(path, map[string]any{"metadata": map[string]any{"a": "b"}}).Expect(200)
		if b := mustJSON(got["metadata"]); !apitest.JSONEqual(b, []byte(`{"a": "b"}`)) {
			t.Errorf("metadata %s", b)
		}
		// non-nullable fields and rules
		custCheck(t, c.Patch(path, map[string]any{"name": nil}), 400, `{"name": ["This field may not be null."]}`, "name null")
		custCheck(t, c.Patch(path, map[string]any{"name": ""}), 400, `{"name": ["This field may not be blank."]}`, "name blank")
		custCheck(t, c.Patch(path, map[string]any{"country": nil}), 400, `{"country": ["This field may not be null."]}`, "country null")
		custCheck(t, c.Patch(path, map[string]any{"tax_id": nil}), 400, `{"tax_id": ["This field is required for suppliers in CL."]}`, "tax_id null")
		custCheck(t, c.Patch(path, map[string]any{"tax_id": "76086428-4"}), 400, `{"tax_id": ["Invalid RUT: the check digit does not match."]}`, "bad RUT")
		custCheck(t, c.Patch(path, map[string]any{"state": "ZZ"}), 400, `{"state": ["State \"ZZ\" does not belong to country CL."]}`, "state ZZ")
		custCheck(t, c.Patch(path, map[string]any{"website": "nope"}), 400, `{"website": ["Enter a valid URL."]}`, "website")
		if got := c.Patch(path, map[string]any{"tax_id": "97.975.000-5", "state": "VS"}).Expect(200); got["tax_id"] != "97975000-5" || got["state"] != "VS" {
			t.Errorf("tax_id/state PATCH: %v", got)
		}
		// changing country re-validates state and tax_id against the result;
		// the currency stays unless reset with null
		custCheck(t, c.Patch(path, map[string]any{"country": "US"}), 400, `{"state": ["State \"VS\" does not belong to country US."]}`, "country US keeps VS")
		got = c.Patch(path, map[string]any{"country": "US", "state": nil}).Expect(200)
		if got["country"] != "US" || got["state"] != nil || got["currency"] != "CLP" || got["tax_id"] != "97975000-5" {
			t.Errorf("moved to US: %v", got)
		}
		if got := c.Patch(path, map[string]any{"currency": nil}).Expect(200); got["currency"] != "USD" {
			t.Errorf("currency reset: %v", got["currency"])
		}
		us := supNew(c, map[string]any{"name": "Yankee", "country": "US"})
		custCheck(t, c.Patch("/suppliers/"+us+"/", map[string]any{"country": "CL"}), 400,
			`{"tax_id": ["This field is required for suppliers in CL."]}`, "US to CL without tax_id")
		if got := c.Patch("/suppliers/"+us+"/", map[string]any{"country": "CL", "tax_id": "760864285"}).Expect(200); got["tax_id"] != "76086428-5" {
			t.Errorf("US to CL: %v", got)
		}
		// a failed PATCH changes nothing
		before := c.Get(path).Expect(200)
		custCheck(t, c.Patch(path, map[string]any{"name": "Changed", "email": "nope"}), 400, `{"email": ["Enter a valid email address."]}`, "failed PATCH")
		if after := c.Get(path).Expect(200); !apitest.JSONEqual(mustJSON(before), mustJSON(after)) {
			t.Errorf("failed PATCH changed the supplier")
		}
		// the retrieved object sent back changes nothing but updated
		e.Clock.Advance(time.Minute)
		got = c.Patch(path, before).Expect(200)
		if want := custWith(before, "updated", "2026-06-02T11:16:00.000000-04:00"); !apitest.JSONEqual(mustJSON(got), mustJSON(want)) {
			t.Errorf("PATCH with the object itself:\n got %s\nwant %s", mustJSON(got), mustJSON(want))
		}
	})
}

// docs/conventions.md#11-lists-pagination-filtering-ordering-search and docs/procurement.md#12-supplier-object-and-body: filters, search, ordering.
func TestSupplierListFilters(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		supNew(c, custWith(supExample(), "metadata", map[string]any{"tier": "gold", "n": 5}))
		supNew(c, custWith(supCL(), "name", "Andes Repuestos", "email", "ventas@andes.cl", "metadata", map[string]any{"tier": "silver"}))
		supNew(c, map[string]any{"name": "Tango SA", "country": "AR", "email": "info@tango.com.ar"})
		e.Clock.Advance(3 * 24 * time.Hour) // 2026-06-05 local
		supNew(c, map[string]any{"name": "Zenith Parts", "country": "US", "tax_id": "98-7654321"})

		const M, A, T, Z = "Midwest Parts Inc.", "Andes Repuestos", "Tango SA", "Zenith Parts"
		cases := []struct {
			query string
			want  []string
		}{
			{"", []string{M, A, T, Z}},
			{"search=PARTS", []string{M, Z}},
			{"search=76086428", []string{A}},
			{"search=tango.com", []string{T}},
			{"search=%25", nil},
			{"search=zzz", nil},
			{"name=Tango+SA", []string{T}},
			{"name=tango+sa", nil},
			{"name__icontains=pArTs", []string{M, Z}},
			{"tax_id=31-1234567", []string{M}},
			{"tax_id=76086428-5", []string{A}},
			{"tax_id__isnull=true", []string{T}},
			{"email=ar@midwestparts.com", []string{M}},
			{"email=AR@midwestparts.com", nil},
			{"country=US", []string{M, Z}},
			{"country__in=CL,AR", []string{A, T}},
			{"created__gte=2026-06-03", []string{Z}},
			{"created__lt=2026-06-03", []string{M, A, T}},
			{"created=2026-06-05", []string{Z}},
			{"metadata__tier=gold", []string{M}},
			{"metadata__n=5", []string{M}},
			{"metadata__tier=bronze", nil},
			{"name__icontains=parts&created__lt=2026-06-03", []string{M}},
		}
		for _, tc := range cases {
			custListIs(t, c, "/suppliers/?"+tc.query, "name", false, tc.want...)
		}
		custListIs(t, c, "/suppliers/?ordering=name", "name", true, A, M, T, Z)
		custListIs(t, c, "/suppliers/?ordering=-name", "name", true, Z, T, M, A)
		custListIs(t, c, "/suppliers/?ordering=-created,name", "name", true, Z, A, M, T)
		custListIs(t, c, "/suppliers/?ordering=created,-name", "name", true, T, M, A, Z)
		if first := custCol(c.Get("/suppliers/").Expect(200), "name")[0]; first != Z {
			t.Errorf("default ordering -created: first %s", first)
		}
		if page := c.Get("/suppliers/?ordering=name&page_size=2&page=2").Expect(200); fmt.Sprint(custCol(page, "name")) != fmt.Sprint([]string{T, Z}) || custCount(page) != "4" || page["next"] != nil {
			t.Errorf("page 2: %v", page)
		}
		for q, want := range map[string]string{
			"foo=1":            `{"foo": ["Unknown filter."]}`,
			"state=OH":         `{"state": ["Unknown filter."]}`,
			"country__gt=A":    `{"country__gt": ["Unsupported lookup 'gt' for this field."]}`,
			"ordering=email":   `{"ordering": ["Invalid ordering field: email."]}`,
			"created__gte=bad": `{"created__gte": ["Enter a valid date/time."]}`,
		} {
			custCheck(t, c.Get("/suppliers/?"+q), 400, want, q)
		}
		c.Get("/suppliers/?page=2").ExpectBody(404, `{"detail": "Invalid page."}`)
	})
}

// Test mode and other workspaces (docs/conventions.md#3-authentication-and-headers): 404 everywhere, lists apart.
func TestSupplierScope(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		tc := c.Test()
		other := e.Workspace("US")
		live := supNew(c, custWith(supExample(), "name", "Live Supply"))
		test := supNew(tc, custWith(supExample(), "name", "Test Supply"))
		const nf = `{"detail": "Not found."}`
		for _, who := range []struct {
			label string
			cl    *apitest.Client
			id    string
		}{{"live from test", tc, live}, {"test from live", c, test}, {"other workspace", other, live}, {"other workspace test", other.Test(), test}} {
			p := "/suppliers/" + who.id + "/"
			custCheck(t, who.cl.Get(p), 404, nf, who.label+" GET")
			custCheck(t, who.cl.Patch(p, map[string]any{"name": "hijack"}), 404, nf, who.label+" PATCH")
			custCheck(t, who.cl.Put(p, map[string]any{"name": "hijack"}), 404, nf, who.label+" PUT")
			custCheck(t, who.cl.Delete(p), 404, nf, who.label+" DELETE")
		}
		if got := c.Get("/suppliers/" + live + "/").Expect(200); got["name"] != "Live Supply" || got["test_mode"] != false {
			t.Errorf("live supplier changed: %v", got)
		}
		if got := tc.Get("/suppliers/" + test + "/").Expect(200); got["name"] != "Test Supply" || got["test_mode"] != true {
			t.Errorf("test supplier changed: %v", got)
		}
		custListIs(t, c, "/suppliers/", "id", false, live)
		custListIs(t, tc, "/suppliers/", "id", false, test)
		custListIs(t, other, "/suppliers/", "id", false)
		custListIs(t, other.Test(), "/suppliers/", "id", false)
	})
}

// docs/conventions.md#15-deletion-semantics: a supplier without documents is destroyed; events of
// docs/webhooks.md#6-event-catalogue are recorded for each change.
func TestSupplierDelete(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		sid := supNew(c, supExample())
		path := "/suppliers/" + sid + "/"
		c.Patch(path, map[string]any{"phone": "555"}).Expect(200)
		r := c.Delete(path)
		if r.Status != 204 || len(r.Body) != 0 {
			t.Fatalf("DELETE: %d %q", r.Status, r.Body)
		}
		c.Get(path).ExpectBody(404, `{"detail": "Not found."}`)
		c.Delete(path).ExpectBody(404, `{"detail": "Not found."}`)
		c.Patch(path, map[string]any{"name": "x"}).ExpectBody(404, `{"detail": "Not found."}`)
		c.Get("/suppliers/").ExpectBody(200, `{"count": 0, "next": null, "previous": null, "results": []}`)
		custListIs(t, c, "/events/?object_id="+sid, "event", false, "supplier.created", "supplier.updated", "supplier.deleted")
		custListIs(t, c, "/events/?object_type=supplier", "object_id", false, sid, sid, sid)
		// "DELETE with documents" (docs/procurement.md#13-errors) is not reachable yet:
		// nothing can reference a supplier until purchases exist.
	})
}
