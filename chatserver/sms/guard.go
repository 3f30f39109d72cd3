package sms

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress: the webhook URL leads to an address chatserver
// refuses to call on a tenant's behalf.
var ErrForbiddenAddress = errors.New("the SMS webhook resolves to a forbidden address")

// metadataAddrs are cloud instance-metadata endpoints outside the
// link-local range (Alibaba Cloud; AWS over IPv6).
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("100.100.100.200"),
	netip.MustParseAddr("fd00:ec2::254"),
}

// forbidden says whether a tenant's webhook may not reach a. The webhook
// URL is tenant input, so without this a tenant could make chatserver
// call the node's metadata service or a port on the pod's own loopback
// (server-side request forgery). Private ranges stay allowed: an SMS
// gateway inside the cluster is a normal setup.
func forbidden(a netip.Addr, allowLoopback bool) bool {
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return !allowLoopback
	case a.IsUnspecified(), a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast(),
		a.IsInterfaceLocalMulticast(), a.IsMulticast():
		return true
	}
	for _, m := range metadataAddrs {
		if a == m {
			return true
		}
	}
	return false
}

// guardedClient returns an HTTP client whose every connection, redirects
// included, is checked after name resolution, so a DNS name that
// resolves to a forbidden address is refused too.
func (w *Webhook) guardedClient() *http.Client {
	dialer := &net.Dialer{
		Timeout: 10 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
			}
			if forbidden(ap.Addr(), w.AllowLoopback) {
				return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
			}
			return nil
		},
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DialContext = dialer.DialContext
	return &http.Client{Transport: transport}
}
