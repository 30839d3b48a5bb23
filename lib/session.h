/* SPDX-License-Identifier: MIT */
/*
 * One login's session, as pam_cubicle opens and closes it and as cubiclectl
 * stop ends it: the cgroup (cgroup.h), the record (record.h), and the
 * per-user lock that keeps concurrent logins and logouts of one user from
 * racing. Functions return 0 or -errno; `err` gets one line naming the cause.
 */
#ifndef CUBICLE_SESSION_H
#define CUBICLE_SESSION_H

#include "cgroup.h"
#include "conf.h"
#include "record.h"

#include <stddef.h>
#include <sys/types.h>

#define SESSION_KILL_TIMEOUT_MS 5000
#define SESSION_SWEEP_INTERVAL	10 /* seconds between two sweeps for stale sessions */

struct session_env {
	const char *run_dir; /* REC_RUN_DIR, or a test's */
	struct cg_layout layout;
};

struct session_info {
	const char *service;
	const char *tty;
	const char *rhost;
};

/* Finds the cgroup hierarchies; run_dir NULL means REC_RUN_DIR. */
int session_env_init(struct session_env *env, const char *run_dir, char *err, size_t errlen);

/*
 * Opens a session for user u under policy p: a new id, the cgroup
 * <cgroup_root>/<user>/<id> with the policy's limits, `caller` moved into it
 * (its original cgroups remembered in the record), the record written.
 * On failure nothing is left behind and the caller is where it was.
 */
int session_open(const struct session_env *env, const struct policy *p, const struct conf_user *u,
		 const struct session_info *info, pid_t caller, struct rec *ret, char *err,
		 size_t errlen);

/*
 * Ends session `id` the way logout does: `caller` (if > 0 and in the
 * session) back to its original cgroups, every process left in the cgroup
 * killed, the leaf removed (and the user's node when it has no session left),
 * the record removed. Idempotent: a session already gone, or one whose open
 * failed half-way, is fine. `known` (may be NULL) is the record as the opener
 * kept it: used when the file is gone, so that the cgroup still goes.
 */
int session_close(const struct session_env *env, const char *id, pid_t caller,
		  const struct rec *known, char *err, size_t errlen);

/* The descriptor of the caller's pidfd in the cubicle-watch helper. */
#define WATCH_CALLER_FD 3

/*
 * The watcher's life, in pam_cubicle's fork or in the cubicle-watch helper
 * it becomes: waits until `caller` (a pidfd) ends, then ends session `id` as
 * session_close does if its record is still there, logging a failure to
 * syslog. `env` may be NULL: the cgroups are then found only when the
 * session needs ending.
 */
void session_watch(const struct session_env *env, const char *run_dir, const char *id, int caller);

/* What session_watch() does once the service ended: ends session `id` if
 * its record is still there. */
void session_end_orphan(const struct session_env *env, const char *run_dir, const char *id);

/* Ends every session whose PAM caller is gone (its service died without
 * closing it, and its watcher too), at most once every
 * SESSION_SWEEP_INTERVAL seconds. Returns how many were ended, or -errno. */
int session_reap_stale(const struct session_env *env, char *err, size_t errlen);

#endif
