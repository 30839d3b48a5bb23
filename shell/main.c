/* SPDX-License-Identifier: MIT */
/*
 * cubicle-shell: the login shell of an isolated user.
 *
 * It runs as the user, with the file capabilities cap_setpcap, cap_sys_chroot
 * and cap_sys_admin permitted (creds.c says why each). The privileged path,
 * top to bottom:
 *   1. distrust the caller: arguments, stdio, signals, umask, environment
 *      (SECURITY.md 8-10); resolve the user from the passwd database;
 *   2. resolve the policy; uid 0 and isolate = no never enter a container;
 *   3. ensure the container (container.c, init.c, mounts.c);
 *   4. enter and run the payload (run.c), privilege dropped in both;
 *   5. without a session the container ends with its payload.
 * Any failure before the payload runs: one line naming the cause, syslog,
 * exit 1, and the user's command never runs unisolated (fail closed).
 */
#include "cgroup.h"
#include "conf.h"
#include "container.h"
#include "creds.h"
#include "env.h"
#include "helper.h"
#include "log.h"
#include "record.h"
#include "run.h"
#include "template.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define ARG_MAX_LEN (64 * 1024) /* bytes of -c COMMAND; argv[0] gets PATH_MAX */

#if !defined(CUBICLE_CONF_PATH) || !defined(CUBICLE_RUN_DIR)
#error "CUBICLE_CONF_PATH and CUBICLE_RUN_DIR must be defined by the build"
#endif

extern char **environ;

struct invocation {
	bool login;
	char *command; /* NULL: interactive */
};

/*
 * SECURITY.md 10: closed stdio becomes /dev/null, so no file this process
 * opens lands on descriptor 0, 1 or 2 by accident. glibc already fills closed
 * ones in a program run with capabilities, but with placeholders that make
 * every read or write fail (stdin /dev/full write-only, stdout and stderr
 * /dev/null read-only): those are replaced as well.
 */
static void sanitize_stdio(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int fl = fcntl(fd, F_GETFL);
		struct stat st;
		int null;

		if (fl >= 0 && fstat(fd, &st) == 0) {
			bool placeholder =
				S_ISCHR(st.st_mode) && ((fd == 0 && st.st_rdev == makedev(1, 7) &&
							 (fl & O_ACCMODE) == O_WRONLY) ||
							(fd > 0 && st.st_rdev == makedev(1, 3) &&
							 (fl & O_ACCMODE) == O_RDONLY));

			if (!placeholder)
				continue;
		}
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(null, fd) != fd)
			_exit(EXIT_SETUP);
		if (null != fd)
			close(null);
	}
}

/* SECURITY.md 9 (pkexec CVE-2021-4034): exactly "-NAME" or "NAME -c COMMAND". */
static struct invocation parse_args(int argc, char **argv)
{
	struct invocation inv = { 0 };

	if (argc < 1 || !argv[0])
		die(EXIT_USAGE, "called with an empty argument list (argc is 0); refusing");
	if (strnlen(argv[0], PATH_MAX) >= PATH_MAX)
		die(EXIT_USAGE, "argv[0] is longer than %d bytes", PATH_MAX);
	inv.login = argv[0][0] == '-';
	if (argc == 1) {
		if (!inv.login)
			die(EXIT_USAGE, "usage: run as a login shell (argv[0] starting with '-') "
					"or as: cubicle-shell -c COMMAND");
		return inv;
	}
	if (argc != 3 || strcmp(argv[1], "-c") != 0)
		die(EXIT_USAGE, "only '-c COMMAND' is accepted, got '%.32s'%s", argv[1],
		    argc > 3 ? " and more" : "");
	if (strnlen(argv[2], ARG_MAX_LEN) >= ARG_MAX_LEN)
		die(EXIT_USAGE, "the command is longer than %d bytes", ARG_MAX_LEN);
	inv.command = argv[2];
	return inv;
}

static void set_identity_env(struct env *e, const struct conf_user *u, const char *shell,
			     const char *path)
{
	if (env_set(e, "HOME", u->home) < 0 || env_set(e, "USER", u->name) < 0 ||
	    env_set(e, "LOGNAME", u->name) < 0 || env_set(e, "SHELL", shell) < 0 ||
	    env_set(e, "PATH", path) < 0)
		die(EXIT_SETUP, "environment too large");
}

/*
 * 71 KB of diagnostics, written only when the config is wrong. In the BSS its
 * pages stay untouched otherwise; on main's stack, zeroed, they were copied
 * into every container's init and counted in every live session's memory.
 */
static struct conf_diags diags;

/* uid 0 is never isolated, whatever the config says, and can always log in:
 * even with a broken config root gets the configured shell or /bin/sh. */
static noreturn void run_root_shell(struct conf_user *u, const struct invocation *inv,
				    struct env *env, mode_t mask)
{
	struct conf *conf = NULL;
	struct policy *p = NULL;
	struct run_spec rs = { .shell = "/bin/sh",
			       .command = inv->command,
			       .login = inv->login,
			       .home = u->home,
			       .env = env,
			       .umask = mask };

	if (conf_load(CUBICLE_CONF_PATH, NULL, 0, &conf, &diags) == 0 &&
	    (!conf_uses_groups(conf) || conf_user_fill_groups(u) == 0) &&
	    conf_resolve(conf, u, &p, &diags) == 0)
		rs.shell = p->shell;
	set_identity_env(env, u, rs.shell,
			 p ? p->path
			   : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	run_reset_signals();
	run_exec_shell(&rs);
}

struct session {
	struct rec rec;
	struct cg_layout layout;
	int lock; /* the record, open: flock() on it is the per-session lock */
};

/*
 * The environment is the user's; the record and the cgroup are not
 * (SECURITY.md 7). A session counts only if its record exists, is root's,
 * belongs to this uid and names the cgroup this process is in. Returns false
 * when the policy does not ask for one.
 */
static bool check_session(const struct policy *p, const struct env *env, struct session *ret)
{
	const char *id = env_get(env, "CUBICLE_SESSION");
	cleanup_close int dirfd = -1;
	int r;

	if (!p->require_session)
		return false;
	if (!id || !rec_id_valid(id))
		die(EXIT_SETUP,
		    "this login has no cubicle session (CUBICLE_SESSION %s): is "
		    "pam_cubicle in the PAM stack of this service?",
		    id ? "is not a session id" : "is unset");
	dirfd = rec_dir_open(CUBICLE_RUN_DIR, false);
	if (dirfd < 0)
		die(EXIT_SETUP, "session %s: session records in %s: %s", id, CUBICLE_RUN_DIR,
		    strerror(-dirfd));
	r = rec_read(dirfd, id, &ret->rec);
	if (r < 0)
		die(EXIT_SETUP, "session %s: %s", id,
		    r == -ENOENT ? "no such session" : strerror(-r));
	if (ret->rec.uid != getuid())
		die(EXIT_SETUP, "session %s belongs to another user", id);
	r = cg_detect_cached(CUBICLE_RUN_DIR, &ret->layout);
	if (r < 0)
		die(EXIT_SETUP, "session %s: find the cgroup hierarchies: %s", id, strerror(-r));
	r = cg_pid_in(&ret->layout, getpid(), ret->rec.cgroup);
	if (r != 1)
		die(EXIT_SETUP, "session %s: this login is not in the session's cgroup %s%s%s", id,
		    ret->rec.cgroup, r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
	/* the record is root's and the user may only read it; a shared lock
	 * file they could not tamper with, one per session */
	ret->lock = openat(dirfd, id, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (ret->lock < 0)
		die(EXIT_SETUP, "session %s: open the record: %s", id, strerror(errno));
	return true;
}

#define SESSION_LOCK_WAIT_MS 2000

/*
 * The record is readable by everyone (the user's own shell must read it), so
 * anyone can flock() it too: the wait is bounded, or another local user could
 * hold every later channel of this session forever. Past the bound the shell
 * goes on unlocked; the worst a lost race does is a second container for the
 * same session and uid, never one of someone else.
 */
static void lock_session(struct session *s)
{
	for (int waited = 0; waited < SESSION_LOCK_WAIT_MS; waited += 10) {
		if (flock(s->lock, LOCK_EX | LOCK_NB) == 0)
			return;
		if (errno != EWOULDBLOCK && errno != EINTR)
			die(EXIT_SETUP, "session %s: lock: %s", s->rec.id, strerror(errno));
		usleep(10 * 1000);
	}
	log_info("session %s: its lock is held for more than %d s, going on without it", s->rec.id,
		 SESSION_LOCK_WAIT_MS / 1000);
}

/*
 * DESIGN.md step 5, "ensure the container". With a session, the container
 * belongs to it: the first shell of the session makes it and every later one
 * (the channels of one SSH connection) enters that same container; the
 * session's lock makes "find, else create" one step. Without a session, a
 * container lives exactly as long as its one payload.
 */
static void ensure_container(const struct container_spec *base, struct session *s,
			     bool have_session, struct container *ret)
{
	struct container_spec spec = *base;
	char err[1024];
	int r;

	if (have_session) {
		lock_session(s);
		r = container_find(&s->layout, s->rec.cgroup, getuid(),
				   container_ns_flags(spec.policy->namespaces), ret);
		if (r == 0) {
			log_info("session %s: entering its container, init pid %d", s->rec.id,
				 (int)ret->pid);
			close(s->lock);
			return;
		}
		if (r != -ENOENT)
			die(EXIT_SETUP, "session %s: look for its container: %s", s->rec.id,
			    strerror(-r));
	}
	spec.tie_to_parent = !have_session;
	spec.mnt_template_fd = template_open(CUBICLE_RUN_DIR, err, sizeof(err));
	if (spec.mnt_template_fd == -EWOULDBLOCK)
		log_info("%s/%s: being made by another login; this one copies the host's mounts",
			 CUBICLE_RUN_DIR, REC_MNT_TEMPLATE);
	else if (spec.mnt_template_fd < 0 && spec.mnt_template_fd != -ENOENT &&
		 spec.mnt_template_fd != -ENOSYS)
		log_warning("%s/%s: %s; the container copies the host's mounts", CUBICLE_RUN_DIR,
			    REC_MNT_TEMPLATE, err);
	spec.init_helper_fd = helper_open(HELPER_INIT);
	if (spec.init_helper_fd < 0)
		log_warning("%s/%s: %s; init stays a copy of cubicle-shell", CUBICLE_LIBEXEC_DIR,
			    HELPER_INIT, strerror(-spec.init_helper_fd));
	r = container_create(&spec, ret, err, sizeof(err));
	if (spec.init_helper_fd >= 0)
		close(spec.init_helper_fd);
	if (spec.mnt_template_fd >= 0)
		close(spec.mnt_template_fd);
	if (r < 0)
		die(EXIT_SETUP, "%s", err);
	if (ret->init_note[0])
		log_warning("%s/%s: %s; init stays a copy of cubicle-shell", CUBICLE_LIBEXEC_DIR,
			    HELPER_INIT, ret->init_note);
	if (have_session)
		close(s->lock); /* the new init is in the session's cgroup now */
	log_info("container up: init pid %d, hostname %s, rootfs %s", (int)ret->pid,
		 spec.policy->hostname, spec.policy->rootfs);
}

int main(int argc, char **argv)
{
	struct container_spec spec = { .init_helper_fd = -1, .mnt_template_fd = -1 };
	struct container ctr = { .pidfd = -1 };
	struct session session = { .lock = -1 };
	bool have_session;
	struct conf_user *user = NULL;
	struct invocation inv;
	struct conf *conf = NULL;
	struct policy *p = NULL;
	struct run_spec rs;
	struct env env;
	const char *missing = "?";
	mode_t user_umask;
	int r;

	/* 1. distrust the caller */
	sanitize_stdio();
	run_reset_signals();
	user_umask = umask(077);
	log_open();
	inv = parse_args(argc, argv);
	if (env_capture(&env, environ) < 0)
		die(EXIT_SETUP, "environment too large");
	clearenv();

	r = conf_user_lookup_uid_nogroups(getuid(), &user);
	if (r < 0)
		die(EXIT_SETUP, "cannot look up uid %u in the passwd database: %s",
		    (unsigned)getuid(), strerror(-r));
	log_set_user(user->name);
	if (user->uid == 0)
		run_root_shell(user, &inv, &env, user_umask);

	/* 2. policy */
	r = conf_load(CUBICLE_CONF_PATH, NULL, 0, &conf, &diags);
	if (r == 0 && conf_uses_groups(conf))
		r = conf_user_fill_groups(user);
	if (r == 0)
		r = conf_resolve(conf, user, &p, &diags);
	if (r < 0) {
		if (diags.n > 0)
			die(EXIT_SETUP, "config %s%s%s", diags.d[0].where,
			    diags.d[0].where[0] ? ": " : "", diags.d[0].msg);
		die(EXIT_SETUP, "config %s: %s", CUBICLE_CONF_PATH, strerror(-r));
	}
	set_identity_env(&env, user, p->shell, p->path);
	rs = (struct run_spec){ .shell = p->shell,
				.command = inv.command,
				.login = inv.login,
				.home = user->home,
				.env = &env,
				.umask = user_umask,
				.uid = user->uid };

	if (!p->isolate) {
		r = creds_drop(CREDS_HOST_USER);
		if (r < 0)
			die(EXIT_SETUP, "drop capabilities: %s", strerror(-r));
		run_exec_shell(&rs);
	}
	have_session = check_session(p, &env, &session);
	if (creds_check_permitted(&missing) < 0)
		die(EXIT_SETUP,
		    "missing capability %s: cubicle-shell must be installed with its "
		    "file capabilities (see README), and cannot work inside a container",
		    missing);
	r = creds_raise();
	if (r < 0)
		die(EXIT_SETUP, "raise capabilities: %s", strerror(-r));
	r = creds_drop_bounding();
	if (r < 0)
		die(EXIT_SETUP, "empty the bounding set: %s", strerror(-r));

	/* 3. ensure the container */
	spec.policy = p;
	spec.user = user;
	spec.argv_area = argv[0];
	spec.argv_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
	ensure_container(&spec, &session, have_session, &ctr);

	/* 4. enter and run */
	run_ignore_signals();
	/* 5. without a session nobody else owns the container: it ends with its
	 * payload (relay.c) */
	rs.argv0 = argv[0];
	rs.stop_container = !have_session;
	return run_in_container(&ctr, &rs);
}
