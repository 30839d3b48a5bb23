/* SPDX-License-Identifier: MIT */
#ifndef CUBICLE_SHELL_REAPER_H
#define CUBICLE_SHELL_REAPER_H

#include <stdnoreturn.h>

/*
 * Reaps until told to stop. Every signal must already be blocked; they are
 * taken with sigtimedwait: SIGCHLD means reap; SIGTERM means SIGTERM (and
 * SIGCONT) to every process of the namespace, then exit once they are gone
 * or stop_timeout seconds later (the kernel SIGKILLs whatever is left).
 */
noreturn void reaper_main(unsigned stop_timeout);

#endif
