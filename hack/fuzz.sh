#!/bin/sh
# Runs every Fuzz target in the module for FUZZTIME each (default 30s), one
# at a time: each run already uses every core. The targets are found with
# go test -list, so new ones need no edit here. A failing input is written
# to the package's testdata/fuzz/<target>/ and fails the run.
#
# Go before 1.27 can end a duration-limited run with a bare "context
# deadline exceeded" and no failing input: its coordinator's own deadline
# leaks out as a failure (https://go.dev/issue/75804). Such a run fuzzed
# for the whole time and found nothing, so it is reported, not failed.
set -eu

GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}

list=$("$GO" test -list '^Fuzz' ./...) || { echo "$list"; exit 1; }
log=$(mktemp)
trap 'rm -f "$log" "$log.rc"' EXIT

# go test -list prints a package's matching names, then its "ok" line.
echo "$list" | awk '/^Fuzz/ { names = names " " $1 } /^ok / { if (names != "") print $2 names; names = "" }' |
	while read -r pkg targets; do
		dir=$("$GO" list -f '{{.Dir}}' "$pkg")
		for t in $targets; do
			echo "== $pkg $t ($FUZZTIME)"
			inputs=$(ls "$dir/testdata/fuzz/$t" 2>/dev/null | wc -l)
			{
				rc=0
				"$GO" test -run '^$' -fuzz "^$t\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1 || rc=$?
				echo "$rc" >"$log.rc"
			} | tee "$log"
			[ "$(cat "$log.rc")" -eq 0 ] && continue
			if [ "$(ls "$dir/testdata/fuzz/$t" 2>/dev/null | wc -l)" -eq "$inputs" ] &&
				grep -qx '    context deadline exceeded' "$log"; then
				echo "== $t: the toolchain's deadline race at the end of -fuzztime, no failing input; not a finding"
				continue
			fi
			exit 1
		done
	done
