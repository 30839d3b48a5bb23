/* SPDX-License-Identifier: MIT */
#include "relay.h"
#include "helper.h"
#include "pty.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const int relay_signals[8] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT
};

int container_stop(struct container *c)
{
	struct pollfd pfd = { .fd = c->pidfd, .events = POLLIN };
	int r;

	if (c->pidfd < 0)
		return 0;
	util_pidfd_kill(c->pidfd, SIGTERM);
	/* init SIGKILLs the rest itself after stop_timeout; this is the backstop */
	do
		r = poll(&pfd, 1, (int)(c->stop_timeout + 5) * 1000);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		util_pidfd_kill(c->pidfd, SIGKILL);
	/* init is our child: reaping it returns only once its namespace is empty */
	while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
		;
	close(c->pidfd);
	c->pidfd = -1;
	return 0;
}

static int wait_status_to_exit(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

/* Without a terminal: forward signals until the payload ends, or for at most
 * for_ms milliseconds (-1: no limit; -ETIMEDOUT when it passed). */
static int wait_forwarding(pid_t payload, int sfd, long for_ms, int *ret_status)
{
	struct pollfd pfd = { .fd = sfd, .events = POLLIN };
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n;

		if (for_ms >= 0) {
			long left = for_ms - util_ms_since(&start);

			if (left <= 0 || poll(&pfd, 1, (int)left) == 0)
				return -ETIMEDOUT;
		}
		n = read(sfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			return -EIO;
		if (si.ssi_signo == SIGCHLD) {
			if (waitpid(payload, ret_status, WNOHANG) == payload)
				return 0;
			continue;
		}
		kill(payload, (int)si.ssi_signo);
	}
}

int relay_main(const struct relay *r, long for_ms)
{
	int status = 0, ret;

	if (r->master >= 0) {
		struct pty pty = { .master = r->master, .slave = -1, .host_in = STDIN_FILENO };

		pty_host_raw(&pty);
		ret = pty_relay(&pty, r->payload, r->sfd, STDOUT_FILENO, &status);
		pty_host_restore(&pty);
		if (pty.master >= 0)
			close(pty.master);
	} else {
		ret = wait_forwarding(r->payload, r->sfd, for_ms, &status);
		if (ret == -ETIMEDOUT)
			return ret;
	}
	if (ret < 0) {
		kill(r->payload, SIGKILL);
		waitpid(r->payload, &status, 0);
	}
	/* without a session nobody else owns the container: it ends with its
	 * payload. A session's container lives on for the session's other
	 * channels; pam_cubicle ends it at logout. */
	if (r->init_pidfd >= 0) {
		struct container c = { .pid = r->init_pid,
				       .pidfd = r->init_pidfd,
				       .stop_timeout = r->stop_timeout };

		container_stop(&c);
	}
	return wait_status_to_exit(status);
}

/* ---- the helper's argv: one "NAME=NUMBER" per field, in this order ----- */

#define RELAY_FIELDS 6
static const char *const relay_names[RELAY_FIELDS] = { "payload",    "sfd",	 "master",
						       "init-pidfd", "init-pid", "stop-timeout" };

static void relay_values(const struct relay *r, long long v[RELAY_FIELDS])
{
	v[0] = r->payload;
	v[1] = r->sfd;
	v[2] = r->master;
	v[3] = r->init_pidfd;
	v[4] = r->init_pid;
	v[5] = r->stop_timeout;
}

/* The descriptor stays open across the exec; -errno. */
static int keep_on_exec(int fd)
{
	if (fd >= 0 && fcntl(fd, F_SETFD, 0) < 0)
		return -errno;
	return 0;
}

int relay_exec(int fd, const struct relay *r, const char *argv0)
{
	char args[RELAY_FIELDS][32], argv0_buf[256];
	char *argv[RELAY_FIELDS + 2];
	long long v[RELAY_FIELDS];
	int e;

	relay_values(r, v);
	snprintf(argv0_buf, sizeof(argv0_buf), "%s", argv0);
	argv[0] = argv0_buf;
	for (size_t i = 0; i < RELAY_FIELDS; i++) {
		snprintf(args[i], sizeof(args[i]), "%s=%lld", relay_names[i], v[i]);
		argv[i + 1] = args[i];
	}
	argv[RELAY_FIELDS + 1] = NULL;
	if ((e = keep_on_exec(r->sfd)) < 0 || (e = keep_on_exec(r->master)) < 0 ||
	    (e = keep_on_exec(r->init_pidfd)) < 0)
		return e;
	e = helper_exec(fd, argv);
	/* still here: the descriptors go back to close-on-exec for the fallback */
	fcntl(r->sfd, F_SETFD, FD_CLOEXEC);
	if (r->master >= 0)
		fcntl(r->master, F_SETFD, FD_CLOEXEC);
	if (r->init_pidfd >= 0)
		fcntl(r->init_pidfd, F_SETFD, FD_CLOEXEC);
	return e;
}

static int parse_field(const char *arg, const char *name, long long min, long long max,
		       long long *ret)
{
	size_t n = strlen(name);
	unsigned long long u;
	const char *num;
	bool neg;

	if (strncmp(arg, name, n) != 0 || arg[n] != '=')
		return -EINVAL;
	num = arg + n + 1;
	neg = num[0] == '-';
	if (util_parse_u64(neg ? num + 1 : num, &u) < 0 || u > (unsigned long long)INT32_MAX)
		return -EINVAL;
	*ret = neg ? -(long long)u : (long long)u;
	return *ret < min || *ret > max ? -EINVAL : 0;
}

int relay_parse(int argc, char **argv, struct relay *ret)
{
	static const long long min[RELAY_FIELDS] = { 1, 3, -1, -1, 0, 0 };
	static const long long max[RELAY_FIELDS] = { INT32_MAX, 1023, 1023, 1023, INT32_MAX, 3600 };
	long long v[RELAY_FIELDS];

	if (argc != RELAY_FIELDS + 1)
		return -EINVAL;
	for (size_t i = 0; i < RELAY_FIELDS; i++)
		if (parse_field(argv[i + 1], relay_names[i], min[i], max[i], &v[i]) < 0)
			return -EINVAL;
	/* every descriptor named is open, and not stdio */
	for (size_t i = 1; i <= 3; i++)
		if (v[i] >= 0 && (v[i] < 3 || fcntl((int)v[i], F_GETFD) < 0))
			return -EINVAL;
	if (v[3] >= 0 && v[4] < 1)
		return -EINVAL;
	*ret = (struct relay){ .payload = (pid_t)v[0],
			       .sfd = (int)v[1],
			       .master = (int)v[2],
			       .init_pidfd = (int)v[3],
			       .init_pid = (pid_t)v[4],
			       .stop_timeout = (unsigned)v[5] };
	/* back to close-on-exec: nothing of this reaches another program */
	for (size_t i = 1; i <= 3; i++)
		if (v[i] >= 0)
			fcntl((int)v[i], F_SETFD, FD_CLOEXEC);
	return 0;
}
