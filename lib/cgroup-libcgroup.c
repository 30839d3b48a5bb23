/* SPDX-License-Identifier: MIT */
/*
 * Hierarchy detection with libcgroup's help, for cubiclectl: cgroup_init()
 * and cgroup_get_subsys_mount_point() name the v1 mount points, and each
 * answer is checked against /proc/self/mountinfo (libcgroup 2.0.2 places
 * some controllers at the cgroup2 mount of a hybrid host). Kept out of the
 * login path (see cgroup.c): in a file of its own, so that the binaries that
 * do not call it do not load libcgroup at all.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup.h"
#include "cgroup_internal.h"

#include <errno.h>
#include <libcgroup.h>
#include <stdio.h>
#include <stdlib.h>

static int libcgroup_oracle(const char *ctrl, char *buf, size_t len)
{
	char *point = NULL;
	int r;

	if (!ctrl) {
		/* library code never prints: libcgroup's default logger writes to stdout */
		cgroup_set_logger(NULL, CGROUP_LOG_ERROR, NULL);
		return cgroup_init() == 0 ? 0 : -ENODEV;
	}
	if (cgroup_get_subsys_mount_point(ctrl, &point) != 0 || !point) {
		free(point);
		return -ENOENT;
	}
	r = snprintf(buf, len, "%s", point) < (int)len ? 0 : -ENAMETOOLONG;
	free(point);
	return r;
}

int cg_detect_libcgroup(struct cg_layout *ret)
{
	return cg_detect_from("/proc/self/mountinfo", "/proc/self/cgroup", libcgroup_oracle, ret);
}
