/* SPDX-License-Identifier: MIT */
/*
 * The container's filesystem, built by init inside its private mount
 * namespace: see DESIGN.md "The container's filesystem". Everything here runs
 * before pivot_root, with CAP_SYS_ADMIN effective, as the user's uid.
 */
#ifndef CUBICLE_SHELL_MOUNTS_H
#define CUBICLE_SHELL_MOUNTS_H

#include "conf.h"

#include <stddef.h>

struct mount_ctx {
	const struct policy *policy;
	const struct conf_user *user;
	int root_fd; /* the new root: the rootfs bind, attached */
	int dev_fd;  /* the container's /dev tmpfs, attached */
	char *err;   /* where a failure is described, one line */
	size_t errlen;
};

/*
 * Opens the rootfs (checking the host path leading to it), binds it onto
 * itself nosuid,nodev and returns a descriptor of that new mount's root.
 */
int mounts_bind_rootfs(const struct policy *p, const struct conf_user *u, char *err, size_t errlen);

/* Builds /proc, /dev, /tmp, the home, the config binds and the passwd/group
 * entries under ctx->root_fd, from the table in mounts.c. */
int mounts_build(struct mount_ctx *ctx);

/* pivot_root into root_fd and detach the old root. */
int mounts_pivot(int root_fd, char *err, size_t errlen);

#endif
