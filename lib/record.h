/* SPDX-License-Identifier: MIT */
/*
 * Session records: one root-owned file per live session under
 * <run_dir>/sessions/<id> (run_dir is /run/cubicle; tests use their own).
 * Written by pam_cubicle at session open, read by cubicle-shell (as the user:
 * records are 0644 in 0755 directories) and cubiclectl, removed at close.
 *
 * Layout (all root-owned; anything else is refused, SECURITY.md 7):
 *   <run_dir>/           0755
 *   <run_dir>/sessions/  0755, the records, "key=value" lines
 *   <run_dir>/locks/     0700, one lock file per uid (flock)
 *   <run_dir>/mnt-template  0444, empty; cubicle-shell mounts the mount
 *                        template (a namespace file) onto it (shell/template.c)
 *
 * Functions return 0 or -errno and never print.
 */
#ifndef CUBICLE_RECORD_H
#define CUBICLE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define REC_RUN_DIR	 "/run/cubicle"
#define REC_ID_LEN	 16   /* lowercase hex digits */
#define REC_FILE_MAX	 8192 /* bytes of one record */
#define REC_TEXT_MAX	 256  /* service, tty, remote host */
#define REC_CGROUP_MAX	 512
#define REC_ORIG_MAX	 8
#define REC_MNT_TEMPLATE "mnt-template"

struct rec {
	char id[REC_ID_LEN + 1];
	char user[33];
	uid_t uid;
	char service[REC_TEXT_MAX];  /* PAM_SERVICE */
	char tty[REC_TEXT_MAX];	     /* PAM_TTY, "" if none */
	char rhost[REC_TEXT_MAX];    /* PAM_RHOST, "" if none */
	char cgroup[REC_CGROUP_MAX]; /* the session's leaf, relative ("/cubicle/alice/<id>") */
	int64_t start;		     /* unix time of the open */
	pid_t pid;		     /* the PAM caller */
	uint64_t pid_start;	     /* its start time (field 22 of /proc/PID/stat): pins it */
	pid_t watcher;		     /* pam_cubicle's watcher of the caller, 0 if none */
	/* where the caller was before, per hierarchy: "NAME:PATH" as in /proc/PID/cgroup
	 * ("0::/system.slice/ssh.service", "4:memory:/"), one entry per hierarchy */
	char orig[REC_ORIG_MAX][REC_CGROUP_MAX];
	size_t n_orig;
};

/* The owner every directory of the layout and every record must have: 0.
 * For tests only: a test not run as root sets its own uid. */
extern uid_t rec_trusted_uid;

/* A fresh random id (getrandom). */
int rec_new_id(char ret[REC_ID_LEN + 1]);
bool rec_id_valid(const char *id);

/* Opens <run_dir>/sessions (run_dir NULL: the built-in one); with `create`, makes
 * the layout above first (as root; the modes do not depend on the umask).
 * Refuses any directory of the layout that is not root-owned or is writable
 * by group or others (-EPERM), or is a symlink (-ELOOP or -ENOTDIR). Without
 * `create`, a missing directory is -ENOENT (no sessions). Returns an
 * O_DIRECTORY descriptor. */
int rec_dir_open(const char *run_dir, bool create);

/* Opens <run_dir>/<name> read-only, checking <run_dir> as rec_dir_open does and
 * the file to be a root-owned regular file writable by nobody else; a
 * symlink is refused (-ELOOP). */
int rec_layout_file_open(const char *run_dir, const char *name);

/* Writes r as <id>: a temp file created O_EXCL|O_NOFOLLOW, 0644, written,
 * fsync'd, then renamed into place without replacing anything (-EEXIST). On
 * any failure (a full disk too: -ENOSPC) nothing is left: no temp file, no
 * record. Control bytes in the text fields are replaced by '?'. -EINVAL if a
 * field is invalid (id, user, cgroup, uid, pid, start, n_orig, an empty orig). */
int rec_write(int dirfd, const struct rec *r);

/* Reads and checks one record: regular file (-EISDIR, -EBADFD; a symlink is
 * -ELOOP), root-owned and not writable by group or others (-EPERM), at most
 * REC_FILE_MAX (-EFBIG), every line a known key, no duplicate, every required
 * key, valid values, the id its name (-EBADMSG). *ret untouched on failure. */
int rec_read(int dirfd, const char *id, struct rec *ret);

/* Removes <id>; a missing one is fine. */
int rec_remove(int dirfd, const char *id);

/* Every valid record (ids that fail rec_read are skipped); *ret is
 * malloc'd (NULL when there is none), sorted by start time, then id. */
int rec_list(int dirfd, struct rec **ret, size_t *ret_n);

/* Removes temp files of writers that died before their rename, older than
 * age_s seconds. Returns how many were removed, or -errno. */
int rec_remove_stale_temp(int dirfd, int64_t age_s);

/* The start time of pid from /proc/PID/stat; -ESRCH if it is gone (a zombie
 * counts as gone), -EACCES if /proc hides it (hidepid=). */
int rec_pid_start(pid_t pid, uint64_t *ret);

/* true while the process that opened r is still the same process (and when
 * that cannot be told: only a caller proven gone is not alive) */
bool rec_caller_alive(const struct rec *r);

/* Takes the per-uid lock (flock on <run_dir>/locks/<uid>, waiting for it;
 * run_dir NULL: the built-in one); returns the descriptor to close to release it.
 * The layout must exist (rec_dir_open with create). */
int rec_lock_user(const char *run_dir, uid_t uid);

#endif
