/*
 * args.h — the command line's flag parser: one table of flags per
 * subcommand, "--name value" or "--name=value", and one clear line for
 * anything unknown, missing or malformed.
 */
#ifndef LW_CLI_ARGS_H
#define LW_CLI_ARGS_H

#include <stdint.h>

typedef enum cli_kind {
	CLI_STRING,   /* const char *        */
	CLI_INT,      /* long, checked range */
	CLI_BOOL,     /* int, no value       */
	CLI_STRINGS,  /* cli_list: one or more values up to the next --flag */
	CLI_FLOAT,    /* double, finite, checked range [min, max] (both 0: any) */
} cli_kind;

typedef struct cli_list {
	const char **items;
	int n;
} cli_list;

typedef struct cli_flag {
	const char *name;   /* without the leading "--" */
	cli_kind kind;
	void *dest;
	int required;
	long min, max;      /* CLI_INT; CLI_FLOAT (both 0: any finite value) */
	const char *help;
} cli_flag;

/* Exit status of a usage error (unknown flag, bad value). */
#define CLI_USAGE 2

/* Parse argv[0..argc) (the words after the subcommand name) into the flags.
 * A flag given twice keeps its last value (CLI_STRINGS: all of them); a flag
 * not given leaves its dest untouched. Positional words are collected into
 * positional (if not NULL), else they are an error. Prints one line to
 * stderr on error and returns CLI_USAGE; returns 0 on success, or -1 when
 * --help was asked for (usage printed). */
int cli_parse(const char *cmd, const char *usage, int argc, char **argv,
	      cli_flag *flags, int n_flags, cli_list *positional);

/* Print "usage: ..." and the flag table to stdout. */
void cli_print_usage(const char *cmd, const char *usage, const cli_flag *flags, int n_flags);

/* A verb of a command group: `lowwatt tokenizer train ...`. */
typedef struct cli_verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} cli_verb;

/* Run the verb named by argv[0] with the words after it; --help lists the
 * verbs; anything else is a usage error naming the verbs. */
int cli_dispatch(const char *group, int argc, char **argv, const cli_verb *verbs, int n_verbs);

/* Free what cli_parse allocated for CLI_STRINGS flags and positionals. */
void cli_free(cli_flag *flags, int n_flags, cli_list *positional);

#endif
