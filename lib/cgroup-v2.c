/* SPDX-License-Identifier: MIT */
/*
 * cgroup v2 (unified): one hierarchy; a controller reaches a cgroup only
 * through the cgroup.subtree_control of every ancestor; limits in memory.max,
 * memory.swap.max, pids.max, cpu.max, cpu.weight; cgroup.freeze and
 * cgroup.events in every non-root cgroup.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define V2_CPU_PERIOD_US 100000u

static const struct {
	const char *name;
	unsigned bit;
} v2_ctrls[] = {
	{ "memory", CG_MEMORY },
	{ "pids", CG_PIDS },
	{ "cpu", CG_CPU },
};

/* Adds what is missing of ctrls to dir's cgroup.subtree_control. */
static int v2_enable_in(const struct cg_hier *h, const char *dir, unsigned ctrls, char *err,
			size_t errlen)
{
	char cur[1024] = "", add[64] = "", path[4096];
	size_t len = 0;
	int r = cg_read(h, dir, "cgroup.subtree_control", cur, sizeof(cur));

	if (r < 0 && r != -ENOENT) {
		errno = -r;
		cg_path(h, dir, "cgroup.subtree_control", path, sizeof(path));
		cg_errf(err, errlen, "read %s: %m", path);
		return r;
	}
	for (size_t c = 0; c < sizeof(v2_ctrls) / sizeof(v2_ctrls[0]); c++) {
		if (!(ctrls & v2_ctrls[c].bit) || cg_has_word(cur, v2_ctrls[c].name))
			continue;
		len += (size_t)snprintf(add + len, sizeof(add) - len, "%s+%s", len ? " " : "",
					v2_ctrls[c].name);
	}
	if (len == 0)
		return 0;
	/*
	 * A controller is usable in a cgroup only once its parent lists it in
	 * cgroup.subtree_control; and a non-root cgroup with processes of its
	 * own cannot pass controllers on (the "no internal processes" rule):
	 * the kernel says EBUSY.
	 */
	r = cg_write(h, dir, "cgroup.subtree_control", add, err, errlen);
	if (r == -EBUSY) {
		cg_path(h, dir, NULL, path, sizeof(path));
		cg_errf(err, errlen,
			"cannot enable controllers in %s: it has processes (cgroup v2 'no internal "
			"processes' rule); choose a cgroup_root whose parent has none",
			path);
	}
	return r;
}

/* From the hierarchy's root down to the user's node, which passes them to the leaf. */
static int v2_enable(const struct cg_hier *h, const char *user_rel, unsigned ctrls, char *err,
		     size_t errlen)
{
	char prefix[CG_PATH_MAX];
	size_t len = strlen(user_rel);
	int r = v2_enable_in(h, "/", ctrls, err, errlen);

	for (size_t i = 1; r == 0 && i <= len && len < sizeof(prefix); i++) {
		if (i < len && user_rel[i] != '/')
			continue;
		memcpy(prefix, user_rel, i);
		prefix[i] = '\0';
		r = v2_enable_in(h, prefix, ctrls, err, errlen);
	}
	return r;
}

/* A limit, or "max"; "max" where the file is missing (nothing to lift) is fine. */
static int v2_put(const struct cg_hier *h, const char *rel, const char *file, uint64_t v, char *err,
		  size_t errlen)
{
	char value[32];
	int r;

	if (v == CG_UNLIMITED) {
		r = cg_write_if_exists(h, rel, file, "max", err, errlen);
		return r == -ENOENT ? 0 : r;
	}
	snprintf(value, sizeof(value), "%" PRIu64, v);
	return cg_write(h, rel, file, value, err, errlen);
}

static int v2_set_limits(const struct cg_hier *h, const char *rel, const struct cg_limits *lim,
			 const struct cg_limits *parent, char *err, size_t errlen)
{
	char parent_rel[CG_PATH_MAX], enabled[1024] = "", value[64];
	const char *slash = strrchr(rel, '/');
	size_t plen = slash ? (size_t)(slash - rel) : 0;
	unsigned todo = cg_limits_ctrls(lim);
	int r;

	(void)parent; /* v2 takes the smaller of a cgroup's and its parent's limit itself */
	if (plen >= sizeof(parent_rel))
		return -ENAMETOOLONG;
	memcpy(parent_rel, rel, plen);
	parent_rel[plen] = '\0';
	/* what the parent passes on has limit files here: an unlimited value is written
	 * there too, so that a limit lowered before can be lifted again */
	if (cg_read(h, plen ? parent_rel : "/", "cgroup.subtree_control", enabled,
		    sizeof(enabled)) < 0)
		enabled[0] = '\0';
	for (size_t c = 0; c < sizeof(v2_ctrls) / sizeof(v2_ctrls[0]); c++)
		if (cg_has_word(enabled, v2_ctrls[c].name))
			todo |= v2_ctrls[c].bit;
	todo &= h->ctrls;

	if (todo & CG_MEMORY) {
		r = v2_put(h, rel, "memory.max", lim->memory_max, err, errlen);
		if (r == 0)
			r = v2_put(h, rel, "memory.swap.max", lim->memory_swap_max, err, errlen);
		if (r < 0)
			return r;
	}
	if (todo & CG_PIDS) {
		r = v2_put(h, rel, "pids.max", lim->pids_max, err, errlen);
		if (r < 0)
			return r;
	}
	if (todo & CG_CPU) {
		if (lim->cpu_max_percent == CG_UNLIMITED) {
			char cur[64] = "";

			/* as in v1 (cgroup-v1.c, v1_put_cpu): every write of cpu.max
			 * walks every CPU cgroup of the host; a fresh node has none */
			snprintf(value, sizeof(value), "max %u", V2_CPU_PERIOD_US);
			if (cg_read(h, rel, "cpu.max", cur, sizeof(cur)) == 0 &&
			    strncmp(cur, value, strlen(value)) == 0 && cur[strlen(value)] == '\n')
				r = 0;
			else
				r = cg_write_if_exists(h, rel, "cpu.max", value, err, errlen);
			r = r == -ENOENT ? 0 : r;
		} else {
			/* percent of one CPU: quota = percent/100 * period */
			snprintf(value, sizeof(value), "%" PRIu64 " %u",
				 lim->cpu_max_percent * (V2_CPU_PERIOD_US / 100), V2_CPU_PERIOD_US);
			r = cg_write(h, rel, "cpu.max", value, err, errlen);
		}
		if (r == 0 && lim->cpu_weight != 0) {
			snprintf(value, sizeof(value), "%" PRIu64, lim->cpu_weight);
			r = cg_write(h, rel, "cpu.weight", value, err, errlen);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int v2_freeze(const struct cg_hier *h, const char *rel, bool frozen, uint64_t wait_ns)
{
	uint64_t deadline, v;
	unsigned delay = 2;
	int r = cg_write_if_exists(h, rel, "cgroup.freeze", frozen ? "1" : "0", NULL, 0);

	if (r == -ENOENT)
		return -EOPNOTSUPP; /* before 5.2, or rel is gone */
	if (r < 0 || !frozen || wait_ns == 0)
		return r;
	deadline = cg_now_ns() + wait_ns;
	for (;;) {
		if (cg_read_key(h, rel, "cgroup.events", "frozen", &v) == 0 && v == 1)
			return 0;
		if (cg_now_ns() >= deadline)
			return -ETIMEDOUT;
		cg_poll_sleep(&delay, deadline);
	}
}

static int v2_populated(const struct cg_hier *h, const char *rel)
{
	uint64_t v;
	unsigned n;
	int r = cg_read_key(h, rel, "cgroup.events", "populated", &v);

	if (r == 0)
		return v != 0;
	if (r != -ENOENT && r != -ENODATA)
		return r;
	/* rel is gone, or a fake tree without cgroup.events: count */
	r = cg_count_procs(h, rel, &n);
	return r < 0 ? r : n > 0;
}

const struct cg_ops cg_v2_ops = {
	.enable = v2_enable,
	.set_limits = v2_set_limits,
	.freeze = v2_freeze,
	.populated = v2_populated,
	.memory_current = "memory.current",
};
