/* SPDX-License-Identifier: MIT */
/*
 * Reading the config files, and deciding whether to trust them (SECURITY.md
 * 14): a file that someone other than root could have written may grant
 * anything, so it is refused before a byte of it is parsed.
 *
 * Every file and directory is opened once, without following a symlink, and
 * everything after that (the checks, the reads, the directory walk, opening
 * the drop-ins) goes through that descriptor, so nothing can be swapped in
 * between the check and the use. Files are opened O_NONBLOCK: a FIFO planted
 * under a config name must not hang every login.
 */
#include "conf_internal.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct loader {
	uid_t owner;
	struct conf *c;
	struct conf_diags *diags;
	char *buf;	 /* CONF_FILE_MAX + 2 bytes, reused for every file */
	int first_error; /* the first content error, reported after every file was read */
};

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static void free_names(char ***names)
{
	if (!*names)
		return;
	for (char **n = *names; *n; n++)
		free(*n);
	free(*names);
}

/* Why an open() of path with O_NOFOLLOW failed, for the diagnostic. */
static int open_error(struct loader *ld, const char *path, int err)
{
	struct stat st;

	/* O_DIRECTORY|O_NOFOLLOW on a symlink fails with ENOTDIR */
	if (err == ELOOP || (err == ENOTDIR && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))) {
		conf_diag_add(ld->diags, path, 0, "is a symbolic link (not followed)");
		return -ELOOP;
	}
	conf_diag_add(ld->diags, path, 0, "cannot open: %s", strerror(err));
	return -err;
}

/* Owned by ld->owner, not writable by group or others, of the expected type. */
static int check_trusted(struct loader *ld, int fd, const char *path, bool dir)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		int r = -errno;

		conf_diag_add(ld->diags, path, 0, "cannot stat: %s", strerror(-r));
		return r;
	}
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		conf_diag_add(ld->diags, path, 0, dir ? "not a directory" : "not a regular file");
		return dir ? -ENOTDIR : -EINVAL;
	}
	if (st.st_uid != ld->owner) {
		if (ld->owner == 0)
			conf_diag_add(ld->diags, path, 0, "not owned by root");
		else
			conf_diag_add(ld->diags, path, 0, "not owned by uid %u",
				      (unsigned)ld->owner);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		conf_diag_add(ld->diags, path, 0, "writable by group or others");
		return -EPERM;
	}
	if (!dir && st.st_size > CONF_FILE_MAX) {
		conf_diag_add(ld->diags, path, 0, "file too large (more than %d bytes)",
			      CONF_FILE_MAX);
		return -EFBIG;
	}
	return 0;
}

/* Opens name in dir_fd (a path for the diagnostics), checks, reads and parses it. */
static int load_file(struct loader *ld, int dir_fd, const char *name, const char *path)
{
	cleanup_close int fd = -1;
	ssize_t len;
	int r;

	fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return open_error(ld, path, errno);
	r = check_trusted(ld, fd, path, false);
	if (r < 0)
		return r;
	len = util_read_all(fd, ld->buf, CONF_FILE_MAX + 2);
	if (len < 0) {
		conf_diag_add(ld->diags, path, 0, "cannot read: %s", strerror((int)-len));
		return (int)len;
	}
	if (len > CONF_FILE_MAX) { /* grew after the fstat */
		conf_diag_add(ld->diags, path, 0, "file too large (more than %d bytes)",
			      CONF_FILE_MAX);
		return -EFBIG;
	}
	r = conf_parse_buffer(ld->c, path, ld->buf, (size_t)len, ld->diags);
	if (r == -EINVAL) {
		/* a content error: keep reading the other files for more diagnostics */
		if (!ld->first_error)
			ld->first_error = r;
		return 0;
	}
	return r;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_dropin_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && strcmp(name + len - 5, ".conf") == 0;
}

/* a + b, or NULL */
static char *concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

/* The "*.conf" names in d, sorted, NULL-terminated; returns how many. */
static int list_dropins(struct loader *ld, DIR *d, const char *dir, char ***ret)
{
	char **names = calloc(CONF_DROPINS_MAX + 1, sizeof(*names));
	size_t n = 0;
	struct dirent *de;

	if (!names)
		return -ENOMEM;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				int r = -errno;

				conf_diag_add(ld->diags, dir, 0, "cannot read: %s", strerror(-r));
				free_names(&names);
				return r;
			}
			break;
		}
		if (!is_dropin_name(de->d_name))
			continue;
		if (n == CONF_DROPINS_MAX) {
			conf_diag_add(ld->diags, dir, 0, "more than %d drop-ins", CONF_DROPINS_MAX);
			free_names(&names);
			return -E2BIG;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			free_names(&names);
			return -ENOMEM;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), compare_names);
	*ret = names;
	return (int)n;
}

static int load_dropins(struct loader *ld, const char *dir)
{
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_(free_names) char **names = NULL;
	int fd, n, r;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0; /* no drop-ins */
		return open_error(ld, dir, errno);
	}
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	r = check_trusted(ld, dirfd(d), dir, true);
	if (r < 0)
		return r;
	n = list_dropins(ld, d, dir, &names);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		cleanup_free char *prefix = concat(dir, "/");
		cleanup_free char *path = prefix ? concat(prefix, names[i]) : NULL;

		if (!path)
			return -ENOMEM;
		r = load_file(ld, dirfd(d), names[i], path);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "/etc/cubicle/cubicle.conf" -> "/etc/cubicle" and "cubicle.conf". */
static int split_path(const char *path, char **ret_dir, const char **ret_base)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	*ret_dir = dir;
	*ret_base = slash ? slash + 1 : path;
	return 0;
}

int conf_load(const char *path, const char *dropin_dir, uid_t owner, struct conf **ret,
	      struct conf_diags *diags)
{
	struct conf *c = NULL;
	cleanup_free char *buf = NULL;
	cleanup_free char *dir = NULL;
	cleanup_free char *default_dropins = NULL;
	cleanup_close int dir_fd = -1;
	struct loader ld;
	const char *base;
	int r;

	if (!path || !*path || !ret)
		return -EINVAL;
	r = split_path(path, &dir, &base);
	if (r < 0)
		return r;
	if (!*base) {
		conf_diag_add(diags, path, 0, "not a file name");
		return -EISDIR;
	}
	if (!dropin_dir) {
		default_dropins = concat(path, ".d");
		if (!default_dropins)
			return -ENOMEM;
		dropin_dir = default_dropins;
	}
	buf = malloc(CONF_FILE_MAX + 2);
	c = conf_new();
	if (!buf || !c) {
		conf_free(c);
		return -ENOMEM;
	}
	ld = (struct loader){ .owner = owner, .c = c, .diags = diags, .buf = buf };

	/* the directory holding the main file: whoever can write it can replace the file */
	dir_fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir_fd < 0)
		r = open_error(&ld, dir, errno);
	else
		r = check_trusted(&ld, dir_fd, dir, true);
	if (r >= 0)
		r = load_file(&ld, dir_fd, base, path);
	if (r >= 0)
		r = load_dropins(&ld, dropin_dir);
	if (r >= 0)
		r = ld.first_error;
	if (r < 0) {
		conf_free(c);
		return r;
	}
	*ret = c;
	return 0;
}
