package controllers

import (
	"net/http"
	"time"
)

// Options are the manager-wide settings every reconciler shares. main.go
// fills them from flags; tests fill them to point at an in-process
// chatserver.
type Options struct {
	// Resolver says how to reach a ChatServer. Nil means ClusterResolver.
	Resolver Resolver
	// HTTPClient carries every call to a chatserver. Nil means a client
	// with a 10 s timeout.
	HTTPClient *http.Client
	// DefaultChatServerImage is used when a ChatServer leaves spec.image
	// empty.
	DefaultChatServerImage string
	// ResyncPeriod is how often an unchanged object is compared with the
	// running server again, to correct drift made through the admin API.
	ResyncPeriod time.Duration
	// CleanupTimeout is how long a finalizer keeps retrying a server that
	// does not answer before it gives up, so nothing is stuck in
	// Terminating.
	CleanupTimeout time.Duration
	// MaxConcurrentReconciles per kind.
	MaxConcurrentReconciles int
}

// Defaults for Options left zero.
const (
	DefaultResyncPeriod   = 5 * time.Minute
	DefaultCleanupTimeout = 2 * time.Minute
	defaultHTTPTimeout    = 10 * time.Second
)

func (o Options) withDefaults() Options {
	if o.Resolver == nil {
		o.Resolver = ClusterResolver{}
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: defaultHTTPTimeout}
	}
	if o.ResyncPeriod <= 0 {
		o.ResyncPeriod = DefaultResyncPeriod
	}
	if o.CleanupTimeout <= 0 {
		o.CleanupTimeout = DefaultCleanupTimeout
	}
	if o.MaxConcurrentReconciles <= 0 {
		o.MaxConcurrentReconciles = 4
	}
	return o
}
