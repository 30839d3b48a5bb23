/* SPDX-License-Identifier: MIT */
/*
 * DESIGN.md step 5, second half: *enter and run*. Joins a container, forks the
 * payload inside it, drops privilege in the outer process, forwards signals
 * (and relays a terminal), and returns the payload's status.
 */
#ifndef CUBICLE_SHELL_RUN_H
#define CUBICLE_SHELL_RUN_H

#include "container.h"
#include "env.h"

#include <stdbool.h>
#include <stdnoreturn.h>
#include <sys/types.h>

struct run_spec {
	const char *shell; /* the real shell: a path inside the container (or host) */
	char *command;	   /* -c COMMAND; NULL for an interactive login */
	bool login;	   /* the shell's argv[0] gets a leading '-' */
	const char *home;  /* where the shell starts */
	struct env *env;
	mode_t umask;
	uid_t uid;
	const char *argv0;   /* cubicle-shell's own, kept by the outer process */
	bool stop_container; /* no session owns it: it ends with the payload */
};

/* Returns the exit status for cubicle-shell: the payload's code, 128+N for
 * signal N (126/127 came from the payload when its exec failed). Where the
 * cubicle-relay helper can run, the outer process becomes it once the
 * payload runs (relay.h), and exits with that status itself. */
int run_in_container(const struct container *c, const struct run_spec *rs);

/* chdir, umask, close every descriptor above 2, exec the shell; on failure
 * one line on stderr and exit 127 (not found) or 126. */
noreturn void run_exec_shell(const struct run_spec *rs);

/* Signal dispositions back to default and an empty mask. */
void run_reset_signals(void);

/* The outer ignores SIGPIPE, SIGTTOU and SIGTTIN; the payload gets them back
 * as default. */
void run_ignore_signals(void);

#endif
