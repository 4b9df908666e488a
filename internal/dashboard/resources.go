package dashboard

import (
	"encoding/json"
	"strconv"
)

// column is one column of a list page: a dotted path into the API object.
type column struct {
	Label string // words key
	Path  string
	Kind  string // text, money, stamp, status, id
}

// input is one field of a create form: posted to the API under Name
// ("a.b" posts {"a": {"b": …}}).
type input struct {
	Name, Label, Type string // Type: text, email, number, integer, date, url, select (Choices), or a source of optionSources
	Required          bool
	Country           string   // shown only in workspaces of this country
	Choices           []string // a select's fixed values
}

// typed is a form value as the API takes it: an integer field's digits
// as a JSON number (the API refuses "7" where it wants 7), else the text.
func typed(in input, v string) any {
	if in.Type == "integer" {
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			return json.Number(v)
		}
	}
	return v
}

// optionSources fill selects from the API: the list to read, and the
// fields of each result that are the option's value and label.
var optionSources = map[string]struct{ Target, Value, Label, LabelEn string }{
	"countries":     {"/generals/countries/?page_size=100&ordering=name", "id", "name", "name_en"},
	"states":        {"/generals/states/?page_size=100&ordering=name&country={country}", "code", "name", ""},
	"customers":     {"/customers/?page_size=100&status=active&ordering=name", "id", "name", ""},
	"products":      {"/products/?page_size=100&status=active&ordering=name", "id", "name", ""},
	"plans":         {"/plans/?page_size=100&status=active&ordering=name", "id", "name", ""},
	"frequencies":   {"/frequencies/?page_size=100", "id", "name", "name_en"},
	"invoice_types": {"/generals/documents/?page_size=100&kind=invoice&is_sale=true&country={country}", "id", "name", ""},
}

// action is a button on a detail page: POST to the API's
// {path}{id}/{Name}/ (or DELETE {path}{id}/ for "delete").
type action struct {
	Name, Label, Confirm string
	When                 []string // the statuses that show it (nil: always)
}

// resource is a list page, its detail pages, and its create form.
type resource struct {
	Slug, Title, API string
	Cols             []column
	Search           bool
	Statuses         []string
	Create           []input
	Actions          []action
}

var docStatuses = []string{"draft", "pending", "finalized", "paid", "uncollectible", "cancelled"}

func docCols(party string) []column {
	return []column{{"number", "number", "text"}, {party, party + ".name", "text"}, {"date", "date", "text"},
		{"total", "total", "money"}, {"status", "status", "status"}}
}

// resources are the pages built from the API's lists and objects
// (docs/dashboard.md#2-pages); customers, invoices and payment links
// have pages of their own on top.
var resources = []*resource{
	{Slug: "customers", Title: "customers", API: "/customers/", Search: true, Statuses: []string{"active", "archived"},
		Cols: []column{{"name", "name", "id"}, {"tax_id", "tax_id", "text"}, {"email", "email", "text"}, {"balance", "aggregations.balance", "money"}, {"status", "status", "status"}},
		Create: []input{{Name: "name", Label: "name", Type: "text", Required: true}, {Name: "tax_id", Label: "tax_id", Type: "text"},
			{Name: "email", Label: "email", Type: "email"}, {Name: "phone", Label: "phone", Type: "text"}, {Name: "address", Label: "address", Type: "text", Required: true},
			{Name: "country", Label: "country", Type: "countries", Required: true}, {Name: "state", Label: "state", Type: "states"},
			{Name: "tax_settings.cl_activity_description", Label: "cl_activity", Type: "text", Country: "CL"},
			{Name: "tax_settings.cl_commune", Label: "cl_commune", Type: "text", Country: "CL"}}},
	{Slug: "invoices", Title: "invoices", API: "/invoices/", Search: true, Statuses: docStatuses, Cols: docCols("customer")},
	{Slug: "credit-notes", Title: "credit_notes", API: "/creditnotes/", Search: true, Statuses: []string{"draft", "finalized", "cancelled"}, Cols: docCols("customer"),
		Actions: []action{{Name: "finalize", Label: "finalize", Confirm: "finalize.confirm", When: []string{"draft"}}}},
	{Slug: "debit-notes", Title: "debit_notes", API: "/debitnotes/", Search: true, Statuses: []string{"draft", "finalized", "cancelled"}, Cols: docCols("customer"),
		Actions: []action{{Name: "finalize", Label: "finalize", Confirm: "finalize.confirm", When: []string{"draft"}}}},
	{Slug: "orders", Title: "orders", API: "/orders/", Search: true, Statuses: []string{"draft", "finalized", "cancelled"}, Cols: docCols("customer"),
		Actions: []action{{Name: "finalize", Label: "finalize", Confirm: "finalize.confirm", When: []string{"draft"}}, {Name: "cancel", Label: "cancel", When: []string{"finalized"}}}},
	{Slug: "subscriptions", Title: "subscriptions", API: "/subscriptions/", Search: true, Statuses: []string{"active", "paused", "needs_attention", "cancelled", "completed"},
		Cols: []column{{"customer", "customer.name", "id"}, {"frequency", "frequency", "text"}, {"next_billing", "next_billing", "text"}, {"status", "status", "status"}},
		Create: []input{{Name: "customer", Label: "customer", Type: "customers", Required: true}, {Name: "document", Label: "document_type", Type: "invoice_types", Required: true},
			{Name: "lines.0.plan", Label: "plan", Type: "plans", Required: true}, {Name: "lines.0.quantity", Label: "quantity", Type: "number"},
			{Name: "date_start", Label: "date_start", Type: "date", Required: true},
			{Name: "collection_scheme", Label: "collection_scheme", Type: "select", Choices: []string{"send_invoice", "charge_payment"}}},
		Actions: []action{{Name: "pause", Label: "pause", When: []string{"active"}}, {Name: "resume", Label: "resume", When: []string{"paused", "needs_attention"}},
			{Name: "delete", Label: "cancel", Confirm: "cancel", When: []string{"active", "paused", "needs_attention"}}}},
	{Slug: "products", Title: "products", API: "/products/", Search: true, Statuses: []string{"active", "archived"},
		Cols:   []column{{"name", "name", "id"}, {"amount", "amount", "money"}, {"status", "status", "status"}},
		Create: []input{{Name: "name", Label: "name", Type: "text", Required: true}, {Name: "unit_label", Label: "unit_label", Type: "text"}}},
	{Slug: "plans", Title: "plans", API: "/plans/", Search: true, Statuses: []string{"active", "archived"},
		Cols: []column{{"name", "name", "id"}, {"amount", "amount", "money"}, {"frequency", "frequency", "text"}, {"status", "status", "status"}},
		Create: []input{{Name: "product", Label: "product", Type: "products", Required: true}, {Name: "name", Label: "name", Type: "text", Required: true},
			{Name: "description", Label: "description", Type: "text", Required: true}, {Name: "frequency", Label: "frequency", Type: "frequencies", Required: true},
			{Name: "currency", Label: "currency", Type: "text", Required: true}, {Name: "amount", Label: "amount", Type: "number", Required: true}}},
	{Slug: "addons", Title: "addons", API: "/addons/", Search: true, Statuses: []string{"active", "archived"},
		Cols: []column{{"name", "name", "id"}, {"amount", "amount", "money"}, {"apply_scheme", "apply_scheme", "text"}, {"status", "status", "status"}},
		Create: []input{{Name: "name", Label: "name", Type: "text", Required: true}, {Name: "description", Label: "description", Type: "text", Required: true},
			{Name: "currency", Label: "currency", Type: "text", Required: true}, {Name: "amount", Label: "amount", Type: "number", Required: true},
			{Name: "apply_scheme", Label: "apply_scheme", Type: "select", Choices: []string{"one_time", "recurring"}}, {Name: "duration_times", Label: "duration_times", Type: "integer"}}},
	{Slug: "coupons", Title: "coupons", API: "/coupons/", Search: true, Statuses: []string{"active", "archived"},
		Cols: []column{{"name", "name", "id"}, {"amount", "amount", "text"}, {"discount_scheme", "discount_scheme", "text"}, {"duration_scheme", "duration_scheme", "text"}, {"status", "status", "status"}},
		Create: []input{{Name: "name", Label: "name", Type: "text", Required: true}, {Name: "amount", Label: "amount", Type: "number", Required: true},
			{Name: "currency", Label: "currency", Type: "text", Required: true}, {Name: "discount_scheme", Label: "discount_scheme", Type: "select", Choices: []string{"%", "$"}},
			{Name: "duration_scheme", Label: "duration", Type: "select", Choices: []string{"one_time", "forever", "limited"}}, {Name: "duration_times", Label: "duration_times", Type: "integer"}}},
	{Slug: "payments", Title: "payments", API: "/payments/", Search: true, Statuses: []string{"requires_payment_method", "processing", "succeeded", "failed", "cancelled"},
		Cols: []column{{"description", "description", "id"}, {"customer", "customer.name", "text"}, {"amount", "amount", "money"}, {"date", "date", "text"}, {"status", "status", "status"}}},
	{Slug: "payment-links", Title: "payment_links", API: "/payment_links/links/", Search: true, Statuses: []string{"active", "archived"},
		Cols: []column{{"description", "description", "id"}, {"amount", "amount", "money"}, {"url", "url", "link"}, {"status", "status", "status"}},
		Create: []input{{Name: "amount", Label: "amount", Type: "number", Required: true}, {Name: "currency", Label: "currency", Type: "text", Required: true},
			{Name: "description", Label: "description", Type: "text"}}},
	{Slug: "suppliers", Title: "suppliers", API: "/suppliers/", Search: true,
		Cols:   []column{{"name", "name", "id"}, {"tax_id", "tax_id", "text"}, {"email", "email", "text"}},
		Create: []input{{Name: "name", Label: "name", Type: "text", Required: true}, {Name: "tax_id", Label: "tax_id", Type: "text"}, {Name: "email", Label: "email", Type: "email"}}},
	{Slug: "purchases", Title: "purchases", API: "/purchases/", Search: true, Statuses: []string{"draft", "finalized", "cancelled"}, Cols: docCols("supplier"),
		Actions: []action{{Name: "finalize", Label: "finalize", Confirm: "finalize.confirm", When: []string{"draft"}}}},
	{Slug: "webhooks", Title: "webhooks", API: "/webhooks/",
		Cols:    []column{{"url", "url", "id"}, {"status", "status", "status"}, {"created", "created", "stamp"}},
		Create:  []input{{Name: "url", Label: "url", Type: "url", Required: true}},
		Actions: []action{{Name: "delete", Label: "delete", Confirm: "delete"}}},
	{Slug: "events", Title: "events", API: "/events/",
		Cols:    []column{{"event", "event", "id"}, {"kind", "object_type", "text"}, {"id", "object_id", "object"}, {"created", "created", "stamp"}},
		Actions: []action{{Name: "redeliver", Label: "redeliver"}}},
}

func resourceBySlug(slug string) *resource {
	for _, r := range resources {
		if r.Slug == slug {
			return r
		}
	}
	return nil
}

// navGroups is the menu: groups of resource slugs.
var navGroups = []struct {
	Label string
	Slugs []string
}{
	{"billing", []string{"customers", "invoices", "credit-notes", "debit-notes", "orders", "subscriptions"}},
	{"payments", []string{"payments", "payment-links"}},
	{"catalog", []string{"products", "plans", "addons", "coupons"}},
	{"purchases", []string{"suppliers", "purchases"}},
	{"developers", []string{"webhooks", "events"}},
}

// objectSlugs: the page of an event's object, by object type.
var objectSlugs = map[string]string{"customer": "customers", "invoice": "invoices", "credit_note": "credit-notes", "debit_note": "debit-notes",
	"order": "orders", "subscription": "subscriptions", "payment": "payments", "payment_link": "payment-links", "product": "products",
	"plan": "plans", "addon": "addons", "coupon": "coupons", "supplier": "suppliers", "purchase": "purchases"}
