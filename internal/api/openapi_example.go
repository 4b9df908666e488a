package api

import (
	"encoding/json"
	"strings"
)

// Examples in the API description are made from the schemas themselves,
// so they always have the shape the server answers; field names choose
// plausible values.

// idPrefixes are the id prefixes of docs/conventions.md#5-object-ids, by
// component name and by the name of a field that holds such an id.
var idPrefixes = map[string]string{
	"Customer": "cus", "Contact": "con", "Orgunit": "org", "Product": "pro", "Plan": "pla", "Addon": "add",
	"Coupon": "cou", "Subscription": "sub", "Usage": "usa", "TestClock": "clk", "Invoice": "inv", "Note": "crn",
	"Order": "ord", "Purchase": "pur", "PurchaseCreditNote": "pcn", "Retention": "ret", "Cancellation": "can",
	"ReminderMessage": "rem", "ReminderRule": "rmr", "CAF": "caf", "WebhookEndpoint": "whe", "Event": "evt", "Source": "sou",
	"Payment": "pay", "PaymentLink": "plk", "PaymentLinkIntent": "pin", "PublicPaymentLinkIntent": "pin",
	"Supplier": "sup", "ExchangeRate": "chg", "Line": "lin", "SaleLine": "lin", "OrderLine": "lin",
	"RetentionLine": "lin", "SubscriptionAddon": "lin", "Summary": "cus",
	// fields
	"customer": "cus", "contact": "con", "orgunit": "org", "product": "pro", "plan": "pla", "addon": "add",
	"coupon": "cou", "subscription": "sub", "test_clock": "clk", "invoice": "inv", "latest_invoice": "inv",
	"credit_note": "crn", "debit_note": "dbn", "rule": "rmr", "order": "ord", "purchase": "pur", "retention": "ret", "cancellation": "can",
	"source": "sou", "default_source": "sou", "payment": "pay", "payment_link": "plk", "link": "plk",
	"supplier": "sup", "subscription_line": "lin", "user": "usr", "object_id": "inv",
}

// stringExamples are values of string fields by name.
var stringExamples = map[string]string{
	"name": "Acme Nation LLC", "business_name": "Comercial Andes SpA", "email": "billing@example.com",
	"recipient": "billing@example.com", "phone": "+1 312 555 0100", "website": "https://www.example.com",
	"address": "17st, National Sub", "state": "IL", "country": "US", "currency": "USD", "currency_from": "USD",
	"currency_to": "CLP", "document": "US1", "zip_code": "60601", "description": "Monthly subscription",
	"note": "Thank you for your business", "internal_note": "Checked by finance", "url": "https://hooks.example.com/cobro",
	"return_url": "https://shop.example.com/thanks", "frequency": "monthly", "tax_id": "76.086.428-5", "rut": "76086428-5",
	"code": "US1", "kind": "invoice", "event": "invoice.finalized", "object_type": "invoice", "gateway": "test",
	"usage": "reusable", "subject": "Your invoice", "message": "Please find your invoice attached.",
	"publishable_key": "pk_Xq3b0Tn9Wc2LhY7sZk1Dv4Fe", "secret": "whsecret_…", "standard_webhooks_secret": "whsec_…",
	"discount_scheme": "%", "sku": "PLAN-PRO", "unit_label": "seat", "time_zone": "America/New_York",
	"file": "JVBERi0xLjcK…", "local_file": "https://cobro.example.com/files/…", "environment": "sandbox",
	"password": "••••••••", "outcome": "approve", "status_code": "200", "interval": "month",
	"biller_status": "succeeded", "collection_method": "deferred", "collection_scheme": "send_invoice",
	"retention_scheme": "subtotal", "code_scheme": "INT1", "usage_scheme": "licensed", "usage_aggregation": "sum",
	"shipping_type": "1", "capture_method": "automatic", "creation_scheme": "api", "apply_scheme": "once",
	"duration_scheme": "forever", "apply_on": "total", "name_en": "US Dollar", "serial": "PO-1042",
	"custom_change": "950.25", "conversion": "950.25", "tiers_mode": "graduated",
	"paused_reason": "not_specified", "cancel_reason": "not_specified", "status_description": "Asked by the customer",
	"needs_attention_reason": "gateway_issue", "failed_reason": "card_declined", "disabled_reason": "manual",
}

// naturalIDs are the ids of catalogue objects (countries, currencies …).
var naturalIDs = map[string]string{
	"TypeSummary": "US1", "DocumentType": "US1", "Currency": "USD", "Country": "US", "State": "US-IL",
	"Frequency": "monthly", "ReferenceType": "801", "Gateway": "test",
}

// nameExamples are the names of objects that are not customers.
var nameExamples = map[string]string{
	"SaleLine": "Widget", "Line": "Widget", "OrderLine": "My physical product", "RetentionLine": "Income tax withholding",
	"Currency": "US Dollar", "TypeSummary": "Invoice", "DocumentType": "Invoice", "Country": "United States",
	"State": "Illinois", "Plan": "Pro monthly", "Product": "Pro", "Addon": "Setup", "Coupon": "Launch 10 %",
	"Frequency": "Monthly", "TestClock": "Renewal test", "Orgunit": "Finance", "Contact": "Jane Roe",
	"Supplier": "Northwind Supplies", "Gateway": "Test cards", "ReferenceType": "Purchase order",
}

// statusExamples are the status a typical object of each component has.
var statusExamples = map[string]string{
	"Invoice": "finalized", "Note": "finalized", "Order": "finalized", "Purchase": "finalized", "PurchaseCreditNote": "finalized",
	"Retention": "finalized", "Cancellation": "finalized", "Payment": "succeeded", "Source": "chargeable",
	"PaymentLinkIntent": "finalized", "PublicPaymentLinkIntent": "finalized", "TestClock": "ready", "WebhookEndpoint": "enabled",
	"ReminderMessage": "sent", "Subscription": "active", "CAF": "active",
}

var (
	exampleDate  = "2026-11-22"
	exampleStamp = "2026-11-22T10:30:00.000000-03:00"
)

// example builds an example value of schema s; comp is the component the
// value belongs to and field its field name there.
func (c *components) example(s map[string]any, comp, field string, depth int) any {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		sub, _ := c.schemas[name].(map[string]any)
		if depth > 4 || sub == nil {
			return map[string]any{}
		}
		return c.example(sub, strings.TrimSuffix(name, "Input"), field, depth+1)
	}
	if alts, ok := s["oneOf"].([]any); ok && len(alts) > 0 {
		return c.example(alts[0].(map[string]any), comp, field, depth)
	}
	typ, _ := s["type"].(string)
	if ts, ok := s["type"].([]string); ok && len(ts) > 0 {
		typ = ts[0]
	}
	if typ == "" && (field == "metadata" || strings.HasSuffix(field, "_settings")) {
		typ = "object"
	}
	switch typ {
	case "object":
		props, _ := s["properties"].(map[string]any)
		out := map[string]any{}
		for f, p := range props {
			out[f] = c.example(p.(map[string]any), comp, f, depth)
		}
		if field == "metadata" {
			out["crm_id"] = "A-1042"
		}
		return out
	case "array":
		items, _ := s["items"].(map[string]any)
		if items == nil {
			return []any{}
		}
		return []any{c.example(items, comp, singular(field), depth)}
	case "string":
		return stringExample(s, comp, field)
	case "number":
		return numberExample(field)
	case "integer":
		return 1
	case "boolean":
		return false
	}
	return nil
}

func stringExample(s map[string]any, comp, field string) string {
	switch {
	case s["format"] == "date-time" || field == "created" || field == "updated":
		return exampleStamp
	case s["format"] == "date" || field == "date" || strings.HasPrefix(field, "date_") || strings.HasSuffix(field, "_date") ||
		field == "next_billing" || field == "previous_billing" || strings.HasPrefix(field, "period_") || field == "valid_until":
		return exampleDate
	case field == "id":
		if p, ok := idPrefixes[comp]; ok {
			return p + "_2bJb5XkVfLq1Yc9RaT"
		}
		if v, ok := naturalIDs[comp]; ok {
			return v
		}
		return "US"
	case field == "name" && nameExamples[comp] != "":
		return nameExamples[comp]
	case field == "status":
		if v, ok := statusExamples[comp]; ok {
			return v
		}
		return "active"
	}
	if p, ok := idPrefixes[field]; ok {
		return p + "_7fQm2LxZ0cVb8NwRkE"
	}
	if v, ok := stringExamples[field]; ok {
		return v
	}
	return strings.ReplaceAll(field, "_", " ")
}

func numberExample(field string) json.Number {
	switch {
	case strings.Contains(field, "percent"):
		return "19"
	case field == "quantity" || strings.HasPrefix(field, "quantity_"):
		return "1.0"
	case field == "discount":
		return "10"
	case field == "conversion":
		return "950.25"
	}
	return "100.00"
}

// singular names an item of a list field ("lines" → "line").
func singular(field string) string {
	if strings.HasSuffix(field, "ies") {
		return strings.TrimSuffix(field, "ies") + "y"
	}
	return strings.TrimSuffix(field, "s")
}
