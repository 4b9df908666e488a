package api

import (
	"net/http"
	"strings"

	"github.com/cobrobilling/cobro/internal/biller/clsii"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/paylink"
	"github.com/cobrobilling/cobro/internal/payment"
	"github.com/cobrobilling/cobro/internal/portal"
	"github.com/cobrobilling/cobro/internal/product"
	"github.com/cobrobilling/cobro/internal/reception"
	"github.com/cobrobilling/cobro/internal/reminder"
	"github.com/cobrobilling/cobro/internal/subscription"
	"github.com/cobrobilling/cobro/internal/supplier"
	"github.com/cobrobilling/cobro/internal/webhook"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// declare lists every route of the server, in one place. The router, the
// OpenAPI document and the cross-workspace test all read this list.
func (s *Server) declare() []Route {
	const (
		get, post, patch, put, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete
	)
	var routes []Route
	add := func(method, path, tag, summary string, auth Auth, status int, h HandlerFunc) {
		routes = append(routes, Route{Method: method, Path: path, Tag: tag, Summary: summary, Auth: auth, Status: status, Handle: h})
	}
	// crud declares the usual five operations of a resource.
	crud := func(path, tag, noun string, schema any, create, lst, retrieve, update, destroy HandlerFunc) {
		first := len(routes)
		defer func() {
			for i := first; i < len(routes); i++ {
				routes[i].Schema = schema
			}
		}()
		add(post, path, tag, "Create a "+noun, AuthToken, 201, create)
		add(get, path, tag, "List "+noun+"s", AuthToken, 200, lst)
		routes[len(routes)-1].List = true
		add(get, path+"{id}/", tag, "Retrieve a "+noun, AuthToken, 200, retrieve)
		add(patch, path+"{id}/", tag, "Update a "+noun+" (partial)", AuthToken, 200, update)
		add(put, path+"{id}/", tag, "Update a "+noun+" (partial, same as PATCH)", AuthToken, 200, update)
		add(del, path+"{id}/", tag, "Delete a "+noun, AuthToken, 204, destroy)
	}
	catalogue := func(path, tag, noun string, schema any, auth Auth, lst, retrieve HandlerFunc) {
		add(get, path, tag, "List "+noun, auth, 200, lst)
		routes[len(routes)-1].List = true
		routes[len(routes)-1].Schema = schema
		add(get, path+"{id}/", tag, "Retrieve one of "+noun, auth, 200, retrieve)
		routes[len(routes)-1].Schema = schema
	}

	// Operations (docs/operations.md#2-health-and-shutdown to docs/operations.md#3-metrics-logs-openapi)
	add(get, "/healthz", "Operations", "Liveness", AuthPublic, 200, s.healthz)
	add(get, "/readyz", "Operations", "Readiness: database reachable and migrated", AuthPublic, 200, s.readyz)
	add(get, "/metrics", "Operations", "Prometheus metrics", AuthPublic, 200, s.metricsRoute)
	add(get, "/openapi.json", "Operations", "This API description (OpenAPI 3.1)", AuthPublic, 200, s.openapi)
	add(get, "/docs", "Operations", "API documentation for people", AuthPublic, 200, s.docs)

	// Billing (docs/billing.md#1-customers to docs/billing.md#3-orgunits)
	crud("/customers/", "Customers", "customer", customer.Customer{}, s.createCustomer, s.listCustomers, s.getCustomer, s.updateCustomer, s.deleteCustomer)
	crud("/contacts/", "Contacts", "contact", customer.Contact{}, s.createContact, s.listContacts, s.getContact, s.updateContact, s.deleteContact)
	crud("/orgunits/", "Orgunits", "orgunit", customer.Orgunit{}, s.createOrgunit, s.listOrgunits, s.getOrgunit, s.updateOrgunit, s.deleteOrgunit)
	crud("/suppliers/", "Suppliers", "supplier", supplier.Supplier{}, s.createSupplier, listScoped(&supplier.ListSpec, supplier.List), getScoped(supplier.Get), s.updateSupplier, s.deleteSupplier)
	// Catalogue of sale items (docs/billing.md#4-products to docs/billing.md#7-coupons): DELETE archives, 200 + object
	crud("/products/", "Products", "product", product.Product{}, createScoped(decodeProduct, product.CreateProduct), s.listProducts, getScoped(product.Products.Get), updateScoped(decodeProduct, product.UpdateProduct), archiveScoped(product.Products.Archive))
	routes[len(routes)-1].Status, routes[len(routes)-1].Summary = 200, "Archive a product"
	crud("/plans/", "Plans", "plan", product.Plan{}, s.createPlan, listScoped(&product.PlanListSpec, product.Plans.List), getScoped(product.Plans.Get), s.updatePlan, archiveScoped(product.Plans.Archive))
	routes[len(routes)-1].Status, routes[len(routes)-1].Summary = 200, "Archive a plan"
	crud("/addons/", "Add-ons", "add-on", product.Addon{}, createScoped(decodeAddon, product.CreateAddon), listScoped(&product.AddonListSpec, product.Addons.List), getScoped(product.Addons.Get), updateScoped(decodeAddon, product.UpdateAddon), archiveScoped(product.Addons.Archive))
	routes[len(routes)-1].Status, routes[len(routes)-1].Summary = 200, "Archive an add-on"
	crud("/coupons/", "Coupons", "coupon", product.Coupon{}, createScoped(decodeCoupon, product.CreateCoupon), listScoped(&product.CouponListSpec, product.Coupons.List), getScoped(product.Coupons.Get), updateScoped(decodeCoupon, product.UpdateCoupon), archiveScoped(product.Coupons.Archive))
	routes[len(routes)-1].Status, routes[len(routes)-1].Summary = 200, "Archive a coupon"

	// Subscriptions, usages and test clocks (docs/billing.md#8-subscriptions to docs/billing.md#10-test-clocks)
	crud("/subscriptions/", "Subscriptions", "subscription", subscription.View{}, s.createSubscription, s.listSubscriptions, s.getSubscription, s.updateSubscription, s.cancelSubscription)
	routes[len(routes)-1].Status, routes[len(routes)-1].Summary = 200, "Cancel a subscription (cancel_reason in the body or the query)"
	add(post, "/subscriptions/{id}/pause/", "Subscriptions", "Pause a subscription", AuthToken, 200, s.pauseSubscription)
	routes[len(routes)-1].Schema = subscription.View{}
	add(post, "/subscriptions/{id}/resume/", "Subscriptions", "Resume a paused subscription or one that needs attention", AuthToken, 200, s.resumeSubscription)
	routes[len(routes)-1].Schema = subscription.View{}
	add(post, "/subscriptions/{id}/process/", "Subscriptions", "Run the next billing run now (answers the invoice)", AuthToken, 200, s.processSubscription)
	routes[len(routes)-1].Schema = document.InvoiceView{}
	// Dunning state (docs/billing.md#815-dunning-state)
	add(get, "/subscriptions/{id}/dunning/", "Subscriptions", "List a subscription's dunnings (retries of failed charges)", AuthToken, 200, s.listSubscriptionDunnings)
	routes[len(routes)-1].List, routes[len(routes)-1].Schema = true, subscription.DunningView{}
	catalogue("/dunning/", "Subscriptions", "dunnings (retries of failed automatic charges)", subscription.DunningView{}, AuthToken,
		listScoped(&subscription.DunningListSpec, subscription.ListDunnings), getScoped(subscription.GetDunningView))
	add(post, "/usages/", "Usages", "Record usage of a metered line", AuthToken, 201, s.createUsage)
	routes[len(routes)-1].Schema = subscription.Usage{}
	add(get, "/usages/", "Usages", "List usage records", AuthToken, 200, listScoped(&subscription.UsageListSpec, subscription.ListUsages))
	routes[len(routes)-1].List, routes[len(routes)-1].Schema = true, subscription.Usage{}
	add(get, "/usages/{id}/", "Usages", "Retrieve a usage record", AuthToken, 200, getScoped(subscription.GetUsage))
	routes[len(routes)-1].Schema = subscription.Usage{}
	add(del, "/usages/{id}/", "Usages", "Delete a usage record of a period not yet billed", AuthToken, 204, s.deleteUsage)
	add(post, "/test_clocks/", "Test clocks", "Create a test clock (test mode)", AuthToken, 201, s.createClock)
	routes[len(routes)-1].Schema = subscription.Clock{}
	add(get, "/test_clocks/", "Test clocks", "List test clocks", AuthToken, 200, listScoped(&subscription.ClockListSpec, subscription.ListClocks))
	routes[len(routes)-1].List, routes[len(routes)-1].Schema = true, subscription.Clock{}
	add(get, "/test_clocks/{id}/", "Test clocks", "Retrieve a test clock", AuthToken, 200, getScoped(subscription.GetClock))
	routes[len(routes)-1].Schema = subscription.Clock{}
	add(del, "/test_clocks/{id}/", "Test clocks", "Delete a test clock with its customers and everything of theirs", AuthToken, 204, s.deleteClock)
	add(post, "/test_clocks/{id}/advance/", "Test clocks", "Advance a test clock through every due run", AuthToken, 200, s.advanceClock)
	routes[len(routes)-1].Schema = subscription.Clock{}

	// Documents (docs/documents.md): one engine, four configurations
	for _, k := range document.Kinds {
		tag := map[*document.Kind]string{document.Invoice: "Invoices", document.CreditNote: "Credit notes", document.DebitNote: "Debit notes",
			document.Order: "Orders", document.Purchase: "Purchases", document.PurchaseCreditNote: "Purchase credit notes", document.Retention: "Retentions"}[k]
		noun := strings.TrimSuffix(k.Plural, "s")
		var schema any
		switch k {
		case document.Invoice:
			schema = document.InvoiceView{}
		case document.Order:
			schema = document.OrderView{}
		case document.Purchase:
			schema = document.PurchaseView{}
		case document.PurchaseCreditNote:
			schema = document.PurchaseNoteView{}
		case document.Retention:
			schema = document.RetentionView{}
		default:
			schema = document.NoteView{}
		}
		paths := []string{k.Path}
		if k == document.PurchaseCreditNote {
			paths = append(paths, "/purchase/credit-notes/") // the singular alias (docs/procurement.md#31-endpoints)
		}
		for _, path := range paths {
			crud(path, tag, noun, schema, docCreate(k), docList(k), docGet(k), docUpdate(k), docDelete(k))
			add(get, path+"{id}/finalize/", tag, "Finalize a "+noun, AuthToken, 200, docFinalize(k))
			routes[len(routes)-1].Writes = true
			add(post, path+"{id}/finalize/", tag, "Finalize a "+noun, AuthToken, 200, docFinalize(k))
			add(get, path+"{id}/pdf/", tag, "PDF of a "+noun+" ({\"file\": base64}, or raw with Accept: application/pdf)", AuthToken, 200, s.docPDF(k))
		}
	}
	add(post, "/invoices/{id}/uncollectible/", "Invoices", "Toggle an invoice finalized ⇄ uncollectible", AuthToken, 200, s.invoiceUncollectible)
	add(post, "/orders/{id}/cancel/", "Orders", "Cancel a finalized order", AuthToken, 200, s.orderCancel)
	add(post, "/reminders/messages/", "Reminders", "Create (and send) a reminder message", AuthToken, 201, s.createReminder)
	routes[len(routes)-1].Schema = reminder.Message{}
	add(get, "/reminders/messages/", "Reminders", "List reminder messages", AuthToken, 200, listScoped(&reminder.ListSpec, reminder.List))
	routes[len(routes)-1].List, routes[len(routes)-1].Schema = true, reminder.Message{}
	add(get, "/reminders/messages/{id}/", "Reminders", "Retrieve a reminder message", AuthToken, 200, getScoped(reminder.Get))
	routes[len(routes)-1].Schema = reminder.Message{}
	crud("/reminders/rules/", "Reminders", "reminder rule", reminder.Rule{}, s.createReminderRule, listScoped(&reminder.RuleListSpec, reminder.ListRules),
		getScoped(reminder.GetRule), s.updateReminderRule, s.deleteReminderRule)
	add(post, "/cancellations/", "Cancellations", "Cancel a finalized retention", AuthToken, 201, s.createCancellation)
	routes[len(routes)-1].Schema = document.Cancellation{}
	add(get, "/cancellations/", "Cancellations", "List cancellations", AuthToken, 200, s.listCancellations)
	routes[len(routes)-1].List, routes[len(routes)-1].Schema = true, document.Cancellation{}
	add(get, "/cancellations/{id}/", "Cancellations", "Retrieve a cancellation", AuthToken, 200, s.getCancellation)
	routes[len(routes)-1].Schema = document.Cancellation{}
	add(get, "/files/{token}", "Documents", "Download a local_file (signed URL, no auth)", AuthPublic, 200, s.serveFile)

	// Tax agency (docs/tax-agency.md)
	add(get, "/billers/built_in/", "Billers", "Chile SII biller settings", AuthToken, 200, s.getBillerSettings)
	routes[len(routes)-1].Schema = clsii.SettingsView{}
	add(patch, "/billers/built_in/", "Billers", "Update the SII biller settings", AuthToken, 200, s.updateBillerSettings)
	routes[len(routes)-1].Schema = clsii.SettingsView{}
	add(put, "/billers/built_in/", "Billers", "Update the SII biller settings (partial, same as PATCH)", AuthToken, 200, s.updateBillerSettings)
	routes[len(routes)-1].Schema = clsii.SettingsView{}
	add(get, "/billers/built_in/certificate/", "Billers", "Summary of the company certificate", AuthToken, 200, s.getBillerCertificate)
	routes[len(routes)-1].Schema = clsii.CertView{}
	add(post, "/billers/built_in/certificate/", "Billers", "Upload the company certificate (.p12/.pfx and password)", AuthToken, 200, s.uploadBillerCertificate)
	routes[len(routes)-1].Schema, routes[len(routes)-1].Prepare = clsii.CertView{}, s.prepareCertificate
	add(del, "/billers/built_in/certificate/", "Billers", "Remove the company certificate", AuthToken, 204, s.deleteBillerCertificate)
	add(post, "/billers/built_in/cafs/", "Billers", "Upload a CAF", AuthToken, 201, s.uploadCAF)
	routes[len(routes)-1].Schema, routes[len(routes)-1].Prepare = clsii.CAFView{}, s.prepareCAF
	add(get, "/billers/built_in/cafs/", "Billers", "List CAF files", AuthToken, 200, s.listCAFs)
	routes[len(routes)-1].List, routes[len(routes)-1].Schema = true, clsii.CAFView{}
	add(get, "/billers/built_in/cafs/{id}/", "Billers", "Retrieve a CAF", AuthToken, 200, s.getCAF)
	routes[len(routes)-1].Schema = clsii.CAFView{}
	add(patch, "/billers/built_in/cafs/{id}/", "Billers", "Move a CAF's next_folio forward", AuthToken, 200, s.updateCAF)
	routes[len(routes)-1].Schema = clsii.CAFView{}
	add(del, "/billers/built_in/cafs/{id}/", "Billers", "Destroy an unused CAF (204) or void a used one (200)", AuthToken, 204, s.deleteCAF)

	// Webhooks and events (docs/webhooks.md)
	crud("/webhooks/", "Webhooks", "webhook endpoint", webhook.View{}, s.createWebhook, s.listWebhooks, s.getWebhook, s.updateWebhook, s.deleteWebhook)
	add(post, "/webhooks/{id}/rotate_secret/", "Webhooks", "Issue a new signing secret (the old one signs too for 24 h)", AuthToken, 200, s.rotateWebhookSecret)
	routes[len(routes)-1].Schema = webhook.View{}
	add(post, "/webhooks/{id}/ping/", "Webhooks", "Send one webhook.ping now, synchronously", AuthToken, 200, s.pingWebhook)
	routes[len(routes)-1].Schema, routes[len(routes)-1].NoTx = webhook.Attempt{}, true
	add(get, "/events/", "Events", "List events (last 30 days)", AuthToken, 200, s.listEvents)
	routes[len(routes)-1].List, routes[len(routes)-1].Schema = true, webhook.EventView{}
	add(get, "/events/{id}/", "Events", "Retrieve an event with its deliveries", AuthToken, 200, s.getEvent)
	routes[len(routes)-1].Schema = webhook.EventView{}
	add(post, "/events/{id}/redeliver/", "Events", "Deliver an event again", AuthToken, 200, s.redeliverEvent)
	routes[len(routes)-1].Schema = webhook.EventView{}

	// Payments (docs/payments.md)
	catalogue("/providers/", "Payments", "payment gateways", gateway.Provider{}, AuthToken, s.listProviders, s.getProvider)
	add(patch, "/providers/{id}/", "Payments", "Set a gateway's credentials for the workspace and mode (secrets are never returned)", AuthToken, 200, s.updateProvider)
	routes[len(routes)-1].Schema = gateway.Provider{}
	add(post, "/sources/", "Sources", "Create a source (publishable with an enable_checkout payment)", AuthDual, 201, s.createSource)
	add(get, "/sources/", "Sources", "List sources", AuthToken, 200, listIn(&payment.SourceListSpec, (*Request).payEnv, payment.ListSources))
	routes[len(routes)-1].List = true
	add(get, "/sources/{id}/", "Sources", "Retrieve a source", AuthToken, 200, byID((*Request).payEnv, payment.GetSource))
	add(del, "/sources/{id}/", "Sources", "Finalize (remove) a source", AuthToken, 200, byID((*Request).payEnv, payment.DeleteSource))
	add(get, "/sources/{id}/authorize/", "Sources", "Legacy: the source, with redirect_url while authentication is pending", AuthToken, 200, byID((*Request).payEnv, payment.GetSource))
	for i := len(routes) - 5; i < len(routes); i++ {
		routes[i].Schema = payment.Source{}
	}
	crud("/payments/", "Payments", "payment", payment.Payment{}, s.createPayment, listIn(&payment.PaymentListSpec, (*Request).payEnv, payment.ListPayments), byID((*Request).payEnv, payment.GetPayment), s.updatePayment, s.deletePayment)
	routes[len(routes)-1].Summary = "Destroy (requires_payment_method, 204) or cancel (processing, failed) a payment"
	add(post, "/payments/{id}/authorize/", "Payments", "Attach a source and authorize (hold) the balance", AuthDual, 200, s.authorizePayment)
	add(get, "/payments/{id}/capture/", "Payments", "Capture an authorization or confirm a manual payment", AuthToken, 200, byID((*Request).payEnv, payment.Capture))
	routes[len(routes)-1].Writes = true
	add(post, "/payments/{id}/capture/", "Payments", "Capture an authorization or confirm a manual payment", AuthToken, 200, byID((*Request).payEnv, payment.Capture))
	add(get, "/payments/{id}/pay/", "Payments", "Authorize and capture with the attached (or given) source", AuthDual, 200, s.payPayment)
	routes[len(routes)-1].Writes = true
	add(post, "/payments/{id}/pay/", "Payments", "Authorize and capture with the attached (or given) source", AuthDual, 200, s.payPayment)
	for i := len(routes) - 5; i < len(routes); i++ {
		routes[i].Schema = payment.Payment{}
	}
	add(post, "/payments/{id}/refund/", "Payments", "Refund captured money, in full or in part, through the payment's gateway", AuthToken, 201, s.refundPayment)
	routes[len(routes)-1].Schema = payment.Refund{}
	add(get, "/publishable/gateways/test/authenticate/{source_id}/", "Sources", "Simulated card authentication page of the test gateway (HTML)", AuthPublic, 200, s.authenticationPage)
	routes[len(routes)-1].Writes = true
	add(post, "/publishable/gateways/test/authenticate/{source_id}/", "Sources", "Approve or deny a simulated card authentication", AuthPublic, 200, s.authenticate3DS)
	add(get, "/publishable/gateways/{gateway}/return/{source_id}/", "Sources", "The payer's return from a processor's page (verified with the processor; 303 to the source's return_url)", AuthPublic, 200, s.gatewayReturn)
	routes[len(routes)-1].Writes = true
	add(post, "/publishable/gateways/{gateway}/return/{source_id}/", "Sources", "The payer's return from a processor's page by form POST", AuthPublic, 200, s.gatewayReturn)
	add(get, "/publishable/gateways/{gateway}/redirect/{source_id}/", "Sources", "Sends the payer to a processor's page by an auto-submitting form POST (Webpay's token_ws)", AuthPublic, 200, s.gatewayRedirect)
	add(post, "/publishable/gateways/{gateway}/webhooks/{workspace}/{mode}/", "Sources", "A processor's signed webhook for a workspace and mode (Stripe): verified, acted on once", AuthPublic, 200, s.gatewayWebhook)
	routes[len(routes)-1].Callback = true
	crud("/payment_links/links/", "Payment links", "payment link", paylink.Link{}, s.createLink, listIn(&paylink.LinkListSpec, (*Request).linkEnv, paylink.ListLinks), byID((*Request).linkEnv, paylink.GetLink), s.updateLink, byID((*Request).linkEnv, paylink.ArchiveLink))
	routes[len(routes)-1].Status, routes[len(routes)-1].Summary = 200, "Archive a payment link"
	add(get, "/payment_links/intents/", "Payment links", "List payment-link intents", AuthToken, 200, listIn(&paylink.IntentListSpec, (*Request).linkEnv, paylink.ListIntents))
	routes[len(routes)-1].List = true
	add(get, "/payment_links/intents/{id}/", "Payment links", "Retrieve a payment-link intent", AuthToken, 200, byID((*Request).linkEnv, paylink.GetIntent))
	add(post, "/payment_links/intents/{id}/capture/", "Payment links", "Capture an authorized intent", AuthToken, 200, byID((*Request).linkEnv, paylink.CaptureIntent))
	add(post, "/payment_links/intents/{id}/cancel/", "Payment links", "Cancel an authorized intent", AuthToken, 200, byID((*Request).linkEnv, paylink.CancelIntent))
	add(post, "/payment_links/intents/{id}/finalize/", "Payment links", "Retry the finalization of a captured intent", AuthToken, 200, byID((*Request).linkEnv, paylink.FinalizeIntent))
	for i := len(routes) - 5; i < len(routes); i++ {
		routes[i].Schema = paylink.Intent{}
	}
	add(get, "/publishable/payment_links/links/{key}/", "Payment links", "Public view of a payment link", AuthPublic, 200, s.publicLink)
	routes[len(routes)-1].Schema = paylink.PublicLink{}
	add(get, "/publishable/payment_links/links/{key}/hosted/", "Payment links", "Hosted checkout page (HTML)", AuthPublic, 200, s.hostedPage)
	add(post, "/publishable/payment_links/links/{key}/intents/", "Payment links", "The payer submits the checkout: creates and runs an intent", AuthPublic, 201, s.createIntent)
	routes[len(routes)-1].Schema = paylink.PublicIntent{}
	add(get, "/publishable/payment_links/links/{key}/intents/{intent_id}/", "Payment links", "Poll an intent (public view)", AuthPublic, 200, s.publicIntent)
	routes[len(routes)-1].Schema = paylink.PublicIntent{}
	add(get, "/publishable/payment_links/links/{key}/intents/{intent_id}/pdf/", "Payment links", "Invoice PDF of a finalized intent", AuthPublic, 200, s.publicIntentPDF)

	// Dunning and customer-portal settings (docs/billing.md#814-collection-settings)
	add(get, "/settings/collection/", "Subscriptions", "Dunning and customer-portal settings", AuthToken, 200, s.getCollectionSettings)
	add(patch, "/settings/collection/", "Subscriptions", "Update the dunning and customer-portal settings", AuthToken, 200, s.updateCollectionSettings)
	add(put, "/settings/collection/", "Subscriptions", "Update the dunning and customer-portal settings (partial, same as PATCH)", AuthToken, 200, s.updateCollectionSettings)
	for i := len(routes) - 3; i < len(routes); i++ {
		routes[i].Schema = subscription.CollectionSettings{}
	}

	// Workspace logo (docs/billing.md#12-workspace-logo)
	add(get, "/settings/workspace/logo/", "Workspace", "The workspace's logo (emails, portal, hosted checkout)", AuthToken, 200, s.getLogo)
	routes[len(routes)-1].Schema = workspace.LogoView{}
	add(put, "/settings/workspace/logo/", "Workspace", "Set the workspace's logo: a PNG or JPEG file (multipart) of at most 512 KB", AuthToken, 200, s.putLogo)
	routes[len(routes)-1].Schema = workspace.LogoView{}
	add(del, "/settings/workspace/logo/", "Workspace", "Remove the workspace's logo", AuthToken, 204, s.deleteLogo)
	add(get, "/publishable/logos/{workspace}/{digest}", "Workspace", "A workspace's logo image (public, cached for good: a new logo has a new path)", AuthPublic, 200, s.publicLogo)

	// Customer portal (docs/billing.md#11-customer-portal)
	add(post, "/customer_base/sessions/", "Customer portal", "Create a customer-portal session (a short-lived URL for one customer)", AuthToken, 201, s.createPortalSession)
	routes[len(routes)-1].Schema = portal.Session{}
	add(get, "/publishable/customer_base/sessions/{token}/", "Customer portal", "The customer portal (HTML)", AuthPublic, 200, s.portalPage)
	add(get, "/publishable/customer_base/sessions/{token}/invoices/{id}/pdf/", "Customer portal", "PDF of one of the customer's invoices", AuthPublic, 200, s.portalPDF)
	add(post, "/publishable/customer_base/sessions/{token}/invoices/{id}/pay/", "Customer portal", "Pay an invoice (form post; 303 to the checkout or back)", AuthPublic, 303, s.portalPay)
	add(post, "/publishable/customer_base/sessions/{token}/cards/", "Customer portal", "Save a card (form post; 303 back)", AuthPublic, 303, s.portalAddCard)
	add(post, "/publishable/customer_base/sessions/{token}/cards/{id}/default/", "Customer portal", "Charge this card from now on (form post; 303 back)", AuthPublic, 303, s.portalCard(false))
	add(post, "/publishable/customer_base/sessions/{token}/cards/{id}/remove/", "Customer portal", "Remove a saved card (form post; 303 back)", AuthPublic, 303, s.portalCard(true))
	add(post, "/publishable/customer_base/sessions/{token}/subscriptions/{id}/cancel/", "Customer portal", "Cancel a subscription when the workspace allows it (form post; 303 back)", AuthPublic, 303, s.portalCancel)

	// Catalogues (docs/catalogues.md)
	catalogue("/generals/countries/", "Catalogues", "countries", catalog.CountryView{}, AuthToken,
		catalogList("countries", fixed(&countrySpec), countryView), catalogGet(countryView))
	catalogue("/generals/states/", "Catalogues", "states", catalog.StateView{}, AuthToken,
		catalogList("states", fixed(&stateSpec), stateView), catalogGet(stateView))
	catalogue("/generals/currencies/", "Catalogues", "currencies", catalog.CurrencyView{}, AuthPublic,
		catalogList("currencies", fixed(&currencySpec), currencyView), catalogGet(currencyView))
	catalogue("/generals/documents/", "Catalogues", "document types", catalog.DocumentTypeView{}, AuthToken,
		catalogList("document_types", func(r *Request) *list.Spec { return documentSpec(r.Scope.Country) }, documentView), catalogGet(documentView))
	catalogue("/generals/references/", "Catalogues", "reference types", catalog.ReferenceTypeView{}, AuthToken,
		catalogList("reference_types", fixed(&referenceSpec), referenceView), catalogGet(referenceView))
	catalogue("/generals/changes/", "Catalogues", "exchange rates", catalog.RateView{}, AuthToken, s.listRates, s.getRate)
	add(post, "/generals/changes/", "Catalogues", "Save one of the workspace's exchange rates", AuthToken, 201, s.saveRate)
	routes[len(routes)-1].Schema = catalog.RateView{}
	catalogue("/frequencies/", "Catalogues", "frequencies", catalog.FrequencyView{}, AuthToken,
		catalogList("frequencies", fixed(&frequencySpec), frequencyView), catalogGet(frequencyView))

	// Received DTEs (docs/procurement.md#6-received-dtes)
	add(post, "/purchases/received/", "Received DTEs", "Receive a supplier's EnvioDTE (multipart file): one purchase per document", AuthToken, 201, s.receiveEnvelope)
	routes[len(routes)-1].Schema = reception.Intake{}
	add(get, "/purchases/received/", "Received DTEs", "List received envelopes and their outcome", AuthToken, 200, inReception(listScoped(&reception.IntakeListSpec, reception.ListIntakes)))
	routes[len(routes)-1].List, routes[len(routes)-1].Schema = true, reception.Intake{}
	add(get, "/purchases/received/{id}/", "Received DTEs", "Retrieve a received envelope", AuthToken, 200, inReception(getScoped(reception.GetIntake)))
	routes[len(routes)-1].Schema = reception.Intake{}
	add(get, "/purchases/received/answers/", "Received DTEs", "List the signed exchange answers sent to issuers", AuthToken, 200, inReception(listScoped(&reception.AnswerListSpec, reception.ListAnswers)))
	routes[len(routes)-1].List, routes[len(routes)-1].Schema = true, reception.Answer{}
	add(get, "/purchases/received/answers/{id}/", "Received DTEs", "Retrieve an exchange answer with its signed XML (file, base64)", AuthToken, 200, inReception(getScoped(reception.GetAnswer)))
	routes[len(routes)-1].Schema = reception.Answer{}
	add(get, "/purchases/received/mailbox/", "Received DTEs", "The exchange mailbox polled for suppliers' envelopes (IMAP over TLS)", AuthToken, 200, s.getMailbox)
	routes[len(routes)-1].Schema = reception.Mailbox{}
	add(patch, "/purchases/received/mailbox/", "Received DTEs", "Set the exchange mailbox (the password is sealed, never shown)", AuthToken, 200, s.setMailbox)
	routes[len(routes)-1].Schema = reception.Mailbox{}
	add(put, "/purchases/received/mailbox/", "Received DTEs", "Set the exchange mailbox (partial, same as PATCH)", AuthToken, 200, s.setMailbox)
	routes[len(routes)-1].Schema = reception.Mailbox{}
	add(get, "/purchases/{id}/reception/", "Received DTEs", "Exchange state of a received purchase", AuthToken, 200, s.receptionState)
	routes[len(routes)-1].Schema = reception.State{}
	add(post, "/purchases/{id}/accept/", "Received DTEs", "Accept a received purchase: ResultadoDTE to the issuer", AuthToken, 200, s.setResult(reception.ResultAccepted))
	routes[len(routes)-1].Schema = reception.State{}
	add(post, "/purchases/{id}/reject/", "Received DTEs", "Reject a received purchase with a reason: ResultadoDTE to the issuer", AuthToken, 200, s.setResult(reception.ResultRejected))
	routes[len(routes)-1].Schema = reception.State{}
	add(post, "/purchases/{id}/rcv/", "Received DTEs", "File an acceptance (ACD) or claim (RCD, RFP, RFT) or the receipt of goods (ERM) in the SII's register", AuthToken, 200, s.fileRCV)
	routes[len(routes)-1].Schema = reception.State{}
	add(get, "/purchases/{id}/rcv/", "Received DTEs", "The events the SII's register holds for a received factura", AuthToken, 200, s.rcvEvents)
	routes[len(routes)-1].Schema = reception.Events{}
	add(get, "/books/purchases/", "Received DTEs", "The month's purchase register (?period=YYYY-MM) as CSV", AuthToken, 200, s.book(reception.BookPurchases))
	add(get, "/books/sales/", "Received DTEs", "The month's sales register (?period=YYYY-MM) as CSV", AuthToken, 200, s.book(reception.BookSales))
	add(post, "/purchases/{id}/receipt/", "Received DTEs", "Acknowledge the goods or services of a received purchase: EnvioRecibos to the issuer", AuthToken, 200, s.sendReceipt)
	routes[len(routes)-1].Schema = reception.State{}
	return routes
}
