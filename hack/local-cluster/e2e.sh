#!/usr/bin/env bash
# make test-e2e: bring the local cluster up (idempotent), build and import
# the images, deploy the operator (with a short resync period, so drift
# correction shows within the test's patience), run the Ginkgo suite in
# test/e2e, and tear the cluster down at the end, even on failure.
#
# CHAT_E2E_KEEP=1 keeps the cluster (and the test namespace) for a look
# afterwards; `make cluster-down` removes it. E2E_TIMEOUT (default 30m)
# bounds the suite; GINKGO_ARGS go to the test binary (e.g.
# GINKGO_ARGS=-ginkgo.focus=rotates).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
GO=${GO:-go}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/chat-operator
IMAGES_DIR=${CHAT_IMAGES_DIR:-$cache/images}

log() { printf '[e2e %5ss] %s\n' "$SECONDS" "$*" >&2; }

finish() {
	local rc=$?
	if [ "${CHAT_E2E_KEEP:-0}" = 1 ]; then
		log "keeping the cluster (CHAT_E2E_KEEP=1): KUBECONFIG=$("$here/cluster.sh" kubeconfig)"
	else
		"$here/cluster.sh" down || rc=1
	fi
	log "done in ${SECONDS}s, exit $rc"
	exit $rc
}
trap finish EXIT

# The PostgreSQL image is mostly downloads (debootstrap): build it while
# the node's binaries compile.
GO=$GO "$here/images.sh" postgres &
pg=$!
kubeconfig=$("$here/cluster.sh" up)
log "cluster up"
wait $pg
"$here/cluster.sh" import postgres
GO=$GO RESYNC_PERIOD=${RESYNC_PERIOD:-15s} "$here/deploy.sh"
log "operator deployed; running the suite"

cd "$root"
# shellcheck disable=SC2086
CHAT_E2E_KUBECONFIG=$kubeconfig CHAT_E2E_POSTGRES_IMAGE=$(cat "$IMAGES_DIR/postgres.ref") \
	"$GO" test -tags e2e -count=1 -v -timeout "${E2E_TIMEOUT:-30m}" ./test/e2e/ ${GINKGO_ARGS:-} || {
	log "the suite failed; the manager's log:"
	"$here/cluster.sh" kubectl -n chat-operator-system logs deploy/chat-operator-controller-manager --tail=100 >&2 || true
	exit 1
}
