package siifake

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/sii/siiws"
)

// soapCall reads a SOAP request: the operation and its parameters.
func soapCall(r *http.Request) (string, map[string]string, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return "", nil, false
	}
	env, err := sii.Parse(body)
	if err != nil {
		return "", nil, false
	}
	var op *sii.Elem
	if b := env.Child("Body"); b != nil {
		for _, ch := range b.Children {
			if e, ok := ch.(*sii.Elem); ok {
				op = e
				break
			}
		}
	}
	if op == nil {
		return "", nil, false
	}
	params := map[string]string{}
	for _, ch := range op.Children {
		if e, ok := ch.(*sii.Elem); ok {
			params[e.Local()] = e.Text()
		}
	}
	return op.Local(), params, true
}

// field is one element of a RESPUESTA section.
type field struct{ name, value string }

// respuesta is the SII:RESPUESTA document of the DTE services.
func respuesta(hdr, body []field, extra string) string {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><SII:RESPUESTA xmlns:SII="http://www.sii.cl/XMLSchema"><SII:RESP_HDR>`)
	writeFields(&b, hdr)
	b.WriteString(`</SII:RESP_HDR>`)
	if body != nil || extra != "" {
		b.WriteString(`<SII:RESP_BODY>`)
		writeFields(&b, body)
		b.WriteString(extra)
		b.WriteString(`</SII:RESP_BODY>`)
	}
	b.WriteString(`</SII:RESPUESTA>`)
	return b.String()
}

func writeFields(b *bytes.Buffer, fs []field) {
	for _, f := range fs {
		b.WriteString("<" + f.name + ">")
		xml.EscapeText(b, []byte(f.value))
		b.WriteString("</" + f.name + ">")
	}
}

// writeSOAP answers op with the RESPUESTA escaped inside <opReturn>, as
// the SII's Axis services do.
func writeSOAP(w http.ResponseWriter, op, resp string) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>`)
	b.WriteString(`<ns1:` + op + `Response xmlns:ns1="http://DefaultNamespace"><` + op + `Return>`)
	xml.EscapeText(&b, []byte(resp))
	b.WriteString(`</` + op + `Return></ns1:` + op + `Response></soapenv:Body></soapenv:Envelope>`)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Write(b.Bytes())
}

func soapFault(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>`)
	xml.EscapeText(&b, []byte(msg))
	b.WriteString(`</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`)
	w.Write(b.Bytes())
}

func (s *Server) seed(w http.ResponseWriter, r *http.Request) {
	op, _, ok := soapCall(r)
	if !ok || op != "getSeed" {
		soapFault(w, "expected getSeed")
		return
	}
	writeSOAP(w, "getSeed", respuesta([]field{{"ESTADO", "00"}}, []field{{"SEMILLA", s.newSeed()}}, ""))
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	op, p, ok := soapCall(r)
	if !ok || op != "getToken" {
		soapFault(w, "expected getToken")
		return
	}
	tok, state, text := s.redeem([]byte(p["pszXml"]))
	if state != "00" {
		writeSOAP(w, "getToken", respuesta([]field{{"ESTADO", state}, {"GLOSA", text}}, nil, ""))
		return
	}
	writeSOAP(w, "getToken", respuesta([]field{{"ESTADO", "00"}, {"GLOSA", text}}, []field{{"TOKEN", tok}}, ""))
}

// uploadForm reads the SII's upload form and checks the token cookie;
// status is the RECEPCIONDTE STATUS of a refusal (0: fine).
func (s *Server) uploadForm(r *http.Request) (sender, company string, file []byte, status int) {
	holder, ok := s.tokenOf(cookieToken(r))
	if !ok {
		return "", "", nil, 5
	}
	if err := r.ParseMultipartForm(16 << 20); err != nil {
		return "", "", nil, 3
	}
	sender = r.FormValue("rutSender") + "-" + strings.ToUpper(r.FormValue("dvSender"))
	company = r.FormValue("rutCompany") + "-" + strings.ToUpper(r.FormValue("dvCompany"))
	f, _, err := r.FormFile("archivo")
	if err != nil {
		return "", "", nil, 3
	}
	defer f.Close()
	if file, err = io.ReadAll(f); err != nil || len(file) == 0 {
		return "", "", nil, 2
	}
	if sender != holder {
		return "", "", nil, 1 // the sender must be the token's holder
	}
	return sender, company, file, 0
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	sender, company, file, status := s.uploadForm(r)
	track := "0"
	if status == 0 && s.repeatedFile(file) {
		status = 99 // the SII had this very envelope already
	}
	if status == 0 {
		e := s.receive(company, file)
		if e.boleta {
			status = 7 // boletas go to the boleta API
		} else {
			track = e.answer.TrackID
		}
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<?xml version="1.0"?>
<RECEPCIONDTE>
<RUTSENDER>%s</RUTSENDER>
<RUTCOMPANY>%s</RUTCOMPANY>
<FILE>envio.xml</FILE>
<TIMESTAMP>%s</TIMESTAMP>
<STATUS>%d</STATUS>
<TRACKID>%s</TRACKID>
</RECEPCIONDTE>
`, sender, company, s.now().In(sii.Santiago()).Format("2006-01-02 15:04:05"), status, track)
}

// repeatedFile reports whether the same bytes were uploaded before, and
// remembers them (the real SII answers STATUS 99 to a repeated envelope).
func (s *Server) repeatedFile(file []byte) bool {
	if s.SkipDuplicates {
		return false
	}
	sum := sha256.Sum256(file)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.files == nil {
		s.files = map[[32]byte]bool{}
	}
	seen := s.files[sum]
	s.files[sum] = true
	return seen
}

// receive runs the sandbox's checks on an uploaded envelope and keeps
// the answer under a new track id.
func (s *Server) receive(company string, file []byte) *envio {
	sb := &sii.Sandbox{SIIKeys: s.SIIKeys, Schema: s.Schema, Today: s.now()}
	a := sb.Check(file)
	a.TrackID = randomDigits(10)
	e := &envio{company: company, answer: a}
	root, err := sii.Parse(file)
	if err == nil {
		e.boleta = root.Local() == "EnvioBOLETA"
		set := root.Child("SetDTE")
		if a.Status == "EPR" && set.Path("Caratula", "RutEmisor").Text() != company {
			e.answer.Messages = append(e.answer.Messages, sii.Message{Code: "CAR-001", Severity: "error",
				Text: "RutEmisor " + set.Path("Caratula", "RutEmisor").Text() + " is not the company of the upload (" + company + ")."})
			e.answer.Status, e.answer.DocStatus = "RCT", "RCH"
		}
		for _, dte := range set.ChildrenNamed("DTE") {
			e.docs = append(e.docs, factsOf(dte.Child("Documento")))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = file
	if !s.SkipDuplicates {
		sb.Seen = func(rut string, td int, folio int64) bool {
			_, seen := s.received[docKey{rut, td, folio}]
			return seen
		}
		for _, d := range e.docs {
			sb.CheckDuplicate(&e.answer, d.key.rut, d.key.td, d.key.folio)
		}
		if e.answer.DocStatus != "RCH" {
			for _, d := range e.docs {
				s.received[d.key] = d
			}
		}
	}
	s.envios[e.answer.TrackID] = e
	return e
}

func factsOf(doc *sii.Elem) docFacts {
	enc := doc.Child("Encabezado")
	td, _ := strconv.Atoi(enc.Path("IdDoc", "TipoDTE").Text())
	folio, _ := strconv.ParseInt(enc.Path("IdDoc", "Folio").Text(), 10, 64)
	return docFacts{key: docKey{enc.Path("Emisor", "RUTEmisor").Text(), td, folio}, receiver: enc.Path("Receptor", "RUTRecep").Text(),
		date: enc.Path("IdDoc", "FchEmis").Text(), amount: enc.Path("Totales", "MntTotal").Text()}
}

// glosas are the SII's texts of the envelope states.
var glosas = map[string]string{"EPR": "Envio Procesado", "RSC": "Rechazado por Error en Schema",
	"RFR": "Rechazado por Error en Firma", "RCT": "Rechazado por Error en Caratula"}

// counts are INFORMADOS, ACEPTADOS, RECHAZADOS, REPAROS of an envelope.
func (e *envio) counts() (int, int, int, int) {
	n := len(e.docs)
	switch e.answer.DocStatus {
	case "RCH":
		return n, 0, n, 0
	case "RPR":
		return n, n, 0, n
	}
	return n, n, 0, 0
}

func (s *Server) envio(track, company string) *envio {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.envios[track]
	if e == nil || e.company != company {
		return nil
	}
	return e
}

func (s *Server) estUp(w http.ResponseWriter, r *http.Request) {
	op, p, ok := soapCall(r)
	if !ok || op != "getEstUp" {
		soapFault(w, "expected getEstUp")
		return
	}
	if _, ok := s.tokenOf(p["Token"]); !ok {
		writeSOAP(w, op, respuesta([]field{{"ESTADO", "002"}, {"GLOSA", "Token Inactivo"}}, nil, ""))
		return
	}
	e := s.envio(p["TrackId"], p["RutCompania"]+"-"+strings.ToUpper(p["DvCompania"]))
	if e == nil {
		writeSOAP(w, op, respuesta([]field{{"ESTADO", "-11"}, {"GLOSA", "TrackId no existe para esta empresa"}}, nil, ""))
		return
	}
	a := e.answer
	inf, acc, rej, rep := e.counts()
	var detail bytes.Buffer
	if len(a.Messages) > 0 {
		// the sandbox's detail, shaped like the boleta API's detalle_rep_rech
		detail.WriteString("<DETALLE_REP_RECH>")
		for _, m := range a.Messages {
			detail.WriteString("<ERROR>")
			writeFields(&detail, []field{{"CODIGO", m.Code}, {"NIVEL", m.Severity}, {"DESCRIPCION", m.Text}})
			detail.WriteString("</ERROR>")
		}
		detail.WriteString("</DETALLE_REP_RECH>")
	}
	td := ""
	if len(e.docs) > 0 {
		td = strconv.Itoa(e.docs[0].key.td)
	}
	hdr := []field{{"TRACKID", p["TrackId"]}, {"ESTADO", a.Status}, {"GLOSA", glosas[a.Status]}, {"NUM_ATENCION", p["TrackId"]}}
	body := []field{{"TIPO_DOCTO", td}, {"INFORMADOS", strconv.Itoa(inf)}, {"ACEPTADOS", strconv.Itoa(acc)},
		{"RECHAZADOS", strconv.Itoa(rej)}, {"REPAROS", strconv.Itoa(rep)}}
	writeSOAP(w, op, respuesta(hdr, body, detail.String()))
}

func (s *Server) estDte(w http.ResponseWriter, r *http.Request) {
	op, p, ok := soapCall(r)
	if !ok || op != "getEstDte" {
		soapFault(w, "expected getEstDte")
		return
	}
	if _, ok := s.tokenOf(p["Token"]); !ok {
		writeSOAP(w, op, respuesta([]field{{"ESTADO", "002"}, {"GLOSA_ESTADO", "Token Inactivo"}}, nil, ""))
		return
	}
	td, _ := strconv.Atoi(p["TipoDte"])
	folio, _ := strconv.ParseInt(p["FolioDte"], 10, 64)
	key := docKey{p["RutCompania"] + "-" + strings.ToUpper(p["DvCompania"]), td, folio}
	s.mu.Lock()
	d, found := s.received[key]
	s.mu.Unlock()
	date := p["FechaEmisionDte"] // DDMMAAAA
	if len(date) == 8 {
		date = date[4:8] + "-" + date[2:4] + "-" + date[0:2]
	}
	state, text := docState(d, found, date, p["MontoDte"], p["RutReceptor"]+"-"+strings.ToUpper(p["DvReceptor"]))
	hdr := []field{{"ESTADO", state}, {"GLOSA_ESTADO", text}, {"ERR_CODE", map[string]string{"DOK": "0", "DNK": "3", "FAU": "2"}[state]}, {"GLOSA_ERR", ""}}
	writeSOAP(w, op, respuesta(hdr, nil, ""))
}

// docState compares a document the agency received with what is asked:
// DOK, DNK (received, other data) or FAU (not received).
func docState(d docFacts, found bool, date, amount, receiver string) (string, string) {
	switch {
	case !found:
		return "FAU", "DTE No Recibido"
	case d.date != date || d.amount != amount || d.receiver != receiver:
		return "DNK", "Documento Recibido por el SII. Datos No Coinciden con los Registrados"
	}
	return "DOK", "Documento Recibido por el SII. Datos Coinciden con los Registrados"
}

// boletaDocState answers boleta.electronica/{rut}-{dv}-{tipo}-{folio}/estado.
func (s *Server) boletaDocState(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.tokenOf(cookieToken(r)); !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Token no valido"})
		return
	}
	parts := strings.Split(r.PathValue("id"), "-")
	if len(parts) != 4 {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
		return
	}
	td, _ := strconv.Atoi(parts[2])
	folio, _ := strconv.ParseInt(parts[3], 10, 64)
	s.mu.Lock()
	d, found := s.received[docKey{parts[0] + "-" + strings.ToUpper(parts[1]), td, folio}]
	s.mu.Unlock()
	q := r.URL.Query()
	date := q.Get("fechaEmision") // DD-MM-AAAA
	if len(date) == 10 {
		date = date[6:10] + "-" + date[3:5] + "-" + date[0:2]
	}
	state, text := docState(d, found, date, q.Get("monto"), q.Get("rut_receptor")+"-"+strings.ToUpper(q.Get("dv_receptor")))
	writeJSON(w, http.StatusOK, map[string]any{"estado": state, "descripcion": text})
}

// the boleta API

func writeXML(w http.ResponseWriter, doc string) {
	w.Header().Set("Content-Type", "application/xml")
	io.WriteString(w, doc)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) boletaSeed(w http.ResponseWriter, r *http.Request) {
	writeXML(w, respuesta([]field{{"ESTADO", "00"}}, []field{{"SEMILLA", s.newSeed()}}, ""))
}

func (s *Server) boletaToken(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body"})
		return
	}
	tok, state, text := s.redeem(body)
	if state != "00" {
		writeXML(w, respuesta([]field{{"ESTADO", state}, {"GLOSA", text}}, nil, ""))
		return
	}
	writeXML(w, respuesta([]field{{"ESTADO", "00"}, {"GLOSA", text}}, []field{{"TOKEN", tok}}, ""))
}

func (s *Server) boletaUpload(w http.ResponseWriter, r *http.Request) {
	sender, company, file, status := s.uploadForm(r)
	switch status {
	case 0:
	case 5:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Token no valido"})
		return
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": siiws.UploadError(status).Msg})
		return
	}
	e := s.receive(company, file)
	track, _ := strconv.ParseInt(e.answer.TrackID, 10, 64)
	writeJSON(w, http.StatusOK, map[string]any{"rut_emisor": company, "rut_envia": sender, "trackid": track,
		"fecha_recepcion": s.now().In(sii.Santiago()).Format("2006-01-02 15:04:05"), "estado": "REC", "file": "envio.xml"})
}

func (s *Server) boletaState(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.tokenOf(cookieToken(r)); !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Token no valido"})
		return
	}
	id := r.PathValue("id") // {rut}-{dv}-{trackid}
	i := strings.LastIndex(id, "-")
	if i < 0 {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
		return
	}
	e := s.envio(id[i+1:], strings.ToUpper(id[:i]))
	if e == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
		return
	}
	inf, acc, rej, rep := e.counts()
	track, _ := strconv.ParseInt(e.answer.TrackID, 10, 64)
	out := map[string]any{"rut_emisor": e.company, "trackid": track, "estado": e.answer.Status}
	stats := []map[string]any{}
	detail := []map[string]any{}
	for _, d := range e.docs {
		stats = append(stats, map[string]any{"tipo": d.key.td, "informados": inf, "aceptados": acc, "rechazados": rej, "reparos": rep})
		if len(e.answer.Messages) > 0 {
			var errs []map[string]any
			for _, m := range e.answer.Messages {
				errs = append(errs, map[string]any{"seccion": "", "linea": 0, "nivel": m.Severity, "codigo": m.Code, "descripcion": m.Text, "detalle": ""})
			}
			detail = append(detail, map[string]any{"tipo": d.key.td, "folio": d.key.folio, "estado": e.answer.DocStatus, "error": errs})
		}
	}
	out["estadistica"], out["detalle_rep_rech"] = stats, detail
	writeJSON(w, http.StatusOK, out)
}
