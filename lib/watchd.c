/* SPDX-License-Identifier: MIT */
#include "watchd.h"
#include "record.h"
#include "session.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define WATCHD_ACK	'W'
#define WATCHD_REPLY_MS 2000
#define WATCHD_BATCH	64 /* events taken per epoll_wait */

static int sock_addr(const char *run_dir, struct sockaddr_un *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->sun_family = AF_UNIX;
	if ((size_t)snprintf(ret->sun_path, sizeof(ret->sun_path), "%s/%s", run_dir,
			     WATCHD_SOCKET) >= sizeof(ret->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

/* The peer of a connected socket: root, and its pid. */
static int peer_root(int fd, pid_t *ret_pid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	if (cred.uid != 0)
		return -EPERM;
	if (ret_pid)
		*ret_pid = cred.pid;
	return 0;
}

/* One attempt: connect, send the id with the pidfd, wait for the ack. */
static int register_once(const char *run_dir, const char *id, int pidfd, pid_t *ret_pid)
{
	struct sockaddr_un addr;
	cleanup_close int fd = -1;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)id, .iov_len = strlen(id) + 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct pollfd pfd;
	struct cmsghdr *c;
	char ack = 0;
	int r;

	r = sock_addr(run_dir, &addr);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return -errno;
	r = peer_root(fd, ret_pid);
	if (r < 0)
		return r;
	memset(ctl.buf, 0, sizeof(ctl.buf));
	c = CMSG_FIRSTHDR(&msg);
	if (!c)
		return -EINVAL;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &pidfd, sizeof(int));
	if (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0)
		return -errno;
	/* no ack: the watcher was just ending (it had unlinked its socket) */
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	r = poll(&pfd, 1, WATCHD_REPLY_MS);
	if (r <= 0)
		return r < 0 ? -errno : -ETIMEDOUT;
	if (read(fd, &ack, 1) != 1 || ack != WATCHD_ACK)
		return -ECONNRESET;
	return 0;
}

int watchd_register(const char *run_dir, const char *id, int pidfd,
		    int (*spawn)(const char *run_dir), pid_t *ret_pid)
{
	cleanup_close int dirfd = -1, lock = -1;
	int r;

	if (!rec_id_valid(id))
		return -EINVAL;
	r = register_once(run_dir, id, pidfd, ret_pid);
	if (r == 0)
		return 0;
	/* none listens: one opener starts it, the others find it started */
	dirfd = open(run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	lock = openat(dirfd, WATCHD_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lock < 0)
		return -errno;
	while (flock(lock, LOCK_EX) < 0)
		if (errno != EINTR)
			return -errno;
	r = register_once(run_dir, id, pidfd, ret_pid);
	if (r == 0)
		return 0;
	unlinkat(dirfd, WATCHD_SOCKET, 0); /* a watcher's that died */
	r = spawn(run_dir);
	if (r < 0)
		return r;
	return register_once(run_dir, id, pidfd, ret_pid);
}

/* ---- the watcher -------------------------------------------------------------- */

struct watched {
	int pidfd;
	char id[REC_ID_LEN + 1];
};

/*
 * The watched services are the dense array w[0..n); an epoll set holds the
 * listening socket (data 0) and each pidfd (data: its index + 1), so that a
 * registration or an ending costs the same beside a thousand sessions as
 * beside none (poll() over every pidfd made each wakeup O(sessions), and the
 * opener waited for it).
 */
struct watchd {
	const char *run_dir;
	int listen_fd;
	int ep;
	bool linked;	/* our socket still has its name */
	dev_t sock_dev; /* ... which is this file */
	ino_t sock_ino;
	struct watched *w;
	size_t n, cap;
};

/* Forgets w[i]: the last one moves into its place, and its epoll data with it. */
static void unwatch(struct watchd *d, size_t i)
{
	epoll_ctl(d->ep, EPOLL_CTL_DEL, d->w[i].pidfd, NULL);
	close(d->w[i].pidfd);
	if (i != --d->n) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = i + 1 };

		d->w[i] = d->w[d->n];
		epoll_ctl(d->ep, EPOLL_CTL_MOD, d->w[i].pidfd, &ev);
	}
}

/* Takes one pending registration, if any: 1 taken, 0 none, -errno. */
static int take_one(struct watchd *d)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char id[REC_ID_LEN + 2] = "";
	struct iovec iov = { .iov_base = id, .iov_len = sizeof(id) - 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	cleanup_close int conn = -1, pidfd = -1;
	struct timeval tv = { .tv_sec = 1 };
	struct cmsghdr *c;
	struct epoll_event ev;
	char ack = WATCHD_ACK;
	ssize_t n;

	conn = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : (errno == EINTR ? 0 : -errno);
	/* only pam_cubicle, as root, hands sessions over */
	if (peer_root(conn, NULL) < 0)
		return 1;
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&pidfd, CMSG_DATA(c), sizeof(int));
	if (pidfd < 0 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || n != REC_ID_LEN + 1 ||
	    id[REC_ID_LEN] != '\0' || !rec_id_valid(id))
		return 1;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct watched *w = realloc(d->w, cap * sizeof(*w));

		if (!w)
			return -ENOMEM;
		d->w = w;
		d->cap = cap;
	}
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = d->n + 1 };
	/* refused without an ack: the opener watches its session itself */
	if (epoll_ctl(d->ep, EPOLL_CTL_ADD, pidfd, &ev) < 0)
		return 1;
	d->w[d->n].pidfd = steal_fd(&pidfd);
	memcpy(d->w[d->n].id, id, sizeof(d->w[d->n].id));
	d->n++;
	if (send(conn, &ack, 1, MSG_NOSIGNAL) != 1) {
		/* the opener is gone: it watches its session itself, or failed */
		unwatch(d, d->n - 1);
	}
	return 1;
}

static int cmp_desc(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? 1 : (x > y ? -1 : 0);
}

/* Ends what the services that ended (ended[0..k), indices into w) left open.
 * From the highest index down, so that the entry each removal moves into
 * place is never one still to be removed. */
static void reap_ended(struct watchd *d, size_t *ended, size_t k)
{
	qsort(ended, k, sizeof(*ended), cmp_desc);
	for (size_t j = 0; j < k; j++) {
		if (j > 0 && ended[j] == ended[j - 1])
			continue;
		session_end_orphan(NULL, d->run_dir, d->w[ended[j]].id);
		unwatch(d, ended[j]);
	}
}

/*
 * Watching nothing: the socket loses its name first, under the starters'
 * lock, so an opener either reached this watcher before (and is taken now)
 * or finds no socket and starts a new one. True when it may exit.
 */
static bool may_end(struct watchd *d)
{
	cleanup_close int dirfd = -1, lock = -1;
	struct stat st;

	if (d->linked) {
		/* the run directory gone (an admin, a test's cleanup): so is the
		 * socket's name */
		dirfd = open(d->run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dirfd >= 0) {
			lock = openat(dirfd, WATCHD_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
				      0600);
			/* someone is starting or reaching a watcher right now: stay */
			if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK)
				return false;
			/* only our own name: another watcher may hold it by now */
			if (fstatat(dirfd, WATCHD_SOCKET, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    st.st_dev == d->sock_dev && st.st_ino == d->sock_ino)
				unlinkat(dirfd, WATCHD_SOCKET, 0);
		}
		d->linked = false;
	}
	while (take_one(d) > 0)
		;
	return d->n == 0;
}

int watchd_serve(const char *run_dir, int ready_fd)
{
	struct watchd d = { .run_dir = run_dir, .listen_fd = -1, .ep = -1 };
	struct sockaddr_un addr;
	mode_t old_umask;
	int r;

	r = sock_addr(run_dir, &addr);
	if (r < 0)
		return r;
	d.listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (d.listen_fd < 0)
		return -errno;
	unlink(addr.sun_path);
	/* 0600 from its first instant: the umask at bind, no chmod by path */
	old_umask = umask(0177);
	r = bind(d.listen_fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old_umask);
	if (r < 0 || listen(d.listen_fd, 128) < 0) {
		r = -errno;
		close(d.listen_fd);
		return r;
	}
	{
		struct stat st;

		if (stat(addr.sun_path, &st) < 0) {
			r = -errno;
			close(d.listen_fd);
			return r;
		}
		d.sock_dev = st.st_dev;
		d.sock_ino = st.st_ino;
	}
	d.linked = true;
	if (ready_fd >= 0) {
		char c = 'R';

		if (write(ready_fd, &c, 1) != 1) {
			r = -errno;
			goto out;
		}
		close(ready_fd);
	}
	d.ep = epoll_create1(EPOLL_CLOEXEC);
	if (d.ep < 0) {
		r = -errno;
		goto out;
	}
	{
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };

		if (epoll_ctl(d.ep, EPOLL_CTL_ADD, d.listen_fd, &ev) < 0) {
			r = -errno;
			goto out;
		}
	}
	/* the opener that started this registers right after: wait for it */
	for (;;) {
		struct epoll_event ev[WATCHD_BATCH];
		size_t ended[WATCHD_BATCH], k = 0;
		bool pending = false;
		int got;

		got = epoll_wait(d.ep, ev, WATCHD_BATCH, d.n == 0 ? WATCHD_REPLY_MS : -1);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		for (int i = 0; i < got; i++) {
			if (ev[i].data.u64 == 0)
				pending = true;
			else if (ev[i].data.u64 <= d.n)
				ended[k++] = (size_t)(ev[i].data.u64 - 1);
		}
		/* the endings first: their indices are this batch's */
		reap_ended(&d, ended, k);
		if (pending)
			while ((r = take_one(&d)) > 0)
				;
		if (d.n == 0 && may_end(&d))
			break;
	}
	r = 0;
out:
	if (d.linked) {
		struct stat st;

		if (stat(addr.sun_path, &st) == 0 && st.st_dev == d.sock_dev &&
		    st.st_ino == d.sock_ino)
			unlink(addr.sun_path);
	}
	for (size_t i = 0; i < d.n; i++)
		close(d.w[i].pidfd);
	free(d.w);
	if (d.ep >= 0)
		close(d.ep);
	close(d.listen_fd);
	return r;
}
