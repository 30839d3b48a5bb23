/* SPDX-License-Identifier: MIT */
/*
 * What lib/cgroup.c shares with its two backends, lib/cgroup-v1.c and
 * lib/cgroup-v2.c, and what the unit tests reach beyond cgroup.h.
 */
#ifndef CUBICLE_CGROUP_INTERNAL_H
#define CUBICLE_CGROUP_INTERNAL_H

#include "cgroup.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * For tests: the hierarchies are plain directories, not cgroupfs. A control
 * file is created when first written (cgroupfs has them all from mkdir on and
 * refuses O_CREAT), and removing a cgroup unlinks the files in it first (what
 * cgroupfs's rmdir does by itself).
 */
extern bool cg_fake_fs;

/* cg_detect with its inputs named: a mountinfo file, a /proc/PID/cgroup file,
 * and whether to ask libcgroup for the v1 mount points first. */
/* Where a v1 controller's hierarchy is mounted, asked of a library:
 * oracle(NULL, NULL, 0) prepares it (0 or -errno); oracle(ctrl, buf, len)
 * puts the mount point in buf, 0 or -errno. */
typedef int (*cg_v1_oracle)(const char *ctrl, char *buf, size_t len);

int cg_detect_from(const char *mountinfo, const char *self_cgroup, cg_v1_oracle oracle,
		   struct cg_layout *ret);

/* The cache of cg_detect_cached() in directory dirfd, with /proc/self/cgroup
 * named: save (0 or -errno), and load, which checks it and the file's
 * owner (-ESTALE: the system changed since; -EBADMSG: not a layout file). */
int cg_layout_save_at(int dirfd, const char *self_cgroup, const struct cg_layout *l);
int cg_layout_load_at(int dirfd, const char *self_cgroup, uid_t owner, struct cg_layout *ret);

/* ---- common helpers (cgroup.c) ------------------------------------------ */

#define CG_NSEC_PER_MSEC 1000000ull

void cg_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "<mount><rel>[/<file>]" into buf; rel is "" or "/" for the hierarchy's root. */
int cg_path(const struct cg_hier *h, const char *rel, const char *file, char *buf, size_t size);

/* Writes value to <rel>/<file> in one write(); err gets "write PATH: reason". */
int cg_write(const struct cg_hier *h, const char *rel, const char *file, const char *value,
	     char *err, size_t errlen);

/* As cg_write, but a missing file is fine (returns -ENOENT and leaves err alone). */
int cg_write_if_exists(const struct cg_hier *h, const char *rel, const char *file,
		       const char *value, char *err, size_t errlen);

/* Reads <rel>/<file> into buf (NUL-terminated, truncated to size-1). */
int cg_read(const struct cg_hier *h, const char *rel, const char *file, char *buf, size_t size);

/* Whether <rel>/<file> exists (and is not a symlink). */
bool cg_exists(const struct cg_hier *h, const char *rel, const char *file);

/* The value of "key N" in a flat keyed file (cgroup.events): 0/1.., or -errno. */
int cg_read_key(const struct cg_hier *h, const char *rel, const char *file, const char *key,
		uint64_t *ret);

/* Whether `word` is one of the space-separated words of s ("+word" counts too). */
bool cg_has_word(const char *s, const char *word);

/* The number of processes in rel and every cgroup beneath it (0 if rel is missing). */
int cg_count_procs(const struct cg_hier *h, const char *rel, unsigned *ret);

uint64_t cg_now_ns(void);

/* Sleeps for the next poll interval (2 ms doubling to 20 ms), never past deadline. */
void cg_poll_sleep(unsigned *delay_ms, uint64_t deadline_ns);

/* ---- backends ------------------------------------------------------------ */

/*
 * One cgroup version's way of doing things, crun style: cgroup.c walks the
 * layout and calls the backend of each hierarchy.
 */
struct cg_ops {
	/* After mkdir of the path: make the controllers in `ctrls` usable in the
	 * leaf (v2: cgroup.subtree_control from the root down to user_rel). */
	int (*enable)(const struct cg_hier *h, const char *user_rel, unsigned ctrls, char *err,
		      size_t errlen);
	/* Writes lim on rel; `parent` is the limits written on rel's parent by the
	 * same call, or NULL. */
	int (*set_limits)(const struct cg_hier *h, const char *rel, const struct cg_limits *lim,
			  const struct cg_limits *parent, char *err, size_t errlen);
	/* Freezes (or thaws) rel and its subtree; with `wait_ns`, waits at most
	 * that long until the kernel reports it frozen. -EOPNOTSUPP if h cannot. */
	int (*freeze)(const struct cg_hier *h, const char *rel, bool frozen, uint64_t wait_ns);
	/* 1 if a process is in rel or beneath it, 0 if none (or rel is gone). */
	int (*populated)(const struct cg_hier *h, const char *rel);
	const char *memory_current; /* the file with the memory in use, in bytes */
};

extern const struct cg_ops cg_v1_ops;
extern const struct cg_ops cg_v2_ops;

static inline const struct cg_ops *cg_ops_of(const struct cg_hier *h)
{
	return h->v2 ? &cg_v2_ops : &cg_v1_ops;
}

#endif
