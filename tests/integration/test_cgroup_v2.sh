#!/bin/bash
# SPDX-License-Identifier: MIT
# The cgroup v2 backend of lib/cgroup*.c on this machine's real unified
# hierarchy (on a hybrid host: the cgroup2 mount beside the v1 ones), through
# tests/integration/helpers/cgv2.c, which gives the library a layout of the v2
# hierarchy alone: cg_create_session makes <base>/<user>/<sid> root's, 0755;
# cg_attach, cg_pid_in and cg_stats see what was put there; cg_kill ends a
# sleeper, a process that ignores SIGTERM and one that forked children, first
# with cgroup.kill, then through the cgroup.freeze path (cg_force_no_kill_file)
# with a fork bomb forking all the while; cg_remove refuses a busy cgroup and
# removes an empty one and the user's node; cg_kill of a cgroup holding its
# caller refuses with EDEADLK and kills nothing. Everything beneath CT_CGROOT.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin

# The cgroup2 mount: the fields after " - " of a mountinfo line are fstype,
# source and super options (optional fields such as shared:N come before).
v2=$(awk '{ for (i = 7; i < NF && $i != "-"; i++); if ($(i + 1) == "cgroup2") { print $5; exit } }' \
	/proc/self/mountinfo)
if [ -z "$v2" ]; then
	if [ "${CI:-}" == true ]; then
		ct_fail "a cgroup2 (unified) hierarchy is mounted" \
			"none in /proc/self/mountinfo, and CI=true forbids skipping this test"
		CT_STOPPED=1
		exit 1
	fi
	ct_skip "no cgroup2 (unified) hierarchy mounted"
fi
ct_diag "cgroup2 mount $v2; cgroup_root $CT_CGROOT; kernel $(uname -r)"

# ---- the helper, linked against the test build's libcubicle.a ----
CGV2=$CT_W/cgv2
log=$CT_W/cgv2-build.log
if make -s -C "$CT_REPO" B="$CT_ROOT/build" SYSCONFDIR="$CT_ROOT/etc" RUNDIR="$CT_RUN" \
	"$CT_ROOT/build/libcubicle.a" >"$log" 2>&1 &&
	gcc -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$CT_REPO/lib" -I"$CT_REPO/conf" -o "$CGV2" \
		"$CT_REPO/tests/integration/helpers/cgv2.c" "$CT_ROOT/build/libcubicle.a" \
		-lcgroup -lcap >>"$log" 2>&1; then
	ct_pass "cgv2 builds against build/libcubicle.a"
else
	ct_fail "cgv2 builds against build/libcubicle.a"
	ct_diag_file "build log (tail)" "$log"
	CT_STOPPED=1
	exit 1
fi

# cg ARG...: runs cgv2; sets CT_RC, CT_OUT, CT_ERR.
cg() {
	CT_RC=0
	CT_LAST_DESC="cgv2 $*"
	CT_OUT=$("$CGV2" "$@" 2>"$CT_W/cgv2.err") || CT_RC=$?
	CT_ERR=$(cat "$CT_W/cgv2.err")
}

cg mount
assert_line "mount=$v2" "cg_detect finds the cgroup2 mount of mountinfo"

ct_user_add U
as_user=(setpriv --reuid="$U" --regid="$(ct_gid "$U")" --init-groups --inh-caps=-all --)
node=$CT_CGROOT/$U
newsid() { od -An -tx1 -N8 /dev/urandom | tr -d ' \n'; }
nprocs() {
	local n
	n=$(grep -c '' "$v2$1/cgroup.procs" 2>/dev/null) || n=${n:-0}
	echo "$n"
}
has_procs() { [ "$(nprocs "$1")" -ge "$2" ]; }
populated() { sed -n 's/^populated //p' "$v2$1/cgroup.events" 2>/dev/null; }
comm_is() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" == "$2" ]; }

# spawn NAME REL|- CMD [ARG...]: `cgv2 run` in the background: CMD starts in
# REL ("-": where this shell is), and cgv2 reaps it and all it leaves behind.
# JOB[NAME] is cgv2's pid, PID[NAME] the command's.
declare -A JOB=() PID=()
spawn() {
	local name=$1 rel=$2 out=$CT_W/$1.out
	shift 2
	"$CGV2" run "$rel" "$@" >"$out" 2>&1 &
	JOB[$name]=$!
	ct_poll 10 grep -q '^pid=' "$out" || ct_bail "cgv2 run $rel $*: $(cat "$out")"
	PID[$name]=$(ct_val pid "$(cat "$out")")
}
# reap NAME: waits for spawn NAME to end; RC is the command's exit status
# (128 + the signal that killed it).
reap() {
	RC=0
	wait "${JOB[$1]}" || RC=$?
}

# start_procs LEAF: starts, as U: a sleep and a sleep that ignores every
# catchable signal, both moved into LEAF by pid (cg_attach), and a shell
# started inside LEAF that forks three sleeps there. Waits until all 6 are in.
start_procs() {
	local leaf=$1
	spawn plain - "${as_user[@]}" /bin/sleep 300
	spawn stubborn - "${as_user[@]}" "$CT_XEXEC" --ignore-signals -- /bin/sleep 300
	spawn forker "$leaf" "${as_user[@]}" /bin/sh -c 'sleep 300 & sleep 300 & sleep 300 & wait'
	cg attach "$leaf" "${PID[plain]}"
	assert_line "attach=0" "cg_attach moves a running sleep into the leaf"
	ct_poll 5 comm_is "${PID[stubborn]}" sleep || true
	cg attach "$leaf" "${PID[stubborn]}"
	assert_line "attach=0" "cg_attach moves a process that ignores SIGTERM into the leaf"
	ct_poll 10 has_procs "$leaf" 6 ||
		ct_fail "6 processes in the leaf" "$(cat "$v2$leaf/cgroup.procs" 2>&1 || true)"
}

# assert_all_killed: plain, stubborn and forker died of SIGKILL, and nothing
# of the user is left.
assert_all_killed() {
	reap plain
	assert_eq "$RC" 137 "... the sleep died of SIGKILL"
	reap stubborn
	assert_eq "$RC" 137 "... the process that ignored SIGTERM died of SIGKILL"
	reap forker
	assert_eq "$RC" 137 "... the forking shell died of SIGKILL (its sleeps reaped)"
	assert_no_user_procs "$U" "... and no process of the user is left"
}

# ---- create ----
sid=$(newsid)
leaf=$node/$sid
cg create "$CT_CGROOT" "$U" "$sid"
assert_line "create=0" "cg_create_session makes <base>/<user>/<sid> (unlimited limits)"
for d in "$v2$node" "$v2$leaf"; do
	assert_eq "$(stat -c '%U %a' "$d" 2>&1)" "root 755" "${d#"$v2"}: root's, 0755"
done
assert_true "the leaf is a real cgroup (it has cgroup.events)" test -f "$v2$leaf/cgroup.events"
assert_eq "$(populated "$leaf")" 0 "a new leaf is not populated"
cg create "$CT_CGROOT" "$U" "$sid"
assert_line "create=-EEXIST" "creating the same leaf again: -EEXIST"

# ---- attach, in, stats ----
start_procs "$leaf"
mapfile -t inside <"$v2$leaf/cgroup.procs"
ct_diag "in the leaf: ${inside[*]}"
for pid in "${inside[@]}"; do
	cg in "$leaf" "$pid"
	assert_line "in=yes" "cg_pid_in: $pid ($(cat "/proc/$pid/comm" 2>/dev/null || true)) is in the leaf"
done
cg in "$leaf" "$$"
assert_line "in=no" "cg_pid_in: this test's shell is not in the leaf"
cg in "$leaf" "${JOB[forker]}"
assert_line "in=no" "cg_pid_in: the cgv2 run parent stayed outside"
cg in "$leaf" "${PID[stubborn]}"
assert_line "in=yes" "cg_pid_in: the process moved in by pid is in"
cg stats "$leaf"
assert_line "procs=6" "cg_stats counts the 6 processes"
assert_eq "$(populated "$leaf")" 1 "cgroup.events: populated 1"
kill -TERM "${PID[stubborn]}"
sleep 0.2
assert_true "the stubborn process survives SIGTERM" ct_alive "${PID[stubborn]}"
cg remove "$leaf"
assert_line "remove=-EBUSY" "cg_remove of a populated leaf: -EBUSY"
assert_true "... and the leaf is still there" test -d "$v2$leaf"

# ---- kill with cgroup.kill ----
cg kill "$leaf" 5000
assert_line "kill=0" "cg_kill ends everything in the leaf"
ct_diag "cg_kill of 6 processes via $(ct_val way): $(ct_val ms) ms"
assert_eq "$(populated "$leaf")" 0 "... cgroup.events: populated 0"
assert_eq "$(nprocs "$leaf")" 0 "... cgroup.procs is empty"
assert_all_killed
cg remove "$leaf"
assert_line "remove=0" "cg_remove of the emptied leaf"
assert_file_absent "$v2$leaf" "... the leaf is gone"
cg remove "$leaf"
assert_line "remove=0" "cg_remove of a leaf already gone: 0"
cg stats "$leaf"
assert_line "stats=-ENOENT" "cg_stats of a leaf that is gone: -ENOENT"

# ---- kill through cgroup.freeze, a fork bomb forking all the while ----
# The bomb runs as U under RLIMIT_NPROC (U's processes, not root's, are
# counted): the v2 hierarchy here may have no pids controller to hold it.
nproc_max=150
sid=$(newsid)
leaf=$node/$sid
cg create "$CT_CGROOT" "$U" "$sid"
assert_line "create=0" "a second leaf"
start_procs "$leaf"
spawn bomb "$leaf" prlimit --nproc="$nproc_max:$nproc_max" -- \
	"${as_user[@]}" "$CT_PROBE" forkbomb 30
bomb_start=$(ct_now_ms)
if ct_poll 10 has_procs "$leaf" 80; then
	ct_pass "the fork bomb forks in the leaf ($(nprocs "$leaf") processes)"
else
	ct_fail "the fork bomb forks in the leaf" "$(nprocs "$leaf") processes; $(cat "$CT_W/bomb.out" || true)"
fi
cg kill "$leaf" 5000 --no-kill-file
assert_line "kill=0" "cg_kill without cgroup.kill (freeze, SIGKILL, thaw) empties the leaf"
assert_line "way=cgroup.freeze" "... through the cgroup.freeze path"
ct_diag "cg_kill of the fork bomb and 6 others via $(ct_val way): $(ct_val ms) ms"
assert_true "... well before the bomb would have stopped by itself" \
	test $(($(ct_now_ms) - bomb_start)) -lt 25000
assert_eq "$(populated "$leaf")" 0 "... cgroup.events: populated 0"
assert_eq "$(grep -c '^frozen 1' "$v2$leaf/cgroup.events" || true)" 0 "... and the leaf is thawed"
reap bomb
assert_eq "$RC" 137 "... the fork bomb died of SIGKILL (its children reaped)"
assert_all_killed
cg remove "$leaf"
assert_line "remove=0" "cg_remove of the second leaf"
assert_file_absent "$v2$leaf" "... it is gone"

# ---- a cgroup holding the caller: EDEADLK, nothing killed ----
sid=$(newsid)
leaf=$node/$sid
cg create "$CT_CGROOT" "$U" "$sid"
spawn witness - "${as_user[@]}" /bin/sleep 300
witness=${PID[witness]}
cg attach "$leaf" "$witness"
for way in cgroup.kill cgroup.freeze; do
	opt=()
	[ "$way" == cgroup.kill ] || opt=(--no-kill-file)
	rc=0
	out=$("$CGV2" run "$leaf" "$CGV2" kill "$leaf" 2000 "${opt[@]}" 2>&1) || rc=$?
	assert_grep '^kill=-EDEADLK$' "cg_kill ($way) from inside the cgroup: -EDEADLK" "$out"
	assert_eq "$rc" 1 "... and the caller was not killed (it exited 1, not 137)"
	assert_true "... nor the other process in the cgroup" ct_alive "$witness"
done
cg in "$leaf" "$witness"
assert_line "in=yes" "... which is still in it"
assert_eq "$(populated "$leaf")" 1 "... populated 1"
cg kill "$leaf" 5000
assert_line "kill=0" "killed from outside, it ends"
reap witness
assert_eq "$RC" 137 "... the witness died of SIGKILL"
cg remove "$leaf"
assert_line "remove=0" "... and the leaf is removed"

# ---- the user's node, and nothing left ----
cg remove "$node"
assert_line "remove=0" "cg_remove of the user's node once it has no leaf"
assert_file_absent "$v2$node" "... the user's node is gone"
assert_eq "$(find "$v2$CT_CGROOT" -mindepth 1 -type d 2>/dev/null)" "" \
	"nothing of this test is left beneath $CT_CGROOT in $v2"
assert_eq "$(jobs -p)" "" "every process this test started has been reaped"
