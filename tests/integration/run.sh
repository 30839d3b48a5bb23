#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run.sh [TEST...] — the integration tests (`make integration`, from the
# repo root, after `make all build/probe`).
#
# Runs every tests/integration/test_*.sh, or the ones named (test_basic.sh,
# test_basic or a path), one after another, each in its own bash with a
# timeout of CT_TEST_TIMEOUT seconds (default 600). Builds the test copy of
# cubicle-shell once for the whole run (see lib.sh). Output is TAP: one
# "ok N - test_x.sh" per file, the file's own checks indented above it.
# Exit status: 0 all passed, 1 something failed, 77 skipped (not root).
# Under CI=true a skip is a failure: CI must run every test.
# CT_MNT_TEMPLATE=no runs the tests without the mount template's file, so
# that every container copies the host's mounts and pivots (shell/template.c).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."

ci=0
[ "${CI:-}" != true ] || ci=1

if [ "$(id -u)" != 0 ]; then
	echo "# integration tests need root (real namespaces, mounts, users, file capabilities)"
	if [ "$ci" == 1 ]; then
		echo "# CI=true: a skipped integration run is a failure"
		exit 1
	fi
	echo "1..0 # SKIP not root; run: sudo make integration"
	exit 77
fi

tests=()
if [ $# -eq 0 ]; then
	for t in "$here"/test_*.sh; do tests+=("$t"); done
else
	for name in "$@"; do
		name=${name##*/}
		name=${name%.sh}.sh
		[ -f "$here/$name" ] || { echo "run.sh: no test $here/$name" >&2; exit 2; }
		tests+=("$here/$name")
	done
fi

# shellcheck source=lib.sh
. "$here/lib.sh"
trap 'ct_root_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
ct_root_setup
echo "# test root $CT_ROOT"
if ct_shell_built; then
	echo "# cubicle-shell: $(getcap "$CT_SHELL")"
else
	echo "# cubicle-shell DID NOT BUILD; tests that need it fail. Build log (tail):"
	tail -n 30 "$CT_ROOT/build.log" | sed 's/^/#   /'
fi

echo "1..${#tests[@]}"
n=0 CT_FAILED=0 CT_SKIPPED=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	name=${t##*/}
	result=$CT_ROOT/result.$n
	: >"$result"
	echo "# $name"
	rc=0
	CT_RESULT_FILE=$result timeout -k 30 "${CT_TEST_TIMEOUT:-600}" bash "$t" || rc=$?
	reason=$(cat "$result")
	ct_tally "$n" "$name" "$rc" "$reason"
done

echo "# $((n - CT_FAILED - CT_SKIPPED)) passed, $CT_FAILED failed, $CT_SKIPPED skipped"
[ "$CT_FAILED" == 0 ]
