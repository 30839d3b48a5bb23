/* SPDX-License-Identifier: MIT */
/* Unit tests of lib/names.c: names and text that end up in paths, hostnames and logs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "names.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct name_case {
	const char *s;
	bool ok;
};

static void test_name_is_safe(void **state)
{
	static const struct name_case cases[] = {
		{ "a", true },
		{ "A", true },
		{ "0", true },
		{ "_", true },
		{ "_apt", true },
		{ "root", true },
		{ "www-data", true },
		{ "first.last", true },
		{ "a..b", true },
		{ "a_b-c.d", true },
		{ "host$", true },
		{ "a2345678901234567890123456789012", true },	/* 32 */
		{ "a23456789012345678901234567890123", false }, /* 33 */
		{ "", false },
		{ ".", false },
		{ "..", false },
		{ ".hidden", false },
		{ "-n", false },
		{ "$", false },
		{ "a$b", false },
		{ "a$$", false },
		{ "a/b", false },
		{ "/", false },
		{ "a b", false },
		{ "a\tb", false },
		{ "a\n", false },
		{ "a:b", false },
		{ "a@b", false },
		{ "a%b", false },
		{ "\xc3\xa4", false },
		{ "a\x7f", false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (name_is_safe(cases[i].s) != cases[i].ok)
			fail_msg("name_is_safe(\"%s\") != %d", cases[i].s, cases[i].ok);
	assert_false(name_is_safe(NULL));
}

static void test_hostname_is_valid(void **state)
{
	static const struct name_case cases[] = {
		{ "a", true },
		{ "box", true },
		{ "A-Z", true },
		{ "123", true },
		{ "alice-box", true },
		{ "a.b.c", true },
		{ "xn--bcher-kva.example", true },
		{ "a23456789012345678901234567890123456789012345678901234567890123", true },
		{ "a234567890123456789012345678901234567890123456789012345678901234", false },
		{ "a2345678.a234567.a234567.a234567.a234567.a234567.a234567.a234567", true },
		{ "a23456789.a234567.a234567.a234567.a234567.a234567.a234567.a234567", false },
		{ "", false },
		{ "-a", false },
		{ "a-", false },
		{ "a.-b", false },
		{ "a-.b", false },
		{ ".a", false },
		{ "a.", false },
		{ "a..b", false },
		{ ".", false },
		{ "a_b", false },
		{ "a b", false },
		{ "a/b", false },
		{ "a\n", false },
		{ "\xc3\xa4", false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (hostname_is_valid(cases[i].s) != cases[i].ok)
			fail_msg("hostname_is_valid(\"%s\") != %d", cases[i].s, cases[i].ok);
	assert_false(hostname_is_valid(NULL));
}

static void test_path_is_clean_absolute(void **state)
{
	static const struct name_case cases[] = {
		{ "/", true },	     { "/a", true },	   { "/a/b/c", true },	{ "/.a", true },
		{ "/a.", true },     { "/...", true },	   { "/a..", true },	{ "/a b", true },
		{ "/a:b", true },    { "/a#b", true },	   { "", false },	{ "a", false },
		{ "a/b", false },    { "./a", false },	   { "//", false },	{ "//a", false },
		{ "/a/", false },    { "/a//b", false },   { "/.", false },	{ "/..", false },
		{ "/a/.", false },   { "/a/..", false },   { "/./a", false },	{ "/../a", false },
		{ "/a/./b", false }, { "/a/../b", false }, { "/a\x01", false }, { "/a\nb", false },
		{ "/a\x7f", false },
	};
	char *long_path = malloc(PATH_MAX + 1);

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (path_is_clean_absolute(cases[i].s) != cases[i].ok)
			fail_msg("path_is_clean_absolute(\"%s\") != %d", cases[i].s, cases[i].ok);
	assert_false(path_is_clean_absolute(NULL));

	/* shorter than PATH_MAX */
	assert_non_null(long_path);
	memset(long_path, 'a', PATH_MAX);
	for (size_t i = 0; i < PATH_MAX; i += 200)
		long_path[i] = '/';
	long_path[PATH_MAX - 1] = '\0';
	assert_true(path_is_clean_absolute(long_path));
	long_path[PATH_MAX - 1] = 'a';
	long_path[PATH_MAX] = '\0';
	assert_false(path_is_clean_absolute(long_path));
	free(long_path);
}

static void test_text_escape(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "plain text", "plain text" },
		{ "", "" },
		{ "a\nb", "a\\x0ab" },
		{ "\x1b[31mred", "\\x1b[31mred" },
		{ "back\\slash", "back\\x5cslash" },
		{ "del\x7f", "del\\x7f" },
		{ "\xc3\xa4", "\\xc3\\xa4" },
		{ "\t\r", "\\x09\\x0d" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		text_escape(buf, sizeof(buf), cases[i].in);
		assert_string_equal(buf, cases[i].out);
	}
	text_escape(buf, sizeof(buf), NULL);
	assert_string_equal(buf, "");

	/* truncation: always terminated, never half an escape */
	text_escape(buf, 4, "abcdef");
	assert_string_equal(buf, "abc");
	text_escape(buf, 5, "\n");
	assert_string_equal(buf, "\\x0a");
	text_escape(buf, 4, "\n");
	assert_string_equal(buf, "");
	text_escape(buf, 6, "ab\ncd");
	assert_string_equal(buf, "ab");
	text_escape(buf, 1, "abc");
	assert_string_equal(buf, "");
	buf[0] = 'x';
	text_escape(buf, 0, "abc");
	assert_int_equal(buf[0], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_is_safe),
		cmocka_unit_test(test_hostname_is_valid),
		cmocka_unit_test(test_path_is_clean_absolute),
		cmocka_unit_test(test_text_escape),
	};

	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
