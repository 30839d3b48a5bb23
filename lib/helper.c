/* SPDX-License-Identifier: MIT */
#include "helper.h"
#include "safeopen.h"
#include "util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int helper_open(const char *name)
{
	cleanup_close int dir = -1, fd = -1;
	struct stat st;

	dir = safe_open_trusted_dir(CUBICLE_LIBEXEC_DIR, 0, NULL);
	if (dir < 0)
		return dir;
	fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	return steal_fd(&fd);
}

int helper_exec(int fd, char *const argv[])
{
	static char *const no_env[] = { NULL };

	syscall(SYS_execveat, fd, "", argv, no_env, AT_EMPTY_PATH);
	return -errno;
}
