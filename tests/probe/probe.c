/* SPDX-License-Identifier: MIT */
/*
 * probe: run inside a cubicle container by the integration tests. It prints
 * what it sees as key=value lines, one per line, so a test can grep them.
 * Static, so it needs nothing from the rootfs it runs in.
 *
 *   probe [info]         everything: argc, argv0, ids, hostname, capabilities, namespaces,
 *                        fds, terminal, cgroups, environment, processes, mounts
 *   probe tiocsti TEXT   pushes TEXT into fds 0, 1 and 2 with TIOCSTI;
 *                        tiocstiN=ok or tiocstiN=ERRNAME per fd
 *   probe orphan N       leaves N orphans that exit at once; waits up to 10 s
 *                        for them to be reaped; orphans=N reaped=M, exit 0 iff all
 *   probe sig            prints "ready", then sig=NAME for every signal it gets;
 *                        exits 0 after SIGTERM, 3 after 60 s without a signal
 *   probe exit N         exits with status N
 *   probe kill SIG       kills itself with SIG (a number or a name like TERM)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void die(const char *what)
{
	fprintf(stderr, "probe: %s: %s\n", what, strerror(errno));
	exit(99);
}

/* Control bytes, backslash and bytes >= 0x7f as \xNN: output stays one line. */
static void print_escaped(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static void print_kv(const char *key, const char *value)
{
	printf("%s=", key);
	print_escaped(value);
	putchar('\n');
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The lines of /proc/self/status we report, under our own names. */
static void print_status(void)
{
	static const struct {
		const char *field, *key;
	} map[] = {
		{ "CapInh:", "cap_inh" },  { "CapPrm:", "cap_prm" },
		{ "CapEff:", "cap_eff" },  { "CapBnd:", "cap_bnd" },
		{ "CapAmb:", "cap_amb" },  { "NoNewPrivs:", "no_new_privs" },
		{ "Seccomp:", "seccomp" }, { "SigBlk:", "sig_blk" },
		{ "SigIgn:", "sig_ign" },
	};
	char line[512];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f) {
		print_kv("status", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
			size_t n = strlen(map[i].field);

			if (strncmp(line, map[i].field, n) == 0) {
				char *v = line + n;

				v += strspn(v, " \t");
				v[strcspn(v, "\n")] = '\0';
				print_kv(map[i].key, v);
			}
		}
	}
	fclose(f);
}

/* fds=0,1,2 and fd=N:TARGET for every open descriptor but the one we list with. */
static void print_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	bool first = true;
	int fds[1024], n = 0;

	if (d) {
		while ((e = readdir(d)) && n < 1024) {
			if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
				continue;
			fds[n++] = atoi(e->d_name);
		}
		closedir(d);
	} else {
		/* No /proc: ask the kernel about each descriptor instead. */
		for (int fd = 0; fd < 4096 && n < 1024; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				fds[n++] = fd;
	}
	/* readdir order is not numeric order */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];

			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	printf("fds=");
	for (int i = 0; i < n; i++) {
		printf("%s%d", first ? "" : ",", fds[i]);
		first = false;
	}
	putchar('\n');
	for (int i = 0; i < n; i++) {
		char path[64], target[PATH_MAX];
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[i]);
		len = readlink(path, target, sizeof(target) - 1);
		target[len < 0 ? 0 : len] = '\0';
		printf("fd=%d:", fds[i]);
		print_escaped(len < 0 ? "?" : target);
		putchar('\n');
	}
}

/* proc=PID:COMM for every process we can see; zombies=N counts state Z. */
static void print_procs(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int zombies = 0;

	if (!d) {
		print_kv("procs", strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		char path[300], buf[512], *lp, *rp;
		ssize_t len;
		int fd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		/* "PID (COMM) S ...": COMM may hold spaces and parentheses */
		lp = strchr(buf, '(');
		rp = strrchr(buf, ')');
		if (!lp || !rp || rp < lp)
			continue;
		*rp = '\0';
		if (rp[1] == ' ' && rp[2] == 'Z')
			zombies++;
		printf("proc=%s:", e->d_name);
		print_escaped(lp + 1);
		putchar('\n');
	}
	closedir(d);
	printf("zombies=%d\n", zombies);
}

/* mount=MOUNTPOINT FSTYPE OPTIONS from /proc/self/mountinfo (per-mount options). */
static void print_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];

	if (!f) {
		print_kv("mounts", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *field[6], *sep, *fstype, *save = NULL;
		int i;

		line[strcspn(line, "\n")] = '\0';
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		fstype = strtok_r(sep + 3, " ", &save);
		save = NULL;
		for (i = 0; i < 6; i++) {
			field[i] = strtok_r(i ? NULL : line, " ", &save);
			if (!field[i])
				break;
		}
		if (i < 6 || !fstype)
			continue;
		printf("mount=%s %s %s\n", field[4], fstype, field[5]);
	}
	fclose(f);
}

static void print_ids(void)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid, groups[256];
	int n = getgroups(256, groups);

	getresuid(&ruid, &euid, &suid);
	getresgid(&rgid, &egid, &sgid);
	printf("uid=%u\neuid=%u\nsuid=%u\ngid=%u\negid=%u\nsgid=%u\ngroups=", ruid, euid, suid,
	       rgid, egid, sgid);
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", groups[i]);
	putchar('\n');
}

static void info(int argc, const char *argv0)
{
	static const char *const ns[] = { "mnt", "pid", "uts", "ipc", "net", "cgroup", "user" };
	char buf[PATH_MAX];
	mode_t mask = umask(0);
	FILE *f;

	umask(mask);
	printf("argc=%d\n", argc);
	print_kv("argv0", argv0 ? argv0 : "");
	printf("pid=%d\nppid=%d\n", getpid(), getppid());
	print_ids();
	if (gethostname(buf, sizeof(buf)) == 0)
		print_kv("hostname", buf);
	print_kv("cwd", getcwd(buf, sizeof(buf)) ? buf : strerror(errno));
	printf("umask=%04o\n", mask);
	print_status();
	printf("securebits=0x%x\n", prctl(PR_GET_SECUREBITS));
	printf("dumpable=%d\n", prctl(PR_GET_DUMPABLE));
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		char path[64];
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i]);
		len = readlink(path, buf, sizeof(buf) - 1);
		buf[len < 0 ? 0 : len] = '\0';
		printf("ns_%s=%s\n", ns[i], len < 0 ? "?" : buf);
	}
	for (int fd = 0; fd <= 2; fd++) {
		char *name = ttyname(fd);

		printf("isatty%d=%d\nttyname%d=", fd, isatty(fd), fd);
		print_escaped(name ? name : "-");
		putchar('\n');
	}
	print_fds();
	f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		print_kv("cgroup", buf);
	}
	if (f)
		fclose(f);
	for (char **e = environ; *e; e++)
		print_kv("env", *e);
	print_procs();
	print_mounts();
}

static int tiocsti(const char *text)
{
	for (int fd = 0; fd <= 2; fd++) {
		int err = 0;

		for (const char *c = text; *c && !err; c++)
			if (ioctl(fd, TIOCSTI, c) < 0)
				err = errno;
		printf("tiocsti%d=%s\n", fd, err ? strerrorname_np(err) : "ok");
	}
	return 0;
}

/*
 * A middle child forks the orphans and exits; each orphan waits until it has
 * been reparented (to init, or the nearest subreaper), then exits. Whoever
 * adopted them must reap them: we watch their /proc entries disappear.
 */
static int orphan(int n)
{
	int pfd[2];
	pid_t middle, pids[256];
	int got = 0, reaped = 0;

	if (n < 1 || n > 256) {
		fprintf(stderr, "probe: orphan: 1..256\n");
		return 2;
	}
	if (pipe(pfd) < 0)
		die("pipe");
	fflush(stdout);
	middle = fork();
	if (middle < 0)
		die("fork");
	if (middle == 0) {
		pid_t self = getpid();

		close(pfd[0]);
		for (int i = 0; i < n; i++) {
			pid_t p = fork();

			if (p < 0)
				_exit(1);
			if (p == 0) {
				close(pfd[1]);
				while (getppid() == self)
					sleep_ms(1);
				_exit(0);
			}
			if (write(pfd[1], &p, sizeof(p)) != sizeof(p))
				_exit(1);
		}
		_exit(0);
	}
	close(pfd[1]);
	while (got < n && read(pfd[0], &pids[got], sizeof(pid_t)) == sizeof(pid_t))
		got++;
	close(pfd[0]);
	waitpid(middle, NULL, 0);
	for (int tries = 0; tries < 1000; tries++) {
		reaped = 0;
		for (int i = 0; i < got; i++) {
			char path[64];

			snprintf(path, sizeof(path), "/proc/%d", pids[i]);
			if (access(path, F_OK) < 0)
				reaped++;
		}
		if (reaped == got)
			break;
		sleep_ms(10);
	}
	printf("orphans=%d\nreaped=%d\n", got, reaped);
	return got == n && reaped == n ? 0 : 1;
}

static int sig(void)
{
	static const int sigs[] = { SIGHUP,  SIGINT,  SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT,
				    SIGTERM, SIGALRM, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU };
	struct timespec timeout = { 60, 0 };
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die("sigprocmask");
	printf("ready\n");
	for (;;) {
		int s = sigtimedwait(&set, NULL, &timeout);

		if (s < 0 && errno == EINTR)
			continue;
		if (s < 0)
			return 3;
		printf("sig=%s\n", sigabbrev_np(s));
		if (s == SIGTERM)
			return 0;
	}
}

static int parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s && !*end)
		return (int)n;
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 1; i < NSIG; i++)
		if (sigabbrev_np(i) && strcmp(sigabbrev_np(i), s) == 0)
			return i;
	return -1;
}

static int kill_self(const char *name)
{
	int s = parse_signal(name);
	sigset_t set;

	if (s <= 0 || s >= NSIG) {
		fprintf(stderr, "probe: kill: unknown signal %s\n", name);
		return 2;
	}
	signal(s, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, s);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	/* no core file: the kernel's core_pattern may point outside the container */
	setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	raise(s);
	return 4; /* the signal was ignored or did not kill */
}

/*
 * What script(1) and tmux do first: a new pty pair from /dev/ptmx, with bytes
 * written on the master read back from the slave through its line discipline.
 */
static int openpty_check(void)
{
	char buf[64], *name;
	int master, slave;
	ssize_t n;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    !(name = ptsname(master))) {
		printf("openpty=fail %s\n", strerror(errno));
		return 1;
	}
	slave = open(name, O_RDWR | O_NOCTTY);
	if (slave < 0) {
		printf("openpty=fail open %s: %s\n", name, strerror(errno));
		return 1;
	}
	if (write(master, "ping\n", 5) != 5 || (n = read(slave, buf, sizeof(buf) - 1)) <= 0) {
		printf("openpty=fail relay: %s\n", strerror(errno));
		return 1;
	}
	buf[n] = '\0';
	printf("openpty=ok %s %s", name, buf);
	return 0;
}

/*
 * A fork bomb that does not give up: every process keeps forking, retrying
 * when the kernel refuses, until `seconds` are over; so a pids limit shows
 * as a plateau, not as a collapse.
 */
static int forkbomb(int seconds)
{
	time_t end = time(NULL) + seconds;

	while (time(NULL) < end) {
		pid_t p = fork();

		if (p < 0)
			sleep_ms(1);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "info";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "info") == 0 && argc <= 2) {
		info(argc, argv[0]);
		return 0;
	}
	if (strcmp(cmd, "tiocsti") == 0 && argc == 3)
		return tiocsti(argv[2]);
	if (strcmp(cmd, "orphan") == 0 && argc == 3)
		return orphan(atoi(argv[2]));
	if (strcmp(cmd, "sig") == 0 && argc == 2)
		return sig();
	if (strcmp(cmd, "exit") == 0 && argc == 3)
		return atoi(argv[2]);
	if (strcmp(cmd, "kill") == 0 && argc == 3)
		return kill_self(argv[2]);
	if (strcmp(cmd, "openpty") == 0 && argc == 2)
		return openpty_check();
	if (strcmp(cmd, "forkbomb") == 0 && argc == 3)
		return forkbomb(atoi(argv[2]));
	fprintf(stderr, "usage: probe [info | tiocsti TEXT | orphan N | sig | exit N | kill SIG | "
			"openpty | "
			"forkbomb SECONDS]\n");
	return 2;
}
