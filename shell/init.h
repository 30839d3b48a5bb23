/* SPDX-License-Identifier: MIT */
/* The container's init, PID 1: builds the container, then only reaps. */
#ifndef CUBICLE_SHELL_INIT_H
#define CUBICLE_SHELL_INIT_H

#include "container.h"

#include <stdbool.h>
#include <stdnoreturn.h>

/* Sync protocol on sync_fd: "R" when ready, or "E<one line>" before exiting;
 * "R" and then "E<one line>" when the exec of the helper fails in the
 * shell's memory. The shell reads until sync_fd closes: at init's exec. */
#define INIT_READY 'R'
#define INIT_ERROR 'E'

/*
 * `shared`: init runs in the memory of the shell that cloned it
 * (CLONE_VM, on a stack of its own) until it execs the helper, which it
 * must then do; it leaves the shell's argv and dumpable flag alone, since
 * both belong to the shell's address space as well.
 */
noreturn void init_main(const struct container_spec *spec, int sync_fd, int parent_pidfd,
			bool shared);

#endif
