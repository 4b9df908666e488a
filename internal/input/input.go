// Package input reads a decoded JSON object field by field the way
// Django REST Framework serializers do: each reader validates one field,
// records a field-keyed error message when it is wrong, and the caller
// returns every collected error at once.
package input

import (
	"encoding/json"
	"net/mail"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/shopspring/decimal"
)

// Object is a JSON object under validation.
type Object struct {
	m map[string]any
	// Partial is true for PATCH/PUT: absent fields are left unchanged and
	// "required" is not checked for them.
	Partial bool
	errs    map[string]any
}

// New wraps a decoded JSON object (decoded with UseNumber).
func New(m map[string]any, partial bool) *Object {
	if m == nil {
		m = map[string]any{}
	}
	return &Object{m: m, Partial: partial, errs: map[string]any{}}
}

// Raw returns the raw value of key.
func (o *Object) Raw(key string) (any, bool) { v, ok := o.m[key]; return v, ok }

// Has reports whether key is present (null included).
func (o *Object) Has(key string) bool { _, ok := o.m[key]; return ok }

// Fail records msg on field.
func (o *Object) Fail(field, msg string) {
	if prev, ok := o.errs[field].([]string); ok {
		o.errs[field] = append(prev, msg)
		return
	}
	o.errs[field] = []string{msg}
}

// FailNested records a nested error value (map or list) on field.
func (o *Object) FailNested(field string, v any) { o.errs[field] = v }

// Failed reports whether field already has an error.
func (o *Object) Failed(field string) bool { _, ok := o.errs[field]; return ok }

// OK reports whether no error was recorded.
func (o *Object) OK() bool { return len(o.errs) == 0 }

// Err returns the collected errors as a 400, or nil.
func (o *Object) Err() error { return apperr.FieldsErr(o.errs) }

// Errors exposes the collected errors (for nesting into a parent object).
func (o *Object) Errors() map[string]any { return o.errs }

// present decides what to do with key before a type check: it returns the
// raw value and true when the reader should go on. Absent and null values
// are handled here according to required/nullable.
func (o *Object) present(key string, required, nullable bool) (any, bool) {
	v, ok := o.m[key]
	if !ok {
		if required && !o.Partial {
			o.Fail(key, MsgRequired)
		}
		return nil, false
	}
	if v == nil {
		if !nullable {
			o.Fail(key, MsgNull)
		}
		return nil, false
	}
	return v, true
}

// TypeName is the Python type name DRF uses in messages for a JSON value.
func TypeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "NoneType"
	case string:
		return "str"
	case bool:
		return "bool"
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return "float"
		}
		return "int"
	case float64:
		return "float"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	}
	return "object"
}

// StrOpt configures String.
type StrOpt struct {
	Required bool
	Max      int // in Unicode characters; 0 = no limit
}

// String reads a string field. It returns (value, set): set is false when
// the field is absent or invalid. A nil value means null: optional fields
// store "" and null as null. Values are trimmed.
func (o *Object) String(key string, opt StrOpt) (*string, bool) {
	v, ok := o.present(key, opt.Required, !opt.Required)
	if !ok {
		if o.Has(key) && !opt.Required && !o.Failed(key) {
			return nil, true // explicit null on an optional field
		}
		return nil, false
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = string(x) // DRF CharField accepts numbers
	default:
		o.Fail(key, "Not a valid string.")
		return nil, false
	}
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		o.Fail(key, "Not a valid string.")
		return nil, false
	}
	if s == "" {
		if opt.Required {
			o.Fail(key, MsgBlank)
			return nil, false
		}
		return nil, true
	}
	if opt.Max > 0 && utf8.RuneCountInString(s) > opt.Max {
		o.Fail(key, MsgMaxLen(opt.Max))
		return nil, false
	}
	return &s, true
}

// Bool reads a boolean (true/false, "true"/"false"/"True"/"False"/"1"/"0", 1/0).
func (o *Object) Bool(key string, required bool) (bool, bool) {
	v, ok := o.present(key, required, false)
	if !ok {
		return false, false
	}
	b, ok := ParseBool(v)
	if !ok {
		o.Fail(key, MsgBoolean)
		return false, false
	}
	return b, true
}

// ParseBool accepts the boolean spellings of docs/conventions.md#7-data-types.
func ParseBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch x {
		case "true", "True", "1":
			return true, true
		case "false", "False", "0":
			return false, true
		}
	case json.Number:
		switch string(x) {
		case "1":
			return true, true
		case "0":
			return false, true
		}
	}
	return false, false
}

// Choice reads a string that must be one of choices.
func (o *Object) Choice(key string, required bool, choices ...string) (string, bool) {
	v, ok := o.present(key, required, false)
	if !ok {
		return "", false
	}
	s, isStr := v.(string)
	if !isStr {
		o.Fail(key, MsgChoice(ValueText(v)))
		return "", false
	}
	for _, c := range choices {
		if s == c {
			return s, true
		}
	}
	o.Fail(key, MsgChoice(s))
	return "", false
}

// ValueText is a body value as a choice message quotes it: strings and
// numbers as sent, anything else as JSON.
func ValueText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Ref reads an id reference with the given prefix. The returned id is
// syntactically valid; the caller checks that it exists in scope. A wrong
// prefix or shape gives the "does not exist" message, as DRF would.
func (o *Object) Ref(key string, required, nullable bool, valid func(string) bool) (*string, bool) {
	v, ok := o.present(key, required, nullable)
	if !ok {
		if o.Has(key) && nullable {
			return nil, true
		}
		return nil, false
	}
	s, isStr := v.(string)
	if !isStr {
		o.Fail(key, MsgPKType(TypeName(v)))
		return nil, false
	}
	if s == "" && !required && nullable {
		return nil, true
	}
	if !valid(s) {
		o.Fail(key, MsgPK(s))
		return nil, false
	}
	return &s, true
}

var emailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// Email reads an optional or required email address.
func (o *Object) Email(key string, opt StrOpt) (*string, bool) {
	return o.checkedString(key, opt, ValidEmail, MsgEmail)
}

// checkedString reads a string like String and fails it with msg when
// valid refuses it.
func (o *Object) checkedString(key string, opt StrOpt, valid func(string) bool, msg string) (*string, bool) {
	s, ok := o.String(key, opt)
	if !ok || s == nil {
		return s, ok
	}
	if !valid(*s) {
		o.Fail(key, msg)
		return nil, false
	}
	return s, true
}

// ValidEmail is a pragmatic email check: one @, a dotted domain, no spaces.
func ValidEmail(s string) bool {
	if !emailRe.MatchString(s) {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// URL reads an http(s) URL.
func (o *Object) URL(key string, opt StrOpt) (*string, bool) {
	return o.checkedString(key, opt, ValidURL, MsgURL)
}

// ValidURL accepts absolute http/https URLs with a host name.
func ValidURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || strings.Contains(h, ".") || strings.Contains(h, ":")
}

var metaKeyRe = regexp.MustCompile(`^[A-Za-z0-9_\-.]{1,40}$`)

// Metadata reads a metadata object (docs/conventions.md#7-data-types) and returns it as canonical
// JSON text. PATCH replaces the whole object.
func (o *Object) Metadata(key string) (string, bool) {
	v, ok := o.present(key, false, true)
	if !ok {
		if o.Has(key) && !o.Failed(key) {
			return "{}", true // null clears
		}
		return "", false
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		o.Fail(key, MsgDict(TypeName(v)))
		return "", false
	}
	if len(m) > 50 {
		o.Fail(key, "Ensure this object has no more than 50 keys.")
		return "", false
	}
	for k, val := range m {
		if !metaKeyRe.MatchString(k) {
			o.Fail(key, "Keys must be 1 to 40 characters of letters, digits, '_', '-' or '.'.")
			return "", false
		}
		switch x := val.(type) {
		case string:
			if utf8.RuneCountInString(x) > 500 || strings.ContainsRune(x, 0) {
				o.Fail(key, "Values must be strings of at most 500 characters, numbers or booleans.")
				return "", false
			}
		case json.Number, bool:
		default:
			o.Fail(key, "Values must be strings of at most 500 characters, numbers or booleans.")
			return "", false
		}
	}
	return CanonicalJSON(m), true
}

// CanonicalJSON encodes v with sorted keys (encoding/json sorts map keys).
func CanonicalJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// Keys returns the object's keys, sorted.
func (o *Object) Keys() []string {
	ks := make([]string, 0, len(o.m))
	for k := range o.m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Date reads a YYYY-MM-DD date.
func (o *Object) Date(key string, required, nullable bool) (*string, bool) {
	v, ok := o.present(key, required, nullable)
	if !ok {
		if o.Has(key) && nullable && !o.Failed(key) {
			return nil, true
		}
		return nil, false
	}
	s, isStr := v.(string)
	if !isStr {
		o.Fail(key, MsgDate)
		return nil, false
	}
	s = strings.TrimSpace(s)
	if s == "" && nullable {
		return nil, true
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil || len(s) != 10 {
		o.Fail(key, MsgDate)
		return nil, false
	}
	return &s, true
}

// Decimal reads a value with parse (money.ParseMoney, ParsePercent…),
// whose error text is the field message.
func (o *Object) Decimal(key string, required bool, parse func(any) (decimal.Decimal, error)) (decimal.Decimal, bool) {
	v, ok := o.present(key, required, false)
	if !ok {
		return decimal.Decimal{}, false
	}
	d, err := parse(v)
	if err != nil {
		o.Fail(key, err.Error())
		return decimal.Decimal{}, false
	}
	return d, true
}

// Sub returns the nested object under key, or records the type error.
func (o *Object) Sub(key string) (*Object, bool) {
	v, ok := o.m[key]
	if !ok || v == nil {
		return nil, false
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		o.Fail(key, MsgDict(TypeName(v)))
		return nil, false
	}
	return New(m, o.Partial), true
}

// List reads a list field; elements are returned raw.
func (o *Object) List(key string, required bool) ([]any, bool) {
	v, ok := o.present(key, required, false)
	if !ok {
		return nil, false
	}
	l, isList := v.([]any)
	if !isList {
		o.Fail(key, MsgList(TypeName(v)))
		return nil, false
	}
	return l, true
}
