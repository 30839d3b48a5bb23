/* SPDX-License-Identifier: MIT */
/* The container's init, PID 1: builds the container, then only reaps. */
#ifndef CUBICLE_SHELL_INIT_H
#define CUBICLE_SHELL_INIT_H

#include "container.h"

#include <stdnoreturn.h>

/* Sync protocol on sync_fd: "R" when ready, or "E<one line>" before exiting. */
#define INIT_READY 'R'
#define INIT_ERROR 'E'

noreturn void init_main(const struct container_spec *spec, int sync_fd, int parent_pidfd);

#endif
