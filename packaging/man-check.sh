#!/bin/sh
# SPDX-License-Identifier: MIT
#
# man-check.sh PAGE... — every man page renders without a single warning
# (groff -ww, as `man -l --warnings` would show them) and man-db's lexgrog
# can read its NAME section (what whatis/apropos show). `make man-check`
# runs it with packaging/man/*; tests/unit/test_man.c checks the contents.
set -eu

[ $# -gt 0 ] || { echo "man-check: no man pages given" >&2; exit 1; }
command -v groff >/dev/null 2>&1 || { echo "man-check: groff not found (apt-get install groff-base)" >&2; exit 1; }

failed=0
for page in "$@"; do
	# -t: tbl, in case a page ever has a table; -z: no output, warnings only
	out=$(LC_ALL=C.UTF-8 groff -t -ww -man -Tutf8 -z "$page" 2>&1) || failed=1
	if [ -n "$out" ]; then
		echo "man-check: $page: groff warnings:" >&2
		printf '%s\n' "$out" | sed 's/^/  /' >&2
		failed=1
	fi
	if command -v lexgrog >/dev/null 2>&1; then
		out=$(lexgrog "$page" 2>&1) || {
			echo "man-check: $page: lexgrog cannot parse its NAME section: $out" >&2
			failed=1
		}
	fi
done
if [ "$failed" = 0 ]; then
	echo "man-check: $# man pages render without warnings"
fi
exit "$failed"
