/* SPDX-License-Identifier: MIT */
/*
 * cubicle's one config parser and policy resolver, linked by every binary.
 *
 * Files: the main file (default SYSCONFDIR/cubicle/cubicle.conf) and the
 * drop-ins "<main>.d/NAME.conf" read in name order. Sections [default],
 * [group:NAME], [user:NAME]; a user's policy is [default], overridden by every
 * matching [group:NAME], overridden by [user:NAME]; within one rank what comes
 * later (file order, drop-ins after the main file) wins. See cubicle.conf(5)
 * and README.md for every key.
 *
 * Error regime: functions return 0 or -errno and never print; what went wrong
 * is described in `struct conf_diags` with file:line.
 */
#ifndef CUBICLE_CONF_H
#define CUBICLE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define CONF_LINE_MAX	 1024	   /* bytes per line, newline included */
#define CONF_FILE_MAX	 (1 << 20) /* bytes per file */
#define CONF_DROPINS_MAX 256
#define CONF_DIAGS_MAX	 16

/* "max" (no limit) for the uint64_t limits below */
#define CONF_UNLIMITED UINT64_MAX

enum conf_ns {
	CONF_NS_PID = 1u << 0,
	CONF_NS_MOUNT = 1u << 1,
	CONF_NS_UTS = 1u << 2,
	CONF_NS_IPC = 1u << 3,
	CONF_NS_NET = 1u << 4,
	CONF_NS_CGROUP = 1u << 5,
};
#define CONF_NS_REQUIRED (CONF_NS_PID | CONF_NS_MOUNT | CONF_NS_UTS)

struct conf_diag {
	char where[4200]; /* "path:line", or "path" for whole-file errors, or "" */
	char msg[256];
};

struct conf_diags {
	struct conf_diag d[CONF_DIAGS_MAX];
	size_t n;	/* stored, at most CONF_DIAGS_MAX */
	size_t n_total; /* seen, may exceed n */
};

/* Who the policy is for: filled from the passwd/group databases. */
struct conf_user {
	char *name;
	uid_t uid;
	gid_t gid;
	char *home;    /* passwd home directory */
	char *group;   /* name of the primary group */
	char **groups; /* names of every group the user is in, primary included */
	size_t n_groups;
};

struct conf_bind {
	char *src; /* host path, absolute, clean */
	char *dst; /* path inside the container, absolute, clean */
	bool ro;
};

struct policy {
	bool isolate;
	char *rootfs;		   /* host path of the user's root filesystem; NULL if unset */
	char *hostname;		   /* valid RFC 1123 host name */
	char *shell;		   /* absolute path inside the container */
	char *home;		   /* host directory bound at the user's home; NULL for "none" */
	char *path;		   /* PATH given to the user's shell */
	unsigned namespaces;	   /* enum conf_ns bits; always includes CONF_NS_REQUIRED */
	uint64_t tmp_size_bytes;   /* size of /tmp; 0 when given as a percentage */
	unsigned tmp_size_percent; /* 1..100 percent of RAM; 0 when given in bytes */
	struct conf_bind *binds;
	size_t n_binds;
	bool require_session;
	unsigned stop_timeout; /* seconds */
	/* cgroup limits, per session; CONF_UNLIMITED for "max" */
	uint64_t memory_max;
	uint64_t memory_swap_max;
	uint64_t pids_max;
	uint64_t cpu_max_percent; /* percent of one CPU */
	uint64_t cpu_weight;	  /* 1..10000 */
	/* cgroup limits covering all of one user's sessions together */
	uint64_t user_memory_max;
	uint64_t user_pids_max;
	uint64_t user_cpu_max_percent;
	char *cgroup_root; /* where sessions' cgroups go, in every hierarchy */
};

struct conf;

/* An empty config (as if every file were empty). NULL on ENOMEM. */
struct conf *conf_new(void);
void conf_free(struct conf *c);

/*
 * Reads `path` and then every "*.conf" in `dropin_dir` (NULL: path + ".d";
 * missing is fine) in name order. Every file and directory must be owned by
 * `owner` (0 in production), not writable by group or others, and reached
 * without following a symlink; files must be regular and at most CONF_FILE_MAX.
 * On error returns -errno (-EINVAL for content errors) with diags filled.
 */
int conf_load(const char *path, const char *dropin_dir, uid_t owner, struct conf **ret,
	      struct conf_diags *diags);

/*
 * Parses one file's content into c, as if read from a file called `name`.
 * Used by conf_load, the unit tests and the fuzzer.
 */
int conf_parse_buffer(struct conf *c, const char *name, const char *buf, size_t len,
		      struct conf_diags *diags);

/* The resolved policy for user u. Errors (for example a value that is not
 * valid once %u is expanded) name the file:line the value came from. */
int conf_resolve(const struct conf *c, const struct conf_user *u, struct policy **ret,
		 struct conf_diags *diags);
void policy_free(struct policy *p);

/* Prints p as "key = value" lines, in the order of the key table, in a form
 * the parser reads back. Repeatable keys get one line per value. */
void policy_print(FILE *f, const struct policy *p);

/* Looks a user up in the passwd and group databases. -ENOENT if unknown. */
int conf_user_lookup_uid(uid_t uid, struct conf_user **ret);
int conf_user_lookup_name(const char *name, struct conf_user **ret);
void conf_user_free(struct conf_user *u);

/*
 * The same without the group list, and the list filled in later: finding
 * every group of a user (getgrouplist) is the costliest lookup of a login
 * (the whole group database, through every NSS module), and only
 * [group:NAME] sections need it (conf_uses_groups).
 */
int conf_user_lookup_uid_nogroups(uid_t uid, struct conf_user **ret);
int conf_user_fill_groups(struct conf_user *u);

/* true if c has a [group:NAME] section: resolving it needs the user's groups */
bool conf_uses_groups(const struct conf *c);

/* Adds a diagnostic (printf-style); also usable by callers for their own checks. */
void conf_diag_add(struct conf_diags *diags, const char *where, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Names of the keys the parser knows, NULL-terminated (for docs and tests). */
extern const char *const conf_key_names[];

#endif
