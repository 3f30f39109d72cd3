package controllers_test

import (
	"net/http"
	"sync"
)

// callCounter is the reconcilers' HTTP transport in the suite: it counts
// requests by method and path, so specs can assert how many calls a
// reconcile makes to the chatserver.
type callCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func newCallCounter() *callCounter { return &callCounter{counts: map[string]int{}} }

func (c *callCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.counts[req.Method+" "+req.URL.Path]++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// count returns how many "METHOD path" requests were made.
func (c *callCounter) count(methodAndPath string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[methodAndPath]
}
