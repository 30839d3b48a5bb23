#!/bin/bash
# SPDX-License-Identifier: MIT
# login(1) (Debian's, from shadow) and su(1) (util-linux) take the same path into a container as sshd: their PAM
# session stacks hold pam_cubicle, the user's login shell is cubicle-shell.
# `login -f USER` (as root, on a pty, driven with expect), `su - USER` (on a
# pty) and `su - USER -c CMD` (no terminal) each get: the configured hostname,
# cubicle-init as PID 1, a session record while logged in, the login inside
# the session's cgroup <cgroup_root>/<user>/<id>, the exit status passed on
# (su; login(1) itself always exits 0), and after logout no process, cgroup
# or record left.
#
# The host's PAM files are never touched: login and su run in a private mount
# namespace (unshare --mount --propagation private) whose /etc/pam.d is a
# bind-mounted copy with the module added to login and su (su-l includes su).
# The login records (utmp, wtmp, btmp, lastlog) are scratch copies there too.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
ct_need_cmd expect expect
ct_need_cmd login login
ct_need_cmd su util-linux
ct_need_cmd unshare util-linux
ct_need_shell
ct_user_add U
usermod -s "$CT_SHELL" "$U"
{
	ct_conf_default_text | sed 's/^require_session = no$/require_session = yes/'
	echo "cgroup_root = $CT_CGROOT"
} | ct_conf

# ---- the private PAM configuration and the wrapper that uses it ----
host_pam_sum=$(cd /etc/pam.d && cat login su su-l | md5sum)
P=$CT_W/pam.d
mkdir -m 0755 "$P"
cp -a /etc/pam.d/. "$P/"
for svc in login su; do
	[ -z "$(tail -c1 "$P/$svc")" ] || echo >>"$P/$svc"
	printf 'session required %s config=%s\n' "$CT_MODULE" "$CT_CONF" >>"$P/$svc"
done
grep -q '^session[[:space:]]\+include[[:space:]]\+su$' "$P/su-l" ||
	ct_bail "$P/su-l does not include su: \`su -\` would not get the module"

# in the private namespace: the PAM copy, scratch login records, then exec
# (the pid, which login or su keeps, noted for the EXIT trap)
cat >"$CT_W/in-ns" <<'EOF'
#!/bin/sh
set -eu
w=$1
shift
echo $$ >>"$w/ns.pids"
mount --bind "$w/pam.d" /etc/pam.d
for f in /var/run/utmp /var/log/wtmp /var/log/btmp /var/log/lastlog; do
	f=$(readlink -f "$f") || continue
	[ -f "$f" ] || continue
	s=$w/logrec.$(basename "$f")
	: >"$s"
	mount --bind "$s" "$f"
done
exec "$@"
EOF
chmod 0755 "$CT_W/in-ns"
NS=(unshare --mount --propagation private -- "$CT_W/in-ns" "$CT_W")
: >"$CT_W/ns.pids"

# A login or su still there when the test ends (a step failed half-way) gets
# SIGTERM, on which su ends its shell and closes the session, then SIGKILL;
# before the harness checks the host.
ns_stop() {
	local mine pid pids=()
	mine=$(readlink /proc/self/ns/mnt)
	while read -r pid; do
		[ -e "/proc/$pid" ] && [ "$(readlink "/proc/$pid/ns/mnt")" != "$mine" ] && pids+=("$pid")
	done <"$CT_W/ns.pids"
	[ ${#pids[@]} -gt 0 ] || return 0
	ct_diag "stopping login/su left running: ${pids[*]}"
	kill -TERM "${pids[@]}" 2>/dev/null || true
	for _ in $(seq 30); do
		kill -0 "${pids[@]}" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "${pids[@]}" 2>/dev/null || true
}
_status() { return "$1"; }
_login_su_exit() {
	local rc=$?
	set +eE
	trap - ERR
	ns_stop
	_status "$rc"
	_ct_end
}
trap '_login_su_exit' EXIT

mapfile -t cg_mounts < <(ct_cgroup_mounts)
[ ${#cg_mounts[@]} -gt 0 ] || ct_bail "no cgroup hierarchy mounted"

# snap NAME: what the host shows while a login is live, into $CT_W/NAME.snap:
# the records, and for each the processes in its cgroup (first hierarchy).
cat >"$CT_W/snap" <<EOF
#!/bin/bash
set -u
for r in "$CT_RUN"/sessions/*; do
	[ -f "\$r" ] || continue
	echo "record=\${r##*/}"
	sed 's/^/rec_/' "\$r"
	cg=\$(sed -n 's/^cgroup=//p' "\$r")
	sed 's/^/cgproc=/' "${cg_mounts[0]}\$cg/cgroup.procs"
done >"$CT_W/\$1.snap" 2>&1
exit 0
EOF
chmod 0755 "$CT_W/snap"

# leftovers: processes, cgroups and records of U
leftovers() {
	local m
	ct_user_live_procs "$U" | sed 's/^/process /'
	for m in "${cg_mounts[@]}"; do
		[ ! -e "$m$CT_CGROOT/$U" ] || echo "cgroup $m$CT_CGROOT/$U"
	done
	find "$CT_RUN/sessions" -mindepth 1 2>/dev/null | sed 's/^/record /'
}
no_leftovers() { [ -z "$(leftovers)" ]; }

# check_login NAME KEY SERVICE OUTPUT: the checks every login gets, from what
# it printed inside (OUTPUT: probe info, `ps`) and the host's snapshot taken
# meanwhile (snap KEY), for the PAM service SERVICE.
check_login() {
	local name=$1 key=$2 service=$3 out=$4 snap sid cg
	snap=$(cat "$CT_W/$key.snap" 2>/dev/null || true)
	ct_diag "$name: the host's view while logged in:" "$snap"
	assert_eq "$(ct_val hostname "$out")" "box-$U" "$name: the configured hostname"
	assert_grep '^ *1 +cubicle-init$' "$name: PID 1 is cubicle-init" "$out"
	assert_eq "$(ct_val uid "$out")" "$(ct_uid "$U")" "$name: runs as the user"
	assert_eq "$(grep -c '^record=' <<<"$snap" || true)" 1 "$name: one session record while logged in"
	sid=$(ct_val record "$snap")
	assert_eq "$(ct_val rec_user "$snap")/$(ct_val rec_service "$snap")" "$U/$service" \
		"$name: the record names the user and the service $service"
	cg=$(ct_val rec_cgroup "$snap")
	assert_eq "$cg" "$CT_CGROOT/$U/$sid" "$name: the session's cgroup is <cgroup_root>/<user>/<id>"
	assert_grep ":$CT_CGROOT/$U/$sid\$" "$name: the login runs inside the session's cgroup" \
		"$(ct_vals cgroup "$out")"
	assert_grep "^cgproc=[0-9]+$" "$name: the session's cgroup holds the login's processes" "$snap"
	if ct_poll 10 no_leftovers; then
		ct_pass "$name: after logout no process, cgroup or record is left"
	else
		ct_fail "$name: after logout no process, cgroup or record is left" "$(leftovers)"
	fi
}

# the commands run inside each interactive login
view='probe; ps -o pid,comm; echo "VIEW""DONE"'

# ---- login -f USER on a pty ----
ct_expect "login -f $U: a shell prompt in the container, exit 3" "
spawn -noecho $(printf '%q ' "${NS[@]}") login -f $U
want {$U@box-$U:\\S*\\\$ } {the prompt of the container's shell}
send {$view}
send \"\\r\"
want {VIEWDONE\\r?\\n} {the end of the commands' output}
exec $CT_W/snap login
send \"exit 3\\r\"
# login(1) itself exits 0 whatever its shell did
finish 0
"
check_login login login login "$CT_TRANSCRIPT"

# ---- su - USER on a pty ----
ct_expect "su - $U: a shell prompt in the container, exit 4 passed on" "
spawn -noecho $(printf '%q ' "${NS[@]}") su - $U
want {$U@box-$U:\\S*\\\$ } {the prompt of the container's shell}
send {$view}
send \"\\r\"
want {VIEWDONE\\r?\\n} {the end of the commands' output}
exec $CT_W/snap su
send \"exit 4\\r\"
finish 4
"
check_login "su -" su su-l "$CT_TRANSCRIPT"

# ---- su - USER -c CMD, no terminal ----
home=$(getent passwd "$U" | cut -d: -f6)
rm -f "$home/ct-in" "$home/ct-go"
cmd='probe; ps -o pid,comm; echo to-stderr >&2; touch ~/ct-in
while [ ! -e ~/ct-go ]; do sleep 0.1; done; exit 42'
CT_RC=0
timeout -k 5 "$CT_TIMEOUT" "${NS[@]}" su - "$U" -c "$cmd" >"$CT_W/suc.out" 2>"$CT_W/suc.err" &
su_pid=$!
if ct_poll "$CT_TIMEOUT" test -e "$home/ct-in"; then
	"$CT_W/snap" suc
else
	ct_fail "su - $U -c CMD: the command runs" "$(cat "$CT_W/suc.err")"
fi
touch "$home/ct-go"
wait "$su_pid" || CT_RC=$?
_ct_read_output "$CT_W/suc.out" "$CT_W/suc.err"
CT_LAST_DESC="su - $U -c CMD"
assert_exit 42 "su - $U -c CMD: the command's exit status (42) passed on"
assert_eq "$CT_ERR" "to-stderr" "su - $U -c CMD: stderr kept apart from stdout"
check_login "su - -c" suc su-l "$CT_OUT"
rm -f "$home/ct-in" "$home/ct-go"

for st in 0 1 255; do
	CT_RC=0
	timeout -k 5 "$CT_TIMEOUT" "${NS[@]}" su - "$U" -c "exit $st" >"$CT_W/out" 2>"$CT_W/err" || CT_RC=$?
	_ct_read_output "$CT_W/out" "$CT_W/err"
	CT_LAST_DESC="su - $U -c 'exit $st'"
	assert_exit "$st" "su - $U -c 'exit $st': exit status $st"
done
CT_RC=0
timeout -k 5 "$CT_TIMEOUT" "${NS[@]}" su - "$U" -c 'kill -TERM $$' >"$CT_W/out" 2>"$CT_W/err" || CT_RC=$?
_ct_read_output "$CT_W/out" "$CT_W/err"
CT_LAST_DESC="su - $U -c 'kill -TERM \$\$'"
assert_exit 143 "su - $U -c CMD killed by SIGTERM: exit status 143 (128+15)"
if ct_poll 10 no_leftovers; then
	ct_pass "after every su: no process, cgroup or record is left"
else
	ct_fail "after every su: no process, cgroup or record is left" "$(leftovers)"
fi

# ---- the host's PAM files were never touched ----
assert_eq "$(cd /etc/pam.d && cat login su su-l | md5sum)" "$host_pam_sum" \
	"the host's /etc/pam.d/login, su and su-l are unchanged"
assert_no_grep pam_cubicle "no pam_cubicle line in the host's /etc/pam.d" \
	"$(cat /etc/pam.d/login /etc/pam.d/su /etc/pam.d/su-l)"

# ---- a hangup of the terminal ends the login ----
ct_expect "su - $U on a pty that hangs up" "
spawn -noecho $(printf '%q ' "${NS[@]}") su - $U
want {$U@box-$U:\\S*\\\$ } {the prompt of the container's shell}
send \"sleep 300 &\\r\"
want {$U@box-$U:\\S*\\\$ } {the prompt again}
# the terminal goes away: su waits for its shell, which must notice
close
"
if ct_poll 10 no_leftovers; then
	ct_pass "after the hangup: no process, cgroup or record is left"
else
	ct_fail "after the hangup: no process, cgroup or record is left" "$(leftovers)"
fi
