/* SPDX-License-Identifier: MIT */
/*
 * What the benchmark helpers (timeit, cubbench) share: the clock, the
 * statistics and the row format run.sh turns into its table, and running a
 * command the way a login service runs a login shell (dropped to the user
 * with an empty permitted set, so that cubicle-shell's file capabilities
 * apply; default signals; a clean environment).
 *
 * A row, one line on stdout, tab-separated (run.sh formats them):
 *   row CASE LABEL UNIT MEDIAN MIN MAX N RATIO_OF_MEDIANS PAIRED_MEDIAN PAIRED_Q1 PAIRED_Q3
 * UNIT is "ns" (or "KiB"); the ratios are this row / the reference row of
 * the same run ("ref" on the reference row itself, "-" when there is none);
 * PAIRED_* are the median and quartiles of the per-iteration ratios. A 13th
 * field, CPU, is the median CPU time (ns) of a run where it is known.
 * A note: "note CASE TEXT".
 */
#ifndef CUBICLE_BENCH_COMMON_H
#define CUBICLE_BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

uint64_t now_ns(void);

void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void bench_set_name(const char *name);

/* n samples of one measurement, in ns (or any unit) */
struct series {
	const char *label;
	uint64_t *v;
	size_t n;
};

void series_init(struct series *s, const char *label, size_t n);
void series_free(struct series *s);
/* the p-quantile (0..1) of a copy, linear between neighbours */
double series_quantile(const struct series *s, double p);

/* Prints one row; `ref` (same n, same iterations) gives the paired ratios,
 * `is_ref` marks the reference row itself. */
void print_row(const char *bcase, const struct series *s, const char *unit,
	       const struct series *ref, bool is_ref);
/* The CPU column of the next print_row (once; < 0: none). */
void set_row_cpu(double ns);
void print_note(const char *bcase, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A user to run commands as: resolved once, in the parent, so that the
 * child does only system calls (no passwd lookups inside the timing). */
struct user_cred {
	char name[64];
	char home[256];
	uid_t uid;
	gid_t gid;
	gid_t groups[256];
	int ngroups;
};

void cred_lookup(const char *name, struct user_cred *ret);
/* In a child, as root: supplementary groups, gid, uid (real, effective,
 * saved: the permitted set empties), no inheritable or ambient capability.
 * _exit(126) on failure. */
void cred_drop(const struct user_cred *c);

/* In a child: every signal default (the raw call, glibc keeps two), empty mask. */
void reset_signals(void);

/* The environment a login service gives a login shell: PATH, HOME, USER,
 * LOGNAME, SHELL, plus `extra` (NULL-terminated, may be NULL); malloc'd. */
char **login_env(const struct user_cred *c, const char *shell, char *const *extra);

/* Parses a positive count, dies on anything else. */
unsigned parse_count(const char *s, unsigned max);

/* Reads a whole small file into buf (NUL-terminated); -1 on failure. */
ssize_t read_file(const char *path, char *buf, size_t len);

#endif
