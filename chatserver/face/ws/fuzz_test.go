package ws

import (
	"bufio"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeFrame feeds decodeFrame arbitrary client frames. It never
// panics, decodes only JSON, and targetID reads a string target_id as its
// value, a number as its literal, and anything else as no target.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"send","client_msg_id":"c1","target_type":"single","target_id":"bob","msg_type":"text","msg_body":{"text":"hi"}}`,
		`{"type":"send","target_type":"group","target_id":10001,"msg_type":"text","msg_body":{"text":"hi"},"notification":{"title":"t"}}`,
		`{"type":"ack","seq":42}`,
		`{"type":"read","conversation":"single:bob","msg_id":7}`,
		`{"type":"ping"}`,
		`{"type":"send","target_id":1e400}`,
		`{"type":"send","target_id":-0.5e-3}`,
		`{"type":"send","target_id":"\u0000\ud800"}`,
		`{"type":"send","target_id":null}`,
		`{"type":"send","target_id":[1]}`,
		`{"type":"send","target_id":{"id":"bob"}}`,
		`{"type":"send","target_id":true}`,
		`{"TYPE":"send","Target_ID":"x","target_id":"y"}`,
		`{"type":1}`,
		`{"seq":9223372036854775808}`,
		`null`, `[]`, `"send"`, `{`, "{\"type\":\"\xff\"}", ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		frame, err := decodeFrame(data)
		if err != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatalf("decodeFrame accepted %q, which is not JSON", data)
		}
		got := frame.targetID()
		raw := string(frame.TargetID)
		var want string
		switch {
		case strings.HasPrefix(raw, `"`):
			if err := json.Unmarshal(frame.TargetID, &want); err != nil {
				t.Fatalf("target_id %s: %v", raw, err)
			}
		case raw != "" && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9'):
			want = raw
		}
		if got != want {
			t.Fatalf("targetID of %s = %q, want %q", raw, got, want)
		}
	})
}

// FuzzTargetID sends target_id as a JSON string, an integer and a float:
// targetID gives back the string, and each number as it was written.
func FuzzTargetID(f *testing.F) {
	f.Add("bob", int64(10001), 1.5)
	f.Add("", int64(0), 0.0)
	f.Add("张三 🙂", int64(math.MaxInt64), math.MaxFloat64)
	f.Add("\"\\\x00</script>\u2028", int64(math.MinInt64), -5e-324)
	f.Add("\xff", int64(-1), math.Inf(1))
	f.Fuzz(func(t *testing.T, s string, n int64, x float64) {
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD") // what json.Marshal sends
		}
		id, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		literals := []string{strconv.FormatInt(n, 10)}
		if !math.IsInf(x, 0) && !math.IsNaN(x) {
			literals = append(literals, strconv.FormatFloat(x, 'g', -1, 64), strconv.FormatFloat(x, 'f', -1, 64))
		}
		want := map[string]string{string(id): s}
		for _, l := range literals {
			want[l] = l
		}
		for raw, w := range want {
			frame, err := decodeFrame([]byte(`{"type":"send","target_id":` + raw + `}`))
			if err != nil {
				t.Fatalf("target_id %s: %v", raw, err)
			}
			if got := frame.targetID(); got != w {
				t.Fatalf("targetID of %s = %q, want %q", raw, got, w)
			}
		}
	})
}

// readRequest parses a gateway request as the server reads it off the
// wire, or reports that no server would accept it.
func readRequest(query string, header ...string) (*http.Request, bool) {
	raw := "GET /apps/app/ws?" + query + " HTTP/1.1\r\nHost: chat.example\r\n"
	for i := 0; i+1 < len(header); i += 2 {
		raw += header[i] + ": " + header[i+1] + "\r\n"
	}
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw + "\r\n")))
	return r, err == nil
}

// FuzzToken reads gateway requests with arbitrary Authorization headers
// and queries. A header with the Bearer scheme, in any case, gives its
// credentials, trimmed, and the query is not consulted; without one the
// token is the token query parameter.
func FuzzToken(f *testing.F) {
	for _, seed := range [][2]string{
		{"Bearer 0123456789abcdef", ""},
		{"bearer tok", "token=other"},
		{"BEARER  tok  ", ""},
		{"Bearer", "token=q"},
		{"Bearer \u00a0", "token=q"},
		{"Basic YWxhZGRpbjpvcGVuc2VzYW1l", "token=q"},
		{"Bearertok", "token=q"},
		{"", "token=q&token=r"},
		{"", "token=%20a%2Bb+c&since=5"},
		{"Digest bearer x", "token=%zz"},
		{"Bearer a\tb", ";token=q"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, authorization, query string) {
		r, ok := readRequest(query, "Authorization", authorization)
		if !ok {
			return
		}
		got := token(r)
		h := r.Header.Get("Authorization")
		if scheme, cred, found := strings.Cut(h, " "); found && strings.EqualFold(scheme, "bearer") {
			if want := strings.TrimSpace(cred); got != want {
				t.Fatalf("Authorization %q: token = %q, want %q", h, got, want)
			}
			return
		}
		if want := r.URL.Query().Get("token"); got != want {
			t.Fatalf("Authorization %q, query %q: token = %q, want the query's %q", h, r.URL.RawQuery, got, want)
		}
	})
}
