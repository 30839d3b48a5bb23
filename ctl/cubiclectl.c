/* SPDX-License-Identifier: MIT */
/*
 * cubiclectl: the admin's view of cubicle. check and list run without any
 * privilege; stop needs root.
 *
 *   cubiclectl check [--user NAME] [--config PATH] [--sshd-config PATH]
 *   cubiclectl list [--json] [--run-dir DIR]
 *   cubiclectl stop SESSION-ID | --user NAME [--run-dir DIR]
 *
 * Exit status: 0 fine, 1 a problem was found (or an error), 2 usage error.
 */
#include "cgroup.h"
#include "conf.h"
#include "format.h"
#include "names.h"
#include "record.h"
#include "safeopen.h"
#include "session.h"
#include "sshd.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define CUBICLECTL_VERSION "0.1.0"
#define EXIT_USAGE	   2

#ifndef CUBICLE_CONF_PATH
#define CUBICLE_CONF_PATH "/etc/cubicle/cubicle.conf"
#endif
#ifndef CUBICLE_RUN_DIR
#define CUBICLE_RUN_DIR REC_RUN_DIR
#endif

static const char *program = "cubiclectl";

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;
	const char *help;
};

static int cmd_check(int argc, char **argv);
static int cmd_list(int argc, char **argv);
static int cmd_stop(int argc, char **argv);

static const struct command commands[] = {
	{
		"check",
		cmd_check,
		"[--user NAME] [--config PATH] [--sshd-config PATH]",
		"Check the config file PATH (default " CUBICLE_CONF_PATH ") and its\n"
		"        drop-ins PATH.d/*.conf, then print the policy of user NAME (default:\n"
		"        you) and check the host directories it names. Warns when the sshd\n"
		"        config (default " SSHD_CONFIG_PATH ", and the files it includes)\n"
		"        uses internal-sftp, which serves SFTP outside any container.",
	},
	{
		"list",
		cmd_list,
		"[--json] [--run-dir DIR]",
		"List the live sessions: id, user, PAM service, terminal, remote host, age,\n"
		"        processes and memory in use. A session whose login is gone is marked.\n"
		"        --json: the same as a JSON array. DIR (default " CUBICLE_RUN_DIR ")\n"
		"        holds the session records.",
	},
	{
		"stop",
		cmd_stop,
		"SESSION-ID | --user NAME [--run-dir DIR]",
		"End a session, or every session of user NAME, as logout does: every\n"
		"        process in it is killed, its cgroup and record removed. Root only.",
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

static void warn_internal_sftp(void *ctx, const char *file, unsigned line, const char *directive)
{
	bool subsystem = strcmp(directive, "Subsystem") == 0;
	char quoted[256];

	(void)ctx;
	text_escape(quoted, sizeof(quoted), file);
	error("warning: %s:%u: %s internal-sftp serves SFTP inside sshd, outside any container; "
	      "use the external sftp-server (%s /usr/lib/openssh/sftp-server), which runs in "
	      "the user's container",
	      quoted, line, directive, subsystem ? "Subsystem sftp" : "ForceCommand");
}

/*
 * Warnings only: the exit status of check stays what the cubicle config
 * gives. A missing sshd config is no news (no sshd here); one that cannot be
 * read is mentioned only when named on the command line.
 */
static void check_sshd_config(const char *path, bool named)
{
	char quoted[256];
	int r;

	r = sshd_scan_internal_sftp(path, warn_internal_sftp, NULL);
	if (r < 0 && r != -ENOENT && named) {
		text_escape(quoted, sizeof(quoted), path);
		error("warning: sshd config %s: %s (not checked for internal-sftp)", quoted,
		      strerror(-r));
	}
}

static int cmd_check(int argc, char **argv)
{
	static const struct option options[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "config", required_argument, NULL, 'c' },
		{ "sshd-config", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *config = CUBICLE_CONF_PATH, *user = NULL;
	const char *sshd_config = SSHD_CONFIG_PATH;
	bool sshd_config_named = false;
	struct conf_diags diags = { 0 };
	struct conf_user *u = NULL;
	struct policy *p = NULL;
	struct conf *c = NULL;
	int opt, r, status = EXIT_FAILURE;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+:u:c:s:h", options, NULL)) != -1) {
		switch (opt) {
		case 'u':
			user = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 's':
			sshd_config = optarg;
			sshd_config_named = true;
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
	fflush(stdout);
	check_sshd_config(sshd_config, sshd_config_named);
	policy_free(p);
	conf_user_free(u);
	conf_free(c);
	return status;
}

/* ---- list --------------------------------------------------------------- */

/* One session as list shows it; text escaped for a terminal. */
struct row {
	struct rec rec;
	char user[4 * sizeof(((struct rec *)0)->user)];
	char service[4 * REC_TEXT_MAX];
	char tty[4 * REC_TEXT_MAX];
	char from[4 * REC_TEXT_MAX];
	int64_t age;
	bool have_procs;
	unsigned procs;
	uint64_t mem; /* CG_UNLIMITED: not known */
	bool stale;
};

enum list_col {
	COL_ID,
	COL_USER,
	COL_SERVICE,
	COL_TTY,
	COL_FROM,
	COL_AGE,
	COL_PROCS,
	COL_MEMORY,
	COL_COUNT
};

static const struct {
	const char *title;
	bool right; /* numbers line up on the right */
} list_cols[COL_COUNT] = {
	[COL_ID] = { .title = "ID", .right = false },
	[COL_USER] = { .title = "USER", .right = false },
	[COL_SERVICE] = { .title = "SERVICE", .right = false },
	[COL_TTY] = { .title = "TTY", .right = false },
	[COL_FROM] = { .title = "FROM", .right = false },
	[COL_AGE] = { .title = "AGE", .right = true },
	[COL_PROCS] = { .title = "PROCS", .right = true },
	[COL_MEMORY] = { .title = "MEMORY", .right = true },
};

/* The text of one cell; short ones go to buf. */
static const char *row_cell(const struct row *r, enum list_col c, char *buf, size_t len)
{
	switch (c) {
	case COL_ID:
		return r->rec.id;
	case COL_USER:
		return r->user;
	case COL_SERVICE:
		return r->service[0] ? r->service : "-";
	case COL_TTY:
		return r->tty[0] ? r->tty : "-";
	case COL_FROM:
		return r->from[0] ? r->from : "-";
	case COL_AGE:
		fmt_age(buf, len, r->age);
		return buf;
	case COL_PROCS:
		if (!r->have_procs)
			return "-";
		snprintf(buf, len, "%u", r->procs);
		return buf;
	case COL_MEMORY:
		fmt_bytes(buf, len, r->mem);
		return buf;
	case COL_COUNT:
		break;
	}
	return "";
}

static void print_table(FILE *f, const struct row *rows, size_t n)
{
	size_t width[COL_COUNT];
	bool any_stale = false;
	char buf[FMT_SHORT_MAX];

	for (size_t c = 0; c < COL_COUNT; c++)
		width[c] = strlen(list_cols[c].title);
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < COL_COUNT; c++) {
			size_t w = strlen(row_cell(&rows[i], c, buf, sizeof(buf)));

			if (w > width[c])
				width[c] = w;
		}
		any_stale |= rows[i].stale;
	}
	for (size_t i = 0; i <= n; i++) {
		for (size_t c = 0; c < COL_COUNT; c++) {
			const char *cell = i == 0 ? list_cols[c].title
						  : row_cell(&rows[i - 1], c, buf, sizeof(buf));
			int w = (int)width[c];

			if (c > 0)
				fputs("  ", f);
			if (list_cols[c].right)
				fprintf(f, "%*s", w, cell);
			else if (c + 1 < COL_COUNT)
				fprintf(f, "%-*s", w, cell);
			else
				fputs(cell, f);
		}
		if (i > 0 && rows[i - 1].stale)
			fputs(" *", f);
		fputc('\n', f);
	}
	if (any_stale)
		fprintf(f, "\n* stale: the login that opened it is gone; %s stop ID ends it\n",
			program);
}

static void print_json(FILE *f, const struct row *rows, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		fputs(i ? ",\n  {" : "\n  {", f);
		fputs("\"id\": ", f);
		fmt_json_string(f, r->rec.id);
		fputs(", \"user\": ", f);
		fmt_json_string(f, r->rec.user);
		fprintf(f, ", \"uid\": %u, \"service\": ", (unsigned)r->rec.uid);
		fmt_json_string(f, r->rec.service);
		fputs(", \"tty\": ", f);
		fmt_json_string(f, r->rec.tty);
		fputs(", \"from\": ", f);
		fmt_json_string(f, r->rec.rhost);
		fputs(", \"cgroup\": ", f);
		fmt_json_string(f, r->rec.cgroup);
		fprintf(f, ", \"pid\": %d, \"start\": %" PRId64 ", \"age\": %" PRId64,
			(int)r->rec.pid, r->rec.start, r->age);
		if (r->have_procs)
			fprintf(f, ", \"procs\": %u", r->procs);
		else
			fputs(", \"procs\": null", f);
		if (r->mem != CG_UNLIMITED)
			fprintf(f, ", \"memory\": %" PRIu64, r->mem);
		else
			fputs(", \"memory\": null", f);
		fprintf(f, ", \"stale\": %s}", r->stale ? "true" : "false");
	}
	fputs(n ? "\n]\n" : "]\n", f);
}

/* The records in run_dir, sorted by start; none when the directory is not there. */
static int load_records(const char *run_dir, struct rec **ret, size_t *ret_n)
{
	cleanup_close int dirfd = -1;
	char quoted[256];
	int r;

	text_escape(quoted, sizeof(quoted), run_dir);
	dirfd = rec_dir_open(run_dir, false);
	if (dirfd == -ENOENT) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	if (dirfd < 0) {
		if (dirfd == -EPERM)
			error("session records in %s: not owned by root, or writable by group or "
			      "others: refused",
			      quoted);
		else
			error("session records in %s: %s", quoted, strerror(-dirfd));
		return dirfd;
	}
	r = rec_list(dirfd, ret, ret_n);
	if (r < 0)
		error("list session records in %s: %s", quoted, strerror(-r));
	return r;
}

/* One record; -ENOENT (no such session) is left to the caller to report. */
static int read_record(const char *run_dir, const char *id, struct rec *ret)
{
	cleanup_close int dirfd = -1;
	char quoted[256];
	int r;

	text_escape(quoted, sizeof(quoted), run_dir);
	dirfd = rec_dir_open(run_dir, false);
	if (dirfd == -ENOENT)
		return -ENOENT;
	if (dirfd < 0) {
		error("session records in %s: %s", quoted, strerror(-dirfd));
		return dirfd;
	}
	r = rec_read(dirfd, id, ret);
	if (r < 0 && r != -ENOENT)
		error("session record %s/sessions/%s: %s", quoted, id,
		      r == -EPERM ? "not owned by root, or writable by group or others: refused"
				  : strerror(-r));
	return r;
}

static int cmd_list(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *run_dir = CUBICLE_RUN_DIR;
	cleanup_free struct rec *recs = NULL;
	cleanup_free struct row *rows = NULL;
	struct session_env env;
	bool json = false, have_env;
	char err[256];
	size_t n = 0;
	int opt;
	time_t now;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+:jr:h", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'r':
			run_dir = optarg;
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

	if (load_records(run_dir, &recs, &n) < 0)
		return EXIT_FAILURE;
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		error("out of memory");
		return EXIT_FAILURE;
	}
	/* Without the cgroups (none mounted, none readable by us), the list
	 * still shows every session; only PROCS and MEMORY are "-". */
	have_env = n > 0 && session_env_init(&env, run_dir, err, sizeof(err)) == 0;
	if (have_env) {
		/* the admin's command may take libcgroup's view of the hierarchies
		 * (the login path reads mountinfo alone); it falls back to that */
		struct cg_layout lcg;

		if (cg_detect_libcgroup(&lcg) == 0)
			env.layout = lcg;
	}
	if (n > 0 && !have_env)
		error("%s (PROCS and MEMORY unknown)", err);
	now = time(NULL);
	for (size_t i = 0; i < n; i++) {
		struct row *row = &rows[i];

		row->rec = recs[i];
		text_escape(row->user, sizeof(row->user), recs[i].user);
		text_escape(row->service, sizeof(row->service), recs[i].service);
		text_escape(row->tty, sizeof(row->tty), recs[i].tty);
		text_escape(row->from, sizeof(row->from), recs[i].rhost);
		row->age = (int64_t)now > recs[i].start ? (int64_t)now - recs[i].start : 0;
		row->mem = CG_UNLIMITED;
		if (have_env)
			row->have_procs =
				cg_stats(&env.layout, recs[i].cgroup, &row->procs, &row->mem) == 0;
		if (!row->have_procs)
			row->mem = CG_UNLIMITED;
		row->stale = !rec_caller_alive(&recs[i]);
	}

	if (json)
		print_json(stdout, rows, n);
	else
		print_table(stdout, rows, n);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error("cannot write: %s", strerror(errno));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

/* ---- stop --------------------------------------------------------------- */

static bool rec_is_user(const struct rec *r, const char *user)
{
	unsigned long long uid;

	if (strcmp(r->user, user) == 0)
		return true;
	return util_parse_u64(user, &uid) == 0 && uid == r->uid;
}

static int stop_one(const struct session_env *env, const struct rec *r)
{
	char err[512], user[4 * sizeof(r->user)];
	int ret;

	ret = session_close(env, r->id, 0, NULL, err, sizeof(err));
	if (ret < 0) {
		error("session %s: %s", r->id, err);
		return ret;
	}
	text_escape(user, sizeof(user), r->user);
	printf("ended session %s of %s\n", r->id, user);
	return 0;
}

static int cmd_stop(int argc, char **argv)
{
	static const struct option options[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *run_dir = CUBICLE_RUN_DIR, *user = NULL, *id = NULL;
	cleanup_free struct rec *recs = NULL;
	struct session_env env;
	char err[512], quoted[128];
	size_t n = 0, matched = 0;
	int opt, ret, status = EXIT_SUCCESS;

	opterr = 0;
	optind = 1;
	/* no '+': options may follow the SESSION-ID */
	while ((opt = getopt_long(argc, argv, ":u:r:h", options, NULL)) != -1) {
		switch (opt) {
		case 'u':
			user = optarg;
			break;
		case 'r':
			run_dir = optarg;
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
		id = argv[optind++];
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	if (!id == !user) {
		error("stop needs a SESSION-ID or --user NAME%s (see %s --help)",
		      id ? ", not both" : "", program);
		return EXIT_USAGE;
	}
	if (geteuid() != 0) {
		error("stop: only root can end sessions");
		return EXIT_FAILURE;
	}
	if (session_env_init(&env, run_dir, err, sizeof(err)) < 0) {
		error("%s", err);
		return EXIT_FAILURE;
	}

	/* only what a record names is ended: never a cgroup found some other way */
	if (id) {
		struct rec r;

		text_escape(quoted, sizeof(quoted), id);
		if (!rec_id_valid(id)) {
			error("\"%s\" is not a session id (see %s list)", quoted, program);
			return EXIT_FAILURE;
		}
		ret = read_record(run_dir, id, &r);
		if (ret == -ENOENT) {
			error("no session %s (see %s list)", quoted, program);
			return EXIT_FAILURE;
		}
		if (ret < 0)
			return EXIT_FAILURE;
		if (stop_one(&env, &r) < 0)
			status = EXIT_FAILURE;
	} else {
		if (load_records(run_dir, &recs, &n) < 0)
			return EXIT_FAILURE;
		for (size_t i = 0; i < n; i++) {
			if (!rec_is_user(&recs[i], user))
				continue;
			matched++;
			if (stop_one(&env, &recs[i]) < 0)
				status = EXIT_FAILURE;
		}
		if (matched == 0) {
			text_escape(quoted, sizeof(quoted), user);
			error("user %s has no session", quoted);
			return EXIT_FAILURE;
		}
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error("cannot write: %s", strerror(errno));
		return EXIT_FAILURE;
	}
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
