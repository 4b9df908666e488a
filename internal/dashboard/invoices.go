package dashboard

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/cobrobilling/cobro/internal/api"
	"github.com/cobrobilling/cobro/internal/id"
)

// invoiceData is the invoice editor and page.
type invoiceData struct {
	Inv       map[string]any // nil on the new-invoice page
	Customers []any
	Types     []any
	Lines     []map[string]string // the editor's rows
	Today     string
	Link      map[string]any // the payment link just created
}

// editorLines are the rows the line editor shows: the posted ones after
// an error, the invoice's, or one empty row.
func editorLines(r *http.Request, inv map[string]any) []map[string]string {
	var out []map[string]string
	if r.Method == http.MethodPost {
		names, qty, amt := r.PostForm["line_name"], r.PostForm["line_quantity"], r.PostForm["line_amount"]
		for i := range names {
			out = append(out, map[string]string{"name": names[i], "quantity": at(qty, i), "amount": at(amt, i)})
		}
	} else if inv != nil {
		for _, l := range list(inv["lines"]) {
			out = append(out, map[string]string{"id": str(field(l, "id")), "name": str(field(l, "name")), "quantity": str(field(l, "quantity")), "amount": str(field(l, "amount"))})
		}
	}
	if len(out) == 0 {
		out = append(out, map[string]string{"quantity": "1"})
	}
	return out
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

func list(v any) []any { l, _ := v.([]any); return l }

// invoiceBody turns the editor's form into the API's create body
// (docs/documents.md#13-create-body); blank rows are skipped.
func invoiceBody(r *http.Request, creating bool) map[string]any {
	body := map[string]any{}
	fields := []string{"date", "due_date", "note"}
	if creating {
		fields = append(fields, "customer", "document")
	}
	for _, k := range fields {
		if v := strings.TrimSpace(r.PostFormValue(k)); v != "" {
			body[k] = v
		}
	}
	var lines []any
	names, qty, amt := r.PostForm["line_name"], r.PostForm["line_quantity"], r.PostForm["line_amount"]
	for i := range names {
		if strings.TrimSpace(names[i]) == "" && strings.TrimSpace(at(amt, i)) == "" {
			continue
		}
		lines = append(lines, map[string]any{"name": strings.TrimSpace(names[i]), "quantity": strings.TrimSpace(at(qty, i)), "amount": strings.TrimSpace(at(amt, i))})
	}
	body["lines"] = lines
	return body
}

// editor fills the customers and document types the form offers.
func (p *page) editor(inv map[string]any) *invoiceData {
	data := &invoiceData{Inv: inv, Lines: editorLines(p.R, inv), Today: p.d.Clock.Now().In(p.S.Scope.Loc).Format("2006-01-02")}
	if inv == nil {
		cs, _ := p.get("/customers/?" + url.Values{"status": {"active"}, "page_size": {"100"}, "ordering": {"name"}}.Encode())
		data.Customers = list(cs["results"])
		ts, _ := p.get("/generals/documents/?" + url.Values{"kind": {"invoice"}, "is_sale": {"true"}, "country": {p.S.Scope.Country}, "page_size": {"100"}}.Encode())
		data.Types = list(ts["results"])
	}
	return data
}

func (d *Dashboard) newInvoice(p *page) error {
	return p.render(http.StatusOK, "invoice_new", &view{Title: tr(p.Lang, "invoice"), Section: "invoices", Data: p.editor(nil),
		Form: map[string]string{"idem": id.Random(24), "customer": p.R.URL.Query().Get("customer")}})
}

// createInvoice posts the editor to POST /invoices/: a draft whose totals
// the API computes, shown on its page.
func (d *Dashboard) createInvoice(p *page) error {
	out := p.call(http.MethodPost, "/invoices/", invoiceBody(p.R, true), "Idempotency-Key", idemKey(p))
	if out.Status == http.StatusCreated {
		return p.redirect("/app/invoices/" + str(decodeObject(out.Body)["id"]))
	}
	v := &view{Title: tr(p.Lang, "invoice"), Section: "invoices", Data: p.editor(nil), Form: formValues(p.R, "customer", "document", "date", "due_date", "note", "idem")}
	v.Errors, v.Error = apiErrors(out.Body)
	return p.render(http.StatusBadRequest, "invoice_new", v)
}

func formValues(r *http.Request, names ...string) map[string]string {
	m := map[string]string{}
	for _, n := range names {
		m[n] = r.PostFormValue(n)
	}
	return m
}

func (d *Dashboard) showInvoice(p *page) error {
	inv, status := p.get("/invoices/" + url.PathEscape(p.R.PathValue("id")) + "/")
	if status != http.StatusOK {
		return p.notFound()
	}
	data := p.editor(inv)
	if lid := p.R.URL.Query().Get("link"); lid != "" {
		data.Link, _ = p.get("/payment_links/links/" + url.PathEscape(lid) + "/")
	}
	return p.render(http.StatusOK, "invoice", &view{Title: tr(p.Lang, "invoice"), Section: "invoices", Data: data,
		Error: p.R.URL.Query().Get("error"), Form: map[string]string{"idem": id.Random(24), "amount": str(inv["total_adjusted"])}})
}

// invoicePDF streams the invoice's PDF from GET /invoices/{id}/pdf/.
func (d *Dashboard) invoicePDF(p *page) error {
	out := p.call(http.MethodGet, "/invoices/"+url.PathEscape(p.R.PathValue("id"))+"/pdf/", nil, "Accept", "application/pdf")
	if out.Status != http.StatusOK || !strings.HasPrefix(out.Header.Get("Content-Type"), "application/pdf") {
		return p.notFound()
	}
	p.W.Header().Set("Content-Type", "application/pdf")
	p.W.Header().Set("Content-Disposition", `inline; filename="`+url.PathEscape(p.R.PathValue("id"))+`.pdf"`)
	_, err := p.W.Write(out.Body)
	return err
}

// invoiceAction: save the draft, finalize, a full credit note, a payment link.
func (d *Dashboard) invoiceAction(p *page) error {
	iid := url.PathEscape(p.R.PathValue("id"))
	back := "/app/invoices/" + iid
	var res api.CallResult
	switch p.R.PathValue("action") {
	case "update":
		res = p.call(http.MethodPatch, "/invoices/"+iid+"/", invoiceBody(p.R, false))
		if res.Status != http.StatusOK {
			inv, status := p.get("/invoices/" + iid + "/")
			if status != http.StatusOK {
				return p.notFound()
			}
			v := &view{Title: tr(p.Lang, "invoice"), Section: "invoices", Data: p.editor(inv), Form: map[string]string{"idem": id.Random(24)}}
			v.Errors, v.Error = apiErrors(res.Body)
			return p.render(http.StatusBadRequest, "invoice", v)
		}
	case "finalize":
		res = p.call(http.MethodPost, "/invoices/"+iid+"/finalize/", map[string]any{})
	case "credit-note":
		res = p.call(http.MethodPost, "/creditnotes/", map[string]any{"invoice": p.R.PathValue("id"), "date": p.d.Clock.Now().In(p.S.Scope.Loc).Format("2006-01-02")},
			"Idempotency-Key", idemKey(p))
		if res.Status == http.StatusCreated {
			return p.redirect("/app/credit-notes/" + str(decodeObject(res.Body)["id"]))
		}
	case "payment-link":
		inv, status := p.get("/invoices/" + iid + "/")
		if status != http.StatusOK {
			return p.notFound()
		}
		res = p.call(http.MethodPost, "/payment_links/links/", map[string]any{"invoice": p.R.PathValue("id"), "amount": strings.TrimSpace(p.R.PostFormValue("amount")),
			"currency": str(inv["currency"]), "description": firstLine(inv)}, "Idempotency-Key", idemKey(p))
		if res.Status == http.StatusCreated {
			return p.redirect(back + "?link=" + url.QueryEscape(str(decodeObject(res.Body)["id"])))
		}
	default:
		return p.notFound()
	}
	if res.Status >= 300 {
		fields, whole := apiErrors(res.Body)
		for k, m := range fields {
			whole = strings.TrimSpace(whole + " " + k + ": " + m)
		}
		return p.redirect(back + "?error=" + url.QueryEscape(whole))
	}
	return p.redirect(back)
}

// firstLine names a payment link after the invoice's first line (≤ 80).
func firstLine(inv map[string]any) string {
	name := str(field(firstOf(list(inv["lines"])), "name"))
	if name == "" {
		name = "Invoice"
	}
	if r := []rune(name); len(r) > 80 {
		name = string(r[:80])
	}
	return name
}

func firstOf(l []any) any {
	if len(l) == 0 {
		return nil
	}
	return l[0]
}
