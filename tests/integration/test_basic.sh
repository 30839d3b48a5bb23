#!/bin/bash
# SPDX-License-Identifier: MIT
# What a user sees inside: PID 1 is cubicle's init, only the session's
# processes, the configured hostname, no capabilities, NoNewPrivs, only fds
# 0-2, a rebuilt environment, the container's mounts, their own passwd entry.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
ct_need_shell
ct_user_add U
ct_conf_default
R=$(ct_rootfs "$U")
passwd_before=$(sha256sum "$R/etc/passwd" "$R/etc/group")
host_ns=$(readlink /proc/self/ns/mnt /proc/self/ns/pid /proc/self/ns/uts)
echo "from the host" >"/home/$U/host-file"

ct_run "$U" 'exec probe'
assert_exit 0 "probe runs inside"

# ---- processes and identity ----
assert_grep '^proc=1:' "a process 1 is visible"
assert_no_grep '^proc=1:(probe|sh)$' "process 1 is cubicle's init, not the payload"
ct_diag "process 1: $(ct_val proc | grep '^1:' || true)"
assert_ne "$(ct_val pid)" 1 "the payload is not process 1"
assert_eq "$(ct_vals proc | grep -v -e '^1:' -e ':probe$' || true)" "" \
	"no process visible but init and the payload"
assert_eq "$(ct_val zombies)" 0 "no zombies"
assert_eq "$(ct_val uid):$(ct_val euid):$(ct_val suid)" "$(ct_uid "$U"):$(ct_uid "$U"):$(ct_uid "$U")" \
	"runs with the user's uids"
assert_eq "$(ct_val gid):$(ct_val egid):$(ct_val sgid)" "$(ct_gid "$U"):$(ct_gid "$U"):$(ct_gid "$U")" \
	"runs with the user's gids"
assert_eq "$(ct_val groups)" "$(id -G "$U" | tr ' ' ',')" "supplementary groups are the user's"
assert_line "hostname=box-$U" "hostname is the configured one"
assert_line "cwd=/home/$U" "starts in the home directory"

# ---- privilege ----
for k in cap_inh cap_prm cap_eff cap_bnd cap_amb; do
	assert_line "$k=0000000000000000" "$k is empty"
done
assert_line "no_new_privs=1" "no_new_privs is set"
assert_line "fds=0,1,2" "only descriptors 0, 1 and 2 are open"
for ns in mnt pid uts; do
	assert_not_contains "$host_ns" "$(ct_val "ns_$ns")" "own $ns namespace"
done

# ---- environment ----
assert_line "env=HOME=/home/$U"
assert_line "env=USER=$U"
assert_line "env=LOGNAME=$U"
assert_line "env=SHELL=/bin/sh"
assert_grep '^env=PATH=/' "PATH is set"
assert_no_grep '^env=TERM=' "no TERM without one given"

# ---- mounts ----
mounts=$(ct_vals mount)
ct_diag "mounts inside:" "$mounts"
assert_grep '^/ [^ ]+ ([^ ]*,)?nosuid(,|$)' "the rootfs is mounted nosuid" "$mounts"
assert_grep '^/ [^ ]+ ([^ ]*,)?nodev(,|$)' "the rootfs is mounted nodev" "$mounts"
assert_grep '^/proc proc ' "/proc is a procfs" "$mounts"
assert_grep '^/tmp tmpfs ' "/tmp is a tmpfs" "$mounts"
assert_grep '^/dev tmpfs ' "/dev is a tmpfs" "$mounts"
assert_grep '^/dev/pts devpts ' "/dev/pts is a devpts" "$mounts"
assert_grep '^/dev/shm tmpfs ' "/dev/shm is a tmpfs" "$mounts"
assert_grep "^/home/$U " "the home directory is a mount" "$mounts"
assert_no_grep "$CT_ROOT|oldroot|old_root" "no trace of the host's tree" "$mounts"
assert_no_grep '^/(sys|proc/sys)[ /]' "no sysfs" "$mounts"

ct_run "$U" 'cat /etc/cubicle-test-rootfs; ls /dev; find /dev -type b; ls -l /dev/null | cut -c1'
assert_exit 0
assert_eq "$(head -n1 <<<"$CT_OUT")" "$U" "/ is the user's rootfs"
for dev in null zero full random urandom tty pts shm ptmx; do
	assert_line "$dev" "/dev/$dev exists"
done
assert_no_grep '^/dev/' "no block device in /dev"
assert_eq "$(tail -n1 <<<"$CT_OUT")" c "/dev/null is a character device"

ct_run "$U" 'head -c 4 /dev/zero | od -An -tx1; echo x >/dev/null && echo null-ok;
	head -c 16 /dev/urandom | wc -c; echo x >/dev/full || echo full-fails'
assert_eq "$CT_OUT" "$(printf ' 00 00 00 00\nnull-ok\n16\nfull-fails')" "the devices work"

# ---- home, /tmp, passwd ----
ct_run "$U" "cat /home/$U/host-file; echo inside >/home/$U/inside-file; echo t >/tmp/t; cat /tmp/t"
assert_eq "$CT_OUT" "$(printf 'from the host\nt')" "home bound from the host, /tmp writable"
assert_eq "$(cat "/home/$U/inside-file" 2>&1)" inside "a file written in the home is on the host"
assert_file_absent "$R/tmp/t" "/tmp is not the rootfs's tmp"
assert_file_absent "$R/home/$U/inside-file" "the home is not the rootfs's home directory"

ct_run "$U" 'id -un; whoami; id -gn; grep -c "^'"$U"':" /etc/passwd'
assert_eq "$CT_OUT" "$(printf '%s\n%s\n%s\n1' "$U" "$U" "$(id -gn "$U")")" \
	"id and whoami show the user's and the group's names"
assert_eq "$(sha256sum "$R/etc/passwd" "$R/etc/group")" "$passwd_before" \
	"the rootfs's passwd and group files are unchanged on disk"

# PID 1 holds nothing of the host (SECURITY.md 3).
ct_run "$U" 'for f in /proc/1/fd/*; do readlink "$f" || echo "$f: unreadable"; done; readlink /proc/1/cwd /proc/1/root'
ct_diag "init's descriptors, cwd and root as the user sees them:" "$CT_OUT"
assert_no_grep "$CT_ROOT|^/home|^/etc|^/var|^/usr|^/root" "init holds no host file, directory or root"

# ---- what the user cannot do ----
ct_run "$U" 'hostname evil 2>/dev/null; echo evil >/proc/sys/kernel/hostname 2>/dev/null;
	mount -t tmpfs none /mnt 2>/dev/null; mount -o remount,rw,suid / 2>/dev/null;
	umount /proc 2>/dev/null; hostname'
assert_eq "$CT_OUT" "box-$U" "cannot change the hostname, mount or unmount"

# A host process of the same user: out of sight and out of reach.
"$CT_SETPRIV" --reuid="$U" --regid="$(ct_gid "$U")" --clear-groups sleep 600 &
host_pid=$!
ct_run "$U" "kill -0 $host_pid 2>/dev/null && echo visible; kill -KILL -1 2>/dev/null; echo done"
assert_eq "$CT_OUT" "done" "the pid of the user's host process means nothing inside"
assert_true "kill -KILL -1 inside does not reach the user's host process" ct_alive "$host_pid"
kill -KILL "$host_pid"
wait "$host_pid" 2>/dev/null || true
