package api

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strconv"
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
	c := newComponents()
	resources := s.resourceSchemas()
	paths := map[string]map[string]any{}
	for _, rt := range s.routes {
		op := map[string]any{
			"operationId": operationID(rt),
			"summary":     rt.Summary,
			"tags":        []string{rt.Tag},
			"security":    security(rt),
		}
		if params := parameters(rt); len(params) > 0 {
			op["parameters"] = params
		}
		if body := c.requestBody(rt, resources); body != nil {
			op["requestBody"] = body
		}
		responses := map[string]any{
			strconv.Itoa(rt.Status): c.response(rt, resources),
			"400":                   map[string]any{"description": "Validation error: {\"field\": [\"message\"]} or {\"detail\": \"…\"}"},
			"default":               map[string]any{"description": "Error: {\"detail\": \"…\"}"},
		}
		if alt, ok := c.alternative(rt, resources); ok {
			responses["200"] = alt
		}
		op["responses"] = responses
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
			"description": "Self-hostable billing and electronic invoicing, wire-compatible with the Piriod REST API. " +
				"The reference with every rule and error is in the repository's docs/ directory."},
		"paths": paths,
		"components": map[string]any{
			"schemas": c.schemas,
			"securitySchemes": map[string]any{
				"token":     map[string]any{"type": "apiKey", "in": "header", "name": "Authorization", "description": "Token <token>"},
				"workspace": map[string]any{"type": "apiKey", "in": "header", "name": "x-simple-workspace", "description": "Workspace id (acc_…)"},
			},
		},
	}
}

func security(rt Route) []any {
	switch rt.Auth {
	case AuthToken:
		return []any{map[string]any{"token": []string{}, "workspace": []string{}}}
	case AuthDual: // or publishable, without any header
		return []any{map[string]any{"token": []string{}, "workspace": []string{}}, map[string]any{}}
	}
	return []any{}
}

func parameters(rt Route) []any {
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	if rt.Auth == AuthToken || rt.Auth == AuthDual {
		params = append(params, map[string]any{"name": "x-piriod-test-mode", "in": "header", "required": false,
			"schema": map[string]any{"type": "string", "enum": []string{"true", "false", "1", "0"}}, "description": "Selects the test data set."})
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
	return params
}

// resourceSchemas maps each resource path ("/invoices/") to the response
// type of its routes, so that its actions (finalize, cancel …) answer it.
func (s *Server) resourceSchemas() map[string]any {
	out := map[string]any{}
	for _, rt := range s.routes {
		if rt.Schema != nil && rt.Method == "GET" && strings.HasSuffix(rt.Path, "{id}/") {
			out[strings.TrimSuffix(rt.Path, "{id}/")] = rt.Schema
		}
	}
	return out
}

// routeSchema is the response type of rt: its own, else its resource's
// for an action on one object (".../{id}/finalize/").
func routeSchema(rt Route, resources map[string]any) any {
	if rt.Schema != nil {
		return rt.Schema
	}
	if i := strings.Index(rt.Path, "{id}/"); i > 0 && !strings.HasSuffix(rt.Path, "/pdf/") && rt.Status != 204 {
		return resources[rt.Path[:i]]
	}
	return nil
}

// lastSegment names an action: "finalize" for ".../{id}/finalize/",
// "authenticate/{source_id}" when the path ends in a parameter.
func lastSegment(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	last := parts[len(parts)-1]
	if strings.HasPrefix(last, "{") && len(parts) > 1 {
		return parts[len(parts)-2] + "/" + last
	}
	return last
}

// requestBody describes the body of a POST, PATCH or PUT: the action's
// own, else the writable fields of the resource.
func (c *components) requestBody(rt Route, resources map[string]any) map[string]any {
	if rt.Method != "POST" && rt.Method != "PATCH" && rt.Method != "PUT" {
		return nil
	}
	var schema map[string]any
	mediaType := "application/json"
	if b, ok := actionBodies[lastSegment(rt.Path)]; ok && !strings.HasSuffix(rt.Path, "{id}/") {
		schema = b
		if b["description"] == "multipart/form-data" {
			mediaType = "multipart/form-data"
		}
	} else if t := routeSchema(rt, resources); t != nil {
		schema = c.input(reflect.TypeOf(t))
	}
	if schema == nil {
		schema = object(nil, "body ignored")
	}
	content := map[string]any{"schema": schema, "example": c.example(schema, "", "", 0)}
	return map[string]any{"required": rt.Method == "POST" && schema["description"] != "body ignored",
		"content": map[string]any{mediaType: content}}
}

// response describes rt's success answer with its schema and an example.
func (c *components) response(rt Route, resources map[string]any) map[string]any {
	resp := map[string]any{"description": "Success"}
	if rt.Status == 204 {
		resp["description"] = "No content"
		return resp
	}
	return c.jsonResponse(rt, resources, resp)
}

// deleteAnswers are the DELETE routes that destroy (204) or, when the
// object cannot go, keep it changed and answer it with 200
// (docs/conventions.md#15-deletion-semantics).
var deleteAnswers = map[string]string{
	"/customers/{id}/":             "A customer with activity is archived instead",
	"/payments/{id}/":              "A payment in processing or failed is cancelled instead",
	"/billers/built_in/cafs/{id}/": "A used CAF is voided instead (its remaining folios are never used)",
}

// alternative is the 200 answer of a DELETE that may keep the object.
func (c *components) alternative(rt Route, resources map[string]any) (map[string]any, bool) {
	why, ok := deleteAnswers[rt.Path]
	if !ok || rt.Method != "DELETE" {
		return nil, false
	}
	alt := Route{Method: "GET", Path: rt.Path, Status: 200}
	return c.jsonResponse(alt, resources, map[string]any{"description": why}), true
}

func (c *components) jsonResponse(rt Route, resources map[string]any, resp map[string]any) map[string]any {
	var schema map[string]any
	t := routeSchema(rt, resources)
	a, other := otherAnswers[rt.Path]
	switch {
	case t != nil:
		schema = c.ref(reflect.TypeOf(t))
	case other && a.htmlGET && rt.Method == "GET":
		resp["content"] = map[string]any{"text/html": map[string]any{"schema": str(""), "example": "<!doctype html>…"}}
		return resp
	case other && a.schema == nil:
		resp["content"] = map[string]any{a.contentType: map[string]any{"schema": str(""), "example": a.example}}
		return resp
	case other:
		schema = a.schema
	case strings.HasSuffix(rt.Path, "/pdf/"):
		schema = pdfSchema
	default:
		schema = object(nil)
	}
	if rt.List {
		schema = object(map[string]any{
			"count": integer(), "next": nullable(str("")), "previous": nullable(str("")),
			"results": map[string]any{"type": "array", "items": schema}})
		schema["required"] = []string{"count", "next", "previous", "results"}
	}
	resp["content"] = map[string]any{"application/json": map[string]any{"schema": schema, "example": c.example(schema, "", "", 0)}}
	return resp
}

// OperationID is the route's operationId in /openapi.json and its anchor
// on /docs ("post_customers").
func (rt Route) OperationID() string { return operationID(rt) }

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

// components holds the named schemas of the document and the Go types
// they were made from.
type components struct {
	schemas map[string]any
	types   map[string]reflect.Type
	names   map[reflect.Type]string
}

func newComponents() *components {
	return &components{schemas: map[string]any{}, types: map[string]reflect.Type{}, names: map[reflect.Type]string{}}
}

// schemaNames are the public names of Go types whose own name says too
// little ("View") or repeats the package.
var schemaNames = map[string]string{
	"subscription.View": "Subscription", "webhook.View": "WebhookEndpoint", "webhook.EventView": "Event",
	"webhook.Attempt": "DeliveryAttempt", "paylink.Link": "PaymentLink", "paylink.Intent": "PaymentLinkIntent",
	"paylink.PublicLink": "PublicPaymentLink", "paylink.PublicIntent": "PublicPaymentLinkIntent",
	"gateway.Info": "Gateway", "reminder.Message": "ReminderMessage", "reminder.Rule": "ReminderRule", "clsii.SettingsView": "SIISettings",
	"clsii.CertView": "Certificate", "clsii.CAFView": "CAF", "subscription.Clock": "TestClock",
	"document.NoteView": "Note", "document.PurchaseNoteView": "PurchaseCreditNote",
	"catalog.RateView": "ExchangeRate",
}

// name returns the component name of a struct type: the table above, else
// the Go name without a "View" suffix; a name another type holds already
// gets its package in front.
func (c *components) name(t reflect.Type) string {
	if n, ok := c.names[t]; ok {
		return n
	}
	pkg := t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:]
	n, ok := schemaNames[pkg+"."+t.Name()]
	if !ok {
		n = strings.TrimSuffix(t.Name(), "View")
		if n == "" {
			n = t.Name()
		}
	}
	if other, taken := c.types[n]; taken && other != t {
		n = strings.ToUpper(pkg[:1]) + pkg[1:] + n
	}
	c.names[t], c.types[n] = n, t
	return n
}

// ref returns a JSON Schema for t, registering named structs.
func (c *components) ref(t reflect.Type) map[string]any {
	isNullable := false
	for t.Kind() == reflect.Pointer {
		t, isNullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == moneyType || t == pctType || t == qtyType:
		s = map[string]any{"type": "number"}
	case t == stampType:
		s = dateTime()
	case t == nstampType:
		s = nullable(dateTime())
	case t == rawType:
		s = map[string]any{}
	case t.Kind() == reflect.String:
		s = str("")
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = integer()
	case t.Kind() == reflect.Slice:
		s = map[string]any{"type": "array", "items": c.ref(t.Elem())}
	case t.Kind() == reflect.Map:
		s = object(nil)
	case t.Kind() == reflect.Struct:
		s = map[string]any{"$ref": "#/components/schemas/" + c.register(t)}
	default:
		s = map[string]any{}
	}
	if isNullable {
		if _, ok := s["$ref"]; ok {
			return map[string]any{"oneOf": []any{s, map[string]any{"type": "null"}}}
		}
		if _, ok := s["type"].(string); ok {
			s = nullable(s)
		}
	}
	return s
}

// register adds the schema of struct t under its name and returns it.
func (c *components) register(t reflect.Type) string {
	name := c.name(t)
	if _, done := c.schemas[name]; done {
		return name
	}
	c.schemas[name] = map[string]any{} // placeholder against recursion
	props := map[string]any{}
	var required []string
	c.fields(t, props, &required)
	c.schemas[name] = map[string]any{"type": "object", "properties": props, "required": required}
	return name
}

// fields adds the JSON fields of struct t to props, those of embedded
// structs inlined as encoding/json does.
func (c *components) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			c.fields(f.Type, props, required)
			continue
		}
		if !f.IsExported() || tag == "-" || tag == "" {
			continue
		}
		props[tag] = c.ref(f.Type)
		if f.Type == rawType && (tag == "metadata" || strings.HasSuffix(tag, "_settings")) {
			props[tag] = map[string]any{"type": []string{"object", "null"}}
		}
		*required = append(*required, tag)
	}
}

// input is the request schema of a resource: the writable fields of its
// response schema (all optional: PATCH and PUT are partial) plus the
// fields that are written but never read back.
func (c *components) input(t reflect.Type) map[string]any {
	name := c.register(t)
	fields, ok := writable[name]
	if !ok {
		return nil
	}
	in := name + "Input"
	if _, done := c.schemas[in]; !done {
		all := c.schemas[name].(map[string]any)["properties"].(map[string]any)
		props := map[string]any{}
		for _, f := range fields {
			props[f] = c.writeForm(all[f])
		}
		for f, p := range writeOnly[name] {
			props[f] = p
		}
		c.schemas[in] = object(props, "The writable fields of "+name+"; read-only fields sent back are ignored.")
	}
	return map[string]any{"$ref": "#/components/schemas/" + in}
}

// readOnlyItemFields are the fields of list items (lines, tiers …) that a
// body never sets.
var readOnlyItemFields = []string{"id", "created", "updated", "test_mode", "total"}

// writeForm is the request form of a response field: an object that has
// an id is written as its id ("customer": "cus_…"); list items lose their
// read-only fields.
func (c *components) writeForm(p any) map[string]any {
	s, _ := p.(map[string]any)
	if s == nil {
		return map[string]any{}
	}
	if alts, ok := s["oneOf"].([]any); ok {
		if w := c.writeForm(alts[0]); w["type"] == "string" {
			return nullable(w)
		}
		return s
	}
	if ref, ok := s["$ref"].(string); ok {
		target, _ := c.schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
		props, _ := target["properties"].(map[string]any)
		if _, hasID := props["id"]; hasID {
			return str("id")
		}
		return s
	}
	if s["type"] == "array" {
		item, _ := s["items"].(map[string]any)
		ref, _ := item["$ref"].(string)
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		target, _ := c.schemas[name].(map[string]any)
		props, _ := target["properties"].(map[string]any)
		if props == nil {
			return s
		}
		in := name + "Input"
		if _, done := c.schemas[in]; !done {
			keep := map[string]any{}
			for f, fp := range props {
				if !slices.Contains(readOnlyItemFields, f) {
					keep[f] = fp
				}
			}
			c.schemas[in] = object(keep)
		}
		return map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/" + in}}
	}
	return s
}
