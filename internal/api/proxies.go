package api

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Forwarding headers (X-Forwarded-For, -Proto, -Host) are honoured only
// from peers in the operator's --trusted-proxies (issue 13, finding 9):
// any other client could write them, and the client IP keys the
// publishable rate limit and is recorded with payments.

// ParseProxies reads a comma-separated list of CIDRs or single addresses
// (the --trusted-proxies flag); "" is none.
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not an address or CIDR (e.g. 10.0.0.0/8, 127.0.0.1)", part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// trustedAddr reports whether ip (text, any form) is one of the proxies.
func (s *Server) trustedAddr(ip string) bool {
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range s.opt.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// trustedPeer reports whether the connection comes from a trusted proxy.
func (s *Server) trustedPeer(remote string) bool { return s.trustedAddr(peerHost(remote)) }

func peerHost(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}

// clientAddr is the peer, or, behind trusted proxies, the nearest address
// in X-Forwarded-For that is not itself a trusted proxy: hops to its left
// were written by the client and prove nothing.
func (s *Server) clientAddr(r *http.Request) string {
	client := peerHost(r.RemoteAddr)
	if !s.trustedAddr(client) {
		return client
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a garbled hop: keep the last address a proxy vouched for
		}
		client = a.Unmap().String()
		if !s.trustedAddr(client) {
			break
		}
	}
	return client
}

// clientIP is the client address outer() settled for the request.
func clientIP(r *http.Request) string {
	if info, ok := r.Context().Value(infoKey{}).(*reqInfo); ok && info.client != "" {
		return info.client
	}
	return peerHost(r.RemoteAddr)
}
