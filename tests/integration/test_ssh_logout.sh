#!/bin/bash
# SPDX-License-Identifier: MIT
# Logout and disconnect through Debian's OpenSSH (tests/integration/ssh.sh):
# however an SSH session ends — `exit` on a pty, a command returning, the
# client killed, the client's `~.`, sshd's per-connection process of the
# user killed, sshd's privileged session process (the PAM caller) killed —
# within a few seconds nothing of it is left on the host: no process (also
# not the daemons started inside with setsid nohup, a double fork, busybox
# httpd, or one ignoring SIGTERM and SIGHUP), no cgroup, no session record,
# and the host's mount table as it was.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=ssh.sh
. "$(dirname "$0")/ssh.sh"
ct_begin
ct_need_shell
ssh_begin
ssh_user_add U -x /usr/bin/nohup
ssh_conf
ssh_start

# What every session starts before it ends: four kinds of daemons, none of
# them a child of the command (all reparented to the container's init).
port=$(_ssh_free_port)
daemons="setsid nohup sleep 4001 >/dev/null 2>&1 &
(sleep 4002 >/dev/null 2>&1 &) &
sh -c 'trap \"\" TERM HUP INT; exec sleep 4003' >/dev/null 2>&1 &
mkdir -p /tmp/www && httpd -p 127.0.0.1:$port -h /tmp/www
for i in \$(seq 100); do [ \$(ps -o args | grep -c '^sleep 400[123]') -eq 3 ] && break; sleep 0.05; done"

# daemons_up: the four daemons run on the host, as the user.
daemons_up() {
	local args n=0
	while read -r pid _; do
		args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
		case $args in
		"sleep 4001 " | "sleep 4002 " | "sleep 4003 " | "httpd -p 127.0.0.1:$port "*) n=$((n + 1)) ;;
		esac
	done < <(ct_user_live_procs "$U")
	[ "$n" == 4 ]
}

# gone HOW: the checks after one way of ending a session; the time from the
# end to the last thing gone goes into the check's name.
# The expect part that starts them on a pty and waits for them.
expect_daemons='
proc daemons {} {
	send "$::env(DAEMONS)\r"
	send "echo N\"\"=\$(ps -o args | grep -c ^sleep\\ 400)\r"
	want {N=([0-9]+)} "the count of the daemons"
	if {$::g1 != 3} { fail "$::g1 sleeps, expected 3" }
	want {CTPROMPT> } "the prompt"
}'

gone() {
	ssh_assert_gone "$1: within 5 s no process, cgroup or record of the session is left" 5 "$U"
	assert_host_mounts_unchanged "$1: the host's mount table is as it was"
}

# ---- exit on a pty ----
CT_SPAWN=$(ssh_script "$U" -tt) DAEMONS=$daemons ct_expect "ssh -tt: daemons started, then exit" "$expect_daemons"'
	spawn $env(CT_SPAWN)
	want {[$] } "the prompt"
	send "PS1=CT\"\"PROMPT\\>\\ \r"
	want {CTPROMPT> } "our prompt"
	daemons
	send "exit\r"
	finish 0'
gone "exit on a pty"

# ---- a command that returns ----
ssh_run "$U" "$daemons; echo started"
assert_eq "$CT_OUT" started "ssh host CMD: daemons started, the command returns"
gone "a command that returned"

# ---- the client killed ----
ssh_spawn "$U" "$daemons; echo ready; exec sleep 300"
client=$CT_PID
ct_wait_for "$CT_SPAWN_OUT" '^ready$' 10 || ct_fail "the session started" "$(cat "$CT_SPAWN_ERR")"
assert_true "a session with its daemons runs" daemons_up
kill -KILL "$client"
{ ct_wait "$client" 10; } 2>/dev/null # no "Killed" from bash
gone "the client killed (SIGKILL)"

# ---- ~. ----
CT_SPAWN=$(ssh_script "$U" -tt) DAEMONS=$daemons ct_expect "ssh -tt: daemons started, then ~. (the client disconnects)" "$expect_daemons"'
	spawn $env(CT_SPAWN)
	want {[$] } "the prompt"
	send "PS1=CT\"\"PROMPT\\>\\ \r"
	want {CTPROMPT> } "our prompt"
	daemons
	send "sleep 300\r"
	sleep 0.3
	send "\r~."
	finish 255'
gone "~. (client-side disconnect)"

# ---- sshd's per-connection process of the user killed ----
ssh_spawn "$U" "$daemons; echo ready; exec sleep 300"
client=$CT_PID
ct_wait_for "$CT_SPAWN_OUT" '^ready$' 10 || ct_fail "the session started" "$(cat "$CT_SPAWN_ERR")"
assert_true "a session with its daemons runs" daemons_up
child=$(ct_user_live_procs "$U" | awk '$2 == "sshd" { print $1 }')
assert_match "$child" '^[0-9]+$' "sshd's process of the user (sshd: USER@notty) is found"
[ -z "$child" ] || kill -KILL "$child"
ct_wait "$client" 10
assert_eq "$CT_RC" 255 "... killed: the client is disconnected (255)"
gone "sshd's process of the user killed (SIGKILL)"

# ---- sshd's privileged session process (the PAM caller) killed ----
ssh_spawn "$U" "$daemons; echo ready; exec sleep 300"
client=$CT_PID
ct_wait_for "$CT_SPAWN_OUT" '^ready$' 10 || ct_fail "the session started" "$(cat "$CT_SPAWN_ERR")"
assert_true "a session with its daemons runs" daemons_up
monitor=$(sed -n 's/^pid=//p' "$CT_RUN"/sessions/* 2>/dev/null | head -n1)
assert_match "$monitor" '^[0-9]+$' "the session record names its PAM caller"
assert_eq "$(cat "/proc/$monitor/comm" 2>/dev/null)" sshd "... sshd's privileged session process"
[ -z "$monitor" ] || kill -KILL "$monitor"
ct_wait "$client" 10
assert_eq "$CT_RC" 255 "... killed (no pam_close_session): the client is disconnected (255)"
gone "sshd's privileged session process killed (SIGKILL)"
