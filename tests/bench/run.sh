#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run.sh — `make bench`: what cubicle costs a login, side by side with the
# tools an admin would otherwise use, and how that grows with live sessions
# and with the host's mount table (issue 6; tests/bench/README.md). As root:
#
#     sudo make bench                   # every case
#     sudo make bench CASE=shell,ssh    # some (names or numbers, below)
#     sudo make bench QUICK=1           # fewer runs and sizes: about 1 minute (all: 2)
#
# Cases (CASE=, comma- or space-separated; default all):
#   1 shell     cubicle-shell -c true without a session, against a namespace-free
#               launcher of the same fork/exec shape (plainlaunch.c), the same
#               launcher with fresh namespaces and /proc only, sh -c true,
#               unshare -pfmu --mount-proc + chroot, bwrap and firejail
#   2 enter     a second shell entering its session's container, against the
#               first one that creates it
#   3 memory    memory per live session (user-space PSS, kernel from /proc/meminfo
#               deltas) with 100 and 1,000 sessions alive
#   4 sessions  one whole login (PAM open, cubicle-shell -c true, close) with 0,
#               100, 1,000 sessions alive; `mounts`: the same, and bwrap, with
#               20, 500, 2,000 mounts in the mount table (4 means both)
#   5 pam       one PAM open+close pair, against the same stack without the module
#   6 ssh       `ssh host true` through a private sshd with cubicle, against the
#               same user with a plain shell; FAVORDYNMODS=1 measures the pair
#               again with the cgroup2 mount option favordynmods (a host setting,
#               changed for that measurement and put back)
#   7 logout    from the end of a session to its cgroup being gone
#   profile     (not part of "all") where cubicle-shell's time goes: strace -c,
#               the slowest system calls, perf when the kernel lets it
#
# Installs what it compares against when missing (bubblewrap, firejail,
# hyperfine, strace; apt-get), builds a test copy of cubicle the way the
# integration tests do (tests/integration/lib.sh, ct_root_setup: a scratch
# root /var/lib/cubicle-test.XXXXXX, a cgroup_root beneath this process's own
# cgroup), makes three users with busybox rootfs, and prints one table:
# medians with min-max, and for each row its ratio to the reference row of
# the same measurement (marked "ref"), the ratio of the medians and the median
# [quartiles] of the per-iteration ratios — the commands of one measurement
# run interleaved (tests/bench/timeit.c), so that drift falls on all alike.
# Everything is removed at the end, also on failure or a signal: processes by
# pid, the private sshd and mount namespaces, users, cgroups, mounts, files.
#
# Benchmarks print figures and assert nothing. Exit status: 0 the table was
# printed, 1 a broken setup, 2 usage, 77 not root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
CASE=${CASE:-all}
QUICK=${QUICK:-}
[ "$QUICK" != 0 ] || QUICK=''

ALL_CASES=(shell enter memory sessions mounts pam ssh logout)
declare -A want=()
for c in ${CASE//,/ }; do
	case $c in
	all) for a in "${ALL_CASES[@]}"; do want[$a]=1; done ;;
	1 | shell) want[shell]=1 ;;
	2 | enter) want[enter]=1 ;;
	3 | memory) want[memory]=1 ;;
	4) want[sessions]=1 want[mounts]=1 ;;
	sessions) want[sessions]=1 ;;
	mounts) want[mounts]=1 ;;
	5 | pam) want[pam]=1 ;;
	6 | ssh) want[ssh]=1 ;;
	7 | logout) want[logout]=1 ;;
	profile) want[profile]=1 ;;
	*)
		echo "run.sh: unknown case '$c' (1-7, ${ALL_CASES[*]}, profile, all)" >&2
		exit 2
		;;
	esac
done
[ ${#want[@]} -gt 0 ] || {
	echo "run.sh: CASE is empty" >&2
	exit 2
}
wants() { [ -n "${want[$1]:-}" ]; }

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: needs root (namespaces, cgroups, PAM sessions, temporary users): sudo make bench" >&2
	exit 77
fi

# Iterations: QUICK=1 for a look in about two minutes (setup included).
if [ -n "$QUICK" ]; then
	N_SHELL=15 N_ENTER=15 N_LOGIN=10 N_MOUNTS=8 N_PAM=50 N_SSH=8 N_LOGOUT=5
	LEVELS=(100) MOUNT_LEVELS=(20 500 2000)
else
	N_SHELL=100 N_ENTER=40 N_LOGIN=50 N_MOUNTS=30 N_PAM=200 N_SSH=60 N_LOGOUT=20
	LEVELS=(100 1000) MOUNT_LEVELS=(20 500 2000)
fi

say() { printf '# %s\n' "$*" >&2; }

# ---- what it compares against ------------------------------------------------

install_missing() {
	local -a pkgs=() p
	for p in bwrap:bubblewrap firejail:firejail hyperfine:hyperfine strace:strace \
		/usr/sbin/sshd:openssh-server ssh:openssh-client; do
		command -v "${p%%:*}" >/dev/null || pkgs+=("${p#*:}")
	done
	[ -e /usr/include/security/pam_appl.h ] || pkgs+=(libpam0g-dev)
	[ ${#pkgs[@]} -gt 0 ] || return 0
	say "installing ${pkgs[*]} (apt-get)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 &&
			apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null 2>&1; } ||
		say "apt-get could not install ${pkgs[*]}: the comparisons that need them are left out"
}
"$here/../../scripts/install-deps.sh" >&2 || true
install_missing

# ---- setup -------------------------------------------------------------------

# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$here/../integration/lib.sh"

# FAVORDYNMODS=1 (case ssh): the cgroup2 mount whose options the case
# changed, and the options to put back (on any exit too)
FDM_MOUNT='' FDM_OPTS=''
fdm_restore() {
	[ -n "$FDM_MOUNT" ] || return 0
	mount --options-mode ignore -o "remount,$FDM_OPTS" "$FDM_MOUNT" ||
		echo "run.sh: could not put back the options $FDM_OPTS of $FDM_MOUNT" >&2
	FDM_MOUNT=''
}

BG_PIDS=()     # background helpers (holds, mount namespace holders, sshd): by pid
SSHD_NS=()     # the private sshds' mount namespaces: their connection processes
# shellcheck disable=SC2317 # called from the EXIT trap
on_exit() {
	local rc=$? pid ns dir
	set +e
	trap - ERR
	[ -z "${HOLD_FILE:-}" ] || rm -f -- "$HOLD_FILE"
	for pid in "${BG_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${BG_PIDS[@]}"; do
		# a hold ends its sessions on SIGTERM; give it that time
		timeout 60 tail --pid="$pid" -f /dev/null 2>/dev/null
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for ns in "${SSHD_NS[@]}"; do
		for dir in /proc/[0-9]*; do
			[ "$(readlink "$dir/ns/mnt" 2>/dev/null)" != "$ns" ] || kill -KILL "${dir#/proc/}" 2>/dev/null
		done
	done
	fdm_restore
	tracefs_restore
	ct_root_cleanup
	exit "$rc"
}
trap 'on_exit' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

say "setting up: a test build of cubicle-shell and pam_cubicle.so, users, rootfs, PAM services"
t_setup=$SECONDS
ct_root_setup
if ! ct_shell_built; then
	tail -n 30 "$CT_ROOT/build.log" >&2
	echo "run.sh: cubicle did not build (see above)" >&2
	exit 1
fi
BIN=$CT_ROOT/bin
WORK=$CT_ROOT/work
LOG=$WORK/bench.log
ROWS=$WORK/rows.tsv
: >"$ROWS"
: >"$LOG"
# the warnings of the Makefile's WARN
CFLAGS_BENCH=(-std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
	-Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wwrite-strings -Wundef -Wformat=2
	-Wimplicit-fallthrough -Wvla -Wnull-dereference)
{
	gcc "${CFLAGS_BENCH[@]}" -o "$BIN/timeit" "$here/timeit.c" "$here/common.c" &&
		gcc "${CFLAGS_BENCH[@]}" -o "$BIN/cubbench" "$here/cubbench.c" "$here/common.c" -lpam &&
		gcc "${CFLAGS_BENCH[@]}" -o "$BIN/plainlaunch" "$here/plainlaunch.c" &&
		gcc "${CFLAGS_BENCH[@]}" -o "$BIN/pam_pair" "$here/pam_pair.c" -lpam
} >>"$LOG" 2>&1 || {
	cat "$LOG" >&2
	echo "run.sh: the benchmark helpers did not build" >&2
	exit 1
}

# Three users (lib.sh: recorded for the cleanup, each with a busybox rootfs):
# UN runs without a session (case 1), US logs in with sessions (2, 4-7), UH
# holds the many live sessions (3, 4), so that the logins measured beside them
# are another user's, as on a host with hundreds of users.
ct_user_add UN cbb
ct_user_add US cbb
ct_user_add UH cbb
ROOTFS_N=$(ct_rootfs "$UN")
BB=$ROOTFS_N/bin/busybox

user_section() {
	printf '\n[user:%s]\n' "$1"
	printf '%s\n' "isolate = yes" "rootfs = $CT_ROOT/rootfs/%u" "hostname = %u-box" \
		"shell = /bin/sh" "home = %h" "namespaces = pid mount uts ipc" "memory_max = 2G" \
		"pids_max = 512" "cpu_max = 150%" "stop_timeout = 2" "cgroup_root = $CT_CGROOT" \
		"require_session = $2"
}
{
	printf '[default]\nisolate = no\n'
	user_section "$UN" no
	user_section "$US" yes
	user_section "$UH" yes
} | ct_conf

# session records on a tmpfs, as /run is on a real host
install -d -m 0755 "$CT_RUN"
mount -t tmpfs -o mode=0755,size=64m cubicle-bench "$CT_RUN"
# with the empty file the shell mounts its mount template on, as the
# package's tmpfiles.d makes it at boot
install -m 0444 /dev/null "$CT_RUN/mnt-template"
PAMD=$CT_ROOT/pam.d
mkdir -p "$PAMD"
printf 'session required %s config=%s\n' "$CT_MODULE" "$CT_CONF" >"$PAMD/cubicle-bench"
printf 'session required pam_permit.so\n' >"$PAMD/permit-bench"

# where the sessions' leaves show: the cgroup2 mount if there is one, else
# the v1 pids or memory hierarchy
CGMOUNTS=$(awk '{ for (i = 7; i < NF && $i != "-"; i++); if ($(i + 1) ~ /^cgroup2?$/) print $(i + 1), $5, $(i + 3) }' \
	/proc/self/mountinfo)
CGMNT=$(awk '$1 == "cgroup2" { print $2; exit }' <<<"$CGMOUNTS")
[ -n "$CGMNT" ] || CGMNT=$(awk '$3 ~ /(^|,)(pids|memory)(,|$)/ { print $2; exit }' <<<"$CGMOUNTS")
[ -n "$CGMNT" ] || {
	echo "run.sh: no cgroup hierarchy mounted" >&2
	exit 1
}
say "setup took $((SECONDS - t_setup)) s"

# ---- helpers -----------------------------------------------------------------

# note CASE TEXT: a line under the table
note() { printf 'note\t%s\t%s\n' "$1" "$2" >>"$ROWS"; }

# bg_forget PID: PID (ended) is no longer the EXIT trap's to stop
bg_forget() {
	local -a keep=()
	local p
	for p in "${BG_PIDS[@]}"; do
		[ "$p" == "$1" ] || keep+=("$p")
	done
	BG_PIDS=("${keep[@]}")
}

# timeit ARGS...: tests/bench/timeit.c, its rows into the table; on failure
# the command's stderr is shown and the run stops.
timeit() {
	"$BIN/timeit" -l "$WORK" "$@" >>"$ROWS"
}

# works LABEL [@OPTS] PROGRAM...: true when one run succeeds; WHY holds the
# first line of its complaint otherwise
works() {
	local out
	if out=$("$BIN/timeit" -n 1 -w 0 -l "$WORK" "$@" 2>&1 >/dev/null); then
		return 0
	fi
	WHY=$(grep -v -e '^---' -e '^timeit:' <<<"$out" | grep -m1 . || true)
	[ -n "$WHY" ] || WHY=$(tail -n 1 <<<"$out")
	return 1
}

load() { cut -d' ' -f1-3 /proc/loadavg; }

# bg_stop PID: kills a background helper (a namespace holder) and forgets it
bg_stop() {
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	bg_forget "$1"
}

# firejail_ns_start: a process in a private mount namespace with an empty
# tmpfs on /run, for firejail to run in; prints its pid
firejail_ns_start() {
	local ready=$WORK/firejail.ready pid
	rm -f -- "$ready"
	# shellcheck disable=SC2016 # expanded by that sh
	unshare --mount --propagation private -- /bin/sh -c '
		set -e
		mount -t tmpfs -o mode=0755,nosuid,nodev,size=16m cubicle-bench-run /run
		: >"$1"
		exec sleep 100000' sh "$ready" </dev/null >>"$LOG" 2>&1 &
	pid=$!
	BG_PIDS+=("$pid")
	while [ ! -e "$ready" ]; do
		kill -0 "$pid" 2>/dev/null || fail_log "a mount namespace for firejail"
		sleep 0.05
	done
	echo "$pid"
}

case_start() {
	# what the case before left behind (a thousand sessions ending) settles first
	settle_mem
	CUR=$1
	say "case $1: $2 (load $(load))"
	note "$1" "load average at the start: $(load)"
	T_CASE=$SECONDS
}
case_end() { say "case $CUR took $((SECONDS - T_CASE)) s"; }

# ---- 1: one shell, without a session ------------------------------------------

case_shell() {
	local uid gid fj rootfs=$ROOTFS_N
	local -a cmds
	case_start shell "cubicle-shell -c true as the user, no session, against the others"
	uid=$(ct_uid "$UN") gid=$(ct_gid "$UN")
	cmds=("cubicle-shell -c true" "@as=$UN" "$CT_SHELL" -c true
		::: "plainlaunch (same fork/exec shape, no namespaces)" "@as=$UN"
		"$BIN/plainlaunch" "$rootfs/bin/sh" -c true
		::: "sh -c true (the rootfs's busybox sh, on the host)" "@as=$UN" "$rootfs/bin/sh" -c true
		::: "plainlaunch --ns (the same, with fresh namespaces and /proc only; root)"
		"$BIN/plainlaunch" --ns "$rootfs" "$uid:$gid" /bin/sh -c true
		::: "unshare -pfmu --mount-proc + chroot (root)" unshare -pfmu
		"--mount-proc=$rootfs/proc" "$(command -v chroot)" "--userspec=$uid:$gid" "$rootfs" /bin/sh -c true)
	if works bwrap "@as=$UN" bwrap --bind "$rootfs" / --proc /proc --dev /dev \
		--unshare-pid --unshare-uts /bin/sh -c true; then
		cmds+=(::: "bwrap --unshare-pid --unshare-uts --proc --dev" "@as=$UN" bwrap
			--bind "$rootfs" / --proc /proc --dev /dev --unshare-pid --unshare-uts /bin/sh -c true)
	else
		note shell "bwrap left out: it does not work here: $WHY"
	fi
	# firejail, in a mount namespace of its own with a tmpfs on /run: it
	# mounts over its runtime files in /run/firejail where it runs, and those
	# mounts would stay in the host's table. First on the same rootfs
	# (--chroot), else on the host's filesystem.
	fj=$(firejail_ns_start)
	if works firejail "@ns=/proc/$fj/ns/mnt" "@as=$UN" firejail --noprofile --quiet \
		"--chroot=$rootfs" /bin/sh -c true; then
		cmds+=(::: "firejail --noprofile --chroot (same rootfs)" "@ns=/proc/$fj/ns/mnt" "@as=$UN"
			firejail --noprofile --quiet "--chroot=$rootfs" /bin/sh -c true)
	else
		note shell "firejail --chroot=ROOTFS does not work here: $WHY"
		if works firejail "@ns=/proc/$fj/ns/mnt" "@as=$UN" firejail --noprofile --quiet \
			/bin/sh -c true; then
			cmds+=(::: "firejail --noprofile (the host's filesystem)" "@ns=/proc/$fj/ns/mnt"
				"@as=$UN" firejail --noprofile --quiet /bin/sh -c true)
		else
			note shell "firejail left out: it does not work here: $WHY"
		fi
	fi
	timeit -n "$N_SHELL" -c shell "${cmds[@]}"
	bg_stop "$fj"
	case_end
}

# ---- 2: entering a session's container ----------------------------------------

case_enter() {
	case_start enter "second shell entering its session's container vs the first"
	"$BIN/cubbench" enter "$PAMD" cubicle-bench "$US" "$CT_SHELL" -n "$N_ENTER" -c enter \
		>>"$ROWS" 2>>"$LOG" || fail_log "cubbench enter"
	case_end
}

fail_log() {
	tail -n 20 "$LOG" >&2
	echo "run.sh: $1 failed (log above)" >&2
	exit 1
}

# ---- 3 and 4: live sessions ----------------------------------------------------

# /proc/meminfo fields, in KiB: "Slab SUnreclaim KernelStack PageTables Percpu"
meminfo() {
	awk '$1 ~ /^(Slab|SUnreclaim|KernelStack|PageTables|Percpu):$/ { v[$1] = $2 }
		END { print v["Slab:"], v["SUnreclaim:"], v["KernelStack:"], v["PageTables:"], v["Percpu:"] }' \
		/proc/meminfo
}

# slabinfo FILE: "CACHE BYTES" (active objects x object size) of every slab cache
slabinfo() {
	awk 'NR > 2 { print $1, $2 * $4 }' /proc/slabinfo >"$1"
}

# slab_top N CUB0 CUB1 PLAIN0 PLAIN1: the slab caches that grew most per
# session, cubicle's growth minus the plain sessions' growth
slab_top() {
	awk -v n="$1" '
	FILENAME == ARGV[2] { c0[$1] = $2 } FILENAME == ARGV[3] { c1[$1] = $2 }
	FILENAME == ARGV[4] { p0[$1] = $2 } FILENAME == ARGV[5] { p1[$1] = $2 }
	END {
		for (k in c1) { d = ((c1[k] - c0[k]) - (p1[k] - p0[k])) / n / 1024; if (d > 1) printf "%.1f %s\n", d, k }
	}' /dev/null "$2" "$3" "$4" "$5" | sort -rn | head -n 12 | awk '{ printf "%s%s %s KiB", (NR > 1 ? ", " : ""), $2, $1 }' || true
}

# hold_start N SERVICE USER PROGRAM...: N live sessions in the background;
# returns once they are all up (HOLD_PID, HOLD_FILE)
hold_start() {
	local n=$1 svc=$2 user=$3 deadline
	shift 3
	HOLD_FILE=$WORK/hold.ready
	rm -f -- "$HOLD_FILE"
	"$BIN/cubbench" hold "$PAMD" "$svc" "$user" "$n" -f "$HOLD_FILE" -P 4 -- "$@" \
		>"$WORK/hold.out" 2>>"$LOG" &
	HOLD_PID=$!
	BG_PIDS+=("$HOLD_PID")
	deadline=$((SECONDS + 60 + n / 5))
	while [ ! -s "$HOLD_FILE" ]; do
		if ! kill -0 "$HOLD_PID" 2>/dev/null || [ "$SECONDS" -gt "$deadline" ]; then
			fail_log "holding $n sessions"
		fi
		sleep 0.1
	done
	HOLD_UP=$(awk '{ print $3 }' "$HOLD_FILE")
}

# hold_stop: ends them; HOLD_DOWN is how long that took (s)
hold_stop() {
	rm -f -- "$HOLD_FILE"
	wait "$HOLD_PID" || fail_log "ending the held sessions"
	bg_forget "$HOLD_PID"
	HOLD_DOWN=$(awk '$1 == "hold" { print $4 }' "$WORK/hold.out")
}

# settle_mem: waits (1 s at least, 10 s at most) until Slab moves by less
# than 512 KiB in a second: frees that come late (RCU) and others' work
settle_mem() {
	local a b
	b=$(awk '$1 == "Slab:" { print $2 }' /proc/meminfo)
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		sleep 1
		a=$b
		b=$(awk '$1 == "Slab:" { print $2 }' /proc/meminfo)
		[ $((a - b)) -ge 512 ] || [ $((b - a)) -ge 512 ] || return 0
	done
}

# login_timing LIVE: one whole login, cubicle against the plain one, LIVE
# sessions of another user alive
login_timing() {
	timeit -n "$N_LOGIN" -c sessions \
		"[$1 live] login, pam_permit + sh -c true (plain)" \
		"$BIN/cubbench" login "$PAMD" permit-bench "$US" -- "$BB" sh -c true \
		::: "[$1 live] login, pam_cubicle + cubicle-shell -c true" \
		"$BIN/cubbench" login "$PAMD" cubicle-bench "$US" -- "$CT_SHELL" -c true
}

# the memory rows of one level: user-space PSS by process, and the kernel's
# share from /proc/meminfo deltas, cubicle's sessions against the same number
# of plain ones (pam_permit, the payload alone)
memory_rows() {
	local n=$1 pss=$2 m0=$3 m1=$4 b0=$5 b1=$6
	awk -F'\t' -v n="$n" -v m0="$m0" -v m1="$m1" -v b0="$b0" -v b1="$b1" '
	function row(label, kib) { printf "row\tmemory\t%s\tKiB\t%.1f\t-\t-\t%d\t-\t-\t-\t-\n", label, kib, n }
	$1 == "pss" { pss[$2] = $4; cnt[$2] = $3; rss[$2] = $5 }
	END {
		split(m0, a, " "); split(m1, b, " "); split(b0, c, " "); split(b1, d, " ")
		tot = pss["cubicle-init"] + pss["cubicle-shell"] + pss["cubicle-watch"]
		row("[" n " live] PSS per session: cubicle-init (PID 1)", pss["cubicle-init"] / n)
		row("[" n " live] PSS per session: outer cubicle-shell (1 channel)", pss["cubicle-shell"] / n)
		row("[" n " live] PSS per session: cubicle-watch (root, shared)", pss["cubicle-watch"] / n)
		row("[" n " live] PSS per session: cubicle, all three", tot / n)
		row("[" n " live] PSS per session: the PAM caller (sshd stand-in)", pss["driver"] / n)
		row("[" n " live] PSS per session: the payload (busybox sleep)", pss["payload"] / n)
		names[1] = "Slab"; names[2] = "SUnreclaim"; names[3] = "KernelStack"; names[4] = "PageTables"; names[5] = "Percpu"
		for (i = 1; i <= 5; i++) { dc[i] = (b[i] - a[i]) / n; dp[i] = (d[i] - c[i]) / n }
		kc = dc[1] + dc[3] + dc[4] + dc[5]; kp = dp[1] + dp[3] + dp[4] + dp[5]
		row("[" n " live] kernel per session, cubicle (Slab+KStack+PageTables+Percpu)", kc)
		row("[" n " live] kernel per session, plain (pam_permit, payload alone)", kp)
		row("[" n " live] kernel per session, cubicle minus plain", kc - kp)
		for (i = 1; i <= 5; i++)
			row("[" n " live]   of which " names[i] " (cubicle minus plain)", dc[i] - dp[i])
		printf "note\tmemory\t[%d live] RSS per session: init %.0f KiB, outer shell %.0f KiB, watcher %.0f KiB, PAM caller %.0f KiB\n", n,
			rss["cubicle-init"] / n, rss["cubicle-shell"] / n, rss["cubicle-watch"] / n, rss["driver"] / n
		printf "note\tmemory\t[%d live] counted %d inits, %d outer shells, %d watcher process(es) (one serves every session)\n", n,
			cnt["cubicle-init"], cnt["cubicle-shell"], cnt["cubicle-watch"]
	}' "$pss" >>"$ROWS"
}

case_live() {
	local n m0 m1 b0 b1 pss
	local cmd="echo up; exec sleep 1000000"
	if wants sessions; then
		case_start sessions "one login with 0, ${LEVELS[*]} sessions alive"
		login_timing 0
		case_end
	fi
	for n in "${LEVELS[@]}"; do
		if wants memory; then
			case_start memory "$n live sessions: memory$(wants sessions && echo ', and one login beside them')"
			# the plain ones first: what a torn-down container frees
			# late (RCU) must not fall into their delta
			settle_mem
			b0=$(meminfo)
			slabinfo "$WORK/slab.b0"
			hold_start "$n" permit-bench "$UH" "$BB" sh -c "echo up; exec $BB sleep 1000000"
			settle_mem
			b1=$(meminfo)
			slabinfo "$WORK/slab.b1"
			hold_stop
		else
			case_start sessions "one login beside $n live sessions"
		fi
		note memory "[$n live] each: a PAM session held as sshd holds it, its container, one channel cubicle-shell -c '$cmd'"
		settle_mem
		m0=$(meminfo)
		slabinfo "$WORK/slab.m0"
		hold_start "$n" cubicle-bench "$UH" "$CT_SHELL" -c "$cmd"
		note memory "[$n live] opening them took ${HOLD_UP} s (4 at a time)"
		if wants memory; then
			settle_mem
			m1=$(meminfo)
			slabinfo "$WORK/slab.m1"
			pss=$WORK/pss.$n
			"$BIN/cubbench" pss "$CGMNT$CT_CGROOT/$UH" "$CT_RUN/sessions" >"$pss" 2>>"$LOG" ||
				fail_log "cubbench pss"
		fi
		if wants sessions; then login_timing "$n"; fi
		hold_stop
		note memory "[$n live] ending them took ${HOLD_DOWN} s (4 at a time)"
		if wants memory; then
			memory_rows "$n" "$pss" "$m0" "$m1" "$b0" "$b1"
			note memory "[$n live] slab caches grown most per session (cubicle minus plain): $(slab_top "$n" \
				"$WORK/slab.m0" "$WORK/slab.m1" "$WORK/slab.b0" "$WORK/slab.b1")"
		fi
		case_end
	done
}

# ---- 4: the mount table ---------------------------------------------------------

# mountns_start COUNT: a process in a private mount namespace whose mount table
# has COUNT entries (tmpfs mounts added; the host's table is untouched);
# prints its pid
mountns_start() {
	local want=$1 dir=$WORK/mnt.$1 ready=$WORK/mnt.$1.ready pid
	mkdir -p "$dir"
	rm -f -- "$ready"
	# shellcheck disable=SC2016 # expanded by that sh
	unshare --mount --propagation private -- /bin/sh -c '
		set -e
		i=$(wc -l </proc/self/mountinfo)
		while [ "$i" -lt "$1" ]; do
			mkdir -p "$2/$i"
			mount -t tmpfs -o size=16k,mode=0755 bench "$2/$i"
			i=$((i + 1))
		done
		wc -l </proc/self/mountinfo >"$3"
		exec sleep 100000' sh "$want" "$dir" "$ready" </dev/null >>"$LOG" 2>&1 &
	pid=$!
	BG_PIDS+=("$pid")
	while [ ! -s "$ready" ]; do
		kill -0 "$pid" 2>/dev/null || fail_log "a mount namespace with $want mounts"
		sleep 0.1
	done
	echo "$pid"
}

case_mounts() {
	local k pid count
	local -a cub=() bw=() pids=()
	case_start mounts "one login with ${MOUNT_LEVELS[*]} mounts in the mount table"
	for k in "${MOUNT_LEVELS[@]}"; do
		pid=$(mountns_start "$k")
		pids+=("$pid")
		count=$(cat "$WORK/mnt.$k.ready")
		[ ${#cub[@]} -eq 0 ] || cub+=(:::) bw+=(:::)
		cub+=("[$count mounts] login, pam_cubicle + cubicle-shell -c true" "@ns=/proc/$pid/ns/mnt"
			"$BIN/cubbench" login "$PAMD" cubicle-bench "$US" -- "$CT_SHELL" -c true)
		bw+=("[$count mounts] bwrap (as in case 1)" "@as=$US" "@ns=/proc/$pid/ns/mnt"
			bwrap --bind "$(ct_rootfs "$US")" / --proc /proc --dev /dev --unshare-pid
			--unshare-uts /bin/sh -c true)
	done
	note mounts "the mounts are tmpfs, made in a private mount namespace that the login joins (unshare -m); the host's table is untouched"
	timeit -n "$N_MOUNTS" -c mounts "${cub[@]}"
	if works bwrap "@as=$US" bwrap --bind "$(ct_rootfs "$US")" / --proc /proc --dev /dev \
		--unshare-pid --unshare-uts /bin/sh -c true; then
		timeit -n "$N_MOUNTS" -c mounts "${bw[@]}"
	else
		note mounts "bwrap left out: $WHY"
	fi
	for pid in "${pids[@]}"; do bg_stop "$pid"; done
	case_end
}

# ---- 5: one PAM open+close pair --------------------------------------------------

case_pam() {
	case_start pam "one PAM open+close pair, with and without pam_cubicle"
	"$BIN/pam_pair" "$PAMD" cubicle-bench permit-bench "$US" "$CGMNT$CT_CGROOT/$US" \
		--only pairs --pairs "$N_PAM" --rows pam >>"$ROWS" 2>>"$LOG" || fail_log pam_pair
	case_end
}

# ---- 6: ssh host true ---------------------------------------------------------------

# A TCP port on 127.0.0.1 nothing listens on now
free_port() {
	ct_free_port || { echo "run.sh: no free TCP port" >&2 && exit 1; }
}

# sshd_start NAME WITH_CUBICLE: a private sshd (as tests/integration/ssh.sh
# starts one): its own mount namespace with a copy of /etc/pam.d (plus
# pam_cubicle in its sshd file when WITH_CUBICLE=yes) and of /etc/passwd in
# which US's shell is cubicle-shell (yes) or /bin/sh (no), bound over the
# host's; a tmpfs on /run; empty login records. Sets SSHD_PORT.
sshd_start() {
	local name=$1 with=$2 d=$WORK/ssh.$1 shell=/bin/sh pid tries
	mkdir -p "$d"
	chmod 0755 "$d"
	cp -a /etc/pam.d "$d/pam.d"
	[ "$with" != yes ] || printf 'session required %s config=%s\n' "$CT_MODULE" "$CT_CONF" >>"$d/pam.d/sshd"
	[ "$with" != yes ] || shell=$CT_SHELL
	awk -F: -v OFS=: -v u="$US" -v s="$shell" '$1 == u { $7 = s } { print }' /etc/passwd >"$d/passwd"
	chmod 0644 "$d/passwd"
	for tries in 1 2 3 4 5; do
		SSHD_PORT=$(free_port)
		cat >"$d/sshd_config" <<EOF
Port $SSHD_PORT
ListenAddress 127.0.0.1
AddressFamily inet
HostKey $WORK/ssh.hostkey
PidFile $d/sshd.pid
UsePAM yes
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $WORK/ssh.authorized
StrictModes no
PermitRootLogin no
UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups 100
LogLevel ERROR
EOF
		rm -f -- "$d/sshd.pid"
		# shellcheck disable=SC2016 # expanded by that sh
		unshare --mount --propagation private -- /bin/sh -c '
			set -e
			mount --bind "$1/pam.d" /etc/pam.d
			mount --bind "$1/passwd" /etc/passwd
			mount -t tmpfs -o mode=0755,nosuid,nodev,size=16m cubicle-bench-run /run
			mkdir -m 0755 /run/sshd
			for f in /var/log/wtmp /var/log/btmp /var/log/lastlog; do
				[ -f "$f" ] || continue
				: >"$1/${f##*/}"
				mount --bind "$1/${f##*/}" "$f"
			done
			exec /usr/sbin/sshd -D -e -f "$1/sshd_config"' sh "$d" </dev/null >>"$d/sshd.log" 2>&1 &
		pid=$!
		BG_PIDS+=("$pid")
		for _ in $(seq 100); do
			[ ! -s "$d/sshd.pid" ] || break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		if [ -s "$d/sshd.pid" ]; then
			SSHD_NS+=("$(readlink "/proc/$pid/ns/mnt")")
			return 0
		fi
		grep -q 'Address already in use' "$d/sshd.log" || break
	done
	cat "$d/sshd.log" >&2
	echo "run.sh: the private sshd ($name) did not start" >&2
	exit 1
}

case_ssh() {
	local port_cub port_plain
	local -a opts
	case_start ssh "ssh host true, cubicle against a plain shell"
	ssh-keygen -q -t ed25519 -N '' -C cubicle-bench-host -f "$WORK/ssh.hostkey"
	ssh-keygen -q -t ed25519 -N '' -C cubicle-bench-client -f "$WORK/ssh.id"
	# AuthorizedKeysFile names one file for every user: only US is in it
	install -m 0644 "$WORK/ssh.id.pub" "$WORK/ssh.authorized"
	sshd_start cubicle yes
	port_cub=$SSHD_PORT
	sshd_start plain no
	port_plain=$SSHD_PORT
	opts=(-F /dev/null -i "$WORK/ssh.id" -o BatchMode=yes -o IdentitiesOnly=yes
		-o IdentityAgent=none -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
		-o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR -o ControlMaster=no
		-o ControlPath=none -o AddressFamily=inet)
	note ssh "two private sshds on 127.0.0.1, same user and key; one with pam_cubicle and cubicle-shell, one with neither; ssh runs as root; cpu is the client's only"
	timeit -n "$N_SSH" -c ssh \
		"ssh host true, plain shell (/bin/sh), no pam_cubicle" ssh "${opts[@]}" -p "$port_plain" "$US@127.0.0.1" true \
		::: "ssh host true, pam_cubicle + cubicle-shell" ssh "${opts[@]}" -p "$port_cub" "$US@127.0.0.1" true
	[ "${FAVORDYNMODS:-}" != 1 ] || ssh_favordynmods "$port_plain" "$port_cub" "${opts[@]}"
	case_end
}

# ssh_favordynmods PORT_PLAIN PORT_CUBICLE SSH_OPTION...: the same pair again
# with the cgroup2 mount's favordynmods option on (the admin's choice that
# makes cgroup migrations skip the RCU grace period), then the options as
# they were. It changes a host setting for the length of one measurement.
ssh_favordynmods() {
	local plain=$1 cub=$2 m super
	shift 2
	m=$(ct_cgroup_mount cgroup2)
	if [ -z "$m" ]; then
		note ssh "FAVORDYNMODS=1: no cgroup2 mount, nothing measured"
		return 0
	fi
	super=$(awk -v m="$m" '$5 == m { print $NF; exit }' /proc/self/mountinfo)
	if [[ ",$super," == *,favordynmods,* ]]; then
		note ssh "FAVORDYNMODS=1: $m has favordynmods already: the rows above are with it"
		return 0
	fi
	FDM_MOUNT=$m FDM_OPTS=$super
	if ! mount --options-mode ignore -o "remount,$super,favordynmods" "$m"; then
		FDM_MOUNT=''
		note ssh "FAVORDYNMODS=1: this kernel refused favordynmods on $m"
		return 0
	fi
	note ssh "FAVORDYNMODS=1: [favordynmods] rows with $m remounted $super,favordynmods, then put back to $super"
	timeit -n "$N_SSH" -c ssh \
		"[favordynmods] ssh host true, plain shell (/bin/sh), no pam_cubicle" ssh "$@" -p "$plain" "$US@127.0.0.1" true \
		::: "[favordynmods] ssh host true, pam_cubicle + cubicle-shell" ssh "$@" -p "$cub" "$US@127.0.0.1" true
	fdm_restore
}

# ---- 7: logout ---------------------------------------------------------------------

case_logout() {
	case_start logout "from the end of a session to its cgroup being gone"
	note logout "each session: open, its container and one channel, 200 ms, then the end"
	"$BIN/cubbench" logout "$PAMD" cubicle-bench "$US" "$CGMNT$CT_CGROOT/$US" "$CT_SHELL" \
		-n "$N_LOGOUT" -s 200 -c logout >>"$ROWS" 2>>"$LOG" || fail_log "cubbench logout"
	case_end
}

# ---- profile -------------------------------------------------------------------------

case_profile() {
	local p
	local -a env_u
	say "profile: where cubicle-shell -c true spends its time (as $UN, no session) and a whole login (as $US)"
	env_u=(env -i PATH=/usr/local/bin:/usr/bin:/bin "HOME=$(getent passwd "$UN" | cut -d: -f6)"
		"USER=$UN" "LOGNAME=$UN" SHELL=/bin/sh)
	# strace stays root, so that cubicle-shell's file capabilities still apply
	# to the traced exec; -u runs the command as the user
	echo "== strace -f -c -w: cubicle-shell -c true, all its processes (wall time in each call, waits included)"
	"${env_u[@]}" strace -f -c -w -u "$UN" -o "$WORK/strace.c" "$CT_SHELL" -c true || true
	head -n 32 "$WORK/strace.c" || true
	echo "== strace -f -T: cubicle-shell -c true, the 30 slowest calls that are not waits for another process"
	"${env_u[@]}" strace -f -T -u "$UN" -o "$WORK/strace.T" "$CT_SHELL" -c true || true
	awk -F'<' 'NF > 1 { t = $NF; sub(/>.*/, "", t); print t, $0 }' "$WORK/strace.T" |
		grep -v -E ' (<\.\.\. )?(wait4|poll|read|rt_sigtimedwait|clone3?|execve|exit_group)[( ]' |
		sort -rn | head -n 30 | cut -c1-150 || true
	echo "== strace -f -c -w: one whole login (pam_start .. pam_end, cubicle-shell -c true)"
	strace -f -c -w -o "$WORK/strace.login" "$BIN/cubbench" login "$PAMD" cubicle-bench "$US" -- \
		"$CT_SHELL" -c true || true
	head -n 32 "$WORK/strace.login" || true
	echo "== strace -f -T: one whole login, the 30 slowest calls that are not waits for another process"
	strace -f -T -o "$WORK/strace.loginT" "$BIN/cubbench" login "$PAMD" cubicle-bench "$US" -- \
		"$CT_SHELL" -c true || true
	awk -F'<' 'NF > 1 { t = $NF; sub(/>.*/, "", t); print t, $0 }' "$WORK/strace.loginT" |
		grep -v -E ' (<\.\.\. )?(wait4|poll|read|rt_sigtimedwait|clone3?|execve|exit_group)[( ]' |
		sort -rn | head -n 30 | cut -c1-150 || true
	p=${PROFILE_LIVE:-300}
	echo "== strace -f -c -w: one whole login beside $p live sessions of another user"
	hold_start "$p" cubicle-bench "$UH" "$CT_SHELL" -c "echo up; exec sleep 1000000"
	strace -f -c -w -o "$WORK/strace.live" "$BIN/cubbench" login "$PAMD" cubicle-bench "$US" -- \
		"$CT_SHELL" -c true || true
	head -n 16 "$WORK/strace.live" || true
	strace -f -o "$WORK/strace.liveF" "$BIN/cubbench" login "$PAMD" cubicle-bench "$US" -- \
		"$CT_SHELL" -c true || true
	echo "   system calls on $CT_RUN/sessions/* (the records): $(grep -c "$CT_RUN/sessions/\|openat([0-9]*, \"[0-9a-f]\{16\}\"" "$WORK/strace.liveF" || true)"
	echo "   reads of /proc/PID/stat: $(grep -c 'openat(.*"/proc/[0-9]*/stat"' "$WORK/strace.liveF" || true)"
	hold_stop
	p=$(mountns_start 2000)
	echo "== strace -f -c -w: one whole login with $(cat "$WORK/mnt.2000.ready") mounts in the mount table"
	nsenter "--mount=/proc/$p/ns/mnt" strace -f -c -w -o "$WORK/strace.mnt" "$BIN/cubbench" login \
		"$PAMD" cubicle-bench "$US" -- "$CT_SHELL" -c true || true
	head -n 16 "$WORK/strace.mnt" || true
	nsenter "--mount=/proc/$p/ns/mnt" strace -f -T -o "$WORK/strace.mntT" "$BIN/cubbench" login \
		"$PAMD" cubicle-bench "$US" -- "$CT_SHELL" -c true || true
	echo "   opens of the mount table (/proc/*/mountinfo, /proc/mounts), each read whole: $(grep -c -E 'open(at)?\(.*"/proc/(self|[0-9]+|thread-self)/(mountinfo|mounts)"|"/proc/mounts"' "$WORK/strace.mntT" || true)"
	echo "   the 12 slowest calls:"
	awk -F'<' 'NF > 1 { t = $NF; sub(/>.*/, "", t); print t, $0 }' "$WORK/strace.mntT" |
		grep -v -E ' (<\.\.\. )?(wait4|poll|rt_sigtimedwait|clone3?|execve|exit_group)[( ]' |
		sort -rn | head -n 12 | cut -c1-150 || true
	bg_stop "$p"
	if command -v ltrace >/dev/null; then
		echo "== ltrace -c: library calls of cubicle-shell -c true (the outer process)"
		"${env_u[@]}" ltrace -c -u "$UN" -o "$WORK/ltrace.c" "$CT_SHELL" -c true >/dev/null 2>&1 || true
		head -n 25 "$WORK/ltrace.c" || true
	fi
	if perf record -q -e cpu-clock -o "$WORK/perf.probe" -- true >/dev/null 2>&1; then
		echo "== perf record -e cpu-clock -a -g: 200 x cubicle-shell -c true; samples of cubicle's processes"
		p=$WORK/perf.data
		perf record -q -e cpu-clock -F 10000 -a -g -o "$p" -- "$BIN/timeit" -n 200 -w 0 -l "$WORK" \
			x "@as=$UN" "$CT_SHELL" -c true >/dev/null 2>&1 || true
		perf report -i "$p" --comms cubicle-shell,cubicle-init --no-children --sort comm,symbol \
			--stdio -g none 2>/dev/null | grep -v -e '^#' -e '^$' | head -n 40 || true
	fi
	profile_phases
}

# profile_phases: the phases of `cubicle-shell -c true` and of plainlaunch,
# from the kernel's process events alone (tracefs sched_process_exec, _fork,
# _exit: no system call is traced, so nothing is slowed), medians of 100
# runs each. The enabled events and tracing_on are put back as they were;
# the trace buffer is left empty.
TRACEFS='' TRACEFS_ON='' TRACEFS_EVENTS=''
profile_phases() {
	local t=/sys/kernel/tracing
	[ -w "$t/set_event" ] || t=/sys/kernel/debug/tracing
	if [ ! -w "$t/set_event" ]; then
		echo "== phases: no tracefs here (/sys/kernel/tracing), not measured"
		return 0
	fi
	TRACEFS=$t TRACEFS_ON=$(cat "$t/tracing_on") TRACEFS_EVENTS=$(cat "$t/set_event")
	echo "== phases of one run, from process events only (ftrace; medians of 100 runs, as $UN)"
	phases_of cubicle-shell "$CT_SHELL" -c true
	phases_of plainlaunch "$BIN/plainlaunch" "$ROOTFS_N/bin/sh" -c true
	tracefs_restore
}

tracefs_restore() {
	[ -n "${TRACEFS:-}" ] || return 0
	echo 0 >"$TRACEFS/tracing_on"
	printf '%s\n' "$TRACEFS_EVENTS" >"$TRACEFS/set_event"
	: >"$TRACEFS/trace"
	echo "${TRACEFS_ON:-0}" >"$TRACEFS/tracing_on"
	TRACEFS=''
}

# phases_of NAME COMMAND...: NAME is how the exec event names the program.
# cubicle-shell: exec, clone of init, init's exec of cubicle-init, clone of
# the payload, its exec, its exit, the shell's exit; plainlaunch: the same
# without init's exec.
phases_of() {
	local name=$1
	shift
	echo 0 >"$TRACEFS/tracing_on"
	: >"$TRACEFS/trace"
	echo 'sched:sched_process_exec sched:sched_process_fork sched:sched_process_exit' \
		>"$TRACEFS/set_event"
	echo 1 >"$TRACEFS/tracing_on"
	"$BIN/timeit" -n 100 -w 0 -l "$WORK" x "@as=$UN" "$@" >/dev/null 2>&1 || true
	echo 0 >"$TRACEFS/tracing_on"
	# "comm-pid [cpu] flags ts: event: fields" -> "pid ts event fields"
	sed -E -n 's/^ *.*-([0-9]+) +\[[0-9]+\] +[^ ]+ +([0-9.]+): (sched_process_[a-z]+): (.*)$/\1 \2 \3 \4/p' \
		"$TRACEFS/trace" | awk -v name="$name" '
		function child(s) { sub(/.*child_pid=/, "", s); sub(/ .*/, "", s); return s + 0 }
		function put(k, v) { if (run && !((run, k) in t)) t[run, k] = v }
		$3 == "sched_process_exec" && index($0, "/" name " ") {
			run++; outer[run] = $1; t[run, "exec"] = $2; next }
		!run { next }
		$3 == "sched_process_fork" && $1 == outer[run] {
			if (!((run, "init") in t)) { t[run, "init"] = $2; ipid[run] = child($0) }
			else if (!((run, "clone") in t)) { t[run, "clone"] = $2; ppid[run] = child($0) }
			next }
		$3 == "sched_process_exec" && $1 == ipid[run] { put("iexec", $2); next }
		$3 == "sched_process_exec" && $1 == ppid[run] { put("pexec", $2); next }
		$3 == "sched_process_exit" && $1 == ppid[run] { put("pexit", $2); next }
		$3 == "sched_process_exit" && $1 == outer[run] { put("end", $2); next }
		END {
			for (r = 1; r <= run; r++) {
				if (!((r, "end") in t) || !((r, "pexit") in t)) continue
				mid = t[r, "init"]
				if ((r, "iexec") in t) {
					mid = t[r, "iexec"]
					printf "2 %.0f\n", (mid - t[r, "init"]) * 1e6
				}
				printf "1 %.0f\n3 %.0f\n4 %.0f\n5 %.0f\n6 %.0f\n7 %.0f\n",
					(t[r, "init"] - t[r, "exec"]) * 1e6,
					(t[r, "clone"] - mid) * 1e6, (t[r, "pexec"] - t[r, "clone"]) * 1e6,
					(t[r, "pexit"] - t[r, "pexec"]) * 1e6, (t[r, "end"] - t[r, "pexit"]) * 1e6,
					(t[r, "end"] - t[r, "exec"]) * 1e6
			}
		}' | sort -k1,1n -k2,2n | awk -v name="$name" '
		BEGIN {
			l[1] = "its exec -> the clone (fork) of its init"
			l[2] = "init: clone -> exec of cubicle-init (mounts, drops)"
			l[3] = "-> the clone of the payload (joining, drops)"
			l[4] = "the payload: clone -> exec"
			l[5] = "the payload runs (exec -> exit)"
			l[6] = "the payload'"'"'s exit -> the launcher'"'"'s"
			l[7] = "in all: exec -> exit"
		}
		{ v[$1, ++n[$1]] = $2 }
		END {
			for (k = 1; k <= 7; k++)
				if (n[k]) printf "   %-13s %-52s %7.0f us  (n %d)\n", name, l[k],
					v[k, int((n[k] + 1) / 2)], n[k]
		}'
}

# ---- the table ---------------------------------------------------------------------

machine() {
	local cpu v1 v2 kill=no layout
	cpu=$(awk -F': *' '$1 ~ /^model name/ { print $2; exit }' /proc/cpuinfo)
	v1=$(grep -c '^cgroup ' <<<"$CGMOUNTS" || true)
	v2=$(grep -c '^cgroup2 ' <<<"$CGMOUNTS" || true)
	if [ "$v1" -gt 0 ] && [ "$v2" -gt 0 ]; then
		layout="hybrid: $v1 v1 hierarchies + cgroup2"
	elif [ "$v2" -gt 0 ]; then
		layout="unified (cgroup2 only)"
	else
		layout="legacy: $v1 v1 hierarchies"
	fi
	find "$CGMNT" -maxdepth 2 -name cgroup.kill 2>/dev/null | grep -q . && kill=yes
	echo "machine   ${cpu:-unknown CPU}, $(nproc) CPUs, $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, Linux $(uname -r)"
	echo "cgroups   $layout; cgroup.kill: $kill; sessions' cgroup_root $CT_CGROOT"
	echo "host      $(wc -l </proc/self/mountinfo) mounts; $(find /proc -maxdepth 1 -name "[0-9]*" | wc -l) processes; load average now $(load)"
	echo "tools     $(bwrap --version 2>/dev/null || echo 'no bwrap'), $(dpkg-query -W -f='firejail ${Version}' firejail 2>/dev/null || echo 'no firejail'), $(ssh -V 2>&1)"
	echo "config    memory_max 2G, pids_max 512, cpu_max 150% per session; namespaces pid mount uts ipc"
}

# The rows as one table: a title per measurement, then its rows: median,
# min - max, n, the median CPU time of a run (user + system, all its
# processes; where timeit measured it), and against the reference row (ref)
# of the same run the ratio of the medians and the median [quartiles] of the
# per-iteration ratios.
# ns print as us/ms/s, KiB as KiB.
table() {
	awk -F'\t' '
	function fmt(v, unit) {
		if (v == "-" || v == "") return "-"
		if (unit == "KiB") return sprintf("%.0f KiB", v)
		if (v < 1e6) return sprintf("%.1f us", v / 1e3)
		if (v < 1e9) return sprintf("%.2f ms", v / 1e6)
		return sprintf("%.2f s", v / 1e9)
	}
	function ratio(m, p, q1, q3) {
		if (m == "ref") return "ref"
		if (m == "-") return ""
		return sprintf("%5.2fx %5.2fx [%.2f-%.2f]", m, p, q1, q3)
	}
	BEGIN {
		title["shell"] = "1  one shell, no session: cubicle-shell -c true as the user, and the others (payload: busybox sh -c true)"
		title["enter"] = "2  in one session: the second shell enters the container the first one made"
		title["memory"] = "3  memory per live session (PSS: smaps_rollup; kernel: /proc/meminfo before/after)"
		title["sessions"] = "4  one whole login (PAM open, cubicle-shell -c true, PAM close) beside N live sessions of another user"
		title["mounts"] = "4  one whole login, and bwrap, with N mounts in the mount table"
		title["pam"] = "5  one PAM open+close pair (pam_start_confdir), with and without pam_cubicle"
		title["ssh"] = "6  ssh USER@127.0.0.1 true, through a private sshd"
		title["logout"] = "7  from the end of a session to its cgroup being gone"
		printf "%-74s %10s  %-21s %5s %9s  %s\n", "", "median", "min - max", "n", "cpu", "vs ref: medians, paired [quartiles]"
	}
	$1 == "row" {
		mm = ($6 == "-") ? "" : fmt($6, $4) " - " fmt($7, $4)
		cpu = (NF >= 13) ? fmt($13, "ns") : ""
		out[$2] = out[$2] sprintf("   %-71s %10s  %-21s %5s %9s  %s\n", substr($3, 1, 71), fmt($5, $4), mm, $8, cpu, ratio($9, $10, $11, $12))
	}
	$1 == "note" { notes[$2] = notes[$2] sprintf("  %-9s %s\n", $2, $3) }
	END {
		nc = split("shell enter memory sessions mounts pam ssh logout", order, " ")
		for (i = 1; i <= nc; i++) if (order[i] in out) printf "\n%s\n%s", title[order[i]], out[order[i]]
		print ""
		print "notes:"
		for (i = 1; i <= nc; i++) if (order[i] in notes) printf "%s", notes[order[i]]
	}' "$ROWS"
}

# The figures against the goals of issue 6, from the rows (paired ratios).
goals() {
	awk -F'\t' '
	function brk(k,   s, e) { s = index(k, "["); e = index(k, "]"); return substr(k, s + 1, e - s - 1) }
	function find(c, pat,   i) { for (i = 1; i <= nk; i++) if (cs[i] == c && index(lab[i], pat)) return i; return 0 }
	$1 == "row" { nk++; cs[nk] = $2; lab[nk] = $3; med[nk] = $5; pr[nk] = $10 }
	END {
		print "against the goals of issue 6 (from the paired ratios):"
		if ((k = find("shell", "plainlaunch")))
			printf "  %-52s %6.2fx   goal <= 1.15x\n", "cubicle-shell / namespace-free launcher", 1 / pr[k]
		if (k && (u = find("shell", "plainlaunch --ns")))
			printf "  %-52s %6.2fx   (fresh namespaces, nothing else: the floor here)\n", "the same launcher with namespaces / without", pr[u] / pr[k]
		if ((k = find("shell", "bwrap")))
			printf "  %-52s %6.2fx   goal >= 1.8x\n", "bwrap / cubicle-shell", pr[k]
		if ((k = find("shell", "firejail")))
			printf "  %-52s %6.2fx   goal >= 5x\n", "firejail / cubicle-shell", pr[k]
		if ((k = find("ssh", "pam_cubicle + cubicle-shell")))
			printf "  %-52s %+6.1f %%   goal <= +3 %%\n", "ssh login, cubicle against a plain shell", (pr[k] - 1) * 100
		if ((k = find("ssh", "[favordynmods] ssh host true, pam_cubicle")))
			printf "  %-52s %+6.1f %%   goal <= +3 %%\n", "... with the cgroup2 mount option favordynmods", (pr[k] - 1) * 100
		for (i = 1; i <= nk; i++) if (cs[i] == "memory" && index(lab[i], "cubicle, all three"))
			printf "  %-52s %6.0f KiB goal <= 200 KiB\n", "user-space PSS per session, " brk(lab[i]), med[i]
		for (i = 1; i <= nk; i++) if (cs[i] == "memory" && index(lab[i], "cubicle minus plain") && !index(lab[i], "of which"))
			printf "  %-52s %6.0f KiB goal <= 350 KiB\n", "kernel memory per session, " brk(lab[i]), med[i]
		if ((k0 = find("sessions", "[0 live] login, pam_cubicle")))
			for (i = 1; i <= nk; i++) if (cs[i] == "sessions" && i != k0 && index(lab[i], "pam_cubicle"))
				printf "  %-52s %6.2fx   goal <= 1.10x (against the plain login: %.2fx)\n",
					"login beside " brk(lab[i]) " / beside 0 live", med[i] / med[k0], pr[i] / pr[k0]
		for (i = 1; i <= nk; i++) if (cs[i] == "mounts" && pr[i] != "ref" && pr[i] != "" && pr[i] != "-")
			printf "  %-52s %6.2fx   %s\n", (index(lab[i], "bwrap") ? "bwrap" : "login") ", " brk(lab[i]) " / the fewest mounts", pr[i],
				index(lab[i], "bwrap") ? "(the issue: about 5x at 2,000)" : "goal <= 1.5x at 2,000"
	}' "$ROWS"
}

# ---- run ----------------------------------------------------------------------------

T0=$SECONDS
wants shell && case_shell
wants enter && case_enter
if wants memory || wants sessions; then case_live; fi
wants mounts && case_mounts
wants pam && case_pam
wants ssh && case_ssh
wants logout && case_logout
if wants profile; then case_profile; fi

echo
echo "cubicle benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')${QUICK:+, QUICK=1}: CASE=$CASE"
machine
echo
table
echo
goals
echo
echo "benchmarks assert nothing; other work on this machine adds noise (load averages in the notes). $((SECONDS - T0)) s of measuring."
