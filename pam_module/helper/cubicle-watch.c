/* SPDX-License-Identifier: MIT */
/*
 * cubicle-watch: what pam_cubicle's watcher execs into (lib/session.c). It
 * waits for the service that opened a session to end, and ends the session
 * if the service did not close it. Static and small, so that a live session's
 * watcher costs a few pages rather than a copy of sshd. Not for running by
 * hand.
 *
 *   cubicle-watch --serve RUN_DIR       the host's one watcher (lib/watchd.h);
 *                                       descriptor 3: its ready pipe
 *   cubicle-watch RUN_DIR SESSION_ID    one session's (descriptor 3: the
 *                                       service's pidfd), where the shared
 *                                       one cannot be reached
 */
#include "names.h"
#include "record.h"
#include "session.h"
#include "watchd.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	prctl(PR_SET_NAME, "cubicle-watch");
	/* the host's one watcher: cubicle-watch --serve RUN_DIR (descriptor 3: a
	 * pipe on which it says that it listens) */
	if (argc == 3 && strcmp(argv[1], "--serve") == 0 && path_is_clean_absolute(argv[2]) &&
	    geteuid() == 0 && fcntl(WATCH_CALLER_FD, F_GETFD) >= 0) {
		fcntl(WATCH_CALLER_FD, F_SETFD, FD_CLOEXEC);
		return watchd_serve(argv[2], WATCH_CALLER_FD) < 0 ? 1 : 0;
	}
	/* what pam_cubicle passes, or nothing is done: a session is only ever
	 * ended by root, for a pidfd it was given */
	if (argc != 3 || !path_is_clean_absolute(argv[1]) || !rec_id_valid(argv[2]) ||
	    geteuid() != 0 || fcntl(WATCH_CALLER_FD, F_GETFD) < 0) {
		fprintf(stderr, "cubicle-watch: started by pam_cubicle only\n");
		return 2;
	}
	fcntl(WATCH_CALLER_FD, F_SETFD, FD_CLOEXEC);
	session_watch(NULL, argv[1], argv[2], WATCH_CALLER_FD);
	return 0;
}
