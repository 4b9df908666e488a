package api

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/payment"
	"github.com/cobrobilling/cobro/internal/reminder"
)

// reminderTargets are the document fields a reminder may name.
var reminderTargets = []struct {
	field string
	kind  *document.Kind
}{{"invoice", document.Invoice}, {"order", document.Order}, {"credit_note", document.CreditNote}}

// decodeReminder reads a POST /reminders/ body (docs/documents.md#52-object-and-body), the
// named document or payment resolved.
func decodeReminder(e document.Env, o *input.Object) (reminder.Params, error) {
	var c reminder.Params
	for _, f := range []string{"invoice", "payment", "order", "credit_note"} {
		if v, ok := o.Raw(f); ok && v != nil {
			c.Named++
		}
	}
	for _, t := range reminderTargets {
		if v, ok := o.Ref(t.field, false, true, func(s string) bool { return id.Valid(t.kind.Prefix, s) }); ok && v != nil {
			d, err := document.Get(e, t.kind, *v)
			if err != nil {
				o.Fail(t.field, input.MsgPK(*v))
				continue
			}
			c.Doc, c.Field = d, t.field
		}
	}
	if v, ok := o.Ref("payment", false, true, func(s string) bool { return id.Valid("pay", s) }); ok && v != nil {
		p, err := payment.GetPayment(e, *v)
		if err != nil {
			o.Fail("payment", input.MsgPK(*v))
		} else {
			c.Payment, c.Field = p, "payment"
		}
	}
	c.Recipients = readRecipients(o)
	c.Subject, _ = o.String("subject", input.StrOpt{Max: 150})
	if v, _ := o.String("message", input.StrOpt{Required: true, Max: 5000}); v != nil {
		c.Message = *v
	}
	if raw, ok := o.Raw("action"); ok && raw != nil {
		if v, ok := o.Choice("action", false, "pay"); ok {
			c.Action = &v
		}
	}
	return c, o.Err()
}

// readRecipients reads recipient: 1 to 10 email addresses.
func readRecipients(o *input.Object) []string {
	raw, ok := o.List("recipient", true)
	if !ok {
		return nil
	}
	if len(raw) == 0 {
		o.Fail("recipient", input.MsgEmptyList)
		return nil
	}
	if len(raw) > 10 {
		o.Fail("recipient", "Ensure this field has no more than 10 elements.")
		return nil
	}
	errs := map[string]any{}
	out := make([]string, 0, len(raw))
	for i, v := range raw {
		s, isStr := v.(string)
		if !isStr || !input.ValidEmail(s) {
			errs[strconv.Itoa(i)] = []string{input.MsgEmail}
			continue
		}
		out = append(out, s)
	}
	if len(errs) > 0 {
		o.FailNested("recipient", errs)
		return nil
	}
	return out
}

// decodeReminderRule reads a reminder rule body (docs/documents.md#62-object-and-body);
// days is required on create.
func decodeReminderRule(o *input.Object, create bool) (reminder.RuleParams, error) {
	var c reminder.RuleParams
	if raw, ok := o.Raw("days"); ok || create {
		n, isInt := raw.(json.Number)
		v, err := n.Int64()
		switch {
		case !ok:
			o.Fail("days", input.MsgRequired)
		case !isInt || err != nil:
			o.Fail("days", input.MsgInteger)
		case v < -reminder.MaxRuleDays || v > reminder.MaxRuleDays:
			o.Fail("days", fmt.Sprintf("Ensure this value is between -%d and %d.", reminder.MaxRuleDays, reminder.MaxRuleDays))
		default:
			days := int(v)
			c.Days = &days
		}
	}
	if o.Has("channel") {
		if v, ok := o.Choice("channel", false, reminder.RuleChannels...); ok {
			c.Channel = &v
		}
	}
	if o.Has("action") {
		if v, ok := o.Choice("action", false, reminder.RuleActions...); ok {
			c.Action = &v
		}
	}
	if v, ok := o.String("subject", input.StrOpt{Max: 150}); ok {
		c.Subject = &v
	}
	if v, ok := o.String("message", input.StrOpt{Max: 5000}); ok {
		c.Message = &v
	}
	if o.Has("active") {
		if v, ok := o.Bool("active", false); ok {
			c.Active = &v
		}
	}
	return c, o.Err()
}
