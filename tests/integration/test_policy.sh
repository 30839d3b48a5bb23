#!/bin/bash
# SPDX-License-Identifier: MIT
# Policy: uid 0 is never isolated (even with a broken config), isolate = no
# gives a host shell without capabilities, a bad or untrusted config and a
# missing session fail closed, and the keys that shape the container
# (namespaces, bind, bind_ro, tmp_size) do what they say.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
ct_need_shell
ct_user_add U
ct_conf_default
marker=$(ct_marker_cmd "$U")
host_hostname=$(cat /proc/sys/kernel/hostname)
host_ns=$(readlink /proc/self/ns/mnt /proc/self/ns/pid /proc/self/ns/uts | tr '\n' ' ')

# ---- uid 0 ----
root_run() {
	CT_RC=0
	CT_LAST_DESC="as root: cubicle-shell -c $1"
	timeout -k 5 "$CT_TIMEOUT" "$CT_SHELL" -c "$1" >"$CT_W/out" 2>"$CT_W/err" || CT_RC=$?
	_ct_read_output "$CT_W/out" "$CT_W/err"
}
root_cmd='cat /proc/sys/kernel/hostname; readlink /proc/self/ns/mnt /proc/self/ns/pid /proc/self/ns/uts | tr "\n" " "'
root_run "$root_cmd"
assert_eq "$CT_RC|$CT_OUT" "0|$host_hostname"$'\n'"$host_ns" "uid 0 with isolate = yes gets a host shell"
echo "this is not a config line" >>"$CT_CONF"
root_run "$root_cmd"
assert_eq "$CT_RC|$CT_OUT" "0|$host_hostname"$'\n'"$host_ns" "uid 0 with a broken config still gets a host shell"
rm -f "$CT_CONF"
root_run "$root_cmd"
assert_eq "$CT_RC|$CT_OUT" "0|$host_hostname"$'\n'"$host_ns" "uid 0 without a config still gets a host shell"

# ---- isolate = no ----
check_host_shell() {
	local what=$1
	ct_run "$U" "exec $CT_PROBE"
	assert_exit 0 "$what: runs"
	assert_eq "$(ct_val ns_mnt) $(ct_val ns_pid) $(ct_val ns_uts) " "$host_ns" "$what: the host's namespaces"
	assert_line "hostname=$host_hostname" "$what: the host's hostname"
	assert_eq "$(ct_val cap_inh):$(ct_val cap_prm):$(ct_val cap_eff):$(ct_val cap_amb)" \
		"0000000000000000:0000000000000000:0000000000000000:0000000000000000" \
		"$what: no capabilities"
	assert_line "fds=0,1,2" "$what: only descriptors 0, 1 and 2"
	ct_diag "$what: cap_bnd=$(ct_val cap_bnd) no_new_privs=$(ct_val no_new_privs)"
}
ct_conf <<EOF
$(ct_conf_default_text)
[user:$U]
isolate = no
EOF
check_host_shell "isolate = no for the user"
ct_conf <<EOF
$(ct_conf_default_text)
[group:$(id -gn "$U")]
isolate = no
EOF
check_host_shell "isolate = no for the user's group"
ct_conf <<EOF
$(ct_conf_default_text)
[group:$(id -gn "$U")]
isolate = no
[user:$U]
isolate = yes
EOF
ct_run "$U" 'hostname'
assert_eq "$CT_RC:$CT_OUT" "0:box-$U" "[user:] overrides [group:]: isolated again"

# ---- a bad or untrusted config fails closed ----
refused_conf() {
	ct_run "$U" "$marker"
	assert_refused "$U" "$1: refused"
	assert_contains "$CT_ERR" "$CT_ROOT/etc/cubicle" "$1: the message names the config"
}
conf_with() {
	{
		ct_conf_default_text
		printf '%s\n' "$@"
	} | ct_conf
}
conf_with "no_such_key = 1"
refused_conf "an unknown key"
# conf_set KEY VALUE: the default config with KEY's value replaced.
conf_set() { ct_conf_default_text | sed "s|^$1 = .*|$1 = $2|" | ct_conf; }
conf_set hostname "box_%u"
refused_conf "a hostname that is not RFC 1123"
conf_set hostname "$(printf 'h%.0s' {1..70})"
refused_conf "a hostname of 70 bytes"
conf_set stop_timeout soon
refused_conf "a number that is not one"
conf_set isolate maybe
refused_conf "a boolean that is not one"
conf_set rootfs "relative/path/%u"
refused_conf "a relative rootfs path"
conf_set rootfs "$CT_ROOT/rootfs/../rootfs/%u"
refused_conf "a rootfs path with .."
conf_with "[nonsense]" "isolate = no"
refused_conf "an unknown section"
conf_with "# $(head -c 5000 /dev/zero | tr '\0' x)"
refused_conf "a line of 5000 bytes"
conf_set shell "/bin/sh"$'\001'
refused_conf "a control byte in a value"
ct_conf_default
printf 'isolate = no\0\n' >>"$CT_CONF"
refused_conf "a NUL byte"

ct_conf_default
chmod 0664 "$CT_CONF"
refused_conf "a group-writable config"
chmod 0646 "$CT_CONF"
refused_conf "a world-writable config"
chmod 0644 "$CT_CONF"
chown "$U" "$CT_CONF"
refused_conf "a config owned by the user"
chown root "$CT_CONF"
chmod 0775 "$(dirname "$CT_CONF")"
refused_conf "a group-writable config directory"
chmod 0755 "$(dirname "$CT_CONF")"
mv "$CT_CONF" "$CT_CONF.real"
ln -s "$CT_CONF.real" "$CT_CONF"
refused_conf "a config that is a symlink"
rm -f "$CT_CONF" "$CT_CONF.real"
refused_conf "no config at all"
mkdir -m 0755 "$CT_CONF"
refused_conf "a config that is a directory"
rmdir "$CT_CONF"
mkfifo -m 0644 "$CT_CONF"
refused_conf "a config that is a FIFO (no hang)"
rm -f "$CT_CONF"

ct_conf_default
dropins=$CT_CONF.d
mkdir -m 0755 "$dropins"
printf '[default]\nno_such_key = 1\n' >"$dropins/10-bad.conf"
refused_conf "an unknown key in a drop-in"
printf '[default]\nisolate = no\n' >"$dropins/10-bad.conf"
chmod 0666 "$dropins/10-bad.conf"
refused_conf "a world-writable drop-in"
chmod 0644 "$dropins/10-bad.conf"
chmod 0777 "$dropins"
refused_conf "a world-writable drop-in directory"
rm -rf "$dropins"

ct_conf <<EOF
[default]
isolate = yes
hostname = box-%u
shell = /bin/sh
home = %h
EOF
ct_run "$U" "$marker"
assert_refused "$U" "isolate = yes without a rootfs: refused"

# ---- missing capabilities ----
ct_conf_default
cp "$CT_SHELL" "$CT_ROOT/bin/cubicle-shell-nocaps"
ct_exec_as "$U" -- "$CT_ROOT/bin/cubicle-shell-nocaps" -c "$marker"
assert_refused "$U" "cubicle-shell without its file capabilities: refused"
cp "$CT_SHELL" "$CT_ROOT/bin/cubicle-shell-somecaps"
setcap cap_sys_admin=p "$CT_ROOT/bin/cubicle-shell-somecaps"
ct_exec_as "$U" -- "$CT_ROOT/bin/cubicle-shell-somecaps" -c "$marker"
assert_refused "$U" "cubicle-shell with only cap_sys_admin: refused"
assert_contains "$CT_ERR" "cap" "... and the message names the capabilities"
rm -f "$CT_ROOT/bin/cubicle-shell-nocaps" "$CT_ROOT/bin/cubicle-shell-somecaps"

# ---- an odd user name ----
# "_" is fine in a user name, not in a host name: box-%u fails for this user.
ct_user_add V cbt_
ct_run "$V" "$(ct_marker_cmd "$V")"
assert_refused "$V" "user $V, hostname = box-%u is no host name: refused"
assert_contains "$CT_ERR" hostname "... and the message says it is the hostname"

# ---- require_session ----
ct_conf_default_text | grep -v '^require_session' | ct_conf
ct_run "$U" "$marker"
assert_refused "$U" "by default a session is required: refused without one"
ct_conf_default_text | sed 's/^require_session = no$/require_session = yes/' | ct_conf
ct_run "$U" "$marker"
assert_refused "$U" "require_session = yes without a session: refused"
ct_run "$U" --env CUBICLE_SESSION=1 "$marker"
assert_refused "$U" "require_session = yes with a made-up CUBICLE_SESSION: refused"
ct_run "$U" --env "CUBICLE_SESSION=../../../../$CT_W" "$marker"
assert_refused "$U" "require_session = yes with a path as CUBICLE_SESSION: refused"

# ---- namespaces, binds, /tmp size ----
ct_conf_default "namespaces = pid mount uts ipc net cgroup"
ct_run "$U" 'exec probe'
for ns in net ipc cgroup; do
	assert_ne "$(ct_val "ns_$ns")" "$(readlink "/proc/self/ns/$ns")" "namespaces = ... $ns: a new $ns namespace"
done
ct_conf_default "namespaces = pid mount uts"
ct_run "$U" 'exec probe'
assert_eq "$(ct_val ns_net)" "$(readlink /proc/self/ns/net)" "namespaces without net: the host's network"

mkdir -m 0755 "$CT_W/shared" "$CT_W/ro"
chown "$U" "$CT_W/shared"
echo "read me" >"$CT_W/ro/file"
chown "$U" "$CT_W/ro" "$CT_W/ro/file" # the user may write it on the host, never through bind_ro
R=$(ct_rootfs "$U")
mkdir -p "$R/mnt/shared" "$R/mnt/ro"
ct_conf_default "bind = $CT_W/shared:/mnt/shared" "bind_ro = $CT_W/ro:/mnt/ro"
ct_run "$U" 'echo w >/mnt/shared/new && echo shared-ok; cat /mnt/ro/file;
	echo x >/mnt/ro/file 2>/dev/null || echo ro-refused; touch /mnt/ro/new 2>/dev/null || echo ro-refused2;
	exec probe'
assert_eq "$(head -n 4 <<<"$CT_OUT")" $'shared-ok\nread me\nro-refused\nro-refused2' "bind is writable, bind_ro is read-only"
assert_eq "$(cat "$CT_W/shared/new" 2>&1)" w "a file written through bind is on the host"
assert_eq "$(cat "$CT_W/ro/file")" "read me" "the bind_ro source is unchanged"
assert_grep '^mount=/mnt/ro [^ ]+ ro(,|$)' "/mnt/ro is mounted read-only"
assert_grep '^mount=/mnt/shared [^ ]+ ([^ ]*,)?nosuid,nodev' "/mnt/shared is nosuid,nodev"
assert_grep '^mount=/mnt/ro [^ ]+ ([^ ]*,)?nosuid,nodev' "/mnt/ro is nosuid,nodev"

ct_conf_default "tmp_size = 1M"
ct_run "$U" 'dd if=/dev/zero of=/tmp/a bs=1024 count=512 2>/dev/null && echo small-ok;
	dd if=/dev/zero of=/tmp/b bs=1024 count=2048 2>/dev/null || echo big-refused'
assert_eq "$CT_OUT" $'small-ok\nbig-refused' "tmp_size = 1M: 512 KiB fit in /tmp, 2 MiB more do not"
