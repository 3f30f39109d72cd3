// Package controllers will hold one reconciler per kind, plus the shared
// sync helpers (issue #4).
package controllers
