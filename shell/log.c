/* SPDX-License-Identifier: MIT */
#include "log.h"
#include "names.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

static char log_user[NAME_MAX_LEN * 4 + 1] = "?";

void log_open(void)
{
	openlog("cubicle-shell", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void log_set_user(const char *user)
{
	text_escape(log_user, sizeof(log_user), user);
}

static void log_line(int prio, bool to_stderr, const char *fmt, va_list ap)
{
	char raw[1024], msg[2048];

	vsnprintf(raw, sizeof(raw), fmt, ap);
	text_escape(msg, sizeof(msg), raw);
	if (to_stderr)
		dprintf(STDERR_FILENO, "cubicle-shell: %s\n", msg);
	syslog(prio, "user %s: %s", log_user, msg);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_ERR, true, fmt, ap);
	va_end(ap);
}

void log_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_WARNING, false, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_INFO, false, fmt, ap);
	va_end(ap);
}

noreturn void die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_ERR, true, fmt, ap);
	va_end(ap);
	_exit(status);
}
