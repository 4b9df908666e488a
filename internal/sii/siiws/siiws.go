// Package siiws is the client of the SII's services (docs/tax-agency.md#91-which-endpoint):
// the DTE web services (seed, token, upload, upload and document status)
// and the boleta REST API (semilla, token, envío, estado). It speaks the
// SII's wire formats over HTTP; the sandbox (internal/sii/siifake) speaks
// the same ones, so the same code runs against both.
package siiws

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cobrobilling/cobro/internal/sii"
)

// Environments with their own hosts.
const (
	Certification = "certification"
	Production    = "production"
)

// Paths of the SII's services (the same on every host).
const (
	PathSeed        = "/DTEWS/CrSeed.jws"
	PathToken       = "/DTEWS/GetTokenFromSeed.jws"
	PathUpload      = "/cgi_dte/UPL/DTEUpload"
	PathUploadState = "/DTEWS/QueryEstUp.jws"
	PathDocState    = "/DTEWS/QueryEstDte.jws"
	PathBoletaSeed  = "/recursos/v1/boleta.electronica.semilla"
	PathBoletaToken = "/recursos/v1/boleta.electronica.token"
	PathBoletaEnvio = "/recursos/v1/boleta.electronica.envio"
	// PathBoletaDoc + "/{rut}-{dv}-{tipo}-{folio}/estado": one boleta's state.
	PathBoletaDoc = "/recursos/v1/boleta.electronica"
)

// hosts per environment, from the SII's developer documentation: the DTE
// services on maullin (certification) / palena (production); the boleta
// API on apicert / api, its uploads on pangal / rahue.
type hosts struct{ dte, boletaAPI, boletaUpload, rcv string }

// The register of acceptances and claims (RCV) is on ws2 / ws1.
var hostsOf = map[string]hosts{
	Certification: {"https://maullin.sii.cl", "https://apicert.sii.cl", "https://pangal.sii.cl", "https://ws2.sii.cl"},
	Production:    {"https://palena.sii.cl", "https://api.sii.cl", "https://rahue.sii.cl", "https://ws1.sii.cl"},
}

// userAgent: the SII's upload front end refuses requests without a
// browser-like agent (its manual's example uses this form).
const userAgent = "Mozilla/4.0 (compatible; PROG 1.0; Cobro)"

// Client talks to one SII environment.
type Client struct {
	// Env is Certification or Production.
	Env string
	// BaseURL, when set, replaces the scheme and host of every endpoint
	// (paths unchanged): the sandbox, a test fake or a proxy.
	BaseURL string
	HTTP    *http.Client
	// Tokens is shared by the clients of a process (nil: no caching).
	Tokens *TokenCache
	// Now is the clock of the token cache (nil: time.Now).
	Now func() time.Time
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 60 * time.Second}
}

// URL of a service path: on the override when set, else on the host of
// the environment that serves it.
func (c *Client) URL(path string) string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/") + path
	}
	h := hostsOf[c.Env]
	if h.dte == "" {
		h = hostsOf[Certification]
	}
	switch {
	case path == PathBoletaEnvio:
		return h.boletaUpload + path
	case strings.HasPrefix(path, "/recursos/"):
		return h.boletaAPI + path
	case strings.HasPrefix(path, "/WSREGISTRORECLAMODTE"):
		return h.rcv + path
	}
	return h.dte + path
}

// Kind classifies a failure for the caller's retry decision.
type Kind int

// Kinds of failure.
const (
	// Temporary: transport errors, HTTP 5xx, maintenance pages, a locked
	// system; retry later with backoff.
	Temporary Kind = iota
	// TokenRefused: the SII no longer accepts the token; get a new one.
	TokenRefused
	// Refused: the SII refused the request for good (the file, the
	// sender's permissions); retrying the same request will not help.
	Refused
	// AlreadyReceived: the SII had this very envelope already (upload
	// STATUS 99): an earlier upload reached it; ask for the document's
	// state instead of sending again.
	AlreadyReceived
)

// Error is an answer of the SII that is not a success.
type Error struct {
	Kind Kind
	Code string // e.g. "UPL-7", "HTTP-503"
	Msg  string
}

func (e *Error) Error() string { return "sii: " + e.Code + ": " + e.Msg }

// IsTemporary reports whether err is worth retrying later: anything but
// a refusal (a token refused even after renewal counts as temporary).
func IsTemporary(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind != Refused && e.Kind != AlreadyReceived
	}
	return err != nil
}

// IsAlreadyReceived reports whether the SII answered that it had the
// uploaded envelope already.
func IsAlreadyReceived(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == AlreadyReceived
}

func isTokenRefused(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == TokenRefused
}

// do sends req and returns the body of a 2xx answer; 5xx and transport
// failures are Temporary.
func (c *Client) do(req *http.Request) ([]byte, int, error) {
	req.Header.Set("User-Agent", userAgent)
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, 0, &Error{Temporary, "NETWORK", "The SII could not be reached: " + err.Error()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, resp.StatusCode, &Error{Temporary, "NETWORK", "The SII's answer was cut: " + err.Error()}
	}
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		return body, resp.StatusCode, &Error{Temporary, fmt.Sprintf("HTTP-%d", resp.StatusCode),
			fmt.Sprintf("The SII answered HTTP %d (unavailable or in maintenance).", resp.StatusCode)}
	}
	return body, resp.StatusCode, nil
}

// TokenCache keeps one token per certificate, environment and service
// (DTE or boleta), renewed before it expires.
type TokenCache struct {
	// Life is how long a token is reused (default 30 minutes; the SII's
	// tokens last longer, a refusal renews it sooner).
	Life time.Duration
	mu   sync.Mutex
	m    map[string]cachedToken
}

type cachedToken struct {
	token   string
	expires time.Time
}

func (t *TokenCache) get(key string, now time.Time) (string, bool) {
	if t == nil {
		return "", false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	ct, ok := t.m[key]
	if !ok || !now.Before(ct.expires) {
		return "", false
	}
	return ct.token, true
}

func (t *TokenCache) put(key, token string, now time.Time) {
	if t == nil {
		return
	}
	life := t.Life
	if life <= 0 {
		life = 30 * time.Minute
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]cachedToken{}
	}
	t.m[key] = cachedToken{token, now.Add(life)}
}

func (t *TokenCache) drop(key string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, key)
}

func (c *Client) tokenKey(cert *sii.Certificate, boleta bool) string {
	h := sha1.Sum(cert.Cert.Raw)
	return fmt.Sprintf("%s|%s|%t|%s", c.Env, c.BaseURL, boleta, hex.EncodeToString(h[:]))
}

// Token returns a token for cert: the cached one, or a new one from a
// signed seed.
func (c *Client) Token(ctx context.Context, cert *sii.Certificate, boleta bool) (string, error) {
	key := c.tokenKey(cert, boleta)
	if t, ok := c.Tokens.get(key, c.now()); ok {
		return t, nil
	}
	var tok string
	var err error
	if boleta {
		tok, err = c.boletaToken(ctx, cert)
	} else {
		tok, err = c.dteToken(ctx, cert)
	}
	if err != nil {
		return "", err
	}
	c.Tokens.put(key, tok, c.now())
	return tok, nil
}

// withToken runs call with a token; when the SII refuses the token it is
// dropped, a new one obtained and call run once more.
func (c *Client) withToken(ctx context.Context, cert *sii.Certificate, boleta bool, call func(token string) error) error {
	tok, err := c.Token(ctx, cert, boleta)
	if err != nil {
		return err
	}
	err = call(tok)
	if !isTokenRefused(err) {
		return err
	}
	c.Tokens.drop(c.tokenKey(cert, boleta))
	if tok, err = c.Token(ctx, cert, boleta); err != nil {
		return err
	}
	return call(tok)
}

// SignedSeed is the getToken document: the seed signed with cert as an
// enveloped XML-DSig signature.
func SignedSeed(seed string, cert *sii.Certificate) ([]byte, error) {
	root := sii.E("getToken").Add(sii.E("item").T("Semilla", seed))
	if err := sii.SignEnveloped(root, cert); err != nil {
		return nil, err
	}
	return append([]byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"), sii.C14N(root)...), nil
}

// SplitRUT splits "77123456-9" into "77123456" and "9".
func SplitRUT(rut string) (string, string) {
	rut = strings.ReplaceAll(strings.ToUpper(rut), ".", "")
	i := strings.LastIndex(rut, "-")
	if i < 0 {
		return rut, ""
	}
	return rut[:i], rut[i+1:]
}
