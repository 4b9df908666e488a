package portal

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"html/template"

	"github.com/cobrobilling/cobro/internal/catalog"
)

//go:embed assets
var assets embed.FS

var (
	css       = mustRead("assets/portal.css")
	templates = template.Must(template.New("").ParseFS(assets, "assets/*.html"))
)

func mustRead(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Page is a rendered HTML answer with its headers.
type Page struct {
	Status int
	Body   []byte
	Header map[string]string
}

// headers: only the inlined, nonce-tagged style; forms post to the page
// itself; no framing, no caching, no referrer (the URL is the session).
func headers(nonce string) map[string]string {
	return map[string]string{
		"Content-Security-Policy": "default-src 'none'; style-src 'nonce-" + nonce + "'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	}
}

// View is what the template gets.
type View struct {
	Lang, Merchant, Base, Notice, Error, ReturnURL string
	// Logo is the path of the workspace's logo ("" = none).
	Logo     string
	TestMode bool
	Data     *Data
	T        map[string]string
	Nonce    string
	CSS      template.CSS
}

// Render renders the portal page of a session (base is the session's page
// path, logo its workspace's logo path or "", notice/errMsg a message
// after an action).
func Render(country, merchant, logo, base string, testMode bool, d *Data, returnURL, notice, errMsg string) (*Page, error) {
	lang := catalog.Language(country)
	v := View{Lang: lang, Merchant: merchant, Logo: logo, Base: base, Notice: notice, Error: errMsg, ReturnURL: returnURL, TestMode: testMode, Data: d, T: Texts(lang), CSS: template.CSS(css)}
	return render("portal.html", v, 200)
}

// Expired renders the page of an unknown or expired session (404).
func Expired(lang string) (*Page, error) {
	return render("expired.html", View{Lang: lang, T: Texts(lang), CSS: template.CSS(css)}, 404)
}

func render(name string, v View, status int) (*Page, error) {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	v.Nonce = base64.RawURLEncoding.EncodeToString(b)
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, v); err != nil {
		return nil, err
	}
	return &Page{Status: status, Body: buf.Bytes(), Header: headers(v.Nonce)}, nil
}

// Texts are the page's words in Spanish or English.
func Texts(lang string) map[string]string {
	if lang == "es" {
		return map[string]string{
			"title": "Portal de cliente", "invoices": "Facturas", "noInvoices": "No hay facturas.", "pdf": "PDF", "pay": "Pagar",
			"payWith": "Pagar con", "due": "Vence", "cards": "Tarjetas guardadas", "noCards": "No hay tarjetas guardadas.",
			"default": "Predeterminada", "remove": "Eliminar", "makeDefault": "Usar para cobros", "addCard": "Agregar tarjeta",
			"number": "Número de tarjeta", "expMonth": "Mes", "expYear": "Año", "cvc": "CVC", "save": "Guardar tarjeta",
			"subscriptions": "Suscripciones", "noSubscriptions": "No hay suscripciones.", "next": "Próximo cobro", "cancel": "Cancelar suscripción",
			"testMode": "Modo de prueba", "back": "Volver", "expired": "Este enlace expiró o no es válido.",
			"expiredHint":  "Pida un nuevo enlace a quien le envió este.",
			"st_finalized": "Por pagar", "st_pending": "Cobro fallido", "st_paid": "Pagada", "st_uncollectible": "Impaga", "st_cancelled": "Anulada",
			"done_paid": "Pago recibido. ¡Gracias!", "done_card_added": "Tarjeta guardada; la usaremos para los próximos cobros.",
			"done_default": "Usaremos esta tarjeta para los próximos cobros.", "done_card_removed": "Tarjeta eliminada.", "done_cancelled": "Suscripción cancelada.",
			"error_declined": "La tarjeta fue rechazada. Pruebe con otra.", "error_card": "No pudimos usar esa tarjeta. Revise los datos.",
			"error_card_in_use": "Esta tarjeta paga una suscripción: agregue otra antes de eliminarla.", "error_cancel_off": "Las suscripciones no se pueden cancelar aquí.",
			"error_cancel": "Esta suscripción ya no se puede cancelar.", "error_not_payable": "Esta factura no tiene saldo por pagar.",
			"st_active": "Activa", "st_paused": "Pausada", "st_needs_attention": "Requiere atención", "st_cancelled_sub": "Cancelada", "st_finalized_sub": "Terminada",
		}
	}
	return map[string]string{
		"title": "Customer portal", "invoices": "Invoices", "noInvoices": "No invoices yet.", "pdf": "PDF", "pay": "Pay",
		"payWith": "Pay with", "due": "Due", "cards": "Saved cards", "noCards": "No saved cards.",
		"default": "Default", "remove": "Remove", "makeDefault": "Use for charges", "addCard": "Add a card",
		"number": "Card number", "expMonth": "Month", "expYear": "Year", "cvc": "CVC", "save": "Save card",
		"subscriptions": "Subscriptions", "noSubscriptions": "No subscriptions.", "next": "Next charge", "cancel": "Cancel subscription",
		"testMode": "Test mode", "back": "Back", "expired": "This link has expired or is not valid.",
		"expiredHint":  "Ask whoever sent it for a new link.",
		"st_finalized": "Open", "st_pending": "Charge failed", "st_paid": "Paid", "st_uncollectible": "Unpaid", "st_cancelled": "Void",
		"done_paid": "Payment received. Thank you!", "done_card_added": "Card saved; we will use it for your next charges.",
		"done_default": "We will use this card for your next charges.", "done_card_removed": "Card removed.", "done_cancelled": "Subscription cancelled.",
		"error_declined": "The card was declined. Try another one.", "error_card": "We could not use that card. Check its details.",
		"error_card_in_use": "This card pays a subscription: add another one before removing it.", "error_cancel_off": "Subscriptions cannot be cancelled here.",
		"error_cancel": "This subscription can no longer be cancelled.", "error_not_payable": "This invoice has nothing left to pay.",
		"st_active": "Active", "st_paused": "Paused", "st_needs_attention": "Needs attention", "st_cancelled_sub": "Cancelled", "st_finalized_sub": "Ended",
	}
}
