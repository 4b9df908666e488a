package api

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/money"
)

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// OpenAPI returns the OpenAPI 3.1 document generated from the route
// declarations (the same list the router is built from).
func (s *Server) OpenAPI() ([]byte, error) {
	s.openapiOnce.Do(func() { s.openapiJSON, s.openapiErr = json.MarshalIndent(s.openapiDoc(), "", "  ") })
	return s.openapiJSON, s.openapiErr
}

func (s *Server) openapiDoc() map[string]any {
	schemas := map[string]any{}
	paths := map[string]map[string]any{}
	for _, rt := range s.routes {
		op := map[string]any{
			"operationId": operationID(rt),
			"summary":     rt.Summary,
			"tags":        []string{rt.Tag},
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if rt.Auth == AuthToken || rt.Auth == AuthDual {
			op["security"] = []any{map[string]any{"token": []string{}, "workspace": []string{}}}
			if rt.Auth == AuthDual { // or publishable, without any header
				op["security"] = append(op["security"].([]any), map[string]any{})
			}
			params = append(params, map[string]any{"name": "x-piriod-test-mode", "in": "header", "required": false,
				"schema": map[string]any{"type": "string", "enum": []string{"true", "false", "1", "0"}}, "description": "Selects the test data set."})
		} else {
			op["security"] = []any{}
		}
		if rt.List {
			for _, p := range []string{"page", "page_size", "limit"} {
				params = append(params, map[string]any{"name": p, "in": "query", "schema": map[string]any{"type": "integer", "minimum": 1}})
			}
			for _, p := range []string{"ordering", "search"} {
				params = append(params, map[string]any{"name": p, "in": "query", "schema": map[string]any{"type": "string"}})
			}
		}
		if rt.Method == "POST" {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "required": false, "schema": map[string]any{"type": "string", "maxLength": 255}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		var body any = map[string]any{"type": "object"}
		if rt.Schema != nil {
			body = schemaRef(reflect.TypeOf(rt.Schema), schemas)
		}
		if rt.Method == "POST" || rt.Method == "PATCH" || rt.Method == "PUT" {
			op["requestBody"] = map[string]any{"required": false, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}
		}
		resp := map[string]any{"description": "Success"}
		switch {
		case rt.Status == 204:
			resp["description"] = "Deleted (an object with activity is archived instead and returned with 200)"
		case rt.List:
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{
				"type": "object", "required": []string{"count", "next", "previous", "results"},
				"properties": map[string]any{
					"count": map[string]any{"type": "integer"}, "next": map[string]any{"type": []string{"string", "null"}},
					"previous": map[string]any{"type": []string{"string", "null"}}, "results": map[string]any{"type": "array", "items": body},
				}}}}
		default:
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": body}}
		}
		op["responses"] = map[string]any{
			itoa(rt.Status): resp,
			"400":           map[string]any{"description": "Validation error: {\"field\": [\"message\"]} or {\"detail\": \"…\"}"},
			"default":       map[string]any{"description": "Error: {\"detail\": \"…\"}"},
		}
		p := paths[rt.Path]
		if p == nil {
			p = map[string]any{}
			paths[rt.Path] = p
		}
		p[strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Cobro API", "version": s.opt.Version,
			"description": "Self-hostable billing and electronic invoicing, wire-compatible with the Piriod REST API."},
		"paths": paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"token":     map[string]any{"type": "apiKey", "in": "header", "name": "Authorization", "description": "Token <token>"},
				"workspace": map[string]any{"type": "apiKey", "in": "header", "name": "x-simple-workspace", "description": "Workspace id (acc_…)"},
			},
		},
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func operationID(rt Route) string {
	slug := strings.Trim(pathParam.ReplaceAllString(rt.Path, "by_$1"), "/")
	slug = strings.NewReplacer("/", "_", ".", "_", "-", "_").Replace(slug)
	if slug == "" {
		slug = "root"
	}
	return strings.ToLower(rt.Method) + "_" + slug
}

var (
	moneyType  = reflect.TypeOf(money.Money{})
	pctType    = reflect.TypeOf(money.Percent{})
	qtyType    = reflect.TypeOf(money.Quantity{})
	stampType  = reflect.TypeOf(clock.Stamp{})
	nstampType = reflect.TypeOf(clock.NullStamp{})
	rawType    = reflect.TypeOf(json.RawMessage{})
)

// schemaRef returns a JSON Schema for t, registering named structs in schemas.
func schemaRef(t reflect.Type, schemas map[string]any) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == moneyType || t == pctType || t == qtyType:
		s = map[string]any{"type": "number"}
	case t == stampType:
		s = map[string]any{"type": "string", "format": "date-time"}
	case t == nstampType:
		s = map[string]any{"type": []string{"string", "null"}, "format": "date-time"}
	case t == rawType:
		s = map[string]any{}
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = map[string]any{"type": "integer"}
	case t.Kind() == reflect.Slice:
		s = map[string]any{"type": "array", "items": schemaRef(t.Elem(), schemas)}
	case t.Kind() == reflect.Map:
		s = map[string]any{"type": "object"}
	case t.Kind() == reflect.Struct:
		name := t.Name()
		if _, done := schemas[name]; !done {
			schemas[name] = map[string]any{} // placeholder against recursion
			props := map[string]any{}
			var required []string
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				tag := strings.Split(f.Tag.Get("json"), ",")[0]
				if !f.IsExported() || tag == "-" || tag == "" {
					continue
				}
				props[tag] = schemaRef(f.Type, schemas)
				required = append(required, tag)
			}
			schemas[name] = map[string]any{"type": "object", "properties": props, "required": required}
		}
		s = map[string]any{"$ref": "#/components/schemas/" + name}
	default:
		s = map[string]any{}
	}
	if nullable {
		if typ, ok := s["type"].(string); ok {
			s["type"] = []string{typ, "null"}
		} else if ref, ok := s["$ref"]; ok {
			s = map[string]any{"oneOf": []any{map[string]any{"$ref": ref}, map[string]any{"type": "null"}}}
		}
	}
	return s
}
