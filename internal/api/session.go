package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/cobrobilling/cobro/internal/workspace"
)

// The dashboard (internal/dashboard, docs/dashboard.md) works through the
// declared routes in-process: the same handlers, decoding, transactions,
// idempotency and errors as over HTTP, acting with the scope of a signed-in
// session instead of a token. Nothing outside this process can set the
// scope: it travels in a context key only this package can write.

type sessionScopeKey struct{}

// CallResult is the answer of an in-process call.
type CallResult struct {
	Status int
	Header http.Header
	Body   []byte
}

// Call runs method and target (path and query) against the declared routes
// as the session's user in sc's workspace and mode. orig is the browser's
// request: its host, scheme and client address make the same absolute URLs
// and logs as a direct API call. header adds request headers
// (Idempotency-Key, Accept).
func (s *Server) Call(orig *http.Request, sc workspace.Scope, method, target string, body any, header http.Header) CallResult {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return CallResult{Status: http.StatusInternalServerError, Body: []byte(`{"detail": "A server error occurred."}`)}
		}
		rd = bytes.NewReader(b)
	}
	ctx := context.WithValue(orig.Context(), sessionScopeKey{}, sc)
	r, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return CallResult{Status: http.StatusBadRequest, Body: []byte(`{"detail": "Bad request."}`)}
	}
	r.Host, r.RemoteAddr, r.TLS = orig.Host, orig.RemoteAddr, orig.TLS
	for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id"} {
		if v := orig.Header.Values(h); v != nil {
			r.Header[h] = v
		}
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		r.Header[k] = v
	}
	rec := &callRecorder{header: http.Header{}, status: http.StatusOK}
	s.handler.ServeHTTP(rec, r)
	return CallResult{Status: rec.status, Header: rec.header, Body: rec.body.Bytes()}
}

// sessionScope is the scope of an in-process call, if the request is one.
func sessionScope(r *http.Request) (workspace.Scope, bool) {
	sc, ok := r.Context().Value(sessionScopeKey{}).(workspace.Scope)
	return sc, ok
}

// BaseURL is the scheme and host the request reached the server at
// (behind trusted proxies, the one the client used).
func (s *Server) BaseURL(r *http.Request) string { return s.baseURL(r) }

// ClientAddr is the client's address (behind trusted proxies, the nearest
// one they vouch for).
func (s *Server) ClientAddr(r *http.Request) string { return s.clientAddr(r) }

type callRecorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (c *callRecorder) Header() http.Header { return c.header }

func (c *callRecorder) WriteHeader(code int) {
	if !c.wrote {
		c.status, c.wrote = code, true
	}
}

func (c *callRecorder) Write(b []byte) (int, error) {
	c.wrote = true
	return c.body.Write(b)
}
