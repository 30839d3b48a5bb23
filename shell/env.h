/* SPDX-License-Identifier: MIT */
/*
 * The user's environment is never trusted (OpenSSH CVE-2015-8325, glibc
 * CVE-2023-4911): cubicle-shell keeps only an allow-list of variables whose
 * values pass a check, and sets the identity variables from passwd and config.
 */
#ifndef CUBICLE_SHELL_ENV_H
#define CUBICLE_SHELL_ENV_H

#include <stddef.h>

#define ENV_MAX_TOTAL (64 * 1024) /* bytes of environment handed to the shell */
#define ENV_MAX_VARS  64

struct env {
	char *vars[ENV_MAX_VARS + 1]; /* "KEY=VALUE", NULL-terminated */
	size_t n;
	size_t bytes;
};

/* Copies the allowed, valid variables of `environ` into e. */
int env_capture(struct env *e, char *const *environ_in);

/* Sets KEY=VALUE, replacing an earlier one; -E2BIG past the limits. */
int env_set(struct env *e, const char *key, const char *value);

/* Removes KEY if it is there. */
void env_unset(struct env *e, const char *key);

/* Looks a captured variable up; NULL if absent. */
const char *env_get(const struct env *e, const char *key);

void env_free(struct env *e);

/* Exposed for tests: does the allow-list accept KEY=VALUE? */
int env_allowed(const char *kv);

#endif
