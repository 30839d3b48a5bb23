#!/bin/bash
# SPDX-License-Identifier: MIT
# The harness tests itself, without cubicle-shell: mkrootfs.sh builds a
# rootfs that works, the probe reports what it sees, the run helpers pass
# status, stdio, signals and terminals through, and the host checks notice a
# leaked mount, a leftover process and a new mount namespace.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
ct_user_add U
R=$(ct_rootfs "$U")
UID_U=$(ct_uid "$U")

# ---- mkrootfs.sh -------------------------------------------------------------

assert_eq "$(stat -c '%U %a' "$R" "$R/bin" "$R/etc" "$R/tmp")" \
	"$(printf 'root 755\nroot 755\nroot 755\nroot 1777')" "mkrootfs: root-owned tree, /tmp 1777"
assert_eq "$(stat -c %U "$R/home/$U")" "$U" "mkrootfs: home/$U owned by the user"
assert_eq "$(cat "$R/etc/passwd" "$R/etc/group")" "$(printf 'root:x:0:0:root:/root:/bin/sh\nroot:x:0:')" \
	"mkrootfs: passwd and group hold only root"
bad_links=$(cd "$R" && find . -type l | while read -r l; do
	t=$(readlink "$l")
	# resolve the relative link inside the rootfs, never through the host
	case $t in /*) echo "$l -> $t (absolute)" ;; esac
	[ "$(realpath -m --relative-to=. "$(dirname "$l")/$t")" == bin/busybox ] || echo "$l -> $t"
done)
assert_eq "$bad_links" "" "mkrootfs: every applet link resolves to bin/busybox inside the rootfs"
assert_true "mkrootfs: refuses a non-empty directory" \
	bash -c "! '$CT_REPO/tests/mkrootfs.sh' '$R' 2>/dev/null"

# The rootfs and the probe in a minimal container made with unshare(1).
out=$(unshare --mount --pid --uts --fork sh -c '
	mount --make-rprivate / && mount -t proc proc "$1/proc" && hostname ct-selftest &&
	exec chroot --userspec="$2:$3" "$1" /bin/sh -c "cd /home/$4 && exec /bin/probe"' \
	sh "$R" "$UID_U" "$(ct_gid "$U")" "$U")
assert_eq "$(ct_val pid "$out"):$(ct_val hostname "$out"):$(ct_val uid "$out")" \
	"1:ct-selftest:$UID_U" "probe in a chroot: pid 1, its hostname, its uid"
assert_contains "$out" $'\nproc=1:probe\n' "probe: lists itself as process 1"
assert_grep '^mount=/proc proc ' "probe: lists the /proc mount" "$out"
assert_eq "$(ct_val cap_eff "$out"):$(ct_val cwd "$out"):$(ct_val fds "$out")" \
	"0000000000000000:/home/$U:0,1,2" "probe: capabilities, cwd, descriptors"
assert_eq "$(ct_vals env "$out" | grep -c '^PATH=')" 1 "probe: reports the environment"

# ---- the run helpers, with a stand-in for cubicle-shell ----------------------

# /bin/sh on the host plays cubicle-shell here: same argv, same user.
real_shell=$CT_SHELL
CT_SHELL=/bin/sh

ct_run "$U" 'echo out; echo err >&2; exit 3'
assert_eq "$CT_RC|$CT_OUT|$CT_ERR" "3|out|err" "ct_run: exit status, stdout and stderr"
ct_run "$U" --env TERM=ct-term "$CT_PROBE"
assert_eq "$(ct_val uid):$(ct_val euid):$(ct_val gid)" "$UID_U:$UID_U:$(ct_gid "$U")" \
	"ct_run: runs as the user"
assert_eq "$(ct_val cap_prm):$(ct_val cap_inh):$(ct_val cap_amb):$(ct_val sig_ign):$(ct_val sig_blk)" \
	"0000000000000000:0000000000000000:0000000000000000:0000000000000000:0000000000000000" \
	"ct_run: no capabilities, no signals ignored or blocked"
assert_eq "$(ct_vals env | LC_ALL=C sort | tr '\n' ' ')" \
	"HOME=/home/$U LOGNAME=$U PATH=/usr/local/bin:/usr/bin:/bin PWD=$PWD SHELL=/bin/sh TERM=ct-term USER=$U " \
	"ct_run: an sshd-like environment plus --env"
ct_exec_as "$U" --argv0 -ct-login -- /bin/cat /proc/self/cmdline
assert_eq "$(tr '\0' ' ' <"$CT_W/out")" "-ct-login /proc/self/cmdline " "ct_exec_as --argv0"
ct_exec_as "$U" --empty-argv -- "$CT_PROBE"
# Linux >= 5.18 turns argc == 0 into argc == 1 with argv[0] "".
assert_match "$CT_RC:$(ct_val argc):$(ct_val argv0)" '^0:(0:|1:)$' "ct_exec_as --empty-argv: no argv[0]"
ct_exec_as "$U" --ignore-signals --block-signals --close 0 -- "$CT_PROBE"
assert_eq "$(ct_val sig_ign | cut -c1-8):$(ct_val sig_blk | cut -c1-8):$(ct_val fds | cut -c1-3)" \
	"ffffffff:fffffffe:1,2" "ct_exec_as: hostile signal state and closed stdin"
CT_TIMEOUT=1 ct_run "$U" 'sleep 30'
assert_eq "$CT_RC" 124 "ct_run: a run that hangs times out with 124"

ct_spawn "$U" "exec $CT_PROBE sig"
pid=$CT_PID
assert_true "ct_spawn: the probe gets ready" ct_wait_for "$CT_SPAWN_OUT" '^ready$'
kill -USR1 "$pid"
assert_true "ct_spawn: pid is the program's own" ct_wait_for "$CT_SPAWN_OUT" '^sig=USR1$' 5
kill -INT "$pid"
assert_true "ct_spawn: SIGINT is not ignored in the background" \
	ct_wait_for "$CT_SPAWN_OUT" '^sig=INT$' 5
kill -TERM "$pid"
ct_wait "$pid"
assert_eq "$CT_RC" 0 "ct_wait: exit status"

if command -v expect >/dev/null; then
	CT_SPAWN=$(ct_script "$U" -- /bin/sh -c 'tty; stty size; read -r x; echo "got=$x"; exit 4') \
		ct_expect "ct_expect: a terminal of 30 x 100, input, exit status" '
	spawn $env(CT_SPAWN)
	want {/dev/pts/[0-9]+} "tty"
	want {30 100} "stty size"
	send "hello\r"
	want {got=hello} "the echo"
	finish 4'
else
	ct_fail "expect is installed (apt-get install expect)"
fi
CT_SHELL=$real_shell

# ---- the host checks notice what they must -----------------------------------

mkdir "$CT_W/m"
mount -t tmpfs ct-selftest "$CT_W/m"
d=$(_ct_mounts | diff "$CT_W/before.mounts" - || true)
assert_contains "$d" "> $CT_W/m / tmpfs ct-selftest" "host check: sees a new mount"
umount "$CT_W/m"
assert_eq "$(_ct_mounts | diff "$CT_W/before.mounts" - || true)" "" "host check: mount table back"

"$CT_SETPRIV" --reuid="$U" --regid="$(ct_gid "$U")" --clear-groups sleep 60 &
pid=$!
unshare --mount sleep 60 &
ns_pid=$!
is_sleep() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" == sleep ]; }
if ! ct_poll 5 is_sleep "$pid" || ! ct_poll 5 is_sleep "$ns_pid"; then ct_bail "sleep did not start"; fi
left=$'\n'$(_ct_leftovers)
assert_contains "$left" $'\n'"$pid sleep uid=$UID_U/$UID_U" "host check: sees a process of a test user"
assert_contains "$left" $'\n'"$ns_pid sleep uid=0/0 mntns=" "host check: sees a process in a new mount namespace"
kill -KILL "$ns_pid"
wait "$ns_pid" 2>/dev/null || true
_ct_kill_user_procs "$UID_U"
wait "$pid" 2>/dev/null || true
assert_eq "$(_ct_leftovers)" "" "cleanup: kills the user's processes by pid"

mkdir "$CT_W/m2" "$CT_W/m3"
mount -t tmpfs ct-selftest "$CT_W/m2"
mkdir "$CT_W/m2/sub"
mount -t tmpfs ct-selftest "$CT_W/m2/sub"
mount --bind "$CT_W/m3" "$CT_W/m3"
_ct_umount_new >/dev/null
assert_eq "$(_ct_mounts | diff "$CT_W/before.mounts" - || true)" "" "cleanup: unmounts new mounts, nested ones too"

# ---- the assertions report failures ------------------------------------------

fails=$CT_FAILS
out=$(CT_N=0 && assert_eq a b "demo" && assert_contains abc x "demo2" && echo "fails=$CT_FAILS")
assert_contains "$out" $'not ok 1 - demo\n    # expected: b\n    # got:      a' "assert_eq: reports a mismatch"
assert_contains "$out" "fails=$((fails + 2))" "assertions: count failures"
out=$(CT_RC=1 CT_OUT='' CT_ERR='cubicle-shell: no' && assert_refused "$U" demo && echo "fails=$CT_FAILS")
assert_contains "$out" "fails=$CT_FAILS" "assert_refused: accepts a clean refusal"
out=$(CT_RC=0 CT_OUT='CT-RAN' CT_ERR=$'x\ny' && assert_refused "$U" demo && echo "fails=$CT_FAILS")
assert_contains "$out" "fails=$((CT_FAILS + 1))" "assert_refused: catches status, stderr and a run"

# ---- config writer, test binary ----------------------------------------------

ct_conf_default 'tmp_size = 1M'
assert_eq "$(stat -c '%U:%G %a' "$CT_CONF" "$(dirname "$CT_CONF")")" \
	"$(printf 'root:root 644\nroot:root 755')" "ct_conf: root-owned 0644 in a 0755 directory"
assert_contains "$(cat "$CT_CONF")" $'require_session = no\ntmp_size = 1M' "ct_conf_default: extra lines"
if ct_shell_built; then
	assert_eq "$(getcap "$CT_SHELL" | cut -d' ' -f2-)" "$CT_SHELL_CAPS" \
		"test cubicle-shell carries the file capabilities"
	assert_true "test cubicle-shell has the test config path built in" \
		grep -qaF "$CT_CONF" "$CT_SHELL"
else
	ct_diag "cubicle-shell is not built yet: its checks skipped here"
fi
