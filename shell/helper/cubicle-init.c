/* SPDX-License-Identifier: MIT */
/*
 * cubicle-init: what the container's init execs into once it has built the
 * filesystem and dropped every privilege (shell/init.c). Static and small,
 * so that PID 1 of a live session costs a few pages rather than a copy of
 * cubicle-shell. Not for running by hand: it must be PID 1 of a namespace.
 *
 *   cubicle-init --stop-timeout=SECONDS
 */
#include "reaper.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long long timeout;
	sigset_t all;

	/* blocked already across the exec; blocked again, in case of a caller
	 * that is not init */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	/* the name a joining shell looks for, on kernels that name an
	 * execveat()'d program by its descriptor */
	prctl(PR_SET_NAME, "cubicle-init");
	if (argc != 2 || strncmp(argv[1], "--stop-timeout=", 15) != 0 ||
	    util_parse_u64(argv[1] + 15, &timeout) < 0 || timeout > 3600 || getpid() != 1) {
		fprintf(stderr, "cubicle-init: started by cubicle-shell as PID 1 only\n");
		return 2;
	}
	reaper_main((unsigned)timeout);
}
