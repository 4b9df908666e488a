package api

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// Issue 13 finding 6: whatever keys clients send, the publishable limiter
// holds at most its capacity, and a key in use keeps its bucket.
func TestPublicLimiterBound(t *testing.T) {
	const capacity = 500
	l := newIPLimiter(2, capacity)
	now := time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)
	hot := "203.0.113.1 link pk_hot"
	l.allow(hot, now)
	l.allow(hot, now)
	for i := range 20_000 {
		l.allow(fmt.Sprintf("198.51.%d.%d link pk_%060d", i/256%256, i%256, i), now)
		if i%100 == 0 {
			if ok, _ := l.allow(hot, now); ok { // the hot key stays used, so stays held: still out of tokens
				t.Fatalf("after %d keys the exhausted key was allowed again", i)
			}
		}
		if n := l.len(); n > capacity {
			t.Fatalf("%d buckets after %d keys, capacity %d", n, i+1, capacity)
		}
	}
	if n := l.len(); n != capacity {
		t.Errorf("%d buckets, want %d", n, capacity)
	}
}

// Issue 13 finding 9: X-Forwarded-For counts only from trusted proxies,
// and only up to the nearest hop a trusted proxy did not write.
func TestClientAddr(t *testing.T) {
	proxies, err := ParseProxies(" 10.0.0.0/8, 127.0.0.1 ,::1, 192.168.1.7/16")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("192.168.0.0/16")}
	if fmt.Sprint(proxies) != fmt.Sprint(want) {
		t.Fatalf("parsed %v", proxies)
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0", "::1/129"} {
		if _, err := ParseProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if p, err := ParseProxies(" , "); err != nil || len(p) != 0 {
		t.Errorf("empty list: %v %v", p, err)
	}
	trusting := &Server{opt: Options{TrustedProxies: proxies}}
	none := &Server{}
	for _, tc := range []struct {
		s          *Server
		peer       string
		xff        []string
		want, note string
	}{
		{none, "127.0.0.1:5000", []string{"203.0.113.9"}, "127.0.0.1", "no proxy is trusted by default, not even loopback"},
		{none, "10.1.1.1:5000", []string{"203.0.113.9"}, "10.1.1.1", "nor private peers"},
		{trusting, "203.0.113.50:5000", []string{"198.51.100.1"}, "203.0.113.50", "an untrusted peer's header is ignored"},
		{trusting, "127.0.0.1:5000", []string{"198.51.100.1"}, "198.51.100.1", "one trusted proxy"},
		{trusting, "127.0.0.1:5000", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1", "a hop the client wrote is ignored"},
		{trusting, "127.0.0.1:5000", []string{"6.6.6.6", "198.51.100.1, 10.2.3.4"}, "198.51.100.1", "two proxies, two headers"},
		{trusting, "[::1]:5000", []string{"10.9.9.9, 10.2.3.4"}, "10.9.9.9", "all hops trusted: the farthest"},
		{trusting, "127.0.0.1:5000", []string{"garbage, 10.2.3.4"}, "10.2.3.4", "a garbled hop stops the walk"},
		{trusting, "127.0.0.1:5000", []string{"::ffff:198.51.100.2"}, "198.51.100.2", "mapped addresses unmapped"},
		{trusting, "127.0.0.1:5000", nil, "127.0.0.1", "no header"},
	} {
		r, _ := http.NewRequest("POST", "http://x/", nil)
		r.RemoteAddr = tc.peer
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := tc.s.clientAddr(r); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.note, got, tc.want)
		}
	}
}

// The client address is the peer or an address some X-Forwarded-For hop
// holds, whatever the header says; proxy lists parse or fail cleanly.
func FuzzForwardedFor(f *testing.F) {
	f.Add("127.0.0.1:5000", "6.6.6.6, 198.51.100.1", "127.0.0.0/8")
	f.Add("[::1]:1", "garbage,,::ffff:1.2.3.4 , 10.0.0.1", "::1,10.0.0.0/8")
	f.Add("10.0.0.1", "", "10.0.0.1")
	f.Fuzz(func(t *testing.T, peer, xff, proxies string) {
		list, err := ParseProxies(proxies)
		if err != nil {
			return
		}
		s := &Server{opt: Options{TrustedProxies: list}}
		r, _ := http.NewRequest("GET", "http://x/", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-Forwarded-For", xff)
		got := s.clientAddr(r)
		if got == peerHost(peer) {
			return
		}
		if !s.trustedPeer(peer) {
			t.Fatalf("untrusted peer %q, client %q from %q", peer, got, xff)
		}
		for _, hop := range strings.Split(xff, ",") {
			if a, err := netip.ParseAddr(strings.TrimSpace(hop)); err == nil && a.Unmap().String() == got {
				return
			}
		}
		t.Fatalf("client %q is neither the peer nor a hop of %q", got, xff)
	})
}
