package server

import (
	"net/http"
	"net/url"

	"github.com/chat-operator/chat-operator/chatserver/text"
)

// refuseBadText answers 400, in the envelope of the face the path belongs
// to, a request whose path, query or Basic credentials hold a NUL byte or
// invalid UTF-8 (percent-encoded or not). No handler sees it, so no face
// can pass such text to the store, and both stores answer alike. Bodies
// are checked by the faces' decoding (httpio), which knows their format.
func refuseBadText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if msg := badText(r); msg != "" {
			writeStatusError(w, r.URL.Path, http.StatusBadRequest, msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// badText says what part of r breaks the text rule, or "".
func badText(r *http.Request) string {
	const rule = " holds a NUL byte or invalid UTF-8"
	if !text.Valid(r.URL.Path) {
		return "the request path" + rule
	}
	if r.URL.RawQuery != "" {
		// ParseQuery drops pairs it cannot decode; the rest is what
		// handlers read.
		q, _ := url.ParseQuery(r.URL.RawQuery)
		for k, vs := range q {
			if !text.Valid(k) {
				return "a query parameter name" + rule
			}
			for _, v := range vs {
				if !text.Valid(v) {
					return "query parameter " + k + rule
				}
			}
		}
	}
	if user, pass, ok := r.BasicAuth(); ok && (!text.Valid(user) || !text.Valid(pass)) {
		return "the Basic credentials" + rule
	}
	return ""
}
