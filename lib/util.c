/* SPDX-License-Identifier: MIT */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int util_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t util_read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;

	if (len == 0)
		return -EINVAL;
	while (got < len - 1) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return (ssize_t)got;
}

long util_ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

int util_parse_u64(const char *s, unsigned long long *ret)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end != '\0')
		return -EINVAL;
	*ret = v;
	return 0;
}

static bool fd_is_kept(int fd, const int *keep, size_t n_keep)
{
	for (size_t i = 0; i < n_keep; i++)
		if (keep[i] == fd)
			return true;
	return false;
}

/* Fallback for kernels without close_range (before 5.9): walk /proc/self/fd. */
static int close_fds_by_walk(int lowfd, const int *keep, size_t n_keep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (!d) {
		/* no /proc: close a bounded range instead */
		long max = sysconf(_SC_OPEN_MAX);

		if (max < 0 || max > 65536)
			max = 65536;
		for (int fd = lowfd; fd < max; fd++)
			if (!fd_is_kept(fd, keep, n_keep))
				close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		unsigned long long v;
		int fd;

		if (util_parse_u64(de->d_name, &v) < 0 || v > INT_MAX)
			continue;
		fd = (int)v;
		if (fd < lowfd || fd == dirfd(d) || fd_is_kept(fd, keep, n_keep))
			continue;
		close(fd);
	}
	closedir(d);
	return 0;
}

static int close_range_or_walk(unsigned int from, unsigned int to)
{
	if (syscall(SYS_close_range, from, to, 0) < 0)
		return -errno;
	return 0;
}

int util_close_fds_from(int lowfd, const int *keep, size_t n_keep)
{
	int sorted[16];
	unsigned int from = (unsigned int)lowfd;
	size_t n = 0;
	int r;

	if (lowfd < 0 || n_keep > ARRAY_SIZE(sorted))
		return -EINVAL;
	for (size_t i = 0; i < n_keep; i++)
		if (keep[i] >= lowfd)
			sorted[n++] = keep[i];
	for (size_t i = 1; i < n; i++) /* insertion sort: n is tiny */
		for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
			int t = sorted[j];

			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		unsigned int k = (unsigned int)sorted[i];

		if (k > from) {
			r = close_range_or_walk(from, k - 1);
			if (r == -ENOSYS || r == -EPERM)
				return close_fds_by_walk(lowfd, keep, n_keep);
			if (r < 0)
				return r;
		}
		if (k + 1 > from)
			from = k + 1;
	}
	r = close_range_or_walk(from, ~0U);
	if (r == -ENOSYS || r == -EPERM)
		return close_fds_by_walk(lowfd, keep, n_keep);
	return r;
}

void *util_stack_new(size_t size)
{
	void *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	int e;

	if (stack == MAP_FAILED)
		return NULL;
	if (mprotect(stack, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE) < 0) {
		e = errno;
		munmap(stack, size);
		errno = e;
		return NULL;
	}
	return stack;
}
