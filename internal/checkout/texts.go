package checkout

// texts are the words of the hosted page in one language.
type texts struct {
	TestBanner, Unavailable, UnavailableTitle, Name, Email, CardNumber, Expiry, ExpiryHint, CVC string
	Pay, TestHint, Thanks, Received, Invoice, Reference, Download, Secured                      string
	Processing, Generic, Network, Cancelled, BadExpiry, Slow, InvoiceLater, ReceivedLater       string
	// The Stripe page: its card field, test cards, and why it may fail to load.
	Card, StripeTestHint, SecuredStripe, StripeMissing string
	Fields                                             map[string]string
	Reasons                                            map[string]string
	// Messages translates the server's field messages shown on the page.
	Messages map[string]string
}

func (t texts) field(id string) string {
	if s, ok := t.Fields[id]; ok {
		return s
	}
	return id
}

// script is the part of the texts the page script needs.
func (t texts) script() map[string]any {
	return map[string]any{"pay": t.Pay, "processing": t.Processing, "generic": t.Generic, "network": t.Network,
		"cancelled": t.Cancelled, "badExpiry": t.BadExpiry, "slow": t.Slow, "invoiceLater": t.InvoiceLater, "receivedLater": t.ReceivedLater, "stripeMissing": t.StripeMissing, "reasons": t.Reasons, "messages": t.Messages}
}

var english = texts{
	TestBanner: "TEST MODE · no real money moves", Unavailable: "This payment link is no longer available.",
	UnavailableTitle: "Payment link unavailable", Name: "Full name", Email: "Email", CardNumber: "Card number",
	Expiry: "Expiry", ExpiryHint: "MM / YY", CVC: "Security code", Pay: "Pay",
	TestHint: "Test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined, 4000 0027 6000 3184 asks for authentication.",
	Thanks:   "Payment received", Received: "Thank you. Your payment was processed and your receipt is ready.",
	Invoice: "Invoice", Reference: "Reference", Download: "Download the invoice (PDF)", Secured: "Payments processed by Cobro",
	Processing: "Processing…", Generic: "The payment could not be processed. Check the data and try again.",
	Network: "Network error: check your connection and try again.", Cancelled: "The payment was cancelled.",
	BadExpiry: "Enter the expiry as MM / YY.", Slow: "The payment is taking longer than usual; check back later.",
	InvoiceLater: "being issued", ReceivedLater: "Thank you. Your payment was processed; the invoice is being issued.",
	Card: "Card", StripeTestHint: "Stripe test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 9995 has insufficient funds, 4000 0025 0000 3155 asks for 3-D Secure; any future expiry and CVC.",
	SecuredStripe: "Card data goes straight to Stripe; payments processed by Cobro", StripeMissing: "The card form could not be loaded. Check your connection or disable content blockers, then reload the page.",
	Fields: map[string]string{"tax_id": "Tax ID", "address": "Address", "state": "State / region", "activity": "Business activity", "commune": "Commune"},
	Reasons: map[string]string{
		"card_declined":         "Your card was declined. Try another card.",
		"insufficient_funds":    "Your card has insufficient funds. Try another card.",
		"authentication_failed": "The card authentication failed. Try again or use another card.",
		"expired_authorization": "The authorization expired. Please try again.",
		"other":                 "The payment failed. Try again or use another card.",
	},
}

var spanish = texts{
	TestBanner: "MODO DE PRUEBA · no se mueve dinero real", Unavailable: "Este link de pago ya no está disponible.",
	UnavailableTitle: "Link de pago no disponible", Name: "Nombre completo", Email: "Correo electrónico", CardNumber: "Número de tarjeta",
	Expiry: "Vencimiento", ExpiryHint: "MM / AA", CVC: "Código de seguridad", Pay: "Pagar",
	TestHint: "Tarjetas de prueba: 4242 4242 4242 4242 aprueba, 4000 0000 0000 0002 es rechazada, 4000 0027 6000 3184 pide autenticación.",
	Thanks:   "Pago recibido", Received: "Gracias. Tu pago fue procesado y tu comprobante está listo.",
	Invoice: "Documento", Reference: "Referencia", Download: "Descargar el documento (PDF)", Secured: "Pagos procesados por Cobro",
	Processing: "Procesando…", Generic: "No se pudo procesar el pago. Revisa los datos e intenta de nuevo.",
	Network: "Error de red: revisa tu conexión e intenta de nuevo.", Cancelled: "El pago fue anulado.",
	BadExpiry: "Ingresa el vencimiento como MM / AA.", Slow: "El pago está tardando más de lo normal; vuelve a revisar más tarde.",
	InvoiceLater: "en emisión", ReceivedLater: "Gracias. Tu pago fue procesado; el documento se está emitiendo.",
	Card: "Tarjeta", StripeTestHint: "Tarjetas de prueba de Stripe: 4242 4242 4242 4242 aprueba, 4000 0000 0000 9995 no tiene fondos, 4000 0025 0000 3155 pide 3-D Secure; cualquier vencimiento futuro y CVC.",
	SecuredStripe: "Los datos de la tarjeta van directo a Stripe; pagos procesados por Cobro", StripeMissing: "No se pudo cargar el formulario de la tarjeta. Revisa tu conexión o desactiva bloqueadores de contenido y recarga la página.",
	Fields: map[string]string{"tax_id": "RUT", "address": "Dirección", "state": "Región", "activity": "Giro", "commune": "Comuna"},
	Reasons: map[string]string{
		"card_declined":         "Tu tarjeta fue rechazada. Intenta con otra tarjeta.",
		"insufficient_funds":    "Tu tarjeta no tiene fondos suficientes. Intenta con otra tarjeta.",
		"authentication_failed": "La autenticación de la tarjeta falló. Intenta de nuevo o usa otra tarjeta.",
		"expired_authorization": "La autorización expiró. Intenta de nuevo.",
		"other":                 "El pago falló. Intenta de nuevo o usa otra tarjeta.",
	},
	Messages: map[string]string{
		"Invalid card number.":                           "Número de tarjeta inválido.",
		"The card has expired.":                          "La tarjeta está vencida.",
		"Invalid security code.":                         "Código de seguridad inválido.",
		"This field is required.":                        "Este campo es obligatorio.",
		"This field may not be blank.":                   "Este campo es obligatorio.",
		"Enter a valid email address.":                   "Ingresa un correo electrónico válido.",
		"A valid integer is required.":                   "Ingresa un número válido.",
		"Ensure this value is less than or equal to 12.": "El mes debe estar entre 01 y 12.",
		"Invalid RUT: the check digit does not match.":   "RUT inválido: el dígito verificador no coincide.",
	},
}

func textsFor(lang string) texts {
	if lang == "es" {
		return spanish
	}
	return english
}
