// Package siifake is the sandbox agency as an HTTP server that speaks the
// SII's own protocol (docs/tax-agency.md#92-the-sandbox): the DTE web services (seed,
// token from a signed seed, upload, QueryEstUp, QueryEstDte) and the
// boleta REST API. Uploaded envelopes get the sandbox's checks (schema,
// signatures, TED, CAF, totals). Cobro's test mode and sandbox
// environment, the tests and `cobro sii sandbox` all use it; clients reach
// it through the real transport (internal/sii/siiws).
package siifake

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/sii/siiws"
)

// Server is the fake SII. The zero value is ready to use.
type Server struct {
	// SIIKeys are the agency keys that CAF signatures are checked with
	// (the sandbox key is always trusted).
	SIIKeys map[int]*rsa.PublicKey
	// Schema replaces the XSD validation (nil: sii.SchemaCheck).
	Schema func(xml []byte, boleta bool) []string
	// Now is the agency's clock (nil: time.Now).
	Now func() time.Time
	// TokenLife is how long a token is accepted (default 1 hour).
	TokenLife time.Duration
	// SkipDuplicates leaves out DUP-001: Cobro's in-process sandbox
	// checks repeated folios per workspace itself.
	SkipDuplicates bool

	mu       sync.Mutex
	seeds    map[string]bool
	tokens   map[string]token
	envios   map[string]*envio
	received map[docKey]docFacts
	register map[docKey][]rcvEvent // the RCV's events
	files    map[[32]byte]bool     // uploaded envelopes, for STATUS 99
	faults   map[string][]int
	down     bool
	calls    map[string]int
	last     []byte
}

// LastUpload is the last file uploaded (nil before any).
func (s *Server) LastUpload() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

type token struct {
	rut     string
	expires time.Time
}

type envio struct {
	company string
	boleta  bool
	answer  sii.Answer
	docs    []docFacts
}

type docKey struct {
	rut   string
	td    int
	folio int64
}

// docFacts is what QueryEstDte compares.
type docFacts struct {
	key      docKey
	receiver string
	date     string
	amount   string
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) init() {
	if s.seeds == nil {
		s.seeds, s.tokens, s.envios = map[string]bool{}, map[string]token{}, map[string]*envio{}
		s.received, s.faults, s.calls = map[docKey]docFacts{}, map[string][]int{}, map[string]int{}
	}
}

// Fail makes the next requests to path answer the given HTTP statuses
// (one per request, in order) before serving again: a test's 5xx.
func (s *Server) Fail(path string, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.faults[path] = append(s.faults[path], statuses...)
}

// Maintenance makes every service answer 503 with an HTML page, as the
// SII does during its maintenance windows.
func (s *Server) Maintenance(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = on
}

// ExpireTokens ends every token given so far.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.tokens = map[string]token{}
}

// Calls reports how many requests reached path (faults included).
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// Handler serves the SII's paths.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+siiws.PathSeed, s.seed)
	mux.HandleFunc("POST "+siiws.PathToken, s.token)
	mux.HandleFunc("POST "+siiws.PathUpload, s.upload)
	mux.HandleFunc("POST "+siiws.PathUploadState, s.estUp)
	mux.HandleFunc("POST "+siiws.PathDocState, s.estDte)
	mux.HandleFunc("GET "+siiws.PathBoletaSeed, s.boletaSeed)
	mux.HandleFunc("POST "+siiws.PathBoletaToken, s.boletaToken)
	mux.HandleFunc("POST "+siiws.PathBoletaEnvio, s.boletaUpload)
	mux.HandleFunc("GET "+siiws.PathBoletaEnvio+"/{id}", s.boletaState)
	mux.HandleFunc("GET "+siiws.PathBoletaDoc+"/{id}/estado", s.boletaDocState)
	mux.HandleFunc("POST "+siiws.PathRCV, s.rcv)
	mux.HandleFunc("POST "+siiws.PathRCVCert, s.rcv)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		if strings.HasPrefix(path, siiws.PathBoletaEnvio+"/") {
			path = siiws.PathBoletaEnvio + "/"
		} else if strings.HasPrefix(path, siiws.PathBoletaDoc+"/") {
			path = siiws.PathBoletaDoc + "/"
		}
		s.mu.Lock()
		s.init()
		s.calls[path]++
		down := s.down
		fault := 0
		if q := s.faults[path]; len(q) > 0 {
			fault, s.faults[path] = q[0], q[1:]
		}
		s.mu.Unlock()
		if down || fault != 0 {
			if fault == 0 {
				fault = http.StatusServiceUnavailable
			}
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(fault)
			fmt.Fprint(w, "<html><body><h1>Servicio no disponible</h1><p>Estamos en mantención.</p></body></html>")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// Start serves s on a loopback port until ctx ends and returns its base
// URL (http://127.0.0.1:PORT): the in-process sandbox.
func Start(ctx context.Context, s *Server) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return "http://" + ln.Addr().String(), nil
}

// randomDigits is a number of n digits not starting with 0.
func randomDigits(n int) string {
	max := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	low := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n-1)), nil)
	v, _ := rand.Int(rand.Reader, new(big.Int).Sub(max, low))
	return v.Add(v, low).String()
}

const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomToken() string {
	b := make([]byte, 13)
	rand.Read(b)
	for i := range b {
		b[i] = tokenAlphabet[int(b[i])%len(tokenAlphabet)]
	}
	return string(b)
}

// newSeed records and returns a fresh seed.
func (s *Server) newSeed() string {
	seed := randomDigits(12)
	s.mu.Lock()
	s.seeds[seed] = true
	s.mu.Unlock()
	return seed
}

// redeem checks a signed seed (getToken) and returns a new token, or the
// state and text of the refusal.
func (s *Server) redeem(signed []byte) (string, string, string) {
	root, err := sii.Parse(signed)
	if err != nil || root.Local() != "getToken" {
		return "", "-07", "Documento no es un getToken"
	}
	cert, err := sii.VerifyEnveloped(root)
	if err != nil {
		return "", "-07", "Firma no valida: " + err.Error()
	}
	now := s.now()
	if now.After(cert.NotAfter) || now.Before(cert.NotBefore) {
		return "", "-08", "Certificado no vigente"
	}
	seed := strings.TrimSpace(root.Path("item", "Semilla").Text())
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.seeds[seed] {
		return "", "-02", "Semilla no existe o ya fue usada"
	}
	delete(s.seeds, seed)
	life := s.TokenLife
	if life <= 0 {
		life = time.Hour
	}
	tok := randomToken()
	s.tokens[tok] = token{rut: sii.CertRUT(cert), expires: now.Add(life)}
	return tok, "00", "Token Creado"
}

// tokenOf returns the holder RUT of a valid token.
func (s *Server) tokenOf(tok string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[tok]
	if !ok || !s.now().Before(t.expires) {
		return "", false
	}
	return t.rut, true
}

func cookieToken(r *http.Request) string {
	c, err := r.Cookie("TOKEN")
	if err != nil {
		return ""
	}
	return c.Value
}
