package mailtest

import (
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
)

// Parsed is a received message taken apart: headers decoded, the text and
// HTML bodies and the attachments by file name, transfer encodings undone.
type Parsed struct {
	Header      mail.Header
	Subject     string
	Text, HTML  string
	Attachments map[string][]byte
	// Inline are the parts with a Content-ID (without its <>), which the
	// HTML shows as cid: images.
	Inline map[string][]byte
}

// Parse takes a message apart, failing the test on malformed MIME.
func Parse(t testing.TB, data string) Parsed {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("message: %v", err)
	}
	p := Parsed{Header: msg.Header, Attachments: map[string][]byte{}, Inline: map[string][]byte{}}
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("subject: %v", err)
	}
	p.walk(t, textproto.MIMEHeader(msg.Header), "", msg.Body)
	return p
}

// walk reads one MIME entity, descending into multiparts.
func (p *Parsed) walk(t testing.TB, h textproto.MIMEHeader, filename string, body io.Reader) {
	t.Helper()
	media, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("content type %q: %v", h.Get("Content-Type"), err)
	}
	if strings.HasPrefix(media, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			p.walk(t, part.Header, part.FileName(), part)
		}
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	if strings.EqualFold(h.Get("Content-Transfer-Encoding"), "base64") {
		if raw, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(raw))); err != nil {
			t.Fatalf("base64: %v", err)
		}
	}
	switch {
	case h.Get("Content-ID") != "":
		p.Inline[strings.Trim(h.Get("Content-ID"), "<>")] = raw
	case filename != "":
		p.Attachments[filename] = raw
	case media == "text/html":
		p.HTML = string(raw)
	case media == "text/plain":
		p.Text = string(raw)
	}
}
