/* SPDX-License-Identifier: MIT */
/*
 * The mount template: a mount namespace that holds one empty read-only tmpfs
 * and nothing of the host, kept alive by a bind mount of its namespace file on
 * <run_dir>/mnt-template. init makes the container's mount namespace as a
 * copy of it (init.c), not as a copy of the host's, so a login costs the same
 * whatever the host's mount table holds, and needs no pivot_root (which walks
 * every task on the host).
 */
#ifndef CUBICLE_SHELL_TEMPLATE_H
#define CUBICLE_SHELL_TEMPLATE_H

#include <stddef.h>

/*
 * Returns a descriptor of the template's namespace, making it first when
 * <run_dir>/mnt-template is still the empty file pam_cubicle (or the
 * package) made. Needs CAP_SYS_ADMIN effective. Negative when there is no
 * template to use: -ENOENT if the file is not there, -ENOSYS on a kernel
 * without mount_setattr (before 5.12), -EWOULDBLOCK if another login is
 * making it right now; else why in `why` (one line).
 */
int template_open(const char *run_dir, char *why, size_t whylen);

#endif
