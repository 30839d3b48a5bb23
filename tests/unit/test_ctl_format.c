/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of ctl/format.c, cubiclectl's output helpers. The source is
 * compiled in here: ctl/ is no library the unit tests link.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../ctl/format.c"

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct age_case {
	int64_t s;
	const char *want;
};

static void test_age(void **state)
{
	static const struct age_case cases[] = {
		{ 0, "0s" },
		{ 45, "45s" },
		{ 59, "59s" },
		{ 60, "1m" },
		{ 12 * 60 + 59, "12m" },
		{ 3599, "59m" },
		{ 3600, "1h00m" },
		{ 3 * 3600 + 4 * 60 + 59, "3h04m" },
		{ 86399, "23h59m" },
		{ 86400, "1d00h" },
		{ 2 * 86400 + 5 * 3600 + 1, "2d05h" },
		{ 400 * 86400, "400d00h" },
		{ -5, "0s" },
		{ INT64_MIN, "0s" },
		{ INT64_MAX, "106751991167300d15h" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		fmt_age(buf, sizeof(buf), cases[i].s);
		assert_string_equal(buf, cases[i].want);
	}
	fmt_age(buf, FMT_SHORT_MAX, 400 * 86400);
	assert_true(strlen(buf) < FMT_SHORT_MAX);
}

struct bytes_case {
	uint64_t b;
	const char *want;
};

static void test_bytes(void **state)
{
	static const struct bytes_case cases[] = {
		{ 0, "0B" },
		{ 1023, "1023B" },
		{ 1024, "1.0K" },
		{ 1536, "1.5K" },
		{ 99 * 1024, "99.0K" },
		{ 812 * 1024, "812K" },
		{ 812 * 1024 + 511, "812K" },
		{ 1023 * 1024, "1023K" },
		{ 1023 * 1024 + 600, "1.0M" }, /* would round to 1024K */
		{ 14889779, "14.2M" },
		{ 1395864371, "1.3G" },
		{ 5ull << 40, "5.0T" },
		{ 3ull << 50, "3.0P" },
		{ UINT64_MAX - 1, "16.0E" },
		{ UINT64_MAX, "-" },
	};
	char buf[FMT_SHORT_MAX];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		fmt_bytes(buf, sizeof(buf), cases[i].b);
		assert_string_equal(buf, cases[i].want);
	}
}

/* fmt_json_string(s) as a string */
static char *json(const char *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	fmt_json_string(f, s);
	assert_int_equal(fclose(f), 0);
	return out;
}

struct json_case {
	const char *s;
	const char *want;
};

static void test_json_string(void **state)
{
	static const struct json_case cases[] = {
		{ "", "\"\"" },
		{ "alice", "\"alice\"" },
		{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ "a\nb\tc\r\x01\x1f\x7f", "\"a\\nb\\tc\\u000d\\u0001\\u001f\\u007f\"" },
		{ "</script>", "\"</script>\"" },
		{ "h\xc3\xa9st", "\"h\xc3\xa9st\"" },			/* é */
		{ "\xe2\x82\xac", "\"\xe2\x82\xac\"" },			/* € */
		{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },		/* U+1F600 */
		{ "\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"" },		/* U+10FFFF */
		{ "\xff", "\"\\ufffd\"" },				/* never in UTF-8 */
		{ "a\xc3", "\"a\\ufffd\"" },				/* cut off at the end */
		{ "\xc3(", "\"\\ufffd(\"" },				/* bad continuation */
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },			/* overlong '/' */
		{ "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"" },	/* overlong */
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* a surrogate */
		{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" }, /* above U+10FFFF */
		{ "\xe2\x82", "\"\\ufffd\\ufffd\"" },
		{ "\x80x", "\"\\ufffdx\"" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = json(cases[i].s);

		assert_string_equal(got, cases[i].want);
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_json_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
