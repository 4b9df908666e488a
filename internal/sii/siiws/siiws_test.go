package siiws

import (
	"strings"
	"testing"
)

// Hosts per environment; the override replaces scheme and host only.
func TestURL(t *testing.T) {
	for _, tc := range []struct{ env, base, path, want string }{
		{Certification, "", PathSeed, "https://maullin.sii.cl/DTEWS/CrSeed.jws"},
		{Production, "", PathUpload, "https://palena.sii.cl/cgi_dte/UPL/DTEUpload"},
		{Certification, "", PathBoletaSeed, "https://apicert.sii.cl/recursos/v1/boleta.electronica.semilla"},
		{Certification, "", PathBoletaEnvio, "https://pangal.sii.cl/recursos/v1/boleta.electronica.envio"},
		{Production, "", PathBoletaToken, "https://api.sii.cl/recursos/v1/boleta.electronica.token"},
		{Production, "", PathBoletaEnvio, "https://rahue.sii.cl/recursos/v1/boleta.electronica.envio"},
		{Production, "http://127.0.0.1:8090/", PathBoletaEnvio, "http://127.0.0.1:8090/recursos/v1/boleta.electronica.envio"},
		{Certification, "https://proxy.example", PathUploadState, "https://proxy.example/DTEWS/QueryEstUp.jws"},
	} {
		c := &Client{Env: tc.env, BaseURL: tc.base}
		if got := c.URL(tc.path); got != tc.want {
			t.Errorf("%s %s %s: %s, want %s", tc.env, tc.base, tc.path, got, tc.want)
		}
	}
}

// The SII's envelope states: which are final and what they mean for the
// document.
func TestUploadStateMapping(t *testing.T) {
	for _, tc := range []struct {
		st    UploadState
		final bool
		doc   string
	}{
		{UploadState{State: "REC"}, false, "DOK"},
		{UploadState{State: "SOK"}, false, "DOK"},
		{UploadState{State: "PDR"}, false, "DOK"},
		{UploadState{State: "-11"}, false, "DOK"},
		{UploadState{State: "EPR", Accepted: 1}, true, "DOK"},
		{UploadState{State: "EPR", Accepted: 1, Objections: 1}, true, "RPR"},
		{UploadState{State: "EPR", Rejected: 1}, true, "RCH"},
		{UploadState{State: "RLV"}, true, "RPR"},
		{UploadState{State: "RSC"}, true, "RCH"},
		{UploadState{State: "RFR"}, true, "RCH"},
		{UploadState{State: "RCT"}, true, "RCH"},
	} {
		if tc.st.Final() != tc.final || (tc.final && tc.st.DocStatus() != tc.doc) {
			t.Errorf("%+v: final %v doc %s", tc.st, tc.st.Final(), tc.st.DocStatus())
		}
	}
	for status, kind := range map[int]Kind{1: Refused, 2: Temporary, 3: Temporary, 5: TokenRefused, 6: Refused, 7: Refused, 8: Refused, 9: Temporary, 42: Temporary} {
		e := UploadError(status)
		if e.Kind != kind || e.Msg == "" {
			t.Errorf("status %d: %+v", status, e)
		}
	}
	if IsTemporary(UploadError(7)) || !IsTemporary(UploadError(9)) || !IsTemporary(UploadError(5)) {
		t.Error("IsTemporary")
	}
	if r, d := SplitRUT("77.123.456-k"); r != "77123456" || d != "K" {
		t.Errorf("SplitRUT %s %s", r, d)
	}
}

// The SII's answers, parsed from whatever bytes arrive: never a panic,
// and a success always carries what the caller needs.
func FuzzAnswers(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><RECEPCIONDTE><STATUS>0</STATUS><TRACKID>0123456789</TRACKID></RECEPCIONDTE>`))
	f.Add([]byte(`<RECEPCIONDTE><STATUS>5</STATUS></RECEPCIONDTE>`))
	f.Add([]byte(`<soapenv:Envelope xmlns:soapenv="x"><soapenv:Body><r><getEstUpReturn>&lt;SII:RESPUESTA xmlns:SII="y"&gt;&lt;SII:RESP_HDR&gt;&lt;ESTADO&gt;EPR&lt;/ESTADO&gt;&lt;/SII:RESP_HDR&gt;&lt;SII:RESP_BODY&gt;&lt;ACEPTADOS&gt;1&lt;/ACEPTADOS&gt;&lt;DETALLE_REP_RECH&gt;&lt;ERROR&gt;&lt;CODIGO&gt;X&lt;/CODIGO&gt;&lt;/ERROR&gt;&lt;/DETALLE_REP_RECH&gt;&lt;/SII:RESP_BODY&gt;&lt;/SII:RESPUESTA&gt;</getEstUpReturn></r></soapenv:Body></soapenv:Envelope>`))
	f.Add([]byte(`<html><body>mantención</body></html>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if track, err := recepcion(body, 200); err == nil && track == "" {
			t.Fatal("an upload success without a track id")
		} else if err != nil && !strings.HasPrefix(err.Error(), "sii: ") {
			t.Fatalf("not an SII error: %v", err)
		}
		if resp, err := soapAnswer(body, 200, "getEstUp"); err == nil {
			if resp == nil || resp.Local() != "RESPUESTA" {
				t.Fatalf("success without a RESPUESTA")
			}
			st := parseEstUp(resp)
			_ = st.DocStatus()
		} else if !IsTemporary(err) {
			t.Fatalf("a malformed answer must be temporary: %v", err)
		}
	})
}
