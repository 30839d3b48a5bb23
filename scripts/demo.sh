#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `sudo make demo`: a real SSH login into a cubicle. Builds a demo copy of
# cubicle-shell, pam_cubicle.so and cubiclectl, makes a busybox rootfs and a
# demo user (login shell: the demo's cubicle-shell) with an SSH key, starts a
# private sshd on 127.0.0.1:2222 with pam_cubicle in its PAM stack, logs in
# over SSH and shows what the session sees next to what the host sees. The
# sshd is left running; the script ends with the ssh command to log in.
# `sudo make demo-clean` (this script with --clean) stops that sshd and removes
# all of it. Running the demo again restarts its sshd.
#
# What the demo makes, and nothing else:
#   $STATE (/var/lib/cubicle-demo)   binaries, config, rootfs, keys, the sshd's
#                                    config, pid file and log, what to undo
#   the user $DEMO_USER              with its home /home/$DEMO_USER
#   <cgroup_root> ($STATE/cgroot)    the sessions' cgroups
#   /run/cubicle                     the session records (only while a session
#                                    lives; the directory is removed by
#                                    demo-clean when the demo made it)
# The host's sshd, /etc/pam.d, /etc/cubicle, /etc/shells and login records are
# never touched: the demo's sshd runs in a mount namespace of its own in which
# a copy of /etc/pam.d (with the module added to sshd) and empty login records
# are bound over the host's.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
STATE=/var/lib/cubicle-demo
DEMO_USER=cubicle-demo
DEMO_HOST=cubicle-demo-box
PORT=2222
RUNDIR=/run/cubicle # the demo's shell, module and cubiclectl agree on it
SSHD=/usr/sbin/sshd
SFTP_SERVER=/usr/lib/openssh/sftp-server
KEY=$STATE/ssh/id_ed25519
CTL=$STATE/bin/cubiclectl

say() { printf '\033[1m%s\033[0m\n' "$*"; }
die() {
	echo "demo: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "run it as root: sudo make demo"

# ---- processes: found by pid, namespace or uid, never by name ----------------

# The pid of the demo's sshd (the listener) when it runs, else nothing.
sshd_pid() {
	local pid
	pid=$(cat "$STATE/sshd.pid" 2>/dev/null) || return 0
	[[ $pid =~ ^[0-9]+$ ]] || return 0
	[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$SSHD" ] || return 0
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$STATE/sshd_config" || return 0
	echo "$pid"
}

# Every process in a mount namespace the demo's sshd ever ran in (the
# listener and its per-connection processes); the namespaces are the demo's.
ns_pids() {
	local dir ns
	[ -s "$STATE/sshd.mntns" ] || return 0
	for dir in /proc/[0-9]*; do
		ns=$(readlink "$dir/ns/mnt" 2>/dev/null) || continue
		! grep -qxF -- "$ns" "$STATE/sshd.mntns" || echo "${dir#/proc/}"
	done
}

# Every process whose real or effective uid is $1.
uid_pids() {
	local dir key a b
	for dir in /proc/[0-9]*; do
		while read -r key a b _; do
			[ "$key" == Uid: ] || continue
			[ "$a" != "$1" ] && [ "$b" != "$1" ] || echo "${dir#/proc/}"
			break
		done 2>/dev/null <"$dir/status" || true
	done
}

# True while any sshd runs on this host (the host's own needs /run/sshd).
sshd_running() {
	local exe
	for exe in /proc/[0-9]*/exe; do
		[ "$(readlink "$exe" 2>/dev/null)" != "$SSHD" ] || return 0
	done
	return 1
}

# kill_all SIGNAL PID...: ignores the ones already gone.
kill_all() {
	local sig=$1
	shift
	[ $# -eq 0 ] || kill "-$sig" "$@" 2>/dev/null || true
}

# Stops the listener: SIGTERM, then SIGKILL after 5 s. Connections stay.
stop_sshd() {
	local pid
	pid=$(sshd_pid)
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		[ -e "/proc/$pid" ] || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# ---- cgroups ----------------------------------------------------------------

cg_mounts() {
	awk '{ for (i = 7; i <= NF && $i != "-"; i++) ;
		if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5 }' /proc/self/mountinfo
}

# The sessions' cgroup_root: /cubicle-demo; but beneath the caller's own
# cgroup when that is neither "/" nor systemd's (a container or CI job that
# keeps its processes in a cgroup of its own), so that the sessions stay in
# it. Records which of its directories do not exist yet, for demo-clean.
cg_choose_root() {
	local deepest='' path mnt dir
	if [ -s "$STATE/cgroot" ]; then
		cat "$STATE/cgroot"
		return 0
	fi
	while IFS=: read -r _ _ path; do
		[ ${#path} -le ${#deepest} ] || deepest=$path
	done </proc/self/cgroup
	case $deepest in
	/ | *.slice | *.slice/* | *.scope | *.scope/* | *.service | *.service/*) deepest='' ;;
	esac
	while IFS=: read -r _ _ path; do
		[ "$path" == / ] || [[ $deepest/ == "$path"/* ]] || deepest=''
	done </proc/self/cgroup
	echo "$deepest/cubicle-demo" >"$STATE/cgroot"
	: >"$STATE/cgmade"
	for mnt in $(cg_mounts); do
		dir=$mnt$deepest/cubicle-demo
		while [ "$dir" != "$mnt" ]; do
			[ -e "$dir" ] || echo "$dir" >>"$STATE/cgmade"
			dir=${dir%/*}
		done
	done
	cat "$STATE/cgroot"
}

# Kills what is left in the demo's cgroups and removes them, and the
# directories above them that the demo made (when empty).
cg_remove() {
	local root mnt dir pids
	root=$(cat "$STATE/cgroot" 2>/dev/null) || return 0
	[ -n "$root" ] && [ "$root" != / ] || return 0
	for _ in $(seq 20); do
		pids=()
		for mnt in $(cg_mounts); do
			[ -d "$mnt$root" ] || continue
			mapfile -t -O "${#pids[@]}" pids < <(find "$mnt$root" -name cgroup.procs -exec cat {} + 2>/dev/null)
		done
		[ ${#pids[@]} -gt 0 ] || break
		kill_all KILL "${pids[@]}"
		sleep 0.1
	done
	for mnt in $(cg_mounts); do
		[ ! -d "$mnt$root" ] || find "$mnt$root" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
	while read -r dir; do
		rmdir "$dir" 2>/dev/null || true
	done < <(sort -r "$STATE/cgmade" 2>/dev/null)
}

# ---- demo-clean -------------------------------------------------------------

clean() {
	local uid='' pids f
	uid=$(id -u "$DEMO_USER" 2>/dev/null) || uid=''

	# the listener and the connections' sshd processes: SIGTERM lets each
	# close its PAM session (pam_cubicle ends the container), then SIGKILL
	stop_sshd
	mapfile -t pids < <(ns_pids)
	kill_all TERM "${pids[@]}"
	for _ in $(seq 50); do
		mapfile -t pids < <(ns_pids)
		[ ${#pids[@]} -gt 0 ] || break
		sleep 0.1
	done
	kill_all KILL "${pids[@]}"
	# sessions no sshd closes any more: as logout does
	if [ -n "$uid" ] && [ -x "$CTL" ]; then
		"$CTL" stop --user "$DEMO_USER" --run-dir "$RUNDIR" >/dev/null 2>&1 || true
	fi
	if [ -n "$uid" ]; then
		for _ in $(seq 50); do
			mapfile -t pids < <(uid_pids "$uid")
			[ ${#pids[@]} -gt 0 ] || break
			kill_all KILL "${pids[@]}"
			sleep 0.1
		done
	fi
	cg_remove

	# records, locks and the run directory, if the demo made it
	if [ -n "$uid" ] && [ -d "$RUNDIR/sessions" ]; then
		for f in "$RUNDIR"/sessions/*; do
			[ -f "$f" ] && grep -qx "uid=$uid" "$f" && rm -f -- "$f"
		done
		rm -f -- "$RUNDIR/locks/$uid"
	fi
	if grep -qx "$RUNDIR" "$STATE/made" 2>/dev/null &&
		[ -z "$(ls -A "$RUNDIR/sessions" 2>/dev/null)" ]; then
		# the mount template the demo's logins made
		while umount "$RUNDIR/mnt-template" 2>/dev/null; do :; done
		rm -rf -- "$RUNDIR"
	fi
	if grep -qx /run/sshd "$STATE/made" 2>/dev/null && ! sshd_running; then
		rmdir /run/sshd 2>/dev/null || true
	fi

	if [ -n "$uid" ]; then
		userdel -r "$DEMO_USER" >/dev/null 2>&1 || userdel "$DEMO_USER"
	fi
	rm -rf "/home/${DEMO_USER:?}"
	if [ -d "$STATE" ]; then
		# nothing of the host is mounted there; detach what a crash may have left
		awk -v s="$STATE" '$5 == s || index($5, s "/") == 1 { print $5 }' /proc/self/mountinfo |
			sort -r | while read -r m; do umount -l "$m"; done
		rm -rf --one-file-system "$STATE"
	fi
	say "demo removed: its sshd, the user $DEMO_USER, $STATE, the sessions' cgroups and records"
}

if [ "${1:-}" = "--clean" ]; then
	clean
	exit 0
fi
[ $# -eq 0 ] || die "usage: $0 [--clean]"

# ---- build ------------------------------------------------------------------

"$REPO/scripts/install-deps.sh"
for p in "$SSHD" ssh ssh-keygen unshare setcap; do
	command -v "$p" >/dev/null || die "$p not found (scripts/install-deps.sh installs it)"
done

install -d -m 0755 "$STATE" "$STATE/bin" "$STATE/etc" "$STATE/etc/cubicle" "$STATE/rootfs"
install -d -m 0700 "$STATE/ssh"
touch "$STATE/made"
# the directories the demo may make outside $STATE, to be removed by demo-clean
for d in "$RUNDIR" /run/sshd; do
	[ -e "$d" ] || grep -qx "$d" "$STATE/made" || echo "$d" >>"$STATE/made"
done

say "building the demo's cubicle-shell, its helpers, pam_cubicle.so and cubiclectl"
# its own copy: reads the demo's config, keeps its records in $RUNDIR
make -s -C "$REPO" B="$STATE/build" SYSCONFDIR="$STATE/etc" RUNDIR="$RUNDIR" \
	LIBEXECDIR="$STATE/libexec" "$STATE/build/cubicle-shell" "$STATE/build/pam_cubicle.so" \
	"$STATE/build/cubiclectl" "$STATE/build/cubicle-init" "$STATE/build/cubicle-relay" \
	"$STATE/build/cubicle-watch"
install -m 0755 "$STATE/build/cubicle-shell" "$STATE/bin/cubicle-shell"
# the small static programs a session's long-lived processes become
install -d -m 0755 "$STATE/libexec"
install -m 0755 "$STATE/build/cubicle-init" "$STATE/build/cubicle-watch" "$STATE/libexec/"
install -m 0711 "$STATE/build/cubicle-relay" "$STATE/libexec/"
setcap "$(sed -n 's/^SHELL_CAPS *= *//p' "$REPO/Makefile")" "$STATE/bin/cubicle-shell"
install -m 0644 "$STATE/build/pam_cubicle.so" "$STATE/bin/pam_cubicle.so"
install -m 0755 "$STATE/build/cubiclectl" "$CTL"

# ---- the user, its key, its rootfs, the config --------------------------------

if id -u "$DEMO_USER" >/dev/null 2>&1; then
	[ "$(getent passwd "$DEMO_USER" | cut -d: -f7)" == "$STATE/bin/cubicle-shell" ] ||
		usermod -s "$STATE/bin/cubicle-shell" "$DEMO_USER"
else
	useradd -m -d "/home/$DEMO_USER" -s "$STATE/bin/cubicle-shell" "$DEMO_USER"
fi
home=/home/$DEMO_USER
echo "hello from the host's $home" >"$home/README"
[ -f "$KEY" ] || ssh-keygen -q -t ed25519 -N '' -C "$DEMO_USER demo key" -f "$KEY"
install -d -m 0700 -o "$DEMO_USER" -g "$(id -g "$DEMO_USER")" "$home/.ssh"
install -m 0600 -o "$DEMO_USER" -g "$(id -g "$DEMO_USER")" "$KEY.pub" "$home/.ssh/authorized_keys"
chown "$DEMO_USER:" "$home/README"

rootfs=$STATE/rootfs/$DEMO_USER
if [ ! -x "$rootfs/bin/busybox" ]; then
	say "making a busybox rootfs in $rootfs"
	rm -rf --one-file-system "$rootfs"
	extra=()
	# the server sides of sftp, scp and rsync, where mkrootfs.sh can add them
	if "$REPO/tests/mkrootfs.sh" -h | grep -q -- '-x PROGRAM'; then
		for x in "$SFTP_SERVER" /usr/bin/scp /usr/bin/rsync; do
			[ ! -x "$x" ] || extra+=(-x "$x")
		done
	fi
	"$REPO/tests/mkrootfs.sh" -u "$DEMO_USER" -n "$DEMO_HOST" "${extra[@]}" "$rootfs"
fi

cgroot=$(cg_choose_root)
cat >"$STATE/etc/cubicle/cubicle.conf" <<EOF
# cubicle demo config (scripts/demo.sh)
[default]
isolate = no

[user:$DEMO_USER]
isolate         = yes
rootfs          = $STATE/rootfs/%u
hostname        = $DEMO_HOST
shell           = /bin/sh
home            = %h
tmp_size        = 64M
stop_timeout    = 2
memory_max      = 512M
pids_max        = 256
# every login through pam_cubicle: the demo's sshd has it in its PAM stack
require_session = yes
cgroup_root     = $cgroot
EOF
chmod 0644 "$STATE/etc/cubicle/cubicle.conf"

# ---- the private sshd -------------------------------------------------------

[ -f "$STATE/ssh/host_ed25519_key" ] ||
	ssh-keygen -q -t ed25519 -N '' -C "cubicle demo host key" -f "$STATE/ssh/host_ed25519_key"
printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$STATE/ssh/host_ed25519_key.pub")" \
	>"$STATE/ssh/known_hosts"
cat >"$STATE/sshd_config" <<EOF
# the cubicle demo's sshd (scripts/demo.sh); the host's sshd is not involved
Port $PORT
ListenAddress 127.0.0.1
HostKey $STATE/ssh/host_ed25519_key
PidFile $STATE/sshd.pid
UsePAM yes
AllowUsers $DEMO_USER
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
UseDNS no
PrintMotd no
X11Forwarding no
AllowAgentForwarding yes
AllowTcpForwarding yes
# the external sftp-server runs inside the container (internal-sftp would not)
Subsystem sftp $SFTP_SERVER
EOF
chmod 0644 "$STATE/sshd_config"

rm -rf "$STATE/pam.d"
cp -a /etc/pam.d "$STATE/pam.d"
[ -z "$(tail -c1 "$STATE/pam.d/sshd")" ] || echo >>"$STATE/pam.d/sshd"
printf 'session required %s config=%s\n' "$STATE/bin/pam_cubicle.so" \
	"$STATE/etc/cubicle/cubicle.conf" >>"$STATE/pam.d/sshd"

"$CTL" check --config "$STATE/etc/cubicle/cubicle.conf" --user "$DEMO_USER" \
	--sshd-config "$STATE/sshd_config" >/dev/null
"$SSHD" -t -f "$STATE/sshd_config"

if [ -n "$(sshd_pid)" ]; then
	say "restarting the demo's sshd"
	stop_sshd
fi
# 127.0.0.1:2222 must be free now (in /proc/net/tcp: 0100007F:08AE, or
# 00000000:08AE, listening: 0A)
if awk -v p="$(printf ':%04X' "$PORT")" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { f = 1 }
	END { exit !f }' /proc/net/tcp; then
	die "port $PORT is in use by another program; stop it, or run sudo make demo-clean"
fi

say "starting the demo's sshd on 127.0.0.1:$PORT"
[ -d /run/sshd ] || mkdir -m 0755 /run/sshd # sshd's privilege separation directory
install -m 0644 /dev/null "$STATE/sshd.log"
rm -f "$STATE/sshd.pid"
# In a mount namespace of its own: the PAM copy over /etc/pam.d, empty login
# records over the host's. sshd then detaches and writes its pid file.
# shellcheck disable=SC2016 # expanded by that sh
unshare --mount --propagation private -- sh -c '
	set -e
	mount --bind "$1/pam.d" /etc/pam.d
	for f in /var/run/utmp /var/log/wtmp /var/log/btmp /var/log/lastlog; do
		f=$(readlink -f "$f") || continue
		[ -f "$f" ] || continue
		: >"$1/logrec.${f##*/}"
		mount --bind "$1/logrec.${f##*/}" "$f"
	done
	exec "$2" -f "$1/sshd_config" -E "$1/sshd.log"' sh "$STATE" "$SSHD" ||
	die "sshd did not start: $(tail -n 5 "$STATE/sshd.log")"
for _ in $(seq 50); do
	[ -z "$(sshd_pid)" ] || break
	sleep 0.1
done
pid=$(sshd_pid)
[ -n "$pid" ] || die "sshd did not start: $(tail -n 5 "$STATE/sshd.log")"
readlink "/proc/$pid/ns/mnt" >>"$STATE/sshd.mntns"

# ---- log in over SSH --------------------------------------------------------

ssh_opts=(-i "$KEY" -p "$PORT" -o IdentitiesOnly=yes -o UserKnownHostsFile="$STATE/ssh/known_hosts")
ssh_run=(ssh -F /dev/null "${ssh_opts[@]}" -o BatchMode=yes -o StrictHostKeyChecking=yes
	-o ConnectTimeout=10 -o ControlPath="$STATE/ssh/control")
dest=$DEMO_USER@127.0.0.1

# The same questions, asked on the host (as root) and in the session.
view=$(
	cat <<'EOF'
echo "hostname: $(hostname)"
echo "I am:     $(id)"
echo "processes: $(ls -d /proc/[0-9]* 2>/dev/null | wc -l)"
ps -e -o pid,comm | head -n 7
echo "mounts: $(wc -l </proc/self/mountinfo)"
awk '{ for (i = 7; $i != "-"; i++) ; print "  " $5, $(i + 1) }' /proc/self/mountinfo | head -n 16
echo "capabilities:"
grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status
echo "home: $HOME $(cat ~/README 2>/dev/null)"
EOF
)

# One connection (a control master) for the whole transcript: the container
# belongs to its PAM session, and every command over it runs in it.
say "logging in: ssh $dest -p $PORT   (its login shell is cubicle-shell)"
rm -f "$STATE/ssh/control"
"${ssh_run[@]}" -M -o ControlPersist=no -f -N "$dest" ||
	die "the SSH login failed; the sshd's log: $STATE/sshd.log:
$(tail -n 10 "$STATE/sshd.log")"
end_master() {
	"${ssh_run[@]}" -O exit "$dest" >/dev/null 2>&1 || true
}
trap end_master EXIT

host_out=$(sh -c "$view" 2>&1)
set +e
box_out=$("${ssh_run[@]}" "$dest" "$view" 2>&1)
rc=$?
set -e
[ $rc -eq 0 ] || {
	printf '%s\n' "$box_out"
	die "the command over SSH failed (exit $rc); the sshd's log: $STATE/sshd.log"
}

say "$(printf '%-58s %s' 'THE HOST (root)' "THE SESSION ($DEMO_USER over SSH)")"
paste <(printf '%s\n' "$host_out" | expand | cut -c1-56) <(printf '%s\n' "$box_out" | expand | cut -c1-62) |
	awk -F '\t' '{ printf "%-58s %s\n", $1, $2 }'
echo
say "The session, seen from the host: $CTL list"
"$CTL" list --run-dir "$RUNDIR" | sed 's/^/  /'
# this login's session: the leaf of <cgroup_root>/<user>/<id> it runs in
sid=$("${ssh_run[@]}" "$dest" 'cat /proc/self/cgroup' |
	awk -F/ -v u="$DEMO_USER" '$(NF - 1) == u { print $NF; exit }')
[ -n "$sid" ] || die "the session runs in no cgroup of $cgroot/$DEMO_USER"
leaf=$cgroot/$DEMO_USER/$sid
echo "  its cgroup: $leaf"
session_pids=()
for m in $(cg_mounts); do
	if [ -f "$m$leaf/cgroup.procs" ]; then
		mapfile -t session_pids <"$m$leaf/cgroup.procs"
		break
	fi
done

end_master
trap - EXIT

# What is left of that session: processes (but zombies, which hold nothing and
# wait for the host's init to collect them), its record, its cgroups.
left_procs() {
	local pid
	for pid in "${session_pids[@]}"; do
		[ -e "/proc/$pid" ] && [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" != Z ] &&
			printf '%s %s ' "$pid" "$(cat "/proc/$pid/comm" 2>/dev/null)"
	done
	return 0
}
left_record() { [ ! -e "$RUNDIR/sessions/$sid" ] || echo "$RUNDIR/sessions/$sid"; }
left_cgroups() {
	local m
	for m in $(cg_mounts); do [ ! -d "$m$leaf" ] || printf '%s ' "$m$leaf"; done
}
for _ in $(seq 50); do
	[ -n "$(left_procs)$(left_record)$(left_cgroups)" ] || break
	sleep 0.1
done
echo
say "After logout: nothing of the session is left on the host"
left=$(left_procs)
echo "  its processes (${#session_pids[@]} while logged in): ${left:-none left}"
left=$(left_record)
echo "  its session record:           ${left:-none left}"
left=$(left_cgroups)
echo "  its cgroups:                  ${left:-none left}"

echo
say "Try it yourself (the demo's sshd keeps running, pid $pid):"
echo "  an interactive login into the container:"
printf '    sudo ssh %s%s\n' "$(printf '%q ' "${ssh_opts[@]}")" "$dest"
echo "  its session, seen from the host:"
echo "    sudo $CTL list"
if [ -x "$rootfs$SFTP_SERVER" ]; then
	echo "  files (sftp, scp and rsync -e ssh work the same way; they land in the container):"
	printf '    sudo sftp -P %s -o IdentityFile=%s -o UserKnownHostsFile=%s %s\n' "$PORT" "$KEY" \
		"$STATE/ssh/known_hosts" "$dest"
fi
echo "  stop that sshd and remove the demo user, $STATE and the rest:"
echo "    sudo make demo-clean"
