/* SPDX-License-Identifier: MIT */
/*
 * Opening paths inside a tree the user controls (their rootfs) without
 * letting anything they planted redirect us.
 */
#ifndef CUBICLE_SAFEOPEN_H
#define CUBICLE_SAFEOPEN_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Opens `path` (relative, or absolute meaning "from rootfd") beneath rootfd.
 * No component may be a symlink (also not the last), none may be "..", and
 * magic links are never followed: openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|
 * RESOLVE_NO_MAGICLINKS), or a component walk with O_NOFOLLOW where the kernel
 * lacks openat2. `flags` are open flags for the last component (O_CLOEXEC and
 * O_NOFOLLOW are always added). Returns a descriptor or -errno (-ELOOP for a
 * symlink on the way).
 */
int safe_openat(int rootfd, const char *path, int flags, mode_t mode);

/* For tests: forces the component-walk fallback. */
extern bool safe_openat_force_fallback;

/*
 * Checks that every directory from "/" down to and excluding `path` is
 * root-owned, not writable by group or others and not a symlink (as OpenSSH
 * demands of ChrootDirectory), and opens `path` itself with O_PATH|O_DIRECTORY|
 * O_NOFOLLOW. The last directory must be owned by root or by `owner_ok`.
 * Returns the descriptor or -errno; on failure *ret_bad (if not NULL) points
 * into a static buffer naming the offending component.
 */
int safe_open_trusted_dir(const char *path, uid_t owner_ok, const char **ret_bad);

/*
 * openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC) of a regular file owned
 * by `owner` and writable by nobody else (a helper, the kept cgroup layout).
 * Returns the descriptor, -EPERM if the file is not such a file, or -errno.
 */
int safe_openat_trusted_file(int dirfd, const char *name, int flags, uid_t owner);

#endif
