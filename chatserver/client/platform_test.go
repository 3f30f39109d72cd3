package client_test

// Tests of the platform client against a real chatserver, on SQLite and
// PostgreSQL.

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/client"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

func TestPlatformPutGetList(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		e := newEnv(t, b)
		ctx := t.Context()

		info, err := e.platform.Info(ctx)
		if err != nil {
			t.Fatalf("Info: %v", err)
		}
		if info.Version != "test" || info.Database != b.Name || info.SchemaVersion < 1 {
			t.Errorf("Info = %+v, want version test, database %s, a schema version", info, b.Name)
		}

		key, other := testutil.NewKey(), testutil.NewKey()
		spec := client.AppSpec{MasterSecret: testutil.NewKey(), Limits: client.Limits{SensitiveWords: 300}}
		app, created, err := e.platform.PutApp(ctx, key, spec)
		if err != nil || !created {
			t.Fatalf("first PutApp = created %t, %v; want created", created, err)
		}
		if app.AppKey != key || app.Limits.SensitiveWords != 300 || app.Disabled || app.CreatedAt.IsZero() {
			t.Errorf("created app = %+v", app)
		}
		// Omitted limits come back with the server's defaults filled in.
		if app.Limits.SensitiveWordLength != 10 || app.Limits.BatchRegister != 500 {
			t.Errorf("default limits not reported: %+v", app.Limits)
		}

		spec.Limits = client.Limits{SensitiveWords: 500, BatchDelete: 50}
		spec.Features.CrossAppAllowed = []string{other}
		updated, created, err := e.platform.PutApp(ctx, key, spec)
		if err != nil || created {
			t.Fatalf("second PutApp = created %t, %v; want an update", created, err)
		}
		if updated.Limits.SensitiveWords != 500 || updated.Limits.BatchDelete != 50 ||
			!slices.Equal(updated.Features.CrossAppAllowed, []string{other}) {
			t.Errorf("updated app = %+v", updated)
		}

		got, err := e.platform.GetApp(ctx, key)
		if err != nil {
			t.Fatalf("GetApp: %v", err)
		}
		if fmt.Sprint(got) != fmt.Sprint(updated) {
			t.Errorf("GetApp = %+v, want what PutApp answered %+v", got, updated)
		}

		second, _, err := e.platform.PutApp(ctx, other, client.AppSpec{MasterSecret: testutil.NewKey()})
		if err != nil {
			t.Fatalf("PutApp(other): %v", err)
		}
		apps, err := e.platform.ListApps(ctx)
		if err != nil {
			t.Fatalf("ListApps: %v", err)
		}
		byKey := map[string]client.App{}
		for _, a := range apps {
			byKey[a.AppKey] = a
		}
		if len(apps) != 2 || fmt.Sprint(byKey[key]) != fmt.Sprint(updated) || fmt.Sprint(byKey[other]) != fmt.Sprint(second) {
			t.Errorf("ListApps = %+v, want the two apps", apps)
		}

		// Every call went through the given *http.Client, one request each.
		want := []string{
			"GET /platform/v1/info", "PUT /platform/v1/apps/" + key, "PUT /platform/v1/apps/" + key,
			"GET /platform/v1/apps/" + key, "PUT /platform/v1/apps/" + other, "GET /platform/v1/apps",
		}
		var sent []string
		for _, r := range e.rec.take() {
			sent = append(sent, r.method+" "+r.path)
		}
		if !slices.Equal(sent, want) {
			t.Errorf("requests = %q, want %q", sent, want)
		}
	})
}

func TestPlatformDisableThenPurge(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		e := newEnv(t, b)
		ctx := t.Context()
		key, secret := e.createApp(t, client.Limits{})
		admin := e.admin(t, key, secret)
		if err := admin.AddSensitiveWords(ctx, []string{"kept"}); err != nil {
			t.Fatalf("AddSensitiveWords: %v", err)
		}
		e.rec.take()

		if err := e.platform.DeleteApp(ctx, key, false); err != nil {
			t.Fatalf("DeleteApp(purge=false): %v", err)
		}
		if r := e.rec.take(); len(r) != 1 || r[0].query != "purge=false" {
			t.Errorf("disable sent %+v, want one request with purge=false", r)
		}
		app, err := e.platform.GetApp(ctx, key)
		if err != nil || !app.Disabled {
			t.Fatalf("GetApp after disable = %+v, %v; want a disabled app", app, err)
		}
		_, err = admin.SDKRegister(ctx)
		if c := classes(err); c != "AppDisabled" {
			t.Errorf("admin call on a disabled app: %v classified %q, want AppDisabled", err, c)
		}

		// A PUT brings it back with its data.
		if _, created, err := e.platform.PutApp(ctx, key, client.AppSpec{MasterSecret: secret}); err != nil || created {
			t.Fatalf("re-enabling PutApp = created %t, %v", created, err)
		}
		if words, err := admin.ListSensitiveWords(ctx); err != nil || !slices.Equal(words, []string{"kept"}) {
			t.Errorf("words after re-enable = %q, %v; want [kept]", words, err)
		}

		e.rec.take()
		if err := e.platform.DeleteApp(ctx, key, true); err != nil {
			t.Fatalf("DeleteApp(purge=true): %v", err)
		}
		if r := e.rec.take(); len(r) != 1 || r[0].query != "purge=true" {
			t.Errorf("purge sent %+v, want one request with purge=true", r)
		}
		_, err = e.platform.GetApp(ctx, key)
		if c := classes(err); c != "NotFound" {
			t.Errorf("GetApp after purge: %v classified %q, want NotFound", err, c)
		}
		if ae := apiError(t, err); ae.HTTPStatus != http.StatusNotFound || ae.Reason != "NotFound" ||
			ae.Method != http.MethodGet || ae.Path != "/platform/v1/apps/"+key {
			t.Errorf("GetApp after purge = %+v", ae)
		}
		if !strings.HasPrefix(err.Error(), "getting app "+key+": ") {
			t.Errorf("error %q lacks its context", err)
		}
		// A finalizer deleting twice sees NotFound, which it counts as done.
		if err := e.platform.DeleteApp(ctx, key, true); !client.IsNotFound(err) {
			t.Errorf("second purge = %v, want NotFound", err)
		}
		_, err = admin.SDKRegister(ctx)
		if c := classes(err); c != "Unauthorized" {
			t.Errorf("admin call on a purged app: %v classified %q, want Unauthorized", err, c)
		}
	})
}

func TestPlatformErrors(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		e := newEnv(t, b)
		ctx := t.Context()
		key, secret := e.createApp(t, client.Limits{})

		wrongToken := testutil.NewKey()
		bad, err := client.NewPlatform(e.srv.URL, wrongToken, e.hc)
		if err != nil {
			t.Fatal(err)
		}
		calls := map[string]func() error{
			"Info":    func() error { _, err := bad.Info(ctx); return err },
			"GetApp":  func() error { _, err := bad.GetApp(ctx, key); return err },
			"ListApp": func() error { _, err := bad.ListApps(ctx); return err },
			"PutApp": func() error {
				_, _, err := bad.PutApp(ctx, key, client.AppSpec{MasterSecret: secret})
				return err
			},
			"DeleteApp": func() error { return bad.DeleteApp(ctx, key, true) },
		}
		for name, call := range calls {
			err := call()
			if c := classes(err); c != "Unauthorized" {
				t.Errorf("%s with a wrong token: %v classified %q, want Unauthorized", name, err, c)
				continue
			}
			if ae := apiError(t, err); ae.HTTPStatus != http.StatusUnauthorized || ae.Reason != "Unauthorized" {
				t.Errorf("%s with a wrong token = %+v", name, ae)
			}
			noSecrets(t, err, wrongToken, e.srv.Token, secret)
		}
		// The wrong token changed nothing.
		if app, err := e.platform.GetApp(ctx, key); err != nil || app.Disabled {
			t.Errorf("app after refused calls = %+v, %v", app, err)
		}

		badSecret := "not-24-chars-" + testutil.NewKey()
		_, _, err = e.platform.PutApp(ctx, testutil.NewKey(), client.AppSpec{MasterSecret: badSecret})
		if ae := apiError(t, err); ae.HTTPStatus != http.StatusBadRequest || ae.Reason != "Invalid" || ae.Message == "" {
			t.Errorf("PutApp with a malformed secret = %+v", ae)
		}
		if c := classes(err); c != "" {
			t.Errorf("a bad request classified %q, want none", c)
		}
		noSecrets(t, err, badSecret)

		spec := client.AppSpec{MasterSecret: secret, Limits: client.Limits{SensitiveWords: 7}}
		for _, s := range []string{fmt.Sprint(spec), fmt.Sprintf("%+v", spec), fmt.Sprintf("%v", &spec)} {
			if strings.Contains(s, secret) || !strings.Contains(s, "SensitiveWords:7") {
				t.Errorf("printed spec = %s, want limits and no secret", s)
			}
		}
	})
}
