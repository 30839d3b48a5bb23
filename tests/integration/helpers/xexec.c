/* SPDX-License-Identifier: MIT */
/*
 * xexec: exec a program with a process state bash cannot set up, for the
 * integration tests (SECURITY.md: "running cubicle-shell directly with
 * hostile argv, environment and process state").
 *
 *   xexec [OPTION...] [--] PROG [ARG...]
 *     --argv0 NAME       argv[0] for PROG (default: PROG)
 *     --empty-argv       exec PROG with argc == 0 (argv = { NULL }); no ARGs
 *     --default-signals  every disposition SIG_DFL and an empty signal mask
 *     --ignore-signals   every catchable signal SIG_IGN
 *     --block-signals    every signal blocked
 *     --close FD         close FD (repeatable)
 *     --env NAME=VALUE   set in the environment PROG gets, not in ours: a
 *                        hostile LD_PRELOAD must reach PROG only (repeatable)
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static void usage(void)
{
	fprintf(stderr,
		"usage: xexec [--argv0 NAME | --empty-argv] [--default-signals] "
		"[--ignore-signals] [--block-signals] [--close FD]... [--env NAME=VALUE]... "
		"[--] PROG [ARG...]\n");
	exit(2);
}

/*
 * Every signal, including the two glibc keeps for itself (32 and 33), whose
 * disposition its sigaction() refuses to touch: the raw system call does.
 */
static void set_all_signals(void (*handler)(int))
{
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		unsigned long mask;
	} ksa = { handler, 0, NULL, 0 };

	for (int s = 1; s <= 64; s++)
		if (s != SIGKILL && s != SIGSTOP)
			syscall(SYS_rt_sigaction, s, &ksa, NULL, sizeof(ksa.mask));
}

int main(int argc, char **argv)
{
	const char *argv0 = NULL;
	char *setenv_list[256];
	int empty = 0, i, n_env = 0;
	sigset_t set;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "--argv0") == 0 && i + 1 < argc) {
			argv0 = argv[++i];
		} else if (strcmp(argv[i], "--empty-argv") == 0) {
			empty = 1;
		} else if (strcmp(argv[i], "--default-signals") == 0) {
			set_all_signals(SIG_DFL);
			sigemptyset(&set);
			sigprocmask(SIG_SETMASK, &set, NULL);
		} else if (strcmp(argv[i], "--ignore-signals") == 0) {
			set_all_signals(SIG_IGN);
		} else if (strcmp(argv[i], "--block-signals") == 0) {
			sigfillset(&set);
			sigprocmask(SIG_SETMASK, &set, NULL);
		} else if (strcmp(argv[i], "--close") == 0 && i + 1 < argc) {
			close(atoi(argv[++i]));
		} else if (strcmp(argv[i], "--env") == 0 && i + 1 < argc && n_env < 256) {
			setenv_list[n_env++] = argv[++i];
		} else {
			usage();
		}
	}
	if (i >= argc || (empty && i + 1 < argc))
		usage();
	/* Only now: nothing of it may affect this process. */
	for (int e = 0; e < n_env; e++)
		if (putenv(setenv_list[e]) != 0)
			usage();
	if (empty) {
		char *none[] = { NULL };

		execve(argv[i], none, environ);
	} else {
		const char *prog = argv[i];

		if (argv0)
			argv[i] = (char *)argv0;
		execve(prog, argv + i, environ);
	}
	perror("xexec: execve");
	return 127;
}
