/* SPDX-License-Identifier: MIT */
/*
 * What the files of conf/ share and nothing outside conf/ may use: the parsed
 * form of a config (a list of key = value entries, each remembering its section,
 * file and line) and the key table's entry points.
 */
#ifndef CUBICLE_CONF_INTERNAL_H
#define CUBICLE_CONF_INTERNAL_H

#include "conf.h"

/* The keys, in the order of conf_key_names[] and of policy_print(). */
enum conf_key_id {
	CONF_K_ISOLATE,
	CONF_K_ROOTFS,
	CONF_K_HOSTNAME,
	CONF_K_SHELL,
	CONF_K_HOME,
	CONF_K_PATH,
	CONF_K_NAMESPACES,
	CONF_K_TMP_SIZE,
	CONF_K_BIND,
	CONF_K_BIND_RO,
	CONF_K_REQUIRE_SESSION,
	CONF_K_STOP_TIMEOUT,
	CONF_K_MEMORY_MAX,
	CONF_K_MEMORY_SWAP_MAX,
	CONF_K_PIDS_MAX,
	CONF_K_CPU_MAX,
	CONF_K_CPU_WEIGHT,
	CONF_K_USER_MEMORY_MAX,
	CONF_K_USER_PIDS_MAX,
	CONF_K_USER_CPU_MAX,
	CONF_K_CGROUP_ROOT,
	CONF_K_COUNT,
};

/* Also the rank: a later kind overrides an earlier one. */
enum conf_section_kind {
	CONF_SECTION_DEFAULT,
	CONF_SECTION_GROUP,
	CONF_SECTION_USER,
	CONF_SECTION_KIND_COUNT,
};

struct conf_section {
	enum conf_section_kind kind;
	char *name; /* the group or user name; NULL for [default] */
};

/* One "key = value" line of a valid section, in file order. */
struct conf_entry {
	size_t section; /* index into conf.sections */
	size_t file;	/* index into conf.files */
	unsigned line;
	enum conf_key_id key;
	char *value; /* as written, trimmed, not yet expanded */
};

struct conf {
	char **files; /* names, in the order they were parsed */
	size_t n_files, cap_files;
	struct conf_section *sections;
	size_t n_sections, cap_sections;
	struct conf_entry *entries;
	size_t n_entries, cap_entries;
};

/* keys.c */

/* The key's id, or -ENOENT. */
int conf_key_lookup(const char *name);
bool conf_key_is_repeatable(enum conf_key_id key);

/*
 * Checks a value as it is read: expansions well-formed, and the value valid
 * once they are expanded for a stand-in user. Returns 0, -EINVAL with a
 * diagnostic at file:line, or -ENOMEM.
 */
int conf_value_check(enum conf_key_id key, const char *value, const char *file, unsigned line,
		     struct conf_diags *diags);

/* conf.c */

/* Copies v into out (size n >= 8), escaped for display and shortened with "...". */
void conf_quote(char *out, size_t n, const char *v);

#endif
