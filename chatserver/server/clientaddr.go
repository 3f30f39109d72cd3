package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/chat-operator/chat-operator/chatserver/core"
)

// withClientAddr tells the core which address each request came from,
// for the per-address limits on logins and code checks. Behind a proxy
// (an ingress controller) every request comes from the proxy, so for a
// peer in trusted the address is taken from X-Forwarded-For instead: the
// right-most entry that is not itself a trusted proxy, since anything to
// its left was written by the client and can be forged.
func withClientAddr(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if addr := clientAddr(r, trusted); addr.IsValid() {
			r = r.WithContext(core.WithClientAddr(r.Context(), addr.String()))
		}
		next.ServeHTTP(w, r)
	})
}

func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	peer = peer.Unmap()
	if !within(peer, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// A malformed entry ends what can be trusted; the last
			// trusted proxy is the best address left.
			return peer
		}
		hop = hop.Unmap()
		if !within(hop, trusted) {
			return hop
		}
		peer = hop
	}
	return peer
}

func within(a netip.Addr, prefixes []netip.Prefix) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
