package api_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// conNew creates a contact and returns its id.
func conNew(c *apitest.Client, body map[string]any) string {
	return apitest.Str(c.Post("/contacts/", body).Expect(201), "id")
}

// orgNew creates an orgunit and returns its id.
func orgNew(c *apitest.Client, customerID, name string) string {
	return apitest.Str(c.Post("/orgunits/", map[string]any{"customer": customerID, "name": name}).Expect(201), "id")
}

const conExampleOut = `{"id": "%s", "name": "Marta Soto", "email": "msoto@andes.cl",
 "customer": "%s", "orgunit": %s, "phone": null,
 "invoicing": true, "collections": false, "test_mode": false,
 "created": "%s", "updated": "%s"}`

// docs/billing.md#26-example; the contact is embedded in its customer.
func TestContactCreateExample(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		cus := custNew(c, custExample())
		org := orgNew(c, cus, "Sucursal Antofagasta")
		r := c.Post("/contacts/", map[string]any{"name": "Marta Soto", "email": "msoto@andes.cl", "customer": cus, "orgunit": org, "collections": false})
		con := apitest.Str(r.Expect(201), "id")
		if !strings.HasPrefix(con, "con_") || len(con) != 4+18 {
			t.Fatalf("id %q", con)
		}
		want := fmt.Sprintf(conExampleOut, con, cus, `"`+org+`"`, custStamp, custStamp)
		r.ExpectBody(201, want)
		c.Get("/contacts/"+con+"/").ExpectBody(200, want)

		// ?expand=orgunit gives {"id", "name"} on reads and on writes
		expanded := fmt.Sprintf(conExampleOut, con, cus, `{"id": "`+org+`", "name": "Sucursal Antofagasta"}`, custStamp, custStamp)
		c.Get("/contacts/"+con+"/?expand=orgunit").ExpectBody(200, expanded)
		c.Get("/contacts/"+con+"/?expand=customer,orgunit").ExpectBody(200, expanded)
		c.Patch("/contacts/"+con+"/?expand=orgunit", map[string]any{}).ExpectBody(200, expanded)
		page := c.Get("/contacts/?expand=orgunit").Expect(200)
		if b := mustJSON(page["results"]); !apitest.JSONEqual(b, []byte("["+expanded+"]")) {
			t.Errorf("expanded list: %s", b)
		}
		// other expand values are ignored
		c.Get("/contacts/"+con+"/?expand=customer").ExpectBody(200, want)

		// a second contact, without orgunit, a little later
		e.Clock.Advance(time.Second)
		r2 := c.Post("/contacts/?expand=orgunit", map[string]any{"name": "Pedro", "email": "MSOTO@andes.cl", "customer": cus, "phone": "+56912345678", "invoicing": "false"})
		con2 := apitest.Str(r2.Expect(201), "id")
		want2 := fmt.Sprintf(`{"id": "%s", "name": "Pedro", "email": "MSOTO@andes.cl", "customer": "%s", "orgunit": null, "phone": "+56912345678",
			"invoicing": false, "collections": true, "test_mode": false, "created": "2026-06-02T10:15:01.000000-04:00", "updated": "2026-06-02T10:15:01.000000-04:00"}`, con2, cus)
		r2.ExpectBody(201, want2)

		// embedded in GET /customers/{id}/, orgunit not expanded, in creation order
		cusObj := c.Get("/customers/" + cus + "/").Expect(200)
		if b := mustJSON(cusObj["contacts"]); !apitest.JSONEqual(b, []byte("["+want+","+want2+"]")) {
			t.Errorf("customer contacts:\n got %s\nwant [%s,%s]", b, want, want2)
		}
		page = c.Get("/customers/").Expect(200)
		if b := mustJSON(page["results"].([]any)[0].(map[string]any)["contacts"]); !apitest.JSONEqual(b, []byte("["+want+","+want2+"]")) {
			t.Errorf("customer list contacts: %s", b)
		}
		// deleting a contact removes it from the customer
		r = c.Delete("/contacts/" + con + "/")
		if r.Status != 204 || len(r.Body) != 0 {
			t.Fatalf("DELETE: %d %s", r.Status, r.Body)
		}
		c.Get("/contacts/"+con+"/").ExpectBody(404, `{"detail": "Not found."}`)
		c.Delete("/contacts/"+con+"/").ExpectBody(404, `{"detail": "Not found."}`)
		cusObj = c.Get("/customers/" + cus + "/").Expect(200)
		if b := mustJSON(cusObj["contacts"]); !apitest.JSONEqual(b, []byte("["+want2+"]")) {
			t.Errorf("customer contacts after delete: %s", b)
		}
	})
}

// docs/billing.md#25-errors, every row.
func TestContactErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := custNew(c, custUSBody("Acme"))
		other := custNew(c, custUSBody("Other"))
		otherOrg := orgNew(c, other, "Other HQ")
		archived := custNew(c, custWith(custUSBody("Old"), "status", "archived"))
		base := map[string]any{"name": "Ann", "email": "ann@example.com", "customer": cus}
		rows := []struct {
			label string
			body  map[string]any
			want  string
		}{
			{"email missing", custWith(base, "email", custOmit), `{"email": ["This field is required."]}`},
			{"unknown customer", custWith(base, "customer", "cus_unknown00000000000"), `{"customer": ["Invalid pk \"cus_unknown00000000000\" - object does not exist."]}`},
			{"archived customer", custWith(base, "customer", archived), `{"customer": ["Customer is archived."]}`},
			{"orgunit of another customer", custWith(base, "orgunit", otherOrg), `{"orgunit": ["Organisation unit does not belong to this customer."]}`},
			{"phone 13", custWith(base, "phone", "+569123456789"), `{"phone": ["Ensure this field has no more than 12 characters."]}`},
			// standard messages
			{"name missing", custWith(base, "name", custOmit), `{"name": ["This field is required."]}`},
			{"name 65", custWith(base, "name", strings.Repeat("n", 65)), `{"name": ["Ensure this field has no more than 64 characters."]}`},
			{"email invalid", custWith(base, "email", "nope"), `{"email": ["Enter a valid email address."]}`},
			{"email null", custWith(base, "email", nil), `{"email": ["This field may not be null."]}`},
			{"email blank", custWith(base, "email", " "), `{"email": ["This field may not be blank."]}`},
			{"customer missing", custWith(base, "customer", custOmit), `{"customer": ["This field is required."]}`},
			{"customer null", custWith(base, "customer", nil), `{"customer": ["This field may not be null."]}`},
			{"customer of wrong kind", custWith(base, "customer", otherOrg), fmt.Sprintf(`{"customer": ["Invalid pk \"%s\" - object does not exist."]}`, otherOrg)},
			{"customer int", custWith(base, "customer", 5), `{"customer": ["Incorrect type. Expected pk value, received int."]}`},
			{"unknown orgunit", custWith(base, "orgunit", "org_unknown00000000000"), `{"orgunit": ["Invalid pk \"org_unknown00000000000\" - object does not exist."]}`},
			{"invoicing", custWith(base, "invoicing", "maybe"), `{"invoicing": ["Must be a valid boolean."]}`},
			{"several", custWith(base, "email", custOmit, "phone", "+569123456789", "customer", "cus_unknown00000000000"),
				`{"email": ["This field is required."], "phone": ["Ensure this field has no more than 12 characters."], "customer": ["Invalid pk \"cus_unknown00000000000\" - object does not exist."]}`},
		}
		for _, row := range rows {
			custCheck(t, c.Post("/contacts/", row.body), 400, row.want, row.label)
		}
		custListIs(t, c, "/contacts/", "id", false)

		// PATCH with another customer; the same customer is accepted
		con := conNew(c, base)
		p := "/contacts/" + con + "/"
		custCheck(t, c.Patch(p, map[string]any{"customer": other}), 400, `{"customer": ["This field cannot be changed after creation."]}`, "PATCH customer")
		custCheck(t, c.Put(p, map[string]any{"customer": other, "name": "X"}), 400, `{"customer": ["This field cannot be changed after creation."]}`, "PUT customer")
		c.Patch(p, map[string]any{"customer": cus}).Expect(200)
		custCheck(t, c.Patch(p, map[string]any{"phone": "+569123456789"}), 400, `{"phone": ["Ensure this field has no more than 12 characters."]}`, "PATCH phone 13")
		custCheck(t, c.Patch(p, map[string]any{"orgunit": otherOrg}), 400, `{"orgunit": ["Organisation unit does not belong to this customer."]}`, "PATCH foreign orgunit")
		custCheck(t, c.Patch(p, map[string]any{"email": nil}), 400, `{"email": ["This field may not be null."]}`, "PATCH email null")
		custCheck(t, c.Patch(p, map[string]any{"name": nil}), 400, `{"name": ["This field may not be null."]}`, "PATCH name null")
		custCheck(t, c.Patch(p, map[string]any{"email": "bad"}), 400, `{"email": ["Enter a valid email address."]}`, "PATCH email bad")
		if got := c.Get(p).Expect(200); got["name"] != "Ann" || got["customer"] != cus || got["orgunit"] != nil {
			t.Errorf("failed PATCHes changed the contact: %v", got)
		}
		// unknown id
		const unknown = "/contacts/con_unknown00000000000/"
		custCheck(t, c.Get(unknown), 404, `{"detail": "Not found."}`, "GET unknown")
		custCheck(t, c.Patch(unknown, map[string]any{"name": "x"}), 404, `{"detail": "Not found."}`, "PATCH unknown")
		custCheck(t, c.Delete(unknown), 404, `{"detail": "Not found."}`, "DELETE unknown")
	})
}

func TestContactUpdate(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := custNew(c, custUSBody("Acme"))
		org := orgNew(c, cus, "HQ")
		con := conNew(c, map[string]any{"name": "Ann", "email": "ann@example.com", "customer": cus, "phone": "555-1234"})
		p := "/contacts/" + con + "/"
		orig := c.Get(p).Expect(200)
		e.Clock.Advance(time.Minute)
		got := c.Patch(p, map[string]any{"invoicing": false}).Expect(200)
		want := custWith(orig, "invoicing", false, "updated", "2026-06-02T10:16:00.000000-04:00")
		if !apitest.JSONEqual(mustJSON(got), mustJSON(want)) {
			t.Errorf("PATCH invoicing:\n got %s\nwant %s", mustJSON(got), mustJSON(want))
		}
		got = c.Put(p, map[string]any{"orgunit": org, "phone": nil, "name": " Ann B "}).Expect(200)
		if got["orgunit"] != org || got["phone"] != nil || got["name"] != "Ann B" || got["email"] != "ann@example.com" || got["invoicing"] != false {
			t.Errorf("PUT: %v", got)
		}
		// the retrieved object can be sent back
		obj := c.Get(p).Expect(200)
		if got := c.Patch(p, obj).Expect(200); !apitest.JSONEqual(mustJSON(got), mustJSON(obj)) {
			t.Errorf("PATCH with itself:\n got %v\nwant %v", got, obj)
		}
		// expanded object sent back: orgunit as an object is not an id
		exp := c.Get(p + "?expand=orgunit").Expect(200)
		r := c.Patch(p, exp)
		if r.Status != 400 {
			t.Errorf("PATCH with expanded orgunit: %d %s", r.Status, r.Body)
		}
		// orgunit null moves it out of the orgunit
		if got := c.Patch(p, map[string]any{"orgunit": nil}).Expect(200); got["orgunit"] != nil {
			t.Errorf("orgunit = %v", got["orgunit"])
		}
		// an unused orgunit can be deleted now
		r = c.Delete("/orgunits/" + org + "/")
		if r.Status != 204 {
			t.Errorf("DELETE orgunit: %d %s", r.Status, r.Body)
		}
	})
}

// docs/billing.md#2-contacts: at most 7 contacts per (customer, orgunit) group.
func TestContactGroupLimit(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := custNew(c, custUSBody("Acme"))
		other := custNew(c, custUSBody("Other"))
		orgA := orgNew(c, cus, "A")
		orgB := orgNew(c, cus, "B")
		const limit = `{"non_field_errors": ["A customer can have at most 7 contacts per organisation unit."]}`
		body := func(i int, org any) map[string]any {
			b := map[string]any{"name": fmt.Sprintf("P%d", i), "email": "same@example.com", "customer": cus}
			if org != nil {
				b["orgunit"] = org
			}
			return b
		}
		var noOrg []string
		for i := range 7 {
			noOrg = append(noOrg, conNew(c, body(i, nil)))
		}
		custCheck(t, c.Post("/contacts/", body(8, nil)), 400, limit, "8th without orgunit")
		custCheck(t, c.Post("/contacts/", body(8, "")), 400, limit, "8th with orgunit \"\"")
		var inA []string
		for i := range 7 {
			inA = append(inA, conNew(c, body(i, orgA)))
		}
		custCheck(t, c.Post("/contacts/", body(8, orgA)), 400, limit, "8th in A")
		// field errors come first
		custCheck(t, c.Post("/contacts/", custWith(body(8, orgA), "email", "x")), 400, `{"email": ["Enter a valid email address."]}`, "8th in A, bad email")
		// other groups and other customers are not affected
		inB := conNew(c, body(1, orgB))
		conNew(c, map[string]any{"name": "Z", "email": "z@example.com", "customer": other})
		custListIs(t, c, "/contacts/?customer="+cus, "id", false, append(append(append([]string{}, noOrg...), inA...), inB)...)

		// moving into a full group is refused, both ways
		custCheck(t, c.Patch("/contacts/"+inB+"/", map[string]any{"orgunit": orgA}), 400, limit, "move B → A")
		custCheck(t, c.Patch("/contacts/"+inB+"/", map[string]any{"orgunit": nil}), 400, limit, "move B → none")
		custCheck(t, c.Patch("/contacts/"+inA[0]+"/", map[string]any{"orgunit": nil}), 400, limit, "move A → none")
		// staying in a full group is fine
		c.Patch("/contacts/"+inA[0]+"/", map[string]any{"orgunit": orgA, "name": "Still A"}).Expect(200)
		c.Patch("/contacts/"+noOrg[0]+"/", map[string]any{"orgunit": nil, "name": "Still none"}).Expect(200)
		if got := c.Get("/contacts/" + inB + "/").Expect(200); got["orgunit"] != orgB {
			t.Errorf("refused move changed orgunit: %v", got["orgunit"])
		}
		// after freeing a place the move works
		c.Delete("/contacts/" + inA[6] + "/").Expect(204)
		if got := c.Patch("/contacts/"+inB+"/", map[string]any{"orgunit": orgA}).Expect(200); got["orgunit"] != orgA {
			t.Errorf("move: %v", got["orgunit"])
		}
		custCheck(t, c.Post("/contacts/", body(9, orgA)), 400, limit, "A full again")
		// a new contact in B works again (B is empty)
		conNew(c, body(2, orgB))
	})
}

// docs/billing.md#24-list.
func TestContactList(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus1 := custNew(c, custUSBody("One"))
		cus2 := custNew(c, custUSBody("Two"))
		org := orgNew(c, cus1, "HQ")
		ann := conNew(c, map[string]any{"name": "Ann", "email": "ann@one.com", "customer": cus1, "orgunit": org})
		e.Clock.Advance(48 * time.Hour)
		bob := conNew(c, map[string]any{"name": "Bob", "email": "bob@one.com", "customer": cus1, "invoicing": false})
		cat := conNew(c, map[string]any{"name": "Cat", "email": "cat@two.com", "customer": cus2, "collections": false})
		cases := []struct {
			query string
			want  []string
		}{
			{"", []string{ann, bob, cat}},
			{"customer=" + cus1, []string{ann, bob}},
			{"customer=" + cus2, []string{cat}},
			{"customer__in=" + cus1 + "," + cus2, []string{ann, bob, cat}},
			{"customer=cus_unknown00000000000", nil},
			{"orgunit=" + org, []string{ann}},
			{"orgunit__isnull=true", []string{bob, cat}},
			{"orgunit__isnull=false", []string{ann}},
			{"invoicing=false", []string{bob}},
			{"invoicing=true", []string{ann, cat}},
			{"invoicing=False", []string{bob}},
			{"collections=0", []string{cat}},
			{"name__icontains=AN", []string{ann}},
			{"name=Bob", []string{bob}},
			{"email=cat@two.com", []string{cat}},
			{"search=ONE.COM", []string{ann, bob}},
			{"search=cat", []string{cat}},
			{"created__gte=2026-06-03", []string{bob, cat}},
			{"created__lt=2026-06-03", []string{ann}},
			{"customer=" + cus1 + "&invoicing=true", []string{ann}},
			{"expand=orgunit", []string{ann, bob, cat}},
		}
		for _, tc := range cases {
			custListIs(t, c, "/contacts/?"+tc.query, "id", false, tc.want...)
		}
		custListIs(t, c, "/contacts/?ordering=-name", "name", true, "Cat", "Bob", "Ann")
		custListIs(t, c, "/contacts/?ordering=name", "name", true, "Ann", "Bob", "Cat")
		custListIs(t, c, "/contacts/?ordering=created,-name", "name", true, "Ann", "Cat", "Bob")
		for q, want := range map[string]string{
			"foo=1":              `{"foo": ["Unknown filter."]}`,
			"invoicing=maybe":    `{"invoicing": ["Must be a valid boolean."]}`,
			"invoicing__in=true": `{"invoicing__in": ["Unsupported lookup 'in' for this field."]}`,
			"name__gt=a":         `{"name__gt": ["Unsupported lookup 'gt' for this field."]}`,
			"orgunit__isnull=x":  `{"orgunit__isnull": ["Must be a valid boolean."]}`,
			"ordering=email":     `{"ordering": ["Invalid ordering field: email."]}`,
			"customer__name=x":   `{"customer__name": ["Unknown filter."]}`,
			"metadata__foo=x":    `{"metadata__foo": ["Unknown filter."]}`,
		} {
			custCheck(t, c.Get("/contacts/?"+q), 400, want, q)
		}
	})
}

// docs/conventions.md#3-authentication-and-headers: test mode and other workspaces.
func TestContactScope(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		tc := c.Test()
		other := e.Workspace("US")
		cus := custNew(c, custUSBody("Live"))
		org := orgNew(c, cus, "HQ")
		live := conNew(c, map[string]any{"name": "Ann", "email": "ann@example.com", "customer": cus, "orgunit": org})
		tcus := custNew(tc, custUSBody("Test"))
		test := conNew(tc, map[string]any{"name": "Tom", "email": "tom@example.com", "customer": tcus})
		if got := tc.Get("/contacts/" + test + "/").Expect(200); got["test_mode"] != true {
			t.Errorf("test_mode = %v", got["test_mode"])
		}
		const nf = `{"detail": "Not found."}`
		for _, who := range []struct {
			label string
			cl    *apitest.Client
			id    string
		}{{"live from test", tc, live}, {"test from live", c, test}, {"other workspace", other, live}, {"other workspace test", other.Test(), test}} {
			p := "/contacts/" + who.id + "/"
			custCheck(t, who.cl.Get(p), 404, nf, who.label+" GET")
			custCheck(t, who.cl.Patch(p, map[string]any{"name": "hijack"}), 404, nf, who.label+" PATCH")
			custCheck(t, who.cl.Put(p, map[string]any{"name": "hijack"}), 404, nf, who.label+" PUT")
			custCheck(t, who.cl.Delete(p), 404, nf, who.label+" DELETE")
		}
		if got := c.Get("/contacts/" + live + "/").Expect(200); got["name"] != "Ann" {
			t.Errorf("live contact changed: %v", got)
		}
		custListIs(t, c, "/contacts/", "id", false, live)
		custListIs(t, tc, "/contacts/", "id", false, test)
		custListIs(t, other, "/contacts/", "id", false)
		// references across modes and workspaces do not exist
		custCheck(t, tc.Post("/contacts/", map[string]any{"name": "X", "email": "x@example.com", "customer": cus}), 400,
			fmt.Sprintf(`{"customer": ["Invalid pk \"%s\" - object does not exist."]}`, cus), "test contact → live customer")
		custCheck(t, tc.Post("/contacts/", map[string]any{"name": "X", "email": "x@example.com", "customer": tcus, "orgunit": org}), 400,
			fmt.Sprintf(`{"orgunit": ["Invalid pk \"%s\" - object does not exist."]}`, org), "test contact → live orgunit")
		custCheck(t, tc.Patch("/contacts/"+test+"/", map[string]any{"orgunit": org}), 400,
			fmt.Sprintf(`{"orgunit": ["Invalid pk \"%s\" - object does not exist."]}`, org), "PATCH test contact → live orgunit")
		custCheck(t, other.Post("/contacts/", map[string]any{"name": "X", "email": "x@example.com", "customer": cus}), 400,
			fmt.Sprintf(`{"customer": ["Invalid pk \"%s\" - object does not exist."]}`, cus), "other workspace → customer")
		// the test customer does not list the live contact and vice versa
		if got := tc.Get("/customers/" + tcus + "/").Expect(200); len(got["contacts"].([]any)) != 1 {
			t.Errorf("test customer contacts: %v", got["contacts"])
		}
	})
}

// The 7-per-group limit holds under concurrent creates.
func TestContactGroupLimitConcurrent(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := custNew(c, custUSBody("Acme"))
		var wg sync.WaitGroup
		statuses := make([]int, 12)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = c.Post("/contacts/", map[string]any{"name": fmt.Sprint(i), "email": "a@example.com", "customer": cus}).Status
			}()
		}
		wg.Wait()
		n := map[int]int{}
		for _, s := range statuses {
			n[s]++
		}
		if n[201] != 7 || n[400] != 5 {
			t.Errorf("statuses %v, want 7×201 and 5×400", n)
		}
		custListIs(t, c, "/contacts/?customer="+cus, "customer", false, strings.Split(strings.Repeat(cus+" ", 7), " ")[:7]...)
	})
}
