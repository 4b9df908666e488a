package document

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// Line is a stored document line. Decimals are kept as exact text so the
// quantity keeps the scale it was sent with.
type Line struct {
	ID               string  `json:"id"`
	Name             string  `json:"name"`
	Description      *string `json:"description"`
	Quantity         string  `json:"quantity"`
	Amount           string  `json:"amount"`
	Exempt           bool    `json:"exempt"`
	Discount         string  `json:"discount"`
	DiscountScheme   string  `json:"discount_scheme"`
	TaxPercent       string  `json:"tax_percent"`
	Tax              *string `json:"tax"`
	RetentionPercent string  `json:"retention_percent"`
	RetentionScheme  string  `json:"retention_scheme"`
	Retention        *string `json:"retention"`
	Code             *string `json:"code"`
	CodeScheme       *string `json:"code_scheme"`
	UnitLabel        *string `json:"unit_label"`
	Plan             *string `json:"plan"`
	Total            string  `json:"total"`
	Created          int64   `json:"created"`
	Updated          int64   `json:"updated"`
}

// Reference is a cited document (docs/documents.md#02-reference).
type Reference struct {
	Date        string  `json:"date"`
	Document    string  `json:"document"`
	Serial      string  `json:"serial"`
	Description *string `json:"description"`
	// DateEnd: subscriptions only; never set on documents.
	DateEnd *string `json:"date_end,omitempty"`
}

// Doc is a stored document of any kind.
type Doc struct {
	ID, Kind                    string
	TestMode                    bool
	TypeID                      string
	CustomerID                  string
	InvoiceID, CreditNoteID     *string
	Number                      *int64
	Currency, Date              string
	DueDate, PeriodStart        *string
	PeriodEnd, CollectionMethod *string
	Note, InternalNote          *string
	Lines                       []Line
	Amount                      decimal.Decimal
	Exempt, Tax                 *decimal.Decimal
	TaxPercent                  decimal.Decimal
	Subtotal, Total             decimal.Decimal
	TotalAdjusted, Retention    *decimal.Decimal
	Discount                    decimal.Decimal
	DiscountScheme              string
	CustomChange                *decimal.Decimal
	Status, BillerStatus        string
	TaxAgency                   json.RawMessage
	LocalFile                   *string
	SubscriptionID              *string
	Imported                    bool
	Uncollectible               *int64
	Refs                        []Reference
	TaxSettings, Metadata       json.RawMessage
	UserEmail                   *string
	Address, CarrierID          *string
	CarrierName, State          *string
	LicencePlate, ShippingType  *string
	Created, Updated            int64
	// Receiver is the customer summary frozen at finalize (nil before).
	Receiver json.RawMessage
	// CollectedCents is the amount collected on an invoice, in cents
	// (maintained by payments).
	CollectedCents int64
	// SupplierID and PurchaseID: purchases and their credit notes.
	SupplierID, PurchaseID string
	// CancellationID: the cancellation of a retention.
	CancellationID *string
	// loaded is the aggregation contribution the row had when read, so
	// save can apply the difference.
	loaded contribution
	// numberPending: Number is the place a Tail's Flush writes the number
	// into; until then the row's number stays NULL.
	numberPending bool
	// insertPending: the row is written at the Tail's Flush (a billing
	// run's invoice, created and finalized in memory).
	insertPending bool
}

// numberArg is the number column's value: NULL while a Tail holds it.
func (d *Doc) numberArg() any {
	if d.numberPending || d.Number == nil {
		return nil
	}
	return *d.Number
}

// Type returns the document type of d.
func (d *Doc) Type() catalog.DocumentType {
	t, _ := catalog.DocumentTypeByID(d.TypeID)
	return t
}

const columns = `d.id, d.kind, d.test_mode, d.document_type, d.customer_id, d.invoice_id, d.credit_note_id, d.number, d.currency, d.date,
	d.due_date, d.period_start, d.period_end, d.collection_method, d.note, d.internal_note, d.lines, d.amount, d.exempt, d.tax,
	d.tax_percent, d.subtotal, d.total, d.total_adjusted, d.retention, d.discount, d.discount_scheme, d.custom_change, d.status,
	d.biller_status, d.tax_agency, d.local_file, d.subscription_id, d.imported, d.uncollectible, d.refs, d.tax_settings, d.metadata,
	d.user_email, d.address, d.carrier_id, d.carrier_name, d.state, d.licence_plate, d.shipping_type, d.created, d.updated, d.receiver, d.collected_cents, d.supplier_id, d.purchase_id, d.cancellation_id`

type scanner interface{ Scan(...any) error }

func scanDoc(row scanner) (*Doc, error) {
	var (
		d                                                    Doc
		customer, inv, crn, due, ps, pe, cm, note, inote     sql.NullString
		number, uncoll                                       sql.NullInt64
		lines, taxAgency, refs, taxSettings, metadata        string
		amount, taxPct, subtotal, total, discount            string
		exempt, tax, totalAdj, retention, customChange       sql.NullString
		localFile, sub, email, addr, cid, cname, st, lp, shp sql.NullString
		receiver, supplier, purchase, cancellation           sql.NullString
	)
	err := row.Scan(&d.ID, &d.Kind, &d.TestMode, &d.TypeID, &customer, &inv, &crn, &number, &d.Currency, &d.Date,
		&due, &ps, &pe, &cm, &note, &inote, &lines, &amount, &exempt, &tax,
		&taxPct, &subtotal, &total, &totalAdj, &retention, &discount, &d.DiscountScheme, &customChange, &d.Status,
		&d.BillerStatus, &taxAgency, &localFile, &sub, &d.Imported, &uncoll, &refs, &taxSettings, &metadata,
		&email, &addr, &cid, &cname, &st, &lp, &shp, &d.Created, &d.Updated, &receiver, &d.CollectedCents, &supplier, &purchase, &cancellation)
	if err != nil {
		return nil, err
	}
	d.CustomerID, d.SupplierID, d.PurchaseID, d.CancellationID = customer.String, supplier.String, purchase.String, rows.Text(cancellation)
	if receiver.Valid {
		d.Receiver = json.RawMessage(receiver.String)
	}
	defer func() { d.loaded = d.contribution() }()
	d.InvoiceID, d.CreditNoteID = rows.Text(inv), rows.Text(crn)
	d.Number = rows.Int(number)
	d.Uncollectible = rows.Int(uncoll)
	d.DueDate, d.PeriodStart, d.PeriodEnd, d.CollectionMethod, d.Note, d.InternalNote = rows.Text(due), rows.Text(ps), rows.Text(pe), rows.Text(cm), rows.Text(note), rows.Text(inote)
	d.LocalFile, d.SubscriptionID, d.UserEmail = rows.Text(localFile), rows.Text(sub), rows.Text(email)
	d.Address, d.CarrierID, d.CarrierName, d.State, d.LicencePlate, d.ShippingType = rows.Text(addr), rows.Text(cid), rows.Text(cname), rows.Text(st), rows.Text(lp), rows.Text(shp)
	if err := json.Unmarshal([]byte(lines), &d.Lines); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(refs), &d.Refs); err != nil {
		return nil, err
	}
	d.TaxAgency, d.TaxSettings, d.Metadata = json.RawMessage(taxAgency), json.RawMessage(taxSettings), json.RawMessage(metadata)
	for _, f := range []struct {
		dst *decimal.Decimal
		src string
	}{{&d.Amount, amount}, {&d.TaxPercent, taxPct}, {&d.Subtotal, subtotal}, {&d.Total, total}, {&d.Discount, discount}} {
		v, err := decimal.NewFromString(f.src)
		if err != nil {
			return nil, err
		}
		*f.dst = v
	}
	for _, f := range []struct {
		dst **decimal.Decimal
		src sql.NullString
	}{{&d.Exempt, exempt}, {&d.Tax, tax}, {&d.TotalAdjusted, totalAdj}, {&d.Retention, retention}, {&d.CustomChange, customChange}} {
		if f.src.Valid {
			v, err := decimal.NewFromString(f.src.String)
			if err != nil {
				return nil, err
			}
			*f.dst = &v
		}
	}
	return &d, nil
}

func decArg(d *decimal.Decimal) any {
	if d == nil {
		return nil
	}
	return d.String()
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

func lineNames(lines []Line) string {
	names := make([]string, len(lines))
	for i, l := range lines {
		names[i] = l.Name
	}
	return strings.Join(names, "\n")
}

// get loads a document of kind k in scope (404 otherwise). lock adds the
// dialect's row lock.
func get(ctx context.Context, q store.Querier, sc workspace.Scope, k *Kind, docID, lock string) (*Doc, error) {
	if !id.Valid(k.Prefix, docID) {
		return nil, apperr.NotFoundErr()
	}
	d, err := scanDoc(q.QueryRowContext(ctx, `SELECT `+columns+` FROM documents d WHERE d.id = $1 AND d.workspace_id = $2 AND d.test_mode = $3 AND d.kind = $4`+lock,
		docID, sc.ID, sc.TestMode, k.Name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundErr()
	}
	return d, err
}

func insert(e Env, d *Doc) error {
	if err := applyContribution(e, contribution{}, d.contribution()); err != nil {
		return err
	}
	d.loaded = d.contribution()
	_, err := e.Q.ExecContext(e.Ctx, `INSERT INTO documents (`+insertColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30,
		$31, $32, $33, $34, $35, $36, $37, $38, $39, $40, $41, $42, $43, $44, $45, $46, $47, $48, $49, $50, $51, $52, $53)`, insertArgs(e.Scope, d)...)
	return err
}

// insertColumns are the columns of a new document's row, insertArgs its
// values.
const insertColumns = `id, workspace_id, test_mode, kind, document_type, customer_id, invoice_id, credit_note_id, number, currency, date,
		due_date, period_start, period_end, collection_method, note, internal_note, lines, line_names, amount, exempt, tax,
		tax_percent, subtotal, total, total_adjusted, retention, discount, discount_scheme, custom_change, status,
		biller_status, tax_agency, local_file, subscription_id, imported, uncollectible, refs, tax_settings, metadata,
		user_email, address, carrier_id, carrier_name, state, licence_plate, shipping_type, created, updated, receiver, total_adjusted_cents, supplier_id, purchase_id`

func insertArgs(sc workspace.Scope, d *Doc) []any {
	return []any{d.ID, sc.ID, sc.TestMode, d.Kind, d.TypeID, nullIfEmpty(d.CustomerID), d.InvoiceID, d.CreditNoteID, d.numberArg(), d.Currency, d.Date,
		d.DueDate, d.PeriodStart, d.PeriodEnd, d.CollectionMethod, d.Note, d.InternalNote, jsonText(d.Lines), lineNames(d.Lines), d.Amount.String(), decArg(d.Exempt), decArg(d.Tax),
		d.TaxPercent.String(), d.Subtotal.String(), d.Total.String(), decArg(d.TotalAdjusted), decArg(d.Retention), d.Discount.String(), d.DiscountScheme, decArg(d.CustomChange), d.Status,
		d.BillerStatus, string(d.TaxAgency), d.LocalFile, d.SubscriptionID, d.Imported, d.Uncollectible, jsonText(d.Refs), string(d.TaxSettings), string(d.Metadata),
		d.UserEmail, d.Address, d.CarrierID, d.CarrierName, d.State, d.LicencePlate, d.ShippingType, d.Created, d.Updated, rawArg(d.Receiver), cents(d.TotalAdjusted), nullIfEmpty(d.SupplierID), nullIfEmpty(d.PurchaseID)}
}

// cents is an amount in hundredths (amounts never have more than two
// decimals; a third would be rounded half-up).
func cents(d *decimal.Decimal) any {
	if d == nil {
		return nil
	}
	return money.Round(*d, 2).Shift(2).IntPart()
}

func rawArg(r json.RawMessage) any {
	if r == nil {
		return nil
	}
	return string(r)
}

// save writes every mutable column of d back.
func save(e Env, d *Doc) error {
	ctx, q, sc := e.Ctx, e.Q, e.Scope
	if err := applyContribution(e, d.loaded, d.contribution()); err != nil {
		return err
	}
	d.loaded = d.contribution()
	_, err := q.ExecContext(ctx, `UPDATE documents SET document_type = $1, customer_id = $2, number = $3, currency = $4, date = $5,
		due_date = $6, period_start = $7, period_end = $8, collection_method = $9, note = $10, internal_note = $11, lines = $12, line_names = $13,
		amount = $14, exempt = $15, tax = $16, tax_percent = $17, subtotal = $18, total = $19, total_adjusted = $20, retention = $21,
		discount = $22, discount_scheme = $23, custom_change = $24, status = $25, biller_status = $26, tax_agency = $27, local_file = $28,
		uncollectible = $29, refs = $30, tax_settings = $31, metadata = $32, address = $33, carrier_id = $34, carrier_name = $35,
		state = $36, licence_plate = $37, shipping_type = $38, updated = $39, receiver = $40, total_adjusted_cents = $41, supplier_id = $42, cancellation_id = $43
		WHERE id = $44 AND workspace_id = $45 AND test_mode = $46`,
		d.TypeID, nullIfEmpty(d.CustomerID), d.numberArg(), d.Currency, d.Date,
		d.DueDate, d.PeriodStart, d.PeriodEnd, d.CollectionMethod, d.Note, d.InternalNote, jsonText(d.Lines), lineNames(d.Lines),
		d.Amount.String(), decArg(d.Exempt), decArg(d.Tax), d.TaxPercent.String(), d.Subtotal.String(), d.Total.String(), decArg(d.TotalAdjusted), decArg(d.Retention),
		d.Discount.String(), d.DiscountScheme, decArg(d.CustomChange), d.Status, d.BillerStatus, string(d.TaxAgency), d.LocalFile,
		d.Uncollectible, jsonText(d.Refs), string(d.TaxSettings), string(d.Metadata), d.Address, d.CarrierID, d.CarrierName,
		d.State, d.LicencePlate, d.ShippingType, d.Updated, rawArg(d.Receiver), cents(d.TotalAdjusted), nullIfEmpty(d.SupplierID), d.CancellationID,
		d.ID, sc.ID, sc.TestMode)
	return err
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nextNumber takes the next number of a per-workspace, per-mode, per-type
// sequence. The upsert locks the sequence row until commit: concurrent
// transactions queue on it, and a rollback returns the number, so the
// numbers of committed documents are unique and gapless.
func nextNumber(ctx context.Context, q store.Querier, sc workspace.Scope, typeID string) (int64, error) {
	return reserveNumbers(ctx, q, sc, typeID, 1)
}

// reserveNumbers takes k consecutive numbers of a type's sequence and
// returns the first. The sequence row stays locked until commit.
func reserveNumbers(ctx context.Context, q store.Querier, sc workspace.Scope, typeID string, k int) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `INSERT INTO sequences (workspace_id, test_mode, document_type, next_number) VALUES ($1, $2, $3, $4 + 1)
		ON CONFLICT (workspace_id, test_mode, document_type) DO UPDATE SET next_number = sequences.next_number + $4
		RETURNING next_number - $4`, sc.ID, sc.TestMode, typeID, k).Scan(&n)
	return n, err
}

// contribution is what an invoice adds to its customer's aggregations
// (docs/billing.md#1-customers): sales for finalized, paid, uncollectible and cancelled
// invoices; balance (what is owed) for all of them but uncollectible.
type contribution struct {
	customer, currency, day string
	sales, balance          int64
}

func (d *Doc) contribution() contribution {
	if d.Kind != Invoice.Name || d.CustomerID == "" || d.TotalAdjusted == nil {
		return contribution{}
	}
	switch d.Status {
	case StatusFinalized, StatusPaid, StatusUncollectible, StatusCancelled:
	default:
		return contribution{}
	}
	ta := money.Round(*d.TotalAdjusted, 2).Shift(2).IntPart()
	c := contribution{customer: d.CustomerID, currency: d.Currency, day: d.Date, sales: ta}
	if d.Status != StatusUncollectible {
		c.balance = ta - d.CollectedCents
	}
	return c
}

// applyContribution moves a customer's totals from old to new, at once
// or, with e.Tail, at the tail's Flush.
func applyContribution(e Env, old, new contribution) error {
	if old == new {
		return nil
	}
	if e.Tail != nil {
		e.Tail.addTotals(old, -1)
		e.Tail.addTotals(new, 1)
		return nil
	}
	if err := upsertTotals(e, totalsKey{old.customer, old.currency, old.day}, totalsDelta{-old.sales, -old.balance}); err != nil {
		return err
	}
	return upsertTotals(e, totalsKey{new.customer, new.currency, new.day}, totalsDelta{new.sales, new.balance})
}

// upsertTotals adds delta to a customer's totals row of one currency and day.
func upsertTotals(e Env, k totalsKey, delta totalsDelta) error {
	if k.customer == "" {
		return nil
	}
	_, err := e.Q.ExecContext(e.Ctx, `INSERT INTO customer_totals (`+totalsColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`+totalsConflict,
		totalsRow(e, k, delta)...)
	return err
}

// totalsColumns, totalsConflict and totalsRow add deltas to customers'
// totals rows, one at a time or in a multi-row statement (Tail.Flush).
const (
	totalsColumns  = `workspace_id, test_mode, customer_id, currency, day, sales_cents, balance_cents`
	totalsConflict = ` ON CONFLICT (customer_id, currency, day) DO UPDATE SET
		sales_cents = customer_totals.sales_cents + excluded.sales_cents, balance_cents = customer_totals.balance_cents + excluded.balance_cents`
)

func totalsRow(e Env, k totalsKey, delta totalsDelta) []any {
	return []any{e.Scope.ID, e.Scope.TestMode, k.customer, k.currency, k.day, delta.sales, delta.balance}
}
