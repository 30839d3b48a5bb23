/* SPDX-License-Identifier: MIT */
/*
 * DESIGN.md step 5, first half: *ensure the container*. A container is its
 * init (PID 1 of a new PID namespace), pinned by a pidfd; its namespaces are
 * what later shells join (run.h). Without a PAM session every container has
 * exactly one payload and ends with it (tie_to_parent); the session-shared
 * container of a later issue adds a lookup before container_create().
 */
#ifndef CUBICLE_SHELL_CONTAINER_H
#define CUBICLE_SHELL_CONTAINER_H

#include "cgroup.h"
#include "conf.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct container_spec {
	const struct policy *policy;
	const struct conf_user *user;
	bool tie_to_parent; /* init (and so the container) dies with this process */
	char *argv_area;    /* this process's argv strings, which init overwrites */
	size_t argv_len;
	int init_helper_fd;  /* cubicle-init (helper_open), which init becomes; or -1 */
	int mnt_template_fd; /* the mount template (template.h) to copy; or -1 */
};

/* The identity of one namespace: what stat() of /proc/PID/ns/NAME shows. */
struct ns_id {
	dev_t dev;
	ino_t ino;
};

#define CONTAINER_NS_COUNT 6

struct container {
	pid_t pid;			     /* init, as the host sees it */
	int pidfd;			     /* pins init: signals and setns() go through it */
	int ns_flags;			     /* CLONE_NEW* of the namespaces to join */
	struct ns_id ns[CONTAINER_NS_COUNT]; /* as init reported them, in ns_names order */
	unsigned stop_timeout;
	char init_note[128]; /* why init could not exec its helper, if it could not */
};

/* Names under /proc/PID/ns, in the order of container.ns; "pid" is read back
 * as "pid_for_children" by a process that joined. */
extern const char *const container_ns_names[CONTAINER_NS_COUNT];

/* Reads the ids of the namespaces of the process whose /proc/PID/ns is nsdir
 * (a descriptor); `joined` reads pid_for_children instead of pid. */
int container_read_ns(int nsdir, bool joined, struct ns_id ret[CONTAINER_NS_COUNT]);

/* Unshares the namespaces, starts init and waits until it has built the
 * filesystem and dropped its privileges. On failure err holds one line.
 * When init could not exec the helper, ret->init_note says why and init is a
 * copy of cubicle-shell. */
int container_create(const struct container_spec *spec, struct container *ret, char *err,
		     size_t errlen);

/*
 * Finds the container an earlier shell of the same session made: a process
 * in the session's cgroup `cgroup_rel` that is named cubicle-init, runs as
 * `uid`, is PID 1 of its own PID namespace, and whose namespaces (those of
 * `ns_flags`) all differ from the host's and are owned by the initial user
 * namespace. A namespace a user makes (unshare in an unprivileged user
 * namespace) is owned by their user namespace, so it never qualifies. Pinned
 * by a pidfd; its namespace ids read for run_in_container() to check.
 * 0 and *ret filled when found, -ENOENT when there is none.
 */
int container_find(const struct cg_layout *l, const char *cgroup_rel, uid_t uid, int ns_flags,
		   struct container *ret);

/* The namespaces the policy asks for, as CLONE_NEW* flags. */
int container_ns_flags(unsigned conf_namespaces);

#endif
