#!/bin/bash
# SPDX-License-Identifier: MIT
# pam_cubicle through a real PAM stack (pam_start_confdir, tests/integration/
# helpers/pamdrive.c): open gives the cgroup <cgroup_root>/<user>/<id> with its
# limits in every hierarchy, the caller inside, the record and
# CUBICLE_SESSION; close leaves nothing; an open that fails half-way leaves
# nothing; a service killed without closing is cleaned at the next open;
# cubicle-shell accepts only a real session of its own; 50 concurrent
# open/close pairs of one user race nowhere; cubiclectl list and stop.
# Everything under CT_CGROOT, beneath this runner's cgroup.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
ct_need_shell
ct_user_add U
ct_user_add V

# ---- the module's exports ----
exports=$(nm -D --defined-only "$CT_MODULE" | awk '{ print $3 }' | sort | tr '\n' ' ')
assert_eq "$exports" "pam_sm_close_session pam_sm_open_session " \
	"pam_cubicle.so exports only pam_sm_open_session and pam_sm_close_session"

# ---- setup: config, PAM service, the hierarchies to look at ----
conf() {
	ct_conf_default_text | sed 's/^require_session = no$/require_session = yes/'
	printf 'cgroup_root = %s\n' "$CT_CGROOT"
	printf '%s\n' "$@"
}
conf "pids_max = 64" "memory_max = 256M" "cpu_max = 50%" "user_pids_max = 500" | ct_conf
mkdir -p "$CT_ROOT/pam.d"
printf 'session required %s config=%s debug\n' "$CT_MODULE" "$CT_CONF" >"$CT_ROOT/pam.d/cubicle-test"
mem_mount=$(ct_cgroup_mount cgroup memory)
pids_mount=$(ct_cgroup_mount cgroup pids)
cpu_mount=$(ct_cgroup_mount cgroup cpu)
v2_mount=$(ct_cgroup_mount cgroup2)
v1_mounts=()
for m in "$cpu_mount" "$mem_mount" "$pids_mount"; do [ -z "$m" ] || v1_mounts+=("$m"); done
all_mounts=("${v1_mounts[@]}")
[ -z "$v2_mount" ] || all_mounts+=("$v2_mount")
ct_diag "hierarchies: ${all_mounts[*]}; cgroup_root $CT_CGROOT"

# drive USER [pamdrive OPTION...] [-- COMMAND...]
drive() {
	local user=$1
	shift
	CT_RC=0
	CT_LAST_DESC="pamdrive $user $*"
	timeout -k 5 "$CT_TIMEOUT" "$CT_PAMDRIVE" "$CT_ROOT/pam.d" cubicle-test "$user" "$@" \
		>"$CT_W/out" 2>"$CT_W/err" || CT_RC=$?
	_ct_read_output "$CT_W/out" "$CT_W/err"
}
no_live_procs() { [ -z "$(ct_user_live_procs "$1")" ]; }
# user_procs_where USER: each live process of USER, its state and cgroups
user_procs_where() {
	local pid name
	ct_user_live_procs "$1" | while read -r pid name; do
		echo "$pid $name $(grep State "/proc/$pid/status" 2>/dev/null) $(tr '\n' ' ' <"/proc/$pid/cgroup" 2>/dev/null)"
	done
}
# hold_session USER FILE [--die-after-open]: a session held open by pamdrive
# until FILE is removed, then its command runs and it closes; sets HELD_PID.
# The command is sleep 300 with --die-after-open (it outlives the service
# that died, in the session's cgroup), else true.
hold_session() {
	local -a cmd=(/bin/true)
	[ "${3:-}" != --die-after-open ] || cmd=(/bin/sleep 300)
	rm -f "$2"
	"$CT_PAMDRIVE" "$CT_ROOT/pam.d" cubicle-test "$1" --hold "$2" ${3:+"$3"} -- "${cmd[@]}" \
		>"$2.out" 2>&1 &
	HELD_PID=$!
	ct_poll 10 test -s "$2" || ct_bail "no session of $1: $(cat "$2.out")"
}
# leftovers: cgroups under CT_CGROOT/USER and records
leftovers() {
	local m
	for m in "${all_mounts[@]}"; do
		[ ! -e "$m$CT_CGROOT/$1" ] || echo "cgroup $m$CT_CGROOT/$1"
	done
	find "$CT_RUN/sessions" -mindepth 1 2>/dev/null | sed 's/^/record /'
}

# ---- open: cgroup, limits, caller, record, environment; close: all gone ----
"$CT_PAMDRIVE" "$CT_ROOT/pam.d" cubicle-test "$U" --tty pts/7 --rhost 192.0.2.1 \
	--hold "$CT_W/hold" >"$CT_W/hold.out" 2>&1 &
driver=$!
ct_poll 10 test -s "$CT_W/hold" || ct_bail "the session did not open: $(cat "$CT_W/hold.out")"
sid=$(sed -n 's/^session=\([0-9a-f]*\) .*/\1/p' "$CT_W/hold")
assert_match "$sid" '^[0-9a-f]{16}$' "open exports CUBICLE_SESSION=<16 hex digits>"
leaf=$CT_CGROOT/$U/$sid
for m in "${all_mounts[@]}"; do
	assert_true "the leaf exists in $m" test -d "$m$leaf"
	assert_grep "^$driver\$" "the caller is in the leaf in $m" "$(cat "$m$leaf/cgroup.procs")"
done
assert_eq "$(cat "$pids_mount$leaf/pids.max")" 64 "pids_max on the leaf"
assert_eq "$(cat "$pids_mount$CT_CGROOT/$U/pids.max")" 500 "user_pids_max on the user's node"
assert_eq "$(cat "$mem_mount$leaf/memory.limit_in_bytes")" $((256 << 20)) "memory_max on the leaf"
assert_eq "$(cat "$cpu_mount$leaf/cpu.cfs_quota_us")/$(cat "$cpu_mount$leaf/cpu.cfs_period_us")" \
	"50000/100000" "cpu_max = 50% on the leaf"
assert_eq "$(stat -c '%U %a' "$pids_mount$leaf" "$pids_mount$leaf/pids.max" | tr '\n' ' ')" \
	"root 755 root 644 " "the cgroup and its limits are root's, not writable by the user"
rec=$CT_RUN/sessions/$sid
assert_eq "$(stat -c '%U %a' "$CT_RUN" "$CT_RUN/sessions" "$rec" | tr '\n' ' ')" \
	"root 755 root 755 root 644 " "run dir, sessions dir and record: root's, 0755/0755/0644"
for kv in "id=$sid" "user=$U" "uid=$(ct_uid "$U")" "service=cubicle-test" "tty=pts/7" \
	"rhost=192.0.2.1" "cgroup=$leaf" "pid=$driver"; do
	assert_grep "^$kv\$" "the record has $kv" "$(cat "$rec")"
done
assert_grep '^start=[0-9]+$' "the record has the start time" "$(cat "$rec")"
rm -f "$CT_W/hold"
wait "$driver" || true
assert_grep '^close=0 ' "close succeeds" "$(cat "$CT_W/hold.out")"
assert_eq "$(leftovers "$U")" "" "after close: no cgroup, no user node, no record"

# ---- the cgroup layout kept for the next login (lib/cgroup-cache.c) ----
cache=$CT_RUN/cgroups
assert_eq "$(stat -c '%U %a' "$cache" 2>&1)" "root 644" "open keeps the cgroup layout in <run_dir>/cgroups, root's, 0644"
for m in "${all_mounts[@]}"; do
	assert_grep " $m\$" "... naming $m" "$(cat "$cache")"
done
# A layout naming a directory that is no hierarchy's root is not believed:
# the session is made in the real hierarchies and the file written anew.
mkdir -p "$CT_W/not-a-cgroup"
sed -i "s| $pids_mount\$| $CT_W/not-a-cgroup|" "$cache"
drive "$U" -- "$CT_SHELL" -c 'echo in-session'
assert_eq "$CT_RC" 0 "a login with a tampered layout file works"
assert_grep '^in-session$' "... and runs its command" "$CT_OUT"
assert_eq "$(ct_user_live_procs "$U")" "" "... and nothing of it is left after close"
assert_no_grep "not-a-cgroup" "... which was detected again and rewritten" "$(cat "$cache")"
assert_eq "$(find "$CT_W/not-a-cgroup" -mindepth 1 | wc -l)" 0 "... and nothing was made in the directory it named"
printf 'garbage\n' >"$cache"
drive "$U" -- "$CT_SHELL" -c 'echo in-session'
assert_eq "$CT_RC" 0 "a login with a garbled layout file works"
assert_grep '^in-session$' "... and runs its command" "$CT_OUT"
assert_grep "^key " "... which is rewritten" "$(cat "$cache")"
assert_eq "$(leftovers "$U")" "" "... and nothing is left after close"

# ---- cubicle-shell through PAM: only its own, real session counts ----
drive "$U" -- "$CT_SHELL" -c 'echo in-session; exec probe'
assert_eq "$CT_RC" 0 "cubicle-shell runs in a PAM session (require_session = yes)"
assert_grep '^in-session$' "... and the command ran" "$CT_OUT"
assert_grep "^cgroup=.*$CT_CGROOT/$U/[0-9a-f]{16}" "... inside the session's cgroup" "$CT_OUT"
assert_eq "$(leftovers "$U")" "" "... and nothing is left after close"

marker=$(ct_marker_cmd "$U")
ct_run "$U" "$marker"
assert_refused "$U" "without a session: refused"
"$CT_PAMDRIVE" "$CT_ROOT/pam.d" cubicle-test "$V" --hold "$CT_W/hold" >"$CT_W/hold.out" 2>&1 &
driver=$!
ct_poll 10 test -s "$CT_W/hold" || ct_bail "V's session did not open: $(cat "$CT_W/hold.out")"
vsid=$(sed -n 's/^session=\([0-9a-f]*\) .*/\1/p' "$CT_W/hold")
ct_run "$U" --env "CUBICLE_SESSION=$vsid" "$marker"
assert_refused "$U" "another user's live session id: refused"
assert_contains "$CT_ERR" "another user" "... saying it belongs to another user"
rm -f "$CT_W/hold"
wait "$driver" || true
"$CT_PAMDRIVE" "$CT_ROOT/pam.d" cubicle-test "$U" --hold "$CT_W/hold" >"$CT_W/hold.out" 2>&1 &
driver=$!
ct_poll 10 test -s "$CT_W/hold" || ct_bail "U's session did not open: $(cat "$CT_W/hold.out")"
usid=$(sed -n 's/^session=\([0-9a-f]*\) .*/\1/p' "$CT_W/hold")
ct_run "$U" --env "CUBICLE_SESSION=$usid" "$marker"
assert_refused "$U" "the user's own session id, from outside its cgroup: refused"
assert_contains "$CT_ERR" "not in the session's cgroup" "... saying the login is not in its cgroup"
rm -f "$CT_W/hold"
wait "$driver" || true

# ---- cubiclectl list and stop ----
"$CT_PAMDRIVE" "$CT_ROOT/pam.d" cubicle-test "$U" --tty pts/9 -- /bin/sleep 60 \
	>"$CT_W/stop.out" 2>&1 &
driver=$!
ct_poll 10 grep -q '^session=' "$CT_W/stop.out" || ct_bail "no session for stop"
ssid=$(sed -n 's/^session=//p' "$CT_W/stop.out")
ct_poll 10 test -e "$CT_RUN/sessions/$ssid"
list=$("$CT_ROOT/build/cubiclectl" list --run-dir "$CT_RUN" 2>&1 || true)
ct_diag "cubiclectl list:" "$list"
assert_grep "$ssid +$U +cubicle-test +pts/9 " "cubiclectl list shows the session" "$list"
json=$("$CT_ROOT/build/cubiclectl" list --json --run-dir "$CT_RUN" 2>&1 || true)
assert_contains "$json" "\"id\": \"$ssid\"" "cubiclectl list --json has the session"
"$CT_ROOT/build/cubiclectl" stop --run-dir "$CT_RUN" "$ssid" >"$CT_W/stopped" 2>&1
assert_eq "$?" 0 "cubiclectl stop ends the session"
# the PAM caller sits in the session's cgroup itself (sshd's session process):
# stopping the session ends it too, as a forced logout
wait "$driver" && rc=0 || rc=$?
assert_eq "$rc" 137 "the service's session process is killed with the session (128+9)"
assert_eq "$(leftovers "$U")" "" "after cubiclectl stop: nothing left"

# ---- close is idempotent, and ends the session even when its record went ----
"$CT_PAMDRIVE" "$CT_ROOT/pam.d" cubicle-test "$U" --hold "$CT_W/hold" -- /bin/sleep 60 \
	>"$CT_W/hold.out" 2>&1 &
driver=$!
ct_poll 10 test -s "$CT_W/hold" || ct_bail "no session: $(cat "$CT_W/hold.out")"
rsid=$(sed -n 's/^session=\([0-9a-f]*\) .*/\1/p' "$CT_W/hold")
rm -f "$CT_RUN/sessions/$rsid"
rm -f "$CT_W/hold"
(sleep 1 && kill -TERM "$(grep -vx "$driver" "$pids_mount$CT_CGROOT/$U/$rsid/cgroup.procs" | head -n1)") 2>/dev/null &
wait "$driver" || true
assert_grep '^close=0 ' "close succeeds though the record is gone" "$(cat "$CT_W/hold.out")"
assert_eq "$(leftovers "$U")" "" "... and the session's cgroup is gone all the same"

# ---- an open that fails half-way leaves nothing ----
# a full disk where the records go: the cgroup is made, the record cannot be
ct_template_umount
rm -rf "$CT_RUN"
mkdir -m 0755 "$CT_RUN"
mount -t tmpfs -o size=64k,mode=0755 tmpfs "$CT_RUN"
install -d -m 0755 "$CT_RUN/sessions"
install -d -m 0700 "$CT_RUN/locks"
head -c 1M /dev/zero >"$CT_RUN/filler" 2>/dev/null || true
orig=$(cat /proc/self/cgroup)
drive "$U"
ct_diag "open on a full disk: $CT_OUT $CT_ERR"
assert_ne "$CT_RC" 0 "an open whose record cannot be written fails"
assert_eq "$(leftovers "$U" | grep -v '^record ' || true)" "" "... and leaves no cgroup"
assert_eq "$(find "$CT_RUN/sessions" -mindepth 1 | wc -l)" 0 "... and no record or temp file"
ct_template_umount
umount "$CT_RUN"
rm -rf "$CT_RUN"
assert_eq "$(cat /proc/self/cgroup)" "$orig" "this test's own cgroups are unchanged"

# ---- a service killed without closing: its watcher ends the session ----
drive "$U" --die-after-open -- /bin/sleep 300
assert_eq "$CT_RC" 137 "the service dies (SIGKILL) with its session open"
dsid=$(sed -n 's/^session=//p' <<<"$CT_OUT")
gone() { [ ! -e "$CT_RUN/sessions/$dsid" ] && [ -z "$(leftovers "$U")" ]; }
t0=$(ct_now_ms)
assert_true "within seconds its record and cgroup are gone (pam_cubicle's watcher)" ct_poll 5 gone
ct_diag "service killed -> session ended: $(($(ct_now_ms) - t0)) ms"
# (a process the kill reached may take a moment to finish exiting)
ct_poll 3 no_live_procs "$U" || ct_diag "$(user_procs_where "$U")"
assert_eq "$(ct_user_live_procs "$U")" "" "... and its command is killed"

# ---- ... also where the cubicle-watch helper cannot be run ----
# A libexec directory others can write is not trusted: the watcher then
# stays a fork of the service and still does its work.
chmod g+w "$CT_LIBEXEC"
hold_session "$U" "$CT_W/hold" --die-after-open
driver=$HELD_PID
dsid=$(sed -n 's/^session=\([0-9a-f]*\) .*/\1/p' "$CT_W/hold")
watcher=$(sed -n 's/^watcher=//p' "$CT_RUN/sessions/$dsid")
# settled: waiting on the service's pidfd (after the helper was tried)
ct_poll 5 grep -q poll "/proc/$watcher/wchan" || true
assert_eq "$(readlink "/proc/$watcher/exe")" "$(readlink -f "$CT_PAMDRIVE")" \
	"an untrusted libexec directory: the watcher stays a fork of the service"
rm -f "$CT_W/hold"
wait "$driver" || true
assert_true "... and still ends the session when the service dies" ct_poll 5 gone
chmod g-w "$CT_LIBEXEC"
# (a process the kill reached may take a moment to finish exiting)
ct_poll 3 no_live_procs "$U" || ct_diag "$(user_procs_where "$U")"
assert_eq "$(ct_user_live_procs "$U")" "" "... and its command is killed"

# ---- ... and if the watcher is killed too, the next open cleans up ----
"$CT_PAMDRIVE" "$CT_ROOT/pam.d" cubicle-test "$U" --hold "$CT_W/hold" --die-after-open \
	-- /bin/sleep 300 >"$CT_W/die.out" 2>&1 &
driver=$!
ct_poll 10 test -s "$CT_W/hold" || ct_bail "no session: $(cat "$CT_W/die.out")"
dsid=$(sed -n 's/^session=\([0-9a-f]*\) .*/\1/p' "$CT_W/hold")
watcher=$(sed -n 's/^watcher=//p' "$CT_RUN/sessions/$dsid")
assert_match "$watcher" '^[0-9]+$' "the record names the session's watcher"
assert_eq "$(cat "/proc/$watcher/comm" 2>/dev/null)" cubicle-watch "... a process named cubicle-watch"
assert_eq "$(stat -c %u "/proc/$watcher")" 0 "... running as root"
assert_eq "$(readlink "/proc/$watcher/exe")" "$CT_LIBEXEC/cubicle-watch" \
	"... which is the small cubicle-watch helper, not a copy of the service"
assert_eq "$(tr '\0' ' ' <"/proc/$watcher/cmdline")" "cubicle-watch --serve $CT_RUN " \
	"... the host's one watcher, of this run directory"
assert_no_grep "^$watcher\$" "... outside the session's cgroup" "$(cat "$pids_mount$CT_CGROOT/$U/$dsid/cgroup.procs")"
kill -KILL "$watcher"
rm -f "$CT_W/hold"
wait "$driver" || true
ct_poll 5 test -s "$pids_mount$CT_CGROOT/$U/$dsid/cgroup.procs" || true
sleeper=$(head -n1 "$pids_mount$CT_CGROOT/$U/$dsid/cgroup.procs" 2>/dev/null || true)
assert_true "with service and watcher killed, the record stays" test -e "$CT_RUN/sessions/$dsid"
assert_ne "$sleeper" "" "... and its command still runs in the session's cgroup"
# the sweep for such sessions runs at most every 10 s (the watcher is the
# quick path): within that interval an open leaves them; once it is over,
# the next open ends them
touch "$CT_RUN/sweep"
drive "$V"
assert_true "an open within the sweep interval leaves the session for later" test -e "$CT_RUN/sessions/$dsid"
touch -d '-1 min' "$CT_RUN/sweep"
drive "$V"
assert_eq "$CT_RC" 0 "the next open, of another user, succeeds"
gone_or_zombie() { [ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" == Z ]; }
assert_true "... and ends the dead service's session: its process is killed" ct_poll 5 gone_or_zombie "${sleeper:-0}"
assert_eq "$(leftovers "$U")" "" "... and its cgroup and record are gone"

# ---- one watcher serves every session, and ends with the last one ----
hold_session "$U" "$CT_W/h1" --die-after-open
d1=$HELD_PID
s1=$(sed -n 's/^session=\([0-9a-f]*\) .*/\1/p' "$CT_W/h1")
hold_session "$V" "$CT_W/h2"
d2=$HELD_PID
s2=$(sed -n 's/^session=\([0-9a-f]*\) .*/\1/p' "$CT_W/h2")
w1=$(sed -n 's/^watcher=//p' "$CT_RUN/sessions/$s1")
w2=$(sed -n 's/^watcher=//p' "$CT_RUN/sessions/$s2")
assert_eq "$w2" "$w1" "two live sessions, of two users, have the same watcher"
assert_eq "$(ct_run_watchers | wc -l)" 1 "... one process"
rm -f "$CT_W/h1"
wait "$d1" || true
assert_true "one service dies: the watcher ends its session" ct_poll 5 test ! -e "$CT_RUN/sessions/$s1"
assert_true "... and not the other one" test -e "$CT_RUN/sessions/$s2"
assert_eq "$(ct_run_watchers)" "$w1" "... and watches on"
rm -f "$CT_W/h2"
wait "$d2" || true
assert_grep '^close=0 ' "the other closes as usual" "$(cat "$CT_W/h2.out")"
assert_true "once no service is left to watch, the watcher ends" ct_poll 5 test -z "$(ct_run_watchers)"
assert_file_absent "$CT_RUN/watch.sock" "... and takes its socket with it"
assert_eq "$(leftovers "$U")$(leftovers "$V")" "" "... nothing of either session is left"
ct_poll 3 no_live_procs "$U" || true
assert_eq "$(ct_user_live_procs "$U")" "" "... nor of the dead service's command"

# ---- 50 concurrent open/close pairs of one user ----
for i in $(seq 50); do
	"$CT_PAMDRIVE" "$CT_ROOT/pam.d" cubicle-test "$U" -- /bin/true >"$CT_W/c$i.out" 2>&1 &
done
fails=0
for job in $(jobs -p); do wait "$job" || fails=$((fails + 1)); done
assert_eq "$fails" 0 "50 concurrent open/close pairs all succeed"
assert_eq "$(grep -L '^close=0 ' "$CT_W"/c*.out | wc -l)" 0 "... every close succeeds"
assert_eq "$(leftovers "$U")" "" "... and nothing is left"
assert_true "... and the watcher they shared has ended" ct_poll 5 test -z "$(ct_run_watchers)"
