#!/bin/sh
# SPDX-License-Identifier: MIT
#
# build-rpm.sh OUTDIR — `make rpm`: rpmbuild -bb of packaging/rpm/cubicle.spec
# from a tarball of the work tree (what git would commit), in a private
# _topdir under OUTDIR; the binary .rpm lands in OUTDIR. On a host whose rpm
# database does not hold the build dependencies (Debian: they are .debs),
# --nodeps; set RPMBUILD_NODEPS=no to have rpmbuild check them.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: build-rpm.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
spec=$top/packaging/rpm/cubicle.spec

command -v rpmbuild >/dev/null 2>&1 || {
	echo "build-rpm: rpmbuild not found (apt-get install rpm)" >&2
	exit 1
}
version=$(rpmspec -q --srpm --qf '%{version}\n' "$spec" 2>/dev/null ||
	sed -n 's/^Version:[[:space:]]*//p' "$spec")
topdir=$out/rpmbuild
rm -rf "$topdir"
mkdir -p "$topdir/SOURCES" "$topdir/SPECS" "$topdir/BUILD" "$topdir/RPMS" "$topdir/SRPMS"

# the source tarball: cubicle-VERSION/...
stage=$topdir/stage/cubicle-$version
mkdir -p "$stage"
cd "$top"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		xargs -0 sh -c 'for f; do if [ -f "$f" ]; then printf "%s\0" "$f"; fi; done' sh |
		tar --null -T - -cf - | tar -C "$stage" -xf -
else
	tar --exclude=./build --exclude=./.git -cf - . | tar -C "$stage" -xf -
fi
tar -C "$topdir/stage" -czf "$topdir/SOURCES/cubicle-$version.tar.gz" "cubicle-$version"
rm -rf "$topdir/stage"
cp "$spec" "$topdir/SPECS/"

nodeps=--nodeps
[ "${RPMBUILD_NODEPS:-}" != no ] || nodeps=
# shellcheck disable=SC2086 # $nodeps: one option or none
rpmbuild -bb $nodeps --define "_topdir $topdir" "$topdir/SPECS/cubicle.spec"

find "$topdir/RPMS" -name '*.rpm' -exec mv {} "$out/" \;
rm -rf "$topdir"
for r in "$out"/cubicle-*.rpm; do
	echo "build-rpm: $r"
done
