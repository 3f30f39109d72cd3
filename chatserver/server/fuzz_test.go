package server_test

import (
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// FuzzRouteBody sends any body, under any content type, to any route of
// the route table, through every face's own body decoding (JSON, and the
// multipart of the upload routes): none may answer 5xx, and every refusal
// is well-formed in the face's envelope. It runs on SQLite, the store the
// fuzzing worker can open at once; the hostile-input suite runs the same
// checks on both stores.
func FuzzRouteBody(f *testing.F) {
	srv := testutil.StartServer(f, testutil.Backends(f)[0])
	tn := newHostileTenant(f, srv, "fuzz")
	var routes []string
	for _, pattern := range srv.Routes {
		if method, _, _ := strings.Cut(pattern, " "); method != "GET" {
			routes = append(routes, pattern)
		}
	}
	const form = "multipart/form-data; boundary=xyz"
	for i := range routes {
		f.Add(uint16(i), "application/json", []byte(`{"username":"alice","password":"secret"}`))
		f.Add(uint16(i), form, []byte("--xyz\r\nContent-Disposition: form-data; name=\"filename\"; filename=\"a.png\"\r\n\r\n\x89PNG\r\n--xyz--\r\n"))
	}
	f.Add(uint16(0), "application/json; charset=utf-8", []byte(`[{"username":"a\u0000b"}]`))
	f.Add(uint16(1), form, []byte("--xyz\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nt\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\xff\"\r\n\r\nx\r\n--xy"))
	f.Fuzz(func(t *testing.T, route uint16, contentType string, body []byte) {
		if strings.ContainsFunc(contentType, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			t.Skip("a header value no HTTP client sends")
		}
		pattern := routes[int(route)%len(routes)]
		method, tmpl, _ := strings.Cut(pattern, " ")
		tmpl = strings.TrimSuffix(tmpl, "{$}")
		path := tmpl
		for k, v := range tn.vars {
			path = strings.ReplaceAll(path, "{"+k+"}", v)
		}
		v := hostileVariant{name: pattern, path: path, contentType: contentType, body: body}
		resp := sendHostile(t, srv, tn, method, v)
		if resp.status >= 500 {
			t.Fatalf("%s with %q %q: %d %.300s", pattern, contentType, body, resp.status, resp.body)
		}
		checkWellFormed(t, tmpl, pattern, resp)
	})
}
