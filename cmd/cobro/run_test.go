package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func noenv(string) string { return "" }

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, noenv, &out, &errb)
	return code, out.String(), errb.String()
}

var (
	wsRe    = regexp.MustCompile(`^acc_[0-9A-Za-z]{18}$`)
	userRe  = regexp.MustCompile(`^usr_[0-9A-Za-z]{18}$`)
	tokenRe = regexp.MustCompile(`^sk_[0-9A-Za-z]{40}$`)
)

func TestInitTokenMember(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "cli.db")
	code, out, errs := runCmd(t, "init", "--db", db, "--name", "Andes", "--country", "CL", "--email", "a@andes.cl")
	if code != 0 {
		t.Fatalf("init: %d %s", code, errs)
	}
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("init printed more than one line: %q", out)
	}
	var created map[string]string
	// with an email but no --password: a generated dashboard password, printed once
	if err := json.Unmarshal([]byte(out), &created); err != nil || len(created) != 4 || len(created["password"]) != 20 {
		t.Fatalf("init output %q: %v", out, err)
	}
	if !wsRe.MatchString(created["workspace"]) || !userRe.MatchString(created["user"]) || !tokenRe.MatchString(created["token"]) {
		t.Fatalf("init ids %v", created)
	}
	// each run: a new workspace and user
	_, out2, _ := runCmd(t, "init", "--db", db)
	var second map[string]string
	_ = json.Unmarshal([]byte(out2), &second)
	if second["workspace"] == created["workspace"] || second["user"] == created["user"] {
		t.Fatal("init reused a workspace or user")
	}

	code, out, errs = runCmd(t, "token", "rotate", "--db", db, "--user", created["user"])
	var rotated map[string]string
	if code != 0 || json.Unmarshal([]byte(out), &rotated) != nil || rotated["user"] != created["user"] || !tokenRe.MatchString(rotated["token"]) || rotated["token"] == created["token"] {
		t.Fatalf("token rotate: %d %q %s", code, out, errs)
	}
	code, out, _ = runCmd(t, "member", "add", "--db", db, "--user", created["user"], "--workspace", second["workspace"])
	if code != 0 || !strings.Contains(out, second["workspace"]) {
		t.Fatalf("member add: %d %q", code, out)
	}
	if code, _, errs := runCmd(t, "member", "add", "--db", db, "--user", "usr_nope", "--workspace", second["workspace"]); code != 1 || !strings.Contains(errs, "not found") {
		t.Fatalf("member add unknown user: %d %s", code, errs)
	}
	if code, _, errs := runCmd(t, "init", "--db", db, "--country", "XX"); code != 1 || !strings.Contains(errs, "unknown country") {
		t.Fatalf("init bad country: %d %s", code, errs)
	}
	code, out, _ = runCmd(t, "migrate", "--db", db)
	if code != 0 || !strings.Contains(out, "no pending migrations") {
		t.Fatalf("migrate: %d %q", code, out)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"bogus"}, {"token"}, {"member", "x"}, {"serve", "--nope"}, {"init", "extra"}, {"token", "rotate"}} {
		if code, _, _ := runCmd(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	code, out, _ := runCmd(t, "version")
	if code != 0 || !strings.HasPrefix(out, "cobro ") || strings.Count(out, "\n") != 1 {
		t.Errorf("version: %d %q", code, out)
	}
}

// syncBuffer is a goroutine-safe writer for the server's logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var addrRe = regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)

func waitAddr(t *testing.T, logs func() string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := addrRe.FindStringSubmatch(logs()); m != nil {
			return m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server did not start: %s", logs())
	return ""
}

func TestServeAndStop(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "serve.db")
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan int, 1)
	getenv := func(k string) string {
		if k == "COBRO_DATABASE_URL" {
			return db
		}
		return ""
	}
	go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, getenv, io.Discard, logs) }()
	addr := waitAddr(t, logs.String)
	res, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != `{"status":"ok"}` {
		t.Fatalf("readyz %d %s", res.StatusCode, b)
	}
	_, out, _ := runCmd(t, "init", "--db", db)
	var created map[string]string
	_ = json.Unmarshal([]byte(out), &created)
	req, _ := http.NewRequest("GET", "http://"+addr+"/customers/", nil)
	req.Header.Set("Authorization", "Token "+created["token"])
	req.Header.Set("x-simple-workspace", created["workspace"])
	res, err = http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("list customers: %v %v", err, res)
	}
	res.Body.Close()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, logs.String())
		}
	case <-time.After(35 * time.Second):
		t.Fatal("serve did not stop")
	}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line is not JSON: %q", line)
		}
		if strings.Contains(line, created["token"]) {
			t.Errorf("token in logs: %q", line)
		}
	}
	if !strings.Contains(logs.String(), `"request_id"`) || !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("logs lack request ids or the stop line:\n%s", logs.String())
	}
}

// A real process receiving SIGTERM finishes the request in flight and
// exits 0.
func TestSIGTERMIsGraceful(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "cobro")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	db := "sqlite:" + filepath.Join(dir, "s.db")
	_, out, _ := runCmd(t, "init", "--db", db)
	var created map[string]string
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
		}
	}()
	addr := waitAddr(t, logs.String)
	// A request whose body arrives slowly is in flight when SIGTERM lands.
	pr, pw := io.Pipe()
	type result struct {
		status int
		err    error
	}
	resc := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+addr+"/customers/", pr)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Token "+created["token"])
		req.Header.Set("x-simple-workspace", created["workspace"])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			resc <- result{0, err}
			return
		}
		res.Body.Close()
		resc <- result{res.StatusCode, nil}
	}()
	pw.Write([]byte(`{"name": `))
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	pw.Write([]byte(`"Late Co", "address": "1 Main St", "country": "US", "state": "IL"}`))
	pw.Close()
	r := <-resc
	if r.err != nil || r.status != 201 { // the body was read and the customer created after SIGTERM
		t.Fatalf("in-flight request: %+v", r)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, logs.String())
	}
	if cmd.ProcessState.ExitCode() != 0 {
		t.Fatalf("exit code %d", cmd.ProcessState.ExitCode())
	}
	_ = os.Remove(bin)
}

// startServe starts a real cobro process on db and returns it with its address.
func startServe(t *testing.T, bin, db string, extra ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, extra...)...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, waitAddr(t, logs.String)
}

// A node killed (SIGKILL) after the commit of a change and before the
// delivery of its event: the event is delivered once a node runs again.
func TestEventDeliveredAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "cobro")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	db := "sqlite:" + filepath.Join(dir, "k.db")
	_, out, _ := runCmd(t, "init", "--db", db)
	var created map[string]string
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 10)
	rcv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go rcv.Serve(ln)
	defer rcv.Close()

	call := func(addr, method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Token "+created["token"])
		req.Header.Set("x-simple-workspace", created["workspace"])
		req.Header.Set("x-piriod-test-mode", "true")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	// Node A runs no workers: the change commits, the delivery waits.
	a, addrA := startServe(t, bin, db, "--no-workers")
	if code, m := call(addrA, "POST", "/webhooks/", `{"url": "http://`+ln.Addr().String()+`/hook", "events": ["customer.*"]}`); code != 201 {
		t.Fatalf("register endpoint: %d %v", code, m)
	}
	code, cus := call(addrA, "POST", "/customers/", `{"name": "Kill Co", "address": "x", "country": "US", "state": "IL"}`)
	if code != 201 {
		t.Fatalf("create customer: %d", code)
	}
	if err := a.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = a.Wait()
	select {
	case b := <-got:
		t.Fatalf("delivered before any worker ran: %s", b)
	default:
	}
	// Node B comes up with workers and delivers what A committed.
	startServe(t, bin, db)
	select {
	case b := <-got:
		want := `{"event":"customer.created","object_id":"` + cus["id"].(string) + `"}`
		if b != want {
			t.Fatalf("delivered %s, want %s", b, want)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the event was not delivered after the restart")
	}
}

// The server's own limits (issue 9, item 2): headers over 64 KiB are
// refused with 431, and a client that sends its headers too slowly is cut
// off after the read-header timeout instead of holding a connection.
func TestServerLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the read-header timeout")
	}
	t.Parallel()
	db := "sqlite:" + filepath.Join(t.TempDir(), "limits.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &syncBuffer{}
	go run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--no-scheduler", "--no-workers"}, noenv, io.Discard, logs)
	addr := waitAddr(t, logs.String)

	req, _ := http.NewRequest("GET", "http://"+addr+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 70<<10))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("70 KiB of headers: %d, want 431", res.StatusCode)
	}

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n")); err != nil { // never ends its headers
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err = io.ReadAll(conn)
	if waited := time.Since(start); err != nil || waited < 9*time.Second || waited > 25*time.Second {
		t.Errorf("slow client: connection ended after %s (%v), want the 10 s read-header timeout", waited.Round(time.Millisecond), err)
	}
}

// A bad COBRO_SMTP_URL stops serve at start, without echoing the password.
func TestServeBadSMTPURL(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "smtp.db")
	getenv := func(k string) string {
		if k == "COBRO_SMTP_URL" {
			return "smtp://user:hunter2@mail.example.com"
		}
		return ""
	}
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, getenv, io.Discard, &stderr)
	if code != exitFailure || !strings.Contains(stderr.String(), "from=") || strings.Contains(stderr.String(), "hunter2") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}
