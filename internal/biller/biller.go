// Package biller is the hand-off from the document engine to a tax agency.
// Each document type names its biller (docs/catalogues.md#4-document-types: "none" or
// "cl_sii"); the engine calls it at finalize, through the Set the
// composition root gives it (the Chile SII biller is internal/biller/clsii).
package biller

import (
	"context"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// Biller statuses (docs/documents.md#03-status-names-used-by-every-document).
const (
	StatusPending    = "pending"
	StatusQueued     = "queued"
	StatusProcessing = "processing"
	StatusSucceeded  = "succeeded"
	StatusFailed     = "failed"
)

// Party is the issuer or the receiver as the agency sees it.
type Party struct {
	Name, TaxID, Address, State, Country, Email string
	TaxSettings                                 map[string]any
}

// Line is a finalized document line.
type Line struct {
	Name, Description, Code, CodeScheme, UnitLabel string
	Quantity, Amount, Total                        decimal.Decimal
	Exempt                                         bool
	Discount                                       decimal.Decimal
	DiscountScheme                                 string
}

// Reference is a cited document.
type Reference struct{ Date, Document, Serial, Description string }

// Document is what a biller receives at finalize: frozen totals and a
// snapshot of the parties.
type Document struct {
	ID, Kind    string
	Type        catalog.DocumentType
	Number      int64
	Date        string
	Currency    string
	Issuer      Party
	Receiver    Party
	Lines       []Line
	Amount      decimal.Decimal
	Exempt, Tax *decimal.Decimal
	TaxPercent  decimal.Decimal
	Retention   *decimal.Decimal
	Total       decimal.Decimal
	References  []Reference
	Extra       map[string]string // kind-specific data (carrier, shipping type…)
}

// Result is the biller's answer.
type Result struct {
	Status    string         // succeeded, queued, processing or failed
	TaxAgency map[string]any // the agency's answer ({} when none)
	// File is the fiscal file to serve through local_file (nil when none).
	File        []byte
	FileName    string
	ContentType string
}

// Biller submits documents to a tax agency.
type Biller interface {
	// NextNumber returns the next folio for types numbered by the agency
	// (has_local_format). It runs in the finalize transaction.
	NextNumber(ctx context.Context, q store.Querier, sc workspace.Scope, t catalog.DocumentType) (int64, error)
	// Submit hands a finalized document over, in the finalize transaction.
	Submit(ctx context.Context, q store.Querier, sc workspace.Scope, d Document) (Result, error)
}

// WithNow carries the finalize time (the request's clock) to the biller,
// as the request time clock.Now reads.
func WithNow(ctx context.Context, t time.Time) context.Context { return clock.WithNow(ctx, t) }

// Now is the time WithNow carried, else the system time.
func Now(ctx context.Context) time.Time { return clock.Now(ctx) }

// Set is the billers of the tax agencies by name (docs/catalogues.md#4-document-types:
// "cl_sii"), built by the composition root (internal/app).
type Set map[string]Biller

// For returns the biller of a document type: None for types without an
// agency; for an agency without a biller in the set, one that refuses to
// number (no folios available).
func (s Set) For(t catalog.DocumentType) Biller {
	if b, ok := s[t.Biller]; ok {
		return b
	}
	if t.Biller == catalog.BillerNone {
		return None{}
	}
	return noFolios{}
}

// None is the biller of types without a tax agency: submission succeeds at
// once and produces no file.
type None struct{}

func (None) NextNumber(context.Context, store.Querier, workspace.Scope, catalog.DocumentType) (int64, error) {
	return 0, fmt.Errorf("biller none does not number documents")
}

func (None) Submit(context.Context, store.Querier, workspace.Scope, Document) (Result, error) {
	return Result{Status: StatusSucceeded, TaxAgency: map[string]any{}}, nil
}

// noFolios stands in for an agency biller that is not installed: there is
// no CAF to take a folio from.
type noFolios struct{ None }

func (noFolios) NextNumber(_ context.Context, _ store.Querier, _ workspace.Scope, t catalog.DocumentType) (int64, error) {
	return 0, NoFoliosError(t.ID)
}

// NoFoliosError is the 400 of a type with no folio left.
func NoFoliosError(typeID string) error {
	return apperr.NonField(fmt.Sprintf("All folios for document type %s are used; upload a new CAF.", typeID))
}
