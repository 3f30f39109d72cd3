package jmessage_test

// Black-box conformance tests for 发送消息 (POST /v1/messages) and 消息撤回
// (POST /v1/messages/{username}/{msgid}/retract) of seed 003 and issue #3
// "Messages", written from the seed and the issue, not from the
// implementation. Helpers come from conformance_groups_test.go (gm prefix).

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// gmMessage is a POST /v1/messages body.
func gmMessage(from, targetType string, target any, msgType string, body any) map[string]any {
	return map[string]any{
		"version":     1,
		"target_type": targetType,
		"target_id":   target,
		"from_type":   "user",
		"from_id":     from,
		"msg_type":    msgType,
		"msg_body":    body,
	}
}

// gmText is a text message.
func gmText(from, targetType string, target any, text string) map[string]any {
	return gmMessage(from, targetType, target, "text", map[string]any{"extras": map[string]any{}, "text": text})
}

// gmWith returns a copy of m with keys set (a nil value deletes the key).
func gmWith(m map[string]any, kv ...any) map[string]any {
	out := maps.Clone(m)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

// The seed's image and voice bodies.
func gmImageBody() map[string]any {
	return map[string]any{"media_id": "qiniu/image/CE0ACD035CBF71F8", "media_crc32": 2778919613, "width": 3840, "height": 2160, "fsize": 3328738, "format": "jpg"}
}

func gmVoiceBody() map[string]any {
	return map[string]any{"media_id": "qiniu/voice/j/A96B61EB3AF0E5CDE66D377DEA4F76B8", "media_crc32": 1882116055, "hash": "FoYn15bAGRUM9gZCAkvf9dolVH7h", "fsize": 12344, "duration": 6}
}

// gmSend posts a message that must be accepted and returns msg_id and
// msg_ctime.
func (f *fixture) gmSend(t *testing.T, msg any) (id, ctime int64) {
	t.Helper()
	r := f.do(t, "POST", "/v1/messages", msg)
	wantStatus(t, r, http.StatusCreated)
	var out map[string]any
	gmDecode(t, r, &out)
	return gmInt(t, "msg_id", out["msg_id"]), gmInt(t, "msg_ctime", out["msg_ctime"])
}

// gmSameJSON reports whether two JSON texts hold the same value.
func gmSameJSON(t *testing.T, got string, want any) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("message body %q is not JSON: %v", got, err)
	}
	enc, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(enc, &w)
	return reflect.DeepEqual(g, w)
}

// gmCheckMessageEvent checks a message or retract event against what was sent.
func (f *fixture) gmCheckMessageEvent(t *testing.T, ev core.Event, id int64, msg map[string]any) {
	t.Helper()
	if ev.AppKey != f.app.Key {
		t.Errorf("%s event AppKey = %q, want %q", ev.Kind, ev.AppKey, f.app.Key)
	}
	m := ev.Message
	if m == nil {
		t.Fatalf("%s event has no message", ev.Kind)
	}
	if m.ID != id {
		t.Errorf("%s event message id = %d, want %d", ev.Kind, m.ID, id)
	}
	if m.FromUsername != msg["from_id"] || m.TargetType != msg["target_type"] || m.MsgType != msg["msg_type"] {
		t.Errorf("%s event message from/target type/msg type = %q/%q/%q, want %v/%v/%v",
			ev.Kind, m.FromUsername, m.TargetType, m.MsgType, msg["from_id"], msg["target_type"], msg["msg_type"])
	}
	if ev.Kind == core.EventMessage && !gmSameJSON(t, m.Body, msg["msg_body"]) {
		t.Errorf("event message body = %s, want %v", m.Body, msg["msg_body"])
	}
}

// gmEventText is the "text" of an event's message body.
func gmEventText(t *testing.T, ev core.Event) string {
	t.Helper()
	var b struct {
		Text string `json:"text"`
	}
	if ev.Message == nil {
		t.Fatalf("%s event has no message", ev.Kind)
	}
	if err := json.Unmarshal([]byte(ev.Message.Body), &b); err != nil {
		t.Fatalf("message body %q: %v", ev.Message.Body, err)
	}
	return b.Text
}

// 发送消息: every msg_type of the seed is accepted; 201 {msg_id, msg_ctime};
// msg_id increases within the app.
func TestConformanceMessageSend(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "fang", "javen", "tommy", "annie")
		ev := f.gmRecord(t)
		gid := f.gmCreateGroup(t, "tommy", "fang", "annie")

		msgs := []map[string]any{
			// The seed's examples.
			gmMessage("fang", "single", "javen", "text", map[string]any{"extras": map[string]any{}, "text": "Hello, JMessage!"}),
			gmMessage("fang", "single", "javen", "image", gmImageBody()),
			gmMessage("fang", "single", "javen", "voice", gmVoiceBody()),
			gmMessage("fang", "single", "javen", "custom", map[string]any{"anything": []any{1, "two", map[string]any{"three": true}}}),
			gmMessage("fang", "single", "javen", "custom", map[string]any{}),
			// Text without extras, image with hash, voice without hash.
			gmMessage("javen", "single", "fang", "text", map[string]any{"text": "你好 🎉"}),
			gmMessage("javen", "single", "fang", "image", gmWith(gmImageBody(), "hash", "Fo1")),
			gmMessage("javen", "single", "fang", "voice", gmWith(gmVoiceBody(), "hash", nil)),
			// Every optional field.
			gmWith(gmText("fang", "single", "javen", "all options"), "from_name", "Fang", "target_name", "Javen",
				"no_offline", false, "no_notification", false, "notification", map[string]any{"title": "t", "alert": "a"}),
			// Groups: target_id as a number and as a string.
			gmText("fang", "group", gid, "to the group"),
			gmText("fang", "group", gmGid(gid), "to the group again"),
			gmMessage("tommy", "group", gid, "custom", map[string]any{"k": "v"}),
		}
		var last int64
		for i, m := range msgs {
			before := time.Now()
			id, ctime := f.gmSend(t, m)
			after := time.Now()
			if id <= last {
				t.Errorf("message %d: msg_id %d does not increase (previous %d)", i, id, last)
			}
			last = id
			if ctime < before.Add(-2*time.Second).UnixMilli() || ctime > after.Add(2*time.Second).UnixMilli() {
				t.Errorf("message %d: msg_ctime %d is not now in milliseconds (%d..%d)", i, ctime, before.UnixMilli(), after.UnixMilli())
			}
			e := ev.last(t, core.EventMessage, i+1)
			want := m
			if m["target_type"] == "group" {
				want = gmWith(m, "target_id", gid)
			}
			f.gmCheckMessageEvent(t, e, id, want)
			if m["target_type"] == "group" && e.Message.TargetID != gid {
				t.Errorf("message %d: event target id = %d, want gid %d", i, e.Message.TargetID, gid)
			}
		}
		if e := ev.of(core.EventMessage)[8]; e.Message.FromName != "Fang" {
			t.Errorf("event from_name = %q, want Fang", e.Message.FromName)
		}

		// msg_id increases across conversations, and another app's sends do
		// not disturb it.
		o := f.otherApp(t)
		o.register(t, "fang", "javen")
		o.gmSend(t, gmText("fang", "single", "javen", "elsewhere"))
		id, _ := f.gmSend(t, gmText("tommy", "single", "annie", "later"))
		if id <= last {
			t.Errorf("msg_id %d does not increase (previous %d)", id, last)
		}
	})
}

// 899003 参数错误: every required field and every msg_body shape of the seed.
func TestConformanceMessageValidation(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "fang", "javen")
		ev := f.gmRecord(t)
		base := gmText("fang", "single", "javen", "hi")
		image := gmMessage("fang", "single", "javen", "image", gmImageBody())
		voice := gmMessage("fang", "single", "javen", "voice", gmVoiceBody())

		cases := map[string]any{
			"version 2":               gmWith(base, "version", 2),
			"version 0":               gmWith(base, "version", 0),
			"no version":              gmWith(base, "version", nil),
			"target_type user":        gmWith(base, "target_type", "user"),
			"empty target_type":       gmWith(base, "target_type", ""),
			"no target_type":          gmWith(base, "target_type", nil),
			"from_type admin":         gmWith(base, "from_type", "admin"),
			"no from_type":            gmWith(base, "from_type", nil),
			"msg_type video":          gmWith(base, "msg_type", "video"),
			"empty msg_type":          gmWith(base, "msg_type", ""),
			"no msg_type":             gmWith(base, "msg_type", nil),
			"no target_id":            gmWith(base, "target_id", nil),
			"empty target_id":         gmWith(base, "target_id", ""),
			"no from_id":              gmWith(base, "from_id", nil),
			"empty from_id":           gmWith(base, "from_id", ""),
			"no msg_body":             gmWith(base, "msg_body", nil),
			"msg_body a string":       gmWith(base, "msg_body", "hi"),
			"msg_body an array":       gmWith(base, "msg_body", []string{"hi"}),
			"msg_body a number":       gmWith(base, "msg_body", 1),
			"text without text":       gmWith(base, "msg_body", map[string]any{"extras": map[string]any{}}),
			"custom body not object":  gmWith(base, "msg_type", "custom", "msg_body", []int{1}),
			"body is an array":        []any{base},
			"body is not JSON":        `{"version":1,`,
			"body is empty":           "",
			"voice body for an image": gmWith(image, "msg_body", gmVoiceBody()),
		}
		for _, k := range []string{"media_id", "media_crc32", "width", "height", "format", "fsize"} {
			cases["image without "+k] = gmWith(image, "msg_body", gmWith(gmImageBody(), k, nil))
		}
		for _, k := range []string{"media_id", "media_crc32", "duration", "fsize"} {
			cases["voice without "+k] = gmWith(voice, "msg_body", gmWith(gmVoiceBody(), k, nil))
		}
		for name, body := range cases {
			t.Run(name, func(t *testing.T) {
				wantError(t, f.do(t, "POST", "/v1/messages", body), http.StatusBadRequest, codeBadParam)
			})
		}
		if n := len(ev.of(core.EventMessage)); n != 0 {
			t.Errorf("refused messages published %d events", n)
		}
		f.gmSend(t, base)
		f.gmSend(t, image)
		f.gmSend(t, voice)
	})
}

// msg_body 限制为4096byte, counted in bytes of the compacted JSON; the app's
// msgBodyBytes limit replaces 4096.
func TestConformanceMessageBodySize(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "fang", "javen")
		custom := func(v string) map[string]any {
			return gmMessage("fang", "single", "javen", "custom", map[string]any{"k": v})
		}
		// {"k":"…"} is 8 bytes plus the value.
		f.gmSend(t, custom(bytesOf(4088)))
		wantError(t, f.do(t, "POST", "/v1/messages", custom(bytesOf(4089))), http.StatusBadRequest, codeBadParam)
		// Multi-byte characters count by bytes: 1362 × 3 + 2 = 4088.
		cjk := strings.Repeat("群", 1362) + "xx"
		f.gmSend(t, custom(cjk))
		wantError(t, f.do(t, "POST", "/v1/messages", custom(cjk+"x")), http.StatusBadRequest, codeBadParam)
		// {"extras":{},"text":"…"} is 23 bytes plus the value.
		f.gmSend(t, gmText("fang", "single", "javen", bytesOf(4073)))
		wantError(t, f.do(t, "POST", "/v1/messages", gmText("fang", "single", "javen", bytesOf(4074))), http.StatusBadRequest, codeBadParam)
		// {"text":"…"} is 11 bytes plus the value.
		f.gmSend(t, gmMessage("fang", "single", "javen", "text", map[string]any{"text": bytesOf(4085)}))
		wantError(t, f.do(t, "POST", "/v1/messages", gmMessage("fang", "single", "javen", "text", map[string]any{"text": bytesOf(4086)})), http.StatusBadRequest, codeBadParam)

		// Whitespace outside strings does not count.
		spaced := `{"version":1,"target_type":"single","target_id":"javen","from_type":"user","from_id":"fang","msg_type":"custom",` +
			`"msg_body":{  "k"  :  "` + bytesOf(4088) + `"  ` + strings.Repeat(" ", 100) + `}}`
		wantStatus(t, f.do(t, "POST", "/v1/messages", spaced), http.StatusCreated)

		// The app limit.
		g := newFixture(t, b, withLimits("msgBodyBytes", 100))
		g.register(t, "fang", "javen")
		g.gmSend(t, custom(bytesOf(92)))
		wantError(t, g.do(t, "POST", "/v1/messages", custom(bytesOf(93))), http.StatusBadRequest, codeBadParam)
	})
}

// Who may send: 899002 unknown sender or target, 899016 no right to send,
// 803008 blacklisted by the recipient.
func TestConformanceMessageWhoMaySend(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "fang", "javen", "tommy", "outsider")
		ev := f.gmRecord(t)
		gid := f.gmCreateGroup(t, "tommy", "fang")
		o := f.otherApp(t)
		o.register(t, "foreign")
		ogid := o.gmCreateGroup(t, "foreign")
		published := func() int { return len(ev.of(core.EventMessage)) }

		notFound := map[string]any{
			"unknown sender":                gmText("ghost", "single", "javen", "hi"),
			"unknown single target":         gmText("fang", "single", "ghost", "hi"),
			"another app's user":            gmText("fang", "single", "foreign", "hi"),
			"unknown group":                 gmText("fang", "group", 987654321, "hi"),
			"unknown group as a string":     gmText("fang", "group", "987654321", "hi"),
			"another app's group":           gmText("fang", "group", ogid, "hi"),
			"unknown chatroom":              gmText("fang", "chatroom", 987654321, "hi"),
			"unknown sender to a group":     gmText("ghost", "group", gid, "hi"),
			"unknown sender of an image":    gmMessage("ghost", "single", "javen", "image", gmImageBody()),
			"unknown target of custom body": gmMessage("fang", "single", "ghost", "custom", map[string]any{}),
		}
		for name, m := range notFound {
			t.Run(name, func(t *testing.T) {
				wantError(t, f.do(t, "POST", "/v1/messages", m), http.StatusNotFound, codeUserNotFound)
			})
		}

		// A group message needs membership.
		wantError(t, f.do(t, "POST", "/v1/messages", gmText("outsider", "group", gid, "hi")), http.StatusForbidden, gmCodeNoSendRight)
		wantError(t, f.do(t, "POST", "/v1/messages", gmText("javen", "group", gmGid(gid), "hi")), http.StatusForbidden, gmCodeNoSendRight)

		// A forbidden (disabled) user cannot send, to anyone.
		wantStatus(t, f.do(t, "PUT", "/v1/users/fang/forbidden?disable=true", nil), http.StatusNoContent)
		wantError(t, f.do(t, "POST", "/v1/messages", gmText("fang", "single", "javen", "hi")), http.StatusForbidden, gmCodeNoSendRight)
		wantError(t, f.do(t, "POST", "/v1/messages", gmText("fang", "group", gid, "hi")), http.StatusForbidden, gmCodeNoSendRight)
		wantStatus(t, f.do(t, "PUT", "/v1/users/fang/forbidden?disable=false", nil), http.StatusNoContent)
		if n := published(); n != 0 {
			t.Fatalf("refused messages published %d events", n)
		}
		f.gmSend(t, gmText("fang", "single", "javen", "hi"))
		f.gmSend(t, gmText("fang", "group", gid, "hi"))

		// javen blacklists fang: fang cannot reach javen, nothing is
		// published; javen can still reach fang (the blacklist is one-sided).
		wantStatus(t, f.do(t, "PUT", "/v1/users/javen/blacklist", []string{"fang"}), http.StatusNoContent)
		before := published()
		wantError(t, f.do(t, "POST", "/v1/messages", gmText("fang", "single", "javen", "hi")), http.StatusForbidden, gmCodeBlacklisted)
		wantError(t, f.do(t, "POST", "/v1/messages", gmMessage("fang", "single", "javen", "custom", map[string]any{})), http.StatusForbidden, gmCodeBlacklisted)
		f.gmSend(t, gmText("javen", "single", "fang", "hi"))
		f.gmSend(t, gmText("tommy", "single", "javen", "hi"))
		if n := published(); n != before+2 {
			t.Fatalf("published %d events after the blacklist, want %d (only the two accepted sends)", n, before+2)
		}
		for _, e := range ev.of(core.EventMessage)[before:] {
			if e.Message.FromUsername == "fang" {
				t.Errorf("a message from blacklisted fang was published: %+v", e.Message)
			}
		}
		wantStatus(t, f.do(t, "DELETE", "/v1/users/javen/blacklist", []string{"fang"}), http.StatusNoContent)
		f.gmSend(t, gmText("fang", "single", "javen", "hi again"))
	})
}

// Sensitive words in a text message are masked with one '*' per character
// before the message is stored and published, while filtering is on.
func TestConformanceMessageSensitiveWords(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "fang", "javen", "tommy")
		ev := f.gmRecord(t)
		gid := f.gmCreateGroup(t, "tommy", "fang", "javen")
		wantStatus(t, f.do(t, "POST", "/v1/sensitiveword", []string{"fuck", "敏感"}), http.StatusNoContent)
		n := 0
		sendText := func(target string, text string) string {
			t.Helper()
			var m map[string]any
			if target == "group" {
				m = gmText("fang", "group", gid, text)
			} else {
				m = gmText("fang", "single", target, text)
			}
			f.gmSend(t, m)
			n++
			return gmEventText(t, ev.last(t, core.EventMessage, n))
		}

		if got, want := sendText("javen", "you fuck 敏感词!"), "you **** **词!"; got != want {
			t.Errorf("masked text = %q, want %q", got, want)
		}
		if got, want := sendText("group", "敏感fuck"), "******"; got != want {
			t.Errorf("masked group text = %q, want %q", got, want)
		}
		if got, want := sendText("javen", "clean text"), "clean text"; got != want {
			t.Errorf("clean text = %q, want %q", got, want)
		}
		// Another app's words do not apply here.
		o := f.otherApp(t)
		wantStatus(t, o.do(t, "POST", "/v1/sensitiveword", []string{"clean"}), http.StatusNoContent)
		if got, want := sendText("javen", "clean text"), "clean text"; got != want {
			t.Errorf("text with another app's word = %q, want %q", got, want)
		}

		// Filtering off: nothing is masked; on again: masked again.
		wantStatus(t, f.do(t, "PUT", "/v1/sensitiveword/status?status=0", nil), http.StatusNoContent)
		if got, want := sendText("javen", "you fuck 敏感词!"), "you fuck 敏感词!"; got != want {
			t.Errorf("text with filtering off = %q, want %q", got, want)
		}
		wantStatus(t, f.do(t, "PUT", "/v1/sensitiveword/status?status=1", nil), http.StatusNoContent)
		if got, want := sendText("javen", "fuck"), "****"; got != want {
			t.Errorf("text with filtering on again = %q, want %q", got, want)
		}
		// A word added later applies to the next message.
		wantStatus(t, f.do(t, "POST", "/v1/sensitiveword", []string{"clean"}), http.StatusNoContent)
		if got, want := sendText("javen", "clean text"), "***** text"; got != want {
			t.Errorf("text after adding a word = %q, want %q", got, want)
		}
	})
}

// gmRetract is POST /v1/messages/{username}/{msgid}/retract.
func (f *fixture) gmRetract(t *testing.T, username string, msgid any) testutil.Response {
	t.Helper()
	return f.do(t, "POST", fmt.Sprintf("/v1/messages/%s/%v/retract", username, msgid), nil)
}

// 消息撤回: only the sender, within 3 minutes of sending (injected clock),
// once; a retract event goes to the message's recipients.
func TestConformanceRetract(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		clock := testutil.NewClock(time.Now().UTC().Truncate(time.Second))
		f := newGMFixture(t, b, nil, core.WithClock(clock.Now))
		all := []string{"fang", "javen", "bobby"}
		f.register(t, all...)
		ev := f.gmRecord(t)

		m1 := gmText("fang", "single", "javen", "oops")
		id1, ctime := f.gmSend(t, m1)
		if ctime != clock.Now().UnixMilli() {
			t.Errorf("msg_ctime = %d, want the injected clock's %d", ctime, clock.Now().UnixMilli())
		}
		sent := ev.last(t, core.EventMessage, 1)

		clock.Advance(time.Minute)
		wantStatus(t, f.gmRetract(t, "fang", id1), http.StatusNoContent)
		re := ev.last(t, core.EventRetract, 1)
		f.gmCheckMessageEvent(t, re, id1, m1)
		if got, want := gmKeys(f.gmRecipients(t, re, all...)), gmKeys(f.gmRecipients(t, sent, all...)); !reflect.DeepEqual(got, want) {
			t.Errorf("retract recipients = %q, want the message's %q", got, want)
		}
		wantNames(t, "retract recipients", gmKeys(f.gmRecipients(t, re, all...)), "javen")

		// Once only.
		wantError(t, f.gmRetract(t, "fang", id1), http.StatusForbidden, gmCodeRetractRepeated)

		// Only the sender: for anyone else the message does not exist.
		id2, _ := f.gmSend(t, gmText("fang", "single", "javen", "second"))
		wantError(t, f.gmRetract(t, "javen", id2), http.StatusNotFound, gmCodeRetractNoMsg)
		wantError(t, f.gmRetract(t, "bobby", id2), http.StatusNotFound, gmCodeRetractNoMsg)
		// Another app's user of the same name cannot reach it either.
		o := f.otherApp(t)
		o.register(t, "fang")
		wantError(t, o.gmRetract(t, "fang", id2), http.StatusNotFound, gmCodeRetractNoMsg)
		// Exactly 3 minutes after sending is still in time.
		clock.Advance(3 * time.Minute)
		wantStatus(t, f.gmRetract(t, "fang", id2), http.StatusNoContent)
		ev.last(t, core.EventRetract, 2)

		// 3m1s is too late.
		id3, _ := f.gmSend(t, gmText("fang", "single", "javen", "third"))
		clock.Advance(3*time.Minute + time.Second)
		wantError(t, f.gmRetract(t, "fang", id3), http.StatusForbidden, gmCodeRetractTooLate)
		wantError(t, f.gmRetract(t, "fang", id3), http.StatusForbidden, gmCodeRetractTooLate)

		// Unknown and malformed ids.
		wantError(t, f.gmRetract(t, "fang", id3+1000000), http.StatusNotFound, gmCodeRetractNoMsg)
		wantError(t, f.gmRetract(t, "fang", "abc"), http.StatusBadRequest, codeBadParam)
		wantError(t, f.gmRetract(t, "fang", "12x"), http.StatusBadRequest, codeBadParam)
		// An unknown user has no messages: 899002 or 855003.
		if r := f.gmRetract(t, "ghost", id3); !(r.Status == http.StatusNotFound && (r.ErrorCode(t) == codeUserNotFound || r.ErrorCode(t) == gmCodeRetractNoMsg)) {
			t.Errorf("retract by an unknown user: want 404/899002 or 404/855003, got %s", describe(r))
		}

		if n := len(ev.of(core.EventRetract)); n != 2 {
			t.Errorf("%d retract events, want 2 (refused retracts publish nothing)", n)
		}
	})
}

// A retracted group message's retract event goes to the same recipients as
// the message (members except the sender and those who shield the group).
func TestConformanceRetractGroup(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		clock := testutil.NewClock(time.Now().UTC().Truncate(time.Second))
		f := newGMFixture(t, b, nil, core.WithClock(clock.Now))
		all := []string{"tommy", "annie", "eddie", "bobby"}
		f.register(t, all...)
		ev := f.gmRecord(t)
		gid := f.gmCreateGroup(t, "tommy", "annie", "eddie", "bobby")
		wantStatus(t, f.do(t, "POST", "/v1/users/bobby/groupsShield", map[string]any{"add": []int64{gid}}), http.StatusNoContent)

		m := gmText("annie", "group", strconv.FormatInt(gid, 10), "oops")
		id, _ := f.gmSend(t, m)
		sent := ev.last(t, core.EventMessage, 1)
		wantNames(t, "message recipients", gmKeys(f.gmRecipients(t, sent, all...)), "eddie", "tommy")

		wantError(t, f.gmRetract(t, "tommy", id), http.StatusNotFound, gmCodeRetractNoMsg)
		clock.Advance(2 * time.Minute)
		wantStatus(t, f.gmRetract(t, "annie", id), http.StatusNoContent)
		re := ev.last(t, core.EventRetract, 1)
		if re.Message == nil || re.Message.ID != id || re.Message.TargetType != model.TargetGroup || re.Message.TargetID != gid {
			t.Errorf("retract event message = %+v, want group message %d of group %d", re.Message, id, gid)
		}
		wantNames(t, "retract recipients", gmKeys(f.gmRecipients(t, re, all...)), "eddie", "tommy")
		wantError(t, f.gmRetract(t, "annie", id), http.StatusForbidden, gmCodeRetractRepeated)
	})
}

// Concurrent sends get distinct msg_ids; concurrent retracts of one message
// succeed once; cross-app targets need consent; deleted groups are gone.
func TestConformanceMessageEdgeCases(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		clock := testutil.NewClock(time.Now().UTC().Truncate(time.Second))
		f := newGMFixture(t, b, nil, core.WithClock(clock.Now))
		f.register(t, "fang", "javen", "tommy")
		ev := f.gmRecord(t)

		// 40 concurrent sends: all accepted, 40 distinct msg_ids, 40 events.
		rs := f.gmParallel(t, 40, "POST", func(int) string { return "/v1/messages" }, func(i int) string {
			enc, _ := json.Marshal(gmText("fang", "single", "javen", fmt.Sprint("n", i)))
			return string(enc)
		})
		ids := map[int64]bool{}
		for _, r := range rs {
			wantStatus(t, r, http.StatusCreated)
			var out map[string]any
			gmDecode(t, r, &out)
			ids[gmInt(t, "msg_id", out["msg_id"])] = true
		}
		if len(ids) != 40 {
			t.Errorf("40 concurrent sends got %d distinct msg_ids", len(ids))
		}
		evs := ev.wait(t, core.EventMessage, 40)
		for _, e := range evs {
			if !ids[e.Message.ID] {
				t.Errorf("event for unknown msg_id %d", e.Message.ID)
			}
		}

		// 20 concurrent retracts of one message: one 204, the rest 855004.
		id, _ := f.gmSend(t, gmText("fang", "single", "javen", "oops"))
		rs = f.gmParallel(t, 20, "POST", func(int) string { return fmt.Sprintf("/v1/messages/fang/%d/retract", id) }, nil)
		ok := 0
		for _, r := range rs {
			if r.Status == http.StatusNoContent {
				ok++
				continue
			}
			wantError(t, r, http.StatusForbidden, gmCodeRetractRepeated)
		}
		if ok != 1 {
			t.Errorf("%d concurrent retracts succeeded, want 1", ok)
		}
		if n := len(ev.of(core.EventRetract)); n != 1 {
			t.Errorf("%d retract events, want 1", n)
		}

		// Out-of-range message ids.
		for _, mid := range []string{"99999999999999999999", "-1", "0"} {
			r := f.gmRetract(t, "fang", mid)
			if code := r.ErrorCode(t); !(r.Status == http.StatusBadRequest && code == codeBadParam) && !(r.Status == http.StatusNotFound && code == gmCodeRetractNoMsg) {
				t.Errorf("retract %s: want 400/899003 or 404/855003, got %s", mid, describe(r))
			}
		}

		// target_appkey: this app's own key is the same as none; another
		// app's key without mutual consent is refused and nothing published.
		f.gmSend(t, gmWith(gmText("fang", "single", "javen", "same app"), "target_appkey", f.app.Key))
		o := f.otherApp(t)
		o.register(t, "foreign")
		before := len(ev.of(core.EventMessage))
		wantError(t, f.do(t, "POST", "/v1/messages", gmWith(gmText("fang", "single", "foreign", "hi"), "target_appkey", o.app.Key)), http.StatusForbidden, gmCodeCrossAppDenied)
		if n := len(ev.of(core.EventMessage)); n != before {
			t.Errorf("a refused cross-app message published %d events", n-before)
		}

		// A deleted group is no target; a deleted user is no recipient.
		gid := f.gmCreateGroup(t, "tommy", "fang", "javen")
		wantStatus(t, f.do(t, "DELETE", "/v1/users/javen", nil), http.StatusNoContent)
		f.gmSend(t, gmText("tommy", "group", gid, "after javen left"))
		last := ev.of(core.EventMessage)
		wantNames(t, "recipients after deleting javen", gmKeys(f.gmRecipients(t, last[len(last)-1], "tommy", "fang")), "fang")
		wantError(t, f.do(t, "POST", "/v1/messages", gmText("fang", "single", "javen", "hi")), http.StatusNotFound, codeUserNotFound)
		wantStatus(t, f.do(t, "DELETE", "/v1/groups/"+gmGid(gid), nil), http.StatusNoContent)
		wantError(t, f.do(t, "POST", "/v1/messages", gmText("tommy", "group", gid, "hi")), http.StatusNotFound, codeUserNotFound)
	})
}
