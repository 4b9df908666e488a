package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/cobrobilling/cobro/internal/id"
)

// customerBody is a realistic US customer, the body every create sends.
type customerBody struct {
	Name     string            `json:"name"`
	Address  string            `json:"address"`
	Country  string            `json:"country"`
	State    string            `json:"state"`
	ZipCode  string            `json:"zip_code"`
	Email    string            `json:"email"`
	Metadata map[string]string `json:"metadata"`
}

func newCustomerBody(phase string, worker, seq int) customerBody {
	tag := phase + strconv.Itoa(worker) + "-" + strconv.Itoa(seq)
	return customerBody{
		Name:     "Lakeshore Supply Co. " + tag,
		Address:  "233 S Wacker Dr, Suite 4700",
		Country:  "US",
		State:    "IL",
		ZipCode:  "60606",
		Email:    "billing+" + tag + "@lakeshore-supply.example",
		Metadata: map[string]string{"crm_id": "crm-" + tag, "segment": "smb", "region": "midwest"},
	}
}

// customersBench holds the state of the customers scenario.
type customersBench struct {
	b   *benchEnv
	seq []int      // per worker: next sequence number
	ids [][]string // per worker: customers created over HTTP

	// Column values the API stored for the probe customer; the raw phase
	// writes the same.
	country, state, currency string
}

// benchCustomers: raw INSERT ceiling, then creates and reads over HTTP.
func benchCustomers(b *benchEnv) ([]kv, error) {
	c := &customersBench{b: b, seq: make([]int, b.clients), ids: make([][]string, b.clients)}

	// Probe: one create proves the API works and tells the stored values.
	probe, err := c.post(b.ctx, newCustomerBody("probe", 0, 0))
	if err != nil {
		return nil, fmt.Errorf("probe create: %w", err)
	}
	if probe.State == nil {
		return nil, errors.New("probe create: the customer has no state")
	}
	c.country, c.state, c.currency = probe.Country, *probe.State, probe.Currency
	probeID := probe.ID

	raw := b.runPhase("raw insert", c.rawInsert)
	if b.ctx.Err() != nil {
		return nil, b.ctx.Err()
	}
	creates := b.runPhase("cobro create", c.create)
	if b.ctx.Err() != nil {
		return nil, b.ctx.Err()
	}
	all := []string{probeID}
	for _, ids := range c.ids {
		all = append(all, ids...)
	}
	reads := b.runPhase("cobro read", func(ctx context.Context, _ int) error {
		return c.get(ctx, all[rand.IntN(len(all))])
	})
	if b.ctx.Err() != nil {
		return nil, b.ctx.Err()
	}

	b.printPhases(raw, creates, reads)
	return append(versusRaw(creates, raw),
		kv{"read_per_s", f1(reads.perSecond())},
		kv{"read_p50_ms", f2(reads.pct(0.50))},
		kv{"read_p99_ms", f2(reads.pct(0.99))},
		kv{"read_p999_ms", f2(reads.pct(0.999))},
		kv{"errors", strconv.Itoa(raw.errors + creates.errors + reads.errors)},
	), nil
}

// rawInsertSQL is the customers INSERT of customer.Create, as plain SQL.
const rawInsertSQL = `INSERT INTO customers (id, workspace_id, test_mode, name, address, country, state, currency, email, phone, website, zip_code, manager, reference, tax_id,
	tax_settings, metadata, send_invoices, send_collections, send_vouchers, status, created, updated)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22)`

// rawInsert writes the row an API create writes, in autocommit, straight
// through the server's *store.DB.
func (c *customersBench) rawInsert(ctx context.Context, w int) error {
	seq := c.seq[w]
	c.seq[w]++
	body := newCustomerBody("raw", w, seq)
	// encoding/json sorts map keys: the canonical form the API stores
	meta, err := json.Marshal(body.Metadata)
	if err != nil {
		return err
	}
	_, err = c.b.db.ExecContext(ctx, rawInsertSQL,
		id.New("cus"), c.b.ws.Workspace, false, body.Name, body.Address, c.country, c.state, c.currency, body.Email,
		nil, nil, body.ZipCode, nil, nil, nil,
		"{}", string(meta), true, true, true, "active", time.Now().UnixMicro())
	return err
}

// create is one POST /customers/.
func (c *customersBench) create(ctx context.Context, w int) error {
	seq := c.seq[w]
	c.seq[w]++
	got, err := c.post(ctx, newCustomerBody("api", w, seq))
	if err != nil {
		return err
	}
	c.ids[w] = append(c.ids[w], got.ID)
	return nil
}

type createdCustomer struct {
	ID       string  `json:"id"`
	Country  string  `json:"country"`
	State    *string `json:"state"`
	Currency string  `json:"currency"`
}

func (c *customersBench) post(ctx context.Context, body customerBody) (createdCustomer, error) {
	var out createdCustomer
	data, err := json.Marshal(body)
	if err != nil {
		return out, err
	}
	if err := c.b.post(ctx, "/customers/", data, http.StatusCreated, &out); err != nil {
		return out, err
	}
	if out.ID == "" {
		return out, errors.New("POST /customers/: no id in the answer")
	}
	return out, nil
}

// get is one GET /customers/{id}/.
func (c *customersBench) get(ctx context.Context, customerID string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.b.baseURL+"/customers/"+customerID+"/", nil)
	if err != nil {
		return err
	}
	c.b.authorize(req)
	resp, err := c.b.client.Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		resp.Body.Close()
		return fmt.Errorf("GET /customers/%s/: status %d: %s", customerID, resp.StatusCode, msg)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err
}

// authorize adds the token and workspace headers (docs/conventions.md#3-authentication-and-headers).
func (b *benchEnv) authorize(req *http.Request) {
	req.Header.Set("Authorization", "Token "+b.ws.Token)
	req.Header.Set("X-Simple-Workspace", b.ws.Workspace)
}
