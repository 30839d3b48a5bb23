/* SPDX-License-Identifier: MIT */
/*
 * evil.so: a library that must never be loaded by anything cubicle runs.
 * Built by the tests with -DMARKER='"PATH"'; its constructor creates PATH.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

__attribute__((constructor)) static void evil(void)
{
	int fd = open(MARKER, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);

	if (fd >= 0) {
		dprintf(fd, "loaded into pid %d uid %d euid %d\n", getpid(), getuid(), geteuid());
		close(fd);
	}
}
