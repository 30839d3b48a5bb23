/* SPDX-License-Identifier: MIT */
/*
 * Who a policy is for, from the passwd and group databases (NSS). Names are
 * copied as they are; whether one is safe to put into a path is decided where
 * it would be used (the %u and %g expansions).
 */
#include "conf.h"
#include "util.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSS_BUF_MAX (1 << 20)
#define GROUPS_MAX  65536

/* The *_r functions' buffer size hint. */
static size_t nss_buf_start(int which)
{
	long n = sysconf(which);

	return n > 0 && n < NSS_BUF_MAX ? (size_t)n : 1024;
}

/* "not found" comes back as 0 with no result, or as one of these (getpwnam_r(3)) */
static bool nss_not_found(int r)
{
	return r == 0 || r == ENOENT || r == ESRCH || r == EBADF || r == EPERM;
}

static int group_name(gid_t gid, char **ret)
{
	size_t n = nss_buf_start(_SC_GETGR_R_SIZE_MAX);

	for (;;) {
		cleanup_free char *buf = malloc(n);
		struct group gr, *res = NULL;
		int r;

		if (!buf)
			return -ENOMEM;
		r = getgrgid_r(gid, &gr, buf, n, &res);
		if (r == ERANGE && n < NSS_BUF_MAX) {
			n *= 2;
			continue;
		}
		if (!res)
			return nss_not_found(r) ? -ENOENT : -r;
		*ret = strdup(gr.gr_name);
		return *ret ? 0 : -ENOMEM;
	}
}

static int add_group(struct conf_user *u, char *name)
{
	char **groups;

	for (size_t i = 0; i < u->n_groups; i++)
		if (strcmp(u->groups[i], name) == 0) {
			free(name);
			return 0;
		}
	groups = reallocarray(u->groups, u->n_groups + 1, sizeof(*groups));
	if (!groups) {
		free(name);
		return -ENOMEM;
	}
	u->groups = groups;
	u->groups[u->n_groups++] = name;
	return 0;
}

/* Every group u is in (getgrouplist(3) includes the primary one), by name. */
static int fill_groups(struct conf_user *u)
{
	int n = 32;

	for (;;) {
		cleanup_free gid_t *gids = calloc((size_t)n, sizeof(*gids));
		int want = n;

		if (!gids)
			return -ENOMEM;
		if (getgrouplist(u->name, u->gid, gids, &want) < 0) {
			if (want <= n || want > GROUPS_MAX)
				return -E2BIG;
			n = want;
			continue;
		}
		for (int i = 0; i < want; i++) {
			char *name = NULL;
			int r = group_name(gids[i], &name);

			if (r == -ENOENT)
				continue; /* a gid without a name matches no [group:NAME] */
			if (r < 0)
				return r;
			r = add_group(u, name);
			if (r < 0)
				return r;
		}
		return 0;
	}
}

static int user_lookup(const char *name, uid_t uid, bool with_groups, struct conf_user **ret)
{
	size_t n = nss_buf_start(_SC_GETPW_R_SIZE_MAX);
	struct conf_user *u;
	struct passwd pw, *res = NULL;
	cleanup_free char *buf = NULL;
	int r;

	for (;;) {
		free(buf);
		buf = malloc(n);
		if (!buf)
			return -ENOMEM;
		if (name)
			r = getpwnam_r(name, &pw, buf, n, &res);
		else
			r = getpwuid_r(uid, &pw, buf, n, &res);
		if (r == ERANGE && n < NSS_BUF_MAX) {
			n *= 2;
			continue;
		}
		if (!res)
			return nss_not_found(r) ? -ENOENT : -r;
		break;
	}

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	u->name = strdup(pw.pw_name);
	u->home = strdup(pw.pw_dir ? pw.pw_dir : "");
	if (!u->name || !u->home) {
		r = -ENOMEM;
		goto fail;
	}
	r = group_name(u->gid, &u->group);
	if (r == -ENOENT) {
		/* no group entry: the gid in decimal stands for its name */
		char gid[16];

		snprintf(gid, sizeof(gid), "%u", (unsigned)u->gid);
		u->group = strdup(gid);
		r = u->group ? 0 : -ENOMEM;
	}
	if (r < 0)
		goto fail;
	if (with_groups) {
		r = fill_groups(u);
		if (r < 0)
			goto fail;
	}
	*ret = u;
	return 0;

fail:
	conf_user_free(u);
	return r;
}

int conf_user_lookup_uid(uid_t uid, struct conf_user **ret)
{
	if (!ret)
		return -EINVAL;
	return user_lookup(NULL, uid, true, ret);
}

int conf_user_lookup_uid_nogroups(uid_t uid, struct conf_user **ret)
{
	if (!ret)
		return -EINVAL;
	return user_lookup(NULL, uid, false, ret);
}

int conf_user_fill_groups(struct conf_user *u)
{
	if (!u || u->n_groups > 0)
		return u ? 0 : -EINVAL;
	return fill_groups(u);
}

int conf_user_lookup_name(const char *name, struct conf_user **ret)
{
	if (!name || !*name || !ret)
		return -EINVAL;
	return user_lookup(name, 0, true, ret);
}

void conf_user_free(struct conf_user *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n_groups; i++)
		free(u->groups[i]);
	free(u->groups);
	free(u->name);
	free(u->home);
	free(u->group);
	free(u);
}
