# shellcheck shell=bash
# SPDX-License-Identifier: MIT
#
# lib.sh — sourced by every integration test (and by run.sh).
#
# A test looks like this:
#
#     . "$(dirname "$0")/lib.sh"
#     ct_begin                      # root check, snapshots, cleanup trap
#     ct_need_shell                 # fails the test if cubicle-shell did not build
#     ct_user_add U                 # a fresh user, its rootfs and host home
#     ct_conf_default               # writes the config the test binary reads
#     ct_run "$U" 'exec probe'      # runs cubicle-shell -c ... as $U
#     assert_exit 0
#     assert_line hostname="box-$U"
#
# Layout of one test run (CT_ROOT, made once by run.sh and shared by the
# tests it runs, or by ct_begin when a test runs on its own):
#
#     CT_ROOT=/var/lib/cubicle-test.XXXXXX   0755 root, not under /tmp: every
#                                            parent of a rootfs must be root-owned
#                                            and not group/other-writable
#       build/          make B=... SYSCONFDIR=$CT_ROOT/etc RUNDIR=$CT_ROOT/run (once)
#       bin/            cubicle-shell (with file caps), pam_cubicle.so, probe,
#                       xexec, pamdrive (a PAM session driver)
#       run/            the session records of the test binaries
#       pam.d/          PAM service files of the tests (pam_start_confdir)
#       cgroot          CT_CGROOT, the tests' cgroup_root, beneath this runner's
#                       cgroup in every hierarchy; cgmade: what to remove
#       etc/cubicle/    cubicle.conf, the path baked into the test binary
#       rootfs/USER/    each test user's rootfs (tests/mkrootfs.sh)
#       work/TEST.XXX/  CT_W, one scratch directory per test
#       users           every user created, for cleanup after a crash
#
# Every test ends (EXIT trap, also on failure or a signal) with the host
# checks — no process of the test users left, no process in a mount
# namespace that did not exist at the start, the mount table and the
# hostname as they were — and then the cleanup: leftovers killed by pid,
# new mounts lazily unmounted (deepest first), users deleted with userdel -r,
# scratch files removed.
#
# Output is TAP: each check prints "    ok N - what" or "    not ok N - what"
# with "    # ..." details; run.sh prints one "ok N - test_x.sh" per file.
#
# The helpers, by section below:
#   reporting   ct_diag ct_pass ct_fail ct_skip ct_bail
#   assertions  assert_eq assert_ne assert_contains assert_not_contains
#               assert_match assert_grep assert_no_grep assert_true assert_false
#               assert_exit assert_line assert_no_line assert_file_absent
#               assert_refused assert_usage_error assert_host_mounts_unchanged
#               assert_no_user_procs; ct_marker_cmd
#   probe       ct_val ct_vals (read "key=value" lines)
#   users       ct_user_add ct_uid ct_gid ct_rootfs ct_rootfs_make ct_rootfs_reset
#   config      ct_conf ct_conf_default ct_conf_default_text
#   running     ct_run ct_login ct_exec_as ct_spawn ct_wait ct_wait_for ct_poll
#               ct_script ct_expect ct_alive ct_user_procs ct_user_live_procs
#               ct_now_ms
# Knobs: CT_TIMEOUT (s per cubicle-shell run, 20), CT_SETTLE (s leftovers get
# before the host check, 5), CT_VERBOSE=1 (show passing terminal transcripts).

# Variables named CT_* are for the tests that source this file.
# shellcheck disable=SC2034
set -euo pipefail
shopt -s inherit_errexit

CT_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CT_TEST=$(basename "$0" .sh)
CT_TIMEOUT=${CT_TIMEOUT:-20}
CT_SETTLE=${CT_SETTLE:-5}
CT_N=0                         # checks so far
CT_FAILS=0                     # failed checks so far
CT_USERS=()
CT_UIDS=()
CT_OWN_ROOT=0
CT_STOPPED=0                   # 1: the test stopped itself and said why
CT_SPAWN_N=0
CT_RC=0
CT_OUT=''
CT_ERR=''

CT_SHELL_CAPS=$(sed -n 's/^SHELL_CAPS[[:space:]]*=[[:space:]]*//p' "$CT_REPO/Makefile")
: "${CT_SHELL_CAPS:=cap_setpcap,cap_sys_chroot,cap_sys_admin=p}"

# ---- reporting --------------------------------------------------------------

# ct_diag TEXT...: each line of each TEXT as a "    # " line.
ct_diag() {
	local text line
	for text in "$@"; do
		while IFS= read -r line; do
			printf '    # %s\n' "$line"
		done <<<"$text"
	done
}

# Prints up to 40 lines of a file (or stdin) as diagnostics, control bytes made visible.
ct_diag_file() {
	local label=$1 file=${2:--}
	ct_diag "$label:"
	cat -v -- "$file" 2>/dev/null | tail -n 40 | sed 's/^/    #   /' || true
}

ct_pass() {
	CT_N=$((CT_N + 1))
	printf '    ok %d - %s\n' "$CT_N" "$1"
}

# ct_fail DESCRIPTION [DETAIL...]
ct_fail() {
	CT_N=$((CT_N + 1))
	CT_FAILS=$((CT_FAILS + 1))
	printf '    not ok %d - %s\n' "$CT_N" "$1"
	shift
	[ $# -eq 0 ] || ct_diag "$@"
}

# ct_bail MESSAGE: a broken harness or host; the test cannot go on.
ct_bail() {
	CT_FAILS=$((CT_FAILS + 1))
	CT_STOPPED=1
	printf '    # Bail out! %s\n' "$*"
	exit 1
}

# ct_skip REASON (exit 77; run.sh turns it into "# SKIP", or a failure under CI=true)
ct_skip() {
	if [ "${CI:-}" == true ]; then
		# CI must run every test, also a file run on its own
		printf '    not ok - skipped, and CI=true forbids skips: %s\n' "$*"
		exit 1
	fi
	printf '    # SKIP %s\n' "$*"
	[ -z "${CT_RESULT_FILE:-}" ] || printf '%s\n' "$*" >"$CT_RESULT_FILE"
	exit 77
}

# ct_tally N NAME RC REASON: the runners' line for test file N ("ok", "not
# ok", or a skip, which CI=true counts as a failure) and their counts in
# CT_FAILED and CT_SKIPPED.
ct_tally() {
	local n=$1 name=$2 rc=$3 reason=${4:-no reason given}
	case $rc in
	0) echo "ok $n - $name" ;;
	77)
		if [ "${CI:-}" == true ]; then
			echo "not ok $n - $name # skipped, and CI=true forbids skips: $reason"
			CT_FAILED=$((CT_FAILED + 1))
		else
			echo "ok $n - $name # SKIP $reason"
			CT_SKIPPED=$((CT_SKIPPED + 1))
		fi
		;;
	124 | 137)
		echo "not ok $n - $name # timed out after ${CT_TEST_TIMEOUT:-600}s"
		CT_FAILED=$((CT_FAILED + 1))
		;;
	*) echo "not ok $n - $name" && CT_FAILED=$((CT_FAILED + 1)) ;;
	esac
}

# ---- assertions (a failed one is reported and the test goes on) -------------

# Describes the last run for failure messages.
_ct_last_run() {
	local how="exit status $CT_RC"
	[ "$CT_RC" != 124 ] || how="TIMED OUT after ${CT_TIMEOUT}s (exit 124)"
	printf '%s\n' "last run: ${CT_LAST_DESC:-?}" "$how"
	printf 'stdout: %s\n' "$(_ct_excerpt "$CT_OUT")"
	printf 'stderr: %s\n' "$(_ct_excerpt "$CT_ERR")"
}

_ct_excerpt() {
	local s=$1
	[ ${#s} -le 1500 ] || s="${s:0:1500}... (${#1} bytes)"
	printf '%s' "$s" | cat -v
}

# assert_eq ACTUAL EXPECTED DESCRIPTION
assert_eq() {
	if [ "$1" == "$2" ]; then
		ct_pass "$3"
	else
		ct_fail "$3" "expected: $(_ct_excerpt "$2")" "got:      $(_ct_excerpt "$1")"
	fi
}

assert_ne() {
	if [ "$1" != "$2" ]; then
		ct_pass "$3"
	else
		ct_fail "$3" "expected anything but: $(_ct_excerpt "$2")"
	fi
}

# assert_contains HAYSTACK NEEDLE DESCRIPTION (fixed string)
assert_contains() {
	if [[ $1 == *"$2"* ]]; then
		ct_pass "$3"
	else
		ct_fail "$3" "expected to contain: $(_ct_excerpt "$2")" "in: $(_ct_excerpt "$1")"
	fi
}

assert_not_contains() {
	if [[ $1 != *"$2"* ]]; then
		ct_pass "$3"
	else
		ct_fail "$3" "expected NOT to contain: $(_ct_excerpt "$2")" "in: $(_ct_excerpt "$1")"
	fi
}

# assert_match STRING ERE DESCRIPTION
assert_match() {
	if [[ $1 =~ $2 ]]; then
		ct_pass "$3"
	else
		ct_fail "$3" "expected to match: $2" "got: $(_ct_excerpt "$1")"
	fi
}

# assert_grep ERE DESCRIPTION [TEXT]: some line of TEXT (default: the last
# run's stdout) matches ERE.
assert_grep() {
	if grep -qE -- "$1" <<<"${3-$CT_OUT}"; then
		ct_pass "$2"
	else
		ct_fail "$2" "no line matches: $1" "in: $(_ct_excerpt "${3-$CT_OUT}")"
	fi
}

assert_no_grep() {
	local hits
	hits=$(grep -E -- "$1" <<<"${3-$CT_OUT}" || true)
	if [ -z "$hits" ]; then
		ct_pass "$2"
	else
		ct_fail "$2" "unexpected lines matching $1:" "$hits"
	fi
}

# assert_true DESCRIPTION COMMAND [ARG...]
assert_true() {
	local desc=$1
	shift
	if "$@"; then
		ct_pass "$desc"
	else
		ct_fail "$desc" "command failed: $*"
	fi
}

assert_false() {
	local desc=$1
	shift
	if ! "$@"; then
		ct_pass "$desc"
	else
		ct_fail "$desc" "command succeeded: $*"
	fi
}

# assert_exit EXPECTED [DESCRIPTION]: the exit status of the last ct_run/ct_wait.
assert_exit() {
	local desc=${2:-"exit status $1"}
	if [ "$CT_RC" == "$1" ]; then
		ct_pass "$desc"
	else
		ct_fail "$desc" "expected exit status $1" "$(_ct_last_run)"
	fi
}

# assert_line KEY=VALUE [DESCRIPTION]: the last run's stdout has exactly this line.
assert_line() {
	local desc=${2:-"$1"}
	if grep -qxF -- "$1" <<<"$CT_OUT"; then
		ct_pass "$desc"
	else
		ct_fail "$desc" "no line '$1' in the output" "$(_ct_last_run)"
	fi
}

assert_no_line() {
	local desc=${2:-"no line $1"}
	if ! grep -qxF -- "$1" <<<"$CT_OUT"; then
		ct_pass "$desc"
	else
		ct_fail "$desc" "unexpected line '$1' in the output"
	fi
}

# assert_file_absent PATH DESCRIPTION
assert_file_absent() {
	if [ ! -e "$1" ] && [ ! -L "$1" ]; then
		ct_pass "$2"
	else
		ct_fail "$2" "$1 exists: $(ls -ld -- "$1" 2>&1)"
	fi
}

# ct_marker_cmd USER: a command that leaves traces if it ever runs: "CT-RAN"
# on stdout and a file in the user's home (the same path on the host, inside
# the container through the home bind, and in the rootfs when nothing is
# mounted on it).
ct_marker_cmd() {
	printf 'echo CT-RAN; touch /home/%s/ct-ran /tmp/ct-ran-%s' "$1" "$1"
}

# _ct_assert_stopped STATUS USER DESCRIPTION: the last run stopped before
# running anything: exit STATUS, exactly one line on stderr starting
# "cubicle-shell: ", and the marker command did not run.
_ct_assert_stopped() {
	local status=$1 user=$2 desc=$3 problems=() nlines
	[ "$CT_RC" == "$status" ] || problems+=("exit status $CT_RC, expected $status")
	nlines=$(printf '%s' "$CT_ERR" | grep -c '' || true)
	[ "$nlines" == 1 ] || problems+=("$nlines lines on stderr, expected 1")
	[[ $CT_ERR == "cubicle-shell: "* ]] || problems+=("stderr does not start with 'cubicle-shell: '")
	_ct_check_not_run "$user"
	if [ ${#problems[@]} -eq 0 ]; then
		ct_pass "$desc"
		ct_diag "$CT_ERR"
	else
		ct_fail "$desc" "${problems[@]}" "$(_ct_last_run)"
	fi
}

# assert_refused USER DESCRIPTION: the last run was a setup failure (exit 1).
assert_refused() {
	_ct_assert_stopped 1 "$@"
}

# assert_usage_error USER DESCRIPTION: the last run was a usage error (exit 2).
assert_usage_error() {
	_ct_assert_stopped 2 "$@"
}

# Adds to the caller's `problems` array when the marker command left a trace.
_ct_check_not_run() {
	local user=$1 f
	[[ $CT_OUT != *CT-RAN* ]] || problems+=("the command RAN (CT-RAN on stdout)")
	for f in "/home/$user/ct-ran" "$CT_ROOT/rootfs/$user/home/$user/ct-ran" \
		"/tmp/ct-ran-$user" "$CT_ROOT/rootfs/$user/tmp/ct-ran-$user"; do
		if [ -e "$f" ]; then
			problems+=("the command RAN: $f exists")
			rm -f -- "$f"
		fi
	done
}

# assert_host_mounts_unchanged DESCRIPTION: the host's mount table is as it
# was when the test began, now.
assert_host_mounts_unchanged() {
	local d
	if d=$(_ct_mounts | diff "$CT_W/before.mounts" -); then
		ct_pass "$1"
	else
		ct_fail "$1" "diff before now ('<' gone, '>' new):" "$d"
	fi
}

# ---- probe output -----------------------------------------------------------

# ct_val KEY [TEXT]: the value of the first KEY=... line (of TEXT, default the
# last run's stdout); empty when there is none.
ct_val() {
	awk -v k="$1=" 'index($0, k) == 1 { print substr($0, length(k) + 1); exit }' <<<"${2-$CT_OUT}"
}

# ct_vals KEY [TEXT]: every value of KEY, one per line.
ct_vals() {
	awk -v k="$1=" 'index($0, k) == 1 { print substr($0, length(k) + 1) }' <<<"${2-$CT_OUT}"
}

# ---- the run root: built once per run ---------------------------------------

# Creates CT_ROOT, compiles the probe, the helpers and a test copy of
# cubicle-shell whose config path lies inside CT_ROOT; exports
# CUBICLE_TEST_ROOT for the tests run.sh starts.
ct_root_setup() {
	local log
	command -v setcap >/dev/null || ct_bail "setcap not found (apt-get install libcap2-bin)"
	command -v setpriv >/dev/null || ct_bail "setpriv not found (util-linux)"
	command -v useradd >/dev/null || ct_bail "useradd not found (passwd)"
	command -v gcc >/dev/null || ct_bail "gcc not found"
	CT_ROOT=$(mktemp -d /var/lib/cubicle-test.XXXXXX)
	chmod 0755 "$CT_ROOT"
	mkdir -m 0755 "$CT_ROOT/bin" "$CT_ROOT/etc" "$CT_ROOT/etc/cubicle" "$CT_ROOT/rootfs" \
		"$CT_ROOT/work"
	: >"$CT_ROOT/users"
	log=$CT_ROOT/build.log
	_ct_paths

	# The probe and the helpers first: the harness self-test needs only them.
	make -s -C "$CT_REPO" B="$CT_ROOT/build" "$CT_ROOT/build/probe" >>"$log" 2>&1 ||
		{ cat -- "$log"; ct_bail "building the probe failed"; }
	install -m 0755 "$CT_ROOT/build/probe" "$CT_PROBE"
	gcc -O2 -Wall -Wextra -Werror -o "$CT_XEXEC" "$CT_REPO/tests/integration/helpers/xexec.c" \
		>>"$log" 2>&1 || { cat -- "$log"; ct_bail "building xexec failed"; }
	chmod 0755 "$CT_XEXEC"

	# The shell and the module of the tests read the test's config and keep
	# their session records in the test's run directory.
	# The helpers sit in their own LIBEXECDIR, as installed.
	if make -s -C "$CT_REPO" B="$CT_ROOT/build" SYSCONFDIR="$CT_ROOT/etc" RUNDIR="$CT_RUN" \
		LIBEXECDIR="$CT_LIBEXEC" \
		"$CT_ROOT/build/cubicle-shell" "$CT_ROOT/build/pam_cubicle.so" \
		"$CT_ROOT/build/cubiclectl" "$CT_ROOT/build/cubicle-init" \
		"$CT_ROOT/build/cubicle-relay" "$CT_ROOT/build/cubicle-watch" >>"$log" 2>&1 &&
		install -m 0755 "$CT_ROOT/build/cubicle-shell" "$CT_SHELL" &&
		install -d -m 0755 "$CT_LIBEXEC" &&
		install -m 0755 "$CT_ROOT/build/cubicle-init" "$CT_ROOT/build/cubicle-watch" \
			"$CT_LIBEXEC/" &&
		install -m 0711 "$CT_ROOT/build/cubicle-relay" "$CT_LIBEXEC/" &&
		install -m 0644 "$CT_ROOT/build/pam_cubicle.so" "$CT_MODULE" &&
		setcap "$CT_SHELL_CAPS" "$CT_SHELL" >>"$log" 2>&1 &&
		gcc -O2 -Wall -Wextra -Werror -o "$CT_PAMDRIVE" \
			"$CT_REPO/tests/integration/helpers/pamdrive.c" -lpam >>"$log" 2>&1; then
		echo ok >"$CT_ROOT/build.status"
	else
		echo failed >"$CT_ROOT/build.status"
	fi
	_ct_cgroup_setup
	export CUBICLE_TEST_ROOT=$CT_ROOT
}

# ct_free_port: a TCP port on 127.0.0.1 that nothing uses now (the server's
# own bind decides in the end); non-zero if none was found.
ct_free_port() {
	local port hex used
	used=$(awk 'NR > 1 { split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
	for _ in $(seq 100); do
		port=$((20000 + RANDOM % 40000))
		printf -v hex '%04X' "$port"
		grep -qx "$hex" <<<"$used" || { echo "$port" && return 0; }
	done
	return 1
}

# ct_cgroup_mount KIND [CONTROLLER]: the mount point of the cgroup2 hierarchy
# (KIND cgroup2) or of the v1 hierarchy holding CONTROLLER (KIND cgroup);
# empty if there is none. mountinfo's optional fields ("shared:N") shift the
# columns: the filesystem type is the first one after " - ".
ct_cgroup_mount() {
	awk -v kind="$1" -v ctrl="${2:-}" '{
		for (i = 7; i <= NF && $i != "-"; i++) ;
		if ($(i + 1) != kind) next
		if (ctrl != "" && $NF !~ "(^|,)" ctrl "(,|$)") next
		print $5; exit
	}' /proc/self/mountinfo
}

# ct_cgroup_mounts: every cgroup (v1 or v2) mount point.
ct_cgroup_mounts() {
	awk '{ for (i = 7; i <= NF && $i != "-"; i++) ;
		if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5 }' /proc/self/mountinfo
}

# The cgroup_root of the tests: beneath this runner's cgroup in every
# hierarchy (its cgroups nest: the deepest one, extended). The ancestors that
# do not exist yet in some hierarchy are listed, so that the cleanup removes
# exactly what the tests made there.
_ct_cgroup_setup() {
	local deepest='' path mnt dir
	while IFS=: read -r _ _ path; do
		[ ${#path} -le ${#deepest} ] || deepest=$path
	done </proc/self/cgroup
	[ "$deepest" != / ] || deepest=''
	while IFS=: read -r _ _ path; do
		[ "$path" == / ] || [[ $deepest/ == "$path"/* ]] ||
			ct_bail "this runner's cgroups do not nest ($path, $deepest): no cgroup_root beneath all"
	done </proc/self/cgroup
	echo "$deepest/cubicle-test.${CT_ROOT##*.}" >"$CT_ROOT/cgroot"
	: >"$CT_ROOT/cgmade"
	for mnt in $(ct_cgroup_mounts); do
		dir=$mnt$(cat "$CT_ROOT/cgroot")
		while [ "$dir" != "$mnt" ]; do
			[ -e "$dir" ] || echo "$dir" >>"$CT_ROOT/cgmade"
			dir=${dir%/*}
		done
	done
	CT_CGROOT=$(cat "$CT_ROOT/cgroot")
}

# Kills every process left in the tests' cgroups (by pid) and removes them,
# deepest first; then the ancestors the tests made, with a plain rmdir: they
# may hold another run's cgroups by now, which are never touched.
_ct_cgroup_cleanup() {
	local root mnt dir pid tries left
	[ -s "$CT_ROOT/cgroot" ] || return 0
	root=$(cat "$CT_ROOT/cgroot")
	for tries in 1 2 3 4 5 6 7 8 9 10; do
		left=0
		for mnt in $(ct_cgroup_mounts); do
			[ -d "$mnt$root" ] || continue
			while read -r pid; do
				left=1
				kill -KILL "$pid" 2>/dev/null || true
			done < <(find "$mnt$root" -name cgroup.procs -exec cat {} + 2>/dev/null)
		done
		[ "$left" == 1 ] || break
		sleep 0.2
	done
	for mnt in $(ct_cgroup_mounts); do
		[ ! -d "$mnt$root" ] || find "$mnt$root" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
	while read -r dir; do
		[ "$dir" == "${dir%"$root"}" ] || continue # the root itself: done above
		rmdir "$dir" 2>/dev/null || true
	done < <(sort -r "$CT_ROOT/cgmade" 2>/dev/null)
}

_ct_paths() {
	CT_SHELL=$CT_ROOT/bin/cubicle-shell
	CT_MODULE=$CT_ROOT/bin/pam_cubicle.so
	CT_LIBEXEC=$CT_ROOT/libexec
	CT_PAMDRIVE=$CT_ROOT/bin/pamdrive
	CT_RUN=$CT_ROOT/run
	CT_CGROOT=$(cat "$CT_ROOT/cgroot" 2>/dev/null || true)
	CT_PROBE=$CT_ROOT/bin/probe
	CT_XEXEC=$CT_ROOT/bin/xexec
	CT_CONF=$CT_ROOT/etc/cubicle/cubicle.conf
	CT_SETPRIV=$(command -v setpriv)
}

ct_shell_built() { [ "$(cat "$CT_ROOT/build.status" 2>/dev/null)" == ok ]; }

# Removes CT_ROOT and every user recorded in it (also those of a test that
# was killed before its own cleanup ran).
ct_root_cleanup() {
	local user pid
	[ -n "${CT_ROOT:-}" ] && [ -d "$CT_ROOT" ] || return 0
	while read -r user; do
		[ -n "$user" ] || continue
		_ct_kill_user_procs "$(id -u -- "$user" 2>/dev/null || echo none)"
		_ct_userdel "$user"
	done <"$CT_ROOT/users"
	for pid in $(ct_run_watchers); do kill -KILL "$pid" 2>/dev/null || true; done
	_ct_cgroup_cleanup
	_ct_umount_under "$CT_ROOT"
	_ct_rm_tree "$CT_ROOT"
}

# ---- one test ---------------------------------------------------------------

ct_begin() {
	[ "$(id -u)" == 0 ] || ct_skip "integration tests need root (real namespaces, mounts, users)"
	if [ -n "${CUBICLE_TEST_ROOT:-}" ]; then
		CT_ROOT=$CUBICLE_TEST_ROOT
		[ -d "$CT_ROOT/bin" ] || ct_bail "CUBICLE_TEST_ROOT=$CT_ROOT is not a test root"
		_ct_paths
	else
		CT_OWN_ROOT=1
		trap 'ct_root_cleanup' EXIT
		ct_root_setup
		ct_shell_built || ct_diag "cubicle-shell did not build; see $CT_ROOT/build.log"
	fi
	CT_W=$(mktemp -d "$CT_ROOT/work/$CT_TEST.XXXXXX")
	chmod 0755 "$CT_W"
	# The run directory as the package's tmpfiles.d makes it at boot: with
	# the empty file cubicle-shell mounts the mount template on (without it,
	# CT_MNT_TEMPLATE=no, containers copy the host's mounts and pivot).
	install -d -m 0755 "$CT_RUN"
	if [ "${CT_MNT_TEMPLATE:-yes}" != no ]; then
		[ -e "$CT_RUN/mnt-template" ] || install -m 0444 /dev/null "$CT_RUN/mnt-template"
	fi
	rm -f -- "$CT_CONF"
	# A test never reads the terminal it was started from (a tty on stdin
	# would change what cubicle-shell does), and passes on no descriptor
	# but 0, 1 and 2 unless it means to.
	exec </dev/null
	_ct_close_stray_fds
	_ct_snapshot "$CT_W/before"
	trap '_ct_end' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	set -E
	trap '_ct_on_err "$LINENO" "$BASH_COMMAND"' ERR
}

_ct_close_stray_fds() {
	local fd script
	script=$(readlink -f -- "$0")
	for fd in "/proc/$$/fd"/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] || continue
		[ "$(readlink -f -- "/proc/$$/fd/$fd" 2>/dev/null)" != "$script" ] || continue
		eval "exec $fd>&-" 2>/dev/null || true
	done
}

_ct_on_err() {
	printf '    # error: line %s: %s (exit %s)\n' "$1" "$2" "${3:-$?}"
}

ct_need_shell() {
	ct_shell_built && return 0
	ct_fail "cubicle-shell builds (make B=... SYSCONFDIR=... cubicle-shell)"
	ct_diag_file "build log (tail)" "$CT_ROOT/build.log"
	CT_STOPPED=1
	exit 1
}

# ct_need_cmd CMD PACKAGE: skips the test without CMD.
ct_need_cmd() {
	command -v "$1" >/dev/null || ct_skip "$1 not installed (apt-get install $2)"
}

_ct_end() {
	local rc=$?
	set +eE
	trap - ERR INT TERM HUP
	if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ "$CT_STOPPED" != 1 ]; then
		ct_fail "$CT_TEST ran to the end" "the test script stopped with exit status $rc"
	fi
	_ct_check_host
	_ct_cleanup
	printf '    1..%d\n' "$CT_N"
	if [ "$CT_OWN_ROOT" == 1 ]; then
		ct_root_cleanup
	fi
	if [ "$CT_FAILS" -gt 0 ]; then
		exit 1
	elif [ "$rc" == 77 ]; then
		exit 77
	fi
	exit 0
}

# ---- host snapshots and checks ----------------------------------------------

# The mount table without the volatile fields (mount and parent ids):
# "MOUNTPOINT ROOT FSTYPE SOURCE OPTIONS", sorted.
# Leaves out what is mounted on $CT_RUN/mnt-template: cubicle-shell's mount
# template (a namespace file, shell/template.c) and, where that mount would
# propagate, the private bind of the file under it. cubicle keeps them by
# design, the test's cleanup unmounts them, and _ct_check_host counts them
# apart.
_ct_mounts() {
	awk -v tmpl="${CT_RUN:-}/mnt-template" '
		$5 == tmpl { next }
		{ for (i = 7; $i != "-"; i++); print $5, $4, $(i + 1), $(i + 2), $6 }' \
		/proc/self/mountinfo | LC_ALL=C sort
}

# ct_template_mounts [ALL]: how many mount templates (namespace files) are
# mounted on $CT_RUN/mnt-template now; with ALL, how many mounts of any kind.
ct_template_mounts() {
	awk -v tmpl="$CT_RUN/mnt-template" -v all="${1:-}" '
		{ for (i = 7; $i != "-"; i++); }
		$5 == tmpl && (all != "" || $(i + 1) == "nsfs") { n++ }
		END { print n + 0 }' /proc/self/mountinfo
}

# ct_template_umount: unmounts the mount template and what lies under it.
ct_template_umount() {
	while [ "$(ct_template_mounts all)" -gt 0 ]; do
		umount -l -- "$CT_RUN/mnt-template" || return 1
	done
}

# Every mount namespace some process is in.
_ct_mntns() {
	{ find /proc/[0-9]*/ns/mnt -maxdepth 0 -printf '%l\n' 2>/dev/null || true; } |
		grep -v '^$' | LC_ALL=C sort -u
}

_ct_snapshot() {
	_ct_mounts >"$1.mounts"
	_ct_mntns >"$1.mntns"
	cat /proc/sys/kernel/hostname >"$1.hostname"
}

# Processes that must not outlive a test: "PID COMM uid=RUID/EUID mntns=NS"
# for every process whose real or effective uid is a test user's, or that is
# in a mount namespace that did not exist when the test began.
_ct_leftovers() {
	local -A known_ns=() test_uid=()
	local ns pid dir key a b name ruid euid new u
	while read -r ns; do
		[ -z "$ns" ] || known_ns[$ns]=1
	done <"$CT_W/before.mntns"
	for u in "${CT_UIDS[@]}"; do test_uid[$u]=1; done
	for dir in /proc/[0-9]*; do
		pid=${dir#/proc/}
		[ "$pid" != "$BASHPID" ] || continue
		ruid='' euid='' name=''
		while read -r key a b _; do
			case $key in
			Name:) name=$a ;;
			Uid:) ruid=$a euid=$b && break ;;
			esac
		done 2>/dev/null <"$dir/status" || continue
		[ -n "$ruid" ] || continue
		ns=$(readlink "$dir/ns/mnt" 2>/dev/null) || continue
		new=''
		[ -n "${known_ns[$ns]:-}" ] || new=" (in a new mount namespace)"
		if [ -n "${test_uid[$ruid]:-}" ] || [ -n "${test_uid[$euid]:-}" ] || [ -n "$new" ]; then
			printf '%s %s uid=%s/%s mntns=%s%s\n' "$pid" "$name" "$ruid" "$euid" "$ns" "$new"
		fi
	done
	for pid in $(ct_run_watchers); do
		printf '%s cubicle-watch (the watcher of this test'"'"'s run directory)\n' "$pid"
	done
}

# ct_run_watchers: pids of pam_cubicle's shared watcher serving this test
# root's run directory (root's, so not among the test users' processes).
ct_run_watchers() {
	local dir
	[ -n "${CT_RUN:-}" ] || return 0
	for dir in /proc/[0-9]*; do
		[ "$(cat "$dir/comm" 2>/dev/null)" = cubicle-watch ] || continue
		grep -qzx -- "$CT_RUN" "$dir/cmdline" 2>/dev/null && echo "${dir#/proc/}"
	done
	return 0
}

# The host checks every test ends with. Results go into the TAP output.
_ct_check_host() {
	local left deadline d
	deadline=$((SECONDS + CT_SETTLE))
	left=$(_ct_leftovers)
	while [ -n "$left" ] && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.1
		left=$(_ct_leftovers)
	done
	if [ -z "$left" ]; then
		ct_pass "host: no process of the test users and none in a new mount namespace"
	else
		ct_fail "host: no process of the test users and none in a new mount namespace" \
			"left after ${CT_SETTLE}s:" "$left"
	fi

	_ct_mounts >"$CT_W/after.mounts"
	if d=$(diff "$CT_W/before.mounts" "$CT_W/after.mounts"); then
		ct_pass "host: mount table unchanged"
	else
		ct_fail "host: mount table unchanged" "diff before after ('<' gone, '>' new):" "$d"
	fi

	local n all
	n=$(ct_template_mounts)
	all=$(ct_template_mounts all)
	if [ "$n" -le 1 ] && [ "$all" -le $((n + 1)) ]; then
		ct_pass "host: at most one mount template ($n), on at most a bind of its file"
	else
		ct_fail "host: at most one mount template, on at most a bind of its file" \
			"$all mounts on $CT_RUN/mnt-template, $n of them namespace files"
	fi

	if [ "$(cat /proc/sys/kernel/hostname)" == "$(cat "$CT_W/before.hostname")" ]; then
		ct_pass "host: hostname unchanged"
	else
		ct_fail "host: hostname unchanged" "was '$(cat "$CT_W/before.hostname")'," \
			"is '$(cat /proc/sys/kernel/hostname)' (restored)"
		cat "$CT_W/before.hostname" >/proc/sys/kernel/hostname
	fi
}

_ct_cleanup() {
	local u i
	for u in "${CT_UIDS[@]}"; do
		_ct_kill_user_procs "$u"
	done
	_ct_kill_new_ns_descendants
	_ct_umount_new
	_ct_umount_under "$CT_ROOT"
	for i in "${!CT_USERS[@]}"; do
		_ct_userdel "${CT_USERS[$i]}"
		_ct_rm_tree "$CT_ROOT/rootfs/${CT_USERS[$i]}"
	done
	rm -f -- "$CT_CONF"
	_ct_rm_tree "$CT_W"
}

# Kills, by pid, every process whose real or effective uid is $1, until none
# is left (a process may fork while we look).
_ct_kill_user_procs() {
	local uid=$1 dir key a b pids tries
	[[ $uid =~ ^[0-9]+$ ]] && [ "$uid" != 0 ] || return 0
	for tries in $(seq 50); do
		pids=()
		for dir in /proc/[0-9]*; do
			while read -r key a b _; do
				[ "$key" == Uid: ] || continue
				if [ "$a" == "$uid" ] || [ "$b" == "$uid" ]; then
					pids+=("${dir#/proc/}")
				fi
				break
			done 2>/dev/null <"$dir/status" || true
		done
		[ ${#pids[@]} -gt 0 ] || return 0
		kill -KILL "${pids[@]}" 2>/dev/null || true
		sleep 0.1
	done
	ct_diag "cleanup: could not kill every process of uid $uid: ${pids[*]} (tried $tries times)"
}

# Processes in a new mount namespace that descend from this test (for
# example from unshare in the harness self-test); others are only reported.
_ct_kill_new_ns_descendants() {
	local line pid p key a
	while read -r line; do
		[[ $line == *"new mount namespace"* ]] || continue
		pid=${line%% *}
		p=$pid
		while [ -n "$p" ] && [ "$p" -gt 1 ]; do
			if [ "$p" == "$$" ]; then
				kill -KILL "$pid" 2>/dev/null || true
				break
			fi
			a=''
			while read -r key a _; do
				[ "$key" != PPid: ] || break
			done 2>/dev/null <"/proc/$p/status" || true
			[ "$key" == PPid: ] || break
			p=$a
		done
	done < <(_ct_leftovers)
}

# Unmounts (lazily, deepest first) every mount that was not there when the
# test began: a leaked mount must not stay on the host.
_ct_umount_new() {
	local mp
	[ -f "$CT_W/before.mounts" ] || return 0
	_ct_mounts >"$CT_W/end.mounts"
	LC_ALL=C comm -13 "$CT_W/before.mounts" "$CT_W/end.mounts" | awk '{ print $1 }' |
		awk '{ print length($0), $0 }' | sort -rn | cut -d' ' -f2- |
		while read -r mp; do
			mp=$(printf '%b' "$mp") # mountinfo escapes blanks as \040
			ct_diag "cleanup: umount -l $mp"
			umount -l -- "$mp" || true
		done
}

# Unmounts everything at or below $1, deepest first.
_ct_umount_under() {
	local dir=$1 mp
	for _ in 1 2 3; do
		mp=$(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print length($5), $5 }' \
			/proc/self/mountinfo | sort -rn | cut -d' ' -f2-)
		[ -n "$mp" ] || return 0
		while read -r m; do
			umount -l -- "$(printf '%b' "$m")" 2>/dev/null || true
		done <<<"$mp"
	done
}

# rm -rf, but never into something still mounted (a leaked bind of a host
# directory there would be emptied).
_ct_rm_tree() {
	local dir=$1
	[ -e "$dir" ] || [ -L "$dir" ] || return 0
	if awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { found = 1 } END { exit !found }' \
		/proc/self/mountinfo; then
		ct_diag "cleanup: NOT removing $dir: something is still mounted below it"
		return 0
	fi
	rm -rf --one-file-system -- "$dir"
}

_ct_userdel() {
	local user=$1 out
	if id -u -- "$user" >/dev/null 2>&1; then
		out=$(userdel -r -- "$user" 2>&1) ||
			ct_diag "cleanup: userdel -r $user failed: $out"
	fi
	sed -i "/^$user\$/d" "$CT_ROOT/users" 2>/dev/null || true
}

# ---- users, rootfs, config --------------------------------------------------

# ct_user_add VAR [PREFIX]: creates a user PREFIX (default "cbt") + 6 hex
# digits (host home /home/NAME, shell /bin/sh), builds its rootfs, and
# stores the name in VAR.
ct_user_add() {
	local var=$1 name out
	name=${2:-cbt}$(od -An -tx1 -N3 /dev/urandom | tr -d ' \n')
	echo "$name" >>"$CT_ROOT/users"
	out=$(useradd -m -s /bin/sh -- "$name" 2>&1) || ct_bail "useradd $name: $out"
	CT_USERS+=("$name")
	CT_UIDS+=("$(id -u -- "$name")")
	ct_rootfs_make "$name"
	printf -v "$var" '%s' "$name"
}

ct_uid() { id -u -- "$1"; }
ct_gid() { id -g -- "$1"; }

ct_rootfs() { printf '%s\n' "$CT_ROOT/rootfs/$1"; }

# ct_rootfs_make USER [DIR]: a fresh busybox rootfs with the probe and the
# user's home directory (default DIR: $CT_ROOT/rootfs/USER).
ct_rootfs_make() {
	local user=$1 dir=${2:-$CT_ROOT/rootfs/$1} out
	out=$("$CT_REPO/tests/mkrootfs.sh" -p "$CT_PROBE" -u "$user" "$dir" 2>&1) ||
		ct_bail "mkrootfs.sh $dir: $out"
	printf '%s\n' "$user" >"$dir/etc/cubicle-test-rootfs"
}

# ct_rootfs_reset USER: throws the user's rootfs away and builds it again.
ct_rootfs_reset() {
	local dir=$CT_ROOT/rootfs/$1
	_ct_umount_under "$dir"
	_ct_rm_tree "$dir"
	[ ! -e "$dir" ] || ct_bail "could not remove $dir"
	ct_rootfs_make "$1"
}

# The [default] section every test starts from.
ct_conf_default_text() {
	cat <<EOF
[default]
isolate = yes
rootfs = $CT_ROOT/rootfs/%u
hostname = box-%u
shell = /bin/sh
home = %h
stop_timeout = 2
# the shell on its own; the tests of pam_cubicle turn this on
require_session = no
EOF
}

# ct_conf < TEXT: installs TEXT as the config of the test binary
# (root-owned, 0644, in a 0755 root-owned directory), atomically.
ct_conf() {
	install -d -m 0755 -o root -g root "$CT_ROOT/etc/cubicle"
	cat >"$CT_CONF.tmp"
	chown root:root "$CT_CONF.tmp"
	chmod 0644 "$CT_CONF.tmp"
	mv -f -- "$CT_CONF.tmp" "$CT_CONF"
}

# ct_conf_default [LINE...]: the default section plus LINEs inside it.
ct_conf_default() {
	{
		ct_conf_default_text
		[ $# -eq 0 ] || printf '%s\n' "$@"
	} | ct_conf
}

# ---- running cubicle-shell as a user ----------------------------------------

# _ct_argv_as USER [OPTION...] [--] PROG [ARG...] fills CT_ARGV with the
# command line that runs PROG as USER the way a login service would:
# an environment like sshd's, real and effective uid and gid and the
# supplementary groups of USER, no inheritable capabilities, default signal
# dispositions and an empty signal mask (xexec), PROG exec'd with ARGs.
# OPTIONs:
#   --env K=V          add to the environment PROG starts with (set by xexec
#                      right before the exec, so LD_PRELOAD and the like
#                      reach PROG and nothing before it) (repeatable)
#   --argv0 NAME       argv[0] for PROG
#   --empty-argv       PROG with argc == 0
#   --ignore-signals   PROG starts with every signal ignored
#   --block-signals    PROG starts with every signal blocked
#   --close FD         PROG starts with FD closed
_ct_argv_as() {
	local user=$1 home
	shift
	local -a xopts=()
	while [ $# -gt 0 ]; do
		case $1 in
		--argv0 | --close | --env) xopts+=("$1" "$2") && shift 2 ;;
		--empty-argv | --ignore-signals | --block-signals) xopts+=("$1") && shift ;;
		--) shift && break ;;
		-*) ct_bail "_ct_argv_as: unknown option $1" ;;
		*) break ;;
		esac
	done
	home=$(getent passwd "$user" | cut -d: -f6)
	CT_ARGV=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" USER="$user"
		LOGNAME="$user" SHELL="$CT_SHELL"
		"$CT_SETPRIV" --reuid="$user" --regid="$(ct_gid "$user")" --init-groups
		--inh-caps=-all -- "$CT_XEXEC" --default-signals "${xopts[@]}" -- "$@")
	CT_LAST_DESC="as $user: $(printf '%q ' "${@:1:4}")$([ $# -le 4 ] || echo ...)"
	CT_LAST_DESC=${CT_LAST_DESC:0:300}
}

# ct_exec_as USER [OPTION...] [--] PROG [ARG...]: runs PROG as USER (see
# _ct_argv_as) with a timeout of CT_TIMEOUT seconds (exit status 124 then),
# stdin inherited. Sets CT_RC, CT_OUT and CT_ERR (also in $CT_W/out, err).
ct_exec_as() {
	_ct_argv_as "$@"
	CT_RC=0
	timeout -k 5 "$CT_TIMEOUT" "${CT_ARGV[@]}" >"$CT_W/out" 2>"$CT_W/err" || CT_RC=$?
	_ct_read_output "$CT_W/out" "$CT_W/err"
}

_ct_read_output() {
	CT_OUT='' CT_ERR=''
	if [ "$(stat -c %s -- "$1")" -le 1048576 ]; then CT_OUT=$(tr -d '\0' <"$1"); fi
	if [ "$(stat -c %s -- "$2")" -le 1048576 ]; then CT_ERR=$(tr -d '\0' <"$2"); fi
}

# ct_run_with_syslog USER ARG...: runs cubicle-shell ARG... as USER (as
# ct_exec_as) and catches what it sends to syslog in CT_SYSLOG. This host may
# have no syslog: the shell runs in a mount namespace of its own whose /dev is
# a copy of the host's plus a /dev/log the test listens on. CT_SYSLOG_SETUP,
# if set, is a command run (by sh, as root) in that namespace first.
ct_run_with_syslog() {
	local user=$1 sink
	shift
	if [ ! -x "$CT_W/logsink" ]; then
		gcc -O2 -Wall -Wextra -Werror -o "$CT_W/logsink" \
			"$CT_REPO/tests/integration/helpers/logsink.c"
		mkdir -p "$CT_W/olddev"
	fi
	rm -f "$CT_W/log.sock"
	"$CT_W/logsink" "$CT_W/log.sock" 2 >"$CT_W/syslog" &
	sink=$!
	ct_poll 5 test -S "$CT_W/log.sock" || ct_bail "logsink did not start"
	_ct_argv_as "$user" -- "$CT_SHELL" "$@"
	CT_RC=0
	CT_SYSLOG_SETUP=${CT_SYSLOG_SETUP:-} timeout -k 5 "$CT_TIMEOUT" \
		unshare --mount --propagation private -- /bin/sh -c '
		set -e
		w=$1
		shift
		mount --rbind /dev "$w/olddev"
		mount -t tmpfs -o mode=0755 tmpfs /dev
		for n in null zero full random urandom tty; do
			touch "/dev/$n"
			mount --bind "$w/olddev/$n" "/dev/$n"
		done
		touch /dev/log
		mount --bind "$w/log.sock" /dev/log
		eval "$CT_SYSLOG_SETUP"
		exec "$@"' sh "$CT_W" "${CT_ARGV[@]}" >"$CT_W/out" 2>"$CT_W/err" || CT_RC=$?
	_ct_read_output "$CT_W/out" "$CT_W/err"
	wait "$sink" || true
	CT_SYSLOG=$(cat "$CT_W/syslog")
}

# ct_run USER [OPTION...] COMMAND: cubicle-shell -c COMMAND as USER.
ct_run() {
	local cmd=${!#}
	ct_exec_as "${@:1:$#-1}" -- "$CT_SHELL" -c "$cmd"
}

# ct_login USER [OPTION...]: the login form (argv[0] "-cubicle-shell", no
# arguments); the commands come on stdin.
ct_login() {
	local user=$1
	shift
	ct_exec_as "$user" --argv0 -cubicle-shell "$@" -- "$CT_SHELL"
}

# ct_spawn USER [OPTION...] COMMAND: starts cubicle-shell -c COMMAND in the
# background. Sets CT_PID (the pid of cubicle-shell itself), CT_SPAWN_OUT
# and CT_SPAWN_ERR (files). Wait for it with ct_wait.
ct_spawn() {
	local cmd=${!#}
	CT_SPAWN_N=$((CT_SPAWN_N + 1))
	CT_SPAWN_OUT=$CT_W/spawn$CT_SPAWN_N.out
	CT_SPAWN_ERR=$CT_W/spawn$CT_SPAWN_N.err
	_ct_argv_as "${@:1:$#-1}" -- "$CT_SHELL" -c "$cmd"
	: >"$CT_SPAWN_OUT"
	: >"$CT_SPAWN_ERR"
	"${CT_ARGV[@]}" >>"$CT_SPAWN_OUT" 2>>"$CT_SPAWN_ERR" &
	CT_PID=$!
}

# ct_script USER [OPTION...] [--] PROG [ARG...]: writes an executable script
# that execs PROG as USER (for expect); prints its path.
ct_script() {
	local f
	CT_SPAWN_N=$((CT_SPAWN_N + 1))
	f=$CT_W/spawn$CT_SPAWN_N.sh
	_ct_argv_as "$@"
	{
		echo '#!/bin/bash'
		printf 'exec'
		printf ' %q' "${CT_ARGV[@]}"
		echo
	} >"$f"
	chmod 0755 "$f"
	printf '%s\n' "$f"
}

# True while PID exists and is not a zombie.
ct_alive() {
	local state
	state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# ct_wait PID [SECONDS]: waits for a ct_spawn'ed process (default CT_TIMEOUT);
# sets CT_RC (124 after killing it on timeout) and CT_OUT/CT_ERR when given
# the files as $3 $4 (default the last spawn's).
ct_wait() {
	local pid=$1 deadline=$((SECONDS + ${2:-$CT_TIMEOUT}))
	while ct_alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.02
	done
	if ct_alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		CT_RC=124
	else
		CT_RC=0
		wait "$pid" 2>/dev/null || CT_RC=$?
	fi
	_ct_read_output "${3:-$CT_SPAWN_OUT}" "${4:-$CT_SPAWN_ERR}"
}

# ct_poll SECONDS COMMAND [ARG...]: runs COMMAND every 20 ms until it
# succeeds (return 0) or SECONDS have passed (return 1).
ct_poll() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.02
	done
}

# ct_wait_for FILE ERE [SECONDS]: polls until a line of FILE matches ERE.
ct_wait_for() {
	ct_poll "${3:-$CT_TIMEOUT}" grep -sqE -- "$2" "$1"
}

# ct_user_procs USER: "PID COMM" of every process of USER on the host, now.
ct_user_procs() {
	local uid dir key a b name
	uid=$(ct_uid "$1")
	for dir in /proc/[0-9]*; do
		name=''
		while read -r key a b _; do
			case $key in
			Name:) name=$a ;;
			Uid:)
				if [ "$a" == "$uid" ] || [ "$b" == "$uid" ]; then
					printf '%s %s\n' "${dir#/proc/}" "$name"
				fi
				break
				;;
			esac
		done 2>/dev/null <"$dir/status" || true
	done
}

# ct_user_live_procs USER: like ct_user_procs without zombies (an orphan's
# exit status waits for the host's init to collect it; it holds nothing).
ct_user_live_procs() {
	local pid name state
	ct_user_procs "$1" | while read -r pid name; do
		# a process gone since it was listed (a zombie just collected) is
		# not live either
		state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null || true)
		[ -z "$state" ] || [ "$state" == Z ] || echo "$pid $name"
	done
}

# assert_no_user_procs USER DESCRIPTION: checked at once, no grace period.
assert_no_user_procs() {
	local left
	left=$(ct_user_procs "$1")
	if [ -z "$left" ]; then
		ct_pass "$2"
	else
		ct_fail "$2" "still running:" "$left"
	fi
}

# ct_now_ms: a monotonic-enough clock for durations.
ct_now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# ---- interactive runs (expect) ----------------------------------------------

# ct_expect NAME SCRIPT: runs an expect SCRIPT (with the helpers below) and
# reports one check NAME. The script gets a 30 x 100 terminal; `fail MSG`
# fails the check, reaching the end passes it. Helpers: `want RE WHAT` waits
# for RE (sets ::got to the match, ::g1 ::g2 to the first groups), `finish
# STATUS` waits for eof and checks the exit status. Afterwards
# CT_TRANSCRIPT holds what the terminal showed, carriage returns removed.
ct_expect() {
	local name=$1 script=$2 f rc=0
	CT_SPAWN_N=$((CT_SPAWN_N + 1))
	f=$CT_W/expect$CT_SPAWN_N
	cat >"$f.exp" <<'EOF'
set timeout 10
log_user 1
set stty_init "rows 30 columns 100"
proc fail {msg} { send_user "FAIL: $msg\n"; exit 1 }
proc want {re what} {
	global got g1 g2
	expect {
		-re $re {
			set got $expect_out(0,string)
			set g1 [expr {[info exists expect_out(1,string)] ? $expect_out(1,string) : ""}]
			set g2 [expr {[info exists expect_out(2,string)] ? $expect_out(2,string) : ""}]
		}
		timeout { fail "timed out waiting for $what" }
		eof { fail "end of output waiting for $what" }
	}
}
proc finish {status} {
	# the spawned side may have been read to its end already
	catch {
		expect {
			eof {}
			timeout { fail "timed out waiting for the end" }
		}
	}
	lassign [wait] pid sid oserr code
	if {$oserr != 0 || $code != $status} { fail "exit status $code (os error $oserr), expected $status" }
}
EOF
	printf '%s\n' "$script" >>"$f.exp"
	timeout -k 5 120 expect -f "$f.exp" >"$f.log" 2>&1 || rc=$?
	CT_TRANSCRIPT=$(tr -d '\r\0' <"$f.log" || true)
	if [ "$rc" == 0 ]; then
		ct_pass "$name"
		[ -z "${CT_VERBOSE:-}" ] || ct_diag_file "terminal transcript (tail)" "$f.log"
	else
		ct_fail "$name" "expect exit status $rc: $(grep -ao 'FAIL: .*' "$f.log" || true)"
		ct_diag_file "terminal transcript and expect's messages (tail)" "$f.log"
	fi
}
