package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
)

// ErrPrivate is the SSRF refusal (docs/webhooks.md#13-errors).
var ErrPrivate = errors.New("The URL resolves to a private or loopback address.")

// Policy says which addresses a delivery may reach. Live mode refuses
// loopback, private, link-local and metadata addresses unless the operator
// allows private targets; test mode allows loopback so developers can
// receive events on their own machine, unless the operator of a shared
// host turned that off (--test-webhooks-loopback=false).
type Policy struct {
	TestMode       bool
	AllowPrivate   bool
	NoTestLoopback bool
}

var extraBlocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),     // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),      // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),     // benchmarking
	netip.MustParsePrefix("fd00:ec2::254/128"), // AWS metadata over IPv6
	netip.MustParsePrefix("64:ff9b::/96"),      // NAT64 can reach IPv4 private space
	netip.MustParsePrefix("64:ff9b:1::/48"),    // local-use NAT64 (RFC 8215)
	netip.MustParsePrefix("fec0::/10"),         // site-local (deprecated, still routed in places)
	// IPv4-compatible addresses (deprecated): some stacks route ::a.b.c.d
	// to a.b.c.d. Loopback (::1) is decided before this list.
	netip.MustParsePrefix("::/96"),
}

// Allowed reports whether ip may be contacted under p.
func (p Policy) Allowed(ip net.IP) bool {
	if p.AllowPrivate {
		return true
	}
	addr, ok := netip.AddrFromSlice(ip)
	if !ok {
		return false
	}
	addr = addr.Unmap()
	if addr.IsLoopback() {
		return p.TestMode && !p.NoTestLoopback
	}
	if addr.IsPrivate() || addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast() ||
		addr.IsMulticast() || addr.IsUnspecified() {
		return false
	}
	for _, pre := range extraBlocked {
		if pre.Contains(addr) {
			return false
		}
	}
	return true
}

// internal reports whether ip is anything live mode refuses by default:
// what a receiver there answers is not the tenant's to read.
func internal(ip net.IP) bool { return !(Policy{}).Allowed(ip) }

// Resolver looks host names up (net.DefaultResolver; tests inject one).
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// CheckURL resolves the URL's host and refuses it when any address is not
// allowed. Creation calls it; delivery checks again at dial time.
func CheckURL(ctx context.Context, r Resolver, raw string, p Policy) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		if !p.Allowed(ip) {
			return ErrPrivate
		}
		return nil
	}
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		if !p.Allowed(net.IPv6loopback) {
			return ErrPrivate
		}
		return nil
	}
	addrs, err := r.LookupIPAddr(ctx, host)
	if err != nil || len(addrs) == 0 {
		return fmt.Errorf("cannot resolve %s", host)
	}
	for _, a := range addrs {
		if !p.Allowed(a.IP) {
			return ErrPrivate
		}
	}
	return nil
}

type policyKey struct{}

// reachKey holds a *reach the dialer marks when it connects to an
// internal address, so that Send can hold back what such a receiver says.
type reachKey struct{}

type reach struct{ internal atomic.Bool }

// watchReach returns ctx carrying a fresh reach, marked by the dialer and,
// for a reused connection (not dialed again), by the connection trace.
func watchReach(ctx context.Context) (context.Context, *reach) {
	r := &reach{}
	ctx = context.WithValue(ctx, reachKey{}, r)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(c httptrace.GotConnInfo) {
		if a, ok := c.Conn.RemoteAddr().(*net.TCPAddr); ok && internal(a.IP) {
			r.internal.Store(true)
		}
	}}), r
}

func noteReach(ctx context.Context, ip net.IP) {
	if r, ok := ctx.Value(reachKey{}).(*reach); ok && internal(ip) {
		r.internal.Store(true)
	}
}

// dialer refuses, at connection time, addresses the request's policy does
// not allow: DNS may have changed since the endpoint was created.
func dialer(base *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		p, _ := ctx.Value(policyKey{}).(Policy)
		d := *base
		d.Control = nil
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil {
			return nil, err
		}
		var lastErr error = ErrPrivate
		for _, ip := range ips {
			if !p.Allowed(ip.IP) {
				continue
			}
			noteReach(ctx, ip.IP)
			c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.IP.String(), port))
			if err == nil {
				return c, nil
			}
			lastErr = err
		}
		return nil, lastErr
	}
}
