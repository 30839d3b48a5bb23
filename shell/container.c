/* SPDX-License-Identifier: MIT */
#include "container.h"
#include "init.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/nsfs.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define INIT_READY_TIMEOUT_MS 30000

const char *const container_ns_names[CONTAINER_NS_COUNT] = { "mnt", "pid", "uts",
							     "ipc", "net", "cgroup" };

int container_read_ns(int nsdir, bool joined, struct ns_id ret[CONTAINER_NS_COUNT])
{
	for (size_t i = 0; i < CONTAINER_NS_COUNT; i++) {
		const char *name = container_ns_names[i];
		struct stat st;

		if (joined && strcmp(name, "pid") == 0)
			name = "pid_for_children";
		if (fstatat(nsdir, name, &st, 0) < 0)
			return -errno;
		ret[i].dev = st.st_dev;
		ret[i].ino = st.st_ino;
	}
	return 0;
}

int container_ns_flags(unsigned conf_namespaces)
{
	static const struct {
		unsigned conf;
		int clone;
	} map[] = {
		{ CONF_NS_PID, CLONE_NEWPID }, { CONF_NS_MOUNT, CLONE_NEWNS },
		{ CONF_NS_UTS, CLONE_NEWUTS }, { CONF_NS_IPC, CLONE_NEWIPC },
		{ CONF_NS_NET, CLONE_NEWNET }, { CONF_NS_CGROUP, CLONE_NEWCGROUP },
	};
	int flags = 0;

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (conf_namespaces & map[i].conf)
			flags |= map[i].clone;
	return flags;
}

#define READY_LEN	   ((ssize_t)(1 + sizeof(struct ns_id) * CONTAINER_NS_COUNT))
#define HELPER_EXEC_FAILED (-ENOEXEC) /* ready, but the exec of the helper failed */

/* Reads init's answer until init's end of the pipe closes (init.h): "R" and
 * its namespace ids, or "E<message>", or nothing if it died. */
static int wait_ready(int fd, struct ns_id ns[CONTAINER_NS_COUNT], char *err, size_t errlen)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[1024];
	ssize_t n;
	int r;

	do
		r = poll(&pfd, 1, INIT_READY_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		snprintf(err, errlen, "the container's init did not get ready in %d s",
			 INIT_READY_TIMEOUT_MS / 1000);
		return -ETIMEDOUT;
	}
	n = util_read_all(fd, buf, sizeof(buf));
	if (n == READY_LEN && buf[0] == INIT_READY) {
		memcpy(ns, buf + 1, sizeof(struct ns_id) * CONTAINER_NS_COUNT);
		return 0;
	}
	if (n > READY_LEN && buf[0] == INIT_READY && buf[READY_LEN] == INIT_ERROR) {
		snprintf(err, errlen, "%s", buf + READY_LEN + 1);
		return HELPER_EXEC_FAILED;
	}
	if (n >= 1 && buf[0] == INIT_ERROR)
		snprintf(err, errlen, "%s", buf + 1);
	else
		snprintf(err, errlen, "the container's init ended before it was ready");
	return -EIO;
}

#define INIT_STACK_SIZE (512 * 1024)

struct init_args {
	const struct container_spec *spec;
	int rd, wr, parent;
};

static int init_trampoline(void *data)
{
	const struct init_args *a = data;

	close(a->rd);
	init_main(a->spec, a->wr, a->parent, true);
}

/*
 * Init starts the way posix_spawn() starts a program when it will exec the
 * helper: in this process's memory (CLONE_VM), on a stack of its own, so
 * nothing of cubicle-shell's address space is copied for it and thrown away
 * again at its exec (about 0.1 ms of a login, make bench case 1). This
 * process only waits on the pipe meanwhile (wait_ready), which closes at
 * init's exec; init.h says what init leaves alone. Without the helper, init
 * stays a copy of cubicle-shell and is forked as one.
 */
static pid_t clone_init(const struct container_spec *spec, int ns, struct init_args *a,
			void **ret_stack, int *ret_pidfd)
{
	struct clone_args args = { 0 };
	pid_t pid;
	int e;

	if (spec->init_helper_fd >= 0) {
		char *stack = util_stack_new(INIT_STACK_SIZE);

		if (!stack)
			return -1;
		pid = clone(init_trampoline, stack + INIT_STACK_SIZE,
			    CLONE_VM | CLONE_PIDFD | ns | SIGCHLD, a, ret_pidfd);
		if (pid < 0) {
			e = errno;
			munmap(stack, INIT_STACK_SIZE);
			errno = e;
			return -1;
		}
		*ret_stack = stack;
		return pid;
	}
	/* a fork, with clone3 for the pidfd */
	args.flags = CLONE_PIDFD | (uint64_t)ns;
	args.pidfd = (uint64_t)(uintptr_t)ret_pidfd;
	args.exit_signal = SIGCHLD;
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0) {
		close(a->rd);
		init_main(spec, a->wr, a->parent, false);
	}
	return pid;
}

static int create_once(const struct container_spec *spec, struct container *ret, char *err,
		       size_t errlen)
{
	cleanup_close int rd = -1, wr = -1, parent = -1, pidfd = -1;
	int ns = container_ns_flags(spec->policy->namespaces), fds[2], r;
	struct init_args a = { .spec = spec };
	void *stack = NULL;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	rd = fds[0];
	wr = fds[1];
	if (spec->tie_to_parent) {
		parent = util_pidfd_open(getpid());
		if (parent < 0) {
			snprintf(err, errlen, "pidfd_open: %s", strerror(errno));
			return -errno;
		}
	}

	/* with a pidfd: init is pinned from the first instant, so a recycled
	 * pid can never be mistaken for it (SECURITY.md 7) */
	a.rd = rd;
	a.wr = wr;
	a.parent = parent;
	/* with the template, init makes its mount namespace itself (init.c) */
	pid = clone_init(spec, spec->mnt_template_fd >= 0 ? ns & ~CLONE_NEWNS : ns, &a, &stack,
			 &pidfd);
	if (pid < 0) {
		snprintf(err, errlen, "create namespaces: %s", strerror(errno));
		return -errno;
	}
	close(steal_fd(&wr));

	r = wait_ready(rd, ret->ns, err, errlen);
	if (r < 0) {
		util_pidfd_kill(pidfd, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	/* init has exec'd or is gone: its stack is no one's */
	if (stack)
		munmap(stack, INIT_STACK_SIZE);
	if (r < 0)
		return r;
	ret->pid = pid;
	ret->pidfd = steal_fd(&pidfd);
	ret->ns_flags = ns;
	ret->stop_timeout = spec->policy->stop_timeout;
	return 0;
}

int container_create(const struct container_spec *spec, struct container *ret, char *err,
		     size_t errlen)
{
	struct container_spec copy;
	int r = create_once(spec, ret, err, errlen);

	if (r != HELPER_EXEC_FAILED)
		return r;
	/* the helper was there but would not run (not executable, a noexec
	 * mount, not a program): once more, init a copy of cubicle-shell */
	snprintf(ret->init_note, sizeof(ret->init_note), "%s", err);
	copy = *spec;
	copy.init_helper_fd = -1;
	return create_once(&copy, ret, err, errlen);
}

/* ---- finding the container of a session --------------------------------- */

struct find_ctx {
	uid_t uid;
	int ns_flags;
	struct stat own_userns;
	struct ns_id host[CONTAINER_NS_COUNT];
	struct container *ret;
};

static const int ns_clone_flag[CONTAINER_NS_COUNT] = {
	CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWCGROUP
};

/* Reads /proc/PID/FILE into buf (NUL-terminated); -errno. */
static int read_proc(pid_t pid, const char *file, char *buf, size_t len)
{
	char path[64];
	cleanup_close int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return util_read_all(fd, buf, len) < 0 ? -EIO : 0;
}

/* "Uid:" all four the user's, and "NSpid:" ending in 1 with an outer pid too */
static bool status_is_init_of(const char *status, uid_t uid)
{
	const char *u = strstr(status, "\nUid:"), *ns = strstr(status, "\nNSpid:");
	unsigned long long ids[4], last = 0;
	int fields = 0;
	char *end;

	if (!u || !ns ||
	    sscanf(u, "\nUid: %llu %llu %llu %llu", &ids[0], &ids[1], &ids[2], &ids[3]) != 4)
		return false;
	for (int i = 0; i < 4; i++)
		if (ids[i] != (unsigned long long)uid)
			return false;
	ns += strlen("\nNSpid:");
	for (;;) {
		while (*ns == ' ' || *ns == '\t')
			ns++;
		if (*ns < '0' || *ns > '9')
			break;
		last = strtoull(ns, &end, 10);
		ns = end;
		fields++;
	}
	return fields >= 2 && last == 1;
}

/* Checks one namespace of a candidate: owned by the initial user namespace,
 * and (for those the container unshared) not the host's own. */
static bool ns_ok(struct find_ctx *f, int nsdir, size_t i, struct ns_id *ret)
{
	cleanup_close int fd = -1, owner = -1;
	struct stat st, ost;

	fd = openat(nsdir, container_ns_names[i], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return false;
	owner = ioctl(fd, NS_GET_USERNS);
	if (owner < 0 || fstat(owner, &ost) < 0)
		return false;
	if (ost.st_dev != f->own_userns.st_dev || ost.st_ino != f->own_userns.st_ino)
		return false;
	if ((f->ns_flags & ns_clone_flag[i]) && st.st_dev == f->host[i].dev &&
	    st.st_ino == f->host[i].ino)
		return false;
	ret->dev = st.st_dev;
	ret->ino = st.st_ino;
	return true;
}

#define FOUND 1

static int check_candidate(pid_t pid, void *data)
{
	struct find_ctx *f = data;
	struct ns_id ns[CONTAINER_NS_COUNT];
	cleanup_close int pidfd = -1, nsdir = -1;
	char buf[4096], path[64];

	/* pinned first: if the pid is reused before the checks end, the
	 * liveness check at the end fails */
	pidfd = util_pidfd_open(pid);
	if (pidfd < 0)
		return 0;
	if (read_proc(pid, "comm", buf, sizeof(buf)) < 0 || strcmp(buf, "cubicle-init\n") != 0)
		return 0;
	if (read_proc(pid, "status", buf, sizeof(buf)) < 0 || !status_is_init_of(buf, f->uid))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns", (int)pid);
	nsdir = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (nsdir < 0)
		return 0;
	for (size_t i = 0; i < CONTAINER_NS_COUNT; i++)
		if (!ns_ok(f, nsdir, i, &ns[i]))
			return 0;
	if (util_pidfd_kill(pidfd, 0) < 0)
		return 0; /* it ended while being checked */
	f->ret->pid = pid;
	f->ret->pidfd = steal_fd(&pidfd);
	f->ret->ns_flags = f->ns_flags;
	memcpy(f->ret->ns, ns, sizeof(ns));
	return FOUND;
}

static int stop_at_found(pid_t pid, void *data)
{
	int r = check_candidate(pid, data);

	return r == FOUND ? -EEXIST : 0;
}

int container_find(const struct cg_layout *l, const char *cgroup_rel, uid_t uid, int ns_flags,
		   struct container *ret)
{
	struct container found = { .pidfd = -1 };
	struct find_ctx f = { .uid = uid, .ns_flags = ns_flags, .ret = &found };
	cleanup_close int own = -1;
	int r;

	own = open("/proc/self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (own < 0 || fstatat(own, "user", &f.own_userns, 0) < 0 ||
	    container_read_ns(own, false, f.host) < 0)
		return -errno;
	r = cg_for_each_pid(l, cgroup_rel, stop_at_found, &f);
	if (r == -EEXIST) {
		*ret = found;
		return 0;
	}
	return r < 0 ? r : -ENOENT;
}
