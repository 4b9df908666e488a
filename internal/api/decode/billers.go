package decode

import (
	"encoding/json"
	"strings"

	"github.com/cobrobilling/cobro/internal/biller/clsii"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/opt"
)

// SIISettings decodes the body that updates the SII biller settings
// (docs/tax-agency.md#21-settings-object; PATCH and PUT alike are partial).
func SIISettings(body map[string]any) *clsii.SettingsPatch {
	o := input.New(body, true)
	p := &clsii.SettingsPatch{}
	if v, ok := o.String("rut", input.StrOpt{Required: true, Max: 12}); ok {
		p.RUT = v
	}
	for _, f := range []struct {
		key      string
		max      int
		required bool
		dst      *opt.Nullable[string]
	}{
		{"business_name", 100, true, &p.BusinessName}, {"activity_description", 80, true, &p.ActivityDescription},
		{"address", 70, true, &p.Address}, {"commune", 20, true, &p.Commune}, {"city", 20, false, &p.City},
		{"sii_office", 40, false, &p.SIIOffice},
	} {
		v, ok := o.String(f.key, input.StrOpt{Required: f.required, Max: f.max})
		*f.dst = opt.Nullable[string]{Set: ok, Value: v}
	}
	v, ok := o.Email("email", input.StrOpt{Max: 254})
	p.Email = opt.Nullable[string]{Set: ok, Value: v}
	if raw, has := o.Raw("activity_codes"); has {
		if items, isList := raw.([]any); isList {
			p.ActivityCodesSet = true
			for _, it := range items {
				if n, ok := Int(it); ok {
					p.ActivityCodes = append(p.ActivityCodes, &n)
				} else {
					p.ActivityCodes = append(p.ActivityCodes, nil)
				}
			}
		} else {
			o.Fail("activity_codes", input.MsgList(input.TypeName(raw)))
		}
	}
	if v, ok := IntField(o, "branch_code", true); ok {
		p.BranchCode = opt.Nullable[int64]{Set: true, Value: v}
	}
	if v, ok := IntField(o, "resolution_number", false); ok {
		p.ResolutionNumber = v
	}
	if v, ok := o.Date("resolution_date", false, false); ok && v != nil {
		p.ResolutionDate = v
	}
	p.Environment = choice(o, "environment", "sandbox", "certification", "production")
	if v, ok := IntField(o, "caf_low_percent", false); ok {
		p.CAFLowPercent = v
	}
	p.Errs = errsOf(o)
	return p
}

// IntField reads an integer field (a JSON number or digits); (nil, true)
// for an explicit null when nullable.
func IntField(o *input.Object, key string, nullable bool) (*int64, bool) {
	v, has := o.Raw(key)
	if !has {
		return nil, false
	}
	if v == nil {
		if nullable {
			return nil, true
		}
		o.Fail(key, "This field may not be null.")
		return nil, false
	}
	n, ok := Int(v)
	if !ok {
		o.Fail(key, "A valid integer is required.")
		return nil, false
	}
	return &n, true
}

// Int reads an integer given as a JSON number or as digits.
func Int(v any) (int64, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
	default:
		return 0, false
	}
	var n int64
	if s == "" || len(s) > 18 {
		return 0, false
	}
	neg := false
	if s[0] == '-' {
		neg, s = true, s[1:]
	}
	if s == "" {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
