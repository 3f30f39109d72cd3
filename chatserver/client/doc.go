// Package client is the Go client of chatserver's two operator-facing APIs:
// the platform API (Platform: tenants, Bearer token) and a tenant's
// JMessage-compatible admin API (Admin: sensitive words, switches and the
// registration policy, Basic auth with the app's masterSecret).
//
// Its only chatserver import is model, for Limits (plain types, no
// dependencies), so the operator binary does not link the server while the
// limit names and defaults exist once.
//
// Every request goes through the *http.Client the caller passes, so wrapping
// its Transport observes (or counts) every call. Failures are *Error values;
// IsNotFound, IsUnauthorized, IsAppDisabled and IsUnavailable classify them.
// Credentials travel only in request headers and never appear in an error.
package client
