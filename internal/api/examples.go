package api

// What the API description needs beyond the route table: which fields of
// each resource a body may write, the bodies of actions, and the answers
// that are not a resource. Routes themselves are declared only in
// routes.go; TestOpenAPIExtrasMatchRoutes keeps these tables in step.

// writable lists, per response schema, the fields a create or update body
// accepts (the create-body tables of docs/); the request schema of a
// resource's POST, PATCH and PUT is its response schema narrowed to them.
var writable = map[string][]string{
	"Customer":           {"name", "address", "country", "state", "currency", "email", "phone", "website", "zip_code", "manager", "reference", "tax_id", "tax_settings", "metadata", "send_invoices", "send_collections", "send_vouchers", "status"},
	"Contact":            {"name", "email", "customer", "orgunit", "phone", "invoicing", "collections"},
	"Orgunit":            {"customer", "name"},
	"Supplier":           {"name", "country", "tax_id", "state", "currency", "address", "email", "phone", "website", "tax_settings", "metadata"},
	"Product":            {"name", "unit_label", "status", "metadata"},
	"Plan":               {"product", "name", "description", "frequency", "currency", "amount", "sku", "exempt", "usage_scheme", "usage_aggregation", "tiers_mode", "tiers", "unit_label", "status", "metadata"},
	"Addon":              {"name", "description", "currency", "amount", "sku", "exempt", "apply_scheme", "duration_times", "unit_label", "status", "metadata"},
	"Coupon":             {"name", "amount", "currency", "discount_scheme", "duration_scheme", "duration_times", "valid_until", "apply_on", "status", "metadata"},
	"Subscription":       {"customer", "document", "date_start", "lines", "frequency", "next_billing", "billing_cycles", "expiration_days", "collection_scheme", "default_source", "addons", "coupon", "custom_change", "require_reference", "references", "note", "orgunit", "metadata"},
	"Usage":              {"subscription_line", "date_time", "quantity"},
	"TestClock":          {"name", "frozen_time"},
	"Invoice":            {"customer", "document", "date", "lines", "due_date", "collection_method", "currency", "tax_percent", "discount", "discount_scheme", "note", "period_start", "period_end", "custom_change", "references", "metadata"},
	"Note":               {"invoice", "credit_note", "document", "date", "lines", "discount", "discount_scheme", "note", "internal_note", "tax_settings", "metadata"},
	"Order":              {"customer", "document", "date", "lines", "shipping_type", "address", "state", "carrier_id", "carrier_name", "licence_plate", "tax_percent", "note", "references"},
	"Purchase":           {"supplier", "document", "number", "date", "due_date", "lines", "note", "discount", "discount_scheme", "tax_percent", "currency", "tax_settings", "metadata"},
	"PurchaseCreditNote": {"purchase", "document", "date", "note", "lines", "number", "internal_note", "discount", "discount_scheme", "tax_settings", "metadata"},
	"Retention":          {"supplier", "purchase", "document", "date", "lines", "note", "internal_note", "metadata"},
	"ReminderMessage":    {"invoice", "payment", "order", "credit_note", "recipient", "subject", "message", "action", "payment_link"},
	"ExchangeRate":       {"currency_from", "currency_to", "amount", "date"},
	"ReminderRule":       {"days", "channel", "action", "subject", "message", "active"},
	"Cancellation":       {"retention", "document", "date", "note", "internal_note"},
	"SIISettings":        {"rut", "business_name", "activity_description", "activity_codes", "address", "commune", "city", "branch_code", "sii_office", "resolution_number", "resolution_date", "environment", "email"},
	"CAF":                {"next_folio"},
	"WebhookEndpoint":    {"url", "description", "events", "status", "metadata"},
	"Source":             {"gateway", "customer", "usage", "amount", "description", "return_url", "client", "metadata"},
	"Payment":            {"amount", "currency", "date", "description", "invoice", "customer", "source", "sources", "status", "payment_date", "return_url", "enable_checkout", "metadata", "subscription"},
	"Provider":           {"default"},
	"PaymentLink":        {"amount", "currency", "description", "document", "exempt", "customer", "invoice", "capture_method", "single_use", "return_url", "expires", "metadata", "gateway"},
}

// Schemas of body fields that are written but never read back.
var (
	cardSchema = object(map[string]any{
		"number": str("card number; test cards in docs/payments.md#11-test-gateway-cards"), "exp_month": integer(), "exp_year": integer(), "cvc": str("")})
	writeOnly = map[string]map[string]any{
		"Source":   {"card": cardSchema, "method": str("for the manual gateway"), "payment": str("pay_…: a payer's source for an enable_checkout payment")},
		"Provider": {"{setting}": nullable(str("each setting named in the gateway's fields, a string; null removes it (docs/payments.md#13-credentials)"))},
	}
)

// actionBodies are the bodies of POST actions, by the path's last
// segment (docs/conventions.md#16-action-verbs).
var actionBodies = map[string]map[string]any{
	"finalize":      object(nil, "body ignored"),
	"uncollectible": object(nil, "body ignored"),
	"cancel":        object(nil, "body ignored"),
	"capture":       object(nil, "body ignored"),
	"resume":        object(nil, "body ignored"),
	"process":       object(nil, "body ignored"),
	"rotate_secret": object(nil, "body ignored"),
	"ping":          object(nil, "body ignored"),
	"redeliver":     object(nil, "body ignored"),
	"pause": object(map[string]any{"paused_reason": str("default not_specified"), "pause_until": nullable(date()),
		"status_description": str("required when paused_reason is custom")}),
	"authorize": object(map[string]any{"source": str("sou_…")}),
	"pay":       object(map[string]any{"source": str("sou_…; default the attached source")}),
	"advance":   object(map[string]any{"frozen_time": dateTime()}),
	"refund": object(map[string]any{"amount": str("money; default what is left to refund"), "reason": str("≤ 256"),
		"credit_note": map[string]any{"type": "boolean", "description": "issue and finalize the credit note of the refund"}, "metadata": object(nil)}),
	"authenticate/{source_id}": object(map[string]any{"outcome": str("approve or deny")}),
	"intents": object(map[string]any{
		"payer": object(map[string]any{"name": str(""), "email": str(""), "tax_id": str(""), "country": str(""), "state": str(""),
			"address": str(""), "activity": str(""), "commune": str("")}),
		"card": cardSchema}),
	"certificate": object(map[string]any{"file": str("the .p12/.pfx file (multipart)"), "password": str("")}, "multipart/form-data"),
	"cafs":        object(map[string]any{"file": str("the CAF XML file from the SII (multipart)")}, "multipart/form-data"),
	"logo":        object(map[string]any{"file": str("a PNG or JPEG file of at most 512 KB, 16 to 4096 pixels a side (multipart)")}, "multipart/form-data"),
	"received":    object(map[string]any{"file": str("a supplier's EnvioDTE XML (multipart)")}, "multipart/form-data"),
	"accept":      object(map[string]any{"reason": str("optional, ≤ 256: EstadoDTEGlosa")}),
	"reject":      object(map[string]any{"reason": str("required, ≤ 256: why (EstadoDTEGlosa)")}),
	"rcv":         object(map[string]any{"action": str("ACD, RCD, RFP, RFT or ERM")}),
	"receipt":     object(map[string]any{"place": str("≤ 80: where the goods or services were received; default the company's address")}),
}

// otherAnswers describes the success answers that are not a resource, by
// path (a route's Schema wins over them).
var otherAnswers = map[string]answer{
	"/healthz":      {schema: object(map[string]any{"status": str("ok")})},
	"/readyz":       {schema: object(map[string]any{"status": str("ok"), "reason": str("why it is unavailable (503)")})},
	"/metrics":      {contentType: "text/plain; version=0.0.4", example: "cobro_http_requests_total{method=\"GET\",route=\"/customers\",status=\"200\"} 1\n"},
	"/openapi.json": {schema: object(nil, "this document")},
	"/docs":         {contentType: "text/html", example: "<!doctype html>…"},
	"/files/{token}": {contentType: "application/xml",
		example: "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<EnvioDTE …>…</EnvioDTE>"},
	"/publishable/gateways/test/authenticate/{source_id}/": {schema: object(map[string]any{"id": str(""), "status": str("chargeable")}),
		htmlGET: true},
	"/publishable/payment_links/links/{key}/hosted/":                  {contentType: "text/html", example: "<!doctype html>…"},
	"/publishable/gateways/{gateway}/return/{source_id}/":             {contentType: "text/html", example: "<!doctype html>… (or 303 See Other to the source's return_url)"},
	"/publishable/payment_links/links/{key}/intents/{intent_id}/pdf/": {schema: pdfSchema},
	"/publishable/gateways/{gateway}/redirect/{source_id}/":           {contentType: "text/html", example: "<!doctype html>… <form method=\"post\" action=\"https://webpay3g.transbank.cl/webpayserver/initTransaction\">…"},
	// the customer portal's page and form posts (303 back to the page)
	"/publishable/customer_base/sessions/{token}/":                           {contentType: "text/html", example: "<!doctype html>…"},
	"/publishable/customer_base/sessions/{token}/invoices/{id}/pdf/":         {contentType: "application/pdf", example: "%PDF-1.4 …"},
	"/publishable/customer_base/sessions/{token}/invoices/{id}/pay/":         portalRedirect,
	"/publishable/customer_base/sessions/{token}/cards/":                     portalRedirect,
	"/publishable/customer_base/sessions/{token}/cards/{id}/default/":        portalRedirect,
	"/publishable/customer_base/sessions/{token}/cards/{id}/remove/":         portalRedirect,
	"/publishable/customer_base/sessions/{token}/subscriptions/{id}/cancel/": portalRedirect,
	"/books/purchases/": {contentType: "text/csv", example: "type,folio,date,rut,name,exempt,net,vat,total,state\n33,1,2026-06-02,77123456-9,Servicios Cobro Demo SpA,9490,45571,8658,63719,ACD\n"},
	"/books/sales/":     {contentType: "text/csv", example: "type,folio,date,rut,name,exempt,net,vat,total,state\n33,1,2026-06-02,76086428-5,Comercial Andes SpA,9490,45571,8658,63719,finalized\n"},
}

// portalRedirect is the answer of the portal's form posts: 303 to the
// page (?done=… or ?error=…) or, paying an open invoice, to its checkout.
var portalRedirect = answer{contentType: "text/html", example: "303 See Other; Location: /publishable/customer_base/sessions/{token}/?done=card_added"}

var pdfSchema = object(map[string]any{"file": str("the PDF, base64; send Accept: application/pdf for the raw bytes")})

// answer is a success answer that is not a resource object.
type answer struct {
	schema      map[string]any // JSON answers
	contentType string         // other answers, with their example
	example     string
	htmlGET     bool // GET answers an HTML page, POST the schema
}

func object(props map[string]any, description ...string) map[string]any {
	s := map[string]any{"type": "object"}
	if props != nil {
		s["properties"] = props
	}
	if len(description) > 0 {
		s["description"] = description[0]
	}
	return s
}

func str(description string) map[string]any {
	if description == "" {
		return map[string]any{"type": "string"}
	}
	return map[string]any{"type": "string", "description": description}
}

func integer() map[string]any  { return map[string]any{"type": "integer"} }
func date() map[string]any     { return map[string]any{"type": "string", "format": "date"} }
func dateTime() map[string]any { return map[string]any{"type": "string", "format": "date-time"} }

func nullable(s map[string]any) map[string]any {
	s["type"] = []string{s["type"].(string), "null"}
	return s
}
