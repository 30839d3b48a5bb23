#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `sudo make demo`: build cubicle, make a busybox rootfs and a demo user whose
# login shell is cubicle-shell, log in as that user with su(1), and show what
# the session sees next to what the host sees.
# `sudo make demo-clean` (this script with --clean) removes all of it.
#
# Everything lives under $STATE and in the one user $DEMO_USER; the host's own
# /etc/cubicle, /etc/shells and PAM configuration are never touched.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
STATE=/var/lib/cubicle-demo
DEMO_USER=cubicle-demo
DEMO_HOST=cubicle-demo-box

say() { printf '\033[1m%s\033[0m\n' "$*"; }
die() {
	echo "demo: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "run it as root: sudo make demo"

clean() {
	local pids=()
	if id -u "$DEMO_USER" >/dev/null 2>&1; then
		# end the demo user's processes by pid before removing the user
		mapfile -t pids < <(ps -o pid= -u "$(id -u "$DEMO_USER")" || true)
		[ ${#pids[@]} -eq 0 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
		userdel -r "$DEMO_USER" 2>/dev/null || userdel "$DEMO_USER"
	fi
	if [ -d "$STATE" ]; then
		# nothing should be mounted there; detach anything a crash left behind
		awk -v s="$STATE" 'index($5, s) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
			while read -r m; do umount -l "$m"; done
		rm -rf "$STATE"
	fi
	rm -rf "/home/${DEMO_USER:?}"
	say "demo removed: user $DEMO_USER, $STATE"
}

if [ "${1:-}" = "--clean" ]; then
	clean
	exit 0
fi

"$REPO/scripts/install-deps.sh"

say "building cubicle"
make -s -C "$REPO" all
# the demo's own copy of the shell reads the demo's config, not /etc/cubicle
install -d -m 0755 "$STATE" "$STATE/bin" "$STATE/etc/cubicle" "$STATE/rootfs"
make -s -C "$REPO" B="$STATE/build" SYSCONFDIR="$STATE/etc" "$STATE/build/cubicle-shell"
install -m 0755 "$STATE/build/cubicle-shell" "$STATE/bin/cubicle-shell"
setcap "$(sed -n 's/^SHELL_CAPS *= *//p' "$REPO/Makefile")" "$STATE/bin/cubicle-shell"

cat >"$STATE/etc/cubicle/cubicle.conf" <<EOF
# cubicle demo config
[default]
isolate = no

[user:$DEMO_USER]
isolate      = yes
rootfs       = $STATE/rootfs/%u
hostname     = $DEMO_HOST
shell        = /bin/sh
home         = %h
tmp_size     = 64M
stop_timeout = 2
# su's PAM stack here has no pam_cubicle: the shell runs on its own
require_session = no
EOF
chmod 0644 "$STATE/etc/cubicle/cubicle.conf"

if ! id -u "$DEMO_USER" >/dev/null 2>&1; then
	useradd -m -d "/home/$DEMO_USER" -s "$STATE/bin/cubicle-shell" "$DEMO_USER"
fi
echo "hello from the host's /home/$DEMO_USER" >"/home/$DEMO_USER/README"
chown "$DEMO_USER:" "/home/$DEMO_USER/README"
if [ ! -x "$STATE/rootfs/$DEMO_USER/bin/busybox" ]; then
	say "making a busybox rootfs in $STATE/rootfs/$DEMO_USER"
	"$REPO/tests/mkrootfs.sh" -u "$DEMO_USER" -n "$DEMO_HOST" "$STATE/rootfs/$DEMO_USER"
fi
"$REPO/build/cubiclectl" check --config "$STATE/etc/cubicle/cubicle.conf" --user "$DEMO_USER" >/dev/null

# The same questions, asked on the host (as root) and in the session.
view='echo "hostname: $(hostname)"
echo "I am:     $(id)"
echo "processes ($(ls -d /proc/[0-9]* | wc -l)):"
ps -eo pid,comm | head -8
echo "mounts ($(wc -l </proc/self/mountinfo)):"
awk "{ print \"  \" \$5, \$9 }" /proc/self/mountinfo | head -12
echo "capabilities:"
grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status
echo "home: $(cat ~/README 2>/dev/null)"'

host_out=$(sh -c "$view" 2>&1)
say "logging in: su - $DEMO_USER -c ...   (its login shell is cubicle-shell)"
set +e
box_out=$(su - "$DEMO_USER" -c "$view" 2>&1)
rc=$?
set -e
[ $rc -eq 0 ] || {
	printf '%s\n' "$box_out"
	die "the demo session failed (exit $rc)"
}

say "$(printf '%-58s %s' 'THE HOST (root)' "THE SESSION ($DEMO_USER)")"
paste <(printf '%s\n' "$host_out" | expand | cut -c1-56) <(printf '%s\n' "$box_out" | expand | cut -c1-60) |
	awk -F '\t' '{ printf "%-58s %s\n", $1, $2 }'

echo
say "After the session: no process of $DEMO_USER is left on the host:"
left=$(ps -o pid=,comm= -u "$(id -u "$DEMO_USER")" || true)
echo "  ${left:-(none)}"
echo
say "Try it yourself:"
echo "  sudo su - $DEMO_USER            # an interactive login into the container"
echo "  sudo su - $DEMO_USER -c 'ps'    # one command"
echo "  sudo make demo-clean            # remove the demo user and $STATE"
