package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/invariants"
	"github.com/cobrobilling/cobro/internal/store"
)

// Crash safety (issue 9, item 4): real `cobro serve` processes are killed
// with SIGKILL at random moments of a mixed workload and restarted on the
// same database; clients retry every POST with its Idempotency-Key as a
// real client would. Afterwards the database invariants hold, every event
// reached the webhook receiver, and no key produced two objects.
//
// Long variant: COBRO_CRASH_KILLS=30 go test -run Crash -count=1 -v ./cmd/cobro/
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills real processes")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "cobro")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) {
		crashRun(t, bin, "sqlite:"+filepath.Join(t.TempDir(), "crash.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("COBRO_TEST_DATABASE_URL")
		if base == "" {
			t.Skip("COBRO_TEST_DATABASE_URL is not set")
		}
		crashRun(t, bin, freshSchema(t, base))
	})
}

// freshSchema creates a schema and returns base with search_path set to it
// (as internal/apitest.OpenDB does).
func freshSchema(t *testing.T, base string) string {
	t.Helper()
	schema := "crash_" + strings.ToLower(id.Random(12))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// node is one running `cobro serve`.
type node struct {
	cmd  *exec.Cmd
	addr string
	logs *syncBuffer
}

// startNode is startServe with the node's logs kept for the failure report.
func startNode(t *testing.T, bin, db string) *node {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return &node{cmd: cmd, addr: waitAddr(t, func() string { return logs.String() }), logs: logs}
}

// receiver is the webhook endpoint: it counts deliveries by webhook-id.
type receiver struct {
	mu  sync.Mutex
	got map[string]int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	_, _ = io.Copy(io.Discard, req.Body)
	r.mu.Lock()
	r.got[req.Header.Get("webhook-id")]++
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) snapshot() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.got))
	for k, v := range r.got {
		out[k] = v
	}
	return out
}

// crashStats are the figures the run reports.
type crashStats struct {
	attempts, netRetries, busyRetries, throttled, serverErrors atomic.Int64
	created, client4xx, stuck                                  atomic.Int64
}

// crashClient posts like a careful client: the same Idempotency-Key until
// a definitive answer.
type crashClient struct {
	addr          *atomic.Pointer[string]
	token, ws     string
	http          *http.Client
	stats         *crashStats
	stuckAfter    time.Duration
	mu            sync.Mutex
	keys          map[string]keyOutcome // Idempotency-Key → outcome
	unexpected4xx []string
	plan          string // the subscriptions' plan
	tomorrow      string // their date_start (workspace time zone)
}

type keyOutcome struct {
	status int // 0: abandoned while another (dead) request held the key
	kind   string
}

// post sends body to path with key until the answer is definitive: 2xx or
// 4xx other than 409-in-progress and 429. A 409 "still being processed"
// is what a key held by a request that died with its node answers until
// the key's lease ends (idempotency.Lease, 2 min); after stuckAfter the
// key is abandoned and recorded as such (checked against the database
// afterwards).
func (c *crashClient) post(path, key, kind string, body any) (int, map[string]any) {
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	var busySince time.Time
	for {
		c.stats.attempts.Add(1)
		req, _ := http.NewRequest("POST", "http://"+*c.addr.Load()+path, bytes.NewReader(b))
		if b != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", "Token "+c.token)
		req.Header.Set("x-simple-workspace", c.ws)
		req.Header.Set("x-piriod-test-mode", "true")
		req.Header.Set("Idempotency-Key", key)
		res, err := c.http.Do(req)
		if err != nil {
			c.stats.netRetries.Add(1)
			time.Sleep(time.Duration(20+rand.IntN(60)) * time.Millisecond)
			continue
		}
		raw, rerr := io.ReadAll(res.Body)
		res.Body.Close()
		if rerr != nil { // cut off mid-body: same as no answer
			c.stats.netRetries.Add(1)
			continue
		}
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		switch st := res.StatusCode; {
		case st == http.StatusConflict && strings.Contains(string(raw), "still being processed"):
			c.stats.busyRetries.Add(1)
			if busySince.IsZero() {
				busySince = time.Now()
			}
			if time.Since(busySince) > c.stuckAfter {
				c.stats.stuck.Add(1)
				c.record(key, kind, 0)
				return 0, nil
			}
			time.Sleep(150 * time.Millisecond)
		case st == http.StatusTooManyRequests:
			c.stats.throttled.Add(1)
			time.Sleep(250 * time.Millisecond)
		case st >= 500:
			c.stats.serverErrors.Add(1)
			time.Sleep(100 * time.Millisecond)
		default:
			if st == http.StatusCreated {
				c.stats.created.Add(1)
			}
			if st >= 400 {
				c.stats.client4xx.Add(1)
				c.mu.Lock()
				c.unexpected4xx = append(c.unexpected4xx, fmt.Sprintf("POST %s (key %s): %d %s", path, key, st, raw))
				c.mu.Unlock()
			}
			c.record(key, kind, st)
			return st, m
		}
	}
}

// get reads an object, retrying across node restarts.
func (c *crashClient) get(path string) (int, map[string]any) {
	for attempt := 0; attempt < 50; attempt++ {
		req, _ := http.NewRequest("GET", "http://"+*c.addr.Load()+path, nil)
		req.Header.Set("Authorization", "Token "+c.token)
		req.Header.Set("x-simple-workspace", c.ws)
		req.Header.Set("x-piriod-test-mode", "true")
		res, err := c.http.Do(req)
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		if res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		return res.StatusCode, m
	}
	return 0, nil
}

func (c *crashClient) record(key, kind string, status int) {
	if kind == "" {
		return
	}
	c.mu.Lock()
	c.keys[key] = keyOutcome{status: status, kind: kind}
	c.mu.Unlock()
}

func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err != nil || n <= 0 {
		return def
	}
	return n
}

func crashRun(t *testing.T, bin, db string) {
	start := time.Now()
	deadline := start.Add(60 * time.Second) // the kill phase ends by then whatever happens
	code, out, errs := runCmd(t, "init", "--db", db, "--name", "Crash Co")
	var created map[string]string
	if code != 0 || json.Unmarshal([]byte(out), &created) != nil {
		t.Fatalf("init: %d %q %s", code, out, errs)
	}

	rcv := &receiver{got: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: rcv}
	go hs.Serve(ln)
	defer hs.Close()

	cur := startNode(t, bin, db)
	allLogs := []*syncBuffer{cur.logs}
	var addr atomic.Pointer[string]
	addr.Store(&cur.addr)
	stats := &crashStats{}
	cl := &crashClient{addr: &addr, token: created["token"], ws: created["workspace"], stats: stats, stuckAfter: 3 * time.Second,
		keys: map[string]keyOutcome{}, http: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	st, ep := cl.post("/webhooks/", "endpoint", "", map[string]any{"url": "http://" + ln.Addr().String() + "/hook", "events": []string{"*"}})
	if st != 201 {
		t.Fatalf("register endpoint: %d %v", st, ep)
	}
	endpointID := ep["id"].(string)
	endpointSecret, _ := ep["secret"].(string)
	// a plan for the subscriptions of the workload
	st, pro := cl.post("/products/", "setup-product", "", map[string]any{"name": "Crash Cloud"})
	if st != 201 {
		t.Fatalf("product: %d %v", st, pro)
	}
	st, plan := cl.post("/plans/", "setup-plan", "", map[string]any{"product": pro["id"], "name": "Pro", "description": "Plan Pro",
		"frequency": "monthly", "currency": "USD", "amount": "25.00"})
	if st != 201 {
		t.Fatalf("plan: %d %v", st, plan)
	}
	cl.plan = plan["id"].(string)
	loc, _ := time.LoadLocation(catalog.DefaultTimeZone("US"))
	cl.tomorrow = time.Now().In(loc).AddDate(0, 0, 1).Format(time.DateOnly)

	// the workload
	stop := make(chan struct{})
	var wg sync.WaitGroup
	const workers = 4
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			crashWorker(cl, w, stop)
		}()
	}

	// the killer
	kills := envInt("COBRO_CRASH_KILLS", 6+rand.IntN(3))
	done := 0
	var restarts []time.Duration
	for done < kills && time.Now().Before(deadline) {
		time.Sleep(time.Duration(500+rand.IntN(1500)) * time.Millisecond)
		if err := cur.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("kill: %v", err)
		}
		_ = cur.cmd.Wait()
		done++
		t0 := time.Now()
		cur = startNode(t, bin, db)
		allLogs = append(allLogs, cur.logs)
		restarts = append(restarts, time.Since(t0))
		addr.Store(&cur.addr)
	}
	if done < kills {
		t.Logf("time guard: %d of %d kills done", done, kills)
	}
	workloadEnd := time.Now()
	close(stop)
	wg.Wait()

	// Let the last node deliver. A job claimed by a killed node comes back
	// when its lease ends (worker timeout + 1 min); wait for those too,
	// but no longer.
	sdb, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	ctx := context.Background()
	var epCreated int64
	if err := sdb.QueryRowContext(ctx, `SELECT created FROM webhook_endpoints WHERE id = $1`, endpointID).Scan(&epCreated); err != nil {
		t.Fatal(err)
	}
	expected := func() []string {
		rows, err := sdb.QueryContext(ctx, `SELECT id FROM events WHERE workspace_id = $1 AND test_mode = $2 AND created > $3`, created["workspace"], true, epCreated)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, s)
		}
		return ids
	}
	missing := func() []string {
		got := rcv.snapshot()
		var m []string
		for _, e := range expected() {
			if got[e] == 0 {
				m = append(m, e)
			}
		}
		return m
	}
	deliverStart := time.Now()
	leaseWait := false
	for {
		var jobs int
		if err := sdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs`).Scan(&jobs); err != nil {
			t.Fatal(err)
		}
		var idle int // jobs no node holds: the live node will run them
		if err := sdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE locked_until IS NULL OR locked_until < $1`, time.Now().UnixMicro()).Scan(&idle); err != nil {
			t.Fatal(err)
		}
		m := missing()
		if len(m) == 0 && (idle == 0 || time.Since(deliverStart) > 20*time.Second) {
			// Left, if any: jobs leased by a killed node whose delivery
			// was sent but not recorded; they will be sent again.
			break
		}
		if time.Since(deliverStart) > 20*time.Second {
			// Events still missing: wait on while jobs remain (a job
			// leased by a killed node comes back when its lease ends),
			// up to a hard limit; with no job left they are lost.
			var leased, latest sql.NullInt64
			if err := sdb.QueryRowContext(ctx, `SELECT COUNT(*), MAX(locked_until) FROM jobs WHERE locked_until > $1`, time.Now().UnixMicro()).Scan(&leased, &latest); err != nil {
				t.Fatal(err)
			}
			if !leaseWait {
				t.Logf("after 20 s: %d events not received, %d jobs left, %d leased (until %s)", len(m), jobs, leased.Int64,
					time.UnixMicro(latest.Int64).Format(time.TimeOnly))
				leaseWait = true
			}
			if jobs == 0 || time.Since(deliverStart) > 90*time.Second {
				break
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	deliverTime := time.Since(deliverStart)
	if err := cur.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cur.cmd.Wait(); err != nil {
		t.Errorf("last node did not stop cleanly: %v\n%s", err, cur.logs.String())
	}

	// 1. the database invariants
	v, err := invariants.Check(ctx, sdb)
	if err != nil {
		t.Fatalf("invariants: %v", err)
	}
	for _, line := range v {
		t.Errorf("violation: %s", line)
	}
	// 2. every event of the endpoint's workspace and mode was received
	got := rcv.snapshot()
	exp := expected()
	dups := 0
	for _, n := range got {
		if n > 1 {
			dups++
		}
	}
	if m := missing(); len(m) > 0 {
		for _, e := range m {
			var name, obj string
			var status sql.NullString
			var jobLockedUntil sql.NullInt64
			_ = sdb.QueryRowContext(ctx, `SELECT event, object_id FROM events WHERE id = $1`, e).Scan(&name, &obj)
			_ = sdb.QueryRowContext(ctx, `SELECT d.status, j.locked_until FROM deliveries d LEFT JOIN jobs j ON j.unique_key = 'webhook:' || d.id WHERE d.event_id = $1`, e).Scan(&status, &jobLockedUntil)
			t.Errorf("event %s (%s %s) never received: delivery %v, job locked until %v", e, name, obj, status.String, jobLockedUntil)
		}
	}
	// 3. no Idempotency-Key produced two objects
	counts := objectCounts(t, sdb, created["workspace"])
	cl.mu.Lock()
	for key, o := range cl.keys {
		n := counts[key]
		switch {
		case o.status == 201 && n != 1:
			t.Errorf("key %s (%s): 201 answered, %d objects", key, o.kind, n)
		case o.status != 0 && o.status != 201 && n != 0:
			t.Errorf("key %s (%s): %d answered, %d objects", key, o.kind, o.status, n)
		case o.status == 0:
			var state string
			var code sql.NullInt64
			err := sdb.QueryRowContext(ctx, `SELECT state, status_code FROM idempotency_keys WHERE scope = $1 AND key = $2`,
				created["workspace"]+":test", key).Scan(&state, &code)
			switch {
			case err == sql.ErrNoRows && n != 0, err == nil && state == "processing" && n != 0:
				t.Errorf("abandoned key %s (%s): record %q, yet %d objects", key, o.kind, state, n)
			case err == nil && state == "done" && code.Int64 == 201 && n != 1:
				t.Errorf("abandoned key %s (%s): recorded 201, %d objects", key, o.kind, n)
			}
		}
		delete(counts, key)
	}
	for key, n := range counts {
		if n > 1 {
			t.Errorf("key %s produced %d objects", key, n)
		}
	}
	for _, s := range cl.unexpected4xx {
		t.Errorf("unexpected client error: %s", s)
	}
	// 4. no secret in any node's log (docs/operations.md#3-metrics-logs-openapi)
	for i, l := range allLogs {
		logs := l.String()
		for name, secret := range map[string]string{"API token": created["token"], "webhook secret": endpointSecret} {
			if secret == "" {
				t.Errorf("no %s to look for", name)
			} else if strings.Contains(logs, secret) {
				t.Errorf("node %d logged the %s", i, name)
			}
		}
	}
	nkeys, ok201 := len(cl.keys), 0
	for _, o := range cl.keys {
		if o.status == 201 {
			ok201++
		}
	}
	cl.mu.Unlock()
	var maxRestart time.Duration
	for _, r := range restarts {
		maxRestart = max(maxRestart, r)
	}
	t.Logf("%s: %d kills in %s of workload (slowest restart %s); %d create keys (%d answered 201), %d HTTP attempts, %d 201 answers, %d retried after a connection error, %d retried on 409 in-progress, %d keys abandoned (held by a killed request), %d 429, %d 5xx, %d 4xx; %d events, all received: %v (%d received more than once); deliveries settled in %s; %d violations; total %s",
		db[:strings.IndexByte(db, ':')], done, workloadEnd.Sub(start).Round(time.Millisecond), maxRestart.Round(time.Millisecond), nkeys, ok201,
		stats.attempts.Load(), stats.created.Load(), stats.netRetries.Load(), stats.busyRetries.Load(), stats.stuck.Load(),
		stats.throttled.Load(), stats.serverErrors.Load(), stats.client4xx.Load(), len(exp), len(missing()) == 0, dups,
		deliverTime.Round(time.Millisecond), len(v), time.Since(start).Round(time.Millisecond))
}

// objectCounts counts customers by name and documents by metadata
// crash_key: both are the Idempotency-Key that created them.
func objectCounts(t *testing.T, db *store.DB, ws string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	rows, err := db.QueryContext(context.Background(), `SELECT name FROM customers WHERE workspace_id = $1 AND test_mode = $2`, ws, true)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		counts[name]++
	}
	rows.Close()
	rows, err = db.QueryContext(context.Background(), `SELECT metadata FROM documents WHERE workspace_id = $1 AND test_mode = $2
		UNION ALL SELECT metadata FROM subscriptions WHERE workspace_id = $1 AND test_mode = $2
		UNION ALL SELECT metadata FROM payments WHERE workspace_id = $1 AND test_mode = $2
		UNION ALL SELECT metadata FROM sources WHERE workspace_id = $1 AND test_mode = $2`, ws, true)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var meta string
		if err := rows.Scan(&meta); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.Unmarshal([]byte(meta), &m)
		if k, ok := m["crash_key"].(string); ok {
			counts[k]++
		}
	}
	return counts
}

// crashWorker runs the mixed workload of one client until stop: customers,
// invoices created and finalized, partial credit notes on them, orders
// created, finalized and sometimes cancelled, subscriptions billed,
// invoices paid by card.
func crashWorker(c *crashClient, w int, stop <-chan struct{}) {
	rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
	var customers, finalized []string
	n := 0
	key := func(kind string) string { n++; return fmt.Sprintf("%s-w%d-%d", kind, w, n) }
	date := "2026-06-02"
	amount := func() string { return fmt.Sprintf("%d.%02d", 10+rng.IntN(90), rng.IntN(100)) }
	for {
		select {
		case <-stop:
			return
		default:
		}
		switch op := rng.IntN(10); {
		case op < 2 || len(customers) == 0:
			k := key("cus")
			if st, m := c.post("/customers/", k, "customer", map[string]any{"name": k, "address": "1 Main St", "country": "US", "state": "IL"}); st == 201 {
				customers = append(customers, m["id"].(string))
			}
		case op < 6:
			k := key("inv")
			lines := []any{map[string]any{"name": "Service", "quantity": 1 + rng.IntN(3), "amount": amount()}}
			if rng.IntN(2) == 0 {
				lines = append(lines, map[string]any{"name": "Freight", "quantity": 1, "amount": amount(), "exempt": true})
			}
			st, m := c.post("/invoices/", k, "invoice", map[string]any{"customer": customers[rng.IntN(len(customers))], "document": "US1",
				"date": date, "tax_percent": "8.25", "lines": lines, "metadata": map[string]any{"crash_key": k}})
			if st != 201 || rng.IntN(5) == 0 { // some stay drafts
				continue
			}
			inv := m["id"].(string)
			if st, _ := c.post("/invoices/"+inv+"/finalize/", "fin-"+inv, "", nil); st == 200 {
				finalized = append(finalized, inv)
			}
		case op == 7 && len(finalized) > 0 && rng.IntN(2) == 0:
			// pay an invoice in full with a card: a source, then the
			// payment, each retried with its Idempotency-Key; an invoice
			// paid cannot be credited any more
			i := rng.IntN(len(finalized))
			inv := finalized[i]
			finalized = append(finalized[:i], finalized[i+1:]...)
			st, m := c.get("/invoices/" + inv + "/")
			if st != 200 {
				continue
			}
			ks := key("src")
			st, src := c.post("/sources/", ks, "source", map[string]any{"gateway": "test", "usage": "single", "card": map[string]any{
				"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}, "metadata": map[string]any{"crash_key": ks}})
			if st != 201 {
				continue
			}
			kp := key("pay")
			c.post("/payments/", kp, "payment", map[string]any{"amount": m["total"], "currency": "USD", "date": c.tomorrow, "description": "Invoice " + inv,
				"invoice": inv, "source": src["id"], "metadata": map[string]any{"crash_key": kp}})
		case op < 8 && len(finalized) > 0:
			i := rng.IntN(len(finalized))
			inv := finalized[i]
			finalized = append(finalized[:i], finalized[i+1:]...) // one credit note per invoice
			k := key("crn")
			st, m := c.post("/creditnotes/", k, "credit_note", map[string]any{"invoice": inv, "date": date,
				"lines": []any{map[string]any{"name": "Refund", "quantity": 1, "amount": "1.00"}}, "metadata": map[string]any{"crash_key": k}})
			if st == 201 {
				crn := m["id"].(string)
				c.post("/creditnotes/"+crn+"/finalize/", "fin-"+crn, "", nil)
			}
		case op == 8:
			// a subscription starting tomorrow, billed early by process
			// (its run and the invoice it finalizes), sometimes twice
			k := key("sub")
			st, m := c.post("/subscriptions/", k, "subscription", map[string]any{"customer": customers[rng.IntN(len(customers))], "document": "US1",
				"date_start": c.tomorrow, "lines": []any{map[string]any{"plan": c.plan, "quantity": 1 + rng.IntN(3)}}, "metadata": map[string]any{"crash_key": k}})
			if st != 201 {
				continue
			}
			sub := m["id"].(string)
			c.post("/subscriptions/"+sub+"/process/", "proc1-"+sub, "", nil)
			if rng.IntN(2) == 0 {
				c.post("/subscriptions/"+sub+"/process/", "proc2-"+sub, "", nil)
			}
		default:
			k := key("ord")
			st, m := c.post("/orders/", k, "order", map[string]any{"customer": customers[rng.IntN(len(customers))], "document": "US2", "date": date,
				"lines": []any{map[string]any{"name": "Box", "quantity": 1 + rng.IntN(5), "amount": amount()}}, "metadata": map[string]any{"crash_key": k}})
			if st != 201 {
				continue
			}
			ord := m["id"].(string)
			if st, _ := c.post("/orders/"+ord+"/finalize/", "fin-"+ord, "", nil); st == 200 && rng.IntN(3) == 0 {
				c.post("/orders/"+ord+"/cancel/", "cancel-"+ord, "", nil)
			}
		}
	}
}
