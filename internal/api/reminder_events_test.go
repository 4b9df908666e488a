package api_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/mail"
)

// An email that goes out emits reminder.sent, one the server refuses to
// the last attempt emits reminder.failed, each exactly once, and a webhook
// endpoint receives them (docs/webhooks.md#2-events). Dunning emails are
// the ones sent in test mode, where endpoints may be on loopback.
func TestReminderEvents(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		r := newDunningRig(t, e)
		c := r.c
		rc := whNewReceiver(t)
		secret := apitest.Str(whNew(c, map[string]any{"url": rc.URL, "events": []any{"reminder.*"}}), "secret")
		_, inv := r.subscribe("Events Co", "ap@events.test", "4000 0000 0000 0002")
		if got := r.sendMail(t); len(got) != 1 {
			t.Fatalf("first dunning email: %d sent", len(got))
		}
		r.smtp.Refuse = true
		e.Clock.Advance(24*time.Hour + time.Minute)
		r.retries(t, 1)                  // the failed retry queues the second email
		for range mail.MaxAttempts + 1 { // the last run finds nothing left to do
			r.sendMail(t)
			e.Clock.Advance(25 * time.Hour)
		}
		msgs := messagesOf(c, "invoice="+inv)
		if len(msgs) != 2 || msgs[0]["status"] != "sent" || msgs[1]["status"] != "failed" {
			t.Fatalf("messages: %v", msgs)
		}
		sent, failed := apitest.Str(msgs[0], "id"), apitest.Str(msgs[1], "id")
		want := map[string]int{"reminder.created " + sent: 1, "reminder.sent " + sent: 1,
			"reminder.created " + failed: 1, "reminder.failed " + failed: 1}
		got := map[string]int{}
		for _, ev := range c.Get("/events/?object_type=reminder&page_size=100").Expect(200)["results"].([]any) {
			got[apitest.Str(ev.(map[string]any), "event")+" "+apitest.Str(ev.(map[string]any), "object_id")]++
		}
		if !maps.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}
		if _, err := e.Webhooks.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		received := map[string]int{}
		for _, h := range rc.Hits() {
			name, obj := whVerify(t, h, e.Clock.Now(), secret)
			received[name+" "+obj]++
		}
		if !maps.Equal(received, want) {
			t.Errorf("the endpoint received %v, want %v", received, want)
		}
	})
}
