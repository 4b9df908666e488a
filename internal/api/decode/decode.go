// Package decode turns request bodies into the typed commands of the
// domain packages, with the per-field messages clients see (docs/conventions.md#12-errors).
// It is the HTTP edge: only the handlers in internal/api call it.
package decode

import (
	"encoding/json"
	"strings"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/shopspring/decimal"
)

// keys is the set of a body's keys, null values included.
func keys(body map[string]any) map[string]bool {
	out := make(map[string]bool, len(body))
	for k := range body {
		out[k] = true
	}
	return out
}

// errsOf is what o recorded, as a collector (nil when nothing).
func errsOf(o *input.Object) *apperr.Fields {
	if o.OK() {
		return nil
	}
	fe := &apperr.Fields{}
	for k, v := range o.Errors() {
		fe.Nest(k, v)
	}
	return fe
}

// str reads an optional string: nil when absent, invalid, null or blank.
func str(o *input.Object, key string, max int) *string {
	v, _ := o.String(key, input.StrOpt{Max: max})
	return v
}

// nullable reads an optional string an update may clear.
func nullable(o *input.Object, key string, max int) (set bool, v *string) {
	v, set = o.String(key, input.StrOpt{Max: max})
	return set, v
}

// decimalOf reads an optional decimal with parse.
func decimalOf(o *input.Object, key string, required bool, parse func(any) (decimal.Decimal, error)) *decimal.Decimal {
	if v, ok := o.Decimal(key, required, parse); ok {
		return &v
	}
	return nil
}

// choice reads an optional choice.
func choice(o *input.Object, key string, choices ...string) *string {
	if v, ok := o.Choice(key, false, choices...); ok {
		return &v
	}
	return nil
}

// TypeRef reads a "document" field naming a document type: a type id or
// an integer (JSON number or digits), returned as text for the domain to
// resolve. ok is false when absent or wrong (the error is recorded).
func TypeRef(o *input.Object, required bool) (string, bool) {
	raw, present := o.Raw("document")
	if !present {
		if required && !o.Partial {
			o.Fail("document", input.MsgRequired)
		}
		return "", false
	}
	switch v := raw.(type) {
	case nil:
		o.Fail("document", input.MsgNull)
	case string:
		return strings.TrimSpace(v), true
	case json.Number:
		return string(v), true
	default:
		o.Fail("document", input.MsgPKType(input.TypeName(raw)))
	}
	return "", false
}
