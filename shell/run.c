/* SPDX-License-Identifier: MIT */
#include "run.h"
#include "agent.h"
#include "creds.h"
#include "log.h"
#include "pty.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the outer process passes on to the payload (SIGWINCH as a window size
 * when a terminal is relayed). */
static const int forwarded_signals[] = { SIGHUP,  SIGINT,  SIGQUIT,  SIGTERM,
					 SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT };

/*
 * Every disposition back to default and an empty mask (SECURITY.md 10). The
 * raw system call: glibc's sigaction() refuses the two real-time signals it
 * keeps for itself, which a caller may still have left ignored.
 */
void run_reset_signals(void)
{
	struct kernel_sigaction {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask;
	} dfl = { .handler = SIG_DFL };
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

noreturn void run_exec_shell(const struct run_spec *rs)
{
	const char *base = strrchr(rs->shell, '/');
	static char dash_c[] = "-c";
	char argv0[PATH_MAX + 1];
	char *argv[4];
	int e;

	base = base ? base + 1 : rs->shell;
	snprintf(argv0, sizeof(argv0), "%s%s", rs->login ? "-" : "", base);
	argv[0] = argv0;
	if (rs->command) {
		/* one argv element, never pasted into a string (SECURITY.md 9) */
		argv[1] = dash_c;
		argv[2] = rs->command;
		argv[3] = NULL;
	} else {
		argv[1] = NULL;
	}
	if (chdir(rs->home) < 0) {
		dprintf(STDERR_FILENO, "cubicle-shell: no home directory %s, starting in /\n",
			rs->home);
		if (chdir("/") < 0)
			_exit(126);
	}
	umask(rs->umask);
	/* SECURITY.md 3 (runc CVE-2024-21626): no descriptor but stdio survives */
	if (util_close_fds_from(3, NULL, 0) < 0)
		_exit(126);
	execve(rs->shell, argv, rs->env->vars);
	e = errno;
	dprintf(STDERR_FILENO, "cubicle-shell: %s: %s\n", rs->shell, strerror(e));
	_exit(e == ENOENT || e == ENOTDIR ? 127 : 126);
}

/* The payload: inside the container, already without privilege. */
static noreturn void payload_main(const struct run_spec *rs, int tty_slave)
{
	run_reset_signals();
	/*
	 * A new session: the payload has no controlling terminal of the host, so
	 * TIOCSTI (which needs the caller's own controlling tty) cannot push
	 * input into the session's terminal (SECURITY.md 11, bubblewrap
	 * CVE-2017-5226). With a relayed terminal, the inner one becomes the
	 * controlling terminal instead.
	 */
	if (setsid() < 0)
		_exit(126);
	if (tty_slave >= 0) {
		if (ioctl(tty_slave, TIOCSCTTY, 0) < 0 || dup2(tty_slave, 0) < 0 ||
		    dup2(tty_slave, 1) < 0 || dup2(tty_slave, 2) < 0) {
			dprintf(STDERR_FILENO, "cubicle-shell: terminal: %s\n", strerror(errno));
			_exit(126);
		}
	}
	if (creds_verify(CREDS_CONTAINED) < 0) {
		dprintf(STDERR_FILENO, "cubicle-shell: privileges not dropped, refusing\n");
		_exit(126);
	}
	run_exec_shell(rs);
}

static int wait_status_to_exit(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

/* Without a terminal: forward signals until the payload ends. */
static int wait_forwarding(pid_t payload, int sfd, int *ret_status)
{
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			return -EIO;
		if (si.ssi_signo == SIGCHLD) {
			if (waitpid(payload, ret_status, WNOHANG) == payload)
				return 0;
			continue;
		}
		kill(payload, (int)si.ssi_signo);
	}
}

static bool ns_match(const struct container *c, const struct ns_id joined[CONTAINER_NS_COUNT])
{
	for (size_t i = 0; i < CONTAINER_NS_COUNT; i++)
		if (joined[i].dev != c->ns[i].dev || joined[i].ino != c->ns[i].ino)
			return false;
	return true;
}

int run_in_container(const struct container *c, const struct run_spec *rs)
{
	struct pty pty = { .master = -1, .slave = -1 };
	struct ns_id joined[CONTAINER_NS_COUNT];
	cleanup_close int nsdir = -1, agent_tree = -1;
	char inner_sock[128] = "";
	const char *agent_sock;
	bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	cleanup_close int sfd = -1;
	sigset_t mask;
	int r, status = 0;
	pid_t pid;

	/* Join through init's pidfd, then prove that what was joined is what init
	 * reported before any user process existed: never a namespace a user
	 * made (SECURITY.md 7). */
	/* agent forwarding: the socket is cloned while the host's /tmp is in
	 * sight, placed once inside; without it the login goes on, unforwarded */
	agent_sock = env_get(rs->env, "SSH_AUTH_SOCK");
	if (agent_sock) {
		agent_tree = agent_grab(agent_sock, rs->uid);
		if (agent_tree < 0)
			log_info("agent forwarding: %s: %s", agent_sock, strerror(-agent_tree));
	}
	creds_pin_status(); /* without it the read-back asks capability by capability */
	nsdir = open("/proc/self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (nsdir < 0)
		die(EXIT_SETUP, "open /proc/self/ns: %s", strerror(errno));
	if (setns(c->pidfd, c->ns_flags) < 0)
		die(EXIT_SETUP, "join the container: %s", strerror(errno));
	if (container_read_ns(nsdir, true, joined) < 0 || !ns_match(c, joined))
		die(EXIT_SETUP,
		    "join the container: its namespaces are not the ones its init made");
	close(steal_fd(&nsdir));
	if (agent_tree >= 0) {
		r = agent_place(agent_tree, rs->uid, inner_sock, sizeof(inner_sock));
		close(steal_fd(&agent_tree));
		if (r < 0)
			log_info("agent forwarding: place the socket: %s", strerror(-r));
	}
	if (agent_sock) {
		/* the host's path means nothing inside */
		if (inner_sock[0] ? env_set(rs->env, "SSH_AUTH_SOCK", inner_sock) < 0
				  : (env_unset(rs->env, "SSH_AUTH_SOCK"), false))
			die(EXIT_SETUP, "environment too large");
	}
	r = creds_drop(CREDS_CONTAINED);
	if (r < 0)
		die(EXIT_SETUP, "drop privileges: %s", strerror(-r));

	if (tty) {
		r = pty_open(&pty, STDIN_FILENO);
		if (r < 0)
			die(EXIT_SETUP, "open a terminal in the container: %s", strerror(-r));
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
		sigaddset(&mask, forwarded_signals[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		die(EXIT_SETUP, "signalfd: %s", strerror(errno));

	pid = fork();
	if (pid < 0)
		die(EXIT_SETUP, "fork the payload: %s", strerror(errno));
	if (pid == 0)
		payload_main(rs, pty.slave);

	if (tty) {
		close(steal_fd(&pty.slave));
		pty_host_raw(&pty);
		r = pty_relay(&pty, pid, sfd, STDOUT_FILENO, &status);
		pty_host_restore(&pty);
		close(pty.master);
	} else {
		r = wait_forwarding(pid, sfd, &status);
	}
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	return wait_status_to_exit(status);
}
