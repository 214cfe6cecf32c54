/*
 * commands.h — the subcommands of `lowwatt`, one file each. Each takes the
 * words after its own name and returns the process exit status: 0 done,
 * 1 failed (one line on stderr says why), 2 usage error.
 */
#ifndef LW_CLI_COMMANDS_H
#define LW_CLI_COMMANDS_H

#include "lowwatt/status.h"

int cmd_corpus(int argc, char **argv);
int cmd_tokenizer(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_prepare(int argc, char **argv);
int cmd_shard(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_fill_mask(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_measure(int argc, char **argv);
int cmd_footprint(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_search(int argc, char **argv);

/* Print "lowwatt CMD: MESSAGE" for a failed library call; returns 1. */
int cli_fail(const char *cmd, const lw_err *err);

/* Format n with thousands separators into buf ("1,234,567"). */
const char *cli_count(char *buf, size_t size, unsigned long long n);

#endif
