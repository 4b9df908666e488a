package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"html/template"
	"slices"
	"sort"
	"strings"
)

// The /docs page: the OpenAPI document rendered on the server for people,
// one entry per route with its parameters, request and response schemas
// and examples. It loads nothing from elsewhere.

//go:embed assets/docs.html
var docsTemplateText string

var docsTemplate = template.Must(template.New("docs").Parse(docsTemplateText))

// DocsPage returns the /docs HTML, rendered once from the OpenAPI document.
func (s *Server) DocsPage() ([]byte, error) {
	s.docsOnce.Do(func() {
		var doc map[string]any
		raw, err := s.OpenAPI()
		if err == nil { // numbers as written: 100.00 stays 100.00
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			err = dec.Decode(&doc)
		}
		if err != nil {
			s.docsErr = err
			return
		}
		var buf bytes.Buffer
		s.docsErr = docsTemplate.Execute(&buf, docsView(doc, s.routes))
		s.docsHTML = buf.Bytes()
	})
	return s.docsHTML, s.docsErr
}

type docsPage struct {
	Version string
	Tags    []docsTag
	Schemas []docsSchema
}

type docsTag struct {
	Name, Anchor string
	Ops          []docsOp
}

type docsOp struct {
	ID, Method, Path, Summary string
	Public                    bool
	Params                    []docsField
	Request                   *docsBody
	Responses                 []docsBody
}

// docsBody is a request or response body: its media type, fields and
// example.
type docsBody struct {
	Status, Description, MediaType string
	Schema                         string // the schema's name when it is a component
	Fields                         []docsField
	Example                        string
}

type docsField struct {
	Name, Type, Link, Note string
}

type docsSchema struct {
	Name        string
	Description string
	Fields      []docsField
}

func docsView(doc map[string]any, routes []Route) docsPage {
	page := docsPage{}
	if info, ok := doc["info"].(map[string]any); ok {
		page.Version, _ = info["version"].(string)
	}
	comps := nested(doc, "components", "schemas")
	paths, _ := doc["paths"].(map[string]any)
	index := map[string]int{}
	for _, rt := range routes { // the route table's order
		op, ok := nested(paths, rt.Path)[strings.ToLower(rt.Method)].(map[string]any)
		if !ok {
			continue
		}
		i, seen := index[rt.Tag]
		if !seen {
			i = len(page.Tags)
			index[rt.Tag] = i
			anchor := "tag-" + strings.ReplaceAll(strings.ToLower(rt.Tag), " ", "-")
			page.Tags = append(page.Tags, docsTag{Name: rt.Tag, Anchor: anchor})
		}
		page.Tags[i].Ops = append(page.Tags[i].Ops, docsOperation(rt.Path, rt.Method, op, comps))
	}
	for _, name := range sortedKeys(comps) {
		s := comps[name].(map[string]any)
		desc, _ := s["description"].(string)
		page.Schemas = append(page.Schemas, docsSchema{Name: name, Description: desc, Fields: schemaFields(s, comps)})
	}
	return page
}

func docsOperation(path, method string, op map[string]any, comps map[string]any) docsOp {
	o := docsOp{ID: op["operationId"].(string), Method: strings.ToUpper(method), Path: path}
	o.Summary, _ = op["summary"].(string)
	sec, _ := op["security"].([]any)
	o.Public = len(sec) == 0
	params, _ := op["parameters"].([]any)
	for _, p := range params {
		pm := p.(map[string]any)
		ps, _ := pm["schema"].(map[string]any)
		o.Params = append(o.Params, docsField{Name: pm["name"].(string), Type: typeName(ps), Note: pm["in"].(string)})
	}
	if rb, ok := op["requestBody"].(map[string]any); ok {
		b := docsContent(rb, comps)
		o.Request = &b
	}
	responses, _ := op["responses"].(map[string]any)
	for _, status := range sortedKeys(responses) {
		if !strings.HasPrefix(status, "2") && !strings.HasPrefix(status, "3") { // 303: form posts
			continue
		}
		b := docsContent(responses[status].(map[string]any), comps)
		b.Status = status
		o.Responses = append(o.Responses, b)
	}
	return o
}

// docsContent reads a requestBody or response object.
func docsContent(obj map[string]any, comps map[string]any) docsBody {
	b := docsBody{}
	b.Description, _ = obj["description"].(string)
	content, _ := obj["content"].(map[string]any)
	for _, mt := range sortedKeys(content) {
		c := content[mt].(map[string]any)
		b.MediaType = mt
		s, _ := c["schema"].(map[string]any)
		if ref, ok := s["$ref"].(string); ok {
			b.Schema = strings.TrimPrefix(ref, "#/components/schemas/")
		}
		b.Fields = schemaFields(s, comps)
		switch ex := c["example"].(type) {
		case string:
			b.Example = ex
		case nil:
		default:
			out, _ := json.MarshalIndent(ex, "", "  ")
			b.Example = string(out)
		}
		break
	}
	return b
}

// schemaFields lists the properties of a schema (resolving a reference),
// required ones first, each with its type.
func schemaFields(s map[string]any, comps map[string]any) []docsField {
	if ref, ok := s["$ref"].(string); ok {
		s, _ = comps[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
	}
	props, _ := s["properties"].(map[string]any)
	var out []docsField
	for _, name := range sortedKeys(props) {
		p, _ := props[name].(map[string]any)
		f := docsField{Name: name, Type: typeName(p), Link: refName(p)}
		f.Note, _ = p["description"].(string)
		out = append(out, f)
	}
	return out
}

// typeName is a short reading of a schema: "string (date) | null",
// "list of SaleLine", "Customer".
func typeName(s map[string]any) string {
	if s == nil {
		return "any"
	}
	if ref := refName(s); ref != "" {
		if _, ok := s["oneOf"]; ok {
			return ref + " | null"
		}
		if _, ok := s["$ref"]; ok {
			return ref
		}
	}
	var types []string
	switch t := s["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, x.(string))
		}
	}
	if len(types) == 0 {
		return "any"
	}
	main := types[0]
	switch main {
	case "array":
		items, _ := s["items"].(map[string]any)
		main = "list of " + typeName(items)
	case "string":
		if f, ok := s["format"].(string); ok {
			main += " (" + f + ")"
		}
	}
	if slices.Contains(types, "null") {
		main += " | null"
	}
	return main
}

// refName is the component a schema refers to, directly, as a nullable
// alternative or as list items.
func refName(s map[string]any) string {
	if ref, ok := s["$ref"].(string); ok {
		return strings.TrimPrefix(ref, "#/components/schemas/")
	}
	if alts, ok := s["oneOf"].([]any); ok && len(alts) > 0 {
		if a, ok := alts[0].(map[string]any); ok {
			return refName(a)
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		return refName(items)
	}
	return ""
}

func nested(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m, _ = m[k].(map[string]any)
	}
	return m
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
