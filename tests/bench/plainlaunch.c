/* SPDX-License-Identifier: MIT */
/*
 * plainlaunch: cubicle-shell's fork/exec shape without what makes it a
 * container, to show what the namespaces, the mounts and the checks cost.
 *
 *   plainlaunch PROGRAM [ARG...]
 *
 * As cubicle-shell without a session: the outer process forks an "init"
 * that reports ready over a pipe and then only reaps until SIGTERM (dying
 * with its parent); the outer process blocks the forwarded signals and
 * SIGCHLD, takes them from a signalfd, forks the payload (default signals,
 * a new session, descriptors from 3 closed) which execs PROGRAM, waits for
 * it, then stops init (SIGTERM, waits) and exits with the payload's status.
 * No namespace, no mount, no capability, no config, no passwd lookup.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const int forwarded[] = { SIGHUP,  SIGINT,  SIGQUIT,  SIGTERM,
				 SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT };

static void default_signals(void)
{
	sigset_t none;

	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void init_main(int ready)
{
	sigset_t all;
	siginfo_t si;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || setsid() < 0)
		_exit(1);
	if (write(ready, "R", 1) != 1)
		_exit(1);
	close(ready);
	for (;;) {
		int sig = sigwaitinfo(&all, &si);

		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (sig == SIGTERM)
			_exit(0);
	}
}

int main(int argc, char **argv)
{
	struct signalfd_siginfo si;
	int fds[2], sfd, status = 0;
	pid_t init, payload;
	sigset_t mask;
	char c;

	if (argc < 2) {
		fprintf(stderr, "usage: plainlaunch PROGRAM [ARG...]\n");
		return 2;
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return 1;
	init = fork();
	if (init < 0)
		return 1;
	if (init == 0) {
		close(fds[0]);
		init_main(fds[1]);
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1)
		return 1;
	close(fds[0]);

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&mask, forwarded[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return 1;
	payload = fork();
	if (payload < 0)
		return 1;
	if (payload == 0) {
		default_signals();
		if (setsid() < 0)
			_exit(126);
		syscall(SYS_close_range, 3, ~0u, 0);
		execve(argv[1], argv + 1, environ);
		_exit(127);
	}
	for (;;) {
		ssize_t n = read(sfd, &si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			return 1;
		if (si.ssi_signo == SIGCHLD) {
			if (waitpid(payload, &status, WNOHANG) == payload)
				break;
			continue;
		}
		kill(payload, (int)si.ssi_signo);
	}
	kill(init, SIGTERM);
	while (waitpid(init, NULL, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
