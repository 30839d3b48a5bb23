/* SPDX-License-Identifier: MIT */
/*
 * cubbench: the benchmark cases that need a PAM session (tests/bench/run.sh).
 * Sessions are opened with pam_start_confdir, as tests/bench/pam_pair.c and
 * tests/integration/helpers/pamdrive.c do, and this process plays sshd's
 * session process: it opens the session as root (pam_cubicle moves it into
 * the session's cgroup), forks the login shell dropped to the user with the
 * PAM environment, and closes the session at the end.
 *
 *   cubbench login CONFDIR SERVICE USER -- PROGRAM [ARG...]
 *       one whole login: open, PROGRAM as USER, close; exits with PROGRAM's
 *       status (timed from outside by timeit: case 4)
 *   cubbench enter CONFDIR SERVICE USER SHELL -n N [-c CASE]
 *       per iteration one session, in it SHELL -c true twice: the first
 *       creates the session's container, the second enters it (case 2)
 *   cubbench hold CONFDIR SERVICE USER N -f FILE [-P PAR] -- PROGRAM [ARG...]
 *       N live sessions, each held by one process like sshd's, each with one
 *       channel PROGRAM running as USER, which must print a line once it is up
 *       (e.g. cubicle-shell -c 'echo up; exec sleep 1000000'); at most PAR
 *       being opened at once. Writes "ready N" to FILE and waits until FILE
 *       is removed (or SIGTERM), then ends them all, PAR at a time: each
 *       channel killed, each session closed (case 3, 4)
 *   cubbench pss CGDIR RECDIR
 *       the PSS and RSS of the processes of the sessions: those in the
 *       leaves below CGDIR (<mount><cgroup_root>/<user>), by name, and the
 *       watchers named by the records in RECDIR (case 3)
 *   cubbench logout CONFDIR SERVICE USER CGDIR SHELL -n N [-s MS] [-c CASE]
 *       from the end of a session to its cgroup being gone (case 7): (a) the
 *       session's one channel, SHELL -c 'sleep MS/1000', ends and the session
 *       is closed as sshd closes it: from the channel reaped to
 *       pam_close_session returned (the leaf checked gone); (b) the process
 *       that holds the session is killed (SIGKILL) while its channel still
 *       runs: from the kill to the leaf gone (polled every 100 us), which
 *       pam_cubicle's watcher does. (a) and (b) alternate.
 *
 * Channels get stdin /dev/null and this process's stderr. Benchmarks print
 * figures (rows, common.h); exit status 1 means the setup is broken.
 */
#define _GNU_SOURCE
#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int no_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)data;
	return PAM_CONV_ERR;
}

static const struct pam_conv conv = { no_conv, NULL };

struct login {
	const char *confdir, *service;
	struct user_cred cred;
	const char *shell; /* SHELL in the environment */
};

static pam_handle_t *open_session(const struct login *l)
{
	pam_handle_t *pamh = NULL;
	int r = pam_start_confdir(l->service, l->cred.name, &conv, l->confdir, &pamh);

	if (r != PAM_SUCCESS)
		die("pam_start_confdir %s/%s: %s", l->confdir, l->service, pam_strerror(NULL, r));
	r = pam_open_session(pamh, 0);
	if (r != PAM_SUCCESS)
		die("pam_open_session (%s): %s", l->service, pam_strerror(pamh, r));
	return pamh;
}

static void close_session(const struct login *l, pam_handle_t *pamh)
{
	int r = pam_close_session(pamh, 0);

	if (r != PAM_SUCCESS)
		die("pam_close_session (%s): %s", l->service, pam_strerror(pamh, r));
	pam_end(pamh, PAM_SUCCESS);
}

/* Forks `argv` as the user with the PAM environment; stdout to `out` (-1:
 * /dev/null). */
static pid_t channel(const struct login *l, pam_handle_t *pamh, char *const argv[], int out)
{
	char **extra = pam_getenvlist(pamh);
	char **env = login_env(&l->cred, l->shell, extra);
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %m");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		reset_signals();
		if (null < 0 || dup2(null, 0) < 0 || dup2(out >= 0 ? out : null, 1) < 0)
			_exit(125);
		syscall(SYS_close_range, 3, ~0u, 0);
		cred_drop(&l->cred);
		execve(argv[0], argv, env);
		_exit(127);
	}
	/* the strings belong to PAM's list; only the arrays are ours */
	for (char **e = env; *e; e++)
		if (e - env < 5)
			free(*e);
	free(env);
	for (char **e = extra; e && *e; e++)
		free(*e);
	free(extra);
	return pid;
}

static int wait_exit(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid %d: %m", (int)pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Reads one line (the channel's "up") from fd; false at EOF. */
static bool read_up(int fd)
{
	char c;
	ssize_t n;

	while ((n = read(fd, &c, 1)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (c == '\n')
			return true;
	}
	return false;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static const char *session_id(pam_handle_t *pamh)
{
	const char *sid = pam_getenv(pamh, "CUBICLE_SESSION");

	if (!sid)
		die("pam_cubicle did not open a session (no CUBICLE_SESSION)");
	return sid;
}

/* ---- login ------------------------------------------------------------ */

static int cmd_login(struct login *l, char **argv)
{
	pam_handle_t *pamh = open_session(l);
	int st = wait_exit(channel(l, pamh, argv, -1));

	close_session(l, pamh);
	return st;
}

/* ---- enter ------------------------------------------------------------ */

static char dash_c[] = "-c", cmd_true[] = "true", cmd_up_sleep[] = "echo up; exec sleep 1000";

static int cmd_enter(struct login *l, char *shell, unsigned n, const char *bcase)
{
	char *argv[] = { shell, dash_c, cmd_true, NULL };
	struct series first, second;

	series_init(&first, "first shell of a session (creates the container)", n);
	series_init(&second, "second shell (enters the container)", n);
	for (unsigned i = 0; i < n + 2; i++) {
		pam_handle_t *pamh = open_session(l);
		uint64_t t0, t1, t2;
		int st1, st2;

		session_id(pamh);
		t0 = now_ns();
		st1 = wait_exit(channel(l, pamh, argv, -1));
		t1 = now_ns();
		st2 = wait_exit(channel(l, pamh, argv, -1));
		t2 = now_ns();
		if (st1 || st2)
			die("%s -c true in a session: exit status %d, %d", shell, st1, st2);
		close_session(l, pamh);
		if (i >= 2) { /* two warm-up sessions */
			first.v[i - 2] = t1 - t0;
			second.v[i - 2] = t2 - t1;
		}
	}
	print_row(bcase, &first, "ns", NULL, true);
	print_row(bcase, &second, "ns", &first, false);
	return 0;
}

/* ---- hold ------------------------------------------------------------- */

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

/* One held session: reports 'R' (or 'E') on `ready`, then waits for EOF on
 * `release`, takes a token from `tokens` (so that only so many end at once),
 * ends the session as a dropped connection would, and gives the token back. */
static _Noreturn void hold_one(struct login *l, char **argv, int ready, int release,
			       const int tokens[2])
{
	pam_handle_t *pamh = NULL;
	int out[2], r;
	pid_t ch;
	char c;

	signal(SIGTERM, SIG_DFL);
	r = pam_start_confdir(l->service, l->cred.name, &conv, l->confdir, &pamh);
	if (r == PAM_SUCCESS)
		r = pam_open_session(pamh, 0);
	if (r != PAM_SUCCESS) {
		fprintf(stderr, "cubbench hold: open: %s\n", pam_strerror(pamh, r));
		(void)!write(ready, "E", 1);
		_exit(1);
	}
	if (pipe2(out, O_CLOEXEC) < 0)
		_exit(1);
	ch = channel(l, pamh, argv, out[1]);
	close(out[1]);
	if (!read_up(out[0])) {
		fprintf(stderr, "cubbench hold: the channel ended before it was up\n");
		(void)!write(ready, "E", 1);
		_exit(1);
	}
	close(out[0]);
	(void)!write(ready, "R", 1);
	close(ready);
	for (;;) {
		ssize_t n = read(release, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	while (read(tokens[0], &c, 1) != 1)
		if (errno != EINTR)
			_exit(1);
	kill(ch, SIGKILL);
	wait_exit(ch);
	r = pam_close_session(pamh, 0);
	pam_end(pamh, r);
	(void)!write(tokens[1], "T", 1);
	_exit(r == PAM_SUCCESS ? 0 : 1);
}

static int cmd_hold(struct login *l, unsigned n, unsigned par, const char *file, char **argv)
{
	int rdy[2], rel[2], tok[2], failed = 0;
	unsigned started = 0, up = 0;
	uint64_t t0, t_up, t_down;
	pid_t *kids = calloc(n, sizeof(pid_t));
	struct sigaction sa = { .sa_handler = on_term };
	FILE *f;
	char c;

	if (!kids || pipe2(rdy, O_CLOEXEC) < 0 || pipe2(rel, O_CLOEXEC) < 0 ||
	    pipe2(tok, O_CLOEXEC) < 0)
		die("setup: %m");
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	t0 = now_ns();
	while (up + (unsigned)failed < n && !got_term) {
		if (started < n && started - up - (unsigned)failed < par) {
			pid_t pid = fork();

			if (pid < 0) {
				fprintf(stderr, "cubbench hold: fork: %m\n");
				failed++;
				started++;
				continue;
			}
			if (pid == 0) {
				close(rdy[0]);
				close(rel[1]);
				hold_one(l, argv, rdy[1], rel[0], tok);
			}
			kids[started++] = pid;
			continue;
		}
		if (read(rdy[0], &c, 1) != 1) {
			if (errno == EINTR)
				continue;
			die("ready pipe: %m");
		}
		if (c == 'R')
			up++;
		else
			failed++;
	}
	t_up = now_ns() - t0;
	if (!failed && !got_term) {
		f = fopen(file, "w");
		if (!f || fprintf(f, "ready %u %.3f\n", up, (double)t_up / 1e9) < 0 || fclose(f))
			die("%s: %m", file);
		while (!got_term && access(file, F_OK) == 0)
			sleep_us(50000);
	}
	t0 = now_ns();
	for (unsigned i = 0; i < par; i++)
		if (write(tok[1], "T", 1) != 1)
			die("token pipe: %m");
	close(rel[1]);
	for (unsigned i = 0; i < started; i++)
		if (kids[i] > 0 && wait_exit(kids[i]) != 0)
			failed++;
	t_down = now_ns() - t0;
	printf("hold\t%u\t%.3f\t%.3f\t%d\n", up, (double)t_up / 1e9, (double)t_down / 1e9, failed);
	free(kids);
	return failed ? 1 : 0;
}

/* ---- pss -------------------------------------------------------------- */

enum { P_INIT, P_SHELL, P_WATCH, P_DRIVER, P_OTHER, P_COUNT };
static const char *const p_name[P_COUNT] = { "cubicle-init", "cubicle-shell", "cubicle-watch",
					     "driver", "payload" };

struct pss_sum {
	unsigned count[P_COUNT];
	unsigned long long pss[P_COUNT], rss[P_COUNT];
};

static void add_pid(struct pss_sum *s, long pid, int cls)
{
	char path[64], buf[4096];
	unsigned long long v;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%ld/smaps_rollup", pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return;
	s->count[cls]++;
	if ((p = strstr(buf, "\nPss:")) && sscanf(p, "\nPss: %llu", &v) == 1)
		s->pss[cls] += v;
	if ((p = strstr(buf, "\nRss:")) && sscanf(p, "\nRss: %llu", &v) == 1)
		s->rss[cls] += v;
}

static int classify(long pid)
{
	char path[64], comm[64];

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if (read_file(path, comm, sizeof(comm)) < 0)
		return -1;
	comm[strcspn(comm, "\n")] = '\0';
	if (strcmp(comm, "cubicle-init") == 0)
		return P_INIT;
	if (strcmp(comm, "cubicle-shell") == 0)
		return P_SHELL;
	if (strcmp(comm, "cubbench") == 0)
		return P_DRIVER;
	return P_OTHER;
}

static int cmd_pss(const char *cgdir, const char *recdir)
{
	struct pss_sum s = { { 0 }, { 0 }, { 0 } };
	char path[4096], buf[8192];
	struct dirent *de;
	DIR *d;

	d = opendir(cgdir);
	if (!d)
		die("%s: %m", cgdir);
	while ((de = readdir(d))) {
		FILE *f;
		long pid;

		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		snprintf(path, sizeof(path), "%s/%s/cgroup.procs", cgdir, de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fscanf(f, "%ld", &pid) == 1) {
			int cls = classify(pid);

			if (cls >= 0)
				add_pid(&s, pid, cls);
		}
		fclose(f);
	}
	closedir(d);
	d = opendir(recdir);
	if (!d)
		die("%s: %m", recdir);
	long watchers[64];
	size_t n_watchers = 0;

	while ((de = readdir(d))) {
		const char *p;
		long pid;
		bool seen = false;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", recdir, de->d_name);
		if (read_file(path, buf, sizeof(buf)) < 0)
			continue;
		p = strstr(buf, "\nwatcher=");
		if (!p || sscanf(p, "\nwatcher=%ld", &pid) != 1)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		if (read_file(path, buf, sizeof(buf)) < 0 || strcmp(buf, "cubicle-watch\n") != 0)
			continue;
		/* one watcher serves many sessions: counted once */
		for (size_t i = 0; i < n_watchers; i++)
			seen = seen || watchers[i] == pid;
		if (seen)
			continue;
		if (n_watchers < sizeof(watchers) / sizeof(watchers[0]))
			watchers[n_watchers++] = pid;
		add_pid(&s, pid, P_WATCH);
	}
	closedir(d);
	for (int i = 0; i < P_COUNT; i++)
		printf("pss\t%s\t%u\t%llu\t%llu\n", p_name[i], s.count[i], s.pss[i], s.rss[i]);
	return 0;
}

/* ---- logout ----------------------------------------------------------- */

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* (a): the channel ends, the session is closed */
static uint64_t logout_normal(struct login *l, const char *cgdir, char *shell, unsigned ms)
{
	char cmd[64], leaf[4096];
	char *argv[] = { shell, dash_c, cmd, NULL };
	pam_handle_t *pamh = open_session(l);
	uint64_t t0, t1;
	int st;

	snprintf(cmd, sizeof(cmd), "sleep %u.%03u", ms / 1000, ms % 1000);
	snprintf(leaf, sizeof(leaf), "%s/%s", cgdir, session_id(pamh));
	if (!exists(leaf))
		die("no leaf %s after the open", leaf);
	st = wait_exit(channel(l, pamh, argv, -1));
	t0 = now_ns();
	if (st != 0)
		die("%s -c '%s': exit status %d", shell, cmd, st);
	close_session(l, pamh);
	t1 = now_ns();
	if (exists(leaf))
		die("the leaf %s is still there after close", leaf);
	return t1 - t0;
}

/* (b): the process holding the session is killed; the watcher ends it */
static uint64_t logout_killed(struct login *l, const char *cgdir, char *shell, unsigned ms)
{
	char *argv[] = { shell, dash_c, cmd_up_sleep, NULL };
	char sid[64] = "", leaf[4096];
	uint64_t t0, t1, deadline;
	int p[2];
	ssize_t n;
	pid_t holder;

	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe: %m");
	holder = fork();
	if (holder < 0)
		die("fork: %m");
	if (holder == 0) {
		pam_handle_t *pamh;
		int out[2];

		close(p[0]);
		pamh = open_session(l);
		if (pipe2(out, O_CLOEXEC) < 0)
			_exit(1);
		channel(l, pamh, argv, out[1]);
		close(out[1]);
		if (!read_up(out[0]))
			_exit(1);
		(void)!write(p[1], session_id(pamh), strlen(session_id(pamh)));
		for (;;)
			pause();
	}
	close(p[1]);
	n = read(p[0], sid, sizeof(sid) - 1);
	close(p[0]);
	if (n <= 0)
		die("the session holder failed");
	sid[n] = '\0';
	snprintf(leaf, sizeof(leaf), "%s/%s", cgdir, sid);
	sleep_us((long)ms * 1000);
	t0 = now_ns();
	kill(holder, SIGKILL);
	deadline = t0 + 30ull * 1000000000ull;
	while (exists(leaf)) {
		if (now_ns() > deadline)
			die("the leaf %s is still there 30 s after its holder was killed", leaf);
		sleep_us(100);
	}
	t1 = now_ns();
	wait_exit(holder);
	return t1 - t0;
}

static int cmd_logout(struct login *l, const char *cgdir, char *shell, unsigned n, unsigned ms,
		      const char *bcase)
{
	struct series a, b;

	series_init(&a, "logout: last channel ends -> pam_close_session done, cgroup gone", n);
	series_init(&b, "service killed (SIGKILL) -> watcher removed the cgroup", n);
	logout_normal(l, cgdir, shell, ms);
	logout_killed(l, cgdir, shell, ms);
	for (unsigned i = 0; i < n; i++) {
		if (i % 2) {
			b.v[i] = logout_killed(l, cgdir, shell, ms);
			a.v[i] = logout_normal(l, cgdir, shell, ms);
		} else {
			a.v[i] = logout_normal(l, cgdir, shell, ms);
			b.v[i] = logout_killed(l, cgdir, shell, ms);
		}
	}
	print_row(bcase, &a, "ns", NULL, true);
	print_row(bcase, &b, "ns", &a, false);
	return 0;
}

/* ---- main ------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: cubbench login CONFDIR SERVICE USER -- PROGRAM [ARG...]\n"
		"       cubbench enter CONFDIR SERVICE USER SHELL -n N [-c CASE]\n"
		"       cubbench hold CONFDIR SERVICE USER N -f FILE [-P PAR] -- PROGRAM [ARG...]\n"
		"       cubbench pss CGDIR RECDIR\n"
		"       cubbench logout CONFDIR SERVICE USER CGDIR SHELL -n N [-s MS] [-c CASE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct login l = { 0 };
	const char *bcase = "-", *file = NULL;
	unsigned n = 0, par = 4, ms = 200;
	char **rest = NULL;
	int i, npos = 0;
	char *pos[8];

	bench_set_name("cubbench");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			rest = argv + i + 1;
			break;
		} else if (argv[i][0] == '-' && argv[i][1] && !argv[i][2] && i + 1 < argc) {
			switch (argv[i][1]) {
			case 'n':
				n = parse_count(argv[++i], 1000000);
				break;
			case 'c':
				bcase = argv[++i];
				break;
			case 'f':
				file = argv[++i];
				break;
			case 'P':
				par = parse_count(argv[++i], 1000);
				break;
			case 's':
				ms = parse_count(argv[++i], 60000);
				break;
			default:
				usage();
			}
		} else if (npos < 8) {
			pos[npos++] = argv[i];
		} else {
			usage();
		}
	}
	if (strcmp(argv[1], "pss") == 0) {
		if (npos != 2)
			usage();
		return cmd_pss(pos[0], pos[1]);
	}
	if (npos < 3)
		usage();
	l.confdir = pos[0];
	l.service = pos[1];
	cred_lookup(pos[2], &l.cred);
	l.shell = "/bin/sh";
	if (strcmp(argv[1], "login") == 0 && npos == 3 && rest && rest[0])
		return cmd_login(&l, rest);
	if (strcmp(argv[1], "enter") == 0 && npos == 4 && n)
		return cmd_enter(&l, pos[3], n, bcase);
	if (strcmp(argv[1], "hold") == 0 && npos == 4 && file && rest && rest[0])
		return cmd_hold(&l, parse_count(pos[3], 100000), par, file, rest);
	if (strcmp(argv[1], "logout") == 0 && npos == 5 && n)
		return cmd_logout(&l, pos[3], pos[4], n, ms, bcase);
	usage();
}
