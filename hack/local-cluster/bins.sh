#!/usr/bin/env bash
# Build the node's binaries (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet, kube-proxy and kubectl) from the Go module proxy
# through the wrapper module hack/node-bins, cache them, and print their
# directory, with etcd from hack/etcd-bin (the envtest one, copied from the
# envtest cache when it is there).
#
# Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/chat-operator/node/k8s-<version>-<os>-<arch>
# (override the parent with CHAT_NODE_CACHE). Only the directory goes to
# stdout; build output goes to stderr. A cold build takes about 7 minutes on
# 2 cores; a second call returns at once.
set -euo pipefail

hack=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GO=${GO:-go}

# shellcheck source=hack/k8s-lib.sh
. "$hack/k8s-lib.sh"
kver=$(modver "$hack/node-bins/go.mod" k8s.io/kubernetes)
ever=$(modver "$hack/etcd-bin/go.mod" go.etcd.io/etcd/server/v3)
[ -n "$kver" ] && [ -n "$ever" ] || { echo "bins: cannot read versions from hack/node-bins/go.mod, hack/etcd-bin/go.mod" >&2; exit 1; }
{ read -r goos; read -r goarch; } < <("$GO" env GOOS GOARCH)

base=${CHAT_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chat-operator/node}
out=$base/k8s-$kver-etcd-$ever-$goos-$goarch
bins=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
missing=()
for b in "${bins[@]}"; do [ -x "$out/$b" ] || missing+=("$b"); done
if [ ${#missing[@]} -eq 0 ] && [ -x "$out/etcd" ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$out"

export GOWORK=off GOFLAGS="${GOFLAGS:-} -mod=readonly" CGO_ENABLED=0
if [ ! -x "$out/etcd" ]; then
	# The envtest cache (hack/envtest-assets.sh) holds the same etcd; copy it
	# when present, so the two caches can be pruned independently.
	envtest=${CHAT_ENVTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chat-operator/envtest}/k8s-$(modver "$hack/k8s-bins/go.mod" k8s.io/kubernetes)-etcd-$ever-$goos-$goarch
	if [ -x "$envtest/etcd" ]; then
		cp -f "$envtest/etcd" "$out/etcd.tmp"
	else
		echo "bins: building etcd $ever ..." >&2
		(cd "$hack/etcd-bin" && nice "$GO" build -trimpath -ldflags "-s -w" -o "$out/etcd.tmp" go.etcd.io/etcd/server/v3) >&2
	fi
	mv -f "$out/etcd.tmp" "$out/etcd"
fi

if [ ${#missing[@]} -gt 0 ]; then
	tmp=$(mktemp -d "$out/.build.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	ldf=$(k8s_ldflags "$kver")
	pkgs=()
	for b in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
	t0=$SECONDS
	echo "bins: building ${missing[*]} ($kver) into $out (about 7 min cold on 2 cores) ..." >&2
	(cd "$hack/node-bins" && nice "$GO" build -trimpath -ldflags "$ldf" -o "$tmp/" "${pkgs[@]}") >&2
	for b in "${missing[@]}"; do mv -f "$tmp/$b" "$out/$b"; done
	echo "bins: built in $((SECONDS - t0)) s" >&2
fi
echo "$out"
