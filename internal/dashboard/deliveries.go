package dashboard

import (
	"net/http"
	"net/url"
	"strings"
)

// deliveryRow is one attempt of a webhook delivery log
// (docs/webhooks.md#22-event-object): one POST and its answer.
type deliveryRow struct {
	At                any // the attempt's time (stamp)
	Event, EventID    string
	Webhook           string
	Code              string // the answer's status code, or "—" when none came
	OK                bool   // a 2xx answer
	Duration, Attempt string
	Excerpt           string // the start of the answer's body, or the error
}

// excerptLen is how much of an answer the log shows.
const excerptLen = 120

// deliveryRows flattens events' deliveries into the log, newest event
// first; webhookID keeps only that endpoint's ("" keeps all).
func deliveryRows(events []any, webhookID string) []deliveryRow {
	var out []deliveryRow
	for _, ev := range events {
		for _, dl := range list(field(ev, "deliveries")) {
			hook := str(field(dl, "webhook"))
			if webhookID != "" && hook != webhookID {
				continue
			}
			for _, a := range list(field(dl, "attempts")) {
				row := deliveryRow{At: field(a, "at"), Event: str(field(ev, "event")), EventID: str(field(ev, "id")), Webhook: hook,
					Code: str(field(a, "status_code")), Duration: str(field(a, "duration_ms")), Attempt: str(field(a, "number"))}
				row.OK = len(row.Code) == 3 && row.Code[0] == '2'
				if row.Code == "" {
					row.Code = "—"
				}
				row.Excerpt = str(field(a, "response_body"))
				if e := str(field(a, "error")); e != "" {
					row.Excerpt = e
				}
				if r := []rune(strings.TrimSpace(row.Excerpt)); len(r) > excerptLen {
					row.Excerpt = string(r[:excerptLen]) + "…"
				}
				out = append(out, row)
			}
		}
	}
	return out
}

// deliveryLog is the log a detail page shows: a webhook's deliveries of
// the latest events, or an event's deliveries.
func (p *page) deliveryLog(slug string, obj map[string]any) []deliveryRow {
	switch slug {
	case "webhooks":
		events, _ := p.get("/events/?" + url.Values{"page_size": {"50"}}.Encode())
		return deliveryRows(list(events["results"]), str(obj["id"]))
	case "events":
		return deliveryRows([]any{obj}, "")
	}
	return nil
}

// redeliver is a delivery log's button: POST /events/{id}/redeliver/ to
// the row's endpoint (docs/webhooks.md#53-redelivery), back to the page
// the button was on.
func (d *Dashboard) redeliver(p *page) error {
	hook, event := p.R.PathValue("id"), strings.TrimSpace(p.R.PostFormValue("event"))
	back := "/app/webhooks/" + url.PathEscape(hook)
	if p.R.PostFormValue("back") == "event" {
		back = "/app/events/" + url.PathEscape(event)
	}
	res := p.call(http.MethodPost, "/events/"+url.PathEscape(event)+"/redeliver/", map[string]any{"webhook": hook})
	if res.Status >= 300 {
		return p.backWithError(back, res.Body)
	}
	return p.redirect(back + "?redelivered=1")
}
