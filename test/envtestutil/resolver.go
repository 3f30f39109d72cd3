package envtestutil

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// UnreachableURL is a loopback port nothing listens on: where a ChatServer
// without an entry in a Resolver resolves.
const UnreachableURL = "http://127.0.0.1:1"

// Resolver is a controllers.Resolver for tests: it points each ChatServer at
// the URL set for it, typically a chatserver running in the test process.
// A ChatServer without one resolves to UnreachableURL, which is how tests
// make a server unreachable. It is safe for concurrent use.
type Resolver struct {
	mu   sync.Mutex
	urls map[types.NamespacedName]string
}

// NewResolver returns a Resolver with no entries.
func NewResolver() *Resolver {
	return &Resolver{urls: map[types.NamespacedName]string{}}
}

// Endpoint implements controllers.Resolver.
func (r *Resolver) Endpoint(s *imv1alpha1.ChatServer) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if u, ok := r.urls[types.NamespacedName{Namespace: s.Namespace, Name: s.Name}]; ok {
		return u
	}
	return UnreachableURL
}

// Set points the ChatServer key at url.
func (r *Resolver) Set(key types.NamespacedName, url string) {
	r.mu.Lock()
	r.urls[key] = url
	r.mu.Unlock()
}
