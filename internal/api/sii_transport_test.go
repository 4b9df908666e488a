package api_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/biller/clsii"
	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/sii/siifake"
	"github.com/cobrobilling/cobro/internal/sii/siiws"
)

// siiCert is a live workspace issuing to the SII's certification
// environment, which a fake SII on a loopback port plays; the worker
// reaches it through the real transport (COBRO_SII_BASE_URL's override).
type siiCert struct {
	c      *apitest.Client
	e      *apitest.Env
	fake   *siifake.Server
	url    string
	worker *clsii.Worker
	cus    string
}

func newSIICert(t *testing.T, e *apitest.Env, types ...int) *siiCert {
	t.Helper()
	fake := &siifake.Server{Now: e.Clock.Now}
	ts := httptest.NewServer(fake.Handler())
	t.Cleanup(ts.Close)
	c := e.Workspace("CL")
	clBiller(t, c, true)
	c.Patch("/billers/built_in/", map[string]any{"environment": "certification"}).Expect(200)
	for _, td := range types {
		c.Post("/billers/built_in/cafs/", map[string]any{"file": fakeCAF(t, siiRUT, td, 1, 100, "2026-05-20")}).Expect(201)
	}
	b := clsii.New([]byte("test-secret"), clsii.Transport{BaseURL: ts.URL})
	return &siiCert{c: c, e: e, fake: fake, url: ts.URL, worker: &clsii.Worker{DB: e.DB, Clock: e.Clock, Biller: b}, cus: custNew(c, custExample())}
}

// run runs the due jobs and returns how many there were.
func (s *siiCert) run(t *testing.T) int {
	t.Helper()
	n, err := s.worker.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("sii worker: %v", err)
	}
	return n
}

func (s *siiCert) doc(t *testing.T, id string) (string, map[string]any) {
	t.Helper()
	got := s.c.Get("/invoices/" + id + "/").Expect(200)
	return apitest.Str(got, "biller_status"), got["tax_agency"].(map[string]any)
}

func (s *siiCert) events(t *testing.T, id string) string {
	t.Helper()
	rows, err := s.e.DB.Query(`SELECT event FROM events WHERE object_id = $1 ORDER BY created, seq`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var evs []string
	for rows.Next() {
		var ev string
		rows.Scan(&ev)
		evs = append(evs, ev)
	}
	return strings.Join(evs, " ")
}

// finalize → seed → token → upload → EPR → accepted, over HTTP; the
// uploaded envelope validates against the SII schemas.
func TestSIICertificationAccepted(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		s := newSIICert(t, e, 33)
		inv := cl33Invoice(t, s.c, s.cus)
		got := s.c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		if ta := got["tax_agency"].(map[string]any); got["biller_status"] != "queued" || ta["environment"] != "certification" || ta["result"] != "pending" {
			t.Fatalf("finalize: %v %v", got["biller_status"], ta)
		}
		if s.fake.Calls(siiws.PathUpload) != 0 {
			t.Fatal("finalize uploaded in the request")
		}
		s.run(t)
		st, ta := s.doc(t, inv)
		if st != "processing" || len(apitest.Str(ta, "track_id")) != 10 || ta["status"] != "REC" || apitest.Num(ta["attempts"]) != "1" || ta["submitted"] == nil {
			t.Fatalf("after send: %s %v", st, ta)
		}
		for _, p := range []string{siiws.PathSeed, siiws.PathToken, siiws.PathUpload} {
			if n := s.fake.Calls(p); n != 1 {
				t.Errorf("%s called %d times", p, n)
			}
		}
		e.Clock.Advance(2 * clsii.PollDelay)
		s.run(t)
		st, ta = s.doc(t, inv)
		if st != "succeeded" || ta["status"] != "EPR" || ta["document_status"] != "DOK" || ta["result"] != "accepted" || len(ta["messages"].([]any)) != 0 || ta["answered"] == nil {
			t.Fatalf("after poll: %s %v", st, ta)
		}
		if ev := s.events(t, inv); ev != "invoice.created invoice.finalized invoice.biller_succeeded" {
			t.Errorf("events %s", ev)
		}
		if s.run(t) != 0 {
			t.Error("jobs left")
		}
		if _, err := exec.LookPath("xmllint"); err == nil {
			p := filepath.Join(t.TempDir(), "envio.xml")
			os.WriteFile(p, s.fake.LastUpload(), 0o600)
			if out, err := exec.Command("xmllint", "--noout", "--nonet", "--schema", "../sii/schemas/EnvioDTE_v10.xsd", p).CombinedOutput(); err != nil {
				t.Fatalf("uploaded envelope: %v\n%s", err, out)
			}
		}
	})
}

// The SII rejects the document: its messages land in tax_agency, the
// document fails with its event.
func TestSIICertificationRejected(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		s := newSIICert(t, e)
		// a CAF signed by a key the (fake) SII does not know
		key, _ := rsa.GenerateKey(rand.Reader, 1024)
		d, _ := time.Parse("2006-01-02", "2026-05-20")
		raw, err := sii.GenerateCAF(key, 200, siiRUT, "Servicios Cobro Demo SpA", 33, 1, 10, d)
		if err != nil {
			t.Fatal(err)
		}
		s.c.Post("/billers/built_in/cafs/", map[string]any{"file": base64.StdEncoding.EncodeToString(raw)}).Expect(201)
		inv := cl33Invoice(t, s.c, s.cus)
		s.c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		s.run(t)
		e.Clock.Advance(2 * clsii.PollDelay)
		s.run(t)
		st, ta := s.doc(t, inv)
		msgs, _ := ta["messages"].([]any)
		if st != "failed" || ta["status"] != "EPR" || ta["document_status"] != "RCH" || ta["result"] != "rejected" || len(msgs) != 1 {
			t.Fatalf("rejected: %s %v", st, ta)
		}
		if m := msgs[0].(map[string]any); m["code"] != "CAF-001" || m["severity"] != "error" || m["text"] != "The CAF signature is not valid." {
			t.Fatalf("message %v", m)
		}
		if ev := s.events(t, inv); ev != "invoice.created invoice.finalized invoice.biller_failed" {
			t.Errorf("events %s", ev)
		}
	})
}

// The token expires between two uploads: the client gets a new one.
// A 5xx and a maintenance window are retried with backoff.
func TestSIITokenExpiryAndRetries(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		s := newSIICert(t, e, 33)
		a := cl33Invoice(t, s.c, s.cus)
		s.c.Post("/invoices/"+a+"/finalize/", nil).Expect(200)
		s.run(t)
		s.fake.ExpireTokens()
		b := cl33Invoice(t, s.c, s.cus)
		s.c.Post("/invoices/"+b+"/finalize/", nil).Expect(200)
		s.run(t)
		if st, ta := s.doc(t, b); st != "processing" || apitest.Num(ta["attempts"]) != "1" {
			t.Fatalf("second upload: %s %v", st, ta)
		}
		if n := s.fake.Calls(siiws.PathToken); n != 2 {
			t.Errorf("tokens asked %d, want 2 (renewed once)", n)
		}

		// 503 on the upload: still queued, retried a minute later
		c := cl33Invoice(t, s.c, s.cus)
		s.c.Post("/invoices/"+c+"/finalize/", nil).Expect(200)
		s.fake.Fail(siiws.PathUpload, http.StatusServiceUnavailable)
		e.Clock.Advance(2 * clsii.PollDelay) // a's and b's polls are due too
		s.fake.Fail(siiws.PathUploadState, http.StatusBadGateway)
		s.run(t)
		if st, ta := s.doc(t, c); st != "queued" || apitest.Num(ta["attempts"]) != "1" || ta["track_id"] != nil {
			t.Fatalf("after 503: %s %v", st, ta)
		}
		if st, _ := s.doc(t, a); st != "processing" && st != "succeeded" {
			t.Fatalf("a after a 502 poll: %s", st)
		}
		s.fake.Maintenance(true)
		e.Clock.Advance(time.Minute)
		s.run(t)
		if st, ta := s.doc(t, c); st != "queued" || apitest.Num(ta["attempts"]) != "2" {
			t.Fatalf("in maintenance: %s %v", st, ta)
		}
		s.fake.Maintenance(false)
		e.Clock.Advance(2 * time.Minute)
		s.run(t)
		e.Clock.Advance(time.Minute)
		s.run(t)
		for _, id := range []string{a, b, c} {
			if st, ta := s.doc(t, id); st != "succeeded" || ta["result"] != "accepted" {
				t.Fatalf("%s: %s %v", id, st, ta)
			}
		}
		if _, ta := s.doc(t, c); apitest.Num(ta["attempts"]) != "3" {
			t.Errorf("attempts %v", ta["attempts"])
		}
	})
}

// cutAfterUpload delivers the upload to the SII, then kills the "process"
// (its context) before the answer is recorded.
type cutAfterUpload struct{ cancel context.CancelFunc }

func (c cutAfterUpload) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && (r.URL.Path == siiws.PathUpload || r.URL.Path == siiws.PathBoletaEnvio) {
		c.cancel()
	}
	return resp, err
}

// A worker killed after the upload and before the track id was recorded:
// the next worker uploads again, the SII's "already received" answer is
// recognised (QueryEstDte says DOK) and the document is accepted.
func TestSIIKilledAfterUpload(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		s := newSIICert(t, e, 33)
		inv := cl33Invoice(t, s.c, s.cus)
		s.c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		ctx, cancel := context.WithCancel(context.Background())
		dying := &clsii.Worker{DB: e.DB, Clock: e.Clock,
			Biller: clsii.New([]byte("test-secret"), clsii.Transport{BaseURL: s.url, HTTP: &http.Client{Transport: cutAfterUpload{cancel}}})}
		dying.RunOnce(ctx) // dies in the middle
		if st, ta := s.doc(t, inv); st != "queued" || ta["track_id"] != nil || s.fake.Calls(siiws.PathUpload) != 1 {
			t.Fatalf("after the crash: %s %v, %d uploads", st, ta, s.fake.Calls(siiws.PathUpload))
		}
		e.Clock.Advance(2 * time.Minute) // the dead worker's lease ends
		s.run(t)
		e.Clock.Advance(2 * clsii.PollDelay)
		s.run(t)
		st, ta := s.doc(t, inv)
		msgs, _ := ta["messages"].([]any)
		if st != "succeeded" || ta["result"] != "accepted" || ta["document_status"] != "DOK" || apitest.Num(ta["attempts"]) != "2" || len(msgs) != 1 ||
			msgs[0].(map[string]any)["code"] != "DUPLICATE_UPLOAD" || s.fake.Calls(siiws.PathUpload) != 2 || s.fake.Calls(siiws.PathDocState) != 1 ||
			s.fake.Calls(siiws.PathUploadState) != 0 { // the repeat was answered STATUS 99 and settled without a track id
			t.Fatalf("after the restart: %s %v; uploads %d", st, ta, s.fake.Calls(siiws.PathUpload))
		}
		if ev := s.events(t, inv); ev != "invoice.created invoice.finalized invoice.biller_succeeded" {
			t.Errorf("events %s", ev)
		}
	})
}

// Boletas (39) go through the boleta REST API (semilla, token, envío,
// estado); one whose worker died after the upload is settled with the
// boleta's own estado.
func TestSIICertificationBoleta(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		s := newSIICert(t, e, 39)
		boleta := func() string {
			return apitest.Str(docCreate(t, s.c, "/invoices/", map[string]any{"customer": custNew(s.c, custUSBody("Tourist Inc")), "document": "CL39",
				"date": "2026-06-02", "lines": []any{docLine("Café", 2, 5990)}}), "id")
		}
		inv := boleta()
		s.c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		s.run(t)
		e.Clock.Advance(2 * clsii.PollDelay)
		s.run(t)
		st, ta := s.doc(t, inv)
		if st != "succeeded" || ta["status"] != "EPR" || ta["result"] != "accepted" || len(ta["messages"].([]any)) != 0 {
			t.Fatalf("boleta: %s %v", st, ta)
		}
		if s.fake.Calls(siiws.PathBoletaEnvio) != 1 || s.fake.Calls(siiws.PathBoletaEnvio+"/") != 1 || s.fake.Calls(siiws.PathBoletaToken) != 1 ||
			s.fake.Calls(siiws.PathUpload) != 0 || s.fake.Calls(siiws.PathToken) != 0 {
			t.Fatal("the boleta did not go through the boleta API")
		}
		// killed after the upload
		second := boleta()
		s.c.Post("/invoices/"+second+"/finalize/", nil).Expect(200)
		ctx, cancel := context.WithCancel(context.Background())
		(&clsii.Worker{DB: e.DB, Clock: e.Clock, Biller: clsii.New([]byte("test-secret"),
			clsii.Transport{BaseURL: s.url, HTTP: &http.Client{Transport: cutAfterUpload{cancel}}})}).RunOnce(ctx)
		e.Clock.Advance(2 * time.Minute)
		s.run(t)
		e.Clock.Advance(2 * clsii.PollDelay)
		s.run(t)
		st, ta = s.doc(t, second)
		if msgs := ta["messages"].([]any); st != "succeeded" || len(msgs) != 1 || msgs[0].(map[string]any)["code"] != "DUPLICATE_UPLOAD" ||
			s.fake.Calls(siiws.PathBoletaEnvio) != 3 || s.fake.Calls(siiws.PathBoletaDoc+"/") != 1 {
			t.Fatalf("boleta after a crash: %s %v", st, ta)
		}
		if _, err := exec.LookPath("xmllint"); err == nil {
			p := filepath.Join(t.TempDir(), "boleta.xml")
			os.WriteFile(p, s.fake.LastUpload(), 0o600)
			if out, err := exec.Command("xmllint", "--noout", "--nonet", "--schema", "../sii/schemas/EnvioBOLETA_v11.xsd", p).CombinedOutput(); err != nil {
				t.Fatalf("uploaded boleta: %v\n%s", err, out)
			}
		}
	})
}

// A certificate expiring within 30 days and CAFs running low are
// reported on the settings and by one event each.
func TestSIIWarnings(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		c.Patch("/billers/built_in/", siiSettings()).Expect(200)
		key, _ := rsa.GenerateKey(rand.Reader, 2048)
		now := e.Clock.Now()
		cert, err := sii.FakeCertificate(key, "12345678-5", "MARIA JOSE PEREZ SOTO", now.AddDate(-1, 0, 0), now.AddDate(0, 0, 20))
		if err != nil {
			t.Fatal(err)
		}
		p12, _ := cert.PKCS12("pw")
		c.Post("/billers/built_in/certificate/", map[string]any{"file": base64.StdEncoding.EncodeToString(p12), "password": "pw"}).Expect(200)
		c.Patch("/billers/built_in/", map[string]any{"caf_low_percent": 101}).ExpectBody(400, `{"caf_low_percent": ["Ensure this value is between 0 and 100."]}`)
		c.Patch("/billers/built_in/", map[string]any{"caf_low_percent": 30}).Expect(200)
		c.Post("/billers/built_in/cafs/", map[string]any{"file": fakeCAF(t, siiRUT, 33, 1, 10, "2026-05-20")}).Expect(201)
		got := c.Get("/billers/built_in/").Expect(200)
		ws := got["warnings"].([]any)
		if apitest.Num(got["caf_low_percent"]) != "30" || len(ws) != 1 {
			t.Fatalf("warnings %v", ws)
		}
		if w := ws[0].(map[string]any); w["code"] != "certificate_expiring" || w["expires"] != "2026-06-22" ||
			w["text"] != "The digital certificate expires on 2026-06-22 (in 20 days); upload its renewal." {
			t.Fatalf("certificate warning %v", w)
		}
		cus := custNew(c, custExample())
		for i := 0; i < 7; i++ {
			c.Post("/invoices/"+cl33Invoice(t, c, cus)+"/finalize/", nil).Expect(200)
		}
		ws = c.Get("/billers/built_in/").Expect(200)["warnings"].([]any)
		if len(ws) != 2 {
			t.Fatalf("warnings %v", ws)
		}
		if w := ws[1].(map[string]any); w["code"] != "caf_low" || w["document"] != "CL33" || apitest.Num(w["available"]) != "3" ||
			w["text"] != "Only 3 folios (30 %) are left for document type CL33; request a new CAF from the SII and upload it." {
			t.Fatalf("caf warning %v", w)
		}
		var certEvents, cafEvents int
		e.DB.QueryRow(`SELECT COUNT(*) FROM events WHERE workspace_id = $1 AND event = 'biller.certificate_expiring'`, c.Workspace).Scan(&certEvents)
		e.DB.QueryRow(`SELECT COUNT(*) FROM events WHERE workspace_id = $1 AND event = 'biller.caf_low' AND object_id = 'CL33'`, c.Workspace).Scan(&cafEvents)
		if certEvents != 1 || cafEvents != 1 {
			t.Fatalf("events: %d certificate, %d caf (want one each)", certEvents, cafEvents)
		}
		// a new CAF lifts the CAF warning
		c.Post("/billers/built_in/cafs/", map[string]any{"file": fakeCAF(t, siiRUT, 33, 11, 100, "2026-05-20")}).Expect(201)
		if ws = c.Get("/billers/built_in/").Expect(200)["warnings"].([]any); len(ws) != 1 {
			t.Fatalf("after a new CAF: %v", ws)
		}
	})
}
