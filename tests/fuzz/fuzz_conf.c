/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the config parser and resolver. Each input is parsed as
 * one file, resolved for a fixed user (and for one whose names are unsafe),
 * printed, and the printed policy is parsed back: it must give the same text
 * again. Any crash, leak, sanitizer report or round-trip difference is a bug.
 */
#include "conf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *print_policy(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	policy_print(f, p);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Printed, read back as [user:NAME], resolved and printed again: the same text. */
static void check_round_trip(const struct conf_user *u, const char *printed)
{
	struct conf_diags diags;
	struct conf *c = conf_new();
	struct policy *p = NULL;
	char *text = NULL, *again;
	size_t len;

	if (!c)
		return;
	len = strlen(u->name) + strlen(printed) + 16;
	text = malloc(len);
	if (!text) {
		conf_free(c);
		return;
	}
	snprintf(text, len, "[user:%s]\n%s", u->name, printed);
	memset(&diags, 0, sizeof(diags));
	if (conf_parse_buffer(c, "printed", text, strlen(text), &diags) < 0 ||
	    conf_resolve(c, u, &p, &diags) < 0) {
		fprintf(stderr, "round trip failed: %s: %s\n%s", diags.d[0].where, diags.d[0].msg,
			text);
		abort();
	}
	again = print_policy(p);
	if (again && strcmp(again, printed) != 0) {
		fprintf(stderr, "round trip differs:\n%s---\n%s", printed, again);
		abort();
	}
	free(again);
	policy_free(p);
	free(text);
	conf_free(c);
}

static void resolve_and_print(const struct conf *c, const struct conf_user *u)
{
	struct conf_diags diags;
	struct policy *p = NULL;
	char *printed;

	memset(&diags, 0, sizeof(diags));
	if (conf_resolve(c, u, &p, &diags) < 0)
		return;
	printed = print_policy(p);
	if (printed)
		check_round_trip(u, printed);
	free(printed);
	policy_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char alice_name[] = "alice", alice_home[] = "/home/alice", staff[] = "staff",
		    dev[] = "dev";
	static char *alice_groups[] = { staff, dev };
	static const struct conf_user alice = {
		.name = alice_name,
		.uid = 1000,
		.gid = 1000,
		.home = alice_home,
		.group = staff,
		.groups = alice_groups,
		.n_groups = 2,
	};
	static char odd_name[] = "o_d.d", odd_home[] = "/", odd_group[] = "bad group";
	static char *odd_groups[] = { odd_group };
	static const struct conf_user odd = {
		.name = odd_name,
		.uid = 0,
		.gid = 4294967294u,
		.home = odd_home,
		.group = odd_group,
		.groups = odd_groups,
		.n_groups = 1,
	};
	struct conf_diags diags;
	struct conf *c = conf_new();

	if (!c)
		return 0;
	memset(&diags, 0, sizeof(diags));
	if (conf_parse_buffer(c, "fuzz.conf", (const char *)data, size, &diags) == 0) {
		resolve_and_print(c, &alice);
		resolve_and_print(c, &odd);
	}
	conf_free(c);
	return 0;
}
