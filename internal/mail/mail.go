// Package mail sends Cobro's emails (documents, receipts, reminders, dunning) through
// the SMTP server of COBRO_SMTP_URL (docs/operations.md#1-commands). Messages are jobs
// in the database queue, written in the transaction that causes them, so a
// crash between the commit and the send loses nothing; the worker renders
// and sends them, retrying with backoff.
package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// Config is an SMTP server: smtp://user:pass@host:587 (STARTTLS when the
// server offers it) or smtps://…:465 (TLS from the start); the sender
// address comes from ?from=, else the user name when it is an address.
type Config struct {
	Addr, Host     string
	User, Password string
	ImplicitTLS    bool
	From           string
	// TLS overrides the TLS settings (tests).
	TLS *tls.Config
}

// Parse reads COBRO_SMTP_URL. The password never appears in its errors.
func Parse(raw string) (*Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("COBRO_SMTP_URL is not a URL (smtp://user:pass@host:587?from=billing@example.com)")
	}
	c := &Config{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		c.Addr = net.JoinHostPort(c.Host, portOr(u, "587"))
	case "smtps":
		c.Addr, c.ImplicitTLS = net.JoinHostPort(c.Host, portOr(u, "465")), true
	default:
		return nil, fmt.Errorf("COBRO_SMTP_URL: scheme %q, want smtp:// or smtps://", u.Scheme)
	}
	if c.Host == "" {
		return nil, errors.New("COBRO_SMTP_URL has no host")
	}
	if u.User != nil {
		c.User = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	c.From = u.Query().Get("from")
	if c.From == "" && strings.Contains(c.User, "@") {
		c.From = c.User
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return nil, errors.New("COBRO_SMTP_URL needs a sender address: add ?from=billing@example.com")
	}
	return c, nil
}

func portOr(u *url.URL, def string) string {
	if p := u.Port(); p != "" {
		return p
	}
	return def
}

// Attachment is a file sent with a message.
type Attachment struct {
	Name, ContentType string
	Data              []byte
	// ContentID makes it an inline part the HTML shows as cid:ContentID
	// (the workspace's logo).
	ContentID string
}

// Message is one email: plain text, and HTML when it has one.
type Message struct {
	To          []string
	Subject     string
	Text        string
	HTML        string
	Attachments []Attachment
	// Inline are the images of the HTML, sent with it (multipart/related)
	// so a mail client shows them without fetching anything.
	Inline []Attachment
}

// Bytes renders the message as MIME: multipart/mixed holding the body (a
// multipart/alternative of text and HTML when it has HTML) and the
// attachments, with the given sender and date.
func (m Message) Bytes(from string, date time.Time, boundary string) []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", from)
	h("To", strings.Join(m.To, ", "))
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", date.Format(time.RFC1123Z))
	h("MIME-Version", "1.0")
	w := multipart.NewWriter(&b)
	if boundary != "" {
		_ = w.SetBoundary(boundary)
	}
	h("Content-Type", "multipart/mixed; boundary="+w.Boundary())
	b.WriteString("\r\n")
	m.writeBody(w)
	for _, a := range m.Attachments {
		part, _ := w.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {a.ContentType},
			"Content-Transfer-Encoding": {"base64"},
			"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": a.Name})},
		})
		writeBase64(part, a.Data)
	}
	_ = w.Close()
	return b.Bytes()
}

// writeBody writes the text, or the text and the HTML as alternatives,
// related to the HTML's inline images when it has some (RFC 2387).
func (m Message) writeBody(w *multipart.Writer) {
	textHeader := textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}, "Content-Transfer-Encoding": {"base64"}}
	if m.HTML == "" {
		part, _ := w.CreatePart(textHeader)
		writeBase64(part, []byte(m.Text))
		return
	}
	ct, body := nested("multipart/alternative", nil, func(aw *multipart.Writer) {
		part, _ := aw.CreatePart(textHeader)
		writeBase64(part, []byte(m.Text))
		part, _ = aw.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/html; charset=utf-8"}, "Content-Transfer-Encoding": {"base64"}})
		writeBase64(part, []byte(m.HTML))
	})
	if len(m.Inline) > 0 {
		altType, alt := ct, body
		ct, body = nested("multipart/related", map[string]string{"type": "multipart/alternative"}, func(rw *multipart.Writer) {
			part, _ := rw.CreatePart(textproto.MIMEHeader{"Content-Type": {altType}})
			_, _ = part.Write(alt)
			for _, a := range m.Inline {
				part, _ := rw.CreatePart(textproto.MIMEHeader{
					"Content-Type":              {a.ContentType},
					"Content-Transfer-Encoding": {"base64"},
					"Content-ID":                {"<" + a.ContentID + ">"},
					"Content-Disposition":       {mime.FormatMediaType("inline", map[string]string{"filename": a.Name})},
				})
				writeBase64(part, a.Data)
			}
		})
	}
	part, _ := w.CreatePart(textproto.MIMEHeader{"Content-Type": {ct}})
	_, _ = part.Write(body)
}

// nested writes parts into a new multipart entity of type media (params
// beside its boundary) and returns its Content-Type and body.
func nested(media string, params map[string]string, parts func(*multipart.Writer)) (contentType string, body []byte) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	parts(w)
	_ = w.Close()
	all := map[string]string{"boundary": w.Boundary()}
	for k, v := range params {
		all[k] = v
	}
	return mime.FormatMediaType(media, all), b.Bytes()
}

// writeBase64 writes data base64-encoded in 76-character lines (RFC 2045).
func writeBase64(w interface{ Write([]byte) (int, error) }, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		_, _ = w.Write([]byte(enc[:76] + "\r\n"))
		enc = enc[76:]
	}
	_, _ = w.Write([]byte(enc + "\r\n"))
}

// Send delivers one message and returns the server's answer to it (the
// text after "250", often its queue id).
func (c *Config) Send(ctx context.Context, m Message) (string, error) {
	d := net.Dialer{Timeout: 15 * time.Second}
	var conn net.Conn
	var err error
	tlsConf := c.TLS
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: c.Host}
	}
	if c.ImplicitTLS {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tlsConf}).DialContext(ctx, "tcp", c.Addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", c.Addr)
	}
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	} else {
		_ = conn.SetDeadline(time.Now().Add(time.Minute))
	}
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		return "", err
	}
	defer cl.Close()
	if ok, _ := cl.Extension("STARTTLS"); ok && !c.ImplicitTLS {
		if err := cl.StartTLS(tlsConf); err != nil {
			return "", err
		}
	}
	if c.User != "" {
		// PlainAuth refuses to send the password without TLS, except to
		// localhost
		if err := cl.Auth(smtp.PlainAuth("", c.User, c.Password, c.Host)); err != nil {
			return "", err
		}
	}
	if err := cl.Mail(c.From); err != nil {
		return "", err
	}
	for _, to := range m.To {
		if err := cl.Rcpt(to); err != nil {
			return "", err
		}
	}
	answer, err := data(cl, m.Bytes(c.From, time.Now(), ""))
	if err != nil {
		return "", err
	}
	_ = cl.Quit() // the message is accepted: a failed QUIT changes nothing
	return answer, nil
}

// data sends DATA and the message, and returns the server's final answer
// (net/smtp's Data drops it).
func data(cl *smtp.Client, msg []byte) (string, error) {
	cmd, err := cl.Text.Cmd("DATA")
	if err != nil {
		return "", err
	}
	cl.Text.StartResponse(cmd)
	_, _, err = cl.Text.ReadResponse(354)
	cl.Text.EndResponse(cmd)
	if err != nil {
		return "", err
	}
	dw := cl.Text.DotWriter()
	if _, err := dw.Write(msg); err != nil {
		return "", err
	}
	if err := dw.Close(); err != nil {
		return "", err
	}
	code, answer, err := cl.Text.ReadResponse(250)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d %s", code, answer), nil
}
