package api

import (
	"fmt"
	"strings"

	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/webhook"
)

// Request bodies of webhook endpoints and redeliveries (docs/webhooks.md#1-webhook-endpoints,
// docs/webhooks.md#53-redelivery) decoded into webhook commands.

// decodeEndpoint reads a POST or PATCH/PUT endpoint body.
func decodeEndpoint(o *input.Object) webhook.EndpointParams {
	var c webhook.EndpointParams
	if v, ok := o.URL("url", input.StrOpt{Required: true, Max: 2048}); ok && v != nil {
		c.URL = v
	}
	if o.Has("description") {
		if v, ok := o.String("description", input.StrOpt{Max: 256}); ok {
			c.Description = &v
		}
	}
	if v, ok := eventFilters(o); ok {
		c.Events = v
	}
	if v, ok := o.Choice("status", false, webhook.StatusEnabled, webhook.StatusDisabled); ok {
		c.Status = &v
	}
	if v, ok := o.Metadata("metadata"); ok {
		c.Metadata = &v
	}
	c.Errs = fieldErrors(o)
	return c
}

// eventFilters reads "events": a non-empty list of catalogue names, "*"
// or "family.*" wildcards; duplicates are dropped, order is kept.
func eventFilters(o *input.Object) ([]string, bool) {
	l, ok := o.List("events", false)
	if !ok {
		return nil, false
	}
	if len(l) == 0 {
		o.Fail("events", input.MsgEmptyList)
		return nil, false
	}
	out := make([]string, 0, len(l))
	seen := map[string]bool{}
	notString := false
	for _, item := range l {
		s, isStr := item.(string)
		if !isStr {
			if !notString {
				o.Fail("events", "Not a valid string.")
				notString = true
			}
			continue
		}
		s = strings.TrimSpace(s)
		if seen[s] {
			continue
		}
		seen[s] = true
		if !webhook.ValidFilter(s) {
			o.Fail("events", fmt.Sprintf("Unknown event: %s.", s))
			continue
		}
		out = append(out, s)
	}
	if o.Failed("events") {
		return nil, false
	}
	return out, true
}
