package clsii

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// CAF statuses (docs/tax-agency.md#42-caf-object).
const (
	CAFActive    = "active"
	CAFExhausted = "exhausted"
	CAFExpired   = "expired"
	CAFVoided    = "voided"
)

// CAFView is the CAF object (docs/tax-agency.md#42-caf-object). The private key is never in it.
type CAFView struct {
	ID           string      `json:"id"`
	Document     string      `json:"document"`
	RUT          string      `json:"rut"`
	BusinessName string      `json:"business_name"`
	RangeFrom    int64       `json:"range_from"`
	RangeTo      int64       `json:"range_to"`
	Authorized   string      `json:"authorized"`
	Expires      *string     `json:"expires"`
	IDK          int64       `json:"idk"`
	NextFolio    int64       `json:"next_folio"`
	Used         int64       `json:"used"`
	Available    int64       `json:"available"`
	Status       string      `json:"status"`
	Sandbox      bool        `json:"sandbox"`
	TestMode     bool        `json:"test_mode"`
	Created      clock.Stamp `json:"created"`
	Updated      clock.Stamp `json:"updated"`
}

const cafColumns = `id, document_type, rut, business_name, range_from, range_to, authorized, expires, idk, next_folio, status, sandbox, test_mode, created, updated`

func scanCAF(sc workspace.Scope, today string, row interface{ Scan(...any) error }) (*CAFView, error) {
	v := &CAFView{}
	var created, updated int64
	if err := row.Scan(&v.ID, &v.Document, &v.RUT, &v.BusinessName, &v.RangeFrom, &v.RangeTo, &v.Authorized, &v.Expires, &v.IDK,
		&v.NextFolio, &v.Status, &v.Sandbox, &v.TestMode, &created, &updated); err != nil {
		return nil, err
	}
	v.Created, v.Updated = clock.Stamp{Micros: created, Loc: sc.Loc}, clock.Stamp{Micros: updated, Loc: sc.Loc}
	if v.Status == CAFActive && v.Expires != nil && *v.Expires < today {
		v.Status = CAFExpired
	}
	v.Used = v.NextFolio - v.RangeFrom
	if v.Status == CAFActive {
		v.Available = v.RangeTo - v.NextFolio + 1
	}
	return v, nil
}

// today is the scope's date (Chile) at now.
func today(sc workspace.Scope, now time.Time) string {
	if sc.Loc != nil {
		return now.In(sc.Loc).Format("2006-01-02")
	}
	return now.Format("2006-01-02")
}

// CAFListSpec declares the CAF list (docs/tax-agency.md#42-caf-object).
var CAFListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "document", Expr: "document_type", Lookups: []string{list.In}},
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: []string{CAFActive, CAFExhausted, CAFExpired, CAFVoided}, Lookups: []string{list.In}},
		{Name: "sandbox", Expr: "sandbox", Kind: list.Bool},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"range_from": "range_from", "created": "created"},
	DefaultOrdering: "range_from",
}

// markExpired stores the expired status of CAFs whose date passed, so
// that list filters see it.
func markExpired(ctx context.Context, q store.Querier, sc workspace.Scope, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE sii_cafs SET status = 'expired' WHERE workspace_id = $1 AND test_mode = $2 AND status = 'active'
		AND expires IS NOT NULL AND expires < $3`, sc.ID, sc.TestMode, today(sc, now))
	return err
}

// ListCAFs returns one page of CAFs.
func ListCAFs(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query, now time.Time) (int, []*CAFView, error) {
	if err := markExpired(ctx, q, sc, now); err != nil {
		return 0, nil, err
	}
	td := today(sc, now)
	return list.Fetch(ctx, q, lq, cafColumns, ` FROM sii_cafs WHERE workspace_id = $1 AND test_mode = $2`, []any{sc.ID, sc.TestMode},
		func(row list.Scanner) (*CAFView, error) { return scanCAF(sc, td, row) })
}

// GetCAF returns one CAF (apperr not found for another scope's).
func GetCAF(ctx context.Context, q store.Querier, sc workspace.Scope, cafID string, now time.Time) (*CAFView, error) {
	if !id.Valid("caf", cafID) {
		return nil, apperr.NotFoundErr()
	}
	v, err := scanCAF(sc, today(sc, now), q.QueryRowContext(ctx, `SELECT `+cafColumns+` FROM sii_cafs WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`,
		cafID, sc.ID, sc.TestMode))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundErr()
	}
	return v, err
}

func fileErr(msg string) error { return apperr.Field("file", msg) }

// UploadedCAF is a CAF file parsed and verified by ParseUpload.
type UploadedCAF struct {
	caf     *sii.CAF
	raw     []byte
	sandbox bool
}

// ParseUpload does the checks of a CAF upload (docs/tax-agency.md#41-upload) that need no stored
// state: the file, its key pair and its SII signature. The cryptography
// runs here, before the write transaction opens.
func ParseUpload(sc workspace.Scope, raw []byte) (*UploadedCAF, error) {
	caf, err := sii.ParseCAF(raw)
	if err != nil {
		var ce *sii.CAFError
		if errors.As(err, &ce) {
			return nil, fileErr(ce.Msg)
		}
		return nil, err
	}
	if !sii.Supported(caf.TD) {
		return nil, fileErr(fmt.Sprintf("Document type %d is not supported.", caf.TD))
	}
	sandbox := caf.IDK == sii.SandboxIDK && caf.VerifySignature(&sii.SandboxSIIKey().PublicKey)
	if !sandbox && sc.TestMode {
		// Cobro has no real SII key configured: test mode trusts only
		// the sandbox's; live mode accepts the CAF (the SII checks it).
		return nil, fileErr("The CAF signature is not valid.")
	}
	return &UploadedCAF{caf: caf, raw: raw, sandbox: sandbox}, nil
}

// UploadCAF stores a CAF checked by ParseUpload, after the checks against
// the settings and the other CAFs (docs/tax-agency.md#41-upload).
func (b *Biller) UploadCAF(ctx context.Context, q store.Querier, sc workspace.Scope, up *UploadedCAF, now time.Time) (*CAFView, error) {
	st, err := Load(ctx, q, sc)
	if err != nil {
		return nil, err
	}
	if st.RUT == nil {
		return nil, fileErr("Set the biller rut (PATCH /billers/built_in/) before uploading CAFs.")
	}
	if up.caf.RE != *st.RUT {
		return nil, fileErr(fmt.Sprintf("The CAF belongs to RUT %s, not %s.", up.caf.RE, *st.RUT))
	}
	return b.insertCAF(ctx, q, sc, up.caf, up.raw, up.sandbox, now, false)
}

func (b *Biller) insertCAF(ctx context.Context, q store.Querier, sc workspace.Scope, caf *sii.CAF, raw []byte, sandbox bool, now time.Time, onConflictSkip bool) (*CAFView, error) {
	typeID := "CL" + strconv.Itoa(caf.TD)
	var expires *string
	if exp, ok := caf.Expires(); ok {
		s := exp.Format("2006-01-02")
		expires = &s
		if s < today(sc, now) {
			return nil, fileErr("The CAF expired on " + s + ".")
		}
	}
	if !onConflictSkip {
		var other string
		var from, to int64
		err := q.QueryRowContext(ctx, `SELECT id, range_from, range_to FROM sii_cafs WHERE workspace_id = $1 AND test_mode = $2 AND document_type = $3
			AND range_from <= $4 AND range_to >= $5 ORDER BY range_from LIMIT 1`, sc.ID, sc.TestMode, typeID, caf.To, caf.From).Scan(&other, &from, &to)
		if err == nil {
			return nil, fileErr(fmt.Sprintf("Folios %d-%d overlap CAF %s (%d-%d).", caf.From, caf.To, other, from, to))
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	cafID := id.New("caf")
	sealed, err := b.seal(raw, aadOf(sc, "caf"))
	if err != nil {
		return nil, err
	}
	us := now.UnixMicro()
	conflict := ""
	if onConflictSkip {
		conflict = ` ON CONFLICT (workspace_id, test_mode, document_type, range_from) DO NOTHING`
	}
	res, err := q.ExecContext(ctx, `INSERT INTO sii_cafs (id, workspace_id, test_mode, document_type, rut, business_name, range_from, range_to,
		authorized, expires, idk, next_folio, status, sandbox, caf_xml, caf_key, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'active', $13, $14, $15, $16, $16)`+conflict,
		cafID, sc.ID, sc.TestMode, typeID, caf.RE, caf.RS, caf.From, caf.To, caf.FA.Format("2006-01-02"), expires, caf.IDK, caf.From,
		sandbox, sii.Flat(caf.Elem), sealed, us)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, nil
	}
	return GetCAF(ctx, q, sc, cafID, now)
}

// MoveCAF moves next_folio forward (docs/tax-agency.md#44-folio-assignment skip ahead).
func MoveCAF(ctx context.Context, q store.Querier, sc workspace.Scope, cafID string, next int64, now time.Time) (*CAFView, error) {
	v, err := GetCAF(ctx, q, sc, cafID, now)
	if err != nil {
		return nil, err
	}
	if next < v.NextFolio {
		return nil, apperr.Field("next_folio", fmt.Sprintf("next_folio can only move forward (current %d).", v.NextFolio))
	}
	if next > v.RangeTo+1 {
		return nil, apperr.Field("next_folio", fmt.Sprintf("next_folio can be at most %d (range_to + 1).", v.RangeTo+1))
	}
	if v.Status == CAFVoided {
		return nil, apperr.Field("next_folio", "The CAF is voided.")
	}
	status := v.Status
	if status == CAFExpired {
		status = CAFActive // stored status; expiry is derived
	}
	if next > v.RangeTo {
		status = CAFExhausted
	}
	if _, err := q.ExecContext(ctx, `UPDATE sii_cafs SET next_folio = $1, status = $2, updated = $3 WHERE id = $4 AND workspace_id = $5 AND test_mode = $6`,
		next, status, now.UnixMicro(), cafID, sc.ID, sc.TestMode); err != nil {
		return nil, err
	}
	return GetCAF(ctx, q, sc, cafID, now)
}

// DeleteCAF destroys an unused CAF (nil view) or voids a used one.
func DeleteCAF(ctx context.Context, q store.Querier, sc workspace.Scope, cafID string, now time.Time) (*CAFView, error) {
	v, err := GetCAF(ctx, q, sc, cafID, now)
	if err != nil {
		return nil, err
	}
	if v.Used == 0 {
		_, err := q.ExecContext(ctx, `DELETE FROM sii_cafs WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`, cafID, sc.ID, sc.TestMode)
		return nil, err
	}
	if _, err := q.ExecContext(ctx, `UPDATE sii_cafs SET status = 'voided', updated = $1 WHERE id = $2 AND workspace_id = $3 AND test_mode = $4`,
		now.UnixMicro(), cafID, sc.ID, sc.TestMode); err != nil {
		return nil, err
	}
	return GetCAF(ctx, q, sc, cafID, now)
}

// notConfigured is docs/tax-agency.md#5-finalize-for-chilean-documents's first rule.
var notConfigured = apperr.NonField("The SII biller is not configured: set rut, business_name, activity_description, activity_codes, address, commune, resolution_number and resolution_date.")

// NextNumber takes the next folio of a type (docs/tax-agency.md#44-folio-assignment) in the finalize
// transaction: the lowest active, unexpired CAF with folios left; its
// counter moves with a conditional UPDATE, which on PostgreSQL locks the
// row until commit (concurrent finalizes wait and see the new value) and
// on SQLite runs in the single write transaction.
func (b *Biller) NextNumber(ctx context.Context, q store.Querier, sc workspace.Scope, t catalog.DocumentType) (int64, error) {
	now := nowOf(ctx)
	st, err := Load(ctx, q, sc)
	if err != nil {
		return 0, err
	}
	if !st.Configured() {
		return 0, notConfigured
	}
	if _, err := b.certificate(st, sc, now); err != nil {
		return 0, err
	}
	td := today(sc, now)
	for attempt := 0; attempt < 50; attempt++ {
		type cand struct {
			id             string
			from, to, next int64
			expires        *string
			status         string
		}
		all, err := store.Collect(ctx, q, func(r store.Scanner) (c cand, err error) {
			return c, r.Scan(&c.id, &c.from, &c.to, &c.next, &c.expires, &c.status)
		}, `SELECT id, range_from, range_to, next_folio, expires, status FROM sii_cafs
			WHERE workspace_id = $1 AND test_mode = $2 AND document_type = $3 ORDER BY range_from`, sc.ID, sc.TestMode, t.ID)
		if err != nil {
			return 0, err
		}
		var pick *cand
		var expired *cand
		for i := range all {
			c := &all[i]
			if c.status != CAFActive || c.next > c.to {
				continue
			}
			if c.expires != nil && *c.expires < td {
				if expired == nil {
					expired = c
				}
				continue
			}
			pick = c
			break
		}
		if pick == nil {
			if sc.TestMode {
				// docs/tax-agency.md#45-sandbox-cafs-test-mode: the sandbox issues a CAF on the fly
				if err := b.issueSandboxCAF(ctx, q, sc, st, t, all2ranges(len(all), func(i int) (int64, int64) { return all[i].from, all[i].to }), now); err != nil {
					return 0, err
				}
				continue
			}
			switch {
			case len(all) == 0:
				return 0, apperr.NonField(fmt.Sprintf("No CAF uploaded for document type %s.", t.ID))
			case expired != nil:
				return 0, apperr.NonField(fmt.Sprintf("The CAF for document type %s (folios %d-%d) expired on %s; upload a new CAF.", t.ID, expired.from, expired.to, *expired.expires))
			}
			return 0, apperr.NonField(fmt.Sprintf("All folios for document type %s are used; upload a new CAF.", t.ID))
		}
		var folio int64
		err = q.QueryRowContext(ctx, `UPDATE sii_cafs SET next_folio = next_folio + 1,
			status = CASE WHEN next_folio + 1 > range_to THEN 'exhausted' ELSE status END, updated = $1
			WHERE id = $2 AND status = 'active' AND next_folio <= range_to RETURNING next_folio - 1`, now.UnixMicro(), pick.id).Scan(&folio)
		if errors.Is(err, sql.ErrNoRows) {
			continue // taken meanwhile: look again
		}
		if err != nil {
			return 0, err
		}
		return folio, nil
	}
	return 0, errors.New("sii: could not take a folio")
}

func all2ranges(n int, f func(int) (int64, int64)) [][2]int64 {
	out := make([][2]int64, n)
	for i := range out {
		a, b := f(i)
		out[i] = [2]int64{a, b}
	}
	return out
}

// issueSandboxCAF creates the next sandbox CAF of a type: range after the
// last CAF of the type, 1000 folios, FA today, signed by the sandbox key.
func (b *Biller) issueSandboxCAF(ctx context.Context, q store.Querier, sc workspace.Scope, st *Stored, t catalog.DocumentType, ranges [][2]int64, now time.Time) error {
	from := int64(1)
	for _, r := range ranges {
		if r[1] >= from {
			from = r[1] + 1
		}
	}
	tdCode, _ := strconv.Atoi(t.Code)
	fa, _ := time.Parse("2006-01-02", today(sc, now))
	name := ""
	if st.BusinessName != nil {
		name = *st.BusinessName
	}
	raw, err := sii.GenerateCAF(sii.SandboxSIIKey(), sii.SandboxIDK, *st.RUT, name, tdCode, from, from+999, fa)
	if err != nil {
		return err
	}
	caf, err := sii.ParseCAF(raw)
	if err != nil {
		return err
	}
	_, err = b.insertCAF(ctx, q, sc, caf, raw, true, now, true)
	return err
}

// cafForFolio loads the CAF that holds a folio, with its private key.
func (b *Biller) cafForFolio(ctx context.Context, q store.Querier, sc workspace.Scope, typeID string, folio int64) (string, *sii.CAF, error) {
	var cafID string
	var sealed []byte
	err := q.QueryRowContext(ctx, `SELECT id, caf_key FROM sii_cafs WHERE workspace_id = $1 AND test_mode = $2 AND document_type = $3
		AND range_from <= $4 AND range_to >= $4`, sc.ID, sc.TestMode, typeID, folio).Scan(&cafID, &sealed)
	if err != nil {
		return "", nil, fmt.Errorf("CAF of %s folio %d: %w", typeID, folio, err)
	}
	raw, err := b.open(sealed, aadOf(sc, "caf"))
	if err != nil {
		return "", nil, err
	}
	caf, err := sii.ParseCAF(raw)
	var ce *sii.CAFError
	if errors.As(err, &ce) { // stored before today's upload checks
		return "", nil, apperr.NonField(fmt.Sprintf("CAF %s cannot stamp documents: %s Void it and upload a new one.", cafID, ce.Msg))
	}
	if err != nil {
		return "", nil, err
	}
	return cafID, caf, nil
}
