package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Verify checks a Cobro webhook request with the endpoint's secret
// ("whsecret_…"): webhook-signature (any of its values) over id, timestamp
// and raw body, a timestamp within 5 minutes, and x-piriod-signature.
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	ts := h.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return errors.New("webhook-timestamp missing or too old")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(h.Get("webhook-id") + "." + ts + "."))
	mac.Write(body)
	want := []byte("v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	ok := false
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		ok = hmac.Equal([]byte(sig), want) || ok
	}
	if !ok {
		return errors.New("bad webhook-signature")
	}
	var b struct {
		Event    string `json:"event"`
		ObjectID string `json:"object_id"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return err
	}
	mac = hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(b.Event + b.ObjectID))
	if !hmac.Equal([]byte(h.Get("x-piriod-signature")), []byte(hex.EncodeToString(mac.Sum(nil)))) {
		return errors.New("bad x-piriod-signature")
	}
	return nil
}

// The docs/webhooks.md#44-test-vector test vector of docs/webhooks.md, checked with Verify.
func Example_verify() {
	secret := "whsecret_44r5V2M8MUXRBY7XLeYhm0Hbhi1gKfoSJwD9AvXiwgMPixeQW8tb"
	body := []byte(`{"event":"invoice.finalized","object_id":"inv_95kreTFdLpltAZZ3Ln"}`)
	h := http.Header{}
	h.Set("webhook-id", "evt_QgZsJGjMZXVfy3baz0")
	h.Set("webhook-timestamp", "1748880000")
	h.Set("webhook-signature", "v1,bm90IHRoaXMgb25l v1,a3QDTJhAtocYIV1oQZJY+WGpNUaM/3luoVWNT9CqQLI=")
	h.Set("x-piriod-signature", "5039553788622e5f03abe1396f64a17e42739650dcfad565c90cfa709d6d6e30")

	fmt.Println(Verify(secret, h, body, time.Unix(1748880000+120, 0)))
	fmt.Println(Verify(secret, h, body, time.Unix(1748880000+301, 0)))
	fmt.Println(Verify(secret, h, []byte(`{"event":"invoice.finalized","object_id":"inv_other"}`), time.Unix(1748880000, 0)))
	h.Set("x-piriod-signature", strings.Repeat("0", 64))
	fmt.Println(Verify(secret, h, body, time.Unix(1748880000, 0)))
	fmt.Println(Verify("whsecret_other", h, body, time.Unix(1748880000, 0)))
	// Output:
	// <nil>
	// webhook-timestamp missing or too old
	// bad webhook-signature
	// bad x-piriod-signature
	// bad webhook-signature
}

// The README's "Verifying webhook signatures" snippet is Verify, verbatim,
// so the documented code is the tested code.
func TestReadmeHasVerify(t *testing.T) {
	src, err := os.ReadFile("verify_example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(src), "// Verify checks")
	end := strings.Index(string(src), "\n}\n")
	if start < 0 || end < start {
		t.Fatal("Verify not found in verify_example_test.go")
	}
	fn := string(src[start : end+3])
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "## Verifying webhook signatures") {
		t.Error(`README.md has no "Verifying webhook signatures" section`)
	}
	if !strings.Contains(string(readme), fn) {
		t.Errorf("README.md does not contain Verify verbatim; expected:\n%s", fn)
	}
}
