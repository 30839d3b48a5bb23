#!/bin/bash
# SPDX-License-Identifier: MIT
# File transfer and the rest of a login through Debian's OpenSSH
# (tests/integration/ssh.sh): scp both ways (SFTP protocol, the default, and
# the legacy protocol, scp -O, whose server side is the rootfs's scp), sftp
# (the external sftp-server the rootfs carries, run by cubicle-shell in the
# container), rsync -e ssh both ways; what is written lands in the user's
# home or in the rootfs, never elsewhere on the host; ~/.ssh/rc runs in the
# container; a forwarded agent (ssh -A) works inside. And `cubiclectl check`
# warns about internal-sftp, which runs inside sshd, outside any container.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=ssh.sh
. "$(dirname "$0")/ssh.sh"
ct_begin
ct_need_shell
ssh_begin
ssh_user_add U --tools
ssh_conf
ssh_start
home=$(getent passwd "$U" | cut -d: -f6)
rootfs=$(ct_rootfs "$U")
dest=$U@127.0.0.1
tag=ct-$$-$RANDOM

# assert_landed NAME PATH-IN-CONTAINER HOST-PATH DESCRIPTION: a file NAME the
# test sent, as the user, at HOST-PATH, and at none of the places outside
# the container a transfer run on the host would have put it.
assert_landed() {
	local name=$1 inside=$2 host=$3 desc=$4 problems=() f
	if ! cmp -s "$CT_W/$name" "$host"; then
		problems+=("$host: $(stat -c '%s bytes, %U' -- "$host" 2>&1) (not the file sent)")
	elif [ "$(stat -c %U -- "$host")" != "$U" ]; then
		problems+=("$host is owned by $(stat -c %U -- "$host"), not $U")
	fi
	for f in "$inside" "/tmp/$name" "/var/tmp/$name" "/$name" "/root/$name"; do
		[ "$f" == "$host" ] || [ ! -e "$f" ] || problems+=("$f exists on the host")
	done
	if [ ${#problems[@]} -eq 0 ]; then
		ct_pass "$desc"
	else
		ct_fail "$desc" "${problems[@]}" "$(_ct_last_run)"
	fi
}

# run CMD...: runs a client command (scp, sftp, rsync) with the timeout;
# CT_RC, CT_OUT, CT_ERR.
run() {
	CT_LAST_DESC=$(printf '%q ' "$@")
	CT_LAST_DESC=${CT_LAST_DESC:0:300}
	CT_RC=0
	timeout -k 5 "$CT_TIMEOUT" "$@" >"$CT_W/out" 2>"$CT_W/err" || CT_RC=$?
	_ct_read_output "$CT_W/out" "$CT_W/err"
}

head -c 300000 /dev/urandom >"$CT_W/$tag.a"
head -c 300000 /dev/urandom >"$CT_W/$tag.b"
head -c 300000 /dev/urandom >"$CT_W/$tag.c"
head -c 300000 /dev/urandom >"$CT_W/$tag.d"

# ---- scp: the SFTP protocol (default) and the legacy one (-O) ----
ssh_scp_argv
run "${SCP_ARGV[@]}" "$CT_W/$tag.a" "$dest:"
assert_exit 0 "scp FILE host: (SFTP protocol)"
assert_landed "$tag.a" "$home/$tag.a" "$home/$tag.a" "... the file is in the user's home, the user's"
run "${SCP_ARGV[@]}" "$CT_W/$tag.b" "$dest:/var/tmp/"
assert_exit 0 "scp FILE host:/var/tmp/ (SFTP protocol)"
assert_landed "$tag.b" "/var/tmp/$tag.b" "$rootfs/var/tmp/$tag.b" \
	"... the file is in the rootfs's /var/tmp, not the host's"
run "${SCP_ARGV[@]}" "$dest:/var/tmp/$tag.b" "$CT_W/back.b"
assert_exit 0 "scp host:FILE . (SFTP protocol)"
assert_true "... the same file came back" cmp "$CT_W/$tag.b" "$CT_W/back.b"
run "${SCP_ARGV[@]}" "$dest:/etc/cubicle-test-rootfs" "$CT_W/marker"
assert_eq "$(cat "$CT_W/marker" 2>&1)" "$U" "... read from the container: /etc is the rootfs's"

ssh_scp_argv -O
run "${SCP_ARGV[@]}" "$CT_W/$tag.c" "$dest:"
assert_exit 0 "scp -O FILE host: (legacy protocol, the rootfs's scp -t)"
assert_landed "$tag.c" "$home/$tag.c" "$home/$tag.c" "... the file is in the user's home, the user's"
run "${SCP_ARGV[@]}" "$CT_W/$tag.d" "$dest:/var/tmp/"
assert_exit 0 "scp -O FILE host:/var/tmp/"
assert_landed "$tag.d" "/var/tmp/$tag.d" "$rootfs/var/tmp/$tag.d" \
	"... the file is in the rootfs's /var/tmp, not the host's"
run "${SCP_ARGV[@]}" "$dest:$tag.c" "$CT_W/back.c"
assert_exit 0 "scp -O host:FILE . (the rootfs's scp -f)"
assert_true "... the same file came back" cmp "$CT_W/$tag.c" "$CT_W/back.c"
run "${SCP_ARGV[@]}" "$CT_W/$tag.a" "$dest:/etc/"
assert_ne "$CT_RC" 0 "scp -O into the rootfs's /etc (root's) is refused"
assert_file_absent "$rootfs/etc/$tag.a" "... nothing was written there"

# ---- sftp: the external sftp-server, in the container ----
cat >"$CT_W/batch" <<EOF
pwd
put $CT_W/$tag.a sftp-put
mkdir sftp-dir
rename sftp-put sftp-dir/renamed
get sftp-dir/renamed $CT_W/sftp-back
get /etc/cubicle-test-rootfs $CT_W/sftp-marker
get /proc/1/comm $CT_W/sftp-pid1
EOF
ssh_sftp_argv "$U" -b "$CT_W/batch"
run "${SFTP_ARGV[@]}"
assert_exit 0 "sftp: a batch of pwd, put, mkdir, rename, get"
assert_grep "^Remote working directory: $home\$" "... starting in the user's home"
assert_true "... the file put is in the home on the host" cmp "$CT_W/$tag.a" "$home/sftp-dir/renamed"
assert_eq "$(stat -c %U "$home/sftp-dir/renamed" 2>&1)" "$U" "... and the user's"
assert_true "... and came back intact" cmp "$CT_W/$tag.a" "$CT_W/sftp-back"
assert_eq "$(cat "$CT_W/sftp-marker" 2>&1)" "$U" "... sftp-server sees the rootfs's /etc"
assert_eq "$(cat "$CT_W/sftp-pid1" 2>&1)" cubicle-init "... and the container's /proc: PID 1 is cubicle-init"
[ "$CT_RC" == 0 ] || ssh_log

# ---- rsync -e ssh, both ways ----
src=$CT_W/tree
mkdir -p "$src/a/b"
head -c 200000 /dev/urandom >"$src/a/b/data"
echo hello >"$src/hello"
ln -s hello "$src/link"
run rsync -a -e "$(ssh_rsync_e)" "$src/" "$dest:rsynced/"
assert_exit 0 "rsync -a -e ssh DIR/ host:DIR/ (rsync --server in the container)"
assert_true "... the tree is in the user's home on the host" diff -r --no-dereference "$src" "$home/rsynced"
assert_eq "$(find "$home/rsynced" ! -user "$U" | head -n3)" "" "... every file the user's"
echo changed >"$home/rsynced/hello"
mkdir "$CT_W/rsync-back"
run rsync -a -e "$(ssh_rsync_e)" "$dest:rsynced/" "$CT_W/rsync-back/"
assert_exit 0 "rsync -a -e ssh host:DIR/ DIR/"
assert_eq "$(cat "$CT_W/rsync-back/hello" 2>&1)" changed "... the tree came back with the change"
assert_true "... and the rest intact" diff -r "$src/a" "$CT_W/rsync-back/a"

# ---- ~/.ssh/rc runs inside the container ----
install -d -o "$U" -g "$(ct_gid "$U")" -m 0700 "$home/.ssh"
cat >"$home/.ssh/rc" <<'EOF'
{ echo "host=$(hostname)"; echo "marker=$(cat /etc/cubicle-test-rootfs)"; echo "pid1=$(cat /proc/1/comm)"; } >"$HOME/rc.out"
EOF
chown "$U:" "$home/.ssh/rc"
ssh_run "$U" 'cat "$HOME/rc.out"'
assert_exit 0 "a command with ~/.ssh/rc in place"
assert_line "host=box-$U" "\$HOME/.ssh/rc ran in the container: its hostname"
assert_line "marker=$U" "... its rootfs"
assert_line "pid1=cubicle-init" "... its PID namespace"
rm -f -- "$home/.ssh/rc" "$home/rc.out"

# ---- agent forwarding ----
ssh_agent_start
fp=$(ssh-keygen -lf "$SSH_DIR/id.pub" | awk '{ print $2 }')
ssh_run "$U" -A -o "IdentityAgent=$SSH_AUTH_SOCK_TEST" -- \
	'echo "sock=$SSH_AUTH_SOCK"; test -S "$SSH_AUTH_SOCK" && echo is-socket; ssh-add -l'
ct_diag "ssh -A: exit $CT_RC" "$CT_OUT" "$CT_ERR"
assert_grep '^sock=/' "ssh -A: SSH_AUTH_SOCK is set in the container"
assert_line is-socket "... and names a socket there"
assert_contains "$CT_OUT" "
256 $fp cubicle-test-client (ED25519)" "... ssh-add -l inside lists the key of the client's agent"
assert_exit 0 "... and exits 0"

# ---- cubiclectl check warns about internal-sftp ----
ctl=$CT_ROOT/build/cubiclectl
check() {
	CT_LAST_DESC="cubiclectl check $*"
	CT_RC=0
	"$ctl" check --config "$CT_CONF" --user "$U" "$@" >"$CT_W/out" 2>"$CT_W/err" || CT_RC=$?
	_ct_read_output "$CT_W/out" "$CT_W/err"
}
check --sshd-config "$SSH_DIR/sshd_config"
assert_exit 0 "cubiclectl check with this sshd_config (external sftp-server)"
assert_eq "$CT_ERR" "" "... says nothing about sftp"
check --sshd-config "$CT_W/no-such-sshd_config"
assert_exit 0 "cubiclectl check with a missing sshd_config"
assert_eq "$CT_ERR" "" "... says nothing"
printf 'Port 22\nsubsystem\tsftp  internal-sftp -l INFO\n' >"$CT_W/sshd_internal"
check --sshd-config "$CT_W/sshd_internal"
assert_exit 0 "cubiclectl check with Subsystem sftp internal-sftp: the status is unchanged"
assert_grep "^cubiclectl: warning: $CT_W/sshd_internal:2: .*internal-sftp" \
	"... and a warning names the file and line" "$CT_ERR"
printf 'Subsystem sftp %s\nMatch Group sftponly\n  ForceCommand internal-sftp\n' \
	"$SSH_SFTP_SERVER" >"$CT_W/sshd_force"
check --sshd-config "$CT_W/sshd_force"
assert_exit 0 "cubiclectl check with ForceCommand internal-sftp in a Match block: status unchanged"
assert_grep "^cubiclectl: warning: $CT_W/sshd_force:3: .*ForceCommand internal-sftp" \
	"... and a warning names the ForceCommand" "$CT_ERR"
check --config "$CT_W/no-such.conf" --sshd-config "$CT_W/sshd_internal"
assert_exit 1 "a broken cubicle config still fails check (exit 1)"
assert_grep 'warning: .*internal-sftp' "... and the sshd warning is still given" "$CT_ERR"

ssh_assert_gone "after the last logout: no record, cgroup or process of the sessions" 10
