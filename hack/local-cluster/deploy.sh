#!/usr/bin/env bash
# Install the operator from config/default (CRDs, RBAC, the manager
# Deployment in chat-operator-system) with kubectl's kustomize, and wait for
# the manager to be available.
#
#   deploy.sh            on the local cluster, with images built here and
#                        imported into its node (images.sh, cluster.sh import)
#   IMG=registry/chat-operator:v1 CHATSERVER_IMG=registry/chatserver:v1 deploy.sh
#                        on the cluster of $KUBECONFIG (kubectl from $KUBECTL or
#                        PATH), with your registry's images
#   deploy.sh undeploy   remove it (CRDs, and so every ChatServer and ChatApp, too)
#
# The committed kustomizations are not edited: the image names (and, with
# RESYNC_PERIOD, the manager's --resync-period) go into a temporary overlay.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/chat-operator
IMAGES_DIR=${CHAT_IMAGES_DIR:-$cache/images}
NS=chat-operator-system
DEPLOYMENT=chat-operator-controller-manager

log() { printf '[deploy %5ss] %s\n' "$SECONDS" "$*" >&2; }

if [ -n "${IMG:-}" ]; then
	kubectl() { command "${KUBECTL:-kubectl}" "$@"; }
	[ -n "${CHATSERVER_IMG:-}" ] || { log "error: set CHATSERVER_IMG with IMG"; exit 2; }
else
	kubectl() { "$here/cluster.sh" kubectl "$@"; }
fi

if [ "${1:-deploy}" = undeploy ]; then
	kubectl delete -k "$root/config/default" --ignore-not-found --wait=true --timeout=180s
	exit 0
fi

if [ -z "${IMG:-}" ]; then
	"$here/images.sh" go
	"$here/cluster.sh" import manager chatserver
	IMG=$(cat "$IMAGES_DIR/manager.ref")
	CHATSERVER_IMG=$(cat "$IMAGES_DIR/chatserver.ref")
fi

# split REF: "name tag" (a registry port is part of the name).
split() {
	local ref=$1 name tag
	name=${ref%:*}
	tag=${ref##*:}
	if [ "$name" = "$ref" ] || [[ $tag == */* ]]; then name=$ref tag=latest; fi
	echo "$name $tag"
}

overlay=$(mktemp -d)
trap 'rm -rf "$overlay"' EXIT
# kustomize loads bases only below the overlay's directory: link the repo's config in.
ln -s "$root/config" "$overlay/config"
read -r mname mtag <<<"$(split "$IMG")"
read -r cname ctag <<<"$(split "$CHATSERVER_IMG")"
{
	echo "apiVersion: kustomize.config.k8s.io/v1beta1"
	echo "kind: Kustomization"
	echo "resources: [config/default]"
	echo "images:"
	echo "- {name: controller, newName: \"$mname\", newTag: \"$mtag\"}"
	echo "- {name: chatserver, newName: \"$cname\", newTag: \"$ctag\"}"
	if [ -n "${RESYNC_PERIOD:-}" ]; then
		echo "patches:"
		echo "- target: {kind: Deployment, name: controller-manager}"
		echo "  patch: |"
		echo "    - {op: add, path: /spec/template/spec/containers/0/args/-, value: \"--resync-period=$RESYNC_PERIOD\"}"
	fi
} >"$overlay/kustomization.yaml"

log "applying config/default with $IMG and $CHATSERVER_IMG"
# Server-side: the CRDs are too large for client-side apply's annotation.
kubectl apply --server-side --force-conflicts -k "$overlay" >/dev/null
kubectl wait --for condition=Established --timeout=60s \
	crd/chatservers.im.chat-operator.dev crd/chatapps.im.chat-operator.dev \
	crd/sensitivewordlists.im.chat-operator.dev crd/registrationpolicies.im.chat-operator.dev >/dev/null
kubectl -n "$NS" rollout status "deploy/$DEPLOYMENT" --timeout=180s >&2
log "the operator runs in $NS"
