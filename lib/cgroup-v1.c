/* SPDX-License-Identifier: MIT */
/*
 * cgroup v1 (legacy, or hybrid beside a v2 mount): one hierarchy per
 * controller (or per co-mounted group, "cpu,cpuacct"), every controller
 * active in every cgroup of its hierarchy; limits in memory.limit_in_bytes,
 * memory.memsw.limit_in_bytes, pids.max, cpu.cfs_quota_us/cfs_period_us,
 * cpu.shares; freezing through the freezer hierarchy's freezer.state.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define V1_CPU_PERIOD_US 100000u
#define V1_MEMSW	 "memory.memsw.limit_in_bytes"

/* Nothing to enable: a v1 controller acts in every cgroup of its hierarchy. */
static int v1_enable(const struct cg_hier *h, const char *user_rel, unsigned ctrls, char *err,
		     size_t errlen)
{
	(void)h;
	(void)user_rel;
	(void)ctrls;
	(void)err;
	(void)errlen;
	return 0;
}

/* A limit, or `unlimited` ("-1", "max") where a missing file is fine. */
static int v1_put(const struct cg_hier *h, const char *rel, const char *file, uint64_t v,
		  const char *unlimited, char *err, size_t errlen)
{
	char value[32];
	int r;

	if (v == CG_UNLIMITED) {
		r = cg_write_if_exists(h, rel, file, unlimited, err, errlen);
		return r == -ENOENT ? 0 : r;
	}
	snprintf(value, sizeof(value), "%" PRIu64, v);
	return cg_write(h, rel, file, value, err, errlen);
}

static int v1_set_memory(const struct cg_hier *h, const char *rel, const struct cg_limits *lim,
			 char *err, size_t errlen)
{
	bool limit_swap = lim->memory_swap_max != CG_UNLIMITED;
	/* the root has memory.memsw.* exactly when swap is accounted (swapaccount=1) */
	bool memsw = cg_exists(h, "/", V1_MEMSW);
	uint64_t total = CG_UNLIMITED;
	int r;

	if (limit_swap && !memsw) {
		cg_errf(err, errlen,
			"cannot limit swap in %s: no " V1_MEMSW " (swap accounting is off)",
			h->mount);
		return -EOPNOTSUPP;
	}
	if (limit_swap && lim->memory_max == CG_UNLIMITED) {
		cg_errf(err, errlen,
			"cgroup v1 limits swap only together with memory: memory_swap_max needs "
			"memory_max");
		return -EOPNOTSUPP;
	}
	if (limit_swap && lim->memory_max <= INT64_MAX - lim->memory_swap_max)
		total = lim->memory_max + lim->memory_swap_max;
	/*
	 * The kernel keeps memsw (memory + swap) >= limit at every moment and
	 * refuses a write that would break it: lift memsw first, then set the
	 * memory limit, then the memsw one.
	 */
	if (memsw) {
		r = v1_put(h, rel, V1_MEMSW, CG_UNLIMITED, "-1", err, errlen);
		if (r < 0)
			return r;
	}
	r = v1_put(h, rel, "memory.limit_in_bytes", lim->memory_max, "-1", err, errlen);
	if (r == 0 && memsw && total != CG_UNLIMITED)
		r = v1_put(h, rel, V1_MEMSW, total, "-1", err, errlen);
	return r;
}

/*
 * Each write of cpu.cfs_period_us or cpu.cfs_quota_us has the kernel check
 * the bandwidth of every CPU cgroup on the host (tg_set_cfs_bandwidth walks
 * them all, `perf`: 2 % of a login beside 1,000 sessions). A value the file
 * holds already is not written again: a fresh leaf has the default period,
 * and no quota where none is set.
 */
static int v1_put_cpu(const struct cg_hier *h, const char *rel, const char *file, uint64_t v,
		      const char *unlimited, char *err, size_t errlen)
{
	char cur[32] = "", want[32];

	if (v == CG_UNLIMITED)
		snprintf(want, sizeof(want), "%s", unlimited);
	else
		snprintf(want, sizeof(want), "%" PRIu64, v);
	if (cg_read(h, rel, file, cur, sizeof(cur)) == 0) {
		cur[strcspn(cur, "\n")] = '\0';
		if (strcmp(cur, want) == 0)
			return 0;
	}
	return v1_put(h, rel, file, v, unlimited, err, errlen);
}

static int v1_set_cpu(const struct cg_hier *h, const char *rel, const struct cg_limits *lim,
		      const struct cg_limits *parent, char *err, size_t errlen)
{
	uint64_t percent = lim->cpu_max_percent;
	char value[32];
	int r;

	/* v1 refuses a quota above the parent's (v2 takes the smaller one): the
	 * leaf gets at most the user's, which is what v2 would enforce */
	if (parent && parent->cpu_max_percent != CG_UNLIMITED && percent != CG_UNLIMITED &&
	    percent > parent->cpu_max_percent)
		percent = parent->cpu_max_percent;
	r = v1_put_cpu(h, rel, "cpu.cfs_period_us",
		       percent == CG_UNLIMITED ? CG_UNLIMITED : V1_CPU_PERIOD_US, "100000", err,
		       errlen);
	if (r == 0)
		r = v1_put_cpu(h, rel, "cpu.cfs_quota_us",
			       percent == CG_UNLIMITED ? CG_UNLIMITED
						       : percent * (V1_CPU_PERIOD_US / 100),
			       "-1", err, errlen);
	if (r == 0 && lim->cpu_weight != 0) {
		uint64_t shares = lim->cpu_weight * 1024 / 100;

		snprintf(value, sizeof(value), "%" PRIu64, shares < 2 ? 2 : shares);
		r = cg_write(h, rel, "cpu.shares", value, err, errlen);
	}
	return r;
}

static int v1_set_limits(const struct cg_hier *h, const char *rel, const struct cg_limits *lim,
			 const struct cg_limits *parent, char *err, size_t errlen)
{
	int r = 0;

	if (h->ctrls & CG_MEMORY)
		r = v1_set_memory(h, rel, lim, err, errlen);
	if (r == 0 && (h->ctrls & CG_PIDS))
		r = v1_put(h, rel, "pids.max", lim->pids_max, "max", err, errlen);
	if (r == 0 && (h->ctrls & CG_CPU))
		r = v1_set_cpu(h, rel, lim, parent, err, errlen);
	return r;
}

static int v1_freeze(const struct cg_hier *h, const char *rel, bool frozen, uint64_t wait_ns)
{
	uint64_t deadline;
	unsigned delay = 2;
	char state[32];
	int r;

	if (!(h->ctrls & CG_FREEZER))
		return -EOPNOTSUPP;
	r = cg_write_if_exists(h, rel, "freezer.state", frozen ? "FROZEN" : "THAWED", NULL, 0);
	if (r == -ENOENT)
		return -EOPNOTSUPP; /* rel is gone */
	if (r < 0 || !frozen || wait_ns == 0)
		return r;
	/* reads FREEZING until every task in the subtree is frozen */
	deadline = cg_now_ns() + wait_ns;
	for (;;) {
		if (cg_read(h, rel, "freezer.state", state, sizeof(state)) == 0 &&
		    strncmp(state, "FROZEN", 6) == 0 && (state[6] == '\n' || state[6] == '\0'))
			return 0;
		if (cg_now_ns() >= deadline)
			return -ETIMEDOUT;
		cg_poll_sleep(&delay, deadline);
	}
}

static int v1_populated(const struct cg_hier *h, const char *rel)
{
	unsigned n;
	int r = cg_count_procs(h, rel, &n);

	return r < 0 ? r : n > 0;
}

const struct cg_ops cg_v1_ops = {
	.enable = v1_enable,
	.set_limits = v1_set_limits,
	.freeze = v1_freeze,
	.populated = v1_populated,
	.memory_current = "memory.usage_in_bytes",
};
