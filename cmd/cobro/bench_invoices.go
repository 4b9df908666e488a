package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/id"
)

// invoiceBody is the create body every invoice operation sends: a US1
// invoice with three realistic lines and a sales tax rate.
type invoiceBody struct {
	Customer   string        `json:"customer"`
	Document   string        `json:"document"`
	Date       string        `json:"date"`
	TaxPercent json.Number   `json:"tax_percent"`
	Lines      []invoiceLine `json:"lines"`
}

type invoiceLine struct {
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Code        string      `json:"code,omitempty"`
	Quantity    json.Number `json:"quantity"` // exact decimals as JSON numbers, never floats
	Amount      json.Number `json:"amount"`
}

func newInvoiceBody(customerID, date string) invoiceBody {
	return invoiceBody{Customer: customerID, Document: "US1", Date: date, TaxPercent: "8.25", Lines: []invoiceLine{
		{Name: "Platform subscription — Growth plan", Description: "Monthly subscription, up to 25 seats", Code: "SUB-GROWTH", Quantity: "1", Amount: "499"},
		{Name: "Additional seats", Description: "Seats above the plan allowance", Code: "SEAT-ADD", Quantity: "7", Amount: "18.5"},
		{Name: "Onboarding workshop", Description: "Half-day remote session with the implementation team", Quantity: "2", Amount: "350"},
	}}
}

// invoiceColumns are the documents columns document.insert writes, in its
// order.
var invoiceColumns = []string{"id", "workspace_id", "test_mode", "kind", "document_type", "customer_id", "invoice_id", "credit_note_id", "number", "currency", "date",
	"due_date", "period_start", "period_end", "collection_method", "note", "internal_note", "lines", "line_names", "amount", "exempt", "tax",
	"tax_percent", "subtotal", "total", "total_adjusted", "retention", "discount", "discount_scheme", "custom_change", "status",
	"biller_status", "tax_agency", "local_file", "subscription_id", "imported", "uncollectible", "refs", "tax_settings", "metadata",
	"user_email", "address", "carrier_id", "carrier_name", "state", "licence_plate", "shipping_type", "created", "updated", "receiver"}

// rawNextNumberSQL is the upsert of document.nextNumber.
const rawNextNumberSQL = `INSERT INTO sequences (workspace_id, test_mode, document_type, next_number) VALUES ($1, $2, $3, 2)
		ON CONFLICT (workspace_id, test_mode, document_type) DO UPDATE SET next_number = sequences.next_number + 1
		RETURNING next_number - 1`

// invoicesBench holds the state of the invoices scenario.
type invoicesBench struct {
	b    *benchEnv
	body []byte // the create body, the same for every operation

	// The probe invoice's row, column by column (invoiceColumns); the raw
	// phase inserts it again with a new id, number and timestamps.
	row                                  []any
	insertSQL                            string
	ws                                   string
	testMode                             bool
	docType                              string
	idCol, numberCol, createdCol, updCol int
}

// benchInvoices: raw numbered-INSERT ceiling, then create (3 lines) +
// finalize over HTTP.
func benchInvoices(b *benchEnv) ([]kv, error) {
	cus, err := (&customersBench{b: b}).post(b.ctx, newCustomerBody("invoices", 0, 0))
	if err != nil {
		return nil, fmt.Errorf("create the customer: %w", err)
	}
	body, err := json.Marshal(newInvoiceBody(cus.ID, time.Now().Format(time.DateOnly)))
	if err != nil {
		return nil, err
	}
	c := &invoicesBench{b: b, body: body}

	// Probe: one invoice through the API proves the flow works and gives
	// the row the raw phase copies.
	probeID, err := c.createAndFinalize(b.ctx)
	if err != nil {
		return nil, fmt.Errorf("probe invoice: %w", err)
	}
	if err := c.loadProbe(b.ctx, probeID); err != nil {
		return nil, fmt.Errorf("probe invoice: %w", err)
	}

	raw := b.runPhase("raw insert", c.rawInsert)
	if b.ctx.Err() != nil {
		return nil, b.ctx.Err()
	}
	cobro := b.runPhase("cobro invoice", func(ctx context.Context, _ int) error {
		_, err := c.createAndFinalize(ctx)
		return err
	})
	if b.ctx.Err() != nil {
		return nil, b.ctx.Err()
	}
	if err := c.checkNumbers(b.ctx); err != nil {
		return nil, err
	}

	b.printPhases(raw, cobro)
	return append(versusRaw(cobro, raw), kv{"errors", strconv.Itoa(raw.errors + cobro.errors)}), nil
}

// loadProbe reads the probe invoice's row and prepares the raw INSERT.
func (c *invoicesBench) loadProbe(ctx context.Context, invoiceID string) error {
	row := make([]any, len(invoiceColumns))
	ptrs := make([]any, len(row))
	for i := range row {
		ptrs[i] = &row[i]
	}
	err := c.b.db.QueryRowContext(ctx, `SELECT `+strings.Join(invoiceColumns, ", ")+` FROM documents WHERE id = $1`, invoiceID).Scan(ptrs...)
	if err != nil {
		return fmt.Errorf("read its row: %w", err)
	}
	for i, v := range row {
		if raw, ok := v.([]byte); ok {
			row[i] = string(raw) // JSON and NUMERIC come back as bytes from some drivers
		}
	}
	col := func(name string) int { return slices.Index(invoiceColumns, name) }
	c.row = row
	c.idCol, c.numberCol, c.createdCol, c.updCol = col("id"), col("number"), col("created"), col("updated")
	ws, _ := row[col("workspace_id")].(string)
	docType, _ := row[col("document_type")].(string)
	status, _ := row[col("status")].(string)
	testMode, okMode := row[col("test_mode")].(bool)
	if !okMode {
		// SQLite stores booleans as integers.
		n, _ := row[col("test_mode")].(int64)
		testMode = n != 0
	}
	lines, _ := row[col("lines")].(string)
	var stored []json.RawMessage
	switch {
	case ws == "" || docType != "US1":
		return fmt.Errorf("unexpected row: workspace %q, document_type %q", ws, docType)
	case status != "finalized":
		return fmt.Errorf("status %q after finalize", status)
	case row[c.numberCol] == nil:
		return errors.New("no number after finalize")
	case json.Unmarshal([]byte(lines), &stored) != nil || len(stored) != 3:
		return fmt.Errorf("lines %.200q: want 3", lines)
	}
	c.ws, c.testMode, c.docType = ws, testMode, docType
	ph := make([]string, len(invoiceColumns))
	for i := range ph {
		ph[i] = "$" + strconv.Itoa(i+1)
	}
	c.insertSQL = `INSERT INTO documents (` + strings.Join(invoiceColumns, ", ") + `) VALUES (` + strings.Join(ph, ", ") + `)`
	return nil
}

// rawInsert is what an invoice costs the database at the least: in one
// transaction, the number from the shared sequence and the finalized row,
// through the server's *store.DB (same pool, same SQLite writer queue).
func (c *invoicesBench) rawInsert(ctx context.Context, _ int) error {
	return c.b.db.InTx(ctx, func(tx *sql.Tx) error {
		var n int64
		if err := tx.QueryRowContext(ctx, rawNextNumberSQL, c.ws, c.testMode, c.docType).Scan(&n); err != nil {
			return err
		}
		args := slices.Clone(c.row)
		now := time.Now().UnixMicro()
		args[c.idCol], args[c.numberCol], args[c.createdCol], args[c.updCol] = id.New("inv"), n, now, now
		_, err := tx.ExecContext(ctx, c.insertSQL, args...)
		return err
	})
}

// checkNumbers: the raw rows and the API's share one sequence, so the
// numbers must be exactly 1..count.
func (c *invoicesBench) checkNumbers(ctx context.Context) error {
	var count, minN, maxN int64
	err := c.b.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(number), 0), COALESCE(MAX(number), 0) FROM documents
		WHERE workspace_id = $1 AND test_mode = $2 AND document_type = $3`, c.ws, c.testMode, c.docType).Scan(&count, &minN, &maxN)
	if err != nil {
		return fmt.Errorf("check numbers: %w", err)
	}
	if minN != 1 || maxN != count {
		return fmt.Errorf("check numbers: %d invoices numbered %d..%d", count, minN, maxN)
	}
	return nil
}

// createAndFinalize is one operation: POST /invoices/ then POST
// /invoices/{id}/finalize/.
func (c *invoicesBench) createAndFinalize(ctx context.Context) (string, error) {
	var created struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := c.b.post(ctx, "/invoices/", c.body, http.StatusCreated, &created); err != nil {
		return "", err
	}
	if created.ID == "" || created.Status != "draft" {
		return "", fmt.Errorf("POST /invoices/: id %q, status %q", created.ID, created.Status)
	}
	var fin struct {
		Status string `json:"status"`
	}
	path := "/invoices/" + created.ID + "/finalize/"
	if err := c.b.post(ctx, path, nil, http.StatusOK, &fin); err != nil {
		return "", err
	}
	if fin.Status != "finalized" {
		return "", fmt.Errorf("POST %s: status %q", path, fin.Status)
	}
	return created.ID, nil
}
