#!/bin/bash
# SPDX-License-Identifier: MIT
# The container belongs to the PAM session (DESIGN.md step 5): every shell of
# one session (sshd's channels of one connection) enters the container the
# first one made; separate sessions never share; a shell never joins a PID
# namespace the user fabricated in the session (an unprivileged user
# namespace, a process named cubicle-init); logout ends the shared container.
# Sessions through pamdrive; the commands of a "session" run the way sshd runs
# its channels: one cubicle-shell after another, all in the session's cgroup.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
ct_need_shell
ct_user_add U
mkdir -p "$CT_ROOT/pam.d"
printf 'session required %s config=%s\n' "$CT_MODULE" "$CT_CONF" >"$CT_ROOT/pam.d/cubicle-test"
{
	ct_conf_default_text | sed 's/^require_session = no$/require_session = yes/'
	echo "cgroup_root = $CT_CGROOT"
} | ct_conf

# session NAME SCRIPT: one PAM session whose host-side /bin/sh (as the user, in
# the session's cgroup) runs SCRIPT, in which $S is cubicle-shell.
session() {
	local name=$1 script=$2
	CT_RC=0
	timeout -k 5 "$CT_TIMEOUT" "$CT_PAMDRIVE" "$CT_ROOT/pam.d" cubicle-test "$U" -- \
		/bin/sh -c "S=$CT_SHELL; $script" >"$CT_W/$name.out" 2>"$CT_W/$name.err" || CT_RC=$?
	grep -vE '^(open|session|pid|close)=' "$CT_W/$name.out" >"$CT_W/$name.cmd" || true
	_ct_read_output "$CT_W/$name.cmd" "$CT_W/$name.err"
	CT_LAST_DESC="session $name: $script"
}

# ---- channels of one session share one container ----
session share '
	$S -c "sleep 300 & echo started > /tmp/shared-marker"
	$S -c "cat /tmp/shared-marker; ps -o pid,comm | grep -c sleep; echo host=\$(hostname)"
	$S -c "ps -o pid,comm" | grep -c cubicle-init'
ct_diag "$CT_OUT"
assert_eq "$CT_RC" 0 "three shells in one session run"
assert_grep '^started$' "a later shell sees the first one's /tmp (the same mount namespace)" "$CT_OUT"
assert_eq "$(sed -n 2p <<<"$CT_OUT")" 1 "... and its background process (the same PID namespace)"
assert_grep "^host=box-$U$" "... with the configured hostname" "$CT_OUT"
assert_eq "$(tail -n1 <<<"$CT_OUT")" 1 "... and one init: the container was made once"
assert_eq "$(ct_user_live_procs "$U")" "" "logout ends the shared container and its background process"

# ---- init shows a name, never the first channel's command ----
session args '
	$S -c "true SECRET-FIRST-COMMAND; sleep 300 &"
	$S -c "cat /proc/1/cmdline | tr \"\\0\" \" \"; echo"'
ct_diag "/proc/1/cmdline: $CT_OUT"
assert_grep '^cubicle-init( --stop-timeout=[0-9]+)? *$' \
	"a later channel sees init as cubicle-init, not the first command" "$CT_OUT"

# ---- another user holding the session's lock only delays it ----
# The record is readable by all (the user's own shell reads it), so anyone can
# flock() it: the shell's wait for that lock is bounded.
ct_user_add V
cat >"$CT_W/locker.sh" <<EOF
#!/bin/sh
# as user V: wait for U's session record, then hold its lock for a minute
while :; do
	for r in $CT_RUN/sessions/*; do
		[ -f "\$r" ] && exec flock -x "\$r" sleep 60
	done
	sleep 0.05
done
EOF
chmod 0755 "$CT_W/locker.sh"
"$CT_SETPRIV" --reuid="$V" --regid="$(ct_gid "$V")" --clear-groups -- "$CT_W/locker.sh" &
locker=$!
t0=$(ct_now_ms)
session locked '
	sleep 1
	$S -c "echo first"
	$S -c "echo second"'
elapsed=$(($(ct_now_ms) - t0))
for p in $(ps -o pid= --ppid "$locker" 2>/dev/null || true); do kill -KILL "$p" 2>/dev/null || true; done
kill -KILL "$locker" 2>/dev/null || true
wait "$locker" 2>/dev/null || true
ct_diag "two channels with the session's lock held by another user: $elapsed ms"
assert_eq "$CT_RC:$(tr '\n' ' ' <<<"$CT_OUT")" "0:first second " \
	"another user holding the session's lock does not block its logins"
assert_true "... they wait at most about 2 s a channel" test "$elapsed" -lt 12000

# ---- a server started by one channel is reachable from a later one ----
session server '
	$S -c "mkfifo /tmp/req /tmp/resp; (while read -r line < /tmp/req; do echo \"served \$line\" > /tmp/resp; done) >/dev/null 2>&1 &"
	$S -c "echo ping > /tmp/req; cat /tmp/resp"'
assert_eq "$CT_OUT" "served ping" "a background server of one channel answers a later channel"

# ---- separate sessions never share ----
session one '$S -c "sleep 300 & echo \$\$ > /tmp/one"; sleep 3' &
one=$!
ct_poll 10 sh -c "[ -n \"\$(ct_user_procs '$U' 2>/dev/null)\" ]" 2>/dev/null || sleep 1
session two '$S -c "ls /tmp/one 2>&1; ps -o comm | grep -c sleep"'
wait "$one" || true
assert_grep 'No such file' "another session of the same user does not see the first one's /tmp" "$CT_OUT"
assert_eq "$(tail -n1 <<<"$CT_OUT")" 0 "... nor its processes"

# ---- a fabricated container is never joined ----
# In the session's cgroup, before any shell: PID 1 of a PID namespace made in
# an unprivileged user namespace, as the user, named cubicle-init, in a UTS
# namespace of its own with hostname "fabricated".
ln -sf /bin/sleep "$CT_W/cubicle-init"
session fake "
	unshare --user --map-root-user --pid --fork --uts --ipc --mount --mount-proc --kill-child \
		sh -c 'hostname fabricated; exec $CT_W/cubicle-init 300' &
	sleep 1
	ps -o stat=,comm= -u \$(id -u) | grep -v '^Z' | grep -c cubicle-init
	\$S -c 'hostname; ps -o pid,comm'
	\$S -c 'hostname'"
ct_diag "$CT_OUT" "$CT_ERR"
assert_eq "$(head -n1 <<<"$CT_OUT")" 1 "the fabricated cubicle-init runs in the session"
assert_eq "$(sed -n 2p <<<"$CT_OUT")" "box-$U" "the first shell made its own container, not the fabricated one"
assert_grep '^ +1 cubicle-init$' "... with cubicle's init as PID 1" "$CT_OUT"
assert_eq "$(tail -n1 <<<"$CT_OUT")" "box-$U" "the next shell joined cubicle's container, not the fabricated one"
assert_no_grep fabricated "no shell ever saw the fabricated namespace" "$CT_OUT"

# ...and one made inside the real container, as the user, is never taken for it
session nested "
	\$S -c 'unshare --user --map-root-user --pid --fork --uts --ipc --mount --mount-proc sh -c \"hostname fabricated; exec sleep 300\" >/dev/null 2>&1 & sleep 1; echo started'
	\$S -c 'hostname'"
assert_eq "$CT_OUT" "$(printf 'started\nbox-%s' "$U")" \
	"a namespace the user made inside the container is never joined"
assert_eq "$(ct_user_live_procs "$U")" "" "every session ended: nothing of the user is left"
