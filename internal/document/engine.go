package document

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/biller"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/supplier"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// Env is what every engine operation needs: the transaction (or the
// database for reads), the dialect, the scope and the request time.
type Env struct {
	Ctx   context.Context
	Q     store.Querier
	D     store.Dialect
	Scope workspace.Scope
	Now   time.Time
	// PlansChecked: the caller resolved the lines' plans itself (a
	// subscription run), so Create skips checking them again.
	PlansChecked bool
	// Tail, when set, keeps the sequence numbers and customer totals of
	// the operation's documents for its Flush, the transaction's last
	// statements (a request creating or finalizing a document, a batch of
	// billing runs).
	Tail *Tail
	// Customers are customers read in advance (a billing batch): the
	// customer references of its documents resolve here without a query.
	Customers map[string]*customer.Customer
	// Deps are the collaborators (filled by internal/app; the zero value
	// reacts to nothing).
	Deps Deps
}

// Deps are the engine's collaborators and what the packages built on it
// do in the transaction of a document change. They are declared here,
// where they are called, and filled by the composition root
// (internal/app). Payments and payment links share this Env (payment.Env),
// so the payments work's hook lives here too.
type Deps struct {
	// Customers reads customers with their aggregations and sources.
	Customers *customer.Service
	// Billers hand finalized documents to their tax agency.
	Billers biller.Set
	// Settled hears that a subscription's invoice became finalized or
	// paid, so a subscription waiting on it can leave needs_attention
	// (docs/billing.md#86-status-machine, Cobro): the subscriptions work.
	Settled InvoiceSettler
	// Pending checks the pending-invoice rule (docs/documents.md#15-status-machine: every
	// payment that is not cancelled has succeeded, at least one): the
	// payments work, which alone knows payments.
	Pending PendingChecker
	// Sources hears a source's authentication answer, so a payment-link
	// intent waiting on it continues: the payment links work.
	Sources SourceListener
	// Gateways are the installed payment gateways with the workspaces'
	// credentials (docs/payments.md#1-gateways): what payments and payment
	// links charge through.
	Gateways *gateway.Registry
	// Mail hears of finalized documents and succeeded payments, to email
	// the customer (docs/documents.md#55-emails-cobro-sends): the emails
	// work. Nil: nothing is emailed.
	Mail Mailer
}

// Mailer emails customers about finalized documents and payments, in the
// transaction of the change.
type Mailer interface {
	DocumentFinalized(e Env, d *Doc) error
	PaymentSucceeded(e Env, paymentID string) error
}

// InvoiceSettler reacts to a subscription's invoice settling.
type InvoiceSettler interface {
	InvoiceSettled(e Env, d *Doc) error
}

// PendingChecker refuses finalizing a pending invoice whose payments have
// not all succeeded.
type PendingChecker interface {
	PendingFinalizable(e Env, d *Doc) error
}

// SourceListener reacts to a source's authentication answer, and to the
// processor's verified result of a charge left pending on a single-use
// source (a webhook): approved or not, captured at the processor or only
// held. handled says a listener's object was waiting on it.
type SourceListener interface {
	SourceAuthenticated(e Env, sourceID string, approved bool) error
	SourceSettled(e Env, sourceID string, r SourceResult) (handled bool, err error)
}

// SourceResult is a processor's decided result of a pending charge.
type SourceResult struct {
	Approved, Captured bool
	// Reference is the processor's operation; FailedReason why it failed.
	Reference, FailedReason string
	// Amount and Currency are what the processor approved, as it signed them.
	Amount   decimal.Decimal
	Currency string
}

// ErrResultMismatch is a SourceListener's answer to an approval of another
// amount or currency than it charged: nothing is applied.
var ErrResultMismatch = errors.New("the processor approved another amount or currency")

// pendingFinalizable applies Deps.Pending (no rule without payments).
func (e Env) pendingFinalizable(d *Doc) error {
	if e.Deps.Pending == nil {
		return nil
	}
	return e.Deps.Pending.PendingFinalizable(e, d)
}

func (e Env) emit(name, objectID string) error {
	if e.Tail != nil && e.Tail.Events != nil {
		return e.Tail.Events.Emit(e.Ctx, e.Q, e.Scope, name, objectID, e.Now)
	}
	return event.Emit(e.Ctx, e.Q, e.Scope, name, objectID, e.Now)
}

// customerRef is customer.Ref without a lock, from e.Customers when the
// customer was read in advance.
func (e Env) customerRef(customerID string) (*customer.Customer, string, error) {
	if c, ok := e.Customers[customerID]; ok {
		return customer.RefKnown(c)
	}
	return customer.Ref(e.Ctx, e.Q, e.D, e.Scope, customerID, false)
}

// Get returns a document of kind k.
func Get(e Env, k *Kind, docID string) (*Doc, error) { return get(e.Ctx, e.Q, e.Scope, k, docID, "") }

func (e Env) lock(k *Kind, docID string) (*Doc, error) {
	return get(e.Ctx, e.Q, e.Scope, k, docID, e.D.ForUpdate())
}

// Lock returns a document of kind k with its row locked until the end of
// the transaction (payments serialise on their invoice).
func Lock(e Env, k *Kind, docID string) (*Doc, error) { return e.lock(k, docID) }

// fallbackType lets line validation run when the document type is invalid,
// so every field error is reported at once.
var fallbackType = catalog.DocumentType{ID: "?", MaxLines: 1000, Tax: decimal.Zero, HasTaxes: true}

// Create validates dr and inserts a draft of kind k.
func Create(e Env, k *Kind, dr *Draft) (*Doc, error) { return create(e, k, dr, "") }

// CreateForSubscription creates the draft invoice of a subscription run
// (docs/billing.md#85-what-a-run-does step 7): the invoice records the subscription.
func CreateForSubscription(e Env, dr *Draft, subscriptionID string) (*Doc, error) {
	return create(e, Invoice, dr, subscriptionID)
}

func create(e Env, k *Kind, dr *Draft, subscriptionID string) (*Doc, error) {
	d := newDoc(e, k)
	if err := apply(e, k, dr, d, true); err != nil {
		return nil, err
	}
	if subscriptionID != "" {
		d.SubscriptionID = &subscriptionID
	}
	t := d.Type()
	held := d.Number == nil && !t.HasLocalFormat && !d.Imported && e.Tail != nil
	if d.Number == nil && !t.HasLocalFormat && !d.Imported && !held {
		n, err := nextNumber(e.Ctx, e.Q, e.Scope, t.ID)
		if err != nil {
			return nil, err
		}
		d.Number = &n
	}
	if err := insert(e, d); err != nil {
		return nil, err
	}
	if held {
		e.Tail.holdNumber(d)
	}
	if err := e.emit(k.Event+".created", d.ID); err != nil {
		return nil, err
	}
	return d, nil
}

// newDoc is a new draft of kind k before its body is applied.
func newDoc(e Env, k *Kind) *Doc {
	us := e.Now.UnixMicro()
	d := &Doc{ID: id.New(k.Prefix), Kind: k.Name, TestMode: e.Scope.TestMode, Status: StatusDraft, BillerStatus: biller.StatusPending,
		TaxAgency: json.RawMessage("{}"), Refs: []Reference{}, TaxSettings: json.RawMessage("{}"), Metadata: json.RawMessage("{}"),
		DiscountScheme: "%", Discount: decimal.Zero, Created: us, Updated: us}
	if e.Scope.UserEmail != "" && k == Invoice {
		d.UserEmail = str(e.Scope.UserEmail)
	}
	return d
}

// apply validates dr onto d with the rules of the kind.
func apply(e Env, k *Kind, dr *Draft, d *Doc, creating bool) error {
	dr = checkValues(dr, k)
	switch {
	case k == Retention:
		return applyRetention(e, dr, d, creating)
	case k == Purchase:
		return applyPurchase(e, dr, d, creating)
	case k == PurchaseCreditNote:
		return applyPurchaseNote(e, dr, d, creating)
	case k.Adjusts:
		return applyNote(e, k, dr, d, creating)
	}
	return applySale(e, k, dr, d, creating)
}

// applySale validates an invoice or order onto d.
func applySale(e Env, k *Kind, dr *Draft, d *Doc, creating bool) error {
	fe := dr.errs()
	cus, err := readCustomer(e, dr, fe)
	if err != nil {
		return err
	}
	if cus != nil {
		d.CustomerID = cus.ID
	}
	t, typeOK := resolveType(e, dr, fe, k, d)
	custCountry, custCurrency := e.Scope.Country, e.Scope.Currency
	if cus != nil {
		custCountry, custCurrency = cus.Country, cus.Currency
	} else if d.CustomerID != "" {
		if c, err := e.Deps.Customers.Get(e.Ctx, e.Q, e.Scope, d.CustomerID); err == nil {
			custCountry, custCurrency = c.Country, c.Currency
		}
	}
	applyCurrencyTax(dr, fe, d, t, typeOK, creating, custCurrency)
	applyCommon(dr, d)
	scale := scaleOf(d.Currency)
	switch k {
	case Invoice:
		applyInvoiceFields(dr, fe, d, scale)
	case Order:
		applyOrderFields(e.Deps.Billers, dr, fe, d, t, custCountry)
		if d.ShippingType == nil {
			d.ShippingType = str("1")
		}
	}
	if lines, ok := readLines(dr, fe, k, t, scale, d.Lines, e.Now.UnixMicro()); ok {
		d.Lines = lines
		if !e.PlansChecked {
			if err := checkPlans(e, fe, lines); err != nil {
				return err
			}
		}
	}
	if typeOK && t.HasLocalFormat && d.Date != "" && d.Date > today(e.Scope, e.Now) && !fe.Has("date") {
		fe.Add("date", fmt.Sprintf("Date cannot be in the future for document type %s.", t.ID))
	}
	if k == Invoice {
		checkInvoiceDates(fe, d)
	}
	if err := checkedTotals(dr, fe, k, d, t, scale); err != nil {
		return err
	}
	if k == Invoice {
		d.TotalAdjusted = &d.Total
	}
	return nil
}

// resolveType sets the type dr names on d (required on create). typeOK is
// false when d has no usable type: the lines are then checked against a
// permissive stand-in, so every field error is reported at once.
func resolveType(e Env, dr *Draft, fe *apperr.Fields, k *Kind, d *Doc) (t catalog.DocumentType, typeOK bool) {
	t = d.Type()
	if nt, ok := typeOf(dr, fe, e.Scope, k); ok {
		t = *nt
		d.TypeID = t.ID
	}
	typeOK = d.TypeID != "" && !fe.Has("document")
	if !typeOK {
		t = fallbackType
	}
	return t, typeOK
}

// applyCurrencyTax sets the currency (fixed for fiscal types, else any
// available one, by default the party's) and the tax rate (the type's,
// writable only without a local format). Invoices, orders and purchases.
func applyCurrencyTax(dr *Draft, fe *apperr.Fields, d *Doc, t catalog.DocumentType, typeOK, creating bool, partyCurrency string) {
	if v := dr.Currency; v != nil {
		if c, found := catalog.CurrencyByID(*v); !found || !c.Available {
			fe.Add("currency", apperr.MsgPK(*v))
		} else if typeOK && t.HasLocalFormat && *v != t.Currency {
			fe.Add("currency", fmt.Sprintf("Document type %s is issued in %s.", t.ID, t.Currency))
		} else {
			d.Currency = *v
		}
	}
	if typeOK && t.HasLocalFormat {
		d.Currency = t.Currency
	} else if d.Currency == "" {
		d.Currency = partyCurrency
	}
	if creating || (dr.Has("document") && typeOK) {
		d.TaxPercent = t.Tax
	}
	if v := dr.TaxPercent; v != nil {
		if typeOK && t.HasLocalFormat && !v.Equal(t.Tax) {
			fe.Add("tax_percent", fmt.Sprintf("Tax rate is fixed at %s for document type %s.", money.NewPercent(t.Tax), t.ID))
		} else {
			d.TaxPercent = *v
		}
	}
}

// applyInvoiceFields copies the invoice-only fields.
func applyInvoiceFields(dr *Draft, fe *apperr.Fields, d *Doc, scale int32) {
	dr.DueDate.Apply(&d.DueDate)
	if dr.CollectionMethod != nil {
		d.CollectionMethod = dr.CollectionMethod
	}
	if d.CollectionMethod == nil {
		d.CollectionMethod = str("deferred")
	}
	dr.PeriodStart.Apply(&d.PeriodStart)
	dr.PeriodEnd.Apply(&d.PeriodEnd)
	dr.CustomChange.Apply(&d.CustomChange)
	applyDiscount(dr, fe, d, scale)
}

// checkInvoiceDates: the due date defaults to the date and follows it; a
// period has both ends, in order.
func checkInvoiceDates(fe *apperr.Fields, d *Doc) {
	if d.DueDate == nil && d.Date != "" {
		d.DueDate = str(d.Date)
	}
	if d.DueDate != nil && d.Date != "" && *d.DueDate < d.Date && !fe.Has("due_date") && !fe.Has("date") {
		fe.Add("due_date", "Must be on or after date.")
	}
	switch {
	case (d.PeriodStart == nil) != (d.PeriodEnd == nil):
		if d.PeriodStart == nil && !fe.Has("period_start") {
			fe.Add("period_start", "This field is required when period_end is given.")
		} else if d.PeriodEnd == nil && !fe.Has("period_end") {
			fe.Add("period_end", "This field is required when period_start is given.")
		}
	case d.PeriodStart != nil && *d.PeriodEnd < *d.PeriodStart && !fe.Has("period_end"):
		fe.Add("period_end", "Must be on or after period_start.")
	}
}

// rejectStatus: a status in a body is never silently ignored (docs/conventions.md#2-requests-and-responses).
func rejectStatus(dr *Draft, fe *apperr.Fields, k *Kind, d *Doc) {
	if dr.Status == nil || *dr.Status == d.Status {
		return
	}
	msg := fmt.Sprintf("The status cannot be set directly: use %s{id}/finalize/ to finalize", k.Path)
	switch k {
	case Invoice:
		msg += fmt.Sprintf(", %s{id}/uncollectible/ to mark it uncollectible, and payments to collect it.", k.Path)
	case Order:
		msg += fmt.Sprintf(" and %s{id}/cancel/ to cancel.", k.Path)
	default:
		msg += "."
	}
	fe.Add("status", msg)
}

// writable is every body key an update may carry for kind k; on a
// non-draft document only metadata may be among them.
var writable = map[string]bool{"customer": true, "document": true, "date": true, "lines": true, "due_date": true, "collection_method": true,
	"currency": true, "tax_percent": true, "discount": true, "discount_scheme": true, "note": true, "internal_note": true,
	"period_start": true, "period_end": true, "custom_change": true, "references": true, "tax_settings": true,
	"shipping_type": true, "address": true, "state": true, "carrier_id": true, "carrier_name": true, "licence_plate": true,
	"invoice": true, "credit_note": true, "supplier": true, "purchase": true, "number": true}

// Update applies a partial update to a draft, or a metadata-only update in
// any status.
func Update(e Env, k *Kind, docID string, dr *Draft) (*Doc, error) {
	d, err := e.lock(k, docID)
	if err != nil {
		return nil, err
	}
	if d.Status != StatusDraft {
		if err := updateMetadata(dr, k, d); err != nil {
			return nil, err
		}
	} else if err := updateDraft(e, k, dr, d); err != nil {
		return nil, err
	}
	d.Updated = e.Now.UnixMicro()
	if err := save(e, d); err != nil {
		return nil, err
	}
	if err := e.emit(k.Event+".updated", d.ID); err != nil {
		return nil, err
	}
	return d, nil
}

// updateMetadata is the update of a document past draft: metadata only.
func updateMetadata(dr *Draft, k *Kind, d *Doc) error {
	for key := range dr.Keys {
		if writable[key] {
			return apperr.NonField(fmt.Sprintf("Only %s with status draft can be updated.", k.Plural))
		}
	}
	fe := dr.errs().Only("status", "metadata")
	rejectStatus(dr, fe, k, d)
	if dr.Metadata != nil {
		d.Metadata = *dr.Metadata
	}
	return fe.Err()
}

// updateDraft applies dr to a draft; a new type may need a new number.
func updateDraft(e Env, k *Kind, dr *Draft, d *Doc) error {
	oldType := d.TypeID
	if err := apply(e, k, dr, d, false); err != nil {
		return err
	}
	t := d.Type()
	if k.Buying {
		if d.Number == nil && !t.HasLocalFormat && !d.Imported {
			n, err := nextNumber(e.Ctx, e.Q, e.Scope, t.ID)
			if err != nil {
				return err
			}
			d.Number = &n
		}
		return nil
	}
	if d.TypeID == oldType {
		return nil
	}
	// A number never changes once shown (docs/conventions.md#9-fiscal-document-lifecycle).
	if d.Number != nil {
		return apperr.Field("document", "The document type of a numbered draft cannot change; delete the draft and create a new one.")
	}
	if !t.HasLocalFormat {
		n, err := nextNumber(e.Ctx, e.Q, e.Scope, t.ID)
		if err != nil {
			return err
		}
		d.Number = &n
	}
	return nil
}

// Delete destroys a draft.
func Delete(e Env, k *Kind, docID string) error {
	d, err := e.lock(k, docID)
	if err != nil {
		return err
	}
	if d.Status != StatusDraft {
		return apperr.NonField(fmt.Sprintf("Only %s with status draft can be deleted.", k.Plural))
	}
	if err := applyContribution(e, d.loaded, contribution{}); err != nil {
		return err
	}
	if _, err := e.Q.ExecContext(e.Ctx, `DELETE FROM documents WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`, d.ID, e.Scope.ID, e.Scope.TestMode); err != nil {
		return err
	}
	return e.emit(k.Event+".deleted", d.ID)
}

// Finalize runs docs/conventions.md#9-fiscal-document-lifecycle "What finalize does": re-validate, recompute
// and freeze the totals, number, hand over to the biller, then the
// effects on what the document adjusts. A finalized document whose
// submission failed is submitted again.
func Finalize(e Env, k *Kind, docID string) (*Doc, error) {
	d, err := e.lock(k, docID)
	if err != nil {
		return nil, err
	}
	t := d.Type()
	retry := d.Status == StatusFinalized && d.BillerStatus == biller.StatusFailed
	switch {
	case retry:
	case k == Invoice && d.Status != StatusDraft && d.Status != StatusPending:
		return nil, apperr.NonField("Only invoices with status draft or pending can be finalized.")
	case k != Invoice && d.Status != StatusDraft:
		return nil, apperr.NonField(fmt.Sprintf("Only %s with status draft can be finalized.", k.Plural))
	}
	if d.Status == StatusPending {
		if err := e.pendingFinalizable(d); err != nil {
			return nil, err
		}
	}
	// 1. re-validate
	receiver, party, err := finalReceiver(e, k, d)
	if err != nil {
		return nil, err
	}
	bl := e.Deps.Billers.For(t)
	if d.Imported {
		bl = biller.None{} // a received document was issued by someone else: nothing to submit
	}
	if !retry {
		if err := freeze(e, k, d, bl, party); err != nil {
			return nil, err
		}
	}
	// 4. hand over to the biller
	if err := submit(e, d, bl, party); err != nil {
		return nil, err
	}
	if retry {
		if err := save(e, d); err != nil {
			return nil, err
		}
		return d, e.emitBiller(k, d)
	}
	// 5. finalized, with the receiver frozen for the PDF and fiscal file
	d.Status = StatusFinalized
	d.Receiver = json.RawMessage(jsonText(receiver))
	if k == Invoice || k == Purchase {
		d.TotalAdjusted = &d.Total
	}
	if err := save(e, d); err != nil {
		return nil, err
	}
	if err := e.emit(k.Event+".finalized", d.ID); err != nil {
		return nil, err
	}
	if err := e.emitBiller(k, d); err != nil {
		return nil, err
	}
	out, err := finalized(e, k, d)
	if err != nil || e.Deps.Mail == nil || d.Imported || (k != Invoice && k != CreditNote && k != DebitNote) {
		return out, err
	}
	return out, e.Deps.Mail.DocumentFinalized(e, out)
}

// finalReceiver loads the receiver a document is finalized for: its
// customer, or the supplier of a purchase-side document, which must still
// be usable (and have what the agency needs of a supplier).
func finalReceiver(e Env, k *Kind, d *Doc) (any, biller.Party, error) {
	if k.Buying {
		s, msg, err := supplier.Ref(e.Ctx, e.Q, e.D, e.Scope, d.SupplierID, false)
		if err != nil {
			return nil, biller.Party{}, err
		}
		if msg != "" {
			return nil, biller.Party{}, apperr.Field("supplier", msg)
		}
		p := biller.Party{Name: s.Name, TaxID: deref(s.TaxID), Address: deref(s.Address), State: deref(s.State), Country: s.Country,
			Email: deref(s.Email), TaxSettings: exactMap(s.TaxSettings)}
		if rules, ok := e.Deps.Billers.RulesFor(d.Type()); ok && !d.Imported {
			if msg := rules.Receiver(d.Type(), p, true); msg != "" {
				return nil, biller.Party{}, apperr.Field("supplier", msg)
			}
		}
		return s, p, nil
	}
	c, msg, err := e.customerRef(d.CustomerID)
	if err != nil {
		return nil, biller.Party{}, err
	}
	if msg != "" {
		return nil, biller.Party{}, apperr.Field("customer", msg)
	}
	p := biller.Party{Name: c.Name, TaxID: deref(c.TaxID), Address: deref(c.Address), State: deref(c.State), Country: c.Country,
		Email: deref(c.Email), TaxSettings: exactMap(c.TaxSettings)}
	return c, p, nil
}

// checkCustomer: a type with a local format needs an identified customer,
// and whatever else its agency asks of a receiver.
func checkCustomer(billers biller.Set, t catalog.DocumentType, p biller.Party) error {
	msg := ""
	if rules, ok := billers.RulesFor(t); ok {
		msg = rules.Receiver(t, p, false)
	} else if p.TaxID == "" {
		msg = fmt.Sprintf("The customer needs a tax_id for document type %s.", t.ID)
	}
	if msg != "" {
		return apperr.Field("customer", msg)
	}
	return nil
}

// freeze re-validates a draft (receiver, totals, what it adjusts), then
// numbers it at finalize when its agency numbers its type.
func freeze(e Env, k *Kind, d *Doc, bl biller.Biller, party biller.Party) error {
	t := d.Type()
	if t.HasLocalFormat && !k.Buying {
		if err := checkCustomer(e.Deps.Billers, t, party); err != nil {
			return err
		}
	}
	// 2. recompute and freeze totals
	fe := &apperr.Fields{}
	if k == Retention {
		computeRetention(d, scaleOf(d.Currency))
	} else {
		computeTotals(fe, d, t, scaleOf(d.Currency))
	}
	if err := fe.Err(); err != nil {
		return err
	}
	switch {
	case k == Retention:
		if err := checkRetention(e, d); err != nil {
			return err
		}
	case k == PurchaseCreditNote:
		if _, err := e.lock(Purchase, d.PurchaseID); err != nil {
			return err
		}
		if err := checkPurchaseNoteLimit(e, d); err != nil {
			return err
		}
	case k.Adjusts:
		// The notes of one invoice finalize one at a time: the invoice row
		// is their lock, so the limit below sees every note finalized
		// before this one.
		if _, err := e.lock(Invoice, *d.InvoiceID); err != nil {
			return err
		}
		if err := checkNoteLimit(e, k, d); err != nil {
			return err
		}
	}
	// 3. number at finalize for agency-numbered types
	if t.HasLocalFormat && !d.Imported {
		n, err := bl.NextNumber(biller.WithNow(e.Ctx, e.Now), e.Q, e.Scope, t)
		if err != nil {
			return err
		}
		d.Number = &n
	}
	return nil
}

// submit hands d over to its biller and records the answer and its file.
func submit(e Env, d *Doc, bl biller.Biller, party biller.Party) error {
	res, err := bl.Submit(biller.WithNow(e.Ctx, e.Now), e.Q, e.Scope, billerDoc(e, d, party))
	if err != nil {
		return err
	}
	d.BillerStatus = res.Status
	d.TaxAgency = json.RawMessage(jsonText(res.TaxAgency))
	if res.TaxAgency == nil {
		d.TaxAgency = json.RawMessage("{}")
	}
	if res.File != nil {
		fid, err := storeFile(e, d.ID, res)
		if err != nil {
			return err
		}
		d.LocalFile = &fid
	}
	d.Updated = e.Now.UnixMicro()
	return nil
}

// finalized runs the effects of a finalize on what the document adjusts.
func finalized(e Env, k *Kind, d *Doc) (*Doc, error) {
	switch k {
	case Invoice:
		inv, err := settleInvoice(e, d.ID, false) // the invoice as settled (paid at 0)
		if err != nil {
			return nil, err
		}
		return inv, invoiceSettled(e, inv)
	case CreditNote, DebitNote:
		if err := applyNoteEffects(e, k, d); err != nil {
			return nil, err
		}
	case PurchaseCreditNote:
		if err := settlePurchase(e, d.PurchaseID); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// emitBiller: documents without an agency get no biller event (docs/webhooks.md#6-event-catalogue).
func (e Env) emitBiller(k *Kind, d *Doc) error {
	if !d.Type().HasLocalFormat || d.Imported { // a received document is not submitted
		return nil
	}
	switch d.BillerStatus {
	case biller.StatusSucceeded:
		return e.emit(k.Event+".biller_succeeded", d.ID)
	case biller.StatusFailed:
		return e.emit(k.Event+".biller_failed", d.ID)
	}
	return nil
}

func storeFile(e Env, objectID string, res biller.Result) (string, error) {
	fid := id.New("fil")
	_, err := e.Q.ExecContext(e.Ctx, `INSERT INTO files (id, workspace_id, test_mode, object_id, content_type, filename, data, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		fid, e.Scope.ID, e.Scope.TestMode, objectID, res.ContentType, res.FileName, res.File, e.Now.UnixMicro())
	return fid, err
}

// billerDoc is the frozen view a biller receives.
func billerDoc(e Env, d *Doc, receiver biller.Party) biller.Document {
	bd := biller.Document{ID: d.ID, Kind: d.Kind, Type: d.Type(), Date: d.Date, Currency: d.Currency,
		Amount: d.Amount, Exempt: d.Exempt, Tax: d.Tax, TaxPercent: d.TaxPercent, Retention: d.Retention, Total: d.Total,
		Issuer: biller.Party{Name: e.Scope.Name, Country: e.Scope.Country}, Extra: map[string]string{}}
	if d.Number != nil {
		bd.Number = *d.Number
	}
	bd.Receiver = receiver
	for _, l := range d.Lines {
		bd.Lines = append(bd.Lines, biller.Line{Name: l.Name, Description: deref(l.Description), Code: deref(l.Code), CodeScheme: deref(l.CodeScheme),
			UnitLabel: deref(l.UnitLabel), Quantity: dec(l.Quantity), Amount: dec(l.Amount), Total: dec(l.Total), Exempt: l.Exempt,
			Discount: dec(l.Discount), DiscountScheme: l.DiscountScheme})
	}
	for _, r := range d.Refs {
		bd.References = append(bd.References, biller.Reference{Date: r.Date, Document: r.Document, Serial: r.Serial, Description: deref(r.Description)})
	}
	for key, v := range map[string]*string{"shipping_type": d.ShippingType, "address": d.Address, "state": d.State, "carrier_id": d.CarrierID,
		"carrier_name": d.CarrierName, "licence_plate": d.LicencePlate, "note": d.Note,
		// what an agency file needs besides the totals (docs/tax-agency.md#6-dte-xml-and-field-mapping)
		"due_date": d.DueDate, "period_start": d.PeriodStart, "period_end": d.PeriodEnd, "invoice_id": d.InvoiceID,
		"credit_note_id": d.CreditNoteID, "subscription_id": d.SubscriptionID} {
		if v != nil {
			bd.Extra[key] = *v
		}
	}
	if d.PurchaseID != "" {
		bd.Extra["purchase_id"] = d.PurchaseID
	}
	if d.Discount.Sign() > 0 {
		bd.Extra["discount"], bd.Extra["discount_scheme"] = d.Discount.String(), d.DiscountScheme
	}
	if len(d.TaxSettings) > 0 {
		bd.Extra["tax_settings"] = string(d.TaxSettings)
	}
	return bd
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// adjustments sums the finalized credit and debit notes of an invoice.
func adjustments(e Env, invoiceID string) (credits, debits decimal.Decimal, hasCredit bool, err error) {
	rows, err := e.Q.QueryContext(e.Ctx, `SELECT kind, total FROM documents WHERE invoice_id = $1 AND workspace_id = $2 AND test_mode = $3
		AND ((kind = 'credit_note' AND status IN ('finalized', 'cancelled')) OR (kind = 'debit_note' AND status = 'finalized'))`, invoiceID, e.Scope.ID, e.Scope.TestMode)
	if err != nil {
		return
	}
	defer rows.Close()
	credits, debits = decimal.Zero, decimal.Zero
	for rows.Next() {
		var kind, total string
		if err = rows.Scan(&kind, &total); err != nil {
			return
		}
		if kind == CreditNote.Name {
			credits, hasCredit = credits.Add(dec(total)), true
		} else {
			debits = debits.Add(dec(total))
		}
	}
	err = rows.Err()
	return
}

// settleInvoice recomputes total_adjusted and moves the status as
// docs/documents.md#15-status-machine says. It is the one place that decides paid,
// cancelled and their reversals; payments will call it too.
func settleInvoice(e Env, invoiceID string, adjusted bool) (*Doc, error) {
	inv, err := e.lock(Invoice, invoiceID)
	if err != nil {
		return nil, err
	}
	if inv.Status == StatusDraft || inv.Status == StatusPending {
		return inv, nil
	}
	credits, debits, hasCredit, err := adjustments(e, invoiceID)
	if err != nil {
		return nil, err
	}
	ta := inv.Total.Sub(credits).Add(debits)
	collected := decimal.NewFromInt(inv.CollectedCents).Shift(-2)
	changed := inv.TotalAdjusted == nil || !inv.TotalAdjusted.Equal(ta)
	inv.TotalAdjusted = &ta
	prev := inv.Status
	var evt string
	switch {
	case ta.Sign() <= 0 && hasCredit:
		inv.Status, evt = StatusCancelled, "invoice.cancelled"
	case ta.Sign() <= 0:
		inv.Status, evt = StatusPaid, "invoice.paid" // nothing to collect
	case collected.GreaterThanOrEqual(ta):
		inv.Status, evt = StatusPaid, "invoice.paid"
	case prev == StatusPaid || prev == StatusCancelled:
		inv.Status = StatusFinalized
	}
	if inv.Status == StatusPaid {
		inv.Uncollectible = nil
	}
	if inv.Status == prev {
		evt = ""
	}
	if !changed && inv.Status == prev {
		return inv, nil
	}
	inv.Updated = e.Now.UnixMicro()
	if err := save(e, inv); err != nil {
		return nil, err
	}
	if evt == "" && (adjusted || inv.Status != prev) {
		evt = "invoice.updated"
	}
	if evt != "" {
		if err := e.emit(evt, invoiceID); err != nil {
			return nil, err
		}
	}
	if inv.Status == StatusPaid && prev != StatusPaid {
		return inv, invoiceSettled(e, inv)
	}
	return inv, nil
}

// invoiceSettled tells Deps.Settled of a subscription's invoice settling.
func invoiceSettled(e Env, d *Doc) error {
	if e.Deps.Settled == nil || d.SubscriptionID == nil {
		return nil
	}
	return e.Deps.Settled.InvoiceSettled(e, d)
}

// ToggleUncollectible moves finalized ⇄ uncollectible.
func ToggleUncollectible(e Env, docID string) (*Doc, error) {
	d, err := e.lock(Invoice, docID)
	if err != nil {
		return nil, err
	}
	evt := ""
	switch d.Status {
	case StatusFinalized:
		us := e.Now.UnixMicro()
		d.Status, d.Uncollectible, evt = StatusUncollectible, &us, "invoice.uncollectible"
	case StatusUncollectible:
		d.Status, d.Uncollectible, evt = StatusFinalized, nil, "invoice.updated"
	default:
		return nil, apperr.NonField("Only finalized or uncollectible invoices can be toggled.")
	}
	d.Updated = e.Now.UnixMicro()
	if err := save(e, d); err != nil {
		return nil, err
	}
	return d, e.emit(evt, d.ID)
}

// CancelOrder moves a finalized order to cancelled.
func CancelOrder(e Env, docID string) (*Doc, error) {
	d, err := e.lock(Order, docID)
	if err != nil {
		return nil, err
	}
	if d.Status != StatusFinalized {
		return nil, apperr.NonField("Only finalized orders can be cancelled.")
	}
	d.Status = StatusCancelled
	if rules, ok := e.Deps.Billers.RulesFor(d.Type()); ok {
		if msg := rules.Cancelled(today(e.Scope, e.Now), derefInt(d.Number)); msg != "" {
			var ta map[string]any
			_ = json.Unmarshal(d.TaxAgency, &ta)
			if ta == nil {
				ta = map[string]any{}
			}
			msgs, _ := ta["messages"].([]any)
			ta["messages"] = append(msgs, msg)
			d.TaxAgency = json.RawMessage(jsonText(ta))
		}
	}
	d.Updated = e.Now.UnixMicro()
	if err := save(e, d); err != nil {
		return nil, err
	}
	return d, e.emit("order.cancelled", d.ID)
}

func derefInt(n *int64) int64 {
	if n == nil {
		return 0
	}
	return *n
}

// The payments work drives invoices through these; the rules live here so
// every path obeys them (docs/documents.md#15-status-machine).

// MarkPending moves a draft invoice to pending when a payment is created
// for it: its content is locked from then on.
func MarkPending(e Env, invoiceID string) (*Doc, error) {
	d, err := e.lock(Invoice, invoiceID)
	if err != nil {
		return nil, err
	}
	if d.Status == StatusPending {
		return d, nil
	}
	if d.Status != StatusDraft {
		return d, nil // payments on finalized invoices do not change the status here
	}
	d.Status, d.Updated = StatusPending, e.Now.UnixMicro()
	if err := save(e, d); err != nil {
		return nil, err
	}
	return d, e.emit("invoice.pending", d.ID)
}

// UnmarkPending returns a pending invoice to draft when every payment on it
// was cancelled.
func UnmarkPending(e Env, invoiceID string) (*Doc, error) {
	d, err := e.lock(Invoice, invoiceID)
	if err != nil {
		return nil, err
	}
	if d.Status != StatusPending {
		return d, nil
	}
	d.Status, d.Updated = StatusDraft, e.Now.UnixMicro()
	if err := save(e, d); err != nil {
		return nil, err
	}
	return d, e.emit("invoice.updated", d.ID)
}

// SetCollected records the amount collected on an invoice (Σ captured
// payments) and settles it: paid when it covers total_adjusted, back to
// finalized when a refund or a debit note leaves something owed. A pending
// invoice whose payments cover it is finalized first (automatic finalize).
func SetCollected(e Env, invoiceID string, collected decimal.Decimal) (*Doc, error) {
	d, err := e.lock(Invoice, invoiceID)
	if err != nil {
		return nil, err
	}
	c := money.Round(collected, 2).Shift(2).IntPart()
	if c != d.CollectedCents {
		d.CollectedCents, d.Updated = c, e.Now.UnixMicro()
		if err := save(e, d); err != nil {
			return nil, err
		}
		if _, err := e.Q.ExecContext(e.Ctx, `UPDATE documents SET collected_cents = $1 WHERE id = $2 AND workspace_id = $3 AND test_mode = $4`,
			c, d.ID, e.Scope.ID, e.Scope.TestMode); err != nil {
			return nil, err
		}
	}
	if d.Status == StatusPending && d.TotalAdjusted != nil && collected.GreaterThanOrEqual(*d.TotalAdjusted) {
		if e.pendingFinalizable(d) != nil {
			return d, nil // covered, but a payment is not settled yet: stays pending
		}
		return Finalize(e, Invoice, invoiceID)
	}
	return settleInvoice(e, invoiceID, false)
}

// exactMap decodes a JSON object keeping numbers as json.Number text, so a
// biller never sees a tax setting as a float.
func exactMap(raw json.RawMessage) map[string]any {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&m)
	return m
}
