/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by every cubicle binary: scoped cleanup, and
 * nothing that logs or exits (library code returns -errno).
 */
#ifndef CUBICLE_UTIL_H
#define CUBICLE_UTIL_H

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define _cleanup_(f)  __attribute__((cleanup(f)))
#define cleanup_free  _cleanup_(util_freep)
#define cleanup_close _cleanup_(util_closep)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void util_freep(void *p)
{
	free(*(void **)p);
}

/* close() that keeps errno, so a cleanup never hides the error being returned */
static inline void util_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}

/* pidfd_open(2) and pidfd_send_signal(2) by number: the static helpers are
 * built against musl, which has no wrappers for them (Makefile) */
static inline int util_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static inline int util_pidfd_kill(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static inline void *util_steal_pointer(void *pp)
{
	void **p = pp;
	void *ret = *p;

	*p = NULL;
	return ret;
}
#define steal_pointer(pp) util_steal_pointer(pp)

static inline int steal_fd(int *fd)
{
	int ret = *fd;

	*fd = -1;
	return ret;
}

/* Writes all of buf; -errno on failure, -EIO on a short write that made no progress. */
int util_write_all(int fd, const void *buf, size_t len);

/* Reads up to len-1 bytes and NUL-terminates; returns the length or -errno. */
ssize_t util_read_all(int fd, char *buf, size_t len);

/* Milliseconds of CLOCK_MONOTONIC since *start (taken from that clock). */
long util_ms_since(const struct timespec *start);

/* Parses a decimal unsigned number that fills the whole string. */
int util_parse_u64(const char *s, unsigned long long *ret);

/* Closes every descriptor >= lowfd except those in keep[] (close_range where the kernel has it). */
int util_close_fds_from(int lowfd, const int *keep, size_t n_keep);

/* A stack for a child cloned into the caller's memory (clone(CLONE_VM)):
 * `size` bytes, the lowest page a guard, so an overflow faults instead of
 * writing below it. NULL and errno on failure; freed with munmap(ret, size). */
void *util_stack_new(size_t size);

#endif
