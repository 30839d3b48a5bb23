/* SPDX-License-Identifier: MIT */
#include "names.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool name_is_safe(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strlen(name);
	if (len == 0 || len > NAME_MAX_LEN)
		return false;
	if (!is_alnum(name[0]) && name[0] != '_')
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = name[i];

		if (is_alnum(c) || c == '_' || c == '.' || c == '-')
			continue;
		if (c == '$' && i == len - 1)
			continue;
		return false;
	}
	return true;
}

bool hostname_is_valid(const char *name)
{
	size_t len, label = 0;

	if (!name)
		return false;
	len = strlen(name);
	if (len == 0 || len > HOSTNAME_MAX_LEN)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = name[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || name[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_alnum(c) && c != '-')
			return false;
		if (c == '-' && label == 0)
			return false;
		label++;
	}
	return true;
}

void text_escape(char *dst, size_t n, const char *src)
{
	size_t o = 0;

	if (n == 0)
		return;
	for (; src && *src; src++) {
		unsigned char c = (unsigned char)*src;

		if (c < 0x20 || c >= 0x7f || c == '\\') {
			if (o + 4 >= n)
				break;
			snprintf(dst + o, n - o, "\\x%02x", c);
			o += 4;
		} else {
			if (o + 1 >= n)
				break;
			dst[o++] = (char)c;
		}
	}
	dst[o] = '\0';
}

bool path_is_clean_absolute(const char *path)
{
	const char *p, *comp;
	size_t len;

	if (!path || path[0] != '/')
		return false;
	len = strlen(path);
	if (len >= PATH_MAX)
		return false;
	if (len == 1)
		return true;
	for (p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	comp = path + 1;
	for (;;) {
		const char *end = strchr(comp, '/');
		size_t clen = end ? (size_t)(end - comp) : strlen(comp);

		if (clen == 0)
			return false;
		if ((clen == 1 && comp[0] == '.') ||
		    (clen == 2 && comp[0] == '.' && comp[1] == '.'))
			return false;
		if (!end)
			return true;
		comp = end + 1;
	}
}
