/* SPDX-License-Identifier: MIT */
/*
 * The key table: for every key its parser, where the value goes in struct
 * policy, its bounds, its default and how it prints. The parser, the resolver
 * and policy_print() all work from this one table.
 *
 * A value is checked twice: when it is read (conf_value_check(), with %u, %U,
 * %h and %g standing for a harmless stand-in user, so that a value that cannot
 * be valid for anyone is an error of the file) and when a user's policy is
 * resolved (with the real user; only the value that wins is expanded).
 */
#include "conf_internal.h"
#include "names.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define QUOTE_MAX    72
#define SIZE_K	     (UINT64_C(1) << 10)
#define SIZE_M	     (UINT64_C(1) << 20)
#define SIZE_G	     (UINT64_C(1) << 30)
#define SIZE_T	     (UINT64_C(1) << 40)
#define EXPANDED_MAX PATH_MAX /* bytes of a value after expansion, NUL included */

enum {
	KEY_EXPAND = 1u << 0,  /* %u %U %h %g %% are expanded */
	KEY_REPEAT = 1u << 1,  /* may repeat; values accumulate */
	KEY_RO = 1u << 2,      /* bind_ro */
	KEY_MAX_OK = 1u << 3,  /* "max" means CONF_UNLIMITED */
	KEY_ZERO_OK = 1u << 4, /* 0 is valid besides min..max */
	KEY_SIZE = 1u << 5,    /* K/M/G/T suffixes */
	KEY_PERCENT = 1u << 6, /* a number followed by "%" */
	KEY_NONE_OK = 1u << 7, /* "none" means NULL */
};

struct conf_key;

/* Stores value in p; -EINVAL (with *ret_why set if there is more to say than k->expect) or
 * -ENOMEM. */
typedef int (*conf_parse_fn)(const struct conf_key *k, const char *value, struct policy *p,
			     const char **ret_why);
typedef void (*conf_print_fn)(FILE *f, const char *name, const struct conf_key *k,
			      const struct policy *p);

struct conf_key {
	conf_parse_fn parse;
	conf_print_fn print;
	size_t offset; /* of the field in struct policy */
	uint64_t min, max;
	unsigned flags;
	const char *def; /* the value when no section sets it; NULL: none */
	const char *expect;
};

const char *const conf_key_names[] = {
	[CONF_K_ISOLATE] = "isolate",
	[CONF_K_ROOTFS] = "rootfs",
	[CONF_K_HOSTNAME] = "hostname",
	[CONF_K_SHELL] = "shell",
	[CONF_K_HOME] = "home",
	[CONF_K_PATH] = "path",
	[CONF_K_NAMESPACES] = "namespaces",
	[CONF_K_TMP_SIZE] = "tmp_size",
	[CONF_K_BIND] = "bind",
	[CONF_K_BIND_RO] = "bind_ro",
	[CONF_K_REQUIRE_SESSION] = "require_session",
	[CONF_K_STOP_TIMEOUT] = "stop_timeout",
	[CONF_K_MEMORY_MAX] = "memory_max",
	[CONF_K_MEMORY_SWAP_MAX] = "memory_swap_max",
	[CONF_K_PIDS_MAX] = "pids_max",
	[CONF_K_CPU_MAX] = "cpu_max",
	[CONF_K_CPU_WEIGHT] = "cpu_weight",
	[CONF_K_USER_MEMORY_MAX] = "user_memory_max",
	[CONF_K_USER_PIDS_MAX] = "user_pids_max",
	[CONF_K_USER_CPU_MAX] = "user_cpu_max",
	[CONF_K_CGROUP_ROOT] = "cgroup_root",
	[CONF_K_COUNT] = NULL,
};

/* ---- value parsers ---------------------------------------------------- */

static void *field(const struct conf_key *k, struct policy *p)
{
	return (char *)p + k->offset;
}

static const void *cfield(const struct conf_key *k, const struct policy *p)
{
	return (const char *)p + k->offset;
}

static int set_string(const struct conf_key *k, struct policy *p, const char *value)
{
	char **dst = field(k, p);
	char *copy = NULL;

	if (value) {
		copy = strdup(value);
		if (!copy)
			return -ENOMEM;
	}
	free(*dst);
	*dst = copy;
	return 0;
}

/*
 * A clean absolute path (lib/names.h) that also does not end in a blank: the
 * config trims values, so such a path could not be written back.
 */
static bool path_ok(const char *v)
{
	size_t len = strlen(v);

	return path_is_clean_absolute(v) && v[len - 1] != ' ' && v[len - 1] != '\t';
}

/* Decimal digits, at least one, no sign, no blanks; *ret_end is what follows them. */
static int parse_digits(const char *s, uint64_t *ret, const char **ret_end)
{
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	*ret_end = s;
	return 0;
}

static int size_unit(const char *suffix, uint64_t *ret)
{
	static const struct {
		char c;
		uint64_t mult;
	} units[] = {
		{ '\0', 1 }, { 'k', SIZE_K }, { 'm', SIZE_M }, { 'g', SIZE_G }, { 't', SIZE_T }
	};
	char c = suffix[0];

	if (c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	if (c && suffix[1])
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (units[i].c == c) {
			*ret = units[i].mult;
			return 0;
		}
	return -EINVAL;
}

/* A number with the unit the flags ask for: bytes with an optional K/M/G/T, or "N%". */
static int parse_quantity(const char *v, unsigned flags, uint64_t *ret)
{
	const char *end;
	uint64_t n, mult = 1;

	if (parse_digits(v, &n, &end) < 0)
		return -EINVAL;
	if (flags & KEY_SIZE) {
		if (size_unit(end, &mult) < 0 || n > UINT64_MAX / mult)
			return -EINVAL;
	} else if (flags & KEY_PERCENT) {
		if (strcmp(end, "%") != 0)
			return -EINVAL;
	} else if (*end) {
		return -EINVAL;
	}
	*ret = n * mult;
	return 0;
}

static int parse_number(const struct conf_key *k, const char *v, struct policy *p,
			const char **ret_why)
{
	uint64_t *dst = field(k, p);
	uint64_t n;

	(void)ret_why;
	if ((k->flags & KEY_MAX_OK) && strcasecmp(v, "max") == 0) {
		*dst = CONF_UNLIMITED;
		return 0;
	}
	if (parse_quantity(v, k->flags, &n) < 0)
		return -EINVAL;
	if (!(n == 0 && (k->flags & KEY_ZERO_OK)) && (n < k->min || n > k->max))
		return -EINVAL;
	*dst = n;
	return 0;
}

static int parse_seconds(const struct conf_key *k, const char *v, struct policy *p,
			 const char **ret_why)
{
	unsigned *dst = field(k, p);
	const char *end;
	uint64_t n;

	(void)ret_why;
	if (parse_digits(v, &n, &end) < 0)
		return -EINVAL;
	if (*end && strcasecmp(end, "s") != 0)
		return -EINVAL;
	if (n < k->min || n > k->max)
		return -EINVAL;
	*dst = (unsigned)n;
	return 0;
}

static int parse_tmp_size(const struct conf_key *k, const char *v, struct policy *p,
			  const char **ret_why)
{
	size_t len = strlen(v);
	uint64_t n;

	(void)ret_why;
	if (len > 0 && v[len - 1] == '%') {
		if (parse_quantity(v, KEY_PERCENT, &n) < 0 || n < 1 || n > 100)
			return -EINVAL;
		p->tmp_size_percent = (unsigned)n;
		p->tmp_size_bytes = 0;
		return 0;
	}
	if (parse_quantity(v, KEY_SIZE, &n) < 0 || n < k->min || n > k->max)
		return -EINVAL;
	p->tmp_size_bytes = n;
	p->tmp_size_percent = 0;
	return 0;
}

static int parse_bool(const struct conf_key *k, const char *v, struct policy *p,
		      const char **ret_why)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	bool *dst = field(k, p);

	(void)ret_why;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*dst = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*dst = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_path(const struct conf_key *k, const char *v, struct policy *p,
		      const char **ret_why)
{
	(void)ret_why;
	if ((k->flags & KEY_NONE_OK) && strcmp(v, "none") == 0)
		return set_string(k, p, NULL);
	if (!path_ok(v))
		return -EINVAL;
	return set_string(k, p, v);
}

static int parse_path_list(const struct conf_key *k, const char *v, struct policy *p,
			   const char **ret_why)
{
	char buf[EXPANDED_MAX];
	char *elem, *save = NULL;
	size_t len = strlen(v);

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	if (v[0] == ':' || v[len - 1] == ':' || strstr(v, "::")) {
		*ret_why = "empty element";
		return -EINVAL;
	}
	memcpy(buf, v, len + 1);
	for (elem = strtok_r(buf, ":", &save); elem; elem = strtok_r(NULL, ":", &save))
		if (!path_ok(elem))
			return -EINVAL;
	return set_string(k, p, v);
}

static int parse_hostname(const struct conf_key *k, const char *v, struct policy *p,
			  const char **ret_why)
{
	(void)ret_why;
	if (!hostname_is_valid(v))
		return -EINVAL;
	return set_string(k, p, v);
}

static const struct {
	const char *name;
	enum conf_ns bit;
} namespaces[] = {
	{ "pid", CONF_NS_PID }, { "mount", CONF_NS_MOUNT }, { "uts", CONF_NS_UTS },
	{ "ipc", CONF_NS_IPC }, { "net", CONF_NS_NET },	    { "cgroup", CONF_NS_CGROUP },
};

static int parse_namespaces(const struct conf_key *k, const char *v, struct policy *p,
			    const char **ret_why)
{
	unsigned *dst = field(k, p);
	unsigned bits = 0;

	for (;;) {
		size_t len, i;

		v += strspn(v, " \t,");
		if (!*v)
			break;
		len = strcspn(v, " \t,");
		for (i = 0; i < ARRAY_SIZE(namespaces); i++)
			if (strlen(namespaces[i].name) == len &&
			    strncasecmp(v, namespaces[i].name, len) == 0)
				break;
		if (i == ARRAY_SIZE(namespaces))
			return -EINVAL;
		bits |= namespaces[i].bit;
		v += len;
	}
	if ((bits & CONF_NS_REQUIRED) != CONF_NS_REQUIRED) {
		*ret_why = "must include pid, mount and uts";
		return -EINVAL;
	}
	*dst = bits;
	return 0;
}

static void clear_binds(struct policy *p)
{
	for (size_t i = 0; i < p->n_binds; i++) {
		free(p->binds[i].src);
		free(p->binds[i].dst);
	}
	free(p->binds);
	p->binds = NULL;
	p->n_binds = 0;
}

/* "SRC" or "SRC:DST"; an empty value clears the binds of both keys. */
static int parse_bind(const struct conf_key *k, const char *v, struct policy *p,
		      const char **ret_why)
{
	cleanup_free char *src = NULL;
	cleanup_free char *dst = NULL;
	struct conf_bind *binds;
	const char *colon;

	if (!*v) {
		clear_binds(p);
		return 0;
	}
	colon = strchr(v, ':');
	if (colon && strchr(colon + 1, ':')) {
		*ret_why = "more than one \":\"";
		return -EINVAL;
	}
	src = colon ? strndup(v, (size_t)(colon - v)) : strdup(v);
	dst = strdup(colon ? colon + 1 : v);
	if (!src || !dst)
		return -ENOMEM;
	if (!path_ok(src) || !path_ok(dst))
		return -EINVAL;
	if (strcmp(dst, "/") == 0) {
		*ret_why = "cannot bind over \"/\"";
		return -EINVAL;
	}
	binds = reallocarray(p->binds, p->n_binds + 1, sizeof(*binds));
	if (!binds)
		return -ENOMEM;
	p->binds = binds;
	binds[p->n_binds++] = (struct conf_bind){
		.src = steal_pointer(&src),
		.dst = steal_pointer(&dst),
		.ro = (k->flags & KEY_RO) != 0,
	};
	return 0;
}

/* ---- printers --------------------------------------------------------- */

/* What the value of an expanding key must say to mean s: every '%' doubled. */
static void print_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '%')
			fputc('%', f);
		fputc(*s, f);
	}
}

static void print_string(FILE *f, const char *name, const struct conf_key *k,
			 const struct policy *p)
{
	const char *const *v = cfield(k, p);

	if (!*v) {
		/* only home has a word for "none"; an unset rootfs is left out */
		if (k->flags & KEY_NONE_OK)
			fprintf(f, "%s = none\n", name);
		return;
	}
	fprintf(f, "%s = ", name);
	if (k->flags & KEY_EXPAND)
		print_escaped(f, *v);
	else
		fputs(*v, f);
	fputc('\n', f);
}

static void print_bool(FILE *f, const char *name, const struct conf_key *k, const struct policy *p)
{
	const bool *v = cfield(k, p);

	fprintf(f, "%s = %s\n", name, *v ? "yes" : "no");
}

static void print_seconds(FILE *f, const char *name, const struct conf_key *k,
			  const struct policy *p)
{
	const unsigned *v = cfield(k, p);

	fprintf(f, "%s = %u\n", name, *v);
}

/* In the largest binary unit that is exact: 2G, 512M, 1536K; bytes otherwise. */
static void print_size(FILE *f, uint64_t v)
{
	static const struct {
		char c;
		uint64_t mult;
	} units[] = { { 'T', SIZE_T }, { 'G', SIZE_G }, { 'M', SIZE_M }, { 'K', SIZE_K } };

	for (size_t i = 0; v > 0 && i < ARRAY_SIZE(units); i++)
		if (v % units[i].mult == 0) {
			fprintf(f, "%" PRIu64 "%c", v / units[i].mult, units[i].c);
			return;
		}
	fprintf(f, "%" PRIu64, v);
}

static void print_number(FILE *f, const char *name, const struct conf_key *k,
			 const struct policy *p)
{
	const uint64_t *v = cfield(k, p);

	fprintf(f, "%s = ", name);
	if (*v == CONF_UNLIMITED && (k->flags & KEY_MAX_OK))
		fputs("max", f);
	else if (k->flags & KEY_SIZE)
		print_size(f, *v);
	else
		fprintf(f, "%" PRIu64 "%s", *v, (k->flags & KEY_PERCENT) ? "%" : "");
	fputc('\n', f);
}

static void print_tmp_size(FILE *f, const char *name, const struct conf_key *k,
			   const struct policy *p)
{
	(void)k;
	fprintf(f, "%s = ", name);
	if (p->tmp_size_percent)
		fprintf(f, "%u%%", p->tmp_size_percent);
	else
		print_size(f, p->tmp_size_bytes);
	fputc('\n', f);
}

static void print_namespaces(FILE *f, const char *name, const struct conf_key *k,
			     const struct policy *p)
{
	const unsigned *v = cfield(k, p);
	const char *sep = "";

	fprintf(f, "%s = ", name);
	for (size_t i = 0; i < ARRAY_SIZE(namespaces); i++)
		if (*v & namespaces[i].bit) {
			fprintf(f, "%s%s", sep, namespaces[i].name);
			sep = " ";
		}
	fputc('\n', f);
}

/*
 * Every bind, bind and bind_ro alike, in mount order: printing all the "bind"
 * lines before all the "bind_ro" ones would reorder the mounts when read back.
 */
static void print_binds(FILE *f, const char *name, const struct conf_key *k, const struct policy *p)
{
	(void)name;
	(void)k;
	for (size_t i = 0; i < p->n_binds; i++) {
		fprintf(f, "%s = ", conf_key_names[p->binds[i].ro ? CONF_K_BIND_RO : CONF_K_BIND]);
		print_escaped(f, p->binds[i].src);
		fputc(':', f);
		print_escaped(f, p->binds[i].dst);
		fputc('\n', f);
	}
}

static void print_nothing(FILE *f, const char *name, const struct conf_key *k,
			  const struct policy *p)
{
	(void)f;
	(void)name;
	(void)k;
	(void)p;
}

/* ---- the table -------------------------------------------------------- */

#define FIELD(f)	 offsetof(struct policy, f)
#define EXPECT_BOOL	 "yes or no (also true/false, on/off, 1/0)"
#define EXPECT_PATH	 "an absolute path without \".\", \"..\", \"//\" or a trailing \"/\""
#define EXPECT_MEMORY	 "a size 1M..8388608T like 512M or 2G, or \"max\""
#define EXPECT_PIDS	 "a number 1..4194304 or \"max\""
#define EXPECT_CPU	 "a percentage of one CPU 1%..100000% like 150%, or \"max\""
#define MEMORY_MAX_BYTES (UINT64_C(1) << 63)

static const struct conf_key conf_keys[CONF_K_COUNT] = {
	[CONF_K_ISOLATE] = {
		parse_bool, print_bool, FIELD(isolate),
		.def = "no", .expect = EXPECT_BOOL,
	},
	[CONF_K_ROOTFS] = {
		parse_path, print_string, FIELD(rootfs), .flags = KEY_EXPAND,
		.def = NULL, .expect = EXPECT_PATH,
	},
	[CONF_K_HOSTNAME] = {
		parse_hostname, print_string, FIELD(hostname), .flags = KEY_EXPAND,
		.def = "cubicle",
		.expect = "a host name: labels of letters, digits and \"-\" joined by \".\", "
			  "at most 64 bytes",
	},
	[CONF_K_SHELL] = {
		parse_path, print_string, FIELD(shell), .flags = KEY_EXPAND,
		.def = "/bin/sh", .expect = EXPECT_PATH,
	},
	[CONF_K_HOME] = {
		parse_path, print_string, FIELD(home), .flags = KEY_EXPAND | KEY_NONE_OK,
		.def = "%h", .expect = EXPECT_PATH " or \"none\"",
	},
	[CONF_K_PATH] = {
		parse_path_list, print_string, FIELD(path), .flags = KEY_EXPAND,
		.def = "/usr/local/bin:/usr/bin:/bin",
		.expect = "absolute paths separated by \":\"",
	},
	[CONF_K_NAMESPACES] = {
		parse_namespaces, print_namespaces, FIELD(namespaces),
		.def = "pid mount uts ipc",
		.expect = "words from pid, mount, uts, ipc, net, cgroup",
	},
	[CONF_K_TMP_SIZE] = {
		parse_tmp_size, print_tmp_size, FIELD(tmp_size_bytes), SIZE_M, SIZE_T,
		.def = "256M", .expect = "a size 1M..1T like 256M, or a percentage of RAM 1%..100%",
	},
	[CONF_K_BIND] = {
		parse_bind, print_binds, 0, .flags = KEY_EXPAND | KEY_REPEAT,
		.expect = "SRC or SRC:DST, absolute paths; empty to clear",
	},
	[CONF_K_BIND_RO] = {
		parse_bind, print_nothing, 0, .flags = KEY_EXPAND | KEY_REPEAT | KEY_RO,
		.expect = "SRC or SRC:DST, absolute paths; empty to clear",
	},
	[CONF_K_REQUIRE_SESSION] = {
		parse_bool, print_bool, FIELD(require_session),
		.def = "yes", .expect = EXPECT_BOOL,
	},
	[CONF_K_STOP_TIMEOUT] = {
		parse_seconds, print_seconds, FIELD(stop_timeout), 0, 3600,
		.def = "5", .expect = "seconds 0..3600",
	},
	[CONF_K_MEMORY_MAX] = {
		parse_number, print_number, FIELD(memory_max), SIZE_M, MEMORY_MAX_BYTES,
		.flags = KEY_SIZE | KEY_MAX_OK, .def = "max", .expect = EXPECT_MEMORY,
	},
	[CONF_K_MEMORY_SWAP_MAX] = {
		parse_number, print_number, FIELD(memory_swap_max), SIZE_M, MEMORY_MAX_BYTES,
		.flags = KEY_SIZE | KEY_MAX_OK | KEY_ZERO_OK, .def = "max",
		.expect = "0, " EXPECT_MEMORY,
	},
	[CONF_K_PIDS_MAX] = {
		parse_number, print_number, FIELD(pids_max), 1, 4194304,
		.flags = KEY_MAX_OK, .def = "max", .expect = EXPECT_PIDS,
	},
	[CONF_K_CPU_MAX] = {
		parse_number, print_number, FIELD(cpu_max_percent), 1, 100000,
		.flags = KEY_PERCENT | KEY_MAX_OK, .def = "max", .expect = EXPECT_CPU,
	},
	[CONF_K_CPU_WEIGHT] = {
		parse_number, print_number, FIELD(cpu_weight), 1, 10000,
		.def = "100", .expect = "a number 1..10000",
	},
	[CONF_K_USER_MEMORY_MAX] = {
		parse_number, print_number, FIELD(user_memory_max), SIZE_M, MEMORY_MAX_BYTES,
		.flags = KEY_SIZE | KEY_MAX_OK, .def = "max", .expect = EXPECT_MEMORY,
	},
	[CONF_K_USER_PIDS_MAX] = {
		parse_number, print_number, FIELD(user_pids_max), 1, 4194304,
		.flags = KEY_MAX_OK, .def = "max", .expect = EXPECT_PIDS,
	},
	[CONF_K_USER_CPU_MAX] = {
		parse_number, print_number, FIELD(user_cpu_max_percent), 1, 100000,
		.flags = KEY_PERCENT | KEY_MAX_OK, .def = "max", .expect = EXPECT_CPU,
	},
	[CONF_K_CGROUP_ROOT] = {
		parse_path, print_string, FIELD(cgroup_root),
		.def = "/cubicle", .expect = EXPECT_PATH,
	},
};

_Static_assert(ARRAY_SIZE(conf_key_names) == CONF_K_COUNT + 1, "one name per key");

int conf_key_lookup(const char *name)
{
	for (int i = 0; i < CONF_K_COUNT; i++)
		if (strcmp(name, conf_key_names[i]) == 0)
			return i;
	return -ENOENT;
}

bool conf_key_is_repeatable(enum conf_key_id key)
{
	return (conf_keys[key].flags & KEY_REPEAT) != 0;
}

/* ---- expansion -------------------------------------------------------- */

/*
 * Whom values are checked for while the file is read. Its expansions are
 * short, plain and valid in any position, so a value refused for it is refused
 * for every real user too. Never written.
 */
static char stand_in_name[] = "u", stand_in_home[] = "/h", stand_in_group[] = "g";
static const struct conf_user stand_in = {
	.name = stand_in_name,
	.uid = 0,
	.home = stand_in_home,
	.group = stand_in_group,
};

/*
 * Expands %u %U %h %g %% in `in` for u. On -EINVAL, why (size why_len) says why.
 * A user or group name that is not name_is_safe(), or a home that is not a
 * clean absolute path, is never put into a value (SECURITY.md 15).
 */
static int expand(const char *in, const struct conf_user *u, char **ret, char *why, size_t why_len)
{
	cleanup_free char *out = malloc(EXPANDED_MAX);
	char quoted[QUOTE_MAX], uid[16];
	size_t o = 0;

	if (!out)
		return -ENOMEM;
	for (const char *s = in; *s; s++) {
		const char *add;
		char one[2] = { 0 };
		size_t len;

		if (*s != '%') {
			one[0] = *s;
			add = one;
		} else {
			switch (*++s) {
			case '%':
				add = "%";
				break;
			case 'u':
				if (!name_is_safe(u->name)) {
					conf_quote(quoted, sizeof(quoted), u->name ? u->name : "");
					snprintf(why, why_len,
						 "user name \"%s\" is not safe for %%u", quoted);
					return -EINVAL;
				}
				add = u->name;
				break;
			case 'U':
				snprintf(uid, sizeof(uid), "%u", (unsigned)u->uid);
				add = uid;
				break;
			case 'h':
				if (!u->home || !path_ok(u->home)) {
					conf_quote(quoted, sizeof(quoted), u->home ? u->home : "");
					snprintf(why, why_len,
						 "home \"%s\" is not a clean absolute path for %%h",
						 quoted);
					return -EINVAL;
				}
				add = u->home;
				break;
			case 'g':
				if (!name_is_safe(u->group)) {
					conf_quote(quoted, sizeof(quoted),
						   u->group ? u->group : "");
					snprintf(why, why_len,
						 "group name \"%s\" is not safe for %%g", quoted);
					return -EINVAL;
				}
				add = u->group;
				break;
			case '\0':
				snprintf(why, why_len,
					 "trailing \"%%\"; write \"%%%%\" for a literal "
					 "\"%%\"");
				return -EINVAL;
			default:
				one[0] = *s;
				conf_quote(quoted, sizeof(quoted), one);
				snprintf(why, why_len,
					 "unknown expansion \"%%%s\"; write \"%%%%\" for a literal "
					 "\"%%\"",
					 quoted);
				return -EINVAL;
			}
		}
		len = strlen(add);
		if (len >= EXPANDED_MAX - o) {
			snprintf(why, why_len, "longer than %d bytes once expanded",
				 EXPANDED_MAX - 1);
			return -EINVAL;
		}
		memcpy(out + o, add, len);
		o += len;
	}
	out[o] = '\0';
	*ret = steal_pointer(&out);
	return 0;
}

/*
 * Expands value (if the key expands) and stores it in p. Diagnostics name
 * file:line, or say "default" when file is NULL.
 */
static int apply(enum conf_key_id id, const char *value, const struct conf_user *u,
		 struct policy *p, const char *file, unsigned line, struct conf_diags *diags)
{
	const struct conf_key *k = &conf_keys[id];
	const char *name = conf_key_names[id];
	cleanup_free char *expanded = NULL;
	char why[256] = "", quoted[QUOTE_MAX], quoted_exp[QUOTE_MAX];
	const char *whyp = NULL;
	const char *deflt = file ? "" : "default ";
	int r;

	conf_quote(quoted, sizeof(quoted), value);
	if (k->flags & KEY_EXPAND) {
		r = expand(value, u, &expanded, why, sizeof(why));
		if (r == -EINVAL)
			conf_diag_add(diags, file, line, "bad value for %s: %s\"%s\" (%s)", name,
				      deflt, quoted, why);
		if (r < 0)
			return r;
	}
	r = k->parse(k, expanded ? expanded : value, p, &whyp);
	if (r != -EINVAL)
		return r;
	/* what the stand-in's expansion gives would only confuse */
	if (expanded && u != &stand_in && strcmp(expanded, value) != 0) {
		conf_quote(quoted_exp, sizeof(quoted_exp), expanded);
		conf_diag_add(diags, file, line, "bad value for %s: %s\"%s\" gives \"%s\" (%s%s)",
			      name, deflt, quoted, quoted_exp, whyp ? "" : "expected ",
			      whyp ? whyp : k->expect);
	} else {
		conf_diag_add(diags, file, line, "bad value for %s: %s\"%s\" (%s%s)", name, deflt,
			      quoted, whyp ? "" : "expected ", whyp ? whyp : k->expect);
	}
	return r;
}

static void policy_clear(struct policy *p)
{
	free(p->rootfs);
	free(p->hostname);
	free(p->shell);
	free(p->home);
	free(p->path);
	free(p->cgroup_root);
	clear_binds(p);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	policy_clear(p);
	free(p);
}

int conf_value_check(enum conf_key_id key, const char *value, const char *file, unsigned line,
		     struct conf_diags *diags)
{
	struct policy scratch = { 0 };
	int r;

	if (key >= CONF_K_COUNT)
		return -EINVAL;
	r = apply(key, value, &stand_in, &scratch, file, line, diags);
	policy_clear(&scratch);
	return r;
}

/* ---- resolving -------------------------------------------------------- */

static bool user_in_group(const struct conf_user *u, const char *group)
{
	if (u->group && strcmp(u->group, group) == 0)
		return true;
	for (size_t i = 0; i < u->n_groups; i++)
		if (u->groups[i] && strcmp(u->groups[i], group) == 0)
			return true;
	return false;
}

static bool section_applies(const struct conf_section *s, enum conf_section_kind rank,
			    const struct conf_user *u)
{
	if (s->kind != rank)
		return false;
	switch (s->kind) {
	case CONF_SECTION_DEFAULT:
		return true;
	case CONF_SECTION_GROUP:
		return user_in_group(u, s->name);
	case CONF_SECTION_USER:
		return strcmp(s->name, u->name) == 0;
	default:
		return false;
	}
}

int conf_resolve(const struct conf *c, const struct conf_user *u, struct policy **ret,
		 struct conf_diags *diags)
{
	const struct conf_entry *winner[CONF_K_COUNT] = { 0 };
	cleanup_free const struct conf_entry **binds = NULL;
	struct policy *p = NULL;
	size_t n_binds = 0;
	unsigned errors = 0;
	int r;

	if (!c || !u || !u->name || !ret)
		return -EINVAL;
	binds = calloc(c->n_entries ? c->n_entries : 1, sizeof(*binds));
	if (!binds)
		return -ENOMEM;

	/* ranks in increasing precedence, each in file order: the last one seen wins */
	for (int rank = 0; rank < CONF_SECTION_KIND_COUNT; rank++)
		for (size_t i = 0; i < c->n_entries; i++) {
			const struct conf_entry *e = &c->entries[i];

			if (!section_applies(&c->sections[e->section], (enum conf_section_kind)rank,
					     u))
				continue;
			if (!conf_key_is_repeatable(e->key))
				winner[e->key] = e;
			else if (!e->value[0])
				n_binds = 0; /* "bind =" clears bind and bind_ro alike */
			else
				binds[n_binds++] = e;
		}

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (int id = 0; id < CONF_K_COUNT; id++) {
		const struct conf_entry *e = winner[id];

		if (conf_keys[id].flags & KEY_REPEAT)
			continue;
		if (e)
			r = apply((enum conf_key_id)id, e->value, u, p, c->files[e->file], e->line,
				  diags);
		else if (conf_keys[id].def)
			r = apply((enum conf_key_id)id, conf_keys[id].def, u, p, NULL, 0, diags);
		else
			r = 0;
		if (r == -ENOMEM)
			goto fail;
		if (r < 0)
			errors++;
	}
	for (size_t i = 0; i < n_binds; i++) {
		r = apply(binds[i]->key, binds[i]->value, u, p, c->files[binds[i]->file],
			  binds[i]->line, diags);
		if (r == -ENOMEM)
			goto fail;
		if (r < 0)
			errors++;
	}

	/* DESIGN.md: uid 0 is never isolated, whatever the config says */
	if (u->uid == 0)
		p->isolate = false;
	if (p->isolate && !p->rootfs) {
		const struct conf_entry *e = winner[CONF_K_ISOLATE];

		conf_diag_add(diags, e ? c->files[e->file] : "", e ? e->line : 0,
			      "rootfs is not set (isolate = yes needs one)");
		errors++;
	}
	if (errors > 0) {
		r = -EINVAL;
		goto fail;
	}
	*ret = p;
	return 0;

fail:
	policy_free(p);
	return r;
}

void policy_print(FILE *f, const struct policy *p)
{
	if (!f || !p)
		return;
	for (int id = 0; id < CONF_K_COUNT; id++)
		conf_keys[id].print(f, conf_key_names[id], &conf_keys[id], p);
}
