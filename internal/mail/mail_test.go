package mail

import (
	"context"
	"github.com/cobrobilling/cobro/internal/mail/mailtest"
	"io"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	c, err := Parse("smtp://billing%40acme.com:s3cret@mail.acme.com")
	if err != nil || c.Addr != "mail.acme.com:587" || c.User != "billing@acme.com" || c.Password != "s3cret" || c.From != "billing@acme.com" || c.ImplicitTLS {
		t.Errorf("%+v %v", c, err)
	}
	c, err = Parse("smtps://u:p@mail.acme.com?from=Facturas%20%3Cfacturas@acme.cl%3E")
	if err != nil || c.Addr != "mail.acme.com:465" || !c.ImplicitTLS || c.From != "Facturas <facturas@acme.cl>" {
		t.Errorf("%+v %v", c, err)
	}
	for _, bad := range []string{"http://x", "smtp://u:topsecret@host", "smtp://", "%zz"} {
		_, err := Parse(bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
		} else if strings.Contains(err.Error(), "topsecret") {
			t.Errorf("password in the error: %v", err)
		}
	}
}

// A message goes through SMTP with its text and attachment intact.
func TestSend(t *testing.T) {
	srv := mailtest.StartFakeSMTP(t)
	host, port, _ := net.SplitHostPort(srv.Addr)
	c, err := Parse("smtp://" + host + ":" + port + "?from=facturas@acme.cl")
	if err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.4 " + strings.Repeat("x", 300))
	m := Message{To: []string{"a@example.com", "b@example.com"}, Subject: "Factura electrónica N° 7", Text: "Adjuntamos la factura.",
		Attachments: []Attachment{{Name: "factura-7.pdf", ContentType: "application/pdf", Data: pdf}}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	answer, err := c.Send(ctx, m)
	if err != nil || answer != "250 queued" {
		t.Fatalf("answer %q, %v", answer, err)
	}
	got := srv.Received()
	if len(got) != 1 || got[0].From != "facturas@acme.cl" || strings.Join(got[0].To, ",") != "a@example.com,b@example.com" {
		t.Fatalf("%+v", got)
	}
	text, atts := parseMessage(t, got[0].Data)
	if text != "Adjuntamos la factura." || len(atts) != 1 || atts["factura-7.pdf"] != string(pdf) {
		t.Errorf("text %q, attachments %d", text, len(atts))
	}
	srv.Refuse = true
	if _, err := c.Send(ctx, m); err == nil {
		t.Error("a refused DATA reported as sent")
	}
}

// parseMessage returns a message's text part and attachments by name.
func parseMessage(t testing.TB, data string) (string, map[string]string) {
	t.Helper()
	msg, err := netmail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	if _, err := dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Errorf("subject: %v", err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	text, atts := "", map[string]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // multipart decodes nothing: base64 by hand
		raw := decodeB64(t, string(b))
		if p.FileName() != "" {
			atts[p.FileName()] = raw
		} else {
			text = raw
		}
	}
	return text, atts
}
