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
n=0 failed=0 skipped=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	name=${t##*/}
	result=$CT_ROOT/result.$n
	: >"$result"
	echo "# $name"
	rc=0
	CT_RESULT_FILE=$result timeout -k 30 "${CT_TEST_TIMEOUT:-600}" bash "$t" || rc=$?
	reason=$(cat "$result")
	case $rc in
	0) echo "ok $n - $name" ;;
	77)
		if [ "$ci" == 1 ]; then
			echo "not ok $n - $name # skipped, and CI=true forbids skips: ${reason:-no reason given}"
			failed=$((failed + 1))
		else
			echo "ok $n - $name # SKIP ${reason:-no reason given}"
			skipped=$((skipped + 1))
		fi
		;;
	124 | 137) echo "not ok $n - $name # timed out after ${CT_TEST_TIMEOUT:-600}s" && failed=$((failed + 1)) ;;
	*) echo "not ok $n - $name" && failed=$((failed + 1)) ;;
	esac
done

echo "# $((n - failed - skipped)) passed, $failed failed, $skipped skipped"
[ "$failed" == 0 ]
