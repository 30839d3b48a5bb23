/* SPDX-License-Identifier: MIT */
/* SSH agent forwarding into the container (agent.c). */
#ifndef CUBICLE_SHELL_AGENT_H
#define CUBICLE_SHELL_AGENT_H

#include <stddef.h>
#include <sys/types.h>

/* Before joining, in the host's mount namespace: a detached bind mount of
 * sshd's agent socket at host_path, which must be a socket owned by uid in a
 * directory owned by uid. Returns its descriptor or -errno. */
int agent_grab(const char *host_path, uid_t uid);

/* After joining the container's mount namespace (CAP_SYS_ADMIN still held):
 * attaches `tree` at /tmp/cubicle-agent.RANDOM/agent.sock inside, which
 * ret_path gets. */
int agent_place(int tree, uid_t uid, char *ret_path, size_t len);

#endif
