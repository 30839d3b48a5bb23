#!/bin/bash
# SPDX-License-Identifier: MIT
#
# mkrootfs.sh — build a minimal busybox root filesystem for a cubicle user.
# Used by the integration tests and by scripts/demo.sh.
#
# The tree holds Debian's static busybox with one relative symlink per applet
# (so every link resolves inside the rootfs), an /etc/passwd and /etc/group
# with only root, and the empty mount targets cubicle-shell needs. Everything
# is owned by root and not writable by group or others, except /tmp (1777) and
# the user's home (-u), as cubicle-shell demands of a rootfs. -x adds host
# programs (sftp-server, scp, rsync, ...) with the shared libraries they need.
set -euo pipefail

prog=${0##*/}
usage() {
	cat <<EOF
usage: $prog [-p PROBE] [-u USER] [-n HOSTNAME] [-x PROGRAM]... DIR
Builds a busybox rootfs in DIR (must not exist, or be an empty directory).
  -p PROBE     copy the static program PROBE to DIR/bin/probe
  -u USER      create DIR/home/USER owned by USER (a user of this host)
  -n HOSTNAME  write HOSTNAME to DIR/etc/hostname (default: cubicle)
  -x PROGRAM   copy the host program PROGRAM (an absolute path) to the same
               path in DIR, with every shared library it needs (ldd) and the
               dynamic loader, also at their host paths; repeatable
               (e.g. -x /usr/lib/openssh/sftp-server -x /usr/bin/rsync)
Needs root. Installs busybox-static with apt-get if /bin/busybox is missing
or not static. BUSYBOX=PATH uses another static busybox.
EOF
}

die() {
	echo "$prog: $*" >&2
	exit 1
}

probe='' user='' hostname=cubicle
extra=()
while getopts 'p:u:n:x:h' opt; do
	case $opt in
	p) probe=$OPTARG ;;
	u) user=$OPTARG ;;
	n) hostname=$OPTARG ;;
	x) extra+=("$OPTARG") ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { usage >&2; exit 2; }
dir=$1

[ "$(id -u)" -eq 0 ] || die "must run as root (the rootfs has to be root-owned)"
if [ -n "$probe" ]; then
	[ -f "$probe" ] || die "$probe: no such file"
	probe=$(realpath -- "$probe")
fi
if [ -n "$user" ]; then
	uid=$(id -u -- "$user" 2>/dev/null) || die "$user: no such user"
	gid=$(id -g -- "$user")
fi

# clean_path PATH: PATH must be absolute and plain (no "." or ".." component,
# no doubled slashes), so that DIR/PATH stays inside DIR.
clean_path() {
	case $1 in
	/*) ;;
	*) return 1 ;;
	esac
	case $1/ in
	*//* | */./* | */../*) return 1 ;;
	esac
	case $1 in
	*[!A-Za-z0-9._+/@-]*) return 1 ;;
	esac
	return 0
}

# The files -x copies: each program and every library and loader ldd names
# for it, as absolute host paths, without duplicates.
extra_files=()
declare -A extra_seen=()
add_extra() {
	clean_path "$1" || die "$1: not a plain absolute path"
	[ -f "$1" ] || die "$1: no such file"
	[ -z "${extra_seen[$1]:-}" ] || return 0
	extra_seen[$1]=1
	extra_files+=("$1")
}
for x in "${extra[@]}"; do
	clean_path "$x" || die "-x $x: not a plain absolute path"
	if [ ! -f "$x" ] || [ ! -x "$x" ]; then die "-x $x: no such executable file"; fi
	add_extra "$x"
	libs=$(LC_ALL=C ldd -- "$x" 2>&1) || {
		# a static program needs nothing else
		[[ $libs == *"not a dynamic executable"* ]] || die "ldd $x: $libs"
		continue
	}
	while read -r line; do
		case $line in
		*"not found"*) die "$x needs ${line%% *}, which is not found" ;;
		*" => "/*) lib=${line#* => } && lib=${lib%% (*} ;;
		/*) lib=${line%% (*} ;;
		*) continue ;; # linux-vdso.so.1 and the like: no file
		esac
		add_extra "$lib"
	done <<<"$libs"
done

is_static() { ! ldd "$1" >/dev/null 2>&1; }

busybox=$(realpath -m -- "${BUSYBOX:-/bin/busybox}")
if [ -z "${BUSYBOX:-}" ] && { [ ! -x "$busybox" ] || ! is_static "$busybox"; }; then
	echo "$prog: installing busybox-static" >&2
	apt-get install -y -q busybox-static >&2 || die "could not install busybox-static"
fi
[ -x "$busybox" ] || die "$busybox: not found"
is_static "$busybox" || die "$busybox is dynamically linked; a static busybox is needed"

# Never write through anything a user may have planted: the target must be
# new, or an empty real directory.
if [ -L "$dir" ] || { [ -e "$dir" ] && [ ! -d "$dir" ]; }; then
	die "$dir exists and is not a directory"
fi
if [ -d "$dir" ] && [ -n "$(ls -A -- "$dir")" ]; then
	die "$dir is not empty"
fi
parent=$(dirname -- "$dir")
[ -d "$parent" ] || die "$parent: no such directory"

umask 022
mkdir -p -- "$dir"
chown 0:0 -- "$dir"
chmod 0755 -- "$dir"
cd -- "$dir"

mkdir bin sbin usr usr/bin usr/sbin etc proc dev tmp home root var var/tmp sys run
chmod 1777 tmp var/tmp
chmod 0700 root

cp -- "$busybox" bin/busybox
chmod 0755 bin/busybox

# One relative symlink per applet: usr/bin/awk -> ../../bin/busybox.
n=0
while read -r applet; do
	case $applet in
	*/*) ;;
	*) continue ;; # "linuxrc" and the like: not wanted at the top level
	esac
	[ "$applet" != bin/busybox ] || continue
	if [ -e "$applet" ] || [ -L "$applet" ]; then
		continue
	fi
	up=${applet//[!\/]/}
	up=${up//\//../}
	ln -s -- "${up}bin/busybox" "$applet"
	n=$((n + 1))
done < <("$busybox" --list-full)
[ "$n" -gt 100 ] || die "only $n busybox applets installed"

printf 'root:x:0:0:root:/root:/bin/sh\n' >etc/passwd
printf 'root:x:0:\n' >etc/group
printf '%s\n' "$hostname" >etc/hostname
cat >etc/profile <<'EOF'
export PS1='\u@\h:\w\$ '
EOF
chmod 0644 etc/passwd etc/group etc/hostname etc/profile

if [ -n "$probe" ]; then
	cp -- "$probe" bin/probe
	chmod 0755 bin/probe
fi
# -x: each file at its host path, a regular file (links resolved), root's;
# the directories it needs made root's 0755. A busybox applet link of the
# same name is replaced.
for f in "${extra_files[@]}"; do
	rel=${f#/}
	d=.
	parts=()
	[[ $rel != */* ]] || IFS=/ read -ra parts <<<"${rel%/*}"
	for part in "${parts[@]}"; do
		d=$d/$part
		[ ! -L "$d" ] || die "$dir/${d#./}: a symbolic link on the way to $f"
		[ -d "$d" ] || mkdir -m 0755 -- "$d"
	done
	if [ -L "$rel" ] || [ -e "$rel" ]; then
		[ -L "$rel" ] || [ -f "$rel" ] || die "$dir/$rel exists and is not a file"
		rm -f -- "$rel"
	fi
	cp -L -- "$f" "$rel"
	chown 0:0 -- "$rel"
	chmod go-w -- "$rel"
done

if [ -n "$user" ]; then
	mkdir -p -- "home/$user"
	chown -- "$uid:$gid" "home/$user"
	chmod 0755 -- "home/$user"
fi
