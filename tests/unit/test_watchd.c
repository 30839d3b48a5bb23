/* SPDX-License-Identifier: MIT */
/*
 * lib/watchd.c: the one watcher for all sessions, run in a child of the test
 * on a scratch run directory: registration, the watcher's pid, one watcher
 * for several sessions, its end (and its socket's) once it watches nothing,
 * the start through spawn() when none listens, and what it refuses; which
 * session it ends when which service ends, in any order and several at
 * once (session_end_orphan is wrapped: it notes the id in <run_dir>/ended).
 * Needs root: both sides check that the other one is root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "skip.h"

#include "session.h"
#include "util.h"
#include "watchd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char run_dir[64];
static pid_t server = -1;

/* what the watcher ends, one id per line in <run_dir>/ended, instead of
 * looking for the session's record (there is none here) */
void __wrap_session_end_orphan(const struct session_env *env, const char *dir, const char *id);
void __wrap_session_end_orphan(const struct session_env *env, const char *dir, const char *id)
{
	char path[128];
	int fd;

	(void)env;
	snprintf(path, sizeof(path), "%s/ended", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dprintf(fd, "%s\n", id);
		close(fd);
	}
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip_because("the watcher and its openers must be root");
}

/* a child that lives until killed, or until the test ends (also one that
 * fails half-way), and its pidfd */
static pid_t sleeper(int *ret_pidfd)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	*ret_pidfd = pidfd_open(pid, 0);
	assert_true(*ret_pidfd >= 0);
	return pid;
}

/* spawn(): the watcher in a child of the test, returning once it listens */
static int spawn_child(const char *dir)
{
	int fds[2];
	char c = 0;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	server = fork();
	if (server < 0)
		return -errno;
	if (server == 0) {
		/* as pam_cubicle's start does: none of the opener's descriptors
		 * (it holds the starters' lock now) */
		util_close_fds_from(3, &fds[1], 1);
		_exit(watchd_serve(dir, fds[1]) == 0 ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1 || c != 'R') {
		close(fds[0]);
		return -EIO;
	}
	close(fds[0]);
	return 0;
}

static int spawn_fails(const char *dir)
{
	(void)dir;
	return -ENOEXEC;
}

/* the watcher ended by itself within 5 s, with status 0 */
static void server_ends(void)
{
	int st = -1;

	for (int i = 0; i < 500; i++) {
		if (waitpid(server, &st, WNOHANG) == server)
			break;
		usleep(10 * 1000);
	}
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	server = -1;
}

static int setup(void **state)
{
	(void)state;
	snprintf(run_dir, sizeof(run_dir), "/tmp/cubicle-test-watchd.XXXXXX");
	assert_non_null(mkdtemp(run_dir));
	server = -1;
	return 0;
}

static int teardown(void **state)
{
	char p[128];

	(void)state;
	if (server > 0) {
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
	}
	snprintf(p, sizeof(p), "%s/%s", run_dir, WATCHD_SOCKET);
	unlink(p);
	snprintf(p, sizeof(p), "%s/%s", run_dir, WATCHD_LOCK);
	unlink(p);
	snprintf(p, sizeof(p), "%s/ended", run_dir);
	unlink(p);
	assert_int_equal(rmdir(run_dir), 0);
	return 0;
}

static void test_one_watcher_for_all(void **state)
{
	int fd1, fd2;
	pid_t s1, s2, w1 = 0, w2 = 0;
	char sock[128];
	struct stat st;

	(void)state;
	need_root();
	s1 = sleeper(&fd1);
	s2 = sleeper(&fd2);
	assert_int_equal(watchd_register(run_dir, "0123456789abcdef", fd1, spawn_child, &w1), 0);
	assert_int_equal(w1, server);
	snprintf(sock, sizeof(sock), "%s/%s", run_dir, WATCHD_SOCKET);
	assert_int_equal(stat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	/* the second one reaches the same watcher: spawn() is not called */
	assert_int_equal(watchd_register(run_dir, "fedcba9876543210", fd2, spawn_fails, &w2), 0);
	assert_int_equal(w2, w1);

	/* one service ends: the watcher watches on */
	kill(s1, SIGKILL);
	waitpid(s1, NULL, 0);
	usleep(100 * 1000);
	assert_int_equal(waitpid(server, NULL, WNOHANG), 0);
	/* the last one ends: so does the watcher, and its socket with it */
	kill(s2, SIGKILL);
	waitpid(s2, NULL, 0);
	server_ends();
	assert_int_equal(stat(sock, &st), -1);
	close(fd1);
	close(fd2);
}

static void test_a_dead_watchers_socket(void **state)
{
	int fd;
	pid_t s, w = 0;

	(void)state;
	need_root();
	s = sleeper(&fd);
	assert_int_equal(watchd_register(run_dir, "0123456789abcdef", fd, spawn_child, &w), 0);
	/* killed: its socket stays behind; the next opener starts a new one */
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	server = -1;
	assert_int_equal(watchd_register(run_dir, "0123456789abcdef", fd, spawn_child, &w), 0);
	assert_int_equal(w, server);
	kill(s, SIGKILL);
	waitpid(s, NULL, 0);
	server_ends();
	close(fd);
}

static void test_refusals(void **state)
{
	int fd;
	pid_t s, w = 0;

	(void)state;
	need_root();
	s = sleeper(&fd);
	/* none listens and none can be started */
	assert_int_equal(watchd_register(run_dir, "0123456789abcdef", fd, spawn_fails, &w), -ENOEXEC);
	/* not a session id */
	assert_int_equal(watchd_register(run_dir, "../../etc", fd, spawn_child, &w), -EINVAL);
	assert_int_equal(watchd_register(run_dir, "0123456789ABCDEF", fd, spawn_child, &w), -EINVAL);
	assert_int_equal(server, -1);
	kill(s, SIGKILL);
	waitpid(s, NULL, 0);
	close(fd);
}

/* waits (2 s at most) until <run_dir>/ended names n sessions, and asserts
 * that they are want[0..n), in any order, each once */
static void ended_are(const char *const *want, size_t n)
{
	char path[128], got[256] = "";
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/ended", run_dir);
	for (int i = 0; i < 200 && len < n * 17; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t r = fd < 0 ? 0 : read(fd, got, sizeof(got) - 1);

		if (fd >= 0)
			close(fd);
		len = r > 0 ? (size_t)r : 0;
		got[len] = '\0';
		if (len < n * 17)
			usleep(10 * 1000);
	}
	assert_int_equal(len, n * 17); /* 16 hex digits and a newline each */
	for (size_t i = 0; i < n; i++)
		assert_non_null(strstr(got, want[i]));
}

static void end_sleeper(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * The watcher keeps its sessions in a dense array and moves the last one
 * into a gap: each ending must still end its own session. Five sessions;
 * the first ends (the last moves into its place), then two at once (one of
 * them the moved one), then the rest.
 */
static void test_each_ending_ends_its_own(void **state)
{
	static const char *const ids[] = { "0000000000000000", "1111111111111111",
					   "2222222222222222", "3333333333333333",
					   "4444444444444444" };
	static const char *const first[] = { ids[0] };
	static const char *const then[] = { ids[0], ids[2], ids[4] };
	int fd[5];
	pid_t s[5], w = 0;

	(void)state;
	need_root();
	for (int i = 0; i < 5; i++) {
		s[i] = sleeper(&fd[i]);
		assert_int_equal(watchd_register(run_dir, ids[i], fd[i],
						 i == 0 ? spawn_child : spawn_fails, &w),
				 0);
		close(fd[i]);
	}
	end_sleeper(s[0]);
	ended_are(first, 1);
	end_sleeper(s[4]);
	end_sleeper(s[2]);
	ended_are(then, 3);
	assert_int_equal(waitpid(server, NULL, WNOHANG), 0);
	end_sleeper(s[1]);
	end_sleeper(s[3]);
	ended_are(ids, 5);
	server_ends();
}

/* started, but nobody registers: it ends by itself */
static void test_ends_when_unused(void **state)
{
	(void)state;
	need_root();
	assert_int_equal(spawn_child(run_dir), 0);
	server_ends();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_watcher_for_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_dead_watchers_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ends_when_unused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_ending_ends_its_own, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("watchd", tests, NULL, NULL);
}
