/* SPDX-License-Identifier: MIT */
#include "run.h"
#include "agent.h"
#include "creds.h"
#include "log.h"
#include "helper.h"
#include "pty.h"
#include "relay.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Every disposition back to default and an empty mask (SECURITY.md 10). The
 * raw system call: glibc's sigaction() refuses the two real-time signals it
 * keeps for itself, which a caller may still have left ignored.
 */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static void set_default(int sig)
{
	struct kernel_sigaction dfl = { .handler = SIG_DFL };

	syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
}

static void unblock_all(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

void run_reset_signals(void)
{
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			set_default(sig);
	unblock_all();
}

/* What the outer ignores while it runs. cubicle-shell installs no handler
 * (it reads signals from a signalfd), so these are its only dispositions
 * that are not the default once run_reset_signals() ran at its start. */
static const int outer_ignored[] = { SIGPIPE, SIGTTOU, SIGTTIN };

void run_ignore_signals(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(outer_ignored); i++)
		signal(outer_ignored[i], SIG_IGN);
}

/* The payload's dispositions back to default: an exec keeps only ignored
 * signals as they are (a handler would not survive it), and the outer's
 * ignored ones are outer_ignored. Three calls instead of 62. */
static void payload_reset_signals(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(outer_ignored); i++)
		set_default(outer_ignored[i]);
	unblock_all();
}

/* One line on stderr, formatted on the stack: dprintf() may allocate its
 * buffer, and the payload must not (spawn_payload). */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	char line[PATH_MAX + 256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		util_write_all(STDERR_FILENO, line,
			       (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
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
		say("cubicle-shell: no home directory %s, starting in /\n", rs->home);
		if (chdir("/") < 0)
			_exit(126);
	}
	umask(rs->umask);
	/* SECURITY.md 3 (runc CVE-2024-21626): no descriptor but stdio survives */
	if (util_close_fds_from(3, NULL, 0) < 0)
		_exit(126);
	execve(rs->shell, argv, rs->env->vars);
	e = errno;
	say("cubicle-shell: %s: %s\n", rs->shell, strerror(e));
	_exit(e == ENOENT || e == ENOTDIR ? 127 : 126);
}

/* The payload: inside the container, already without privilege. It runs
 * on a stack of its own in the outer's memory (spawn_payload): system calls
 * and its stack only, no malloc, until execve() or _exit(). */
static noreturn void payload_main(const struct run_spec *rs, int tty_slave)
{
	payload_reset_signals();
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
			say("cubicle-shell: terminal: %s\n", strerror(errno));
			_exit(126);
		}
	}
	if (creds_verify(CREDS_CONTAINED) < 0) {
		say("cubicle-shell: privileges not dropped, refusing\n");
		_exit(126);
	}
	run_exec_shell(rs);
}

#define PAYLOAD_STACK_SIZE (256 * 1024)

struct payload_args {
	const struct run_spec *rs;
	int tty_slave;
};

static int payload_trampoline(void *data)
{
	const struct payload_args *a = data;

	payload_main(a->rs, a->tty_slave);
}

/*
 * The payload is started the way posix_spawn() starts a program: the child
 * shares the outer's memory, on a stack of its own, and the outer waits
 * until the child's execve() (or _exit()). Nothing of the outer's address
 * space is copied, and the exec has nothing to throw away: a fork of
 * cubicle-shell and its teardown at exec cost about 0.1 ms of a 3 ms login
 * (make bench, case 1). The child's descriptors, signal dispositions and
 * credentials are its own, as after fork().
 */
static pid_t spawn_payload(const struct run_spec *rs, int tty_slave)
{
	struct payload_args a = { .rs = rs, .tty_slave = tty_slave };
	char *stack = util_stack_new(PAYLOAD_STACK_SIZE);
	pid_t pid;
	int e;

	if (!stack)
		return -1;
	pid = clone(payload_trampoline, stack + PAYLOAD_STACK_SIZE,
		    CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
	e = errno;
	munmap(stack, PAYLOAD_STACK_SIZE);
	errno = e;
	return pid;
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
	cleanup_close int nsdir = -1, agent_tree = -1, relay_fd = -1;
	char inner_sock[128] = "";
	const char *agent_sock;
	bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	cleanup_close int sfd = -1;
	sigset_t mask;
	struct relay rl;
	int r;
	pid_t pid;

	/* what the outer becomes once the payload runs: opened while the host's
	 * files are in sight */
	relay_fd = helper_open(HELPER_RELAY);
	if (relay_fd < 0)
		log_warning("%s/%s: %s; the outer process stays a copy of cubicle-shell",
			    CUBICLE_LIBEXEC_DIR, HELPER_RELAY, strerror(-relay_fd));

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
	for (size_t i = 0; i < ARRAY_SIZE(relay_signals); i++)
		sigaddset(&mask, relay_signals[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		die(EXIT_SETUP, "signalfd: %s", strerror(errno));

	pid = spawn_payload(rs, pty.slave);
	if (pid < 0)
		die(EXIT_SETUP, "start the payload: %s", strerror(errno));

	if (tty)
		close(steal_fd(&pty.slave));
	rl = (struct relay){ .payload = pid,
			     .sfd = sfd,
			     .master = tty ? pty.master : -1,
			     .init_pidfd = rs->stop_container ? c->pidfd : -1,
			     .init_pid = c->pid,
			     .stop_timeout = c->stop_timeout };
	/* a login without a terminal that ends within RELAY_HANDOVER_MS never
	 * pays for the exec (ssh host true, scp, git) */
	if (relay_fd >= 0 && !tty) {
		r = relay_main(&rl, RELAY_HANDOVER_MS);
		if (r != -ETIMEDOUT)
			return r;
	}
	if (relay_fd >= 0) {
		r = relay_exec(relay_fd, &rl, rs->argv0);
		log_warning("%s/%s: %s; the outer process stays a copy of cubicle-shell",
			    CUBICLE_LIBEXEC_DIR, HELPER_RELAY, strerror(-r));
	}
	return relay_main(&rl, -1);
}
