package sms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/sms"
	"github.com/chat-operator/chat-operator/chatserver/sms/smstest"
)

// fastWebhook retries quickly and logs into buf.
func fastWebhook(buf *bytes.Buffer) *sms.Webhook {
	w := sms.NewWebhook()
	w.AllowLoopback = true // the test receivers listen on loopback
	w.Backoff = time.Millisecond
	w.Timeout = 2 * time.Second
	w.Log = slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return w
}

var msg = sms.Message{AppKey: "appkey000000000000000001", Region: "86", Phone: "13912345678", Code: "482915", Purpose: "register"}

func TestWebhookPostsTheMessage(t *testing.T) {
	t.Parallel()
	rcv := smstest.Start(t, "s3cret-token")
	var logs bytes.Buffer
	if err := fastWebhook(&logs).Send(context.Background(), *rcv.Webhook(), msg); err != nil {
		t.Fatal(err)
	}
	reqs := rcv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if got := r.Header.Get("Authorization"); got != "Bearer s3cret-token" {
		t.Errorf("Authorization %q", got)
	}
	if got := r.Header.Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
		t.Errorf("Content-Type %q", got)
	}
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"appKey": msg.AppKey, "region": "86", "phone": "13912345678", "code": "482915", "purpose": "register"}
	if len(body) != len(want) {
		t.Errorf("body %s, want exactly %v", r.Body, want)
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("body[%s] = %v, want %v", k, body[k], v)
		}
	}
	if logs.Len() != 0 {
		t.Errorf("a delivery that worked logged: %s", logs.String())
	}
}

func TestWebhookRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		statuses []int
		always   int
		tries    int
		ok       bool
	}{
		{"500 then 200", []int{500}, 200, 2, true},
		{"503 and 429 then 204", []int{503, 429}, 204, 3, true},
		{"always 500", nil, 500, 3, false},
		{"400 is final", nil, 400, 1, false},
		{"401 is final", nil, 401, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rcv := smstest.Start(t, "tok")
			rcv.FailNext(tc.statuses...)
			rcv.AnswerAlways(tc.always)
			var logs bytes.Buffer
			err := fastWebhook(&logs).Send(context.Background(), *rcv.Webhook(), msg)
			if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, sms.ErrUndeliverable)) {
				t.Fatalf("Send: %v, want ok=%t or ErrUndeliverable", err, tc.ok)
			}
			if n := len(rcv.Requests()); n != tc.tries {
				t.Fatalf("%d tries, want %d", n, tc.tries)
			}
			for _, s := range []string{logs.String(), errString(err)} {
				if strings.Contains(s, msg.Code) {
					t.Fatalf("the code leaked: %s", s)
				}
			}
			if tc.tries > 1 && !strings.Contains(logs.String(), "13912345678") {
				t.Fatalf("failed tries were not logged: %q", logs.String())
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// A webhook that hangs is cut off by the per-try timeout, and retried.
func TestWebhookTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	hits := make(chan struct{}, 10)
	srv := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln) //nolint:errcheck // closed below
	t.Cleanup(func() { close(release); srv.Close() })

	var logs bytes.Buffer
	w := fastWebhook(&logs)
	w.Timeout = 50 * time.Millisecond
	start := time.Now()
	err = w.Send(context.Background(), model.SMSWebhook{WebhookURL: "http://" + ln.Addr().String() + "/sms"}, msg)
	if !errors.Is(err, sms.ErrUndeliverable) {
		t.Fatalf("Send: %v, want ErrUndeliverable", err)
	}
	if n := len(hits); n != sms.DefaultAttempts {
		t.Fatalf("%d tries, want %d", n, sms.DefaultAttempts)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}

// Logging a whole Message leaves the code out.
func TestMessageLogValueHidesTheCode(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("Sending", "message", msg)
	if strings.Contains(buf.String(), msg.Code) || !strings.Contains(buf.String(), msg.Phone) {
		t.Fatalf("log line %s", buf.String())
	}
}

// The webhook URL is tenant input: it must not reach the node's metadata
// service or, unless allowed, the server's own loopback, whether named by
// address, by a DNS name or through a redirect. Such a refusal is final
// (no retries) and nothing is sent.
func TestWebhookRefusesForbiddenAddresses(t *testing.T) {
	t.Parallel()
	rcv := smstest.Start(t, "tok")
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	u, err := url.Parse(rcv.URL)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, url     string
		allowLoopback bool
	}{
		{"loopback by address", rcv.URL, false},
		{"loopback by name", "http://localhost:" + u.Port() + "/sms", false},
		{"IPv6 loopback", "http://[::1]:9/sms", false},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", true},
		{"metadata outside link-local", "http://100.100.100.200/latest/meta-data/", true},
		{"unspecified", "http://0.0.0.0:9/sms", true},
		{"redirect to metadata", redirector.URL, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			w := fastWebhook(&logs)
			w.AllowLoopback = c.allowLoopback
			err := w.Send(context.Background(), model.SMSWebhook{WebhookURL: c.url, Token: "tok"}, msg)
			if !errors.Is(err, sms.ErrForbiddenAddress) || !errors.Is(err, sms.ErrUndeliverable) {
				t.Fatalf("Send to %s: %v, want ErrForbiddenAddress", c.url, err)
			}
			if n := strings.Count(logs.String(), "Delivering SMS code failed"); n != 1 {
				t.Fatalf("%d tries logged, want 1 (a forbidden address is not retried)", n)
			}
		})
	}
	if n := len(rcv.Requests()); n != 0 {
		t.Fatalf("the receiver got %d requests", n)
	}
	// The same receiver is reachable once loopback is allowed.
	var logs bytes.Buffer
	if err := fastWebhook(&logs).Send(context.Background(), *rcv.Webhook(), msg); err != nil {
		t.Fatalf("loopback allowed: %v", err)
	}
}
