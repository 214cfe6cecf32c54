/*
 * args.c — table-driven flag parsing for the lowwatt subcommands (args.h).
 */
#include "cli/args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static cli_flag *find_flag(cli_flag *flags, int n_flags, const char *name, size_t len)
{
	for (int i = 0; i < n_flags; i++)
		if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0)
			return &flags[i];
	return NULL;
}

static void list_push(cli_list *l, const char *s)
{
	l->items = lw_xrealloc(l->items, (size_t)(l->n + 1) * sizeof *l->items, "argument list");
	l->items[l->n++] = s;
}

static int parse_int(const char *cmd, const cli_flag *f, const char *value)
{
	char *end;
	errno = 0;
	long v = strtol(value, &end, 10);
	if (errno || end == value || *end) {
		fprintf(stderr, "lowwatt %s: --%s expects an integer, got '%s'\n", cmd, f->name, value);
		return CLI_USAGE;
	}
	if (v < f->min || v > f->max) {
		fprintf(stderr, "lowwatt %s: --%s must be between %ld and %ld, got %ld\n", cmd,
			f->name, f->min, f->max, v);
		return CLI_USAGE;
	}
	*(long *)f->dest = v;
	return 0;
}

static int parse_float(const char *cmd, const cli_flag *f, const char *value)
{
	char *end;
	errno = 0;
	double v = strtod(value, &end);
	if (errno == ERANGE || end == value || *end || !isfinite(v)) {
		fprintf(stderr, "lowwatt %s: --%s expects a finite number, got '%s'\n", cmd, f->name,
			value);
		return CLI_USAGE;
	}
	int ranged = f->min != 0 || f->max != 0;
	if (ranged && (v < (double)f->min || v > (double)f->max)) {
		fprintf(stderr, "lowwatt %s: --%s must be between %ld and %ld, got %g\n", cmd,
			f->name, f->min, f->max, v);
		return CLI_USAGE;
	}
	*(double *)f->dest = v;
	return 0;
}

/* Store the value(s) of flag f starting at argv[*i]; advances *i. */
static int take_value(const char *cmd, cli_flag *f, const char *inline_value, int argc,
		      char **argv, int *i)
{
	if (f->kind == CLI_BOOL) {
		if (inline_value) {
			fprintf(stderr, "lowwatt %s: --%s takes no value\n", cmd, f->name);
			return CLI_USAGE;
		}
		*(int *)f->dest = 1;
		return 0;
	}
	const char *value = inline_value;
	if (!value) {
		if (*i + 1 >= argc || strncmp(argv[*i + 1], "--", 2) == 0) {
			fprintf(stderr, "lowwatt %s: --%s needs a value\n", cmd, f->name);
			return CLI_USAGE;
		}
		value = argv[++*i];
	}
	switch (f->kind) {
	case CLI_STRING:
		*(const char **)f->dest = value;
		return 0;
	case CLI_INT:
		return parse_int(cmd, f, value);
	case CLI_FLOAT:
		return parse_float(cmd, f, value);
	case CLI_STRINGS:
		list_push(f->dest, value);
		/* Further plain words belong to the same flag: --input a b c. */
		while (!inline_value && *i + 1 < argc && strncmp(argv[*i + 1], "--", 2) != 0)
			list_push(f->dest, argv[++*i]);
		return 0;
	case CLI_BOOL:
		break;
	}
	return 0;
}

static int is_seen(const cli_flag *f)
{
	switch (f->kind) {
	case CLI_STRING: return *(const char **)f->dest != NULL;
	case CLI_STRINGS: return ((const cli_list *)f->dest)->n > 0;
	default: return 1;
	}
}

int cli_parse(const char *cmd, const char *usage, int argc, char **argv,
	      cli_flag *flags, int n_flags, cli_list *positional)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			cli_print_usage(cmd, usage, flags, n_flags);
			return -1;
		}
		if (strncmp(a, "--", 2) != 0 || a[2] == 0) {
			if (positional && strncmp(a, "-", 1) != 0) {
				list_push(positional, a);
				continue;
			}
			fprintf(stderr, "lowwatt %s: unexpected argument '%s' (see lowwatt %s --help)\n",
				cmd, a, cmd);
			return CLI_USAGE;
		}
		const char *name = a + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		cli_flag *f = find_flag(flags, n_flags, name, len);
		if (!f) {
			fprintf(stderr, "lowwatt %s: unknown flag --%.*s (see lowwatt %s --help)\n",
				cmd, (int)len, name, cmd);
			return CLI_USAGE;
		}
		int rc = take_value(cmd, f, eq ? eq + 1 : NULL, argc, argv, &i);
		if (rc)
			return rc;
	}
	for (int i = 0; i < n_flags; i++) {
		if (flags[i].required && !is_seen(&flags[i])) {
			fprintf(stderr, "lowwatt %s: missing --%s (see lowwatt %s --help)\n", cmd,
				flags[i].name, cmd);
			return CLI_USAGE;
		}
	}
	return 0;
}

void cli_print_usage(const char *cmd, const char *usage, const cli_flag *flags, int n_flags)
{
	printf("usage: lowwatt %s %s\n", cmd, usage);
	for (int i = 0; i < n_flags; i++) {
		const char *value = flags[i].kind == CLI_BOOL ? "" :
				    flags[i].kind == CLI_INT ? " N" :
				    flags[i].kind == CLI_FLOAT ? " X" :
				    flags[i].kind == CLI_STRINGS ? " FILE..." : " VALUE";
		char left[64];
		snprintf(left, sizeof left, "--%s%s", flags[i].name, value);
		printf("  %-24s %s%s\n", left, flags[i].help, flags[i].required ? " (required)" : "");
	}
}

void cli_free(cli_flag *flags, int n_flags, cli_list *positional)
{
	for (int i = 0; i < n_flags; i++) {
		if (flags[i].kind == CLI_STRINGS) {
			cli_list *l = flags[i].dest;
			free(l->items);
			*l = (cli_list){0};
		}
	}
	if (positional) {
		free(positional->items);
		*positional = (cli_list){0};
	}
}

int cli_dispatch(const char *group, int argc, char **argv, const cli_verb *verbs, int n_verbs)
{
	if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
		printf("usage: lowwatt %s VERB [FLAGS]   (lowwatt %s VERB --help for its flags)\n",
		       group, group);
		for (int i = 0; i < n_verbs; i++)
			printf("  %-8s %s\n", verbs[i].name, verbs[i].summary);
		return 0;
	}
	for (int i = 0; argc >= 1 && i < n_verbs; i++)
		if (strcmp(argv[0], verbs[i].name) == 0)
			return verbs[i].run(argc - 1, argv + 1);
	fprintf(stderr, "lowwatt %s: expected ", group);
	for (int i = 0; i < n_verbs; i++)
		fprintf(stderr, "%s%s", i == 0 ? "" : i == n_verbs - 1 ? " or " : ", ", verbs[i].name);
	if (argc >= 1)
		fprintf(stderr, ", got '%s'", argv[0]);
	fprintf(stderr, " (see lowwatt %s --help)\n", group);
	return CLI_USAGE;
}
