/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of ctl/sshd.c: finding internal-sftp in an sshd config, which
 * `cubiclectl check` warns about. The source is compiled in here: ctl/ is no
 * library the unit tests link.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../ctl/sshd.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/cubicle-test-sshd.XXXXXX";

/* what the scan found, "BASENAME:LINE:DIRECTIVE;" each */
static char found[4096];

static void collect(void *ctx, const char *file, unsigned line, const char *directive)
{
	const char *base = strrchr(file, '/');
	size_t used = strlen(found);

	(void)ctx;
	snprintf(found + used, sizeof(found) - used, "%s:%u:%s;", base ? base + 1 : file, line,
		 directive);
}

static void write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* scans dir/NAME; returns what sshd_scan_internal_sftp returned */
static int scan(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	found[0] = '\0';
	return sshd_scan_internal_sftp(path, collect, NULL);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_missing(void **state)
{
	(void)state;
	assert_int_equal(scan("no-such-file"), -ENOENT);
	assert_string_equal(found, "");
}

static void test_not_a_file(void **state)
{
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/subdir", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(scan("subdir"), -EISDIR);
	/* a FIFO is refused at once, never waited on */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(scan("fifo"), -EINVAL);
}

static void test_external_server(void **state)
{
	(void)state;
	write_file("external", "# a Debian default\n"
			       "Include /nonexistent/sshd_config.d/*.conf\n"
			       "KbdInteractiveAuthentication no\n"
			       "UsePAM yes\n"
			       "Subsystem sftp /usr/lib/openssh/sftp-server\n");
	assert_int_equal(scan("external"), 0);
	assert_string_equal(found, "");
}

static void test_subsystem(void **state)
{
	(void)state;
	write_file("subsystem", "Port 22\n"
				"Subsystem sftp internal-sftp\n"
				"subsystem\tsftp\tinternal-sftp -l INFO -f AUTH\n"
				"  SUBSYSTEM=sftp internal-sftp\n"
				"SubSystem = other   \"internal-sftp\"\n"
				"Subsystem sftp internal-sftp\r\n");
	assert_int_equal(scan("subsystem"), 5);
	assert_string_equal(found, "subsystem:2:Subsystem;subsystem:3:Subsystem;"
				   "subsystem:4:Subsystem;subsystem:5:Subsystem;"
				   "subsystem:6:Subsystem;");
}

static void test_force_command(void **state)
{
	(void)state;
	write_file("force", "Subsystem sftp /usr/lib/openssh/sftp-server\n"
			    "Match Group sftponly\n"
			    "\tChrootDirectory %h\n"
			    "\tForceCommand internal-sftp -d /upload\n"
			    "Match User bob\n"
			    "    forcecommand   internal-sftp\n"
			    "Match all\n"
			    "ForceCommand=internal-sftp\n");
	assert_int_equal(scan("force"), 3);
	assert_string_equal(found,
			    "force:4:ForceCommand;force:6:ForceCommand;force:8:ForceCommand;");
}

static void test_not_internal_sftp(void **state)
{
	(void)state;
	write_file("lookalikes", "#Subsystem sftp internal-sftp\n"
				 "  # ForceCommand internal-sftp\n"
				 "Subsystem sftp internal-sftpd\n"
				 "Subsystem sftp /usr/libexec/internal-sftp\n"
				 "Subsystem internal-sftp /usr/lib/openssh/sftp-server\n"
				 "Subsystem sftp # internal-sftp\n"
				 "Subsystem sftp\n"
				 "Subsystem\n"
				 "ForceCommand /usr/bin/internal-sftp\n"
				 "ForceCommand internal-sftpx\n"
				 "ForceCommand echo internal-sftp\n"
				 "ForceCommandX internal-sftp\n"
				 "XSubsystem sftp internal-sftp\n"
				 "AuthorizedKeysCommand internal-sftp\n"
				 "Banner internal-sftp\n"
				 "\n"
				 "=\n"
				 "   \n");
	assert_int_equal(scan("lookalikes"), 0);
	assert_string_equal(found, "");
}

static void test_long_line(void **state)
{
	size_t n = 20000;
	char *text = malloc(n + 64);

	(void)state;
	assert_non_null(text);
	memset(text, 'x', n);
	memcpy(text, "Banner ", 7);
	snprintf(text + n, 64, "\nSubsystem sftp internal-sftp\n");
	write_file("long", text);
	free(text);
	assert_int_equal(scan("long"), 1);
	assert_string_equal(found, "long:2:Subsystem;");
}

static void test_include(void **state)
{
	char text[1024], path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/conf.d", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file("conf.d/10-a.conf", "Subsystem sftp internal-sftp\n");
	write_file("conf.d/20-b.conf", "# nothing\n");
	write_file("conf.d/30-c.conf", "Match User x\n  ForceCommand internal-sftp\n");
	write_file("conf.d/ignored.txt", "Subsystem sftp internal-sftp\n");
	write_file("abs", "Subsystem sftp internal-sftp\n");
	/* relative to the main file's directory; absolute; no match at all */
	snprintf(text, sizeof(text),
		 "Include conf.d/*.conf\n"
		 "Include %s/abs %s/none-*.conf\n"
		 "Subsystem sftp /usr/lib/openssh/sftp-server\n",
		 dir, dir);
	write_file("main", text);
	assert_int_equal(scan("main"), 3);
	assert_string_equal(found,
			    "10-a.conf:1:Subsystem;30-c.conf:2:ForceCommand;abs:1:Subsystem;");
}

static void test_include_loop(void **state)
{
	(void)state;
	/* a file including itself, and two including each other: each read once
	 * per chain, never forever */
	write_file("self", "Include self\nSubsystem sftp internal-sftp\n");
	assert_int_equal(scan("self"), 1);
	assert_string_equal(found, "self:2:Subsystem;");
	write_file("ping", "Include pong\nForceCommand internal-sftp\n");
	write_file("pong", "Include ping\n");
	assert_int_equal(scan("ping"), 1);
	assert_string_equal(found, "ping:2:ForceCommand;");
}

static void test_include_depth(void **state)
{
	char name[32], text[64];

	(void)state;
	/* d0 includes d1 includes ... d40, which uses internal-sftp: beyond
	 * sshd's nesting limit, so never reached */
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		snprintf(text, sizeof(text), "Include d%d\n", i + 1);
		write_file(name, text);
	}
	write_file("d40", "Subsystem sftp internal-sftp\n");
	assert_int_equal(scan("d0"), 0);
	write_file("d10", "Subsystem sftp internal-sftp\n");
	assert_int_equal(scan("d0"), 1);
	assert_string_equal(found, "d10:1:Subsystem;");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_not_a_file),
		cmocka_unit_test(test_external_server),
		cmocka_unit_test(test_subsystem),
		cmocka_unit_test(test_force_command),
		cmocka_unit_test(test_not_internal_sftp),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_include_loop),
		cmocka_unit_test(test_include_depth),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
