// Package smstest is an SMS webhook receiver for tests: a real HTTP server
// that records what chatserver posts and can be told to fail.
package smstest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/sms"
)

// Request is one POST the receiver got.
type Request struct {
	Header  http.Header
	Body    []byte
	Message sms.Message
}

// Receiver is a running webhook. It answers 200 unless told otherwise.
type Receiver struct {
	URL   string
	Token string

	mu       sync.Mutex
	requests []Request
	// statuses are answered in order before falling back to status.
	statuses []int
	status   int
}

// Start runs a receiver expecting token; it stops when the test ends.
func Start(t testing.TB, token string) *Receiver {
	t.Helper()
	r := &Receiver{Token: token, status: http.StatusOK}
	ts := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(ts.Close)
	r.URL = ts.URL + "/sms"
	return r
}

// Webhook is the policy entry that points at the receiver.
func (r *Receiver) Webhook() *model.SMSWebhook {
	return &model.SMSWebhook{WebhookURL: r.URL, Token: r.Token}
}

// FailNext makes the next requests answer these statuses, in order.
func (r *Receiver) FailNext(statuses ...int) {
	r.mu.Lock()
	r.statuses = append(r.statuses, statuses...)
	r.mu.Unlock()
}

// AnswerAlways sets the status answered once FailNext's are used up.
func (r *Receiver) AnswerAlways(status int) {
	r.mu.Lock()
	r.status = status
	r.mu.Unlock()
}

// Requests returns every request so far.
func (r *Receiver) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.requests...)
}

// LastCode is the code of the last request, or "" if none came.
func (r *Receiver) LastCode() string {
	reqs := r.Requests()
	if len(reqs) == 0 {
		return ""
	}
	return reqs[len(reqs)-1].Message.Code
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	rec := Request{Header: req.Header.Clone(), Body: body}
	_ = json.Unmarshal(body, &rec.Message)
	r.mu.Lock()
	r.requests = append(r.requests, rec)
	status := r.status
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	r.mu.Unlock()
	if req.Method != http.MethodPost || req.Header.Get("Authorization") != "Bearer "+r.Token {
		status = http.StatusUnauthorized
	}
	w.WriteHeader(status)
}
