/* SPDX-License-Identifier: MIT */
#include "env.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a value of 1..max bytes from the character set `extra` plus [A-Za-z0-9] */
static bool value_ok(const char *v, size_t max, const char *extra)
{
	size_t len = strlen(v);

	if (len == 0 || len > max)
		return false;
	for (; *v; v++) {
		char c = *v;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (!strchr(extra, c))
			return false;
	}
	return true;
}

static bool term_ok(const char *v)
{
	/* ncurses CVE-2023-29491: a hostile TERM reaches terminfo parsing */
	return value_ok(v, 64, "._+-");
}

static bool locale_ok(const char *v)
{
	return value_ok(v, 128, "._@:+-");
}

static bool tz_ok(const char *v)
{
	return value_ok(v, 64, "._+:/-,<>") && !strstr(v, "..");
}

static bool ssh_addr_ok(const char *v)
{
	return value_ok(v, 128, ".:% ");
}

/* sshd's agent socket: /tmp/ssh-XXXXXXXXXX/agent.PID, or any clean absolute
 * path of the same characters (agent.c checks what it names) */
static bool agent_sock_ok(const char *v)
{
	return v[0] == '/' && !strstr(v, "..") && !strstr(v, "//") && value_ok(v, 108, "/._-");
}

static bool session_ok(const char *v)
{
	return value_ok(v, 64, "-_");
}

static const struct {
	const char *name;
	bool prefix; /* LC_* */
	bool (*ok)(const char *value);
} allowed[] = {
	{ "TERM", false, term_ok },
	{ "COLORTERM", false, term_ok },
	{ "LANG", false, locale_ok },
	{ "LANGUAGE", false, locale_ok },
	{ "LC_", true, locale_ok },
	{ "TZ", false, tz_ok },
	{ "SSH_CONNECTION", false, ssh_addr_ok },
	{ "SSH_CLIENT", false, ssh_addr_ok },
	{ "CUBICLE_SESSION", false, session_ok },
	{ "SSH_AUTH_SOCK", false, agent_sock_ok },
};

/* the part of a name after its prefix: [A-Z0-9_] */
static bool key_suffix_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

int env_allowed(const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen;

	if (!eq || eq == kv)
		return 0;
	klen = (size_t)(eq - kv);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		size_t nlen = strlen(allowed[i].name);

		if (allowed[i].prefix) {
			if (klen <= nlen || klen > 64 || strncmp(kv, allowed[i].name, nlen) != 0 ||
			    !key_suffix_ok(kv + nlen, klen - nlen))
				continue;
		} else if (klen != nlen || strncmp(kv, allowed[i].name, nlen) != 0) {
			continue;
		}
		return allowed[i].ok(eq + 1) ? 1 : 0;
	}
	return 0;
}

static ssize_t env_find(const struct env *e, const char *key, size_t klen)
{
	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->vars[i], key, klen) == 0 && e->vars[i][klen] == '=')
			return (ssize_t)i;
	return -1;
}

static int env_put(struct env *e, char *kv)
{
	size_t klen = (size_t)(strchr(kv, '=') - kv), len = strlen(kv) + 1;
	ssize_t i = env_find(e, kv, klen);

	if (i >= 0) {
		e->bytes -= strlen(e->vars[i]) + 1;
		free(e->vars[i]);
		e->vars[i] = kv;
	} else {
		if (e->n >= ENV_MAX_VARS) {
			free(kv);
			return -E2BIG;
		}
		e->vars[e->n++] = kv;
		e->vars[e->n] = NULL;
	}
	e->bytes += len;
	if (e->bytes > ENV_MAX_TOTAL)
		return -E2BIG;
	return 0;
}

int env_capture(struct env *e, char *const *environ_in)
{
	memset(e, 0, sizeof(*e));
	for (char *const *p = environ_in; p && *p; p++) {
		char *kv;
		int r;

		if (!env_allowed(*p))
			continue;
		kv = strdup(*p);
		if (!kv)
			return -ENOMEM;
		r = env_put(e, kv);
		if (r < 0)
			return r;
	}
	return 0;
}

int env_set(struct env *e, const char *key, const char *value)
{
	char *kv;

	if (asprintf(&kv, "%s=%s", key, value) < 0)
		return -ENOMEM;
	return env_put(e, kv);
}

void env_unset(struct env *e, const char *key)
{
	ssize_t i = env_find(e, key, strlen(key));

	if (i < 0)
		return;
	e->bytes -= strlen(e->vars[i]) + 1;
	free(e->vars[i]);
	memmove(&e->vars[i], &e->vars[i + 1], (e->n - (size_t)i) * sizeof(e->vars[0]));
	e->n--;
}

const char *env_get(const struct env *e, const char *key)
{
	ssize_t i = env_find(e, key, strlen(key));

	return i < 0 ? NULL : strchr(e->vars[i], '=') + 1;
}

void env_free(struct env *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->vars[i]);
	memset(e, 0, sizeof(*e));
}
