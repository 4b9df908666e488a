package webhook_test

import (
	"net"
	"testing"

	"github.com/cobrobilling/cobro/internal/webhook"
)

// Issue 13 finding 10: addresses that reach loopback, private or
// site-local space through IPv6 encodings are refused in live mode, and in
// test mode too (only loopback itself is a test-mode target).
func TestPolicyRefusesIPv6EncodingsOfInternalSpace(t *testing.T) {
	refused := []string{
		"fec0::1",                  // site-local (deprecated, still routed on some networks)
		"feff:ffff::1",             // end of fec0::/10
		"::7f00:1",                 // IPv4-compatible 127.0.0.1
		"::a00:1",                  // IPv4-compatible 10.0.0.1
		"::a9fe:a9fe",              // IPv4-compatible 169.254.169.254
		"::808:808",                // IPv4-compatible, even of a public address
		"64:ff9b::7f00:1",          // NAT64 of 127.0.0.1
		"64:ff9b::a9fe:a9fe",       // NAT64 of the metadata address
		"64:ff9b:1::a00:1",         // local-use NAT64
		"64:ff9b:1:ffff:ffff::1",   // end of 64:ff9b:1::/48
		"::ffff:10.0.0.1",          // IPv4-mapped private
		"fc00::1", "fe80::1", "::", // unique local, link-local, unspecified
		"169.254.169.254", "10.1.2.3", "100.64.0.1",
	}
	for _, mode := range []webhook.Policy{{}, {TestMode: true}} {
		for _, s := range refused {
			if mode.Allowed(net.ParseIP(s)) {
				t.Errorf("%+v allows %s", mode, s)
			}
		}
	}
	allowed := []string{"203.0.113.9", "2001:db8::1", "2606:4700::1111", "64:ff9b:2::1", "fe00::1"}
	for _, s := range allowed {
		if !(webhook.Policy{}).Allowed(net.ParseIP(s)) {
			t.Errorf("live mode refuses public %s", s)
		}
	}
	// loopback is a test-mode target unless the operator turned it off
	for _, s := range []string{"127.0.0.1", "::1", "::ffff:127.0.0.1"} {
		if !(webhook.Policy{TestMode: true}).Allowed(net.ParseIP(s)) {
			t.Errorf("test mode refuses %s", s)
		}
		if (webhook.Policy{}).Allowed(net.ParseIP(s)) {
			t.Errorf("live mode allows %s", s)
		}
	}
}
