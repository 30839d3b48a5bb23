/* SPDX-License-Identifier: MIT */
/* Validation of names and text that end up in paths, hostnames and logs. */
#ifndef CUBICLE_NAMES_H
#define CUBICLE_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define NAME_MAX_LEN	 32
#define HOSTNAME_MAX_LEN 64

/*
 * A user or group name safe to put in a path: [A-Za-z0-9_][A-Za-z0-9_.-]*
 * (a trailing '$' allowed, as for Samba machine accounts), at most
 * NAME_MAX_LEN bytes, never "." or "..".
 */
bool name_is_safe(const char *name);

/* RFC 1123 host name: dot-separated labels of [A-Za-z0-9-], no label starting or
 * ending with '-', each 1..63 bytes, at most HOSTNAME_MAX_LEN bytes in all. */
bool hostname_is_valid(const char *name);

/* Copies src into dst (size n, always terminated), escaping control bytes,
 * backslash and bytes >= 0x7f as \xNN, so that logs carry no terminal escapes. */
void text_escape(char *dst, size_t n, const char *src);

/* An absolute path with no empty, "." or ".." components, no control bytes,
 * shorter than PATH_MAX. A single trailing slash is not allowed either. */
bool path_is_clean_absolute(const char *path);

#endif
