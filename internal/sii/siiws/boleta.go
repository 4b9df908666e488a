package siiws

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cobrobilling/cobro/internal/sii"
)

// The boleta REST API (the SII's "API boleta electrónica"): the seed and
// token as XML like the DTE services, the upload and its state as JSON.

func (c *Client) boletaToken(ctx context.Context, cert *sii.Certificate) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL(PathBoletaSeed), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/xml")
	body, _, err := c.do(req)
	if err != nil {
		return "", err
	}
	resp, perr := sii.Parse(body)
	if perr != nil {
		return "", &Error{Temporary, "NOT-XML", "The SII's boleta seed answer is not XML (maintenance?)."}
	}
	if st := resp.Path("RESP_HDR", "ESTADO").Text(); st != "00" {
		return "", &Error{Temporary, "SEED-" + st, "The SII did not give a seed (state " + st + ")."}
	}
	signed, err := SignedSeed(strings.TrimSpace(resp.Path("RESP_BODY", "SEMILLA").Text()), cert)
	if err != nil {
		return "", err
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, c.URL(PathBoletaToken), bytes.NewReader(signed))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/xml")
	req.Header.Set("Accept", "application/xml")
	body, _, err = c.do(req)
	if err != nil {
		return "", err
	}
	resp, perr = sii.Parse(body)
	if perr != nil {
		return "", &Error{Temporary, "NOT-XML", "The SII's boleta token answer is not XML (maintenance?)."}
	}
	if st := resp.Path("RESP_HDR", "ESTADO").Text(); st != "00" {
		return "", &Error{Refused, "TOKEN-" + st, "The SII refused the signed seed: " + strings.TrimSpace(resp.Path("RESP_HDR", "GLOSA").Text())}
	}
	return strings.TrimSpace(resp.Path("RESP_BODY", "TOKEN").Text()), nil
}

// boletaJSON sends req with the token and decodes a JSON answer; 401 and
// 403 are a refused token, other 4xx a refusal.
func (c *Client) boletaJSON(req *http.Request, tok string, out any) error {
	req.AddCookie(&http.Cookie{Name: "TOKEN", Value: tok})
	req.Header.Set("Accept", "application/json")
	body, status, err := c.do(req)
	if err != nil {
		return err
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &Error{TokenRefused, fmt.Sprintf("HTTP-%d", status), "The SII did not accept the token."}
	case status >= 400:
		return &Error{Refused, fmt.Sprintf("HTTP-%d", status), "The SII refused the request: " + strings.TrimSpace(string(body))}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return &Error{Temporary, "NOT-JSON", fmt.Sprintf("The SII answered HTTP %d without JSON (maintenance?).", status)}
	}
	return nil
}

// BoletaReceipt is the JSON answer of boleta.electronica.envio.
type BoletaReceipt struct {
	RutEmisor      string      `json:"rut_emisor"`
	RutEnvia       string      `json:"rut_envia"`
	TrackID        json.Number `json:"trackid"`
	FechaRecepcion string      `json:"fecha_recepcion"`
	Estado         string      `json:"estado"`
	File           string      `json:"file"`
}

func (c *Client) boletaUpload(ctx context.Context, tok, sender, company string, file []byte) (string, error) {
	body, ctype, err := multipartUpload(sender, company, file)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL(PathBoletaEnvio), body)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", ctype)
	var r BoletaReceipt
	if err := c.boletaJSON(req, tok, &r); err != nil {
		return "", err
	}
	if r.TrackID == "" {
		return "", &Error{Temporary, "NO-TRACKID", "The SII's boleta upload answer has no trackid (state " + r.Estado + ")."}
	}
	return r.TrackID.String(), nil
}

// BoletaState is the JSON answer of boleta.electronica.envio/{rut}-{dv}-{trackid}.
type BoletaState struct {
	RutEmisor   string      `json:"rut_emisor"`
	TrackID     json.Number `json:"trackid"`
	Estado      string      `json:"estado"`
	Estadistica []struct {
		Tipo       json.Number `json:"tipo"`
		Informados int         `json:"informados"`
		Aceptados  int         `json:"aceptados"`
		Rechazados int         `json:"rechazados"`
		Reparos    int         `json:"reparos"`
	} `json:"estadistica"`
	DetalleRepRech []struct {
		Tipo   json.Number `json:"tipo"`
		Folio  json.Number `json:"folio"`
		Estado string      `json:"estado"`
		Error  []struct {
			Seccion     string `json:"seccion"`
			Linea       int    `json:"linea"`
			Nivel       string `json:"nivel"`
			Codigo      string `json:"codigo"`
			Descripcion string `json:"descripcion"`
			Detalle     string `json:"detalle"`
		} `json:"error"`
	} `json:"detalle_rep_rech"`
}

func (c *Client) boletaStatus(ctx context.Context, tok, company, trackID string) (UploadState, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL(PathBoletaEnvio+"/"+company+"-"+trackID), nil)
	if err != nil {
		return UploadState{}, err
	}
	var r BoletaState
	if err := c.boletaJSON(req, tok, &r); err != nil {
		return UploadState{}, err
	}
	st := UploadState{State: r.Estado}
	for _, e := range r.Estadistica {
		st.Informed += e.Informados
		st.Accepted += e.Aceptados
		st.Rejected += e.Rechazados
		st.Objections += e.Reparos
	}
	for _, d := range r.DetalleRepRech {
		for _, e := range d.Error {
			sev := e.Nivel
			if sev == "" {
				sev = "error"
			}
			st.Messages = append(st.Messages, sii.Message{Code: e.Codigo, Severity: sev, Text: e.Descripcion})
		}
	}
	return st, nil
}

// BoletaDocState is the JSON answer about one boleta.
type BoletaDocState struct {
	Estado      string `json:"estado"`
	Descripcion string `json:"descripcion"`
}

func (c *Client) boletaDocStatus(ctx context.Context, tok string, q DocQuery) (DocState, error) {
	rr, dr := SplitRUT(q.Receiver)
	date := q.Date
	if len(date) == 10 { // DD-MM-AAAA
		date = date[8:10] + "-" + date[5:7] + "-" + date[0:4]
	}
	v := url.Values{"rut_receptor": {rr}, "dv_receptor": {dr}, "monto": {q.Amount}, "fechaEmision": {date}}
	u := c.URL(PathBoletaDoc + "/" + q.Company + "-" + strconv.Itoa(q.Type) + "-" + strconv.FormatInt(q.Folio, 10) + "/estado?" + v.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return DocState{}, err
	}
	var r BoletaDocState
	if err := c.boletaJSON(req, tok, &r); err != nil {
		return DocState{}, err
	}
	return DocState{State: r.Estado, Text: r.Descripcion}, nil
}
