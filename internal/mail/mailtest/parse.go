package mailtest

import (
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
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
}

// Parse takes a message apart, failing the test on malformed MIME.
func Parse(t testing.TB, data string) Parsed {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("message: %v", err)
	}
	p := Parsed{Header: msg.Header, Attachments: map[string][]byte{}}
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("subject: %v", err)
	}
	p.walk(t, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body)
	return p
}

// walk reads one MIME entity, descending into multiparts.
func (p *Parsed) walk(t testing.TB, contentType, encoding, filename string, body io.Reader) {
	t.Helper()
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("content type %q: %v", contentType, err)
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
			p.walk(t, part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part.FileName(), part)
		}
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	if strings.EqualFold(encoding, "base64") {
		if raw, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(raw))); err != nil {
			t.Fatalf("base64: %v", err)
		}
	}
	switch {
	case filename != "":
		p.Attachments[filename] = raw
	case media == "text/html":
		p.HTML = string(raw)
	case media == "text/plain":
		p.Text = string(raw)
	}
}
