package api_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/mail"
	"github.com/cobrobilling/cobro/internal/reception"
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// imapFake is an in-process IMAP server (go-imap's memory backend) on a
// loopback TLS socket, with one user and its INBOX.
type imapFake struct {
	user  *imapmemserver.User
	port  int
	roots *x509.CertPool
}

func startIMAP(t *testing.T, username, password string) *imapFake {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "imap.test"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(username, password)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps: imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
	})
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &imapFake{user: user, port: ln.Addr().(*net.TCPAddr).Port, roots: roots}
}

// deliver puts a message from sender in the INBOX, with attachments.
func (f *imapFake) deliver(t *testing.T, from, subject string, atts ...mail.Attachment) {
	t.Helper()
	raw := mail.Message{To: []string{"dte@andes.cl"}, Subject: subject, Text: "Adjunto envío de DTE.", Attachments: atts}.Bytes(from, time.Now(), "")
	if _, err := f.user.Append("INBOX", bytes.NewReader(raw), &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
}

// Envelopes arrive by mail: the poller reads the exchange mailbox over
// IMAP/TLS and receives every attached envelope once per message
// (docs/procurement.md#67-exchange-mailbox).
func TestReceptionMailbox(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		inv, _, invXML, crnXML := issuedEnvelopes(t, e)
		c := receivingWorkspace(t, e, receiverRUT)
		box := startIMAP(t, "dte@andes.cl", "clave-imap-1")
		i := bytes.Index(invXML, []byte("<MntTotal>")) + len("<MntTotal>")
		tampered := append(append(append([]byte{}, invXML[:i]...), '1'), invXML[i:]...) // a changed amount
		box.deliver(t, "Servicios Cobro Demo <facturas@cobro-demo.cl>", "EnvioDTE 33-1", mail.Attachment{Name: "EnvioDTE_33_1.xml", ContentType: "application/xml", Data: invXML})
		box.deliver(t, "alguien@example.com", "Hola, sin adjunto")
		box.deliver(t, "otro@example.com", "EnvioDTE alterado", mail.Attachment{Name: "alterado.xml", ContentType: "text/xml", Data: tampered})

		if got := c.Get("/purchases/received/mailbox/").Expect(200); got["password_set"] != false || got["enabled"] != false {
			t.Fatalf("mailbox before: %v", got)
		}
		c.Patch("/purchases/received/mailbox/", map[string]any{"host": "127.0.0.1"}).ExpectBody(400,
			`{"username": ["This field is required."], "password": ["This field is required."]}`)
		m := c.Patch("/purchases/received/mailbox/", map[string]any{"host": "127.0.0.1", "port": box.port, "username": "dte@andes.cl",
			"password": "clave-imap-1"}).Expect(200)
		if m["password_set"] != true || m["enabled"] != true || m["folder"] != "INBOX" || m["password"] != nil {
			t.Fatalf("mailbox: %v", m)
		}
		var sealed []byte
		if err := e.DB.QueryRowContext(context.Background(), `SELECT password FROM reception_mailboxes`).Scan(&sealed); err != nil ||
			bytes.Contains(sealed, []byte("clave-imap-1")) {
			t.Fatalf("password at rest: %q %v", sealed, err)
		}

		p := &reception.Poller{DB: e.DB, Service: e.App.Reception, Clock: e.Clock, Deps: e.App.Documents, TLS: &tls.Config{RootCAs: box.roots}}
		poll := func(want int) {
			t.Helper()
			if n, err := p.RunOnce(context.Background()); err != nil || n != want {
				t.Fatalf("poll: %d %v, want %d", n, err, want)
			}
		}
		poll(1)
		if m = c.Get("/purchases/received/mailbox/").Expect(200); m["last_error"] != nil || m["last_poll"] == nil {
			t.Fatalf("after the poll: %v", m)
		}
		page := c.Get("/purchases/received/?source=mailbox").Expect(200)
		if apitest.Num(page["count"]) != "2" {
			t.Fatalf("intakes: %v", page)
		}
		byName := map[string]map[string]any{}
		for _, it := range page["results"].([]any) {
			it := it.(map[string]any)
			byName[apitest.Str(it, "filename")] = it
		}
		good, bad := byName["EnvioDTE_33_1.xml"], byName["alterado.xml"]
		if good["status"] != "imported" || bad["status"] != "refused" || !hasCode(bad, "FRM-001") {
			t.Fatalf("mailbox intakes: %v", byName)
		}
		pur := c.Get("/purchases/" + apitest.Str(good["documents"].([]any)[0].(map[string]any), "id") + "/").Expect(200)
		samePurchase(t, inv, pur)
		// the answers go back to the address the envelope came from
		answers := c.Get("/purchases/received/answers/?intake=" + apitest.Str(good, "id")).Expect(200)["results"].([]any)
		if len(answers) != 1 || answers[0].(map[string]any)["email_to"] != "facturas@cobro-demo.cl" {
			t.Errorf("reception answer: %v", answers)
		}

		// the next poll, five minutes on, takes only the new message
		box.deliver(t, "facturas@cobro-demo.cl", "EnvioDTE 61-1", mail.Attachment{Name: "EnvioDTE_61_1.xml", ContentType: "application/xml", Data: crnXML})
		e.Clock.Advance(reception.PollEvery)
		poll(1)
		page = c.Get("/purchases/received/?source=mailbox").Expect(200)
		if apitest.Num(page["count"]) != "3" || page["results"].([]any)[0].(map[string]any)["status"] != "imported" {
			t.Fatalf("after the second poll: %v", page)
		}
		if got := c.Get("/purchases/").Expect(200); apitest.Num(got["count"]) != "1" {
			t.Errorf("purchases: %v", got["count"])
		}

		// a wrong password is reported on the mailbox; polling goes on. A
		// save polls at once; its chain joins the regular one at the next slot.
		c.Patch("/purchases/received/mailbox/", map[string]any{"password": "otra"}).Expect(200)
		e.Clock.Advance(reception.PollEvery)
		poll(2)
		if m = c.Get("/purchases/received/mailbox/").Expect(200); m["last_error"] == nil {
			t.Errorf("wrong password: %v", m)
		}
		e.Clock.Advance(reception.PollEvery)
		poll(1)
		// disabled: the chain ends
		c.Patch("/purchases/received/mailbox/", map[string]any{"enabled": false}).Expect(200)
		e.Clock.Advance(reception.PollEvery)
		poll(1)
		e.Clock.Advance(reception.PollEvery)
		poll(0)
		c.Patch("/purchases/received/mailbox/", map[string]any{"port": 70000}).ExpectBody(400, `{"port": ["Ensure this value is between 1 and 65535."]}`)
		e.Workspace("US").Get("/purchases/received/mailbox/").ExpectBody(404, `{"detail": "Not found."}`)
	})
}
