/* SPDX-License-Identifier: MIT */
/*
 * PID 1's whole life once the container is built, as tini lives it: reap
 * every child, and on SIGTERM stop the container. The same code runs in the
 * cubicle-init helper (shell/helper/cubicle-init.c), which init execs into,
 * and in init itself where the helper is missing.
 */
#include "reaper.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* true when PID 1 is the only process left in the namespace */
static bool alone_in_namespace(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	bool alone = true;

	if (!d)
		return false;
	while ((de = readdir(d))) {
		unsigned long long pid;

		if (util_parse_u64(de->d_name, &pid) == 0 && pid != 1) {
			alone = false;
			break;
		}
	}
	closedir(d);
	return alone;
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * Signals stay blocked and are taken with sigtimedwait (tini's way): SIGCHLD
 * means reap; SIGTERM means stop the container: SIGTERM (and SIGCONT, for the
 * stopped) to every process in it, then once they are gone, or stop_timeout
 * later, init exits and the kernel SIGKILLs whatever is left in the namespace.
 */
noreturn void reaper_main(unsigned stop_timeout)
{
	struct timespec stop_start = { 0 };
	bool stopping = false;
	sigset_t all;

	sigfillset(&all);
	for (;;) {
		struct timespec tick = { 0, 100 * 1000 * 1000 };
		siginfo_t info;
		int sig;

		reap_all();
		if (stopping) {
			if (alone_in_namespace() ||
			    util_ms_since(&stop_start) >= (long)stop_timeout * 1000) {
				kill(-1, SIGKILL);
				_exit(0);
			}
		}
		sig = sigtimedwait(&all, &info, stopping ? &tick : NULL);
		if (sig == SIGTERM && !stopping) {
			stopping = true;
			clock_gettime(CLOCK_MONOTONIC, &stop_start);
			/* ESRCH: no process but PID 1 in the namespace (a zombie
			 * still counts), so nothing to wait for and no need to
			 * read /proc to see that: the end of every `-c` login */
			if (kill(-1, SIGTERM) < 0 && errno == ESRCH)
				_exit(0);
			kill(-1, SIGCONT);
		}
	}
}
