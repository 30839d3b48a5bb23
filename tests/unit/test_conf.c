/* SPDX-License-Identifier: MIT */
/* Unit tests of conf/: syntax, every key, precedence, expansion, trust, printing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "skip.h"

#include "conf.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

static struct conf_user *make_user(const char *name, uid_t uid, const char *home, const char *group,
				   const char *const *groups)
{
	struct conf_user *u = calloc(1, sizeof(*u));

	assert_non_null(u);
	u->name = strdup(name);
	u->uid = uid;
	u->gid = uid;
	u->home = home ? strdup(home) : NULL;
	u->group = strdup(group);
	assert_non_null(u->name);
	assert_non_null(u->group);
	for (; groups && *groups; groups++) {
		u->groups = reallocarray(u->groups, u->n_groups + 1, sizeof(*u->groups));
		assert_non_null(u->groups);
		u->groups[u->n_groups] = strdup(*groups);
		assert_non_null(u->groups[u->n_groups]);
		u->n_groups++;
	}
	return u;
}

static struct conf_user *alice(void)
{
	static const char *const groups[] = { "users", "staff", "dev", NULL };

	return make_user("alice", 1000, "/home/alice", "users", groups);
}

static struct conf_user *bob(void)
{
	static const char *const groups[] = { "users", NULL };

	return make_user("bob", 1001, "/home/bob", "users", groups);
}

static struct conf_user *carol(void)
{
	static const char *const groups[] = { "carol", "staff", NULL };

	return make_user("carol", 1002, "/home/carol", "carol", groups);
}

static struct conf_user *root_user(void)
{
	static const char *const groups[] = { "root", NULL };

	return make_user("root", 0, "/root", "root", groups);
}

/* Parses text (as "test.conf"); returns the error, with the conf in *ret on success. */
static int parse(const char *text, struct conf **ret, struct conf_diags *d)
{
	struct conf *c = conf_new();
	int r;

	assert_non_null(c);
	memset(d, 0, sizeof(*d));
	r = conf_parse_buffer(c, "test.conf", text, strlen(text), d);
	if (r < 0) {
		conf_free(c);
		return r;
	}
	assert_int_equal(d->n_total, 0);
	*ret = c;
	return 0;
}

static struct conf *parse_ok(const char *text)
{
	struct conf_diags d;
	struct conf *c = NULL;

	if (parse(text, &c, &d) < 0)
		fail_msg("parse failed: %s: %s", d.d[0].where, d.d[0].msg);
	return c;
}

/* Asserts that text does not parse and that the first diagnostic matches. */
static void parse_fails(const char *text, const char *where, const char *msg_part)
{
	struct conf_diags d;
	struct conf *c = NULL;

	assert_int_equal(parse(text, &c, &d), -EINVAL);
	assert_true(d.n >= 1);
	if (where)
		assert_string_equal(d.d[0].where, where);
	if (msg_part && !strstr(d.d[0].msg, msg_part))
		fail_msg("\"%s\" does not contain \"%s\"", d.d[0].msg, msg_part);
}

static struct policy *resolve(const char *text, const struct conf_user *u, int *ret_r,
			      struct conf_diags *d)
{
	struct conf *c = parse_ok(text);
	struct policy *p = NULL;

	memset(d, 0, sizeof(*d));
	*ret_r = conf_resolve(c, u, &p, d);
	conf_free(c);
	return p;
}

static struct policy *resolve_ok(const char *text, const struct conf_user *u)
{
	struct conf_diags d;
	struct policy *p;
	int r;

	p = resolve(text, u, &r, &d);
	if (r < 0)
		fail_msg("resolve failed: %s: %s", d.d[0].where, d.d[0].msg);
	assert_non_null(p);
	return p;
}

/* Asserts resolving fails; returns the first diagnostic's message. */
static void resolve_fails(const char *text, const struct conf_user *u, const char *where,
			  const char *msg_part)
{
	struct conf_diags d;
	struct policy *p;
	int r;

	p = resolve(text, u, &r, &d);
	assert_int_equal(r, -EINVAL);
	assert_null(p);
	assert_true(d.n >= 1);
	if (where)
		assert_string_equal(d.d[0].where, where);
	if (msg_part && !strstr(d.d[0].msg, msg_part))
		fail_msg("\"%s\" does not contain \"%s\"", d.d[0].msg, msg_part);
}

static char *print(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	policy_print(f, p);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static bool has_line(const char *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *s = text; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
		if (strncmp(s, line, len) == 0 && (s[len] == '\n' || s[len] == '\0'))
			return true;
	return false;
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void assert_policy_equal(const struct policy *a, const struct policy *b)
{
	assert_int_equal(a->isolate, b->isolate);
	assert_true(str_eq(a->rootfs, b->rootfs));
	assert_true(str_eq(a->hostname, b->hostname));
	assert_true(str_eq(a->shell, b->shell));
	assert_true(str_eq(a->home, b->home));
	assert_true(str_eq(a->path, b->path));
	assert_int_equal(a->namespaces, b->namespaces);
	assert_int_equal(a->tmp_size_bytes, b->tmp_size_bytes);
	assert_int_equal(a->tmp_size_percent, b->tmp_size_percent);
	assert_int_equal(a->n_binds, b->n_binds);
	for (size_t i = 0; i < a->n_binds; i++) {
		assert_string_equal(a->binds[i].src, b->binds[i].src);
		assert_string_equal(a->binds[i].dst, b->binds[i].dst);
		assert_int_equal(a->binds[i].ro, b->binds[i].ro);
	}
	assert_int_equal(a->require_session, b->require_session);
	assert_int_equal(a->stop_timeout, b->stop_timeout);
	assert_int_equal(a->memory_max, b->memory_max);
	assert_int_equal(a->memory_swap_max, b->memory_swap_max);
	assert_int_equal(a->pids_max, b->pids_max);
	assert_int_equal(a->cpu_max_percent, b->cpu_max_percent);
	assert_int_equal(a->cpu_weight, b->cpu_weight);
	assert_int_equal(a->user_memory_max, b->user_memory_max);
	assert_int_equal(a->user_pids_max, b->user_pids_max);
	assert_int_equal(a->user_cpu_max_percent, b->user_cpu_max_percent);
	assert_string_equal(a->cgroup_root, b->cgroup_root);
}

/* ---- every key: valid and invalid values, bounds ------------------------ */

struct value_case {
	const char *key;
	const char *value;
	const char *printed; /* the policy_print() line's value; NULL: a parse error */
};

static const struct value_case value_cases[] = {
	{ "isolate", "yes", "yes" },
	{ "isolate", "no", "no" },
	{ "isolate", "true", "yes" },
	{ "isolate", "false", "no" },
	{ "isolate", "on", "yes" },
	{ "isolate", "off", "no" },
	{ "isolate", "1", "yes" },
	{ "isolate", "0", "no" },
	{ "isolate", "Yes", "yes" },
	{ "isolate", "", NULL },
	{ "isolate", "2", NULL },
	{ "isolate", "y", NULL },
	{ "isolate", "yes no", NULL },
	{ "isolate", "yes # comment", NULL },

	{ "rootfs", "/srv/%u", "/srv/alice" },
	{ "rootfs", "/srv/%U", "/srv/1000" },
	{ "rootfs", "/srv/%g/%u", "/srv/users/alice" },
	{ "rootfs", "%h/root", "/home/alice/root" },
	{ "rootfs", "/srv/100%%", "/srv/100%%" },
	{ "rootfs", "/srv/a#b", "/srv/a#b" },
	{ "rootfs", "/srv/with space", "/srv/with space" },
	{ "rootfs", "/", "/" },
	{ "rootfs", "", NULL },
	{ "rootfs", "srv", NULL },
	{ "rootfs", "srv/%u", NULL },
	{ "rootfs", "/srv/", NULL },
	{ "rootfs", "/srv//x", NULL },
	{ "rootfs", "/srv/./x", NULL },
	{ "rootfs", "/srv/../x", NULL },
	{ "rootfs", "/srv/%x", NULL },
	{ "rootfs", "/srv/%", NULL },
	{ "rootfs", "/srv/%%%", NULL },
	{ "rootfs", "/srv/\x01", NULL },

	{ "hostname", "box", "box" },
	{ "hostname", "%u-box", "alice-box" },
	{ "hostname", "u%U.example.org", "u1000.example.org" },
	{ "hostname", "a-b.c-d", "a-b.c-d" },
	{ "hostname", "123", "123" },
	{ "hostname", "a23456789012345678901234567890123456789012345678901234567890123",
	  "a23456789012345678901234567890123456789012345678901234567890123" },
	{ "hostname", "a234567890123456789012345678901234567890123456789012345678901234", NULL },
	{ "hostname", "a2345678.a234567.a234567.a234567.a234567.a234567.a234567.a234567",
	  "a2345678.a234567.a234567.a234567.a234567.a234567.a234567.a234567" },
	{ "hostname", "a23456789.a234567.a234567.a234567.a234567.a234567.a234567.a234567", NULL },
	{ "hostname", "", NULL },
	{ "hostname", "-box", NULL },
	{ "hostname", "box-", NULL },
	{ "hostname", "a_b", NULL },
	{ "hostname", "a..b", NULL },
	{ "hostname", "a.", NULL },
	{ "hostname", "%h", NULL },
	{ "hostname", "%u%", NULL },
	{ "hostname", "a b", NULL },

	{ "shell", "/bin/bash", "/bin/bash" },
	{ "shell", "/usr/bin/%u-shell", "/usr/bin/alice-shell" },
	{ "shell", "bash", NULL },
	{ "shell", "/bin/", NULL },
	{ "shell", "", NULL },

	{ "home", "none", "none" },
	{ "home", "%h", "/home/alice" },
	{ "home", "/data/%u", "/data/alice" },
	{ "home", "None", NULL },
	{ "home", "home", NULL },
	{ "home", "", NULL },
	{ "home", "%h/", NULL },

	{ "path", "/bin", "/bin" },
	{ "path", "/a:/b:/c", "/a:/b:/c" },
	{ "path", "%h/bin:/usr/bin", "/home/alice/bin:/usr/bin" },
	{ "path", "", NULL },
	{ "path", "/a:", NULL },
	{ "path", ":/a", NULL },
	{ "path", "/a::/b", NULL },
	{ "path", "a:/b", NULL },
	{ "path", "/a/../b", NULL },
	{ "path", "/a/", NULL },

	{ "namespaces", "pid mount uts", "pid mount uts" },
	{ "namespaces", "uts mount pid ipc ipc", "pid mount uts ipc" },
	{ "namespaces", "pid,mount,uts,net", "pid mount uts net" },
	{ "namespaces", "pid, mount,  uts\tcgroup", "pid mount uts cgroup" },
	{ "namespaces", "cgroup net ipc uts mount pid", "pid mount uts ipc net cgroup" },
	{ "namespaces", "pid mount", NULL },
	{ "namespaces", "mount uts ipc", NULL },
	{ "namespaces", "pid mount uts user", NULL },
	{ "namespaces", "pid;mount;uts", NULL },
	{ "namespaces", "", NULL },

	{ "tmp_size", "256M", "256M" },
	{ "tmp_size", "1M", "1M" },
	{ "tmp_size", "1T", "1T" },
	{ "tmp_size", "1024K", "1M" },
	{ "tmp_size", "1536K", "1536K" },
	{ "tmp_size", "1048576", "1M" },
	{ "tmp_size", "1048577", "1048577" },
	{ "tmp_size", "2g", "2G" },
	{ "tmp_size", "1024G", "1T" },
	{ "tmp_size", "50%", "50%" },
	{ "tmp_size", "1%", "1%" },
	{ "tmp_size", "100%", "100%" },
	{ "tmp_size", "1023K", NULL },
	{ "tmp_size", "0", NULL },
	{ "tmp_size", "1025G", NULL },
	{ "tmp_size", "2T", NULL },
	{ "tmp_size", "0%", NULL },
	{ "tmp_size", "101%", NULL },
	{ "tmp_size", "1.5G", NULL },
	{ "tmp_size", "-1M", NULL },
	{ "tmp_size", "+1M", NULL },
	{ "tmp_size", "1 M", NULL },
	{ "tmp_size", "1MB", NULL },
	{ "tmp_size", "M", NULL },
	{ "tmp_size", "", NULL },
	{ "tmp_size", "99999999999999999999999K", NULL },

	{ "bind", "/a", "/a:/a" },
	{ "bind", "/a:/b", "/a:/b" },
	{ "bind", "%h:/home/%u", "/home/alice:/home/alice" },
	{ "bind", "/srv/%%x", "/srv/%%x:/srv/%%x" },
	{ "bind", "a", NULL },
	{ "bind", "/a:b", NULL },
	{ "bind", "/a:/", NULL },
	{ "bind", "/", NULL },
	{ "bind", "/a:/b:/c", NULL },
	{ "bind", "/a/:/b", NULL },
	{ "bind", "/a:/b/", NULL },
	{ "bind", "/a:", NULL },
	{ "bind", ":/a", NULL },
	{ "bind", "/a%q", NULL },
	{ "bind_ro", "/a", "/a:/a" },
	{ "bind_ro", "/a:/b", "/a:/b" },
	{ "bind_ro", "a:/b", NULL },
	{ "bind_ro", "/a:/", NULL },

	{ "require_session", "yes", "yes" },
	{ "require_session", "off", "no" },
	{ "require_session", "maybe", NULL },

	{ "stop_timeout", "0", "0" },
	{ "stop_timeout", "3600", "3600" },
	{ "stop_timeout", "5s", "5" },
	{ "stop_timeout", "10S", "10" },
	{ "stop_timeout", "007", "7" },
	{ "stop_timeout", "3601", NULL },
	{ "stop_timeout", "-1", NULL },
	{ "stop_timeout", "+5", NULL },
	{ "stop_timeout", "5m", NULL },
	{ "stop_timeout", "5 s", NULL },
	{ "stop_timeout", "5ss", NULL },
	{ "stop_timeout", "s", NULL },
	{ "stop_timeout", "", NULL },
	{ "stop_timeout", "99999999999999999999999", NULL },

	{ "memory_max", "max", "max" },
	{ "memory_max", "MAX", "max" },
	{ "memory_max", "1M", "1M" },
	{ "memory_max", "2G", "2G" },
	{ "memory_max", "1536m", "1536M" },
	{ "memory_max", "1048576", "1M" },
	{ "memory_max", "1048577", "1048577" },
	{ "memory_max", "8388608T", "8388608T" },
	{ "memory_max", "9223372036854775808", "8388608T" },
	{ "memory_max", "0", NULL },
	{ "memory_max", "1023K", NULL },
	{ "memory_max", "8388609T", NULL },
	{ "memory_max", "9223372036854775809", NULL },
	{ "memory_max", "18446744073709551615", NULL },
	{ "memory_max", "18446744073709551616", NULL },
	{ "memory_max", "99999999999999999999T", NULL },
	{ "memory_max", "17179869184T", NULL },
	{ "memory_max", "1.5G", NULL },
	{ "memory_max", "-1", NULL },
	{ "memory_max", "+1G", NULL },
	{ "memory_max", "1 G", NULL },
	{ "memory_max", "max2", NULL },
	{ "memory_max", "infinity", NULL },
	{ "memory_max", "", NULL },

	{ "memory_swap_max", "0", "0" },
	{ "memory_swap_max", "0M", "0" },
	{ "memory_swap_max", "max", "max" },
	{ "memory_swap_max", "1M", "1M" },
	{ "memory_swap_max", "512K", NULL },
	{ "memory_swap_max", "-0", NULL },

	{ "pids_max", "1", "1" },
	{ "pids_max", "512", "512" },
	{ "pids_max", "4194304", "4194304" },
	{ "pids_max", "max", "max" },
	{ "pids_max", "0", NULL },
	{ "pids_max", "4194305", NULL },
	{ "pids_max", "abc", NULL },
	{ "pids_max", "+5", NULL },
	{ "pids_max", "-5", NULL },
	{ "pids_max", "5 5", NULL },
	{ "pids_max", "0x10", NULL },
	{ "pids_max", "5K", NULL },
	{ "pids_max", "5%", NULL },

	{ "cpu_max", "1%", "1%" },
	{ "cpu_max", "150%", "150%" },
	{ "cpu_max", "100000%", "100000%" },
	{ "cpu_max", "max", "max" },
	{ "cpu_max", "0%", NULL },
	{ "cpu_max", "100001%", NULL },
	{ "cpu_max", "150", NULL },
	{ "cpu_max", "150 %", NULL },
	{ "cpu_max", "150%%", NULL },
	{ "cpu_max", "%", NULL },
	{ "cpu_max", "1.5%", NULL },

	{ "cpu_weight", "1", "1" },
	{ "cpu_weight", "100", "100" },
	{ "cpu_weight", "10000", "10000" },
	{ "cpu_weight", "0", NULL },
	{ "cpu_weight", "10001", NULL },
	{ "cpu_weight", "max", NULL },

	{ "user_memory_max", "4G", "4G" },
	{ "user_memory_max", "max", "max" },
	{ "user_memory_max", "0", NULL },
	{ "user_pids_max", "4194304", "4194304" },
	{ "user_pids_max", "max", "max" },
	{ "user_pids_max", "4194305", NULL },
	{ "user_cpu_max", "400%", "400%" },
	{ "user_cpu_max", "max", "max" },
	{ "user_cpu_max", "400", NULL },
	{ "cgroup_root", "/cubicle", "/cubicle" },
	{ "cgroup_root", "/a/b-c", "/a/b-c" },
	{ "cgroup_root", "relative", NULL },
	{ "cgroup_root", "/a/../b", NULL },
};

static void test_key_values(void **state)
{
	struct conf_user *u = alice();

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(value_cases); i++) {
		const struct value_case *vc = &value_cases[i];
		char text[512], line[256];
		struct conf_diags d;
		struct conf *c = NULL;
		int r;

		/* a rootfs, so that "isolate = yes" resolves */
		snprintf(text, sizeof(text), "[default]\nrootfs = /r\n[user:alice]\n%s = %s\n",
			 vc->key, vc->value);
		r = parse(text, &c, &d);
		if (!vc->printed) {
			if (r != -EINVAL)
				fail_msg("%s = \"%s\" was accepted", vc->key, vc->value);
			assert_int_equal(d.n, 1);
			assert_string_equal(d.d[0].where, "test.conf:4");
			if (!strstr(d.d[0].msg, vc->key))
				fail_msg("message \"%s\" does not name %s", d.d[0].msg, vc->key);
			continue;
		}
		if (r < 0)
			fail_msg("%s = \"%s\": %s", vc->key, vc->value, d.d[0].msg);
		{
			struct policy *p = NULL;
			char *out;

			r = conf_resolve(c, u, &p, &d);
			if (r < 0)
				fail_msg("%s = \"%s\": %s", vc->key, vc->value, d.d[0].msg);
			out = print(p);
			snprintf(line, sizeof(line), "%s = %s", vc->key, vc->printed);
			if (!has_line(out, line))
				fail_msg("%s = \"%s\": no line \"%s\" in\n%s", vc->key, vc->value,
					 line, out);
			free(out);
			policy_free(p);
		}
		conf_free(c);
	}
	conf_user_free(u);
}

static void test_value_message(void **state)
{
	(void)state;
	parse_fails("[default]\npids_max = abc\n", "test.conf:2",
		    "bad value for pids_max: \"abc\" (expected a number 1..4194304 or \"max\")");
	parse_fails("[default]\nnamespaces = pid ipc\n", "test.conf:2", "pid, mount and uts");
	parse_fails("[default]\nrootfs = /x/%y\n", NULL, "unknown expansion \"%y\"");
	parse_fails("[default]\nrootfs = /x/%\n", NULL, "trailing \"%\"");
	/* values are escaped in messages */
	parse_fails("[default]\nhostname = a\x1b[31m\n", NULL, "\"a\\x1b[31m\"");
}

static void test_typed_fields(void **state)
{
	struct conf_user *u = alice();
	struct policy *p;

	(void)state;
	p = resolve_ok("[default]\n"
		       "isolate = yes\n"
		       "rootfs = /srv/%u\n"
		       "home = none\n"
		       "namespaces = pid mount uts net\n"
		       "tmp_size = 25%\n"
		       "memory_max = 2G\n"
		       "memory_swap_max = 0\n"
		       "pids_max = 512\n"
		       "cpu_max = 150%\n"
		       "cpu_weight = 7\n"
		       "stop_timeout = 9s\n"
		       "user_memory_max = 1536K\n"
		       "user_pids_max = 9\n"
		       "user_cpu_max = 200%\n",
		       u);
	assert_true(p->isolate);
	assert_string_equal(p->rootfs, "/srv/alice");
	assert_null(p->home);
	assert_int_equal(p->namespaces, CONF_NS_PID | CONF_NS_MOUNT | CONF_NS_UTS | CONF_NS_NET);
	assert_int_equal(p->tmp_size_bytes, 0);
	assert_int_equal(p->tmp_size_percent, 25);
	assert_int_equal(p->memory_max, 2ull << 30);
	assert_int_equal(p->memory_swap_max, 0);
	assert_int_equal(p->pids_max, 512);
	assert_int_equal(p->cpu_max_percent, 150);
	assert_int_equal(p->cpu_weight, 7);
	assert_int_equal(p->stop_timeout, 9);
	assert_int_equal(p->user_memory_max, 1536 * 1024);
	assert_int_equal(p->user_pids_max, 9);
	assert_int_equal(p->user_cpu_max_percent, 200);
	policy_free(p);
	conf_user_free(u);
}

static void test_defaults(void **state)
{
	struct conf_user *u = alice();
	struct policy *p = resolve_ok("", u);

	(void)state;
	assert_false(p->isolate);
	assert_null(p->rootfs);
	assert_string_equal(p->hostname, "cubicle");
	assert_string_equal(p->shell, "/bin/sh");
	assert_string_equal(p->home, "/home/alice");
	assert_string_equal(p->path, "/usr/local/bin:/usr/bin:/bin");
	assert_int_equal(p->namespaces, CONF_NS_PID | CONF_NS_MOUNT | CONF_NS_UTS | CONF_NS_IPC);
	assert_int_equal(p->tmp_size_bytes, 256u << 20);
	assert_int_equal(p->tmp_size_percent, 0);
	assert_int_equal(p->n_binds, 0);
	assert_true(p->require_session);
	assert_int_equal(p->stop_timeout, 5);
	assert_true(p->memory_max == CONF_UNLIMITED);
	assert_true(p->memory_swap_max == CONF_UNLIMITED);
	assert_true(p->pids_max == CONF_UNLIMITED);
	assert_true(p->cpu_max_percent == CONF_UNLIMITED);
	assert_int_equal(p->cpu_weight, 100);
	assert_true(p->user_memory_max == CONF_UNLIMITED);
	assert_true(p->user_pids_max == CONF_UNLIMITED);
	assert_true(p->user_cpu_max_percent == CONF_UNLIMITED);
	assert_string_equal(p->cgroup_root, "/cubicle");
	policy_free(p);
	conf_user_free(u);
}

static void test_key_names(void **state)
{
	static const char *const expected[] = {
		"isolate",
		"rootfs",
		"hostname",
		"shell",
		"home",
		"path",
		"namespaces",
		"tmp_size",
		"bind",
		"bind_ro",
		"require_session",
		"stop_timeout",
		"memory_max",
		"memory_swap_max",
		"pids_max",
		"cpu_max",
		"cpu_weight",
		"user_memory_max",
		"user_pids_max",
		"user_cpu_max",
		"cgroup_root",
	};
	struct conf_user *u = alice();
	struct policy *p;
	const char *s;
	char *out;
	size_t i;

	(void)state;
	for (i = 0; conf_key_names[i]; i++) {
		assert_true(i < ARRAY_SIZE(expected));
		assert_string_equal(conf_key_names[i], expected[i]);
	}
	assert_int_equal(i, ARRAY_SIZE(expected));

	/* policy_print follows the same order, one line per key here */
	p = resolve_ok("[default]\nisolate = yes\nrootfs = /r\nbind = /a\nbind_ro = /b\n", u);
	out = print(p);
	s = out;
	for (i = 0; conf_key_names[i]; i++) {
		size_t len = strlen(conf_key_names[i]);

		if (strncmp(s, conf_key_names[i], len) != 0 || strncmp(s + len, " = ", 3) != 0)
			fail_msg("line %zu is not %s in\n%s", i + 1, conf_key_names[i], out);
		s = strchr(s, '\n');
		assert_non_null(s);
		s++;
	}
	assert_string_equal(s, "");
	free(out);
	policy_free(p);
	conf_user_free(u);
}

/* ---- syntax ------------------------------------------------------------- */

static void test_syntax_ok(void **state)
{
	struct conf_user *u = alice();
	struct policy *p;

	(void)state;
	p = resolve_ok("# comment\n"
		       "; also a comment\n"
		       "\n"
		       "   \t\n"
		       "  # indented comment\n"
		       "  [default]  \n"
		       "\thostname\t=\tbox   \n"
		       "rootfs=/srv/a#b\n"
		       "shell =/bin/x\r\n"
		       "pids_max= 5",
		       u);
	assert_string_equal(p->hostname, "box");
	assert_string_equal(p->rootfs, "/srv/a#b");
	assert_string_equal(p->shell, "/bin/x");
	assert_int_equal(p->pids_max, 5);
	policy_free(p);

	/* empty input, and input without a newline */
	p = resolve_ok("", u);
	policy_free(p);
	p = resolve_ok("[default]", u);
	policy_free(p);
	conf_user_free(u);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	parse_fails("[default]\nisolat = yes\n", "test.conf:2", "unknown key \"isolat\"");
	parse_fails("[default]\nIsolate = yes\n", "test.conf:2", "unknown key");
	parse_fails("\n\n[defaults]\n", "test.conf:3", "unknown section");
	parse_fails("[Default]\n", "test.conf:1", "unknown section");
	parse_fails("[group]\n", "test.conf:1", "unknown section");
	parse_fails("[user:]\n", "test.conf:1", "bad name");
	parse_fails("[user:a/b]\n", "test.conf:1", "bad name");
	parse_fails("[group:..]\n", "test.conf:1", "bad name");
	parse_fails("[user:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n", "test.conf:1", "bad name");
	parse_fails("[ default ]\n", "test.conf:1", "unknown section");
	parse_fails("[default] # c\n", "test.conf:1", "bad section header");
	parse_fails("[default\n", "test.conf:1", "bad section header");
	parse_fails("isolate = yes\n[default]\n", "test.conf:1", "before any section");
	parse_fails("# c\n\nrootfs = /x\n", "test.conf:3", "before any section");
	parse_fails("[default]\nisolate\n", "test.conf:2", "syntax error");
	parse_fails("[default]\n= yes\n", "test.conf:2", "no key");
	parse_fails("[default]\nis olate = yes\n", "test.conf:2", "unknown key \"is olate\"");
}

static void test_duplicate_key(void **state)
{
	struct conf_user *u = alice();
	struct policy *p;

	(void)state;
	parse_fails("[default]\nrootfs = /a\n\n\nrootfs = /b\n", "test.conf:5",
		    "duplicate key \"rootfs\" in this section (first at line 2)");
	parse_fails("[user:alice]\nisolate = no\n[default]\n[user:alice]\npids_max = 1\n"
		    "pids_max = 2\n",
		    "test.conf:6", "first at line 5");
	/* the same section again is a new block; repeatable keys may repeat */
	p = resolve_ok("[default]\nrootfs = /a\nbind = /x\nbind = /y\n"
		       "[default]\nrootfs = /b\n",
		       u);
	assert_string_equal(p->rootfs, "/b");
	assert_int_equal(p->n_binds, 2);
	policy_free(p);
	conf_user_free(u);
}

static void test_long_line(void **state)
{
	char text[4096];
	struct conf_diags d;
	struct conf *c = NULL;
	size_t n;

	(void)state;
	/* CONF_LINE_MAX bytes with the newline: fine */
	n = (size_t)snprintf(text, sizeof(text), "[default]\nrootfs = /");
	memset(text + n, 'a', CONF_LINE_MAX - 1 - strlen("rootfs = /"));
	n += CONF_LINE_MAX - 1 - strlen("rootfs = /");
	strcpy(text + n, "\n");
	assert_int_equal(strlen(text), strlen("[default]\n") + CONF_LINE_MAX);
	assert_int_equal(parse(text, &c, &d), 0);
	conf_free(c);

	/* one byte more: an error at that line, and the parser picks up at the next one */
	n = (size_t)snprintf(text, sizeof(text), "[default]\nrootfs = /");
	memset(text + n, 'a', CONF_LINE_MAX - strlen("rootfs = /"));
	n += CONF_LINE_MAX - strlen("rootfs = /");
	strcpy(text + n, "\nisolat = 1\nhostname = ok\n");
	assert_int_equal(parse(text, &c, &d), -EINVAL);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.d[0].where, "test.conf:2");
	assert_non_null(strstr(d.d[0].msg, "line too long"));
	assert_string_equal(d.d[1].where, "test.conf:3");
	assert_non_null(strstr(d.d[1].msg, "unknown key"));

	/* a long last line without a newline */
	memset(text, '#', 3000);
	text[3000] = '\0';
	assert_int_equal(parse(text, &c, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.d[0].where, "test.conf:1");

	/* an over-long line that looks like a header must not hide the next error */
	n = (size_t)snprintf(text, sizeof(text), "[default]\n[user:");
	memset(text + n, 'x', 2000);
	strcpy(text + n + 2000, "]\nfoo = 1\n");
	assert_int_equal(parse(text, &c, &d), -EINVAL);
	assert_int_equal(d.n_total, 2);
	assert_string_equal(d.d[1].where, "test.conf:3");
}

static void test_nul_byte(void **state)
{
	static const char text[] = "[default]\nhostname = a\0b\nisolat = 1\n";
	struct conf_diags d = { 0 };
	struct conf *c = conf_new();

	(void)state;
	assert_non_null(c);
	assert_int_equal(conf_parse_buffer(c, "nul.conf", text, sizeof(text) - 1, &d), -EINVAL);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.d[0].where, "nul.conf:2");
	assert_non_null(strstr(d.d[0].msg, "NUL"));
	assert_string_equal(d.d[1].where, "nul.conf:3");
	conf_free(c);
}

static void test_diag_limit(void **state)
{
	char text[2048] = "[default]\n";
	struct conf_diags d;
	struct conf *c = NULL;

	(void)state;
	for (int i = 0; i < CONF_DIAGS_MAX + 4; i++)
		strcat(text, "nokey = 1\n");
	assert_int_equal(parse(text, &c, &d), -EINVAL);
	assert_int_equal(d.n, CONF_DIAGS_MAX);
	assert_int_equal(d.n_total, CONF_DIAGS_MAX + 4);
	assert_string_equal(d.d[CONF_DIAGS_MAX - 1].where, "test.conf:17");

	/* a NULL diags is allowed */
	c = conf_new();
	assert_non_null(c);
	assert_int_equal(conf_parse_buffer(c, "x", text, strlen(text), NULL), -EINVAL);
	conf_free(c);
}

static void test_diag_add(void **state)
{
	struct conf_diags d = { 0 };

	(void)state;
	conf_diag_add(&d, "a\nb.conf", 7, "value %d", 42);
	conf_diag_add(&d, "whole.conf", 0, "x");
	conf_diag_add(&d, NULL, 3, "y");
	conf_diag_add(NULL, "z", 1, "z");
	assert_int_equal(d.n, 3);
	assert_string_equal(d.d[0].where, "a\\x0ab.conf:7");
	assert_string_equal(d.d[0].msg, "value 42");
	assert_string_equal(d.d[1].where, "whole.conf");
	assert_string_equal(d.d[2].where, "");
}

static void test_file_too_large(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = conf_new();
	char *big = calloc(1, CONF_FILE_MAX + 1);

	(void)state;
	assert_non_null(c);
	assert_non_null(big);
	memset(big, '\n', CONF_FILE_MAX + 1);
	assert_int_equal(conf_parse_buffer(c, "big.conf", big, CONF_FILE_MAX + 1, &d), -EFBIG);
	assert_int_equal(d.n, 1);
	assert_int_equal(conf_parse_buffer(c, "big.conf", big, CONF_FILE_MAX, &d), 0);
	free(big);
	conf_free(c);
}

/* A file with an error adds nothing: what was parsed before stays as it was. */
static void test_parse_is_atomic(void **state)
{
	static const char good[] = "[default]\nhostname = good\n";
	static const char bad[] = "[default]\nhostname = bad\n[user:alice]\nnokey = 1\n";
	struct conf_user *u = alice();
	struct conf_diags d = { 0 };
	struct conf *c = conf_new();
	struct policy *p = NULL;

	(void)state;
	assert_non_null(c);
	assert_int_equal(conf_parse_buffer(c, "a.conf", good, strlen(good), &d), 0);
	assert_int_equal(conf_parse_buffer(c, "b.conf", bad, strlen(bad), &d), -EINVAL);
	assert_int_equal(conf_resolve(c, u, &p, &d), 0);
	assert_string_equal(p->hostname, "good");
	policy_free(p);
	conf_free(c);
	conf_user_free(u);
}

/* ---- precedence --------------------------------------------------------- */

static const char precedence_conf[] = "[user:alice]\n"
				      "hostname = user\n"
				      "[group:staff]\n"
				      "hostname = staff\n"
				      "memory_max = 3G\n"
				      "[default]\n"
				      "hostname = default\n"
				      "memory_max = 1G\n"
				      "pids_max = 10\n"
				      "[group:dev]\n"
				      "memory_max = 2G\n"
				      "[default]\n"
				      "pids_max = 20\n";

static void test_precedence(void **state)
{
	struct conf_user *a = alice(), *b = bob(), *c = carol();
	struct policy *p;

	(void)state;
	/* alice: user beats groups beats default, whatever the file order */
	p = resolve_ok(precedence_conf, a);
	assert_string_equal(p->hostname, "user");
	assert_int_equal(p->memory_max, 2ull << 30); /* dev comes after staff */
	assert_int_equal(p->pids_max, 20);	     /* the later [default] */
	policy_free(p);

	/* bob is in neither group */
	p = resolve_ok(precedence_conf, b);
	assert_string_equal(p->hostname, "default");
	assert_int_equal(p->memory_max, 1ull << 30);
	policy_free(p);

	/* carol is in staff only */
	p = resolve_ok(precedence_conf, c);
	assert_string_equal(p->hostname, "staff");
	assert_int_equal(p->memory_max, 3ull << 30);
	policy_free(p);

	conf_user_free(a);
	conf_user_free(b);
	conf_user_free(c);
}

static void test_primary_group_matches(void **state)
{
	static const char *const no_groups[] = { NULL };
	struct conf_user *u = make_user("dave", 1003, "/home/dave", "wheel", no_groups);
	struct policy *p = resolve_ok("[group:wheel]\nhostname = wheel\n", u);

	(void)state;
	assert_string_equal(p->hostname, "wheel");
	policy_free(p);
	conf_user_free(u);
}

/* Files parsed later win within a rank, as drop-ins after the main file do. */
static void test_file_order(void **state)
{
	static const char main_conf[] = "[default]\nhostname = main\n[group:staff]\n"
					"pids_max = 1\n";
	static const char dropin[] = "[default]\nhostname = dropin\n";
	struct conf_user *u = alice();
	struct conf_diags d = { 0 };
	struct conf *c = conf_new();
	struct policy *p = NULL;

	(void)state;
	assert_non_null(c);
	assert_int_equal(conf_parse_buffer(c, "main", main_conf, strlen(main_conf), &d), 0);
	assert_int_equal(conf_parse_buffer(c, "10-x.conf", dropin, strlen(dropin), &d), 0);
	assert_int_equal(conf_resolve(c, u, &p, &d), 0);
	assert_string_equal(p->hostname, "dropin");
	assert_int_equal(p->pids_max, 1);
	policy_free(p);
	conf_free(c);
	conf_user_free(u);
}

/* ---- binds -------------------------------------------------------------- */

static void assert_bind(const struct policy *p, size_t i, const char *src, const char *dst, bool ro)
{
	assert_true(i < p->n_binds);
	assert_string_equal(p->binds[i].src, src);
	assert_string_equal(p->binds[i].dst, dst);
	assert_int_equal(p->binds[i].ro, ro);
}

static void test_binds_accumulate(void **state)
{
	static const char text[] = "[user:alice]\n"
				   "bind = /u\n"
				   "[group:staff]\n"
				   "bind_ro = /g1:/in/g1\n"
				   "[default]\n"
				   "bind = /d1\n"
				   "bind_ro = /d2\n"
				   "[group:dev]\n"
				   "bind = /g2\n"
				   "[default]\n"
				   "bind = /d3\n";
	struct conf_user *a = alice(), *b = bob();
	struct policy *p;

	(void)state;
	p = resolve_ok(text, a);
	assert_int_equal(p->n_binds, 6);
	assert_bind(p, 0, "/d1", "/d1", false);
	assert_bind(p, 1, "/d2", "/d2", true);
	assert_bind(p, 2, "/d3", "/d3", false);
	assert_bind(p, 3, "/g1", "/in/g1", true);
	assert_bind(p, 4, "/g2", "/g2", false);
	assert_bind(p, 5, "/u", "/u", false);
	policy_free(p);

	p = resolve_ok(text, b);
	assert_int_equal(p->n_binds, 3);
	assert_bind(p, 2, "/d3", "/d3", false);
	policy_free(p);
	conf_user_free(a);
	conf_user_free(b);
}

static void test_binds_clear(void **state)
{
	struct conf_user *a = alice(), *b = bob();
	struct policy *p;

	(void)state;
	/* "bind =" in a group forgets default's bind and bind_ro */
	p = resolve_ok("[default]\nbind = /d1\nbind_ro = /d2\n"
		       "[group:staff]\nbind =\nbind_ro = /g\n"
		       "[user:alice]\nbind = /u\n",
		       a);
	assert_int_equal(p->n_binds, 2);
	assert_bind(p, 0, "/g", "/g", true);
	assert_bind(p, 1, "/u", "/u", false);
	policy_free(p);

	/* "bind_ro =" clears both too; bob is not in staff so keeps his */
	p = resolve_ok("[default]\nbind = /d1\nbind_ro = /d2\n[group:staff]\nbind_ro =\n", a);
	assert_int_equal(p->n_binds, 0);
	policy_free(p);
	p = resolve_ok("[default]\nbind = /d1\nbind_ro = /d2\n[group:staff]\nbind_ro =\n", b);
	assert_int_equal(p->n_binds, 2);
	policy_free(p);

	/* a clear in the same section, then more */
	p = resolve_ok("[default]\nbind = /a\nbind =\nbind = /b\n", a);
	assert_int_equal(p->n_binds, 1);
	assert_bind(p, 0, "/b", "/b", false);
	policy_free(p);

	/* an overridden bind that would not expand is never expanded */
	p = resolve_ok("[default]\nbind = /x/%u\n[user:alice]\nbind =\n", a);
	assert_int_equal(p->n_binds, 0);
	policy_free(p);
	conf_user_free(a);
	conf_user_free(b);
}

/* ---- expansion ---------------------------------------------------------- */

static void test_expansion(void **state)
{
	struct conf_user *u = alice();
	struct policy *p;

	(void)state;
	p = resolve_ok("[default]\n"
		       "rootfs = /srv/%u/%U/%g/100%%/%%u\n"
		       "home = %h\n"
		       "bind = %h:/mnt/%u\n"
		       "hostname = %g-%u\n",
		       u);
	assert_string_equal(p->rootfs, "/srv/alice/1000/users/100%/%u");
	assert_string_equal(p->home, "/home/alice");
	assert_bind(p, 0, "/home/alice", "/mnt/alice", false);
	assert_string_equal(p->hostname, "users-alice");
	policy_free(p);
	conf_user_free(u);

	/* '%' is not an expansion in keys that do not expand */
	parse_fails("[default]\ncpu_max = %u\n", NULL, "cpu_max");
	parse_fails("[default]\nrootfs = /a/%G\n", "test.conf:2", "unknown expansion");
	parse_fails("[default]\nhostname = a%\n", "test.conf:2", "trailing");
	parse_fails("[default]\nbind = /a:/b%\n", "test.conf:2", "trailing");
}

static void test_unsafe_names(void **state)
{
	static const char *const groups[] = { "bad group", NULL };
	static const char *const unsafe_users[] = {
		"a/b", "..", ".hidden", "a b", "-x", "a\nb", ""
	};
	struct conf_user *u;
	struct policy *p;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(unsafe_users); i++) {
		u = make_user(unsafe_users[i], 2000, "/home/x", "users", groups);
		resolve_fails("[default]\nrootfs = /srv/%u\n", u, "test.conf:2", "not safe");
		resolve_fails("[default]\nbind = /srv/%u:/x\n", u, "test.conf:2", "not safe");
		/* without %u the name is never used */
		p = resolve_ok("[default]\nrootfs = /srv/%U\n", u);
		assert_string_equal(p->rootfs, "/srv/2000");
		policy_free(p);
		conf_user_free(u);
	}

	/* %g needs a safe primary group name */
	u = make_user("erin", 2001, "/home/erin", "bad group", groups);
	resolve_fails("[default]\nhostname = %g\n", u, "test.conf:2", "group name");
	conf_user_free(u);

	/* %h needs a clean absolute home, also for the default "home = %h" */
	u = make_user("frank", 2002, "home/frank", "users", groups);
	resolve_fails("[default]\nrootfs = %h\n", u, "test.conf:2", "home");
	resolve_fails("", u, "", "home");
	p = resolve_ok("[default]\nhome = none\n", u);
	assert_null(p->home);
	policy_free(p);
	conf_user_free(u);
	u = make_user("frank", 2002, "/home/frank/", "users", groups);
	resolve_fails("", u, "", "home");
	conf_user_free(u);
	u = make_user("frank", 2002, NULL, "users", groups);
	resolve_fails("", u, "", "home");
	conf_user_free(u);

	/* a valid name that is not a valid host name */
	u = make_user("a_b", 2003, "/home/a_b", "users", groups);
	resolve_fails("[default]\nhostname = %u\n", u, "test.conf:2", "gives \"a_b\"");
	/* ... is fine once a user section overrides it */
	p = resolve_ok("[default]\nhostname = %u\n[user:a_b]\nhostname = ab\n", u);
	assert_string_equal(p->hostname, "ab");
	policy_free(p);
	conf_user_free(u);
}

/* ---- resolve ------------------------------------------------------------ */

static void test_rootfs_required(void **state)
{
	struct conf_user *u = alice(), *r = root_user();
	struct policy *p;

	(void)state;
	resolve_fails("[default]\n\nisolate = yes\n", u, "test.conf:3", "rootfs is not set");
	/* not isolated: no rootfs needed */
	p = resolve_ok("[default]\nisolate = yes\n[user:alice]\nisolate = no\n", u);
	assert_false(p->isolate);
	policy_free(p);
	/* uid 0 is never isolated */
	p = resolve_ok("[default]\nisolate = yes\n[user:root]\nisolate = yes\n", r);
	assert_false(p->isolate);
	policy_free(p);
	p = resolve_ok("[default]\nisolate = yes\nrootfs = /srv/%u\n", r);
	assert_false(p->isolate);
	assert_string_equal(p->rootfs, "/srv/root");
	policy_free(p);
	conf_user_free(u);
	conf_user_free(r);
}

static void test_resolve_args(void **state)
{
	struct conf_user *u = alice();
	struct conf_diags d = { 0 };
	struct conf *c = conf_new();
	struct policy *p = (struct policy *)&d; /* untouched on failure */

	(void)state;
	assert_non_null(c);
	assert_int_equal(conf_resolve(NULL, u, &p, &d), -EINVAL);
	assert_int_equal(conf_resolve(c, NULL, &p, &d), -EINVAL);
	assert_ptr_equal(p, &d);
	conf_free(NULL);
	policy_free(NULL);
	conf_user_free(NULL);
	conf_free(c);
	conf_user_free(u);
}

/* ---- printing ----------------------------------------------------------- */

static void round_trip(const char *text, const struct conf_user *u)
{
	struct policy *p1 = resolve_ok(text, u), *p2;
	char *out = print(p1), *again;
	char *text2;

	assert_true(asprintf(&text2, "[user:%s]\n%s", u->name, out) > 0);
	p2 = resolve_ok(text2, u);
	assert_policy_equal(p1, p2);
	again = print(p2);
	assert_string_equal(out, again);
	free(again);
	free(text2);
	free(out);
	policy_free(p1);
	policy_free(p2);
}

static void test_print_round_trip(void **state)
{
	struct conf_user *a = alice(), *r = root_user();

	(void)state;
	round_trip("", a);
	round_trip("", r);
	round_trip("[default]\n"
		   "isolate = yes\n"
		   "rootfs = /srv/100%%/%u\n"
		   "hostname = %u-box\n"
		   "shell = /bin/bash\n"
		   "home = none\n"
		   "path = %h/bin:/usr/bin\n"
		   "namespaces = net pid uts mount cgroup\n"
		   "tmp_size = 1536K\n"
		   "bind = /a\n"
		   "bind_ro = /b:/c\n"
		   "bind = %h:/home/%u\n"
		   "bind_ro = /srv/%%:/p\n"
		   "require_session = yes\n"
		   "stop_timeout = 0\n"
		   "memory_max = 1048577\n"
		   "memory_swap_max = 0\n"
		   "pids_max = 4194304\n"
		   "cpu_max = 100000%\n"
		   "cpu_weight = 10000\n"
		   "user_memory_max = 8388608T\n"
		   "user_pids_max = 1\n"
		   "user_cpu_max = 1%\n",
		   a);
	round_trip("[default]\nisolate = yes\nrootfs = /\ntmp_size = 100%\nhome = /\n", a);
	round_trip("[default]\nisolate = yes\nrootfs = /r\n", r);
	conf_user_free(a);
	conf_user_free(r);
}

static void test_print_format(void **state)
{
	struct conf_user *u = alice();
	struct policy *p = resolve_ok("[default]\nisolate = yes\nrootfs = /srv/%u\n"
				      "tmp_size = 2048M\nmemory_max = 1025M\n"
				      "bind = /a\nbind_ro = /b:/c\nbind = /d\n",
				      u);
	char *out = print(p);

	(void)state;
	assert_true(has_line(out, "isolate = yes"));
	assert_true(has_line(out, "rootfs = /srv/alice"));
	assert_true(has_line(out, "tmp_size = 2G"));
	assert_true(has_line(out, "memory_max = 1025M"));
	assert_true(has_line(out, "home = /home/alice"));
	/* binds in mount order, each on its own line */
	assert_non_null(strstr(out, "bind = /a:/a\nbind_ro = /b:/c\nbind = /d:/d\n"));
	free(out);
	policy_free(p);

	/* an unset rootfs is left out */
	p = resolve_ok("", u);
	out = print(p);
	assert_null(strstr(out, "rootfs"));
	assert_null(strstr(out, "bind"));
	free(out);
	policy_free(p);
	conf_user_free(u);
}

/* ---- conf_load: files, drop-ins and trust ------------------------------- */

static char tmpdir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	chmod(path, 0700);
	return remove(path);
}

static int setup_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cubicle-test-conf-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	return chmod(tmpdir, 0755);
}

static int teardown_tmpdir(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *tmp_path(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", tmpdir, name) > 0);
	return p;
}

static void write_file(const char *name, const char *content, mode_t mode)
{
	char *path = tmp_path(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, content, strlen(content)), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	free(path);
}

static void make_dir(const char *name, mode_t mode)
{
	char *path = tmp_path(name);

	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chmod(path, mode), 0);
	free(path);
}

/* Loads tmpdir/main.conf (and tmpdir/main.conf.d) as owned by `owner`. */
static int load(uid_t owner, struct conf **ret, struct conf_diags *d)
{
	char *path = tmp_path("main.conf");
	int r;

	memset(d, 0, sizeof(*d));
	r = conf_load(path, NULL, owner, ret, d);
	free(path);
	return r;
}

static void load_fails(uid_t owner, int err, const char *where_name, const char *msg_part)
{
	struct conf_diags d;
	struct conf *c = NULL;
	/* "." names tmpdir itself */
	char *where = !where_name		     ? NULL
		      : strcmp(where_name, ".") == 0 ? strdup(tmpdir)
						     : tmp_path(where_name);

	assert_int_equal(load(owner, &c, &d), err);
	assert_null(c);
	assert_true(d.n >= 1);
	if (where)
		assert_string_equal(d.d[0].where, where);
	if (msg_part && !strstr(d.d[0].msg, msg_part))
		fail_msg("\"%s\" does not contain \"%s\"", d.d[0].msg, msg_part);
	free(where);
}

static const char *load_hostname(void)
{
	static char hostname[64];
	struct conf_user *u = alice();
	struct conf_diags d;
	struct conf *c = NULL;
	struct policy *p = NULL;

	if (load(getuid(), &c, &d) < 0)
		fail_msg("load: %s: %s", d.d[0].where, d.d[0].msg);
	assert_int_equal(conf_resolve(c, u, &p, &d), 0);
	snprintf(hostname, sizeof(hostname), "%s", p->hostname);
	policy_free(p);
	conf_free(c);
	conf_user_free(u);
	return hostname;
}

static void test_load_dropins(void **state)
{
	(void)state;
	write_file("main.conf", "[default]\nhostname = main\n", 0644);
	/* no drop-in directory at all is fine */
	assert_string_equal(load_hostname(), "main");

	make_dir("main.conf.d", 0755);
	assert_string_equal(load_hostname(), "main");
	write_file("main.conf.d/9-b.conf", "[default]\nhostname = nine\n", 0644);
	assert_string_equal(load_hostname(), "nine");
	/* strcmp order: "10-a.conf" sorts before "9-b.conf" */
	write_file("main.conf.d/10-a.conf", "[default]\nhostname = ten\n", 0644);
	assert_string_equal(load_hostname(), "nine");
	/* read only if named *.conf and not hidden */
	write_file("main.conf.d/99-z.conf~", "[default]\nhostname = backup\n", 0644);
	write_file("main.conf.d/99-z.conf.bak", "[default]\nhostname = backup\n", 0644);
	write_file("main.conf.d/.99-z.conf", "[default]\nhostname = hidden\n", 0644);
	write_file("main.conf.d/README", "not a config\n", 0644);
	write_file("main.conf.d/.conf", "not a config\n", 0644);
	write_file("main.conf.d/conf", "not a config\n", 0644);
	assert_string_equal(load_hostname(), "nine");
	write_file("main.conf.d/99-z.conf", "[default]\nhostname = last\n", 0644);
	assert_string_equal(load_hostname(), "last");
	/* the group rank still beats a later [default] */
	write_file("main.conf", "[group:staff]\nhostname = staff\n", 0644);
	assert_string_equal(load_hostname(), "staff");
}

static void test_load_explicit_dropin_dir(void **state)
{
	struct conf_diags d;
	struct conf *c = NULL;
	char *path = tmp_path("main.conf"), *dir = tmp_path("other.d");

	(void)state;
	write_file("main.conf", "[default]\n", 0644);
	make_dir("other.d", 0755);
	write_file("other.d/x.conf", "[default]\nnokey = 1\n", 0644);
	assert_int_equal(conf_load(path, dir, getuid(), &c, &d), -EINVAL);
	free(dir);
	dir = tmp_path("missing.d");
	memset(&d, 0, sizeof(d));
	assert_int_equal(conf_load(path, dir, getuid(), &c, &d), 0);
	conf_free(c);
	free(dir);
	free(path);
}

static void test_load_errors_everywhere(void **state)
{
	struct conf_diags d;
	struct conf *c = NULL;
	char *main_where = tmp_path("main.conf"), *dropin_where = tmp_path("main.conf.d/a.conf");

	(void)state;
	write_file("main.conf", "[default]\nnokey = 1\n", 0644);
	make_dir("main.conf.d", 0755);
	write_file("main.conf.d/a.conf", "\n[default]\nisolate = perhaps\n", 0644);
	assert_int_equal(load(getuid(), &c, &d), -EINVAL);
	assert_int_equal(d.n, 2);
	assert_non_null(strstr(d.d[0].where, main_where));
	assert_non_null(strstr(d.d[1].where, dropin_where));
	assert_non_null(strstr(d.d[1].where, ":3"));
	free(main_where);
	free(dropin_where);
}

static void test_load_missing(void **state)
{
	(void)state;
	load_fails(getuid(), -ENOENT, "main.conf", "No such file");
}

static void test_load_owner(void **state)
{
	(void)state;
	write_file("main.conf", "[default]\n", 0644);
	/* nothing here is owned by getuid() + 1: the directory is the first refused */
	load_fails(getuid() + 1, -EPERM, ".", NULL);
}

/* The same with one file or directory at a time given away: needs root. */
static void test_load_owner_each(void **state)
{
	uid_t other = getuid() + 1;
	char *path;

	(void)state;
	if (geteuid() != 0)
		skip_because("chown needs root");
	write_file("main.conf", "[default]\n", 0644);
	make_dir("main.conf.d", 0755);
	write_file("main.conf.d/a.conf", "[default]\n", 0644);

	path = tmp_path("main.conf");
	assert_int_equal(chown(path, other, (gid_t)-1), 0);
	load_fails(getuid(), -EPERM, "main.conf", getuid() == 0 ? "not owned by root" : "owned");
	assert_int_equal(chown(path, getuid(), (gid_t)-1), 0);
	free(path);

	path = tmp_path("main.conf.d");
	assert_int_equal(chown(path, other, (gid_t)-1), 0);
	load_fails(getuid(), -EPERM, "main.conf.d", "not owned");
	assert_int_equal(chown(path, getuid(), (gid_t)-1), 0);
	free(path);

	path = tmp_path("main.conf.d/a.conf");
	assert_int_equal(chown(path, other, (gid_t)-1), 0);
	load_fails(getuid(), -EPERM, "main.conf.d/a.conf", "not owned");
	assert_int_equal(chown(path, getuid(), (gid_t)-1), 0);
	free(path);

	/* everything owned by `other`, and `other` is the owner asked for: accepted */
	{
		static const char *const names[] = { "main.conf", "main.conf.d",
						     "main.conf.d/a.conf" };
		struct conf_diags d;
		struct conf *c = NULL;

		assert_int_equal(chown(tmpdir, other, (gid_t)-1), 0);
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			path = tmp_path(names[i]);
			assert_int_equal(chown(path, other, (gid_t)-1), 0);
			free(path);
		}
		assert_int_equal(load(other, &c, &d), 0);
		conf_free(c);
	}
}

static void test_load_writable(void **state)
{
	char *path;

	(void)state;
	write_file("main.conf", "[default]\n", 0664);
	load_fails(getuid(), -EPERM, "main.conf", "writable by group or others");
	write_file("main.conf", "[default]\n", 0646);
	load_fails(getuid(), -EPERM, "main.conf", "writable by group or others");
	write_file("main.conf", "[default]\n", 0600);
	assert_string_equal(load_hostname(), "cubicle");

	/* the directory holding the main file */
	assert_int_equal(chmod(tmpdir, 0775), 0);
	load_fails(getuid(), -EPERM, ".", "writable by group or others");
	assert_int_equal(chmod(tmpdir, 01777), 0);
	load_fails(getuid(), -EPERM, ".", "writable by group or others");
	assert_int_equal(chmod(tmpdir, 0755), 0);

	/* the drop-in directory and a drop-in */
	make_dir("main.conf.d", 0777);
	load_fails(getuid(), -EPERM, "main.conf.d", "writable by group or others");
	path = tmp_path("main.conf.d");
	assert_int_equal(chmod(path, 0755), 0);
	free(path);
	write_file("main.conf.d/a.conf", "[default]\n", 0622);
	load_fails(getuid(), -EPERM, "main.conf.d/a.conf", "writable by group or others");
}

static void test_load_symlinks(void **state)
{
	char *path, *target;

	(void)state;
	write_file("real.conf", "[default]\n", 0644);
	path = tmp_path("main.conf");
	assert_int_equal(symlink("real.conf", path), 0);
	load_fails(getuid(), -ELOOP, "main.conf", "symbolic link");
	assert_int_equal(unlink(path), 0);
	free(path);

	write_file("main.conf", "[default]\n", 0644);
	make_dir("real.d", 0755);
	path = tmp_path("main.conf.d");
	assert_int_equal(symlink("real.d", path), 0);
	load_fails(getuid(), -ELOOP, "main.conf.d", "symbolic link");
	assert_int_equal(unlink(path), 0);
	free(path);

	make_dir("main.conf.d", 0755);
	target = tmp_path("real.conf");
	path = tmp_path("main.conf.d/a.conf");
	assert_int_equal(symlink(target, path), 0);
	load_fails(getuid(), -ELOOP, "main.conf.d/a.conf", "symbolic link");
	free(path);
	free(target);

	/* a symlink to a directory as the main file's directory */
	{
		struct conf_diags d = { 0 };
		struct conf *c = NULL;
		char *link = tmp_path("link"), *via;

		assert_int_equal(symlink(".", link), 0);
		assert_true(asprintf(&via, "%s/main.conf", link) > 0);
		assert_int_equal(conf_load(via, NULL, getuid(), &c, &d), -ELOOP);
		assert_string_equal(d.d[0].where, link);
		free(via);
		free(link);
	}
}

static void test_load_not_regular(void **state)
{
	char *path;

	(void)state;
	/* a FIFO must be refused, not waited on */
	alarm(10);
	path = tmp_path("main.conf");
	assert_int_equal(mkfifo(path, 0644), 0);
	load_fails(getuid(), -EINVAL, "main.conf", "not a regular file");
	assert_int_equal(unlink(path), 0);
	free(path);

	write_file("main.conf", "[default]\n", 0644);
	make_dir("main.conf.d", 0755);
	path = tmp_path("main.conf.d/fifo.conf");
	assert_int_equal(mkfifo(path, 0644), 0);
	load_fails(getuid(), -EINVAL, "main.conf.d/fifo.conf", "not a regular file");
	assert_int_equal(unlink(path), 0);
	free(path);
	alarm(0);

	make_dir("main.conf.d/dir.conf", 0755);
	load_fails(getuid(), -EINVAL, "main.conf.d/dir.conf", "not a regular file");

	/* the main "file" is a directory */
	path = tmp_path("main.conf");
	assert_int_equal(unlink(path), 0);
	free(path);
	make_dir("main.conf", 0755);
	load_fails(getuid(), -EINVAL, "main.conf", "not a regular file");

	/* the drop-in "directory" is a file */
	path = tmp_path("main.conf");
	assert_int_equal(rmdir(path), 0);
	free(path);
	write_file("main.conf", "[default]\n", 0644);
	path = tmp_path("main.conf.d/dir.conf");
	assert_int_equal(rmdir(path), 0);
	free(path);
	path = tmp_path("main.conf.d");
	assert_int_equal(rmdir(path), 0);
	free(path);
	write_file("main.conf.d", "", 0644);
	load_fails(getuid(), -ENOTDIR, "main.conf.d", NULL);
}

static void test_load_too_large(void **state)
{
	char *path = tmp_path("main.conf");
	int fd;

	(void)state;
	write_file("main.conf", "[default]\n", 0644);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, CONF_FILE_MAX + 1), 0);
	close(fd);
	load_fails(getuid(), -EFBIG, "main.conf", "too large");
	free(path);
}

static void test_load_too_many_dropins(void **state)
{
	(void)state;
	write_file("main.conf", "[default]\n", 0644);
	make_dir("main.conf.d", 0755);
	for (int i = 0; i < CONF_DROPINS_MAX; i++) {
		char name[64];

		snprintf(name, sizeof(name), "main.conf.d/%03d.conf", i);
		write_file(name, "", 0644);
	}
	assert_string_equal(load_hostname(), "cubicle");
	write_file("main.conf.d/x.conf", "", 0644);
	load_fails(getuid(), -E2BIG, "main.conf.d", "drop-ins");
}

/* ---- the shipped conf/cubicle.conf -------------------------------------- */

static char *read_shipped(void)
{
	char *buf = malloc(CONF_FILE_MAX + 1);
	ssize_t len;
	int fd;

	assert_non_null(buf);
	fd = open("conf/cubicle.conf", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	len = util_read_all(fd, buf, CONF_FILE_MAX + 1);
	close(fd);
	assert_true(len > 0);
	return buf;
}

/* Parses cleanly, isolates no one, and documents every key. */
static void test_shipped_conf(void **state)
{
	struct conf_user *u = alice();
	char *text = read_shipped();
	struct policy *p;

	(void)state;
	if (!text)
		skip_because("conf/cubicle.conf not found: not run from the source tree");
	p = resolve_ok(text, u);
	assert_false(p->isolate);
	policy_free(p);
	for (size_t i = 0; conf_key_names[i]; i++) {
		char line[64];

		snprintf(line, sizeof(line), "#%s = ", conf_key_names[i]);
		if (!strstr(text, line))
			fail_msg("conf/cubicle.conf has no example of %s", conf_key_names[i]);
	}
	free(text);
	conf_user_free(u);
}

/* Every commented-out example ("#key = ..." and "#[section]") is valid too. */
static void test_shipped_examples(void **state)
{
	struct conf_user *u = alice();
	char *text = read_shipped();
	struct policy *p;

	(void)state;
	if (!text)
		skip_because("conf/cubicle.conf not found: not run from the source tree");
	for (char *s = text; s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
		if (s[0] == '#' && ((s[1] >= 'a' && s[1] <= 'z') || s[1] == '['))
			s[0] = ' ';
	p = resolve_ok(text, u);
	assert_true(p->isolate);
	assert_string_equal(p->rootfs, "/var/lib/cubicle/users/alice");
	assert_int_equal(p->memory_max, 8ull << 30); /* [group:staff] */
	policy_free(p);
	free(text);
	conf_user_free(u);
}

/* ---- users -------------------------------------------------------------- */

static void test_user_lookup(void **state)
{
	struct conf_user *u = NULL, *v = NULL;
	bool root_group = false;

	(void)state;
	assert_int_equal(conf_user_lookup_uid(0, &u), 0);
	assert_string_equal(u->name, "root");
	assert_int_equal(u->uid, 0);
	assert_int_equal(u->gid, 0);
	assert_string_equal(u->home, "/root");
	assert_string_equal(u->group, "root");
	for (size_t i = 0; i < u->n_groups; i++)
		root_group |= strcmp(u->groups[i], "root") == 0;
	assert_true(root_group);

	assert_int_equal(conf_user_lookup_name("root", &v), 0);
	assert_int_equal(v->uid, 0);
	assert_string_equal(v->name, u->name);
	conf_user_free(u);
	conf_user_free(v);

	u = (struct conf_user *)state; /* untouched on failure */
	assert_int_equal(conf_user_lookup_name("no-such-user-cubicle", &u), -ENOENT);
	assert_int_equal(conf_user_lookup_uid(3999999999u, &u), -ENOENT);
	assert_ptr_equal(u, state);
	assert_int_equal(conf_user_lookup_name("", &u), -EINVAL);
}

/* ---- group lookups only when [group:NAME] sections need them --------------- */

static void test_uses_groups(void **state)
{
	struct conf *c = conf_new();
	struct conf_diags d = { .n = 0 };
	struct conf_user *full = NULL, *lazy = NULL;

	(void)state;
	assert_int_equal(conf_parse_buffer(c, "a", "[default]\nisolate = yes\n[user:x]\n", 33, &d), 0);
	assert_false(conf_uses_groups(c));
	assert_int_equal(conf_parse_buffer(c, "b", "[group:root]\nisolate = no\n", 26, &d), 0);
	assert_true(conf_uses_groups(c));
	conf_free(c);

	/* looked up without groups, then filled: the same as the full lookup */
	assert_int_equal(conf_user_lookup_uid(0, &full), 0);
	assert_int_equal(conf_user_lookup_uid_nogroups(0, &lazy), 0);
	assert_int_equal(lazy->n_groups, 0);
	assert_string_equal(lazy->group, full->group);
	assert_int_equal(conf_user_fill_groups(lazy), 0);
	assert_int_equal(lazy->n_groups, full->n_groups);
	for (size_t i = 0; i < full->n_groups; i++)
		assert_string_equal(lazy->groups[i], full->groups[i]);
	conf_user_free(full);
	conf_user_free(lazy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uses_groups),
		cmocka_unit_test(test_key_values),
		cmocka_unit_test(test_value_message),
		cmocka_unit_test(test_typed_fields),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_key_names),
		cmocka_unit_test(test_syntax_ok),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_diag_limit),
		cmocka_unit_test(test_diag_add),
		cmocka_unit_test(test_file_too_large),
		cmocka_unit_test(test_parse_is_atomic),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_primary_group_matches),
		cmocka_unit_test(test_file_order),
		cmocka_unit_test(test_binds_accumulate),
		cmocka_unit_test(test_binds_clear),
		cmocka_unit_test(test_expansion),
		cmocka_unit_test(test_unsafe_names),
		cmocka_unit_test(test_rootfs_required),
		cmocka_unit_test(test_resolve_args),
		cmocka_unit_test(test_print_round_trip),
		cmocka_unit_test(test_print_format),
		cmocka_unit_test_setup_teardown(test_load_dropins, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_load_explicit_dropin_dir, setup_tmpdir,
						teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_load_errors_everywhere, setup_tmpdir,
						teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_load_missing, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_load_owner, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_load_owner_each, setup_tmpdir,
						teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_load_writable, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_load_symlinks, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_load_not_regular, setup_tmpdir,
						teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_load_too_large, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_load_too_many_dropins, setup_tmpdir,
						teardown_tmpdir),
		cmocka_unit_test(test_shipped_conf),
		cmocka_unit_test(test_shipped_examples),
		cmocka_unit_test(test_user_lookup),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
