/* SPDX-License-Identifier: MIT */
/*
 * The config object and the line parser: sections, "key = value" lines,
 * comments, and a diagnostic with file:line for everything it refuses.
 * What a value means is the key table's business (keys.c).
 */
#include "conf_internal.h"
#include "names.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUOTE_MAX 72

void conf_diag_add(struct conf_diags *diags, const char *where, unsigned line, const char *fmt, ...)
{
	struct conf_diag *d;
	va_list ap;

	if (!diags)
		return;
	diags->n_total++;
	if (diags->n >= CONF_DIAGS_MAX)
		return;
	d = &diags->d[diags->n++];

	/* room for ":4294967295" after the escaped name */
	text_escape(d->where, sizeof(d->where) - 12, where ? where : "");
	if (d->where[0] && line > 0) {
		size_t len = strlen(d->where);

		snprintf(d->where + len, sizeof(d->where) - len, ":%u", line);
	}
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
}

static size_t escaped_len(const char *v)
{
	size_t n = 0;

	for (; *v; v++) {
		unsigned char ch = (unsigned char)*v;

		n += (ch < 0x20 || ch >= 0x7f || ch == '\\') ? 4 : 1;
	}
	return n;
}

void conf_quote(char *out, size_t n, const char *v)
{
	if (n < 8) {
		if (n > 0)
			out[0] = '\0';
		return;
	}
	if (escaped_len(v) < n) {
		text_escape(out, n, v);
		return;
	}
	text_escape(out, n - 3, v);
	strcat(out, "...");
}

struct conf *conf_new(void)
{
	return calloc(1, sizeof(struct conf));
}

/* Drops everything added after the first n_files/n_sections/n_entries. */
static void conf_truncate(struct conf *c, size_t n_files, size_t n_sections, size_t n_entries)
{
	while (c->n_entries > n_entries)
		free(c->entries[--c->n_entries].value);
	while (c->n_sections > n_sections)
		free(c->sections[--c->n_sections].name);
	while (c->n_files > n_files)
		free(c->files[--c->n_files]);
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	conf_truncate(c, 0, 0, 0);
	free(c->entries);
	free(c->sections);
	free(c->files);
	free(c);
}

/* Makes room for one more element of size `size` in *array. */
static int grow(void *array, size_t *cap, size_t n, size_t size)
{
	void **a = array;
	size_t new_cap;
	void *p;

	if (n < *cap)
		return 0;
	new_cap = *cap ? *cap * 2 : 16;
	p = reallocarray(*a, new_cap, size);
	if (!p)
		return -ENOMEM;
	*a = p;
	*cap = new_cap;
	return 0;
}

enum {
	SECTION_NONE = -1,    /* no header yet */
	SECTION_INVALID = -2, /* after a bad header: lines are checked, then dropped */
};

struct parser {
	struct conf *c;
	const char *name;
	size_t file;
	unsigned line;
	long section;			   /* index into c->sections, or SECTION_* */
	unsigned first_line[CONF_K_COUNT]; /* in the current section block; 0: not seen */
	struct conf_diags *diags;
	unsigned errors;
};

static void __attribute__((format(printf, 2, 3)))
parse_error(struct parser *ps, const char *fmt, ...)
{
	char msg[sizeof(((struct conf_diag *)NULL)->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_diag_add(ps->diags, ps->name, ps->line, "%s", msg);
	ps->errors++;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* Trims s in place; returns the first non-blank character. */
static char *trim(char *s)
{
	size_t len;

	while (is_blank(*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_blank(s[len - 1]))
		s[--len] = '\0';
	return s;
}

static int parse_header(struct parser *ps, char *line)
{
	struct conf *c = ps->c;
	size_t len = strlen(line);
	char quoted[QUOTE_MAX];
	enum conf_section_kind kind;
	const char *name = NULL;
	char *inner;

	memset(ps->first_line, 0, sizeof(ps->first_line));
	ps->section = SECTION_INVALID;
	conf_quote(quoted, sizeof(quoted), line);
	if (len < 2 || line[len - 1] != ']') {
		parse_error(ps,
			    "bad section header \"%s\" (expected [default], [group:NAME] or "
			    "[user:NAME])",
			    quoted);
		return 0;
	}
	line[len - 1] = '\0';
	inner = line + 1;
	if (strcmp(inner, "default") == 0) {
		kind = CONF_SECTION_DEFAULT;
	} else if (strncmp(inner, "group:", 6) == 0) {
		kind = CONF_SECTION_GROUP;
		name = inner + 6;
	} else if (strncmp(inner, "user:", 5) == 0) {
		kind = CONF_SECTION_USER;
		name = inner + 5;
	} else {
		parse_error(ps,
			    "unknown section \"%s\" (expected [default], [group:NAME] or "
			    "[user:NAME])",
			    quoted);
		return 0;
	}
	if (name && !name_is_safe(name)) {
		parse_error(ps,
			    "bad name in section header \"%s\" (letters, digits, \"_\", \".\" "
			    "and \"-\", at most %d bytes)",
			    quoted, NAME_MAX_LEN);
		return 0;
	}

	if (grow(&c->sections, &c->cap_sections, c->n_sections, sizeof(*c->sections)) < 0)
		return -ENOMEM;
	c->sections[c->n_sections] = (struct conf_section){ .kind = kind };
	if (name) {
		c->sections[c->n_sections].name = strdup(name);
		if (!c->sections[c->n_sections].name)
			return -ENOMEM;
	}
	ps->section = (long)c->n_sections++;
	return 0;
}

static int parse_assignment(struct parser *ps, char *line)
{
	struct conf *c = ps->c;
	char quoted[QUOTE_MAX];
	char *eq = strchr(line, '=');
	const char *key, *value;
	enum conf_key_id id;
	int r;

	if (!eq) {
		conf_quote(quoted, sizeof(quoted), line);
		parse_error(ps,
			    "syntax error: \"%s\" (expected \"key = value\", \"[section]\" or a "
			    "comment)",
			    quoted);
		return 0;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if (!*key) {
		parse_error(ps, "syntax error: no key before \"=\"");
		return 0;
	}
	conf_quote(quoted, sizeof(quoted), key);
	r = conf_key_lookup(key);
	if (r < 0) {
		parse_error(ps, "unknown key \"%s\"", quoted);
		return 0;
	}
	id = (enum conf_key_id)r;
	if (ps->section == SECTION_NONE) {
		parse_error(ps,
			    "key \"%s\" before any section header ([default], [group:NAME] or "
			    "[user:NAME])",
			    quoted);
		return 0;
	}
	if (!conf_key_is_repeatable(id)) {
		if (ps->first_line[id]) {
			parse_error(ps, "duplicate key \"%s\" in this section (first at line %u)",
				    quoted, ps->first_line[id]);
			return 0;
		}
		ps->first_line[id] = ps->line;
	}
	r = conf_value_check(id, value, ps->name, ps->line, ps->diags);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		ps->errors++;
		return 0;
	}
	if (ps->section == SECTION_INVALID)
		return 0;

	if (grow(&c->entries, &c->cap_entries, c->n_entries, sizeof(*c->entries)) < 0)
		return -ENOMEM;
	c->entries[c->n_entries] = (struct conf_entry){
		.section = (size_t)ps->section,
		.file = ps->file,
		.line = ps->line,
		.key = id,
		.value = strdup(value),
	};
	if (!c->entries[c->n_entries].value)
		return -ENOMEM;
	c->n_entries++;
	return 0;
}

static int parse_line(struct parser *ps, const char *start, size_t len)
{
	char buf[CONF_LINE_MAX];
	char *line;

	if (len > CONF_LINE_MAX - 1) {
		parse_error(ps, "line too long (more than %d bytes)", CONF_LINE_MAX);
		return 0;
	}
	if (memchr(start, '\0', len)) {
		parse_error(ps, "NUL byte in line");
		return 0;
	}
	memcpy(buf, start, len);
	buf[len] = '\0';
	line = trim(buf);
	if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
		return 0;
	if (line[0] == '[')
		return parse_header(ps, line);
	return parse_assignment(ps, line);
}

int conf_parse_buffer(struct conf *c, const char *name, const char *buf, size_t len,
		      struct conf_diags *diags)
{
	size_t n_files, n_sections, n_entries, pos = 0;
	struct parser ps = {
		.c = c,
		.name = name,
		.section = SECTION_NONE,
		.diags = diags,
	};
	int r = 0;

	if (!c || !name || (!buf && len > 0))
		return -EINVAL;
	if (len > CONF_FILE_MAX) {
		conf_diag_add(diags, name, 0, "file too large (more than %d bytes)", CONF_FILE_MAX);
		return -EFBIG;
	}
	n_files = c->n_files;
	n_sections = c->n_sections;
	n_entries = c->n_entries;

	if (grow(&c->files, &c->cap_files, c->n_files, sizeof(*c->files)) < 0)
		return -ENOMEM;
	c->files[c->n_files] = strdup(name);
	if (!c->files[c->n_files])
		return -ENOMEM;
	ps.file = c->n_files++;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;

		ps.line++;
		r = parse_line(&ps, buf + pos, end - pos);
		if (r < 0)
			break;
		pos = end + 1;
	}

	/* all of this file or nothing of it */
	if (r < 0 || ps.errors > 0) {
		conf_truncate(c, n_files, n_sections, n_entries);
		return r < 0 ? r : -EINVAL;
	}
	return 0;
}

bool conf_uses_groups(const struct conf *c)
{
	for (size_t i = 0; c && i < c->n_sections; i++)
		if (c->sections[i].kind == CONF_SECTION_GROUP)
			return true;
	return false;
}
