/* SPDX-License-Identifier: MIT */
/*
 * Finds internal-sftp in an sshd config (see sshd.h). The lexing follows
 * OpenSSH's servconf.c closely enough for the two directives looked at:
 * a keyword ends at blanks or one '=', arguments are split at blanks with
 * "..." and '...' quoting, '#' starts a comment, and ForceCommand takes the
 * rest of the line as it stands.
 */
#include "sshd.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define INTERNAL_SFTP "internal-sftp"
#define BLANKS	      " \t\r\n"

struct scan {
	const char *base_dir; /* for relative Include paths */
	sshd_found_fn found;
	void *ctx;
	int n;
	/* the files being read, outermost first: an Include loop stops here */
	struct {
		dev_t dev;
		ino_t ino;
	} chain[SSHD_INCLUDE_MAX + 1];
	unsigned depth;
};

/*
 * The next argument of *s, unquoted in place; NULL at the end of the line or
 * at a comment. Advances *s past it and the blanks after it.
 */
static char *next_arg(char **s)
{
	char *p = *s + strspn(*s, BLANKS), *out, *arg;
	char quote = 0;

	if (*p == '\0' || *p == '#')
		return NULL;
	arg = out = p;
	for (; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			else
				*out++ = *p;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '\\' && p[1] != '\0') {
			*out++ = *++p;
		} else if (strchr(BLANKS, *p)) {
			p++;
			break;
		} else {
			*out++ = *p;
		}
	}
	*out = '\0';
	*s = p + strspn(p, BLANKS);
	return arg;
}

/* "internal-sftp" alone or followed by blanks and arguments (sshd's IS_INTERNAL_SFTP) */
static bool is_internal_sftp(const char *cmd)
{
	size_t n = strlen(INTERNAL_SFTP);

	return strncmp(cmd, INTERNAL_SFTP, n) == 0 &&
	       (cmd[n] == '\0' || cmd[n] == ' ' || cmd[n] == '\t' || cmd[n] == '\r' ||
		cmd[n] == '\n');
}

static int scan_file(struct scan *sc, const char *path, bool top);

static void scan_include(struct scan *sc, char *rest)
{
	char pattern[PATH_MAX];
	char *arg;

	while ((arg = next_arg(&rest)) != NULL) {
		glob_t g;

		if (arg[0] == '/')
			snprintf(pattern, sizeof(pattern), "%s", arg);
		else
			snprintf(pattern, sizeof(pattern), "%s/%s", sc->base_dir, arg);
		/* no match: nothing to read, as for sshd */
		if (glob(pattern, 0, NULL, &g) == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++)
				scan_file(sc, g.gl_pathv[i], false);
		}
		globfree(&g);
	}
}

static void scan_line(struct scan *sc, const char *path, unsigned lineno, char *line)
{
	char *p = line + strspn(line, BLANKS), *kw, *arg;
	size_t len;

	if (*p == '\0' || *p == '#')
		return;
	/* the keyword: up to blanks or '=', then blanks, at most one '=', blanks */
	kw = p;
	len = strcspn(p, BLANKS "=");
	p += len;
	p += strspn(p, BLANKS);
	if (*p == '=')
		p++;
	p += strspn(p, BLANKS);
	kw[len] = '\0';

	if (strcasecmp(kw, "Subsystem") == 0) {
		if (next_arg(&p) == NULL) /* the subsystem's name */
			return;
		arg = next_arg(&p);
		if (arg && strcmp(arg, INTERNAL_SFTP) == 0) {
			sc->n++;
			sc->found(sc->ctx, path, lineno, "Subsystem");
		}
	} else if (strcasecmp(kw, "ForceCommand") == 0) {
		if (is_internal_sftp(p)) {
			sc->n++;
			sc->found(sc->ctx, path, lineno, "ForceCommand");
		}
	} else if (strcasecmp(kw, "Include") == 0) {
		scan_include(sc, p);
	}
}

static int scan_file(struct scan *sc, const char *path, bool top)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	struct stat st = { 0 };
	FILE *f;
	int fd;

	if (sc->depth > SSHD_INCLUDE_MAX)
		return 0;
	/* O_NONBLOCK: a FIFO named by mistake must not hang the check */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return top ? -errno : 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		int r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;

		close(fd);
		return top ? r : 0;
	}
	f = fdopen(fd, "r");
	if (!f) {
		int r = -errno;

		close(fd);
		return top ? r : 0;
	}
	for (unsigned i = 0; i < sc->depth; i++) {
		if (sc->chain[i].dev == st.st_dev && sc->chain[i].ino == st.st_ino) {
			fclose(f); /* an Include loop */
			return 0;
		}
	}
	sc->chain[sc->depth].dev = st.st_dev;
	sc->chain[sc->depth].ino = st.st_ino;
	sc->depth++;
	while (getline(&line, &cap, f) != -1)
		scan_line(sc, path, ++lineno, line);
	sc->depth--;
	free(line);
	fclose(f);
	return 0;
}

int sshd_scan_internal_sftp(const char *path, sshd_found_fn found, void *ctx)
{
	char dir[PATH_MAX];
	struct scan sc = { .found = found, .ctx = ctx };
	const char *slash = strrchr(path, '/');
	int r;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	sc.base_dir = dir;
	r = scan_file(&sc, path, true);
	return r < 0 ? r : sc.n;
}
