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
