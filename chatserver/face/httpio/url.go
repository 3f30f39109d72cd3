package httpio

import (
	"net/http"
	"net/url"
	"strings"
)

// AbsoluteURL points at path on the host the client called, over the
// scheme it used: X-Forwarded-Proto from a TLS-terminating proxy, else
// whether this connection is TLS.
func AbsoluteURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ","); p != "" {
		switch p = strings.ToLower(strings.TrimSpace(p)); p {
		case "http", "https":
			scheme = p
		}
	}
	return (&url.URL{Scheme: scheme, Host: r.Host, Path: path}).String()
}

// HeaderHasToken reports whether a comma-separated header (Connection,
// Upgrade) holds token, case-insensitively.
func HeaderHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
