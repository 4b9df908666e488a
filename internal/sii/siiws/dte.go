package siiws

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/cobrobilling/cobro/internal/sii"
)

// SOAP 1.1 envelope of the SII's Axis services (CrSeed, GetTokenFromSeed,
// QueryEstUp, QueryEstDte): one operation, string parameters, and an
// answer whose <…Return> element holds an escaped SII:RESPUESTA document.
const nsSOAP = "http://schemas.xmlsoap.org/soap/envelope/"

// SOAPRequest is the body of a call of op with params (name, value pairs).
func SOAPRequest(op string, params ...string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="` + nsSOAP + `"><soapenv:Body><` + op + `>`)
	for i := 0; i+1 < len(params); i += 2 {
		b.WriteString("<" + params[i] + ">")
		xml.EscapeText(&b, []byte(params[i+1]))
		b.WriteString("</" + params[i] + ">")
	}
	b.WriteString(`</` + op + `></soapenv:Body></soapenv:Envelope>`)
	return b.Bytes()
}

// soap calls op at path and returns the SII:RESPUESTA inside its answer.
func (c *Client) soap(ctx context.Context, path, op string, params ...string) (*sii.Elem, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL(path), bytes.NewReader(SOAPRequest(op, params...)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `""`)
	body, status, err := c.do(req)
	if err != nil {
		return nil, err
	}
	return soapAnswer(body, status, op)
}

// soapAnswer reads the SII:RESPUESTA out of a SOAP answer to op.
func soapAnswer(body []byte, status int, op string) (*sii.Elem, error) {
	env, perr := sii.Parse(body)
	if perr != nil || env.Local() != "Envelope" {
		// a maintenance page, a proxy's error page: try again later
		return nil, &Error{Temporary, "NOT-SOAP", fmt.Sprintf("The SII answered HTTP %d without a SOAP document (maintenance?).", status)}
	}
	bodyE := env.Child("Body")
	if f := bodyE.Child("Fault"); f != nil {
		return nil, &Error{Temporary, "SOAP-FAULT", "The SII's service failed: " + strings.TrimSpace(f.Child("faultstring").Text())}
	}
	var ret *sii.Elem
	if bodyE != nil {
		for _, ch := range bodyE.Children {
			if e, ok := ch.(*sii.Elem); ok {
				ret = e
				break
			}
		}
	}
	if ret != nil {
		if r := ret.Child(op + "Return"); r != nil {
			ret = r
		}
	}
	if ret == nil {
		return nil, &Error{Temporary, "NOT-SOAP", "The SII's answer has no " + op + "Return."}
	}
	resp, perr := sii.Parse([]byte(strings.TrimSpace(ret.Text())))
	if perr != nil || resp.Local() != "RESPUESTA" {
		return nil, &Error{Temporary, "NOT-SOAP", "The SII's " + op + " answer is not a RESPUESTA document."}
	}
	return resp, nil
}

func (c *Client) dteToken(ctx context.Context, cert *sii.Certificate) (string, error) {
	resp, err := c.soap(ctx, PathSeed, "getSeed")
	if err != nil {
		return "", err
	}
	if st := resp.Path("RESP_HDR", "ESTADO").Text(); st != "00" {
		return "", &Error{Temporary, "SEED-" + st, "The SII did not give a seed (state " + st + ")."}
	}
	seed := strings.TrimSpace(resp.Path("RESP_BODY", "SEMILLA").Text())
	signed, err := SignedSeed(seed, cert)
	if err != nil {
		return "", err
	}
	resp, err = c.soap(ctx, PathToken, "getToken", "pszXml", string(signed))
	if err != nil {
		return "", err
	}
	if st := resp.Path("RESP_HDR", "ESTADO").Text(); st != "00" {
		return "", &Error{Refused, "TOKEN-" + st, "The SII refused the signed seed: " + strings.TrimSpace(resp.Path("RESP_HDR", "GLOSA").Text())}
	}
	return strings.TrimSpace(resp.Path("RESP_BODY", "TOKEN").Text()), nil
}

// uploadStatus is what the RECEPCIONDTE STATUS codes mean (the SII's
// upload manual); 0 is success.
var uploadStatus = map[int]struct {
	kind Kind
	msg  string
}{
	1:  {Refused, "The sender (the certificate's holder) is not authorised to send documents for this company."},
	2:  {Temporary, "The SII refused the file size (empty or too large)."},
	3:  {Temporary, "The file arrived incomplete."},
	5:  {TokenRefused, "The SII did not accept the token (not authenticated)."},
	6:  {Refused, "The company is not authorised to send electronic documents in this SII environment."},
	7:  {Refused, "The envelope does not validate against the SII schema."},
	8:  {Refused, "The envelope's signature is not valid."},
	9:  {Temporary, "The SII's reception has internal problems."},
	99: {AlreadyReceived, "The SII had already received this envelope."},
}

// UploadError maps a non-zero RECEPCIONDTE STATUS to an *Error.
func UploadError(status int) *Error {
	if u, ok := uploadStatus[status]; ok {
		return &Error{u.kind, "UPL-" + strconv.Itoa(status), u.msg}
	}
	return &Error{Temporary, "UPL-" + strconv.Itoa(status), fmt.Sprintf("The SII's reception answered status %d.", status)}
}

// multipartUpload is the SII's upload form: the sender's and company's
// RUT split into number and check digit, and the envelope as archivo.
func multipartUpload(sender, company string, file []byte) (*bytes.Buffer, string, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	rs, ds := SplitRUT(sender)
	rc, dc := SplitRUT(company)
	for _, f := range [][2]string{{"rutSender", rs}, {"dvSender", ds}, {"rutCompany", rc}, {"dvCompany", dc}} {
		if err := w.WriteField(f[0], f[1]); err != nil {
			return nil, "", err
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="archivo"; filename="envio.xml"`)
	h.Set("Content-Type", "text/xml")
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	part.Write(file)
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return &b, w.FormDataContentType(), nil
}

// Upload sends a signed envelope (EnvioDTE, or EnvioBOLETA through the
// boleta API) for company and returns the SII's track id.
func (c *Client) Upload(ctx context.Context, cert *sii.Certificate, company string, file []byte, boleta bool) (string, error) {
	var track string
	err := c.withToken(ctx, cert, boleta, func(tok string) error {
		var err error
		if boleta {
			track, err = c.boletaUpload(ctx, tok, cert.RUT, company, file)
		} else {
			track, err = c.dteUpload(ctx, tok, cert.RUT, company, file)
		}
		return err
	})
	return track, err
}

func (c *Client) dteUpload(ctx context.Context, tok, sender, company string, file []byte) (string, error) {
	body, ctype, err := multipartUpload(sender, company, file)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL(PathUpload), body)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", ctype)
	req.AddCookie(&http.Cookie{Name: "TOKEN", Value: tok})
	out, status, err := c.do(req)
	if err != nil {
		return "", err
	}
	return recepcion(out, status)
}

// recepcion reads the RECEPCIONDTE answer of an upload: the track id, or
// the error its STATUS means.
func recepcion(out []byte, status int) (string, error) {
	r, perr := sii.Parse(out)
	if perr != nil || r.Local() != "RECEPCIONDTE" {
		return "", &Error{Temporary, "NOT-XML", fmt.Sprintf("The SII's upload answered HTTP %d without a RECEPCIONDTE document (maintenance?).", status)}
	}
	st, err := strconv.Atoi(strings.TrimSpace(r.Child("STATUS").Text()))
	if err != nil {
		return "", &Error{Temporary, "NOT-XML", "The SII's upload answer has no STATUS."}
	}
	if st != 0 {
		return "", UploadError(st)
	}
	track := strings.TrimSpace(r.Child("TRACKID").Text())
	if track == "" {
		return "", &Error{Temporary, "NO-TRACKID", "The SII's upload answer has no TRACKID."}
	}
	return track, nil
}

// UploadState is the SII's answer about an envelope (QueryEstUp, or the
// boleta API's estado).
type UploadState struct {
	State      string // EPR, RSC, RFR, RCT, …; SOK, FOK, PDR, REC while in process
	Text       string // the SII's GLOSA
	Informed   int
	Accepted   int
	Rejected   int
	Objections int
	// Messages: the reasons the SII gives for rejections and objections
	// (the boleta API's detalle_rep_rech; the sandbox gives the same
	// detail in QueryEstUp's DETALLE_REP_RECH).
	Messages []sii.Message
}

// Final reports whether the envelope will not change state any more.
func (s UploadState) Final() bool {
	switch s.State {
	case "EPR", "RSC", "RFR", "RCT", "RCH", "RPT", "RLV", "RPR":
		return true
	}
	return false
}

// DocStatus is the verdict on the (only) document of the envelope: DOK,
// RPR (accepted with objections) or RCH.
func (s UploadState) DocStatus() string {
	switch s.State {
	case "RSC", "RFR", "RCT", "RCH", "RPT":
		return "RCH"
	case "RLV", "RPR":
		return "RPR"
	}
	switch {
	case s.Rejected > 0:
		return "RCH"
	case s.Objections > 0:
		return "RPR"
	}
	return "DOK"
}

// tokenStates are QueryEstUp/QueryEstDte header states about the token
// itself (no cookie, inactive, unknown): renew it and ask again.
var tokenStates = map[string]bool{"001": true, "002": true, "003": true}

// UploadStatus asks for the state of the envelope with trackID.
func (c *Client) UploadStatus(ctx context.Context, cert *sii.Certificate, company, trackID string, boleta bool) (UploadState, error) {
	var st UploadState
	err := c.withToken(ctx, cert, boleta, func(tok string) error {
		var err error
		if boleta {
			st, err = c.boletaStatus(ctx, tok, company, trackID)
			return err
		}
		rc, dc := SplitRUT(company)
		resp, err := c.soap(ctx, PathUploadState, "getEstUp", "RutCompania", rc, "DvCompania", dc, "TrackId", trackID, "Token", tok)
		if err != nil {
			return err
		}
		st = parseEstUp(resp)
		if tokenStates[st.State] {
			return &Error{TokenRefused, "TOKEN-" + st.State, st.Text}
		}
		return nil
	})
	return st, err
}

func parseEstUp(resp *sii.Elem) UploadState {
	hdr, body := resp.Child("RESP_HDR"), resp.Child("RESP_BODY")
	n := func(name string) int { v, _ := strconv.Atoi(strings.TrimSpace(body.Child(name).Text())); return v }
	st := UploadState{State: strings.TrimSpace(hdr.Child("ESTADO").Text()), Text: strings.TrimSpace(hdr.Child("GLOSA").Text())}
	if body != nil {
		st.Informed, st.Accepted, st.Rejected, st.Objections = n("INFORMADOS"), n("ACEPTADOS"), n("RECHAZADOS"), n("REPAROS")
		for _, e := range body.Path("DETALLE_REP_RECH").ChildrenNamed("ERROR") {
			st.Messages = append(st.Messages, sii.Message{Code: e.Child("CODIGO").Text(), Severity: e.Child("NIVEL").Text(), Text: e.Child("DESCRIPCION").Text()})
		}
	}
	return st
}

// DocQuery identifies a document for QueryEstDte.
type DocQuery struct {
	Company  string // issuer RUT
	Receiver string
	Type     int
	Folio    int64
	Date     string // YYYY-MM-DD
	Amount   string // MntTotal
}

// DocState is the SII's answer about one document: DOK (received, data
// match), DNK (received, data do not match), FAU (not received), FNA,
// FAN (annulled), EMP, and the modified/annulled-by-note states.
type DocState struct {
	State, Text, ErrCode, ErrText string
}

// DocStatus asks for the state of one document (QueryEstDte, or the
// boleta API's estado for 39 and 41); the certificate's holder is the
// consultant.
func (c *Client) DocStatus(ctx context.Context, cert *sii.Certificate, q DocQuery) (DocState, error) {
	var ds DocState
	if q.Type == 39 || q.Type == 41 {
		err := c.withToken(ctx, cert, true, func(tok string) error {
			var err error
			ds, err = c.boletaDocStatus(ctx, tok, q)
			return err
		})
		return ds, err
	}
	err := c.withToken(ctx, cert, false, func(tok string) error {
		ru, du := SplitRUT(cert.RUT)
		rc, dc := SplitRUT(q.Company)
		rr, dr := SplitRUT(q.Receiver)
		date := q.Date
		if len(date) == 10 { // DDMMAAAA
			date = date[8:10] + date[5:7] + date[0:4]
		}
		resp, err := c.soap(ctx, PathDocState, "getEstDte", "RutConsultante", ru, "DvConsultante", du, "RutCompania", rc, "DvCompania", dc,
			"RutReceptor", rr, "DvReceptor", dr, "TipoDte", strconv.Itoa(q.Type), "FolioDte", strconv.FormatInt(q.Folio, 10),
			"FechaEmisionDte", date, "MontoDte", q.Amount, "Token", tok)
		if err != nil {
			return err
		}
		hdr := resp.Child("RESP_HDR")
		ds = DocState{State: strings.TrimSpace(hdr.Child("ESTADO").Text()), Text: strings.TrimSpace(hdr.Child("GLOSA_ESTADO").Text()),
			ErrCode: strings.TrimSpace(hdr.Child("ERR_CODE").Text()), ErrText: strings.TrimSpace(hdr.Child("GLOSA_ERR").Text())}
		if tokenStates[ds.State] {
			return &Error{TokenRefused, "TOKEN-" + ds.State, ds.Text}
		}
		return nil
	})
	return ds, err
}
