/* SPDX-License-Identifier: MIT */
/*
 * A login with a terminal gets a terminal of the container's own devpts; the
 * outer cubicle-shell relays bytes between it and the session's terminal (as
 * machinectl shell and docker exec -t do). The host terminal is put in raw
 * mode so that ^C, ^Z and window size reach the inner line discipline, which
 * then signals the inner foreground job; nothing written into the inner
 * terminal (TIOCSTI) can reach the host's.
 */
#include "pty.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int pty_open(struct pty *p, int host_fd)
{
	cleanup_close int master = -1;
	struct termios tio;
	struct winsize ws;
	struct statfs sfs;
	int unlock = 0, slave;

	/* the container's devpts instance: the caller already joined its mount
	 * namespace and holds no privilege any more */
	master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (master < 0)
		return -errno;
	if (fstatfs(master, &sfs) < 0 || sfs.f_type != DEVPTS_SUPER_MAGIC)
		return -ENOTTY;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return -errno;
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return -errno;
	if (tcgetattr(host_fd, &tio) == 0)
		tcsetattr(slave, TCSANOW, &tio);
	if (ioctl(host_fd, TIOCGWINSZ, &ws) == 0)
		ioctl(slave, TIOCSWINSZ, &ws);
	p->master = steal_fd(&master);
	p->slave = slave;
	p->host_in = host_fd;
	p->raw_set = false;
	return 0;
}

int pty_host_raw(struct pty *p)
{
	struct termios raw;

	if (tcgetattr(p->host_in, &p->saved) < 0)
		return -errno;
	raw = p->saved;
	cfmakeraw(&raw);
	if (tcsetattr(p->host_in, TCSADRAIN, &raw) < 0)
		return -errno;
	p->raw_set = true;
	return 0;
}

void pty_host_restore(struct pty *p)
{
	if (p->raw_set)
		tcsetattr(p->host_in, TCSADRAIN, &p->saved);
	p->raw_set = false;
}

struct buf {
	char data[4096];
	size_t len, off;
};

/* One read into an empty buffer; false on EOF or a hard error. */
static bool buf_fill(struct buf *b, int fd)
{
	ssize_t n = read(fd, b->data, sizeof(b->data));

	if (n > 0) {
		b->len = (size_t)n;
		b->off = 0;
		return true;
	}
	return n < 0 && (errno == EAGAIN || errno == EINTR);
}

static bool buf_flush(struct buf *b, int fd)
{
	ssize_t n = write(fd, b->data + b->off, b->len - b->off);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	b->off += (size_t)n;
	if (b->off == b->len)
		b->len = b->off = 0;
	return true;
}

#define DRAIN_MS 2000

/* All of b to fd, waiting while fd is full (it may be non-blocking): false
 * once the reader is gone, or DRAIN_MS after start. */
static bool flush_all(struct buf *b, int fd, const struct timespec *start)
{
	while (b->len) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		long left = DRAIN_MS - util_ms_since(start);

		if (left <= 0 || !buf_flush(b, fd))
			return false;
		if (b->len && poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return false;
	}
	return true;
}

/*
 * After the payload's exit. First what was read from the inner terminal but
 * not yet passed on (the session's terminal was full, or the exit came
 * between the read and the write): dropping it lost the end of a command's
 * output. Then what the payload wrote last, which may still be on its way
 * through the terminal layer (the flip buffer is pushed from a work queue):
 * reading stops only at the hangup (EIO: no slave left), or after 100 ms
 * without output (a background job may hold the terminal), or DRAIN_MS
 * after the exit in all.
 */
static void drain_master(struct pty *p, struct buf *pending, int out_fd)
{
	struct timespec start;
	struct buf b = { .len = 0 };

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (!flush_all(pending, out_fd, &start))
		return;
	while (p->master >= 0 && util_ms_since(&start) <= DRAIN_MS) {
		struct pollfd pfd = { .fd = p->master, .events = POLLIN };

		if (poll(&pfd, 1, 100) <= 0)
			return;
		if (!buf_fill(&b, p->master))
			return;
		if (!flush_all(&b, out_fd, &start))
			return;
	}
}

int pty_relay(struct pty *p, pid_t payload, int sfd, int out_fd, int *ret_status)
{
	struct buf to_inner = { .len = 0 }, to_outer = { .len = 0 };
	bool in_open = true, master_open = true;

	for (;;) {
		struct pollfd pfd[4] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = in_open && !to_inner.len ? p->host_in : -1, .events = POLLIN },
			{ .fd = master_open ? p->master : -1,
			  .events = (short)((to_outer.len ? 0 : POLLIN) |
					    (to_inner.len ? POLLOUT : 0)) },
			{ .fd = to_outer.len ? out_fd : -1, .events = POLLOUT },
		};

		if (poll(pfd, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				int sig = (int)si.ssi_signo;

				if (sig == SIGCHLD) {
					int st;

					if (waitpid(payload, &st, WNOHANG) == payload) {
						*ret_status = st;
						drain_master(p, &to_outer, out_fd);
						return 0;
					}
				} else if (sig == SIGWINCH) {
					struct winsize ws;

					/* resizing the inner terminal signals its
					 * foreground job itself */
					if (ioctl(p->host_in, TIOCGWINSZ, &ws) == 0)
						ioctl(p->master, TIOCSWINSZ, &ws);
				} else {
					kill(payload, sig);
				}
			}
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			in_open = buf_fill(&to_inner, p->host_in);
			if (!in_open && master_open) {
				/* the session's terminal hung up: so does the inner one,
				 * whose shell then gets its SIGHUP from the kernel (su
				 * and login wait for it; an interactive shell may
				 * ignore a forwarded SIGHUP, never a hangup) */
				close(p->master);
				p->master = -1;
				master_open = false;
			}
		}
		if (pfd[2].revents & POLLOUT)
			master_open = buf_flush(&to_inner, p->master);
		if (master_open && (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) && !to_outer.len)
			/* EIO: every slave closed; the payload's exit comes as SIGCHLD */
			master_open = buf_fill(&to_outer, p->master);
		if (pfd[3].revents & (POLLOUT | POLLERR | POLLHUP))
			if (!buf_flush(&to_outer, out_fd))
				to_outer.len = to_outer.off = 0; /* the client is gone: discard */
	}
}
