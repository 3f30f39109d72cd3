package server

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	cases := []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"direct client", "198.51.100.7:5000", nil, "198.51.100.7"},
		{"an untrusted peer cannot claim another address", "198.51.100.7:5000", []string{"203.0.113.9"}, "198.51.100.7"},
		{"behind a trusted proxy", "10.1.2.3:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a forged left-most entry is ignored", "10.1.2.3:5000", []string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"two trusted hops", "10.1.2.3:5000", []string{"203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"several header lines read as one list", "10.1.2.3:5000", []string{"1.2.3.4", "203.0.113.9"}, "203.0.113.9"},
		{"trusted proxy without header", "10.1.2.3:5000", nil, "10.1.2.3"},
		{"malformed entry stops at the last trusted hop", "10.1.2.3:5000", []string{"203.0.113.9, garbage"}, "10.1.2.3"},
		{"IPv6 behind a trusted proxy", "[fd00::1]:443", []string{"2001:db8::5"}, "2001:db8::5"},
		{"IPv4-mapped IPv6 peer", "[::ffff:198.51.100.7]:5000", nil, "198.51.100.7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			r.RemoteAddr = c.remote
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientAddr(r, trusted); got.String() != c.want {
				t.Fatalf("clientAddr = %s, want %s", got, c.want)
			}
		})
	}
}
