#!/bin/bash
# SPDX-License-Identifier: MIT
# What the caller sees: the command's exit status (128+N for a signal, 127
# and 126 for a missing or unexecutable shell), the command string arriving
# as one untouched argv element, stdin/stdout/stderr passed straight through,
# and signals sent to cubicle-shell forwarded to the command.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
ct_need_shell
ct_user_add U
ct_conf_default

# ---- exit status ----
for status in 0 1 2 42 126 127 128 255; do
	ct_run "$U" "exit $status"
	assert_exit "$status" "exit $status is passed on"
done
ct_run "$U" 'no-such-command-here'
assert_exit 127 "a command not found inside: 127 from the shell"
ct_run "$U" 'kill -USR1 $$'
assert_exit 138 "killed by SIGUSR1: 128+10"
ct_run "$U" 'exec probe kill TERM'
assert_exit 143 "killed by SIGTERM: 128+15"
ct_run "$U" 'kill -KILL $$'
assert_exit 137 "killed by SIGKILL: 128+9"

# ---- the command string is one untouched argv element ----
payload=$(printf '%s\n' \
	"single 'quotes' and \"double\" and \\backslash\\" \
	'$(touch /tmp/expanded) `id` ${HOME} $HOME $((1+1)) ~ !!' \
	'globs: * ? [a-z] /*' \
	"	leading tab, trailing blanks   " \
	'; && || | > < & # not a comment' \
	"$(printf 'utf-8: \303\251\342\202\254 bell-free')" \
	'-c --help -' \
	'')
ct_run "$U" "cat <<'CUBICLE_EOF'
$payload
CUBICLE_EOF"
assert_exit 0 "a quoted here-document runs"
assert_eq "$CT_OUT" "$payload" "quotes, newlines, \$(...), globs and UTF-8 arrive byte for byte"
ct_run "$U" 'set -- a "b c" '"'d  e'"'; echo "$#|$2|$3"'
assert_eq "$CT_OUT" "3|b c|d  e" "the shell parses the command string itself"

# ---- the login form without a terminal: commands on stdin ----
ct_login "$U" <<<'echo "login:$0"; hostname; exit 3'
assert_eq "$CT_RC|$CT_OUT" "3|login:-sh"$'\n'"box-$U" "the login form runs a login shell reading stdin"

# ---- stdio passes straight through ----
ct_run "$U" 'echo out1; echo err1 >&2; echo out2; echo err2 >&2'
assert_eq "$CT_OUT|$CT_ERR" $'out1\nout2|err1\nerr2' "stdout and stderr stay separate"
ct_run "$U" 'exec probe'
assert_eq "$(ct_val isatty0)$(ct_val isatty1)$(ct_val isatty2)" 000 "no terminal without one"

head -c $((8 * 1024 * 1024 + 12345)) /dev/urandom >"$CT_W/in"
sum=$(sha256sum <"$CT_W/in" | cut -d' ' -f1)
ct_run "$U" 'sha256sum' <"$CT_W/in"
assert_eq "$CT_RC:${CT_OUT%% *}" "0:$sum" "8 MiB on stdin arrive intact"
ct_run "$U" 'cat' <"$CT_W/in"
assert_true "8 MiB through cat arrive intact on stdout" cmp -s "$CT_W/in" "$CT_W/out"
ct_run "$U" 'cat >&2' <"$CT_W/in"
assert_true "8 MiB through cat arrive intact on stderr" cmp -s "$CT_W/in" "$CT_W/err"
assert_eq "$(stat -c %s "$CT_W/out")" 0 "... and nothing on stdout"
ct_run "$U" 'head -c 10 >/dev/null; echo rest=$(wc -c)' <"$CT_W/in"
assert_eq "$CT_OUT" "rest=$((8 * 1024 * 1024 + 12345 - 10))" "stdin is the caller's stream, unbuffered by the relay"

# The caller's reader goes away early: the command sees a broken pipe and
# goes on, cubicle-shell ends instead of hanging.
_ct_argv_as "$U" -- "$CT_SHELL" -c 'yes | head -c 100000000; echo "status=$?" >&2'
{
	timeout -k 5 "$CT_TIMEOUT" "${CT_ARGV[@]}" 2>"$CT_W/err"
	echo $? >"$CT_W/rc"
} | head -c 1000 >/dev/null || true
assert_eq "$(cat "$CT_W/rc")" 0 "a reader that stops early: cubicle-shell ends (no hang), status 0"
assert_grep '^status=' "a reader that stops early: the command goes on after the broken pipe" \
	"$(cat "$CT_W/err")"

# ---- signals sent to cubicle-shell reach the command ----
ct_spawn "$U" 'exec probe sig'
pid=$CT_PID
if ct_wait_for "$CT_SPAWN_OUT" '^ready$'; then
	for s in HUP INT QUIT USR1 USR2 WINCH CONT; do
		kill -s "$s" "$pid"
		assert_true "SIG$s is forwarded to the command" ct_wait_for "$CT_SPAWN_OUT" "^sig=$s$" 5
	done
	kill -s TERM "$pid"
	assert_true "SIGTERM is forwarded to the command" ct_wait_for "$CT_SPAWN_OUT" '^sig=TERM$' 5
else
	ct_fail "the probe started" "$(cat "$CT_SPAWN_OUT" "$CT_SPAWN_ERR")"
fi
ct_wait "$pid"
assert_exit 0 "the command's own exit status after handling SIGTERM"

user_runs() { ct_user_procs "$1" | grep -q " $2\$"; }
for s in TERM:143 HUP:129 INT:130; do
	ct_spawn "$U" 'exec sleep 600'
	pid=$CT_PID
	ct_poll 10 user_runs "$U" sleep || true
	kill -s "${s%:*}" "$pid"
	ct_wait "$pid"
	assert_exit "${s#*:}" "SIG${s%:*} to cubicle-shell ends a command with default dispositions: ${s#*:}"
done

# ---- the configured shell: missing 127, not executable 126 ----
ct_conf <<EOF
$(ct_conf_default_text | sed 's|^shell = .*|shell = /bin/no-such-shell|')
EOF
ct_run "$U" "$(ct_marker_cmd "$U")"
assert_exit 127 "a configured shell that does not exist: 127"
ct_conf <<EOF
$(ct_conf_default_text | sed 's|^shell = .*|shell = /etc/passwd|')
EOF
ct_run "$U" "$(ct_marker_cmd "$U")"
assert_exit 126 "a configured shell that is not executable: 126"
