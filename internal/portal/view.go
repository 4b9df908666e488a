package portal

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/shopspring/decimal"
)

// MaxInvoices is how many of the latest invoices the page lists.
const MaxInvoices = 50

// Invoice is an invoice as the portal lists it.
type Invoice struct {
	ID, Name, Date, Due, Status, Amount string
	// Payable: finalized or uncollectible with something owed (paid
	// through a payment link); Pending: a failed automatic charge (paid
	// again with a saved card).
	Payable, Pending bool
}

// Card is a saved (reusable, chargeable) card of the customer.
type Card struct {
	ID, Brand, Last4, Exp string
	Default               bool // some live subscription charges it
}

// Subscription is a subscription as the portal lists it.
type Subscription struct {
	ID, Plans, Status, Next string
	Live                    bool // active, paused or needing attention
}

// Data is everything the page shows of one customer.
type Data struct {
	Customer      string
	Invoices      []Invoice
	Cards         []Card
	Subscriptions []Subscription
	CanCancel     bool
	// AddCard is how a card is added (the checkout of the workspace's
	// card gateway for saved cards, gateway.Checkout*): the test
	// gateway's fields on the page, the processor's page (redirect), or
	// Stripe.js on Cobro's card page (client); "" when no gateway can
	// save cards in this mode. AddCardVia is the gateway's name.
	AddCard, AddCardVia string
}

// Load reads what the session's customer sees, nothing else.
func Load(e document.Env, customerID string, canCancel bool) (*Data, error) {
	d := &Data{CanCancel: canCancel}
	if err := e.Q.QueryRowContext(e.Ctx, `SELECT name FROM customers WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`, customerID, e.Scope.ID, e.Scope.TestMode).Scan(&d.Customer); err != nil {
		return nil, err
	}
	var err error
	if d.Invoices, err = invoices(e, customerID); err != nil {
		return nil, err
	}
	if d.Cards, err = cards(e, customerID); err != nil {
		return nil, err
	}
	d.Subscriptions, err = subscriptions(e, customerID)
	return d, err
}

func invoices(e document.Env, customerID string) ([]Invoice, error) {
	ids, err := store.Strings(e.Ctx, e.Q, `SELECT id FROM documents WHERE customer_id = $1 AND workspace_id = $2 AND test_mode = $3 AND kind = 'invoice' AND status <> 'draft'
		ORDER BY date DESC, created DESC LIMIT `+fmt.Sprint(MaxInvoices), customerID, e.Scope.ID, e.Scope.TestMode)
	if err != nil {
		return nil, err
	}
	out := make([]Invoice, 0, len(ids))
	for _, id := range ids {
		doc, err := document.Get(e, document.Invoice, id)
		if err != nil {
			return nil, err
		}
		inv := Invoice{ID: doc.ID, Name: doc.Type().Name, Date: doc.Date, Status: doc.Status, Amount: Amount(doc.Total, doc.Currency)}
		if doc.Number != nil {
			inv.Name += fmt.Sprintf(" N° %d", *doc.Number)
		}
		if doc.DueDate != nil {
			inv.Due = *doc.DueDate
		}
		inv.Payable = owed(doc).IsPositive() && (doc.Status == document.StatusFinalized || doc.Status == document.StatusUncollectible)
		inv.Pending = doc.Status == document.StatusPending
		out = append(out, inv)
	}
	return out, nil
}

// owed is what an invoice still owes.
func owed(d *document.Doc) decimal.Decimal {
	if d.TotalAdjusted == nil {
		return decimal.Zero
	}
	return d.TotalAdjusted.Sub(decimal.NewFromInt(d.CollectedCents).Shift(-2))
}

// Amount is an amount with its currency, without decimals for CLP.
func Amount(v decimal.Decimal, currency string) string {
	c, _ := catalog.CurrencyByID(currency)
	return currency + " " + money.Round(v, money.ScaleFor(c.Rounded)).StringFixed(money.ScaleFor(c.Rounded))
}

func cards(e document.Env, customerID string) ([]Card, error) {
	rows, err := e.Q.QueryContext(e.Ctx, `SELECT s.id, s.card, EXISTS (SELECT 1 FROM subscriptions b WHERE b.default_source = s.id AND b.status IN ('active', 'paused', 'needs_attention'))
		FROM sources s WHERE s.customer_id = $1 AND s.workspace_id = $2 AND s.test_mode = $3 AND s.usage = 'reusable' AND s.status = 'chargeable' AND s.card IS NOT NULL
		ORDER BY s.created DESC, s.id`, customerID, e.Scope.ID, e.Scope.TestMode)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Card
	for rows.Next() {
		var (
			c   Card
			raw string
			gc  gateway.Card
		)
		if err := rows.Scan(&c.ID, &raw, &c.Default); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(raw), &gc); err != nil {
			return nil, err
		}
		c.Brand, c.Last4 = gc.Brand, gc.Last4
		if gc.ExpMonth > 0 { // Oneclick does not tell the expiry
			c.Exp = fmt.Sprintf("%02d/%d", gc.ExpMonth, gc.ExpYear)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func subscriptions(e document.Env, customerID string) ([]Subscription, error) {
	rows, err := e.Q.QueryContext(e.Ctx, `SELECT id, status, next_billing FROM subscriptions WHERE customer_id = $1 AND workspace_id = $2 AND test_mode = $3 ORDER BY created DESC, id`,
		customerID, e.Scope.ID, e.Scope.TestMode)
	if err != nil {
		return nil, err
	}
	var out []Subscription
	for rows.Next() {
		var (
			s    Subscription
			next *string
		)
		if err := rows.Scan(&s.ID, &s.Status, &next); err != nil {
			rows.Close()
			return nil, err
		}
		if next != nil {
			s.Next = *next
		}
		s.Live = s.Status == "active" || s.Status == "paused" || s.Status == "needs_attention"
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		names, err := store.Strings(e.Ctx, e.Q, `SELECT p.name FROM subscription_items i JOIN plans p ON p.id = i.plan_id WHERE i.subscription_id = $1 ORDER BY i.position`, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i].Plans = strings.Join(names, ", ")
	}
	return out, nil
}

// Owns checks that an object of a table belongs to the customer of the
// session (a 404 otherwise: another customer's object does not exist here).
func Owns(e document.Env, table, objectID, customerID string) error {
	var n int
	if table != "documents" && table != "sources" && table != "subscriptions" {
		return fmt.Errorf("portal: no ownership rule for %s", table)
	}
	err := e.Q.QueryRowContext(e.Ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = $1 AND customer_id = $2 AND workspace_id = $3 AND test_mode = $4`,
		objectID, customerID, e.Scope.ID, e.Scope.TestMode).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.NotFoundErr()
	}
	return nil
}

// SetDefault makes a saved card the default_source of the customer's live
// charge_payment subscriptions (the card dunning retries charge).
func SetDefault(e document.Env, customerID, sourceID string) error {
	_, err := e.Q.ExecContext(e.Ctx, `UPDATE subscriptions SET default_source = $1, updated = $2
		WHERE customer_id = $3 AND workspace_id = $4 AND test_mode = $5 AND collection_scheme = 'charge_payment' AND status IN ('active', 'paused', 'needs_attention')`,
		sourceID, e.Now.UnixMicro(), customerID, e.Scope.ID, e.Scope.TestMode)
	return err
}

// OpenCardSetup is the newest card setup of the customer's with the
// gateway that a session page (returnPrefix, its cards/ URL) started and
// the payer has not finished; "" when none. The portal continues it
// rather than start another on a reload or a second click.
func OpenCardSetup(e document.Env, customerID, gatewayID, returnPrefix string) (string, error) {
	ids, err := store.Strings(e.Ctx, e.Q, `SELECT id FROM sources WHERE customer_id = $1 AND workspace_id = $2 AND test_mode = $3 AND gateway = $4
		AND usage = 'reusable' AND status IN ('requires_authorization', 'waiting_authorization') AND auth_deadline > $5 AND return_url LIKE $6
		ORDER BY created DESC, id DESC LIMIT 1`, customerID, e.Scope.ID, e.Scope.TestMode, gatewayID, e.Now.UnixMicro(), returnPrefix+"%")
	if err != nil || len(ids) == 0 {
		return "", err
	}
	return ids[0], nil
}
