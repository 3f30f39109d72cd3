package ws_test

import (
	"context"
	"testing"

	"github.com/coder/websocket"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// writeRaw sends data as one frame of type typ, byte for byte.
func (c *client) writeRaw(t testing.TB, typ websocket.MessageType, data string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := c.conn.Write(ctx, typ, []byte(data)); err != nil {
		t.Fatalf("writing frame: %v", err)
	}
}

// Frames must be valid UTF-8 without NUL, \u0000 escapes included. A
// text frame that is not UTF-8 breaks the WebSocket protocol: close 1007.
// A NUL, or a binary frame that is not UTF-8, is a bad frame: an error
// frame, and the connection goes on. Nothing is stored either way.
func TestGatewayRefusesFramesWithNULOrInvalidUTF8(t *testing.T) {
	const (
		badBody = `{"type":"send","client_msg_id":"u-1","target_type":"single","target_id":"bobby","msg_type":"text",` +
			"\"msg_body\":{\"text\":\"caf\xe9\"}}"
		nulName = `{"type":"send","client_msg_id":"u-2","target_type":"single","target_id":"bobby","msg_type":"text",` +
			`"from_name":"al\u0000ice","msg_body":{"text":"hi"}}`
	)
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice", "bobby")
		aliceToken, bobToken := f.login(t, "alice"), f.login(t, "bobby")
		app := f.appOf(t)
		aliceID, bobID := f.userID(t, app, aliceToken), f.userID(t, app, bobToken)

		alice := f.dial(t, aliceToken, "")
		for _, frame := range []struct {
			typ  websocket.MessageType
			data string
		}{{websocket.MessageText, nulName}, {websocket.MessageBinary, nulName}, {websocket.MessageBinary, badBody}} {
			alice.writeRaw(t, frame.typ, frame.data)
			alice.send(t, map[string]any{"type": "ping"})
			if e := alice.next(t); e.Type != "error" || e.Code != "bad_frame" {
				t.Fatalf("%s frame %q: %+v, want a bad_frame error", frame.typ, frame.data, e)
			}
			alice.nextOf(t, "pong")
		}

		alice.writeRaw(t, websocket.MessageText, badBody)
		alice.wantClosed(t, websocket.StatusInvalidFramePayloadData, "invalid UTF-8")

		if a, bb := f.lastSeq(t, app, aliceID), f.lastSeq(t, app, bobID); a != 0 || bb != 0 {
			t.Fatalf("logs at alice %d, bob %d: a refused frame was stored", a, bb)
		}
	})
}
