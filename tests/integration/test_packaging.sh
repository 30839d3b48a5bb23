#!/bin/bash
# SPDX-License-Identifier: MIT
# Packaging (issue 5), without touching the host's installed state:
#   - `make install-dist` (what the packages install) installs exactly the
#     files `make install` does, man pages included, without capabilities;
#     `make uninstall` removes the man pages again;
#   - the man pages render without warnings (`make man-check`), and they
#     name every option cubiclectl's --help and pam_cubicle's argument
#     parser know;
#   - the capability set, the version and the /run/cubicle modes agree
#     everywhere they are written (Makefile, postinst, spec, man pages,
#     tmpfiles.d entry, lib/record.h);
#   - `make deb` builds (lintian: no error, no warning), leaves no debian/ in
#     the work tree, and the .deb holds what it must: binaries, module,
#     conffile, tmpfiles.d entry, pam-auth-update profile (off), man pages,
#     maintainer scripts doing setcap, add-shell, pam-auth-update;
#   - `make rpm` builds, with %caps on cubicle-shell and /etc/shells handling.
# Installing, purging and the end-to-end suite against the installed files
# change the host: packaging/ci-deb.sh does those, in CI.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
skipped=()
B=$CT_W/b
cd "$CT_REPO"

mk() { # make ARGS...: CT_RC, CT_OUT (stdout and stderr)
	CT_RC=0
	make -s --no-print-directory B="$B" "$@" >"$CT_W/make.out" 2>&1 || CT_RC=$?
	CT_OUT=$(cat "$CT_W/make.out")
	CT_ERR=''
	CT_LAST_DESC="make $*"
}

# ---- install-dist against install -------------------------------------------
mk install DESTDIR="$CT_W/a" PREFIX=/usr/local
assert_exit 0 "make install DESTDIR=a"
mk install-dist DESTDIR="$CT_W/d" PREFIX=/usr/local
assert_exit 0 "make install-dist DESTDIR=d"
tree() { (cd "$1" && find . -printf '%p %y %m %u\n' | LC_ALL=C sort); }
assert_eq "$(tree "$CT_W/d")" "$(tree "$CT_W/a")" \
	"install-dist installs the same files with the same modes as install"
for page in man5/cubicle.conf.5 man7/cubicle.7 man8/cubicle-shell.8 man8/pam_cubicle.8 man8/cubiclectl.8; do
	assert_eq "$(stat -c '%a %U' "$CT_W/a/usr/local/share/man/$page" 2>&1)" "644 root" \
		"make install installs $page (0644)"
done
assert_eq "$(getcap "$CT_W/d/usr/local/sbin/cubicle-shell")" "" "install-dist sets no capabilities"
mk uninstall DESTDIR="$CT_W/a" PREFIX=/usr/local
assert_exit 0 "make uninstall DESTDIR=a"
assert_eq "$(find "$CT_W/a" -type f | sed "s#^$CT_W/a##")" "" "make uninstall leaves no file (man pages included)"

# ---- the man pages ------------------------------------------------------------
mk man-check
assert_exit 0 "make man-check: groff -ww clean, lexgrog reads NAME, cubicle.conf(5) matches the key table"
[ "$CT_RC" == 0 ] || ct_diag "$CT_OUT"

# every long option cubiclectl's --help names is in cubiclectl(8)
mk "$B/cubiclectl"
help=$("$B/cubiclectl" --help 2>&1 || true)
man8=$(sed 's/\\-/-/g' packaging/man/cubiclectl.8)
opts=$(grep -oE -- '--[a-z][a-z-]+' <<<"$help" | LC_ALL=C sort -u)
[ -n "$opts" ] || ct_fail "cubiclectl --help names options" "$help"
missing=''
for o in $opts; do grep -qF -- "$o" <<<"$man8" || missing="$missing $o"; done
for c in check list stop; do
	grep -q "^  $c " <<<"$help" || ct_fail "cubiclectl --help lists $c"
	grep -q "^\.B cubiclectl $c" <<<"$man8" || missing="$missing $c"
done
assert_eq "$missing" "" "cubiclectl(8) documents every command and option of cubiclectl --help ($(echo $opts))"

# every argument pam_cubicle's parse_args() accepts is in pam_cubicle(8)
args=$(sed -n '/^static int parse_args/,/^}/p' pam_module/pam_cubicle.c |
	grep -oE 'str(n)?cmp\(argv\[i\], "[^"]+"' | sed 's/.*"\(.*\)"/\1/')
[ -n "$args" ] || ct_fail "found pam_cubicle's module arguments in parse_args()"
missing=''
for a in $args; do grep -qE "^\.(B|BR|BI|RB) \[? ?${a}" packaging/man/pam_cubicle.8 ||
	grep -qF ".BI ${a}" packaging/man/pam_cubicle.8 || missing="$missing $a"; done
assert_eq "$missing" "" "pam_cubicle(8) documents every module argument ($(echo $args))"

# ---- one capability set, one version, one layout ---------------------------------
caps_make=$(sed -n 's/^SHELL_CAPS[[:space:]]*=[[:space:]]*//p' Makefile)
assert_eq "$(sed -n 's/^SHELL_CAPS=//p' packaging/debian/cubicle.postinst)" "$caps_make" \
	"the postinst sets the Makefile's SHELL_CAPS"
assert_eq "$(sed -n 's/^%global shell_caps //p' packaging/rpm/cubicle.spec)" "$caps_make" \
	"the spec's %caps is the Makefile's SHELL_CAPS"
assert_grep "^${caps_make}\$" "cubicle-shell(8) shows the Makefile's SHELL_CAPS" \
	"$(cat packaging/man/cubicle-shell.8)"
version=$(sed -n 's/^#define CUBICLECTL_VERSION[[:space:]]*"\(.*\)"/\1/p' ctl/cubiclectl.c)
assert_eq "$(sed -n '1s/^cubicle (\([^)-]*\).*/\1/p' packaging/debian/changelog)" "$version" \
	"debian/changelog has cubiclectl's version ($version)"
assert_eq "$(sed -n 's/^Version:[[:space:]]*//p' packaging/rpm/cubicle.spec)" "$version" \
	"the spec has cubiclectl's version"
assert_eq "$(grep -h '^\.TH' packaging/man/* | grep -vc "\"cubicle $version\"" || true)" 0 \
	"every man page says cubicle $version"
if command -v systemd-tmpfiles >/dev/null; then
	mkdir -m 0755 "$CT_W/tmproot"
	systemd-tmpfiles --root="$CT_W/tmproot" --create "$CT_REPO/packaging/debian/cubicle.tmpfiles" >/dev/null 2>&1 || true
	assert_eq "$(cd "$CT_W/tmproot/run" 2>/dev/null && stat -c '%n %a %U:%G' cubicle cubicle/sessions cubicle/locks 2>&1 | paste -sd' ')" \
		"cubicle 755 root:root cubicle/sessions 755 root:root cubicle/locks 700 root:root" \
		"the tmpfiles.d entry makes the layout of lib/record.h (0755, sessions 0755, locks 0700)"
fi
for layout in '<run_dir>/           0755' '<run_dir>/sessions/  0755' '<run_dir>/locks/     0700'; do
	assert_grep "$(sed 's/[][\/.*^$]/\\&/g' <<<"$layout")" "lib/record.h still says: $layout" "$(cat lib/record.h)"
done
prof=packaging/pam-configs/cubicle
assert_grep '^Default: no$' "the pam-auth-update profile is off by default" "$(cat "$prof")"
assert_grep '^Session-Interactive-Only: yes$' "... interactive sessions only" "$(cat "$prof")"
assert_grep $'^\toptional\tpam_cubicle\\.so$' "... session optional pam_cubicle.so" "$(cat "$prof")"

# ---- make deb -------------------------------------------------------------------
if command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null && command -v lintian >/dev/null; then
	rm -rf debian.before-test 2>/dev/null || true
	had_debian=0
	[ ! -e debian ] || had_debian=1
	CT_RC=0
	make -s --no-print-directory deb PKG_OUT="$CT_W/pkg" >"$CT_W/deb.log" 2>&1 || CT_RC=$?
	CT_OUT=$(tail -n 40 "$CT_W/deb.log") CT_LAST_DESC="make deb"
	assert_exit 0 "make deb: dpkg-buildpackage -us -uc -b, lintian without errors or warnings"
	[ "$had_debian" == 1 ] || assert_file_absent "$CT_REPO/debian" "make deb leaves no debian/ in the work tree"
	deb=$(find "$CT_W/pkg/deb" -name 'cubicle_*.deb' | head -n1)
	if [ -n "$deb" ]; then
		files=$(dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }')
		multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
		for want in "-rwxr-xr-x root/root ./usr/sbin/cubicle-shell" \
			"-rwxr-xr-x root/root ./usr/sbin/cubiclectl" \
			"-rwxr-xr-x root/root ./usr/libexec/cubicle/cubicle-init" \
			"-rwx--x--x root/root ./usr/libexec/cubicle/cubicle-relay" \
			"-rwxr-xr-x root/root ./usr/libexec/cubicle/cubicle-watch" \
			"-rw-r--r-- root/root ./lib/$multiarch/security/pam_cubicle.so" \
			"-rw-r--r-- root/root ./etc/cubicle/cubicle.conf" \
			"drwxr-xr-x root/root ./etc/cubicle/cubicle.conf.d/" \
			"-rw-r--r-- root/root ./usr/lib/tmpfiles.d/cubicle.conf" \
			"-rw-r--r-- root/root ./usr/share/pam-configs/cubicle" \
			"-rw-r--r-- root/root ./usr/share/man/man5/cubicle.conf.5.gz" \
			"-rw-r--r-- root/root ./usr/share/man/man7/cubicle.7.gz" \
			"-rw-r--r-- root/root ./usr/share/man/man8/cubicle-shell.8.gz" \
			"-rw-r--r-- root/root ./usr/share/man/man8/cubiclectl.8.gz" \
			"-rw-r--r-- root/root ./usr/share/man/man8/pam_cubicle.8.gz" \
			"-rw-r--r-- root/root ./usr/share/doc/cubicle/copyright"; do
			assert_grep "^$(sed 's/[][\/.*^$]/\\&/g' <<<"$want")\$" "the .deb holds ${want##* }" "$files"
		done
		assert_no_grep '^[^ ]+ [^ ]+ \./run' "the .deb ships nothing under /run (tmpfiles.d makes it)" "$files"
		mkdir "$CT_W/control"
		dpkg-deb -e "$deb" "$CT_W/control"
		assert_eq "$(cat "$CT_W/control/conffiles")" "/etc/cubicle/cubicle.conf" "the conffile is /etc/cubicle/cubicle.conf"
		assert_grep "libcap2-bin" "Depends on libcap2-bin (setcap)" "$(dpkg-deb -f "$deb" Depends)"
		assert_grep '^	setcap "\$SHELL_CAPS" "\$SHELL_PATH"|setcap "\$SHELL_CAPS" "\$SHELL_PATH"' \
			"the postinst sets the capabilities" "$(cat "$CT_W/control/postinst")"
		assert_grep 'add-shell "\$SHELL_PATH"' "the postinst adds the shell" "$(cat "$CT_W/control/postinst")"
		assert_grep 'pam-auth-update --package$' "the postinst registers the PAM profile" "$(cat "$CT_W/control/postinst")"
		assert_grep 'systemd-tmpfiles .*--create cubicle.conf' "the postinst runs systemd-tmpfiles" "$(cat "$CT_W/control/postinst")"
		assert_grep 'pam-auth-update --package --remove cubicle' "the prerm takes the PAM profile out" "$(cat "$CT_W/control/prerm")"
		assert_grep 'CANNOT LOG IN' "the prerm warns about users whose shell it is" "$(cat "$CT_W/control/prerm")"
		assert_grep 'remove-shell "\$SHELL_PATH"' "the postrm removes the shell" "$(cat "$CT_W/control/postrm")"
		assert_grep 'rm -rf /etc/cubicle' "the postrm purges /etc/cubicle" "$(cat "$CT_W/control/postrm")"
		for s in postinst prerm postrm; do
			assert_true "the $s is valid sh (sh -n)" sh -n "$CT_W/control/$s"
		done
	else
		ct_fail "make deb produced a cubicle_*.deb" "$(tail -n 20 "$CT_W/deb.log")"
	fi
else
	skipped+=("make deb (apt-get install dpkg-dev debhelper lintian)")
fi

# ---- make rpm -------------------------------------------------------------------
if command -v rpmbuild >/dev/null; then
	CT_RC=0
	make -s --no-print-directory rpm PKG_OUT="$CT_W/pkg" >"$CT_W/rpm.log" 2>&1 || CT_RC=$?
	CT_OUT=$(tail -n 40 "$CT_W/rpm.log") CT_LAST_DESC="make rpm"
	assert_exit 0 "make rpm: rpmbuild -bb packaging/rpm/cubicle.spec"
	rpmf=$(find "$CT_W/pkg/rpm" -name 'cubicle-*.rpm' ! -name '*debug*' | head -n1)
	if [ -n "$rpmf" ]; then
		assert_grep "^/usr/sbin/cubicle-shell[[:space:]]+${caps_make}\$" \
			"the .rpm gives cubicle-shell its capabilities (%caps)" "$(rpm -qp --filecaps "$rpmf" 2>/dev/null)"
		scripts=$(rpm -qp --scripts "$rpmf" 2>/dev/null)
		assert_grep '>>/etc/shells' "the .rpm's %post adds the shell to /etc/shells" "$scripts"
		assert_grep "sed -i .*/usr/sbin/cubicle-shell.* /etc/shells" "the .rpm's %postun removes it" "$scripts"
		assert_eq "$(rpm -qpc "$rpmf" 2>/dev/null)" "/etc/cubicle/cubicle.conf" "the .rpm's config file"
	else
		ct_fail "make rpm produced a .rpm" "$(tail -n 20 "$CT_W/rpm.log")"
	fi
else
	skipped+=("make rpm (apt-get install rpm)")
fi

[ ${#skipped[@]} -eq 0 ] || ct_skip "tools missing for: ${skipped[*]}"
