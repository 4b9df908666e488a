package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/sii"
)

// withMACIterations rewrites the MAC iteration count of a .p12 without
// recomputing the MAC, as the attacker of issue 13 did.
func withMACIterations(t testing.TB, p12 []byte, n int64) []byte {
	t.Helper()
	var pfx struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  struct {
			Mac        asn1.RawValue
			MacSalt    []byte
			Iterations int64
		}
	}
	if rest, err := asn1.Unmarshal(p12, &pfx); err != nil || len(rest) > 0 {
		t.Fatalf("p12: %v", err)
	}
	pfx.MacData.Iterations = n
	out, err := asn1.Marshal(pfx)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type sent struct {
	status int
	body   string
	err    error
}

// send is Client.Do bounded by ctx and usable from any goroutine.
func send(ctx context.Context, e *apitest.Env, c *apitest.Client, method, path string, body any, header ...string) sent {
	j, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, method, e.URL+path, bytes.NewReader(j))
	if err != nil {
		return sent{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Token "+c.Token)
	req.Header.Set("x-simple-workspace", c.Workspace)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return sent{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return sent{status: res.StatusCode, body: string(b), err: err}
}

// Issue 13 #1: a .p12 whose MAC iteration count was raised to 150,000,000
// is refused before any key derivation, outside the write transaction,
// while another workspace keeps writing (a PATCH and an Idempotency-Key
// POST) with its normal answers.
func TestCertificateIterationBomb(t *testing.T) {
	bomb := withMACIterations(t, sandboxP12(t), 150_000_000)
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		clBiller(t, c, false)
		other := e.Workspace("US")
		cus := custNew(other, custUSBody("Neighbour Inc"))
		// generous: the refusal takes milliseconds; before the fix the
		// upload took over 20 s and the other writes failed meanwhile
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		done := make(chan sent, 1)
		go func() {
			done <- send(ctx, e, c, "POST", "/billers/built_in/certificate/",
				map[string]any{"file": base64.StdEncoding.EncodeToString(bomb), "password": "secreto"})
		}()
		var upload *sent
		for round := 0; upload == nil || round == 0; round++ {
			select {
			case r := <-done:
				upload = &r
			default:
			}
			if r := send(ctx, e, other, "PATCH", "/customers/"+cus+"/", map[string]any{"name": fmt.Sprintf("Neighbour %d", round)}); r.err != nil || r.status != 200 {
				t.Fatalf("another workspace's PATCH during the upload: %d %v %s", r.status, r.err, r.body)
			}
			if r := send(ctx, e, other, "POST", "/customers/", custUSBody(fmt.Sprintf("New %d", round)), "Idempotency-Key", fmt.Sprintf("k-%d", round)); r.err != nil || r.status != 201 {
				t.Fatalf("another workspace's Idempotency-Key POST during the upload: %d %v %s", r.status, r.err, r.body)
			}
		}
		if upload.err != nil {
			t.Fatalf("upload: %v", upload.err)
		}
		want := `{"file": ["The certificate file's MAC iteration count (150000000) is above the limit of 1000000; export it again with standard settings."]}`
		if upload.status != 400 || !apitest.JSONEqual([]byte(upload.body), []byte(want)) {
			t.Fatalf("upload: %d %s, want 400 %s", upload.status, upload.body, want)
		}
		c.Get("/billers/built_in/certificate/").Expect(404) // nothing stored
		// the untouched file still uploads
		c.Post("/billers/built_in/certificate/", map[string]any{"file": base64.StdEncoding.EncodeToString(sandboxP12(t)), "password": "secreto"}).Expect(200)
	})
}

// pkcs1Key is the PKCS #1 RSAPrivateKey structure, written by hand so
// that a test can make the keys crypto/rsa would refuse to produce.
type pkcs1Key struct {
	Version          int
	N                *big.Int
	E                int
	D, P, Q          *big.Int
	Dp, Dq, Qinv     *big.Int
	AdditionalPrimes []pkcs1Prime `asn1:"optional,omitempty"`
}

type pkcs1Prime struct{ Prime, Exp, Coeff *big.Int }

func randomOdd(t testing.TB, bits int) *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(bits-1)))
	if err != nil {
		t.Fatal(err)
	}
	return n.SetBit(n, bits-1, 1).SetBit(n, 0, 1)
}

// multiPrimeKeyPEM is a three-"prime" key of modulus n whose other numbers
// are random: crypto/rsa does not check multi-prime keys.
func multiPrimeKeyPEM(t testing.TB, n *big.Int) string {
	r := func() *big.Int { return randomOdd(t, 256) }
	der, err := asn1.Marshal(pkcs1Key{Version: 1, N: n, E: 3, D: randomOdd(t, n.BitLen()-8), P: r(), Q: r(), Dp: r(), Dq: r(), Qinv: r(),
		AdditionalPrimes: []pkcs1Prime{{r(), r(), r()}}})
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}))
}

// cafWithKey is a CAF for siiRUT whose RSAPK is n and RSASK keyPEM; its
// FRMA does not verify (a live-mode upload accepts that, docs/tax-agency.md#41-upload).
func cafWithKey(n *big.Int, keyPEM string) string {
	xml := `<?xml version="1.0" encoding="ISO-8859-1"?>
<AUTORIZACION><CAF version="1.0"><DA><RE>` + siiRUT + `</RE><RS>SERVICIOS COBRO DEMO SPA</RS><TD>33</TD><RNG><D>1</D><H>10</H></RNG>
<FA>2026-05-20</FA><RSAPK><M>` + base64.StdEncoding.EncodeToString(n.Bytes()) + `</M><E>Aw==</E></RSAPK><IDK>300</IDK></DA>
<FRMA algoritmo="SHA1withRSA">` + base64.StdEncoding.EncodeToString(make([]byte, 128)) + `</FRMA></CAF>
<RSASK>` + keyPEM + `</RSASK></AUTORIZACION>`
	return base64.StdEncoding.EncodeToString([]byte(xml))
}

// Issue 13 #2: a live CAF with an oversized fake key, or whose private key
// does not belong to its public key, is refused at upload, and nothing is
// stored for finalize to choke on.
func TestCAFUploadKeyChecks(t *testing.T) {
	n32k := randomOdd(t, 32768)
	huge := cafWithKey(n32k, multiPrimeKeyPEM(t, n32k))
	genuine, err := sii.GenerateCAF(sii.SandboxSIIKey(), sii.SandboxIDK, siiRUT, "Demo", 33, 1, 10, time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	good, err := sii.ParseCAF(genuine)
	if err != nil {
		t.Fatal(err)
	}
	inconsistent := cafWithKey(good.PubKey.N, multiPrimeKeyPEM(t, good.PubKey.N))
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		clBiller(t, c, true)
		c.Post("/billers/built_in/cafs/", map[string]any{"file": huge}).
			ExpectBody(400, `{"file": ["The CAF key must be a 512-bit RSA key; this one has 32768 bits."]}`)
		c.Post("/billers/built_in/cafs/", map[string]any{"file": inconsistent}).
			ExpectBody(400, `{"file": ["The CAF private key (RSASK) is not a valid two-prime RSA key."]}`)
		if n := apitest.Num(c.Get("/billers/built_in/cafs/").Expect(200)["count"]); n != "0" {
			t.Fatalf("%s CAFs stored", n)
		}
		// the genuine one is still accepted and stamps
		c.Post("/billers/built_in/cafs/", map[string]any{"file": base64.StdEncoding.EncodeToString(genuine)}).Expect(201)
		inv := cl33Invoice(t, c, custNew(c, custExample()))
		if got := c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200); apitest.Num(got["number"]) != "1" {
			t.Fatalf("finalize: %v", got["number"])
		}
	})
}

// Uploads are refused before the transaction even when the workspace is
// not Chilean (404 first, as before) or the body is malformed.
func TestUploadPrepareOrder(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		us := e.Workspace("US")
		us.Post("/billers/built_in/certificate/", map[string]any{"file": "x"}).ExpectBody(404, `{"detail": "Not found."}`)
		us.Post("/billers/built_in/cafs/", map[string]any{"file": "x"}).ExpectBody(404, `{"detail": "Not found."}`)
		c := e.Workspace("CL")
		c.Post("/billers/built_in/cafs/", map[string]any{}).ExpectBody(400, `{"file": ["This field is required."]}`)
		// an Idempotency-Key answer of a refused upload is replayed
		r1 := c.Do("POST", "/billers/built_in/cafs/", map[string]any{"file": "<AUTORIZACION/>"}, "Idempotency-Key", "caf-1")
		r2 := c.Do("POST", "/billers/built_in/cafs/", map[string]any{"file": "<AUTORIZACION/>"}, "Idempotency-Key", "caf-1")
		if r1.Status != 400 || r2.Status != 400 || r2.Header.Get("Idempotent-Replayed") != "true" || !strings.Contains(string(r2.Body), "not a valid CAF") {
			t.Fatalf("idempotent refusal: %d %d %v %s", r1.Status, r2.Status, r2.Header, r2.Body)
		}
	})
}
