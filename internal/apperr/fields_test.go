package apperr

import (
	"reflect"
	"testing"
)

func TestFieldsCollects(t *testing.T) {
	var fe Fields
	if !fe.OK() || fe.Err() != nil {
		t.Fatal("a new collector has errors")
	}
	fe.Add("date", "first")
	fe.Add("date", "second")
	fe.Nest("lines", []any{map[string]any{}, map[string]any{"name": []string{MsgRequired}}})
	fe.Add("note", "too long")
	if !fe.Has("date") || fe.Has("status") {
		t.Error("Has is wrong")
	}
	if got := fe.Map()["date"]; !reflect.DeepEqual(got, []string{"first", "second"}) {
		t.Errorf("date = %v: messages keep their order", got)
	}
	only := fe.Only("date", "status")
	if !reflect.DeepEqual(only.Map(), map[string]any{"date": []string{"first", "second"}}) {
		t.Errorf("Only = %v", only.Map())
	}
	clone := fe.Clone()
	clone.Add("status", "x")
	if fe.Has("status") {
		t.Error("a clone shares its fields with the original")
	}
	fe.Drop("note", "lines")
	e, ok := As(fe.Err())
	if !ok || e.Kind != Invalid || len(e.Fields) != 1 {
		t.Errorf("Err = %v", fe.Err())
	}
}
