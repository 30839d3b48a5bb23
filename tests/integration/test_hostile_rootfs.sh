#!/bin/bash
# SPDX-License-Identifier: MIT
# A user's rootfs is the user's to fill: what they plant there before login
# must not redirect a privileged mount, hang the login or give them anything.
# Unsafe trees are refused (exit 1, one line, the command never runs),
# nothing is mounted on the host and every target outside stays untouched.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
ct_need_shell
ct_user_add U
ct_conf_default
R=$(ct_rootfs "$U")

OUT=$CT_W/outside # a host directory a planted symlink points at
mkdir -m 0755 "$OUT"
echo canary >"$OUT/canary"
outside_state() { ls -A "$OUT" /root && cat "$OUT/canary" && stat -c '%n %a %U %s' "$OUT" /root /etc/shadow; }
outside_before=$(outside_state)

# refused DESCRIPTION: the marker command is refused and leaves no trace.
refused() {
	ct_run "$U" "$(ct_marker_cmd "$U")"
	assert_refused "$U" "$1: refused"
	assert_host_mounts_unchanged "$1: nothing mounted on the host"
	assert_eq "$(outside_state)" "$outside_before" "$1: the targets outside are untouched"
}

# ---- symlinks and FIFOs at the mount targets ----
for planted in "proc -> /etc" "dev -> $OUT" "tmp -> /root" "tmp -> $OUT" \
	"home/$U -> /root" "home/$U -> $OUT" "home -> /home" "proc -> /proc/1/root"; do
	ct_rootfs_reset "$U"
	rm -rf -- "${R:?}/${planted%% -> *}"
	ln -s -- "${planted#* -> }" "$R/${planted%% -> *}"
	refused "symlink $planted"
done
for fifo in proc dev tmp "home/$U"; do
	ct_rootfs_reset "$U"
	rm -rf -- "${R:?}/$fifo"
	mkfifo -m 0666 "$R/$fifo"
	refused "FIFO at $fifo"
done

# ---- the rootfs itself ----
ct_rootfs_reset "$U"
mv "$R" "$R.real"
ln -s "$R.real" "$R"
refused "the rootfs is a symlink"
rm "$R"
mv "$R.real" "$R"

mv "$R" "$R.away"
refused "the rootfs does not exist"
: >"$R"
refused "the rootfs is a regular file"
rm "$R"
mkfifo "$R"
refused "the rootfs is a FIFO"
rm "$R"
mv "$R.away" "$R"

# The host path to the rootfs: every parent root-owned, not group/other-writable.
mkdir -m 0755 "$CT_W/p"
ct_rootfs_make "$U" "$CT_W/p/$U"
ct_conf <<EOF
$(ct_conf_default_text)
[user:$U]
rootfs = $CT_W/p/%u
EOF
ct_run "$U" 'cat /etc/cubicle-test-rootfs'
assert_exit 0 "a rootfs elsewhere, under safe parents, is accepted"
for bad in "mode 0775" "mode 0757" "mode 1777" "owner $U"; do
	case $bad in
	mode*) chmod "${bad#mode }" "$CT_W/p" ;;
	owner*) chown "${bad#owner }" "$CT_W/p" ;;
	esac
	refused "a parent of the rootfs with $bad"
	chmod 0755 "$CT_W/p"
	chown root:root "$CT_W/p"
done
chmod 0777 "$CT_W"
refused "a grandparent of the rootfs is world-writable"
chmod 0755 "$CT_W"
ct_conf_default

# ---- planted nodes, setuid and file-capability binaries: no gain ----
ct_rootfs_reset "$U"
disk=$(mountpoint -d /)
mknod -m 0666 "$R/dev/zero" b "${disk%:*}" "${disk#*:}" # the host's root disk as /dev/zero
mknod -m 0666 "$R/dev/mem" c 1 1
mknod -m 0666 "$R/dev/sda" b "${disk%:*}" "${disk#*:}"
cp "$CT_PROBE" "$R/bin/suidprobe"
chmod 4755 "$R/bin/suidprobe"
cp "$CT_PROBE" "$R/bin/sgidprobe"
chmod 2755 "$R/bin/sgidprobe"
cp "$CT_PROBE" "$R/bin/capprobe"
setcap cap_dac_override,cap_sys_admin,cap_setuid+eip "$R/bin/capprobe"
ct_run "$U" 'stat -c "%F %t:%T" /dev/zero; ls /dev/mem /dev/sda 2>/dev/null; echo devs-done'
assert_eq "$CT_OUT" $'character special file 1:5\ndevs-done' \
	"device nodes planted in the rootfs's /dev are not what /dev holds"
ct_run "$U" 'exec suidprobe'
assert_eq "$(ct_val euid):$(ct_val suid)" "$(ct_uid "$U"):$(ct_uid "$U")" "a setuid-root binary gives no root"
ct_run "$U" 'exec sgidprobe'
assert_eq "$(ct_val egid):$(ct_val sgid)" "$(ct_gid "$U"):$(ct_gid "$U")" "a setgid-root binary gives no group"
ct_run "$U" 'capprobe; echo "status=$?"'
assert_no_grep '^cap_(prm|eff|inh|amb)=0*[1-9a-f]' "a file-capability binary gives no capability"
ct_diag "capprobe: $(ct_val cap_prm) $(tail -n1 <<<"$CT_OUT")"

# ---- planted links to secrets: no hang, no leak ----
for planted in "etc/passwd -> /etc/shadow" "etc/group -> /etc/gshadow" "etc -> /etc"; do
	ct_rootfs_reset "$U"
	rm -rf -- "${R:?}/${planted%% -> *}"
	ln -s -- "${planted#* -> }" "$R/${planted%% -> *}"
	ct_run "$U" 'cat /etc/passwd /etc/group /etc/shadow 2>/dev/null; id -un'
	assert_ne "$CT_RC" 124 "symlink $planted: no hang"
	leaked=$(grep -xF -f <(grep -v '^$' /etc/shadow /etc/gshadow) <<<"$CT_OUT" || true)
	assert_eq "$leaked" "" "symlink $planted: nothing of /etc/shadow or /etc/gshadow inside"
	ct_diag "exit $CT_RC; stderr: ${CT_ERR:0:200}"
	assert_host_mounts_unchanged "symlink $planted: nothing mounted on the host"
done

ct_rootfs_reset "$U"
rm "$R/etc/passwd"
mkfifo -m 0666 "$R/etc/passwd"
# the login must not block on it (reading it is the user's own business)
ct_run "$U" 'echo login-ok'
assert_eq "$CT_RC:$CT_OUT" "0:login-ok" "FIFO at etc/passwd: the login neither hangs nor fails"
