/* SPDX-License-Identifier: MIT */
/*
 * plainlaunch: cubicle-shell's fork/exec shape without what makes it a
 * container, to show what the namespaces, the mounts and the checks cost.
 *
 *   plainlaunch PROGRAM [ARG...]
 *
 * As cubicle-shell without a session: the outer process forks an "init"
 * that reports ready over a pipe and then only reaps until SIGTERM (dying
 * with its parent); the outer process blocks the forwarded signals and
 * SIGCHLD, takes them from a signalfd, forks the payload (default signals,
 * a new session, descriptors from 3 closed) which execs PROGRAM, waits for
 * it, then stops init (SIGTERM, waits) and exits with the payload's status.
 * No namespace, no mount, no capability, no config, no passwd lookup.
 *
 *   plainlaunch --ns ROOTFS UID:GID PROGRAM [ARG...]      (as root)
 *
 * The same shape with fresh namespaces and nothing else: init is cloned
 * into new PID, mount, UTS and IPC namespaces (a pidfd pins it), makes its
 * mounts private and mounts a fresh proc on ROOTFS/proc; the outer joins
 * them through the pidfd, and the payload chroots into ROOTFS and becomes
 * UID:GID before its exec. What fresh namespaces cost on a machine, by
 * themselves: no /dev, no tmpfs, no pivot_root, no cgroup, no checks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sched.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

extern char **environ;

static const int forwarded[] = { SIGHUP,  SIGINT,  SIGQUIT,  SIGTERM,
				 SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT };

static void default_signals(void)
{
	sigset_t none;

	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static const char *ns_root; /* --ns ROOTFS */

static void init_main(int ready)
{
	sigset_t all;
	siginfo_t si;
	char proc[4096];

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || setsid() < 0)
		_exit(1);
	if (ns_root) {
		snprintf(proc, sizeof(proc), "%s/proc", ns_root);
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
		    sethostname("plainlaunch", 11) < 0)
			_exit(1);
	}
	if (write(ready, "R", 1) != 1)
		_exit(1);
	close(ready);
	for (;;) {
		int sig = sigwaitinfo(&all, &si);

		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (sig == SIGTERM)
			_exit(0);
	}
}

int main(int argc, char **argv)
{
	struct signalfd_siginfo si;
	int fds[2], sfd, status = 0, pidfd = -1;
	unsigned uid = 0, gid = 0;
	pid_t init, payload;
	sigset_t mask;
	char c;

	if (argc >= 4 && strcmp(argv[1], "--ns") == 0) {
		ns_root = argv[2];
		if (sscanf(argv[3], "%u:%u", &uid, &gid) != 2)
			argc = 0;
		argc -= 3;
		argv += 3;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: plainlaunch [--ns ROOTFS UID:GID] PROGRAM [ARG...]\n");
		return 2;
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return 1;
	if (ns_root) {
		struct clone_args ca = { .flags = CLONE_PIDFD | CLONE_NEWPID | CLONE_NEWNS |
						  CLONE_NEWUTS | CLONE_NEWIPC,
					 .pidfd = (uint64_t)(uintptr_t)&pidfd,
					 .exit_signal = SIGCHLD };

		init = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	} else {
		init = fork();
	}
	if (init < 0)
		return 1;
	if (init == 0) {
		close(fds[0]);
		init_main(fds[1]);
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1)
		return 1;
	close(fds[0]);
	if (ns_root && setns(pidfd, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC) < 0)
		return 1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&mask, forwarded[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return 1;
	payload = fork();
	if (payload < 0)
		return 1;
	if (payload == 0) {
		default_signals();
		if (setsid() < 0)
			_exit(126);
		if (ns_root && (chroot(ns_root) < 0 || chdir("/") < 0 || setgroups(0, NULL) < 0 ||
				setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0))
			_exit(126);
		syscall(SYS_close_range, 3, ~0u, 0);
		execve(argv[1], argv + 1, environ);
		_exit(127);
	}
	for (;;) {
		ssize_t n = read(sfd, &si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			return 1;
		if (si.ssi_signo == SIGCHLD) {
			if (waitpid(payload, &status, WNOHANG) == payload)
				break;
			continue;
		}
		kill(payload, (int)si.ssi_signo);
	}
	kill(init, SIGTERM);
	while (waitpid(init, NULL, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
