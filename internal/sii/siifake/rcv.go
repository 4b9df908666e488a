package siifake

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"

	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/sii/siiws"
)

// The register of acceptances and claims (RCV): what the sandbox answers
// is in docs/tax-agency.md#13-the-register-of-acceptances-and-claims-rcv.

type rcvEvent struct {
	code, rut, dv, date string
}

var rcvTexts = map[string]string{
	"ACD": "Acepta Contenido del Documento",
	"RCD": "Reclamo al Contenido del Documento",
	"RFP": "Reclamo por Falta Parcial de Mercaderias",
	"RFT": "Reclamo por Falta Total de Mercaderias",
	"ERM": "Otorga Recibo de Mercaderias o Servicios",
}

// rcv serves registroreclamodteservice (both environments' paths).
func (s *Server) rcv(w http.ResponseWriter, r *http.Request) {
	op, p, ok := soapCall(r)
	if !ok {
		soapFault(w, "Solicitud no es un mensaje SOAP")
		return
	}
	holder, valid := s.tokenOf(cookieToken(r))
	if !valid {
		soapFault(w, "Token no valido o expirado")
		return
	}
	td, err1 := strconv.Atoi(p["tipoDoc"])
	folio, err2 := strconv.ParseInt(p["folio"], 10, 64)
	if err1 != nil || err2 != nil || p["rutEmisor"] == "" {
		writeRCV(w, op, 1, "Error en parametros de entrada", nil)
		return
	}
	key := docKey{p["rutEmisor"] + "-" + p["dvEmisor"], td, folio}
	switch op {
	case "ingresarAceptacionReclamoDoc":
		code, text := s.fileRCV(key, p["accionDoc"], holder)
		writeRCV(w, op, code, text, nil)
	case "listarEventosHistDoc":
		s.mu.Lock()
		evs := slices.Clone(s.register[key])
		s.mu.Unlock()
		writeRCV(w, op, 0, "Se entregan los eventos del documento", evs)
	default:
		soapFault(w, "Operacion desconocida: "+op)
	}
}

// fileRCV records an action: an acceptance or claim is final (ERM may
// join it); the same action again answers 7.
func (s *Server) fileRCV(key docKey, action, holder string) (int, string) {
	if _, ok := rcvTexts[action]; !ok {
		return 1, "Accion no valida: " + action
	}
	if key.td != 33 && key.td != 34 && key.td != 43 {
		return 2, "Tipo de documento no se registra en el RCV"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.register == nil {
		s.register = map[docKey][]rcvEvent{}
	}
	if _, ok := s.received[key]; !ok && !s.SkipDuplicates {
		return 16, "Documento no ha sido recibido por el SII"
	}
	for _, e := range s.register[key] {
		if e.code == action {
			return siiws.RCVRegistered, "Evento registrado previamente"
		}
		if action != "ERM" && e.code != "ERM" {
			return 6, "El documento ya tiene " + rcvTexts[e.code]
		}
	}
	rut, dv := siiws.SplitRUT(holder)
	s.register[key] = append(s.register[key], rcvEvent{code: action, rut: rut, dv: dv, date: s.now().In(sii.Santiago()).Format("02-01-2006 15:04:05")})
	return siiws.RCVOK, "Accion Completada OK"
}

// writeRCV answers op the way the JAX-WS service does: <return> with
// codResp, descResp and the events.
func writeRCV(w http.ResponseWriter, op string, code int, text string, evs []rcvEvent) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>`)
	b.WriteString(`<ns2:` + op + `Response xmlns:ns2="` + siiws.NSRCV + `"><return>`)
	writeFields(&b, []field{{"codResp", strconv.Itoa(code)}, {"descResp", text}})
	for _, e := range evs {
		b.WriteString("<listaEventosDoc>")
		writeFields(&b, []field{{"codEvento", e.code}, {"descEvento", rcvTexts[e.code]}, {"dvResponsable", e.dv}, {"fechaEvento", e.date}, {"rutResponsable", e.rut}})
		b.WriteString("</listaEventosDoc>")
	}
	b.WriteString(`</return></ns2:` + op + `Response></S:Body></S:Envelope>`)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Write(b.Bytes())
}
