/* SPDX-License-Identifier: MIT */
/* cubiclectl's output for people and for programs: small pure helpers. */
#ifndef CUBICLE_CTL_FORMAT_H
#define CUBICLE_CTL_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FMT_SHORT_MAX 16 /* enough for every fmt_age and fmt_bytes result */

/* A duration the way ps and w show it: "45s", "12m", "3h04m", "2d05h"
 * (below zero, as a clock set back gives: "0s"). */
void fmt_age(char *buf, size_t len, int64_t seconds);

/* A size in binary units: "512B", "812K", "14.2M", "1.3G" (three significant
 * digits at most); UINT64_MAX (not known) is "-". */
void fmt_bytes(char *buf, size_t len, uint64_t bytes);

/* s as a JSON string, quotes included: '"', '\\' and control bytes escaped,
 * valid UTF-8 kept, every byte of an invalid sequence as U+FFFD. */
void fmt_json_string(FILE *f, const char *s);

#endif
