#!/bin/bash
# SPDX-License-Identifier: MIT
# The mount template (shell/template.c): the first login mounts it on
# <run_dir>/mnt-template, every later one copies it; a container made from it
# looks the same from inside as one made by copying the host's mounts, holds
# nothing of the host and shares no propagation; without the file, or with
# anything but cubicle's own template there, logins go on the old way.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
ct_need_shell
ct_user_add U
ct_conf_default
T=$CT_RUN/mnt-template
[ -e "$T" ] || install -m 0444 /dev/null "$T" # also under CT_MNT_TEMPLATE=no

# ---- made by the first login, used by the next ----
assert_eq "$(stat -c '%U %a %F' "$T")" "root 444 regular empty file" \
	"the run directory holds the empty file, as tmpfiles.d makes it"
ct_run "$U" 'exec probe'
assert_exit 0 "the first login works"
with=$(ct_vals mount)
assert_eq "$(stat -f -c %T "$T")" nsfs "... and leaves the template mounted on the file"
assert_eq "$(ct_template_mounts)" 1 "... once"
tino=$(stat -L -c %i "$T")
assert_ne "$(ct_val ns_mnt)" "mnt:[$tino]" "the container's mount namespace is a copy, not the template"

ct_run "$U" 'readlink /proc/self/ns/mnt; grep -c "shared:" /proc/self/mountinfo || true;
	grep -c cubicle-template /proc/self/mountinfo || true'
assert_exit 0 "a second login works"
assert_eq "$(stat -L -c %i "$T"):$(ct_template_mounts)" "$tino:1" "... with the same template"
assert_eq "$(sed -n 2p <<<"$CT_OUT")" 0 "no mount inside propagates (none is shared)"
assert_eq "$(sed -n 3p <<<"$CT_OUT")" 0 "the template's own tmpfs is not seen inside"

# The root is the namespace's own as far as the kernel checks it: the user
# may make a user namespace inside exactly when they may on the host. Inside
# one, the rootfs stays locked: it cannot be unmounted to show what is below.
if runuser -u "$U" -- unshare -Ur true 2>/dev/null; then
	ct_run "$U" 'unshare -Ur id -u'
	assert_eq "$CT_OUT" 0 "a user namespace can be made inside, as on the host"
	ct_run "$U" 'unshare -Urm sh -c "umount -l / && echo UNMOUNTED; ls /"'
	assert_not_contains "$CT_OUT" UNMOUNTED "... and in it the rootfs cannot be unmounted"
	assert_grep '^etc$' "... and / is still the rootfs" "$CT_OUT"
else
	ct_run "$U" 'unshare -Ur id -u'
	assert_ne "$CT_RC" 0 "no user namespace inside, as on the host"
fi

# ---- many first logins at once: one template ----
ct_template_umount
pids=()
for i in 1 2 3 4 5 6; do
	runuser -u "$U" -- "$CT_SHELL" -c "echo ok$i" >"$CT_W/par$i" 2>&1 &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
assert_eq "$fails:$(cat "$CT_W"/par* | grep -c '^ok')" "0:6" "six first logins at once all work"
assert_eq "$(ct_template_mounts)" 1 "... and leave one template"

# ---- where the run directory's mount is shared ----
# As /run is where systemd made every mount shared and services run in mount
# namespaces of their own (slaves): a namespace file cannot be mounted where
# it would propagate, so the shell binds the file onto itself privately
# first. Here a tmpfs over the run directory, shared, with a slave.
ct_template_umount
mount -t tmpfs -o mode=0755,size=1m ct-shared "$CT_RUN"
mount --make-shared "$CT_RUN"
install -m 0444 /dev/null "$T"
unshare --mount --propagation slave sleep 60 &
spid=$!
ct_poll 5 bash -c '[ "$(readlink "/proc/$1/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]' _ "$spid"
ct_run "$U" 'echo inside'
assert_eq "$CT_RC:$CT_OUT" "0:inside" "a shared run directory: the login works"
assert_eq "$(stat -f -c %T "$T"):$(ct_template_mounts)" nsfs:1 "... and mounts the template, once"
assert_eq "$(ct_template_mounts all)" 2 "... on a bind of its file"
assert_eq "$(awk -v t="$T" '$5 == t && / - nsfs / { n++ } END { print n + 0 }' "/proc/$spid/mountinfo")" 0 \
	"... which propagates the template to no other namespace"
tino=$(stat -L -c %i "$T")
ct_run "$U" 'echo again'
assert_eq "$CT_RC:$CT_OUT:$(stat -L -c %i "$T"):$(ct_template_mounts all)" "0:again:$tino:2" \
	"... and the next login uses it"
kill -KILL "$spid" 2>/dev/null || true
wait "$spid" 2>/dev/null || true
ct_template_umount
umount "$CT_RUN"

# ---- without the file: the host's mounts are copied, as before ----
ct_template_umount
rm -f -- "$T"
ct_run "$U" 'exec probe'
assert_exit 0 "without the file, the login works"
assert_eq "$(ct_vals mount)" "$with" "... and sees the same mounts as with the template"
assert_eq "$(ct_template_mounts)" 0 "... and nothing is mounted"
assert_host_mounts_unchanged "... and the host's mount table is as before"

# ---- anything else on that path: refused, said, and the login goes on ----
# refused KIND DESCRIPTION SYSLOG-PATTERN: a login with that on the path
refused() {
	ct_run_with_syslog "$U" -c 'echo inside'
	assert_eq "$CT_RC:$CT_OUT" "0:inside" "$1: the login works"
	assert_match "$CT_SYSLOG" "mnt-template: $2; the container copies the host's mounts" \
		"... and syslog says why the template was not used"
}

ln -s /etc/passwd "$T"
refused "a symlink" "it is a symlink, which is never followed"
assert_false "a symlink: nothing was mounted on its target" mountpoint -q /etc/passwd
rm -f -- "$T"

install -m 0444 -o "$U" /dev/null "$T"
refused "a file of the user's" "it is not root's, or is writable by others"
assert_eq "$(stat -f -c %T "$T")" "$(stat -f -c %T "$CT_RUN")" "... and it is left as it was"
rm -f -- "$T"

install -m 0666 /dev/null "$T"
refused "a file anyone may write" "it is not root's, or is writable by others"
rm -f -- "$T"

mkdir -m 0755 "$T"
refused "a directory" "Is a directory"
rmdir -- "$T"

install -m 0444 /dev/null "$T"
mount --bind /proc/self/ns/uts "$T"
refused "another kind of namespace" "it is a namespace, but not a mount namespace"
umount "$T"

# A mount namespace owned by another user namespace (as one a user makes).
# A mount namespace's file is never copied into a new mount namespace, so it
# is bound in the one the shell runs in; and only into an older one: both
# are made on one CPU (namespace ids come from per-CPU batches, template.c).
cpus=$(taskset -c -p $$ | sed 's/.*: //')
taskset -c -p "${cpus%%[,-]*}" $$ >/dev/null
CT_SYSLOG_SETUP="unshare --user --map-root-user --mount sleep 60 &
	echo \$! >$CT_W/upid
	while [ \"\$(readlink /proc/\$!/ns/user)\" = \"\$(readlink /proc/self/ns/user)\" ]; do sleep 0.02; done
	mount --bind /proc/\$!/ns/mnt $T"
refused "a mount namespace of another user namespace" "its namespace belongs to another user namespace"
CT_SYSLOG_SETUP=
taskset -c -p "$cpus" $$ >/dev/null
kill -KILL "$(cat "$CT_W/upid")" 2>/dev/null || true

# a user who holds the lock on the file only makes logins take the old way
"$CT_SETPRIV" --reuid="$(ct_uid "$U")" --regid="$(ct_gid "$U")" --clear-groups \
	bash -c 'exec 9<"$1" && flock -s 9 && exec sleep 60' _ "$T" &
lpid=$!
ct_poll 5 grep -q ":$(stat -c %i "$T") " /proc/locks
ct_run_with_syslog "$U" -c 'echo inside'
assert_eq "$CT_RC:$CT_OUT" "0:inside" "a lock held by the user: the login works"
assert_match "$CT_SYSLOG" "mnt-template: being made by another login" "... and syslog says so"
assert_eq "$(ct_template_mounts)" 0 "... without a template"
kill -KILL "$lpid" 2>/dev/null || true
wait "$lpid" 2>/dev/null || true
