/* SPDX-License-Identifier: MIT */
/*
 * One watcher for all sessions. A session's watcher only waits for its
 * service to end (lib/session.c); one root process per host can wait for
 * every service at once, through their pidfds, and so a live session costs no
 * process of its own for it (a task, its stack and page tables: some 70 KiB of
 * kernel memory). pam_cubicle hands the session over on a socket in the run
 * directory, <run_dir>/watch.sock (root's, 0600); the first open starts the
 * watcher (cubicle-watch --serve), which exits once it watches nothing.
 */
#ifndef CUBICLE_WATCHD_H
#define CUBICLE_WATCHD_H

#include <sys/types.h>

#define WATCHD_SOCKET "watch.sock"
#define WATCHD_LOCK   "watch.lock"

/*
 * Hands session `id` and its service's pidfd to the watcher of run_dir,
 * starting it if none runs (through spawn(), which must start
 * `cubicle-watch --serve RUN_DIR` and return once it listens, or -errno).
 * 0 and *ret_pid the watcher's pid, or -errno: then nobody watches the session
 * for the caller, which may start a watcher of its own.
 */
int watchd_register(const char *run_dir, const char *id, int pidfd,
		    int (*spawn)(const char *run_dir), pid_t *ret_pid);

/* The watcher's life: listens on <run_dir>/watch.sock, says so on ready_fd
 * (one byte, then closed), then ends each session whose service ends without
 * closing it. Returns when it watches nothing any more (0), or -errno. */
int watchd_serve(const char *run_dir, int ready_fd);

#endif
