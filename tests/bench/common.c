/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *bench_name = "bench";

void bench_set_name(const char *name)
{
	bench_name = name;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", bench_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void series_init(struct series *s, const char *label, size_t n)
{
	s->label = label;
	s->n = n;
	s->v = calloc(n ? n : 1, sizeof(*s->v));
	if (!s->v)
		die("out of memory");
}

void series_free(struct series *s)
{
	free(s->v);
	s->v = NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

double series_quantile(const struct series *s, double p)
{
	uint64_t *c;
	double pos, frac, r;
	size_t i;

	if (s->n == 0)
		return 0;
	c = malloc(s->n * sizeof(*c));
	if (!c)
		die("out of memory");
	memcpy(c, s->v, s->n * sizeof(*c));
	qsort(c, s->n, sizeof(*c), cmp_u64);
	pos = p * (double)(s->n - 1);
	i = (size_t)pos;
	frac = pos - (double)i;
	r = (double)c[i];
	if (i + 1 < s->n)
		r += frac * ((double)c[i + 1] - (double)c[i]);
	free(c);
	return r;
}

#define RATIO_SCALE 1000000.0

static double row_cpu = -1;

void set_row_cpu(double ns)
{
	row_cpu = ns;
}

static void end_row(void)
{
	if (row_cpu >= 0)
		printf("\t%.0f", row_cpu);
	putchar('\n');
	row_cpu = -1;
}

void print_row(const char *bcase, const struct series *s, const char *unit,
	       const struct series *ref, bool is_ref)
{
	double med = series_quantile(s, 0.5);

	printf("row\t%s\t%s\t%s\t%.0f\t%.0f\t%.0f\t%zu", bcase, s->label, unit, med,
	       series_quantile(s, 0), series_quantile(s, 1), s->n);
	if (is_ref) {
		printf("\tref\tref\tref\tref");
	} else if (ref && ref->n == s->n && s->n > 0) {
		struct series ratio;
		double refmed = series_quantile(ref, 0.5);

		series_init(&ratio, "ratio", s->n);
		for (size_t i = 0; i < s->n; i++)
			ratio.v[i] = (uint64_t)((double)s->v[i] * RATIO_SCALE /
						(double)(ref->v[i] ? ref->v[i] : 1));
		printf("\t%.3f\t%.3f\t%.3f\t%.3f", refmed > 0 ? med / refmed : 0,
		       series_quantile(&ratio, 0.5) / RATIO_SCALE,
		       series_quantile(&ratio, 0.25) / RATIO_SCALE,
		       series_quantile(&ratio, 0.75) / RATIO_SCALE);
		series_free(&ratio);
	} else {
		printf("\t-\t-\t-\t-");
	}
	end_row();
	fflush(stdout);
}

void print_note(const char *bcase, const char *fmt, ...)
{
	va_list ap;

	printf("note\t%s\t", bcase);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void cred_lookup(const char *name, struct user_cred *ret)
{
	const struct passwd *pw = getpwnam(name);

	if (!pw)
		die("no user %s", name);
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->name, sizeof(ret->name), "%s", pw->pw_name);
	snprintf(ret->home, sizeof(ret->home), "%s", pw->pw_dir);
	ret->uid = pw->pw_uid;
	ret->gid = pw->pw_gid;
	ret->ngroups = (int)(sizeof(ret->groups) / sizeof(ret->groups[0]));
	if (getgrouplist(ret->name, ret->gid, ret->groups, &ret->ngroups) < 0)
		die("user %s: too many groups", name);
}

void cred_drop(const struct user_cred *c)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (setgroups((size_t)c->ngroups, c->groups) < 0 || setresgid(c->gid, c->gid, c->gid) < 0 ||
	    setresuid(c->uid, c->uid, c->uid) < 0)
		_exit(126);
	/* setresuid from 0 to non-zero emptied permitted and effective; the
	 * inheritable set stays: empty it, as setpriv --inh-caps=-all does */
	if (syscall(SYS_capget, &hdr, data) < 0)
		_exit(126);
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data) < 0 ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		_exit(126);
}

void reset_signals(void)
{
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		unsigned long mask;
	} ksa = { SIG_DFL, 0, NULL, 0 };
	sigset_t none;

	for (int s = 1; s <= 64; s++)
		if (s != SIGKILL && s != SIGSTOP)
			syscall(SYS_rt_sigaction, s, &ksa, NULL, sizeof(ksa.mask));
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		die("out of memory");
	return s;
}

char **login_env(const struct user_cred *c, const char *shell, char *const *extra)
{
	size_t n = 0, k = 0;
	char **env;

	while (extra && extra[n])
		n++;
	env = calloc(n + 6, sizeof(*env));
	if (!env)
		die("out of memory");
	env[k++] = xasprintf("PATH=/usr/local/bin:/usr/bin:/bin");
	env[k++] = xasprintf("HOME=%s", c->home);
	env[k++] = xasprintf("USER=%s", c->name);
	env[k++] = xasprintf("LOGNAME=%s", c->name);
	env[k++] = xasprintf("SHELL=%s", shell);
	for (size_t i = 0; i < n; i++)
		env[k++] = extra[i];
	env[k] = NULL;
	return env;
}

unsigned parse_count(const char *s, unsigned max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > max)
		die("bad count %s (1..%u)", s, max);
	return (unsigned)v;
}

ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}
