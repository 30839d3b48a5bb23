/* SPDX-License-Identifier: MIT */
#include "session.h"
#include "helper.h"
#include "watchd.h"
#include "names.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#ifndef CUBICLE_RUN_DIR
#define CUBICLE_RUN_DIR REC_RUN_DIR
#endif

int session_env_init(struct session_env *env, const char *run_dir, char *err, size_t errlen)
{
	int r;

	memset(env, 0, sizeof(*env));
	env->run_dir = run_dir ? run_dir : CUBICLE_RUN_DIR;
	r = cg_detect_cached(env->run_dir, &env->layout);
	if (r < 0)
		snprintf(err, errlen, "find the cgroup hierarchies: %s", strerror(-r));
	return r;
}

static void limits_from_policy(const struct policy *p, struct cg_limits *sess,
			       struct cg_limits *user)
{
	*sess = (struct cg_limits){
		.memory_max = p->memory_max,
		.memory_swap_max = p->memory_swap_max,
		.pids_max = p->pids_max,
		.cpu_max_percent = p->cpu_max_percent,
		/* 100 is what a new cgroup has anyway: asking for it must not
		 * demand a cpu controller where there is none */
		.cpu_weight = p->cpu_weight == 100 ? 0 : p->cpu_weight,
	};
	*user = (struct cg_limits){
		.memory_max = p->user_memory_max,
		.memory_swap_max = CG_UNLIMITED,
		.pids_max = p->user_pids_max,
		.cpu_max_percent = p->user_cpu_max_percent,
		.cpu_weight = 0,
	};
}

static const char *ctrl_names(unsigned ctrls, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", ctrls & CG_MEMORY ? " memory" : "",
		 ctrls & CG_PIDS ? " pids" : "", ctrls & CG_CPU ? " cpu" : "");
	return buf[0] ? buf + 1 : buf;
}

/* "NAME:PATH" for hierarchy i, as the record keeps where the caller was */
static void orig_entry(const struct cg_layout *l, size_t i, const char *path, char *out, size_t len)
{
	snprintf(out, len, "%s:%s", l->h[i].name, path);
}

/* The caller's original cgroups from the record, in layout order; a
 * hierarchy the record does not name gets "" (left alone). */
static void orig_paths(const struct cg_layout *l, const struct rec *r,
		       char paths[CG_HIER_MAX][CG_PATH_MAX])
{
	for (size_t i = 0; i < l->n; i++) {
		size_t nlen = strlen(l->h[i].name);

		paths[i][0] = '\0';
		for (size_t j = 0; j < r->n_orig; j++)
			if (strncmp(r->orig[j], l->h[i].name, nlen) == 0 && r->orig[j][nlen] == ':')
				snprintf(paths[i], CG_PATH_MAX, "%s", r->orig[j] + nlen + 1);
	}
}

/* Moves pid back where it was, hierarchy by hierarchy; "" entries stay. */
static int attach_back(const struct cg_layout *l, char paths[CG_HIER_MAX][CG_PATH_MAX], pid_t pid)
{
	int ret = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct cg_layout one = { .n = 1 };
		char one_path[1][CG_PATH_MAX];
		int r;

		if (!paths[i][0])
			continue;
		one.h[0] = l->h[i];
		snprintf(one.proc, sizeof(one.proc), "%s", l->proc);
		snprintf(one_path[0], CG_PATH_MAX, "%s", paths[i]);
		r = cg_attach_each(&one, one_path, pid);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

/* <cgroup_root>/<user>: the parent of a session's leaf */
static void user_node(const char *leaf, char *out, size_t len)
{
	const char *slash = strrchr(leaf, '/');

	snprintf(out, len, "%.*s", slash ? (int)(slash - leaf) : 0, leaf);
}

/*
 * Removes the leaf, and the user's node when no other session is under it,
 * under the user's lock: a concurrent login of the same user either sees the
 * node before it goes or creates it anew, never a node half removed.
 */
static int remove_cgroups(const struct session_env *env, uid_t uid, const char *leaf)
{
	char node[REC_CGROUP_MAX];
	int lock, r;

	lock = rec_lock_user(env->run_dir, uid);
	if (lock < 0)
		return lock;
	r = cg_remove(&env->layout, leaf);
	if (r == 0) {
		user_node(leaf, node, sizeof(node));
		if (cg_remove(&env->layout, node) == -EBUSY)
			r = 0; /* other sessions of the user live on */
	}
	close(lock);
	return r;
}

void session_end_orphan(const struct session_env *env, const char *run_dir, const char *id)
{
	struct session_env found;
	cleanup_close int dirfd = -1;
	char err[512];
	struct rec rec;

	if (!env) {
		/* after a normal close the record is gone: nothing to find */
		dirfd = rec_dir_open(run_dir, false);
		if (dirfd < 0 || rec_read(dirfd, id, &rec) == -ENOENT)
			return;
		if (session_env_init(&found, run_dir, err, sizeof(err)) < 0) {
			syslog(LOG_AUTHPRIV | LOG_ERR,
			       "pam_cubicle: session %s: its service ended: %s", id, err);
			return;
		}
		env = &found;
	}
	if (session_close(env, id, 0, NULL, err, sizeof(err)) < 0)
		syslog(LOG_AUTHPRIV | LOG_ERR, "pam_cubicle: session %s: its service ended: %s", id,
		       err);
}

void session_watch(const struct session_env *env, const char *run_dir, const char *id, int caller)
{
	struct pollfd pfd = { .fd = caller, .events = POLLIN };

	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	session_end_orphan(env, run_dir, id);
}

/* Puts `fd` on descriptor `target` without close-on-exec; -errno. */
static int fd_move_to(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, 0) < 0 ? -errno : 0;
	if (dup2(fd, target) < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * The session's watcher: a root process outside the session's cgroup that
 * waits for the caller to end. If the caller ends without closing the session
 * (sshd's session process killed with SIGKILL), the watcher ends it the way
 * close would, at once rather than at the next login (session_reap_stale
 * stays the backstop for a watcher that was killed too). After a normal
 * close the record is gone and the watcher just exits.
 *
 * It lives as long as the session, so it becomes the cubicle-watch helper: a
 * static program of a few pages, where a fork of the service would keep a
 * copy of sshd's address space (its libraries, heap and page tables). Where
 * the helper cannot be run, it watches as it is.
 */
/* A clean process: no terminal, no handler or mask of the service's, and
 * none of its descriptors but `keep` (its sockets must close when it does). */
static void become_clean(int keep)
{
	int null;

	setsid();
	prctl(PR_SET_NAME, "cubicle-watch");
	for (int sig = 1; sig < SIGRTMIN; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(1);
	util_close_fds_from(3, &keep, 1);
}

/* What a per-session watcher needs (watcher_main). */
struct watcher_args {
	const struct session_env *env;
	const char *id;
	int caller; /* the service's pidfd */
};

static noreturn void watcher_main(const void *arg, int report)
{
	const struct watcher_args *w = arg;
	static char name[] = HELPER_WATCH;
	char run_dir[PATH_MAX], id_arg[REC_ID_LEN + 1];
	char *argv[] = { name, run_dir, id_arg, NULL };
	int caller = w->caller, r;

	close(report);
	become_clean(caller);
	r = fd_move_to(caller, WATCH_CALLER_FD);
	if (r == 0) {
		caller = WATCH_CALLER_FD;
		snprintf(run_dir, sizeof(run_dir), "%s", w->env->run_dir);
		snprintf(id_arg, sizeof(id_arg), "%s", w->id);
		r = helper_open(HELPER_WATCH);
		if (r >= 0)
			r = helper_exec(r, argv);
	}
	syslog(LOG_AUTHPRIV | LOG_WARNING,
	       "pam_cubicle: session %s: %s/%s: %s; the watcher stays a copy of the service", w->id,
	       CUBICLE_LIBEXEC_DIR, HELPER_WATCH, strerror(-r));
	session_watch(w->env, w->env->run_dir, w->id, caller);
	_exit(0);
}

/* The shared watcher's process: cubicle-watch --serve RUN_DIR, which says on
 * WATCH_CALLER_FD (the report pipe) when it listens. */
static noreturn void watchd_main(const void *arg, int report)
{
	static char name[] = HELPER_WATCH, serve[] = "--serve";
	char dir[PATH_MAX];
	char *argv[] = { name, serve, dir, NULL };
	int helper;

	become_clean(report);
	snprintf(dir, sizeof(dir), "%s", (const char *)arg);
	if (fd_move_to(report, WATCH_CALLER_FD) < 0)
		_exit(1);
	helper = helper_open(HELPER_WATCH);
	if (helper >= 0)
		helper_exec(helper, argv);
	_exit(1); /* the opener watches its session itself */
}

/*
 * Runs run(arg, report) in a grandchild of this process (double fork, so the
 * service never has to reap it). The grandchild first writes its pid to
 * `report`, a pipe whose reading end is left to the caller in *ret_rd.
 * SIGCHLD stays blocked meanwhile, so that the service's own handler never
 * sees the short-lived middle child. Returns the grandchild's pid or -errno.
 */
static pid_t spawn_detached(void (*run)(const void *arg, int report), const void *arg, int *ret_rd)
{
	cleanup_close int rd = -1, wr = -1;
	char buf[sizeof(pid_t)];
	sigset_t chld, old;
	pid_t child, pid = -ECHILD;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	rd = fds[0];
	wr = fds[1];
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	child = fork();
	if (child == 0) {
		close(rd);
		if (fork() == 0) {
			pid_t self = getpid();

			sigprocmask(SIG_SETMASK, &old, NULL);
			if (util_write_all(wr, &self, sizeof(self)) < 0)
				_exit(1);
			run(arg, wr); /* never returns */
			_exit(1);
		}
		_exit(0);
	}
	if (child > 0) {
		close(steal_fd(&wr));
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
		/* exactly the pid: what may follow is the grandchild's to say */
		if (read(rd, buf, sizeof(buf)) == (ssize_t)sizeof(buf))
			memcpy(&pid, buf, sizeof(pid));
		if (pid <= 0)
			pid = -ECHILD;
	} else {
		pid = -errno;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid > 0)
		*ret_rd = steal_fd(&rd);
	return pid;
}

/* Starts the shared watcher and returns once it listens. */
static int spawn_watchd(const char *run_dir)
{
	cleanup_close int rd = -1;
	struct pollfd pfd;
	char c = 0;
	pid_t pid = spawn_detached(watchd_main, run_dir, &rd);

	if (pid < 0)
		return pid;
	pfd = (struct pollfd){ .fd = rd, .events = POLLIN };
	if (poll(&pfd, 1, 5000) == 1 && read(rd, &c, 1) == 1 && c == 'R')
		return 0;
	return -EIO;
}

/* The session's watcher: the host's shared one, started if none runs; where
 * none can be reached or started, one of its own. Returns its pid, or -errno. */
static pid_t spawn_watcher(const struct session_env *env, const char *id, pid_t caller,
			   bool *ret_shared)
{
	cleanup_close int pidfd = -1, rd = -1;
	struct watcher_args w = { .env = env, .id = id };
	pid_t watcher = -ECHILD;

	pidfd = util_pidfd_open(caller);
	if (pidfd < 0)
		return -errno;
	*ret_shared = watchd_register(env->run_dir, id, pidfd, spawn_watchd, &watcher) == 0;
	if (*ret_shared)
		return watcher;
	syslog(LOG_AUTHPRIV | LOG_WARNING,
	       "pam_cubicle: session %s: no shared watcher (%s/%s --serve): it gets one of its own",
	       id, CUBICLE_LIBEXEC_DIR, HELPER_WATCH);
	w.caller = pidfd;
	return spawn_detached(watcher_main, &w, &rd);
}

int session_open(const struct session_env *env, const struct policy *p, const struct conf_user *u,
		 const struct session_info *info, pid_t caller, struct rec *ret, char *err,
		 size_t errlen)
{
	char orig[CG_HIER_MAX][CG_PATH_MAX], names[64];
	struct cg_limits sess, user;
	cleanup_close int dirfd = -1;
	struct rec rec = { .uid = u->uid };
	bool created = false, attached = false, shared_watcher = false;
	unsigned missing;
	int lock, r;

	if (!name_is_safe(u->name) || !p->cgroup_root) {
		snprintf(err, errlen, "user name \"%.64s\" cannot name a cgroup", u->name);
		return -EINVAL;
	}
	limits_from_policy(p, &sess, &user);
	missing = cg_missing_ctrls(&env->layout, cg_limits_ctrls(&sess) | cg_limits_ctrls(&user));
	if (missing) {
		snprintf(err, errlen,
			 "the policy sets limits, but no cgroup hierarchy here has the %s "
			 "controller",
			 ctrl_names(missing, names, sizeof(names)));
		return -EOPNOTSUPP;
	}
	dirfd = rec_dir_open(env->run_dir, true);
	if (dirfd < 0) {
		snprintf(err, errlen, "session records in %s: %s", env->run_dir, strerror(-dirfd));
		return dirfd;
	}
	r = rec_new_id(rec.id);
	if (r < 0) {
		snprintf(err, errlen, "session id: %s", strerror(-r));
		return r;
	}
	r = snprintf(rec.cgroup, sizeof(rec.cgroup), "%s/%s/%s", p->cgroup_root, u->name, rec.id);
	if (r < 0 || (size_t)r >= sizeof(rec.cgroup)) {
		snprintf(err, errlen, "cgroup path too long under %s", p->cgroup_root);
		return -ENAMETOOLONG;
	}
	r = cg_pid_cgroups(&env->layout, caller, orig);
	if (r < 0) {
		snprintf(err, errlen, "read the cgroups of pid %d: %s", (int)caller, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < env->layout.n && i < REC_ORIG_MAX; i++)
		orig_entry(&env->layout, i, orig[i], rec.orig[rec.n_orig++], REC_CGROUP_MAX);

	lock = rec_lock_user(env->run_dir, u->uid);
	if (lock < 0) {
		snprintf(err, errlen, "lock for uid %u: %s", (unsigned)u->uid, strerror(-lock));
		return lock;
	}
	r = cg_create_session(&env->layout, p->cgroup_root, u->name, rec.id, &user, &sess, err,
			      errlen);
	close(lock);
	if (r < 0)
		return r;
	created = true;

	/* before the caller moves: the watcher stays where the caller was */
	rec.watcher = spawn_watcher(env, rec.id, caller, &shared_watcher);
	if (rec.watcher < 0) {
		r = rec.watcher;
		rec.watcher = 0;
		snprintf(err, errlen, "start the session's watcher: %s", strerror(-r));
		goto fail;
	}

	r = cg_attach(&env->layout, rec.cgroup, caller, err, errlen);
	if (r < 0)
		goto fail;
	attached = true;

	snprintf(rec.user, sizeof(rec.user), "%s", u->name);
	snprintf(rec.service, sizeof(rec.service), "%s", info->service ? info->service : "");
	snprintf(rec.tty, sizeof(rec.tty), "%s", info->tty ? info->tty : "");
	snprintf(rec.rhost, sizeof(rec.rhost), "%s", info->rhost ? info->rhost : "");
	rec.start = (int64_t)time(NULL);
	rec.pid = caller;
	r = rec_pid_start(caller, &rec.pid_start);
	if (r < 0) {
		snprintf(err, errlen, "start time of pid %d: %s", (int)caller, strerror(-r));
		goto fail;
	}
	r = rec_write(dirfd, &rec);
	if (r < 0) {
		snprintf(err, errlen, "write the session record in %s: %s", env->run_dir,
			 strerror(-r));
		goto fail;
	}
	*ret = rec;
	return 0;

fail:
	/* nothing is left behind: the watcher ends, the caller goes back, the
	 * cgroups go */
	if (rec.watcher > 0 && !shared_watcher)
		kill(rec.watcher, SIGKILL); /* the shared one finds no record later */
	if (attached)
		attach_back(&env->layout, orig, caller);
	if (created) {
		cg_kill(&env->layout, rec.cgroup, SESSION_KILL_TIMEOUT_MS);
		remove_cgroups(env, u->uid, rec.cgroup);
	}
	return r;
}

int session_close(const struct session_env *env, const char *id, pid_t caller,
		  const struct rec *known, char *err, size_t errlen)
{
	char orig[CG_HIER_MAX][CG_PATH_MAX];
	cleanup_close int dirfd = -1;
	struct rec rec;
	int r;

	if (!rec_id_valid(id)) {
		snprintf(err, errlen, "\"%.32s\" is not a session id", id);
		return -EINVAL;
	}
	dirfd = rec_dir_open(env->run_dir, false);
	if (dirfd < 0 && dirfd != -ENOENT) {
		snprintf(err, errlen, "session records in %s: %s", env->run_dir, strerror(-dirfd));
		return dirfd;
	}
	r = dirfd < 0 ? dirfd : rec_read(dirfd, id, &rec);
	if (r == -ENOENT && known && strcmp(known->id, id) == 0)
		rec = *known; /* the file went (an admin, a full /run): the cgroup must go too */
	else if (r == -ENOENT)
		return 0; /* closed already, or the open failed before the record */
	else if (r < 0) {
		snprintf(err, errlen, "session record %s: %s", id, strerror(-r));
		return r;
	}

	/* The caller (sshd's session process, su, login) sits in the session's
	 * cgroup itself: out it goes before the cgroup is killed. */
	if (caller > 0 && cg_pid_in(&env->layout, caller, rec.cgroup) != 0) {
		orig_paths(&env->layout, &rec, orig);
		r = attach_back(&env->layout, orig, caller);
		if (r < 0) {
			snprintf(err, errlen, "move pid %d out of %s: %s", (int)caller, rec.cgroup,
				 strerror(-r));
			return r;
		}
	}
	r = cg_kill(&env->layout, rec.cgroup, SESSION_KILL_TIMEOUT_MS);
	if (r < 0) {
		/* the record stays while processes do: the next open retries */
		snprintf(err, errlen, "kill what is left in %s: %s", rec.cgroup, strerror(-r));
		return r;
	}
	r = remove_cgroups(env, rec.uid, rec.cgroup);
	if (r < 0) {
		snprintf(err, errlen, "remove cgroup %s: %s", rec.cgroup, strerror(-r));
		return r;
	}
	r = dirfd < 0 ? 0 : rec_remove(dirfd, id);
	if (r < 0) {
		snprintf(err, errlen, "remove session record %s: %s", id, strerror(-r));
		return r;
	}
	return 0;
}

/*
 * Whether to sweep now. The watcher ends a dead service's session at once;
 * the sweep is the backstop for a watcher that was killed as well, so it
 * runs at most once every SESSION_SWEEP_INTERVAL seconds (the mtime of
 * <run_dir>/sweep), and a login does not pay for reading every record of
 * every live session each time (measured: 4.7x the cost of a login at 1,000
 * live sessions).
 */
static bool sweep_due(int dirfd)
{
	cleanup_close int fd = -1, run = -1;
	struct stat st;

	/* <run_dir>/sweep, beside sessions/ (which rec_dir_open checked) */
	run = openat(dirfd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (run < 0)
		return true;
	fd = openat(run, "sweep", O_CREAT | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) < 0)
		return true;
	if (st.st_size > 0 && time(NULL) - st.st_mtime < SESSION_SWEEP_INTERVAL &&
	    time(NULL) >= st.st_mtime)
		return false;
	/* the size marks a stamp written by a sweep, not just created */
	if (pwrite(fd, "1", 1, 0) != 1)
		return true;
	futimens(fd, NULL);
	return true;
}

int session_reap_stale(const struct session_env *env, char *err, size_t errlen)
{
	cleanup_close int dirfd = -1;
	cleanup_free struct rec *recs = NULL;
	size_t n = 0;
	int r, ended = 0, failed = 0;

	dirfd = rec_dir_open(env->run_dir, false);
	if (dirfd == -ENOENT)
		return 0;
	if (dirfd < 0) {
		snprintf(err, errlen, "session records in %s: %s", env->run_dir, strerror(-dirfd));
		return dirfd;
	}
	if (!sweep_due(dirfd))
		return 0;
	rec_remove_stale_temp(dirfd, 60);
	r = rec_list(dirfd, &recs, &n);
	if (r < 0) {
		snprintf(err, errlen, "list sessions in %s: %s", env->run_dir, strerror(-r));
		return r;
	}
	/*
	 * A session belongs to the process that opened it (sshd's session
	 * process, su, login), pinned by pid and start time. If that process is
	 * gone without closing it (killed with SIGKILL), nobody else will.
	 */
	for (size_t i = 0; i < n; i++) {
		if (rec_caller_alive(&recs[i]))
			continue;
		if (session_close(env, recs[i].id, 0, NULL, err, errlen) < 0)
			failed++;
		else
			ended++;
	}
	return failed && !ended ? -EIO : ended;
}
