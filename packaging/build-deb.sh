#!/bin/sh
# SPDX-License-Identifier: MIT
#
# build-deb.sh OUTDIR — `make deb`: builds the cubicle .deb with
# dpkg-buildpackage -us -uc -b in a copy of the source tree
# (OUTDIR/cubicle-VERSION, with packaging/debian as its debian/), so that no
# debian/ directory and no build output ever appear in the work tree. The
# .deb, .buildinfo and .changes land in OUTDIR; the copy is removed after a
# successful build. Then lintian, when installed: errors fail the build,
# warnings must be fixed or overridden with a reason
# (packaging/debian/cubicle.lintian-overrides).
#
# Environment: DEB_BUILD_OPTIONS (e.g. nocheck) is passed on; LINTIAN=no
# skips lintian.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: build-deb.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

for cmd in dpkg-buildpackage dpkg-parsechangelog dh; do
	command -v "$cmd" >/dev/null 2>&1 || {
		echo "build-deb: $cmd not found (apt-get install dpkg-dev debhelper)" >&2
		exit 1
	}
done

version=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
src=$out/cubicle-$version
rm -rf "$src"
mkdir -p "$src"

# The source: what git would commit (tracked and untracked, not ignored),
# or without git everything but the build output.
cd "$top"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		xargs -0 sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh |
		tar --null -T - -cf - | tar -C "$src" -xf -
else
	tar --exclude=./build --exclude=./.git -cf - . | tar -C "$src" -xf -
fi
rm -rf "$src/debian"
cp -a "$top/packaging/debian" "$src/debian"
chmod 0755 "$src/debian/rules"

cd "$src"
dpkg-buildpackage -us -uc -b
cd "$out"
rm -rf "$src"

arch=$(dpkg-architecture -qDEB_HOST_ARCH)
changes=$out/cubicle_${version}_${arch}.changes
echo "build-deb: $(ls "$out"/cubicle_"$version"_*.deb)"

if [ "${LINTIAN:-}" = no ]; then
	exit 0
fi
if ! command -v lintian >/dev/null 2>&1; then
	echo "build-deb: lintian not installed: not run (apt-get install lintian)" >&2
	exit 0
fi
echo "build-deb: lintian $changes"
# (not --show-overrides: lintian 2.116 then fails on overridden errors too)
lintian --fail-on error,warning --display-info "$changes"
