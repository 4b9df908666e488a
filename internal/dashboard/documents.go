package dashboard

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/cobrobilling/cobro/internal/id"
)

// docForm is a document's create page with the line editor
// (docs/dashboard.md#2-pages): whom the document is for, its document
// types, and the header fields it posts besides the lines.
type docForm struct {
	Slug, Title, New string // the list page; words keys of the list and of the page
	API              string
	// Party is the body field naming whom the document is for, read from
	// the list Parties (value id, label PartyLabel's fields).
	Party, PartyLabel, Parties string
	Types                      string // the /generals/documents/ filter of its types
	TypeOptional               bool   // the API defaults the type
	Fields                     []input
}

// dated is a form's header fields: the document's date, then more.
func dated(more ...input) []input {
	return append([]input{{Name: "date", Label: "date", Type: "date", Required: true}}, more...)
}

var docForms = []*docForm{
	{Slug: "invoices", Title: "invoices", New: "new_invoice", API: "/invoices/", Party: "customer", PartyLabel: "name",
		Parties: "/customers/?status=active&page_size=100&ordering=name", Types: "kind=invoice&is_sale=true",
		Fields: dated(input{Name: "due_date", Label: "due_date", Type: "date"})},
	{Slug: "orders", Title: "orders", New: "new_order", API: "/orders/", Party: "customer", PartyLabel: "name",
		Parties: "/customers/?status=active&page_size=100&ordering=name", Types: "kind=order",
		Fields: dated(input{Name: "address", Label: "address", Type: "text"}, input{Name: "carrier_name", Label: "carrier_name", Type: "text"},
			input{Name: "licence_plate", Label: "licence_plate", Type: "text"}, input{Name: "note", Label: "note", Type: "text"})},
	{Slug: "purchases", Title: "purchases", New: "new_purchase", API: "/purchases/", Party: "supplier", PartyLabel: "name",
		Parties: "/suppliers/?page_size=100&ordering=name", Types: "kind=purchase",
		Fields: dated(input{Name: "number", Label: "number", Type: "integer"}, input{Name: "due_date", Label: "due_date", Type: "date"},
			input{Name: "note", Label: "note", Type: "text"})},
	{Slug: "debit-notes", Title: "debit_notes", New: "new_debit_note", API: "/debitnotes/", Party: "invoice", PartyLabel: "number",
		Parties: "/invoices/?status__in=finalized,paid,uncollectible&page_size=100&ordering=-date", Types: "kind=debit_note&is_sale=true", TypeOptional: true,
		Fields: dated(input{Name: "note", Label: "note", Type: "text"})},
}

func docFormBySlug(slug string) *docForm {
	for _, f := range docForms {
		if f.Slug == slug {
			return f
		}
	}
	return nil
}

// docData is a document create page.
type docData struct {
	F       *docForm
	Parties [][2]string // value, label
	Types   []any
	Lines   []map[string]string // the editor's rows
	Today   string
}

// docEditor fills the parties and document types the form offers.
func (p *page) docEditor(f *docForm) *docData {
	data := &docData{F: f, Lines: editorLines(p.R, nil), Today: p.d.Clock.Now().In(p.S.Scope.Loc).Format("2006-01-02")}
	parties, _ := p.get(f.Parties)
	for _, o := range list(parties["results"]) {
		label := str(field(o, f.PartyLabel))
		if f.Party == "invoice" { // an invoice is told by its number, customer and total
			label = "#" + label + " · " + str(field(o, "customer.name")) + " · " + formatMoney(p.Lang, field(o, "total"), str(field(o, "currency")))
		}
		data.Parties = append(data.Parties, [2]string{str(field(o, "id")), label})
	}
	ts, _ := p.get("/generals/documents/?" + f.Types + "&" + url.Values{"country": {p.S.Scope.Country}, "page_size": {"100"}}.Encode())
	data.Types = list(ts["results"])
	return data
}

// newDoc is GET /app/{slug}/new: the empty form, with a fresh
// Idempotency-Key and the party given in the query (?customer=…).
func (d *Dashboard) newDoc(f *docForm) handler {
	return func(p *page) error {
		return p.render(http.StatusOK, "doc_new", &view{Title: tr(p.Lang, f.New), Section: f.Slug, Data: p.docEditor(f),
			Form: map[string]string{"idem": id.Random(24), f.Party: p.R.URL.Query().Get(f.Party)}})
	}
}

// createDoc posts the form to the API: a draft whose totals the API
// computes, shown on its page; a refusal draws the form again with the
// API's messages next to their fields.
func (d *Dashboard) createDoc(f *docForm) handler {
	return func(p *page) error {
		body := editorBody(p.R, f.Fields)
		for _, k := range []string{f.Party, "document"} {
			if v := strings.TrimSpace(p.R.PostFormValue(k)); v != "" {
				body[k] = v
			}
		}
		out := p.call(http.MethodPost, f.API, body, "Idempotency-Key", idemKey(p))
		if out.Status == http.StatusCreated {
			return p.redirect("/app/" + f.Slug + "/" + str(decodeObject(out.Body)["id"]))
		}
		names := []string{f.Party, "document"}
		for _, in := range f.Fields {
			names = append(names, in.Name)
		}
		v := &view{Title: tr(p.Lang, f.New), Section: f.Slug, Data: p.docEditor(f), Form: formValues(p.R, names...)}
		v.Errors, v.Error = apiErrors(out.Body)
		v.Form["idem"] = freshKey() // the refused attempt's answer is recorded under the old key
		return p.render(http.StatusBadRequest, "doc_new", v)
	}
}

// editorBody turns a line editor's form into an API body: the header
// fields given, and the lines (blank rows skipped)
// (docs/documents.md#13-create-body).
func editorBody(r *http.Request, fields []input) map[string]any {
	body := map[string]any{}
	for _, in := range fields {
		if v := strings.TrimSpace(r.PostFormValue(in.Name)); v != "" {
			body[in.Name] = typed(in, v)
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
