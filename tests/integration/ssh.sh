# shellcheck shell=bash
# SPDX-License-Identifier: MIT
#
# ssh.sh — sourced by the end-to-end tests (test_ssh_*.sh) after lib.sh:
# a private sshd (Debian's openssh-server) on 127.0.0.1 with pam_cubicle in
# its PAM stack, and the clients (ssh, scp, sftp, rsync) pointed at it.
#
#     . "$(dirname "$0")/lib.sh"
#     . "$(dirname "$0")/ssh.sh"
#     ct_begin
#     ct_need_shell
#     ssh_begin                     # checks the programs, installs the stop trap
#     ssh_user_add U [--tools]      # ct_user_add, cubicle-shell as login shell, key
#     ssh_conf                      # the config: sessions required, CT_CGROOT
#     ssh_start                     # sshd at a free port; SSH_PORT, SSH_PID
#     ssh_run "$U" 'hostname'       # CT_RC, CT_OUT, CT_ERR as ct_run sets them
#
# The sshd (SSH_DIR=$CT_W/ssh):
#   - runs in a mount namespace of its own (unshare --mount) in which a copy
#     of the host's /etc/pam.d, with `session required pam_cubicle.so
#     config=$CT_CONF` appended to its sshd file, is bound over /etc/pam.d
#     (pam_cubicle is the test build, CT_MODULE, reading the test config,
#     CT_CONF), empty files are bound over wtmp, btmp and lastlog, and a
#     /run/sshd of its own is made when the host has none: the host's PAM
#     files, /run and login records are never written (see _SSH_NS_SETUP);
#   - has its own config (SSH_DIR/sshd_config), host key, pid file and log
#     (SSH_DIR/sshd.log, ssh_log shows its tail), listens on 127.0.0.1 only,
#     at a port found free (another one is tried when the bind fails);
#   - takes public keys only, from SSH_DIR/authorized/USER (nobody else can
#     log in), the external sftp-server for the sftp subsystem;
#   - is stopped by pid, with every per-connection sshd of its namespace
#     (SIGTERM, so that PAM closes their sessions, then SIGKILL), by the
#     test's EXIT trap before the harness checks the host — also when the
#     test fails.
#
# The clients run as root with a config of their own (-F /dev/null), one
# client key (SSH_DIR/id), no known_hosts, no agent, no multiplexing (the
# options a caller gives come first, and for ssh the first value wins):
#   ssh_argv USER [SSH-OPTION...]    SSH_ARGV: the exact ssh argv up to the
#                                    destination; append the command
#   ssh_cmdline [SSH-OPTION...]      the ssh command without destination as one
#                                    quoted string (rsync -e, expect)
#   ssh_scp_argv / ssh_sftp_argv [OPTION...]   SCP_ARGV / SFTP_ARGV (no
#                                    destination: scp FILES U@127.0.0.1:PATH)
#   ssh_run USER [SSH-OPTION...] [--] COMMAND  ssh USER@127.0.0.1 COMMAND, stdin
#                                    inherited (the test's: /dev/null), under
#                                    timeout CT_TIMEOUT; CT_RC, CT_OUT, CT_ERR
#   ssh_spawn USER [SSH-OPTION...] [--] COMMAND   the same in the background:
#                                    CT_PID, CT_SPAWN_OUT/ERR; then ct_wait
#   ssh_script USER [SSH-OPTION...] [-- COMMAND...]   a script that execs ssh,
#                                    for expect's spawn (ssh -tt: a pty login)
#   ssh_rsync_e [SSH-OPTION...]      the value for rsync -e
#   ssh_master_start USER NAME       a ControlMaster/ControlPersist connection
#                                    in the background; SSH_MUX: the options
#                                    that run a command through it (ssh_mux NAME)
#   ssh_agent_start                  an ssh-agent holding the client key, at
#                                    SSH_AUTH_SOCK_TEST (for ssh -A)
# Masters and the agent are stopped by ssh_stop too.
#
# Sessions on the host (ssh_sessions_left, ssh_wait_gone, ssh_assert_gone):
# the records in CT_RUN/sessions, the cgroups under CT_CGROOT in every
# hierarchy, the processes of the test users.
# Variables named SSH_* are for the tests that source this file.
# shellcheck disable=SC2034

SSH_DIR=''
SSH_PORT=''
SSH_PID=''
SSH_MNTNS=''
SSH_AGENT_PID=''
SSH_MASTER_PIDS=()
SSH_AUTH_SOCK_TEST=''
SSH_SFTP_SERVER=/usr/lib/openssh/sftp-server
# what --tools puts into a rootfs: the server sides of scp -O, sftp and rsync,
# and ssh-add for the agent test
SSH_TOOLS=(/usr/lib/openssh/sftp-server /usr/bin/scp /usr/bin/rsync /usr/bin/ssh-add)

# ssh_begin: after ct_begin. Checks the programs (a missing one skips the
# test; CI=true makes that a failure), makes SSH_DIR, the host and client
# keys, and chains the sshd stop in front of the harness's EXIT trap.
ssh_begin() {
	local p
	for p in /usr/sbin/sshd:openssh-server ssh:openssh-client scp:openssh-client \
		sftp:openssh-client ssh-keygen:openssh-client ssh-agent:openssh-client \
		ssh-add:openssh-client rsync:rsync expect:expect unshare:util-linux; do
		ct_need_cmd "${p%%:*}" "${p#*:}"
	done
	[ -x "$SSH_SFTP_SERVER" ] || ct_skip "$SSH_SFTP_SERVER not installed (apt-get install openssh-sftp-server)"
	SSH_DIR=$CT_W/ssh
	mkdir -m 0755 "$SSH_DIR" "$SSH_DIR/authorized"
	ssh-keygen -q -t ed25519 -N '' -C cubicle-test-host -f "$SSH_DIR/hostkey"
	ssh-keygen -q -t ed25519 -N '' -C cubicle-test-client -f "$SSH_DIR/id"
	trap '_ssh_on_exit' EXIT
}

_ssh_status() { return "$1"; }

# The script (sh, $1 = SSH_DIR) that readies sshd's mount namespace and execs
# it: the PAM files with pam_cubicle bound over /etc/pam.d; empty files bound
# over the login records (wtmp, btmp, lastlog). When the host has no
# /run/sshd (sshd's privilege separation directory), this sshd gets one of
# its own: a tmpfs over /run holding it and, bound back, every entry of the
# host's /run with whatever is mounted below it (a test run of the installed
# package binds its records directory over /run/cubicle). Nothing of the
# host's /etc/pam.d, /run or /var/log is written.
# shellcheck disable=SC2016 # expanded by that sh
_SSH_NS_SETUP='set -e
mount --bind "$1/pam.d" /etc/pam.d
if [ ! -d /run/sshd ]; then
	mkdir -p "$1/run.host"
	mount --rbind /run "$1/run.host"
	mount -t tmpfs -o mode=0755,nosuid,nodev,size=16m cubicle-test-run /run
	for e in "$1"/run.host/* "$1"/run.host/.[!.]*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		n=/run/${e##*/}
		# (/run/mount: util-linux has made its own meanwhile)
		if [ -e "$n" ] || [ -L "$n" ]; then
			continue
		elif [ -L "$e" ]; then
			cp -P "$e" "$n"
		elif [ -d "$e" ]; then
			mkdir "$n"
			mount --rbind "$e" "$n"
		else
			: >"$n"
			mount --bind "$e" "$n"
		fi
	done
	umount -l "$1/run.host"
	mkdir -m 0755 /run/sshd
fi
for f in /var/log/wtmp /var/log/btmp /var/log/lastlog; do
	[ -f "$f" ] || continue
	: >"$1/${f##*/}"
	mount --bind "$1/${f##*/}" "$f"
done
exec /usr/sbin/sshd -D -e -f "$1/sshd_config"'

# The test's EXIT trap: stop sshd (and the agent), then the harness's checks
# and cleanup (_ct_end reads the test's exit status from $?).
_ssh_on_exit() {
	local rc=$?
	set +eE
	trap - ERR
	ssh_stop
	_ssh_status "$rc"
	_ct_end
}

# ssh_user_add VAR [--tools] [-x PROGRAM]... [PREFIX]: ct_user_add, then
# cubicle-shell as the login shell and the client key authorized. --tools:
# the rootfs also carries SSH_TOOLS; -x: PROGRAM too (mkrootfs.sh -x).
ssh_user_add() {
	local var=$1 name dir out x
	shift
	local -a extra=()
	while [ $# -gt 0 ]; do
		case $1 in
		--tools) extra+=("${SSH_TOOLS[@]}") && shift ;;
		-x) extra+=("$2") && shift 2 ;;
		*) break ;;
		esac
	done
	ct_user_add "$var" "$@"
	name=${!var}
	if [ ${#extra[@]} -gt 0 ]; then
		local -a xopts=()
		for x in "${extra[@]}"; do xopts+=(-x "$x"); done
		dir=$CT_ROOT/rootfs/$name
		_ct_umount_under "$dir"
		_ct_rm_tree "$dir"
		out=$("$CT_REPO/tests/mkrootfs.sh" -p "$CT_PROBE" -u "$name" "${xopts[@]}" "$dir" 2>&1) ||
			ct_bail "mkrootfs.sh ${xopts[*]} $dir: $out"
		printf '%s\n' "$name" >"$dir/etc/cubicle-test-rootfs"
	fi
	out=$(usermod -s "$CT_SHELL" -- "$name" 2>&1) || ct_bail "usermod -s $CT_SHELL $name: $out"
	install -m 0644 "$SSH_DIR/id.pub" "$SSH_DIR/authorized/$name"
}

# ssh_conf [LINE...]: the harness's default section with sessions required
# and cgroup_root = CT_CGROOT, plus LINEs.
ssh_conf() {
	{
		ct_conf_default_text | sed 's/^require_session = no$/require_session = yes/'
		printf 'cgroup_root = %s\n' "$CT_CGROOT"
		[ $# -eq 0 ] || printf '%s\n' "$@"
	} | ct_conf
}

# A TCP port on 127.0.0.1 that nothing uses now (sshd's bind decides; see
# ssh_start).
_ssh_free_port() {
	ct_free_port || ct_bail "no free TCP port found"
}

# ssh_start [SSHD-CONFIG-LINE...]: writes the config (LINEs first: for sshd
# too the first value wins) and starts sshd; returns when it listens.
ssh_start() {
	local d=$SSH_DIR tries
	[ -n "$d" ] || ct_bail "ssh_start before ssh_begin"
	[ -z "$SSH_PID" ] || ct_bail "ssh_start: sshd already runs ($SSH_PID)"
	if [ ! -d "$d/pam.d" ]; then
		mkdir -m 0755 "$d/pam.d"
		cp -a /etc/pam.d/. "$d/pam.d/"
		printf 'session required %s config=%s\n' "$CT_MODULE" "$CT_CONF" >>"$d/pam.d/sshd"
	fi
	for tries in 1 2 3 4 5; do
		SSH_PORT=$(_ssh_free_port)
		{
			[ $# -eq 0 ] || printf '%s\n' "$@"
			cat <<EOF
Port $SSH_PORT
ListenAddress 127.0.0.1
AddressFamily inet
HostKey $d/hostkey
PidFile $d/sshd.pid
UsePAM yes
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $d/authorized/%u
StrictModes no
PermitRootLogin no
UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups 200
MaxSessions 50
LoginGraceTime 30
X11Forwarding no
AllowAgentForwarding yes
AllowTcpForwarding yes
PermitUserRC yes
LogLevel VERBOSE
Subsystem sftp $SSH_SFTP_SERVER
EOF
		} >"$d/sshd_config"
		rm -f -- "$d/sshd.pid"
		echo "# sshd on 127.0.0.1:$SSH_PORT" >>"$d/sshd.log"
		unshare --mount --propagation private -- /bin/sh -c "$_SSH_NS_SETUP" sh "$d" \
			</dev/null >>"$d/sshd.log" 2>&1 &
		SSH_PID=$!
		# the pid file is written once the listening socket is bound
		if _ssh_wait_started; then
			SSH_MNTNS=$(readlink "/proc/$SSH_PID/ns/mnt")
			[ "$SSH_MNTNS" != "$(readlink /proc/self/ns/mnt)" ] ||
				ct_bail "sshd is not in a mount namespace of its own"
			ct_diag "sshd $SSH_PID on 127.0.0.1:$SSH_PORT"
			return 0
		fi
		kill -KILL "$SSH_PID" 2>/dev/null || true
		wait "$SSH_PID" 2>/dev/null || true
		SSH_PID=''
		sed -n "/^# sshd on 127.0.0.1:$SSH_PORT\$/,\$p" "$d/sshd.log" |
			grep -q 'Address already in use' || break
	done
	ct_bail "sshd did not start (try $tries): $(tail -n 5 "$d/sshd.log")"
}

# Polls (10 s) until sshd wrote its pid file; false when it died or took too long.
_ssh_wait_started() {
	local deadline=$((SECONDS + 10))
	while ct_alive "$SSH_PID" && [ "$SECONDS" -lt "$deadline" ]; do
		if [ -s "$SSH_DIR/sshd.pid" ] && [ "$(cat "$SSH_DIR/sshd.pid")" == "$SSH_PID" ]; then
			return 0
		fi
		sleep 0.02
	done
	return 1
}

# Pids of the processes in sshd's mount namespace: the listener and the
# per-connection sshd processes (their users' shells are in the containers).
_ssh_ns_pids() {
	local dir
	[ -n "$SSH_MNTNS" ] || return 0
	for dir in /proc/[0-9]*; do
		[ "$(readlink "$dir/ns/mnt" 2>/dev/null)" != "$SSH_MNTNS" ] || echo "${dir#/proc/}"
	done
}

# ssh_stop: stops the agent and sshd by pid, then every per-connection sshd
# of its namespace (SIGTERM, which closes their PAM sessions; SIGKILL after
# 5 s). Idempotent.
ssh_stop() {
	local pids
	if [ ${#SSH_MASTER_PIDS[@]} -gt 0 ]; then
		kill -TERM "${SSH_MASTER_PIDS[@]}" 2>/dev/null || true
		SSH_MASTER_PIDS=()
	fi
	if [ -n "$SSH_AGENT_PID" ]; then
		kill -TERM "$SSH_AGENT_PID" 2>/dev/null || true
		wait "$SSH_AGENT_PID" 2>/dev/null || true
		SSH_AGENT_PID=''
	fi
	if [ -n "$SSH_PID" ]; then
		kill -TERM "$SSH_PID" 2>/dev/null || true
		ct_poll 5 eval '! ct_alive "$SSH_PID"' || kill -KILL "$SSH_PID" 2>/dev/null || true
		wait "$SSH_PID" 2>/dev/null || true
		SSH_PID=''
	fi
	pids=$(_ssh_ns_pids)
	if [ -n "$pids" ]; then
		# shellcheck disable=SC2086 # a list of pids
		kill -TERM $pids 2>/dev/null || true
		ct_poll 5 eval '[ -z "$(_ssh_ns_pids)" ]' || true
		pids=$(_ssh_ns_pids)
		# shellcheck disable=SC2086
		[ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
	fi
	SSH_MNTNS=''
}

# ssh_log [LINES]: the tail of sshd's log as diagnostics.
ssh_log() {
	ct_diag "sshd log (tail):"
	tail -n "${1:-20}" "$SSH_DIR/sshd.log" 2>/dev/null | cat -v | sed 's/^/    #   /' || true
}

# ---- clients -------------------------------------------------------------

# The options every client gets (after the caller's: the first value wins).
_ssh_common_opts() {
	SSH_OPTS=(-F /dev/null -i "$SSH_DIR/id"
		-o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
		-o GlobalKnownHostsFile=/dev/null -o CheckHostIP=no -o LogLevel=ERROR
		-o ControlMaster=no -o ControlPath=none -o ForwardAgent=no -o ForwardX11=no
		-o AddressFamily=inet -o ConnectTimeout=10 -o ConnectionAttempts=1)
}

# ssh_argv USER [SSH-OPTION...]: SSH_ARGV, the exact ssh command line up to
# and including the destination USER@127.0.0.1.
ssh_argv() {
	local user=$1
	shift
	_ssh_common_opts
	SSH_ARGV=(ssh "$@" "${SSH_OPTS[@]}" -p "$SSH_PORT" "$user@127.0.0.1")
}

# ssh_cmdline [SSH-OPTION...]: the ssh command without a destination, quoted
# for a shell (and for rsync -e, which splits it the same way).
ssh_cmdline() {
	local out
	_ssh_common_opts
	printf -v out '%q ' ssh "$@" "${SSH_OPTS[@]}" -p "$SSH_PORT"
	printf '%s\n' "${out% }"
}

# ssh_scp_argv [SCP-OPTION...]: SCP_ARGV, scp with the clients' options;
# add sources and target (USER@127.0.0.1:PATH).
ssh_scp_argv() {
	_ssh_common_opts
	SCP_ARGV=(scp "$@" "${SSH_OPTS[@]}" -P "$SSH_PORT")
}

# ssh_sftp_argv USER [SFTP-OPTION...]: SFTP_ARGV up to the destination.
ssh_sftp_argv() {
	local user=$1
	shift
	_ssh_common_opts
	SFTP_ARGV=(sftp "$@" "${SSH_OPTS[@]}" -P "$SSH_PORT" "$user@127.0.0.1")
}

# ssh_rsync_e [SSH-OPTION...]: the value for rsync's -e.
ssh_rsync_e() {
	ssh_cmdline "$@"
}

# Splits "USER [SSH-OPTION...] [--] COMMAND" into SSH_ARGV and _SSH_CMD.
_ssh_split() {
	local user=$1
	shift
	local -a opts=()
	while [ $# -gt 1 ]; do
		if [ "$1" == -- ]; then
			shift
			break
		fi
		opts+=("$1")
		shift
	done
	[ $# -eq 1 ] || ct_bail "ssh_run/ssh_spawn: USER [SSH-OPTION...] [--] COMMAND"
	_SSH_CMD=$1
	ssh_argv "$user" "${opts[@]}"
	CT_LAST_DESC="ssh $user@127.0.0.1${opts[*]:+ ${opts[*]}} $(printf '%q' "$_SSH_CMD")"
	CT_LAST_DESC=${CT_LAST_DESC:0:300}
}

# ssh_run USER [SSH-OPTION...] [--] COMMAND: ssh USER@127.0.0.1 COMMAND with
# stdin inherited, under timeout CT_TIMEOUT (124 then). CT_RC, CT_OUT, CT_ERR.
ssh_run() {
	_ssh_split "$@"
	CT_RC=0
	timeout -k 5 "$CT_TIMEOUT" "${SSH_ARGV[@]}" "$_SSH_CMD" >"$CT_W/out" 2>"$CT_W/err" || CT_RC=$?
	_ct_read_output "$CT_W/out" "$CT_W/err"
}

# ssh_spawn USER [SSH-OPTION...] [--] COMMAND: ssh_run in the background
# (stdin /dev/null). CT_PID (the ssh client), CT_SPAWN_OUT, CT_SPAWN_ERR;
# wait for it with ct_wait.
ssh_spawn() {
	_ssh_split "$@"
	CT_SPAWN_N=$((CT_SPAWN_N + 1))
	CT_SPAWN_OUT=$CT_W/spawn$CT_SPAWN_N.out
	CT_SPAWN_ERR=$CT_W/spawn$CT_SPAWN_N.err
	: >"$CT_SPAWN_OUT"
	: >"$CT_SPAWN_ERR"
	"${SSH_ARGV[@]}" "$_SSH_CMD" </dev/null >>"$CT_SPAWN_OUT" 2>>"$CT_SPAWN_ERR" &
	CT_PID=$!
}

# ssh_master_start USER NAME [SSH-OPTION...]: a multiplexing master
# connection of USER (ControlMaster=yes, ControlPersist=yes, -f -N) on the
# socket SSH_DIR/cm-NAME, in the background. SSH_MASTER_PID: its pid (also
# kept for ssh_stop, which ends it); SSH_MUX: the options that send a client
# through it (ssh_run "$U" "${SSH_MUX[@]}" -- CMD).
ssh_master_start() {
	local user=$1 name=$2 rc=0
	shift 2
	local path=$SSH_DIR/cm-$name
	ssh_argv "$user" -o ControlMaster=yes -o ControlPersist=yes -o "ControlPath=$path" -f -N "$@"
	timeout -k 5 "$CT_TIMEOUT" "${SSH_ARGV[@]}" </dev/null >>"$SSH_DIR/cm-$name.log" 2>&1 || rc=$?
	[ "$rc" == 0 ] || ct_bail "ssh master $name of $user: exit $rc: $(cat "$SSH_DIR/cm-$name.log")"
	SSH_MUX=(-o "ControlPath=$path" -o ControlMaster=no)
	ssh_argv "$user" "${SSH_MUX[@]}" -O check
	SSH_MASTER_PID=$("${SSH_ARGV[@]}" 2>&1 | sed -n 's/^Master running (pid=\([0-9]*\)).*/\1/p')
	[ -n "$SSH_MASTER_PID" ] || ct_bail "ssh master $name of $user: ssh -O check finds none"
	SSH_MASTER_PIDS+=("$SSH_MASTER_PID")
}

# ssh_mux NAME: SSH_MUX for the master NAME.
ssh_mux() {
	SSH_MUX=(-o "ControlPath=$SSH_DIR/cm-$1" -o ControlMaster=no)
}

# ssh_agent_start: an ssh-agent (as root, socket in SSH_DIR) holding the
# client key; SSH_AUTH_SOCK_TEST names its socket. Stopped by ssh_stop.
ssh_agent_start() {
	local out
	SSH_AUTH_SOCK_TEST=$SSH_DIR/agent.sock
	out=$(ssh-agent -s -a "$SSH_AUTH_SOCK_TEST" </dev/null 2>&1) || ct_bail "ssh-agent: $out"
	SSH_AGENT_PID=$(sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p' <<<"$out")
	[ -n "$SSH_AGENT_PID" ] || ct_bail "ssh-agent: no pid in: $out"
	out=$(SSH_AUTH_SOCK=$SSH_AUTH_SOCK_TEST ssh-add "$SSH_DIR/id" 2>&1) || ct_bail "ssh-add: $out"
}

# ---- sessions on the host ---------------------------------------------------

# ssh_sessions_left [USER...]: one line per thing of a session still on the
# host: session records, cgroups under CT_CGROOT (of USERs, default all),
# live processes of USERs (default every test user), sshd's per-connection
# processes. Empty: all gone.
ssh_sessions_left() {
	local m u pid
	local -a users=("$@")
	[ $# -gt 0 ] || users=("${CT_USERS[@]}")
	find "$CT_RUN/sessions" -mindepth 1 -maxdepth 1 2>/dev/null | sed 's/^/record /' || true
	while read -r m; do
		for u in "${users[@]}"; do
			[ ! -e "$m$CT_CGROOT/$u" ] ||
				{ find "$m$CT_CGROOT/$u" -type d 2>/dev/null || true; } | sed 's/^/cgroup /'
		done
	done < <(ct_cgroup_mounts)
	for u in "${users[@]}"; do
		ct_user_live_procs "$u" | sed "s/^/process of $u: /"
	done
	# sshd's per-connection processes (root's, in its namespace)
	for pid in $(_ssh_ns_pids); do
		[ "$pid" == "$SSH_PID" ] || [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" == Z ] ||
			echo "sshd process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	done
}

# ssh_wait_gone SECONDS [USER...]: polls until ssh_sessions_left is empty;
# SSH_LEFT holds what is left (empty on success), SSH_GONE_MS how long it took.
ssh_wait_gone() {
	local secs=$1 t0
	shift
	t0=$(ct_now_ms)
	SSH_LEFT=$(ssh_sessions_left "$@")
	while [ -n "$SSH_LEFT" ] && [ $(($(ct_now_ms) - t0)) -lt $((secs * 1000)) ]; do
		sleep 0.05
		SSH_LEFT=$(ssh_sessions_left "$@")
	done
	SSH_GONE_MS=$(($(ct_now_ms) - t0))
	[ -z "$SSH_LEFT" ]
}

# ssh_assert_gone DESCRIPTION [SECONDS] [USER...]: within SECONDS (default 5),
# no record, cgroup or process of the sessions is left.
ssh_assert_gone() {
	local desc=$1 secs=${2:-5}
	shift $(($# >= 2 ? 2 : 1))
	local f
	if ssh_wait_gone "$secs" "$@"; then
		ct_pass "$desc (${SSH_GONE_MS} ms)"
	else
		ct_fail "$desc" "left after ${secs}s:" "$SSH_LEFT"
		for f in "$CT_RUN"/sessions/*; do
			[ ! -f "$f" ] || ct_diag "record $f: $(tr '\n' ' ' <"$f")"
		done
		ct_diag "processes in sshd's namespace and of the test users:" \
			"$(ps -o pid,ppid,user,stat,wchan:24,args -p "$(
				{ _ssh_ns_pids; for u in "${CT_USERS[@]}"; do ct_user_procs "$u"; done; } |
					awk '{ print $1 }' | tr '\n' ',' | sed 's/,$//'
			)" 2>&1 || true)"
		ssh_log 30
	fi
}

# ssh_script USER [SSH-OPTION...]: writes an executable script that execs ssh
# (ssh_argv) with TERM=xterm, for expect's spawn; prints its path. Arguments
# after a "--" are appended after the destination (a command).
ssh_script() {
	local user=$1 f
	shift
	local -a opts=() cmd=()
	while [ $# -gt 0 ]; do
		if [ "$1" == -- ]; then
			shift
			cmd=("$@")
			break
		fi
		opts+=("$1")
		shift
	done
	CT_SPAWN_N=$((CT_SPAWN_N + 1))
	f=$CT_W/spawn$CT_SPAWN_N.sh
	ssh_argv "$user" "${opts[@]}"
	{
		echo '#!/bin/bash'
		printf 'export TERM=xterm\nexec'
		printf ' %q' "${SSH_ARGV[@]}" "${cmd[@]}"
		echo
	} >"$f"
	chmod 0755 "$f"
	printf '%s\n' "$f"
}
