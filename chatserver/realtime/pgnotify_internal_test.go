package realtime

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// A chatroom message to 1,000 members and 300 wake-ups pack into a few
// notifications under the limit, each payload once per notification, and
// unpack to every recipient.
func TestPackSharesLivePayloads(t *testing.T) {
	n := &PostgresNotifier{origin: "me"}
	payload := []byte(`{"msg_id":1,"msg_body":{"text":"<b>` + strings.Repeat("x", 500) + `</b>"}}`)
	var ds []core.Delivery
	for i := range 1000 {
		ds = append(ds, core.Delivery{AppID: 1, UserID: int64(i + 1), Kind: core.EventMessage, Payload: payload})
	}
	for i := range 300 {
		ds = append(ds, core.Delivery{AppID: 1, UserID: int64(i + 1), Seq: int64(1_000_000 + i)})
	}
	out := n.pack(ds)
	live, wakes := 0, 0
	for _, p := range out {
		if len(p) > store.NotifyPayloadMax {
			t.Fatalf("notification of %d bytes", len(p))
		}
		var msg notification
		if err := json.Unmarshal([]byte(p), &msg); err != nil {
			t.Fatal(err)
		}
		for _, it := range msg.Items {
			if it.Seq > 0 {
				wakes++
				continue
			}
			if string(it.Payload) != string(payload) {
				t.Fatalf("payload changed: %s", it.Payload)
			}
			live += len(it.To)
		}
	}
	if live != 1000 || wakes != 300 {
		t.Fatalf("unpacked %d live recipients and %d wake-ups", live, wakes)
	}
	if len(out) > 10 {
		t.Fatalf("%d notifications for one event", len(out))
	}
	t.Logf("%d notifications", len(out))
}
