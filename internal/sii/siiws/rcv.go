package siiws

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"github.com/cobrobilling/cobro/internal/sii"
)

// The SII's register of acceptances and claims of received facturas (the
// RCV's registroreclamodteservice, Ley 19.983): a JAX-WS SOAP service on
// ws1 (production) / ws2 (certification), authenticated by the DTE token
// in a TOKEN cookie (docs/tax-agency.md#13-the-register-of-acceptances-and-claims-rcv).
const (
	PathRCV     = "/WSREGISTRORECLAMODTE/registroreclamodteservice"
	PathRCVCert = "/WSREGISTRORECLAMODTECERT/registroreclamodteservice"
	// NSRCV is the service's namespace.
	NSRCV = "http://ws.registroreclamodte.diii.sdi.sii.cl"
)

// RCV actions: accept the content (ACD), claim the content (RCD), claim a
// partial (RFP) or total (RFT) lack of goods, grant the receipt of goods
// (ERM).
var RCVActions = []string{"ACD", "RCD", "RFP", "RFT", "ERM"}

// RCVAnswer is codResp and descResp of the service.
type RCVAnswer struct {
	Code int
	Text string
}

// RCV answer codes the client relies on.
const (
	RCVOK         = 0
	RCVRegistered = 7 // the event was already registered
)

// RCVEvent is one event the SII holds for a document.
type RCVEvent struct {
	Code, Text, Responsible, Date string
}

func (c *Client) rcvPath() string {
	if c.Env == Production {
		return PathRCV
	}
	return PathRCVCert
}

// rcvRequest is the SOAP body of op in the service's namespace.
func rcvRequest(op string, params ...string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="` + nsSOAP + `" xmlns:ws="` + NSRCV + `"><soapenv:Body><ws:` + op + `>`)
	for i := 0; i+1 < len(params); i += 2 {
		b.WriteString("<" + params[i] + ">")
		xml.EscapeText(&b, []byte(params[i+1]))
		b.WriteString("</" + params[i] + ">")
	}
	b.WriteString(`</ws:` + op + `></soapenv:Body></soapenv:Envelope>`)
	return b.Bytes()
}

// rcvCall posts op with the token cookie and returns its <return>.
func (c *Client) rcvCall(ctx context.Context, tok, op string, params ...string) (*sii.Elem, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL(c.rcvPath()), bytes.NewReader(rcvRequest(op, params...)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `""`)
	req.AddCookie(&http.Cookie{Name: "TOKEN", Value: tok})
	body, status, err := c.do(req)
	if err != nil && status != http.StatusInternalServerError { // SOAP faults come with HTTP 500
		return nil, err
	}
	env, perr := sii.Parse(body)
	if perr != nil || env.Local() != "Envelope" {
		return nil, &Error{Temporary, "NOT-SOAP", "The SII's register answered HTTP " + strconv.Itoa(status) + " without a SOAP document (maintenance?)."}
	}
	b := env.Child("Body")
	if f := b.Child("Fault"); f != nil {
		text := strings.TrimSpace(f.Child("faultstring").Text())
		if strings.Contains(strings.ToLower(text), "token") {
			return nil, &Error{TokenRefused, "TOKEN", text}
		}
		return nil, &Error{Temporary, "SOAP-FAULT", "The SII's register failed: " + text}
	}
	ret := b.Path(op+"Response", "return")
	if ret == nil {
		return nil, &Error{Temporary, "NOT-SOAP", "The SII's register answer has no " + op + "Response."}
	}
	return ret, nil
}

// RCVAction files action for the document of issuer (type td, folio) in
// the register; the certificate's holder acts for the receiver.
func (c *Client) RCVAction(ctx context.Context, cert *sii.Certificate, issuer string, td int, folio int64, action string) (RCVAnswer, error) {
	var a RCVAnswer
	err := c.withToken(ctx, cert, false, func(tok string) error {
		rut, dv := SplitRUT(issuer)
		ret, err := c.rcvCall(ctx, tok, "ingresarAceptacionReclamoDoc", "rutEmisor", rut, "dvEmisor", dv, "tipoDoc", strconv.Itoa(td),
			"folio", strconv.FormatInt(folio, 10), "accionDoc", action)
		if err != nil {
			return err
		}
		a.Code, _ = strconv.Atoi(strings.TrimSpace(ret.Child("codResp").Text()))
		a.Text = strings.TrimSpace(ret.Child("descResp").Text())
		return nil
	})
	return a, err
}

// RCVEvents lists the events the register holds for a document.
func (c *Client) RCVEvents(ctx context.Context, cert *sii.Certificate, issuer string, td int, folio int64) (RCVAnswer, []RCVEvent, error) {
	var a RCVAnswer
	var evs []RCVEvent
	err := c.withToken(ctx, cert, false, func(tok string) error {
		rut, dv := SplitRUT(issuer)
		ret, err := c.rcvCall(ctx, tok, "listarEventosHistDoc", "rutEmisor", rut, "dvEmisor", dv, "tipoDoc", strconv.Itoa(td),
			"folio", strconv.FormatInt(folio, 10))
		if err != nil {
			return err
		}
		a.Code, _ = strconv.Atoi(strings.TrimSpace(ret.Child("codResp").Text()))
		a.Text = strings.TrimSpace(ret.Child("descResp").Text())
		evs = nil
		for _, e := range ret.ChildrenNamed("listaEventosDoc") {
			evs = append(evs, RCVEvent{Code: strings.TrimSpace(e.Child("codEvento").Text()), Text: strings.TrimSpace(e.Child("descEvento").Text()),
				Responsible: strings.TrimSpace(e.Child("rutResponsable").Text()) + "-" + strings.TrimSpace(e.Child("dvResponsable").Text()),
				Date:        strings.TrimSpace(e.Child("fechaEvento").Text())})
		}
		return nil
	})
	return a, evs, err
}
