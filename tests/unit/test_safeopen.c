/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/safeopen.c. Every safe_openat() case runs twice, with
 * openat2() and with the forced component-walk fallback, and must come out
 * the same both ways.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "skip.h"

#include "safeopen.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

struct tree {
	char dir[PATH_MAX];
	int fd; /* O_PATH descriptor of dir */
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void make(int dirfd, const char *path, mode_t type)
{
	int fd;

	switch (type) {
	case S_IFDIR:
		assert_int_equal(mkdirat(dirfd, path, 0755), 0);
		break;
	case S_IFIFO:
		assert_int_equal(mkfifoat(dirfd, path, 0644), 0);
		break;
	default:
		fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		assert_int_equal(util_write_all(fd, "hello", 5), 0);
		close(fd);
		break;
	}
}

/*
 *   file            "hello"
 *   dir/sub/deep    "hello"
 *   dir/up       -> ../file
 *   link_file    -> file
 *   link_dir     -> dir
 *   link_out     -> /etc
 *   link_abs     -> /
 *   fifo            a FIFO
 */
static int setup_tree(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/cubicle-test-safeopen-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	t->fd = open(t->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->fd < 0)
		return -1;
	make(t->fd, "file", S_IFREG);
	make(t->fd, "dir", S_IFDIR);
	make(t->fd, "dir/sub", S_IFDIR);
	make(t->fd, "dir/sub/deep", S_IFREG);
	make(t->fd, "fifo", S_IFIFO);
	if (symlinkat("../file", t->fd, "dir/up") < 0 ||
	    symlinkat("file", t->fd, "link_file") < 0 || symlinkat("dir", t->fd, "link_dir") < 0 ||
	    symlinkat("/etc", t->fd, "link_out") < 0 || symlinkat("/", t->fd, "link_abs") < 0)
		return -1;
	*state = t;
	return 0;
}

static int teardown_tree(void **state)
{
	struct tree *t = *state;

	safe_openat_force_fallback = false;
	close(t->fd);
	remove_tree(t->dir);
	free(t);
	return 0;
}

/* Both ways, the same result: a descriptor (>= 0 returned as 0) or the -errno. */
static int open_both(int rootfd, const char *path, int flags, struct stat *ret_st)
{
	int results[2];

	for (int fallback = 0; fallback < 2; fallback++) {
		int fd;

		safe_openat_force_fallback = fallback;
		fd = safe_openat(rootfd, path, flags, 0644);
		safe_openat_force_fallback = false;
		if (fd >= 0) {
			if (ret_st)
				assert_int_equal(fstat(fd, ret_st), 0);
			assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
			close(fd);
			fd = 0;
		}
		results[fallback] = fd;
	}
	if (results[0] != results[1])
		fail_msg("safe_openat(\"%s\", %#x): openat2 gives %d, the fallback %d", path,
			 (unsigned)flags, results[0], results[1]);
	return results[0];
}

struct open_case {
	const char *path;
	int flags;
	int result;  /* 0 or -errno */
	mode_t type; /* S_IF* of what was opened, when result is 0 */
};

static void test_safe_openat_cases(void **state)
{
	static const struct open_case cases[] = {
		{ "file", O_RDONLY, 0, S_IFREG },
		{ "/file", O_RDONLY, 0, S_IFREG },
		{ "//file", O_RDONLY, 0, S_IFREG },
		{ "dir/sub/deep", O_RDONLY, 0, S_IFREG },
		{ "dir//sub/./deep", O_RDONLY, 0, S_IFREG },
		{ "dir/sub/", O_RDONLY | O_DIRECTORY, 0, S_IFDIR },
		{ "", O_PATH | O_DIRECTORY, 0, S_IFDIR },
		{ "/", O_PATH | O_DIRECTORY, 0, S_IFDIR },
		{ ".", O_PATH | O_DIRECTORY, 0, S_IFDIR },
		/* symlinks: never followed, wherever they are */
		{ "link_file", O_RDONLY, -ELOOP, 0 },
		{ "link_dir/sub/deep", O_RDONLY, -ELOOP, 0 },
		{ "link_dir/sub", O_PATH | O_DIRECTORY, -ELOOP, 0 },
		{ "link_out/passwd", O_RDONLY, -ELOOP, 0 },
		{ "link_abs/etc/passwd", O_RDONLY, -ELOOP, 0 },
		{ "dir/up", O_RDONLY, -ELOOP, 0 },
		/* the kernel's word for a last component that is a symlink, opened O_DIRECTORY */
		{ "link_dir", O_RDONLY | O_DIRECTORY, -ENOTDIR, 0 },
		{ "link_dir", O_PATH | O_DIRECTORY, -ENOTDIR, 0 },
		/* O_PATH|O_NOFOLLOW gives the link itself, as openat2 documents */
		{ "link_file", O_PATH, 0, S_IFLNK },
		/* ".." anywhere */
		{ "..", O_PATH, -EXDEV, 0 },
		{ "../", O_PATH, -EXDEV, 0 },
		{ "/../etc/passwd", O_RDONLY, -EXDEV, 0 },
		{ "dir/../file", O_RDONLY, -EXDEV, 0 },
		{ "dir/sub/../../file", O_RDONLY, -EXDEV, 0 },
		{ "dir/..", O_PATH, -EXDEV, 0 },
		{ "...", O_RDONLY, -ENOENT, 0 },
		{ "..file", O_RDONLY, -ENOENT, 0 },
		/* missing, and a file where a directory should be */
		{ "missing", O_RDONLY, -ENOENT, 0 },
		{ "missing/x", O_RDONLY, -ENOENT, 0 },
		{ "file/x", O_RDONLY, -ENOTDIR, 0 },
		{ "file", O_RDONLY | O_DIRECTORY, -ENOTDIR, 0 },
		/* a FIFO: opened without hanging when asked to, refused as a directory */
		{ "fifo", O_RDONLY | O_NONBLOCK, 0, S_IFIFO },
		{ "fifo", O_PATH, 0, S_IFIFO },
		{ "fifo", O_RDONLY | O_DIRECTORY, -ENOTDIR, 0 },
		{ "fifo/x", O_RDONLY, -ENOTDIR, 0 },
		/* O_CREAT does not follow a symlink either */
		{ "link_file", O_WRONLY | O_CREAT, -ELOOP, 0 },
		{ "link_dir/new", O_WRONLY | O_CREAT, -ELOOP, 0 },
	};
	struct tree *t = *state;

	alarm(10); /* a FIFO opened the wrong way would hang */
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct open_case *c = &cases[i];
		struct stat st;
		int r = open_both(t->fd, c->path, c->flags, &st);

		if (r != c->result)
			fail_msg("safe_openat(\"%s\", %#x) = %d, expected %d", c->path,
				 (unsigned)c->flags, r, c->result);
		if (r == 0 && (st.st_mode & S_IFMT) != c->type)
			fail_msg("safe_openat(\"%s\") opened type %o, expected %o", c->path,
				 (unsigned)(st.st_mode & S_IFMT), (unsigned)c->type);
	}
	alarm(0);
	/* nothing was created through the links */
	assert_int_equal(faccessat(t->fd, "dir/new", F_OK, AT_SYMLINK_NOFOLLOW), -1);
}

static void test_safe_openat_root_is_root(void **state)
{
	struct tree *t = *state;
	struct stat a, b;

	assert_int_equal(open_both(t->fd, "/", O_PATH | O_DIRECTORY, &a), 0);
	assert_int_equal(fstat(t->fd, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_dev, b.st_dev);
}

static void test_safe_openat_create(void **state)
{
	struct tree *t = *state;

	for (int fallback = 0; fallback < 2; fallback++) {
		struct stat st;
		int fd;

		safe_openat_force_fallback = fallback;
		fd = safe_openat(t->fd, "dir/sub/new", O_WRONLY | O_CREAT | O_EXCL, 0600);
		safe_openat_force_fallback = false;
		assert_true(fd >= 0);
		assert_int_equal(fstat(fd, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal(st.st_mode & 0077, 0);
		close(fd);
		assert_int_equal(unlinkat(t->fd, "dir/sub/new", 0), 0);
	}
}

static void test_safe_openat_content(void **state)
{
	struct tree *t = *state;

	for (int fallback = 0; fallback < 2; fallback++) {
		char buf[16];
		int fd;

		safe_openat_force_fallback = fallback;
		fd = safe_openat(t->fd, "/dir/sub/deep", O_RDONLY, 0);
		safe_openat_force_fallback = false;
		assert_true(fd >= 0);
		assert_int_equal(util_read_all(fd, buf, sizeof(buf)), 5);
		assert_string_equal(buf, "hello");
		close(fd);
	}
}

/* Magic links (/proc/self/root, /proc/self/cwd) are refused as well. */
static void test_safe_openat_magic_links(void **state)
{
	int proc = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);

	(void)state;
	if (proc < 0)
		skip_because("no /proc");
	assert_int_equal(open_both(proc, "root/etc/passwd", O_RDONLY, NULL), -ELOOP);
	assert_int_equal(open_both(proc, "cwd/.", O_RDONLY | O_DIRECTORY, NULL), -ELOOP);
	assert_int_equal(open_both(proc, "cwd", O_RDONLY | O_DIRECTORY, NULL), -ENOTDIR);
	assert_int_equal(open_both(proc, "exe", O_RDONLY, NULL), -ELOOP);
	assert_int_equal(open_both(proc, "status", O_RDONLY, NULL), 0);
	close(proc);
}

static void test_safe_openat_too_long(void **state)
{
	struct tree *t = *state;
	char *path = malloc(PATH_MAX + 2);

	assert_non_null(path);
	memset(path, 'a', PATH_MAX + 1);
	path[PATH_MAX + 1] = '\0';
	assert_int_equal(open_both(t->fd, path, O_RDONLY, NULL), -ENAMETOOLONG);
	free(path);
}

/* ---- safe_open_trusted_dir ---------------------------------------------- */

#define OTHER_UID 54321u

struct trusted {
	char base[PATH_MAX]; /* root-owned, 0755, below a trusted chain */
};

static int setup_trusted(void **state)
{
	static const char *const candidates[] = { "/run", "/var/cache", "/var/lib", "/var", "/" };
	struct trusted *tr;

	if (geteuid() != 0)
		return 0; /* the tests skip: they need chown */
	tr = calloc(1, sizeof(*tr));
	if (!tr)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
		int fd = safe_open_trusted_dir(candidates[i], 0, NULL);

		if (fd < 0)
			continue;
		close(fd);
		snprintf(tr->base, sizeof(tr->base), "%s/cubicle-test-trusted-XXXXXX",
			 strcmp(candidates[i], "/") == 0 ? "" : candidates[i]);
		if (!mkdtemp(tr->base) || chmod(tr->base, 0755) < 0)
			continue;
		*state = tr;
		return 0;
	}
	free(tr);
	return 0;
}

static int teardown_trusted(void **state)
{
	struct trusted *tr = *state;

	if (tr) {
		remove_tree(tr->base);
		free(tr);
	}
	return 0;
}

static struct trusted *trusted_or_skip(void **state)
{
	if (!*state)
		skip_because("the trusted-path tests need root (chown)");
	return *state;
}

static char *tpath(const struct trusted *tr, const char *rel)
{
	char *p;

	assert_true(asprintf(&p, "%s%s%s", tr->base, *rel ? "/" : "", rel) > 0);
	return p;
}

static void tmkdir(const struct trusted *tr, const char *rel, mode_t mode, uid_t owner)
{
	char *p = tpath(tr, rel);

	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chown(p, owner, (gid_t)-1), 0);
	assert_int_equal(chmod(p, mode), 0);
	free(p);
}

/* Asserts the result of safe_open_trusted_dir(base/rel, owner_ok), and what it blames. */
static void check_trusted(const struct trusted *tr, const char *rel, uid_t owner_ok, int expect,
			  const char *bad_rel)
{
	char *path = tpath(tr, rel);
	const char *bad = NULL;
	int fd = safe_open_trusted_dir(path, owner_ok, &bad);

	if (expect == 0) {
		struct stat st;

		if (fd < 0)
			fail_msg("%s: %d (%s)", path, fd, bad ? bad : "");
		assert_int_equal(fstat(fd, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		close(fd);
	} else {
		if (fd != expect)
			fail_msg("%s: %d, expected %d", path, fd, expect);
		if (bad_rel) {
			char *want = tpath(tr, bad_rel);

			assert_non_null(bad);
			assert_string_equal(bad, want);
			free(want);
		}
	}
	free(path);
}

static void test_trusted_ok(void **state)
{
	struct trusted *tr = trusted_or_skip(state);
	int fd;

	fd = safe_open_trusted_dir("/", 0, NULL);
	assert_true(fd >= 0);
	close(fd);
	tmkdir(tr, "a", 0755, 0);
	tmkdir(tr, "a/mine", 0755, OTHER_UID);
	check_trusted(tr, "", 0, 0, NULL);
	check_trusted(tr, "a", 0, 0, NULL);
	check_trusted(tr, "a/", 0, 0, NULL);
	/* the last directory may belong to the user */
	check_trusted(tr, "a/mine", OTHER_UID, 0, NULL);
	/* ... and to no one else */
	check_trusted(tr, "a/mine", OTHER_UID + 1, -EPERM, "a/mine");
	check_trusted(tr, "a/mine", 0, -EPERM, "a/mine");
}

static void test_trusted_owner_above(void **state)
{
	struct trusted *tr = trusted_or_skip(state);

	/* a directory above the last one must be root's, even if it is the user's */
	tmkdir(tr, "u", 0755, OTHER_UID);
	tmkdir(tr, "u/box", 0755, 0);
	check_trusted(tr, "u/box", OTHER_UID, -EPERM, "u");
	check_trusted(tr, "u/box", 0, -EPERM, "u");
}

static void test_trusted_writable(void **state)
{
	struct trusted *tr = trusted_or_skip(state);

	tmkdir(tr, "g", 0775, 0);
	tmkdir(tr, "g/box", 0755, 0);
	check_trusted(tr, "g/box", 0, -EPERM, "g");
	tmkdir(tr, "o", 01777, 0);
	tmkdir(tr, "o/box", 0755, 0);
	check_trusted(tr, "o/box", 0, -EPERM, "o");
	tmkdir(tr, "w", 0755, 0);
	tmkdir(tr, "w/box", 0770, OTHER_UID);
	check_trusted(tr, "w/box", OTHER_UID, -EPERM, "w/box");
}

static void test_trusted_symlinks(void **state)
{
	struct trusted *tr = trusted_or_skip(state);
	char *link;

	tmkdir(tr, "real", 0755, 0);
	tmkdir(tr, "real/box", 0755, 0);
	link = tpath(tr, "link");
	assert_int_equal(symlink("real", link), 0);
	free(link);
	check_trusted(tr, "link/box", 0, -ENOTDIR, "link");
	check_trusted(tr, "link", 0, -ENOTDIR, "link");
	check_trusted(tr, "real/box", 0, 0, NULL);
}

static void test_trusted_bad_paths(void **state)
{
	struct trusted *tr = trusted_or_skip(state);
	const char *bad = NULL;
	char *file;
	int fd;

	tmkdir(tr, "d", 0755, 0);
	check_trusted(tr, "d/missing", 0, -ENOENT, "d/missing");
	check_trusted(tr, "d/missing/x", 0, -ENOENT, "d/missing");
	check_trusted(tr, "d/..", 0, -EINVAL, NULL);
	check_trusted(tr, "d/./d", 0, -EINVAL, NULL);
	file = tpath(tr, "d/file");
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	free(file);
	check_trusted(tr, "d/file", 0, -ENOTDIR, "d/file");

	assert_int_equal(safe_open_trusted_dir("relative/path", 0, &bad), -EINVAL);
	assert_non_null(bad);
	assert_int_equal(safe_open_trusted_dir(NULL, 0, &bad), -EINVAL);
	assert_int_equal(safe_open_trusted_dir("", 0, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest openat_tests[] = {
		cmocka_unit_test(test_safe_openat_cases),
		cmocka_unit_test(test_safe_openat_root_is_root),
		cmocka_unit_test(test_safe_openat_create),
		cmocka_unit_test(test_safe_openat_content),
		cmocka_unit_test(test_safe_openat_magic_links),
		cmocka_unit_test(test_safe_openat_too_long),
	};
	const struct CMUnitTest trusted_tests[] = {
		cmocka_unit_test_setup_teardown(test_trusted_ok, setup_trusted, teardown_trusted),
		cmocka_unit_test_setup_teardown(test_trusted_owner_above, setup_trusted,
						teardown_trusted),
		cmocka_unit_test_setup_teardown(test_trusted_writable, setup_trusted,
						teardown_trusted),
		cmocka_unit_test_setup_teardown(test_trusted_symlinks, setup_trusted,
						teardown_trusted),
		cmocka_unit_test_setup_teardown(test_trusted_bad_paths, setup_trusted,
						teardown_trusted),
	};
	int failed;

	umask(022);
	failed =
		cmocka_run_group_tests_name("safe_openat", openat_tests, setup_tree, teardown_tree);
	failed += cmocka_run_group_tests_name("safe_open_trusted_dir", trusted_tests, NULL, NULL);
	return failed;
}
