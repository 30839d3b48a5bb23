#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Installs, from Debian's packages, what building and testing cubicle needs
# and is missing. The one list: .ci/run, `make check` and `make demo` use it.
# Without root it only names what is missing.
set -eu

PACKAGES="
	build-essential musl-tools
	clang libclang-rt-14-dev
	libcap-dev libcap2-bin
	libcmocka-dev libpam0g-dev libcgroup-dev
	busybox-static
	util-linux passwd login procps file
	expect
	openssh-server openssh-client rsync
	debhelper lintian rpm groff-base man-db
"

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -n "$missing" ] || exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing:$missing (run as root to install them)" >&2
	exit 0
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null ||
	{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing; }
