#!/bin/bash
# SPDX-License-Identifier: MIT
# End to end through Debian's OpenSSH (tests/integration/ssh.sh): an
# interactive login on a pty (ssh -tt, driven by expect) gets a prompt in the
# container — its hostname, only its own processes with cubicle-init as PID
# 1, job control, Ctrl-C, window-size changes, `exit 3` seen by the client;
# `ssh host CMD` passes exit statuses and signals (128+N) on, keeps stdout and
# stderr apart and streams stdin both ways (tar, a file of several MB).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=ssh.sh
. "$(dirname "$0")/ssh.sh"
ct_begin
ct_need_shell
ssh_begin
ssh_user_add U
ssh_conf
ssh_start

# ---- a first command: the container, its hostname, its processes ----
ssh_run "$U" 'hostname; ps -o pid,comm; echo "cgroup=$(grep -m1 -E "^(0::|[0-9]+:pids:)" /proc/self/cgroup)"'
assert_exit 0 "ssh USER@host CMD runs"
assert_eq "$(head -n1 <<<"$CT_OUT")" "box-$U" "... in the container: its hostname"
assert_grep '^ +1 cubicle-init$' "... cubicle-init is PID 1"
assert_no_grep 'sshd|cubicle-shell' "... no sshd, no cubicle-shell inside"
[ "$CT_RC" == 0 ] || ssh_log

# ---- interactive: ssh -tt on a pty ----
# PROMPT: ours, set first thing (its echo, CT""PROMPT, never matches it).
interactive() {
	CT_SPAWN=$(ssh_script "$U" -tt) CT_USER=$U ct_expect "$1" '
	proc prompt {what} { want {CTPROMPT> } "the prompt $what" }
	spawn $env(CT_SPAWN)
	want "$env(CT_USER)@box-$env(CT_USER):~\\$ " "the first prompt: USER@HOSTNAME:~\$"
	send "PS1=CT\"\"PROMPT\\>\\ \r"
	prompt "we set"
	'"$2"
}

interactive "ssh -tt: a login shell on a pty in the container: hostname, tty, ps, exit 3" '
	send "echo HO\"\"ST=\$(hostname) TTY=\$(tty) SI\"\"ZE=\$(stty size)\r"
	want {HOST=(\S+) TTY=(\S+) } "hostname and tty"
	set host $g1
	set tty $g2
	want {SIZE=([0-9]+ [0-9]+)} "the terminal size"
	set size $g1
	if {$host ne "box-$env(CT_USER)"} { fail "hostname $host" }
	if {![regexp {^/dev/pts/[0-9]+$} $tty]} { fail "tty $tty" }
	if {$size ne "30 100"} { fail "terminal size $size, expected 30 100" }
	prompt "after hostname"
	send "ps -o pid,comm > /tmp/ps; echo NP\"\"ROC=\$((\$(wc -l < /tmp/ps) - 1)) ONE=\$(grep -c \"^ *1 cubicle-init\$\" /tmp/ps)\r"
	want {NPROC=([0-9]+) ONE=([0-9]+)} "the process list"
	set nproc $g1
	set one $g2
	prompt "after ps"
	if {$one != 1} { send "cat /tmp/ps\r"; prompt "after cat"; fail "PID 1 is not cubicle-init" }
	if {$nproc != 3} { send "cat /tmp/ps\r"; prompt "after cat"; fail "$nproc processes, expected 3 (init, sh, ps)" }
	send "exit 3\r"
	finish 3'

interactive "ssh -tt: job control (&, jobs, fg, Ctrl-Z, bg) and Ctrl-C" '
	send "sleep 100 &\r"
	prompt "after &"
	send "jobs\r"
	want {\[1\][+ ]+Running} "jobs listing the background sleep"
	prompt "after jobs"
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
	prompt "after Ctrl-Z"
	send "bg\r"
	prompt "after bg"
	send "jobs\r"
	want {\[1\][+ ]+Running} "jobs: the sleep runs again in the background"
	prompt "after jobs"
	send "fg\r"
	want {sleep 100} "fg again"
	set timeout 1
	set back 0
	for {set i 0} {$i < 10 && !$back} {incr i} {
		send "\003"
		expect -re {CTPROMPT> } { set back 1 } timeout {}
	}
	set timeout 10
	if {!$back} { fail "Ctrl-C did not end the foreground job" }
	send "echo RC=\$?\r"
	want {RC=([0-9]+)} "the status of the job"
	if {$g1 != 130} { fail "job status $g1 after Ctrl-C, expected 130" }
	prompt "after the status"
	send "\003"
	send "echo ALIVE\$((2 + 3))\r"
	want {ALIVE5} "the shell survives Ctrl-C at the prompt"
	prompt "after Ctrl-C at the prompt"
	send "exit\r"
	finish 0'

interactive "ssh -tt: a window-size change reaches the container (stty size)" '
	stty rows 40 columns 120 < $spawn_out(slave,name)
	# SIGWINCH travels asynchronously (client, sshd, cubicle-shell, the
	# inner pty): ask again until it has arrived
	for {set i 0} {$i < 50} {incr i} {
		send "echo SIZE=\$(stty size)\r"
		want {SIZE=([0-9]+ [0-9]+)} "stty size after the resize"
		set size $g1
		prompt "after stty size"
		if {$size eq "40 120"} { break }
		sleep 0.1
	}
	if {$size ne "40 120"} { fail "size $size after the resize, expected 40 120" }
	send "exit 0\r"
	finish 0'

# ---- ssh host CMD: exit statuses and signals ----
for n in 0 1 2 42 126 127 128 200 254 255; do
	ssh_run "$U" "exit $n"
	assert_exit "$n" "ssh host 'exit $n': the client exits $n"
done
ssh_run "$U" 'no-such-command-here'
assert_exit 127 "a command that is not found: 127"
ssh_run "$U" '/etc/passwd'
assert_exit 126 "a file that cannot be executed: 126"
ssh_run "$U" 'kill -TERM $$'
assert_exit 143 "the command killed by SIGTERM: 143 (128 + 15)"
ssh_run "$U" 'kill -KILL $$'
assert_exit 137 "the command killed by SIGKILL: 137 (128 + 9)"
ssh_run "$U" 'kill -SEGV $$'
assert_exit 139 "the command killed by SIGSEGV: 139 (128 + 11)"

# ---- stdout and stderr are kept apart ----
ssh_run "$U" 'echo out1; echo err1 >&2; echo out2; echo err2 >&2; exit 5'
assert_exit 5 "a command writing to both streams: its status"
assert_eq "$CT_OUT" "$(printf 'out1\nout2')" "stdout has exactly what went to stdout"
assert_eq "$CT_ERR" "$(printf 'err1\nerr2')" "stderr has exactly what went to stderr"
ssh_run "$U" 'test -t 0 || echo no-tty; tty'
assert_grep '^no-tty$' "without -t, no terminal: stdin is not a tty"

# ---- stdin streamed both ways ----
src=$CT_W/src
mkdir -p "$src/sub/deeper"
head -c 100000 /dev/urandom >"$src/sub/deeper/random.bin"
printf 'hello\n' >"$src/hello.txt"
ln -s hello.txt "$src/link"
chmod 0640 "$src/hello.txt"
home=$(getent passwd "$U" | cut -d: -f6)
CT_RC=0
tar -C "$src" -cf - . | timeout -k 5 "$CT_TIMEOUT" "${SSH_ARGV[@]}" 'mkdir tree && tar -C tree -xf -' \
	>"$CT_W/out" 2>"$CT_W/err" || CT_RC=$?
_ct_read_output "$CT_W/out" "$CT_W/err"
assert_exit 0 "tar c | ssh host tar x"
assert_true "... the tree arrived in the user's home (the host's $home/tree)" \
	diff -r --no-dereference "$src" "$home/tree"
back=$CT_W/back
mkdir "$back"
CT_RC=0
timeout -k 5 "$CT_TIMEOUT" "${SSH_ARGV[@]}" 'tar -C tree -cf - .' 2>"$CT_W/err" |
	tar -C "$back" -xf - || CT_RC=$?
assert_eq "$CT_RC" 0 "ssh host tar c | tar x"
assert_true "... the same tree came back" diff -r --no-dereference "$src" "$back"

head -c $((8 << 20)) /dev/urandom >"$CT_W/big"
sum=$(sha256sum <"$CT_W/big" | cut -d' ' -f1)
ssh_run "$U" 'cat > big && sha256sum big' <"$CT_W/big"
assert_exit 0 "8 MB through stdin"
assert_eq "$(cut -d' ' -f1 <<<"$CT_OUT")" "$sum" "... arrive intact (sha256 inside the container)"
assert_eq "$(sha256sum <"$home/big" | cut -d' ' -f1)" "$sum" "... in the user's home on the host"
got=$(timeout -k 5 "$CT_TIMEOUT" "${SSH_ARGV[@]}" 'cat big' </dev/null | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$sum" "8 MB back through stdout, intact"
got=$(timeout -k 5 "$CT_TIMEOUT" "${SSH_ARGV[@]}" 'cat' <"$CT_W/big" | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$sum" "8 MB in and out at once (ssh host cat), intact"

ssh_assert_gone "after the last logout: no record, cgroup or process of the sessions" 10
