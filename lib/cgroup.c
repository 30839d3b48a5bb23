/* SPDX-License-Identifier: MIT */
/*
 * The session cgroups: detection of the hierarchies, paths, creation with
 * limits, attaching, killing, removal. What differs between cgroup v1 and v2
 * lives in cgroup-v1.c and cgroup-v2.c (struct cg_ops).
 *
 * Where libcgroup is used, and where not
 * --------------------------------------
 * libcgroup is the project's declared library for cgroups, and it is used
 * where it does its job correctly: cg_detect_libcgroup() (cgroup-libcgroup.c,
 * used by cubiclectl) asks cgroup_init() and cgroup_get_subsys_mount_point()
 * for the v1 mount points of the memory, pids, cpu and freezer controllers,
 * trusted only when /proc/self/mountinfo confirms that the path is a cgroup
 * (v1) mount carrying that controller. The login path (pam_cubicle, its
 * watcher, cubicle-shell and the container's init) uses cg_detect(), which
 * reads mountinfo alone: measured here, cgroup_init() dirties about 800 KiB
 * of libcgroup's static data in every process that calls it (1.2 MiB per
 * live session over init, the shell and the watcher) and reads the whole
 * mount table again. The cgroup2 mount is always found in mountinfo, and
 * what it can apply is read from its cgroup.controllers.
 *
 * Everything else writes and reads the cgroupfs files directly, because
 * libcgroup 2.0 (Debian 12):
 *   - has no cgroup.kill, and no freeze-kill-thaw loop to end a cgroup;
 *   - cannot enable v2 controllers down a path (cgroup.subtree_control of
 *     every ancestor), and says nothing useful about the EBUSY the kernel
 *     returns for an ancestor with processes;
 *   - works only on the real mount table, so none of it could be tested
 *     against the fake trees the unit tests build;
 *   - misreports hybrid hierarchies: on a hybrid host it places controllers
 *     such as hugetlb at the cgroup2 mount (/sys/fs/cgroup/unified), where
 *     they are not.
 *
 * Every cgroup file is opened with O_NOFOLLOW|O_CLOEXEC and never with
 * O_CREAT: cgroupfs has every control file from mkdir on, refuses to create
 * any (EACCES), and a missing file must read as ENOENT (controller not
 * enabled, no swap accounting). The fake trees of the tests set cg_fake_fs,
 * which creates files on write and clears a directory before rmdir.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup.h"
#include "cgroup_internal.h"
#include "names.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

bool cg_fake_fs;
bool cg_force_no_kill_file;

#define CG_SID_MAX	   64 /* hex digits of a session id */
#define CG_DEPTH_MAX	   64 /* components of <base>/<user>/<sid> */
#define CG_WALK_DEPTH_MAX  32 /* cgroups beneath a killed one */
#define CG_MOUNTS_MAX	   32 /* cgroup mounts looked at in mountinfo */
#define MOUNTINFO_BUF	   (64 * 1024)
#define CG_KILL_GRACE_NS   (50 * CG_NSEC_PER_MSEC)
#define CG_FREEZE_WAIT_NS  (100 * CG_NSEC_PER_MSEC)
#define CG_POLL_MIN_MS	   1
#define CG_POLL_MAX_MS	   20
#define CG_CPU_PERCENT_MAX 1000000u /* 10000 CPUs */
#define CG_CPU_WEIGHT_MAX  10000u

/* ---- small helpers ------------------------------------------------------- */

void cg_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* err = "<what> <path>: <strerror(-r)>"; returns r */
static int cg_errno(char *err, size_t errlen, int r, const char *what, const char *path)
{
	errno = -r;
	cg_errf(err, errlen, "%s %s: %m", what, path);
	return r;
}

int cg_path(const struct cg_hier *h, const char *rel, const char *file, char *buf, size_t size)
{
	const char *r = rel && strcmp(rel, "/") != 0 ? rel : "";
	int n = snprintf(buf, size, "%s%s%s%s", h->mount, r, file ? "/" : "", file ? file : "");

	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int write_path(const char *path, const char *value)
{
	int flags = O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC;
	cleanup_close int fd = -1;

	if (cg_fake_fs)
		flags |= O_CREAT;
	fd = open(path, flags, 0644);
	if (fd < 0)
		return -errno;
	/* cgroupfs takes a value in one write() and reports a bad one right there */
	return util_write_all(fd, value, strlen(value));
}

int cg_write(const struct cg_hier *h, const char *rel, const char *file, const char *value,
	     char *err, size_t errlen)
{
	char path[PATH_MAX];
	int r = cg_path(h, rel, file, path, sizeof(path));

	if (r < 0)
		return cg_errno(err, errlen, r, "path", h->mount);
	r = write_path(path, value);
	if (r < 0)
		return cg_errno(err, errlen, r, "write", path);
	return 0;
}

int cg_write_if_exists(const struct cg_hier *h, const char *rel, const char *file,
		       const char *value, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int r = cg_path(h, rel, file, path, sizeof(path));

	if (r < 0)
		return cg_errno(err, errlen, r, "path", h->mount);
	r = write_path(path, value);
	if (r == -ENOENT)
		return r;
	if (r < 0)
		return cg_errno(err, errlen, r, "write", path);
	return 0;
}

int cg_read(const struct cg_hier *h, const char *rel, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];
	cleanup_close int fd = -1;
	ssize_t n;
	int r = cg_path(h, rel, file, path, sizeof(path));

	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = util_read_all(fd, buf, size);
	return n < 0 ? (int)n : 0;
}

bool cg_exists(const struct cg_hier *h, const char *rel, const char *file)
{
	char path[PATH_MAX];
	struct stat st;

	if (cg_path(h, rel, file, path, sizeof(path)) < 0)
		return false;
	return fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(st.st_mode);
}

int cg_read_key(const struct cg_hier *h, const char *rel, const char *file, const char *key,
		uint64_t *ret)
{
	char buf[4096];
	size_t klen = strlen(key);
	int r = cg_read(h, rel, file, buf, sizeof(buf));

	if (r < 0)
		return r;
	for (char *line = buf; line && *line;) {
		char *next = strchr(line, '\n');

		if (next)
			*next++ = '\0';
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			unsigned long long v;

			r = util_parse_u64(line + klen + 1, &v);
			if (r < 0)
				return r;
			*ret = v;
			return 0;
		}
		line = next;
	}
	return -ENODATA;
}

bool cg_has_word(const char *s, const char *word)
{
	size_t wlen = strlen(word);

	while (*s) {
		size_t n;

		s += strspn(s, " \t\n");
		if (*s == '+')
			s++;
		n = strcspn(s, " \t\n");
		if (n == wlen && strncmp(s, word, n) == 0)
			return true;
		s += n;
	}
	return false;
}

uint64_t cg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void cg_poll_sleep(unsigned *delay_ms, uint64_t deadline_ns)
{
	uint64_t now = cg_now_ns();
	uint64_t ns = (uint64_t)*delay_ms * CG_NSEC_PER_MSEC;
	struct timespec ts;

	if (now >= deadline_ns)
		return;
	if (deadline_ns - now < ns)
		ns = deadline_ns - now;
	ts.tv_sec = (time_t)(ns / 1000000000ull);
	ts.tv_nsec = (long)(ns % 1000000000ull);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	*delay_ms = *delay_ms * 2 > CG_POLL_MAX_MS ? CG_POLL_MAX_MS : *delay_ms * 2;
}

static bool rel_ok(const char *rel)
{
	return rel && strlen(rel) < CG_PATH_MAX && path_is_clean_absolute(rel);
}

/* a cgroup that may be killed or removed: never a hierarchy's root */
static bool rel_ok_not_root(const char *rel)
{
	return rel_ok(rel) && strcmp(rel, "/") != 0;
}

static bool sid_ok(const char *sid)
{
	size_t n = sid ? strlen(sid) : 0;

	if (n == 0 || n > CG_SID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((sid[i] >= '0' && sid[i] <= '9') || (sid[i] >= 'a' && sid[i] <= 'f')))
			return false;
	return true;
}

static const char *proc_of(const struct cg_layout *l)
{
	return l->proc[0] ? l->proc : "/proc";
}

/* ---- pids in cgroup.procs ------------------------------------------------ */

typedef int (*cg_pid_fn)(pid_t pid, void *data);

/* Calls fn for every pid listed in an open cgroup.procs, read in chunks (a
 * fork bomb's list can be long). */
static int read_pids_fd(int fd, cg_pid_fn fn, void *data)
{
	char buf[4096];
	uint64_t v = 0;
	bool in_num = false;
	int r;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];

			if (c >= '0' && c <= '9') {
				v = v * 10 + (uint64_t)(c - '0');
				if (v > INT_MAX)
					return -EINVAL;
				in_num = true;
			} else if (c == '\n') {
				if (in_num) {
					r = fn((pid_t)v, data);
					if (r < 0)
						return r;
				}
				v = 0;
				in_num = false;
			} else {
				return -EINVAL;
			}
		}
	}
	if (in_num)
		return fn((pid_t)v, data);
	return 0;
}

/* Every pid in the cgroup open at dfd and in the cgroups beneath it. */
static int walk_pids_at(int dfd, unsigned depth, cg_pid_fn fn, void *data)
{
	cleanup_close int fd = openat(dfd, "cgroup.procs", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (fd >= 0) {
		r = read_pids_fd(fd, fn, data);
		if (r < 0)
			return r;
	} else if (errno != ENOENT) {
		return -errno;
	}
	if (depth >= CG_WALK_DEPTH_MAX)
		return -ELOOP;
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d)
		return -errno;
	steal_fd(&fd);
	while ((de = readdir(d))) {
		int child;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		child = openat(dirfd(d), de->d_name,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (child < 0) {
			if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
				continue; /* gone meanwhile, or not a cgroup */
			r = -errno;
			break;
		}
		r = walk_pids_at(child, depth + 1, fn, data);
		close(child);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

/* Every pid in rel and beneath it in h; a missing rel has none. */
static int walk_pids(const struct cg_hier *h, const char *rel, cg_pid_fn fn, void *data)
{
	char path[PATH_MAX];
	cleanup_close int dfd = -1;
	int r = cg_path(h, rel, NULL, path, sizeof(path));

	if (r < 0)
		return r;
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	return walk_pids_at(dfd, 0, fn, data);
}

int cg_for_each_pid(const struct cg_layout *l, const char *rel, int (*fn)(pid_t pid, void *data),
		    void *data)
{
	if (!l || l->n == 0 || !rel_ok(rel))
		return -EINVAL;
	/* every process is in every hierarchy: the first one lists them all */
	return walk_pids(&l->h[0], rel, fn, data);
}

static int count_pid(pid_t pid, void *data)
{
	(void)pid;
	(*(unsigned *)data)++;
	return 0;
}

int cg_count_procs(const struct cg_hier *h, const char *rel, unsigned *ret)
{
	unsigned n = 0;
	int r = walk_pids(h, rel, count_pid, &n);

	if (r < 0)
		return r;
	*ret = n;
	return 0;
}

/* ---- detection ----------------------------------------------------------- */

struct cg_mount {
	char point[CG_PATH_MAX];
	char opts[256]; /* super options: "rw,cpu,cpuacct" */
	bool v2;
};

static const struct {
	const char *name;
	unsigned bit;
} cg_ctrl_names[] = {
	{ "memory", CG_MEMORY },
	{ "pids", CG_PIDS },
	{ "cpu", CG_CPU },
	{ "freezer", CG_FREEZER },
};

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape_octal(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

/* Whether the comma-separated list has `word` as one of its items. */
static bool list_has(const char *list, const char *word)
{
	size_t wlen = strlen(word);

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");

		if (n == wlen && strncmp(p, word, n) == 0)
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

/*
 * The cgroup mounts of mountinfo whose root is the hierarchy's root (a bind
 * mount of a sub-cgroup would shift every path): "id parent maj:min root
 * point opts [optional...] - fstype source superopts".
 */
static int read_mounts(const char *mountinfo, struct cg_mount *ret, size_t max, size_t *ret_n)
{
	FILE *f = fopen(mountinfo, "re");
	char *line = NULL, *buf;
	size_t cap = 0, n = 0;

	if (!f)
		return -errno;
	/* one read for a table of some hundred mounts: with no buffer of its
	 * own, stdio reads procfs 1 KiB (st_blksize) at a time, 200 system
	 * calls for a table of 2,000 mounts (without memory for it: slower) */
	buf = malloc(MOUNTINFO_BUF);
	if (buf)
		setvbuf(f, buf, _IOFBF, MOUNTINFO_BUF);
	while (getline(&line, &cap, f) > 0) {
		char *field[6], *fstype = NULL, *superopts = NULL, *save = NULL, *tok;
		size_t nf = 0;

		line[strcspn(line, "\n")] = '\0';
		for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			if (nf < ARRAY_SIZE(field)) {
				field[nf++] = tok;
			} else if (strcmp(tok, "-") == 0) {
				fstype = strtok_r(NULL, " ", &save);
				if (fstype && strtok_r(NULL, " ", &save))
					superopts = strtok_r(NULL, " ", &save);
				break;
			}
		}
		if (nf < ARRAY_SIZE(field) || !fstype || !superopts)
			continue;
		if (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0)
			continue;
		if (strcmp(field[3], "/") != 0 || n >= max)
			continue;
		unescape_octal(field[4]);
		if (strlen(field[4]) >= sizeof(ret[n].point) ||
		    strlen(superopts) >= sizeof(ret[n].opts) || !path_is_clean_absolute(field[4]))
			continue;
		strcpy(ret[n].point, field[4]);
		strcpy(ret[n].opts, superopts);
		ret[n].v2 = strcmp(fstype, "cgroup2") == 0;
		n++;
	}
	free(line);
	fclose(f);
	free(buf);
	*ret_n = n;
	return 0;
}

/* The v1 mount carrying ctrl, at `point` if given. */
static const struct cg_mount *find_v1(const struct cg_mount *m, size_t n, const char *point,
				      const char *ctrl)
{
	for (size_t i = 0; i < n; i++)
		if (!m[i].v2 && list_has(m[i].opts, ctrl) &&
		    (!point || strcmp(m[i].point, point) == 0))
			return &m[i];
	return NULL;
}

/* The hierarchy's name in /proc/self/cgroup: the controller list of the line
 * "N:CTRLS:PATH" whose CTRLS has ctrl ("cpu" or "cpu,cpuacct"). */
static int self_name_of(const char *self_cgroup, const char *ctrl, char *ret, size_t size)
{
	FILE *f = fopen(self_cgroup, "re");
	char *line = NULL;
	size_t cap = 0;
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *ctrls = strchr(line, ':');
		char *end = ctrls ? strchr(ctrls + 1, ':') : NULL;

		if (!end)
			continue;
		ctrls++;
		*end = '\0';
		if (!list_has(ctrls, ctrl))
			continue;
		if (strlen(ctrls) >= size) {
			r = -ENAMETOOLONG;
			break;
		}
		strcpy(ret, ctrls);
		r = 0;
		break;
	}
	free(line);
	fclose(f);
	return r;
}

int cg_detect_from(const char *mountinfo, const char *self_cgroup, cg_v1_oracle oracle,
		   struct cg_layout *ret)
{
	struct cg_mount *mounts = calloc(CG_MOUNTS_MAX, sizeof(*mounts));
	struct cg_layout l = { .n = 0 };
	size_t n_mounts = 0;
	unsigned v1_ctrls = 0;
	int r;

	if (!mounts)
		return -ENOMEM;
	r = read_mounts(mountinfo, mounts, CG_MOUNTS_MAX, &n_mounts);
	if (r < 0)
		goto out;
	if (oracle && oracle(NULL, NULL, 0) < 0)
		oracle = NULL; /* the library failed: mountinfo alone */

	for (size_t c = 0; c < ARRAY_SIZE(cg_ctrl_names); c++) {
		const char *ctrl = cg_ctrl_names[c].name;
		const struct cg_mount *m = NULL;
		char name[sizeof(l.h[0].name)], point[CG_PATH_MAX];
		size_t i;

		/* the oracle's answer counts only where mountinfo shows a cgroup v1
		 * mount with that controller */
		if (oracle && oracle(ctrl, point, sizeof(point)) == 0)
			m = find_v1(mounts, n_mounts, point, ctrl);

		if (!m)
			m = find_v1(mounts, n_mounts, NULL, ctrl);
		/* not mounted as v1, or this process has no line for it: not used */
		if (!m || self_name_of(self_cgroup, ctrl, name, sizeof(name)) < 0)
			continue;
		for (i = 0; i < l.n; i++)
			if (strcmp(l.h[i].mount, m->point) == 0)
				break;
		if (i < l.n)
			l.h[i].ctrls |= cg_ctrl_names[c].bit; /* co-mounted: "memory,pids" */
		else if (cg_layout_add(&l, m->point, false, cg_ctrl_names[c].bit, name) < 0)
			continue;
		v1_ctrls |= cg_ctrl_names[c].bit;
	}

	for (size_t i = 0; i < n_mounts; i++) {
		struct cg_hier probe = { .v2 = true };
		char buf[1024];
		unsigned ctrls = 0;

		if (!mounts[i].v2)
			continue;
		strcpy(probe.mount, mounts[i].point);
		if (cg_read(&probe, "/", "cgroup.controllers", buf, sizeof(buf)) < 0)
			buf[0] = '\0';
		for (size_t c = 0; c < ARRAY_SIZE(cg_ctrl_names); c++)
			if (cg_has_word(buf, cg_ctrl_names[c].name))
				ctrls |= cg_ctrl_names[c].bit;
		/* a controller is in one hierarchy only; the freezer of v2 is cgroup.freeze */
		ctrls &= ~(v1_ctrls | CG_FREEZER);
		r = cg_layout_add(&l, mounts[i].point, true, ctrls, "");
		if (r < 0)
			goto out;
		break;
	}
	r = -ENOENT;
	if (l.n == 0)
		goto out;
	strcpy(l.proc, "/proc");
	*ret = l;
	r = 0;
out:
	free(mounts);
	return r;
}

int cg_detect(struct cg_layout *ret)
{
	return cg_detect_from("/proc/self/mountinfo", "/proc/self/cgroup", NULL, ret);
}

int cg_layout_add(struct cg_layout *l, const char *mount, bool v2, unsigned ctrls, const char *name)
{
	struct cg_hier *h;

	if (!l || !mount || !name || !path_is_clean_absolute(mount))
		return -EINVAL;
	if (strlen(mount) >= sizeof(h->mount) || strlen(name) >= sizeof(h->name))
		return -ENAMETOOLONG;
	if (v2 != (name[0] == '\0') || strchr(name, ':') || strchr(name, '\n'))
		return -EINVAL;
	if (l->n >= CG_HIER_MAX)
		return -ENOSPC;
	h = &l->h[l->n++];
	memset(h, 0, sizeof(*h));
	strcpy(h->mount, mount);
	h->v2 = v2;
	h->ctrls = ctrls;
	strcpy(h->name, name);
	return 0;
}

unsigned cg_missing_ctrls(const struct cg_layout *l, unsigned wanted)
{
	unsigned have = 0;

	for (size_t i = 0; i < l->n; i++)
		have |= l->h[i].ctrls;
	return wanted & ~have;
}

unsigned cg_limits_ctrls(const struct cg_limits *lim)
{
	unsigned c = 0;

	if (!lim)
		return 0;
	if (lim->memory_max != CG_UNLIMITED || lim->memory_swap_max != CG_UNLIMITED)
		c |= CG_MEMORY;
	if (lim->pids_max != CG_UNLIMITED)
		c |= CG_PIDS;
	if (lim->cpu_max_percent != CG_UNLIMITED || lim->cpu_weight != 0)
		c |= CG_CPU;
	return c;
}

/* ---- creating a session's cgroups ---------------------------------------- */

static int check_limits(const struct cg_limits *lim, const char *what, char *err, size_t errlen)
{
	if (lim->cpu_max_percent != CG_UNLIMITED &&
	    (lim->cpu_max_percent == 0 || lim->cpu_max_percent > CG_CPU_PERCENT_MAX)) {
		cg_errf(err, errlen, "%s cpu_max %" PRIu64 "%% is out of range (1..%u%%)", what,
			lim->cpu_max_percent, CG_CPU_PERCENT_MAX);
		return -EINVAL;
	}
	if (lim->cpu_weight > CG_CPU_WEIGHT_MAX) {
		cg_errf(err, errlen, "%s cpu_weight %" PRIu64 " is out of range (1..%u)", what,
			lim->cpu_weight, CG_CPU_WEIGHT_MAX);
		return -EINVAL;
	}
	return 0;
}

/* rmdir; on a fake tree the files in it go first (cgroupfs drops them itself) */
static int remove_dir(const char *path)
{
	DIR *d;
	struct dirent *de;

	if (rmdir(path) == 0)
		return 0;
	if (!cg_fake_fs || (errno != ENOTEMPTY && errno != EEXIST))
		return -errno;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_type == DT_REG)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	return rmdir(path) == 0 ? 0 : -errno;
}

/* mkdir of one cgroup: 0 if made, -EEXIST if there (as a directory), -errno */
static int make_dir(const struct cg_hier *h, const char *rel, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;
	int r = cg_path(h, rel, NULL, path, sizeof(path));

	if (r < 0)
		return cg_errno(err, errlen, r, "path", h->mount);
	/*
	 * Root makes the cgroup and keeps it, 0755, never chowned: no file in
	 * it is writable by the user (SECURITY.md 12). A cgroup its user could
	 * write would let them lift its limits, and on v1 reach release_agent
	 * (CVE-2022-0492).
	 */
	if (mkdir(path, 0755) < 0) {
		r = -errno;
		if (r != -EEXIST)
			return cg_errno(err, errlen, r, "mkdir", path);
		if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			return cg_errno(err, errlen, -ENOTDIR, "mkdir", path);
		return -EEXIST;
	}
	/* mkdir applied the umask; the mode must be exactly 0755 whatever it was */
	if (chmod(path, 0755) < 0) {
		r = -errno;
		remove_dir(path);
		return cg_errno(err, errlen, r, "chmod", path);
	}
	return 0;
}

/* The end offset of each component of rel ("a/b/c": 1, 3, 5); their number,
 * or -ENAMETOOLONG past CG_DEPTH_MAX. */
static int component_ends(const char *rel, size_t ends[CG_DEPTH_MAX])
{
	size_t len = strlen(rel);
	int n = 0;

	for (size_t i = 1; i <= len; i++) {
		if (i < len && rel[i] != '/')
			continue;
		if (n >= CG_DEPTH_MAX)
			return -ENAMETOOLONG;
		ends[n++] = i;
	}
	return n;
}

/*
 * mkdir -p of leaf_rel in h. Bit k of *made is set for the k-th component
 * made here, so that a failure removes exactly those and nothing that was
 * there before. The leaf must be new.
 *
 * From the leaf up until a mkdir succeeds or finds its component there,
 * then down again: a login whose user node exists makes one mkdir per
 * hierarchy instead of one per component (each a walk of the whole path).
 */
static int make_path(const struct cg_hier *h, const char *leaf_rel, uint64_t *made, char *err,
		     size_t errlen)
{
	char prefix[CG_PATH_MAX];
	size_t ends[CG_DEPTH_MAX];
	int n = component_ends(leaf_rel, ends), k, r = -ENOENT;

	if (n < 0) {
		cg_errf(err, errlen, "cgroup path %s has more than %u components", leaf_rel,
			CG_DEPTH_MAX);
		return n;
	}
	for (k = n - 1; k >= 0; k--) {
		memcpy(prefix, leaf_rel, ends[k]);
		prefix[ends[k]] = '\0';
		r = make_dir(h, prefix, err, errlen);
		if (r != -ENOENT)
			break;
	}
	/* something above is not a directory: the walk down from the top
	 * names which one */
	if (r == -ENOTDIR) {
		k = -1;
		r = -ENOENT;
	}
	if (r < 0 && r != -EEXIST && r != -ENOENT)
		return r;
	if (r == 0)
		*made |= UINT64_C(1) << k;
	for (;;) {
		if (r == -EEXIST && k == n - 1) {
			char path[PATH_MAX];

			cg_path(h, prefix, NULL, path, sizeof(path));
			cg_errf(err, errlen, "cgroup %s exists already", path);
			return -EEXIST;
		}
		if (++k >= n)
			return 0;
		memcpy(prefix, leaf_rel, ends[k]);
		prefix[ends[k]] = '\0';
		r = make_dir(h, prefix, err, errlen);
		if (r == 0)
			*made |= UINT64_C(1) << k;
		else if (r != -EEXIST)
			return r;
	}
}

/* Removes, deepest first, the components of leaf_rel that make_path made. */
static void unmake_path(const struct cg_hier *h, const char *leaf_rel, uint64_t made)
{
	char prefix[CG_PATH_MAX];
	size_t ends[CG_DEPTH_MAX];
	int k = component_ends(leaf_rel, ends);

	while (k-- > 0) {
		char path[PATH_MAX];

		if (!(made & (UINT64_C(1) << k)))
			continue;
		memcpy(prefix, leaf_rel, ends[k]);
		prefix[ends[k]] = '\0';
		if (cg_path(h, prefix, NULL, path, sizeof(path)) == 0)
			remove_dir(path);
	}
}

static const char *ctrl_name(unsigned bit)
{
	for (size_t c = 0; c < ARRAY_SIZE(cg_ctrl_names); c++)
		if (cg_ctrl_names[c].bit == bit)
			return cg_ctrl_names[c].name;
	return "?";
}

int cg_create_session(const struct cg_layout *l, const char *base, const char *user,
		      const char *sid, const struct cg_limits *user_lim,
		      const struct cg_limits *sess_lim, char *err, size_t errlen)
{
	char user_rel[CG_PATH_MAX], leaf_rel[CG_PATH_MAX];
	uint64_t made[CG_HIER_MAX] = { 0 };
	unsigned needed, missing;
	size_t i;
	int n, r;

	if (!l || !user_lim || !sess_lim)
		return -EINVAL;
	if (!rel_ok(base)) {
		char shown[CG_PATH_MAX];

		text_escape(shown, sizeof(shown), base ? base : "(null)");
		cg_errf(err, errlen, "cgroup root \"%s\" is not a clean absolute path", shown);
		return -EINVAL;
	}
	if (!name_is_safe(user)) {
		cg_errf(err, errlen, "user name not usable in a cgroup path");
		return -EINVAL;
	}
	if (!sid_ok(sid)) {
		cg_errf(err, errlen, "session id is not 1..%d lowercase hex digits", CG_SID_MAX);
		return -EINVAL;
	}
	r = check_limits(user_lim, "user", err, errlen);
	if (r == 0)
		r = check_limits(sess_lim, "session", err, errlen);
	if (r < 0)
		return r;
	n = snprintf(user_rel, sizeof(user_rel), "%s/%s", strcmp(base, "/") == 0 ? "" : base, user);
	if (n < 0 || (size_t)n >= sizeof(user_rel)) {
		cg_errf(err, errlen, "cgroup path %s/%s is too long", base, user);
		return -ENAMETOOLONG;
	}
	n = snprintf(leaf_rel, sizeof(leaf_rel), "%s/%s", user_rel, sid);
	if (n < 0 || (size_t)n >= sizeof(leaf_rel)) {
		cg_errf(err, errlen, "cgroup path %s/%s is too long", user_rel, sid);
		return -ENAMETOOLONG;
	}
	needed = cg_limits_ctrls(user_lim) | cg_limits_ctrls(sess_lim);
	missing = cg_missing_ctrls(l, needed);
	if (missing) {
		cg_errf(err, errlen,
			"the %s cgroup controller is not available, but the limits need it",
			ctrl_name(missing & -missing));
		return -EOPNOTSUPP;
	}
	if (l->n == 0) {
		cg_errf(err, errlen, "no cgroup hierarchy found");
		return -ENOENT;
	}

	for (i = 0; i < l->n; i++) {
		const struct cg_hier *h = &l->h[i];
		const struct cg_ops *ops = cg_ops_of(h);

		r = make_path(h, leaf_rel, &made[i], err, errlen);
		if (r < 0)
			goto fail;
		if (needed & h->ctrls) {
			r = ops->enable(h, user_rel, needed & h->ctrls, err, errlen);
			if (r < 0)
				goto fail;
		}
		/* the user node every time: the config may have changed since its last login */
		r = ops->set_limits(h, user_rel, user_lim, NULL, err, errlen);
		if (r < 0)
			goto fail;
		r = ops->set_limits(h, leaf_rel, sess_lim, user_lim, err, errlen);
		if (r < 0)
			goto fail;
	}
	return 0;

fail:
	for (size_t j = i + 1; j-- > 0;)
		unmake_path(&l->h[j], leaf_rel, made[j]);
	return r;
}

/* ---- processes ------------------------------------------------------------- */

int cg_attach(const struct cg_layout *l, const char *rel, pid_t pid, char *err, size_t errlen)
{
	char value[24];

	if (!l || !rel_ok(rel) || pid <= 0) {
		cg_errf(err, errlen, "cg_attach: bad cgroup path or pid");
		return -EINVAL;
	}
	snprintf(value, sizeof(value), "%d", (int)pid);
	for (size_t i = 0; i < l->n; i++) {
		/* cgroup.procs moves the whole process, in v1 as in v2 */
		int r = cg_write(&l->h[i], rel, "cgroup.procs", value, err, errlen);

		if (r < 0)
			return r;
	}
	return 0;
}

int cg_attach_each(const struct cg_layout *l, char paths[][CG_PATH_MAX], pid_t pid)
{
	char value[24];
	int ret = 0;

	if (!l || !paths || pid <= 0)
		return -EINVAL;
	for (size_t i = 0; i < l->n; i++)
		if (!rel_ok(paths[i]))
			return -EINVAL;
	snprintf(value, sizeof(value), "%d", (int)pid);
	for (size_t i = 0; i < l->n; i++) {
		int r = cg_write(&l->h[i], paths[i], "cgroup.procs", value, NULL, 0);

		if (r < 0 && ret == 0)
			ret = r; /* on with the others: put back as much as can be */
	}
	return ret;
}

/* Reads <proc>/<pid>/cgroup: "0::PATH" for v2, "N:CTRLS:PATH" for v1. */
static int read_pid_cgroups(const struct cg_layout *l, pid_t pid, char ret[][CG_PATH_MAX])
{
	char path[PATH_MAX];
	bool found[CG_HIER_MAX] = { false };
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int n, r = 0;

	if (pid <= 0)
		return -EINVAL;
	n = snprintf(path, sizeof(path), "%s/%d/cgroup", proc_of(l), (int)pid);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (r == 0 && getline(&line, &cap, f) > 0) {
		char *ctrls = strchr(line, ':');
		char *cg = ctrls ? strchr(ctrls + 1, ':') : NULL;

		if (!cg)
			continue;
		*ctrls++ = '\0';
		*cg++ = '\0';
		cg[strcspn(cg, "\n")] = '\0';
		for (size_t i = 0; i < l->n; i++) {
			const struct cg_hier *h = &l->h[i];
			bool match = h->v2 ? strcmp(line, "0") == 0 && ctrls[0] == '\0'
					   : strcmp(ctrls, h->name) == 0;

			if (!match || found[i])
				continue;
			if (strlen(cg) >= CG_PATH_MAX) {
				r = -ENAMETOOLONG;
				break;
			}
			strcpy(ret[i], cg);
			found[i] = true;
		}
	}
	free(line);
	fclose(f);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l->n; i++)
		if (!found[i])
			return -ENOENT;
	return 0;
}

int cg_pid_cgroups(const struct cg_layout *l, pid_t pid, char ret[][CG_PATH_MAX])
{
	char(*tmp)[CG_PATH_MAX];
	int r;

	if (!l || !ret)
		return -EINVAL;
	tmp = calloc(CG_HIER_MAX, sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	r = read_pid_cgroups(l, pid, tmp);
	if (r == 0)
		memcpy(ret, tmp, l->n * sizeof(*tmp));
	free(tmp);
	return r;
}

static bool path_beneath(const char *path, const char *rel)
{
	size_t n = strlen(rel);

	return strncmp(path, rel, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int cg_pid_in(const struct cg_layout *l, pid_t pid, const char *rel)
{
	cleanup_free char(*cur)[CG_PATH_MAX] = calloc(CG_HIER_MAX, sizeof(*cur));
	int r;

	if (!l || !rel_ok(rel))
		return -EINVAL;
	if (!cur)
		return -ENOMEM;
	r = read_pid_cgroups(l, pid, cur);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(cur[i], rel) != 0)
			return 0;
	return 1;
}

/* ---- killing --------------------------------------------------------------- */

struct kill_ctx {
	const struct cg_layout *l;
	size_t hier; /* the hierarchy whose cgroup.procs is being read */
	const char *rel;
	pid_t self;
	pid_t *seen; /* sorted: the pids signalled this round */
	size_t n_seen, cap_seen;
};

/* Whether pid was signalled this round; *ret_pos is where it belongs if not. */
static bool seen_find(const struct kill_ctx *k, pid_t pid, size_t *ret_pos)
{
	size_t lo = 0, hi = k->n_seen;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->seen[mid] == pid)
			return true;
		if (k->seen[mid] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*ret_pos = lo;
	return false;
}

static void seen_add(struct kill_ctx *k, pid_t pid, size_t pos)
{
	if (k->n_seen == k->cap_seen) {
		size_t cap = k->cap_seen ? k->cap_seen * 2 : 64;
		pid_t *p = reallocarray(k->seen, cap, sizeof(*p));

		if (!p)
			return; /* then it is signalled again, no harm */
		k->seen = p;
		k->cap_seen = cap;
	}
	memmove(k->seen + pos + 1, k->seen + pos, (k->n_seen - pos) * sizeof(*k->seen));
	k->seen[pos] = pid;
	k->n_seen++;
}

static int pid_hier_path(const struct kill_ctx *k, pid_t pid, char *ret)
{
	cleanup_free char(*cur)[CG_PATH_MAX] = calloc(CG_HIER_MAX, sizeof(*cur));
	int r;

	if (!cur)
		return -ENOMEM;
	r = read_pid_cgroups(k->l, pid, cur);
	if (r < 0)
		return r;
	strcpy(ret, cur[k->hier]);
	return 0;
}

/*
 * SIGKILL for one pid read from cgroup.procs. Between that read and the
 * signal the process may have exited and its pid been reused by a process
 * outside the session: the pidfd pins one process, and it is signalled only
 * if /proc shows that very process inside rel.
 */
static int kill_member(pid_t pid, void *data)
{
	struct kill_ctx *k = data;
	char where[CG_PATH_MAX];
	cleanup_close int pfd = -1;
	size_t pos;
	long r;

	/* every hierarchy lists the same processes: once per round is enough */
	if (pid == k->self || seen_find(k, pid, &pos))
		return 0;
	pfd = util_pidfd_open(pid);
	if (pfd < 0 && errno != ENOSYS)
		return 0; /* gone already */
	if (pid_hier_path(k, pid, where) < 0 || !path_beneath(where, k->rel))
		return 0;
	if (pfd >= 0)
		r = util_pidfd_kill(pfd, SIGKILL);
	else
		r = kill(pid, SIGKILL);
	if (r == 0)
		seen_add(k, pid, pos);
	return 0;
}

/* Whether this process is in rel or beneath it in some hierarchy. */
static bool self_inside(const struct cg_layout *l, const char *rel)
{
	cleanup_free char(*cur)[CG_PATH_MAX] = calloc(CG_HIER_MAX, sizeof(*cur));

	if (!cur || read_pid_cgroups(l, getpid(), cur) < 0)
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (path_beneath(cur[i], rel))
			return true;
	return false;
}

/* 1 when no hierarchy has a process in rel or beneath it */
static int all_empty(const struct cg_layout *l, const char *rel)
{
	for (size_t i = 0; i < l->n; i++) {
		int r = cg_ops_of(&l->h[i])->populated(&l->h[i], rel);

		if (r != 0)
			return r < 0 ? r : 0;
	}
	return 1;
}

/*
 * Without cgroup.kill: freeze rel, so that nothing in it can fork while the
 * pids are read; SIGKILL every pid listed; thaw, so that the signals are
 * delivered (a v1-frozen task does not die until thawed). The v1 freezer is
 * preferred where there is one; v2 has cgroup.freeze in every cgroup.
 */
static void signal_round(const struct cg_layout *l, const char *rel, uint64_t deadline)
{
	const struct cg_hier *fz = NULL;
	struct kill_ctx k = { .l = l, .rel = rel, .self = getpid() };
	uint64_t now = cg_now_ns();
	uint64_t wait = deadline > now ? deadline - now : 0;

	if (wait > CG_FREEZE_WAIT_NS)
		wait = CG_FREEZE_WAIT_NS;
	for (int pass = 0; pass < 2 && !fz; pass++)
		for (size_t i = 0; i < l->n && !fz; i++) {
			const struct cg_hier *h = &l->h[i];
			int r;

			if (pass == 0 ? !(h->ctrls & CG_FREEZER) : !h->v2)
				continue;
			/* frozen or not after `wait`: it was asked, so it is thawed below */
			r = cg_ops_of(h)->freeze(h, rel, true, wait);
			if (r == 0 || r == -ETIMEDOUT)
				fz = h;
		}
	for (k.hier = 0; k.hier < l->n; k.hier++)
		walk_pids(&l->h[k.hier], rel, kill_member, &k);
	if (fz)
		cg_ops_of(fz)->freeze(fz, rel, false, 0);
	free(k.seen);
}

#define CG_EXIT_WATCH_MAX 64

/* What one step of wait_emptied() polls: [0] a v2 cgroup.events (or -1),
 * then a pidfd for each member of the cgroup, readable once it has exited. */
struct exit_watch {
	struct pollfd pfd[1 + CG_EXIT_WATCH_MAX];
	nfds_t n;
	bool overflow; /* more members than pidfds: the step runs its course */
};

static int watch_member(pid_t pid, void *data)
{
	struct exit_watch *w = data;
	int fd;

	if (w->n == ARRAY_SIZE(w->pfd)) {
		w->overflow = true;
		return 0;
	}
	fd = util_pidfd_open(pid);
	if (fd >= 0) /* else gone already */
		w->pfd[w->n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	return 0;
}

/* Opens rel's cgroup.events in a v2 hierarchy: 1 if it already says
 * "populated 0", 0 with *ret_fd armed for POLLPRI, 0 and -1 without one. */
static int open_events(const struct cg_layout *l, const char *rel, int *ret_fd)
{
	*ret_fd = -1;
	for (size_t i = 0; i < l->n; i++) {
		char path[PATH_MAX], buf[256];
		cleanup_close int fd = -1;
		ssize_t n;

		if (!l->h[i].v2 || cg_path(&l->h[i], rel, "cgroup.events", path, sizeof(path)) < 0)
			continue;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return 0;
		/* the read arms the notification */
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			return 0;
		buf[n] = '\0';
		if (strstr(buf, "populated 0"))
			return 1;
		*ret_fd = steal_fd(&fd);
		return 0;
	}
	return 0;
}

/*
 * Waits until rel may have emptied: a step of a backoff that doubles, cut
 * short as soon as every member of rel has exited (a pidfd of each, opened
 * after they were killed) or a v2 hierarchy says "populated 0" (POLLPRI on
 * cgroup.events; on a hybrid host the v2 leaf holds the same processes as
 * the v1 ones). The kernel sends that notification at most every 10 ms per
 * file, so for a cgroup that filled moments before, as at a logout, it is
 * the pidfds that end the wait. The caller checks every hierarchy after.
 */
static void wait_emptied(const struct cg_layout *l, const char *rel, unsigned *delay,
			 uint64_t deadline)
{
	struct exit_watch w = { .n = 1 };
	uint64_t now = cg_now_ns(), end;
	size_t hier = 0;

	if (cg_fake_fs) {
		cg_poll_sleep(delay, deadline);
		return;
	}
	if (open_events(l, rel, &w.pfd[0].fd) == 1)
		return;
	w.pfd[0].events = POLLPRI;
	for (size_t i = 0; i < l->n; i++)
		if (l->h[i].v2)
			hier = i;
	/* every process is in every hierarchy: one lists them all */
	walk_pids(&l->h[hier], rel, watch_member, &w);
	if (w.n == 1 && !w.overflow && w.pfd[0].fd < 0) {
		/* nothing to wait on (gone meanwhile, or unreadable): a plain step */
		cg_poll_sleep(delay, deadline);
		return;
	}

	end = now + (uint64_t)*delay * CG_NSEC_PER_MSEC;
	if (end > deadline)
		end = deadline;
	while (now < end && (w.n > 1 || w.overflow || w.pfd[0].fd >= 0)) {
		int ms = (int)((end - now + CG_NSEC_PER_MSEC - 1) / CG_NSEC_PER_MSEC);
		int r = poll(w.pfd, w.n, ms);

		now = cg_now_ns();
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || (w.pfd[0].revents & (POLLPRI | POLLERR)))
			break;
		for (nfds_t i = 1; i < w.n;) {
			if (w.pfd[i].revents) {
				close(w.pfd[i].fd);
				w.pfd[i] = w.pfd[--w.n];
			} else {
				i++;
			}
		}
		if (w.n == 1 && !w.overflow)
			break; /* every member it had has exited */
	}
	for (nfds_t i = 0; i < w.n; i++)
		if (w.pfd[i].fd >= 0)
			close(w.pfd[i].fd);
	*delay = *delay * 2 > CG_POLL_MAX_MS ? CG_POLL_MAX_MS : *delay * 2;
}

int cg_kill(const struct cg_layout *l, const char *rel, unsigned timeout_ms)
{
	uint64_t start = cg_now_ns();
	uint64_t deadline = start + (uint64_t)timeout_ms * CG_NSEC_PER_MSEC;
	unsigned delay = CG_POLL_MIN_MS;
	bool kill_file = false;
	int r;

	if (!l || !rel_ok_not_root(rel))
		return -EINVAL;
	/* the caller itself in the cgroup it ends would be killed with it: a bug upstream */
	if (self_inside(l, rel))
		return -EDEADLK;

	/* cgroup.kill (5.14) kills the whole subtree at once, also what forks meanwhile */
	for (size_t i = 0; i < l->n && !cg_force_no_kill_file; i++) {
		const struct cg_hier *h = &l->h[i];

		if (h->v2 && cg_exists(h, rel, "cgroup.kill") &&
		    cg_write(h, rel, "cgroup.kill", "1", NULL, 0) == 0)
			kill_file = true;
	}
	for (;;) {
		/*
		 * Without cgroup.kill, or when something outlives it (a hybrid
		 * host's process may sit in rel in a v1 hierarchy only): signal.
		 */
		if (!kill_file || cg_now_ns() - start >= CG_KILL_GRACE_NS)
			signal_round(l, rel, deadline);
		r = all_empty(l, rel);
		if (r != 0)
			return r < 0 ? r : 0;
		if (cg_now_ns() >= deadline)
			return -ETIMEDOUT;
		wait_emptied(l, rel, &delay, deadline);
	}
}

/* ---- removal and statistics ------------------------------------------------ */

int cg_remove(const struct cg_layout *l, const char *rel)
{
	int ret = 0;

	if (!l || !rel_ok_not_root(rel))
		return -EINVAL;
	for (size_t i = 0; i < l->n; i++) {
		char path[PATH_MAX];
		int r = cg_path(&l->h[i], rel, NULL, path, sizeof(path));

		if (r == 0)
			r = remove_dir(path);
		if (r == -ENOENT)
			r = 0;
		if (r == -ENOTEMPTY)
			r = -EBUSY;
		if (r < 0 && (ret == 0 || r == -EBUSY))
			ret = r; /* and on with the others */
	}
	return ret;
}

static int cg_count_lines(const struct cg_hier *h, const char *rel, const char *file, unsigned *ret)
{
	char path[PATH_MAX];
	cleanup_close int fd = -1;
	unsigned n = 0;
	int r = cg_path(h, rel, file, path, sizeof(path));

	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read_pids_fd(fd, count_pid, &n);
	if (r < 0)
		return r;
	*ret = n;
	return 0;
}

int cg_stats(const struct cg_layout *l, const char *rel, unsigned *ret_procs, uint64_t *ret_mem)
{
	unsigned procs = 0;
	uint64_t mem = CG_UNLIMITED;
	bool found = false;

	if (!l || !rel_ok(rel) || !ret_procs || !ret_mem)
		return -EINVAL;
	for (size_t i = 0; i < l->n; i++) {
		unsigned n;

		if (!cg_exists(&l->h[i], rel, NULL))
			continue;
		found = true;
		if (cg_count_lines(&l->h[i], rel, "cgroup.procs", &n) == 0 && n > procs)
			procs = n;
	}
	if (!found)
		return -ENOENT;
	for (size_t i = 0; i < l->n; i++) {
		const struct cg_hier *h = &l->h[i];
		char buf[64];
		unsigned long long v;

		if (!(h->ctrls & CG_MEMORY))
			continue;
		if (cg_read(h, rel, cg_ops_of(h)->memory_current, buf, sizeof(buf)) == 0) {
			buf[strcspn(buf, "\n")] = '\0';
			if (util_parse_u64(buf, &v) == 0)
				mem = v;
		}
		break;
	}
	*ret_procs = procs;
	*ret_mem = mem;
	return 0;
}
