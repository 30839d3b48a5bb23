/* SPDX-License-Identifier: MIT */
/*
 * pam_cubicle: the session module of DESIGN.md, steps 2 and 7.
 *
 *   session required pam_cubicle.so [debug] [config=PATH]
 *
 * Runs as root inside the login service (sshd, login, su). At open, for a
 * user whose policy says isolate (uid 0 never): ends the sessions whose
 * service died without closing them, creates <cgroup_root>/<user>/<id> with
 * the policy's limits, moves the caller in, writes the session record and
 * exports CUBICLE_SESSION. At close: the caller back out, everything left in
 * the cgroup killed, the cgroup and the record removed. The boundary of the
 * error regime: lib/ returns -errno and a line; here it is logged once with
 * the user and mapped to a PAM code. No mutable globals: per-handle state
 * lives in pam_set_data().
 */
#include "conf.h"
#include "names.h"
#include "session.h"
#include "util.h"

#define PAM_SM_SESSION
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#ifndef CUBICLE_CONF_PATH
#error "CUBICLE_CONF_PATH must be defined by the build"
#endif

#define DATA_SESSION "pam_cubicle_session"
#define EXPORT	     __attribute__((visibility("default")))

struct args {
	bool debug;
	const char *config;
};

static void logf_escaped(pam_handle_t *pamh, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* every line through text_escape: user names, hosts and paths may carry
 * control bytes (SECURITY.md 15) */
static void logf_escaped(pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	char raw[1024], msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	text_escape(msg, sizeof(msg), raw);
	pam_syslog(pamh, prio, "%s", msg);
}

static int parse_args(pam_handle_t *pamh, int argc, const char **argv, struct args *ret)
{
	*ret = (struct args){ .config = CUBICLE_CONF_PATH };
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "debug") == 0)
			ret->debug = true;
		else if (strncmp(argv[i], "config=", 7) == 0 && argv[i][7] == '/')
			ret->config = argv[i] + 7;
		else {
			logf_escaped(pamh, LOG_ERR, "unknown module argument \"%s\"", argv[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static const char *item_str(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS)
		return NULL;
	return v;
}

static void free_data(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/*
 * The user and their policy. PAM_IGNORE for those cubicle leaves alone (uid 0,
 * isolate = no); PAM_SESSION_ERR when the policy cannot be known.
 */
static int load_policy(pam_handle_t *pamh, const struct args *a, struct conf_user **ret_user,
		       struct policy **ret_policy)
{
	struct conf_diags *diags = malloc(sizeof(*diags));
	struct conf_user *u = NULL;
	struct conf *conf = NULL;
	struct policy *p = NULL;
	const char *name = item_str(pamh, PAM_USER);
	int r, ret = PAM_SESSION_ERR;

	if (!name || !diags) {
		logf_escaped(pamh, LOG_ERR, "%s", name ? "out of memory" : "no user name");
		goto out;
	}
	/* 71 KB, written only when the config is wrong: not zeroed, not touched */
	diags->n = diags->n_total = 0;
	r = conf_user_lookup_name(name, &u);
	if (r < 0) {
		logf_escaped(pamh, LOG_ERR, "user %s: %s", name, strerror(-r));
		goto out;
	}
	if (u->uid == 0) {
		/* uid 0 is never isolated, whatever the config says */
		ret = PAM_IGNORE;
		goto out;
	}
	r = conf_load(a->config, NULL, 0, &conf, diags);
	if (r == 0)
		r = conf_resolve(conf, u, &p, diags);
	conf_free(conf);
	if (r < 0) {
		if (diags->n > 0)
			logf_escaped(pamh, LOG_ERR, "user %s: config %s%s%s", u->name,
				     diags->d[0].where, diags->d[0].where[0] ? ": " : "",
				     diags->d[0].msg);
		else
			logf_escaped(pamh, LOG_ERR, "user %s: config %s: %s", u->name, a->config,
				     strerror(-r));
		goto out;
	}
	if (!p->isolate) {
		ret = PAM_IGNORE;
		goto out;
	}
	*ret_user = steal_pointer(&u);
	*ret_policy = steal_pointer(&p);
	ret = PAM_SUCCESS;
out:
	policy_free(p);
	conf_user_free(u);
	free(diags);
	return ret;
}

EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct session_info info = { 0 };
	struct session_env env;
	struct conf_user *u = NULL;
	struct policy *p = NULL;
	struct args a;
	struct rec rec;
	char err[512], envvar[64];
	struct rec *kept = NULL;
	int r, ret;

	(void)flags;
	if (parse_args(pamh, argc, argv, &a) < 0)
		return PAM_SESSION_ERR;
	ret = load_policy(pamh, &a, &u, &p);
	if (ret != PAM_SUCCESS)
		return ret;
	ret = PAM_SESSION_ERR;

	r = session_env_init(&env, NULL, err, sizeof(err));
	if (r < 0) {
		logf_escaped(pamh, LOG_ERR, "user %s: %s", u->name, err);
		goto out;
	}
	r = session_reap_stale(&env, err, sizeof(err));
	if (r < 0)
		logf_escaped(pamh, LOG_WARNING, "ending stale sessions: %s", err);
	else if (r > 0 && a.debug)
		logf_escaped(pamh, LOG_INFO, "ended %d stale session(s)", r);

	info.service = item_str(pamh, PAM_SERVICE);
	info.tty = item_str(pamh, PAM_TTY);
	info.rhost = item_str(pamh, PAM_RHOST);
	r = session_open(&env, p, u, &info, getpid(), &rec, err, sizeof(err));
	if (r < 0) {
		logf_escaped(pamh, LOG_ERR, "user %s: cannot open a session: %s", u->name, err);
		goto out;
	}

	/* from here on a failure must undo the session; the handle keeps the
	 * whole record, so that close can end the session even if the file
	 * went missing */
	kept = malloc(sizeof(*kept));
	if (!kept)
		goto undo;
	*kept = rec;
	if (pam_set_data(pamh, DATA_SESSION, kept, free_data) != PAM_SUCCESS) {
		free(kept);
		goto undo;
	}
	snprintf(envvar, sizeof(envvar), "CUBICLE_SESSION=%s", rec.id);
	if (pam_putenv(pamh, envvar) != PAM_SUCCESS) {
		pam_set_data(pamh, DATA_SESSION, NULL, NULL); /* frees kept */
		goto undo;
	}
	logf_escaped(pamh, LOG_INFO, "user %s: session %s opened in %s", u->name, rec.id,
		     rec.cgroup);
	ret = PAM_SUCCESS;
	goto out;
undo:
	logf_escaped(pamh, LOG_ERR, "user %s: cannot keep session %s in the PAM handle", u->name,
		     rec.id);
	session_close(&env, rec.id, getpid(), &rec, err, sizeof(err));
out:
	policy_free(p);
	conf_user_free(u);
	return ret;
}

EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const struct rec *kept;
	const void *data = NULL;
	struct session_env env;
	struct args a;
	char err[512];
	int r;

	(void)flags;
	if (parse_args(pamh, argc, argv, &a) < 0)
		return PAM_SESSION_ERR;
	/*
	 * Only the id this module stored in the handle counts: the PAM
	 * environment can be filled by the user (pam_env user_readenv), and a
	 * CUBICLE_SESSION from there must never end someone else's session.
	 */
	if (pam_get_data(pamh, DATA_SESSION, &data) != PAM_SUCCESS || !data)
		return PAM_IGNORE; /* nothing opened here: idempotent */
	kept = data;

	r = session_env_init(&env, NULL, err, sizeof(err));
	if (r == 0)
		r = session_close(&env, kept->id, getpid(), kept, err, sizeof(err));
	if (r < 0) {
		logf_escaped(pamh, LOG_ERR, "session %s: cannot close: %s", kept->id, err);
		return PAM_SESSION_ERR;
	}
	if (a.debug)
		logf_escaped(pamh, LOG_INFO, "session %s closed", kept->id);
	pam_set_data(pamh, DATA_SESSION, NULL, NULL);
	return PAM_SUCCESS;
}
