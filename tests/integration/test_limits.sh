#!/bin/bash
# SPDX-License-Identifier: MIT
# The limits of pam_cubicle are real on this host's hierarchy: a fork bomb in
# a session stops at pids_max while other logins keep working; a memory hog
# is OOM-killed inside its own cgroup only; user_pids_max covers all of a
# user's sessions together. Everything beneath this runner's cgroup.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
ct_need_shell
ct_user_add U
ct_user_add V
pids_mount=$(ct_cgroup_mount cgroup pids)
[ -n "$pids_mount" ] || pids_mount=$(ct_cgroup_mount cgroup2)
mkdir -p "$CT_ROOT/pam.d"
printf 'session required %s config=%s\n' "$CT_MODULE" "$CT_CONF" >"$CT_ROOT/pam.d/cubicle-test"
{
	ct_conf_default_text
	cat <<CONF
cgroup_root = $CT_CGROOT
pids_max = 40
memory_max = 64M
memory_swap_max = 0
CONF
} | ct_conf

# pamdrive USER COMMAND... in the background; output in $CT_W/NAME.out
spawn_session() {
	local name=$1 user=$2
	shift 2
	"$CT_PAMDRIVE" "$CT_ROOT/pam.d" cubicle-test "$user" -- "$@" >"$CT_W/$name.out" 2>&1 &
	SPAWNED=$!
}
session_of() { sed -n 's/^session=//p' "$CT_W/$1.out"; }

# ---- a fork bomb stops at pids_max ----
spawn_session bomb "$U" "$CT_PROBE" forkbomb 4
bomber=$SPAWNED
ct_poll 10 grep -q '^session=[0-9a-f]' "$CT_W/bomb.out" || ct_bail "no session for the bomb"
leaf=$pids_mount$CT_CGROOT/$U/$(session_of bomb)
sleep 1
peak=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
	n=$(cat "$leaf/pids.current" 2>/dev/null || echo 0)
	[ "$n" -le "$peak" ] || peak=$n
	sleep 0.1
done
ct_diag "fork bomb: pids.current peaked at $peak; pids.events: $(cat "$leaf/pids.events" 2>/dev/null)"
assert_eq "$peak" 40 "the fork bomb fills the session up to pids_max = 40"
assert_grep '^max [1-9]' "the kernel refused forks in the session (pids.events)" "$(cat "$leaf/pids.events")"
# meanwhile other logins work: another session of the same user, and of another user
"$CT_PAMDRIVE" "$CT_ROOT/pam.d" cubicle-test "$U" -- /bin/sh -c 'echo alive' >"$CT_W/other.out" 2>&1
assert_grep '^alive$' "another login of the same user works during the bomb" "$(cat "$CT_W/other.out")"
"$CT_PAMDRIVE" "$CT_ROOT/pam.d" cubicle-test "$V" -- "$CT_SHELL" -c 'echo alive-in-cubicle' >"$CT_W/otherv.out" 2>&1 || true
assert_grep '^alive-in-cubicle$' "a cubicle login of another user works during the bomb" "$(cat "$CT_W/otherv.out")"
wait "$bomber" || true
assert_grep '^close=0 ' "logout ends the bomb" "$(cat "$CT_W/bomb.out")"
assert_false "... and its cgroup is gone" test -e "$leaf"
# (what the bomb left are zombies, reparented to the host's init: its to reap)
assert_eq "$(ct_user_live_procs "$U")" "" "... and no live process of the user is left"

# ---- a memory hog is OOM-killed in its own cgroup only ----
spawn_session idle "$V" /bin/sleep 30
idle=$SPAWNED
"$CT_PAMDRIVE" "$CT_ROOT/pam.d" cubicle-test "$U" -- /bin/sh -c \
	'head -c 300M /dev/zero | tail -c 200M >/dev/null; echo "hog=$?"; echo shell-survives' \
	>"$CT_W/hog.out" 2>&1
ct_diag "hog: $(tr '\n' ' ' <"$CT_W/hog.out")"
assert_grep '^hog=137$' "the memory hog is killed (SIGKILL, the OOM killer) at memory_max = 64M" "$(cat "$CT_W/hog.out")"
assert_grep '^shell-survives$' "... the rest of the session goes on" "$(cat "$CT_W/hog.out")"
assert_true "... another user's session is untouched" kill -0 "$idle"
kill -TERM "$(pgrep -P "$idle" | head -n1)" 2>/dev/null || true
wait "$idle" || true

# ---- user_pids_max covers all sessions of one user ----
{
	ct_conf_default_text
	cat <<CONF
cgroup_root = $CT_CGROOT
user_pids_max = 12
CONF
} | ct_conf
# the first session: pamdrive, sh and 6 sleeps = 8 of the user's 12
spawn_session s1 "$U" /bin/sh -c 'for i in 1 2 3 4 5 6; do sleep 20 & done; wait'
s1=$SPAWNED
ct_poll 10 grep -q '^session=[0-9a-f]' "$CT_W/s1.out" || ct_bail "no first session"
node=$pids_mount$CT_CGROOT/$U
ct_poll 10 sh -c "[ \$(cat '$node/pids.current') -ge 8 ]" || true
# the second: pamdrive, sh and a subshell fit, which gets 1 of its 10 sleeps
# before a fork fails and it gives up; then sh's own sleep takes its place
spawn_session s2 "$U" /bin/sh -c '(for i in 1 2 3 4 5 6 7 8 9 10; do sleep 20 & done) 2>/dev/null; sleep 20'
s2=$SPAWNED
ct_poll 10 grep -q '^session=[0-9a-f]' "$CT_W/s2.out" || ct_bail "no second session"
leaf2=$node/$(session_of s2)
ct_poll 10 sh -c "[ \$(cat '$node/pids.current') -ge 12 ]" || true
sleep 0.5
ct_diag "user node: pids.current $(cat "$node/pids.current"), pids.events $(cat "$node/pids.events");" \
	"second session: pids.current $(cat "$leaf2/pids.current")"
assert_eq "$(cat "$node/pids.current")" 12 "all of the user's sessions together stop at user_pids_max = 12"
assert_eq "$(cat "$leaf2/pids.current")" 4 "... the second session got only what was left (4)"
# (v1 counts a refused fork where it was tried, v2 also where the limit is)
assert_grep '^max [1-9]' "... its forks beyond were refused (pids.events)" \
	"$(cat "$leaf2/pids.events" "$node/pids.events")"
for p in $(cat "$node"/*/cgroup.procs 2>/dev/null | grep -vx -e "$s1" -e "$s2" || true); do
	kill -TERM "$p" 2>/dev/null || true
done
wait "$s1" "$s2" || true
assert_false "all the user's sessions closed: the user's node is gone" test -e "$node"
