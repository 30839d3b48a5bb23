/* SPDX-License-Identifier: MIT */
/*
 * What cubiclectl check looks for in the sshd config: uses of internal-sftp.
 * sshd runs internal-sftp in its own process, never through the user's login
 * shell, so such a session is served outside any container; the external
 * sftp-server runs through cubicle-shell, in the container.
 */
#ifndef CUBICLE_CTL_SSHD_H
#define CUBICLE_CTL_SSHD_H

#include <stddef.h>

#define SSHD_CONFIG_PATH "/etc/ssh/sshd_config"
#define SSHD_INCLUDE_MAX 16 /* nesting of Include, as sshd allows */

/* One use of internal-sftp: FILE:LINE and the directive ("Subsystem" or
 * "ForceCommand"). */
typedef void (*sshd_found_fn)(void *ctx, const char *file, unsigned line, const char *directive);

/*
 * Scans the sshd config `path` for `Subsystem NAME internal-sftp ...` and
 * `ForceCommand internal-sftp ...` (keywords in any case, "Keyword value" or
 * "Keyword=value", in Match blocks too) and calls found() for each. Include
 * lines are followed (globs; a relative path is taken relative to the
 * directory of `path`, which for the default config is /etc/ssh as for
 * sshd); included files that cannot be read are skipped.
 *
 * Returns the number of uses found, or -errno when `path` itself cannot be
 * read (-ENOENT: there is no such file).
 */
int sshd_scan_internal_sftp(const char *path, sshd_found_fn found, void *ctx);

#endif
