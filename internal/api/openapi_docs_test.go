package api_test

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// openapiDoc is the part of /openapi.json these tests read.
type openapiDoc struct {
	Paths      map[string]map[string]openapiOp `json:"paths"`
	Components struct {
		Schemas map[string]map[string]any `json:"schemas"`
	} `json:"components"`
}

type openapiOp struct {
	OperationID string                 `json:"operationId"`
	RequestBody *openapiBody           `json:"requestBody"`
	Responses   map[string]openapiBody `json:"responses"`
}

type openapiBody struct {
	Description string `json:"description"`
	Content     map[string]struct {
		Schema  map[string]any `json:"schema"`
		Example any            `json:"example"`
	} `json:"content"`
}

// checkExample reports where example does not have the shape of schema:
// a type that differs, a property the schema does not have, a required
// property missing, a reference to no schema.
func checkExample(doc *openapiDoc, schema map[string]any, example any, at string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		target, found := doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
		if !found {
			return []string{at + ": no schema " + ref}
		}
		return checkExample(doc, target, example, at)
	}
	if alts, ok := schema["oneOf"].([]any); ok {
		if example == nil {
			return nil
		}
		return checkExample(doc, alts[0].(map[string]any), example, at)
	}
	types := map[string]bool{}
	switch t := schema["type"].(type) {
	case string:
		types[t] = true
	case []any:
		for _, x := range t {
			types[x.(string)] = true
		}
	}
	if len(types) == 0 { // any value
		return nil
	}
	var probs []string
	switch v := example.(type) {
	case nil:
		if !types["null"] {
			probs = append(probs, at+": null where the schema does not allow it")
		}
	case map[string]any:
		if !types["object"] {
			return []string{fmt.Sprintf("%s: an object where the schema says %v", at, schema["type"])}
		}
		props, _ := schema["properties"].(map[string]any)
		for k, pv := range v {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if props != nil {
					probs = append(probs, at+"."+k+": not in the schema")
				}
				continue
			}
			probs = append(probs, checkExample(doc, ps, pv, at+"."+k)...)
		}
		req, _ := schema["required"].([]any)
		for _, r := range req {
			if _, ok := v[r.(string)]; !ok {
				probs = append(probs, at+"."+r.(string)+": required, missing from the example")
			}
		}
	case []any:
		if !types["array"] {
			return []string{at + ": a list where the schema says otherwise"}
		}
		items, _ := schema["items"].(map[string]any)
		for i, it := range v {
			probs = append(probs, checkExample(doc, items, it, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case string:
		if !types["string"] {
			probs = append(probs, at+": a string where the schema says otherwise")
		}
	case float64:
		if !types["number"] && !types["integer"] {
			probs = append(probs, at+": a number where the schema says otherwise")
		}
	case bool:
		if !types["boolean"] {
			probs = append(probs, at+": a boolean where the schema says otherwise")
		}
	}
	return probs
}

// /openapi.json gives every POST, PATCH and PUT a request body schema
// with an example, and every route a success answer with a schema and an
// example (a 204 has no body to describe); each example has the shape of
// its schema.
func TestOpenAPISchemasAndExamples(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		r := e.Anonymous().Get("/openapi.json")
		r.Expect(200)
		var doc openapiDoc
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			t.Fatal(err)
		}
		for _, rt := range e.Server.Routes() {
			op := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
			name := rt.Method + " " + rt.Path
			if rt.Method == "POST" || rt.Method == "PATCH" || rt.Method == "PUT" {
				if op.RequestBody == nil || len(op.RequestBody.Content) == 0 {
					t.Errorf("%s: no request body", name)
				}
				for mt, c := range op.RequestBody.Content {
					if len(c.Schema) == 0 || c.Example == nil {
						t.Errorf("%s: request %s without schema or example", name, mt)
					}
					for _, p := range checkExample(&doc, c.Schema, c.Example, name+" request") {
						t.Error(p)
					}
				}
			}
			success, ok := op.Responses[fmt.Sprint(rt.Status)]
			if !ok {
				t.Errorf("%s: no %d answer", name, rt.Status)
				continue
			}
			if rt.Status == 204 {
				if len(success.Content) != 0 {
					t.Errorf("%s: a 204 with a body", name)
				}
				continue
			}
			if len(success.Content) == 0 {
				t.Errorf("%s: answer %d has no schema", name, rt.Status)
			}
			for mt, c := range success.Content {
				if len(c.Schema) == 0 || c.Example == nil {
					t.Errorf("%s: answer %s without schema or example", name, mt)
				}
				for _, p := range checkExample(&doc, c.Schema, c.Example, name+" answer") {
					t.Error(p)
				}
			}
		}
		// the resources' own schemas, spot-checked by hand
		inv := doc.Paths["/invoices/"]["post"]
		in := inv.RequestBody.Content["application/json"]
		if in.Schema["$ref"] != "#/components/schemas/InvoiceInput" {
			t.Errorf("POST /invoices/ body schema = %v", in.Schema)
		}
		if ex, _ := in.Example.(map[string]any); ex["customer"] != "cus_7fQm2LxZ0cVb8NwRkE" || ex["id"] != nil {
			t.Errorf("POST /invoices/ example: customer is written as its id, id is not written: %v", ex)
		}
		out := inv.Responses["201"].Content["application/json"]
		if ex, _ := out.Example.(map[string]any); out.Schema["$ref"] != "#/components/schemas/Invoice" || ex["id"] != "inv_2bJb5XkVfLq1Yc9RaT" {
			t.Errorf("POST /invoices/ answer: %v %v", out.Schema, ex["id"])
		}
		if _, ok := doc.Paths["/customers/{id}/"]["delete"].Responses["200"]; !ok {
			t.Error("DELETE /customers/{id}/ does not describe the archive answer (200)")
		}
		if ref := doc.Paths["/invoices/{id}/finalize/"]["post"].Responses["200"].Content["application/json"].Schema["$ref"]; ref != "#/components/schemas/Invoice" {
			t.Errorf("finalize answers %v, want the invoice", ref)
		}
	})
}

// /docs shows, for each route, its request and response schemas and
// examples, rendered on the server (the page needs no script).
func TestDocsPageShowsSchemasAndExamples(t *testing.T) {
	e := apitest.New(t, "sqlite")
	d := e.Anonymous().Get("/docs")
	if d.Status != 200 || !strings.HasPrefix(d.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/docs: %d %s", d.Status, d.Header.Get("Content-Type"))
	}
	page := string(d.Body)
	if strings.Contains(page, "<script") {
		t.Error("/docs runs a script")
	}
	for _, rt := range e.Server.Routes() {
		name := rt.Method + " " + rt.Path
		start := strings.Index(page, `<details class="op" id="`+rt.OperationID()+`">`)
		if start < 0 {
			t.Errorf("%s: not on /docs", name)
			continue
		}
		block := page[start:]
		block = block[:strings.Index(block, "</details>")]
		if !strings.Contains(block, html.EscapeString(rt.Path)) || !strings.Contains(block, html.EscapeString(rt.Summary)) {
			t.Errorf("%s: path or summary missing", name)
		}
		if (rt.Method == "POST" || rt.Method == "PATCH" || rt.Method == "PUT") && !strings.Contains(block, "Request body") {
			t.Errorf("%s: no request body on /docs", name)
		}
		if rt.Status != 204 && (!strings.Contains(block, "Response <span class=\"status\">") || !strings.Contains(block, "<pre>")) {
			t.Errorf("%s: no response schema or example on /docs", name)
		}
	}
	post := page[strings.Index(page, `id="post_customers"`):]
	post = post[:strings.Index(post, "</details>")]
	for _, want := range []string{`href="#schema-CustomerInput"`, "<td>tax_id</td>", "&#34;email&#34;: &#34;billing@example.com&#34;",
		`href="#schema-Customer"`, "<td>aggregations</td>", "&#34;id&#34;: &#34;cus_2bJb5XkVfLq1Yc9RaT&#34;"} {
		if !strings.Contains(post, want) {
			t.Errorf("POST /customers/ on /docs lacks %s", want)
		}
	}
	if !strings.Contains(page, `<section class="schema" id="schema-Invoice">`) {
		t.Error("/docs has no Invoice schema section")
	}
}
