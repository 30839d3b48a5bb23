/* SPDX-License-Identifier: MIT */
/* Skipping a unit test: allowed on a developer's machine, a failure in CI. */
#ifndef CUBICLE_TEST_SKIP_H
#define CUBICLE_TEST_SKIP_H

#include <stdlib.h>
#include <string.h>

#define skip_because(why)                                                                          \
	do {                                                                                       \
		const char *ci_ = getenv("CI");                                                    \
		if (ci_ && strcmp(ci_, "true") == 0)                                               \
			fail_msg("CI=true: a skip is a failure (%s)", why);                        \
		print_message("skipped: %s\n", why);                                               \
		skip();                                                                            \
	} while (0)

#endif
