package dashboard

import (
	"net/http"
	"net/url"
	"strings"
)

// lang picks the page language: ?lang= (remembered in a cookie), the
// cookie, the browser's Accept-Language, else Spanish for workspaces in
// Spanish-speaking countries (docs/dashboard.md#2-pages).
func (d *Dashboard) lang(w http.ResponseWriter, r *http.Request, country string) string {
	if l := r.URL.Query().Get("lang"); l == "es" || l == "en" {
		http.SetCookie(w, &http.Cookie{Name: "cobro_lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: d.secure(r)})
		return l
	}
	if c, err := r.Cookie("cobro_lang"); err == nil && (c.Value == "es" || c.Value == "en") {
		return c.Value
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.Split(part, ";")[0]))
		if strings.HasPrefix(tag, "es") {
			return "es"
		}
		if strings.HasPrefix(tag, "en") {
			return "en"
		}
	}
	switch country {
	case "CL", "MX", "CO", "PE", "AR", "UY", "EC", "BO", "PY", "VE", "CR", "GT", "PA", "DO", "SV", "HN", "NI", "ES":
		return "es"
	}
	return "en"
}

func urlEscape(s string) string {
	return url.QueryEscape(s)
}

// words are the pages' texts: key → English, Spanish.
var words = map[string][2]string{
	"signin":              {"Sign in", "Iniciar sesión"},
	"signin.lead":         {"Sign in to run your billing.", "Ingresa para gestionar tu facturación."},
	"email":               {"Email", "Correo electrónico"},
	"password":            {"Password", "Contraseña"},
	"signin.bad":          {"Wrong email or password.", "Correo o contraseña incorrectos."},
	"signin.throttled":    {"Too many failed attempts. Try again in 15 minutes.", "Demasiados intentos fallidos. Vuelve a intentarlo en 15 minutos."},
	"signout":             {"Sign out", "Cerrar sesión"},
	"home":                {"Home", "Inicio"},
	"customers":           {"Customers", "Clientes"},
	"customer":            {"Customer", "Cliente"},
	"invoices":            {"Invoices", "Facturas"},
	"invoice":             {"Invoice", "Factura"},
	"credit_notes":        {"Credit notes", "Notas de crédito"},
	"debit_notes":         {"Debit notes", "Notas de débito"},
	"orders":              {"Orders", "Órdenes"},
	"subscriptions":       {"Subscriptions", "Suscripciones"},
	"products":            {"Products", "Productos"},
	"plans":               {"Plans", "Planes"},
	"addons":              {"Add-ons", "Complementos"},
	"coupons":             {"Coupons", "Cupones"},
	"payments":            {"Payments", "Pagos"},
	"payment_links":       {"Payment links", "Links de pago"},
	"suppliers":           {"Suppliers", "Proveedores"},
	"purchases":           {"Purchases", "Compras"},
	"webhooks":            {"Webhooks", "Webhooks"},
	"events":              {"Events", "Eventos"},
	"settings":            {"Settings", "Configuración"},
	"catalog":             {"Catalog", "Catálogo"},
	"billing":             {"Billing", "Facturación"},
	"developers":          {"Developers", "Desarrolladores"},
	"test_mode":           {"Test mode", "Modo de prueba"},
	"live_mode":           {"Live mode", "Modo real"},
	"test_banner":         {"Test mode: you are viewing test data. Nothing here is real or sent to the tax agency.", "Modo de prueba: estás viendo datos de prueba. Nada aquí es real ni se envía al SII."},
	"workspace":           {"Workspace", "Espacio de trabajo"},
	"switch":              {"Switch", "Cambiar"},
	"mrr":                 {"MRR", "MRR"},
	"mrr.hint":            {"Monthly recurring revenue of active subscriptions", "Ingreso recurrente mensual de suscripciones activas"},
	"outstanding":         {"Outstanding", "Por cobrar"},
	"overdue":             {"Overdue", "Vencido"},
	"payments_month":      {"Payments this month", "Pagos este mes"},
	"revenue_month":       {"Revenue by month", "Ingresos por mes"},
	"aging":               {"Aging of receivables", "Antigüedad de cuentas por cobrar"},
	"aging.current":       {"Not due", "Por vencer"},
	"aging.1_30":          {"1–30 days", "1–30 días"},
	"aging.31_60":         {"31–60 days", "31–60 días"},
	"aging.61_90":         {"61–90 days", "61–90 días"},
	"aging.over_90":       {"Over 90 days", "Más de 90 días"},
	"new":                 {"New", "Nuevo"},
	"create":              {"Create", "Crear"},
	"save":                {"Save", "Guardar"},
	"save_draft":          {"Save draft", "Guardar borrador"},
	"search":              {"Search", "Buscar"},
	"all":                 {"All", "Todos"},
	"status":              {"Status", "Estado"},
	"name":                {"Name", "Nombre"},
	"tax_id":              {"Tax ID", "RUT / ID tributario"},
	"country":             {"Country", "País"},
	"currency":            {"Currency", "Moneda"},
	"balance":             {"Balance", "Saldo"},
	"sales":               {"Sales", "Ventas"},
	"number":              {"Number", "Número"},
	"date":                {"Date", "Fecha"},
	"due_date":            {"Due date", "Vencimiento"},
	"total":               {"Total", "Total"},
	"amount":              {"Amount", "Monto"},
	"net":                 {"Net", "Neto"},
	"exempt":              {"Exempt", "Exento"},
	"tax":                 {"Tax", "Impuesto"},
	"subtotal":            {"Subtotal", "Subtotal"},
	"quantity":            {"Quantity", "Cantidad"},
	"unit_price":          {"Unit price", "Precio unitario"},
	"description":         {"Description", "Descripción"},
	"lines":               {"Lines", "Líneas"},
	"add_line":            {"Add line", "Agregar línea"},
	"remove":              {"Remove", "Quitar"},
	"document_type":       {"Document type", "Tipo de documento"},
	"finalize":            {"Finalize", "Emitir"},
	"finalize.confirm":    {"Finalize this document? It gets its number and can no longer be edited.", "¿Emitir este documento? Recibe su folio y ya no se puede editar."},
	"pdf":                 {"PDF", "PDF"},
	"open_pdf":            {"Open PDF", "Abrir PDF"},
	"credit_note":         {"Credit note", "Nota de crédito"},
	"full_credit":         {"Issue a full credit note", "Emitir nota de crédito total"},
	"payment_link":        {"Payment link", "Link de pago"},
	"create_link":         {"Create payment link", "Crear link de pago"},
	"copy":                {"Copy", "Copiar"},
	"copied":              {"Copied", "Copiado"},
	"open":                {"Open", "Abrir"},
	"created":             {"Created", "Creado"},
	"previous":            {"Previous", "Anterior"},
	"next":                {"Next", "Siguiente"},
	"page_of":             {"Page %d · %d results", "Página %d · %d resultados"},
	"empty":               {"Nothing here yet.", "Aún no hay nada aquí."},
	"not_found":           {"Not found.", "No encontrado."},
	"fix_errors":          {"Please fix the fields marked below.", "Corrige los campos marcados."},
	"details":             {"Details", "Detalle"},
	"pause":               {"Pause", "Pausar"},
	"resume":              {"Resume", "Reanudar"},
	"cancel":              {"Cancel", "Cancelar"},
	"next_billing":        {"Next run", "Próximo cobro"},
	"redeliver":           {"Redeliver", "Reenviar"},
	"deliveries":          {"Deliveries", "Entregas"},
	"url":                 {"URL", "URL"},
	"event":               {"Event", "Evento"},
	"kind":                {"Kind", "Tipo"},
	"gateway":             {"Gateway", "Pasarela"},
	"configured":          {"Configured", "Configurada"},
	"not_configured":      {"Not configured", "Sin configurar"},
	"api_token":           {"API token", "Token de API"},
	"rotate_token":        {"Issue a new API token", "Emitir un nuevo token de API"},
	"token_once":          {"Copy it now: it is shown only once. The previous token no longer works.", "Cópialo ahora: se muestra una sola vez. El token anterior dejó de funcionar."},
	"users":               {"Users", "Usuarios"},
	"smtp":                {"Email (SMTP)", "Correo (SMTP)"},
	"smtp_test":           {"Send a test message", "Enviar un mensaje de prueba"},
	"smtp_off":            {"No SMTP server is configured (COBRO_SMTP_URL): no email is sent.", "No hay servidor SMTP configurado (COBRO_SMTP_URL): no se envían correos."},
	"sii":                 {"Tax agency (SII)", "SII"},
	"certificate":         {"Certificate", "Certificado"},
	"upload":              {"Upload", "Subir"},
	"caf":                 {"CAF (folios)", "CAF (folios)"},
	"folios_left":         {"Folios left", "Folios disponibles"},
	"environment":         {"Environment", "Ambiente"},
	"language":            {"Language", "Idioma"},
	"phone":               {"Phone", "Teléfono"},
	"address":             {"Address", "Dirección"},
	"invoices_of":         {"Invoices", "Facturas"},
	"view_all":            {"View all", "Ver todo"},
	"paid_with_card":      {"Pay with the test card on the hosted page.", "Paga con la tarjeta de prueba en la página de pago."},
	"type":                {"Type", "Tipo"},
	"active":              {"Active", "Activo"},
	"skip":                {"Skip to content", "Ir al contenido"},
	"menu":                {"Menu", "Menú"},
	"password.file":       {"Certificate password", "Contraseña del certificado"},
	"frequency":           {"Frequency", "Frecuencia"},
	"plan":                {"Plan", "Plan"},
	"supplier":            {"Supplier", "Proveedor"},
	"interval":            {"Interval", "Intervalo"},
	"code":                {"Code", "Código"},
	"percent_off":         {"Percent off", "Porcentaje de descuento"},
	"duration":            {"Duration", "Duración"},
	"reason":              {"Reason", "Motivo"},
	"none":                {"—", "—"},
	"state":               {"State / region", "Región"},
	"unit_label":          {"Unit label", "Unidad"},
	"product":             {"Product", "Producto"},
	"discount_scheme":     {"Discount type", "Tipo de descuento"},
	"duration_times":      {"Runs (limited)", "Cobros (limitado)"},
	"date_start":          {"Start date", "Fecha de inicio"},
	"collection_scheme":   {"Collection", "Cobranza"},
	"delete":              {"Delete", "Eliminar"},
	"new_invoice":         {"New invoice", "Nueva factura"},
	"new_item":            {"New", "Crear"},
	"smtp_subject":        {"Cobro test message", "Mensaje de prueba de Cobro"},
	"smtp_body":           {"This message confirms that Cobro can send email with its SMTP settings.", "Este mensaje confirma que Cobro puede enviar correos con su configuración SMTP."},
	"smtp_failed":         {"The message could not be sent:", "No se pudo enviar el mensaje:"},
	"smtp_sent":           {"Test message sent to", "Mensaje de prueba enviado a"},
	"email.invalid":       {"Enter a valid email address.", "Ingresa un correo válido."},
	"send":                {"Send", "Enviar"},
	"time_zone":           {"Time zone", "Zona horaria"},
	"id":                  {"Object", "Objeto"},
	"business_name":       {"Business name", "Razón social"},
	"no_customers":        {"Create a customer first:", "Primero crea un cliente:"},
	"gateways":            {"Payment gateways", "Pasarelas de pago"},
	"default":             {"Default", "Predeterminada"},
	"make_default":        {"Use it by default", "Usarla por defecto"},
	"stored":              {"stored (leave blank to keep)", "guardada (deja en blanco para mantenerla)"},
	"payments_count":      {"%d succeeded", "%d recibidos"},
	"cl_activity":         {"Line of business (giro)", "Giro"},
	"cl_commune":          {"Commune", "Comuna"},
	"invite":              {"Invite a user", "Invitar a un usuario"},
	"invite.button":       {"Send invitation", "Enviar invitación"},
	"invite.hint":         {"They get an email with a link to set their password; it works once, for 72 hours.", "Recibe un correo con un enlace para definir su contraseña; sirve una vez, durante 72 horas."},
	"invite.no_smtp":      {"Invitations are emailed: set COBRO_SMTP_URL to invite users.", "Las invitaciones se envían por correo: configura COBRO_SMTP_URL para invitar usuarios."},
	"invite.member":       {"This address already belongs to a user of the workspace.", "Este correo ya pertenece a un usuario del espacio."},
	"invite.sent":         {"Invitation sent to", "Invitación enviada a"},
	"invite.subject":      {"Your invitation to %s on Cobro", "Tu invitación a %s en Cobro"},
	"invite.body":         {"%s invited you to %s on Cobro.\n\nSet your password to join:\n%s\n\nThe link works once and expires in %d hours. If you did not expect this email, ignore it.\n", "%s te invitó a %s en Cobro.\n\nDefine tu contraseña para unirte:\n%s\n\nEl enlace sirve una vez y vence en %d horas. Si no esperabas este correo, ignóralo.\n"},
	"invite.title":        {"Join a workspace", "Unirse a un espacio"},
	"invite.lead":         {"You were invited to %s. Choose a password to sign in with.", "Te invitaron a %s. Elige una contraseña para ingresar."},
	"invite.accept":       {"Set password and join", "Definir contraseña y unirme"},
	"invite.spent":        {"This invitation link was already used or has expired. Ask for a new invitation.", "Este enlace de invitación ya se usó o venció. Pide una nueva invitación."},
	"invite.joined":       {"Your password is set: sign in.", "Tu contraseña quedó definida: ingresa."},
	"invited":             {"Invited", "Invitado"},
	"expires":             {"Expires", "Vence"},
	"you":                 {"you", "tú"},
	"remove_user":         {"Remove", "Quitar"},
	"remove_user.confirm": {"Remove %s from this workspace?", "¿Quitar a %s de este espacio?"},
	"remove.self":         {"You cannot remove yourself; another user of the workspace can.", "No puedes quitarte a ti mismo; otro usuario del espacio puede hacerlo."},
	"password.new":        {"New password (10 characters or more)", "Nueva contraseña (10 caracteres o más)"},
	"password.again":      {"The password again", "Repite la contraseña"},
	"password.short":      {"Use at least %d characters.", "Usa al menos %d caracteres."},
	"password.mismatch":   {"The two passwords differ.", "Las contraseñas no coinciden."},
	"new_order":           {"New order", "Nueva guía de despacho"},
	"new_purchase":        {"New purchase", "Nueva compra"},
	"new_debit_note":      {"New debit note", "Nueva nota de débito"},
	"no_customer":         {"Create a customer first:", "Primero crea un cliente:"},
	"no_supplier":         {"Create a supplier first:", "Primero crea un proveedor:"},
	"no_invoice":          {"Only finalized invoices take a debit note; finalize one first:", "Solo las facturas emitidas admiten nota de débito; emite una primero:"},
	"carrier_name":        {"Carrier", "Transportista"},
	"licence_plate":       {"Licence plate", "Patente"},
	"note":                {"Note", "Nota"},
	"apply_scheme":        {"Billed", "Cobro"},
	"partial_credit":      {"Credit some lines", "Nota de crédito parcial"},
	"partial_credit.hint": {"Tick the lines to credit and set the quantity and unit price to credit; the API computes the note's totals.", "Marca las líneas a acreditar e indica cantidad y precio unitario; la API calcula los totales de la nota."},
	"credit_line":         {"Line to credit", "Línea a acreditar"},
	"create_credit":       {"Create credit note", "Crear nota de crédito"},
	"credit.none":         {"Tick at least one line to credit.", "Marca al menos una línea a acreditar."},
	"retention":           {"Retention", "Retención"},
	"time":                {"Time", "Hora"},
	"status_code":         {"Status", "Estado"},
	"attempt":             {"Attempt", "Intento"},
	"response":            {"Response", "Respuesta"},
	"redelivered":         {"Delivery queued again.", "Entrega en cola otra vez."},
	"no_deliveries":       {"No deliveries in the last events.", "Sin entregas en los últimos eventos."},
}

// tr translates a key; unknown keys show as themselves.
func tr(lang, key string) string {
	w, ok := words[key]
	if !ok {
		return key
	}
	if lang == "es" {
		return w[1]
	}
	return w[0]
}
