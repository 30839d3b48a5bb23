#!/bin/bash
# SPDX-License-Identifier: MIT
#
# ci-deb.sh — the package's CI job (issue 5), as root on a Debian machine
# where cubicle is NOT installed:
#   1. `make deb` (dpkg-buildpackage, lintian with no error or warning);
#   2. `apt-get install ./cubicle_*.deb`;
#   3. checks of the installation: cubicle-shell's file capabilities,
#      /etc/shells, the conffile, /run/cubicle from the tmpfiles.d entry,
#      the pam-auth-update profile present and off, the man pages,
#      cubiclectl check;
#   4. one login through su with the installed module, shell and config,
#      in a private mount namespace (the host's PAM files are never touched):
#      `pam-auth-update --enable cubicle` on copies of /etc/pam.d and
#      /var/lib/pam, a drop-in in a copy of /etc/cubicle/cubicle.conf.d;
#   5. the end-to-end suite against the installed files
#      (packaging/test-installed.sh; CUBICLE_CI_E2E=no skips it);
#   6. the profile enabled for real, then `apt-get purge cubicle`, and the
#      check that nothing it installed or made is left: no file of
#      `dpkg -L`, no /etc/shells entry, no PAM line (the PAM files and
#      /var/lib/pam/seen as before), no /run/cubicle, no /etc/cubicle, no
#      cgroup_root, no package state.
# Build output goes to a temporary directory, removed at the end. Prints
# "N passed, N failed"; exit status 0 only when all passed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

[ "$(id -u)" == 0 ] || { echo "ci-deb: needs root" >&2; exit 1; }
if dpkg-query -W -f='${Status}' cubicle 2>/dev/null | grep -q 'installed\|config-files'; then
	echo "ci-deb: cubicle is installed already; this job installs and PURGES it: refusing" >&2
	exit 1
fi

SHELL_BIN=/usr/sbin/cubicle-shell
SHELL_CAPS=$(sed -n 's/^SHELL_CAPS[[:space:]]*=[[:space:]]*//p' Makefile)
work=$(mktemp -d /tmp/cubicle-ci-deb.XXXXXX)
chmod 0755 "$work"
passed=0 failed=0
user='' rootfs_parent='' cgroot=''

ok() {
	passed=$((passed + 1))
	echo "ok - $1"
}
not_ok() {
	failed=$((failed + 1))
	echo "not ok - $1"
	shift
	local l
	for l in "$@"; do printf '#   %s\n' "$l"; done
}
check() { # DESCRIPTION COMMAND...
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc" "failed: $*"; fi
}
cg_mounts() { awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/mounts; }

# kill_user USER: every process of USER, by pid
kill_user() {
	local pids
	pids=$(ps -o pid= -u "$(id -u "$1")" 2>/dev/null) || return 0
	# shellcheck disable=SC2086 # one word per pid
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
	return 0
}

cleanup() {
	set +e
	if [ -n "$user" ] && id -u "$user" >/dev/null 2>&1; then
		kill_user "$user"
		userdel -r "$user" >/dev/null 2>&1
	fi
	[ -z "$rootfs_parent" ] || rm -rf --one-file-system "$rootfs_parent"
	if [ -n "$cgroot" ]; then
		for m in $(cg_mounts); do
			[ ! -d "$m$cgroot" ] || find "$m$cgroot" -depth -type d -exec rmdir {} + 2>/dev/null
		done
	fi
	if dpkg-query -W -f='${Status}' cubicle 2>/dev/null | grep -q 'installed\|config-files'; then
		echo "# cleanup: purging cubicle"
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q cubicle >/dev/null 2>&1
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# ---- the host before ---------------------------------------------------------
snap() { # DIR
	mkdir -p "$1"
	cp /etc/shells "$1/shells"
	(cd /etc/pam.d && md5sum ./* | LC_ALL=C sort) >"$1/pam.d.md5"
	cp /var/lib/pam/seen "$1/seen" 2>/dev/null || : >"$1/seen"
	debconf-show libpam-runtime 2>&1 | LC_ALL=C sort >"$1/debconf" || true
}
snap "$work/before"
run_dir_before=0
[ ! -d /run/cubicle ] || run_dir_before=1

# ---- 1. build ------------------------------------------------------------------
echo "# make deb"
if make deb PKG_OUT="$work/pkg" >"$work/build.log" 2>&1; then
	ok "make deb: dpkg-buildpackage and lintian (no error, no warning)"
	grep -E '^[EWIO]: ' "$work/build.log" | sed 's/^/#   lintian: /' || true
else
	not_ok "make deb" "$(tail -n 30 "$work/build.log")"
	echo "0 passed, 1 failed"
	exit 1
fi
deb=''
for f in "$work"/pkg/deb/cubicle_*.deb; do
	[ -n "$deb" ] || deb=$f
done

# ---- 2. install ----------------------------------------------------------------
echo "# apt-get install ./${deb##*/}"
if (cd "${deb%/*}" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./${deb##*/}") \
	>"$work/install.log" 2>&1; then
	ok "apt-get install ./${deb##*/}"
else
	not_ok "apt-get install" "$(tail -n 20 "$work/install.log")"
	echo "$passed passed, $failed failed"
	exit 1
fi
dpkg -L cubicle >"$work/files"

# ---- 3. the installation ---------------------------------------------------------
check "cubicle-shell has exactly the capabilities $SHELL_CAPS" \
	eval "setcap -v \"$SHELL_CAPS\" $SHELL_BIN >/dev/null"
check "cubicle-shell is 0755 root:root and not set-user-ID" \
	test "$(stat -c '%a %U:%G' "$SHELL_BIN")" == "755 root:root"
check "cubiclectl has no file capabilities" test -z "$(getcap /usr/sbin/cubiclectl)"
check "the helpers: cubicle-init, cubicle-watch 0755, cubicle-relay 0711, root's, static" \
	test "$(stat -c '%a %U %n' /usr/libexec/cubicle/* | tr '\n' ' ')" == \
	"755 root /usr/libexec/cubicle/cubicle-init 711 root /usr/libexec/cubicle/cubicle-relay 755 root /usr/libexec/cubicle/cubicle-watch " -a \
	"$(file -b /usr/libexec/cubicle/cubicle-init | grep -c 'statically linked')" == 1
check "/etc/shells lists $SHELL_BIN" grep -qx "$SHELL_BIN" /etc/shells
check "/etc/cubicle/cubicle.conf is a conffile" \
	grep -q '^ /etc/cubicle/cubicle.conf ' <(dpkg-query -W -f='${Conffiles}\n' cubicle)
check "the installed config is conf/cubicle.conf" cmp -s conf/cubicle.conf /etc/cubicle/cubicle.conf
check "/etc/cubicle and cubicle.conf.d are 0755 root" \
	test "$(stat -c '%a %U' /etc/cubicle /etc/cubicle/cubicle.conf.d | sort -u)" == "755 root"
check "the tmpfiles.d entry is installed" test -f /usr/lib/tmpfiles.d/cubicle.conf
modes() { stat -c '%a %U:%G' /run/cubicle /run/cubicle/sessions /run/cubicle/locks 2>&1 | paste -sd' '; }
want_modes="755 root:root 755 root:root 700 root:root"
check "the postinst made /run/cubicle, sessions/ and locks/ ($want_modes)" \
	test "$(modes)" == "$want_modes"
if [ -z "$(ls -A /run/cubicle/sessions 2>/dev/null)" ] && command -v systemd-tmpfiles >/dev/null; then
	rm -rf /run/cubicle
	systemd-tmpfiles --create cubicle.conf
	check "systemd-tmpfiles --create makes /run/cubicle again, same modes" \
		test "$(modes)" == "$want_modes"
fi
check "the pam-auth-update profile is installed" test -f /usr/share/pam-configs/cubicle
check "... and is off: no pam_cubicle in /etc/pam.d" \
	eval '! grep -rq pam_cubicle /etc/pam.d'
for page in cubicle.7 cubicle.conf.5 cubicle-shell.8 pam_cubicle.8 cubiclectl.8; do
	f=$(man -w "${page%.*}" 2>/dev/null | grep "/man${page##*.}/" || true)
	check "man ${page##*.} ${page%.*} is installed and renders without warnings" \
		eval "[ -n '$f' ] && [ -z \"\$(MANWIDTH=80 man --warnings -l '$f' 2>&1 >/dev/null)\" ]"
done
check "cubiclectl check: the shipped config is fine" eval "cubiclectl check --user nobody >/dev/null"
check "the shipped config isolates nobody" \
	grep -qx 'isolate = no' <(cubiclectl check --user nobody 2>/dev/null)

# ---- 4. a login through su, installed module and shell, private namespace ---------
echo "# a login through su"
make -s B="$work/b" "$work/b/probe" >>"$work/build.log" 2>&1
user=cbci$(od -An -tx1 -N3 /dev/urandom | tr -d ' \n')
useradd -m -s "$SHELL_BIN" "$user"
rootfs_parent=$(mktemp -d /var/lib/cubicle-ci.XXXXXX)
chmod 0755 "$rootfs_parent"
tests/mkrootfs.sh -p "$work/b/probe" -u "$user" "$rootfs_parent/$user" >>"$work/build.log" 2>&1
# beneath this runner's cgroup in every hierarchy (DESIGN.md: CI machines
# track their processes by cgroup)
deepest=''
while IFS=: read -r _ _ path; do
	[ ${#path} -le ${#deepest} ] || deepest=$path
done </proc/self/cgroup
[ "$deepest" != / ] || deepest=''
cgroot=$deepest/cubicle-ci.${rootfs_parent##*.}
ns=$work/ns
mkdir -m 0755 "$ns" "$ns/conf.d"
cp -a /etc/pam.d "$ns/pam.d"
cp -a /var/lib/pam "$ns/varlibpam"
cp -a /var/cache/debconf "$ns/debconf" # pam-auth-update keeps its choice in debconf too
cat >"$ns/conf.d/50-ci.conf" <<EOF
[user:$user]
isolate = yes
rootfs = $rootfs_parent/%u
hostname = ci-%u
shell = /bin/sh
cgroup_root = $cgroot
EOF
chmod 0644 "$ns/conf.d/50-ci.conf"
cat >"$ns/run" <<'EOF'
#!/bin/sh
set -eu
ns=$1 user=$2
mount --bind "$ns/pam.d" /etc/pam.d
mount --bind "$ns/varlibpam" /var/lib/pam
mount --bind "$ns/debconf" /var/cache/debconf
mount --bind "$ns/conf.d" /etc/cubicle/cubicle.conf.d
DEBIAN_FRONTEND=noninteractive pam-auth-update --enable cubicle
grep -E '^session[[:space:]]+optional[[:space:]]+pam_cubicle\.so' /etc/pam.d/common-session >"$ns/pamline" || true
grep -c pam_cubicle /etc/pam.d/common-session-noninteractive >"$ns/noninteractive" || true
cubiclectl check --user "$user" >"$ns/check" 2>&1 || true
su - "$user" -c 'echo hostname=$(hostname); echo pid1=$(cat /proc/1/comm); echo session=$CUBICLE_SESSION; ls /run/cubicle/sessions 2>/dev/null | wc -l; exit 7' >"$ns/su.out" 2>"$ns/su.err" || echo "rc=$?" >>"$ns/su.out"
EOF
chmod 0755 "$ns/run"
unshare --mount --propagation private -- "$ns/run" "$ns" "$user" || true
check "pam-auth-update --enable cubicle adds 'session optional pam_cubicle.so' to common-session" \
	test -s "$ns/pamline"
check "... and not to common-session-noninteractive" test "$(cat "$ns/noninteractive")" == 0
check "... after pam_systemd" \
	eval "grep -E '^session' '$ns/pam.d/common-session' | tail -n1 | grep -q pam_cubicle"
check "cubiclectl check --user: isolated through the drop-in" grep -qx 'isolate = yes' "$ns/check"
if grep -qx "hostname=ci-$user" "$ns/su.out" && grep -qx 'pid1=cubicle-init' "$ns/su.out" &&
	grep -qx 'rc=7' "$ns/su.out" && grep -qE '^session=[0-9a-f]{16}$' "$ns/su.out"; then
	ok "su - USER -c CMD: in the container (hostname, cubicle-init as PID 1, a session, exit 7)"
else
	not_ok "su - USER -c CMD in the container" "stdout: $(cat "$ns/su.out")" "stderr: $(cat "$ns/su.err")"
fi
check "after the logout: no session record" test -z "$(ls -A /run/cubicle/sessions)"
left=''
for m in $(cg_mounts); do
	[ ! -d "$m$cgroot/$user" ] || left="$left $m$cgroot/$user"
done
check "after the logout: no cgroup of the session" test -z "$left"
# watchers: processes running the installed cubicle-watch (none before this job)
watchers() {
	local d
	for d in /proc/[0-9]*; do
		[ "$(readlink "$d/exe" 2>/dev/null)" != /usr/libexec/cubicle/cubicle-watch ] || echo "${d#/proc/}"
	done
	return 0
}
for _ in $(seq 50); do [ -n "$(watchers)" ] || break; sleep 0.1; done
check "after the logout: the watcher has ended too" test -z "$(watchers)"
check "the host's PAM choices in debconf were not touched" \
	eval "cmp -s <(debconf-show libpam-runtime 2>&1 | LC_ALL=C sort) '$work/before/debconf'"
check "the host's PAM files were not touched" \
	eval "diff -q <(cd /etc/pam.d && md5sum ./* | LC_ALL=C sort) '$work/before/pam.d.md5' >/dev/null"
kill_user "$user"
userdel -r "$user" >/dev/null 2>&1 || true
user=''

# ---- 5. the end-to-end suite against the installed files ---------------------------
if [ "${CUBICLE_CI_E2E:-yes}" != no ]; then
	echo "# the end-to-end suite against the installed files (packaging/test-installed.sh)"
	if packaging/test-installed.sh 2>&1 | tee "$work/e2e.log" | sed 's/^/#   /'; then
		ok "end-to-end suite against the installed package"
	else
		not_ok "end-to-end suite against the installed package" "$(grep '^not ok' "$work/e2e.log" || true)"
	fi
fi

# ---- 6. purge, and nothing left ---------------------------------------------------
DEBIAN_FRONTEND=noninteractive pam-auth-update --enable cubicle
check "pam-auth-update --enable cubicle (for real, so that the purge must undo it)" \
	grep -q pam_cubicle /etc/pam.d/common-session
echo "# apt-get purge cubicle"
if DEBIAN_FRONTEND=noninteractive apt-get purge -y -q cubicle >"$work/purge.log" 2>&1; then
	ok "apt-get purge cubicle"
else
	not_ok "apt-get purge cubicle" "$(tail -n 20 "$work/purge.log")"
fi
check "dpkg knows nothing of cubicle" eval '! dpkg-query -W cubicle >/dev/null 2>&1'
left=''
while read -r f; do
	[ "$f" != /. ] || continue
	[ -e "$f" ] || [ -L "$f" ] || continue
	if [ -d "$f" ] && { [ -L "$f" ] || dpkg -S "$f" >/dev/null 2>&1; }; then
		continue # a directory other packages own too (/usr/share/man/man8, /lib, ...)
	fi
	left="$left $f"
done <"$work/files"
check "no file or directory the package installed is left" test -z "$left"
[ -z "$left" ] || echo "#   left:$left"
check "/etc/shells as before" cmp -s /etc/shells "$work/before/shells"
check "no pam_cubicle in /etc/pam.d" eval '! grep -rq pam_cubicle /etc/pam.d'
check "the PAM files as before" \
	eval "diff -q <(cd /etc/pam.d && md5sum ./* | LC_ALL=C sort) '$work/before/pam.d.md5' >/dev/null"
check "/var/lib/pam/seen as before" \
	eval "cmp -s <(cat /var/lib/pam/seen 2>/dev/null) '$work/before/seen'"
check "pam-auth-update's choices in debconf as before" \
	eval "cmp -s <(debconf-show libpam-runtime 2>&1 | LC_ALL=C sort) '$work/before/debconf'"
check "no /etc/cubicle" test ! -e /etc/cubicle
if [ "$run_dir_before" == 0 ]; then
	check "no /run/cubicle" test ! -e /run/cubicle
else
	echo "# /run/cubicle existed before this job (another install or test): not checked"
fi
left=''
for m in $(cg_mounts); do
	[ ! -d "$m/cubicle" ] || left="$left $m/cubicle"
done
check "no cgroup_root (/cubicle) in any hierarchy" test -z "$left"
check "no user has cubicle-shell as login shell" \
	eval "! getent passwd | awk -F: '\$7 == \"$SHELL_BIN\"' | grep -q ."

echo "$passed passed, $failed failed"
[ "$failed" == 0 ]
