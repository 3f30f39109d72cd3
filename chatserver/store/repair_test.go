package store_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// Text stored by versions that let NUL bytes and invalid UTF-8 through
// (SQLite only: PostgreSQL never could store them) is repaired by a
// migration: every reader then gets valid UTF-8, and JSON stays JSON.
func TestStoredInvalidTextIsRepairedOnUpgrade(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := "sqlite:" + filepath.Join(t.TempDir(), "chat.db")
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(time.Now().UnixMilli())
	if _, err := st.Read().PutApp(ctx, model.App{Key: "repairapp", SecretHash: []byte{1}, Updated: now}); err != nil {
		t.Fatal(err)
	}
	app, err := st.Read().AppByKey(ctx, "repairapp")
	if err != nil {
		t.Fatal(err)
	}
	nick, extras := "Alice", `{"k":"v"}`
	uid, err := st.Read().InsertUser(ctx, model.User{AppID: app.ID, Username: "alice", PasswordHash: "x",
		Profile: model.Profile{Nickname: &nick, Extras: &extras}, Created: now, Modified: now})
	if err != nil {
		t.Fatal(err)
	}
	msgID, err := st.AppendMessage(ctx, model.Message{AppID: app.ID, TargetType: model.TargetSingle, FromID: uid,
		FromUsername: "alice", TargetID: uid, TargetName: "alice", TargetAppID: app.ID, MsgType: model.MsgText,
		Body: `{"text":"hello"}`, Created: now})
	if err != nil {
		t.Fatal(err)
	}
	// What an older version stored for hostile input.
	plant := []struct{ query string }{
		{"UPDATE users SET nickname = 'a' || CAST(X'FF' AS TEXT) || 'b', extras = '{\"k\":\"' || CAST(X'C3' AS TEXT) || '\"}' WHERE id = " + strconv.FormatInt(uid, 10)},
		{"UPDATE messages SET body = '{\"text\":\"caf' || CAST(X'E9' AS TEXT) || '\",\"n\":\"' || CAST(X'00' AS TEXT) || '\"}' WHERE id = " + strconv.FormatInt(msgID, 10)},
	}
	for _, p := range plant {
		if err := store.ExecRaw(ctx, st, p.query); err != nil {
			t.Fatalf("planting %s: %v", p.query, err)
		}
	}
	u, err := st.Read().UserByName(ctx, app.ID, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if utf8.ValidString(*u.Profile.Nickname) {
		t.Fatalf("planting did not store invalid UTF-8: %q", *u.Profile.Nickname)
	}
	// Undo the repair migration's record, as if the database came from
	// before it, and start again.
	if err := store.ExecRaw(ctx, st, "DELETE FROM schema_migrations WHERE version = 14"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = store.Open(ctx, url)
	if err != nil {
		t.Fatalf("reopening runs the repair: %v", err)
	}
	defer st.Close()
	u, err = st.Read().UserByName(ctx, app.ID, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if got := *u.Profile.Nickname; got != "a\uFFFDb" {
		t.Errorf("nickname after repair = %q, want %q", got, "a\uFFFDb")
	}
	if got := *u.Profile.Extras; !json.Valid([]byte(got)) || !utf8.ValidString(got) {
		t.Errorf("extras after repair = %q, want valid JSON in UTF-8", got)
	}
	m, err := st.Read().MessageByID(ctx, app.ID, msgID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Body != `{"text":"caf`+"\uFFFD"+`","n":"`+"\uFFFD"+`"}` {
		t.Errorf("message body after repair = %q", m.Body)
	}
}
