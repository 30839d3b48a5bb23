/* SPDX-License-Identifier: MIT */
#ifndef CUBICLE_SHELL_PTY_H
#define CUBICLE_SHELL_PTY_H

#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

struct pty {
	int master;  /* of the container's devpts */
	int slave;   /* handed to the payload as its controlling terminal */
	int host_in; /* the session's terminal */
	struct termios saved;
	bool raw_set;
};

/* Opens a pair in the container's /dev/pts (the caller is inside it), with
 * the host terminal's modes and window size. */
int pty_open(struct pty *p, int host_fd);

/* Raw mode on the host terminal, and back. */
int pty_host_raw(struct pty *p);
void pty_host_restore(struct pty *p);

/*
 * Relays between the host terminal and the inner one until the payload ends;
 * signals from sfd (a signalfd) are forwarded, SIGWINCH as a window size.
 * *ret_status is the payload's wait status.
 */
int pty_relay(struct pty *p, pid_t payload, int sfd, int out_fd, int *ret_status);

#endif
