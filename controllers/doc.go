// Package controllers holds one reconciler per kind (ChatServer, ChatApp,
// SensitiveWordList, RegistrationPolicy) and the helpers they share:
// status patching, finalizers, backoff and how to reach a chatserver.
//
// Every Reconcile reads as a list of named steps. Each step either moves
// on, or stops with a condition that says why (a dependency missing or not
// ready) and a requeue; the status is then written once, at the end, and
// only when it changed.
package controllers
