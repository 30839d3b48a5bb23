/* SPDX-License-Identifier: MIT */
/*
 * The cgroups of cubicle's sessions: <base>/<user>/<session-id> in every
 * hierarchy cubicle uses. The per-user node carries the limits over all of a
 * user's sessions, the per-session leaf its own; processes only ever live in
 * leaves. Works on a cgroup v2 (unified) hierarchy and on v1 (legacy or
 * hybrid: one hierarchy per controller, possibly a v2 one beside them),
 * found at run time (cg_detect); the tests build a layout over a fake tree.
 *
 * Paths named `rel` are cgroup paths relative to each hierarchy's root,
 * absolute in form ("/cubicle/alice/3f2a..."), the same in every hierarchy.
 * Functions return 0 or -errno and never print; where `err` is given, a
 * failure is described there in one line naming the file.
 */
#ifndef CUBICLE_CGROUP_H
#define CUBICLE_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CG_PATH_MAX  512
#define CG_HIER_MAX  8
#define CG_UNLIMITED UINT64_MAX /* "max", as CONF_UNLIMITED */

enum cg_ctrl {
	CG_MEMORY = 1u << 0,
	CG_PIDS = 1u << 1,
	CG_CPU = 1u << 2,
	CG_FREEZER = 1u << 3, /* v1 only: v2 has cgroup.freeze in every cgroup */
};

struct cg_hier {
	char mount[CG_PATH_MAX]; /* where the hierarchy is mounted */
	bool v2;
	unsigned ctrls; /* enum cg_ctrl bits this hierarchy applies (v2: available at its root) */
	char name[32];	/* v1: the controller list as in /proc/PID/cgroup ("memory",
			   "cpu,cpuacct"); v2: "" (the "0::" line) */
};

struct cg_layout {
	struct cg_hier h[CG_HIER_MAX];
	size_t n;
	char proc[CG_PATH_MAX]; /* "/proc"; tests point it at a fake one */
};

struct cg_limits {
	uint64_t memory_max;	  /* bytes or CG_UNLIMITED */
	uint64_t memory_swap_max; /* bytes or CG_UNLIMITED */
	uint64_t pids_max;	  /* or CG_UNLIMITED */
	uint64_t cpu_max_percent; /* percent of one CPU, or CG_UNLIMITED */
	uint64_t cpu_weight;	  /* 1..10000, 0: leave as it is */
};

/*
 * Finds the hierarchies of this system: a v2 hierarchy if one is mounted (the
 * only one on a unified host; beside the v1 ones on a hybrid host, where it
 * still gives cgroup.kill and cgroup.events), and the v1 hierarchies of the
 * memory, pids, cpu and freezer controllers.
 */
int cg_detect(struct cg_layout *ret);

/* cg_detect() through the layout pam_cubicle keeps in <run_dir>/cgroups, used
 * only once checked against the system as it is now (lib/cgroup-cache.c);
 * root writes it anew when it had to detect. */
int cg_detect_cached(const char *run_dir, struct cg_layout *ret);

/* The same, with libcgroup naming the v1 mount points (checked against
 * mountinfo); for cubiclectl. The login path uses cg_detect(): see cgroup.c
 * for why. */
int cg_detect_libcgroup(struct cg_layout *ret);

/* For tests: adds one hierarchy by hand. */
int cg_layout_add(struct cg_layout *l, const char *mount, bool v2, unsigned ctrls,
		  const char *name);

/* Which of `wanted` (enum cg_ctrl) no hierarchy of l can apply. */
unsigned cg_missing_ctrls(const struct cg_layout *l, unsigned wanted);

/* The controllers a set of limits needs (memory, pids, cpu). */
unsigned cg_limits_ctrls(const struct cg_limits *lim);

/*
 * Creates <base>/<user>/<sid> in every hierarchy (missing ancestors too, mode
 * 0755, root's), enables the needed v2 controllers down the path, writes
 * user_lim on the user node (every time: the config may have changed) and
 * sess_lim on the leaf. -EEXIST if the leaf exists. On failure, what this call
 * created is removed again. Needs the caller to hold the user's lock.
 */
int cg_create_session(const struct cg_layout *l, const char *base, const char *user,
		      const char *sid, const struct cg_limits *user_lim,
		      const struct cg_limits *sess_lim, char *err, size_t errlen);

/* Moves pid into rel in every hierarchy. */
int cg_attach(const struct cg_layout *l, const char *rel, pid_t pid, char *err, size_t errlen);

/* The cgroup of pid in every hierarchy of l, ret[i] for l->h[i]. */
int cg_pid_cgroups(const struct cg_layout *l, pid_t pid, char ret[][CG_PATH_MAX]);

/* Moves pid into paths[i] in l->h[i], for every i. */
int cg_attach_each(const struct cg_layout *l, char paths[][CG_PATH_MAX], pid_t pid);

/* 1 if pid is in rel in every hierarchy of l, 0 if not, -errno. */
int cg_pid_in(const struct cg_layout *l, pid_t pid, const char *rel);

/*
 * Kills every process in rel and waits, at most timeout_ms, until no process
 * is left in it in any hierarchy: cgroup.kill where the kernel has it (5.14),
 * otherwise freeze (v2 cgroup.freeze, or the v1 freezer), SIGKILL every pid
 * listed, thaw, and again until empty. -ETIMEDOUT if something is left.
 */
int cg_kill(const struct cg_layout *l, const char *rel, unsigned timeout_ms);

/* Calls fn for every process in rel and the cgroups beneath it; a negative
 * return of fn stops the walk and is returned. */
int cg_for_each_pid(const struct cg_layout *l, const char *rel, int (*fn)(pid_t pid, void *data),
		    void *data);

/* rmdir of rel in every hierarchy; a missing one is fine; -EBUSY if a
 * hierarchy still has processes or children in it. */
int cg_remove(const struct cg_layout *l, const char *rel);

/* Processes in rel (the largest count over hierarchies) and memory in use in
 * bytes (CG_UNLIMITED when no memory controller tells). */
int cg_stats(const struct cg_layout *l, const char *rel, unsigned *ret_procs, uint64_t *ret_mem);

/* For tests: cg_kill acts as if the kernel had no cgroup.kill (freeze, signal, thaw). */
extern bool cg_force_no_kill_file;

#endif
