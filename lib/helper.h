/* SPDX-License-Identifier: MIT */
/*
 * cubicle's helper programs: the small static binaries that the long-lived
 * processes of a session become once their setup is done (cubicle-init for
 * PID 1, cubicle-relay for the outer cubicle-shell, cubicle-watch for
 * pam_cubicle's watcher). A process that stayed a
 * copy of cubicle-shell or of sshd would keep that program's libraries, heap
 * and page tables for the whole session; the helper keeps a few pages.
 */
#ifndef CUBICLE_HELPER_H
#define CUBICLE_HELPER_H

/* Where the helpers are installed (make LIBEXECDIR=...). */
#ifndef CUBICLE_LIBEXEC_DIR
#define CUBICLE_LIBEXEC_DIR "/usr/libexec/cubicle"
#endif

#define HELPER_INIT  "cubicle-init"
#define HELPER_WATCH "cubicle-watch"
#define HELPER_RELAY "cubicle-relay"

/*
 * Opens helper `name` for helper_exec(): every directory down to
 * CUBICLE_LIBEXEC_DIR root-owned and writable by nobody else (as
 * safe_open_trusted_dir checks), the file itself a regular file owned by
 * root that group and others cannot write, no symlink anywhere. Returns an
 * O_PATH descriptor (close-on-exec) or -errno (-EPERM: not trusted).
 */
int helper_open(const char *name);

/* execveat(fd, "", argv, {NULL}, AT_EMPTY_PATH): the helper runs with an
 * empty environment. Returns only on failure, -errno. */
int helper_exec(int fd, char *const argv[]);

#endif
