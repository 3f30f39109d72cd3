package core

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// A message's payloads are encoded before the message has an id; the id
// is put in afterwards, and the result is the payload encoded with it.
func TestPayloadTemplatesTakeTheMessageID(t *testing.T) {
	m := model.Message{TargetType: model.TargetSingle, TargetName: "bobby", FromUsername: "alice", MsgType: model.MsgText,
		Body: `{"text":"hi"}`, Created: time.UnixMilli(1700000000000)}
	ev := Event{Kind: EventMessage, AppKey: "k", Message: &m, ClientMsgID: "c-1"}
	tmpl, err := eventPayloads(ev)
	if err != nil {
		t.Fatal(err)
	}
	for v, wantNotify := range []bool{false, true, false} {
		var got MessagePayload
		if err := json.Unmarshal(withMsgID(tmpl[v], 1234567), &got); err != nil {
			t.Fatalf("variant %d: %v", v, err)
		}
		if got.MsgID != 1234567 || got.Notify != wantNotify || got.FromID != "alice" || got.TargetID != "bobby" {
			t.Fatalf("variant %d: %+v", v, got)
		}
		if own := v == 2; (got.ClientMsgID == "c-1") != own {
			t.Fatalf("variant %d: client_msg_id %q", v, got.ClientMsgID)
		}
	}
	if variant(Recipient{Self: true, Notify: true}) != 2 || variant(Recipient{Notify: true}) != 1 || variant(Recipient{}) != 0 {
		t.Fatal("variant picks the wrong payload")
	}
}
