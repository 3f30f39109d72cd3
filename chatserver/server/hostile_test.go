package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// The hostile-input suite walks every route the server registered (its
// route table, so a new route is covered without naming it here) and
// sends each what an attacker would: malformed, oversized and deeply
// nested bodies, NUL bytes and invalid UTF-8 in bodies, paths and queries,
// huge numbers, wrong types, and another tenant's ids. On both stores,
// none may answer 5xx, every answer is well-formed (valid UTF-8 JSON in
// the face's envelope), and a refused request writes nothing.
func TestHostileInputOnEveryRoute(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		srv := testutil.StartServer(t, b)
		digest := srv.Digests(t)
		other := newHostileTenant(t, srv, "other")
		if len(srv.Routes) < 100 {
			t.Fatalf("the route table has %d routes; the faces register more than 100", len(srv.Routes))
		}
		requests := 0
		for _, pattern := range srv.Routes {
			method, tmpl, _ := strings.Cut(pattern, " ")
			tmpl = strings.TrimSuffix(tmpl, "{$}")
			t.Run(pattern, func(t *testing.T) {
				tn := newHostileTenant(t, srv, "mine")
				before := digest()
				for _, v := range hostileVariants(method, tmpl, tn, other) {
					requests++
					resp := sendHostile(t, srv, tn, method, v)
					if resp.status >= 500 {
						t.Errorf("%s: %d %.300s", v.name, resp.status, resp.body)
					}
					checkWellFormed(t, tmpl, v.name, resp)
					if other.secret != "" && bytes.Contains(resp.body, []byte(other.secret)) {
						t.Errorf("%s: the answer shows the other tenant's data: %.300s", v.name, resp.body)
					}
					after := digest()
					if resp.status >= 400 && after != before {
						t.Errorf("%s: refused with %d but the database changed: %.300s", v.name, resp.status, resp.body)
					}
					before = after
				}
			})
		}
		t.Logf("%d hostile requests over %d routes", requests, len(srv.Routes))
	})
}

// hostileTenant is an app with users, a group, a chatroom, a message and
// an end-user session to aim at.
type hostileTenant struct {
	app     testutil.App
	session string
	vars    map[string]string
	// secret is a name only this tenant's data holds, which no other
	// tenant's answer may show.
	secret string
}

func newHostileTenant(t testing.TB, srv *testutil.Server, label string) hostileTenant {
	t.Helper()
	app := srv.CreateApp(t, nil)
	secret := "secret-" + label + "-" + testutil.NewKey()[:8]
	must := func(r testutil.Response, want int) testutil.Response {
		t.Helper()
		if r.Status != want {
			t.Fatalf("setting up a tenant: %d %s", r.Status, r.Body)
		}
		return r
	}
	must(srv.Do(t, "POST", "/v1/users/", app.As(), []map[string]string{
		{"username": "alice", "password": "password1"}, {"username": "bobby", "password": "password1"},
		{"username": "carol_" + label, "password": "password1"},
	}), 201)
	var g struct {
		GID int64 `json:"gid"`
	}
	must(srv.Do(t, "POST", "/v1/groups/", app.As(), map[string]any{"owner_username": "alice", "name": secret,
		"members_username": []string{"bobby"}}), 201).JSON(t, &g)
	var room struct {
		ID int64 `json:"chatroom_id"`
	}
	must(srv.Do(t, "POST", "/v1/chatroom/", app.As(), map[string]any{"owner_username": "alice", "name": secret,
		"members_username": []string{"bobby"}}), 201).JSON(t, &room)
	var msg struct {
		ID int64 `json:"msg_id"`
	}
	must(srv.Do(t, "POST", "/v1/messages", app.As(), map[string]any{"version": 1, "target_type": "single",
		"target_id": "bobby", "from_type": "user", "from_id": "alice", "msg_type": "text",
		"msg_body": map[string]any{"text": secret}}), 201).JSON(t, &msg)
	a, err := srv.Svc.GetApp(context.Background(), app.Key)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := srv.Svc.CreateSession(context.Background(), a, "alice", "hostile")
	if err != nil {
		t.Fatal(err)
	}
	return hostileTenant{app: app, session: token, secret: secret, vars: map[string]string{
		"appKey": app.Key, "username": "alice", "gid": fmt.Sprint(g.GID), "room_id": fmt.Sprint(room.ID),
		"msgid": fmt.Sprint(msg.ID), "id": "ABCDEFGH", "version": "0", "region": "86",
		"phone": "13800000000", "file": "x.png", "token": "nope",
	}}
}

// hostileVariant is one request: its path (already filled in), raw query
// and body.
type hostileVariant struct {
	name, path, query, contentType string
	body                           []byte
}

// fields are names the faces' bodies use; a hostile body sets all of them
// at once, so whichever a route reads meets the hostile value.
var fields = []string{
	"username", "password", "new_password", "old_password", "nickname", "avatar", "birthday", "signature",
	"gender", "region", "address", "extras", "name", "desc", "description", "owner_username", "members_username",
	"flag", "version", "target_type", "target_id", "target_appkey", "from_type", "from_id", "from_name",
	"msg_type", "msg_body", "text", "word", "old_word", "new_word", "status", "appkey", "appKey", "users",
	"usernames", "add", "remove", "note_name", "others", "group", "single", "start", "count", "phone", "code",
	"verification_token", "id", "friendId", "groupId", "memberIds", "displayName", "stAccount", "portraitUri",
	"masterSecret", "disabled", "limits", "features", "captcha", "ticket", "privacy", "phoneVerify",
	"stSearchVerify", "friVerify", "groupVerify", "pokeStatus", "mediaId", "media_id", "room_id", "chatroom_id",
	"forbidden", "is_allow", "owner", "no_disturb", "shield", "msg_id", "begin_time", "end_time",
}

// objectOf is a body setting every field to v.
func objectOf(v any) []byte {
	m := map[string]any{}
	for _, f := range fields {
		m[f] = v
	}
	b, _ := json.Marshal(m)
	return b
}

// hostileValues are what each field (and each array) is set to.
func hostileValues() []struct {
	name string
	v    any
} {
	nul := "a\u0000b"
	huge := json.Number("99999999999999999999999999999999")
	return []struct {
		name string
		v    any
	}{
		{"NUL in strings", nul},
		{"NUL in nested strings", map[string]any{"text": nul, "extras": map[string]any{"k": nul}, "media_id": nul}},
		{"huge integers", huge},
		{"huge negative", json.Number("-99999999999999999999999999999999")},
		{"huge float", json.Number("1e308")},
		{"over int64", json.Number("9223372036854775808")},
		{"negative", json.Number("-1")},
		{"objects", map[string]any{"a": map[string]any{"b": 1}}},
		{"arrays", []any{1, "x", nil}},
		{"booleans", true},
		{"nulls", nil},
		{"long strings", strings.Repeat("x", 70<<10)},
	}
}

// invalidUTF8Body is a body holding bytes that are not UTF-8 inside its
// strings, which encoding/json would otherwise turn into U+FFFD silently.
func invalidUTF8Body() []byte {
	return bytes.ReplaceAll(objectOf("a-PLACEHOLDER-b"), []byte("PLACEHOLDER"), []byte{0xff, 0xfe, 0xc0, 0xaf})
}

func hostileVariants(method, tmpl string, tn, other hostileTenant) []hostileVariant {
	fill := func(vars map[string]string) string {
		out := tmpl
		for k, v := range vars {
			out = strings.ReplaceAll(out, "{"+k+"}", v)
		}
		return out
	}
	good := fill(tn.vars)
	var out []hostileVariant
	add := func(name, path, query string, body []byte) {
		out = append(out, hostileVariant{name: name, path: path, query: query, body: body, contentType: "application/json"})
	}
	if method != "GET" {
		add("malformed JSON", good, "", []byte(`{"username":`))
		add("truncated array", good, "", []byte(`[{"username":"alice"`))
		add("trailing data", good, "", []byte(`{"username":"alice"} {"x":1}`))
		add("deep nesting", good, "", append(bytes.Repeat([]byte("["), 100000), bytes.Repeat([]byte("]"), 100000)...))
		add("oversized", good, "", append(append([]byte(`["`), bytes.Repeat([]byte("x"), 5<<20)...), []byte(`"]`)...))
		add("escaped NUL", good, "", []byte(`{"username":"a\u0000b","name":"a\u0000b","text":"a\u0000b"}`))
		add("invalid UTF-8", good, "", invalidUTF8Body())
		for _, hv := range hostileValues() {
			add(hv.name+" (object)", good, "", objectOf(hv.v))
			arr, _ := json.Marshal([]any{hv.v, map[string]any{"username": hv.v, "password": hv.v}})
			add(hv.name+" (array)", good, "", arr)
		}
		out = append(out, hostileVariant{name: "garbage multipart", path: good,
			contentType: "multipart/form-data; boundary=xyz", body: []byte("--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\x00.png\"\r\n\r\n\xff\xfe\r\n--xy")})
	}
	// Path values: each variable in turn.
	for k := range tn.vars {
		if !strings.Contains(tmpl, "{"+k+"}") {
			continue
		}
		for _, pv := range []struct{ name, v string }{
			{"NUL", "a%00b"}, {"invalid UTF-8", "%FF%FEa"}, {"huge number", "99999999999999999999999999"},
			{"negative", "-1"}, {"long", strings.Repeat("x", 8<<10)}, {"dot segments", "..%2F..%2Fetc"},
		} {
			vars := copyVars(tn.vars)
			vars[k] = pv.v
			add(pv.name+" in {"+k+"}", fill(vars), "", nil)
		}
		if o, ok := other.vars[k]; ok && k != "username" && k != "appKey" {
			vars := copyVars(tn.vars)
			vars[k] = o
			add("the other tenant's {"+k+"}", fill(vars), "", nil)
		}
	}
	// Queries.
	for _, q := range []struct{ name, q string }{
		{"NUL in query values", "start=%00&count=%00&mediaId=a%00b&username=a%00b&token=a%00b"},
		{"invalid UTF-8 in query values", "start=%FF&count=%FE&mediaId=%FF%FE&username=%C0%AF"},
		{"NUL in a query name", "a%00b=1"},
		{"huge numbers in the query", "start=99999999999999999999999&count=99999999999999999999999&begin_time=99999999999999999999&end_time=-99999999999999999999"},
		{"negative numbers in the query", "start=-1&count=-1"},
		{"malformed query", "%zz=%zz&start"},
	} {
		add(q.name, good, q.q, nil)
	}
	return out
}

func copyVars(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

type hostileResponse struct {
	status int
	header http.Header
	body   []byte
}

// sendHostile sends v with the credentials of the face the path belongs
// to.
func sendHostile(t testing.TB, srv *testutil.Server, tn hostileTenant, method string, v hostileVariant) hostileResponse {
	t.Helper()
	u := srv.URL + v.path
	if v.query != "" {
		u += "?" + v.query
	}
	var body io.Reader
	if v.body != nil {
		body = bytes.NewReader(v.body)
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		// A path Go's client will not send is a path no attacker
		// reaches through it either; the raw forms are covered by the
		// text guard's own tests.
		t.Logf("%s: not sendable: %v", v.name, err)
		return hostileResponse{}
	}
	req.Header.Set("Content-Type", v.contentType)
	switch {
	case strings.HasPrefix(v.path, "/platform/"):
		req.Header.Set("Authorization", "Bearer "+srv.Token)
	case strings.HasPrefix(v.path, "/apps/"):
		req.Header.Set("Authorization", "Bearer "+tn.session)
	case strings.HasPrefix(v.path, "/media/"):
	default:
		req.SetBasicAuth(tn.app.Key, tn.app.Secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("%s: %v", v.name, err)
		return hostileResponse{}
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return hostileResponse{status: resp.StatusCode, header: resp.Header, body: out}
}

// checkWellFormed: a refusal is JSON in the envelope of the path's face,
// and any answer is valid UTF-8.
func checkWellFormed(t testing.TB, tmpl, name string, r hostileResponse) {
	t.Helper()
	if r.status == 0 {
		return
	}
	if !utf8.Valid(r.body) {
		t.Errorf("%s: the answer is not valid UTF-8: %q", name, r.body)
	}
	if r.status < 400 || r.status == http.StatusSwitchingProtocols {
		return
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Errorf("%s: %d answer is not a JSON object: %.300q", name, r.status, r.body)
		return
	}
	var keys []string
	switch {
	case strings.HasPrefix(tmpl, "/platform/"):
		keys = []string{"error"}
	case strings.HasPrefix(tmpl, "/apps/{appKey}/user/"):
		keys = []string{"code", "message"}
	default:
		keys = []string{"error"}
	}
	for _, k := range keys {
		if _, ok := env[k]; !ok {
			t.Errorf("%s: %d answer lacks %q, the face's envelope: %.300s", name, r.status, k, r.body)
		}
	}
}
