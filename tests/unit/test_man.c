/* SPDX-License-Identifier: MIT */
/*
 * The man pages against the code (issue 5):
 *   - cubicle.conf(5) documents exactly the keys the parser knows
 *     (conf_key_names), each once, each with a Type, a Default that is the
 *     parser's real default, and an Example that the parser accepts;
 *   - every page in packaging/man renders without a single warning
 *     (groff -ww, what `man -l --warnings` shows).
 *
 * How cubicle.conf(5) marks its keys (section KEYS): an entry is ".TP"
 * followed by '.BI "KEY = "...'; inside it the tags "Type:", "Default:" and
 * "Example:" (each after a ".TP"). The line after "Default:" is ".B VALUE",
 * or plain text when the key has no default; the Example is ".B KEY = VALUE"
 * lines. Run from the top of the source tree (make unit does).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "conf.h"
#include "skip.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define MAN_DIR	 "packaging/man"
#define MAN_CONF MAN_DIR "/cubicle.conf.5"
#define MAX_KEYS 64
#define TEXT_MAX 2048
#define WHY_MAX                                                                                    \
	(sizeof(((struct conf_diag *)NULL)->where) + sizeof(((struct conf_diag *)NULL)->msg) + 8)

enum tag { TAG_NONE, TAG_TYPE, TAG_DEFAULT, TAG_EXAMPLE };

struct entry {
	char key[64];
	unsigned line;
	bool has_type;
	bool has_default;
	bool default_is_value; /* ".B VALUE"; else text: no default */
	char def[TEXT_MAX];
	char example[TEXT_MAX]; /* "KEY = VALUE\n" lines */
	unsigned n_examples;
};

struct doc {
	struct entry e[MAX_KEYS];
	size_t n;
};

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t len;

	if (!f)
		return NULL;
	buf = malloc(1 << 20);
	assert_non_null(buf);
	len = fread(buf, 1, (1 << 20) - 1, f);
	assert_false(ferror(f));
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/*
 * The text of a roff macro argument list: surrounding quotes dropped and
 * the escapes the page uses in values resolved. Anything else is refused,
 * so that a value is never compared in a form the reader does not see.
 */
static void unroff(const char *in, char *out, size_t n, unsigned line)
{
	size_t o = 0;
	size_t len = strlen(in);

	if (len >= 2 && in[0] == '"' && in[len - 1] == '"') {
		in++;
		len -= 2;
	}
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (c == '"')
			continue;
		if (c == '\\') {
			char d = in[++i];

			if (d == '-')
				c = '-';
			else if (d == 'e')
				c = '\\';
			else if (d == '&' || d == '%')
				continue;
			else if (d == 'f' && i + 1 < len) {
				i++; /* \fB \fI \fR \fP */
				continue;
			} else
				fail_msg(MAN_CONF ":%u: escape \\%c in a value", line, d);
		}
		assert_true(o + 1 < n);
		out[o++] = c;
	}
	out[o] = '\0';
}

/* '.BI "KEY = "...' or '.B KEY = ...': the key, or false. */
static bool key_tag(const char *line, char *key, size_t n)
{
	const char *s;
	size_t len;

	if (strncmp(line, ".BI ", 4) == 0)
		s = line + 4;
	else if (strncmp(line, ".B ", 3) == 0)
		s = line + 3;
	else
		return false;
	if (*s == '"')
		s++;
	len = strspn(s, "abcdefghijklmnopqrstuvwxyz_");
	if (len == 0 || len >= n || strncmp(s + len, " = ", 3) != 0)
		return false;
	memcpy(key, s, len);
	key[len] = '\0';
	return true;
}

static void parse_doc(char *text, struct doc *doc)
{
	bool in_keys = false, after_tp = false;
	struct entry *cur = NULL;
	enum tag tag = TAG_NONE;
	unsigned lineno = 0;
	char *save = NULL;

	memset(doc, 0, sizeof(*doc));
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		bool was_tp = after_tp;

		lineno++; /* blank lines are skipped by strtok: numbers are approximate */
		after_tp = false;
		if (strncmp(line, ".SH", 3) == 0) {
			in_keys = strcmp(line, ".SH KEYS") == 0;
			cur = NULL;
			tag = TAG_NONE;
			continue;
		}
		if (!in_keys || strncmp(line, ".\\\"", 3) == 0)
			continue;
		if (strcmp(line, ".TP") == 0 || strncmp(line, ".TP ", 4) == 0) {
			after_tp = true;
			continue;
		}
		if (was_tp) {
			char key[64];

			if (key_tag(line, key, sizeof(key))) {
				assert_true(doc->n < MAX_KEYS);
				cur = &doc->e[doc->n++];
				snprintf(cur->key, sizeof(cur->key), "%s", key);
				cur->line = lineno;
				tag = TAG_NONE;
				continue;
			}
			if (!cur)
				fail_msg(MAN_CONF ": KEYS: tag \"%s\" before the first key", line);
			if (strcmp(line, "Type:") == 0)
				tag = TAG_TYPE;
			else if (strcmp(line, "Default:") == 0)
				tag = TAG_DEFAULT;
			else if (strcmp(line, "Example:") == 0)
				tag = TAG_EXAMPLE;
			else
				fail_msg(MAN_CONF
					 ": KEYS, entry %s: a tag \"%s\" that is neither a key "
					 "('.BI \"KEY = \"...') nor Type:, Default: or Example:",
					 cur->key, line);
			continue;
		}
		if (!cur)
			continue;
		if (strcmp(line, ".PD") == 0 || strncmp(line, ".PD ", 4) == 0 ||
		    strcmp(line, ".RE") == 0 || strcmp(line, ".RS") == 0) {
			tag = TAG_NONE;
			continue;
		}
		switch (tag) {
		case TAG_TYPE:
			cur->has_type = true;
			break;
		case TAG_DEFAULT:
			if (cur->has_default)
				break; /* the rest of a text default */
			cur->has_default = true;
			cur->default_is_value = strncmp(line, ".B ", 3) == 0;
			if (cur->default_is_value)
				unroff(line + 3, cur->def, sizeof(cur->def), lineno);
			else
				snprintf(cur->def, sizeof(cur->def), "%s", line);
			break;
		case TAG_EXAMPLE:
			if (strncmp(line, ".B ", 3) == 0) {
				char v[TEXT_MAX];
				size_t used = strlen(cur->example);

				unroff(line + 3, v, sizeof(v), lineno);
				assert_true(used + strlen(v) + 2 < sizeof(cur->example));
				snprintf(cur->example + used, sizeof(cur->example) - used, "%s\n",
					 v);
				cur->n_examples++;
			}
			break;
		case TAG_NONE:
			break;
		}
	}
}

static const struct entry *find(const struct doc *doc, const char *key)
{
	for (size_t i = 0; i < doc->n; i++)
		if (strcmp(doc->e[i].key, key) == 0)
			return &doc->e[i];
	return NULL;
}

static char user_name[] = "alice", user_home[] = "/home/alice", user_group[] = "users";
static char group_staff[] = "staff";
static char *groups[] = { user_group, group_staff };
static const struct conf_user alice = {
	.name = user_name,
	.uid = 1000,
	.gid = 100,
	.home = user_home,
	.group = user_group,
	.groups = groups,
	.n_groups = 2,
};

/* The policy that `text` gives alice, as policy_print() prints it; NULL with
 * the first diagnostic in *why when it does not parse or resolve. */
static char *policy_text(const char *text, char *why, size_t why_len)
{
	struct conf_diags diags = { .n = 0 };
	struct conf *c = conf_new();
	struct policy *p = NULL;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	assert_non_null(c);
	r = conf_parse_buffer(c, "doc", text, strlen(text), &diags);
	if (r == 0)
		r = conf_resolve(c, &alice, &p, &diags);
	conf_free(c);
	if (r < 0) {
		snprintf(why, why_len, "%s: %s", diags.n ? diags.d[0].where : "",
			 diags.n ? diags.d[0].msg : strerror(-r));
		return NULL;
	}
	f = open_memstream(&out, &len);
	assert_non_null(f);
	policy_print(f, p);
	fclose(f);
	policy_free(p);
	return out;
}

/* Some line of text (policy_print output) sets key. */
static bool has_line(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, key, klen) == 0 && strncmp(l + klen, " = ", 3) == 0)
			return true;
	return false;
}

static struct doc *load_doc(void)
{
	static struct doc doc;
	char *text = read_file(MAN_CONF);

	if (!text)
		return NULL;
	parse_doc(text, &doc);
	free(text);
	return &doc;
}

/* Every key the parser knows is documented, once; nothing else is. */
static void test_keys_both_ways(void **state)
{
	struct doc *doc = load_doc();
	size_t n_keys = 0;

	(void)state;
	if (!doc)
		skip_because(MAN_CONF " not found: not run from the source tree");
	for (size_t i = 0; conf_key_names[i]; i++, n_keys++) {
		unsigned seen = 0;

		for (size_t j = 0; j < doc->n; j++)
			seen += strcmp(doc->e[j].key, conf_key_names[i]) == 0;
		if (seen != 1)
			fail_msg(MAN_CONF " documents key \"%s\" %u times in KEYS, expected once",
				 conf_key_names[i], seen);
	}
	for (size_t j = 0; j < doc->n; j++) {
		bool known = false;

		for (size_t i = 0; conf_key_names[i]; i++)
			known |= strcmp(doc->e[j].key, conf_key_names[i]) == 0;
		if (!known)
			fail_msg(MAN_CONF " documents \"%s\", a key the parser does not know",
				 doc->e[j].key);
	}
	assert_int_equal(doc->n, n_keys);
}

/* Each entry has a type, a default and an example. */
static void test_entries_complete(void **state)
{
	struct doc *doc = load_doc();

	(void)state;
	if (!doc)
		skip_because(MAN_CONF " not found: not run from the source tree");
	for (size_t j = 0; j < doc->n; j++) {
		const struct entry *e = &doc->e[j];

		if (!e->has_type)
			fail_msg(MAN_CONF ": key %s has no Type:", e->key);
		if (!e->has_default)
			fail_msg(MAN_CONF ": key %s has no Default:", e->key);
		if (e->n_examples == 0)
			fail_msg(MAN_CONF ": key %s has no Example: (\".B %s = ...\")", e->key,
				 e->key);
	}
}

/* The documented default is the one the parser applies when no section sets
 * the key: the same policy either way. */
static void test_defaults_real(void **state)
{
	struct doc *doc = load_doc();
	char why[WHY_MAX], text[2 * TEXT_MAX + 128];
	char *none;

	(void)state;
	if (!doc)
		skip_because(MAN_CONF " not found: not run from the source tree");
	none = policy_text("[default]\n", why, sizeof(why));
	if (!none)
		fail_msg("an empty config does not resolve: %s", why);
	for (size_t i = 0; conf_key_names[i]; i++) {
		const struct entry *e = find(doc, conf_key_names[i]);
		char *with;

		if (!e)
			continue; /* test_keys_both_ways says so */
		if (!e->default_is_value) {
			/* no default: the key is absent from the default policy */
			if (has_line(none, e->key))
				fail_msg(MAN_CONF ": key %s says \"%s\", but it has a default: %s",
					 e->key, e->def, none);
			continue;
		}
		snprintf(text, sizeof(text), "[default]\n%s = %s\n", e->key, e->def);
		with = policy_text(text, why, sizeof(why));
		if (!with)
			fail_msg(MAN_CONF ": the documented default of %s, \"%s\", is refused: %s",
				 e->key, e->def, why);
		if (strcmp(with, none) != 0)
			fail_msg(MAN_CONF ": the documented default of %s, \"%s\", is not the "
					  "real one:\n--- real defaults\n%s--- with %s = %s\n%s",
				 e->key, e->def, none, e->key, e->def, with);
		free(with);
	}
	free(none);
}

/* Every example is valid config, for the key it documents. */
static void test_examples_valid(void **state)
{
	struct doc *doc = load_doc();
	char why[WHY_MAX], text[2 * TEXT_MAX + 128];

	(void)state;
	if (!doc)
		skip_because(MAN_CONF " not found: not run from the source tree");
	for (size_t j = 0; j < doc->n; j++) {
		const struct entry *e = &doc->e[j];
		char *out;

		for (const char *l = e->example; *l; l = strchr(l, '\n') + 1) {
			size_t klen = strlen(e->key);

			if (strncmp(l, e->key, klen) != 0 || strncmp(l + klen, " =", 2) != 0)
				fail_msg(MAN_CONF ": an example of %s sets another key: %.*s",
					 e->key, (int)strcspn(l, "\n"), l);
		}
		/* a section of its own: the example may set isolate or rootfs too */
		snprintf(text, sizeof(text),
			 "[default]\nisolate = yes\nrootfs = /srv/%%u\n[default]\n%s", e->example);
		out = policy_text(text, why, sizeof(why));
		if (!out)
			fail_msg(MAN_CONF ": the example of %s is refused: %s\n%s", e->key, why,
				 e->example);
		free(out);
	}
}

/* groff -ww: no warning, for every page. */
static void test_pages_render_clean(void **state)
{
	DIR *d = opendir(MAN_DIR);
	struct dirent *de;
	unsigned pages = 0;

	(void)state;
	if (!d)
		skip_because(MAN_DIR " not found: not run from the source tree");
	if (system("command -v groff >/dev/null 2>&1") != 0) {
		closedir(d);
		skip_because("groff not installed (apt-get install groff-base)");
	}
	while ((de = readdir(d))) {
		char cmd[512], out[4096];
		size_t len;
		FILE *p;
		int st;

		if (de->d_name[0] == '.' || !strchr(de->d_name, '.'))
			continue;
		snprintf(cmd, sizeof(cmd),
			 "LC_ALL=C.UTF-8 groff -t -ww -man -Tutf8 -z '" MAN_DIR "/%s' 2>&1",
			 de->d_name);
		p = popen(cmd, "r");
		assert_non_null(p);
		len = fread(out, 1, sizeof(out) - 1, p);
		out[len] = '\0';
		st = pclose(p);
		if (st != 0 || len > 0)
			fail_msg("%s/%s: groff -ww: exit status %d, warnings:\n%s", MAN_DIR,
				 de->d_name, WIFEXITED(st) ? WEXITSTATUS(st) : -1, out);
		pages++;
	}
	closedir(d);
	/* cubicle(7), cubicle.conf(5), cubicle-shell(8), pam_cubicle(8), cubiclectl(8) */
	assert_true(pages >= 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_both_ways),	   cmocka_unit_test(test_entries_complete),
		cmocka_unit_test(test_defaults_real),	   cmocka_unit_test(test_examples_valid),
		cmocka_unit_test(test_pages_render_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
