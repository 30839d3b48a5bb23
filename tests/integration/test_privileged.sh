#!/bin/bash
# SPDX-License-Identifier: MIT
# The privileged side, seen from outside: a refused login leaves one line on
# stderr and the same cause in syslog (authpriv); while a session runs, the
# outer cubicle-shell holds no capability and cannot be read or ptraced by
# its own user (it stays non-dumpable), and init holds none either.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
ct_need_shell
ct_user_add U
ct_conf_default

ct_conf_default_text | sed "s|^rootfs *=.*|rootfs = $CT_ROOT/no-such-rootfs/%u|" | ct_conf
ct_run_with_syslog "$U" -c "$(ct_marker_cmd "$U")"
assert_refused "$U" "a missing rootfs is refused"
ct_diag "syslog: $CT_SYSLOG"
# <83>: facility authpriv (10), severity err (3)
assert_match "$CT_SYSLOG" '^<83>.*cubicle-shell\[[0-9]+\]: user '"$U"': .*no-such-rootfs' \
	"the refusal is in syslog as authpriv.err, with the user and the cause"
assert_contains "$CT_SYSLOG" "${CT_ERR#cubicle-shell: }" "syslog carries the same cause as stderr"

ct_conf_default
ct_run_with_syslog "$U" -c 'echo inside'
assert_eq "$CT_RC:$CT_OUT" "0:inside" "a good login runs"
assert_match "$CT_SYSLOG" '^<86>.*cubicle-shell\[[0-9]+\]: user '"$U"': container up: init pid [0-9]+, hostname box-' \
	"a good login is in syslog as authpriv.info"

# ---- the outer process and init while a session runs ----
# helper_is PID NAME: PID runs the LIBEXECDIR helper NAME (the outer process
# of a login without a terminal execs it RELAY_HANDOVER_MS after the payload
# started)
helper_is() { [ "$(readlink "/proc/$1/exe")" = "$CT_LIBEXEC/$2" ]; }
# spawn_running: a login whose payload sleeps; sets outer and init
spawn_running() {
	ct_spawn "$U" 'echo started; exec sleep 30'
	ct_wait_for "$CT_SPAWN_OUT" started 10 || ct_bail "the session did not start"
	outer=$CT_PID
	init=''
	read -r init _ <"/proc/$outer/task/$outer/children" || true
}
spawn_running
ct_poll 5 helper_is "$outer" cubicle-relay || true
assert_eq "$(cat "/proc/$outer/comm")" "cubicle-shell" "the spawned process is the outer cubicle-shell"
status=$(cat "/proc/$outer/status")
for k in CapInh CapPrm CapEff CapBnd CapAmb; do
	assert_match "$status" "$k:[[:space:]]+0000000000000000" "outer cubicle-shell: $k empty while the payload runs"
done
assert_match "$status" 'NoNewPrivs:[[:space:]]+1' "outer cubicle-shell: no_new_privs"
assert_eq "$(stat -c %u "/proc/$outer/status")" 0 "outer cubicle-shell is non-dumpable (its /proc files belong to root)"
as_user() { "$CT_SETPRIV" --reuid="$U" --regid="$(ct_gid "$U")" --clear-groups -- "$@"; }
assert_false "the user cannot read the outer process's environ" as_user cat "/proc/$outer/environ"
assert_false "the user cannot read the outer process's memory" as_user head -c 1 "/proc/$outer/mem"
assert_false "the user cannot list the outer process's descriptors" as_user ls "/proc/$outer/fd"

init=''
read -ra children <"/proc/$outer/task/$outer/children" || true # no trailing newline
for p in "${children[@]}"; do
	if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = cubicle-init ]; then init=$p; fi
done
assert_ne "$init" "" "init is a child of the outer cubicle-shell"
if [ -n "$init" ]; then
	status=$(cat "/proc/$init/status")
	for k in CapInh CapPrm CapEff CapBnd CapAmb; do
		assert_match "$status" "$k:[[:space:]]+0000000000000000" "init: $k empty"
	done
	assert_match "$status" 'NoNewPrivs:[[:space:]]+1' "init: no_new_privs"
fi
kill -TERM "$outer"
ct_wait "$outer" 20
assert_eq "$CT_RC" 143 "SIGTERM to cubicle-shell is passed on: sleep ends with 128+15"

# ---- the helpers the long-lived processes become ----
# Once the payload runs, the outer process is cubicle-relay and init is
# cubicle-init: small static programs from LIBEXECDIR (lib/helper.h), not
# copies of cubicle-shell. The checks above ran against them.
# A login without a terminal that ends within RELAY_HANDOVER_MS never pays
# for the outer's exec.
ct_run "$U" 'sleep 0.05; exit 3'
assert_eq "$CT_RC" 3 "a login that ends before the hand-over keeps its exit status"
spawn_running
ct_poll 5 helper_is "$outer" cubicle-relay || true
ct_poll 5 helper_is "$init" cubicle-init || true
ct_diag "outer: $(readlink "/proc/$outer/exe"); init: $(readlink "/proc/$init/exe")"
assert_eq "$(readlink "/proc/$outer/exe")" "$CT_LIBEXEC/cubicle-relay" \
	"the outer process became the cubicle-relay helper"
assert_match "$(tr '\0' ' ' <"/proc/$outer/cmdline")" "^$CT_SHELL payload=[0-9]+ " \
	"... which ps shows under cubicle-shell's own argv[0]"
assert_match "$(readlink "/proc/$init/exe")" "/cubicle-init$" "init became the cubicle-init helper"
assert_eq "$(cat "/proc/$init/comm")" cubicle-init "... still named cubicle-init"
kill -TERM "$outer"
ct_wait "$outer" 20
assert_eq "$CT_RC" 143 "through the helper, SIGTERM still reaches the payload (128+15)"
assert_eq "$(ct_user_live_procs "$U")" "" "... and the container is gone with it"

# Not trusted (a directory others can write, a file not root's): the shell
# says so in syslog and goes on with its own copies.
chmod g+w "$CT_LIBEXEC"
ct_run_with_syslog "$U" -c 'echo inside; cat /proc/1/comm'
chmod g-w "$CT_LIBEXEC"
ct_diag "syslog: $CT_SYSLOG"
assert_eq "$CT_RC:$CT_OUT" "0:inside"$'\n'"cubicle-init" "an untrusted libexec directory: logins still work"
assert_grep "cubicle-init: Operation not permitted; init stays a copy of cubicle-shell" \
	"... and syslog names the helper and why it was not used" "$CT_SYSLOG"
assert_grep "cubicle-relay: Operation not permitted; the outer process stays" \
	"... for the outer process too" "$CT_SYSLOG"

chown "$U" "$CT_LIBEXEC/cubicle-init"
spawn_running
assert_match "$(readlink "/proc/$init/exe")" "/cubicle-shell$" \
	"a helper owned by the user is not run: init stays cubicle-shell"
kill -TERM "$outer"
ct_wait "$outer" 20
chown root "$CT_LIBEXEC/cubicle-init"
assert_eq "$CT_RC" 143 "... and works as before"

# Trusted but it will not run (no execute bit): init, which runs in the
# shell's memory until that exec (container.c, clone_init), cannot stay there;
# the shell starts it again as a copy of its own and says why.
chmod 0644 "$CT_LIBEXEC/cubicle-init"
ct_run_with_syslog "$U" -c 'cat /proc/1/comm; readlink /proc/1/exe'
chmod 0755 "$CT_LIBEXEC/cubicle-init"
ct_diag "syslog: $CT_SYSLOG"
assert_eq "$CT_RC:$CT_OUT" "0:cubicle-init"$'\n'"$CT_SHELL" \
	"a helper that cannot be executed: the login works, init is a copy of cubicle-shell"
assert_grep "cubicle-init: exec: Permission denied; init stays a copy of cubicle-shell" \
	"... and syslog names the helper and why it did not run" "$CT_SYSLOG"
assert_eq "$(ct_user_live_procs "$U")" "" "... and nothing of either attempt is left"

# Until its exec, init's memory is the shell's, and so is the dumpable flag
# of that memory: the shell, which holds its capabilities until it has
# joined, must stay out of its user's reach (no ptrace, no /proc/PID/mem).
# With the relay helper not used, the outer stays cubicle-shell for the
# whole session, which shows the flag as init left it.
chown "$U" "$CT_LIBEXEC/cubicle-relay"
spawn_running
ct_poll 5 helper_is "$init" cubicle-init || true
assert_match "$(readlink "/proc/$init/exe")" "/cubicle-init$" "init became the helper"
assert_match "$(readlink "/proc/$outer/exe")" "/cubicle-shell$" "the outer stayed cubicle-shell"
assert_false "... and its user cannot read its memory: init left it non-dumpable" \
	as_user cat "/proc/$outer/environ"
kill -TERM "$outer"
ct_wait "$outer" 20
chown root "$CT_LIBEXEC/cubicle-relay"
assert_eq "$CT_RC" 143 "... and the login ends as before"

# Run by hand, they do nothing.
as_user "$CT_LIBEXEC/cubicle-init" --stop-timeout=1 >"$CT_W/out" 2>&1 && rc=0 || rc=$?
assert_eq "$rc:$(cat "$CT_W/out")" "2:cubicle-init: started by cubicle-shell as PID 1 only" \
	"cubicle-init refuses to run but as a container's PID 1"
as_user "$CT_LIBEXEC/cubicle-relay" payload=1 sfd=0 >"$CT_W/out" 2>&1 && rc=0 || rc=$?
assert_eq "$rc:$(cat "$CT_W/out")" "2:cubicle-relay: started by cubicle-shell only" \
	"cubicle-relay refuses arguments that are not cubicle-shell's"
assert_false "cubicle-relay is not readable by users (so it runs non-dumpable)" \
	as_user head -c 1 "$CT_LIBEXEC/cubicle-relay"
as_user "$CT_LIBEXEC/cubicle-watch" "$CT_RUN" 0123456789abcdef 3</dev/null >"$CT_W/out" 2>&1 && rc=0 || rc=$?
assert_eq "$rc:$(cat "$CT_W/out")" "2:cubicle-watch: started by pam_cubicle only" \
	"cubicle-watch refuses to run but as root"
