/* SPDX-License-Identifier: MIT */
/*
 * cubicle-relay: what the outer cubicle-shell execs into once the payload
 * runs (shell/relay.c): it relays the terminal or forwards signals until the
 * payload ends, stops a container no session owns, and exits with the
 * payload's status. Static and small, so that a live login's outer process
 * costs a few pages rather than a copy of cubicle-shell. Not for running by
 * hand.
 */
#include "relay.h"

#include <stdio.h>
#include <sys/prctl.h>

int main(int argc, char **argv)
{
	struct relay r;

	/*
	 * Not readable by its users (installed 0711), so the kernel already made
	 * this exec non-dumpable, as cubicle-shell's file capabilities made the
	 * outer before it: a process of the host's PID namespace must not be
	 * the user's to ptrace. Again here, for an install that lost the mode.
	 */
	prctl(PR_SET_DUMPABLE, 0);
	prctl(PR_SET_NAME, "cubicle-shell");
	if (relay_parse(argc, argv, &r) < 0) {
		fprintf(stderr, "cubicle-relay: started by cubicle-shell only\n");
		return 2;
	}
	return relay_main(&r, -1);
}
