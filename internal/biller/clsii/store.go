// Package clsii is the Chile SII biller (docs/tax-agency.md): issuer settings,
// the company certificate and CAF files per workspace and mode, folio
// assignment inside the finalize transaction, and submission of the
// signed envelope built by internal/sii to the sandbox agency.
package clsii

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/sii/siiws"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// New is an SII biller that seals with secret and reaches the SII with t
// (the composition root, internal/app, builds it).
func New(secret []byte, t Transport) *Biller {
	return &Biller{secret: append([]byte(nil), secret...), agency: &agency{Transport: t, tokens: &siiws.TokenCache{}}}
}

// Biller is the cl_sii biller.
type Biller struct {
	secret []byte
	agency *agency
}

// sealKey derives the AES-256 key of stored secrets from the server secret.
func (b *Biller) sealKey() []byte {
	m := hmac.New(sha256.New, b.secret)
	m.Write([]byte("cobro/sii/seal/v1"))
	return m.Sum(nil)
}

// seal encrypts with AES-256-GCM; aad binds the ciphertext to its row.
func (b *Biller) seal(plain []byte, aad string) ([]byte, error) {
	g, err := b.gcm()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return g.Seal(nonce, nonce, plain, []byte(aad)), nil
}

// gcm is the AES-256-GCM cipher of the workspace secrets.
func (b *Biller) gcm() (cipher.AEAD, error) {
	blk, err := aes.NewCipher(b.sealKey())
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

func (b *Biller) open(sealed []byte, aad string) ([]byte, error) {
	g, err := b.gcm()
	if err != nil {
		return nil, err
	}
	if len(sealed) < g.NonceSize() {
		return nil, errors.New("sealed value too short")
	}
	p, err := g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], []byte(aad))
	if err != nil {
		return nil, errors.New("cannot open a stored key: was COBRO_SECRET_KEY changed?")
	}
	return p, nil
}

func aadOf(sc workspace.Scope, what string) string {
	return fmt.Sprintf("%s/%v/%s", sc.ID, sc.TestMode, what)
}

// Settings are the writable issuer settings (docs/tax-agency.md#21-settings-object).
type Settings struct {
	RUT                 *string `json:"rut"`
	BusinessName        *string `json:"business_name"`
	ActivityDescription *string `json:"activity_description"`
	ActivityCodes       []int64 `json:"activity_codes"`
	Address             *string `json:"address"`
	Commune             *string `json:"commune"`
	City                *string `json:"city"`
	BranchCode          *int64  `json:"branch_code"`
	SIIOffice           *string `json:"sii_office"`
	ResolutionNumber    *int64  `json:"resolution_number"`
	ResolutionDate      *string `json:"resolution_date"`
	Environment         string  `json:"environment"`
	Email               *string `json:"email"`
	// CAFLowPercent: warn when a type's active CAFs have this share of
	// their folios left or less (0 turns the warning off).
	CAFLowPercent *int64 `json:"caf_low_percent"`
}

// Configured reports whether every field needed to issue is set.
func (s *Settings) Configured() bool {
	return s.RUT != nil && s.BusinessName != nil && s.ActivityDescription != nil && len(s.ActivityCodes) > 0 &&
		s.Address != nil && s.Commune != nil && s.ResolutionNumber != nil && s.ResolutionDate != nil
}

// Stored is the settings row.
type Stored struct {
	Settings
	CertDER      []byte
	CertKey      []byte // sealed PKCS #8
	CertUploaded *int64
	Updated      *int64
}

// Load reads the settings of a scope (defaults when never saved).
func Load(ctx context.Context, q store.Querier, sc workspace.Scope) (*Stored, error) {
	st := &Stored{Settings: Settings{Environment: "sandbox", ActivityCodes: []int64{}}}
	var data string
	var up int64
	err := q.QueryRowContext(ctx, `SELECT data, cert_der, cert_key, cert_uploaded, updated FROM sii_settings WHERE workspace_id = $1 AND test_mode = $2`,
		sc.ID, sc.TestMode).Scan(&data, &st.CertDER, &st.CertKey, &st.CertUploaded, &up)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(data), &st.Settings); err != nil {
		return nil, err
	}
	if st.ActivityCodes == nil {
		st.ActivityCodes = []int64{}
	}
	if st.Environment == "" {
		st.Environment = "sandbox"
	}
	st.Updated = &up
	return st, nil
}

// Save writes the settings and certificate columns.
func Save(ctx context.Context, q store.Querier, sc workspace.Scope, st *Stored, now time.Time) error {
	data, err := json.Marshal(st.Settings)
	if err != nil {
		return err
	}
	up := now.UnixMicro()
	st.Updated = &up
	_, err = q.ExecContext(ctx, `INSERT INTO sii_settings (workspace_id, test_mode, data, cert_der, cert_key, cert_uploaded, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (workspace_id, test_mode) DO UPDATE SET data = excluded.data, cert_der = excluded.cert_der,
		cert_key = excluded.cert_key, cert_uploaded = excluded.cert_uploaded, updated = excluded.updated`,
		sc.ID, sc.TestMode, string(data), st.CertDER, st.CertKey, st.CertUploaded, up)
	return err
}

// CertView is the certificate summary of the API (docs/tax-agency.md#3-certificate).
type CertView struct {
	SubjectName  string      `json:"subject_name"`
	SubjectRUT   string      `json:"subject_rut"`
	Issuer       string      `json:"issuer"`
	SerialNumber string      `json:"serial_number"`
	NotBefore    clock.Stamp `json:"not_before"`
	NotAfter     clock.Stamp `json:"not_after"`
	Fingerprint  string      `json:"fingerprint_sha1"`
	Uploaded     clock.Stamp `json:"uploaded"`
}

// SettingsView is the settings object of the API.
type SettingsView struct {
	Settings
	Certificate *CertView `json:"certificate"`
	Configured  bool      `json:"configured"`
	// Warnings: the certificate expiring within 30 days, CAFs running low.
	Warnings []Warning       `json:"warnings"`
	TestMode bool            `json:"test_mode"`
	Updated  clock.NullStamp `json:"updated"`
}

// View renders the settings with their warnings at now.
func (st *Stored) View(ctx context.Context, q store.Querier, sc workspace.Scope, now time.Time) (SettingsView, error) {
	ws, err := Warnings(ctx, q, sc, st, now)
	if err != nil {
		return SettingsView{}, err
	}
	v := SettingsView{Settings: st.Settings, Certificate: st.CertSummary(sc), Configured: st.Configured(), Warnings: ws, TestMode: sc.TestMode,
		Updated: clock.NullStamp{Micros: st.Updated, Loc: sc.Loc}}
	pct := st.lowPercent()
	v.CAFLowPercent = &pct
	return v, nil
}

// CertSummary describes the uploaded certificate (nil when none).
func (st *Stored) CertSummary(sc workspace.Scope) *CertView {
	if st.CertDER == nil {
		return nil
	}
	c, err := parseCert(st.CertDER)
	if err != nil {
		return nil
	}
	s := sii.Certificate{Cert: c, RUT: sii.CertRUT(c)}
	sum := s.Summary()
	up := int64(0)
	if st.CertUploaded != nil {
		up = *st.CertUploaded
	}
	return &CertView{SubjectName: sum.SubjectName, SubjectRUT: sum.SubjectRUT, Issuer: sum.Issuer, SerialNumber: sum.SerialNumber,
		NotBefore: clock.Stamp{Micros: sum.NotBefore.UnixMicro(), Loc: sc.Loc}, NotAfter: clock.Stamp{Micros: sum.NotAfter.UnixMicro(), Loc: sc.Loc},
		Fingerprint: sum.FingerprintSHA1, Uploaded: clock.Stamp{Micros: up, Loc: sc.Loc}}
}

// SetCertificate stores an uploaded certificate, its key sealed.
func (b *Biller) SetCertificate(st *Stored, sc workspace.Scope, c *sii.Certificate, now time.Time) error {
	der, err := c.MarshalKey()
	if err != nil {
		return err
	}
	sealed, err := b.seal(der, aadOf(sc, "certificate"))
	if err != nil {
		return err
	}
	up := now.UnixMicro()
	st.CertDER, st.CertKey, st.CertUploaded = c.Cert.Raw, sealed, &up
	return nil
}

// certificate returns the signing certificate of a scope: the uploaded
// one, else in test mode the sandbox's (docs/tax-agency.md#3-certificate).
func (b *Biller) certificate(st *Stored, sc workspace.Scope, now time.Time) (*sii.Certificate, error) {
	if st.CertDER == nil {
		if sc.TestMode {
			return sii.SandboxCertificate(), nil
		}
		return nil, apperr.NonField("Upload the company's digital certificate before issuing documents.")
	}
	key, err := b.open(st.CertKey, aadOf(sc, "certificate"))
	if err != nil {
		return nil, err
	}
	c, err := sii.LoadStored(st.CertDER, key)
	var ce *sii.CertError
	if errors.As(err, &ce) { // stored before today's upload checks
		return nil, apperr.NonField("The stored digital certificate cannot be used: " + ce.Msg + " Upload it again.")
	}
	if err != nil {
		return nil, err
	}
	if now.After(c.Cert.NotAfter) {
		return nil, apperr.NonField("The digital certificate expired on " + c.Cert.NotAfter.In(sc.Loc).Format("2006-01-02") + ".")
	}
	return c, nil
}

// Certificate is the signing certificate of a scope, for the other
// documents a company signs (the exchange answers of received DTEs):
// the uploaded one, else in test mode the sandbox's.
func (b *Biller) Certificate(ctx context.Context, q store.Querier, sc workspace.Scope, now time.Time) (*sii.Certificate, error) {
	st, err := Load(ctx, q, sc)
	if err != nil {
		return nil, err
	}
	return b.certificate(st, sc, now)
}

// RCVAction files action in the SII's register of acceptances and claims
// for the document of issuer (type td, folio) received by the scope's
// company, with its certificate, in its environment (the in-process
// sandbox for "sandbox" and test mode).
func (b *Biller) RCVAction(ctx context.Context, q store.Querier, sc workspace.Scope, now time.Time, issuer string, td int, folio int64, action string) (siiws.RCVAnswer, error) {
	c, cert, err := b.registerClient(ctx, q, sc, now)
	if err != nil {
		return siiws.RCVAnswer{}, err
	}
	return c.RCVAction(ctx, cert, issuer, td, folio, action)
}

// RCVEvents lists the register's events for a received document.
func (b *Biller) RCVEvents(ctx context.Context, q store.Querier, sc workspace.Scope, now time.Time, issuer string, td int, folio int64) (siiws.RCVAnswer, []siiws.RCVEvent, error) {
	c, cert, err := b.registerClient(ctx, q, sc, now)
	if err != nil {
		return siiws.RCVAnswer{}, nil, err
	}
	return c.RCVEvents(ctx, cert, issuer, td, folio)
}

func (b *Biller) registerClient(ctx context.Context, q store.Querier, sc workspace.Scope, now time.Time) (*siiws.Client, *sii.Certificate, error) {
	st, err := Load(ctx, q, sc)
	if err != nil {
		return nil, nil, err
	}
	cert, err := b.certificate(st, sc, now)
	if err != nil {
		return nil, nil, err
	}
	env := st.Environment
	if sc.TestMode {
		env = "sandbox"
	}
	c, err := b.client(env)
	return c, cert, err
}

// SealSecret seals another secret of a scope (an IMAP password) with the
// key of the SII secrets, bound to the scope and what it is.
func (b *Biller) SealSecret(sc workspace.Scope, what string, plain []byte) ([]byte, error) {
	return b.seal(plain, aadOf(sc, what))
}

// OpenSecret opens what SealSecret sealed.
func (b *Biller) OpenSecret(sc workspace.Scope, what string, sealed []byte) ([]byte, error) {
	return b.open(sealed, aadOf(sc, what))
}
