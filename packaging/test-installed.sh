#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test-installed.sh [TEST...] — the end-to-end tests against the INSTALLED
# package: /usr/sbin/cubicle-shell (with the capabilities its postinst set),
# the installed pam_cubicle.so and /usr/sbin/cubiclectl, each reading its
# built-in paths /etc/cubicle/cubicle.conf and /run/cubicle. Default tests:
# tests/integration/test_ssh_*.sh and test_login_su.sh. Root only; the
# package must be installed (packaging/ci-deb.sh does all of it).
#
# How, without changing the harness (tests/integration/lib.sh): the harness
# makes its test root once (CT_ROOT, with its own build of the binaries,
# whose config is CT_ROOT/etc/cubicle/cubicle.conf and whose records go to
# CT_ROOT/run), then every test runs in a private mount namespace of its own
# (unshare --mount --propagation private) in which
#   - the installed files are bound read-only over the harness's binaries
#     (CT_ROOT/bin/cubicle-shell, CT_ROOT/bin/pam_cubicle.so,
#     CT_ROOT/build/cubiclectl): every path the tests use runs the installed
#     file itself (same inode, its file capabilities), and no test can write
#     to it;
#   - CT_ROOT/etc/cubicle is bound over /etc/cubicle and CT_ROOT/run over
#     /run/cubicle: the installed binaries read the config the test writes
#     and keep their records where the test looks for them.
# The host's /etc/cubicle and /run/cubicle are never touched, so this runs
# beside real sessions and beside other test runs. One namespace per test
# file, because each test's cleanup unmounts everything below CT_ROOT in its
# own namespace. Output is TAP, like tests/integration/run.sh.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
here=$top/tests/integration

if [ "$(id -u)" != 0 ]; then
	echo "test-installed: needs root" >&2
	[ "${CI:-}" != true ] || exit 1 # CI forbids skips
	exit 77
fi
dpkg-query -W -f='${Status}' cubicle 2>/dev/null | grep -q 'install ok installed' || {
	echo "test-installed: the cubicle package is not installed" >&2
	exit 1
}
SHELL_BIN=/usr/sbin/cubicle-shell
CTL_BIN=/usr/sbin/cubiclectl
MODULE=$(dpkg -L cubicle | grep '/security/pam_cubicle\.so$' | head -n1)
for f in "$SHELL_BIN" "$CTL_BIN" "$MODULE"; do
	[ -f "$f" ] || { echo "test-installed: $f is not installed" >&2; exit 1; }
done
for d in /etc/cubicle /run/cubicle; do
	[ -d "$d" ] || { echo "test-installed: $d is missing (a bind target)" >&2; exit 1; }
done

tests=()
if [ $# -eq 0 ]; then
	for t in "$here"/test_ssh_*.sh "$here"/test_login_su.sh; do
		[ ! -f "$t" ] || tests+=("$t")
	done
else
	for name in "$@"; do
		name=${name##*/}
		name=${name%.sh}.sh
		[ -f "$here/$name" ] || { echo "test-installed: no test $here/$name" >&2; exit 2; }
		tests+=("$here/$name")
	done
fi

# shellcheck source=../tests/integration/lib.sh
. "$here/lib.sh"
trap 'ct_root_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
ct_root_setup
ct_shell_built || {
	echo "# the harness's build failed (it provides the probe and the helpers):"
	tail -n 30 "$CT_ROOT/build.log" | sed 's/^/#   /'
	exit 1
}
install -d -m 0755 -o root -g root "$CT_RUN"
echo "# test root $CT_ROOT"
echo "# installed: $SHELL_BIN ($(getcap "$SHELL_BIN" | awk '{ print $2 }')), $MODULE, $CTL_BIN"

# In the test's namespace: the binds, a check that they took, then the test.
cat >"$CT_ROOT/in-ns" <<'EOF'
#!/bin/bash
set -euo pipefail
root=$1 shell=$2 module=$3 ctl=$4
shift 4
bind_ro() {
	mount --bind "$1" "$2"
	mount -o remount,bind,ro "$2"
}
bind_ro "$shell" "$root/bin/cubicle-shell"
bind_ro "$module" "$root/bin/pam_cubicle.so"
bind_ro "$ctl" "$root/build/cubiclectl"
mount --bind "$root/etc/cubicle" /etc/cubicle
mount --bind "$root/run" /run/cubicle
for pair in "$shell:$root/bin/cubicle-shell" "$module:$root/bin/pam_cubicle.so" \
	"$ctl:$root/build/cubiclectl" "$root/etc/cubicle:/etc/cubicle" "$root/run:/run/cubicle"; do
	a=${pair%%:*} b=${pair#*:}
	if [ "$(stat -c %d:%i "$a")" != "$(stat -c %d:%i "$b")" ]; then
		echo "    # Bail out! the bind of $a on $b did not take"
		exit 1
	fi
done
exec "$@"
EOF
chmod 0755 "$CT_ROOT/in-ns"

echo "1..${#tests[@]}"
n=0 CT_FAILED=0 CT_SKIPPED=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	name=${t##*/}
	result=$CT_ROOT/result.$n
	: >"$result"
	echo "# $name (installed files)"
	rc=0
	CT_RESULT_FILE=$result CUBICLE_TEST_ROOT=$CT_ROOT \
		timeout -k 30 "${CT_TEST_TIMEOUT:-600}" \
		unshare --mount --propagation private -- \
		"$CT_ROOT/in-ns" "$CT_ROOT" "$SHELL_BIN" "$MODULE" "$CTL_BIN" bash "$t" || rc=$?
	reason=$(cat "$result")
	ct_tally "$n" "$name" "$rc" "$reason"
done

echo "# installed package: $((n - CT_FAILED - CT_SKIPPED)) passed, $CT_FAILED failed, $CT_SKIPPED skipped"
[ "$CT_FAILED" == 0 ]
