// Package apperr holds Cobro's typed application errors. Every layer returns
// these; internal/api maps them to HTTP status and the Django-REST body in
// exactly one place. Anything that is not an *Error is an internal fault.
package apperr

import (
	"errors"
	"fmt"
	"sort"
)

// Kind is the small set of error classes the API distinguishes.
type Kind int

const (
	Invalid          Kind = iota + 1 // 400 with field errors or detail
	Unauthenticated                  // 401
	Forbidden                        // 403
	NotFound                         // 404
	MethodNotAllowed                 // 405
	Conflict                         // 409 (idempotency only)
	TooLarge                         // 413
	UnsupportedMedia                 // 415
	Throttled                        // 429
	Unavailable                      // 503
)

// Error is a client-facing error. Either Detail or Fields is set.
type Error struct {
	Kind   Kind
	Detail string
	// Fields is the Django-REST validation body: field → []string, or a
	// nested map for nested objects, or a list for lists of objects.
	Fields map[string]any
	// Header carries extra response headers (Allow, Retry-After…).
	Header map[string]string
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Detail
	}
	return fmt.Sprintf("validation error: %v", e.Fields)
}

// As extracts an *Error from err.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

func NotFoundErr() *Error { return &Error{Kind: NotFound, Detail: "Not found."} }

// Field returns a 400 with one message on one field.
func Field(field, msg string) *Error {
	return &Error{Kind: Invalid, Fields: map[string]any{field: []string{msg}}}
}

// NonField returns a 400 {"non_field_errors": [msg]}.
func NonField(msg string) *Error { return Field("non_field_errors", msg) }

// Fields wraps a collected field-error map (nil when empty).
func FieldsErr(f map[string]any) error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Fields: f}
}

// Detail returns an error of the kind with a {"detail": msg} body.
func Detail(kind Kind, msg string) *Error { return &Error{Kind: kind, Detail: msg} }

// Message is the first message of field in a validation error ("" = the
// first of any field), else the error's text: for callers that pass a
// refusal on under another field.
func (e *Error) Message(field string) string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		if field == "" || k == field {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if m := firstMessage(e.Fields[k]); m != "" {
			return m
		}
	}
	return e.Error()
}

// firstMessage is the first message of an error value, looking into the
// nested errors of lists and objects (a line's, a reference's).
func firstMessage(v any) string {
	switch m := v.(type) {
	case string:
		return m
	case []string:
		if len(m) > 0 {
			return m[0]
		}
	case []any:
		for _, x := range m {
			if s := firstMessage(x); s != "" {
				return s
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s := firstMessage(m[k]); s != "" {
				return s
			}
		}
	}
	return ""
}
