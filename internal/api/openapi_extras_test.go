package api

import (
	"reflect"
	"testing"
)

// The description tables beside the routes (examples.go) name only
// schemas, fields, actions and paths that exist, so a renamed field or
// route cannot leave them describing something gone.
func TestOpenAPIExtrasMatchRoutes(t *testing.T) {
	s := New(Options{})
	c := newComponents()
	for _, rt := range s.routes {
		if rt.Schema != nil {
			c.register(reflect.TypeOf(rt.Schema))
		}
	}
	for name, fields := range writable {
		schema, ok := c.schemas[name].(map[string]any)
		if !ok {
			t.Errorf("writable[%q]: no such schema", name)
			continue
		}
		props := schema["properties"].(map[string]any)
		for _, f := range fields {
			if _, ok := props[f]; !ok {
				t.Errorf("writable[%q]: %s is not a field of it", name, f)
			}
		}
	}
	segments, paths := map[string]bool{}, map[string]string{}
	for _, rt := range s.routes {
		if rt.Method == "POST" || rt.Method == "PUT" { // uploads (the logo) are PUT
			segments[lastSegment(rt.Path)] = true
		}
		paths[rt.Path+" "+rt.Method] = rt.Method
		paths[rt.Path] = rt.Method
	}
	for seg := range actionBodies {
		if !segments[seg] {
			t.Errorf("actionBodies[%q]: no POST or PUT route ends so", seg)
		}
	}
	for p := range otherAnswers {
		if _, ok := paths[p]; !ok {
			t.Errorf("otherAnswers[%q]: no such route", p)
		}
	}
	for p := range deleteAnswers {
		if _, ok := paths[p+" DELETE"]; !ok {
			t.Errorf("deleteAnswers[%q]: no such DELETE route", p)
		}
	}
}
