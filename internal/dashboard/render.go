package dashboard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// view is what every page template gets.
type view struct {
	Lang       string
	Title      string
	Section    string // the nav entry to highlight
	CSRF       string
	Scope      workspace.Scope
	Workspaces []workspace.Workspace
	Content    template.HTML
	Errors     map[string]string // field → message, from the API's answer
	Error      string            // a message for the whole form
	Form       map[string]string // the values sent, shown again after an error
	Data       any
}

var funcs = template.FuncMap{
	"t":     tr,
	"money": formatMoney,
	"field": field,
	"str":   str,
	"stamp": formatStamp,
	"list":  func(v any) []any { l, _ := v.([]any); return l },
	"json": func(v any) string {
		b, _ := json.MarshalIndent(v, "", "  ")
		return string(b)
	},
	"tf":        func(lang, key string, a ...any) string { return fmt.Sprintf(tr(lang, key), a...) },
	"has":       func(m map[string]string, k string) bool { _, ok := m[k]; return ok },
	"add":       func(a, b int) int { return a + b },
	"navGroups": func() any { return navGroups },
	"secretStored": func(provider any, name string) bool {
		for _, s := range list(field(provider, "secrets")) {
			if str(s) == name {
				return true
			}
		}
		return false
	},
	"objectPage": func(row any) string {
		if slug, ok := objectSlugs[str(field(row, "object_type"))]; ok {
			return "/app/" + slug + "/" + str(field(row, "object_id"))
		}
		return ""
	},
	"resource": resourceBySlug,
	"docForm":  docFormBySlug,
	"slugs":    func(s ...string) []string { return s },
	"scalar": func(v any) bool {
		switch v.(type) {
		case map[string]any, []any:
			return false
		}
		return true
	},
	"rowsOf": func(r *resource, rows []any, lang string, loc *time.Location) any {
		return struct {
			R    *resource
			Rows []any
			Lang string
			Loc  *time.Location
		}{r, rows, lang, loc}
	},
	"linesOf": func(lines any, obj map[string]any, lang string) any {
		return struct {
			Lines          []any
			Doc            map[string]any
			Currency, Lang string
		}{list(lines), obj, docCurrency(obj), lang}
	},
	"seq": func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	},
}

// docCurrency is a document's currency: its own field, else its type's
// (orders have none of their own).
func docCurrency(obj map[string]any) string {
	if c := str(obj["currency"]); c != "" {
		return c
	}
	return str(field(obj, "document.currency.id"))
}

// field walks a dotted path through decoded JSON ("customer.name").
func field(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// str renders a decoded JSON value as text ("" for null).
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "✓"
		}
		return "—"
	case map[string]any:
		if n, ok := x["name"].(string); ok {
			return n
		}
		if id, ok := x["id"].(string); ok {
			return id
		}
	}
	return fmt.Sprint(v)
}

// formatMoney shows an amount with the currency's decimals and the
// reader's separators: 1.190 CLP, 49,90 USD in Spanish; 49.90 USD in English.
func formatMoney(lang string, v any, currency string) string {
	d, err := decimal.NewFromString(str(v))
	if err != nil {
		return str(v)
	}
	scale := int32(2)
	if c, ok := catalog.CurrencyByID(currency); ok {
		scale = money.ScaleFor(c.Rounded)
	}
	out := money.Format(d, scale, lang == "es")
	return strings.TrimSpace(out + " " + currency)
}

// formatStamp shows an RFC 3339 time in the workspace's zone.
func formatStamp(v any, loc *time.Location) string {
	t, err := time.Parse(time.RFC3339Nano, str(v))
	if err != nil {
		return str(v)
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// render writes a page inside the layout.
func (p *page) render(status int, name string, v *view) error {
	v.Lang, v.CSRF, v.Scope = p.Lang, p.S.CSRF, p.S.Scope
	ws, err := workspace.Memberships(p.R.Context(), p.d.DB, p.S.Scope.UserID)
	if err != nil {
		return err
	}
	v.Workspaces = ws
	var body bytes.Buffer
	if err := p.d.pages.ExecuteTemplate(&body, name, v); err != nil {
		return err
	}
	v.Content = template.HTML(body.String()) // rendered by html/template above: already escaped
	var out bytes.Buffer
	if err := p.d.pages.ExecuteTemplate(&out, "layout", v); err != nil {
		return err
	}
	p.W.Header().Set("Content-Type", "text/html; charset=utf-8")
	p.W.WriteHeader(status)
	_, err = p.W.Write(out.Bytes())
	return err
}

// apiErrors turns an API error body into field messages for a form
// (docs/conventions.md#12-errors): {"field": ["msg"]}, nested lines as
// "lines.0.amount", and "detail" / "non_field_errors" for the whole form.
func apiErrors(body []byte) (fields map[string]string, whole string) {
	fields = map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, sub := range x {
				key := k
				if prefix != "" {
					key = prefix + "." + k
				}
				walk(key, sub)
			}
		case []any:
			for i, sub := range x {
				if s, ok := sub.(string); ok {
					if _, seen := fields[prefix]; !seen {
						fields[prefix] = s
					}
					continue
				}
				walk(fmt.Sprintf("%s.%d", prefix, i), sub)
			}
		case string:
			fields[prefix] = x
		}
	}
	walk("", decodeObject(body))
	for _, k := range []string{"detail", "non_field_errors"} {
		if m, ok := fields[k]; ok {
			whole = m
			delete(fields, k)
		}
	}
	return fields, whole
}

// redirect answers a form post with 303 See Other.
func (p *page) redirect(to string) error {
	http.Redirect(p.W, p.R, to, http.StatusSeeOther)
	return nil
}

func (p *page) notFound() error {
	return p.render(http.StatusNotFound, "notfound", &view{Title: tr(p.Lang, "not_found")})
}
