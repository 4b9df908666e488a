package api

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/payment"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// Request bodies of payments (docs/payments.md#3-payments) decoded into payment
// commands: each field on its own, references resolved in the scope.

const msgPositive = "Ensure this value is greater than 0."

// anyID accepts any string as an id: the lookup says whether it exists.
func anyID(string) bool { return true }

// decodePayment reads a POST /payments/ body.
func decodePayment(e payment.Env, o *input.Object) (payment.CreateParams, error) {
	var c payment.CreateParams
	if v, ok := o.Decimal("amount", true, money.ParseMoney); ok {
		if v.Sign() <= 0 {
			o.Fail("amount", msgPositive)
		}
		c.Amount = v
	}
	if v, ok := o.String("currency", input.StrOpt{Required: true}); ok && v != nil {
		if cur, found := catalog.CurrencyByID(*v); found && cur.Available {
			c.Currency = *v
		} else {
			o.Fail("currency", input.MsgPK(*v))
		}
	}
	checkAmountScale(o, c.Amount, c.Currency)
	if raw, present := o.Raw("status"); present && raw != nil {
		switch s, _ := raw.(string); s {
		case payment.RequiresPaymentMethod:
		case payment.Succeeded:
			c.Record = true
		default:
			o.Fail("status", "Only requires_payment_method or succeeded can be set on create.")
		}
	}
	if v, ok := o.Date("date", true, false); ok && v != nil {
		c.Date = *v
		if !c.Record && c.Date < payment.Today(e) {
			o.Fail("date", "Date must be today or later.")
		}
	}
	if v, ok := o.String("description", input.StrOpt{Required: true, Max: 256}); ok && v != nil {
		c.Description = *v
	}
	if raw, present := o.Raw("payment_date"); present && raw != nil {
		s, isStr := raw.(string)
		t, err := list.ParseDateTime(s, scopeLoc(e.Scope))
		switch {
		case !isStr || err != nil:
			o.Fail("payment_date", input.MsgDateTime)
		case !c.Record:
			o.Fail("payment_date", "Only recorded payments (status succeeded) take a payment_date.")
		default:
			v := t.UnixMicro()
			c.PaymentDate = &v
		}
	}
	decodePaymentOptions(o, &c.ReturnURL, &c.EnableCheckout, &c.Metadata)
	if err := decodePaymentRefs(e, o, &c); err != nil {
		return c, err
	}
	c.Sources = sourceIDs(o)
	return c, o.Err()
}

// decodePaymentOptions reads the fields a payment takes on create and on
// update alike.
func decodePaymentOptions(o *input.Object, returnURL **string, checkout *bool, metadata *json.RawMessage) {
	if v, ok := o.URL("return_url", input.StrOpt{Max: 2048}); ok {
		*returnURL = v
	}
	if v, ok := o.Bool("enable_checkout", false); ok {
		*checkout = v
	}
	if v, ok := o.Metadata("metadata"); ok {
		*metadata = json.RawMessage(v)
	}
}

// decodePaymentRefs resolves invoice (locked) and customer.
func decodePaymentRefs(e payment.Env, o *input.Object, c *payment.CreateParams) error {
	if v, ok := o.Ref("invoice", false, true, anyID); ok && v != nil {
		inv, err := document.Lock(e, document.Invoice, *v)
		if ae, isApp := apperr.As(err); isApp && ae.Kind == apperr.NotFound {
			o.Fail("invoice", input.MsgPK(*v))
		} else if err != nil {
			return err
		} else {
			c.Invoice = inv
			if msg := payment.InvoiceRefused(inv); msg != "" {
				o.Fail("invoice", msg)
			}
		}
	}
	if v, ok := o.Ref("customer", false, true, anyID); ok && v != nil {
		cu, msg, err := customer.Ref(e.Ctx, e.Q, e.D, e.Scope, *v, false)
		switch {
		case err != nil:
			return err
		case msg != "":
			o.Fail("customer", msg)
		default:
			c.CustomerID = &cu.ID
		}
	}
	return nil
}

// sourceIDs reads source and sources (either or both; source first).
func sourceIDs(o *input.Object) []string {
	var out []string
	if v, ok := o.Ref("source", false, true, anyID); ok && v != nil {
		out = append(out, *v)
	}
	if l, ok := o.List("sources", false); ok {
		for _, x := range l {
			s, isStr := x.(string)
			if !isStr {
				o.Fail("sources", input.MsgPKType(input.TypeName(x)))
				return nil
			}
			if len(out) == 0 || out[0] != s {
				out = append(out, s)
			}
		}
	}
	return out
}

// checkAmountScale refuses more decimals than the currency has.
func checkAmountScale(o *input.Object, amount decimal.Decimal, currency string) {
	cur, found := catalog.CurrencyByID(currency)
	if !found || o.Failed("amount") {
		return
	}
	if err := money.CheckScale(amount, money.ScaleFor(cur.Rounded)); err != nil {
		o.Fail("amount", err.Error())
	}
}

// decodePaymentPatch reads a PATCH/PUT /payments/{id} body. Which fields
// may change depends on the payment, so decoding errors travel in the
// patch (Errs) and are reported with those rules.
func decodePaymentPatch(e payment.Env, o *input.Object) payment.Patch {
	c := payment.Patch{Given: given(o)}
	if raw, present := o.Raw("status"); present {
		s, _ := raw.(string)
		c.Status = &s
		if raw == nil || !isString(raw) {
			c.Status = nil
		}
	}
	if v, ok := o.String("description", input.StrOpt{Required: true, Max: 256}); ok && v != nil {
		c.Description = v
	}
	var returnURL *string
	var checkout bool
	var metadata json.RawMessage
	decodePaymentOptions(o, &returnURL, &checkout, &metadata)
	if o.Has("return_url") && !o.Failed("return_url") {
		c.ReturnURL = &returnURL
	}
	if o.Has("enable_checkout") && !o.Failed("enable_checkout") {
		c.EnableCheckout = &checkout
	}
	if metadata != nil {
		c.Metadata = &metadata
	}
	if o.Has("amount") {
		if v, ok := o.Decimal("amount", true, money.ParseMoney); ok {
			if v.Sign() <= 0 {
				o.Fail("amount", msgPositive)
			}
			c.Amount = &v
		}
	}
	if o.Has("date") {
		if v, ok := o.Date("date", true, false); ok && v != nil {
			if *v < payment.Today(e) {
				o.Fail("date", "Date must be today or later.")
			}
			c.Date = v
		}
	}
	if o.Has("currency") {
		if v, ok := o.String("currency", input.StrOpt{Required: true}); ok && v != nil {
			c.Currency = v
		}
	}
	c.Invoice, c.Customer = rawString(o, "invoice"), rawString(o, "customer")
	c.Errs = fieldErrors(o)
	return c
}

// given is the set of fields a body carried (null included).
func given(o *input.Object) map[string]bool {
	out := map[string]bool{}
	for _, k := range o.Keys() {
		out[k] = true
	}
	return out
}

func isString(v any) bool { _, ok := v.(string); return ok }

// rawString is the string sent for key, or nil (absent, null or not a
// string).
func rawString(o *input.Object, key string) *string {
	raw, _ := o.Raw(key)
	if s, ok := raw.(string); ok {
		return &s
	}
	return nil
}

// fieldErrors moves the errors decoding recorded into a command.
func fieldErrors(o *input.Object) *apperr.Fields {
	f := &apperr.Fields{}
	for k, v := range o.Errors() {
		f.Nest(k, v)
	}
	return f
}

// scopeLoc is the workspace's time zone (UTC when unset).
func scopeLoc(sc workspace.Scope) *time.Location {
	if sc.Loc == nil {
		return time.UTC
	}
	return sc.Loc
}

// decodeSource reads a POST /sources/ body; pay is the payment of a
// payer's publishable call. The gateway's own fields (card, method) are
// passed on for the gateway to check.
func decodeSource(e payment.Env, o *input.Object, pay *payment.Payment) (payment.SourceParams, error) {
	c := payment.SourceParams{Payment: pay, Setup: setupParams(o)}
	if v, ok := o.String("gateway", input.StrOpt{Required: true}); ok && v != nil {
		g, msg, err := payment.GatewayFor(e, *v)
		switch {
		case err != nil:
			return c, err
		case msg != "":
			o.Fail("gateway", msg)
		default:
			c.Gateway = g
		}
	}
	c.Usage = "single"
	if v, ok := o.Choice("usage", false, "single", "reusable"); ok {
		c.Usage = v
	}
	if c.Gateway != nil && !o.Failed("usage") && !c.Gateway.Info().AllowsUsage(c.Usage) {
		o.Fail("usage", fmt.Sprintf("The %s gateway only supports single-use sources.", c.Gateway.Info().ID))
	}
	if pay == nil {
		if v, ok := o.Ref("customer", false, true, anyID); ok && v != nil {
			cu, msg, err := customer.Ref(e.Ctx, e.Q, e.D, e.Scope, *v, false)
			switch {
			case err != nil:
				return c, err
			case msg != "":
				o.Fail("customer", msg)
			default:
				c.CustomerID = cu.ID
			}
		}
	} else if pay.CustomerID != nil {
		c.CustomerID = *pay.CustomerID
	}
	if c.Usage == "reusable" && c.CustomerID == "" && !o.Failed("customer") && !o.Failed("usage") {
		o.Fail("customer", "Required for reusable sources.")
	}
	decodeSourceOptions(o, &c)
	c.Errs = fieldErrors(o)
	return c, nil
}

// decodeSourceOptions reads amount, description, return_url, client and
// metadata.
func decodeSourceOptions(o *input.Object, c *payment.SourceParams) {
	if raw, present := o.Raw("amount"); present && raw != nil {
		if v, ok := o.Decimal("amount", false, money.ParseMoney); ok {
			switch {
			case c.Usage == "reusable":
				o.Fail("amount", "Only single-use sources have an amount.")
			case v.Sign() <= 0:
				o.Fail("amount", msgPositive)
			default:
				m := money.NewMoney(v)
				c.Amount = &m
			}
		}
	}
	if v, ok := o.String("description", input.StrOpt{Max: 256}); ok {
		c.Description = v
	}
	if v, ok := o.URL("return_url", input.StrOpt{Max: 2048}); ok {
		c.ReturnURL = v
	}
	if raw, present := o.Raw("client"); present && raw != nil {
		if m, ok := raw.(map[string]any); ok {
			c.Client = json.RawMessage(input.CanonicalJSON(m))
		} else {
			o.Fail("client", input.MsgDict(input.TypeName(raw)))
		}
	}
	if v, ok := o.Metadata("metadata"); ok {
		c.Metadata = json.RawMessage(v)
	}
}

// setupParams reads the gateway fields of a source body as sent.
func setupParams(o *input.Object) gateway.SetupParams {
	var p gateway.SetupParams
	if raw, present := o.Raw("card"); present && raw != nil {
		if m, ok := raw.(map[string]any); ok {
			p.Card = m
		} else {
			p.CardNotObject = input.MsgDict(input.TypeName(raw))
		}
	}
	if raw, present := o.Raw("method"); present {
		p.MethodGiven = true
		if s, ok := raw.(string); ok {
			p.Method = &s
		}
		if raw != nil {
			p.MethodText = input.ValueText(raw)
		}
	}
	return p
}

// decodeSourceChoice reads the source of authorize (required) and pay
// (optional).
func decodeSourceChoice(o *input.Object, required bool) payment.SourceChoice {
	var c payment.SourceChoice
	if v, ok := o.Ref("source", required, !required, anyID); ok && v != nil {
		c.Source = v
	}
	c.Errs = fieldErrors(o)
	return c
}

// decodeProviderPatch reads PATCH /providers/{id}/: every key but
// "default" is a setting of the gateway, a string (null clears it); the
// gateway's schema judges the names and values.
func decodeProviderPatch(o *input.Object) gateway.ProviderPatch {
	c := gateway.ProviderPatch{Values: map[string]*string{}}
	for _, k := range o.Keys() {
		if k == "default" {
			if v, ok := o.Bool("default", false); ok {
				c.Default = &v
			}
			continue
		}
		raw, _ := o.Raw(k)
		switch v := raw.(type) {
		case nil:
			c.Values[k] = nil
		case string:
			c.Values[k] = &v
		default:
			o.Fail(k, "Not a valid string.")
		}
	}
	c.Errs = fieldErrors(o)
	return c
}
