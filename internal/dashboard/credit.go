package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// creditRow is one invoice line in the partial credit note form.
type creditRow struct {
	Index            int
	Name             string
	Quantity, Amount string
	Checked          bool
}

// creditRows are the invoice's lines, with the choices posted when the
// API refused them.
func creditRows(r *http.Request, inv map[string]any) []creditRow {
	posted := r.Method == http.MethodPost && r.PathValue("action") == "partial-credit"
	var out []creditRow
	for i, l := range list(inv["lines"]) {
		row := creditRow{Index: i, Name: str(field(l, "name")), Quantity: str(field(l, "quantity")), Amount: str(field(l, "amount"))}
		if posted {
			k := strconv.Itoa(i)
			row.Checked = r.PostFormValue("credit_"+k) == "on"
			row.Quantity, row.Amount = r.PostFormValue("credit_quantity_"+k), r.PostFormValue("credit_amount_"+k)
		}
		out = append(out, row)
	}
	return out
}

// creditedLine is an invoice line as a credit note line: the line's own
// name, exemption, codes and percentage discount, with the quantity and
// unit price the form gives.
func creditedLine(l any, quantity, amount string) map[string]any {
	line := map[string]any{"name": field(l, "name"), "quantity": quantity, "amount": amount}
	for _, k := range []string{"description", "exempt", "code", "code_scheme", "unit_label"} {
		if v := field(l, k); v != nil {
			line[k] = v
		}
	}
	if str(field(l, "discount_scheme")) == "%" { // an amount discount would not scale with the quantity
		line["discount"], line["discount_scheme"] = field(l, "discount"), "%"
	}
	return line
}

// partialCredit posts the lines chosen on the invoice page as a credit
// note of the invoice (docs/documents.md#23-create-body-and-rules); the
// API's messages come back next to the rows they are about.
func (p *page) partialCredit(invoiceID string) error {
	inv, status := p.get("/invoices/" + url.PathEscape(invoiceID) + "/")
	if status != http.StatusOK {
		return p.notFound()
	}
	var lines []any
	var chosen []int
	for i, l := range list(inv["lines"]) {
		k := strconv.Itoa(i)
		if p.R.PostFormValue("credit_"+k) != "on" {
			continue
		}
		lines = append(lines, creditedLine(l, strings.TrimSpace(p.R.PostFormValue("credit_quantity_"+k)), strings.TrimSpace(p.R.PostFormValue("credit_amount_"+k))))
		chosen = append(chosen, i)
	}
	if len(lines) == 0 { // an empty list would not be a partial credit
		return p.invoicePage(http.StatusBadRequest, inv, map[string]string{"credit": tr(p.Lang, "credit.none")}, "")
	}
	body := map[string]any{"invoice": invoiceID, "date": p.d.Clock.Now().In(p.S.Scope.Loc).Format("2006-01-02"), "lines": lines}
	if note := strings.TrimSpace(p.R.PostFormValue("note")); note != "" {
		body["note"] = note
	}
	res := p.call(http.MethodPost, "/creditnotes/", body, "Idempotency-Key", idemKey(p))
	if res.Status == http.StatusCreated {
		return p.redirect("/app/credit-notes/" + str(decodeObject(res.Body)["id"]))
	}
	fields, whole := apiErrors(res.Body)
	errs := map[string]string{}
	for k, m := range fields {
		var n int
		var rest string
		if _, err := fmt.Sscanf(k, "lines.%d.%s", &n, &rest); err == nil && n >= 0 && n < len(chosen) {
			errs[fmt.Sprintf("credit.%d.%s", chosen[n], rest)] = m
		} else if k == "lines" {
			errs["credit"] = m
		} else {
			errs[k] = m
		}
	}
	return p.invoicePage(http.StatusBadRequest, inv, errs, whole)
}
