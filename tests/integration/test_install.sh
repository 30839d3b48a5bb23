#!/bin/bash
# SPDX-License-Identifier: MIT
# make install / uninstall into a DESTDIR: pam_cubicle.so lands in the PAM
# module directory; cubicle-shell gets exactly the
# capabilities README.md documents (the fenced block under the
# "Capabilities" heading), the config is installed 0644 and never
# overwritten once changed, uninstall removes the binaries and keeps a
# changed config.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
dest=$CT_W/dest
sbin=$dest/usr/local/sbin
conf=$dest/etc/cubicle/cubicle.conf

# normalize_caps "cap_b,cap_a=pe" -> "cap_a,cap_b=ep"
normalize_caps() {
	local list=${1%%[=+]*} flags=${1##*[=+]}
	printf '%s=%s\n' "$(tr ',' '\n' <<<"$list" | LC_ALL=C sort | paste -sd,)" \
		"$(grep -o . <<<"$flags" | LC_ALL=C sort | tr -d '\n')"
}

# The first fenced block in the section whose heading mentions "Capabilities".
readme_caps=$(awk '
	/^#+ .*Capabilities/ { section = 1; next }
	section && /^#/ { exit }
	section && /^```/ { if (block) exit; block = 1; next }
	block { print }' "$CT_REPO/README.md" 2>/dev/null |
	grep -Eo 'cap_[a-z_]+(,cap_[a-z_]+)*[=+][eip]+' | head -n1 || true)
if [ -z "$readme_caps" ]; then
	ct_fail "README.md documents the capabilities" \
		"no 'cap_...=...' line in a fenced block under a heading containing \"Capabilities\""
else
	ct_pass "README.md documents the capabilities: $readme_caps"
fi

run_make() {
	CT_RC=0
	make -s -C "$CT_REPO" "$@" DESTDIR="$dest" PREFIX=/usr/local >"$CT_W/out" 2>&1 || CT_RC=$?
	CT_OUT=$(cat "$CT_W/out")
	CT_ERR=''
	CT_LAST_DESC="make $*"
}

run_make install
assert_exit 0 "make install DESTDIR=... PREFIX=/usr/local"
assert_eq "$(stat -c '%a %U:%G' "$sbin/cubicle-shell" "$sbin/cubiclectl" 2>&1)" \
	$'755 root:root\n755 root:root' "cubicle-shell and cubiclectl installed 0755 root:root"
installed_caps=$(getcap "$sbin/cubicle-shell" 2>/dev/null | awk '{ print $2 }')
ct_diag "getcap: ${installed_caps:-(none)}"
if [ -n "$readme_caps" ]; then
	assert_eq "$(normalize_caps "$installed_caps")" "$(normalize_caps "$readme_caps")" \
		"the installed cubicle-shell has exactly the capabilities README.md documents"
fi
assert_eq "$(normalize_caps "$installed_caps")" "$(normalize_caps "$CT_SHELL_CAPS")" \
	"... and the ones the Makefile's SHELL_CAPS names"
assert_eq "$(getcap "$sbin/cubiclectl" 2>/dev/null)" "" "cubiclectl has no file capabilities"
libexec=$dest/usr/local/libexec/cubicle
assert_eq "$(stat -c '%a %U:%G %n' "$libexec"/* 2>&1)" \
	"755 root:root $libexec/cubicle-init"$'\n'"711 root:root $libexec/cubicle-relay"$'\n'"755 root:root $libexec/cubicle-watch" \
	"the helpers are installed in LIBEXECDIR (cubicle-relay not readable by users)"
assert_eq "$(getcap "$libexec"/* 2>/dev/null)" "" "... without file capabilities"
assert_match "$(file -b "$libexec/cubicle-init")" "statically linked" "... and statically linked"
pamdir=$(make -s -C "$CT_REPO" --no-print-directory -f Makefile -f - print-pamdir <<<'print-pamdir: ; @echo $(PAMDIR)')
module=$dest$pamdir/pam_cubicle.so
assert_eq "$(stat -c '%a %U:%G' "$module" 2>&1)" "644 root:root" \
	"pam_cubicle.so installed 0644 root:root in the PAM module directory ($pamdir)"
assert_eq "$(getcap "$module" 2>/dev/null)" "" "pam_cubicle.so has no file capabilities"
assert_eq "$(stat -c '%a %U:%G' "$conf" 2>&1)" "644 root:root" "the config is installed 0644 root:root"
assert_true "the installed config is conf/cubicle.conf" cmp -s "$CT_REPO/conf/cubicle.conf" "$conf"
assert_eq "$(stat -c '%a %U' "$dest/etc/cubicle" "$dest/etc/cubicle/cubicle.conf.d" 2>&1)" \
	$'755 root\n755 root' "the config directory and the drop-in directory are 0755 root"

echo "# changed by the admin" >>"$conf"
changed=$(sha256sum <"$conf")
run_make install
assert_exit 0 "a second make install"
assert_eq "$(sha256sum <"$conf")" "$changed" "a changed config is not overwritten"

run_make uninstall
assert_exit 0 "make uninstall"
assert_file_absent "$sbin/cubicle-shell" "uninstall removes cubicle-shell"
assert_file_absent "$sbin/cubiclectl" "uninstall removes cubiclectl"
assert_file_absent "$module" "uninstall removes pam_cubicle.so"
assert_file_absent "$libexec" "uninstall removes the helpers and their directory"
assert_eq "$(sha256sum <"$conf" 2>&1)" "$changed" "uninstall keeps a changed config"

cp "$CT_REPO/conf/cubicle.conf" "$conf"
run_make uninstall
assert_exit 0 "make uninstall with the config unchanged"
assert_file_absent "$conf" "uninstall removes an unchanged config"
assert_file_absent "$dest/etc/cubicle" "... and the empty config directories"
