package api_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
)

const declinedCard = "4000 0000 0000 0002"

// dunningOf is the one dunning of a subscription, read through
// GET /subscriptions/{id}/dunning/.
func dunningOf(t *testing.T, c *apitest.Client, sub string) map[string]any {
	t.Helper()
	page := c.Get("/subscriptions/" + sub + "/dunning/").Expect(200)
	if apitest.Num(page["count"]) != "1" {
		t.Fatalf("dunnings of %s: %v", sub, page)
	}
	return page["results"].([]any)[0].(map[string]any)
}

// stampAt parses an API datetime.
func stampAt(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	at, err := time.Parse("2006-01-02T15:04:05.000000-07:00", s)
	if err != nil {
		t.Fatalf("datetime %v: %v", v, err)
	}
	return at
}

// The dunning state (docs/billing.md#815-dunning-state): a failed charge's
// dunning shows its invoice, retries, next retry and final action, in the
// subscription's list and the filterable /dunning/ list; another
// workspace sees none of it.
func TestDunningState(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		r := newDunningRig(t, e)
		c := r.c
		sub, inv := r.subscribe("State Co", "ap@state.test", declinedCard)
		paid := apitest.Str(chargedSubscription(c, r.plan, "2026-06-02", nil, "4242 4242 4242 4242"), "id")

		d := dunningOf(t, c, sub)
		if d["subscription"] != sub || d["invoice"] != inv || d["status"] != "retrying" || apitest.Num(d["retries"]) != "0" ||
			d["final_action"] != "needs_attention" || d["test_mode"] != true {
			t.Errorf("dunning %v", d)
		}
		if days := d["retry_days"].([]any); len(days) != 4 || apitest.Num(days[3]) != "7" {
			t.Errorf("retry_days %v", d["retry_days"])
		}
		if next, started := stampAt(t, d["next_retry"]), stampAt(t, d["started"]); !next.Equal(started.Add(24*time.Hour)) || !started.Equal(e.Clock.Now()) {
			t.Errorf("started %v next_retry %v, now %v", started, next, e.Clock.Now())
		}
		want, _ := json.Marshal(d)
		c.Get("/dunning/"+apitest.Str(d, "id")+"/").ExpectBody(200, string(want))
		c.Get("/subscriptions/"+paid+"/dunning/").ExpectBody(200, `{"count": 0, "next": null, "previous": null, "results": []}`)

		e.Clock.Advance(24*time.Hour + time.Minute)
		r.retries(t, 1)
		d = dunningOf(t, c, sub)
		if apitest.Num(d["retries"]) != "1" || !stampAt(t, d["next_retry"]).Equal(stampAt(t, d["started"]).Add(3*24*time.Hour)) {
			t.Errorf("after the first retry: %v", d)
		}
		if got := c.Get("/dunning/?status=retrying").Expect(200); apitest.Num(got["count"]) != "1" {
			t.Errorf("retrying: %v", got)
		}
		if got := c.Get("/dunning/?status__in=recovered,exhausted").Expect(200); apitest.Num(got["count"]) != "0" {
			t.Errorf("ended: %v", got)
		}
		c.Get("/dunning/?status=late").ExpectBody(400, `{"status": ["Select a valid choice. late is not one of the available choices."]}`)

		stranger := e.Workspace("US").Test()
		stranger.Get("/dunning/" + apitest.Str(d, "id") + "/").Expect(404)
		stranger.Get("/subscriptions/" + sub + "/dunning/").Expect(404)
		if got := stranger.Get("/dunning/").Expect(200); apitest.Num(got["count"]) != "0" {
			t.Errorf("another workspace lists %v", got)
		}
		live := *c
		live.TestMode = false
		live.Get("/dunning/" + apitest.Str(d, "id") + "/").Expect(404)
	})
}

// Dunning follows the subscription's test clock
// (docs/billing.md#103-advance): the retry days count from the clock's
// time, the job runner leaves them alone whatever the real time, and
// advancing the clock runs each retry due on the way, at its time, until
// the final action.
func TestDunningFollowsTestClock(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		r := newDunningRig(t, e)
		c := r.c
		clk := apitest.Str(c.Post("/test_clocks/", map[string]any{"frozen_time": "2027-01-15T09:00:00Z"}).Expect(201), "id")
		s := chargedSubscription(c, r.plan, "2027-01-15", map[string]any{"test_clock": clk}, declinedCard)
		sub, inv := apitest.Str(s, "id"), apitest.Str(s, "latest_invoice")
		clockStart := time.Date(2027, 1, 15, 9, 0, 0, 0, time.UTC)
		d := dunningOf(t, c, sub)
		if !stampAt(t, d["started"]).Equal(clockStart) || !stampAt(t, d["next_retry"]).Equal(clockStart.Add(24*time.Hour)) {
			t.Fatalf("clock dunning: %v", d)
		}
		// the real time passes every retry day: nothing runs
		e.Clock.Advance(30 * 24 * time.Hour)
		r.retries(t, 2)
		if n := r.charges(t, inv); n != 1 {
			t.Fatalf("the job runner retried a test clock's charge: %d charges", n)
		}

		c.Post("/test_clocks/"+clk+"/advance/", map[string]any{"frozen_time": "2027-01-18T10:00:00Z"}).Expect(200)
		d = dunningOf(t, c, sub)
		if n := r.charges(t, inv); n != 3 || apitest.Num(d["retries"]) != "2" || d["status"] != "retrying" ||
			!stampAt(t, d["next_retry"]).Equal(clockStart.Add(5*24*time.Hour)) {
			t.Fatalf("after days 1 and 3: %d charges, %v", n, d)
		}
		c.Post("/test_clocks/"+clk+"/advance/", map[string]any{"frozen_time": "2027-01-25T00:00:00Z"}).Expect(200)
		d = dunningOf(t, c, sub)
		if n := r.charges(t, inv); n != 5 || apitest.Num(d["retries"]) != "4" || d["status"] != "exhausted" || d["next_retry"] != nil {
			t.Fatalf("after day 7: %d charges, %v", n, d)
		}
		got := c.Get("/subscriptions/" + sub + "/").Expect(200)
		if got["status"] != "needs_attention" || got["status_description"] != "Every payment retry of invoice "+inv+" failed." {
			t.Errorf("after the final action: %v %v", got["status"], got["status_description"])
		}
		for name, want := range map[string]int{"subscription.dunning_started": 1, "subscription.dunning_retry_failed": 3, "subscription.dunning_exhausted": 1} {
			if n := r.events(name, sub); n != want {
				t.Errorf("%d %s events, want %d", n, name, want)
			}
		}
	})
}
