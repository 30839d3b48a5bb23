/* SPDX-License-Identifier: MIT */
/*
 * cubiclectl: the admin's view of cubicle. Runs without any privilege.
 *
 *   cubiclectl check [--user NAME] [--config PATH]
 *
 * Exit status: 0 fine, 1 a problem was found (or an error), 2 usage error.
 */
#include "conf.h"
#include "names.h"
#include "safeopen.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CUBICLECTL_VERSION "0.1.0"
#define EXIT_USAGE	   2

#ifndef CUBICLE_CONF_PATH
#define CUBICLE_CONF_PATH "/etc/cubicle/cubicle.conf"
#endif

static const char *program = "cubiclectl";

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;
	const char *help;
};

static int cmd_check(int argc, char **argv);

static const struct command commands[] = {
	{
		"check",
		cmd_check,
		"[--user NAME] [--config PATH]",
		"Check the config file PATH (default " CUBICLE_CONF_PATH ") and its\n"
		"        drop-ins PATH.d/*.conf, then print the policy of user NAME (default:\n"
		"        you) and check the host directories it names.",
	},
};

static void __attribute__((format(printf, 1, 2))) error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int usage_error(const char *what, const char *arg)
{
	char quoted[128];

	text_escape(quoted, sizeof(quoted), arg ? arg : "");
	error("%s \"%s\" (see %s --help)", what, quoted, program);
	return EXIT_USAGE;
}

static void help(FILE *f)
{
	fprintf(f, "Usage: %s COMMAND [OPTIONS]\n", program);
	fprintf(f, "       %s --help | --version\n\nCommands:\n", program);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %s %s\n        %s\n", commands[i].name, commands[i].args,
			commands[i].help);
}

static void print_diags(const struct conf_diags *diags)
{
	for (size_t i = 0; i < diags->n; i++) {
		if (diags->d[i].where[0])
			error("%s: %s", diags->d[i].where, diags->d[i].msg);
		else
			error("%s", diags->d[i].msg);
	}
	if (diags->n_total > diags->n)
		error("... and %zu more", diags->n_total - diags->n);
}

/* The user named on the command line (a name, or a uid), or the one running us. */
static int find_user(const char *name, struct conf_user **ret)
{
	unsigned long long uid;
	char quoted[128];
	int r;

	if (!name)
		r = conf_user_lookup_uid(getuid(), ret);
	else {
		r = conf_user_lookup_name(name, ret);
		if (r == -ENOENT && util_parse_u64(name, &uid) == 0 && uid < (uid_t)-1)
			r = conf_user_lookup_uid((uid_t)uid, ret);
	}
	if (r == -ENOENT) {
		if (name) {
			text_escape(quoted, sizeof(quoted), name);
			error("unknown user \"%s\"", quoted);
		} else {
			error("you (uid %u) are not in the passwd database", (unsigned)getuid());
		}
	} else if (r < 0) {
		error("cannot look up user: %s", strerror(-r));
	}
	return r;
}

/*
 * The same check cubicle-shell makes before it mounts the rootfs, so that the
 * admin learns about a bad directory before the user tries to log in.
 */
static int check_rootfs(const struct policy *p, uid_t uid)
{
	char rootfs[256], bad[256];
	const char *bad_path = NULL;
	const char *why;
	char why_buf[96];
	struct stat st;
	int fd;

	fd = safe_open_trusted_dir(p->rootfs, uid, &bad_path);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	text_escape(rootfs, sizeof(rootfs), p->rootfs);
	text_escape(bad, sizeof(bad), bad_path ? bad_path : p->rootfs);
	switch (fd) {
	case -EPERM:
		why = "not owned by root, or writable by group or others";
		if (bad_path && lstat(bad_path, &st) == 0) {
			if (st.st_mode & (S_IWGRP | S_IWOTH))
				why = "writable by group or others";
			else {
				snprintf(why_buf, sizeof(why_buf), "owned by uid %u, not root",
					 (unsigned)st.st_uid);
				why = why_buf;
			}
		}
		break;
	case -ENOTDIR:
	case -ELOOP:
		if (bad_path && lstat(bad_path, &st) == 0 && S_ISLNK(st.st_mode))
			why = "is a symbolic link";
		else
			why = "not a directory";
		break;
	case -ENOENT:
		why = "does not exist";
		break;
	default:
		why = strerror(-fd);
		break;
	}
	if (strcmp(rootfs, bad) == 0)
		error("rootfs %s: %s", rootfs, why);
	else
		error("rootfs %s: %s: %s", rootfs, bad, why);
	return fd;
}

static int cmd_check(int argc, char **argv)
{
	static const struct option options[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *config = CUBICLE_CONF_PATH, *user = NULL;
	struct conf_diags diags = { 0 };
	struct conf_user *u = NULL;
	struct policy *p = NULL;
	struct conf *c = NULL;
	int opt, r, status = EXIT_FAILURE;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+:u:c:h", options, NULL)) != -1) {
		switch (opt) {
		case 'u':
			user = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			help(stdout);
			return EXIT_SUCCESS;
		case ':':
			return usage_error("missing argument for", argv[optind - 1]);
		default:
			return usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);

	r = conf_load(config, NULL, 0, &c, &diags);
	if (r < 0) {
		if (diags.n_total == 0)
			error("%s: %s", config, strerror(-r));
		print_diags(&diags);
		goto out;
	}
	if (find_user(user, &u) < 0)
		goto out;
	r = conf_resolve(c, u, &p, &diags);
	if (r < 0) {
		if (diags.n_total == 0)
			error("cannot resolve the policy of %s: %s", u->name, strerror(-r));
		print_diags(&diags);
		goto out;
	}

	if (u->uid == 0) {
		/* conf_resolve() already says no; say why */
		puts("# uid 0 is never isolated");
		p->isolate = false;
	}
	policy_print(stdout, p);
	if (fflush(stdout) != 0) {
		error("cannot write: %s", strerror(errno));
		goto out;
	}
	if (p->isolate && check_rootfs(p, u->uid) < 0)
		goto out;
	status = EXIT_SUCCESS;
out:
	policy_free(p);
	conf_user_free(u);
	conf_free(c);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 1)
		return EXIT_USAGE;
	if (argc < 2) {
		error("no command given (see %s --help)", program);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		help(stdout);
		return EXIT_SUCCESS;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("%s %s\n", program, CUBICLECTL_VERSION);
		return EXIT_SUCCESS;
	}
	if (argv[1][0] == '-')
		return usage_error("unknown option", argv[1]);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	return usage_error("unknown command", argv[1]);
}
