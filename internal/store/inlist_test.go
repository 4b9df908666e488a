package store

import (
	"reflect"
	"testing"
)

func TestInList(t *testing.T) {
	args, in := InList([]any{"ws", true}, []string{"a", "b", "a", "c"})
	if in != "$3, $4, $5" {
		t.Errorf("placeholders = %q, want $3, $4, $5", in)
	}
	if want := []any{"ws", true, "a", "b", "c"}; !reflect.DeepEqual(args, want) {
		t.Errorf("args = %v, want %v", args, want)
	}
	if args, in := InList(nil, nil); in != "" || len(args) != 0 {
		t.Errorf("empty: %v %q", args, in)
	}
}
