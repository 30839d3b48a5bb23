/* SPDX-License-Identifier: MIT */
/*
 * The container's filesystem, built by init inside its private mount
 * namespace: see DESIGN.md "The container's filesystem". Everything here runs
 * before init enters the rootfs, with CAP_SYS_ADMIN effective, as the user's
 * uid.
 */
#ifndef CUBICLE_SHELL_MOUNTS_H
#define CUBICLE_SHELL_MOUNTS_H

#include "conf.h"

#include <stdbool.h>
#include <stddef.h>

/* A bind mount cloned (open_tree) but not yet attached: see mounts.c. */
struct mount_tree {
	int fd;
	unsigned attrs;
	bool late; /* its flags are set once attached (before Linux 5.12) */
	bool dir;  /* a directory, not a file */
};

#define MOUNTS_DEV_NODES 6

struct mount_ctx {
	const struct policy *policy;
	const struct conf_user *user;
	int root_fd; /* the new root: the rootfs bind, attached */
	int dev_fd;  /* the container's /dev tmpfs, attached */
	/* what comes from the host, cloned by mounts_clone_sources() */
	int rootfs_dir; /* the rootfs directory itself */
	struct mount_tree rootfs, home, devs[MOUNTS_DEV_NODES];
	struct mount_tree *binds; /* one per policy->binds */
	char *err;		  /* where a failure is described, one line */
	size_t errlen;
};

void mounts_ctx_init(struct mount_ctx *ctx, const struct policy *p, const struct conf_user *u,
		     char *err, size_t errlen);
void mounts_ctx_release(struct mount_ctx *ctx);

/*
 * Clones, detached, everything the container takes from the host: the rootfs
 * (its path checked, and bound nosuid,nodev), the host's device nodes (each
 * checked to be the expected device), the home and the config's binds (opened
 * as the user). Runs in the mount namespace the host paths are seen in; the
 * clones can be attached in another one.
 */
int mounts_clone_sources(struct mount_ctx *ctx);

/* Attaches the rootfs onto onto_fd (the root of a namespace made from the
 * mount template), or with -1 onto the rootfs directory itself. */
int mounts_attach_root(struct mount_ctx *ctx, int onto_fd);

/* Builds /proc, /dev, /tmp, the home, the config binds and the passwd/group
 * entries under ctx->root_fd, from the table in mounts.c. */
int mounts_build(struct mount_ctx *ctx);

/* Makes the rootfs this process's root: with `pivot`, pivot_root and detach
 * the old root; without, chroot into the rootfs stacked on the namespace's
 * root (the mount template). */
int mounts_enter_root(struct mount_ctx *ctx, bool pivot);

#endif
