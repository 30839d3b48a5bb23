/* SPDX-License-Identifier: MIT */
/*
 * pam_pair: what a login pays for pam_cubicle, through a real PAM stack
 * (pam_start_confdir, as tests/integration/helpers/pamdrive.c). Run as root
 * by tests/bench/pam_pair.sh, which sets up the user, the config and the two
 * service files.
 *
 *   pam_pair CONFDIR CUBICLE_SERVICE PERMIT_SERVICE USER CGDIR [OPTION...]
 *
 * CUBICLE_SERVICE holds `session required pam_cubicle.so config=...`,
 * PERMIT_SERVICE only `session required pam_permit.so`; CGDIR is
 * <a hierarchy's mount><cgroup_root>/<USER>, where the sessions' leaves
 * appear. Options: --pairs N (200), --cleanups N (50), --sleep-ms MS (200);
 * --only pairs|cleanup (only (a), or only (b) and (c)); --rows CASE: (a) as
 * tab-separated rows for tests/bench/run.sh's table (tests/bench/common.h
 * describes them) instead of the table below.
 *
 * (a) one pam_open_session + pam_close_session pair of each stack, A and B
 *     alternating (which goes first alternates too, so that drift and
 *     caching cancel); also the whole pam_start_confdir..pam_end cycle;
 * (b) cleanup: a session whose one process, run as USER, sleeps MS and
 *     exits: from its exit (its own clock reading, its last act) to
 *     pam_close_session returning, after which the leaf is checked gone;
 *     and the time spent inside pam_close_session alone;
 * (c) pam_close_session of a session that still has a process running
 *     when close comes, MS after the open as in (b): the kill (cgroup.kill,
 *     or freeze/SIGKILL/thaw) and the removal. (b) and (c) alternate, as
 *     A and B do in (a).
 *
 * Prints a table; benchmarks print, they never assert. Exit status 1 only
 * when the setup is broken (a stack that fails, a module that did not
 * isolate the user, a leaf left behind).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WARMUP 10

struct bench {
	const char *confdir;
	const char *svc[2]; /* 0: pam_cubicle, 1: pam_permit */
	const char *user;
	const char *cgdir;
	uid_t uid; /* copied: PAM modules call getpwnam too */
	gid_t gid;
	unsigned pairs, cleanups, sleep_ms;
	bool do_pairs, do_cleanup;
	const char *rows; /* --rows CASE, or NULL */
};

struct series {
	const char *what;
	uint64_t *ns;
	size_t n;
};

static int no_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)data;
	return PAM_CONV_ERR;
}

static const struct pam_conv conv = { no_conv, NULL };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("pam_pair: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t *samples(size_t n)
{
	uint64_t *p = calloc(n, sizeof(*p));

	if (!p)
		die("out of memory");
	return p;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* sorts s->ns in place */
static double median_ns(struct series *s)
{
	qsort(s->ns, s->n, sizeof(*s->ns), cmp_u64);
	if (s->n % 2)
		return (double)s->ns[s->n / 2];
	return ((double)s->ns[s->n / 2 - 1] + (double)s->ns[s->n / 2]) / 2;
}

/* "12.3 us", "4.56 ms" */
static const char *dur(double ns, char *buf, size_t len)
{
	if (ns < 1e6)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	return buf;
}

static void row(struct series *s)
{
	char med[32], lo[32], hi[32];
	double m = median_ns(s);

	printf("%-52s %10s %10s .. %-10s %5zu\n", s->what, dur(m, med, sizeof(med)),
	       dur((double)s->ns[0], lo, sizeof(lo)), dur((double)s->ns[s->n - 1], hi, sizeof(hi)),
	       s->n);
}

static pam_handle_t *start(const struct bench *b, int which)
{
	pam_handle_t *pamh = NULL;
	int r = pam_start_confdir(b->svc[which], b->user, &conv, b->confdir, &pamh);

	if (r != PAM_SUCCESS)
		die("pam_start_confdir %s: %s", b->svc[which], pam_strerror(NULL, r));
	return pamh;
}

static void check(pam_handle_t *pamh, int r, const char *what, const char *svc)
{
	if (r != PAM_SUCCESS)
		die("%s (service %s): %s", what, svc, pam_strerror(pamh, r));
}

static bool leaf_exists(const struct bench *b, const char *sid)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", b->cgdir, sid);
	return stat(path, &st) == 0;
}

/* The session id pam_cubicle exported; dies if it did not isolate the user. */
static const char *session_id(const struct bench *b, pam_handle_t *pamh)
{
	const char *sid = pam_getenv(pamh, "CUBICLE_SESSION");

	if (!sid)
		die("pam_cubicle did not open a session for %s (no CUBICLE_SESSION)", b->user);
	return sid;
}

/* the times of one open/close pair */
struct pair_times {
	uint64_t open, close, cycle;
};

/*
 * One open/close pair of stack `which`; `cycle` is from pam_start_confdir to
 * pam_end. A warm-up pair also checks that the cubicle stack really creates
 * and removes a leaf (outside the timing).
 */
static void one_pair(const struct bench *b, int which, bool warmup, struct pair_times *ret)
{
	uint64_t t0, t1, t2, t3, t4;
	pam_handle_t *pamh;
	char sid[64] = "";

	t0 = now_ns();
	pamh = start(b, which);
	t1 = now_ns();
	check(pamh, pam_open_session(pamh, 0), "pam_open_session", b->svc[which]);
	t2 = now_ns();
	if (warmup && which == 0) {
		snprintf(sid, sizeof(sid), "%s", session_id(b, pamh));
		if (!leaf_exists(b, sid))
			die("after open: no leaf %s/%s", b->cgdir, sid);
		t2 = now_ns();
	}
	check(pamh, pam_close_session(pamh, 0), "pam_close_session", b->svc[which]);
	t3 = now_ns();
	pam_end(pamh, PAM_SUCCESS);
	t4 = now_ns();
	if (sid[0] && leaf_exists(b, sid))
		die("after close: the leaf %s/%s is still there", b->cgdir, sid);
	ret->open = t2 - t1;
	ret->close = t3 - t2;
	ret->cycle = t4 - t0;
}

/* the p-quantile of sorted samples */
static double quantile(const uint64_t *sorted, size_t n, double p)
{
	double pos = p * (double)(n - 1), r;
	size_t i = (size_t)pos;

	r = (double)sorted[i];
	if (i + 1 < n)
		r += (pos - (double)i) * ((double)sorted[i + 1] - (double)sorted[i]);
	return r;
}

/*
 * One row for run.sh (common.h): sorts s->ns. `ratio` (per-iteration ratios
 * in thousandths, sorted by the caller's median_ns) and `refmed` give the
 * ratio columns; refmed < 0 marks the reference row, 0 a row without ratio.
 */
static void tsv_row(const struct bench *b, struct series *s, double refmed,
		    const struct series *ratio)
{
	double m = median_ns(s);

	printf("row\t%s\t%s\tns\t%.0f\t%llu\t%llu\t%zu", b->rows, s->what, m,
	       (unsigned long long)s->ns[0], (unsigned long long)s->ns[s->n - 1], s->n);
	if (refmed < 0)
		printf("\tref\tref\tref\tref\n");
	else if (refmed > 0 && ratio)
		printf("\t%.3f\t%.3f\t%.3f\t%.3f\n", m / refmed,
		       quantile(ratio->ns, ratio->n, 0.5) / 1000,
		       quantile(ratio->ns, ratio->n, 0.25) / 1000,
		       quantile(ratio->ns, ratio->n, 0.75) / 1000);
	else
		printf("\t-\t-\t-\t-\n");
}

static void bench_pairs(const struct bench *b)
{
	struct series pair[2] = {
		{ "open+close pair, pam_cubicle", samples(b->pairs), b->pairs },
		{ "open+close pair, pam_permit only", samples(b->pairs), b->pairs },
	};
	struct series cycle[2] = {
		{ "start..end cycle, pam_cubicle", samples(b->pairs), b->pairs },
		{ "start..end cycle, pam_permit only", samples(b->pairs), b->pairs },
	};
	struct series opens = { "  of which pam_open_session", samples(b->pairs), b->pairs };
	struct series closes = { "  of which pam_close_session", samples(b->pairs), b->pairs };
	struct series ratio = { NULL, samples(b->pairs), b->pairs };
	double ma, mb, mr, mca, mcb;
	struct pair_times t;

	for (unsigned i = 0; i < WARMUP; i++)
		for (int k = 0; k < 2; k++)
			one_pair(b, k ^ (int)(i % 2), true, &t);
	for (unsigned i = 0; i < b->pairs; i++) {
		for (int k = 0; k < 2; k++) {
			int which = k ^ (int)(i % 2); /* A,B then B,A */

			one_pair(b, which, false, &t);
			pair[which].ns[i] = t.open + t.close;
			cycle[which].ns[i] = t.cycle;
			if (which == 0) {
				opens.ns[i] = t.open;
				closes.ns[i] = t.close;
			}
		}
		/* per iteration, in thousandths: the pair's own ratio */
		ratio.ns[i] = pair[0].ns[i] * 1000 / (pair[1].ns[i] ? pair[1].ns[i] : 1);
	}
	if (b->rows) {
		mr = median_ns(&ratio); /* sorts the ratios */
		pair[1].what = "PAM open+close pair, only pam_permit";
		pair[0].what = "PAM open+close pair, pam_cubicle";
		opens.what = "  of which pam_open_session";
		closes.what = "  of which pam_close_session";
		tsv_row(b, &pair[1], -1, NULL);
		tsv_row(b, &pair[0], median_ns(&pair[1]), &ratio);
		tsv_row(b, &opens, 0, NULL);
		tsv_row(b, &closes, 0, NULL);
		goto out;
	}
	printf("%-52s %10s %10s    %-10s %5s\n", "(a) one session, A/B interleaved", "median",
	       "min", "max", "n");
	row(&pair[1]);
	row(&pair[0]);
	row(&opens);
	row(&closes);
	row(&cycle[1]);
	row(&cycle[0]);
	mb = median_ns(&pair[1]);
	ma = median_ns(&pair[0]);
	mcb = median_ns(&cycle[1]);
	mca = median_ns(&cycle[0]);
	mr = median_ns(&ratio);
	printf("%-52s %9.1fx\n", "ratio of the pair medians, cubicle / permit", ma / mb);
	printf("%-52s %9.1fx %10.1fx .. %.1fx\n", "median of the per-iteration ratios", mr / 1000,
	       (double)ratio.ns[0] / 1000, (double)ratio.ns[ratio.n - 1] / 1000);
	printf("%-52s %9.1fx\n", "ratio of the cycle medians, cubicle / permit", mca / mcb);
out:
	for (int k = 0; k < 2; k++) {
		free(pair[k].ns);
		free(cycle[k].ns);
	}
	free(opens.ns);
	free(closes.ns);
	free(ratio.ns);
}

/* In the child, as the user: the session's last process. */
static void drop_to_user(const struct bench *b)
{
	if (initgroups(b->user, b->gid) < 0 || setresgid(b->gid, b->gid, b->gid) < 0 ||
	    setresuid(b->uid, b->uid, b->uid) < 0) {
		perror("pam_pair: drop to the user");
		_exit(126);
	}
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * One session with one process of the user in it. `linger`: false, the
 * process sleeps and exits (its exit time comes back through a pipe) and
 * close runs after it is reaped; true, it sleeps on and close must kill it.
 */
static void one_cleanup(const struct bench *b, bool linger, uint64_t *ret_exit_to_gone,
			uint64_t *ret_close)
{
	uint64_t t_exit = 0, t0, t1;
	pam_handle_t *pamh = start(b, 0);
	char sid[64];
	int fds[2], status;
	pid_t child;

	check(pamh, pam_open_session(pamh, 0), "pam_open_session", b->svc[0]);
	snprintf(sid, sizeof(sid), "%s", session_id(b, pamh));
	if (pipe2(fds, O_CLOEXEC) < 0)
		die("pipe: %m");
	/* forked after the open: it starts in the session's leaf, as a login shell does */
	child = fork();
	if (child < 0)
		die("fork: %m");
	if (child == 0) {
		uint64_t t;

		close(fds[0]);
		drop_to_user(b);
		if (linger) {
			sleep_ms(60000);
			_exit(3);
		}
		sleep_ms(b->sleep_ms);
		t = now_ns();
		if (write(fds[1], &t, sizeof(t)) != sizeof(t))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (linger) {
		sleep_ms(b->sleep_ms); /* a session as long as in (b) */
	} else {
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		if (read(fds[0], &t_exit, sizeof(t_exit)) != sizeof(t_exit))
			die("the session's process did not report its exit");
	}
	close(fds[0]);
	t0 = now_ns();
	check(pamh, pam_close_session(pamh, 0), "pam_close_session", b->svc[0]);
	t1 = now_ns();
	if (leaf_exists(b, sid))
		die("after close: the leaf %s/%s is still there", b->cgdir, sid);
	pam_end(pamh, PAM_SUCCESS);
	if (linger) {
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			die("the lingering process was not killed by close (status %#x)", status);
	}
	*ret_exit_to_gone = linger ? 0 : t1 - t_exit;
	*ret_close = t1 - t0;
}

static void bench_cleanup(const struct bench *b)
{
	struct series gone = { "last process exits -> cgroup gone (close returned)",
			       samples(b->cleanups), b->cleanups };
	struct series inside = { "time inside pam_close_session", samples(b->cleanups),
				 b->cleanups };
	struct series kill = { "pam_close_session, 1 process still running", samples(b->cleanups),
			       b->cleanups };
	uint64_t unused;

	/* (b) and (c) interleaved too, the order alternating */
	for (unsigned i = 0; i < b->cleanups; i++) {
		for (int k = 0; k < 2; k++) {
			if (k ^ (int)(i % 2))
				one_cleanup(b, true, &unused, &kill.ns[i]);
			else
				one_cleanup(b, false, &gone.ns[i], &inside.ns[i]);
		}
	}
	printf("\n%-52s %10s %10s    %-10s %5s\n", "(b) cleanup at logout", "median", "min", "max",
	       "n");
	row(&gone);
	row(&inside);
	printf("\n%-52s %10s %10s    %-10s %5s\n", "(c) logout with a process left behind",
	       "median", "min", "max", "n");
	row(&kill);
	free(gone.ns);
	free(inside.ns);
	free(kill.ns);
}

static unsigned parse_count(const char *s, unsigned max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > max)
		die("bad count %s (1..%u)", s, max);
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	struct bench b = {
		.pairs = 200, .cleanups = 50, .sleep_ms = 200, .do_pairs = true, .do_cleanup = true
	};
	const struct passwd *pw;

	if (argc < 6) {
		fprintf(stderr, "usage: pam_pair CONFDIR CUBICLE_SERVICE PERMIT_SERVICE USER CGDIR "
				"[--pairs N] [--cleanups N] [--sleep-ms MS] [--only pairs|cleanup] "
				"[--rows CASE]\n");
		return 2;
	}
	b.confdir = argv[1];
	b.svc[0] = argv[2];
	b.svc[1] = argv[3];
	b.user = argv[4];
	b.cgdir = argv[5];
	for (int i = 6; i < argc; i++) {
		if (i + 1 >= argc)
			die("option %s needs a value", argv[i]);
		if (strcmp(argv[i], "--pairs") == 0)
			b.pairs = parse_count(argv[++i], 100000);
		else if (strcmp(argv[i], "--cleanups") == 0)
			b.cleanups = parse_count(argv[++i], 100000);
		else if (strcmp(argv[i], "--sleep-ms") == 0)
			b.sleep_ms = parse_count(argv[++i], 60000);
		else if (strcmp(argv[i], "--rows") == 0)
			b.rows = argv[++i];
		else if (strcmp(argv[i], "--only") == 0) {
			i++;
			b.do_pairs = strcmp(argv[i], "pairs") == 0;
			b.do_cleanup = strcmp(argv[i], "cleanup") == 0;
			if (!b.do_pairs && !b.do_cleanup)
				die("--only pairs or --only cleanup");
		} else
			die("unknown option %s", argv[i]);
	}
	pw = getpwnam(b.user);
	if (!pw)
		die("no user %s", b.user);
	b.uid = pw->pw_uid;
	b.gid = pw->pw_gid;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (b.do_pairs)
		bench_pairs(&b);
	if (b.do_cleanup)
		bench_cleanup(&b);
	return 0;
}
