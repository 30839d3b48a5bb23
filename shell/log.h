/* SPDX-License-Identifier: MIT */
/*
 * The shell's boundary for errors: one line on stderr naming the cause, the
 * same line to syslog (authpriv), then a non-zero exit. Library code below
 * returns -errno; only main(), init and the payload call these.
 */
#ifndef CUBICLE_SHELL_LOG_H
#define CUBICLE_SHELL_LOG_H

#include <stdnoreturn.h>

#define EXIT_SETUP 1 /* the container could not be made: nothing was run */
#define EXIT_USAGE 2 /* bad invocation */

void log_open(void);
void log_set_user(const char *user);

/* stderr + syslog(LOG_ERR); the message is escaped before it reaches either */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* syslog only: something an admin should fix, that the login survives */
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
