package httpio

import (
	"net/http"
	"slices"
)

// Mux is where a face registers its routes: an *http.ServeMux, or a
// Routes in front of one.
type Mux interface {
	Handle(pattern string, h http.Handler)
	HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request))
}

// Routes passes registrations on to a mux and keeps their patterns, so
// the server can list every route it serves: the hostile-input tests
// walk that list, and a new route is covered without a test naming it.
type Routes struct {
	mux      Mux
	patterns []string
}

// NewRoutes records what is registered on mux.
func NewRoutes(mux Mux) *Routes { return &Routes{mux: mux} }

// Handle registers h for pattern on the mux and records the pattern.
func (r *Routes) Handle(pattern string, h http.Handler) {
	r.patterns = append(r.patterns, pattern)
	r.mux.Handle(pattern, h)
}

// HandleFunc is Handle for a function.
func (r *Routes) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	r.Handle(pattern, http.HandlerFunc(h))
}

// Patterns are the recorded patterns, in registration order.
func (r *Routes) Patterns() []string { return slices.Clone(r.patterns) }
