package decode

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/opt"
	"github.com/cobrobilling/cobro/internal/supplier"
)

// Customer decodes the body of a customer create (partial false) or
// update (docs/billing.md#1-customers).
func Customer(body map[string]any, partial bool) *customer.Params {
	o := input.New(body, partial)
	p := &customer.Params{}
	if v, ok := o.String("name", input.StrOpt{Required: true, Max: 100}); ok {
		p.Name = v
	}
	// address is required on create but, once given, may not be nulled.
	if o.Has("address") {
		if raw, _ := o.Raw("address"); raw == nil {
			o.Fail("address", input.MsgNull)
		} else if v, ok := o.String("address", input.StrOpt{Required: true, Max: 64}); ok {
			p.Address = opt.Nullable[string]{Set: true, Value: v}
		}
	} else if !partial {
		o.Fail("address", input.MsgRequired)
	}
	p.Country = country(o)
	p.Email = email(o, 64)
	p.Phone = nullString(o, "phone", 16)
	if o.Has("website") {
		p.Website = website(o, 64)
	}
	p.ZipCode = nullString(o, "zip_code", 16)
	p.Manager = nullString(o, "manager", 16)
	p.Reference = nullString(o, "reference", 64)
	p.SendInvoices, p.SendCollections, p.SendVouchers = boolOf(o, "send_invoices"), boolOf(o, "send_collections"), boolOf(o, "send_vouchers")
	p.Status = choice(o, "status", customer.StatusActive, customer.StatusArchived)
	partyExtras(o, &p.Party)
	if o.Has("state") {
		p.State = nullString(o, "state", 64)
	}
	if o.Has("tax_id") {
		p.TaxID = nullString(o, "tax_id", 64)
	}
	if partial {
		if raw, has := o.Raw("test_clock"); has {
			p.TestClockGiven = true
			if s, isStr := raw.(string); isStr {
				p.TestClock = &s
			} else if raw != nil {
				p.TestClock = new(string) // never a clock id
			}
		}
	} else {
		p.TestClock, _ = o.Ref("test_clock", false, true, func(s string) bool { return id.Valid("clk", s) })
	}
	p.Errs = errsOf(o)
	return p
}

// Supplier decodes the body of a supplier create or update
// (docs/procurement.md#12-supplier-object-and-body, with its field limits).
func Supplier(body map[string]any, partial bool) *supplier.Params {
	o := input.New(body, partial)
	p := &supplier.Params{}
	if v, ok := o.String("name", input.StrOpt{Required: true, Max: 64}); ok {
		p.Name = v
	}
	p.Country = country(o)
	p.Address = nullString(o, "address", 64)
	if o.Has("email") {
		p.Email = email(o, 254) // the longest valid address
	}
	p.Phone = nullString(o, "phone", 16)
	if o.Has("website") {
		p.Website = website(o, 200)
	}
	partyExtras(o, &p.Party)
	if o.Has("state") {
		p.State = nullString(o, "state", 64)
	}
	if o.Has("tax_id") {
		p.TaxID = nullString(o, "tax_id", 32)
	}
	p.Errs = errsOf(o)
	return p
}

// partyExtras reads metadata, tax settings and currency.
func partyExtras(o *input.Object, p *customer.Party) {
	if v, ok := o.Metadata("metadata"); ok {
		raw := json.RawMessage(v)
		p.Metadata = &raw
	}
	if v, ok := TaxSettings(o); ok {
		raw := json.RawMessage(v)
		p.TaxSettings = &raw
	}
	if o.Has("currency") {
		p.Currency = nullString(o, "currency", 0)
	}
}

func country(o *input.Object) *string {
	v, _ := o.String("country", input.StrOpt{Required: true})
	return v
}

func nullString(o *input.Object, key string, max int) opt.Nullable[string] {
	v, set := o.String(key, input.StrOpt{Max: max})
	return opt.Nullable[string]{Set: set, Value: v}
}

func email(o *input.Object, max int) opt.Nullable[string] {
	n := nullString(o, "email", max)
	if n.Value != nil && !input.ValidEmail(*n.Value) {
		o.Fail("email", input.MsgEmail)
		return opt.Nullable[string]{}
	}
	return n
}

func website(o *input.Object, max int) opt.Nullable[string] {
	n := nullString(o, "website", max)
	if n.Value != nil && !input.ValidURL(*n.Value) {
		o.Fail("website", input.MsgURL)
		return opt.Nullable[string]{}
	}
	return n
}

func boolOf(o *input.Object, key string) *bool {
	if v, ok := o.Bool(key, false); ok {
		return &v
	}
	return nil
}

// TaxSettings reads a tax_settings object with the keys and limits of
// customers (docs/billing.md#1-customers), which suppliers share
// (docs/procurement.md#12-supplier-object-and-body): its canonical JSON,
// and whether the field was set.
func TaxSettings(o *input.Object) (string, bool) {
	raw, present := o.Raw("tax_settings")
	if !present {
		return "", false
	}
	if raw == nil {
		o.Fail("tax_settings", input.MsgNull)
		return "", false
	}
	m, ok := raw.(map[string]any)
	if !ok {
		o.Fail("tax_settings", input.MsgDict(input.TypeName(raw)))
		return "", false
	}
	if len(m) > 20 {
		o.Fail("tax_settings", "Ensure this object has no more than 20 keys.")
		return "", false
	}
	limits := map[string]int{"cl_activity_description": 40, "cl_commune": 20, "cl_city": 20}
	nested := map[string]any{}
	clean := map[string]any{}
	for k, v := range m {
		if max, known := limits[k]; known {
			s, isStr := v.(string)
			switch {
			case v == nil:
				continue // null drops the key
			case !isStr:
				nested[k] = []string{"Not a valid string."}
			case utf8.RuneCountInString(strings.TrimSpace(s)) > max:
				nested[k] = []string{input.MsgMaxLen(max)}
			case strings.TrimSpace(s) == "":
				continue
			default:
				clean[k] = strings.TrimSpace(s)
			}
			continue
		}
		switch v.(type) {
		case string, json.Number, bool:
			clean[k] = v
		default:
			nested[k] = []string{"Values must be strings, numbers or booleans."}
		}
	}
	if len(nested) > 0 {
		o.FailNested("tax_settings", nested)
		return "", false
	}
	return input.CanonicalJSON(clean), true
}

// Contact decodes the body of a contact create or update (docs/billing.md#2-contacts).
func Contact(body map[string]any, partial bool) *customer.ContactParams {
	o := input.New(body, partial)
	p := &customer.ContactParams{}
	p.Customer, p.CustomerGiven = owner(o, partial)
	if v, ok := o.String("name", input.StrOpt{Required: true, Max: 64}); ok {
		p.Name = v
	}
	if v, ok := o.Email("email", input.StrOpt{Required: true}); ok {
		p.Email = v
	}
	p.Phone = nullString(o, "phone", 12)
	p.Invoicing, p.Collections = boolOf(o, "invoicing"), boolOf(o, "collections")
	v, set := o.Ref("orgunit", false, true, func(s string) bool { return id.Valid("org", s) })
	p.Orgunit = opt.Nullable[string]{Set: set, Value: v}
	p.Errs = errsOf(o)
	return p
}

// Orgunit decodes the body of an orgunit create or rename (docs/billing.md#3-orgunits).
func Orgunit(body map[string]any, partial bool) *customer.OrgunitParams {
	o := input.New(body, partial)
	p := &customer.OrgunitParams{}
	p.Customer, p.CustomerGiven = owner(o, partial)
	p.Name, _ = o.String("name", input.StrOpt{Required: true, Max: 64})
	p.Errs = errsOf(o)
	return p
}

// owner reads the customer a contact or orgunit belongs to: its id on
// create; on an update the text sent, which may not differ.
func owner(o *input.Object, partial bool) (*string, bool) {
	if !partial {
		v, _ := o.Ref("customer", true, false, func(s string) bool { return id.Valid("cus", s) })
		return v, v != nil
	}
	raw, given := o.Raw("customer")
	if s, isStr := raw.(string); isStr {
		return &s, given
	}
	return nil, given
}
