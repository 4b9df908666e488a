package dashboard

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/cobrobilling/cobro/internal/api"
	"github.com/cobrobilling/cobro/internal/id"
)

// invoiceData is an invoice's page.
type invoiceData struct {
	Inv    map[string]any
	Lines  []map[string]string // the draft editor's rows
	Link   map[string]any      // the payment link just created
	Credit []creditRow         // the partial credit note form's rows
}

// editorLines are the rows the line editor shows: the posted ones after
// an error, the document's, or one empty row.
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

// invoiceFields are the header fields the draft editor saves.
var invoiceFields = []input{{Name: "date"}, {Name: "due_date"}, {Name: "note"}}

// editor is the invoice page's data: its draft editor and credit form.
func (p *page) editor(inv map[string]any) *invoiceData {
	return &invoiceData{Inv: inv, Lines: editorLines(p.R, inv), Credit: creditRows(p.R, inv)}
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
	return p.invoicePage(http.StatusOK, inv, nil, p.R.URL.Query().Get("error"))
}

// invoicePage draws an invoice with the API's messages of a refused form.
func (p *page) invoicePage(status int, inv map[string]any, errs map[string]string, msg string) error {
	data := p.editor(inv)
	if lid := p.R.URL.Query().Get("link"); lid != "" {
		data.Link, _ = p.get("/payment_links/links/" + url.PathEscape(lid) + "/")
	}
	form := map[string]string{"idem": id.Random(24), "amount": str(inv["total_adjusted"])}
	if p.R.Method == http.MethodPost {
		form["note"] = p.R.PostFormValue("note")
	}
	return p.render(status, "invoice", &view{Title: tr(p.Lang, "invoice"), Section: "invoices", Data: data, Errors: errs, Error: msg, Form: form})
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
		res = p.call(http.MethodPatch, "/invoices/"+iid+"/", editorBody(p.R, invoiceFields))
		if res.Status != http.StatusOK {
			inv, status := p.get("/invoices/" + iid + "/")
			if status != http.StatusOK {
				return p.notFound()
			}
			errs, msg := apiErrors(res.Body)
			return p.invoicePage(http.StatusBadRequest, inv, errs, msg)
		}
	case "finalize":
		res = p.call(http.MethodPost, "/invoices/"+iid+"/finalize/", map[string]any{})
	case "credit-note":
		res = p.call(http.MethodPost, "/creditnotes/", map[string]any{"invoice": p.R.PathValue("id"), "date": p.d.Clock.Now().In(p.S.Scope.Loc).Format("2006-01-02")},
			"Idempotency-Key", idemKey(p))
		if res.Status == http.StatusCreated {
			return p.redirect("/app/credit-notes/" + str(decodeObject(res.Body)["id"]))
		}
	case "partial-credit":
		return p.partialCredit(p.R.PathValue("id"))
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
