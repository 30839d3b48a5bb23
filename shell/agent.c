/* SPDX-License-Identifier: MIT */
/*
 * SSH agent forwarding: sshd's agent socket lives in the host's /tmp, which
 * the container does not see. Before joining, the shell clones a bind mount
 * of that one socket (open_tree); after joining the container's mount
 * namespace it attaches the clone onto a file it made in the container's
 * /tmp, and SSH_AUTH_SOCK points there. What is bound is a socket the user
 * owns and could connect to anyway: nothing is gained but the path.
 */
#include "agent.h"
#include "safeopen.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int agent_grab(const char *host_path, uid_t uid)
{
	char dir[PATH_MAX];
	const char *base = strrchr(host_path, '/');
	cleanup_close int dfd = -1, tree = -1;
	struct stat st;

	if (!base || base == host_path || (size_t)(base - host_path) >= sizeof(dir))
		return -EINVAL;
	snprintf(dir, sizeof(dir), "%.*s", (int)(base - host_path), host_path);
	/* sshd's directory (/tmp/ssh-XXXX) belongs to the user: reached without
	 * following a symlink at its end, and checked to be theirs */
	dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &st) < 0)
		return -errno;
	if (st.st_uid != uid)
		return -EPERM;
	tree = open_tree(dfd, base + 1, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
	if (tree < 0)
		return -errno;
	if (fstat(tree, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode) || st.st_uid != uid)
		return -EPERM;
	return steal_fd(&tree);
}

int agent_place(int tree, uid_t uid, char *ret_path, size_t len)
{
	cleanup_close int root = -1, tmp = -1, dir = -1, target = -1;
	unsigned char rnd[6];
	char name[32];
	struct stat st;
	int fd;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EIO;
	snprintf(name, sizeof(name), "cubicle-agent.%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
		 rnd[2], rnd[3], rnd[4], rnd[5]);

	/* the container's /tmp is the user's to write: everything below is
	 * reached through descriptors and mounted onto a descriptor */
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	tmp = safe_openat(root, "tmp", O_PATH | O_DIRECTORY, 0);
	if (tmp < 0)
		return tmp;
	if (mkdirat(tmp, name, 0700) < 0)
		return -errno;
	dir = openat(tmp, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0 || fstat(dir, &st) < 0)
		return -errno;
	if (st.st_uid != uid)
		return -EPERM;
	fd = openat(dir, "agent.sock", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	target = openat(dir, "agent.sock", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0 || fstat(target, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EPERM;
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	snprintf(ret_path, len, "/tmp/%s/agent.sock", name);
	return 0;
}
