package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/sii/testset"
	"github.com/shopspring/decimal"
)

// siiTestSet issues the documents of the SII's certification test set
// through Cobro's API (docs/sii-certification.md): one document per case,
// in order, notes referencing the documents of earlier cases.
func (e *env) siiTestSet(args []string) int {
	fs := e.flags("sii test-set")
	file := fs.String("file", "", "the test set file the SII gave (SET.txt)")
	url := fs.String("url", e.or("COBRO_URL", "http://127.0.0.1:8080"), "Cobro's API base URL (env COBRO_URL)")
	token := fs.String("token", e.getenv("COBRO_TOKEN"), "API token (env COBRO_TOKEN)")
	ws := fs.String("workspace", e.getenv("COBRO_WORKSPACE"), "workspace id acc_… (env COBRO_WORKSPACE)")
	customer := fs.String("customer", "", "receiver of the documents: a customer id cus_… with RUT, giro, address and commune")
	own := fs.String("own-customer", "", "receiver of internal transfers (guías with IndTraslado 5): a customer cus_… with the company's own RUT; default --customer")
	supplier := fs.String("supplier", "", "seller of the facturas de compra (46): a supplier id sup_… with RUT, giro, address and commune")
	date := fs.String("date", time.Now().In(sii.Santiago()).Format("2006-01-02"), "document date")
	testMode := fs.Bool("test-mode", false, "issue in test mode (the sandbox) to rehearse")
	dryRun := fs.Bool("dry-run", false, "print the documents the set asks for and stop")
	if code, ok := e.parse(fs, args); !ok {
		return code
	}
	if e.missing("sii test-set", namedFlag{"file", file}) {
		return exitUsage
	}
	data, err := os.ReadFile(*file)
	if err != nil {
		return e.fail(err)
	}
	set, err := testset.Parse(data)
	if err != nil {
		return e.fail(fmt.Errorf("%s: %w", *file, err))
	}
	if *dryRun {
		for _, c := range set.Cases {
			fmt.Fprintf(e.stdout, "CASO %s\tCL%d\t%d items\t%s\n", c.ID, c.Type, len(c.Items), c.RefCase)
		}
		return exitOK
	}
	if e.missing("sii test-set", namedFlag{"token", token}, namedFlag{"workspace", ws}, namedFlag{"customer", customer}) {
		return exitUsage
	}
	parties := parties{customer: *customer, ownCustomer: *own, supplier: *supplier}
	if parties.ownCustomer == "" {
		parties.ownCustomer = *customer
	}
	api := &apiClient{base: strings.TrimRight(*url, "/"), token: *token, workspace: *ws, testMode: *testMode, http: &http.Client{Timeout: time.Minute}}
	issued := map[string]issuedDoc{}
	failed := 0
	fmt.Fprintf(e.stdout, "SET %s: %d cases\n", set.Attention, len(set.Cases))
	for _, c := range set.Cases {
		d, err := issueCase(e.ctx, api, c, parties, *date, issued)
		if err != nil {
			failed++
			fmt.Fprintf(e.stdout, "CASO %s\tCL%d\tnot issued: %v\n", c.ID, c.Type, err)
			continue
		}
		issued[c.ID] = d
		fmt.Fprintf(e.stdout, "CASO %s\tCL%d\t%s\tfolio %s\t%s\n", c.ID, c.Type, d.id, d.number, d.billerStatus)
		if c.Type == 52 && c.DispatchType() > 0 {
			fmt.Fprintf(e.stdout, "\tTRASLADO POR %s (TipoDespacho %d) not sent: orders have no field for it\n", c.TransportBy, c.DispatchType())
		}
		for _, m := range d.messages {
			fmt.Fprintf(e.stdout, "\t%s\n", m)
		}
	}
	if failed > 0 {
		return exitFailure
	}
	return exitOK
}

type issuedDoc struct {
	id, path, number, billerStatus string
	items                          []testset.Item
	messages                       []string // the agency's, when it answered at once
}

// apiClient calls Cobro's REST API.
type apiClient struct {
	base, token, workspace string
	testMode               bool
	http                   *http.Client
}

func (a *apiClient) post(ctx context.Context, path string, body any) (map[string]any, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Token "+a.token)
	req.Header.Set("x-simple-workspace", a.workspace)
	if a.testMode {
		req.Header.Set("x-piriod-test-mode", "true")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("POST %s: %d %s", path, resp.StatusCode, strings.TrimSpace(string(out)))
	}
	var v map[string]any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	return v, dec.Decode(&v)
}

// parties are the counterparts the set's documents go to.
type parties struct {
	customer    string // receiver of sales
	ownCustomer string // receiver of internal transfers: the company itself
	supplier    string // seller of facturas de compra
}

const (
	pathPurchases         = "/purchases/"
	pathPurchaseCredits   = "/purchases/credit-notes/"
	shippingInternalMoves = 5 // IndTraslado of a transfer between the company's own premises
)

// caseRequest is the API path and create body of one case.
func caseRequest(c testset.Case, p parties, date string, issued map[string]issuedDoc) (string, map[string]any, error) {
	doc := fmt.Sprintf("CL%d", c.Type)
	switch c.Type {
	case 33, 34, 39:
		body := map[string]any{"customer": p.customer, "document": doc, "date": date, "lines": lines(c.Items, nil)}
		if c.GlobalDiscountPct != nil {
			body["discount"], body["discount_scheme"] = json.Number(c.GlobalDiscountPct.String()), "%"
		}
		return "/invoices/", body, nil
	case 52:
		return orderBody(c, p, date)
	case 46:
		if p.supplier == "" {
			return "", nil, fmt.Errorf("a factura de compra needs --supplier (the seller, a supplier sup_…)")
		}
		body := map[string]any{"supplier": p.supplier, "document": doc, "date": date, "lines": lines(c.Items, nil)}
		if c.GlobalDiscountPct != nil {
			body["discount"], body["discount_scheme"] = json.Number(c.GlobalDiscountPct.String()), "%"
		}
		return pathPurchases, body, nil
	case 56, 61:
		ref, ok := issued[c.RefCase]
		if !ok {
			return "", nil, fmt.Errorf("the referenced case %s was not issued", c.RefCase)
		}
		switch {
		case ref.path == pathPurchases && c.Type == 61:
			body := noteBody(c, ref, date)
			body["document"] = doc
			return pathPurchaseCredits, body, nil
		case ref.path == pathPurchases || ref.path == pathPurchaseCredits:
			return "", nil, fmt.Errorf("Cobro has no debit notes on purchases: a nota de débito of the buyer (referencing case %s) cannot be issued", c.RefCase)
		case ref.path == "/orders/":
			return "", nil, fmt.Errorf("notes reference invoices, not guías de despacho (case %s)", c.RefCase)
		case c.Type == 56:
			return "/debitnotes/", noteBody(c, ref, date), nil
		}
		return "/creditnotes/", noteBody(c, ref, date), nil
	}
	return "", nil, fmt.Errorf("document type %d (%s) is not issued by this command; issue it through the API", c.Type, c.DocumentName)
}

// orderBody is a guía de despacho: IndTraslado from the case's MOTIVO,
// internal transfers to the company itself. Orders carry no discounts, so
// an item discount cannot be issued as the SII states it.
func orderBody(c testset.Case, p parties, date string) (string, map[string]any, error) {
	shipping := c.ShippingType()
	if shipping == 0 {
		return "", nil, fmt.Errorf("unknown MOTIVO %q: issue this guía through /orders/ with the right shipping_type", c.Motive)
	}
	for _, it := range c.Items {
		if it.DiscountPct != nil {
			return "", nil, fmt.Errorf("item %q has a discount, and guías de despacho (orders) carry no discounts in Cobro", it.Name)
		}
	}
	if c.GlobalDiscountPct != nil {
		return "", nil, fmt.Errorf("guías de despacho (orders) carry no global discount in Cobro")
	}
	customer := p.customer
	if shipping == shippingInternalMoves {
		customer = p.ownCustomer
	}
	return "/orders/", map[string]any{"customer": customer, "document": "CL52", "date": date, "lines": lines(c.Items, nil),
		"shipping_type": fmt.Sprint(shipping)}, nil
}

// issueCase creates and finalizes the document of one case.
func issueCase(ctx context.Context, api *apiClient, c testset.Case, p parties, date string, issued map[string]issuedDoc) (issuedDoc, error) {
	path, body, err := caseRequest(c, p, date, issued)
	if err != nil {
		return issuedDoc{}, err
	}
	created, err := api.post(ctx, path, body)
	if err != nil {
		return issuedDoc{}, err
	}
	id, _ := created["id"].(string)
	fin, err := api.post(ctx, path+id+"/finalize/", map[string]any{})
	if err != nil {
		return issuedDoc{}, err
	}
	d := issuedDoc{id: id, path: path, number: fmt.Sprint(fin["number"]), billerStatus: fmt.Sprint(fin["biller_status"]), items: c.Items}
	if ta, ok := fin["tax_agency"].(map[string]any); ok {
		if ms, ok := ta["messages"].([]any); ok {
			for _, m := range ms {
				if m, ok := m.(map[string]any); ok {
					d.messages = append(d.messages, fmt.Sprintf("%v %v", m["code"], m["text"]))
				}
			}
		}
	}
	return d, nil
}

// noteBody is a credit or debit note for a case: annulment (code 1) of
// the whole referenced document, a text correction (2) with a zero line,
// or an amount correction (3) with the case's items at the referenced
// document's prices.
func noteBody(c testset.Case, ref issuedDoc, date string) map[string]any {
	body := map[string]any{"date": date, "note": c.Reason}
	switch ref.path {
	case "/creditnotes/":
		body["credit_note"] = ref.id
	case pathPurchases:
		body["purchase"] = ref.id
	default:
		body["invoice"] = ref.id
	}
	switch c.ReferenceCode() {
	case 1:
		if ref.path != "/creditnotes/" {
			body["tax_settings"] = map[string]any{"cl_reference_code": 1}
		}
	case 2:
		name := c.Reason
		if len(ref.items) > 0 {
			name = ref.items[0].Name
		}
		body["lines"] = []any{map[string]any{"name": name, "quantity": 1, "amount": 0}}
		body["tax_settings"] = map[string]any{"cl_reference_code": 2}
	default:
		body["lines"] = lines(c.Items, ref.items)
		body["tax_settings"] = map[string]any{"cl_reference_code": 3}
	}
	return body
}

// lines are API lines for items; a missing price comes from the item of
// the same name in prices.
func lines(items, prices []testset.Item) []any {
	out := []any{}
	for _, it := range items {
		price := decimal.Zero
		if it.Price != nil {
			price = *it.Price
		} else {
			for _, p := range prices {
				if p.Name == it.Name && p.Price != nil {
					price = *p.Price
				}
			}
		}
		l := map[string]any{"name": it.Name, "quantity": json.Number(it.Quantity.String()), "amount": json.Number(price.String()), "exempt": it.Exempt}
		if it.DiscountPct != nil {
			l["discount"], l["discount_scheme"] = json.Number(it.DiscountPct.String()), "%"
		}
		out = append(out, l)
	}
	return out
}
