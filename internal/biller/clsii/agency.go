package clsii

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/sii/siifake"
	"github.com/cobrobilling/cobro/internal/sii/siiws"
)

// Transport is how the biller reaches the SII.
type Transport struct {
	// BaseURL replaces the scheme and host of every SII endpoint of the
	// certification and production environments (COBRO_SII_BASE_URL):
	// a fake SII in tests, a proxy in production.
	BaseURL string
	// HTTP is the client (nil: one with a 60 s timeout).
	HTTP *http.Client
}

// agency is the biller's transport state: one token cache for all its
// clients, shared by the finalize path and the worker.
type agency struct {
	Transport
	tokens *siiws.TokenCache
}

// inProcess is the sandbox agency the "sandbox" environment and test
// mode submit to: the same HTTP fake as `cobro sii sandbox`, on a
// loopback port of this process, started on first use. It leaves
// DUP-001 to Cobro, which checks it per workspace (sii_sandbox_received).
var inProcess struct {
	once sync.Once
	url  string
	err  error
}

func sandboxURL() (string, error) {
	inProcess.once.Do(func() {
		inProcess.url, inProcess.err = siifake.Start(context.Background(), &siifake.Server{SkipDuplicates: true})
	})
	return inProcess.url, inProcess.err
}

// client of the environment: the in-process sandbox for "sandbox", the
// SII (or the BaseURL override) for certification and production.
func (b *Biller) client(environment string) (*siiws.Client, error) {
	a := b.agency
	if a == nil {
		a = &agency{tokens: &siiws.TokenCache{}}
		b.agency = a
	}
	hc := a.HTTP
	if hc == nil {
		// each call ends well within the worker's one-minute job lease,
		// so no other node takes the job while an upload is under way
		hc = &http.Client{Timeout: 45 * time.Second}
	}
	c := &siiws.Client{Env: environment, BaseURL: a.BaseURL, HTTP: hc, Tokens: a.tokens}
	if environment == "sandbox" {
		u, err := sandboxURL()
		if err != nil {
			return nil, err
		}
		c.Env, c.BaseURL = siiws.Certification, u
	}
	return c, nil
}

// answerOf turns the SII's final state of a one-document envelope into
// the sandbox-shaped answer recorded in tax_agency.
func answerOf(track string, st siiws.UploadState) sii.Answer {
	a := sii.Answer{TrackID: track, Status: st.State, DocStatus: st.DocStatus(), Messages: st.Messages}
	if a.DocStatus == "RCH" && len(a.Messages) == 0 {
		text := st.Text
		if text == "" {
			text = "The SII rejected the document (state " + st.State + ")."
		}
		a.Messages = []sii.Message{{Code: st.State, Severity: "error", Text: text}}
	}
	if a.Messages == nil {
		a.Messages = []sii.Message{}
	}
	return a
}
