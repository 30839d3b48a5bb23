#!/bin/bash
# SPDX-License-Identifier: MIT
# When the command exits, nothing of the container outlives cubicle-shell:
# background jobs, setsid daemons and double-forked processes get SIGTERM,
# then SIGKILL after stop_timeout; orphans are reaped while the session lives.
# Every "nothing left" check here is made the moment cubicle-shell returns.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
ct_need_shell
ct_user_add U
stop_timeout=4
ct_conf <<EOF
$(ct_conf_default_text | sed "s/^stop_timeout = .*/stop_timeout = $stop_timeout/")
EOF

# timed_run ARGS...: ct_run, with the duration in ms in MS.
timed_run() {
	local t0
	t0=$(ct_now_ms)
	ct_run "$@"
	MS=$(($(ct_now_ms) - t0))
}

timed_run "$U" 'sleep 600 & echo "bg=$!"; exit 3'
assert_exit 3 "the command's status with a background job running"
assert_no_user_procs "$U" "a background job is gone when cubicle-shell returns"
assert_true "... killed by SIGTERM, without waiting for stop_timeout (${MS} ms)" \
	test "$MS" -lt $((stop_timeout * 1000 - 500))

timed_run "$U" 'trap "" TERM; sleep 600 & exit 4'
assert_exit 4 "the command's status with a job that ignores SIGTERM"
assert_no_user_procs "$U" "a job that ignores SIGTERM is gone when cubicle-shell returns"
assert_true "... killed after stop_timeout = ${stop_timeout}s (took ${MS} ms)" \
	test "$MS" -ge $((stop_timeout * 1000 - 500)) -a "$MS" -lt $((stop_timeout * 1000 + 5000))

ct_run "$U" 'setsid sh -c "trap \"\" HUP TERM; exec sleep 600" </dev/null >/dev/null 2>&1 & exit 0'
assert_exit 0
assert_no_user_procs "$U" "a setsid daemon ignoring HUP and TERM is gone"

ct_run "$U" '(sleep 600 &); (setsid sleep 601 &); ( (sleep 602 &) &); exit 0'
assert_exit 0
assert_no_user_procs "$U" "double-forked processes are gone"

ct_run "$U" 'i=0; while [ $i -lt 200 ]; do sleep 600 & i=$((i + 1)); done; exit 0'
assert_exit 0
assert_no_user_procs "$U" "200 background processes are gone"

# A job holding cubicle-shell's stdout: the reader sees end-of-file once
# cubicle-shell returns, because nothing in the container is left to hold it.
_ct_argv_as "$U" -- "$CT_SHELL" -c 'sleep 600 & echo hi'
t0=$(ct_now_ms)
out=$(timeout -k 5 "$CT_TIMEOUT" "${CT_ARGV[@]}" 2>/dev/null | cat) || true
MS=$(($(ct_now_ms) - t0))
assert_eq "$out" hi "a reader of stdout gets the output"
assert_true "... and end-of-file at once, not after a timeout (${MS} ms)" \
	test "$MS" -lt $((stop_timeout * 1000 - 500))

# ---- orphans are reaped while the session lives ----
ct_run "$U" 'exec probe orphan 50'
assert_exit 0 "probe orphan 50 finished"
assert_line "reaped=50" "50 orphans reaped by init while the session lives"
ct_run "$U" 'probe orphan 20 >/dev/null; sleep 0 & wait; exec probe'
assert_line "zombies=0" "no zombie left after orphans exit"

# ---- cubicle-shell itself killed: the container goes with it ----
ct_spawn "$U" 'sleep 600 & exec probe sig'
pid=$CT_PID
if ct_wait_for "$CT_SPAWN_OUT" '^ready$'; then
	kill -KILL "$pid"
	ct_wait "$pid"
	assert_exit 137 "cubicle-shell killed with SIGKILL"
	no_procs() { [ -z "$(ct_user_procs "$U")" ]; }
	ct_poll 10 no_procs || true
	assert_no_user_procs "$U" "SIGKILL of cubicle-shell: the container's processes die with it (SECURITY.md 10)"
else
	ct_fail "the probe started" "$(cat "$CT_SPAWN_OUT" "$CT_SPAWN_ERR")"
fi
