package apperr

import "fmt"

// Fields collects field-keyed validation errors while a command is
// checked, so every wrong field is reported at once (the Django-REST body:
// field → []string, or a nested map or list for nested objects).
type Fields struct{ m map[string]any }

// Add records msg on field, after any message already there.
func (f *Fields) Add(field, msg string) {
	if f.m == nil {
		f.m = map[string]any{}
	}
	if prev, ok := f.m[field].([]string); ok {
		f.m[field] = append(prev, msg)
		return
	}
	f.m[field] = []string{msg}
}

// Nest records a nested error value (a map for an object, a list for a
// list of objects) on field.
func (f *Fields) Nest(field string, v any) {
	if f.m == nil {
		f.m = map[string]any{}
	}
	f.m[field] = v
}

// Has reports whether field already has an error.
func (f *Fields) Has(field string) bool { _, ok := f.m[field]; return ok }

// OK reports whether nothing was recorded.
func (f *Fields) OK() bool { return len(f.m) == 0 }

// Err returns the collected errors as a 400, or nil.
func (f *Fields) Err() error { return FieldsErr(f.m) }

// Map is the collected body (nil when empty), for nesting in a parent.
func (f *Fields) Map() map[string]any { return f.m }

// Only keeps the errors of the given fields (a command that stops early
// reports the fields it looked at, not the rest).
func (f *Fields) Only(fields ...string) *Fields {
	out := &Fields{}
	for _, k := range fields {
		if v, ok := f.m[k]; ok {
			out.Nest(k, v)
		}
	}
	return out
}

// Drop forgets the errors of fields a command did not read.
func (f *Fields) Drop(fields ...string) {
	for _, k := range fields {
		delete(f.m, k)
	}
}

// Clone copies the collector (its top level).
func (f *Fields) Clone() *Fields {
	out := &Fields{}
	for k, v := range f.m {
		out.Nest(k, v)
	}
	return out
}

// Standard field messages (Django REST Framework's, exact strings).
const (
	MsgRequired  = "This field is required."
	MsgNull      = "This field may not be null."
	MsgBlank     = "This field may not be blank."
	MsgInteger   = "A valid integer is required."
	MsgEmptyList = "This list may not be empty."
	MsgNoChange  = "This field cannot be changed after creation."
)

// MsgMaxLen is the too-long message of a string field.
func MsgMaxLen(n int) string {
	return fmt.Sprintf("Ensure this field has no more than %d characters.", n)
}

// MsgChoice is the message of a value outside a field's choices.
func MsgChoice(v string) string { return fmt.Sprintf("%q is not a valid choice.", v) }

// MsgPK is the message of a reference to an object that does not exist.
func MsgPK(v string) string { return fmt.Sprintf("Invalid pk %q - object does not exist.", v) }

// MsgArchived is the message of a reference to an archived object.
func MsgArchived(object string) string { return object + " is archived." }
