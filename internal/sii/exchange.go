package sii

import (
	"hash/fnv"
	"strconv"
	"time"
)

// The exchange between companies (docs/procurement.md#63-exchange-answers):
// the receiver of an EnvioDTE answers its issuer with a signed
// RespuestaDTE (the envelope's reception, RecepcionEnvio, or the
// commercial result, ResultadoDTE) and an EnvioRecibos (the receipt of
// goods or services of Ley 19.983). Schemas: RespuestaEnvioDTE_v10.xsd and
// EnvioRecibos_v10.xsd.

// DocKey identifies a DTE in an answer.
type DocKey struct {
	Type        int
	Folio       int64
	Date        string
	IssuerRUT   string
	ReceiverRUT string
	Total       string // MntTotal, whole pesos
}

// ExchangeParty is who answers (the receiver of the DTEs) and to whom.
type ExchangeParty struct {
	Responder, Recipient string // RutResponde, RutRecibe
	Contact, Email       string // NmbContacto, MailContacto ("" omitted)
}

// DocReception is a RecepcionDTE: the state of one document of the envelope.
type DocReception struct {
	DocKey
	Status int // EstadoRecepDTE: 0 ok, 1 signature, 2 issuer RUT, 3 receiver RUT, 4 repeated, 99 other
	Gloss  string
}

// EnvelopeReception is a RecepcionEnvio.
type EnvelopeReception struct {
	FileName    string // NmbEnvio
	Received    time.Time
	Code        int64  // CodEnvio
	EnvelopeID  string // EnvioDTEID: SetDTE/@ID
	Digest      string // the envelope signature's DigestValue ("" omitted)
	IssuerRUT   string
	ReceiverRUT string
	Status      int // EstadoRecepEnv: 0 ok, 1 schema, 2 signature, 3 receiver RUT, 90 repeated, 91 unreadable, 99 other
	Gloss       string
	Docs        []DocReception
}

// DocResult is a ResultadoDTE: the commercial answer on one document.
type DocResult struct {
	DocKey
	Code   int64 // CodEnvio of the envelope that brought it
	Status int   // EstadoDTE: 0 accepted, 1 accepted with discrepancies, 2 rejected
	Gloss  string
	// Reason is CodRchDsc (a negative code), 0 omitted.
	Reason int
}

// Receipt is a Recibo: goods or services received, by whom and where.
type Receipt struct {
	DocKey
	Place     string // Recinto
	SignerRUT string // RutFirma
}

// ReceiptDeclaration is the text the schema fixes for Declaracion.
const ReceiptDeclaration = "El acuse de recibo que se declara en este acto, de acuerdo a lo dispuesto en la letra b) del Art. 4, y la letra c) del Art. 5 de la Ley 19.983, acredita que la entrega de mercaderias o servicio(s) prestado(s) ha(n) sido recibido(s)."

// AnswerNumber is a positive number of 10 digits derived from key: the
// IdRespuesta and CodEnvio of the exchange, stable for the same key.
func AnswerNumber(key string) int64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return int64(h.Sum64()%9000000000) + 1000000000
}

func respuestaRoot(p ExchangeParty, answerID int64, details int, now time.Time) (root, result *Elem) {
	root = E("RespuestaDTE", "xmlns", NSSii, "xmlns:xsi", NSXSI, "xsi:schemaLocation", NSSii+" RespuestaEnvioDTE_v10.xsd", "version", "1.0")
	result = E("Resultado", "ID", "ResultadoEnvio")
	car := E("Caratula", "version", "1.0").T("RutResponde", p.Responder).T("RutRecibe", p.Recipient).
		T("IdRespuesta", strconv.FormatInt(answerID, 10)).T("NroDetalles", strconv.Itoa(details))
	car.Opt("NmbContacto", Clean(p.Contact, 40)).Opt("MailContacto", Clean(p.Email, 80)).T("TmstFirmaResp", LocalTime(now))
	result.Add(car)
	root.Add(result)
	return root, result
}

func (k DocKey) add(e *Elem, typeName string) *Elem {
	return e.T(typeName, strconv.Itoa(k.Type)).T("Folio", strconv.FormatInt(k.Folio, 10)).T("FchEmis", k.Date).
		T("RUTEmisor", k.IssuerRUT).T("RUTRecep", k.ReceiverRUT).T("MntTotal", k.Total)
}

// BuildRecepcionEnvio is the signed RespuestaDTE that acknowledges an
// envelope and states each of its documents.
func BuildRecepcionEnvio(p ExchangeParty, answerID int64, r EnvelopeReception, cert *Certificate, now time.Time) ([]byte, error) {
	root, result := respuestaRoot(p, answerID, 1, now)
	re := E("RecepcionEnvio").T("NmbEnvio", Clean(r.FileName, 80)).T("FchRecep", LocalTime(r.Received)).
		T("CodEnvio", strconv.FormatInt(r.Code, 10)).T("EnvioDTEID", Clean(r.EnvelopeID, 80)).Opt("Digest", r.Digest).
		Opt("RutEmisor", r.IssuerRUT).Opt("RutReceptor", r.ReceiverRUT).
		T("EstadoRecepEnv", strconv.Itoa(r.Status)).T("RecepEnvGlosa", Clean(r.Gloss, 256))
	if len(r.Docs) > 0 {
		re.T("NroDTE", strconv.Itoa(len(r.Docs)))
	}
	for _, d := range r.Docs {
		re.Add(d.add(E("RecepcionDTE"), "TipoDTE").T("EstadoRecepDTE", strconv.Itoa(d.Status)).T("RecepDTEGlosa", Clean(d.Gloss, 256)))
	}
	result.Add(re)
	if err := SignInPlace(root, result, cert); err != nil {
		return nil, err
	}
	return Latin1Document(root), nil
}

// BuildResultadoDTE is the signed RespuestaDTE with the commercial result
// of documents.
func BuildResultadoDTE(p ExchangeParty, answerID int64, results []DocResult, cert *Certificate, now time.Time) ([]byte, error) {
	root, result := respuestaRoot(p, answerID, len(results), now)
	for _, r := range results {
		e := r.add(E("ResultadoDTE"), "TipoDTE").T("CodEnvio", strconv.FormatInt(r.Code, 10)).
			T("EstadoDTE", strconv.Itoa(r.Status)).T("EstadoDTEGlosa", Clean(r.Gloss, 256))
		if r.Reason < 0 {
			e.T("CodRchDsc", strconv.Itoa(r.Reason))
		}
		result.Add(e)
	}
	if err := SignInPlace(root, result, cert); err != nil {
		return nil, err
	}
	return Latin1Document(root), nil
}

// BuildEnvioRecibos is the signed EnvioRecibos: each Recibo signed, and
// the set signed.
func BuildEnvioRecibos(p ExchangeParty, receipts []Receipt, cert *Certificate, now time.Time) ([]byte, error) {
	root := E("EnvioRecibos", "xmlns", NSSii, "xmlns:xsi", NSXSI, "xsi:schemaLocation", NSSii+" EnvioRecibos_v10.xsd", "version", "1.0")
	set := E("SetRecibos", "ID", "SetDteRecibidos")
	root.Add(set)
	car := E("Caratula", "version", "1.0").T("RutResponde", p.Responder).T("RutRecibe", p.Recipient)
	car.Opt("NmbContacto", Clean(p.Contact, 40)).Opt("MailContacto", Clean(p.Email, 80)).T("TmstFirmaEnv", LocalTime(now))
	set.Add(car)
	for _, r := range receipts {
		rec := E("Recibo", "version", "1.0")
		set.Add(rec)
		doc := r.add(E("DocumentoRecibo", "ID", "R"+strconv.Itoa(r.Type)+"F"+strconv.FormatInt(r.Folio, 10)), "TipoDoc").
			T("Recinto", Clean(r.Place, 80)).T("RutFirma", r.SignerRUT).T("Declaracion", ReceiptDeclaration).T("TmstFirmaRecibo", LocalTime(now))
		rec.Add(doc)
		if err := SignInPlace(rec, doc, cert); err != nil {
			return nil, err
		}
	}
	if err := SignInPlace(root, set, cert); err != nil {
		return nil, err
	}
	return Latin1Document(root), nil
}

// ExchangeSchemaCheck validates an answer against its SII schema
// (RespuestaEnvioDTE_v10.xsd or EnvioRecibos_v10.xsd, by its root).
func ExchangeSchemaCheck(xml []byte) []string {
	root, err := Parse(xml)
	if err != nil {
		return []string{"The answer is not well-formed XML."}
	}
	xsd := "RespuestaEnvioDTE_v10.xsd"
	if root.Local() == "EnvioRecibos" {
		xsd = "EnvioRecibos_v10.xsd"
	}
	return xmllintCheck(xml, xsd)
}
