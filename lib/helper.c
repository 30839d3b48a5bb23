/* SPDX-License-Identifier: MIT */
#include "helper.h"
#include "safeopen.h"
#include "util.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

int helper_open(const char *name)
{
	cleanup_close int dir = -1;

	dir = safe_open_trusted_dir(CUBICLE_LIBEXEC_DIR, 0, NULL);
	if (dir < 0)
		return dir;
	return safe_openat_trusted_file(dir, name, O_PATH, 0);
}

int helper_exec(int fd, char *const argv[])
{
	static char *const no_env[] = { NULL };

	syscall(SYS_execveat, fd, "", argv, no_env, AT_EMPTY_PATH);
	return -errno;
}
