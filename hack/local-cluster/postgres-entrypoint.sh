#!/bin/bash
# Entrypoint of the local cluster's PostgreSQL image. It honours the
# environment contract of the official postgres image, which the operator
# relies on: POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD is
# trust), POSTGRES_USER (default postgres), POSTGRES_DB (default
# POSTGRES_USER), PGDATA, POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD
# (default scram-sha-256) and port 5432 on all addresses. On an empty PGDATA
# it runs initdb and creates the database; then it execs postgres.
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
export PGDATA

if [ $# -eq 0 ] || [ "${1#-}" != "$1" ]; then
	set -- postgres "$@"
fi
if [ "$1" != postgres ]; then
	exec "$@"
fi

# As root (not under the operator, which runs uid 999), own PGDATA and drop
# to the postgres user, like the official image does with gosu.
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown -R postgres:postgres "$PGDATA" /var/run/postgresql
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		echo "error: the database is uninitialized and POSTGRES_PASSWORD is not set" >&2
		exit 1
	fi
	mkdir -p "$PGDATA"
	chmod 0700 "$PGDATA"
	pwfile=$(mktemp)
	trap 'rm -f "$pwfile"' EXIT
	printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
	# shellcheck disable=SC2086
	initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
		${POSTGRES_INITDB_ARGS:-} >/dev/null
	rm -f "$pwfile"
	trap - EXIT
	printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"
	printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
	if [ "$POSTGRES_DB" != postgres ]; then
		pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
		# psql interpolates :"db" (quoted as an identifier) only on stdin.
		echo 'CREATE DATABASE :"db";' | psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" \
			--dbname postgres --set db="$POSTGRES_DB" >/dev/null
		pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
	fi
	echo "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
