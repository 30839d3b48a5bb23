/* SPDX-License-Identifier: MIT */
#include "mounts.h"
#include "names.h"
#include "safeopen.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define ATTR_USER (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
#define ATTR_SYS  (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

static int fail(struct mount_ctx *ctx, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct mount_ctx *ctx, int r, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(ctx->err, ctx->errlen, "%s: %s", what, strerror(-r));
	return r;
}

/* ---- mount primitives: always onto a descriptor, never onto a path ---- */

/* The pre-5.12 way to change a mount's flags: a bind remount through the
 * descriptor of that very mount (whose magic link resolves to its root). */
static int remount_attrs(int mnt_fd, unsigned attrs)
{
	char path[64];
	unsigned long flags = MS_REMOUNT | MS_BIND;

	if (attrs & MOUNT_ATTR_RDONLY)
		flags |= MS_RDONLY;
	if (attrs & MOUNT_ATTR_NOSUID)
		flags |= MS_NOSUID;
	if (attrs & MOUNT_ATTR_NODEV)
		flags |= MS_NODEV;
	if (attrs & MOUNT_ATTR_NOEXEC)
		flags |= MS_NOEXEC;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mnt_fd);
	return mount(NULL, path, NULL, flags, NULL) < 0 ? -errno : 0;
}

/* Sets `attrs` (the complete wanted set) on the mount mnt_fd refers to. */
static int mount_set_attrs(int mnt_fd, unsigned attrs)
{
	struct mount_attr ma = { .attr_set = attrs };

	if (mount_setattr(mnt_fd, "", AT_EMPTY_PATH, &ma, sizeof(ma)) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	return remount_attrs(mnt_fd, attrs);
}

/*
 * A bind mount is made in two steps, so that the clone of a host path can be
 * taken in the host's mount namespace and attached in the container's (init,
 * with the mount template, init.c): the clone is made detached and gets its
 * flags while still invisible (SECURITY.md 5: set when the mount is created,
 * not in a later remount), and is attached later.
 */
static int tree_clone(int src_fd, unsigned attrs, struct mount_tree *ret)
{
	struct mount_attr ma = { .attr_set = attrs };
	int tree = open_tree(src_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);

	if (tree < 0)
		return -errno;
	ret->attrs = attrs;
	ret->late = false;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &ma, sizeof(ma)) < 0) {
		if (errno != ENOSYS) {
			int r = -errno;

			close(tree);
			return r;
		}
		ret->late = true; /* before Linux 5.12; nobody else is in this namespace yet */
	}
	ret->fd = tree;
	return 0;
}

/* Attaches t onto what dst_fd refers to; t->fd is then the attached mount's root. */
static int tree_attach(const struct mount_tree *t, int dst_fd)
{
	if (move_mount(t->fd, "", dst_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0)
		return -errno;
	return t->late ? remount_attrs(t->fd, t->attrs) : 0;
}

/* Binds what src_fd refers to onto what dst_fd refers to, in one go. Returns a
 * descriptor of the attached mount's root. */
static int mount_bind(int src_fd, int dst_fd, unsigned attrs)
{
	struct mount_tree t;
	int r = tree_clone(src_fd, attrs, &t);

	if (r < 0)
		return r;
	r = tree_attach(&t, dst_fd);
	if (r < 0) {
		close(t.fd);
		return r;
	}
	return t.fd;
}

/* A fresh filesystem, created with its flags and then attached onto dst_fd.
 * `opts` is "key=value,flag,..." as for mount(8). Returns the mount's fd. */
static int mount_fresh(const char *fstype, const char *opts, unsigned attrs, int dst_fd)
{
	cleanup_close int fs = -1, mnt = -1;
	char buf[256], *save = NULL;

	fs = fsopen(fstype, FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	/* what mount tables show as the source: "proc", "tmpfs", "devpts" */
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", fstype, 0) < 0)
		return -errno;
	snprintf(buf, sizeof(buf), "%s", opts ? opts : "");
	for (char *o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(o, '=');
		int r;

		if (eq) {
			*eq = '\0';
			r = fsconfig(fs, FSCONFIG_SET_STRING, o, eq + 1, 0);
		} else {
			r = fsconfig(fs, FSCONFIG_SET_FLAG, o, NULL, 0);
		}
		if (r < 0)
			return -errno;
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	if (mnt < 0)
		return -errno;
	if (move_mount(mnt, "", dst_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return steal_fd(&mnt);
}

/* ---- targets inside the rootfs ---- */

/* Says what stands at `path` when it is not what a mount needs. */
static const char *describe_target(int root_fd, const char *path, int r)
{
	cleanup_close int fd = -1;
	struct stat st;

	if (r == -ENOTDIR || r == -ELOOP) {
		fd = safe_openat(root_fd, path, O_PATH, 0);
		if (fd >= 0 && fstat(fd, &st) == 0) {
			if (S_ISLNK(st.st_mode))
				return "it is a symlink, which is never followed";
			if (S_ISFIFO(st.st_mode))
				return "it is a FIFO, not a directory";
			if (!S_ISDIR(st.st_mode))
				return "it is not a directory";
		}
		if (fd == -ELOOP || fd == -ENOTDIR)
			return "a component on the way is a symlink, which is never followed";
	}
	switch (r) {
	case -ENOENT:
		return "it does not exist in the rootfs";
	case -EXDEV:
		return "it leads out of the rootfs";
	default:
		return strerror(-r);
	}
}

/*
 * Opens a mount target inside the rootfs without following any symlink
 * (SECURITY.md 1: runc CVE-2021-30465, pam_namespace CVE-2025-6020), O_PATH so a
 * planted FIFO is never opened and cannot hang the login.
 */
static int open_target(struct mount_ctx *ctx, const char *path, bool want_dir)
{
	struct stat st;
	int fd = safe_openat(ctx->root_fd, path, O_PATH | (want_dir ? O_DIRECTORY : 0), 0);

	if (fd < 0) {
		snprintf(ctx->err, ctx->errlen, "cannot mount on %s inside the rootfs: %s", path,
			 describe_target(ctx->root_fd, path, fd));
		return fd;
	}
	if (fstat(fd, &st) < 0 || (!want_dir && !S_ISREG(st.st_mode))) {
		close(fd);
		snprintf(ctx->err, ctx->errlen,
			 "cannot mount on %s inside the rootfs: it is not a regular file", path);
		return -EINVAL;
	}
	return fd;
}

/* ---- the rows of the table ---- */

struct mount_row;
typedef int (*mount_fn)(struct mount_ctx *ctx, const struct mount_row *row);

struct mount_row {
	const char *target;
	mount_fn fn;
	const char *fstype;
	const char *opts;
	unsigned attrs;
	bool fatal; /* false: a failure is reported and the login goes on */
};

static int row_fresh(struct mount_ctx *ctx, const struct mount_row *row)
{
	cleanup_close int dst = open_target(ctx, row->target, true);
	int mnt;

	if (dst < 0)
		return dst;
	mnt = mount_fresh(row->fstype, row->opts, row->attrs, dst);
	if (mnt < 0)
		return fail(ctx, mnt, "mount %s on %s", row->fstype, row->target);
	close(mnt);
	return 0;
}

static int row_tmp(struct mount_ctx *ctx, const struct mount_row *row)
{
	const struct policy *p = ctx->policy;
	cleanup_close int dst = open_target(ctx, row->target, true);
	char opts[128];
	int mnt;

	if (dst < 0)
		return dst;
	if (p->tmp_size_percent)
		snprintf(opts, sizeof(opts), "%s,size=%u%%", row->opts, p->tmp_size_percent);
	else
		snprintf(opts, sizeof(opts), "%s,size=%" PRIu64, row->opts, p->tmp_size_bytes);
	mnt = mount_fresh(row->fstype, opts, row->attrs, dst);
	if (mnt < 0)
		return fail(ctx, mnt, "mount tmpfs on %s", row->target);
	close(mnt);
	return 0;
}

static const struct dev_node {
	const char *name;
	unsigned major, minor;
} dev_nodes[] = {
	{ "null", 1, 3 },   { "zero", 1, 5 },	 { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

_Static_assert(ARRAY_SIZE(dev_nodes) == MOUNTS_DEV_NODES, "mount_ctx.devs");

static const struct {
	const char *name, *target;
} dev_links[] = {
	{ "ptmx", "pts/ptmx" },		 { "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },	 { "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
};

/*
 * /dev is a fresh tmpfs, never the rootfs's own (SECURITY.md 2: runc
 * CVE-2025-31133): the device nodes are bind mounts of the host's, each
 * checked to be the expected device before it was cloned (clone_dev_nodes).
 * The tmpfs belongs to the user while it is filled (init has no
 * CAP_DAC_OVERRIDE) and is made read-only at the end, so nothing in it can be
 * replaced.
 */
static int row_dev(struct mount_ctx *ctx, const struct mount_row *row)
{
	cleanup_close int dst = open_target(ctx, row->target, true);
	char opts[128];
	int dev;

	if (dst < 0)
		return dst;
	snprintf(opts, sizeof(opts), "%s,uid=%u,gid=%u", row->opts, (unsigned)ctx->user->uid,
		 (unsigned)ctx->user->gid);
	dev = mount_fresh(row->fstype, opts, row->attrs, dst);
	if (dev < 0)
		return fail(ctx, dev, "mount tmpfs on /dev");
	ctx->dev_fd = dev;

	if (mkdirat(dev, "pts", 0755) < 0 || mkdirat(dev, "shm", 01777) < 0)
		return fail(ctx, -errno, "populate /dev");
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++)
		if (symlinkat(dev_links[i].target, dev, dev_links[i].name) < 0)
			return fail(ctx, -errno, "create /dev/%s", dev_links[i].name);

	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		cleanup_close int target = -1;
		int r;

		/* the descriptor that made the file is the mount point: the
		 * bind goes on what it refers to, not on its open file */
		target = openat(dev, dev_nodes[i].name,
				O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (target < 0)
			return fail(ctx, -errno, "create /dev/%s", dev_nodes[i].name);
		r = tree_attach(&ctx->devs[i], target);
		if (r < 0)
			return fail(ctx, r, "bind host /dev/%s", dev_nodes[i].name);
	}
	return 0;
}

static int row_dev_readonly(struct mount_ctx *ctx, const struct mount_row *row)
{
	int r = mount_set_attrs(ctx->dev_fd, row->attrs);

	if (r < 0)
		return fail(ctx, r, "make /dev read-only");
	return 0;
}

/* Attaches the clone of a host path (clone_host_path) onto dst in the rootfs. */
static int attach_host_path(struct mount_ctx *ctx, const struct mount_tree *t, const char *src,
			    const char *dst, const char *what)
{
	cleanup_close int d = open_target(ctx, dst, t->dir);
	int r;

	if (d < 0)
		return d;
	r = tree_attach(t, d);
	if (r < 0)
		return fail(ctx, r, "%s: bind %s on %s", what, src, dst);
	return 0;
}

static int row_home(struct mount_ctx *ctx, const struct mount_row *row)
{
	(void)row;
	if (!ctx->policy->home)
		return 0;
	return attach_host_path(ctx, &ctx->home, ctx->policy->home, ctx->user->home, "home");
}

static int row_binds(struct mount_ctx *ctx, const struct mount_row *row)
{
	(void)row;
	for (size_t i = 0; i < ctx->policy->n_binds; i++) {
		const struct conf_bind *b = &ctx->policy->binds[i];
		int r = attach_host_path(ctx, &ctx->binds[i], b->src, b->dst,
					 b->ro ? "bind_ro" : "bind");

		if (r < 0)
			return r;
	}
	return 0;
}

/* true if one line of a passwd/group file names `name` or `id` (fields 1 and 3) */
static bool db_has_entry(const char *data, const char *name, unsigned id)
{
	char idstr[16];
	size_t nlen = strlen(name);

	snprintf(idstr, sizeof(idstr), "%u", id);
	for (const char *line = data; *line;) {
		const char *end = strchr(line, '\n'), *f3;

		if (!end)
			end = line + strlen(line);
		if ((size_t)(end - line) > nlen && strncmp(line, name, nlen) == 0 &&
		    line[nlen] == ':')
			return true;
		f3 = memchr(line, ':', (size_t)(end - line));
		if (f3)
			f3 = memchr(f3 + 1, ':', (size_t)(end - f3 - 1));
		if (f3 && strncmp(f3 + 1, idstr, strlen(idstr)) == 0 &&
		    f3[1 + strlen(idstr)] == ':')
			return true;
		line = *end ? end + 1 : end;
	}
	return false;
}

#define DB_MAX (256 * 1024)

/*
 * Where the rootfs's /etc/passwd (or group) lacks the user, a copy with the
 * entry added is bound read-only over it, so id, whoami and ls -l show names.
 * The copy is staged in /dev (still writable) and unlinked once bound. A rootfs
 * without such a file, or with a symlink there, is the user's business: it is
 * left alone.
 */
static int synth_db(struct mount_ctx *ctx, const char *file, const char *stage, const char *name,
		    unsigned id, const char *entry)
{
	cleanup_free char *data = NULL;
	cleanup_close int fd = -1, out = -1;
	struct stat st;
	ssize_t len;
	int r;

	fd = safe_openat(ctx->root_fd, file, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > DB_MAX)
		return 0;
	data = malloc(DB_MAX + 1);
	if (!data)
		return fail(ctx, -ENOMEM, "read %s", file);
	len = util_read_all(fd, data, DB_MAX + 1);
	if (len < 0)
		return fail(ctx, (int)len, "read %s in the rootfs", file);
	if (db_has_entry(data, name, id))
		return 0;

	out = openat(ctx->dev_fd, stage, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
		     0644);
	if (out < 0 || fchmod(out, 0644) < 0)
		return fail(ctx, -errno, "stage %s", file);
	r = util_write_all(out, data, (size_t)len);
	if (r == 0 && len > 0 && data[len - 1] != '\n')
		r = util_write_all(out, "\n", 1);
	if (r == 0)
		r = util_write_all(out, entry, strlen(entry));
	if (r < 0)
		return fail(ctx, r, "stage %s", file);
	/* the descriptors it was written through and read through: the copy
	 * goes onto the very file that was read */
	r = mount_bind(out, fd, ATTR_SYS | MOUNT_ATTR_RDONLY);
	if (r < 0)
		return fail(ctx, r, "bind a copy of %s with the user added", file);
	close(r);
	unlinkat(ctx->dev_fd, stage, 0);
	return 0;
}

static bool db_field_ok(const char *s)
{
	return s && !strpbrk(s, ":\n");
}

static int row_passwd(struct mount_ctx *ctx, const struct mount_row *row)
{
	const struct conf_user *u = ctx->user;
	char entry[1024];
	int r;

	(void)row;
	if (!name_is_safe(u->name) || !db_field_ok(u->home) || !db_field_ok(ctx->policy->shell))
		return 0;
	snprintf(entry, sizeof(entry), "%s:x:%u:%u::%s:%s\n", u->name, (unsigned)u->uid,
		 (unsigned)u->gid, u->home, ctx->policy->shell);
	r = synth_db(ctx, "etc/passwd", ".passwd", u->name, (unsigned)u->uid, entry);
	if (r < 0 || !name_is_safe(u->group))
		return r;
	snprintf(entry, sizeof(entry), "%s:x:%u:\n", u->group, (unsigned)u->gid);
	return synth_db(ctx, "etc/group", ".group", u->group, (unsigned)u->gid, entry);
}

/*
 * The container's filesystem, in order. /dev is filled while writable and
 * frozen read-only last, after the passwd/group copies were staged in it.
 */
static const struct mount_row mount_table[] = {
	{ "/proc", row_fresh, "proc", NULL, ATTR_SYS, true },
	{ "/dev", row_dev, "tmpfs", "mode=0755,size=2m,nr_inodes=256", ATTR_SYS, true },
	{ "/dev/pts", row_fresh, "devpts", "newinstance,ptmxmode=0666,mode=0620",
	  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, true },
	{ "/dev/shm", row_fresh, "tmpfs", "mode=1777,uid=0,gid=0", ATTR_USER, true },
	{ "/tmp", row_tmp, "tmpfs", "mode=1777,uid=0,gid=0", ATTR_USER, true },
	{ "(home)", row_home, NULL, NULL, 0, true },
	{ "(binds)", row_binds, NULL, NULL, 0, true },
	{ "/etc/passwd", row_passwd, NULL, NULL, 0, false },
	{ "/dev", row_dev_readonly, NULL, NULL, ATTR_SYS | MOUNT_ATTR_RDONLY, true },
};

int mounts_build(struct mount_ctx *ctx)
{
	for (size_t i = 0; i < ARRAY_SIZE(mount_table); i++) {
		const struct mount_row *row = &mount_table[i];
		int r = row->fn(ctx, row);

		if (r < 0 && row->fatal)
			return r;
		if (r < 0)
			dprintf(STDERR_FILENO, "cubicle-shell: warning: %s\n", ctx->err);
	}
	return 0;
}

/* ---- what comes from the host: cloned before anything is attached ---- */

static void tree_init(struct mount_tree *t)
{
	t->fd = -1;
	t->late = false;
	t->dir = true;
}

void mounts_ctx_init(struct mount_ctx *ctx, const struct policy *p, const struct conf_user *u,
		     char *err, size_t errlen)
{
	*ctx = (struct mount_ctx){ .policy = p, .user = u, .err = err, .errlen = errlen };
	ctx->root_fd = ctx->dev_fd = ctx->rootfs_dir = -1;
	tree_init(&ctx->rootfs);
	tree_init(&ctx->home);
	for (size_t i = 0; i < ARRAY_SIZE(ctx->devs); i++)
		tree_init(&ctx->devs[i]);
}

void mounts_ctx_release(struct mount_ctx *ctx)
{
	int *fds[] = { &ctx->dev_fd, &ctx->rootfs_dir, &ctx->rootfs.fd, &ctx->home.fd };

	/* root_fd is rootfs.fd once attached */
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		util_closep(fds[i]);
	for (size_t i = 0; i < ARRAY_SIZE(ctx->devs); i++)
		util_closep(&ctx->devs[i].fd);
	for (size_t i = 0; ctx->binds && i < ctx->policy->n_binds; i++)
		util_closep(&ctx->binds[i].fd);
	free(ctx->binds);
	ctx->binds = NULL;
	ctx->root_fd = ctx->dev_fd = ctx->rootfs_dir = -1;
}

static int clone_rootfs(struct mount_ctx *ctx)
{
	const struct policy *p = ctx->policy;
	const char *bad = NULL;
	int fd, r;

	fd = safe_open_trusted_dir(p->rootfs, ctx->user->uid, &bad);
	if (fd == -EPERM) {
		snprintf(ctx->err, ctx->errlen,
			 "rootfs %s: %s must be owned by root (the rootfs itself by root or the "
			 "user) and not writable by group or others",
			 p->rootfs, bad);
		return fd;
	}
	if (fd < 0) {
		snprintf(ctx->err, ctx->errlen, "rootfs %s: %s: %s", p->rootfs, bad,
			 fd == -ENOTDIR ? "not a directory, or a symlink (not followed)"
					: strerror(-fd));
		return fd;
	}
	ctx->rootfs_dir = fd;
	r = tree_clone(fd, ATTR_USER, &ctx->rootfs);
	if (r < 0)
		return fail(ctx, r, "bind rootfs %s", p->rootfs);
	return 0;
}

/* The host's device nodes, each checked to be the expected device. */
static int clone_dev_nodes(struct mount_ctx *ctx)
{
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		const struct dev_node *n = &dev_nodes[i];
		cleanup_close int host = -1;
		char hostpath[32];
		struct stat st;
		int r;

		snprintf(hostpath, sizeof(hostpath), "/dev/%s", n->name);
		host = open(hostpath, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (host < 0)
			return fail(ctx, -errno, "open host %s", hostpath);
		if (fstat(host, &st) < 0 || !S_ISCHR(st.st_mode) ||
		    st.st_rdev != makedev(n->major, n->minor))
			return fail(ctx, -ENODEV, "host %s is not the expected device %u:%u",
				    hostpath, n->major, n->minor);
		r = tree_clone(host, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, &ctx->devs[i]);
		if (r < 0)
			return fail(ctx, r, "bind host %s", hostpath);
		ctx->devs[i].dir = false;
	}
	return 0;
}

static int clone_host_path(struct mount_ctx *ctx, const char *src, unsigned attrs, const char *what,
			   struct mount_tree *ret)
{
	cleanup_close int s = -1;
	struct stat st;
	int r;

	/* The source is a host path from the config, opened as the user: binding
	 * shows them nothing their own permissions would not. */
	s = open(src, O_PATH | O_CLOEXEC);
	if (s < 0 || fstat(s, &st) < 0)
		return fail(ctx, -errno, "%s: cannot open %s", what, src);
	r = tree_clone(s, attrs, ret);
	if (r < 0)
		return fail(ctx, r, "%s: bind %s", what, src);
	ret->dir = S_ISDIR(st.st_mode);
	return 0;
}

int mounts_clone_sources(struct mount_ctx *ctx)
{
	const struct policy *p = ctx->policy;
	int r;

	r = clone_rootfs(ctx);
	if (r < 0)
		return r;
	r = clone_dev_nodes(ctx);
	if (r < 0)
		return r;
	if (p->home) {
		r = clone_host_path(ctx, p->home, ATTR_USER, "home", &ctx->home);
		if (r < 0)
			return r;
	}
	if (p->n_binds == 0)
		return 0;
	ctx->binds = calloc(p->n_binds, sizeof(*ctx->binds));
	if (!ctx->binds)
		return fail(ctx, -ENOMEM, "binds");
	for (size_t i = 0; i < p->n_binds; i++)
		tree_init(&ctx->binds[i]);
	for (size_t i = 0; i < p->n_binds; i++) {
		const struct conf_bind *b = &p->binds[i];

		r = clone_host_path(ctx, b->src, ATTR_USER | (b->ro ? MOUNT_ATTR_RDONLY : 0),
				    b->ro ? "bind_ro" : "bind", &ctx->binds[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int mounts_attach_root(struct mount_ctx *ctx, int onto_fd)
{
	int r = tree_attach(&ctx->rootfs, onto_fd >= 0 ? onto_fd : ctx->rootfs_dir);

	if (r < 0)
		return fail(ctx, r, "bind rootfs %s", ctx->policy->rootfs);
	ctx->root_fd = ctx->rootfs.fd;
	return 0;
}

int mounts_enter_root(struct mount_ctx *ctx, bool pivot)
{
	const char *how = "pivot into the rootfs";

	if (fchdir(ctx->root_fd) < 0)
		goto fail;
	if (pivot) {
		/* pivot_root(".", "."): the old root ends up stacked on the new one
		 * and is detached at once, so no path of the host stays reachable
		 * (pivot_root(2)). */
		if (syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0)
			goto fail;
	} else {
		/* The rootfs is stacked on the root of a namespace that holds
		 * nothing else (the mount template): chroot into it, as
		 * switch_root does. Nothing of the host is in this namespace, and
		 * what lies below is an empty read-only tmpfs. The root is the
		 * namespace's own as far as the kernel checks it (current_chrooted
		 * looks through mounts stacked on the root), so the user may still
		 * make user namespaces as after a pivot. */
		how = "enter the rootfs";
		if (chroot(".") < 0)
			goto fail;
	}
	if (chdir("/") < 0)
		goto fail;
	return 0;
fail:
	snprintf(ctx->err, ctx->errlen, "%s: %s", how, strerror(errno));
	return -errno;
}
