#!/bin/bash
# SPDX-License-Identifier: MIT
# With a terminal: the command gets a pty of the container's own devpts,
# window-size changes pass through, job control works, Ctrl-C reaches the
# command and not cubicle-shell, and TIOCSTI from inside never reaches the
# outer terminal. Driven with expect(1) on a 30 x 100 terminal.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ct_begin
ct_need_cmd expect expect
ct_need_shell
ct_user_add U
ct_conf_default

# ---- -c COMMAND on a terminal ----
CT_SPAWN=$(ct_script "$U" --env TERM=xterm -- "$CT_SHELL" -c \
	'tty; t=$(tty); test -c "$t" && echo "tty-exists=$t"; stty size; exec probe') \
	ct_expect "-c COMMAND on a terminal runs to the end" '
	spawn $env(CT_SPAWN)
	finish 0'
tty=$(grep -m1 '^/dev/' <<<"$CT_TRANSCRIPT" || true)
assert_match "$tty" '^/dev/pts/[0-9]+$' "tty names a pty"
assert_grep "^tty-exists=$tty$" "that pty exists inside the container" "$CT_TRANSCRIPT"
assert_grep '^30 100$' "the terminal size is passed on" "$CT_TRANSCRIPT"
CT_OUT=$CT_TRANSCRIPT
assert_line "isatty0=1" "stdin is a terminal"
assert_line "isatty1=1" "stdout is a terminal"
assert_line "isatty2=1" "stderr is a terminal"
assert_line "ttyname0=$tty" "stdin is that pty"
assert_line "fds=0,1,2" "only descriptors 0, 1 and 2, also with a terminal"
assert_grep '^mount=/dev/pts devpts ' "a devpts of its own"
assert_line "env=TERM=xterm" "a sane TERM is kept"

# A long output through a reader that starts late: every line arrives, in
# order, and the last one written after a pause too. (The end of a command
# that comes while the relay still holds output it could not pass on is
# tests/unit/test_pty.c: that moment cannot be timed from here.)
CT_SPAWN=$(ct_script "$U" -- "$CT_SHELL" -c 'seq 1 20000; sleep 1; echo END-OF-OUTPUT') \
	ct_expect "-c COMMAND on a terminal: a long output, read late" '
	spawn $env(CT_SPAWN)
	sleep 3
	set timeout 20
	finish 0'
lines=$(grep -c -E '^[0-9]+$' <<<"$CT_TRANSCRIPT" || true)
assert_eq "$lines" 20000 "... all 20000 lines"
assert_eq "$(grep -E '^[0-9]+$' <<<"$CT_TRANSCRIPT" | awk '$1 != NR { print NR; exit }')" "" \
	"... in order, none missing"
assert_grep '^END-OF-OUTPUT$' "... and the one after the pause" "$CT_TRANSCRIPT"

CT_SPAWN=$(ct_script "$U" -- "$CT_SHELL" -c 'exit 5') \
	ct_expect "exit status through a terminal" '
	spawn $env(CT_SPAWN)
	finish 5'

CT_SPAWN=$(ct_script "$U" -- "$CT_SHELL" -c 'echo GO; sleep 100') \
	ct_expect "Ctrl-C ends the command: 130" '
	spawn $env(CT_SPAWN)
	want {GO} "the command"
	set timeout 1
	for {set i 0} {$i < 10} {incr i} {
		send "\003"
		expect eof { break } timeout {}
	}
	set timeout 10
	finish 130'

# ---- the login form: prompt, resize, job control ----
# The busybox /etc/profile of mkrootfs.sh sets PS1 to "\u@\h:\w\$ " (busybox
# then asks the terminal for the cursor position: no "$" anchor).
prompt="$U@box-$U:~\\\$ "
CT_SPAWN=$(ct_script "$U" --env TERM=xterm --argv0 -cubicle-shell -- "$CT_SHELL") \
	PROMPT=$prompt ct_expect "login shell: prompt with the user's name and the hostname" '
	spawn $env(CT_SPAWN)
	want $env(PROMPT) "the prompt"
	send "exit 0\r"
	finish 0'

CT_SPAWN=$(ct_script "$U" --env TERM=xterm --argv0 -cubicle-shell -- "$CT_SHELL") \
	ct_expect "window-size changes reach the inner terminal" '
	spawn $env(CT_SPAWN)
	send "echo SIZE=\$(stty size)\r"
	want {SIZE=([0-9]+) ([0-9]+)} "stty size"
	if {"$g1 $g2" ne "30 100"} { fail "size $g1 $g2 at the start, expected 30 100" }
	stty rows 40 columns 120 < $spawn_out(slave,name)
	# SIGWINCH travels asynchronously: ask again until it has arrived
	for {set i 0} {$i < 50} {incr i} {
		send "echo SIZE=\$(stty size)\r"
		want {SIZE=([0-9]+) ([0-9]+)} "stty size after the resize"
		if {"$g1 $g2" eq "40 120"} { break }
		sleep 0.1
	}
	if {"$g1 $g2" ne "40 120"} { fail "size $g1 $g2 after the resize, expected 40 120" }
	send "exit 0\r"
	finish 0'

CT_SPAWN=$(ct_script "$U" --env TERM=xterm --argv0 -cubicle-shell -- "$CT_SHELL") \
	PROMPT=$prompt ct_expect "job control: &, jobs, fg, Ctrl-Z, Ctrl-C" '
	spawn $env(CT_SPAWN)
	want $env(PROMPT) "the prompt"
	send "sleep 100 &\r"
	want $env(PROMPT) "the prompt after &"
	send "jobs\r"
	want {\[1\][+ ]+Running} "jobs listing the background sleep"
	want $env(PROMPT) "the prompt after jobs"
	send "fg\r"
	want {sleep 100} "fg"
	set timeout 1
	set stopped 0
	for {set i 0} {$i < 10 && !$stopped} {incr i} {
		send "\032"
		expect -re {Stopped} { set stopped 1 } timeout {}
	}
	set timeout 10
	if {!$stopped} { fail "Ctrl-Z did not stop the foreground job" }
	want $env(PROMPT) "the prompt after Ctrl-Z"
	send "fg\r"
	want {sleep 100} "fg again"
	set timeout 1
	set back 0
	for {set i 0} {$i < 10 && !$back} {incr i} {
		send "\003"
		expect -re $env(PROMPT) { set back 1 } timeout {}
	}
	set timeout 10
	if {!$back} { fail "Ctrl-C did not end the foreground job" }
	send "echo RC=\$?\r"
	want {RC=([0-9]+)} "the status of the job"
	if {$g1 != 130} { fail "job status $g1 after Ctrl-C, expected 130" }
	send "\003"
	send "echo ALIVE\$((2 + 3))\r"
	want {ALIVE5} "the shell survives Ctrl-C at the prompt"
	send "exit 7\r"
	finish 7'

# ---- a terminal program inside can make ptys of its own (script, tmux) ----
ct_run "$U" 'exec probe openpty'
assert_match "$CT_OUT" '^openpty=ok /dev/pts/[0-9]+ ping' "a new pty pair inside, as script and tmux make them"
ct_run "$U" 'probe openpty >/dev/null; probe openpty'
assert_match "$CT_OUT" '^openpty=ok /dev/pts/[0-9]+ ping' "... from the container's own devpts: /dev/pts/N exists inside"

# ---- TIOCSTI from inside never reaches the outer terminal ----
# The outer shell (root, on the expect terminal) runs cubicle-shell, then
# reads a line from its terminal: anything pushed by the probe inside would
# come first.
inner=$(ct_script "$U" -- "$CT_SHELL" -c 'exec probe tiocsti "INJECTED"')
outer=$CT_W/outer.sh
cat >"$outer" <<EOF
#!/bin/bash
$inner
echo "cubicle-shell-exit=\$?"
read -r -t 5 line || line="(nothing)"
echo "GOT=[\$line]"
EOF
chmod 0755 "$outer"
CT_SPAWN=$outer ct_expect "TIOCSTI inside does not reach the outer terminal" '
	spawn $env(CT_SPAWN)
	want {tiocsti0=([A-Za-z]+)} "the probe"
	want {cubicle-shell-exit=0} "cubicle-shell to end"
	send "clean\r"
	want {GOT=\[([^]\n\r]*)\]} "what the outer shell read"
	if {$g1 ne "clean"} { fail "the outer terminal read \"$g1\": input was injected" }
	finish 0'
ct_diag "inside: $(grep -o 'tiocsti[0-9]=[A-Za-z]*' <<<"$CT_TRANSCRIPT" | tr '\n' ' ' || true)"
if [ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)" == 0 ]; then
	ct_diag "note: dev.tty.legacy_tiocsti = 0 here: the kernel denies TIOCSTI anyway"
fi
