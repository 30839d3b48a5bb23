/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of shell/pty.c's relay: what the payload wrote reaches the
 * session's terminal, also when the payload ends while that terminal is
 * full. Real ptys (posix_openpt) and a pipe for the session's side.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The session's side: it reads nothing for delay_ms, then all until EOF. */
struct reader {
	int fd;
	long delay_ms;
	char data[256 * 1024];
	size_t len;
};

static void *read_later(void *arg)
{
	struct reader *r = arg;
	ssize_t n;

	sleep_ms(r->delay_ms);
	while ((n = read(r->fd, r->data + r->len, sizeof(r->data) - r->len)) > 0)
		r->len += (size_t)n;
	return NULL;
}

/* Lets the payload go on (it waits for a byte) after delay_ms. */
struct release {
	int fd;
	long delay_ms;
};

static void *release_later(void *arg)
{
	const struct release *r = arg;

	sleep_ms(r->delay_ms);
	if (write(r->fd, "x", 1) != 1)
		abort();
	return NULL;
}

/* A pipe of one page, full: returns how much it holds. */
static size_t fill_pipe(int fd)
{
	static const char page[4096];
	size_t held = 0;
	ssize_t n;

	assert_true(fcntl(fd, F_SETPIPE_SZ, 4096) >= 4096);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	while ((n = write(fd, page, sizeof(page))) > 0)
		held += (size_t)n;
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(fcntl(fd, F_SETFL, 0), 0);
	return held;
}

struct relay_run {
	size_t filler;	  /* what the session's pipe held before */
	struct reader rd; /* what the session got */
	int status;	  /* the payload's */
	int ret;	  /* pty_relay's */
};

/*
 * The payload writes `text` to its terminal and then waits until exit_ms
 * before it exits; the session's terminal (a pipe) is full at the start and
 * read only from read_ms on.
 */
static void relay_once(const char *text, long exit_ms, long read_ms, struct relay_run *run)
{
	sigset_t chld, old;
	int sfd, master, out[2], go[2];
	const char *slave_name;
	pthread_t reader, releaser;
	struct release rel;
	pid_t pid;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	assert_int_equal(sigprocmask(SIG_BLOCK, &chld, &old), 0);
	sfd = signalfd(-1, &chld, SFD_CLOEXEC);
	assert_true(sfd >= 0);
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	slave_name = ptsname(master);
	assert_non_null(slave_name);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	run->filler = fill_pipe(out[1]);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int slave = open(slave_name, O_RDWR | O_NOCTTY);
		char c;

		if (slave < 0 || write(slave, text, strlen(text)) != (ssize_t)strlen(text) ||
		    read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(7);
	}
	close(go[0]);

	run->rd.fd = out[0];
	run->rd.delay_ms = read_ms;
	run->rd.len = 0;
	rel.fd = go[1];
	rel.delay_ms = exit_ms;
	assert_int_equal(pthread_create(&reader, NULL, read_later, &run->rd), 0);
	assert_int_equal(pthread_create(&releaser, NULL, release_later, &rel), 0);

	struct pty p = { .master = master, .slave = -1, .host_in = -1 };

	run->ret = pty_relay(&p, pid, sfd, out[1], &run->status);
	close(out[1]);
	pthread_join(releaser, NULL);
	pthread_join(reader, NULL);
	if (p.master >= 0)
		close(p.master);
	close(out[0]);
	close(go[1]);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* One run as relay_once(); then the payload's status, and exactly `want`
 * after what the pipe held. */
static void check_relay(const char *text, long exit_ms, long read_ms, const char *want)
{
	struct relay_run *run = calloc(1, sizeof(*run));
	size_t n = strlen(want);

	assert_non_null(run);
	relay_once(text, exit_ms, read_ms, run);
	assert_int_equal(run->ret, 0);
	assert_true(WIFEXITED(run->status));
	assert_int_equal(WEXITSTATUS(run->status), 7);
	assert_int_equal(run->rd.len, run->filler + n);
	assert_memory_equal(run->rd.data + run->filler, want, n);
	free(run);
}

/* The relay reads the line at once but cannot pass it on (the session's
 * side is full); the payload ends meanwhile: the line still arrives. */
static void test_pending_output_survives_the_exit(void **state)
{
	(void)state;
	check_relay("the last line\n", 100, 300, "the last line\r\n");
}

/* The plain case: the session reads all the time. */
static void test_output_arrives(void **state)
{
	(void)state;
	check_relay("one\ntwo\n", 100, 0, "one\r\ntwo\r\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pending_output_survives_the_exit),
		cmocka_unit_test(test_output_arrives),
	};

	return cmocka_run_group_tests_name("pty_relay", tests, NULL, NULL);
}
