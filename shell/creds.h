/* SPDX-License-Identifier: MIT */
/* Capabilities: what cubicle-shell needs, and the one place that drops them. */
#ifndef CUBICLE_SHELL_CREDS_H
#define CUBICLE_SHELL_CREDS_H

enum creds_level {
	/* the host shell of a user with isolate = no: the file capabilities are
	 * cleared, but the bounding set and no_new_privs are left as a normal
	 * login has them (sudo keeps working) */
	CREDS_HOST_USER,
	/* everything a user runs inside a container, and init: every capability
	 * set and the bounding set empty, securebits locked, no_new_privs */
	CREDS_CONTAINED,
};

/* 0 when every capability the shell needs is permitted; else -EPERM with
 * *ret_missing naming the first missing one. */
int creds_check_permitted(const char **ret_missing);

/* Makes the needed permitted capabilities effective. */
int creds_raise(void);

/*
 * Empties the bounding set (CAP_SETPCAP must be effective). It limits only
 * what an exec can grant, so the caller keeps using its capabilities; done
 * once before the container is made, init and the payload inherit it and
 * creds_drop() has nothing left to drop there.
 */
int creds_drop_bounding(void);

/* Drops privilege to `level` in a fixed order and reads the result back;
 * -EPERM if anything is left that should not be. */
int creds_drop(enum creds_level level);

/* Keeps a descriptor of this process's /proc/self/status, for a read-back
 * after it joined a container whose /proc does not show it. Only the
 * process that called it uses it (forks do not). */
int creds_pin_status(void);

/* Reads /proc-visible state back: 0 if nothing above `level` is held. */
int creds_verify(enum creds_level level);

#endif
