/* SPDX-License-Identifier: MIT */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "safeopen.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

bool safe_openat_force_fallback;

/* True when some component of path is "..". */
static bool has_dotdot(const char *path)
{
	const char *p = path;

	for (;;) {
		while (*p == '/')
			p++;
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
			return true;
		p = strchr(p, '/');
		if (!p)
			return false;
	}
}

/*
 * The fallback walks one component at a time, each opened O_PATH|O_NOFOLLOW
 * (and O_DIRECTORY for the intermediate ones), so a symlink anywhere fails with
 * ELOOP instead of being followed, like openat2(RESOLVE_NO_SYMLINKS) does.
 */
static int walk_openat(int rootfd, const char *path, int flags, mode_t mode)
{
	char buf[PATH_MAX];
	char *comp, *next;
	cleanup_close int cur = -1;
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);

	cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;

	comp = buf;
	for (;;) {
		struct stat st;
		int fd;

		while (*comp == '/')
			comp++;
		if (*comp == '\0') {
			/* "" or "/" means the root itself */
			fd = openat(rootfd, ".", flags | O_CLOEXEC, mode);
			return fd < 0 ? -errno : fd;
		}
		next = strchr(comp, '/');
		if (next)
			*next++ = '\0';
		if (strcmp(comp, "..") == 0)
			return -EXDEV;
		while (next && *next == '/')
			next++;
		if (!next || *next == '\0') {
			/* the last one: errors as openat2 gives them (ENOTDIR for a symlink
			 * opened O_DIRECTORY, ELOOP otherwise) */
			fd = openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
			return fd < 0 ? -errno : fd;
		}
		fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			/* a symlink on the way is ELOOP, as with RESOLVE_NO_SYMLINKS, though
			 * opening it O_DIRECTORY|O_NOFOLLOW gave ENOTDIR */
			if (errno == ENOTDIR && fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				return -ELOOP;
			return -errno;
		}
		close(cur);
		cur = fd;
		comp = next;
	}
}

int safe_openat(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC | O_NOFOLLOW),
		/* O_TMPFILE includes O_DIRECTORY: test all its bits, or every O_DIRECTORY open
		 * would pass a mode, which openat2 refuses with EINVAL */
		.mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	const char *rel = path;
	long fd;

	/* openat2(RESOLVE_BENEATH) allows a ".." that stays beneath; we allow none */
	if (has_dotdot(path))
		return -EXDEV;
	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		rel = ".";
	if (!safe_openat_force_fallback) {
		fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != ENOSYS && errno != EPERM)
			return -errno;
	}
	return walk_openat(rootfd, rel, flags, mode);
}

int safe_open_trusted_dir(const char *path, uid_t owner_ok, const char **ret_bad)
{
	static char bad[PATH_MAX];
	char buf[PATH_MAX];
	cleanup_close int cur = -1;
	size_t len;
	char *comp;

	if (ret_bad)
		*ret_bad = bad;
	snprintf(bad, sizeof(bad), "%s", path ? path : "(null)");
	if (!path || path[0] != '/')
		return -EINVAL;
	len = strlen(path);
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);

	cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;
	snprintf(bad, sizeof(bad), "/");
	comp = buf;
	for (;;) {
		struct stat st;
		char *next;
		int fd;

		while (*comp == '/')
			comp++;
		if (*comp == '\0')
			break;
		next = strchr(comp, '/');
		if (next)
			*next = '\0';
		if (strcmp(comp, "..") == 0 || strcmp(comp, ".") == 0)
			return -EINVAL;

		/* every directory above the target: root-owned, not group/other-writable */
		if (fstat(cur, &st) < 0)
			return -errno;
		if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
			return -EPERM;

		fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		snprintf(bad, sizeof(bad), "%.*s", (int)(comp - buf + (ptrdiff_t)strlen(comp)),
			 path);
		if (fd < 0)
			return -errno;
		close(cur);
		cur = fd;
		if (!next)
			break;
		comp = next + 1;
	}
	{
		struct stat st;

		if (fstat(cur, &st) < 0)
			return -errno;
		if ((st.st_uid != 0 && st.st_uid != owner_ok) || (st.st_mode & (S_IWGRP | S_IWOTH)))
			return -EPERM;
	}
	return steal_fd(&cur);
}

int safe_openat_trusted_file(int dirfd, const char *name, int flags, uid_t owner)
{
	cleanup_close int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != owner || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	return steal_fd(&fd);
}
