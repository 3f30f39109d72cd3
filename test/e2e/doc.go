// Package e2e holds the end-to-end suite of issue #6: the operator, the
// chatserver and PostgreSQL as real pods on the local single-node cluster
// (hack/local-cluster), driven as a platform team and an app would.
//
// The tests carry the build tag e2e, so `go test ./...` (make test) never
// runs them. `make test-e2e` brings the cluster up, builds and imports the
// images, deploys the operator, runs
//
//	go test -tags e2e -count=1 -v ./test/e2e/
//
// with CHAT_E2E_KUBECONFIG and CHAT_E2E_POSTGRES_IMAGE set, and tears the
// cluster down at the end, even on failure.
package e2e
