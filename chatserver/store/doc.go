// Package store persists chatserver's data in SQLite (embedded, the
// zero-setup default) or PostgreSQL (production, several replicas).
//
// One SQL implementation serves both: queries are written with '?'
// placeholders and rewritten for PostgreSQL, and the schema is written once
// with two dialect tokens. Every tenant-owned row carries app_id and every
// query filters by it; callers pass the app id they authenticated.
package store
