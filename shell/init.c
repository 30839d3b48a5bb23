/* SPDX-License-Identifier: MIT */
/*
 * init: PID 1 of the container. It starts as a clone of cubicle-shell, still
 * holding the shell's capabilities, inside fresh namespaces; it builds the
 * filesystem, enters it, drops every privilege and from then on only reaps (as
 * tini does) until it is told to stop.
 */
#include "init.h"
#include "creds.h"
#include "helper.h"
#include "mounts.h"
#include "reaper.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

static noreturn void init_fail(int sync_fd, const char *msg)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%c%s", INIT_ERROR, msg);

	util_write_all(sync_fd, buf,
		       n < 0 ? 0 : (size_t)(n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1));
	_exit(1);
}

static int make_private(char *err, size_t errlen)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		return 0;
	snprintf(err, errlen, "make mounts private: %s", strerror(errno));
	return -errno;
}

/* Everything before the container is ready; any failure ends init, and the
 * shell then never runs the user's command (a half-built container must not). */
static void init_setup(const struct container_spec *spec, int sync_fd, bool shared,
		       struct ns_id ret_ns[CONTAINER_NS_COUNT])
{
	const struct policy *p = spec->policy;
	const bool template = spec->mnt_template_fd >= 0;
	struct mount_ctx ctx;
	int nsdir, top = -1;
	char err[768] = "";
	int r, devnull, keep[2];

	mounts_ctx_init(&ctx, p, spec->user, err, sizeof(err));
	/* opened while /proc is the host's: read once the namespaces are final */
	nsdir = open("/proc/self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (nsdir < 0) {
		snprintf(err, sizeof(err), "open /proc/self/ns: %s", strerror(errno));
		init_fail(sync_fd, err);
	}
	/*
	 * Without the template, init was cloned into a copy of the host's mount
	 * namespace. Propagation first (SECURITY.md 16): its shared mounts would
	 * still propagate to the host; made private, nothing mounted below can
	 * reach the host's mount table.
	 */
	if (!template && make_private(err, sizeof(err)) < 0)
		init_fail(sync_fd, err);
	if (mounts_clone_sources(&ctx) < 0)
		init_fail(sync_fd, err);
	/*
	 * With the template (template.c), init was started in the host's mount
	 * namespace: what it needs of the host is cloned above, and it now
	 * leaves for a copy of the template, which holds one empty read-only
	 * tmpfs and nothing of the host. No host mount is copied, and no
	 * pivot_root walks every task on the host. The template's mounts are
	 * private already; made so again, no copy of it could ever propagate
	 * to another.
	 */
	if (template) {
		if (setns(spec->mnt_template_fd, CLONE_NEWNS) < 0 || unshare(CLONE_NEWNS) < 0) {
			snprintf(err, sizeof(err), "enter a copy of the mount template: %s",
				 strerror(errno));
			init_fail(sync_fd, err);
		}
		if (make_private(err, sizeof(err)) < 0)
			init_fail(sync_fd, err);
		top = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (top < 0) {
			snprintf(err, sizeof(err), "open the template's root: %s", strerror(errno));
			init_fail(sync_fd, err);
		}
	}
	/* the namespaces as they are now, before any user process exists: what
	 * every shell that joins later must find */
	if (container_read_ns(nsdir, false, ret_ns) < 0) {
		snprintf(err, sizeof(err), "read namespace ids: %s", strerror(errno));
		init_fail(sync_fd, err);
	}
	if (sethostname(p->hostname, strlen(p->hostname)) < 0) {
		snprintf(err, sizeof(err), "set hostname %s: %s", p->hostname, strerror(errno));
		init_fail(sync_fd, err);
	}

	if (mounts_attach_root(&ctx, top) < 0 || mounts_build(&ctx) < 0 ||
	    mounts_enter_root(&ctx, !template) < 0)
		init_fail(sync_fd, err);
	mounts_ctx_release(&ctx);
	close(nsdir);
	if (top >= 0)
		close(top);

	r = creds_drop(CREDS_CONTAINED);
	if (r < 0) {
		snprintf(err, sizeof(err), "init: drop privileges: %s", strerror(-r));
		init_fail(sync_fd, err);
	}
	/*
	 * Exec with file capabilities left init non-dumpable, and setns() through
	 * a pidfd demands ptrace access to the target, which the shell (same uid,
	 * no CAP_SYS_PTRACE) then lacks. Now that init holds no capability and no
	 * host descriptor, it has nothing a ptrace by its own user could take;
	 * what a shell joins is checked against the ids reported below.
	 * In the shell's memory the flag is the shell's as well, and the shell
	 * still holds its capabilities: left alone, the exec of the helper
	 * decides it for init's own new memory.
	 */
	if (!shared && prctl(PR_SET_DUMPABLE, 1) < 0) {
		snprintf(err, sizeof(err), "init: set dumpable: %s", strerror(errno));
		init_fail(sync_fd, err);
	}

	/* PID 1 holds no host descriptor (SECURITY.md 3): stdio becomes the
	 * container's /dev/null, everything else but the sync pipe is closed,
	 * and the helper's (close-on-exec: it goes with the exec below). */
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0) {
		snprintf(err, sizeof(err), "init: /dev/null: %s", strerror(errno));
		init_fail(sync_fd, err);
	}
	keep[0] = sync_fd;
	keep[1] = spec->init_helper_fd;
	r = util_close_fds_from(3, keep, spec->init_helper_fd >= 0 ? 2 : 1);
	if (r < 0) {
		snprintf(err, sizeof(err), "init: close inherited descriptors: %s", strerror(-r));
		init_fail(sync_fd, err);
	}
}

/*
 * From here on init only reaps. It becomes the cubicle-init helper for that:
 * a static program of a few pages, where a copy of cubicle-shell would keep
 * the shell's libraries, heap and page tables for the whole session. The
 * exec changes nothing a joining shell checks (the helper's name is
 * cubicle-init; uid, namespaces and pidfd stay), and the helper's descriptor
 * was opened by the shell before init entered the rootfs, so nothing of the rootfs is run.
 * With the helper, init runs in the shell's memory until this exec
 * (container.c, clone_init) and cannot stay on when it fails: it says why
 * after "R", and the shell starts init again without the helper. Without
 * the helper, init is a copy of cubicle-shell and reaps as it is.
 */
static noreturn void init_become_reaper(const struct container_spec *spec, int sync_fd)
{
	static char name[] = HELPER_INIT;
	char timeout[32], err[128];
	char *argv[] = { name, timeout, NULL };

	if (spec->init_helper_fd >= 0) {
		snprintf(timeout, sizeof(timeout), "--stop-timeout=%u", spec->policy->stop_timeout);
		snprintf(err, sizeof(err), "exec: %s",
			 strerror(-helper_exec(spec->init_helper_fd, argv)));
		init_fail(sync_fd, err);
	}
	close(sync_fd); /* the shell reads until it closes */
	reaper_main(spec->policy->stop_timeout);
}

noreturn void init_main(const struct container_spec *spec, int sync_fd, int parent_pidfd,
			bool shared)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);

	if (spec->tie_to_parent) {
		/* no session owns this container: it must not outlive the shell */
		struct pollfd pfd = { .fd = parent_pidfd, .events = POLLIN };

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || poll(&pfd, 1, 0) != 0)
			_exit(1);
	}
	if (parent_pidfd >= 0)
		close(parent_pidfd);
	prctl(PR_SET_NAME, "cubicle-init");
	/* its argv is the first shell's ("cubicle-shell -c CMD"): what later
	 * channels of the session see in ps is a name, not that command (the
	 * helper's exec gives it an argv of its own) */
	if (!shared && spec->argv_area && spec->argv_len > 0) {
		memset(spec->argv_area, 0, spec->argv_len);
		memcpy(spec->argv_area, "cubicle-init",
		       spec->argv_len > 12 ? 12 : spec->argv_len - 1);
	}
	/* the session's terminal stays the shell's: init gets no controlling tty */
	if (setsid() < 0)
		_exit(1);

	struct ns_id ns[CONTAINER_NS_COUNT];
	char ready[1 + sizeof(ns)];

	init_setup(spec, sync_fd, shared, ns);

	ready[0] = INIT_READY;
	memcpy(ready + 1, ns, sizeof(ns));
	if (util_write_all(sync_fd, ready, sizeof(ready)) < 0)
		_exit(1);
	init_become_reaper(spec, sync_fd);
}
