/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/record.c: the record format both ways, a full disk (write
 * and fsync fail on demand through -Wl,--wrap), every record and directory
 * rec_read and rec_dir_open must refuse, listing, ids, the per-user lock and
 * the caller's liveness.
 *
 * Run as root (as CI does), every record and directory is root's. Run as
 * anyone else, rec_trusted_uid is set to the test's own uid; only the cases
 * that need chown skip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "skip.h"

#include "record.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ID1 "0123456789abcdef"
#define ID2 "fedcba9876543210"
#define ID3 "00000000000000aa"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* ---- syscalls that fail on demand (-Wl,--wrap=write,--wrap=fsync,--wrap=renameat2) ---- */

struct mock {
	int fail_at; /* the fail_at-th call from now fails with err (1: the next); 0: none */
	int err;
	bool short_before; /* write: the calls before the failing one write half */
};

static struct mock mock_write, mock_fsync, mock_renameat2;

static bool mock_fails_now(struct mock *m)
{
	if (m->fail_at <= 0)
		return false;
	if (--m->fail_at > 0)
		return false;
	errno = m->err;
	return true;
}

ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	if (mock_fails_now(&mock_write))
		return -1;
	if (mock_write.fail_at > 0 && mock_write.short_before && n > 1)
		n /= 2;
	return __real_write(fd, buf, n);
}

int __real_fsync(int fd);
int __wrap_fsync(int fd)
{
	if (mock_fails_now(&mock_fsync))
		return -1;
	return __real_fsync(fd);
}

int __real_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
		     unsigned int flags);
int __wrap_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
		     unsigned int flags)
{
	if (mock_fails_now(&mock_renameat2))
		return -1;
	return __real_renameat2(olddirfd, oldpath, newdirfd, newpath, flags);
}

static void mock_reset(void)
{
	memset(&mock_write, 0, sizeof(mock_write));
	memset(&mock_fsync, 0, sizeof(mock_fsync));
	memset(&mock_renameat2, 0, sizeof(mock_renameat2));
}

/* ---- fixture: <base>/run made by rec_dir_open ---------------------------- */

struct fx {
	char base[PATH_MAX];
	char run[PATH_MAX + 8];
	int basefd;
	int dirfd; /* <run>/sessions */
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->base, sizeof(f->base), "/tmp/cubicle-test-record-XXXXXX");
	if (!mkdtemp(f->base)) {
		free(f);
		return -1;
	}
	snprintf(f->run, sizeof(f->run), "%s/run", f->base);
	f->basefd = open(f->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	f->dirfd = rec_dir_open(f->run, true);
	*state = f;
	return f->basefd < 0 || f->dirfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	mock_reset();
	close(f->dirfd);
	close(f->basefd);
	nftw(f->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* A valid record, its text fields short. */
static void fill(struct rec *r, const char *id, int64_t start)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->user, sizeof(r->user), "alice");
	r->uid = 1000;
	snprintf(r->service, sizeof(r->service), "sshd");
	snprintf(r->tty, sizeof(r->tty), "ssh");
	snprintf(r->rhost, sizeof(r->rhost), "192.0.2.7");
	snprintf(r->cgroup, sizeof(r->cgroup), "/cubicle/alice/%s", id);
	r->start = start;
	r->pid = 4242;
	r->pid_start = 987654321;
	r->watcher = 4343;
	snprintf(r->orig[0], sizeof(r->orig[0]), "0::/system.slice/ssh.service");
	r->n_orig = 1;
}

static void assert_rec_equal(const struct rec *a, const struct rec *b)
{
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->user, b->user);
	assert_int_equal(a->uid, b->uid);
	assert_string_equal(a->service, b->service);
	assert_string_equal(a->tty, b->tty);
	assert_string_equal(a->rhost, b->rhost);
	assert_string_equal(a->cgroup, b->cgroup);
	assert_true(a->start == b->start);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->watcher, b->watcher);
	assert_true(a->pid_start == b->pid_start);
	assert_int_equal(a->n_orig, b->n_orig);
	for (size_t i = 0; i < a->n_orig; i++)
		assert_string_equal(a->orig[i], b->orig[i]);
}

/* The names in the sessions directory, sorted, joined by ' ' ("" if none). */
static void dir_names(int dirfd, char *buf, size_t len)
{
	struct dirent **list;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char path[64];
	int n;

	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = scandir(path, &list, NULL, alphasort);
	assert_true(n >= 0);
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(list[i]->d_name, ".") != 0 && strcmp(list[i]->d_name, "..") != 0) {
			if (buf[0])
				strncat(buf, " ", len - strlen(buf) - 1);
			strncat(buf, list[i]->d_name, len - strlen(buf) - 1);
		}
		free(list[i]);
	}
	free(list);
	close(fd);
}

static void assert_dir(int dirfd, const char *want)
{
	char names[1024];

	dir_names(dirfd, names, sizeof(names));
	assert_string_equal(names, want);
}

/* Writes a file by hand (len bytes of text, or strlen when len is 0) with mode. */
static void put_file(int dirfd, const char *name, const char *text, size_t len, mode_t mode)
{
	int fd;

	unlinkat(dirfd, name, 0);
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, text, len ? len : strlen(text)), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

static void read_file(int dirfd, const char *name, char *buf, size_t len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_true(util_read_all(fd, buf, len) >= 0);
	close(fd);
}

/* prefix, then filler up to exactly len bytes, a clean absolute path if prefix is one */
static void make_path(char *dst, size_t len, const char *prefix)
{
	size_t i = strlen(prefix);

	memcpy(dst, prefix, i);
	for (; i < len; i++)
		dst[i] = (i % 10 == 5 && i + 1 < len) ? '/' : (char)('a' + i % 26);
	dst[len] = '\0';
}

/* ---- ids ---------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_new_id(void **state)
{
	static char ids[1000][REC_ID_LEN + 1];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		assert_int_equal(rec_new_id(ids[i]), 0);
		assert_int_equal(strlen(ids[i]), REC_ID_LEN);
		assert_int_equal(strspn(ids[i], "0123456789abcdef"), REC_ID_LEN);
		assert_true(rec_id_valid(ids[i]));
	}
	qsort(ids, ARRAY_SIZE(ids), sizeof(ids[0]), cmp_str);
	for (size_t i = 1; i < ARRAY_SIZE(ids); i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
}

static void test_id_valid(void **state)
{
	static const char *const bad[] = {
		"",
		"0123456789abcde",
		"0123456789abcdef0",
		"0123456789ABCDEF",
		"0123456789abcdeg",
		"../../etc/passwd",
		".0123456789abcde",
		"0123456789abcde ",
		"0123456789abcde\n",
	};

	(void)state;
	assert_true(rec_id_valid(ID1));
	assert_true(rec_id_valid("ffffffffffffffff"));
	assert_false(rec_id_valid(NULL));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(rec_id_valid(bad[i]));
}

/* ---- write and read ------------------------------------------------------ */

/* Every field at its longest, with '=' and bytes >= 0x80 kept as they are. */
static void test_round_trip_max(void **state)
{
	struct fx *f = *state;
	struct rec w, r;
	struct stat st;
	mode_t old;

	fill(&w, ID1, INT64_MAX);
	snprintf(w.user, sizeof(w.user), "a2345678901234567890123456789012");
	w.uid = (uid_t)-2;
	memset(w.service, 's', sizeof(w.service) - 1);
	w.service[sizeof(w.service) - 1] = '\0';
	memset(w.tty, '=', sizeof(w.tty) - 1);
	w.tty[sizeof(w.tty) - 1] = '\0';
	memset(w.rhost, 'h', sizeof(w.rhost) - 1);
	memcpy(w.rhost, "h\xc3\xa9=x", 5);
	w.rhost[sizeof(w.rhost) - 1] = '\0';
	make_path(w.cgroup, sizeof(w.cgroup) - 1, "/cubicle/");
	assert_int_equal(strlen(w.cgroup), REC_CGROUP_MAX - 1);
	w.pid = INT_MAX;
	w.pid_start = UINT64_MAX;
	for (size_t i = 0; i < REC_ORIG_MAX; i++) {
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "%zu:memory:/", i + 1);
		make_path(w.orig[i], sizeof(w.orig[i]) - 1, prefix);
	}
	w.n_orig = REC_ORIG_MAX;

	old = umask(077); /* the record is 0644 whatever the umask */
	assert_int_equal(rec_write(f->dirfd, &w), 0);
	umask(old);
	assert_int_equal(fstatat(f->dirfd, ID1, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_dir(f->dirfd, ID1); /* no temp file */

	assert_int_equal(rec_read(f->dirfd, ID1, &r), 0);
	assert_rec_equal(&w, &r);
}

static void test_round_trip_empty(void **state)
{
	struct fx *f = *state;
	struct rec w, r;

	fill(&w, ID2, 0);
	w.tty[0] = '\0';
	w.rhost[0] = '\0';
	w.service[0] = '\0';
	w.n_orig = 0;
	w.uid = 0;
	w.pid_start = 0;
	assert_int_equal(rec_write(f->dirfd, &w), 0);
	memset(&r, 0x55, sizeof(r));
	assert_int_equal(rec_read(f->dirfd, ID2, &r), 0);
	assert_rec_equal(&w, &r);
	assert_string_equal(r.tty, "");
	assert_string_equal(r.rhost, "");
}

/* Control bytes become '?': a newline in rhost never makes a second line. */
static void test_control_bytes(void **state)
{
	struct fx *f = *state;
	char text[REC_FILE_MAX + 1];
	struct rec w, r;

	fill(&w, ID1, 1700000000);
	snprintf(w.service, sizeof(w.service), "ss\x01hd\x7f");
	snprintf(w.tty, sizeof(w.tty), "pts/\x1b[31m0\r");
	snprintf(w.rhost, sizeof(w.rhost), "evil\nuid=0\nuser=root\n\t");
	snprintf(w.orig[0], sizeof(w.orig[0]), "0::/a\nb");
	assert_int_equal(rec_write(f->dirfd, &w), 0);

	read_file(f->dirfd, ID1, text, sizeof(text));
	assert_int_equal(count_char(text, '\n'), 12); /* 10 keys, the watcher and one orig */
	assert_non_null(strstr(text, "\nrhost=evil?uid=0?user=root??\n"));

	assert_int_equal(rec_read(f->dirfd, ID1, &r), 0);
	assert_string_equal(r.service, "ss?hd?");
	assert_string_equal(r.tty, "pts/?[31m0?");
	assert_string_equal(r.rhost, "evil?uid=0?user=root??");
	assert_string_equal(r.user, "alice");
	assert_int_equal(r.uid, 1000);
	assert_string_equal(r.orig[0], "0::/a?b");
}

static void test_write_invalid(void **state)
{
	struct fx *f = *state;
	struct rec w;

	fill(&w, ID1, 1);
	snprintf(w.id, sizeof(w.id), "0123456789ABCDEF");
	assert_int_equal(rec_write(f->dirfd, &w), -EINVAL);
	fill(&w, ID1, 1);
	snprintf(w.user, sizeof(w.user), "../root");
	assert_int_equal(rec_write(f->dirfd, &w), -EINVAL);
	fill(&w, ID1, 1);
	memset(w.user, 'a', sizeof(w.user)); /* not terminated */
	assert_int_equal(rec_write(f->dirfd, &w), -EINVAL);
	fill(&w, ID1, 1);
	memset(w.rhost, 'a', sizeof(w.rhost));
	assert_int_equal(rec_write(f->dirfd, &w), -EINVAL);
	fill(&w, ID1, 1);
	snprintf(w.cgroup, sizeof(w.cgroup), "cubicle/alice");
	assert_int_equal(rec_write(f->dirfd, &w), -EINVAL);
	fill(&w, ID1, 1);
	snprintf(w.cgroup, sizeof(w.cgroup), "/cubicle/../etc");
	assert_int_equal(rec_write(f->dirfd, &w), -EINVAL);
	fill(&w, ID1, 1);
	w.n_orig = REC_ORIG_MAX + 1;
	assert_int_equal(rec_write(f->dirfd, &w), -EINVAL);
	fill(&w, ID1, 1);
	w.orig[0][0] = '\0';
	assert_int_equal(rec_write(f->dirfd, &w), -EINVAL);
	fill(&w, ID1, -1);
	assert_int_equal(rec_write(f->dirfd, &w), -EINVAL);
	fill(&w, ID1, 1);
	w.pid = 0;
	assert_int_equal(rec_write(f->dirfd, &w), -EINVAL);
	fill(&w, ID1, 1);
	w.uid = (uid_t)-1;
	assert_int_equal(rec_write(f->dirfd, &w), -EINVAL);
	assert_int_equal(rec_write(-1, &w), -EINVAL);
	assert_dir(f->dirfd, "");
}

/* Never replaces a record, with renameat2 and with the link fallback. */
static void test_write_no_replace(void **state)
{
	static const int fallback_errors[] = { ENOSYS, EINVAL };
	struct fx *f = *state;
	struct rec w, r;

	fill(&w, ID1, 100);
	assert_int_equal(rec_write(f->dirfd, &w), 0);
	fill(&w, ID1, 200);
	assert_int_equal(rec_write(f->dirfd, &w), -EEXIST);
	assert_dir(f->dirfd, ID1);
	assert_int_equal(rec_read(f->dirfd, ID1, &r), 0);
	assert_true(r.start == 100);

	for (size_t i = 0; i < ARRAY_SIZE(fallback_errors); i++) {
		mock_renameat2 = (struct mock){ .fail_at = 1, .err = fallback_errors[i] };
		assert_int_equal(rec_write(f->dirfd, &w), -EEXIST);
		assert_int_equal(mock_renameat2.fail_at, 0); /* the fallback was taken */
		assert_dir(f->dirfd, ID1);
		assert_int_equal(rec_read(f->dirfd, ID1, &r), 0);
		assert_true(r.start == 100);

		mock_renameat2 = (struct mock){ .fail_at = 1, .err = fallback_errors[i] };
		fill(&w, ID2, 300);
		assert_int_equal(rec_write(f->dirfd, &w), 0);
		assert_int_equal(mock_renameat2.fail_at, 0);
		assert_dir(f->dirfd, ID1 " " ID2);
		assert_int_equal(rec_read(f->dirfd, ID2, &r), 0);
		assert_rec_equal(&w, &r);
		assert_int_equal(rec_remove(f->dirfd, ID2), 0);
		fill(&w, ID1, 200);
	}

	/* another failure of renameat2 is no reason to fall back */
	mock_renameat2 = (struct mock){ .fail_at = 1, .err = EIO };
	fill(&w, ID2, 300);
	assert_int_equal(rec_write(f->dirfd, &w), -EIO);
	assert_dir(f->dirfd, ID1);
}

/* A temp file planted in the way (here a symlink) is neither followed nor reused. */
static void test_write_planted_temp(void **state)
{
	struct fx *f = *state;
	char text[64];
	struct rec w;

	put_file(f->basefd, "target", "untouched", 0, 0644);
	assert_int_equal(symlinkat("../../target", f->dirfd, "." ID1 ".tmp"), 0);
	fill(&w, ID1, 1);
	assert_int_equal(rec_write(f->dirfd, &w), -EEXIST);
	read_file(f->basefd, "target", text, sizeof(text));
	assert_string_equal(text, "untouched");
	assert_dir(f->dirfd, "." ID1 ".tmp");
}

/* A full /run: nothing is left, neither the temp file nor a record. */
static void test_full_disk(void **state)
{
	struct fx *f = *state;
	struct rec w;

	fill(&w, ID1, 1);

	mock_write = (struct mock){ .fail_at = 1, .err = ENOSPC };
	assert_int_equal(rec_write(f->dirfd, &w), -ENOSPC);
	assert_int_equal(mock_write.fail_at, 0);
	assert_dir(f->dirfd, "");

	/* a short write first, as a disk filling up gives */
	mock_write = (struct mock){ .fail_at = 3, .err = ENOSPC, .short_before = true };
	assert_int_equal(rec_write(f->dirfd, &w), -ENOSPC);
	assert_int_equal(mock_write.fail_at, 0);
	assert_dir(f->dirfd, "");

	/* delayed allocation: the space runs out at fsync */
	mock_fsync = (struct mock){ .fail_at = 1, .err = ENOSPC };
	assert_int_equal(rec_write(f->dirfd, &w), -ENOSPC);
	assert_int_equal(mock_fsync.fail_at, 0);
	assert_dir(f->dirfd, "");

	/* the directory's fsync, after the rename */
	mock_fsync = (struct mock){ .fail_at = 2, .err = EIO };
	assert_int_equal(rec_write(f->dirfd, &w), -EIO);
	assert_int_equal(mock_fsync.fail_at, 0);
	assert_dir(f->dirfd, "");

	/* and once the disk has room again, the same record can be written */
	assert_int_equal(rec_write(f->dirfd, &w), 0);
	assert_dir(f->dirfd, ID1);
}

static void test_remove(void **state)
{
	struct fx *f = *state;
	struct rec w, r;

	fill(&w, ID1, 1);
	assert_int_equal(rec_write(f->dirfd, &w), 0);
	assert_int_equal(rec_remove(f->dirfd, ID1), 0);
	assert_int_equal(rec_read(f->dirfd, ID1, &r), -ENOENT);
	assert_int_equal(rec_remove(f->dirfd, ID1), 0); /* missing is fine */
	assert_int_equal(rec_remove(f->dirfd, "../run"), -EINVAL);
	assert_dir(f->dirfd, "");
}

/* ---- what rec_read refuses -------------------------------------------------- */

static const char valid_text[] = "id=" ID1 "\n"
				 "user=alice\n"
				 "uid=1000\n"
				 "service=sshd\n"
				 "tty=pts/0\n"
				 "rhost=10.0.0.1\n"
				 "cgroup=/cubicle/alice/" ID1 "\n"
				 "start=1700000000\n"
				 "pid=1234\n"
				 "pid_start=5678\n"
				 "orig=0::/system.slice/ssh.service\n";

/* rec_read of text as ID1: the result, and *ret untouched on failure */
static int read_text(struct fx *f, const char *text, size_t len, mode_t mode)
{
	struct rec r, untouched;
	int ret;

	put_file(f->dirfd, ID1, text, len, mode);
	memset(&r, 0xa5, sizeof(r));
	memset(&untouched, 0xa5, sizeof(untouched));
	ret = rec_read(f->dirfd, ID1, &r);
	if (ret < 0)
		assert_memory_equal(&r, &untouched, sizeof(r));
	return ret;
}

/* valid_text with the line of `key` replaced by `line` ("" removes it) */
static void with_line(char *dst, size_t len, const char *key, const char *line)
{
	const char *p = valid_text;

	dst[0] = '\0';
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t klen = strlen(key);

		if (strncmp(p, key, klen) == 0 && p[klen] == '=')
			strncat(dst, line, len - strlen(dst) - 1);
		else
			strncat(dst, p, MIN(len - strlen(dst) - 1, (size_t)(nl + 1 - p)));
		p = nl + 1;
	}
}

static void test_read_valid(void **state)
{
	struct fx *f = *state;
	char text[2048];
	struct rec r;

	assert_int_equal(read_text(f, valid_text, 0, 0644), 0);
	assert_int_equal(rec_read(f->dirfd, ID1, &r), 0);
	assert_string_equal(r.user, "alice");
	assert_string_equal(r.cgroup, "/cubicle/alice/" ID1);
	assert_int_equal(r.n_orig, 1);
	/* a record only its owner can read is still trusted */
	assert_int_equal(read_text(f, valid_text, 0, 0600), 0);
	/* tty, rhost and orig may be missing */
	with_line(text, sizeof(text), "tty", "");
	assert_int_equal(read_text(f, text, 0, 0644), 0);
	with_line(text, sizeof(text), "rhost", "");
	assert_int_equal(read_text(f, text, 0, 0644), 0);
	with_line(text, sizeof(text), "orig", "");
	assert_int_equal(read_text(f, text, 0, 0644), 0);
	/* '=' in a value: split at the first one */
	with_line(text, sizeof(text), "rhost", "rhost==a=b=\n");
	assert_int_equal(read_text(f, text, 0, 0644), 0);
	assert_int_equal(rec_read(f->dirfd, ID1, &r), 0);
	assert_string_equal(r.rhost, "=a=b=");
	/* the limits themselves */
	with_line(text, sizeof(text), "uid", "uid=4294967294\n");
	assert_int_equal(read_text(f, text, 0, 0644), 0);
	with_line(text, sizeof(text), "pid", "pid=2147483647\n");
	assert_int_equal(read_text(f, text, 0, 0644), 0);
	with_line(text, sizeof(text), "start", "start=9223372036854775807\n");
	assert_int_equal(read_text(f, text, 0, 0644), 0);
	with_line(text, sizeof(text), "pid_start", "pid_start=18446744073709551615\n");
	assert_int_equal(read_text(f, text, 0, 0644), 0);
}

struct bad_line {
	const char *key;
	const char *line; /* replaces the key's line */
};

static void test_read_bad_content(void **state)
{
	static const struct bad_line bad[] = {
		/* unknown keys */
		{ "orig", "orig=0::/\nshell=/bin/sh\n" },
		{ "user", "user =alice\n" },
		{ "user", "User=alice\n" },
		{ "user", "=alice\n" },
		/* duplicates */
		{ "user", "user=alice\nuser=root\n" },
		{ "id", "id=" ID1 "\nid=" ID1 "\n" },
		{ "uid", "uid=1000\nuid=0\n" },
		{ "cgroup", "cgroup=/a\ncgroup=/b\n" },
		{ "tty", "tty=a\ntty=b\n" },
		/* one orig too many */
		{ "orig",
		  "orig=1\norig=2\norig=3\norig=4\norig=5\norig=6\norig=7\norig=8\norig=9\n" },
		{ "orig", "orig=\n" },
		/* ids */
		{ "id", "id=" ID2 "\n" },
		{ "id", "id=" ID1 "0\n" },
		{ "id", "id=../" ID1 "\n" },
		{ "id", "id=\n" },
		/* numbers */
		{ "uid", "uid=abc\n" },
		{ "uid", "uid=-1\n" },
		{ "uid", "uid=+5\n" },
		{ "uid", "uid= 5\n" },
		{ "uid", "uid=5 \n" },
		{ "uid", "uid=\n" },
		{ "uid", "uid=0x10\n" },
		{ "uid", "uid=4294967295\n" },
		{ "uid", "uid=4294967296\n" },
		{ "uid", "uid=99999999999999999999999\n" },
		{ "pid", "pid=0\n" },
		{ "pid", "pid=2147483648\n" },
		{ "start", "start=-1\n" },
		{ "start", "start=9223372036854775808\n" },
		{ "pid_start", "pid_start=18446744073709551616\n" },
		/* names and paths */
		{ "user", "user=\n" },
		{ "user", "user=../etc\n" },
		{ "user", "user=a23456789012345678901234567890123\n" },
		{ "cgroup", "cgroup=cubicle/alice\n" },
		{ "cgroup", "cgroup=/cubicle/../etc\n" },
		{ "cgroup", "cgroup=/cubicle/alice/\n" },
		{ "cgroup", "cgroup=\n" },
		/* lines */
		{ "tty", "tty\n" },
		{ "tty", "\n" },
		{ "tty", "tty=pts\t0\n" },
		{ "tty", "tty=pts/0\r\n" },
		{ "tty", "tty=\x1b[31m\n" },
		{ "rhost", "rhost=a\x7f\n" },
	};
	static const char *const required[] = {
		"id", "user", "uid", "service", "cgroup", "start", "pid", "pid_start",
	};
	struct fx *f = *state;
	char text[2048], longest[REC_TEXT_MAX + 16];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int r;

		with_line(text, sizeof(text), bad[i].key, bad[i].line);
		r = read_text(f, text, 0, 0644);
		if (r != -EBADMSG)
			fail_msg("bad[%zu] (key %s): %d, not -EBADMSG", i, bad[i].key, r);
	}
	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		with_line(text, sizeof(text), required[i], "");
		assert_int_equal(read_text(f, text, 0, 0644), -EBADMSG);
	}

	/* a value one byte longer than its field */
	snprintf(longest, sizeof(longest), "service=");
	memset(longest + 8, 'x', REC_TEXT_MAX - 1);
	snprintf(longest + 8 + REC_TEXT_MAX - 1, 3, "\n");
	with_line(text, sizeof(text), "service", longest);
	assert_int_equal(read_text(f, text, 0, 0644), 0);
	snprintf(longest + 8 + REC_TEXT_MAX - 1, 3, "x\n");
	with_line(text, sizeof(text), "service", longest);
	assert_int_equal(read_text(f, text, 0, 0644), -EBADMSG);

	/* cut off: no newline at the end */
	snprintf(text, sizeof(text), "%s", valid_text);
	text[strlen(text) - 1] = '\0';
	assert_int_equal(read_text(f, text, 0, 0644), -EBADMSG);
	/* a NUL byte inside: in a line, or hiding what follows it */
	snprintf(text, sizeof(text), "%s", valid_text);
	memcpy(strstr(text, "tty="), "tty\0", 4);
	assert_int_equal(read_text(f, text, strlen(valid_text), 0644), -EBADMSG);
	snprintf(text, sizeof(text), "%s_bogus=1\n", valid_text);
	text[strlen(valid_text)] = '\0';
	assert_int_equal(read_text(f, text, strlen(valid_text) + 10, 0644), -EBADMSG);
	/* empty */
	assert_int_equal(read_text(f, "\n", 0, 0644), -EBADMSG);
	put_file(f->dirfd, ID1, "", 0, 0644);
	assert_int_equal(rec_read(f->dirfd, ID1, &(struct rec){ 0 }), -EBADMSG);
}

static void test_read_too_large(void **state)
{
	struct fx *f = *state;
	char *big = malloc(REC_FILE_MAX + 2);
	int fd;

	assert_non_null(big);
	/* a valid record, then one unknown line that takes it past the limit */
	snprintf(big, REC_FILE_MAX + 2, "%s", valid_text);
	memset(big + strlen(valid_text), 'x', REC_FILE_MAX + 1 - strlen(valid_text));
	big[REC_FILE_MAX] = '\n';
	big[REC_FILE_MAX + 1] = '\0';
	assert_int_equal(read_text(f, big, 0, 0644), -EFBIG);
	free(big);

	/* a huge sparse one is refused without reading it */
	put_file(f->dirfd, ID1, valid_text, 0, 0644);
	fd = openat(f->dirfd, ID1, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)1 << 32), 0);
	close(fd);
	assert_int_equal(rec_read(f->dirfd, ID1, &(struct rec){ 0 }), -EFBIG);
}

static void test_read_bad_file(void **state)
{
	struct fx *f = *state;
	struct rec r;

	assert_int_equal(rec_read(f->dirfd, ID1, &r), -ENOENT);
	assert_int_equal(rec_read(f->dirfd, "../run", &r), -EINVAL);
	assert_int_equal(rec_read(f->dirfd, NULL, &r), -EINVAL);

	/* a symlink to a valid record is not followed */
	put_file(f->dirfd, ID2, valid_text, 0, 0644);
	assert_int_equal(symlinkat(ID2, f->dirfd, ID1), 0);
	assert_int_equal(rec_read(f->dirfd, ID1, &r), -ELOOP);
	assert_int_equal(unlinkat(f->dirfd, ID1, 0), 0);

	/* a FIFO: refused at once, never waited on */
	assert_int_equal(mkfifoat(f->dirfd, ID1, 0644), 0);
	alarm(10);
	assert_int_equal(rec_read(f->dirfd, ID1, &r), -EBADFD);
	alarm(0);
	assert_int_equal(unlinkat(f->dirfd, ID1, 0), 0);

	assert_int_equal(mkdirat(f->dirfd, ID1, 0755), 0);
	assert_int_equal(rec_read(f->dirfd, ID1, &r), -EISDIR);
	assert_int_equal(unlinkat(f->dirfd, ID1, AT_REMOVEDIR), 0);

	/* writable by group or others */
	assert_int_equal(read_text(f, valid_text, 0, 0664), -EPERM);
	assert_int_equal(read_text(f, valid_text, 0, 0646), -EPERM);
	assert_int_equal(read_text(f, valid_text, 0, 0666), -EPERM);
	assert_int_equal(read_text(f, valid_text, 0, 0644), 0);
}

static void test_read_not_root(void **state)
{
	struct fx *f = *state;
	struct rec r;

	if (geteuid() != 0)
		skip_because("chown needs root");
	put_file(f->dirfd, ID1, valid_text, 0, 0644);
	assert_int_equal(fchownat(f->dirfd, ID1, 65534, 0, 0), 0);
	assert_int_equal(rec_read(f->dirfd, ID1, &r), -EPERM);
	assert_int_equal(fchownat(f->dirfd, ID1, 0, 65534, 0), 0); /* root's, a group's */
	assert_int_equal(rec_read(f->dirfd, ID1, &r), 0);
}

/* ---- listing ---------------------------------------------------------------- */

static void test_list(void **state)
{
	struct fx *f = *state;
	struct rec w, *recs = NULL;
	char text[2048];
	size_t n = 99;

	assert_int_equal(rec_list(f->dirfd, &recs, &n), 0);
	assert_int_equal(n, 0);
	assert_null(recs);
	/* only broken ones: none either */
	put_file(f->dirfd, ID1, "id=" ID1 "\n", 0, 0644);
	recs = (struct rec *)&w;
	assert_int_equal(rec_list(f->dirfd, &recs, &n), 0);
	assert_int_equal(n, 0);
	assert_null(recs);
	assert_int_equal(unlinkat(f->dirfd, ID1, 0), 0);

	fill(&w, ID1, 300);
	assert_int_equal(rec_write(f->dirfd, &w), 0);
	fill(&w, ID2, 100);
	assert_int_equal(rec_write(f->dirfd, &w), 0);
	fill(&w, ID3, 200);
	assert_int_equal(rec_write(f->dirfd, &w), 0);
	fill(&w, "1111111111111111", 200); /* same start as ID3: by id then */
	assert_int_equal(rec_write(f->dirfd, &w), 0);
	/* what is skipped: a broken record, a writable one, a FIFO, a symlink,
	 * a directory, a temp file, a name that is no id */
	with_line(text, sizeof(text), "id", "id=2222222222222222\nbogus=1\n");
	put_file(f->dirfd, "2222222222222222", text, 0, 0644);
	with_line(text, sizeof(text), "id", "id=3333333333333333\n");
	put_file(f->dirfd, "3333333333333333", text, 0, 0666);
	assert_int_equal(mkfifoat(f->dirfd, "4444444444444444", 0644), 0);
	assert_int_equal(symlinkat(ID1, f->dirfd, "5555555555555555"), 0);
	assert_int_equal(mkdirat(f->dirfd, "6666666666666666", 0755), 0);
	put_file(f->dirfd, ".7777777777777777.tmp", valid_text, 0, 0644);
	put_file(f->dirfd, "README", valid_text, 0, 0644);

	alarm(10);
	assert_int_equal(rec_list(f->dirfd, &recs, &n), 0);
	alarm(0);
	assert_int_equal(n, 4);
	assert_string_equal(recs[0].id, ID2);
	assert_string_equal(recs[1].id, ID3);
	assert_string_equal(recs[2].id, "1111111111111111");
	assert_string_equal(recs[3].id, ID1);
	assert_true(recs[3].start == 300);
	free(recs);

	/* the caller's descriptor still reads the directory from the start */
	assert_int_equal(rec_list(f->dirfd, &recs, &n), 0);
	assert_int_equal(n, 4);
	free(recs);
}

/* ---- the directories ---------------------------------------------------------- */

/* path is of the type and mode wanted, and the trusted uid's */
static void assert_type_mode(int atfd, const char *path, mode_t type, mode_t want)
{
	struct stat st;

	assert_int_equal(fstatat(atfd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_mode & S_IFMT, type);
	assert_int_equal(st.st_mode & 07777, want);
	assert_int_equal(st.st_uid, rec_trusted_uid);
}

static void assert_mode(int atfd, const char *path, mode_t want)
{
	assert_type_mode(atfd, path, S_IFDIR, want);
}

static void assert_file_mode(int atfd, const char *path, mode_t want)
{
	assert_type_mode(atfd, path, S_IFREG, want);
}

static void assert_refused(int r)
{
	if (r >= 0)
		close(r);
	assert_true(r < 0);
}

static void test_dir_create(void **state)
{
	/* root ignores the modes of what it opens; anyone else needs u+rx */
	static const mode_t umasks[] = { 077, 0, 022, 0277 };
	struct fx *f = *state;
	struct stat a, b;
	char run[PATH_MAX + 16];
	int fd;

	for (size_t i = 0; i < ARRAY_SIZE(umasks); i++) {
		mode_t old = umask(umasks[i]);
		char name[16];
		int runfd;

		snprintf(name, sizeof(name), "run%zu", i);
		snprintf(run, sizeof(run), "%s/%s", f->base, name);
		fd = rec_dir_open(run, true);
		umask(old);
		assert_true(fd >= 0);
		assert_mode(f->basefd, name, 0755);
		runfd = openat(f->basefd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(runfd >= 0);
		assert_mode(runfd, "sessions", 0755);
		assert_mode(runfd, "locks", 0700);
		assert_file_mode(runfd, REC_MNT_TEMPLATE, 0444);
		/* what comes back is sessions/ */
		assert_int_equal(fstat(fd, &a), 0);
		assert_int_equal(fstatat(runfd, "sessions", &b, 0), 0);
		assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
		close(runfd);
		close(fd);
	}
	/* again, with the layout there: fine */
	snprintf(run, sizeof(run), "%s/run0", f->base);
	fd = rec_dir_open(run, true);
	assert_true(fd >= 0);
	close(fd);
	fd = rec_dir_open(run, false);
	assert_true(fd >= 0);
	close(fd);
}

/* <run>/mnt-template: made with the layout, opened only as a trusted file */
static void test_layout_file(void **state)
{
	struct fx *f = *state;
	struct stat st;
	int fd;

	fd = rec_layout_file_open(f->run, REC_MNT_TEMPLATE);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISREG(st.st_mode) && st.st_size == 0);
	close(fd);
	/* an admin's own file there is left as it is */
	assert_int_equal(fchmodat(f->basefd, "run/" REC_MNT_TEMPLATE, 0400, 0), 0);
	fd = rec_dir_open(f->run, true);
	assert_true(fd >= 0);
	close(fd);
	assert_file_mode(f->basefd, "run/" REC_MNT_TEMPLATE, 0400);

	assert_int_equal(rec_layout_file_open(f->run, "none"), -ENOENT);
	assert_int_equal(rec_layout_file_open("", REC_MNT_TEMPLATE), -EINVAL);
	assert_int_equal(fchmodat(f->basefd, "run/" REC_MNT_TEMPLATE, 0666, 0), 0);
	assert_int_equal(rec_layout_file_open(f->run, REC_MNT_TEMPLATE), -EPERM);
	assert_int_equal(unlinkat(f->basefd, "run/" REC_MNT_TEMPLATE, 0), 0);
	assert_int_equal(symlinkat("sessions", f->basefd, "run/" REC_MNT_TEMPLATE), 0);
	assert_int_equal(rec_layout_file_open(f->run, REC_MNT_TEMPLATE), -ELOOP);
	assert_int_equal(unlinkat(f->basefd, "run/" REC_MNT_TEMPLATE, 0), 0);
	assert_int_equal(mkdirat(f->basefd, "run/" REC_MNT_TEMPLATE, 0755), 0);
	assert_int_equal(rec_layout_file_open(f->run, REC_MNT_TEMPLATE), -EISDIR);
	assert_int_equal(unlinkat(f->basefd, "run/" REC_MNT_TEMPLATE, AT_REMOVEDIR), 0);
	assert_int_equal(mkfifoat(f->basefd, "run/" REC_MNT_TEMPLATE, 0644), 0);
	alarm(10); /* never waited on */
	assert_int_equal(rec_layout_file_open(f->run, REC_MNT_TEMPLATE), -EBADFD);
	alarm(0);
	assert_int_equal(unlinkat(f->basefd, "run/" REC_MNT_TEMPLATE, 0), 0);
	/* the run directory is checked as by rec_dir_open */
	put_file(f->basefd, "run/" REC_MNT_TEMPLATE, "", 0, 0444);
	assert_int_equal(fchmodat(f->basefd, "run", 0777, 0), 0);
	assert_int_equal(rec_layout_file_open(f->run, REC_MNT_TEMPLATE), -EPERM);
	assert_int_equal(fchmodat(f->basefd, "run", 0755, 0), 0);
}

static void test_dir_missing(void **state)
{
	struct fx *f = *state;
	char run[PATH_MAX + 16];

	snprintf(run, sizeof(run), "%s/none", f->base);
	assert_int_equal(rec_dir_open(run, false), -ENOENT);
	assert_int_equal(mkdirat(f->basefd, "none", 0755), 0);
	assert_int_equal(rec_dir_open(run, false), -ENOENT); /* no sessions/ */
	assert_int_equal(rec_dir_open("", false), -EINVAL);
	snprintf(run, sizeof(run), "%s/none/deeper/run", f->base);
	assert_int_equal(rec_dir_open(run, true), -ENOENT); /* no mkdir -p */
}

static void test_dir_refused(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX + 16];
	int r;

	/* a symlink to a good layout, as the run directory */
	assert_int_equal(symlinkat("run", f->basefd, "link"), 0);
	snprintf(path, sizeof(path), "%s/link", f->base);
	r = rec_dir_open(path, false);
	assert_true(r == -ELOOP || r == -ENOTDIR);
	r = rec_dir_open(path, true);
	assert_true(r == -ELOOP || r == -ENOTDIR);

	/* a file, a FIFO (never waited on) */
	put_file(f->basefd, "file", "x", 0, 0644);
	snprintf(path, sizeof(path), "%s/file", f->base);
	assert_int_equal(rec_dir_open(path, true), -ENOTDIR);
	assert_int_equal(mkfifoat(f->basefd, "fifo", 0644), 0);
	snprintf(path, sizeof(path), "%s/fifo", f->base);
	alarm(10);
	assert_int_equal(rec_dir_open(path, false), -ENOTDIR);
	assert_int_equal(rec_dir_open(path, true), -ENOTDIR);
	alarm(0);

	/* writable by group or others, at every level */
	assert_int_equal(fchmodat(f->basefd, "run", 0775, 0), 0);
	assert_int_equal(rec_dir_open(f->run, false), -EPERM);
	assert_int_equal(rec_dir_open(f->run, true), -EPERM);
	assert_int_equal(fchmodat(f->basefd, "run", 0757, 0), 0);
	assert_int_equal(rec_dir_open(f->run, false), -EPERM);
	assert_int_equal(fchmodat(f->basefd, "run", 0755, 0), 0);
	assert_int_equal(fchmodat(f->basefd, "run/sessions", 0775, 0), 0);
	assert_int_equal(rec_dir_open(f->run, false), -EPERM);
	assert_int_equal(rec_dir_open(f->run, true), -EPERM);
	assert_int_equal(fchmodat(f->basefd, "run/sessions", 01777, 0), 0);
	assert_int_equal(rec_dir_open(f->run, false), -EPERM);
	assert_int_equal(fchmodat(f->basefd, "run/sessions", 0755, 0), 0);
	assert_int_equal(fchmodat(f->basefd, "run/locks", 0770, 0), 0);
	assert_int_equal(rec_dir_open(f->run, true), -EPERM);
	assert_int_equal(fchmodat(f->basefd, "run/locks", 0700, 0), 0);
	{
		int fd = rec_dir_open(f->run, true);

		assert_true(fd >= 0);
		close(fd);
	}

	/* sessions/ a symlink to a good directory */
	assert_int_equal(mkdirat(f->basefd, "run2", 0755), 0);
	assert_int_equal(mkdirat(f->basefd, "run2/real", 0755), 0);
	assert_int_equal(symlinkat("real", f->basefd, "run2/sessions"), 0);
	snprintf(path, sizeof(path), "%s/run2", f->base);
	assert_refused(rec_dir_open(path, false));
	assert_refused(rec_dir_open(path, true));
}

static void test_dir_not_root(void **state)
{
	struct fx *f = *state;

	if (geteuid() != 0)
		skip_because("chown needs root");
	assert_int_equal(fchownat(f->basefd, "run", 65534, 0, 0), 0);
	assert_int_equal(rec_dir_open(f->run, false), -EPERM);
	assert_int_equal(rec_dir_open(f->run, true), -EPERM);
	assert_int_equal(rec_lock_user(f->run, 1000), -EPERM);
	assert_int_equal(fchownat(f->basefd, "run", 0, 0, 0), 0);
	assert_int_equal(fchownat(f->basefd, "run/sessions", 65534, 0, 0), 0);
	assert_int_equal(rec_dir_open(f->run, false), -EPERM);
	assert_int_equal(fchownat(f->basefd, "run/sessions", 0, 0, 0), 0);
	assert_int_equal(fchownat(f->basefd, "run/locks", 65534, 0, 0), 0);
	assert_int_equal(rec_dir_open(f->run, true), -EPERM);
	assert_int_equal(rec_lock_user(f->run, 1000), -EPERM);
	assert_int_equal(fchownat(f->basefd, "run/locks", 0, 0, 0), 0);
	{
		int fd = rec_lock_user(f->run, 1000);

		assert_true(fd >= 0);
		close(fd);
	}
}

/* ---- the per-user lock ----------------------------------------------------------- */

/* In a child: try the lock file of uid without waiting; exits 0 if it is held. */
static int child_try_lock(const char *run, uid_t uid)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		char path[PATH_MAX + 32];
		int fd;

		snprintf(path, sizeof(path), "%s/locks/%u", run, (unsigned)uid);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(2);
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			_exit(1); /* free */
		_exit(errno == EWOULDBLOCK ? 0 : 3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_lock_user(void **state)
{
	struct fx *f = *state;
	struct stat st;
	int fd, fd2, p[2], status;
	struct pollfd pfd;
	pid_t pid;
	char c;

	fd = rec_lock_user(f->run, 1000);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(child_try_lock(f->run, 1000), 0); /* held */

	/* another uid's lock is another lock */
	fd2 = rec_lock_user(f->run, 1001);
	assert_true(fd2 >= 0);
	close(fd2);
	assert_int_equal(child_try_lock(f->run, 1001), 1);

	/* a second locker waits until the first lets go */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int cfd;

		close(fd);
		alarm(10);
		cfd = rec_lock_user(f->run, 1000);
		_exit(cfd >= 0 && write(p[1], "x", 1) == 1 ? 0 : 1);
	}
	close(p[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 200), 0); /* still waiting */
	close(fd);
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(child_try_lock(f->run, 1000), 1); /* released with the child */
}

static void test_lock_user_refused(void **state)
{
	struct fx *f = *state;
	char run[PATH_MAX + 16];

	snprintf(run, sizeof(run), "%s/none", f->base);
	assert_int_equal(rec_lock_user(run, 1000), -ENOENT);
	assert_int_equal(fchmodat(f->basefd, "run/locks", 0770, 0), 0);
	assert_int_equal(rec_lock_user(f->run, 1000), -EPERM);
	assert_int_equal(fchmodat(f->basefd, "run/locks", 0700, 0), 0);
	/* the lock file a symlink, a FIFO: refused, never waited on */
	assert_int_equal(symlinkat("/etc/passwd", f->basefd, "run/locks/1000"), 0);
	assert_refused(rec_lock_user(f->run, 1000));
	assert_int_equal(mkfifoat(f->basefd, "run/locks/1001", 0600), 0);
	alarm(10);
	assert_int_equal(rec_lock_user(f->run, 1001), -EBADFD);
	alarm(0);
	/* the locks dir a symlink */
	assert_int_equal(renameat(f->basefd, "run/locks", f->basefd, "locks-real"), 0);
	assert_int_equal(symlinkat("../locks-real", f->basefd, "run/locks"), 0);
	assert_refused(rec_lock_user(f->run, 1002));
}

/* ---- the caller's liveness ----------------------------------------------------------- */

static void test_pid_start_self(void **state)
{
	uint64_t start, again;
	struct rec r;

	(void)state;
	assert_int_equal(rec_pid_start(getpid(), &start), 0);
	assert_true(start > 0);
	assert_int_equal(rec_pid_start(getpid(), &again), 0);
	assert_true(start == again);
	assert_int_equal(rec_pid_start(0, &start), -EINVAL);
	assert_int_equal(rec_pid_start(-1, &start), -EINVAL);

	fill(&r, ID1, 1);
	r.pid = getpid();
	r.pid_start = start;
	assert_true(rec_caller_alive(&r));
	r.pid_start = start + 1; /* the pid was reused by another process */
	assert_false(rec_caller_alive(&r));
	r.pid_start = start - 1;
	assert_false(rec_caller_alive(&r));
	r.pid = 0;
	assert_false(rec_caller_alive(&r));
}

static void test_pid_start_gone(void **state)
{
	uint64_t start;
	siginfo_t si;
	struct rec r;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	/* a zombie: ended, not yet reaped */
	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(rec_pid_start(pid, &start), -ESRCH);
	fill(&r, ID1, 1);
	r.pid = pid;
	assert_false(rec_caller_alive(&r));
	/* reaped */
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(rec_pid_start(pid, &start), -ESRCH);
	assert_false(rec_caller_alive(&r));
}

/* A command name with spaces and ')' in it does not shift the fields. */
static void test_pid_start_odd_comm(void **state)
{
	static const char *const names[] = { "a) b c) 1 2", ")", "x (y) z", "R 1 2 3 4 5" };
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint64_t before, after;

		if (rec_pid_start(getpid(), &before) < 0)
			_exit(1);
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			if (prctl(PR_SET_NAME, names[i], 0, 0, 0) < 0)
				_exit(2);
			if (rec_pid_start(getpid(), &after) < 0 || after != before)
				_exit(3);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- temp files of writers killed before their rename ---------------------- */

static void touch_aged(int dirfd, const char *name, time_t age)
{
	struct timespec ts[2];
	int fd = openat(dirfd, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	close(fd);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - age;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(dirfd, name, ts, 0), 0);
}

static void test_remove_stale_temp(void **state)
{
	struct fx *f = *state;
	struct rec r;

	fill(&r, "00000000000000aa", 1);
	assert_int_equal(rec_write(f->dirfd, &r), 0);
	touch_aged(f->dirfd, ".00000000000000bb.tmp", 600); /* a dead writer's */
	touch_aged(f->dirfd, ".00000000000000cc.tmp", 1);   /* maybe still at work */
	touch_aged(f->dirfd, ".not-a-temp-file.tmp", 600);  /* not ours */
	assert_int_equal(rec_remove_stale_temp(f->dirfd, 60), 1);
	assert_int_equal(faccessat(f->dirfd, ".00000000000000bb.tmp", F_OK, AT_SYMLINK_NOFOLLOW),
			 -1);
	assert_int_equal(faccessat(f->dirfd, ".00000000000000cc.tmp", F_OK, AT_SYMLINK_NOFOLLOW),
			 0);
	assert_int_equal(faccessat(f->dirfd, ".not-a-temp-file.tmp", F_OK, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(faccessat(f->dirfd, "00000000000000aa", F_OK, AT_SYMLINK_NOFOLLOW), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_id),
		cmocka_unit_test(test_id_valid),
		cmocka_unit_test_setup_teardown(test_round_trip_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_no_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_planted_temp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_bad_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_bad_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_not_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_not_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_user_refused, setup, teardown),
		cmocka_unit_test(test_pid_start_self),
		cmocka_unit_test(test_pid_start_gone),
		cmocka_unit_test(test_pid_start_odd_comm),
		cmocka_unit_test_setup_teardown(test_remove_stale_temp, setup, teardown),
	};

	if (geteuid() != 0)
		rec_trusted_uid = geteuid(); /* see the top of this file */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
