#!/bin/bash
# SPDX-License-Identifier: MIT
#
# pam_pair.sh [--pairs N] [--cleanups N] [--sleep-ms MS] — what pam_cubicle
# costs a login, through a real PAM stack (tests/bench/README.md). As root:
#
#     sudo tests/bench/pam_pair.sh
#
# Sets up what the integration tests set up (tests/integration/lib.sh,
# ct_root_setup): a test build of pam_cubicle.so whose config and session
# records live in a scratch root under /var/lib, a cgroup_root beneath this
# process's own cgroup in every hierarchy; then a temporary user, a config
# that isolates only that user, and two PAM services: one with
# `session required pam_cubicle.so config=...`, one with only
# `session required pam_permit.so`; the records go to a tmpfs, as /run is.
# Runs tests/bench/pam_pair.c and prints its table. Everything is removed on
# any exit: the user, the cgroups (and the ancestors made for them), the
# tmpfs, the scratch root.
# Benchmarks print; they never assert. Exit status: 0 figures printed, 1 the
# setup or a PAM call failed, 2 usage, 77 not root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

usage() {
	echo "usage: sudo $0 [--pairs N] [--cleanups N] [--sleep-ms MS]" >&2
	exit 2
}
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--pairs | --cleanups | --sleep-ms)
		if [ $# -lt 2 ] || ! [[ $2 =~ ^[1-9][0-9]*$ ]]; then usage; fi
		args+=("$1" "$2")
		shift 2
		;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done
if [ "$(id -u)" != 0 ]; then
	echo "pam_pair.sh: needs root (real PAM sessions, cgroups, a temporary user): sudo $0" >&2
	exit 77
fi

# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$here/../integration/lib.sh"
bench_pid=''
# the benchmark first (it runs in the background, so that a signal reaches
# this script at once), then what ct_root_setup and this script made
# shellcheck disable=SC2317 # called from the EXIT trap
on_exit() {
	if [ -n "$bench_pid" ]; then
		kill -TERM "$bench_pid" 2>/dev/null || true
		wait "$bench_pid" 2>/dev/null || true
	fi
	ct_root_cleanup
}
trap 'on_exit' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

echo "# setting up (test build of pam_cubicle.so, user, config, PAM services)"
ct_root_setup
log=$CT_ROOT/build.log
# the module alone, should something else in the tree not build
if [ ! -f "$CT_MODULE" ] &&
	! { make -s -C "$CT_REPO" B="$CT_ROOT/build" SYSCONFDIR="$CT_ROOT/etc" RUNDIR="$CT_RUN" \
		"$CT_ROOT/build/pam_cubicle.so" >>"$log" 2>&1 &&
		install -m 0644 "$CT_ROOT/build/pam_cubicle.so" "$CT_MODULE"; }; then
	tail -n 30 "$log" >&2
	echo "pam_pair.sh: pam_cubicle.so did not build" >&2
	exit 1
fi
bench=$CT_ROOT/bin/pam_pair
gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla -o "$bench" "$here/pam_pair.c" -lpam >>"$log" 2>&1 ||
	{
		tail -n 30 "$log" >&2
		echo "pam_pair.sh: pam_pair.c did not build" >&2
		exit 1
	}

# the user: recorded in $CT_ROOT/users first, so that ct_root_cleanup deletes it
user=cbb$(od -An -tx1 -N3 /dev/urandom | tr -d ' \n')
echo "$user" >>"$CT_ROOT/users"
useradd -m -s /bin/sh -- "$user"

# a config like the one DESIGN.md shows, for this user only
limits=("memory_max = 2G" "pids_max = 512" "cpu_max = 150%")
{
	printf '[default]\nisolate = no\n\n[user:%s]\n' "$user"
	printf '%s\n' "isolate = yes" "rootfs = $CT_ROOT/rootfs/%u" "hostname = %u-box" \
		"shell = /bin/sh" "home = %h" "namespaces = pid mount uts ipc" "${limits[@]}" \
		"cgroup_root = $CT_CGROOT"
} | ct_conf
# /run, where the records go on a real host, is a tmpfs: here too (the
# cleanup unmounts everything beneath CT_ROOT)
install -d -m 0755 "$CT_RUN"
mount -t tmpfs -o mode=0755,size=16m cubicle-bench "$CT_RUN"
# with the empty file the shell mounts its mount template on, as the
# package's tmpfiles.d makes it at boot
install -m 0444 /dev/null "$CT_RUN/mnt-template"
mkdir -p "$CT_ROOT/pam.d"
printf 'session required %s config=%s\n' "$CT_MODULE" "$CT_CONF" >"$CT_ROOT/pam.d/cubicle-bench"
printf 'session required pam_permit.so\n' >"$CT_ROOT/pam.d/permit-bench"

# Where the leaves appear: the cgroup2 mount if there is one, else the v1
# pids or memory hierarchy (the fields after " - " in mountinfo are fstype,
# source, super options).
cgmounts=$(awk '{ for (i = 7; i < NF && $i != "-"; i++); if ($(i + 1) ~ /^cgroup2?$/) print $(i + 1), $5, $(i + 3) }' \
	/proc/self/mountinfo)
mnt=$(awk '$1 == "cgroup2" { print $2; exit }' <<<"$cgmounts")
[ -n "$mnt" ] || mnt=$(awk '$3 ~ /(^|,)(pids|memory)(,|$)/ { print $2; exit }' <<<"$cgmounts")
[ -n "$mnt" ] || {
	echo "pam_pair.sh: no cgroup hierarchy mounted" >&2
	exit 1
}
kill_file=no
if [ "$(awk '$1 == "cgroup2"' <<<"$cgmounts")" ] &&
	find "$(awk '$1 == "cgroup2" { print $2; exit }' <<<"$cgmounts")" -mindepth 2 -maxdepth 2 \
		-name cgroup.kill 2>/dev/null | grep -q .; then
	kill_file=yes
fi

cpu=$(awk -F': *' '$1 ~ /^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "# machine      $(nproc) CPUs${cpu:+, $cpu}; Linux $(uname -r)"
echo "# cgroups      $(grep -c '^cgroup ' <<<"$cgmounts" || true) v1 + $(grep -c '^cgroup2 ' <<<"$cgmounts" || true) v2" \
	"hierarchies mounted; cgroup.kill: $kill_file; cgroup_root $CT_CGROOT"
echo "# limits       ${limits[*]}"
if [ -S /dev/log ]; then
	echo "# syslog       /dev/log is there: pam_cubicle's log line per open is part of the cost"
else
	echo "# syslog       no /dev/log: pam_cubicle's log lines go nowhere (a real host pays for them)"
fi
echo "# A: session required pam_cubicle.so config=...   B: session required pam_permit.so"
echo
"$bench" "$CT_ROOT/pam.d" cubicle-bench permit-bench "$user" "$mnt$CT_CGROOT/$user" "${args[@]}" &
bench_pid=$!
rc=0
wait "$bench_pid" || rc=$?
bench_pid=''
exit "$rc"
