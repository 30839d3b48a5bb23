/* SPDX-License-Identifier: MIT */
#include "creds.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>

/*
 * The file capabilities of cubicle-shell (README.md "Capabilities"):
 *  CAP_SYS_ADMIN   new namespaces, mounts, pivot_root, sethostname, setns
 *  CAP_SYS_CHROOT  setns() into a mount namespace also demands it; chroot
 *  CAP_SETPCAP     emptying the bounding set and locking securebits
 * They are permitted only (=p): nothing runs with them effective until
 * creds_raise(), and no exec ever happens while they are held.
 */
static const cap_value_t needed_caps[] = { CAP_SYS_ADMIN, CAP_SYS_CHROOT, CAP_SETPCAP };

int creds_check_permitted(const char **ret_missing)
{
	cap_t caps = cap_get_proc();

	if (!caps)
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(needed_caps); i++) {
		cap_flag_value_t v = CAP_CLEAR;

		cap_get_flag(caps, needed_caps[i], CAP_PERMITTED, &v);
		if (v != CAP_SET) {
			if (ret_missing)
				*ret_missing = cap_to_name(needed_caps[i]);
			cap_free(caps);
			return -EPERM;
		}
	}
	cap_free(caps);
	return 0;
}

int creds_raise(void)
{
	cap_t caps = cap_get_proc();
	int r = 0;

	if (!caps)
		return -errno;
	if (cap_set_flag(caps, CAP_EFFECTIVE, (int)ARRAY_SIZE(needed_caps), needed_caps, CAP_SET) <
		    0 ||
	    cap_set_proc(caps) < 0)
		r = -errno;
	cap_free(caps);
	return r;
}

/* The kernel's call itself, not libcap's cap_get_proc(): no malloc, so the
 * payload can check itself before its exec (run.c, spawn_payload). */
static int caps_all_clear(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (capget(&h, d) < 0)
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(d); i++)
		if (d[i].effective || d[i].permitted || d[i].inheritable)
			return -EPERM;
	return 0;
}

#define LOCKED_SECUREBITS                                                                          \
	(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |                           \
	 SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |   \
	 SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

/*
 * The order matters (bubblewrap CVE-2020-5291, runc CVE-2022-29162): the
 * bounding set and securebits can only be changed while CAP_SETPCAP is still
 * effective, so they go first; then the ambient set, which would otherwise
 * re-grant capabilities across exec; then the three process sets; then
 * no_new_privs, so no setuid or file-capability binary can hand anything back.
 * Finally everything is read back, as OpenSSH's permanently_set_uid() proves its
 * drop: a drop that cannot be shown to have happened counts as a failure.
 */
/*
 * Set once the bounding set is empty. It can only shrink, and init and the
 * payload start empty too (they run in this memory, or a copy of it): their
 * own drops, and the outer's, need not walk it again (41 reads each).
 * creds_verify() still reads every set back.
 */
static bool bounding_emptied;

int creds_drop_bounding(void)
{
	if (bounding_emptied)
		return 0;
	/* a drop of a capability that is gone already succeeds: no read of
	 * each first, which would only save the drop for a caller whose set
	 * was emptied already (the usual caller's is full) */
	for (cap_value_t c = 0; c < cap_max_bits(); c++)
		if (cap_drop_bound(c) < 0)
			return -errno;
	bounding_emptied = true;
	return 0;
}

int creds_drop(enum creds_level level)
{
	cap_t empty;
	int r = 0;

	if (level == CREDS_CONTAINED) {
		if (cap_set_secbits(LOCKED_SECUREBITS) < 0)
			return -errno;
		r = creds_drop_bounding();
		if (r < 0)
			return r;
	}
	/* one call, where libcap's cap_reset_ambient() first asks cap by cap;
	 * EINVAL: a kernel without ambient capabilities */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	empty = cap_init();
	if (!empty)
		return -errno;
	if (cap_set_proc(empty) < 0)
		r = -errno;
	cap_free(empty);
	if (r < 0)
		return r;
	if (level == CREDS_CONTAINED && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return creds_verify(level);
}

/* the caller's /proc/self/status, opened while /proc still showed it */
static int pinned_fd = -1;
static pid_t pinned_pid;

int creds_pin_status(void)
{
	pinned_fd = open("/proc/self/status", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (pinned_fd < 0)
		return -errno;
	pinned_pid = getpid();
	return 0;
}

/*
 * The kernel's own account, /proc/self/status, in one read: all five sets
 * zero (and NoNewPrivs 1 when contained). 1 if it says so, 0 if it does not,
 * -errno if it cannot be read here: the outer shell, joined to the
 * container's mount namespace, has no pid in the /proc it sees.
 */
static int status_all_clear(enum creds_level level)
{
	static const char *const zero[] = { "CapInh:\t0000000000000000\n",
					    "CapPrm:\t0000000000000000\n",
					    "CapEff:\t0000000000000000\n",
					    "CapBnd:\t0000000000000000\n",
					    "CapAmb:\t0000000000000000\n" };
	cleanup_close int fd = -1;
	char buf[4096];
	ssize_t n;

	if (pinned_fd >= 0 && pinned_pid == getpid()) {
		n = pread(pinned_fd, buf, sizeof(buf) - 1, 0);
	} else {
		fd = open("/proc/self/status", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		n = read(fd, buf, sizeof(buf) - 1);
	}
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(zero); i++) {
		if (i == 3 && level != CREDS_CONTAINED)
			continue; /* the bounding set stays for a host user */
		if (!strstr(buf, zero[i]))
			return 0;
	}
	if (level == CREDS_CONTAINED && !strstr(buf, "\nNoNewPrivs:\t1\n"))
		return 0;
	return 1;
}

int creds_verify(enum creds_level level)
{
	int r = caps_all_clear();

	if (r < 0)
		return r;
	if (level == CREDS_CONTAINED && (unsigned)cap_get_secbits() != LOCKED_SECUREBITS)
		return -EPERM;
	r = status_all_clear(level);
	if (r == 1)
		return 0;
	if (r == 0)
		return -EPERM;
	/* no /proc of our own: ask for every capability */
	for (cap_value_t c = 0; c < cap_max_bits(); c++)
		if (cap_get_ambient(c) > 0)
			return -EPERM;
	if (level == CREDS_CONTAINED) {
		for (cap_value_t c = 0; c < cap_max_bits(); c++)
			if (cap_get_bound(c) != 0)
				return -EPERM;
		if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
			return -EPERM;
	}
	return 0;
}
