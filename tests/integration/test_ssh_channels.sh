#!/bin/bash
# SPDX-License-Identifier: MIT
# The channels of one SSH connection share one container; separate logins
# never do. Through Debian's OpenSSH (tests/integration/ssh.sh), with
# ControlMaster/ControlPersist: a later command sees the processes and /tmp
# of an earlier one, one init serves them all; a server started in the
# background by one command (a FIFO server, busybox httpd on 127.0.0.1)
# answers a later command and a port forwarded by the client (ssh -L, the
# pattern of remote IDE extensions); a PID namespace the user fabricates
# inside (unprivileged user namespace, a process named cubicle-init) is never
# joined. Two users, and two connections of one user, neither see nor signal
# each other's processes. Closing the master ends the shared container.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=ssh.sh
. "$(dirname "$0")/ssh.sh"
ct_begin
ct_need_shell
ssh_begin
ssh_user_add U
ssh_user_add V
ssh_conf
ssh_start

# The host pid of USER's process whose command line is exactly ARGS.
host_pid() {
	local user=$1 args=$2 pid name
	while read -r pid name; do
		[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" != "$args " ] || echo "$pid"
	done < <(ct_user_live_procs "$user")
}

# count_sleeps N...: a command that prints how many processes "sleep N" for
# these N run in the container (by comm and argument: the init's command line
# is the first cubicle-shell's, which may hold the text "sleep N" too).
count_sleeps() {
	local cond='' n
	for n in "$@"; do cond+="${cond:+ || }\$3 == $n"; done
	printf "ps -o comm,args | awk '%s' | wc -l" "\$1 == \"sleep\" && ($cond)"
}

# ---- one connection, many channels: one container ----
ssh_master_start "$U" a
mux_a=("${SSH_MUX[@]}")
ct_diag "master a of $U: pid $SSH_MASTER_PID"
ssh_run "$U" "${mux_a[@]}" -- \
	'sleep 3001 >/dev/null 2>&1 & echo "$!" >/tmp/first.pid; echo "init=$(cut -d" " -f22 /proc/1/stat)"'
assert_exit 0 "ControlMaster: a first command starts a background process"
init_a=$(ct_val init)
ssh_run "$U" "${mux_a[@]}" -- \
	"echo pid=\$(cat /tmp/first.pid); $(count_sleeps 3001); echo init=\$(cut -d' ' -f22 /proc/1/stat); hostname"
assert_exit 0 "a second command through the master runs"
assert_grep '^pid=[0-9]+$' "... sees the first one's /tmp (the same mount namespace)"
assert_eq "$(sed -n 2p <<<"$CT_OUT")" 1 "... and its background process (the same PID namespace)"
assert_eq "$(ct_val init)" "$init_a" "... and the same init: the container was made once"
assert_eq "$(tail -n1 <<<"$CT_OUT")" "box-$U" "... with the configured hostname"
recs=$(find "$CT_RUN/sessions" -mindepth 1 -maxdepth 1 | wc -l)
assert_eq "$recs" 1 "one connection, many channels: one session record"

# a server started by one command answers a later one
ssh_run "$U" "${mux_a[@]}" -- \
	'mkfifo /tmp/req /tmp/resp; (while read -r line </tmp/req; do echo "served $line" >/tmp/resp; done) >/dev/null 2>&1 &'
assert_exit 0 "a command starts a FIFO server in the background and returns"
ssh_run "$U" "${mux_a[@]}" -- 'echo ping >/tmp/req; cat /tmp/resp'
assert_eq "$CT_OUT" "served ping" "... a later command talks to it"

port=$(_ssh_free_port)
ssh_run "$U" "${mux_a[@]}" -- \
	"mkdir -p /tmp/www && echo 'hello from $U' >/tmp/www/index.html && httpd -p 127.0.0.1:$port -h /tmp/www"
assert_exit 0 "a command starts busybox httpd (it daemonizes) on 127.0.0.1:$port"
ssh_run "$U" "${mux_a[@]}" -- "wget -q -O - http://127.0.0.1:$port/index.html"
assert_eq "$CT_OUT" "hello from $U" "... a later command fetches from it"
lport=$(_ssh_free_port)
ssh_argv "$U" "${mux_a[@]}" -O forward -L "127.0.0.1:$lport:127.0.0.1:$port"
out=$("${SSH_ARGV[@]}" 2>&1) && rc=0 || rc=$?
assert_eq "$rc" 0 "the client forwards 127.0.0.1:$lport to it through the master (ssh -O forward -L)"
[ "$rc" == 0 ] || ct_diag "$out"
got=$(timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$lport && printf 'GET /index.html HTTP/1.0\r\n\r\n' >&3 && cat <&3" 2>&1 | tail -n1)
assert_eq "$got" "hello from $U" "... and the host reaches the container's server through the forward"

# a namespace the user fabricates inside is never joined
ssh_run "$U" "${mux_a[@]}" -- '
	printf "#!/bin/sh\nsleep 3003\n" >/tmp/cubicle-init && chmod +x /tmp/cubicle-init
	unshare -r -p -f -u -i -m --mount-proc sh -c "hostname fabricated; exec /tmp/cubicle-init" >/tmp/fake.log 2>&1 &
	for i in $(seq 50); do ps -o args | grep -q "^[s]leep 3003" && break; sleep 0.1; done
	ps -o comm | grep -c "^cubicle-init"; cat /tmp/fake.log'
assert_eq "$(head -n1 <<<"$CT_OUT")" 2 \
	"a user namespace with its own PID namespace and a cubicle-init made inside the container"
[ "$(head -n1 <<<"$CT_OUT")" == 2 ] || ct_diag "$CT_OUT" "$CT_ERR"
ssh_run "$U" "${mux_a[@]}" -- 'hostname; cut -d" " -f22 /proc/1/stat'
assert_eq "$CT_OUT" "$(printf 'box-%s\n%s' "$U" "$init_a")" \
	"... the next command still joins cubicle's container, not the fabricated one"

# ---- separate connections of one user, and another user: separate ----
ssh_master_start "$U" b
mux_b=("${SSH_MUX[@]}")
ssh_run "$U" "${mux_b[@]}" -- \
	"sleep 3002 >/dev/null 2>&1 & $(count_sleeps 3001 3003); ls /tmp; cut -d' ' -f22 /proc/1/stat"
assert_exit 0 "a second connection of the same user"
assert_eq "$(head -n1 <<<"$CT_OUT")" 0 "... does not see the first connection's processes"
assert_no_grep '^(first.pid|www|req)$' "... nor its /tmp"
assert_ne "$(tail -n1 <<<"$CT_OUT")" "$init_a" "... it has an init of its own"
ssh_master_start "$V" v
mux_v=("${SSH_MUX[@]}")
ssh_run "$V" "${mux_v[@]}" -- \
	"sleep 3004 >/dev/null 2>&1 & $(count_sleeps 3001 3002 3003); hostname"
assert_eq "$CT_OUT" "$(printf '0\nbox-%s' "$V")" "another user sees none of them, in a container of its own"

a_pid=$(host_pid "$U" "sleep 3001")
b_pid=$(host_pid "$U" "sleep 3002")
v_pid=$(host_pid "$V" "sleep 3004")
assert_match "$a_pid $b_pid $v_pid" '^[0-9]+ [0-9]+ [0-9]+$' "the three sleeps run on the host"
# signals: to every process it may signal (kill -1), and to the host pid
ssh_run "$U" "${mux_b[@]}" -- "kill -KILL $a_pid 2>&1; kill -KILL -1; echo sent"
assert_true "the second connection's kill -KILL -1 and kill of the host pid leave the first's process alive" \
	ct_alive "$a_pid"
ct_poll 5 eval '! ct_alive "$b_pid"' || true
assert_false "... (while it does kill its own)" ct_alive "$b_pid"
ssh_run "$V" "${mux_v[@]}" -- "kill -KILL $a_pid 2>&1; kill -KILL -1; echo sent"
assert_true "another user's kill -KILL -1 and kill of the host pid leave the process alive" ct_alive "$a_pid"
ct_poll 5 eval '! ct_alive "$v_pid"' || true
assert_false "... (while it does kill its own)" ct_alive "$v_pid"
ssh_run "$U" "${mux_a[@]}" -- "$(count_sleeps 3001)"
assert_eq "$CT_OUT" 1 "the first connection still sees its process"

# ---- closing a master ends its container, only its own ----
ssh_argv "$U" "${mux_a[@]}" -O exit
"${SSH_ARGV[@]}" >/dev/null 2>&1 || true
ct_poll 10 eval '! ct_alive "$a_pid"' || true
assert_false "ssh -O exit: the first connection's background process is gone" ct_alive "$a_pid"
ssh_run "$U" "${mux_b[@]}" -- 'echo still-here'
assert_eq "$CT_OUT" still-here "... the other connection of the user goes on"
for m in b v; do
	ssh_mux "$m"
	ssh_argv "$U" "${SSH_MUX[@]}" -O exit
	"${SSH_ARGV[@]}" >/dev/null 2>&1 || true
done
ssh_assert_gone "every master closed: no record, cgroup or process of the sessions" 10
