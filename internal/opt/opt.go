// Package opt holds the field type of typed update commands: a value an
// update may set, clear or leave alone.
package opt

// Nullable is a field an update may set, clear (Value nil) or leave alone
// (Set false).
type Nullable[T any] struct {
	Set   bool
	Value *T
}

// Of is a Nullable set to v.
func Of[T any](v T) Nullable[T] { return Nullable[T]{Set: true, Value: &v} }

// Apply copies a set field onto dst.
func (n Nullable[T]) Apply(dst **T) {
	if n.Set {
		*dst = n.Value
	}
}

// Assign copies *v onto dst when v is given (a command's plain field: nil
// leaves dst alone).
func Assign[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
