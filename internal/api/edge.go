package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/cobrobilling/cobro/internal/list"
)

// What every answer gets at the edge, before any route runs (issue 13):
// oversized URLs refused early, and the response headers that keep
// browsers and caches from misusing an answer, set in this one place.

// maxPathBytes bounds the request path: no route needs more, and a long
// junk path would otherwise reach the router, the limiter and the logs.
const maxPathBytes = 2048

// refuseLongURL answers 414 for a path or query string past its bound.
func refuseLongURL(w http.ResponseWriter, r *http.Request) bool {
	var msg string
	switch {
	case len(r.URL.EscapedPath()) > maxPathBytes:
		msg = fmt.Sprintf("The path is too long (limit %d bytes).", maxPathBytes)
	case len(r.URL.RawQuery) > list.MaxQueryBytes:
		msg = fmt.Sprintf("The query string is too long (limit %d bytes).", list.MaxQueryBytes)
	default:
		return false
	}
	writeJSON(w, http.StatusRequestURITooLong, map[string]any{"detail": msg})
	return true
}

// secureHeaders sets the headers every answer carries and wraps w so that
// those depending on the answer's content type are added when the status
// is written: no browser sniffs a type (a JSON or XML answer rendered as
// HTML), files and PDFs (invoices: personal and tax data) are not kept by
// caches, and the docs page runs only its own scripts and is not framed.
func secureHeaders(w http.ResponseWriter, r *http.Request) *secureWriter {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	sw := &secureWriter{ResponseWriter: w, noStore: strings.HasPrefix(r.URL.Path, "/files/") || isPDFPath(r.URL.Path)}
	if r.URL.Path == "/docs" || r.URL.Path == "/docs/" {
		sw.docs = &bytes.Buffer{}
	}
	return sw
}

func isPDFPath(p string) bool { return strings.HasSuffix(p, "/pdf") || strings.HasSuffix(p, "/pdf/") }

type secureWriter struct {
	http.ResponseWriter
	noStore bool
	docs    *bytes.Buffer // the docs page, held until its CSP is known
	status  int           // 0 until the status is written
}

func (w *secureWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	h := w.Header()
	if w.noStore || strings.HasPrefix(strings.ToLower(h.Get("Content-Type")), "application/pdf") {
		h.Set("Cache-Control", "no-store")
	}
	if w.docs == nil {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *secureWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.docs != nil {
		return w.docs.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// finish sends a held docs page with its Content-Security-Policy.
func (w *secureWriter) finish() {
	if w.docs == nil || w.status == 0 {
		return
	}
	page := w.docs.Bytes()
	w.docs = nil
	w.Header().Set("Content-Security-Policy", docsCSP(page))
	w.Header().Del("Content-Length")
	w.ResponseWriter.WriteHeader(w.status)
	_, _ = w.ResponseWriter.Write(page)
}

// docsCSP allows the page's own inline scripts by hash (whatever the page
// holds, so the policy follows its content), its inline styles, calls to
// this server (it reads /openapi.json), and nothing else; no site may
// frame it.
func docsCSP(page []byte) string {
	var hashes []string
	rest := page
	for {
		i := bytes.Index(rest, []byte("<script>"))
		if i < 0 {
			break
		}
		rest = rest[i+len("<script>"):]
		j := bytes.Index(rest, []byte("</script>"))
		if j < 0 {
			break
		}
		sum := sha256.Sum256(rest[:j])
		hashes = append(hashes, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
		rest = rest[j:]
	}
	script := "'none'"
	if len(hashes) > 0 {
		script = strings.Join(hashes, " ")
	}
	return "default-src 'none'; script-src " + script + "; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// metricMethod is the method as a metrics label: the methods the API
// knows, else OTHER (a client must not create label values at will).
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}
