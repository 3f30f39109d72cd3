#!/usr/bin/env bash
# Build the local cluster's images as tarballs, with no registry and no
# Docker engine, using the go-containerregistry tool in hack/images:
#
#   images.sh base      pause (the pod sandbox) and CoreDNS (cluster DNS)
#   images.sh project   the manager and chatserver (static Go binaries from
#                       this tree) and PostgreSQL 17 (Debian trixie packages)
#   images.sh all       both (the default)
#   images.sh pause|coredns|go|postgres   one of them
#
# Each image lands in $IMAGES_DIR/<name>.tar with its reference in
# $IMAGES_DIR/<name>.ref; cluster.sh import loads them into the node. Tags
# are never "latest" (that means pull policy Always): the manager's and
# chatserver's are dev-<hash of the binary>, so a changed build rolls the
# pods and an unchanged one does not. PostgreSQL and CoreDNS are built once
# and cached.
#
# CHAT_IMAGES_FROM_HEAD=1 builds the manager and chatserver from a clean
# worktree of HEAD (also the fallback when the working tree does not build).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
GO=${GO:-go}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/chat-operator
IMAGES_DIR=${CHAT_IMAGES_DIR:-$cache/images}
REPO=localhost/chat-operator
PG_MAJOR=17
PG_SUITE=trixie
# Bump when build_postgres changes, so the cached image is rebuilt.
PG_RECIPE=1
DEBIAN_MIRROR=${CHAT_DEBIAN_MIRROR:-http://deb.debian.org/debian}

log() { printf '[images %5ss] %s\n' "$SECONDS" "$*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$IMAGES_DIR"
tmp=$(mktemp -d "$IMAGES_DIR/.build.XXXXXX")
cleanup() {
	if [ -d "$tmp/pgroot" ]; then
		{ grep " $tmp/" /proc/mounts || true; } | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" || true; done
	fi
	rm -rf "$tmp"
	if [ -n "${worktree:-}" ]; then git -C "$root" worktree remove --force "$worktree" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

export GOWORK=off CGO_ENABLED=0

imgbuild() {
	if [ ! -x "$tmp/imgbuild" ]; then
		(cd "$root/hack/images" && GOFLAGS="${GOFLAGS:-} -mod=readonly" "$GO" build -o "$tmp/imgbuild" .) >&2
	fi
	"$tmp/imgbuild" "$@" >/dev/null
}

# have NAME REF: the tarball of NAME is built and is REF.
have() { [ -f "$IMAGES_DIR/$1.tar" ] && [ "$(cat "$IMAGES_DIR/$1.ref" 2>/dev/null)" = "$2" ]; }

# record NAME REF: the tarball $tmp/NAME.tar becomes the current NAME.
record() {
	mv -f "$tmp/$1.tar" "$IMAGES_DIR/$1.tar"
	echo "$2" >"$IMAGES_DIR/$1.ref.tmp"
	mv -f "$IMAGES_DIR/$1.ref.tmp" "$IMAGES_DIR/$1.ref"
	log "built $2"
}

sha() { cat "$@" | sha256sum | cut -c1-12; }

build_pause() {
	(cd "$root/hack/images" && GOFLAGS="${GOFLAGS:-} -mod=readonly" "$GO" build -trimpath -buildvcs=false -ldflags "-s -w" -o "$tmp/pause" ./pause) >&2
	local ref
	ref=$REPO/pause:3.10-$(sha "$tmp/pause")
	have pause "$ref" && return
	imgbuild -ref "$ref" -out "$tmp/pause.tar" -file "$tmp/pause:/pause" -entrypoint /pause -user 65535
	record pause "$ref"
}

build_coredns() {
	local ver
	ver=$(awk '$1 == "github.com/coredns/coredns" {print $2; exit}' "$root/hack/coredns/go.mod")
	[ -n "$ver" ] || die "no CoreDNS version in hack/coredns/go.mod"
	local ref=$REPO/coredns:$ver
	have coredns "$ref" && return
	log "building CoreDNS $ver (about 2.5 min cold)"
	(cd "$root/hack/coredns" && GOFLAGS="${GOFLAGS:-} -mod=readonly" nice "$GO" build -trimpath -ldflags "-s -w" \
		-o "$tmp/coredns" github.com/coredns/coredns) >&2
	imgbuild -ref "$ref" -out "$tmp/coredns.tar" -file "$tmp/coredns:/coredns" -entrypoint /coredns -port 53
	record coredns "$ref"
}

# build_go_images: the manager (/manager, the kubebuilder convention) and
# chatserver (/chatserver, the image's entrypoint) from SRC.
build_go_images() {
	local src=$1 version
	version=$(git -C "$src" describe --tags --always --dirty 2>/dev/null || echo dev)
	log "building the manager and chatserver from $src ($version)"
	(cd "$src" && "$GO" build -trimpath -ldflags "-s -w -X main.version=$version" -o "$tmp/manager" . &&
		"$GO" build -trimpath -ldflags "-s -w -X main.version=$version" -o "$tmp/chatserver" ./chatserver/cmd/chatserver) >&2
}

build_project_go() {
	if [ "${CHAT_IMAGES_FROM_HEAD:-0}" = 1 ] || ! build_go_images "$root"; then
		log "building from a clean worktree of HEAD"
		worktree=$tmp/src
		git -C "$root" worktree add --detach "$worktree" HEAD >/dev/null 2>&1
		build_go_images "$worktree"
	fi
	local certs=()
	[ -f /etc/ssl/certs/ca-certificates.crt ] && certs=(-file /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:0644)
	local ref
	ref=$REPO/manager:dev-$(sha "$tmp/manager")
	if ! have manager "$ref"; then
		imgbuild -ref "$ref" -out "$tmp/manager.tar" -file "$tmp/manager:/manager" "${certs[@]}" \
			-entrypoint /manager -user 65532
		record manager "$ref"
	fi
	ref=$REPO/chatserver:dev-$(sha "$tmp/chatserver")
	if ! have chatserver "$ref"; then
		imgbuild -ref "$ref" -out "$tmp/chatserver.tar" -file "$tmp/chatserver:/chatserver" "${certs[@]}" \
			-entrypoint /chatserver -user 65532 -port 8080
		record chatserver "$ref"
	fi
}

# build_postgres: Debian's postgresql-17 on a debootstrap minbase root file
# system, the postgres user at uid/gid 999 like the official image, and an
# entrypoint honouring the official image's environment contract.
build_postgres() {
	local ref
	ref=$REPO/postgres:$PG_MAJOR-$PG_SUITE-$(sha "$here/postgres-entrypoint.sh" <(echo "$PG_RECIPE"))
	have postgres "$ref" && return
	[ "$(id -u)" = 0 ] || die "building the PostgreSQL image needs root (debootstrap)"
	# cluster.sh may be installing its own packages at the same time (make
	# test-e2e runs both at once): wait for dpkg's lock instead of failing.
	if ! command -v debootstrap >/dev/null; then
		local apt=(apt-get -o DPkg::Lock::Timeout=600)
		DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends debootstrap >&2 ||
			{ "${apt[@]}" update >&2 && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends debootstrap >&2; }
	fi
	log "building PostgreSQL $PG_MAJOR from Debian $PG_SUITE (debootstrap, about 2 min)"
	local r=$tmp/pgroot
	nice debootstrap --variant=minbase --include=postgresql-$PG_MAJOR $PG_SUITE "$r" "$DEBIAN_MIRROR" >"$tmp/debootstrap.log" 2>&1 ||
		{ tail -20 "$tmp/debootstrap.log" >&2; die "debootstrap failed"; }
	# The package's own cluster and the package manager's caches.
	rm -rf "$r/var/lib/postgresql/$PG_MAJOR" "$r/etc/postgresql/$PG_MAJOR" "$r"/var/cache/apt/* "$r"/var/lib/apt/lists/* \
		"$r/usr/share/doc" "$r/usr/share/man" "$r/usr/share/info" "$r"/var/log/*.log "$r/var/log/apt"
	# JIT (llvmjit and libLLVM) is optional in PostgreSQL and half the image.
	rm -f "$r/usr/lib/postgresql/$PG_MAJOR/lib/llvmjit"* "$r"/usr/lib/x86_64-linux-gnu/libLLVM* "$r"/usr/lib/x86_64-linux-gnu/libz3*
	rm -rf "$r/usr/lib/postgresql/$PG_MAJOR/lib/bitcode"
	# The official image's postgres user is uid/gid 999; the operator runs it so.
	local uid gid
	uid=$(awk -F: '$1 == "postgres" {print $3}' "$r/etc/passwd")
	gid=$(awk -F: '$1 == "postgres" {print $3}' "$r/etc/group")
	awk -F: '$3 == 999' "$r/etc/passwd" "$r/etc/group" | grep -q . && die "uid or gid 999 taken in the root file system"
	sed -i "s/^postgres:x:$uid:$gid:/postgres:x:999:999:/" "$r/etc/passwd"
	sed -i "s/^postgres:x:$gid:/postgres:x:999:/" "$r/etc/group"
	find "$r" -xdev -uid "$uid" -exec chown -h 999 {} +
	find "$r" -xdev -gid "$gid" -exec chgrp -h 999 {} +
	install -d -o 999 -g 999 -m 2775 "$r/var/run/postgresql"
	install -d -o 999 -g 999 -m 0700 "$r/var/lib/postgresql/data"
	install -m 0755 "$here/postgres-entrypoint.sh" "$r/usr/local/bin/docker-entrypoint.sh"
	tar -C "$r" --numeric-owner --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* \
		-cf "$tmp/pgroot.tar" .
	local bin=/usr/lib/postgresql/$PG_MAJOR/bin
	imgbuild -ref "$ref" -out "$tmp/postgres.tar" -layer "$tmp/pgroot.tar" \
		-env "PATH=$bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" -env LANG=C.UTF-8 \
		-env PGDATA=/var/lib/postgresql/data -env PG_MAJOR=$PG_MAJOR \
		-entrypoint /usr/local/bin/docker-entrypoint.sh -cmd postgres -user 999 -port 5432
	record postgres "$ref"
}

[ $# -gt 0 ] || set -- all
for what in "$@"; do
	case $what in
	base) build_pause && build_coredns ;;
	project) build_project_go && build_postgres ;;
	all) build_pause && build_coredns && build_project_go && build_postgres ;;
	pause) build_pause ;;
	coredns) build_coredns ;;
	go) build_project_go ;;
	postgres) build_postgres ;;
	*)
		echo "usage: $0 [base|project|all|pause|coredns|go|postgres]..." >&2
		exit 2
		;;
	esac
done
