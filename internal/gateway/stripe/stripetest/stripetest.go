// Package stripetest runs stripe-mock, Stripe's own mock of its API, on a
// free loopback port for tests (.ci/run installs the pinned version with
// go install). Without it a test is skipped on a developer machine and
// fails in CI (CI=true), so CI cannot pass by skipping. Proxy sits in
// front of it to keep the state stripe-mock does not (proxy.go).
package stripetest

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// binary finds stripe-mock on PATH or in Go's bin directory.
func binary() string {
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p
	}
	dirs := []string{os.Getenv("GOBIN")}
	if gp := os.Getenv("GOPATH"); gp != "" {
		dirs = append(dirs, filepath.Join(gp, "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, "stripe-mock")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// Version is the stripe-mock .ci/run installs (keep the two equal).
const Version = "v0.203.0"

func missing(t testing.TB, what string) {
	t.Helper()
	msg := what + " (.ci/run installs it: go install github.com/stripe/stripe-mock@" + Version + ")"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip("SKIP: " + msg)
}

// Resources are stripe-mock's fixtures by object name ("payment_intent",
// "setup_intent", …): what it answers for every object of the kind.
type Resources map[string]map[string]any

// Start runs stripe-mock for the test and returns its base URL
// (http://127.0.0.1:port). It stops when the test ends.
func Start(t testing.TB) string {
	t.Helper()
	return StartWith(t, nil)
}

// StartWith runs stripe-mock with its bundled fixtures changed by patch
// (stripe-mock is stateless: its -fixtures flag decides, for instance,
// whether every PaymentIntent it returns has succeeded or needs 3-D
// Secure). nil patch keeps the bundled fixtures.
func StartWith(t testing.TB, patch func(Resources)) string {
	t.Helper()
	bin := binary()
	if bin == "" {
		missing(t, "stripe-mock is not installed")
	}
	args := []string{"-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0"}
	if patch != nil {
		args = append(args, "-fixtures", fixtures(t, patch))
	}
	ctx, cancel := context.WithCancel(context.Background())
	// Both listeners on free loopback ports: parallel tests never collide.
	cmd := exec.CommandContext(ctx, bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "Listening for HTTP at address: "); ok {
				addr <- strings.TrimSpace(rest)
			}
		}
	}()
	select {
	case a := <-addr:
		return "http://" + a
	case <-time.After(60 * time.Second):
		t.Fatal("stripe-mock did not start listening within 60 s")
	}
	return ""
}

// fixtures writes stripe-mock's bundled fixtures, patched, to a file of
// the test. They are read from the module go install downloaded.
func fixtures(t testing.TB, patch func(Resources)) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOMODCACHE: %v", err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "github.com", "stripe", "stripe-mock@"+Version, "embedded", "openapi", "fixtures3.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		missing(t, "stripe-mock's fixtures are not in the module cache ("+path+")")
	}
	var doc struct {
		Resources Resources `json:"resources"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("stripe-mock fixtures: %v", err)
	}
	patch(doc.Resources)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "fixtures.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// Succeeding makes every PaymentIntent succeed (captured, with room for
// any amount) and every SetupIntent save its card to a customer: the
// happy path of a payment through the stripe gateway.
func Succeeding(r Resources) {
	r["payment_intent"]["status"] = "succeeded"
	r["payment_intent"]["amount_capturable"] = 0
	r["payment_intent"]["amount_received"] = 99_999_999
	r["payment_intent"]["last_payment_error"] = nil
	r["payment_intent"]["next_action"] = nil
	r["setup_intent"]["status"] = "succeeded"
	r["setup_intent"]["last_setup_error"] = nil
	r["setup_intent"]["next_action"] = nil
}

// Declining makes every PaymentIntent a card declined by the bank.
func Declining(r Resources) {
	r["payment_intent"]["status"] = "requires_payment_method"
	r["payment_intent"]["next_action"] = nil
	r["payment_intent"]["last_payment_error"] = map[string]any{"type": "card_error", "code": "card_declined", "decline_code": "generic_decline", "message": "Your card was declined."}
}

// Authenticating makes every PaymentIntent wait for 3-D Secure at url.
func Authenticating(url string) func(Resources) {
	return func(r Resources) {
		r["payment_intent"]["status"] = "requires_action"
		r["payment_intent"]["last_payment_error"] = nil
		r["payment_intent"]["next_action"] = map[string]any{"type": "redirect_to_url", "redirect_to_url": map[string]any{"url": url, "return_url": nil}}
	}
}
