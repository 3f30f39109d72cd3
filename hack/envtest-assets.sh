#!/usr/bin/env bash
# Build the binaries envtest needs (kube-apiserver and etcd) from the Go module
# proxy, cache them, and print their directory, for use as KUBEBUILDER_ASSETS:
#
#   export KUBEBUILDER_ASSETS="$(hack/envtest-assets.sh)"
#
# The versions come from the wrapper modules hack/k8s-bins and hack/etcd-bin
# (their committed go.sum files pin every dependency, so no checksum-database
# lookup is needed). The first run takes about 5 minutes on 2 cores; later
# runs find the binaries in the cache and return at once.
#
# Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/chat-operator/envtest/<versions>-<os>-<arch>
# (override the parent directory with CHAT_ENVTEST_CACHE).
# Only the directory goes to stdout; build output goes to stderr.
set -euo pipefail

hack=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GO=${GO:-go}

# shellcheck source=hack/k8s-lib.sh
. "$hack/k8s-lib.sh"
kver=$(modver "$hack/k8s-bins/go.mod" k8s.io/kubernetes)
ever=$(modver "$hack/etcd-bin/go.mod" go.etcd.io/etcd/server/v3)
if [ -z "$kver" ] || [ -z "$ever" ]; then
	echo "envtest-assets: cannot read the versions from hack/k8s-bins/go.mod and hack/etcd-bin/go.mod" >&2
	exit 1
fi
{ read -r goos; read -r goarch; } < <("$GO" env GOOS GOARCH)

base=${CHAT_ENVTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chat-operator/envtest}
out=$base/k8s-$kver-etcd-$ever-$goos-$goarch
if [ -x "$out/kube-apiserver" ] && [ -x "$out/etcd" ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$out"
tmp=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The wrappers are modules of their own: no go.work, no vendoring, and a
# missing go.sum line is an error rather than a checksum-database lookup.
export GOWORK=off GOFLAGS="${GOFLAGS:-} -mod=readonly" CGO_ENABLED=0

# build NAME DIR PKG LDFLAGS: build PKG of the wrapper module DIR into
# $out/NAME, via a temporary file and a rename, so a killed build leaves
# nothing behind and concurrent runs never see half a binary.
build() {
	local name=$1 dir=$2 pkg=$3 ldflags=$4 t0=$SECONDS
	[ -x "$out/$name" ] && return
	echo "envtest-assets: building $name ($pkg) into $out ..." >&2
	(cd "$dir" && "$GO" build -trimpath -ldflags "$ldflags" -o "$tmp/$name" "$pkg") >&2
	mv -f "$tmp/$name" "$out/$name"
	echo "envtest-assets: $name built in $((SECONDS - t0)) s" >&2
}

kldf=$(k8s_ldflags "$kver")

build etcd "$hack/etcd-bin" go.etcd.io/etcd/server/v3 "-s -w"
build kube-apiserver "$hack/k8s-bins" k8s.io/kubernetes/cmd/kube-apiserver "$kldf"
echo "$out"
