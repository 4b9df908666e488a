// Package checkout renders the hosted payment pages (docs/payments.md#51-publishable-endpoints and
// docs/payments.md#12-simulated-authentication-test-gateway): server-side html/template, every asset embedded in the binary and
// inlined under a per-response CSP nonce, so the pages load nothing from
// anywhere else and show no workspace data beyond the link. The one
// exception is a Stripe link (docs/payments.md#17-stripe): card data must go from the payer's
// browser to Stripe, so that page loads Stripe.js from js.stripe.com and
// its CSP allows exactly Stripe's hosts.
package checkout

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/url"
	"strings"

	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/shopspring/decimal"
)

//go:embed assets
var assets embed.FS

var (
	css       = mustRead("assets/style.css")
	hostedJS  = mustRead("assets/hosted.js")
	templates = template.Must(template.New("").ParseFS(assets, "assets/*.html"))
)

func mustRead(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Page is a rendered HTML answer with its headers.
type Page struct {
	Status int
	Body   []byte
	Header map[string]string
}

func nonce() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// StripeJS is where Stripe.js is loaded from: Stripe requires it be
// loaded from js.stripe.com, never bundled.
const StripeJS = "https://js.stripe.com/v3/"

// headers are the security headers of every hosted page: nothing but the
// inlined, nonce-tagged style and script; no framing; no caching.
func headers(n string, connect bool) map[string]string {
	return headersFor(n, connect, false)
}

// headersFor adds, for a Stripe page, the hosts Stripe.js needs (its
// script, the card fields and 3-D Secure frames, its API); nothing else.
func headersFor(n string, connect, stripe bool) map[string]string {
	script, img, conn := "'nonce-"+n+"'", "'self' data:", "'self'"
	frames := ""
	if stripe {
		script += " https://js.stripe.com"
		img += " https://*.stripe.com"
		conn += " https://api.stripe.com"
		frames = "; frame-src https://js.stripe.com https://hooks.stripe.com"
	}
	csp := "default-src 'none'; style-src 'nonce-" + n + "'; script-src " + script + "; img-src " + img + "; base-uri 'none'; frame-ancestors 'none'" + frames
	if connect {
		csp += "; connect-src " + conn + "; form-action 'self'"
	}
	return map[string]string{
		"Content-Security-Policy": csp,
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	}
}

// Field is an extra payer field of the form.
type Field struct{ ID, Label string }

// Link is what the hosted page shows of a payment link.
type Link struct {
	Key         string
	Merchant    string // workspace name
	Logo        string // path of the workspace's logo ("" = none)
	Country     string // workspace country (language, number format)
	Description string
	Amount      decimal.Decimal
	Currency    string
	Rounded     bool // the currency has no decimals (CLP)
	TestMode    bool
	PayerFields []string
	ReturnURL   string
	// Resume: an intent to poll on load (back from authentication).
	Resume string
	// Redirect names the processor whose page takes the card (the link's
	// gateway pays by redirect, docs/payments.md#15-redirect-flows): the
	// page then asks no card data. "" for card-form gateways.
	Redirect string
	// StripeKey is the workspace's Stripe publishable key (pk_…) when the
	// link's gateway is Stripe: the card fields are Stripe's (Stripe.js).
	StripeKey string
}

type hostedView struct {
	Lang, Merchant, Logo, Description, AmountText, Currency string
	TestMode, Unavailable, AskPayer                         bool
	Redirect                                                string
	Stripe                                                  bool
	StripeJS                                                string
	ExtraFields                                             []Field
	T                                                       texts
	Nonce                                                   string
	CSS                                                     template.CSS
	JS                                                      template.JS
	Config                                                  config
}

type config struct {
	IntentsURL  string            `json:"intentsURL"`
	ReturnURL   string            `json:"returnURL"`
	PayerFields []string          `json:"payerFields"`
	Resume      string            `json:"resume"`
	Redirect    bool              `json:"redirect"`
	StripeKey   string            `json:"stripeKey,omitempty"`
	Attempt     string            `json:"attempt"`
	Text        map[string]any    `json:"text"`
	Extra       map[string]string `json:"-"`
}

// Hosted renders the checkout page of an active link.
func Hosted(l Link) (*Page, error) {
	return render(l, false)
}

// Unavailable renders the 404 page of a link that cannot be paid.
func Unavailable(country string) (*Page, error) {
	return render(Link{Country: country, Merchant: "", Description: ""}, true)
}

func render(l Link, unavailable bool) (*Page, error) {
	lang := Lang(l.Country)
	t := textsFor(lang)
	n := nonce()
	v := hostedView{Lang: lang, Merchant: l.Merchant, Logo: l.Logo, Description: l.Description, Currency: l.Currency, TestMode: l.TestMode,
		Unavailable: unavailable, T: t, Nonce: n, CSS: template.CSS(css), JS: template.JS(hostedJS), Redirect: l.Redirect}
	if unavailable {
		v.Description = t.UnavailableTitle
	} else {
		v.AmountText = FormatAmount(l.Amount, l.Rounded, lang)
		for _, f := range l.PayerFields {
			if f == "name" {
				v.AskPayer = true
			}
			if f != "name" && f != "email" {
				v.ExtraFields = append(v.ExtraFields, Field{ID: f, Label: t.field(f)})
			}
		}
		v.Config = config{IntentsURL: "/publishable/payment_links/links/" + l.Key + "/intents/", ReturnURL: l.ReturnURL,
			PayerFields: l.PayerFields, Resume: l.Resume, Attempt: nonce(), Text: t.script(), Redirect: l.Redirect != "",
			StripeKey: l.StripeKey}
		v.Stripe, v.StripeJS = l.StripeKey != "", StripeJS
	}
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, "hosted.html", v); err != nil {
		return nil, err
	}
	status := 200
	if unavailable {
		status = 404
	}
	return &Page{Status: status, Body: buf.Bytes(), Header: headersFor(n, true, v.Stripe)}, nil
}

// AuthView is the simulated authentication page of a source.
type AuthView struct {
	SourceID, Status, Workspace string
	Card                        *gateway.Card
	Waiting, Done               bool
	Nonce                       string
	CSS                         template.CSS
}

// AuthenticationPage renders the test gateway's Approve/Deny page.
func AuthenticationPage(v AuthView) (*Page, error) {
	v.Nonce, v.CSS = nonce(), template.CSS(css)
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, "auth.html", v); err != nil {
		return nil, err
	}
	return &Page{Status: 200, Body: buf.Bytes(), Header: headers(v.Nonce, false)}, nil
}

// RedirectView is the page that sends the payer to a processor whose
// page is entered by a form POST (Webpay's token_ws,
// docs/payments.md#15-redirect-flows).
type RedirectView struct {
	Workspace, Country, Action string
	Fields                     map[string]string
	Lang, Nonce                string
	CSS                        template.CSS
}

// RedirectPage renders a form that posts Fields to Action by itself, with
// a visible button for browsers without scripts. Its CSP lets the form go
// to the processor's origin only.
func RedirectPage(v RedirectView) (*Page, error) {
	u, err := url.Parse(v.Action)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("checkout: bad processor URL %q", v.Action)
	}
	v.Lang, v.Nonce, v.CSS = Lang(v.Country), nonce(), template.CSS(css)
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, "redirect.html", v); err != nil {
		return nil, err
	}
	h := headers(v.Nonce, false)
	h["Content-Security-Policy"] += "; form-action " + u.Scheme + "://" + u.Host
	return &Page{Status: 200, Body: buf.Bytes(), Header: h}, nil
}

// Lang is the page language of a workspace country.
func Lang(country string) string {
	switch country {
	case "CL", "MX", "CO", "PE", "AR", "ES", "UY", "EC", "BO", "PY", "VE", "CR", "GT", "PA", "DO", "HN", "NI", "SV":
		return "es"
	}
	return "en"
}

// FormatAmount writes an amount for people: the currency's scale (CLP
// without decimals), grouped thousands, Spanish or English separators.
func FormatAmount(d decimal.Decimal, rounded bool, lang string) string {
	scale := money.ScaleFor(rounded)
	out := money.Format(money.Round(d, scale), scale, lang == "es")
	if neg, ok := strings.CutPrefix(out, "-"); ok {
		return "-$" + neg
	}
	return "$" + out
}
