/* SPDX-License-Identifier: MIT */
/* The environment allow-list of cubicle-shell (shell/env.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_allowed_and_refused(void **state)
{
	static const struct {
		const char *kv;
		int ok;
	} cases[] = {
		{ "TERM=xterm-256color", 1 },
		{ "TERM=rxvt-unicode+x", 1 },
		{ "TERM=", 0 },
		{ "TERM=\x1b[31m", 0 },
		{ "TERM=../../etc/terminfo", 0 },
		{ "TERM=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 }, /* 65 */
		{ "LANG=en_US.UTF-8", 1 },
		{ "LC_ALL=C.UTF-8", 1 },
		{ "LC_=C", 0 },
		{ "LC_x y=C", 0 },
		{ "TZ=Europe/Berlin", 1 },
		{ "TZ=../../../etc/shadow", 0 },
		{ "SSH_CONNECTION=127.0.0.1 40000 127.0.0.1 22", 1 },
		{ "SSH_CLIENT=::1 40000 22", 1 },
		{ "SSH_AUTH_SOCK=/tmp/ssh-XXXXabcd12/agent.1234", 1 },
		{ "SSH_AUTH_SOCK=relative/agent", 0 },
		{ "SSH_AUTH_SOCK=/tmp/../etc/shadow", 0 },
		{ "SSH_AUTH_SOCK=/tmp/a b", 0 },
		{ "CUBICLE_SESSION=ab12-cd", 1 },
		{ "CUBICLE_SESSION=a/b", 0 },
		{ "LD_PRELOAD=/tmp/evil.so", 0 },
		{ "LD_LIBRARY_PATH=/tmp", 0 },
		{ "GCONV_PATH=/tmp", 0 },
		{ "GLIBC_TUNABLES=glibc.malloc.check=3", 0 },
		{ "BASH_ENV=/tmp/x", 0 },
		{ "ENV=/tmp/x", 0 },
		{ "PATH=/tmp", 0 },
		{ "HOME=/root", 0 },
		{ "SHELL=/bin/sh", 0 },
		{ "noequals", 0 },
		{ "=value", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = env_allowed(cases[i].kv);

		if (got != cases[i].ok)
			fail_msg("env_allowed(\"%s\") = %d, expected %d", cases[i].kv, got,
				 cases[i].ok);
	}
}

static void test_capture_and_set(void **state)
{
	char v0[] = "TERM=vt100", v1[] = "LD_PRELOAD=/x.so", v2[] = "TERM=xterm",
	     v3[] = "HOME=/evil", v4[] = "LANG=C";
	char *in[] = { v0, v1, v2, v3, v4, NULL };
	struct env e;

	(void)state;
	assert_int_equal(env_capture(&e, in), 0);
	assert_int_equal(e.n, 2);
	assert_string_equal(env_get(&e, "TERM"), "xterm"); /* the last one wins */
	assert_null(env_get(&e, "LD_PRELOAD"));
	assert_null(env_get(&e, "HOME"));
	assert_int_equal(env_set(&e, "HOME", "/home/a"), 0);
	assert_int_equal(env_set(&e, "HOME", "/home/b"), 0);
	assert_string_equal(env_get(&e, "HOME"), "/home/b");
	assert_int_equal(e.n, 3);
	assert_null(e.vars[e.n]);
	env_unset(&e, "TERM");
	env_unset(&e, "NOT_THERE");
	assert_int_equal(e.n, 2);
	assert_null(env_get(&e, "TERM"));
	assert_string_equal(env_get(&e, "LANG"), "C");
	assert_string_equal(env_get(&e, "HOME"), "/home/b");
	assert_null(e.vars[e.n]);
	env_free(&e);
}

static void test_limits(void **state)
{
	char *big = malloc(ENV_MAX_TOTAL + 16);
	char *in[ENV_MAX_VARS + 8];
	char names[ENV_MAX_VARS + 8][32];
	struct env e;

	(void)state;
	/* too many variables */
	for (size_t i = 0; i < ENV_MAX_VARS + 7; i++) {
		snprintf(names[i], sizeof(names[i]), "LC_X%zu=C", i);
		in[i] = names[i];
	}
	in[ENV_MAX_VARS + 7] = NULL;
	assert_int_equal(env_capture(&e, in), -E2BIG);
	env_free(&e);

	/* too many bytes */
	assert_non_null(big);
	memset(big, 'a', ENV_MAX_TOTAL + 8);
	big[ENV_MAX_TOTAL + 8] = '\0';
	assert_int_equal(env_capture(&e, (char *[]){ NULL }), 0);
	assert_int_equal(env_set(&e, "HOME", big), -E2BIG);
	env_free(&e);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed_and_refused),
		cmocka_unit_test(test_capture_and_set),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
