package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/passhash"
	"github.com/chat-operator/chat-operator/chatserver/sms/smstest"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// publicID is the SealTalk id older versions gave every user and group:
// the internal id times a fixed odd factor modulo 62^8, in 8 base62
// digits. Written out here so the test does not trust the code it checks.
func publicID(id int64) string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	m := new(big.Int).Exp(big.NewInt(62), big.NewInt(8), nil)
	n := new(big.Int).Mul(big.NewInt(id), big.NewInt(48271*16807*69621))
	n.Mod(n, m)
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		var r big.Int
		n.DivMod(n, big.NewInt(62), &r)
		b[i] = digits[r.Int64()]
	}
	return string(b)
}

// oldTenant is what a version before keyed ids left in its database: a
// tenant with a phone user and a group.
type oldTenant struct {
	key            string
	aliceID, group int64
}

// plantOldTenant writes, on a database at schema version 14, the rows that
// version wrote for an app, a user registered by phone (their username is
// their public id) and a group they own.
func plantOldTenant(ctx context.Context, t *testing.T, st *store.Store, key, phone string) oldTenant {
	t.Helper()
	now := time.UnixMilli(time.Now().UnixMilli())
	// The apps row as version 14's PutApp inserted it (no id key).
	if err := store.ExecRaw(ctx, st, `INSERT INTO apps (app_key, app_key_lower, secret_hash, limits, features, disabled,
		created_at, updated_at) VALUES (?, ?, ?, '{}', '{}', FALSE, ?, ?)`, key, key, []byte{1}, now.UnixMilli(), now.UnixMilli()); err != nil {
		t.Fatalf("planting app %s: %v", key, err)
	}
	appID := queryInt(ctx, t, st, "SELECT id FROM apps WHERE app_key_lower = '"+key+"'")
	hash, err := passhash.Hash("P@ssw0rd")
	if err != nil {
		t.Fatal(err)
	}
	nick := "Alice"
	var out oldTenant
	out.key = key
	err = st.Write(ctx, func(q *store.Q) error {
		var err error
		out.aliceID, err = q.InsertUser(ctx, model.User{AppID: appID, Username: "p-placeholder-" + key, PasswordHash: hash,
			Profile: model.Profile{Nickname: &nick}, Created: now, Modified: now})
		if err != nil {
			return err
		}
		if err := q.RenameUser(ctx, appID, out.aliceID, publicID(out.aliceID)); err != nil {
			return err
		}
		if err := q.InsertPhoneUser(ctx, appID, out.aliceID, "86", phone); err != nil {
			return err
		}
		out.group, err = q.InsertGroup(ctx, model.Group{AppID: appID, OwnerID: out.aliceID, Name: "Team 1", Flag: 1,
			MaxMembers: 500, Created: now, Modified: now})
		if err != nil {
			return err
		}
		return q.AddGroupMember(ctx, appID, out.group, out.aliceID, now)
	})
	if err != nil {
		t.Fatalf("planting the users of %s: %v", key, err)
	}
	return out
}

func queryInt(ctx context.Context, t *testing.T, st *store.Store, query string) int64 {
	t.Helper()
	n, err := store.QueryInt(ctx, st, query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// sealTalk calls a tenant's SealTalk user API; it returns the HTTP
// status, the return code and the result.
func sealTalk(t *testing.T, srv *testutil.Server, key, method, path, token string, body any) (int, int, json.RawMessage) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		enc, _ := json.Marshal(body)
		rd = bytes.NewReader(enc)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, srv.URL+"/apps/"+key+"/user/"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Code   int             `json:"code"`
		Result json.RawMessage `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, out.Code, out.Result
}

// A database from before keyed SealTalk ids is migrated: every app gets
// a secret key of its own, the ids handed out before keep their 8
// characters and still resolve (users and groups), and users who come
// after get keyed ids that the old spelling does not reach.
func TestIDsFromBeforeKeyedIDsStayValid(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		url := b.NewURL(t)
		st, err := store.OpenAtVersion(ctx, url, 14)
		if err != nil {
			t.Fatal(err)
		}
		one := plantOldTenant(ctx, t, st, "oldtenantone000000000000", "13912345678")
		two := plantOldTenant(ctx, t, st, "oldtenanttwo000000000000", "13912345679")
		st.Close()

		srv := testutil.StartServer(t, testutil.Backend{Name: b.Name, NewURL: func(testing.TB) string { return url }})
		appOne, err := srv.Store.Read().AppByKey(ctx, one.key)
		if err != nil {
			t.Fatal(err)
		}
		appTwo, err := srv.Store.Read().AppByKey(ctx, two.key)
		if err != nil {
			t.Fatal(err)
		}
		if len(appOne.IDKey) != 32 || len(appTwo.IDKey) != 32 || bytes.Equal(appOne.IDKey, appTwo.IDKey) {
			t.Fatalf("id keys after the migration: %x and %x, want 32 random bytes each", appOne.IDKey, appTwo.IDKey)
		}
		if appOne.LegacyUserIDs != one.aliceID || appOne.LegacyGroupIDs != one.group ||
			appTwo.LegacyUserIDs != two.aliceID || appTwo.LegacyGroupIDs != two.group {
			t.Fatalf("legacy ranges: %d/%d and %d/%d, want %d/%d and %d/%d", appOne.LegacyUserIDs, appOne.LegacyGroupIDs,
				appTwo.LegacyUserIDs, appTwo.LegacyGroupIDs, one.aliceID, one.group, two.aliceID, two.group)
		}

		// Alice logs in as before: same id, and it resolves.
		status, code, res := sealTalk(t, srv, one.key, "POST", "login", "", map[string]any{"region": 86, "phone": 13912345678, "password": "P@ssw0rd"})
		var login struct{ ID, Token string }
		if status != 200 || code != 200 || json.Unmarshal(res, &login) != nil || login.ID != publicID(one.aliceID) {
			t.Fatalf("login of a user from before: %d/%d %s, want id %s", status, code, res, publicID(one.aliceID))
		}
		status, code, res = sealTalk(t, srv, one.key, "GET", publicID(one.aliceID), login.Token, nil)
		if status != 200 || code != 200 || !strings.Contains(string(res), `"nickname":"Alice"`) {
			t.Fatalf("GET /user/%s: %d/%d %s", publicID(one.aliceID), status, code, res)
		}
		// Her group keeps its id too.
		status, _, res = sealTalk(t, srv, one.key, "GET", "groups", login.Token, nil)
		var groups []struct{ ID, CreatorID string }
		if status != 200 || json.Unmarshal(res, &groups) != nil || len(groups) != 1 ||
			groups[0].ID != publicID(one.group) || groups[0].CreatorID != publicID(one.aliceID) {
			t.Fatalf("groups: %d %s, want id %s by %s", status, res, publicID(one.group), publicID(one.aliceID))
		}
		// The other tenant's old id is not this tenant's user.
		if status, _, _ := sealTalk(t, srv, one.key, "GET", publicID(two.aliceID), login.Token, nil); status != 404 {
			t.Fatalf("another tenant's user by id: %d, want 404", status)
		}

		// A user who registers now gets a keyed id, and the public
		// spelling of their internal id does not reach them.
		newID := registerByPhone(t, srv, one.key, "13800000000")
		newcomer, err := srv.Svc.User(ctx, appOne, newID)
		if err != nil {
			t.Fatalf("the username of a new phone user is their id %s: %v", newID, err)
		}
		if len(newID) != 11 || newID == publicID(newcomer.ID) {
			t.Fatalf("a new user's id %q (internal %d)", newID, newcomer.ID)
		}
		for _, id := range []string{publicID(newcomer.ID), publicID(newcomer.ID + 1)} {
			if status, _, res := sealTalk(t, srv, one.key, "GET", id, login.Token, nil); status != 404 {
				t.Fatalf("GET /user/%s (an 8-character id beyond the old users): %d %s, want 404", id, status, res)
			}
		}
		if status, _, _ := sealTalk(t, srv, one.key, "GET", newID, login.Token, nil); status != 200 {
			t.Fatalf("GET /user/%s (the new user's id): %d", newID, status)
		}
	})
}

// registerByPhone registers a user of the tenant through SealTalk
// (send_code, verify_code, register) and returns their id. It gives the
// tenant a master secret and a policy that sends codes to a test
// receiver first.
func registerByPhone(t *testing.T, srv *testutil.Server, key, phone string) string {
	t.Helper()
	app := testutil.App{Key: key, Secret: testutil.NewKey()}
	if r := srv.Do(t, "PUT", "/platform/v1/apps/"+key, testutil.Bearer(srv.Token), map[string]any{"masterSecret": app.Secret}); r.Status != 200 {
		t.Fatalf("updating app %s: %d %s", key, r.Status, r.Body)
	}
	sms := smstest.Start(t, "sms-token")
	policy := map[string]any{"sms": map[string]any{"webhookURL": sms.URL, "token": sms.Token}}
	if r := srv.Do(t, "PUT", "/v1/registration/policy", app.As(), policy); r.Status != 200 {
		t.Fatalf("setting the policy: %d %s", r.Status, r.Body)
	}
	if status, code, res := sealTalk(t, srv, key, "POST", "send_code", "", map[string]any{"region": 86, "phone": phone}); code != 200 {
		t.Fatalf("send_code: %d/%d %s", status, code, res)
	}
	status, code, res := sealTalk(t, srv, key, "POST", "verify_code", "", map[string]any{"region": 86, "phone": phone, "code": sms.LastCode()})
	var v struct {
		Token string `json:"verification_token"`
	}
	if code != 200 || json.Unmarshal(res, &v) != nil {
		t.Fatalf("verify_code: %d/%d %s", status, code, res)
	}
	status, code, res = sealTalk(t, srv, key, "POST", "register", "", map[string]any{"nickname": "Bob", "password": "P@ssw0rd", "verification_token": v.Token})
	var reg struct{ ID string }
	if code != 200 || json.Unmarshal(res, &reg) != nil {
		t.Fatalf("register: %d/%d %s", status, code, res)
	}
	return reg.ID
}

// An app that a replica of an older version creates during a rolling
// upgrade, after the migration, has no id key: the first read draws one,
// and it stays.
func TestAppCreatedByAnOlderReplicaGetsAnIDKey(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		st := openStore(t, b)
		now := time.Now().UnixMilli()
		if err := store.ExecRaw(ctx, st, `INSERT INTO apps (app_key, app_key_lower, secret_hash, created_at, updated_at)
			VALUES ('fromolderreplica00000000', 'fromolderreplica00000000', ?, ?, ?)`, []byte{1}, now, now); err != nil {
			t.Fatal(err)
		}
		first, err := st.Read().AppByKey(ctx, "fromolderreplica00000000")
		if err != nil {
			t.Fatal(err)
		}
		again, err := st.Read().AppByID(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		all, err := st.Read().ListApps(ctx)
		if err != nil || len(all) != 1 {
			t.Fatalf("ListApps: %v %v", all, err)
		}
		if len(first.IDKey) != 32 || !bytes.Equal(first.IDKey, again.IDKey) || !bytes.Equal(first.IDKey, all[0].IDKey) {
			t.Fatalf("id keys: %x, then %x, then %x", first.IDKey, again.IDKey, all[0].IDKey)
		}
	})
}
