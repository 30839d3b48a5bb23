#!/bin/bash
# SPDX-License-Identifier: MIT
# Many logins at once, of two users: each gets its own container and sees
# only itself; one login cannot see or signal another's processes; all of
# them end cleanly.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
ct_need_shell
ct_user_add A
ct_user_add B
ct_conf_default

n=6
pids=() outs=() errs=()
for i in $(seq $n); do
	user=$A
	[ $((i % 2)) == 0 ] || user=$B
	ct_spawn "$user" "probe > /tmp/info; cat /tmp/info; exec probe sig"
	pids+=("$CT_PID") outs+=("$CT_SPAWN_OUT") errs+=("$CT_SPAWN_ERR")
done
ready=0
for i in "${!pids[@]}"; do
	if ct_wait_for "${outs[$i]}" '^ready$'; then ready=$((ready + 1)); fi
done
assert_eq "$ready" "$n" "$n logins of two users run at the same time"

# A kills everything it can see, from one more login; the others live on.
ct_run "$A" 'kill -KILL -1 2>/dev/null; kill -KILL 1 2>/dev/null; echo done'
assert_eq "$CT_RC:$CT_OUT" "0:done" "kill -KILL -1 from one more login of A"
alive=0
for pid in "${pids[@]}"; do
	if ct_alive "$pid"; then alive=$((alive + 1)); fi
done
assert_eq "$alive" "$n" "... kills none of the other logins, A's own included"

pid_ns=()
for i in "${!pids[@]}"; do
	kill -TERM "${pids[$i]}"
	ct_wait "${pids[$i]}" "$CT_TIMEOUT" "${outs[$i]}" "${errs[$i]}"
	user=$A
	[ $((i % 2)) == 1 ] || user=$B
	assert_exit 0 "login $((i + 1)) ends with its command's status"
	assert_eq "$(ct_vals proc | grep -vc -e '^1:' -e ':sh$' -e ':probe$' || true)" 0 \
		"login $((i + 1)) sees only its own processes"
	assert_eq "$(ct_val hostname)" "box-$user" "login $((i + 1)) has its user's hostname"
	pid_ns+=("$(ct_val ns_pid)")
done
assert_eq "$(printf '%s\n' "${pid_ns[@]}" | sort -u | wc -l)" "$n" "every login has a PID namespace of its own"
assert_no_user_procs "$A" "nothing of A left"
assert_no_user_procs "$B" "nothing of B left"
