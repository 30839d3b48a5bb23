#!/bin/bash
# SPDX-License-Identifier: MIT
# cubicle-shell run directly by the user with hostile argv, environment and
# process state (SECURITY.md 8-10): bad invocations are usage errors (exit 2,
# one line, nothing run); the environment is rebuilt from an allow-list and
# the loader never sees the caller's variables; inherited descriptors and
# signal state do not reach the command.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
ct_need_shell
ct_user_add U
ct_conf_default
marker=$(ct_marker_cmd "$U")

# ---- argv ----
ct_exec_as "$U" --empty-argv -- "$CT_SHELL"
assert_usage_error "$U" "argc == 0 (or argv[0] \"\" where the kernel fills one in)"
ct_exec_as "$U" -- "$CT_SHELL"
assert_usage_error "$U" "no arguments and not a login name"
ct_exec_as "$U" -- "$CT_SHELL" -c
assert_usage_error "$U" "-c without a command"
ct_exec_as "$U" -- "$CT_SHELL" -c "$marker" extra
assert_usage_error "$U" "-c COMMAND and one more argument"
ct_exec_as "$U" -- "$CT_SHELL" -x -c "$marker"
assert_usage_error "$U" "an unknown option before -c"
ct_exec_as "$U" -- "$CT_SHELL" -l -c "$marker"
assert_usage_error "$U" "-l -c COMMAND"
ct_exec_as "$U" -- "$CT_SHELL" --help
assert_usage_error "$U" "--help"
ct_exec_as "$U" -- "$CT_SHELL" "$marker"
assert_usage_error "$U" "a command without -c"
ct_exec_as "$U" --argv0 -cubicle-shell -- "$CT_SHELL" "$marker"
assert_usage_error "$U" "the login form with an argument"
ct_exec_as "$U" --argv0 -cubicle-shell -- "$CT_SHELL" -i
assert_usage_error "$U" "the login form with -i"

# cubicle-shell takes a command of up to 64 KiB (the kernel would pass up to
# 128 KiB); anything longer is a usage error and runs nothing.
long=": $(head -c 131000 /dev/zero | tr '\0' x); $marker"
ct_exec_as "$U" -- "$CT_SHELL" -c "$long"
assert_usage_error "$U" "a command of ${#long} bytes: a clean usage error"
long=": $(head -c 65536 /dev/zero | tr '\0' x); $marker"
ct_exec_as "$U" -- "$CT_SHELL" -c "$long"
assert_usage_error "$U" "a command of ${#long} bytes (just over 64 KiB): a clean usage error"
ct_run "$U" ": $(head -c 32768 /dev/zero | tr '\0' y); echo MID-RAN"
assert_eq "$CT_RC:$CT_OUT" "0:MID-RAN" "a command of 32 KiB runs"

# ---- environment ----
gcc -shared -fPIC -O2 -Wall -Wextra -Werror -DMARKER="\"/home/$U/evil-ran\"" \
	-o "/home/$U/evil.so" "$CT_REPO/tests/integration/helpers/evil.c"
chmod 0755 "/home/$U/evil.so"
cp "/home/$U/evil.so" "$CT_W/evil.so"
cat >"/home/$U/evil-env.sh" <<EOF
touch /home/$U/evil-ran
EOF
assert_true "the test's evil.so works on the host" env LD_PRELOAD="$CT_W/evil.so" /bin/true
assert_true "... and creates its marker" test -e "/home/$U/evil-ran"
rm -f "/home/$U/evil-ran"

hostile_env=(
	--env "LD_PRELOAD=/home/$U/evil.so"
	--env "LD_LIBRARY_PATH=/home/$U"
	--env "LD_AUDIT=/home/$U/evil.so"
	--env "GCONV_PATH=/home/$U"
	--env "GLIBC_TUNABLES=glibc.malloc.mxfast=0"
	--env "BASH_ENV=/home/$U/evil-env.sh"
	--env "ENV=/home/$U/evil-env.sh"
	--env "SHELLOPTS=xtrace"
	--env "IFS=/"
	--env "CDPATH=/etc"
	--env "PS4=\$(touch /home/$U/evil-ran)"
	--env "CUBICLE_TEST_JUNK=1"
	--env "HOME=/etc"
	--env "USER=root"
	--env "LOGNAME=root"
	--env "SHELL=/bin/evil"
	--env "PATH=/home/$U/evil-bin"
)
ct_run "$U" "${hostile_env[@]}" 'exec probe'
assert_exit 0 "runs with a hostile environment"
for var in LD_PRELOAD LD_LIBRARY_PATH LD_AUDIT GCONV_PATH GLIBC_TUNABLES BASH_ENV ENV \
	SHELLOPTS IFS CDPATH PS4 CUBICLE_TEST_JUNK; do
	assert_no_grep "^env=$var=" "$var does not reach the command"
done
assert_line "env=HOME=/home/$U" "HOME comes from passwd, not the caller"
assert_line "env=USER=$U" "USER comes from passwd"
assert_line "env=LOGNAME=$U" "LOGNAME comes from passwd"
assert_line "env=SHELL=/bin/sh" "SHELL comes from the config"
assert_no_grep '^env=PATH=.*evil' "PATH is not the caller's"
assert_file_absent "/home/$U/evil-ran" "LD_PRELOAD/LD_AUDIT/ENV loaded nothing (no marker)"

# Not isolated: the host's dynamic /bin/sh runs; the environment must be
# rebuilt there too, or LD_PRELOAD would load evil.so into it.
ct_conf <<EOF
$(ct_conf_default_text)
[user:$U]
isolate = no
EOF
ct_run "$U" "${hostile_env[@]}" 'echo ran; env'
assert_exit 0 "isolate = no: runs with a hostile environment"
assert_file_absent "/home/$U/evil-ran" "isolate = no: evil.so never loaded (no marker)"
assert_no_grep '^(LD_[A-Z_]+|GCONV_PATH|GLIBC_TUNABLES|BASH_ENV|ENV|CUBICLE_TEST_JUNK)=' \
	"isolate = no: the loader's and shells' variables are gone"
ct_conf_default

# TERM: kept only when it matches [A-Za-z0-9._+-]{1,64}
for term in xterm-256color screen.xterm-new rxvt-unicode+x "$(printf 'a%.0s' {1..64})"; do
	ct_run "$U" --env "TERM=$term" 'exec probe'
	assert_line "env=TERM=$term" "TERM=${term:0:20}... (${#term} bytes) is kept"
done
for term in $'xterm\e]0;owned\a' "$(printf 'a%.0s' {1..65})" "$(printf 'b%.0s' {1..200})" \
	"../../../tmp/x" "xterm 256" $'xterm\nLD_PRELOAD=x' ""; do
	ct_run "$U" --env "TERM=$term" 'exec probe'
	assert_no_grep '^env=TERM=' "TERM=$(printf '%q' "${term:0:24}") (${#term} bytes) is dropped"
done

ct_run "$U" --env "BIG=$(head -c 100000 /dev/zero | tr '\0' z)" 'echo big-ok'
assert_eq "$CT_RC:$CT_OUT" "0:big-ok" "a 100 kB variable in the environment does no harm"

# ---- process state ----
ct_exec_as "$U" --ignore-signals --block-signals -- "$CT_SHELL" -c 'exec probe'
assert_line "sig_ign=0000000000000000" "signals ignored by the caller are reset"
assert_line "sig_blk=0000000000000000" "signals blocked by the caller are unblocked"

ct_exec_as "$U" --close 0 -- "$CT_SHELL" -c 'exec probe'
assert_line "fds=0,1,2" "closed stdin: the command still gets 0, 1 and 2"
ct_exec_as "$U" --close 0 -- "$CT_SHELL" -c 'stat -L -c "%F %t:%T" /proc/self/fd/0; head -c 1 | wc -c'
assert_eq "$CT_OUT" $'character special file 1:3\n0' "closed stdin becomes /dev/null (1:3), reading gives EOF"
ct_exec_as "$U" --close 1 --close 2 -- "$CT_SHELL" -c "$marker"
assert_true "closed stdout and stderr: no crash (exit $CT_RC)" test "$CT_RC" -lt 124

exec 5</etc/hostname 7>"$CT_W/leak" 9<"$CT_ROOT"
ct_run "$U" 'exec probe'
exec 5<&- 7>&- 9<&-
assert_line "fds=0,1,2" "descriptors 5, 7 and 9 of the caller do not reach the command"

ct_run "$U" 'umask; exec probe' 2>/dev/null
ct_diag "umask inside when the caller had $(umask): $(head -n1 <<<"$CT_OUT")"
old_umask=$(umask)
umask 0000
ct_run "$U" "touch /home/$U/umask-test"
umask "$old_umask"
ct_diag "a file created inside with the caller's umask 0000 has mode $(stat -c %a "/home/$U/umask-test")"

# ---- cubicle-shell inside the container gains nothing (SECURITY.md 4) ----
# A copy with its file capabilities and the libraries it needs, in the rootfs.
R=$(ct_rootfs "$U")
cp "$CT_SHELL" "$R/bin/cubicle-shell"
setcap "$CT_SHELL_CAPS" "$R/bin/cubicle-shell"
for lib in $(ldd "$CT_SHELL" | grep -o '/[^ ]*'); do
	mkdir -p "$R$(dirname "$lib")"
	cp -L "$lib" "$R$lib"
done
ct_run "$U" '/bin/cubicle-shell -c "exec probe"; echo "status=$?"'
ct_diag "inside: $(grep -v '^[a-z_0-9]*=' <<<"$CT_OUT"$'\n'"$CT_ERR" || true)"
assert_no_grep '^cap_(prm|eff)=0*[1-9a-f]' "cubicle-shell run inside gets no capability"
assert_no_grep '^status=0$' "cubicle-shell run inside does not succeed"
