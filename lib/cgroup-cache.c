/* SPDX-License-Identifier: MIT */
/*
 * The cgroup layout, kept for the next reader.
 *
 * Finding the hierarchies means reading /proc/self/mountinfo, which costs the
 * kernel a formatted line (a path walk, the mount options) for every mount
 * of the whole table: on a host with thousands of mounts, most of a login,
 * and a login read it three times (open, the shell, close). pam_cubicle
 * keeps what it found in <run_dir>/cgroups; every later reader, root or not,
 * uses that file only after checking it against the system as it is now,
 * cheaply: the same hierarchies in /proc/self/cgroup (ids and controllers,
 * so a hierarchy mounted or unmounted since is noticed), and every mount
 * point still the root of a cgroup hierarchy (statfs magic, inode 1, no
 * symlink) on the device it had. Anything else, and the reader detects from
 * mountinfo again.
 */
#include "cgroup_internal.h"
#include "names.h"
#include "safeopen.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define LAYOUT_FILE "cgroups"
#define ALL_CTRLS   (CG_MEMORY | CG_PIDS | CG_CPU | CG_FREEZER)
#define LAYOUT_MAX  8192
#define KEY_MAX	    1024
/* the sscanf widths below */
_Static_assert(CG_PATH_MAX == 512, "h lines read the mount with %511s");
_Static_assert(sizeof(((struct cg_hier *)0)->name) == 32, "h lines read the name with %31s");

/* "9:name=systemd 8:pids ... 0:": the hierarchies of /proc/self/cgroup, without
 * this process's paths in them */
static int self_key(const char *self_cgroup, char *ret, size_t len)
{
	FILE *f = fopen(self_cgroup, "re");
	char line[1024];
	size_t used = 0;

	if (!f)
		return -errno;
	ret[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		char *ctrls = strchr(line, ':');
		char *end = ctrls ? strchr(ctrls + 1, ':') : NULL;
		int n;

		if (!end)
			continue;
		*end = '\0';
		n = snprintf(ret + used, len - used, "%s%s", used ? " " : "", line);
		if (n < 0 || (size_t)n >= len - used) {
			fclose(f);
			return -ENAMETOOLONG;
		}
		used += (size_t)n;
	}
	fclose(f);
	return 0;
}

/* The mount point is still the root of a cgroup hierarchy on device `dev`. */
static bool mount_still_root(const struct cg_hier *h, unsigned long long dev)
{
	struct statfs sfs;
	struct stat st;

	if (fstatat(AT_FDCWD, h->mount, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_ino != 1 || (unsigned long long)st.st_dev != dev)
		return false;
	if (statfs(h->mount, &sfs) < 0)
		return false;
	return h->v2 ? sfs.f_type == CGROUP2_SUPER_MAGIC : sfs.f_type == CGROUP_SUPER_MAGIC;
}

static bool word_ok(const char *s)
{
	return s[0] != '\0' && !strpbrk(s, " \t\n");
}

int cg_layout_save_at(int dirfd, const char *self_cgroup, const struct cg_layout *l)
{
	char key[KEY_MAX], buf[LAYOUT_MAX], tmp[64];
	size_t used;
	int n, fd, r;

	if (l->n == 0 || self_key(self_cgroup, key, sizeof(key)) < 0)
		return -EINVAL;
	n = snprintf(buf, sizeof(buf),
		     "# cubicle: the cgroup hierarchies (lib/cgroup-cache.c)\nkey %s\n", key);
	used = (size_t)n;
	for (size_t i = 0; i < l->n; i++) {
		const struct cg_hier *h = &l->h[i];
		struct stat st;

		if (!word_ok(h->mount) || (!h->v2 && !word_ok(h->name)) || stat(h->mount, &st) < 0)
			return -EINVAL;
		n = snprintf(buf + used, sizeof(buf) - used, "h %s %u %llu %s %s\n",
			     h->v2 ? "v2" : "v1", h->ctrls, (unsigned long long)st.st_dev,
			     h->v2 ? "-" : h->name, h->mount);
		if (n < 0 || (size_t)n >= sizeof(buf) - used)
			return -ENAMETOOLONG;
		used += (size_t)n;
	}
	snprintf(tmp, sizeof(tmp), ".%s.%d", LAYOUT_FILE, (int)getpid());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644) < 0)
		r = -errno;
	else
		r = util_write_all(fd, buf, used);
	close(fd);
	if (r == 0 && renameat(dirfd, tmp, dirfd, LAYOUT_FILE) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dirfd, tmp, 0);
	return r;
}

int cg_layout_load_at(int dirfd, const char *self_cgroup, uid_t owner, struct cg_layout *ret)
{
	char buf[LAYOUT_MAX], key[KEY_MAX], *line, *save = NULL;
	cleanup_close int fd = -1;
	struct cg_layout l = { .n = 0 };
	bool have_key = false;
	ssize_t len;

	fd = safe_openat_trusted_file(dirfd, LAYOUT_FILE, O_RDONLY, owner);
	if (fd < 0)
		return fd;
	len = util_read_all(fd, buf, sizeof(buf));
	if (len < 0)
		return (int)len;
	if ((size_t)len >= sizeof(buf) - 1)
		return -EFBIG;
	if (self_key(self_cgroup, key, sizeof(key)) < 0)
		return -ESTALE;

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char kind[8], name[sizeof(l.h[0].name)], mount[CG_PATH_MAX];
		unsigned long long dev;
		unsigned ctrls;
		int end = 0;

		if (line[0] == '#')
			continue;
		if (strncmp(line, "key ", 4) == 0) {
			if (have_key || strcmp(line + 4, key) != 0)
				return -ESTALE; /* hierarchies came or went */
			have_key = true;
			continue;
		}
		if (sscanf(line, "h %7s %u %llu %31s %511s%n", kind, &ctrls, &dev, name, mount,
			   &end) != 5 ||
		    line[end] != '\0' || l.n >= CG_HIER_MAX || (ctrls & ~ALL_CTRLS) ||
		    !path_is_clean_absolute(mount))
			return -EBADMSG;
		if (strcmp(kind, "v1") != 0 && strcmp(kind, "v2") != 0)
			return -EBADMSG;
		if (cg_layout_add(&l, mount, kind[1] == '2', ctrls, kind[1] == '2' ? "" : name) < 0)
			return -EBADMSG;
		if (!mount_still_root(&l.h[l.n - 1], dev))
			return -ESTALE;
	}
	if (!have_key || l.n == 0)
		return -EBADMSG;
	strcpy(l.proc, "/proc");
	*ret = l;
	return 0;
}

int cg_detect_cached(const char *run_dir, struct cg_layout *ret)
{
	cleanup_close int dirfd = -1;
	int r;

	dirfd = open(run_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd >= 0) {
		struct stat st;

		/* only a directory nobody but root can write into is believed */
		if (fstat(dirfd, &st) == 0 && st.st_uid == 0 &&
		    !(st.st_mode & (S_IWGRP | S_IWOTH)) &&
		    cg_layout_load_at(dirfd, "/proc/self/cgroup", 0, ret) == 0)
			return 0;
	}
	r = cg_detect(ret);
	if (r == 0 && dirfd >= 0 && geteuid() == 0)
		cg_layout_save_at(dirfd, "/proc/self/cgroup",
				  ret); /* the next reader's, if it can */
	return r;
}
