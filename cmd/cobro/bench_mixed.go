package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/invariants"
)

// mixedKind is one operation type of the mix.
type mixedKind int

const (
	mixGetCustomer mixedKind = iota
	mixGetInvoice
	mixListInvoices
	mixCreateCustomer
	mixCreateInvoice
	mixFinalizeInvoice
	mixCreditNote
	mixOrder
	mixSubscribe
	mixPay
	mixKinds
)

// mixedOps is the mix: name and weight (percent) of each operation type.
var mixedOps = [mixKinds]struct {
	name   string
	weight int
}{
	mixGetCustomer:     {"get customer", 15},
	mixGetInvoice:      {"get invoice", 10},
	mixListInvoices:    {"list invoices", 15},
	mixCreateCustomer:  {"create customer", 15},
	mixCreateInvoice:   {"create invoice", 15},
	mixFinalizeInvoice: {"finalize invoice", 10},
	mixCreditNote:      {"credit note", 5},
	mixOrder:           {"order", 5},
	mixSubscribe:       {"subscribe + bill", 5},
	mixPay:             {"pay invoice", 5},
}

// mixedConflict is an expected refusal: a 400 that a race between clients
// produces (two clients finalizing one invoice, crediting one invoice past
// its total…). It is counted apart from errors.
type mixedConflict struct{ msg string }

func (c *mixedConflict) Error() string { return "conflict: " + c.msg }

// mixedBench is the state the workers share: the objects created so far,
// which the reads, finalizes and credit notes pick from.
type mixedBench struct {
	b    *benchEnv
	date string // every document's date: fixed, so a credit note is never dated before its invoice

	mu        sync.Mutex
	customers []string
	invoices  []string        // every invoice, any status
	drafts    []string        // draft invoices nobody has picked for finalize yet
	finalized []string        // finalized invoices that may still be credited
	credited  map[string]bool // finalized invoices with a partial credit: no full credit any more

	invoiceBody  []byte // create body with "CUSTOMER" where the customer id goes
	plan         string // the plan subscriptions take
	invoiceTotal string // total of every invoice the mix creates
	doubles      atomic.Int64
}

// benchMixed holds a realistic mix of reads and writes for the duration
// from b.clients clients against one workspace, then checks the database
// invariants. No raw ceiling: ratio=na. No webhooks: the bench server runs
// in live mode, which refuses loopback endpoints.
func benchMixed(b *benchEnv) ([]kv, error) {
	m := &mixedBench{b: b, date: time.Now().Format(time.DateOnly), credited: map[string]bool{}}
	if err := m.seed(b.ctx); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(b.progress, "cobro bench: mixed, %s (warmup %s, measure %s)…\n", mixedMixText(), b.warmup, b.duration)
	res := m.run()
	if b.ctx.Err() != nil {
		return nil, b.ctx.Err()
	}
	rss, hwm := procStatusMB("VmRSS"), procStatusMB("VmHWM")

	fmt.Fprintf(b.progress, "cobro bench: checking invariants…\n")
	violations, err := invariants.Check(b.ctx, b.db)
	if err != nil {
		return nil, fmt.Errorf("invariants: %w", err)
	}

	m.print(res)
	fmt.Fprintf(b.out, "double submits: %d finalizes sent twice at once; each must be answered once 200 and once 400\n", m.doubles.Load())
	rssText := "na (no /proc/self/status)"
	if rss >= 0 {
		rssText = fmt.Sprintf("%s MiB (peak %s MiB)", f1(rss), f1(hwm))
	}
	fmt.Fprintf(b.out, "server RSS: %s: VmRSS of this process, where the Cobro server runs in-process with the HTTP clients, read at the end of the run\n", rssText)
	fmt.Fprintf(b.out, "invariants: %d violations\n", len(violations))
	for i, v := range violations {
		if i == 5 {
			fmt.Fprintf(b.out, "  … and %d more\n", len(violations)-i)
			break
		}
		fmt.Fprintf(b.out, "  %s\n", v)
	}

	total := res.total
	errs := 0
	for _, r := range res.kinds {
		errs += r.errors
	}
	rssKV := "na"
	if rss >= 0 {
		rssKV = f1(rss)
	}
	return []kv{
		{"ops_per_s", f1(total.perSecond())},
		{"p50_ms", f2(total.pct(0.50))},
		{"p99_ms", f2(total.pct(0.99))},
		{"p999_ms", f2(total.pct(0.999))},
		{"errors", strconv.Itoa(errs)},
		{"rss_mb", rssKV},
		{"violations", strconv.Itoa(len(violations))},
		{"ratio", "na"},
	}, nil
}

func mixedMixText() string {
	parts := make([]string, 0, mixKinds)
	for _, op := range mixedOps {
		parts = append(parts, fmt.Sprintf("%d%% %s", op.weight, op.name))
	}
	return strings.Join(parts, ", ")
}

// seed creates what the first operations pick from: customers, draft
// invoices and finalized invoices, through the API.
func (m *mixedBench) seed(ctx context.Context) error {
	body, err := json.Marshal(newInvoiceBody("CUSTOMER", m.date))
	if err != nil {
		return err
	}
	m.invoiceBody = body
	var pro, plan struct {
		ID string `json:"id"`
	}
	if err := m.post(ctx, "/products/", []byte(`{"name": "Platform"}`), http.StatusCreated, &pro, nil); err != nil {
		return err
	}
	if err := m.post(ctx, "/plans/", []byte(`{"product": "`+pro.ID+`", "name": "Growth", "description": "Growth plan, up to 25 seats",
		"frequency": "monthly", "currency": "USD", "amount": 499}`), http.StatusCreated, &plan, nil); err != nil {
		return err
	}
	m.plan = plan.ID
	for i := range max(8, m.b.clients) {
		if _, err := m.createCustomer(ctx, -1, i); err != nil {
			return err
		}
	}
	for range 2 * m.b.clients {
		if _, err := m.createInvoice(ctx); err != nil {
			return err
		}
	}
	for range m.b.clients {
		if _, err := m.finalizeInvoice(ctx, false); err != nil {
			return err
		}
	}
	return nil
}

// mixedResult is a run: one phaseResult per operation type, plus the total.
type mixedResult struct {
	kinds     [mixKinds]phaseResult
	conflicts [mixKinds]int
	total     phaseResult
}

// run is runPhase with a mix: each client draws the next operation's type
// by weight. Operations count (ops, latency) when they succeed inside the
// measured window; conflicts and errors count from the start, warmup
// included.
func (m *mixedBench) run() mixedResult {
	b := m.b
	start := time.Now()
	from := start.Add(b.warmup)
	until := from.Add(b.duration)

	type workerStats struct {
		lat       [mixKinds][]time.Duration
		errors    [mixKinds]int
		conflicts [mixKinds]int
	}
	stats := make([]workerStats, b.clients)
	var (
		mu       sync.Mutex
		firstErr [mixKinds]error
		wg       sync.WaitGroup
	)
	cpu := b.windowCPU(from, until)
	for w := range b.clients {
		wg.Go(func() {
			st := &stats[w]
			seq := 0
			for b.ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(until) {
					break
				}
				kind := m.draw()
				var err error
				kind, err = m.do(b.ctx, kind, w, seq)
				seq++
				t1 := time.Now()
				if err != nil {
					if _, ok := errors.AsType[*mixedConflict](err); ok {
						st.conflicts[kind]++
						continue
					}
					if b.ctx.Err() != nil {
						break // interrupted: not the server's fault
					}
					st.errors[kind]++
					mu.Lock()
					if firstErr[kind] == nil {
						firstErr[kind] = err
					}
					mu.Unlock()
					continue
				}
				if !t1.Before(from) && !t1.After(until) {
					st.lat[kind] = append(st.lat[kind], t1.Sub(t0))
				}
			}
		})
	}
	wg.Wait()

	var r mixedResult
	var all [][]time.Duration
	for k := range mixKinds {
		p := phaseResult{name: mixedOps[k].name, window: b.duration, firstErr: firstErr[k], cpu: -1}
		for w := range stats {
			p.lat = append(p.lat, stats[w].lat[k]...)
			p.errors += stats[w].errors[k]
			r.conflicts[k] += stats[w].conflicts[k]
		}
		slices.Sort(p.lat)
		p.ops = len(p.lat)
		r.kinds[k] = p
		all = append(all, p.lat)
		r.total.errors += p.errors
	}
	r.total.name, r.total.window, r.total.cpu = "total", b.duration, -1
	r.total.lat = slices.Concat(all...)
	slices.Sort(r.total.lat)
	r.total.ops = len(r.total.lat)
	if b.ctx.Err() == nil {
		r.total.cpu = <-cpu
	}
	return r
}

// draw picks an operation type by weight.
func (m *mixedBench) draw() mixedKind {
	n := rand.IntN(100)
	for k, op := range mixedOps {
		if n < op.weight {
			return mixedKind(k)
		}
		n -= op.weight
	}
	return mixCreateInvoice
}

// do runs one operation of type kind and returns the type it really ran:
// an operation with nothing to work on (no draft to finalize, no invoice to
// credit) creates an invoice instead.
func (m *mixedBench) do(ctx context.Context, kind mixedKind, w, seq int) (mixedKind, error) {
	switch kind {
	case mixGetCustomer:
		return kind, m.get(ctx, "/customers/", m.pick(&m.customers))
	case mixGetInvoice:
		return kind, m.get(ctx, "/invoices/", m.pick(&m.invoices))
	case mixListInvoices:
		return kind, m.list(ctx, seq)
	case mixCreateCustomer:
		_, err := m.createCustomer(ctx, w, seq)
		return kind, err
	case mixCreateInvoice:
		_, err := m.createInvoice(ctx)
		return kind, err
	case mixFinalizeInvoice:
		ok, err := m.finalizeInvoice(ctx, true)
		if ok {
			return kind, err
		}
	case mixCreditNote:
		ok, err := m.creditNote(ctx)
		if ok {
			return kind, err
		}
	case mixOrder:
		return kind, m.order(ctx)
	case mixSubscribe:
		return kind, m.subscribe(ctx)
	case mixPay:
		ok, err := m.pay(ctx)
		if ok {
			return kind, err
		}
	}
	_, err := m.createInvoice(ctx)
	return mixCreateInvoice, err
}

// pick returns a random element of *list.
func (m *mixedBench) pick(list *[]string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return (*list)[rand.IntN(len(*list))]
}

// take removes and returns a random element of *list; ok is false when it
// is empty.
func (m *mixedBench) take(list *[]string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(*list)
	if n == 0 {
		return "", false
	}
	i := rand.IntN(n)
	v := (*list)[i]
	(*list)[i] = (*list)[n-1]
	*list = (*list)[:n-1]
	return v, true
}

func (m *mixedBench) add(list *[]string, v string) {
	m.mu.Lock()
	*list = append(*list, v)
	m.mu.Unlock()
}

// createCustomer is POST /customers/.
func (m *mixedBench) createCustomer(ctx context.Context, w, seq int) (string, error) {
	body, err := json.Marshal(newCustomerBody("mixed", w, seq))
	if err != nil {
		return "", err
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := m.post(ctx, "/customers/", body, http.StatusCreated, &out, nil); err != nil {
		return "", err
	}
	m.add(&m.customers, out.ID)
	return out.ID, nil
}

// createInvoice is POST /invoices/ with three lines for a random customer;
// the draft joins the pool finalize picks from.
func (m *mixedBench) createInvoice(ctx context.Context) (string, error) {
	body := bytes.Replace(m.invoiceBody, []byte(`"CUSTOMER"`), []byte(strconv.Quote(m.pick(&m.customers))), 1)
	var out struct {
		ID     string      `json:"id"`
		Status string      `json:"status"`
		Total  json.Number `json:"total"`
	}
	if err := m.post(ctx, "/invoices/", body, http.StatusCreated, &out, nil); err != nil {
		return "", err
	}
	if out.Status != "draft" {
		return "", fmt.Errorf("POST /invoices/: status %q, want draft", out.Status)
	}
	m.mu.Lock()
	m.invoiceTotal = out.Total.String()
	m.invoices = append(m.invoices, out.ID)
	m.drafts = append(m.drafts, out.ID)
	m.mu.Unlock()
	return out.ID, nil
}

// invoiceFinalizeRace is the 400 a finalize loses to another.
const invoiceFinalizeRace = "Only invoices with status draft or pending can be finalized."

// finalizeInvoice finalizes a draft taken from the pool; ok is false when
// the pool is empty. With doubles, one in 20 is a double submit: two
// finalizes of the same draft at once, with different Idempotency-Keys (two
// tabs, a retry after a timeout): exactly one must win, the other is a
// conflict.
func (m *mixedBench) finalizeInvoice(ctx context.Context, doubles bool) (ok bool, err error) {
	inv, ok := m.take(&m.drafts)
	if !ok {
		return false, nil
	}
	path := "/invoices/" + inv + "/finalize/"
	check := func(out *struct {
		Status string `json:"status"`
	}) error {
		if out.Status != "finalized" {
			return fmt.Errorf("POST %s: status %q, want finalized", path, out.Status)
		}
		return nil
	}
	if !doubles || rand.IntN(20) != 0 {
		var out struct {
			Status string `json:"status"`
		}
		if err := m.post(ctx, path, nil, http.StatusOK, &out, []string{invoiceFinalizeRace}); err != nil {
			return true, err
		}
		if err := check(&out); err != nil {
			return true, err
		}
		m.add(&m.finalized, inv)
		return true, nil
	}

	m.doubles.Add(1)
	var outs [2]struct {
		Status string `json:"status"`
	}
	var errs [2]error
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { errs[i] = m.post(ctx, path, nil, http.StatusOK, &outs[i], []string{invoiceFinalizeRace}) })
	}
	wg.Wait()
	won, lost := -1, 0
	for i, err := range errs {
		if _, isConflict := errors.AsType[*mixedConflict](err); isConflict {
			lost++
			continue
		}
		if err != nil {
			return true, err
		}
		won = i
	}
	switch {
	case won < 0:
		return true, fmt.Errorf("double finalize of %s: both refused: %v", inv, errs[0])
	case lost != 1:
		return true, fmt.Errorf("double finalize of %s: both answered 200", inv)
	}
	if err := check(&outs[won]); err != nil {
		return true, err
	}
	m.add(&m.finalized, inv)
	return true, &mixedConflict{"double finalize (one 200, one 400, as expected)"}
}

// Conflicts a credit note can meet when clients race on one invoice.
var creditNoteRaces = []string{
	"can be credited.",           // a concurrent full credit cancelled the invoice
	"already partially credited", // a full credit after a concurrent partial one
	"exceeds the invoice's creditable amount",
}

// creditNote credits a finalized invoice (half full, half partial) and
// finalizes the credit note; ok is false when there is no invoice to
// credit. A full credit takes the invoice out of the pool (it will be
// cancelled); an invoice once partially credited gets only partial ones.
func (m *mixedBench) creditNote(ctx context.Context) (ok bool, err error) {
	m.mu.Lock()
	n := len(m.finalized)
	if n == 0 {
		m.mu.Unlock()
		return false, nil
	}
	i := rand.IntN(n)
	inv := m.finalized[i]
	full := !m.credited[inv] && rand.IntN(2) == 0
	if full {
		m.finalized[i] = m.finalized[n-1]
		m.finalized = m.finalized[:n-1]
	} else {
		m.credited[inv] = true
	}
	m.mu.Unlock()

	body := map[string]any{"invoice": inv, "date": m.date, "note": "Service credit"}
	if !full {
		body["lines"] = []invoiceLine{{Name: "Service credit — downtime", Quantity: "1", Amount: "25"}}
	}
	data, err := json.Marshal(body)
	if err != nil {
		return true, err
	}
	var crn struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := m.post(ctx, "/creditnotes/", data, http.StatusCreated, &crn, creditNoteRaces); err != nil {
		return true, err
	}
	path := "/creditnotes/" + crn.ID + "/finalize/"
	var fin struct {
		Status string `json:"status"`
	}
	if err := m.post(ctx, path, nil, http.StatusOK, &fin, creditNoteRaces); err != nil {
		return true, err
	}
	if fin.Status != "finalized" {
		return true, fmt.Errorf("POST %s: status %q, want finalized", path, fin.Status)
	}
	return true, nil
}

// order creates a US2 order (two lines) and finalizes it.
func (m *mixedBench) order(ctx context.Context) error {
	body, err := json.Marshal(map[string]any{
		"customer": m.pick(&m.customers), "document": "US2", "date": m.date, "shipping_type": "1",
		"address": "233 S Wacker Dr, Chicago", "state": "IL",
		"lines": []map[string]any{
			{"name": "Rack-mount server, 2U", "quantity": 2, "amount": 3150},
			{"name": "Rail kit", "quantity": 2, "amount": 89.9},
		},
	})
	if err != nil {
		return err
	}
	var ord struct {
		ID string `json:"id"`
	}
	if err := m.post(ctx, "/orders/", body, http.StatusCreated, &ord, nil); err != nil {
		return err
	}
	path := "/orders/" + ord.ID + "/finalize/"
	var fin struct {
		Status string `json:"status"`
	}
	if err := m.post(ctx, path, nil, http.StatusOK, &fin, nil); err != nil {
		return err
	}
	if fin.Status != "finalized" {
		return fmt.Errorf("POST %s: status %q, want finalized", path, fin.Status)
	}
	return nil
}

// pay records the full payment of a finalized, uncredited invoice (a bank
// transfer: POST /payments/ with status succeeded); the invoice must end
// paid.
func (m *mixedBench) pay(ctx context.Context) (bool, error) {
	m.mu.Lock()
	var inv string
	for i, id := range m.finalized {
		if !m.credited[id] {
			inv = id
			m.finalized = append(m.finalized[:i], m.finalized[i+1:]...)
			break
		}
	}
	m.mu.Unlock()
	if inv == "" {
		return false, nil
	}
	body, err := json.Marshal(map[string]any{"amount": m.invoiceTotal, "currency": "USD", "date": m.date, "description": "Wire transfer",
		"invoice": inv, "status": "succeeded"})
	if err != nil {
		return true, err
	}
	var p struct {
		Status string `json:"status"`
	}
	if err := m.post(ctx, "/payments/", body, http.StatusCreated, &p, nil); err != nil {
		return true, err
	}
	if p.Status != "succeeded" {
		return true, fmt.Errorf("POST /payments/ for %s: status %q", inv, p.Status)
	}
	return true, nil
}

// subscribe subscribes a customer to the plan (5 seats) and bills its
// next cycle at once with process: a billing run through the API.
func (m *mixedBench) subscribe(ctx context.Context) error {
	body, err := json.Marshal(map[string]any{"customer": m.pick(&m.customers), "document": "US1", "date_start": m.date,
		"lines": []map[string]any{{"plan": m.plan, "quantity": 5}}})
	if err != nil {
		return err
	}
	var sub struct {
		ID string `json:"id"`
	}
	if err := m.post(ctx, "/subscriptions/", body, http.StatusCreated, &sub, nil); err != nil {
		return err
	}
	var inv struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	path := "/subscriptions/" + sub.ID + "/process/"
	if err := m.post(ctx, path, nil, http.StatusOK, &inv, nil); err != nil {
		return err
	}
	if inv.Status != "finalized" {
		return fmt.Errorf("POST %s: invoice %s %q, want finalized", path, inv.ID, inv.Status)
	}
	m.add(&m.invoices, inv.ID)
	return nil
}

// list is GET /invoices/ with one of a few filters a dashboard sends.
func (m *mixedBench) list(ctx context.Context, seq int) error {
	q := url.Values{}
	switch seq % 3 {
	case 0:
		q.Set("customer", m.pick(&m.customers))
		q.Set("ordering", "-date")
	case 1:
		q.Set("status", "finalized")
		q.Set("total__gte", "1000")
	default:
		q.Set("status__in", "draft,finalized")
		q.Set("date__gte", m.date)
		q.Set("page_size", "50")
	}
	path := "/invoices/?" + q.Encode()
	var page struct {
		Count   *int              `json:"count"`
		Results []json.RawMessage `json:"results"`
	}
	if err := m.call(ctx, http.MethodGet, path, nil, http.StatusOK, &page, nil); err != nil {
		return err
	}
	if page.Count == nil || page.Results == nil {
		return fmt.Errorf("GET %s: not a page", path)
	}
	return nil
}

// get is GET {prefix}{id}/.
func (m *mixedBench) get(ctx context.Context, prefix, objID string) error {
	var out struct {
		ID string `json:"id"`
	}
	path := prefix + objID + "/"
	if err := m.call(ctx, http.MethodGet, path, nil, http.StatusOK, &out, nil); err != nil {
		return err
	}
	if out.ID != objID {
		return fmt.Errorf("GET %s: id %q", path, out.ID)
	}
	return nil
}

func (m *mixedBench) post(ctx context.Context, path string, body []byte, want int, out any, races []string) error {
	return m.call(ctx, http.MethodPost, path, body, want, out, races)
}

// call sends one request (POSTs with a fresh Idempotency-Key) and decodes
// the answer into out. A 400 whose body holds one of races is a
// *mixedConflict; any other status than want is an error.
func (m *mixedBench) call(ctx context.Context, method, path string, body []byte, want int, out any, races []string) error {
	var header map[string]string
	if method == http.MethodPost {
		header = map[string]string{"Idempotency-Key": "mixed-" + id.Random(24)}
	}
	status, respBody, err := m.b.request(ctx, method, path, body, header)
	if err != nil {
		return err
	}
	if status != want {
		if status == http.StatusBadRequest {
			for _, r := range races {
				if bytes.Contains(respBody, []byte(r)) {
					return &mixedConflict{fmt.Sprintf("%s %s: %.200s", method, path, respBody)}
				}
			}
		}
		return fmt.Errorf("%s %s: status %d: %.300s", method, path, status, respBody)
	}
	if err := json.Unmarshal(respBody, out); err != nil {
		return fmt.Errorf("%s %s: unexpected body %.300s", method, path, respBody)
	}
	return nil
}

// print writes the human-readable rows: one per operation type, then the
// total.
func (m *mixedBench) print(r mixedResult) {
	tw := tabwriter.NewWriter(m.b.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation       \tmix_%\tops\tops/s\tp50_ms\tp99_ms\tp999_ms\tconflicts\terrors\t")
	conflicts := 0
	for k, p := range r.kinds {
		conflicts += r.conflicts[k]
		fmt.Fprintf(tw, "%-16s\t%d\t%d\t%s\t%s\t%s\t%s\t%d\t%d\t\n", p.name, mixedOps[k].weight, p.ops, f1(p.perSecond()),
			f2(p.pct(0.50)), f2(p.pct(0.99)), f2(p.pct(0.999)), r.conflicts[k], p.errors)
	}
	t := r.total
	fmt.Fprintf(tw, "%-16s\t%d\t%d\t%s\t%s\t%s\t%s\t%d\t%d\t\n", t.name, 100, t.ops, f1(t.perSecond()),
		f2(t.pct(0.50)), f2(t.pct(0.99)), f2(t.pct(0.999)), conflicts, t.errors)
	_ = tw.Flush()
	cpu := "na"
	if t.cpu >= 0 {
		cpu = f2(t.cpu)
	}
	fmt.Fprintf(m.b.out, "(ops: successes in the window; an operation is one request, or two for credit note and order (create + finalize);\n"+
		" finalize and credit note fall back to create invoice when there is nothing to work on;\n"+
		" conflicts: the 400s of races between clients (finalizing twice, crediting past the total), not errors;\n"+
		" bench_cpu: %s cores used by this process, HTTP clients and Cobro together, of %d)\n", cpu, runtime.NumCPU())
	for _, p := range r.kinds {
		if p.firstErr != nil {
			fmt.Fprintf(m.b.out, "%s: %d errors, first: %v\n", p.name, p.errors, p.firstErr)
		}
	}
}

// procStatusMB reads a "Vm…: N kB" line of /proc/self/status in MiB; -1
// where there is no such file (not Linux).
func procStatusMB(key string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != key {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 2 && fields[1] == "kB" {
			if n, err := strconv.ParseFloat(fields[0], 64); err == nil {
				return n / 1024
			}
		}
	}
	return -1
}
