#!/usr/bin/env bash
# with-postgres.sh — run a command against a real, throwaway PostgreSQL server.
#
# Usage:
#   hack/with-postgres.sh <command> [args...]
#   e.g. hack/with-postgres.sh go test ./...
#
# What it does:
#   1. Finds the PostgreSQL server binaries (pg_ctl, initdb, postgres): first in
#      /usr/lib/postgresql/<version>/bin (highest version wins), then on PATH.
#      If they are missing it installs Debian's "postgresql" package with
#      apt-get (as root, or through sudo), without letting the package create
#      or start a system cluster.
#   2. Creates a fresh temporary directory holding the data directory, the
#      Unix socket and the server log. When run as root the server runs as an
#      unprivileged user (initdb/postgres refuse to run as root): "postgres" if
#      that user exists, otherwise a system user "chattest" that is created.
#   3. Starts the server on a free port on 127.0.0.1 (trust auth, superuser
#      "postgres"), exports
#        CHAT_TEST_POSTGRES_DSN=postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
#        CHAT_TEST_POSTGRES_BINDIR   the directory of pg_ctl, initdb and postgres
#        CHAT_TEST_POSTGRES_USER     the operating-system user the server runs
#                                    as; pg_ctl and initdb must run as that
#                                    user (they refuse root)
#      and runs the command with them. The server is shared by every package
#      the command tests, often at the same time (go test ./... runs packages
#      in parallel): a test that stops or restarts PostgreSQL starts a server
#      of its own from the same binaries, as that user (test/fault does),
#      rather than touching this one.
#   4. Always stops the server and deletes the temporary directory afterwards
#      (on normal exit, failure, Ctrl-C or SIGTERM). The exit status is the
#      command's exit status.
#
# Environment knobs (all optional):
#   WITH_POSTGRES_BINDIR       use the server binaries in this directory only
#   WITH_POSTGRES_SEARCH_ROOT  where versioned installs live
#                              (default /usr/lib/postgresql)
#   WITH_POSTGRES_INSTALL=0    never try to install the package; just fail
#   WITH_POSTGRES_DURABLE=1    keep PostgreSQL's durable defaults (fsync,
#                              synchronous_commit, full_page_writes on), for
#                              benchmarks whose figures must mean "stored"
#
# All of this script's own messages go to stderr, so the command's stdout is
# left untouched.

# cleanup(), on_signal() and wait_pid_gone() are only reached through traps,
# which shellcheck reports as unreachable code.
# shellcheck disable=SC2317

set -euo pipefail

readonly PROG=with-postgres
readonly SEARCH_ROOT=${WITH_POSTGRES_SEARCH_ROOT:-/usr/lib/postgresql}
readonly FALLBACK_USER=chattest
readonly START_ATTEMPTS=5

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# State read by cleanup(); set as things get created.
TMP_ROOT=""          # temp dir: data dir, socket, logs
PG_BINDIR=""         # directory holding pg_ctl, initdb and postgres
PG_USER=""           # unprivileged user to run the server as ("" = ourselves)
POLICY_RC_D_CREATED=""

# ---------------------------------------------------------------------------
# Cleanup: stop the server (if any) and remove every trace of it.
# ---------------------------------------------------------------------------

cleanup() {
	local rc=$?
	trap - EXIT
	trap '' INT TERM # don't let a second Ctrl-C interrupt the cleanup
	set +e
	if [[ -n $TMP_ROOT && -d $TMP_ROOT ]]; then
		local data=$TMP_ROOT/data pid=""
		if [[ -f $data/postmaster.pid ]]; then
			pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null)
			# Immediate shutdown: the data is thrown away anyway.
			as_pg_user "$PG_BINDIR/pg_ctl" stop -D "$data" -m immediate -w -t 30 \
				>/dev/null 2>&1
			# pg_ctl returns once postmaster.pid is gone, which is a moment
			# before the process itself exits: give it a little while.
			if [[ $pid =~ ^[0-9]+$ ]] && ! wait_pid_gone "$pid" 50; then
				log "server did not stop; killing pid $pid"
				kill -KILL "$pid" 2>/dev/null
				wait_pid_gone "$pid" 50
			fi
		fi
		rm -rf -- "$TMP_ROOT"
	fi
	if [[ -n $POLICY_RC_D_CREATED ]]; then
		as_root rm -f /usr/sbin/policy-rc.d
	fi
	exit "$rc"
}

# Pid of the command while it runs; signals are passed on to it.
CHILD=""

on_signal() {
	local sig=$1 code=$2
	if [[ -n $CHILD ]]; then
		kill -s "$sig" "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
	exit "$code" # runs cleanup()
}

trap cleanup EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

# True if process $1 is gone (or a zombie) within $2 tenths of a second.
wait_pid_gone() {
	local pid=$1 tries=$2 state
	while ((tries-- > 0)); do
		kill -0 "$pid" 2>/dev/null || return 0
		state=""
		if [[ -r /proc/$pid/stat ]]; then
			state=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null) || state=""
		fi
		[[ $state == Z ]] && return 0
		sleep 0.1
	done
	! kill -0 "$pid" 2>/dev/null
}

as_root() {
	if ((EUID == 0)); then
		"$@"
	else
		sudo "$@"
	fi
}

# Run a command as $PG_USER (or as ourselves when not root), from inside the
# temp dir so that the server tools never trip over an unreadable cwd.
as_pg_user() {
	(
		cd "${TMP_ROOT:-/}" 2>/dev/null || cd /
		if [[ -z $PG_USER ]]; then
			exec "$@"
		elif command -v runuser >/dev/null 2>&1; then
			exec runuser -u "$PG_USER" -- "$@"
		elif command -v setpriv >/dev/null 2>&1; then
			exec setpriv --reuid="$(id -u "$PG_USER")" --regid="$(id -g "$PG_USER")" \
				--init-groups -- "$@"
		else
			exec su -s /bin/sh "$PG_USER" -c "$(printf '%q ' "$@")"
		fi
	)
}

has_server_binaries() {
	local dir=$1
	[[ -n $dir && -x $dir/pg_ctl && -x $dir/initdb && -x $dir/postgres ]]
}

# Sets PG_BINDIR, or leaves it empty if nothing usable is found.
find_pg_bindir() {
	PG_BINDIR=""
	if [[ -n ${WITH_POSTGRES_BINDIR:-} ]]; then
		has_server_binaries "$WITH_POSTGRES_BINDIR" && PG_BINDIR=$WITH_POSTGRES_BINDIR
		return 0
	fi

	local dir
	local -a dirs=()
	local old_nullglob
	old_nullglob=$(shopt -p nullglob || true)
	shopt -s nullglob
	dirs=("$SEARCH_ROOT"/*/bin)
	eval "$old_nullglob"
	if ((${#dirs[@]} > 0)); then
		# Highest version first (sort -V: 9.6 < 10 < 15 < 16).
		while IFS= read -r dir; do
			if has_server_binaries "$dir"; then
				PG_BINDIR=$dir
				return 0
			fi
		done < <(printf '%s\n' "${dirs[@]}" | sort -rV)
	fi

	# pg_ctl/initdb locate postgres next to themselves, so all three must
	# live in the same PATH directory.
	local -a path_dirs=()
	IFS=: read -r -a path_dirs <<<"${PATH:-}"
	for dir in ${path_dirs[@]+"${path_dirs[@]}"}; do
		if has_server_binaries "$dir"; then
			PG_BINDIR=$dir
			return 0
		fi
	done
	return 0
}

apt_get() {
	as_root env DEBIAN_FRONTEND=noninteractive apt-get -y -q \
		-o DPkg::Lock::Timeout=300 \
		-o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold \
		"$@" >&2
}

install_postgres() {
	if ((EUID != 0)) && ! command -v sudo >/dev/null 2>&1; then
		die "PostgreSQL server binaries (pg_ctl, initdb, postgres) not found, and cannot install them: not root and sudo is not available. Install the 'postgresql' package or set WITH_POSTGRES_BINDIR."
	fi
	command -v apt-get >/dev/null 2>&1 ||
		die "PostgreSQL server binaries (pg_ctl, initdb, postgres) not found, and apt-get is not available to install them. Install PostgreSQL or set WITH_POSTGRES_BINDIR."

	log "PostgreSQL server binaries not found; installing Debian package 'postgresql'"

	# Keep maintainer scripts from starting services (a system cluster is of
	# no use to us). Only if no policy is in place already; removed again below
	# and in cleanup().
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		if printf '#!/bin/sh\n# temporary, from hack/with-postgres.sh\nexit 101\n' |
			as_root tee /usr/sbin/policy-rc.d >/dev/null &&
			as_root chmod 0755 /usr/sbin/policy-rc.d; then
			POLICY_RC_D_CREATED=1
		fi
	fi

	apt_get update || die "apt-get update failed"

	# Install postgresql-common first and switch off creation of the "main"
	# cluster before the server package's postinst runs (the same approach as
	# the official postgres Docker image). Best effort: if a system cluster
	# does get created, it is separate from ours and harmless.
	apt_get install --no-install-recommends postgresql-common ||
		die "apt-get install postgresql-common failed"
	local conf=/etc/postgresql-common/createcluster.conf
	if [[ -f $conf ]]; then
		if grep -Eq '^[#[:space:]]*create_main_cluster[[:space:]]*=' "$conf"; then
			as_root sed -ri 's/^[#[:space:]]*(create_main_cluster)[[:space:]]*=.*$/\1 = false/' "$conf" || true
		else
			echo 'create_main_cluster = false' | as_root tee -a "$conf" >/dev/null || true
		fi
	fi

	apt_get install --no-install-recommends postgresql ||
		die "apt-get install postgresql failed"

	if [[ -n $POLICY_RC_D_CREATED ]]; then
		as_root rm -f /usr/sbin/policy-rc.d
		POLICY_RC_D_CREATED=""
	fi
}

ensure_server_binaries() {
	find_pg_bindir
	[[ -n $PG_BINDIR ]] && return 0

	if [[ -n ${WITH_POSTGRES_BINDIR:-} ]]; then
		die "WITH_POSTGRES_BINDIR=$WITH_POSTGRES_BINDIR does not contain pg_ctl, initdb and postgres"
	fi
	if [[ ${WITH_POSTGRES_INSTALL:-1} == 0 ]]; then
		die "PostgreSQL server binaries (pg_ctl, initdb, postgres) not found in $SEARCH_ROOT/*/bin or on PATH (auto-install disabled by WITH_POSTGRES_INSTALL=0)"
	fi

	# Serialise installs between concurrent invocations; whoever gets the lock
	# second finds the binaries already there.
	local lock=${TMPDIR:-/tmp}/with-postgres-install.$EUID.lock
	if command -v flock >/dev/null 2>&1 && exec 9>>"$lock"; then
		flock 9 || true
		find_pg_bindir
	fi
	if [[ -z $PG_BINDIR ]]; then
		install_postgres
		find_pg_bindir
	fi
	exec 9>&-

	[[ -n $PG_BINDIR ]] ||
		die "PostgreSQL server binaries (pg_ctl, initdb, postgres) still not found in $SEARCH_ROOT/*/bin or on PATH after installing 'postgresql'"
}

# initdb and postgres refuse to run as root: pick (or create) a user for them.
ensure_pg_user() {
	PG_USER=""
	((EUID == 0)) || return 0

	if id -u postgres >/dev/null 2>&1; then
		PG_USER=postgres
		return 0
	fi
	if ! id -u "$FALLBACK_USER" >/dev/null 2>&1; then
		log "creating system user '$FALLBACK_USER' to run the server"
		if command -v useradd >/dev/null 2>&1; then
			# May race with a concurrent invocation; checked again below.
			useradd --system --user-group --no-create-home \
				--home-dir /nonexistent --shell /usr/sbin/nologin \
				"$FALLBACK_USER" >/dev/null 2>&1 || true
		elif command -v adduser >/dev/null 2>&1; then
			adduser --system --group --no-create-home "$FALLBACK_USER" >/dev/null 2>&1 ||
				adduser -S -D -H "$FALLBACK_USER" >/dev/null 2>&1 || true # busybox
		fi
	fi
	id -u "$FALLBACK_USER" >/dev/null 2>&1 ||
		die "running as root and could not create the unprivileged user '$FALLBACK_USER' (initdb refuses to run as root)"
	PG_USER=$FALLBACK_USER
}

make_tmp_root() {
	local base=${TMPDIR:-/tmp}
	# The server user must be able to traverse the path, and Unix socket
	# paths are limited to ~107 bytes: fall back to /tmp when in doubt.
	if [[ -n $PG_USER || ${#base} -gt 60 || ! -d $base ]]; then
		base=/tmp
	fi
	TMP_ROOT=$(mktemp -d "$base/with-postgres.XXXXXXXX") ||
		die "could not create a temporary directory in $base"
	chmod 0700 "$TMP_ROOT"
	if [[ -n $PG_USER ]]; then
		chown "$PG_USER:$(id -g "$PG_USER")" "$TMP_ROOT"
		as_pg_user test -w "$TMP_ROOT" ||
			die "user '$PG_USER' cannot write to $TMP_ROOT"
	fi
}

# Prints a currently free TCP port on 127.0.0.1.
pick_port() {
	local port=""
	if command -v python3 >/dev/null 2>&1; then
		port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null) || port=""
	fi
	if [[ ! $port =~ ^[0-9]+$ ]]; then
		# Probe random ports: a successful connect means the port is taken.
		local i
		for ((i = 0; i < 100; i++)); do
			port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
			if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
				break
			fi
		done
	fi
	printf '%s\n' "$port"
}

init_cluster() {
	local data=$TMP_ROOT/data
	# --no-sync and the fsync/full_page_writes settings below trade crash
	# safety for speed: fine for a throwaway test server that is deleted on exit.
	if ! as_pg_user "$PG_BINDIR/initdb" -D "$data" -U postgres --auth=trust \
		--encoding=UTF8 --locale=C --no-sync >"$TMP_ROOT/initdb.log" 2>&1; then
		log "initdb failed:"
		tail -n 50 "$TMP_ROOT/initdb.log" >&2 || true
		die "could not initialise the database cluster"
	fi

	local sockdir=${TMP_ROOT//\'/\'\'}
	cat >>"$data/postgresql.conf" <<-EOF

		# --- added by hack/with-postgres.sh (throwaway test server) ---
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$sockdir'
		max_connections = 200
	EOF
	if [[ ${WITH_POSTGRES_DURABLE:-0} != 1 ]]; then
		cat >>"$data/postgresql.conf" <<-EOF
			fsync = off
			synchronous_commit = off
			full_page_writes = off
		EOF
	fi
}

start_server() {
	local attempt logfile
	for ((attempt = 1; attempt <= START_ATTEMPTS; attempt++)); do
		PG_PORT=$(pick_port)
		[[ $PG_PORT =~ ^[0-9]+$ ]] || die "could not find a free TCP port"
		logfile=$TMP_ROOT/postgres.$attempt.log
		if as_pg_user "$PG_BINDIR/pg_ctl" start -D "$TMP_ROOT/data" -l "$logfile" \
			-w -t 60 -o "-p $PG_PORT" >"$TMP_ROOT/pg_ctl.log" 2>&1; then
			return 0
		fi
		# Someone else grabbed the port between picking and binding: retry.
		if ((attempt < START_ATTEMPTS)) && [[ ! -f $TMP_ROOT/data/postmaster.pid ]] &&
			grep -Eq 'could not bind|Address already in use|could not create any TCP/IP sockets' \
				"$logfile" 2>/dev/null; then
			log "port $PG_PORT is taken; retrying with another port"
			continue
		fi
		break
	done
	log "PostgreSQL failed to start (binaries: $PG_BINDIR). pg_ctl said:"
	tail -n 20 "$TMP_ROOT/pg_ctl.log" >&2 || true
	log "server log tail:"
	tail -n 50 "$logfile" >&2 || true
	die "could not start PostgreSQL"
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

if (($# == 0)); then
	printf 'usage: %s <command> [args...]\n' "$0" >&2
	exit 2
fi

ensure_server_binaries
ensure_pg_user
make_tmp_root
init_cluster
PG_PORT=""
start_server

export CHAT_TEST_POSTGRES_DSN="postgres://postgres@127.0.0.1:${PG_PORT}/postgres?sslmode=disable"
export CHAT_TEST_POSTGRES_BINDIR=$PG_BINDIR
CHAT_TEST_POSTGRES_USER=${PG_USER:-$(id -un)}
export CHAT_TEST_POSTGRES_USER
log "PostgreSQL ($PG_BINDIR) running on 127.0.0.1:$PG_PORT as ${PG_USER:-$(id -un)}"

# Run the command as a background job and wait for it, so that a SIGTERM sent
# to this script alone is acted on (passed on to the command, then cleanup)
# instead of being deferred until the command finishes. The job stays in our
# process group and keeps our stdin, and gets SIGINT/SIGQUIT back (bash
# ignores them in background jobs), so Ctrl-C still reaches it directly.
# cleanup() runs from the EXIT trap; the command's status is passed through.
(
	trap - INT QUIT
	exec "$@"
) <&0 &
CHILD=$!
rc=0
wait "$CHILD" || rc=$?
CHILD=""
exit "$rc"
