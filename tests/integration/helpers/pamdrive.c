/* SPDX-License-Identifier: MIT */
/*
 * pamdrive: drives a real PAM session stack the way a login service does.
 *
 *   pamdrive CONFDIR SERVICE USER [OPTION...] [-- COMMAND...]
 *
 * pam_start_confdir(SERVICE, USER) with the service files of CONFDIR, then
 * pam_open_session; prints "session=<CUBICLE_SESSION or ->" and
 * "open=<pam status>"; runs COMMAND (if any) as USER with the PAM
 * environment, as sshd runs a login shell; then pam_close_session unless
 * --no-close, prints "close=<status>" and exits with COMMAND's status (or
 * 0), 20 + status for a failed open, 40 + status for a failed close.
 * Options: --tty TTY, --rhost HOST (PAM items); --die-after-open (SIGKILL
 * itself once the session is open and COMMAND started: a service that died);
 * --hold FILE (after the open, write "session=ID pid=PID" to FILE and wait
 * until FILE is removed, before COMMAND).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int no_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)data;
	return PAM_CONV_ERR;
}

static pid_t run_as(const struct passwd *pw, char **env, char **cmd)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		perror("pamdrive: drop to the user");
		_exit(126);
	}
	execve(cmd[0], cmd, env);
	perror("pamdrive: exec");
	_exit(127);
}

int main(int argc, char **argv)
{
	struct pam_conv conv = { no_conv, NULL };
	const char *tty = NULL, *rhost = NULL;
	pam_handle_t *pamh = NULL;
	int no_close = 0, die = 0, r, status = 0, i;
	const char *hold = NULL;
	char **cmd = NULL, **env;
	const char *sid;
	struct passwd *pw;
	pid_t child = -1;

	if (argc < 4) {
		fprintf(stderr,
			"usage: pamdrive CONFDIR SERVICE USER [OPTION...] [-- COMMAND...]\n");
		return 2;
	}
	for (i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--tty") == 0 && i + 1 < argc)
			tty = argv[++i];
		else if (strcmp(argv[i], "--rhost") == 0 && i + 1 < argc)
			rhost = argv[++i];
		else if (strcmp(argv[i], "--no-close") == 0)
			no_close = 1;
		else if (strcmp(argv[i], "--die-after-open") == 0)
			die = 1;
		else if (strcmp(argv[i], "--hold") == 0 && i + 1 < argc)
			hold = argv[++i];
		else if (strcmp(argv[i], "--") == 0 && i + 1 < argc) {
			cmd = argv + i + 1;
			break;
		} else {
			fprintf(stderr, "pamdrive: bad option %s\n", argv[i]);
			return 2;
		}
	}
	pw = getpwnam(argv[3]);
	if (!pw) {
		fprintf(stderr, "pamdrive: no user %s\n", argv[3]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	r = pam_start_confdir(argv[2], argv[3], &conv, argv[1], &pamh);
	if (r != PAM_SUCCESS) {
		fprintf(stderr, "pamdrive: pam_start_confdir: %s\n", pam_strerror(NULL, r));
		return 2;
	}
	if (tty)
		pam_set_item(pamh, PAM_TTY, tty);
	if (rhost)
		pam_set_item(pamh, PAM_RHOST, rhost);
	r = pam_open_session(pamh, 0);
	sid = pam_getenv(pamh, "CUBICLE_SESSION");
	printf("open=%d %s\nsession=%s\npid=%d\n", r, pam_strerror(pamh, r), sid ? sid : "-",
	       (int)getpid());
	if (r != PAM_SUCCESS) {
		pam_end(pamh, r);
		return 20 + r;
	}
	if (hold) {
		FILE *f = fopen(hold, "w");

		if (!f || fprintf(f, "session=%s pid=%d\n", sid ? sid : "-", (int)getpid()) < 0 ||
		    fclose(f) != 0)
			perror("pamdrive: hold");
		while (access(hold, F_OK) == 0)
			usleep(20000);
	}
	if (cmd) {
		env = pam_getenvlist(pamh);
		child = run_as(pw, env, cmd);
		if (child < 0) {
			perror("pamdrive: fork");
			status = 126 << 8;
		} else {
			if (die)
				raise(SIGKILL);
			while (waitpid(child, &status, 0) < 0 && errno == EINTR)
				;
		}
		status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	} else if (die) {
		raise(SIGKILL);
	}
	if (!no_close) {
		r = pam_close_session(pamh, 0);
		printf("close=%d %s\n", r, pam_strerror(pamh, r));
		if (r != PAM_SUCCESS)
			status = 40 + r;
	}
	pam_end(pamh, PAM_SUCCESS);
	return status;
}
