package envtestutil

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/server"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// ChatServer is a real chatserver (SQLite) serving over HTTP in this
// process.
type ChatServer struct {
	// URL is the server's base URL.
	URL string
	// Token is the bearer token its platform API accepts.
	Token string
	// Svc is the service behind the handlers, for checking what the
	// operator did without going through HTTP.
	Svc *core.Service

	http      *httptest.Server
	st        *store.Store
	closeOnce sync.Once
}

// Option configures StartChatServer.
type Option func(*options)

type options struct {
	afterRequest func(*http.Request)
}

// AfterEachRequest has the server call fn with each request once it has
// served it, e.g. to signal that a change has reached the store.
func AfterEachRequest(fn func(*http.Request)) Option {
	return func(o *options) { o.afterRequest = fn }
}

// StartChatServer runs a chatserver on a SQLite database in dir that
// accepts token on its platform API. It runs until Close.
func StartChatServer(ctx context.Context, dir, token string, opts ...Option) (*ChatServer, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "chat.db"))
	if err != nil {
		return nil, fmt.Errorf("opening the chatserver's store: %w", err)
	}
	svc := core.New(st)
	var h http.Handler = server.New(svc, server.Config{PlatformToken: token, Version: "test"}, prometheus.NewRegistry())
	if after := o.afterRequest; after != nil {
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inner.ServeHTTP(w, r)
			after(r)
		})
	}
	ts := httptest.NewServer(h)
	return &ChatServer{URL: ts.URL, Token: token, Svc: svc, http: ts, st: st}, nil
}

// Close stops serving, waiting for requests in flight, and closes the
// store. Later calls do nothing.
func (c *ChatServer) Close() {
	c.closeOnce.Do(func() {
		c.http.Close()
		_ = c.st.Close()
	})
}
