#!/bin/bash
# SPDX-License-Identifier: MIT
# Many logins at once through Debian's OpenSSH (tests/integration/ssh.sh):
# 30 concurrent logins of one user, then 10 users at once, each running a
# short command that overlaps the others. Every login succeeds, gets a
# container of its own (its own hostname, cubicle-init as PID 1, only its own
# processes in sight), and afterwards nothing of any of them is left.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=ssh.sh
. "$(dirname "$0")/ssh.sh"
ct_begin
ct_need_shell
ssh_begin
ssh_user_add U
users=()
for i in $(seq 10); do
	ssh_user_add W
	users+=("$W")
done
ssh_conf
ssh_start

# What each login runs: a background sleep that keeps it alive for a while
# (so the logins overlap), then what it sees. Exactly 4 processes are its own:
# init, sh, sleep, ps.
login_cmd='sleep 2 & ps -o pid,comm >/tmp/ps; echo "n=$(($(wc -l </tmp/ps) - 1))"; echo "host=$(hostname)"
echo "pid1=$(cat /proc/1/comm)"; echo "me=$(id -un)"; echo "sess=$CUBICLE_SESSION"; wait'

# many NAME USER...: one ssh login per USER (repeat a user for several), all
# started at once; then checks that all succeeded and were isolated. The
# most session records seen at one time go into SSH_MAX_RECS.
many() {
	local name=$1 i rc t0 max=0 n failed=() bad=() sessions=()
	shift
	local -a pids=() who=("$@")
	t0=$(ct_now_ms)
	for i in "${!who[@]}"; do
		ssh_argv "${who[$i]}"
		"${SSH_ARGV[@]}" "$login_cmd" </dev/null >"$CT_W/$name.$i.out" 2>"$CT_W/$name.$i.err" &
		pids+=($!)
	done
	# while they run: how many sessions are open at once
	while :; do
		n=$({ find "$CT_RUN/sessions" -mindepth 1 -maxdepth 1 -name '[0-9a-f]*' 2>/dev/null || true; } | wc -l)
		[ "$n" -le "$max" ] || max=$n
		local running=0
		for i in "${!pids[@]}"; do
			! ct_alive "${pids[$i]}" || running=1
		done
		if [ "$running" == 0 ] || [ $(($(ct_now_ms) - t0)) -ge $((CT_TIMEOUT * 1000)) ]; then
			break
		fi
		sleep 0.05
	done
	for i in "${!pids[@]}"; do
		if ct_alive "${pids[$i]}"; then
			kill -KILL "${pids[$i]}" 2>/dev/null || true
		fi
		rc=0
		wait "${pids[$i]}" 2>/dev/null || rc=$?
		local out user=${who[$i]}
		out=$(cat "$CT_W/$name.$i.out")
		if [ "$rc" != 0 ]; then
			failed+=("login $i of $user: exit $rc: $(head -c 300 "$CT_W/$name.$i.err")")
			continue
		fi
		[ "$(ct_val n "$out")" == 4 ] || bad+=("login $i of $user saw $(ct_val n "$out") processes, not 4")
		[ "$(ct_val host "$out")" == "box-$user" ] || bad+=("login $i of $user: hostname $(ct_val host "$out")")
		[ "$(ct_val pid1 "$out")" == cubicle-init ] || bad+=("login $i of $user: PID 1 $(ct_val pid1 "$out")")
		[ "$(ct_val me "$out")" == "$user" ] || bad+=("login $i of $user: runs as $(ct_val me "$out")")
		sessions+=("$(ct_val sess "$out")")
	done
	SSH_MAX_RECS=$max
	ct_diag "$name: ${#who[@]} logins in $(($(ct_now_ms) - t0)) ms, at most $max sessions open at once"
	if [ ${#failed[@]} -eq 0 ]; then
		ct_pass "$name: all ${#who[@]} logins succeed"
	else
		ct_fail "$name: all ${#who[@]} logins succeed" "${#failed[@]} failed:" "${failed[@]:0:5}"
		ssh_log 30
	fi
	if [ ${#bad[@]} -eq 0 ] && [ ${#failed[@]} -eq 0 ]; then
		ct_pass "$name: each in a container of its own: its hostname, cubicle-init, its 4 processes only"
	else
		ct_fail "$name: each in a container of its own" "${bad[@]:0:10}"
	fi
	n=$(printf '%s\n' "${sessions[@]}" | sort -u | grep -c . || true)
	assert_eq "$n" "${#sessions[@]}" "$name: each in a session of its own (CUBICLE_SESSION)"
}

mapfile -t thirty < <(for _ in $(seq 30); do echo "$U"; done)
many "30 logins of one user" "${thirty[@]}"
assert_true "... they ran at the same time (${SSH_MAX_RECS} sessions open at once)" \
	test "$SSH_MAX_RECS" -ge 2
ssh_assert_gone "30 logins of one user: afterwards no record, cgroup or process is left" 10

many "10 users at once" "${users[@]}"
assert_true "... they ran at the same time (${SSH_MAX_RECS} sessions open at once)" \
	test "$SSH_MAX_RECS" -ge 2
ssh_assert_gone "10 users: afterwards no record, cgroup or process is left" 10
