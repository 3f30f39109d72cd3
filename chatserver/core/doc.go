// Package core is chatserver's domain: tenants, users and their relations,
// sensitive words and registration settings. It enforces every rule once,
// for every face (the JMessage admin API, the end-user dialects, the
// platform API), and knows nothing about HTTP. It returns the typed errors
// in errors.go; each face maps them to its own wire codes in one table.
package core
