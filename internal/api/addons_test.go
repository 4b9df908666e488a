package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// Add-ons (docs/billing.md#6-add-ons) and coupons (docs/billing.md#7-coupons).

func addonExample() map[string]any {
	return map[string]any{"name": "Setup", "description": "Implementation and onboarding", "currency": "CLP", "amount": 120000}
}

const addonExampleOut = `{"id": "%s", "name": "Setup", "description": "Implementation and onboarding",
 "currency": "CLP", "amount": 120000.00, "sku": null, "exempt": false, "apply_scheme": "one_time",
 "duration_times": null, "unit_label": null, "status": "active", "archived": null, "metadata": {},
 "test_mode": %t, "created": "%s", "updated": "%s"}`

func TestAddonCreateExample(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		r := c.Post("/addons/", addonExample())
		aid := apitest.Str(r.Expect(201), "id")
		if !strings.HasPrefix(aid, "add_") || len(aid) != 4+18 {
			t.Fatalf("id %q", aid)
		}
		want := fmt.Sprintf(addonExampleOut, aid, false, custStamp, custStamp)
		r.ExpectBody(201, want)
		c.Get("/addons/"+aid+"/").ExpectBody(200, want)
		tc := c.Test()
		r = tc.Post("/addons/", addonExample())
		tid := apitest.Str(r.Expect(201), "id")
		r.ExpectBody(201, fmt.Sprintf(addonExampleOut, tid, true, custStamp, custStamp))
		custListIs(t, tc, "/addons/", "id", false, tid)
		custListIs(t, c, "/addons/", "id", false, aid)
		custListIs(t, e.Workspace("CL"), "/addons/", "id", false)

		// recurring with a duration, and every optional field
		got := c.Post("/addons/", custWith(addonExample(), "apply_scheme", "recurring", "duration_times", 6, "sku", "SET-1", "exempt", true, "unit_label", "hr")).Expect(201)
		if got["apply_scheme"] != "recurring" || apitest.Num(got["duration_times"]) != "6" || got["sku"] != "SET-1" || got["exempt"] != true || got["unit_label"] != "hr" {
			t.Errorf("recurring: %v", got)
		}
		got = c.Post("/addons/", custWith(addonExample(), "apply_scheme", "recurring", "duration_times", nil)).Expect(201)
		if got["duration_times"] != nil {
			t.Errorf("recurring forever: %v", got)
		}
	})
}

func TestAddonErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		base := addonExample()
		rows := []struct {
			label string
			body  map[string]any
			want  string
		}{
			{"description missing", custWith(base, "description", custOmit), `{"description": ["This field is required."]}`},
			{"apply_scheme monthly", custWith(base, "apply_scheme", "monthly"), `{"apply_scheme": ["\"monthly\" is not a valid choice."]}`},
			{"duration_times one_time", custWith(base, "duration_times", 3), `{"duration_times": ["Only recurring add-ons have a duration."]}`},
			{"duration_times 0", custWith(base, "apply_scheme", "recurring", "duration_times", 0), `{"duration_times": ["Ensure this value is greater than or equal to 1."]}`},
			{"name missing", custWith(base, "name", custOmit), `{"name": ["This field is required."]}`},
			{"name 57", custWith(base, "name", strings.Repeat("n", 57)), `{"name": ["Ensure this field has no more than 56 characters."]}`},
			{"description 257", custWith(base, "description", strings.Repeat("d", 257)), `{"description": ["Ensure this field has no more than 256 characters."]}`},
			{"currency missing", custWith(base, "currency", custOmit), `{"currency": ["This field is required."]}`},
			{"currency XYZ", custWith(base, "currency", "XYZ"), `{"currency": ["Invalid pk \"XYZ\" - object does not exist."]}`},
			{"amount missing", custWith(base, "amount", custOmit), `{"amount": ["This field is required."]}`},
			{"amount negative", custWith(base, "amount", -5), `{"amount": ["Ensure this value is greater than or equal to 0."]}`},
			{"amount 3 decimals", custWith(base, "amount", "1.005"), `{"amount": ["Ensure that there are no more than 2 decimal places."]}`},
			{"sku 33", custWith(base, "sku", strings.Repeat("s", 33)), `{"sku": ["Ensure this field has no more than 32 characters."]}`},
			{"unit_label 5", custWith(base, "unit_label", "hours"), `{"unit_label": ["Ensure this field has no more than 4 characters."]}`},
			{"duration_times text", custWith(base, "apply_scheme", "recurring", "duration_times", "x"), `{"duration_times": ["A valid integer is required."]}`},
			{"duration_times 1.5", custWith(base, "apply_scheme", "recurring", "duration_times", 1.5), `{"duration_times": ["A valid integer is required."]}`},
			{"status", custWith(base, "status", "deleted"), `{"status": ["\"deleted\" is not a valid choice."]}`},
		}
		for _, row := range rows {
			custCheck(t, c.Post("/addons/", row.body), 400, row.want, row.label)
		}
		custListIs(t, c, "/addons/", "id", false)
	})
}

func TestAddonUpdateArchiveList(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		a := apitest.Str(c.Post("/addons/", addonExample()).Expect(201), "id")
		e.Clock.Advance(time.Minute)
		b := apitest.Str(c.Post("/addons/", map[string]any{"name": "Support", "description": "Premium support hours", "currency": "USD", "amount": "49.90",
			"apply_scheme": "recurring", "duration_times": 12, "sku": "SUP-9"}).Expect(201), "id")
		path := "/addons/" + b + "/"
		got := c.Patch(path, map[string]any{"amount": 59, "duration_times": nil, "currency": "CLP"}).Expect(200)
		if apitest.Num(got["amount"]) != "59.00" || got["duration_times"] != nil || got["currency"] != "CLP" || got["apply_scheme"] != "recurring" {
			t.Errorf("PATCH: %v", got)
		}
		c.Patch(path, map[string]any{"duration_times": 2}).Expect(200)
		custCheck(t, c.Patch(path, map[string]any{"apply_scheme": "one_time"}), 400, `{"duration_times": ["Only recurring add-ons have a duration."]}`, "one_time with a duration")
		got = c.Patch(path, map[string]any{"apply_scheme": "one_time", "duration_times": nil, "currency": "USD"}).Expect(200)
		if got["apply_scheme"] != "one_time" {
			t.Errorf("PATCH one_time: %v", got)
		}

		e.Clock.Advance(24 * time.Hour)
		r := c.Delete("/addons/" + a + "/")
		got = r.Expect(200)
		if got["status"] != "archived" || got["archived"] != "2026-06-03T10:16:00.000000-04:00" {
			t.Errorf("DELETE: %v", got)
		}
		e.Clock.Advance(time.Hour)
		c.Delete("/addons/"+a+"/").ExpectBody(200, string(r.Body))
		custListIs(t, c, "/events/?object_id="+a, "event", true, "addon.archived", "addon.created")
		custCheck(t, c.Delete("/addons/add_unknown00000000000/"), 404, `{"detail": "Not found."}`, "DELETE unknown")

		custListIs(t, c, "/addons/", "id", true, b, a)
		custListIs(t, c, "/addons/?ordering=amount", "id", true, b, a)
		custListIs(t, c, "/addons/?ordering=-name", "name", true, "Support", "Setup")
		custListIs(t, c, "/addons/?status=archived", "id", false, a)
		custListIs(t, c, "/addons/?apply_scheme=one_time", "id", false, a, b)
		custListIs(t, c, "/addons/?currency=USD", "id", false, b)
		custListIs(t, c, "/addons/?name__icontains=SUP", "id", false, b)
		custListIs(t, c, "/addons/?created__lt=2026-06-02T10:16:00-04:00", "id", false, a)
		custListIs(t, c, "/addons/?search=onboarding", "id", false, a)
		custListIs(t, c, "/addons/?search=sup-9", "id", false, b)
		custCheck(t, c.Get("/addons/?apply_scheme=monthly"), 400, `{"apply_scheme": ["Select a valid choice. monthly is not one of the available choices."]}`, "bad filter")
		custListIs(t, c.Test(), "/addons/", "id", false)
	})
}

// ---------------------------------------------------------------- coupons

func couponExample() map[string]any {
	return map[string]any{"name": "Launch 20%", "amount": 20, "currency": "CLP", "duration_scheme": "limited",
		"duration_times": 3, "valid_until": "2025-12-31"}
}

const couponExampleOut = `{"id": "%s", "name": "Launch 20%%", "amount": 20, "currency": "CLP",
 "discount_scheme": "%%", "duration_scheme": "limited", "duration_times": 3,
 "valid_until": "2025-12-31", "apply_on": "invoice", "status": "active", "archived": null,
 "metadata": {}, "test_mode": %t, "created": "%s", "updated": "%s"}`

func TestCouponCreateExample(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		r := c.Post("/coupons/", couponExample())
		cid := apitest.Str(r.Expect(201), "id")
		if !strings.HasPrefix(cid, "cou_") || len(cid) != 4+18 {
			t.Fatalf("id %q", cid)
		}
		want := fmt.Sprintf(couponExampleOut, cid, false, custStamp, custStamp)
		r.ExpectBody(201, want)
		c.Get("/coupons/"+cid+"/").ExpectBody(200, want)
		tc := c.Test()
		r = tc.Post("/coupons/", couponExample())
		tid := apitest.Str(r.Expect(201), "id")
		r.ExpectBody(201, fmt.Sprintf(couponExampleOut, tid, true, custStamp, custStamp))
		custListIs(t, tc, "/coupons/", "id", false, tid)
		custListIs(t, e.Workspace("CL"), "/coupons/", "id", false)

		// $ coupons: money; percentages keep their decimals
		got := c.Post("/coupons/", map[string]any{"name": "5 lucas", "amount": 5000, "currency": "CLP", "discount_scheme": "$", "duration_scheme": "forever", "apply_on": "line"}).Expect(201)
		if apitest.Num(got["amount"]) != "5000.00" || got["discount_scheme"] != "$" || got["duration_times"] != nil || got["apply_on"] != "line" || got["valid_until"] != nil {
			t.Errorf("$ coupon: %v", got)
		}
		got = c.Post("/coupons/", map[string]any{"name": "Big", "amount": "150.50", "currency": "USD", "discount_scheme": "$"}).Expect(201)
		if apitest.Num(got["amount"]) != "150.50" || got["duration_scheme"] != "one_time" {
			t.Errorf("$ USD coupon: %v", got)
		}
		got = c.Post("/coupons/", map[string]any{"name": "Odd", "amount": "12.5000", "currency": "USD"}).Expect(201)
		if apitest.Num(got["amount"]) != "12.5" {
			t.Errorf("%% coupon: %v", got)
		}
		c.Post("/coupons/", map[string]any{"name": "All", "amount": 100, "currency": "USD"}).Expect(201)
	})
}

func TestCouponErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		base := couponExample()
		rows := []struct {
			label string
			body  map[string]any
			want  string
		}{
			{"amount 120 %", custWith(base, "amount", 120), `{"amount": ["Ensure this value is less than or equal to 100."]}`},
			{"amount 0", custWith(base, "amount", 0), `{"amount": ["Ensure this value is greater than 0."]}`},
			{"amount 0 $", custWith(base, "amount", 0, "discount_scheme", "$"), `{"amount": ["Ensure this value is greater than 0."]}`},
			{"limited without duration_times", custWith(base, "duration_times", custOmit), `{"duration_times": ["Required when duration_scheme=limited."]}`},
			{"duration_times forever", custWith(base, "duration_scheme", "forever"), `{"duration_times": ["Only limited coupons have a duration."]}`},
			{"duration_times one_time", custWith(base, "duration_scheme", custOmit), `{"duration_times": ["Only limited coupons have a duration."]}`},
			{"apply_on subscription", custWith(base, "apply_on", "subscription"), `{"apply_on": ["\"subscription\" is not a valid choice."]}`},
			{"name missing", custWith(base, "name", custOmit), `{"name": ["This field is required."]}`},
			{"name 57", custWith(base, "name", strings.Repeat("n", 57)), `{"name": ["Ensure this field has no more than 56 characters."]}`},
			{"amount missing", custWith(base, "amount", custOmit), `{"amount": ["This field is required."]}`},
			{"amount text", custWith(base, "amount", "x"), `{"amount": ["A valid number is required."]}`},
			{"amount 5 decimals %", custWith(base, "amount", "1.00001"), `{"amount": ["Ensure that there are no more than 4 decimal places."]}`},
			{"amount 3 decimals $", custWith(base, "amount", "1.001", "discount_scheme", "$", "currency", "USD"), `{"amount": ["Ensure that there are no more than 2 decimal places."]}`},
			{"$ CLP not whole", custWith(base, "amount", "1000.50", "discount_scheme", "$"), `{"amount": ["Ensure that there are no more than 0 decimal places."]}`},
			{"currency missing", custWith(base, "currency", custOmit), `{"currency": ["This field is required."]}`},
			{"currency XYZ", custWith(base, "currency", "XYZ"), `{"currency": ["Invalid pk \"XYZ\" - object does not exist."]}`},
			{"discount_scheme", custWith(base, "discount_scheme", "#"), `{"discount_scheme": ["\"#\" is not a valid choice."]}`},
			{"duration_scheme", custWith(base, "duration_scheme", "monthly"), `{"duration_scheme": ["\"monthly\" is not a valid choice."]}`},
			{"duration_times 0", custWith(base, "duration_times", 0), `{"duration_times": ["Ensure this value is greater than or equal to 1."]}`},
			{"valid_until", custWith(base, "valid_until", "31-12-2025"), `{"valid_until": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}`},
		}
		for _, row := range rows {
			custCheck(t, c.Post("/coupons/", row.body), 400, row.want, row.label)
		}
		custListIs(t, c, "/coupons/", "id", false)
	})
}

func TestCouponUpdateArchiveList(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		a := apitest.Str(c.Post("/coupons/", couponExample()).Expect(201), "id")
		e.Clock.Advance(time.Minute)
		b := apitest.Str(c.Post("/coupons/", map[string]any{"name": "Fixed", "amount": 5000, "currency": "CLP", "discount_scheme": "$",
			"duration_scheme": "forever", "apply_on": "line", "valid_until": "2026-03-01"}).Expect(201), "id")
		e.Clock.Advance(time.Minute)
		d := apitest.Str(c.Post("/coupons/", map[string]any{"name": "Open", "amount": 10, "currency": "USD"}).Expect(201), "id")

		// PATCH re-validates against the resulting object
		path := "/coupons/" + b + "/"
		custCheck(t, c.Patch(path, map[string]any{"discount_scheme": "%"}), 400, `{"amount": ["Ensure this value is less than or equal to 100."]}`, "$ → % keeps 5000")
		custCheck(t, c.Patch(path, map[string]any{"duration_scheme": "limited"}), 400, `{"duration_times": ["Required when duration_scheme=limited."]}`, "limited without times")
		got := c.Patch(path, map[string]any{"discount_scheme": "%", "amount": 15, "duration_scheme": "limited", "duration_times": 2, "valid_until": nil}).Expect(200)
		if apitest.Num(got["amount"]) != "15" || got["discount_scheme"] != "%" || apitest.Num(got["duration_times"]) != "2" || got["valid_until"] != nil {
			t.Errorf("PATCH: %v", got)
		}
		got = c.Put(path, map[string]any{"discount_scheme": "$", "amount": 7000, "duration_scheme": "forever", "duration_times": nil, "valid_until": "2026-03-01"}).Expect(200)
		if apitest.Num(got["amount"]) != "7000.00" || got["duration_times"] != nil {
			t.Errorf("PUT: %v", got)
		}

		r := c.Delete("/coupons/" + a + "/")
		got = r.Expect(200)
		if got["status"] != "archived" || got["archived"] != "2026-06-02T10:17:00.000000-04:00" {
			t.Errorf("DELETE: %v", got)
		}
		e.Clock.Advance(time.Hour)
		c.Delete("/coupons/"+a+"/").ExpectBody(200, string(r.Body))
		got = c.Patch("/coupons/"+a+"/", map[string]any{"status": "active"}).Expect(200)
		if got["status"] != "active" || got["archived"] != nil {
			t.Errorf("restore: %v", got)
		}
		c.Delete("/coupons/" + a + "/").Expect(200)
		custListIs(t, c, "/events/?object_id="+a, "event", true, "coupon.archived", "coupon.updated", "coupon.archived", "coupon.created")

		custListIs(t, c, "/coupons/", "id", true, d, b, a)
		custListIs(t, c, "/coupons/?ordering=name", "name", true, "Fixed", "Launch 20%", "Open")
		custListIs(t, c, "/coupons/?ordering=valid_until", "id", true, a, b, d) // no limit = latest, on both databases
		custListIs(t, c, "/coupons/?ordering=-valid_until", "id", true, d, b, a)
		custListIs(t, c, "/coupons/?status=archived", "id", false, a)
		custListIs(t, c, "/coupons/?apply_on=line", "id", false, b)
		custListIs(t, c, "/coupons/?discount_scheme=$", "id", false, b)
		custListIs(t, c, "/coupons/?discount_scheme=%25", "id", false, a, d)
		custListIs(t, c, "/coupons/?duration_scheme=limited", "id", false, a)
		custListIs(t, c, "/coupons/?valid_until__gte=2026-01-01", "id", false, b)
		custListIs(t, c, "/coupons/?valid_until__lt=2026-01-01", "id", false, a)
		custListIs(t, c, "/coupons/?valid_until__isnull=true", "id", false, d)
		custListIs(t, c, "/coupons/?name__icontains=launch", "id", false, a)
		custListIs(t, c, "/coupons/?search=OPEN", "id", false, d)
		custListIs(t, c, "/coupons/?created__gte=2026-06-02T10:16:00-04:00", "id", false, b, d)
		custCheck(t, c.Get("/coupons/?apply_on=subscription"), 400, `{"apply_on": ["Select a valid choice. subscription is not one of the available choices."]}`, "bad filter")
		custListIs(t, c.Test(), "/coupons/", "id", false)
	})
}
