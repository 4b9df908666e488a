package clsii

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Warnings ahead of a stop: a certificate about to expire and CAFs about
// to run out both make finalize fail soon (docs/tax-agency.md#3-certificate, docs/tax-agency.md#44-folio-assignment).
const (
	// CertificateWarningDays: the certificate expires within this many days.
	CertificateWarningDays = 30
	// DefaultCAFLowPercent: folios left of a type's active CAFs.
	DefaultCAFLowPercent = 10

	EventCertificateExpiring = "biller.certificate_expiring"
	EventCAFLow              = "biller.caf_low"
)

// Warning is one entry of the settings' warnings.
type Warning struct {
	Code      string  `json:"code"` // certificate_expiring, caf_low
	Document  *string `json:"document"`
	Available *int64  `json:"available"`
	Expires   *string `json:"expires"`
	Text      string  `json:"text"`
	object    string  // the event's object id: the certificate's fingerprint or the document type
}

// lowPercent is the configured threshold.
func (s *Settings) lowPercent() int64 {
	if s.CAFLowPercent == nil {
		return DefaultCAFLowPercent
	}
	return *s.CAFLowPercent
}

// Warnings lists what needs attention in a scope at now.
func Warnings(ctx context.Context, q store.Querier, sc workspace.Scope, st *Stored, now time.Time) ([]Warning, error) {
	out := []Warning{}
	if st.CertDER != nil {
		if c, err := parseCert(st.CertDER); err == nil && now.Before(c.NotAfter) && c.NotAfter.Sub(now) <= CertificateWarningDays*24*time.Hour {
			day := c.NotAfter.In(locOf(sc)).Format("2006-01-02")
			days := int(c.NotAfter.Sub(now).Hours() / 24)
			h := sha1.Sum(c.Raw)
			out = append(out, Warning{Code: "certificate_expiring", Expires: &day, object: "cert_" + hex.EncodeToString(h[:]),
				Text: fmt.Sprintf("The digital certificate expires on %s (in %d days); upload its renewal.", day, days)})
		}
	}
	pct := st.lowPercent()
	if pct <= 0 {
		return out, nil
	}
	// active CAFs per type: folios left against the folios they authorise
	rows, err := q.QueryContext(ctx, `SELECT document_type, SUM(range_to - next_folio + 1), SUM(range_to - range_from + 1) FROM sii_cafs
		WHERE workspace_id = $1 AND test_mode = $2 AND status = 'active' AND (expires IS NULL OR expires >= $3) AND NOT ($4 AND sandbox)
		GROUP BY document_type ORDER BY document_type`, sc.ID, sc.TestMode, today(sc, now), sc.TestMode)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var doc string
		var left, total int64
		if err := rows.Scan(&doc, &left, &total); err != nil {
			return nil, err
		}
		if total > 0 && left*100 <= pct*total {
			d, l := doc, left
			out = append(out, Warning{Code: "caf_low", Document: &d, Available: &l, object: doc,
				Text: fmt.Sprintf("Only %d folios (%d %%) are left for document type %s; request a new CAF from the SII and upload it.", left, left*100/total, doc)})
		}
	}
	return out, rows.Err()
}

// emitWarnings records an event for each warning not reported before
// (once per certificate, once per document type until its CAFs recover).
func emitWarnings(ctx context.Context, q store.Querier, sc workspace.Scope, st *Stored, now time.Time) error {
	ws, err := Warnings(ctx, q, sc, st, now)
	if err != nil {
		return err
	}
	for _, w := range ws {
		name := EventCertificateExpiring
		if w.Code == "caf_low" {
			name = EventCAFLow
		}
		var n int
		// a caf_low is reported again after a newer CAF upload lifted it
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE workspace_id = $1 AND test_mode = $2 AND event = $3 AND object_id = $4
			AND created >= COALESCE((SELECT MAX(created) FROM sii_cafs WHERE workspace_id = $1 AND test_mode = $2 AND document_type = $4), 0)`,
			sc.ID, sc.TestMode, name, w.object).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			if err := event.Emit(ctx, q, sc, name, w.object, now); err != nil {
				return err
			}
		}
	}
	return nil
}
