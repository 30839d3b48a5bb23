/* SPDX-License-Identifier: MIT */
/*
 * timeit: runs two or more commands alternately and prints, per command, the
 * median, minimum and maximum wall time (fork to reaped, CLOCK_MONOTONIC)
 * and its ratio to the first command: of the medians, and the median and
 * quartiles of the per-iteration ratios (each iteration runs every command
 * once, the starting command rotating, so that drift and the position in the
 * round fall on all alike). hyperfine measures one command after another;
 * this interleaves.
 *
 *   timeit -n N [-w W] [-c CASE] [-l LOGDIR] CMD [::: CMD]...
 *   CMD := LABEL [@as=USER] [@ns=PATH] [@shell=PATH] PROGRAM [ARG...]
 *
 *   @as=USER    run as USER the way a login service runs a login shell:
 *               groups, gid, uid set as root (the permitted set empties, so
 *               file capabilities of PROGRAM apply), no inheritable or
 *               ambient capability; environment PATH HOME USER LOGNAME SHELL
 *   @ns=PATH    join the mount namespace PATH (/proc/PID/ns/mnt) first
 *   @shell=PATH SHELL in that environment (default /bin/sh)
 *
 * Every command starts with default signals, stdin and stdout /dev/null,
 * stderr appended to LOGDIR/timeit.K.err. A command that fails (non-zero
 * exit) is a broken setup: its stderr is shown and timeit exits 1. Prints
 * rows (common.h) for CASE, with the median CPU time (user + system) of each
 * command and the descendants it reaped (wait4's rusage); asserts nothing
 * about time.
 */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CMDS 16

struct cmd {
	const char *label;
	char **argv;
	char *path; /* argv[0] resolved */
	char **env;
	bool as_user;
	struct user_cred cred;
	int nsfd;
	int errfd;
	char errpath[4096];
	struct series t;
	struct series cpu; /* user + system time of it and the descendants it reaped */
};

static char *resolve(const char *prog)
{
	static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
					    "/usr/bin",	       "/sbin",		 "/bin" };
	char buf[4096];

	if (strchr(prog, '/'))
		return strdup(prog);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, sizeof(buf), "%s/%s", dirs[i], prog);
		if (access(buf, X_OK) == 0)
			return strdup(buf);
	}
	die("%s: not found", prog);
}

static void show_err(const struct cmd *c)
{
	char buf[2048];
	struct stat st;
	off_t off = 0;
	int fd = open(c->errpath, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && st.st_size > (off_t)sizeof(buf) - 1)
		off = st.st_size - (off_t)sizeof(buf) + 1;
	n = pread(fd, buf, sizeof(buf) - 1, off);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		fprintf(stderr, "--- stderr of \"%s\" (%s), tail:\n%s---\n", c->label, c->errpath,
			buf);
	}
}

static uint64_t run_one(struct cmd *c, int devnull, uint64_t *ret_cpu)
{
	struct rusage ru;
	uint64_t t0, t1;
	int status;
	pid_t pid;

	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		die("fork: %m");
	if (pid == 0) {
		reset_signals();
		if (c->nsfd >= 0 && (setns(c->nsfd, CLONE_NEWNS) < 0 || chdir("/") < 0))
			_exit(125);
		if (dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(c->errfd, 2) < 0)
			_exit(125);
		syscall(SYS_close_range, 3, ~0u, 0);
		if (c->as_user)
			cred_drop(&c->cred);
		execve(c->path, c->argv, c->env);
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			die("wait4: %m");
	t1 = now_ns();
	*ret_cpu = ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull +
		   ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		show_err(c);
		die("\"%s\" failed: %s %d", c->label, WIFEXITED(status) ? "exit status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
	return t1 - t0;
}

static void usage(void)
{
	fprintf(stderr, "usage: timeit -n N [-w W] [-c CASE] [-l LOGDIR] LABEL [@as=USER] "
			"[@ns=PATH] [@shell=PATH] PROGRAM [ARG...] [::: LABEL ...]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct cmd cmds[MAX_CMDS];
	const char *bcase = "-", *logdir = "/tmp";
	unsigned n = 0, warmup = 3;
	size_t ncmds = 0;
	int i = 1, devnull;

	bench_set_name("timeit");
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "-n") == 0)
			n = parse_count(argv[++i], 1000000);
		else if (strcmp(argv[i], "-w") == 0)
			warmup = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "-c") == 0)
			bcase = argv[++i];
		else if (strcmp(argv[i], "-l") == 0)
			logdir = argv[++i];
		else
			usage();
	}
	if (n == 0 || i >= argc)
		usage();
	while (i < argc) {
		struct cmd *c;
		const char *shell = "/bin/sh";
		int start;

		if (ncmds == MAX_CMDS)
			die("at most %d commands", MAX_CMDS);
		c = &cmds[ncmds];
		memset(c, 0, sizeof(*c));
		c->nsfd = -1;
		c->label = argv[i++];
		for (; i < argc && argv[i][0] == '@'; i++) {
			if (strncmp(argv[i], "@as=", 4) == 0) {
				c->as_user = true;
				cred_lookup(argv[i] + 4, &c->cred);
			} else if (strncmp(argv[i], "@ns=", 4) == 0) {
				c->nsfd = open(argv[i] + 4, O_RDONLY | O_CLOEXEC);
				if (c->nsfd < 0)
					die("%s: %m", argv[i] + 4);
			} else if (strncmp(argv[i], "@shell=", 7) == 0) {
				shell = argv[i] + 7;
			} else {
				die("unknown option %s", argv[i]);
			}
		}
		start = i;
		while (i < argc && strcmp(argv[i], ":::") != 0)
			i++;
		if (i == start)
			die("\"%s\": no program", c->label);
		c->argv = calloc((size_t)(i - start + 1), sizeof(char *));
		if (!c->argv)
			die("out of memory");
		memcpy(c->argv, argv + start, (size_t)(i - start) * sizeof(char *));
		c->path = resolve(c->argv[0]);
		if (!c->as_user)
			cred_lookup("root", &c->cred);
		c->env = login_env(&c->cred, shell, NULL);
		snprintf(c->errpath, sizeof(c->errpath), "%s/timeit.%d.%zu.err", logdir,
			 (int)getpid(), ncmds);
		c->errfd =
			open(c->errpath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
		if (c->errfd < 0)
			die("%s: %m", c->errpath);
		series_init(&c->t, c->label, n);
		series_init(&c->cpu, c->label, n);
		ncmds++;
		if (i < argc)
			i++; /* ::: */
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		die("/dev/null: %m");
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (unsigned it = 0; it < warmup; it++)
		for (size_t k = 0; k < ncmds; k++) {
			uint64_t cpu;

			run_one(&cmds[(k + it) % ncmds], devnull, &cpu);
		}
	for (unsigned it = 0; it < n; it++)
		for (size_t k = 0; k < ncmds; k++) {
			struct cmd *c = &cmds[(k + it) % ncmds];

			c->t.v[it] = run_one(c, devnull, &c->cpu.v[it]);
		}
	for (size_t k = 0; k < ncmds; k++) {
		set_row_cpu(series_quantile(&cmds[k].cpu, 0.5));
		print_row(bcase, &cmds[k].t, "ns", k ? &cmds[0].t : NULL, k == 0 && ncmds > 1);
		close(cmds[k].errfd);
		unlink(cmds[k].errpath);
	}
	return 0;
}
