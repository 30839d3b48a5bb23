/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/cgroup.c and its backends against fake cgroup trees in a
 * temporary directory: a v1 layout (memory, pids, "cpu,cpuacct", freezer), a
 * hybrid one (the same plus a v2 hierarchy without controllers) and a v2 one
 * (one hierarchy, "cpu memory pids" in its cgroup.controllers), with a fake
 * /proc beside them. cg_fake_fs makes the library create control files on
 * write and clear directories before rmdir, as cgroupfs does by itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "skip.h"

#include "cgroup.h"
#include "cgroup_internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define U	 CG_UNLIMITED
#define M	 (UINT64_C(1) << 20)
#define BASE	 "/cubicle"
#define USER	 "alice"
#define SID	 "0123456789abcdef"
#define USER_REL BASE "/" USER
#define LEAF	 USER_REL "/" SID

static const struct cg_limits no_limits = { U, U, U, U, 0 };

/* ---- the fake tree ----------------------------------------------------- */

enum kind { V1, HYBRID, V2 };

struct fake {
	char dir[PATH_MAX];
	enum kind kind;
	struct cg_layout l;
	char err[512];
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

/* "<fake>/<fmt...>" in one of a few rotating buffers */
static const char *fp(const struct fake *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static const char *fp(const struct fake *f, const char *fmt, ...)
{
	static char bufs[8][PATH_MAX];
	static unsigned next;
	char *b = bufs[next++ % 8];
	char rel[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	assert_true((size_t)snprintf(b, PATH_MAX, "%s/%s", f->dir, rel) < PATH_MAX);
	return b;
}

static void mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	if (mkdir(buf, 0755) < 0)
		assert_int_equal(errno, EEXIST);
}

static void put_file(const char *path, const char *content)
{
	char dir[PATH_MAX];
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	mkdirs(dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, content, strlen(content)), 0);
	close(fd);
}

/* The content of path, or NULL if it does not exist. */
static const char *get_file(const char *path)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		assert_int_equal(errno, ENOENT);
		return NULL;
	}
	assert_true(util_read_all(fd, buf, sizeof(buf)) >= 0);
	close(fd);
	return buf;
}

static void check_file(const char *path, const char *want)
{
	const char *got = get_file(path);

	if (!want && got)
		fail_msg("%s: exists (\"%s\"), expected it missing", path, got);
	if (want && !got)
		fail_msg("%s: missing, expected \"%s\"", path, want);
	if (want && strcmp(got, want) != 0)
		fail_msg("%s: \"%s\", expected \"%s\"", path, got, want);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* the same hierarchies, in the same order, with the same mounts, names and controllers */
static void assert_same_layout(const struct cg_layout *got, const struct cg_layout *want)
{
	assert_int_equal(got->n, want->n);
	for (size_t i = 0; i < want->n; i++) {
		assert_string_equal(got->h[i].mount, want->h[i].mount);
		assert_string_equal(got->h[i].name, want->h[i].name);
		assert_int_equal(got->h[i].v2, want->h[i].v2);
		assert_int_equal(got->h[i].ctrls, want->h[i].ctrls);
	}
}

static void add(struct fake *f, const char *sub, bool v2, unsigned ctrls, const char *name)
{
	mkdirs(fp(f, "%s", sub));
	assert_int_equal(cg_layout_add(&f->l, fp(f, "%s", sub), v2, ctrls, name), 0);
}

static int setup_kind(void **state, enum kind kind)
{
	struct fake *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/cubicle-test-cgroup-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->kind = kind;
	if (kind == V1 || kind == HYBRID) {
		add(f, "memory", false, CG_MEMORY, "memory");
		add(f, "pids", false, CG_PIDS, "pids");
		add(f, "cpu,cpuacct", false, CG_CPU, "cpu,cpuacct");
		add(f, "freezer", false, CG_FREEZER, "freezer");
		/* swap accounting on: the root has memsw files */
		put_file(fp(f, "memory/memory.memsw.limit_in_bytes"), "9223372036854771712\n");
	}
	if (kind == HYBRID) {
		add(f, "unified", true, 0, "");
		put_file(fp(f, "unified/cgroup.controllers"), "hugetlb\n");
	}
	if (kind == V2) {
		add(f, "v2", true, CG_MEMORY | CG_PIDS | CG_CPU, "");
		put_file(fp(f, "v2/cgroup.controllers"), "cpuset cpu io memory pids\n");
		put_file(fp(f, "v2/cgroup.subtree_control"), "");
	}
	mkdirs(fp(f, "proc"));
	snprintf(f->l.proc, sizeof(f->l.proc), "%s", fp(f, "proc"));
	cg_fake_fs = true;
	*state = f;
	return 0;
}

static int setup_v1(void **state)
{
	return setup_kind(state, V1);
}

static int setup_hybrid(void **state)
{
	return setup_kind(state, HYBRID);
}

static int setup_v2(void **state)
{
	return setup_kind(state, V2);
}

static int teardown(void **state)
{
	struct fake *f = *state;

	cg_fake_fs = false;
	cg_force_no_kill_file = false;
	remove_tree(f->dir);
	free(f);
	return 0;
}

/* The directories in every hierarchy of f's layout. */
static void check_dirs(const struct fake *f, const char *rel, bool want)
{
	for (size_t i = 0; i < f->l.n; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s%s", f->l.h[i].mount, rel);
		if (is_dir(path) != want)
			fail_msg("%s: %s", path, want ? "missing" : "still there");
	}
}

static void create_ok(struct fake *f, const struct cg_limits *user, const struct cg_limits *sess)
{
	int r = cg_create_session(&f->l, BASE, USER, SID, user, sess, f->err, sizeof(f->err));

	if (r != 0)
		fail_msg("cg_create_session: %d (%s)", r, f->err);
}

static void remove_all(struct fake *f)
{
	assert_int_equal(cg_remove(&f->l, LEAF), 0);
	assert_int_equal(cg_remove(&f->l, USER_REL), 0);
	assert_int_equal(cg_remove(&f->l, BASE), 0);
	check_dirs(f, BASE, false);
}

/* ---- limits, table-driven ---------------------------------------------- */

enum node { ROOT, BASE_N, USER_N, LEAF_N };

static const char *const node_rel[] = { "", BASE, USER_REL, LEAF };

struct expect {
	const char *hier; /* subdirectory of the fake: "memory", "v2" */
	enum node node;
	const char *file;
	const char *content; /* NULL: the file must not exist */
};

struct limits_case {
	const char *what;
	struct cg_limits user, sess;
	struct expect want[16];
};

static void check_case(const struct fake *f, const struct limits_case *c)
{
	for (size_t i = 0; i < ARRAY_SIZE(c->want) && c->want[i].hier; i++) {
		const struct expect *e = &c->want[i];
		const char *got = get_file(fp(f, "%s%s/%s", e->hier, node_rel[e->node], e->file));

		if ((!got) != (!e->content) || (got && strcmp(got, e->content) != 0))
			fail_msg("%s: %s%s/%s is %s%s%s, expected %s%s%s", c->what, e->hier,
				 node_rel[e->node], e->file, got ? "\"" : "", got ? got : "missing",
				 got ? "\"" : "", e->content ? "\"" : "",
				 e->content ? e->content : "missing", e->content ? "\"" : "");
	}
}

static void run_cases(struct fake *f, const struct limits_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (f->kind == V2) /* every case from a fresh root */
			put_file(fp(f, "v2/cgroup.subtree_control"), "");
		create_ok(f, &cases[i].user, &cases[i].sess);
		check_dirs(f, LEAF, true);
		check_case(f, &cases[i]);
		remove_all(f);
	}
}

static void test_limits_v1(void **state)
{
	static const struct limits_case cases[] = {
		{ "unlimited: still written, so that a lowered limit can be lifted",
		  { U, U, U, U, 0 },
		  { U, U, U, U, 0 },
		  {
			  { "memory", LEAF_N, "memory.limit_in_bytes", "-1" },
			  { "memory", LEAF_N, "memory.memsw.limit_in_bytes", "-1" },
			  { "memory", USER_N, "memory.limit_in_bytes", "-1" },
			  { "pids", LEAF_N, "pids.max", "max" },
			  { "pids", USER_N, "pids.max", "max" },
			  { "cpu,cpuacct", LEAF_N, "cpu.cfs_quota_us", "-1" },
			  { "cpu,cpuacct", LEAF_N, "cpu.cfs_period_us", "100000" },
			  { "cpu,cpuacct", LEAF_N, "cpu.shares", NULL },
			  { "cpu,cpuacct", USER_N, "cpu.cfs_quota_us", "-1" },
			  { "memory", BASE_N, "memory.limit_in_bytes", NULL },
			  { "freezer", LEAF_N, "freezer.state", NULL },
		  } },
		{ "session limits",
		  { U, U, U, U, 0 },
		  { 64 * M, 0, 20, 150, 100 },
		  {
			  { "memory", LEAF_N, "memory.limit_in_bytes", "67108864" },
			  { "memory", LEAF_N, "memory.memsw.limit_in_bytes", "67108864" },
			  { "memory", USER_N, "memory.limit_in_bytes", "-1" },
			  { "pids", LEAF_N, "pids.max", "20" },
			  { "pids", USER_N, "pids.max", "max" },
			  { "cpu,cpuacct", LEAF_N, "cpu.cfs_quota_us", "150000" },
			  { "cpu,cpuacct", LEAF_N, "cpu.cfs_period_us", "100000" },
			  { "cpu,cpuacct", LEAF_N, "cpu.shares", "1024" },
			  { "cpu,cpuacct", USER_N, "cpu.cfs_quota_us", "-1" },
			  { "cpu,cpuacct", USER_N, "cpu.shares", NULL },
		  } },
		{ "swap: memsw is memory + swap",
		  { U, U, U, U, 0 },
		  { 1024 * M, 512 * M, U, U, 0 },
		  {
			  { "memory", LEAF_N, "memory.limit_in_bytes", "1073741824" },
			  { "memory", LEAF_N, "memory.memsw.limit_in_bytes", "1610612736" },
		  } },
		{ "memory without a swap limit: memsw unlimited",
		  { U, U, U, U, 0 },
		  { 512 * M, U, U, U, 0 },
		  {
			  { "memory", LEAF_N, "memory.limit_in_bytes", "536870912" },
			  { "memory", LEAF_N, "memory.memsw.limit_in_bytes", "-1" },
		  } },
		{ "user limits on the user's node",
		  { 2048 * M, U, 512, 400, 10000 },
		  { U, U, U, U, 1 },
		  {
			  { "memory", USER_N, "memory.limit_in_bytes", "2147483648" },
			  { "pids", USER_N, "pids.max", "512" },
			  { "cpu,cpuacct", USER_N, "cpu.cfs_quota_us", "400000" },
			  { "cpu,cpuacct", USER_N, "cpu.shares", "102400" },
			  { "cpu,cpuacct", LEAF_N, "cpu.shares", "10" },
			  { "cpu,cpuacct", LEAF_N, "cpu.cfs_quota_us", "-1" },
			  { "memory", LEAF_N, "memory.limit_in_bytes", "-1" },
			  { "pids", LEAF_N, "pids.max", "max" },
		  } },
		{ "v1 leaf quota capped at the user's (v1 refuses more)",
		  { U, U, U, 100, 0 },
		  { U, U, U, 250, 0 },
		  {
			  { "cpu,cpuacct", USER_N, "cpu.cfs_quota_us", "100000" },
			  { "cpu,cpuacct", LEAF_N, "cpu.cfs_quota_us", "100000" },
		  } },
		{ "1% of a CPU, weight 50",
		  { U, U, U, U, 0 },
		  { U, U, U, 1, 50 },
		  {
			  { "cpu,cpuacct", LEAF_N, "cpu.cfs_quota_us", "1000" },
			  { "cpu,cpuacct", LEAF_N, "cpu.shares", "512" },
		  } },
	};

	run_cases(*state, cases, ARRAY_SIZE(cases));
}

static void test_limits_v2(void **state)
{
	static const struct limits_case cases[] = {
		{ "unlimited: no controller enabled, no limit file",
		  { U, U, U, U, 0 },
		  { U, U, U, U, 0 },
		  {
			  { "v2", ROOT, "cgroup.subtree_control", "" },
			  { "v2", BASE_N, "cgroup.subtree_control", NULL },
			  { "v2", USER_N, "cgroup.subtree_control", NULL },
			  { "v2", LEAF_N, "memory.max", NULL },
			  { "v2", LEAF_N, "pids.max", NULL },
			  { "v2", LEAF_N, "cpu.max", NULL },
		  } },
		{ "all limits: enabled on every ancestor",
		  { U, U, U, U, 0 },
		  { 64 * M, 0, 20, 150, 100 },
		  {
			  { "v2", ROOT, "cgroup.subtree_control", "+memory +pids +cpu" },
			  { "v2", BASE_N, "cgroup.subtree_control", "+memory +pids +cpu" },
			  { "v2", USER_N, "cgroup.subtree_control", "+memory +pids +cpu" },
			  { "v2", LEAF_N, "cgroup.subtree_control", NULL },
			  { "v2", LEAF_N, "memory.max", "67108864" },
			  { "v2", LEAF_N, "memory.swap.max", "0" },
			  { "v2", LEAF_N, "pids.max", "20" },
			  { "v2", LEAF_N, "cpu.max", "150000 100000" },
			  { "v2", LEAF_N, "cpu.weight", "100" },
			  { "v2", USER_N, "memory.max", "max" },
			  { "v2", USER_N, "memory.swap.max", "max" },
			  { "v2", USER_N, "pids.max", "max" },
			  { "v2", USER_N, "cpu.max", "max 100000" },
			  { "v2", USER_N, "cpu.weight", NULL },
		  } },
		{ "only what is needed: pids",
		  { U, U, U, U, 0 },
		  { U, U, 20, U, 0 },
		  {
			  { "v2", ROOT, "cgroup.subtree_control", "+pids" },
			  { "v2", BASE_N, "cgroup.subtree_control", "+pids" },
			  { "v2", USER_N, "cgroup.subtree_control", "+pids" },
			  { "v2", LEAF_N, "pids.max", "20" },
			  { "v2", USER_N, "pids.max", "max" },
			  { "v2", LEAF_N, "memory.max", NULL },
			  { "v2", LEAF_N, "cpu.max", NULL },
		  } },
		{ "user limits, weight only on the leaf",
		  { 2048 * M, U, 512, 400, 0 },
		  { U, U, U, U, 10000 },
		  {
			  { "v2", USER_N, "memory.max", "2147483648" },
			  { "v2", USER_N, "pids.max", "512" },
			  { "v2", USER_N, "cpu.max", "400000 100000" },
			  { "v2", LEAF_N, "memory.max", "max" },
			  { "v2", LEAF_N, "pids.max", "max" },
			  { "v2", LEAF_N, "cpu.max", "max 100000" },
			  { "v2", LEAF_N, "cpu.weight", "10000" },
		  } },
		{ "v2 leaf quota above the user's: written as is, the kernel takes the smaller",
		  { U, U, U, 100, 0 },
		  { U, U, U, 250, 0 },
		  {
			  { "v2", USER_N, "cpu.max", "100000 100000" },
			  { "v2", LEAF_N, "cpu.max", "250000 100000" },
			  { "v2", ROOT, "cgroup.subtree_control", "+cpu" },
		  } },
	};

	run_cases(*state, cases, ARRAY_SIZE(cases));
}

/* Root's cgroup.subtree_control already has what is needed: not written again. */
static void test_v2_already_enabled(void **state)
{
	struct fake *f = *state;
	struct cg_limits sess = { 64 * M, U, 20, U, 0 };

	put_file(fp(f, "v2/cgroup.subtree_control"), "cpu memory pids\n");
	create_ok(f, &no_limits, &sess);
	check_file(fp(f, "v2/cgroup.subtree_control"), "cpu memory pids\n");
	check_file(fp(f, "v2" BASE "/cgroup.subtree_control"), "+memory +pids");
	remove_all(f);
}

/* A config lowered, then lifted: the user's node gets "max" back, also on v2
 * where nothing needs the controller any more. */
static void test_v2_lift_limit(void **state)
{
	struct fake *f = *state;
	struct cg_limits user = { 64 * M, U, U, U, 0 };

	create_ok(f, &user, &no_limits);
	check_file(fp(f, "v2" USER_REL "/memory.max"), "67108864");
	assert_int_equal(cg_remove(&f->l, LEAF), 0);
	create_ok(f, &no_limits, &no_limits);
	check_file(fp(f, "v2" USER_REL "/memory.max"), "max");
	check_file(fp(f, "v2" LEAF "/memory.max"), "max");
	remove_all(f);
}

static void test_limits_hybrid(void **state)
{
	struct fake *f = *state;
	struct cg_limits sess = { 64 * M, U, 20, 150, 100 };

	create_ok(f, &no_limits, &sess);
	check_dirs(f, LEAF, true);
	check_file(fp(f, "memory" LEAF "/memory.limit_in_bytes"), "67108864");
	check_file(fp(f, "pids" LEAF "/pids.max"), "20");
	check_file(fp(f, "cpu,cpuacct" LEAF "/cpu.cfs_quota_us"), "150000");
	/* the v2 hierarchy beside them applies nothing: structure only */
	check_file(fp(f, "unified/cgroup.subtree_control"), NULL);
	check_file(fp(f, "unified" LEAF "/pids.max"), NULL);
	check_file(fp(f, "unified" LEAF "/memory.max"), NULL);
	remove_all(f);
}

/* Without swap accounting (no memsw at the root), memsw is left alone, and a
 * swap limit is refused rather than ignored. */
static void test_v1_no_swap_accounting(void **state)
{
	struct fake *f = *state;
	struct cg_limits sess = { 64 * M, U, U, U, 0 };
	struct cg_limits swap = { 64 * M, 0, U, U, 0 };
	struct cg_limits swap_only = { U, 0, U, U, 0 };

	assert_int_equal(unlink(fp(f, "memory/memory.memsw.limit_in_bytes")), 0);
	create_ok(f, &no_limits, &sess);
	check_file(fp(f, "memory" LEAF "/memory.limit_in_bytes"), "67108864");
	check_file(fp(f, "memory" LEAF "/memory.memsw.limit_in_bytes"), NULL);
	remove_all(f);

	assert_int_equal(cg_create_session(&f->l, BASE, USER, SID, &no_limits, &swap, f->err,
					   sizeof(f->err)),
			 -EOPNOTSUPP);
	assert_non_null(strstr(f->err, "swap accounting is off"));
	check_dirs(f, BASE, false);

	put_file(fp(f, "memory/memory.memsw.limit_in_bytes"), "0");
	assert_int_equal(cg_create_session(&f->l, BASE, USER, SID, &no_limits, &swap_only, f->err,
					   sizeof(f->err)),
			 -EOPNOTSUPP);
	assert_non_null(strstr(f->err, "memory_swap_max needs memory_max"));
	check_dirs(f, BASE, false);
}

/* ---- creation: existing leaf, failures half-way, refused input ----------- */

static void test_create_exists(void **state)
{
	struct fake *f = *state;
	char stale[PATH_MAX];

	create_ok(f, &no_limits, &no_limits);
	f->err[0] = '\0';
	assert_int_equal(cg_create_session(&f->l, BASE, USER, SID, &no_limits, &no_limits, f->err,
					   sizeof(f->err)),
			 -EEXIST);
	assert_non_null(strstr(f->err, "exists"));
	assert_non_null(strstr(f->err, LEAF));
	/* what was there stays */
	check_dirs(f, LEAF, true);
	remove_all(f);

	/* a stale leaf in the last hierarchy only: the others are not left behind */
	snprintf(stale, sizeof(stale), "%s" LEAF, f->l.h[f->l.n - 1].mount);
	mkdirs(stale);
	assert_int_equal(cg_create_session(&f->l, BASE, USER, SID, &no_limits, &no_limits, f->err,
					   sizeof(f->err)),
			 -EEXIST);
	assert_true(is_dir(stale));
	for (size_t i = 0; i + 1 < f->l.n; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s" BASE, f->l.h[i].mount);
		assert_false(exists(path));
	}
}

/* A limit write fails in the second hierarchy: everything this call made goes,
 * what was there before stays. */
static void test_create_fails_on_write(void **state)
{
	struct fake *f = *state;
	struct cg_limits user = { U, U, 100, U, 0 };
	char want[PATH_MAX + 64];

	/* the pids hierarchy has the user's node already, with pids.max a directory */
	mkdirs(fp(f, "pids" USER_REL "/pids.max"));
	assert_int_equal(cg_create_session(&f->l, BASE, USER, SID, &user, &no_limits, f->err,
					   sizeof(f->err)),
			 -EISDIR);
	snprintf(want, sizeof(want), "write %s: Is a directory",
		 fp(f, "pids" USER_REL "/pids.max"));
	assert_string_equal(f->err, want);
	/* memory: made it all, removed it all */
	assert_false(exists(fp(f, "memory" BASE)));
	/* pids: only the leaf was new */
	assert_true(is_dir(fp(f, "pids" USER_REL)));
	assert_false(exists(fp(f, "pids" LEAF)));
	/* cpu and freezer: never reached */
	assert_false(exists(fp(f, "cpu,cpuacct" BASE)));
	assert_false(exists(fp(f, "freezer" BASE)));
}

/* mkdir fails (a file where the base should be) in the third hierarchy. */
static void test_create_fails_on_mkdir(void **state)
{
	struct fake *f = *state;
	char want[PATH_MAX + 64];

	put_file(fp(f, "cpu,cpuacct" BASE), "not a directory");
	assert_int_equal(cg_create_session(&f->l, BASE, USER, SID, &no_limits, &no_limits, f->err,
					   sizeof(f->err)),
			 -ENOTDIR);
	snprintf(want, sizeof(want), "mkdir %s: Not a directory", fp(f, "cpu,cpuacct" BASE));
	assert_string_equal(f->err, want);
	assert_false(exists(fp(f, "memory" BASE)));
	assert_false(exists(fp(f, "pids" BASE)));
	assert_false(exists(fp(f, "freezer" BASE)));
	assert_int_equal(unlink(fp(f, "cpu,cpuacct" BASE)), 0);
}

/* An existing base and user node survive a failure; the modes are 0755. */
static void test_create_keeps_ancestors(void **state)
{
	struct fake *f = *state;
	struct stat st;
	mode_t old = umask(077);

	mkdirs(fp(f, "v2" USER_REL));
	mkdirs(fp(f, "v2" LEAF "/x")); /* a stale leaf */
	assert_int_equal(cg_create_session(&f->l, BASE, USER, SID, &no_limits, &no_limits, f->err,
					   sizeof(f->err)),
			 -EEXIST);
	assert_true(is_dir(fp(f, "v2" LEAF "/x")));
	remove_tree(fp(f, "v2" BASE));

	/* made under umask 077, the directories are 0755 all the same */
	create_ok(f, &no_limits, &no_limits);
	umask(old);
	assert_int_equal(lstat(fp(f, "v2" BASE), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(lstat(fp(f, "v2" LEAF), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	remove_all(f);
}

static void test_missing_controller(void **state)
{
	static const struct {
		struct cg_limits lim;
		const char *ctrl;
	} cases[] = {
		{ { U, U, 20, U, 0 }, "pids" },	 { { U, U, U, 50, 0 }, "cpu" },
		{ { U, U, U, U, 100 }, "cpu" },	 { { 64 * M, U, U, U, 0 }, "memory" },
		{ { U, 0, U, U, 0 }, "memory" },
	};
	struct fake *f = *state;
	struct cg_layout none = { .n = 0 };

	strcpy(none.proc, f->l.proc);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char want[64];

		f->err[0] = '\0';
		assert_int_equal(cg_create_session(&none, BASE, USER, SID, &no_limits,
						   &cases[i].lim, f->err, sizeof(f->err)),
				 -EOPNOTSUPP);
		snprintf(want, sizeof(want), "the %s cgroup controller", cases[i].ctrl);
		assert_non_null(strstr(f->err, want));
		/* the same need on the user's node */
		assert_int_equal(cg_create_session(&none, BASE, USER, SID, &cases[i].lim,
						   &no_limits, f->err, sizeof(f->err)),
				 -EOPNOTSUPP);
	}
	/* a layout with memory only */
	assert_int_equal(cg_layout_add(&none, fp(f, "memory"), false, CG_MEMORY, "memory"), 0);
	assert_int_equal(cg_create_session(&none, BASE, USER, SID, &no_limits, &cases[0].lim,
					   f->err, sizeof(f->err)),
			 -EOPNOTSUPP);
	assert_non_null(strstr(f->err, "pids"));
	assert_false(exists(fp(f, "memory" BASE)));
	/* unlimited needs nothing */
	create_ok(f, &no_limits, &no_limits);
	remove_all(f);
}

static void test_bad_input(void **state)
{
	static const char *const bad_users[] = {
		"", ".", "..", "a/b", "../x", "a b", "a2345678901234567890123456789012345"
	};
	static const char *const bad_sids[] = { "",
						"ABCDEF",
						"xyz",
						"0123-4567",
						"../0",
						("0123456789abcdef0123456789abcdef"
						 "0123456789abcdef0123456789abcdef0") };
	static const char *const bad_bases[] = { "",	    "cubicle", "/cubicle/", "//cubicle",
						 "/a/../b", "/a/./b",  "/a\nb" };
	struct fake *f = *state;
	struct cg_limits cpu0 = { U, U, U, 0, 0 };
	struct cg_limits weight = { U, U, U, U, 10001 };
	char longbase[600];

	for (size_t i = 0; i < ARRAY_SIZE(bad_users); i++)
		assert_int_equal(cg_create_session(&f->l, BASE, bad_users[i], SID, &no_limits,
						   &no_limits, f->err, sizeof(f->err)),
				 -EINVAL);
	assert_int_equal(cg_create_session(&f->l, BASE, NULL, SID, &no_limits, &no_limits, NULL, 0),
			 -EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(bad_sids); i++)
		assert_int_equal(cg_create_session(&f->l, BASE, USER, bad_sids[i], &no_limits,
						   &no_limits, f->err, sizeof(f->err)),
				 -EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(bad_bases); i++)
		assert_int_equal(cg_create_session(&f->l, bad_bases[i], USER, SID, &no_limits,
						   &no_limits, f->err, sizeof(f->err)),
				 -EINVAL);
	assert_int_equal(cg_create_session(&f->l, NULL, USER, SID, &no_limits, &no_limits, f->err,
					   sizeof(f->err)),
			 -EINVAL);
	assert_int_equal(cg_create_session(&f->l, BASE, USER, SID, &no_limits, &cpu0, f->err,
					   sizeof(f->err)),
			 -EINVAL);
	assert_non_null(strstr(f->err, "cpu_max"));
	assert_int_equal(cg_create_session(&f->l, BASE, USER, SID, &weight, &no_limits, f->err,
					   sizeof(f->err)),
			 -EINVAL);
	assert_non_null(strstr(f->err, "cpu_weight"));
	/* a base that leaves no room for <user>/<sid> */
	longbase[0] = '/';
	memset(longbase + 1, 'b', sizeof(longbase) - 2);
	longbase[sizeof(longbase) - 1] = '\0';
	longbase[300] = '/';
	assert_int_equal(cg_create_session(&f->l, longbase, USER, SID, &no_limits, &no_limits,
					   f->err, sizeof(f->err)),
			 -EINVAL);
	longbase[500] = '\0';
	assert_int_equal(cg_create_session(&f->l, longbase, USER, SID, &no_limits, &no_limits,
					   f->err, sizeof(f->err)),
			 -ENAMETOOLONG);
	check_dirs(f, BASE, false);

	/* the other entry points refuse bad paths too, and never touch a root */
	assert_int_equal(cg_attach(&f->l, "relative", 1, NULL, 0), -EINVAL);
	assert_int_equal(cg_attach(&f->l, LEAF, 0, NULL, 0), -EINVAL);
	assert_int_equal(cg_attach(&f->l, "/a/../b", 1, NULL, 0), -EINVAL);
	assert_int_equal(cg_remove(&f->l, "/"), -EINVAL);
	assert_int_equal(cg_remove(&f->l, "/a/"), -EINVAL);
	assert_int_equal(cg_kill(&f->l, "/", 10), -EINVAL);
	assert_int_equal(cg_kill(&f->l, "x", 10), -EINVAL);
	assert_int_equal(cg_pid_in(&f->l, 1, "x"), -EINVAL);
	assert_int_equal(cg_pid_in(&f->l, 0, LEAF), -EINVAL);
}

/* base "/": the user's node right under the hierarchy's root */
static void test_base_root(void **state)
{
	struct fake *f = *state;

	assert_int_equal(cg_create_session(&f->l, "/", USER, SID, &no_limits, &no_limits, f->err,
					   sizeof(f->err)),
			 0);
	check_dirs(f, "/" USER "/" SID, true);
	assert_int_equal(cg_remove(&f->l, "/" USER "/" SID), 0);
	assert_int_equal(cg_remove(&f->l, "/" USER), 0);
	check_dirs(f, "/" USER, false);
}

/* ---- attach, /proc/PID/cgroup --------------------------------------------- */

static void test_attach(void **state)
{
	struct fake *f = *state;

	create_ok(f, &no_limits, &no_limits);
	assert_int_equal(cg_attach(&f->l, LEAF, 4242, f->err, sizeof(f->err)), 0);
	for (size_t i = 0; i < f->l.n; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s%s/cgroup.procs", f->l.h[i].mount, LEAF);
		check_file(path, "4242");
	}
	assert_int_equal(cg_remove(&f->l, LEAF), 0);
	/* gone: the error names the file */
	assert_int_equal(cg_attach(&f->l, LEAF, 4242, f->err, sizeof(f->err)), -ENOENT);
	assert_non_null(strstr(f->err, "write "));
	assert_non_null(strstr(f->err, LEAF "/cgroup.procs: No such file or directory"));
	remove_all(f);
}

static void write_pid_cgroup(struct fake *f, pid_t pid, const char *v2_path, const char *v1_path)
{
	char text[2048];
	size_t len = 0;

	switch (f->kind) {
	case V2:
		len += (size_t)snprintf(text + len, sizeof(text) - len, "0::%s\n", v2_path);
		break;
	case HYBRID:
	case V1:
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"12:name=systemd:/user.slice\n"
					"11:freezer:%s\n"
					"10:cpu,cpuacct:%s\n"
					"9:devices:/user.slice\n"
					"8:pids:%s\n"
					"7:memory:%s\n",
					v1_path, v1_path, v1_path, v1_path);
		if (f->kind == HYBRID)
			len += (size_t)snprintf(text + len, sizeof(text) - len, "0::%s\n", v2_path);
		break;
	}
	put_file(fp(f, "proc/%d/cgroup", (int)pid), text);
}

static void test_pid_cgroups(void **state)
{
	struct fake *f = *state;
	char got[CG_HIER_MAX][CG_PATH_MAX];

	write_pid_cgroup(f, 100, "/system.slice/ssh.service", "/system.slice/ssh.service");
	assert_int_equal(cg_pid_cgroups(&f->l, 100, got), 0);
	for (size_t i = 0; i < f->l.n; i++)
		assert_string_equal(got[i], "/system.slice/ssh.service");
	assert_int_equal(cg_pid_in(&f->l, 100, "/system.slice/ssh.service"), 1);
	assert_int_equal(cg_pid_in(&f->l, 100, "/system.slice"), 0);
	assert_int_equal(cg_pid_in(&f->l, 100, LEAF), 0);

	write_pid_cgroup(f, 101, LEAF, LEAF);
	assert_int_equal(cg_pid_in(&f->l, 101, LEAF), 1);
	if (f->kind == HYBRID) {
		/* in the session in the v1 hierarchies only: not in it */
		write_pid_cgroup(f, 102, "/", LEAF);
		assert_int_equal(cg_pid_in(&f->l, 102, LEAF), 0);
		assert_int_equal(cg_pid_cgroups(&f->l, 102, got), 0);
		assert_string_equal(got[0], LEAF);
		assert_string_equal(got[f->l.n - 1], "/");
	}

	/* a process that is gone; a hierarchy missing from the file: ret untouched */
	memset(got, 'x', sizeof(got));
	assert_int_equal(cg_pid_cgroups(&f->l, 999999, got), -ESRCH);
	assert_int_equal(cg_pid_in(&f->l, 999999, LEAF), -ESRCH);
	put_file(fp(f, "proc/103/cgroup"), "5:devices:/\n");
	assert_int_equal(cg_pid_cgroups(&f->l, 103, got), -ENOENT);
	assert_int_equal(got[0][0], 'x');
	assert_int_equal(cg_pid_cgroups(&f->l, -1, got), -EINVAL);
}

/* cg_attach_each puts a process back where cg_pid_cgroups found it. */
static void test_attach_each(void **state)
{
	struct fake *f = *state;
	char orig[CG_HIER_MAX][CG_PATH_MAX];

	write_pid_cgroup(f, 100, "/system.slice/ssh.service", "/user.slice");
	assert_int_equal(cg_pid_cgroups(&f->l, 100, orig), 0);
	for (size_t i = 0; i < f->l.n; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s%s", f->l.h[i].mount, orig[i]);
		mkdirs(path);
	}
	assert_int_equal(cg_attach_each(&f->l, orig, 100), 0);
	for (size_t i = 0; i < f->l.n; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s%s/cgroup.procs", f->l.h[i].mount, orig[i]);
		check_file(path, "100");
	}
	strcpy(orig[0], "../etc");
	assert_int_equal(cg_attach_each(&f->l, orig, 100), -EINVAL);
	assert_int_equal(cg_attach_each(&f->l, orig, 0), -EINVAL);
}

/* ---- remove, stats ------------------------------------------------------------- */

static void test_remove(void **state)
{
	struct fake *f = *state;

	create_ok(f, &no_limits, &no_limits);
	/* the user's node has a session in it */
	assert_int_equal(cg_remove(&f->l, USER_REL), -EBUSY);
	check_dirs(f, LEAF, true);
	/* a child cgroup in the first hierarchy: busy, but the others are removed */
	mkdirs(fp(f, "%s" LEAF "/child", f->kind == V2 ? "v2" : "memory"));
	assert_int_equal(cg_remove(&f->l, LEAF), -EBUSY);
	assert_true(is_dir(fp(f, "%s" LEAF, f->kind == V2 ? "v2" : "memory")));
	if (f->kind != V2)
		assert_false(exists(fp(f, "pids" LEAF)));
	assert_int_equal(rmdir(fp(f, "%s" LEAF "/child", f->kind == V2 ? "v2" : "memory")), 0);
	assert_int_equal(cg_remove(&f->l, LEAF), 0);
	/* already gone: fine */
	assert_int_equal(cg_remove(&f->l, LEAF), 0);
	remove_all(f);
}

static void test_stats(void **state)
{
	struct fake *f = *state;
	unsigned procs = 77;
	uint64_t mem = 77;

	assert_int_equal(cg_stats(&f->l, LEAF, &procs, &mem), -ENOENT);
	assert_int_equal(procs, 77);
	create_ok(f, &no_limits, &no_limits);
	if (f->kind == V2) {
		put_file(fp(f, "v2" LEAF "/cgroup.procs"), "10\n11\n12\n");
		put_file(fp(f, "v2" LEAF "/memory.current"), "4096\n");
	} else {
		put_file(fp(f, "memory" LEAF "/cgroup.procs"), "10\n11\n");
		put_file(fp(f, "pids" LEAF "/cgroup.procs"), "10\n11\n12\n");
		put_file(fp(f, "memory" LEAF "/memory.usage_in_bytes"), "4096\n");
	}
	assert_int_equal(cg_stats(&f->l, LEAF, &procs, &mem), 0);
	assert_int_equal(procs, 3);
	assert_int_equal(mem, 4096);

	/* no memory controller: memory unknown */
	{
		struct cg_layout l = f->l;

		for (size_t i = 0; i < l.n; i++)
			l.h[i].ctrls &= ~(unsigned)CG_MEMORY;
		assert_int_equal(cg_stats(&l, LEAF, &procs, &mem), 0);
		assert_true(mem == CG_UNLIMITED);
	}
	/* an empty cgroup */
	assert_int_equal(cg_stats(&f->l, USER_REL, &procs, &mem), 0);
	assert_int_equal(procs, 0);
	assert_int_equal(cg_stats(&f->l, "bad", &procs, &mem), -EINVAL);
	remove_all(f);
}

/* ---- kill ------------------------------------------------------------------ */

static void test_kill_file(void **state)
{
	struct fake *f = *state;
	const char *v2 = f->kind == V2 ? "v2" : "unified";

	create_ok(f, &no_limits, &no_limits);
	/* a kernel with cgroup.kill (5.14) */
	put_file(fp(f, "%s" LEAF "/cgroup.events", v2), "populated 0\nfrozen 0\n");
	put_file(fp(f, "%s" LEAF "/cgroup.kill", v2), "");
	assert_int_equal(cg_kill(&f->l, LEAF, 1000), 0);
	check_file(fp(f, "%s" LEAF "/cgroup.kill", v2), "1");
	/* the freeze path was not needed */
	check_file(fp(f, "%s" LEAF "/cgroup.freeze", v2), NULL);
	check_file(fp(f, "freezer" LEAF "/freezer.state"), NULL);
	remove_all(f);
}

static void test_kill_forced_fallback(void **state)
{
	struct fake *f = *state;
	const char *v2 = f->kind == V2 ? "v2" : "unified";

	create_ok(f, &no_limits, &no_limits);
	if (f->kind != V1) {
		put_file(fp(f, "%s" LEAF "/cgroup.kill", v2), "");
		put_file(fp(f, "%s" LEAF "/cgroup.events", v2), "populated 0\nfrozen 1\n");
	}
	cg_force_no_kill_file = true;
	assert_int_equal(cg_kill(&f->l, LEAF, 1000), 0);
	if (f->kind != V1)
		check_file(fp(f, "%s" LEAF "/cgroup.kill", v2), "");
	if (f->kind == V2) {
		/* frozen, then thawed */
		check_file(fp(f, "v2" LEAF "/cgroup.freeze"), "0");
	} else {
		/* the v1 freezer is preferred where there is one */
		check_file(fp(f, "freezer" LEAF "/freezer.state"), "THAWED");
		if (f->kind == HYBRID)
			check_file(fp(f, "unified" LEAF "/cgroup.freeze"), NULL);
	}
	/* a cgroup that is gone already: nothing to do */
	remove_all(f);
	assert_int_equal(cg_kill(&f->l, LEAF, 100), 0);
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(30); /* never outlive the test */
		for (;;)
			pause();
	}
	return pid;
}

/*
 * The fallback signals what cgroup.procs lists, but only processes /proc
 * places inside the cgroup: a listed pid that /proc shows elsewhere (reused
 * meanwhile) is left alone. The fake cgroup.procs never empties: -ETIMEDOUT.
 */
static void test_kill_signals_members_only(void **state)
{
	struct fake *f = *state;
	pid_t in = spawn_sleeper(), out = spawn_sleeper();
	const char *first = f->kind == V2 ? "v2" : "pids";
	char list[64];
	uint64_t t0, ms;
	int status;

	create_ok(f, &no_limits, &no_limits);
	snprintf(list, sizeof(list), "%d\n%d\n", (int)in, (int)out);
	put_file(fp(f, "%s" LEAF "/cgroup.procs", first), list);
	write_pid_cgroup(f, in, LEAF, LEAF);
	write_pid_cgroup(f, out, "/elsewhere", "/elsewhere");
	cg_force_no_kill_file = true;
	t0 = cg_now_ns();
	assert_int_equal(cg_kill(&f->l, LEAF, 200), -ETIMEDOUT);
	ms = (cg_now_ns() - t0) / 1000000;
	assert_true(ms >= 200 && ms < 2000);
	assert_int_equal(waitpid(in, &status, 0), in);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(waitpid(out, &status, WNOHANG), 0);
	kill(out, SIGKILL);
	assert_int_equal(waitpid(out, &status, 0), out);
	put_file(fp(f, "%s" LEAF "/cgroup.procs", first), "");
	remove_all(f);
}

/* The caller inside the cgroup it is about to kill: refused. */
static void test_kill_refuses_self(void **state)
{
	struct fake *f = *state;

	create_ok(f, &no_limits, &no_limits);
	write_pid_cgroup(f, getpid(), LEAF "/deeper", LEAF "/deeper");
	assert_int_equal(cg_kill(&f->l, LEAF, 100), -EDEADLK);
	write_pid_cgroup(f, getpid(), "/", "/");
	assert_int_equal(cg_kill(&f->l, LEAF, 100), 0);
	remove_all(f);
}

/* ---- layout and detection ------------------------------------------------------ */

static void test_layout_add(void **state)
{
	struct cg_layout l = { .n = 0 };
	char longname[40];

	(void)state;
	assert_int_equal(cg_layout_add(&l, "relative", false, CG_MEMORY, "memory"), -EINVAL);
	assert_int_equal(cg_layout_add(&l, "/sys/fs/cgroup", true, 0, "memory"), -EINVAL);
	assert_int_equal(cg_layout_add(&l, "/sys/fs/cgroup/memory", false, CG_MEMORY, ""), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(cg_layout_add(&l, "/x", false, CG_MEMORY, longname), -ENAMETOOLONG);
	for (int i = 0; i < CG_HIER_MAX; i++)
		assert_int_equal(cg_layout_add(&l, "/x", false, CG_PIDS, "pids"), 0);
	assert_int_equal(cg_layout_add(&l, "/x", false, CG_PIDS, "pids"), -ENOSPC);
	assert_int_equal(l.n, CG_HIER_MAX);
}

static void test_ctrls(void **state)
{
	struct cg_layout l = { .n = 0 };
	struct cg_limits lim = no_limits;

	(void)state;
	assert_int_equal(cg_limits_ctrls(&lim), 0);
	assert_int_equal(cg_limits_ctrls(NULL), 0);
	lim.memory_swap_max = 0;
	assert_int_equal(cg_limits_ctrls(&lim), CG_MEMORY);
	lim.pids_max = 1;
	assert_int_equal(cg_limits_ctrls(&lim), CG_MEMORY | CG_PIDS);
	lim = no_limits;
	lim.cpu_weight = 100;
	assert_int_equal(cg_limits_ctrls(&lim), CG_CPU);
	lim.cpu_weight = 0;
	lim.cpu_max_percent = 100;
	assert_int_equal(cg_limits_ctrls(&lim), CG_CPU);

	assert_int_equal(cg_missing_ctrls(&l, CG_MEMORY | CG_PIDS), CG_MEMORY | CG_PIDS);
	assert_int_equal(cg_layout_add(&l, "/a", false, CG_MEMORY | CG_PIDS, "memory,pids"), 0);
	assert_int_equal(cg_layout_add(&l, "/b", true, CG_CPU, ""), 0);
	assert_int_equal(cg_missing_ctrls(&l, CG_MEMORY | CG_PIDS | CG_CPU), 0);
	assert_int_equal(cg_missing_ctrls(&l, CG_FREEZER | CG_CPU), CG_FREEZER);
}

struct detect_dir {
	char dir[PATH_MAX];
};

static int setup_detect(void **state)
{
	struct detect_dir *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	snprintf(d->dir, sizeof(d->dir), "/tmp/cubicle-test-cgdetect-XXXXXX");
	if (!mkdtemp(d->dir))
		return -1;
	*state = d;
	return 0;
}

static int teardown_detect(void **state)
{
	struct detect_dir *d = *state;

	remove_tree(d->dir);
	free(d);
	return 0;
}

static char *dpath(const struct detect_dir *d, const char *rel)
{
	static char bufs[4][PATH_MAX];
	static unsigned next;
	char *b = bufs[next++ % 4];

	assert_true((size_t)snprintf(b, PATH_MAX, "%s/%s", d->dir, rel) < PATH_MAX);
	return b;
}

static const struct cg_hier *find_hier(const struct cg_layout *l, const char *mount)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->h[i].mount, mount) == 0)
			return &l->h[i];
	return NULL;
}

/* gcc does not know fail_msg() ends the test: hand back something to read */
static const struct cg_hier *must_find(const struct cg_layout *l, const char *mount)
{
	static const struct cg_hier none;
	const struct cg_hier *h = find_hier(l, mount);

	if (!h) {
		fail_msg("no hierarchy at %s", mount);
		return &none;
	}
	return h;
}

static void detect(const struct detect_dir *d, const char *mountinfo, const char *self,
		   struct cg_layout *ret)
{
	int r;

	put_file(dpath(d, "mountinfo"), mountinfo);
	put_file(dpath(d, "self_cgroup"), self);
	/* with libcgroup: it answers from the real mount table, which names none
	 * of the fake mounts, so every answer must be checked and dropped */
	r = cg_detect_from(dpath(d, "mountinfo"), dpath(d, "self_cgroup"), NULL, ret);
	if (r != 0)
		fail_msg("cg_detect_from: %d", r);
}

static void test_detect_hybrid(void **state)
{
	const struct detect_dir *d = *state;
	struct cg_layout l;
	const struct cg_hier *h;
	char *mi, self[1024];
	int n;

	mkdirs(dpath(d, "cg/unified"));
	put_file(dpath(d, "cg/unified/cgroup.controllers"), "hugetlb\n");
	n = asprintf(&mi,
		     "31 23 0:28 / %1$s/cg rw,relatime shared:9 - tmpfs tmpfs rw,mode=755\n"
		     "32 31 0:29 / %1$s/cg/cpu,cpuacct rw,relatime shared:10 - cgroup cgroup "
		     "rw,cpu,cpuacct\n"
		     "35 31 0:32 / %1$s/cg/memory rw,relatime - cgroup cgroup rw,memory\n"
		     "37 31 0:34 / %1$s/cg/free\\040zer rw,relatime - cgroup cgroup rw,freezer\n"
		     "39 31 0:36 / %1$s/cg/pids rw,relatime - cgroup cgroup rw,pids\n"
		     "40 31 0:37 / %1$s/cg/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
		     "41 31 0:38 / %1$s/cg/unified rw,relatime - cgroup2 cgroup2 rw\n"
		     "50 31 0:32 /sub %1$s/elsewhere/memory rw - cgroup cgroup rw,memory\n",
		     d->dir);
	assert_true(n > 0);
	snprintf(self, sizeof(self),
		 "9:name=systemd:/\n8:pids:/\n6:freezer:/\n4:memory:/process_api/x\n"
		 "2:cpu,cpuacct:/\n0::/\n");
	detect(d, mi, self, &l);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.proc, "/proc");
	h = must_find(&l, dpath(d, "cg/memory"));
	assert_false(h->v2);
	assert_int_equal(h->ctrls, CG_MEMORY);
	assert_string_equal(h->name, "memory");
	h = must_find(&l, dpath(d, "cg/cpu,cpuacct"));
	assert_int_equal(h->ctrls, CG_CPU);
	assert_string_equal(h->name, "cpu,cpuacct");
	h = must_find(&l, dpath(d, "cg/free zer"));
	assert_int_equal(h->ctrls, CG_FREEZER);
	h = must_find(&l, dpath(d, "cg/pids"));
	assert_string_equal(h->name, "pids");
	h = must_find(&l, dpath(d, "cg/unified"));
	assert_true(h->v2);
	assert_int_equal(h->ctrls, 0);
	assert_string_equal(h->name, "");
	assert_null(find_hier(&l, dpath(d, "cg/systemd")));
	assert_null(find_hier(&l, dpath(d, "elsewhere/memory")));
	free(mi);
}

static void test_detect_v2(void **state)
{
	const struct detect_dir *d = *state;
	struct cg_layout l;
	char *mi;
	int n;

	mkdirs(dpath(d, "cg2"));
	put_file(dpath(d, "cg2/cgroup.controllers"),
		 "cpuset cpu io memory hugetlb pids rdma misc\n");
	n = asprintf(&mi,
		     "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
		     "30 24 0:26 / %s/cg2 rw,nosuid,nodev,noexec,relatime shared:4 - "
		     "cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n",
		     d->dir);
	assert_true(n > 0);
	detect(d, mi, "0::/user.slice/user-1000.slice/session-2.scope\n", &l);
	assert_int_equal(l.n, 1);
	assert_true(l.h[0].v2);
	assert_string_equal(l.h[0].mount, dpath(d, "cg2"));
	assert_int_equal(l.h[0].ctrls, CG_MEMORY | CG_PIDS | CG_CPU);

	/* a v2 hierarchy with some controllers only */
	put_file(dpath(d, "cg2/cgroup.controllers"), "memory\n");
	detect(d, mi, "0::/\n", &l);
	assert_int_equal(l.h[0].ctrls, CG_MEMORY);
	free(mi);
}

static void test_detect_v1_comounted(void **state)
{
	const struct detect_dir *d = *state;
	struct cg_layout l;
	char *mi;
	int n;

	n = asprintf(&mi,
		     "32 31 0:29 / %1$s/mp rw - cgroup cgroup rw,memory,pids\n"
		     "33 31 0:30 / %1$s/cpu rw - cgroup cgroup rw,cpu\n",
		     d->dir);
	assert_true(n > 0);
	/* no freezer anywhere; cpu mounted but missing from /proc/self/cgroup: unused */
	detect(d, mi, "3:memory,pids:/\n", &l);
	free(mi);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.h[0].ctrls, CG_MEMORY | CG_PIDS);
	assert_string_equal(l.h[0].name, "memory,pids");
	assert_int_equal(cg_missing_ctrls(&l, CG_CPU | CG_FREEZER), CG_CPU | CG_FREEZER);

	assert_int_equal(cg_detect_from(dpath(d, "nonexistent"), dpath(d, "self_cgroup"), NULL, &l),
			 -ENOENT);
	put_file(dpath(d, "mountinfo"), "22 1 0:21 / /proc rw - proc proc rw\n");
	assert_int_equal(cg_detect_from(dpath(d, "mountinfo"), dpath(d, "self_cgroup"), NULL, &l),
			 -ENOENT);
}

/* The real machine: read-only, every hierarchy found is mounted and named as
 * /proc/self/cgroup names it. */
static void test_detect_real(void **state)
{
	struct cg_layout l;
	char self[4096];
	int fd, r;

	(void)state;
	r = cg_detect(&l);
	if (r == -ENOENT)
		skip_because("no cgroup hierarchy mounted here");
	assert_int_equal(r, 0);
	fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(util_read_all(fd, self, sizeof(self)) > 0);
	close(fd);
	for (size_t i = 0; i < l.n; i++) {
		char want[64];

		assert_true(is_dir(l.h[i].mount));
		snprintf(want, sizeof(want), ":%s:", l.h[i].name);
		if (!l.h[i].v2)
			assert_non_null(strstr(self, want));
		else
			assert_false(l.h[i].ctrls & CG_FREEZER);
	}
	if (l.n > 0) {
		char paths[CG_HIER_MAX][CG_PATH_MAX];

		assert_int_equal(cg_pid_cgroups(&l, getpid(), paths), 0);
		assert_int_equal(cg_pid_in(&l, getpid(), paths[0]) >= 0, 1);
	}
	/* libcgroup's view, checked against mountinfo, is the same layout */
	{
		struct cg_layout lcg;

		assert_int_equal(cg_detect_libcgroup(&lcg), 0);
		assert_same_layout(&lcg, &l);
	}
}


/* ---- the layout kept for the next reader (cgroup-cache.c) ------------------ */

struct cache_dir {
	char path[64];
	int fd;
};

static void cache_dir_make(struct cache_dir *d)
{
	snprintf(d->path, sizeof(d->path), "/tmp/cubicle-test-cache.XXXXXX");
	assert_non_null(mkdtemp(d->path));
	d->fd = open(d->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(d->fd >= 0);
}

static void cache_dir_remove(struct cache_dir *d)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/cgroups", d->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s/self", d->path);
	unlink(p);
	close(d->fd);
	assert_int_equal(rmdir(d->path), 0); /* no temp file left behind */
}

/* the real layout, or a skip where this machine has none */
static void real_layout(struct cg_layout *l)
{
	int r = cg_detect(l);

	if (r == -ENOENT)
		skip_because("no cgroup hierarchy mounted here");
	assert_int_equal(r, 0);
}

/* Replaces `from` by `to` in the cache file (same length or not). */
static void cache_edit(struct cache_dir *d, const char *from, const char *to)
{
	char p[128], buf[8192], out[8192], *at;
	int fd;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/cgroups", d->path);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = util_read_all(fd, buf, sizeof(buf));
	close(fd);
	assert_true(n > 0);
	at = strstr(buf, from);
	assert_non_null(at);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - buf), buf, to, at + strlen(from));
	fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, out, strlen(out)), 0);
	close(fd);
}

static void test_layout_cache(void **state)
{
	struct cg_layout l, back;
	struct cache_dir d;
	struct stat st;
	char p[128];

	(void)state;
	real_layout(&l);
	cache_dir_make(&d);
	assert_int_equal(cg_layout_save_at(d.fd, "/proc/self/cgroup", &l), 0);
	snprintf(p, sizeof(p), "%s/cgroups", d.path);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);

	memset(&back, 0, sizeof(back));
	assert_int_equal(cg_layout_load_at(d.fd, "/proc/self/cgroup", geteuid(), &back), 0);
	assert_same_layout(&back, &l);
	assert_string_equal(back.proc, "/proc");
	cache_dir_remove(&d);
}

static void test_layout_cache_refused(void **state)
{
	struct cg_layout l, back;
	struct cache_dir d;
	struct stat st;
	char self[128], line[600], dev[32];
	FILE *f;

	(void)state;
	real_layout(&l);
	cache_dir_make(&d);
	assert_int_equal(cg_layout_save_at(d.fd, "/proc/self/cgroup", &l), 0);

	/* another owner than the one asked for */
	assert_int_equal(cg_layout_load_at(d.fd, "/proc/self/cgroup", geteuid() + 1, &back),
			 -EPERM);

	/* a hierarchy came (or went) since: /proc/self/cgroup differs */
	snprintf(self, sizeof(self), "%s/self", d.path);
	f = fopen(self, "w");
	assert_non_null(f);
	fprintf(f, "42:net_cls:/\n0::/\n");
	fclose(f);
	assert_int_equal(cg_layout_load_at(d.fd, self, geteuid(), &back), -ESTALE);

	/* a mount point on another device now (remounted) */
	assert_int_equal(stat(l.h[0].mount, &st), 0);
	snprintf(dev, sizeof(dev), " %llu ", (unsigned long long)st.st_dev);
	cache_edit(&d, dev, " 1 ");
	assert_int_equal(cg_layout_load_at(d.fd, "/proc/self/cgroup", geteuid(), &back), -ESTALE);

	/* a directory that is no cgroup hierarchy's root (the cache dir itself) */
	assert_int_equal(cg_layout_save_at(d.fd, "/proc/self/cgroup", &l), 0);
	assert_int_equal(stat(d.path, &st), 0);
	snprintf(line, sizeof(line), "h v1 1 %llu memory %s\n", (unsigned long long)st.st_dev,
		 d.path);
	{
		char p[128];
		int fd;

		snprintf(p, sizeof(p), "%s/cgroups", d.path);
		fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(util_write_all(fd, line, strlen(line)), 0);
		close(fd);
	}
	assert_int_equal(cg_layout_load_at(d.fd, "/proc/self/cgroup", geteuid(), &back), -ESTALE);

	/* not a layout file */
	assert_int_equal(cg_layout_save_at(d.fd, "/proc/self/cgroup", &l), 0);
	cache_edit(&d, "\nh ", "\nhierarchy ");
	assert_int_equal(cg_layout_load_at(d.fd, "/proc/self/cgroup", geteuid(), &back), -EBADMSG);

	/* a symlink in its place is never followed */
	{
		char p[128];

		snprintf(p, sizeof(p), "%s/cgroups", d.path);
		unlink(p);
		assert_int_equal(symlink("/proc/self/cgroup", p), 0);
		assert_int_equal(cg_layout_load_at(d.fd, "/proc/self/cgroup", geteuid(), &back),
				 -ELOOP);
	}
	cache_dir_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define EACH(t)                                                                                    \
	cmocka_unit_test_setup_teardown(t, setup_v1, teardown),                                    \
		cmocka_unit_test_setup_teardown(t, setup_hybrid, teardown),                        \
		cmocka_unit_test_setup_teardown(t, setup_v2, teardown)
		cmocka_unit_test_setup_teardown(test_limits_v1, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_limits_v1, setup_hybrid, teardown),
		cmocka_unit_test_setup_teardown(test_limits_v2, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_v2_already_enabled, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_v2_lift_limit, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_limits_hybrid, setup_hybrid, teardown),
		cmocka_unit_test_setup_teardown(test_v1_no_swap_accounting, setup_v1, teardown),
		EACH(test_create_exists),
		cmocka_unit_test_setup_teardown(test_create_fails_on_write, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_create_fails_on_write, setup_hybrid, teardown),
		cmocka_unit_test_setup_teardown(test_create_fails_on_mkdir, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_create_keeps_ancestors, setup_v2, teardown),
		EACH(test_missing_controller),
		EACH(test_bad_input),
		EACH(test_base_root),
		EACH(test_attach),
		EACH(test_pid_cgroups),
		EACH(test_attach_each),
		EACH(test_remove),
		EACH(test_stats),
		cmocka_unit_test_setup_teardown(test_kill_file, setup_hybrid, teardown),
		cmocka_unit_test_setup_teardown(test_kill_file, setup_v2, teardown),
		EACH(test_kill_forced_fallback),
		EACH(test_kill_signals_members_only),
		EACH(test_kill_refuses_self),
		cmocka_unit_test(test_layout_add),
		cmocka_unit_test(test_ctrls),
		cmocka_unit_test_setup_teardown(test_detect_hybrid, setup_detect, teardown_detect),
		cmocka_unit_test_setup_teardown(test_detect_v2, setup_detect, teardown_detect),
		cmocka_unit_test_setup_teardown(test_detect_v1_comounted, setup_detect,
						teardown_detect),
		cmocka_unit_test(test_detect_real),
		cmocka_unit_test(test_layout_cache),
		cmocka_unit_test(test_layout_cache_refused),
#undef EACH
	};

	umask(022);
	return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}
