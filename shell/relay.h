/* SPDX-License-Identifier: MIT */
/*
 * The outer cubicle-shell's life once the payload runs: relay the terminal
 * (pty.h) or forward signals, until the payload ends; then stop the
 * container if no session owns it, and exit with the payload's status. It
 * lasts as long as the login, so the outer becomes the cubicle-relay helper
 * for it (lib/helper.h), a static program of a few pages; without the
 * helper it relays as it is.
 */
#ifndef CUBICLE_SHELL_RELAY_H
#define CUBICLE_SHELL_RELAY_H

#include "container.h"

#include <sys/types.h>

struct relay {
	pid_t payload;	/* the outer's child, inside the container */
	int sfd;	/* signalfd of SIGCHLD and the forwarded signals */
	int master;	/* the inner terminal's master; -1 without a terminal */
	int init_pidfd; /* the container to stop afterwards; -1: a session owns it */
	pid_t init_pid; /* init, the outer's child when init_pidfd >= 0 */
	unsigned stop_timeout;
};

/* What the outer passes on to the payload (SIGWINCH as a window size when a
 * terminal is relayed); SIGCHLD comes on the same signalfd. */
extern const int relay_signals[8];

/* How long the outer process of a login without a terminal waits as it is
 * before it becomes cubicle-relay: a login that ends sooner (ssh host cmd,
 * scp, git) never pays for the exec. */
#define RELAY_HANDOVER_MS 100

/* Relays or forwards until the payload ends; returns cubicle-shell's exit
 * status: the payload's code, or 128+N for signal N. Without a terminal,
 * for_ms >= 0 stops waiting after that many milliseconds with -ETIMEDOUT,
 * the payload still running and nothing lost (signals stay pending). */
int relay_main(const struct relay *r, long for_ms);

/* relay_main() in the cubicle-relay helper (`fd` from helper_open), whose
 * argv[0] is `argv0` (the outer's, as ps shows it). Returns only on
 * failure, -errno; r's descriptors are then still open. */
int relay_exec(int fd, const struct relay *r, const char *argv0);

/* The helper's side: what relay_exec passed, checked; -EINVAL. */
int relay_parse(int argc, char **argv, struct relay *ret);

/* Ends the container: SIGTERM to everything in it, SIGKILL after the stop
 * timeout; returns once init and every process of the namespace are gone. */
int container_stop(struct container *c);

#endif
