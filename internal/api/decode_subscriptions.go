package api

import (
	"time"

	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/subscription"
)

// Request bodies of usage records and test clocks (docs/billing.md#9-usages to docs/billing.md#10-test-clocks)
// decoded into subscription commands.

// decodeUsage reads a POST /usages/ body.
func decodeUsage(o *input.Object, loc *time.Location) subscription.UsageParams {
	var c subscription.UsageParams
	if v, ok := o.Ref("subscription_line", true, false, func(x string) bool { return id.Valid(subscription.PrefixLine, x) }); ok && v != nil {
		c.Line = v
	}
	if t, ok := readInstant(o, "date_time", loc); ok {
		c.DateTime = &t
	}
	c.Quantity, _ = o.Decimal("quantity", true, subscription.ParseNonNegative)
	c.Errs = fieldErrors(o)
	return c
}

// decodeClock reads a POST /test_clocks/ body.
func decodeClock(o *input.Object, loc *time.Location) subscription.ClockParams {
	var c subscription.ClockParams
	c.FrozenTime, _ = readInstant(o, "frozen_time", loc)
	c.Name, _ = o.String("name", input.StrOpt{Max: 64})
	c.Errs = fieldErrors(o)
	return c
}

func readInstant(o *input.Object, key string, loc *time.Location) (time.Time, bool) {
	raw, ok := o.Raw(key)
	switch {
	case !ok:
		o.Fail(key, input.MsgRequired)
	case raw == nil:
		o.Fail(key, input.MsgNull)
	default:
		s, isStr := raw.(string)
		if t, err := list.ParseDateTime(s, loc); isStr && err == nil {
			return t, true
		}
		o.Fail(key, input.MsgDateTime)
	}
	return time.Time{}, false
}

// decodeStatusChange reads the body of pause (paused_reason, pause_until)
// and cancel (cancel_reason).
func decodeStatusChange(o *input.Object, reasonKey string, reasons []string) subscription.StatusChange {
	var c subscription.StatusChange
	if v, ok := o.Choice(reasonKey, false, reasons...); ok {
		c.Reason = &v
	}
	if reasonKey == "paused_reason" {
		if v, ok := o.Date("pause_until", false, true); ok && v != nil {
			c.PauseUntil = v
		}
	}
	c.Description, _ = o.String("status_description", input.StrOpt{Max: 512})
	c.Errs = fieldErrors(o)
	return c
}
