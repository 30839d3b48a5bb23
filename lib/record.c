/* SPDX-License-Identifier: MIT */
/*
 * Session records under <run_dir>/sessions: written once by the PAM module
 * (temp file, fsync, rename without replace), read by cubicle-shell and
 * cubiclectl, removed at close. A record is trusted only because of where it
 * is and who owns it, so every read checks both again (SECURITY.md 7).
 */
#include "record.h"

#include "names.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* the build may move the run directory (make RUNDIR=...) */
#ifdef CUBICLE_RUN_DIR
#define REC_DEFAULT_RUN_DIR CUBICLE_RUN_DIR
#else
#define REC_DEFAULT_RUN_DIR REC_RUN_DIR
#endif

uid_t rec_trusted_uid = 0;

#define REC_SESSIONS "sessions"
#define REC_LOCKS    "locks"

enum rec_key {
	REC_KEY_ID,
	REC_KEY_USER,
	REC_KEY_UID,
	REC_KEY_SERVICE,
	REC_KEY_TTY,
	REC_KEY_RHOST,
	REC_KEY_CGROUP,
	REC_KEY_START,
	REC_KEY_PID,
	REC_KEY_PID_START,
	REC_KEY_ORIG,
	REC_KEY_WATCHER,
	REC_KEY_COUNT,
};

/* The keys of a record, in the order rec_write() puts them. */
static const struct {
	const char *name;
	bool required;
} rec_keys[REC_KEY_COUNT] = {
	[REC_KEY_ID] = { .name = "id", .required = true },
	[REC_KEY_USER] = { .name = "user", .required = true },
	[REC_KEY_UID] = { .name = "uid", .required = true },
	[REC_KEY_SERVICE] = { .name = "service", .required = true },
	[REC_KEY_TTY] = { .name = "tty", .required = false },
	[REC_KEY_RHOST] = { .name = "rhost", .required = false },
	[REC_KEY_CGROUP] = { .name = "cgroup", .required = true },
	[REC_KEY_START] = { .name = "start", .required = true },
	[REC_KEY_PID] = { .name = "pid", .required = true },
	[REC_KEY_PID_START] = { .name = "pid_start", .required = true },
	[REC_KEY_ORIG] = { .name = "orig", .required = false }, /* repeatable, up to REC_ORIG_MAX */
	[REC_KEY_WATCHER] = { .name = "watcher", .required = false },
};

/* ---- ids ---------------------------------------------------------------- */

int rec_new_id(char ret[REC_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char bytes[REC_ID_LEN / 2];
	size_t got = 0;

	while (got < sizeof(bytes)) {
		ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(bytes); i++) {
		ret[2 * i] = hex[bytes[i] >> 4];
		ret[2 * i + 1] = hex[bytes[i] & 0xf];
	}
	ret[REC_ID_LEN] = '\0';
	return 0;
}

bool rec_id_valid(const char *id)
{
	if (!id)
		return false;
	for (size_t i = 0; i < REC_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return id[REC_ID_LEN] == '\0';
}

/* ---- the directories ------------------------------------------------------ */

/* Root's (or the test's) and writable by nobody else: what a record's trust rests on. */
static int check_trusted(int fd, mode_t type, struct stat *ret_st)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if ((st.st_mode & S_IFMT) != type)
		return type == S_IFDIR ? -ENOTDIR : (S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD);
	if (st.st_uid != rec_trusted_uid || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	if (ret_st)
		*ret_st = st;
	return 0;
}

/*
 * Opens (with `create`, first makes) one directory of the layout. O_NOFOLLOW:
 * a symlink is refused, never followed. A directory made here gets its mode
 * with fchmod, so that the umask of whoever runs us does not decide it.
 */
static int open_layout_dir(int atfd, const char *path, bool create, mode_t mode)
{
	cleanup_close int fd = -1;
	bool made = false;
	int r;

	if (create) {
		if (mkdirat(atfd, path, mode) == 0)
			made = true;
		else if (errno != EEXIST)
			return -errno;
	}
	fd = openat(atfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (made && fchmod(fd, mode) < 0)
		return -errno;
	r = check_trusted(fd, S_IFDIR, NULL);
	if (r < 0)
		return r;
	return steal_fd(&fd);
}

/* The file cubicle-shell mounts the mount template onto: it cannot make it
 * (it runs as the user). Best effort: without it, containers are made
 * without the template. */
static void make_template_file(int run_fd)
{
	int fd = openat(run_fd, REC_MNT_TEMPLATE,
			O_CREAT | O_EXCL | O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0444);

	if (fd >= 0) {
		fchmod(fd, 0444);
		close(fd);
	}
}

/* <run_dir> itself (NULL: the built-in one), checked as every directory of the layout */
static int open_run_dir(const char *run_dir, bool create)
{
	if (!run_dir)
		run_dir = REC_DEFAULT_RUN_DIR;
	if (run_dir[0] == '\0')
		return -EINVAL;
	return open_layout_dir(AT_FDCWD, run_dir, create, 0755);
}

int rec_dir_open(const char *run_dir, bool create)
{
	cleanup_close int run_fd = -1;
	cleanup_close int locks_fd = -1;

	run_fd = open_run_dir(run_dir, create);
	if (run_fd < 0)
		return run_fd;
	if (create) {
		locks_fd = open_layout_dir(run_fd, REC_LOCKS, true, 0700);
		if (locks_fd < 0)
			return locks_fd;
		make_template_file(run_fd);
	}
	return open_layout_dir(run_fd, REC_SESSIONS, create, 0755);
}

int rec_layout_file_open(const char *run_dir, const char *name)
{
	cleanup_close int run_fd = -1, fd = -1;
	int r;

	run_fd = open_run_dir(run_dir, false);
	if (run_fd < 0)
		return run_fd;
	fd = openat(run_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = check_trusted(fd, S_IFREG, NULL);
	if (r < 0)
		return r;
	return steal_fd(&fd);
}

/* ---- writing ---------------------------------------------------------------- */

struct rec_buf {
	char data[REC_FILE_MAX + 1];
	size_t len;
	bool overflow;
};

/* One "key=value\n" line; control bytes in the value become '?', so that a
 * value can never end its line early or smuggle in another key. */
static void buf_put(struct rec_buf *b, const char *key, const char *value)
{
	size_t klen = strlen(key), vlen = strlen(value);

	if (b->overflow || klen + vlen + 2 > sizeof(b->data) - 1 - b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->data + b->len, key, klen);
	b->len += klen;
	b->data[b->len++] = '=';
	for (size_t i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)value[i];

		b->data[b->len++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	b->data[b->len++] = '\n';
	b->data[b->len] = '\0';
}

static void buf_put_u64(struct rec_buf *b, const char *key, uint64_t value)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, value);
	buf_put(b, key, num);
}

#define FIELD_TERMINATED(f) (strnlen((f), sizeof(f)) < sizeof(f))

static bool rec_fields_valid(const struct rec *r)
{
	if (!rec_id_valid(r->id) || !FIELD_TERMINATED(r->user) || !name_is_safe(r->user))
		return false;
	if (r->uid == (uid_t)-1 || r->pid <= 0 || r->start < 0)
		return false;
	if (!FIELD_TERMINATED(r->service) || !FIELD_TERMINATED(r->tty) ||
	    !FIELD_TERMINATED(r->rhost))
		return false;
	if (!FIELD_TERMINATED(r->cgroup) || !path_is_clean_absolute(r->cgroup))
		return false;
	if (r->n_orig > REC_ORIG_MAX)
		return false;
	for (size_t i = 0; i < r->n_orig; i++)
		if (!FIELD_TERMINATED(r->orig[i]) || r->orig[i][0] == '\0')
			return false;
	return true;
}

static int rec_format(const struct rec *r, struct rec_buf *b)
{
	b->len = 0;
	b->overflow = false;
	b->data[0] = '\0';
	buf_put(b, rec_keys[REC_KEY_ID].name, r->id);
	buf_put(b, rec_keys[REC_KEY_USER].name, r->user);
	buf_put_u64(b, rec_keys[REC_KEY_UID].name, r->uid);
	buf_put(b, rec_keys[REC_KEY_SERVICE].name, r->service);
	buf_put(b, rec_keys[REC_KEY_TTY].name, r->tty);
	buf_put(b, rec_keys[REC_KEY_RHOST].name, r->rhost);
	buf_put(b, rec_keys[REC_KEY_CGROUP].name, r->cgroup);
	buf_put_u64(b, rec_keys[REC_KEY_START].name, (uint64_t)r->start);
	buf_put_u64(b, rec_keys[REC_KEY_PID].name, (uint64_t)r->pid);
	buf_put_u64(b, rec_keys[REC_KEY_PID_START].name, r->pid_start);
	if (r->watcher > 0)
		buf_put_u64(b, rec_keys[REC_KEY_WATCHER].name, (uint64_t)r->watcher);
	for (size_t i = 0; i < r->n_orig; i++)
		buf_put(b, rec_keys[REC_KEY_ORIG].name, r->orig[i]);
	return b->overflow ? -E2BIG : 0;
}

#ifndef RENAME_NOREPLACE
/* musl (the static helpers, Makefile) has neither the flag nor the call */
#define RENAME_NOREPLACE (1 << 0)
static int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
		     unsigned int flags)
{
	return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, flags);
}
#endif

/* Puts tmp in place as id without ever replacing an existing record. */
static int rename_noreplace(int dirfd, const char *tmp, const char *id)
{
	if (renameat2(dirfd, tmp, dirfd, id, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return -errno;
	/* the kernel or file system lacks RENAME_NOREPLACE: link fails on an existing name */
	if (linkat(dirfd, tmp, dirfd, id, 0) < 0)
		return -errno;
	if (unlinkat(dirfd, tmp, 0) < 0) {
		int r = -errno;

		unlinkat(dirfd, id, 0);
		return r;
	}
	return 0;
}

int rec_write(int dirfd, const struct rec *r)
{
	cleanup_free struct rec_buf *b = NULL;
	cleanup_close int fd = -1;
	char tmp[REC_ID_LEN + 6];
	int ret;

	if (dirfd < 0 || !r || !rec_fields_valid(r))
		return -EINVAL;
	b = malloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	ret = rec_format(r, b);
	if (ret < 0)
		return ret;

	/* O_EXCL|O_NOFOLLOW: whatever already has this name (a crash's leftover,
	 * a planted symlink) is neither reused nor followed (SECURITY.md 7) */
	snprintf(tmp, sizeof(tmp), ".%s.tmp", r->id);
	fd = openat(dirfd, tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* From here on, every failure removes what was made: a full /run must
	 * leave neither a temp file nor a half-written record behind. */
	if (fchmod(fd, 0644) < 0)
		goto fail_tmp;
	ret = util_write_all(fd, b->data, b->len);
	if (ret < 0) {
		errno = -ret;
		goto fail_tmp;
	}
	if (fsync(fd) < 0)
		goto fail_tmp;
	ret = rename_noreplace(dirfd, tmp, r->id);
	if (ret < 0) {
		errno = -ret;
		goto fail_tmp;
	}
	if (fsync(dirfd) < 0) {
		ret = -errno;
		unlinkat(dirfd, r->id, 0);
		return ret;
	}
	return 0;

fail_tmp:
	ret = -errno;
	unlinkat(dirfd, tmp, 0);
	return ret;
}

int rec_remove(int dirfd, const char *id)
{
	if (!rec_id_valid(id))
		return -EINVAL;
	if (unlinkat(dirfd, id, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* ---- reading ---------------------------------------------------------------- */

static bool text_is_clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int copy_text(char *dst, size_t size, const char *value)
{
	size_t len = strlen(value);

	if (len >= size)
		return -EBADMSG;
	memcpy(dst, value, len + 1);
	return 0;
}

static int parse_number(const char *value, uint64_t max, uint64_t *ret)
{
	unsigned long long v;

	if (util_parse_u64(value, &v) < 0 || v > max)
		return -EBADMSG;
	*ret = v;
	return 0;
}

static int parse_line(struct rec *r, enum rec_key key, const char *value)
{
	uint64_t v;
	int ret;

	switch (key) {
	case REC_KEY_ID:
		return copy_text(r->id, sizeof(r->id), value);
	case REC_KEY_USER:
		ret = copy_text(r->user, sizeof(r->user), value);
		return ret < 0 ? ret : (name_is_safe(r->user) ? 0 : -EBADMSG);
	case REC_KEY_UID:
		ret = parse_number(value, (uid_t)-2, &v);
		if (ret == 0)
			r->uid = (uid_t)v;
		return ret;
	case REC_KEY_SERVICE:
		return copy_text(r->service, sizeof(r->service), value);
	case REC_KEY_TTY:
		return copy_text(r->tty, sizeof(r->tty), value);
	case REC_KEY_RHOST:
		return copy_text(r->rhost, sizeof(r->rhost), value);
	case REC_KEY_CGROUP:
		ret = copy_text(r->cgroup, sizeof(r->cgroup), value);
		return ret < 0 ? ret : (path_is_clean_absolute(r->cgroup) ? 0 : -EBADMSG);
	case REC_KEY_START:
		ret = parse_number(value, INT64_MAX, &v);
		if (ret == 0)
			r->start = (int64_t)v;
		return ret;
	case REC_KEY_PID:
		ret = parse_number(value, INT_MAX, &v);
		if (ret < 0 || v == 0)
			return -EBADMSG;
		r->pid = (pid_t)v;
		return 0;
	case REC_KEY_PID_START:
		return parse_number(value, UINT64_MAX, &r->pid_start);
	case REC_KEY_WATCHER:
		ret = parse_number(value, INT_MAX, &v);
		if (ret < 0 || v == 0)
			return -EBADMSG;
		r->watcher = (pid_t)v;
		return 0;
	case REC_KEY_ORIG:
		if (r->n_orig >= REC_ORIG_MAX || value[0] == '\0')
			return -EBADMSG;
		ret = copy_text(r->orig[r->n_orig], sizeof(r->orig[0]), value);
		if (ret == 0)
			r->n_orig++;
		return ret;
	case REC_KEY_COUNT:
		break;
	}
	return -EBADMSG;
}

/* Parses text (NUL-terminated, len bytes) as the record named id. */
static int rec_parse(char *text, size_t len, const char *id, struct rec *r)
{
	bool seen[REC_KEY_COUNT] = { false };
	char *p = text;
	int ret;

	if (strlen(text) != len) /* a NUL byte inside */
		return -EBADMSG;
	memset(r, 0, sizeof(*r));
	while (*p) {
		char *line = p, *nl = strchr(p, '\n'), *eq;
		enum rec_key key;

		if (!nl) /* every line ends in '\n': a cut-off record is no record */
			return -EBADMSG;
		*nl = '\0';
		p = nl + 1;
		eq = strchr(line, '=');
		if (!eq || !text_is_clean(line))
			return -EBADMSG;
		*eq = '\0';
		for (key = 0; key < REC_KEY_COUNT; key++)
			if (strcmp(line, rec_keys[key].name) == 0)
				break;
		if (key == REC_KEY_COUNT)
			return -EBADMSG;
		if (seen[key] && key != REC_KEY_ORIG)
			return -EBADMSG;
		seen[key] = true;
		ret = parse_line(r, key, eq + 1);
		if (ret < 0)
			return ret;
	}
	for (size_t k = 0; k < REC_KEY_COUNT; k++)
		if (rec_keys[k].required && !seen[k])
			return -EBADMSG;
	if (strcmp(r->id, id) != 0)
		return -EBADMSG;
	return 0;
}

int rec_read(int dirfd, const char *id, struct rec *ret)
{
	cleanup_free char *text = NULL;
	cleanup_free struct rec *r = NULL;
	cleanup_close int fd = -1;
	struct stat st;
	ssize_t n;
	int err;

	if (!rec_id_valid(id))
		return -EINVAL;
	/* O_NONBLOCK: a FIFO in the record's place must not hang the login */
	fd = openat(dirfd, id, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = check_trusted(fd, S_IFREG, &st);
	if (err < 0)
		return err;
	if (st.st_size > REC_FILE_MAX)
		return -EFBIG;
	text = malloc(REC_FILE_MAX + 2);
	if (!text)
		return -ENOMEM;
	n = util_read_all(fd, text, REC_FILE_MAX + 2);
	if (n < 0)
		return (int)n;
	if (n > REC_FILE_MAX) /* it grew since fstat */
		return -EFBIG;
	/* parsed aside: *ret stays untouched unless the whole record is good */
	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = rec_parse(text, (size_t)n, id, r);
	if (err < 0)
		return err;
	*ret = *r;
	return 0;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* A DIR of dirfd's directory with a descriptor of its own: closedir()
 * closes that one, and it reads from the start. */
static int open_dir_at(int dirfd, DIR **ret)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	*ret = fdopendir(fd);
	if (!*ret) {
		int r = -errno;

		close(fd);
		return r;
	}
	return 0;
}

int rec_list(int dirfd, struct rec **ret, size_t *ret_n)
{
	cleanup_free struct rec *recs = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int r = open_dir_at(dirfd, &d);

	if (r < 0)
		return r;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno != 0) {
				r = -errno;
				closedir(d);
				return r;
			}
			break;
		}
		if (!rec_id_valid(de->d_name)) /* ".", "..", temp files */
			continue;
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			struct rec *nrecs = reallocarray(recs, ncap, sizeof(*recs));

			if (!nrecs) {
				closedir(d);
				return -ENOMEM;
			}
			recs = nrecs;
			cap = ncap;
		}
		if (rec_read(dirfd, de->d_name, &recs[n]) == 0)
			n++;
	}
	closedir(d);
	if (n > 1)
		qsort(recs, n, sizeof(*recs), rec_cmp);
	*ret = n > 0 ? steal_pointer(&recs) : NULL;
	*ret_n = n;
	return 0;
}

/*
 * A writer killed between creating ".<id>.tmp" and the rename leaves that
 * file behind (rec_list never shows it). Such files older than `age_s`
 * seconds are removed; younger ones may belong to a writer still at work.
 */
int rec_remove_stale_temp(int dirfd, int64_t age_s)
{
	struct dirent *de;
	time_t now = time(NULL);
	int removed = 0;
	DIR *d;
	int r = open_dir_at(dirfd, &d);

	if (r < 0)
		return r;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct stat st;

		if (len != REC_ID_LEN + 5 || de->d_name[0] != '.' ||
		    strcmp(de->d_name + 1 + REC_ID_LEN, ".tmp") != 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (int64_t)(now - st.st_mtime) < age_s)
			continue;
		if (unlinkat(dirfd, de->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

/* ---- processes -------------------------------------------------------------- */

int rec_pid_start(pid_t pid, uint64_t *ret)
{
	char path[32], buf[4096], *p, *field, *save = NULL;
	cleanup_close int fd = -1;
	unsigned long long v;
	ssize_t n;

	if (pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			return -errno;
		/* gone, or hidden by hidepid=: only kill() tells which */
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return -ESRCH;
		return -EACCES;
	}
	n = util_read_all(fd, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/* "PID (COMM) STATE ...": COMM may hold spaces and ')', so the fields
	 * start after the last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return -EBADMSG;
	p++;
	field = strtok_r(p, " ", &save);
	if (!field)
		return -EBADMSG;
	/* a zombie has ended; only its exit status waits to be collected */
	if (field[0] == 'Z' || field[0] == 'X')
		return -ESRCH;
	for (int i = 4; i <= 22; i++) {
		field = strtok_r(NULL, " ", &save);
		if (!field)
			return -EBADMSG;
	}
	if (util_parse_u64(field, &v) < 0)
		return -EBADMSG;
	*ret = v;
	return 0;
}

bool rec_caller_alive(const struct rec *r)
{
	uint64_t start;
	int ret;

	if (!r || r->pid <= 0)
		return false;
	ret = rec_pid_start(r->pid, &start);
	if (ret == -ESRCH)
		return false;
	if (ret < 0) /* cannot tell (hidepid=): not proven gone */
		return true;
	return start == r->pid_start;
}

/* ---- locks ------------------------------------------------------------------- */

int rec_lock_user(const char *run_dir, uid_t uid)
{
	cleanup_close int run_fd = -1;
	cleanup_close int locks_fd = -1;
	cleanup_close int fd = -1;
	char name[16];
	int r;

	if (!run_dir)
		run_dir = REC_DEFAULT_RUN_DIR;
	run_fd = open_layout_dir(AT_FDCWD, run_dir, false, 0);
	if (run_fd < 0)
		return run_fd;
	locks_fd = open_layout_dir(run_fd, REC_LOCKS, false, 0);
	if (locks_fd < 0)
		return locks_fd;
	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	fd = openat(locks_fd, name, O_CREAT | O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = check_trusted(fd, S_IFREG, NULL);
	if (r < 0)
		return r;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -errno;
	return steal_fd(&fd);
}
