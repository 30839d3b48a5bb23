/* SPDX-License-Identifier: MIT */
#include "template.h"
#include "record.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * 1 if fd is the template (a mount namespace owned by our user namespace), 0
 * if it is the plain file the template is still to be mounted on, else
 * -errno and why.
 */
static int check_template(int fd, char *why, size_t whylen)
{
	cleanup_close int owner = -1;
	struct statfs sfs;
	struct stat st, own;

	if (fstatfs(fd, &sfs) < 0) {
		snprintf(why, whylen, "statfs: %s", strerror(errno));
		return -errno;
	}
	if (sfs.f_type != NSFS_MAGIC)
		return 0;
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNS) {
		snprintf(why, whylen, "it is a namespace, but not a mount namespace");
		return -EINVAL;
	}
	owner = ioctl(fd, NS_GET_USERNS);
	if (owner < 0 || fstat(owner, &st) < 0 || stat("/proc/self/ns/user", &own) < 0) {
		snprintf(why, whylen, "the owner of the namespace: %s", strerror(errno));
		return -errno;
	}
	if (st.st_dev != own.st_dev || st.st_ino != own.st_ino) {
		snprintf(why, whylen, "its namespace belongs to another user namespace");
		return -EPERM;
	}
	return 1;
}

#define MAKE_STACK_SIZE (64 * 1024)

struct make_args {
	int nsfd;	  /* the new namespace: the child shares our descriptor table */
	int err;	  /* -errno of the step that failed, 0 when all went well */
	const char *step; /* the step that failed */
};

/*
 * In a new mount namespace, a copy of the host's: stacks an empty read-only
 * tmpfs on the root, pivots into it and detaches the host's mounts. Runs in
 * our memory while we wait (CLONE_VFORK), so system calls only.
 */
static int make_child(void *data)
{
	struct make_args *a = data;
	int fs = -1, mnt = -1, root = -1;

	a->step = "open its namespace";
	a->nsfd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (a->nsfd < 0)
		goto fail;
	a->step = "make its mounts private";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		goto fail;
	a->step = "make its tmpfs";
	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "source", "cubicle-template", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0555", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "uid", "0", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "gid", "0", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "nr_inodes", "1", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		goto fail;
	mnt = fsmount(fs, FSMOUNT_CLOEXEC,
		      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		goto fail;
	a->step = "pivot into its tmpfs";
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 ||
	    move_mount(mnt, "", root, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0 ||
	    fchdir(mnt) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		goto fail;
	a->err = 0;
	goto out;
fail:
	a->err = -errno;
out:
	/* the descriptor table is ours: only nsfd is to stay in it */
	if (fs >= 0)
		close(fs);
	if (mnt >= 0)
		close(mnt);
	if (root >= 0)
		close(root);
	return a->err < 0;
}

static int attach(int tree, int target)
{
	return move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

/*
 * A mount namespace's file is never copied into another mount namespace, so
 * the kernel refuses (EINVAL) to mount one where the mount would propagate:
 * on a shared mount, as /run is on a host where systemd made every mount
 * shared and services run in namespaces of their own (util-linux's
 * unshare --mount=FILE says the same). The file is then bound onto itself
 * and that mount made private, so the template mounted on top of it
 * propagates nowhere. What the other namespaces got of that bind are binds
 * of an empty file. Sets errno on failure.
 */
static int bind_private(int target)
{
	struct mount_attr ma = { .propagation = MS_PRIVATE };
	int tree = open_tree(target, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	int r = -1, e;

	if (tree < 0)
		return -1;
	if (attach(tree, target) == 0)
		r = mount_setattr(tree, "", AT_EMPTY_PATH, &ma, sizeof(ma));
	e = errno;
	close(tree);
	errno = e;
	return r;
}

/* Makes a template and mounts its namespace file on target (the plain file).
 * Returns a descriptor of the namespace. */
static int make_once(int target, char *why, size_t whylen)
{
	struct make_args a = { .nsfd = -1, .err = -ECHILD, .step = "start" };
	cleanup_close int nsfd = -1, tree = -1;
	char *stack = util_stack_new(MAKE_STACK_SIZE);
	pid_t pid;

	if (!stack) {
		snprintf(why, whylen, "make it: %s", strerror(errno));
		return -errno;
	}
	pid = clone(make_child, stack + MAKE_STACK_SIZE,
		    CLONE_VM | CLONE_VFORK | CLONE_FILES | CLONE_NEWNS | SIGCHLD, &a);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	munmap(stack, MAKE_STACK_SIZE);
	nsfd = a.nsfd;
	if (pid < 0) {
		snprintf(why, whylen, "make it: clone: %s", strerror(errno));
		return -errno;
	}
	if (a.err < 0) {
		snprintf(why, whylen, "make it: %s: %s", a.step, strerror(-a.err));
		return a.err;
	}
	/* the namespace lives on in this bind mount of its file, also once
	 * nothing runs in it */
	tree = open_tree(nsfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0 || (attach(tree, target) < 0 && (errno != EINVAL || bind_private(target) < 0 ||
						      attach(tree, target) < 0))) {
		snprintf(why, whylen, "mount it: %s", strerror(errno));
		return -errno;
	}
	return steal_fd(&nsfd);
}

/*
 * The kernel lets a mount namespace's file be bound only into a namespace
 * older than it (mnt_ns_loop: "older" is a smaller namespace id). Since Linux
 * 6.18 those ids come from per-CPU batches, so a template made on one CPU may
 * get a smaller id than a namespace made earlier on another, and its mount
 * fails with ELOOP. That happens only when this process is not in the
 * host's initial mount namespace (whose id is fixed and smallest). A
 * namespace made on the CPU the current one was made on is always younger:
 * so on ELOOP, one more try on each CPU we may run on, then the old
 * affinity back.
 */
static int make_template(int target, char *why, size_t whylen)
{
	cpu_set_t allowed, one;
	int r = make_once(target, why, whylen);

	if (r != -ELOOP || sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return r;
	for (int cpu = 0; cpu < CPU_SETSIZE && r == -ELOOP; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) == 0)
			r = make_once(target, why, whylen);
	}
	if (sched_setaffinity(0, sizeof(allowed), &allowed) < 0) {
		int e = errno;

		if (r >= 0)
			close(r);
		snprintf(why, whylen, "restore the CPU affinity: %s", strerror(e));
		return -e;
	}
	return r;
}

int template_open(const char *run_dir, char *why, size_t whylen)
{
	cleanup_close int fd = -1, again = -1;
	int r;

	snprintf(why, whylen, "?");
	/* Before Linux 5.12 (no mount_setattr) a clone gets its flags by a
	 * remount through /proc/self/fd (mounts.c), and a copy of the template
	 * has no /proc yet: no template there. */
	if (mount_setattr(-1, "", 0, NULL, 0) < 0 && errno == ENOSYS)
		return -ENOSYS;
	fd = rec_layout_file_open(run_dir, REC_MNT_TEMPLATE);
	if (fd == -ENOENT)
		return fd;
	if (fd < 0) {
		snprintf(why, whylen, "%s",
			 fd == -EPERM	? "it is not root's, or is writable by others"
			 : fd == -ELOOP ? "it is a symlink, which is never followed"
					: strerror(-fd));
		return fd;
	}
	r = check_template(fd, why, whylen);
	if (r != 0)
		return r > 0 ? steal_fd(&fd) : r;

	/* Still the plain file: made by one login at a time. One that finds
	 * it locked goes on without the template; so does every login, should
	 * a user hold the lock (the file is readable), which costs them time
	 * and nothing else. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return -EWOULDBLOCK;
		snprintf(why, whylen, "lock: %s", strerror(errno));
		return -errno;
	}
	again = rec_layout_file_open(run_dir, REC_MNT_TEMPLATE);
	if (again < 0) {
		snprintf(why, whylen, "open: %s", strerror(-again));
		return again;
	}
	r = check_template(again, why, whylen);
	if (r != 0)
		return r > 0 ? steal_fd(&again) : r;
	return make_template(fd, why, whylen);
}
