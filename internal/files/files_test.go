package files

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSignAndCheck(t *testing.T) {
	secret := []byte("k")
	now := time.Unix(1_700_000_000, 0)
	u, err := url.Parse(URL("https://b.example", secret, "fil_abc", now))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/files/fil_abc" || !Check(secret, u.Path, q.Get("expires"), q.Get("signature"), now.Add(time.Hour)) {
		t.Fatalf("fresh URL rejected: %s", u)
	}
	if Check(secret, u.Path, q.Get("expires"), q.Get("signature"), now.Add(TTL+time.Second)) {
		t.Error("expired URL accepted")
	}
	if Check([]byte("other"), u.Path, q.Get("expires"), q.Get("signature"), now) {
		t.Error("other secret accepted")
	}
	if Check(secret, "/files/fil_abd", q.Get("expires"), q.Get("signature"), now) {
		t.Error("other path accepted")
	}
	if Check(secret, u.Path, q.Get("expires")+"0", q.Get("signature"), now) {
		t.Error("extended expiry accepted")
	}
	if Check(secret, u.Path, q.Get("expires"), strings.ToUpper(q.Get("signature")), now) {
		t.Error("altered signature accepted")
	}
}
