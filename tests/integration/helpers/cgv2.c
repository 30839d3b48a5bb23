/* SPDX-License-Identifier: MIT */
/*
 * cgv2: the cgroup v2 backend of lib/cgroup*.c on the real unified hierarchy
 * of this machine, for tests/integration/test_cgroup_v2.sh. The layout holds
 * the v2 hierarchy only (whatever v1 hierarchies cg_detect also finds are
 * left out), so every call below goes through cg_v2_ops and cgroupfs.
 *
 *   cgv2 mount                          prints mount=<the v2 mount point>
 *   cgv2 create BASE USER SID           cg_create_session, unlimited limits
 *   cgv2 attach REL PID                 cg_attach
 *   cgv2 run REL|- CMD [ARG...]         forks; the child moves itself into
 *                                       REL (cg_attach; "-": it stays where
 *                                       it is) and execs CMD; the parent
 *                                       prints pid=<the child>, stays
 *                                       outside, is the child subreaper of
 *                                       everything CMD forks, reaps it all
 *                                       and exits with CMD's status (128 +
 *                                       signal if killed)
 *   cgv2 kill REL TIMEOUT_MS [--no-kill-file]
 *                                       cg_kill (--no-kill-file: as if the
 *                                       kernel had no cgroup.kill, so the
 *                                       cgroup.freeze path runs)
 *   cgv2 remove REL                     cg_remove
 *   cgv2 in REL PID                     cg_pid_in: prints in=yes or in=no
 *   cgv2 stats REL                      cg_stats: procs=N memory=BYTES|max
 *
 * Results are "key=value" lines on stdout, an errno as its name ("-EBUSY").
 * Exit status: 0 done (in: yes), 1 the call failed (in: no), 2 usage, 3 no
 * cgroup v2 hierarchy on this machine.
 */
#include "cgroup.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr,
		"usage: cgv2 mount | create BASE USER SID | attach REL PID |\n"
		"            run REL|- CMD [ARG...] | kill REL TIMEOUT_MS [--no-kill-file] |\n"
		"            remove REL | in REL PID | stats REL\n");
	exit(2);
}

/* "0" or "-ENAME" for a 0/-errno result */
static const char *result(int r)
{
	static char buf[48];
	const char *name;

	if (r == 0)
		return "0";
	name = strerrorname_np(-r);
	if (name)
		snprintf(buf, sizeof(buf), "-%s", name);
	else
		snprintf(buf, sizeof(buf), "%d", r);
	return buf;
}

static long parse_num(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max) {
		fprintf(stderr, "cgv2: bad number %s\n", s);
		exit(2);
	}
	return v;
}

/* The layout of this machine's v2 hierarchy alone. */
static void v2_layout(struct cg_layout *ret)
{
	struct cg_layout all;
	int r = cg_detect(&all);

	memset(ret, 0, sizeof(*ret));
	if (r < 0) {
		fprintf(stderr, "cgv2: cg_detect: %s\n", strerror(-r));
		exit(3);
	}
	for (size_t i = 0; i < all.n; i++) {
		if (!all.h[i].v2)
			continue;
		r = cg_layout_add(ret, all.h[i].mount, true, all.h[i].ctrls, "");
		if (r < 0) {
			fprintf(stderr, "cgv2: cg_layout_add: %s\n", strerror(-r));
			exit(3);
		}
		strcpy(ret->proc, "/proc");
		return;
	}
	fprintf(stderr, "cgv2: no cgroup v2 hierarchy among the %zu cg_detect found\n", all.n);
	exit(3);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int do_create(const struct cg_layout *l, char **argv)
{
	const struct cg_limits unlimited = {
		.memory_max = CG_UNLIMITED,
		.memory_swap_max = CG_UNLIMITED,
		.pids_max = CG_UNLIMITED,
		.cpu_max_percent = CG_UNLIMITED,
		.cpu_weight = 0,
	};
	char err[512] = "";
	int r = cg_create_session(l, argv[0], argv[1], argv[2], &unlimited, &unlimited, err,
				  sizeof(err));

	printf("create=%s\n", result(r));
	if (r < 0)
		fprintf(stderr, "cgv2: create: %s\n", err);
	return r < 0;
}

static int do_attach(const struct cg_layout *l, char **argv)
{
	char err[512] = "";
	int r = cg_attach(l, argv[0], (pid_t)parse_num(argv[1], INT_MAX), err, sizeof(err));

	printf("attach=%s\n", result(r));
	if (r < 0)
		fprintf(stderr, "cgv2: attach: %s\n", err);
	return r < 0;
}

static int do_run(const struct cg_layout *l, char **argv)
{
	int status = 0, child_status = 0;
	pid_t child, pid;

	/* what CMD leaves behind when it dies is reparented here and reaped */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("cgv2: PR_SET_CHILD_SUBREAPER");
		return 1;
	}
	fflush(stdout);
	child = fork();
	if (child < 0) {
		perror("cgv2: fork");
		return 1;
	}
	if (child == 0) {
		char err[512] = "";
		int r = strcmp(argv[0], "-") == 0
				? 0
				: cg_attach(l, argv[0], getpid(), err, sizeof(err));

		if (r < 0) {
			fprintf(stderr, "cgv2: run: %s\n", err);
			_exit(125);
		}
		execvp(argv[1], argv + 1);
		perror("cgv2: run: exec");
		_exit(127);
	}
	printf("pid=%d\n", (int)child);
	for (;;) {
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: everything reaped */
		}
		if (pid == child)
			child_status = status;
	}
	if (WIFSIGNALED(child_status))
		return 128 + WTERMSIG(child_status);
	return WEXITSTATUS(child_status);
}

static int do_kill(const struct cg_layout *l, char **argv, int argc)
{
	struct stat st;
	char path[PATH_MAX];
	unsigned timeout;
	double t0, t1;
	int r;

	timeout = (unsigned)parse_num(argv[1], 3600000);
	if (argc == 3 && strcmp(argv[2], "--no-kill-file") == 0)
		cg_force_no_kill_file = true;
	else if (argc != 2)
		usage();
	snprintf(path, sizeof(path), "%s%s/cgroup.kill", l->h[0].mount, argv[0]);
	t0 = now_ms();
	r = cg_kill(l, argv[0], timeout);
	t1 = now_ms();
	printf("kill=%s\nms=%.1f\nway=%s\n", result(r), t1 - t0,
	       !cg_force_no_kill_file && stat(path, &st) == 0 ? "cgroup.kill" : "cgroup.freeze");
	return r < 0;
}

static int do_remove(const struct cg_layout *l, char **argv)
{
	int r = cg_remove(l, argv[0]);

	printf("remove=%s\n", result(r));
	return r < 0;
}

static int do_in(const struct cg_layout *l, char **argv)
{
	int r = cg_pid_in(l, (pid_t)parse_num(argv[1], INT_MAX), argv[0]);

	if (r < 0) {
		printf("in=%s\n", result(r));
		return 2;
	}
	printf("in=%s\n", r ? "yes" : "no");
	return !r;
}

static int do_stats(const struct cg_layout *l, char **argv)
{
	unsigned procs = 0;
	uint64_t mem = 0;
	int r = cg_stats(l, argv[0], &procs, &mem);

	printf("stats=%s\n", result(r));
	if (r < 0)
		return 1;
	printf("procs=%u\n", procs);
	if (mem == CG_UNLIMITED)
		printf("memory=max\n");
	else
		printf("memory=%" PRIu64 "\n", mem);
	return 0;
}

int main(int argc, char **argv)
{
	struct cg_layout l;
	const char *cmd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	cmd = argv[1];
	argc -= 2;
	argv += 2;
	v2_layout(&l);
	if (strcmp(cmd, "mount") == 0 && argc == 0) {
		printf("mount=%s\n", l.h[0].mount);
		return 0;
	}
	if (strcmp(cmd, "create") == 0 && argc == 3)
		return do_create(&l, argv);
	if (strcmp(cmd, "attach") == 0 && argc == 2)
		return do_attach(&l, argv);
	if (strcmp(cmd, "run") == 0 && argc >= 2)
		return do_run(&l, argv);
	if (strcmp(cmd, "kill") == 0 && (argc == 2 || argc == 3))
		return do_kill(&l, argv, argc);
	if (strcmp(cmd, "remove") == 0 && argc == 1)
		return do_remove(&l, argv);
	if (strcmp(cmd, "in") == 0 && argc == 2)
		return do_in(&l, argv);
	if (strcmp(cmd, "stats") == 0 && argc == 1)
		return do_stats(&l, argv);
	usage();
	return 2;
}
