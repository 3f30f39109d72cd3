#!/usr/bin/env bash
# make demo: a real operator on a real local cluster. Brings the cluster up,
# deploys the operator, applies config/samples into namespace $DEMO_NS (the
# ChatServer's database image set to the PostgreSQL 17 image built here),
# waits until everything is Ready, and prints the tenant's credentials and a
# curl line that works from this machine.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/chat-operator
IMAGES_DIR=${CHAT_IMAGES_DIR:-$cache/images}
NS=${DEMO_NS:-shop}

log() { printf '[demo %5ss] %s\n' "$SECONDS" "$*" >&2; }
kubectl() { "$here/cluster.sh" kubectl "$@"; }

"$here/cluster.sh" up >/dev/null
"$here/images.sh" postgres
"$here/cluster.sh" import postgres
"$here/deploy.sh"

overlay=$(mktemp -d)
trap 'rm -rf "$overlay"' EXIT
ln -s "$root/config" "$overlay/config"
cat >"$overlay/kustomization.yaml" <<K
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: $NS
resources: [config/samples]
patches:
- target: {kind: ChatServer, name: chat}
  patch: |
    - {op: add, path: /spec/database/managed/image, value: "$(cat "$IMAGES_DIR/postgres.ref")"}
K
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
log "applying config/samples into namespace $NS"
kubectl apply -k "$overlay" >/dev/null
log "waiting for the ChatServer (PostgreSQL, 2 chatserver pods), the ChatApp, the word lists and the policy"
kubectl -n "$NS" wait --for condition=Ready --timeout=300s chatserver/chat >/dev/null
kubectl -n "$NS" wait --for condition=Ready --timeout=120s chatapp/shop sensitivewordlist/shop-base \
	sensitivewordlist/shop-marketing registrationpolicy/shop >/dev/null
kubectl -n "$NS" get chat

secret() { kubectl -n "$NS" get secret shop-credentials -o "jsonpath={.data.$1}" | base64 -d; }
appkey=$(secret appKey)
master=$(secret masterSecret)
admin=$(secret adminURL)
port=$(kubectl -n "$NS" get service chat -o jsonpath='{.spec.ports[0].port}')
ip=$(kubectl -n "$NS" get service chat -o jsonpath='{.spec.clusterIP}')
cat <<EOF

The tenant "shop" is Ready. Its credentials (Secret $NS/shop-credentials):
  appKey:       $appkey
  masterSecret: $master
  adminURL:     $admin   (in-cluster; from this machine the Service's ClusterIP answers: http://$ip:$port)

Register a user and read it back through the admin API:
  curl -sS -u $appkey:$master -X POST http://$ip:$port/v1/users/ -d '[{"username":"alice","password":"secret123"}]'
  curl -sS -u $appkey:$master http://$ip:$port/v1/users/alice

kubectl:  export KUBECONFIG=$("$here/cluster.sh" kubeconfig)   (or: hack/local-cluster/cluster.sh kubectl ...)
Tear down: make cluster-down
EOF
