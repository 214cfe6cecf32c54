/*
 * cmd_shard.c — `lowwatt shard info FILE...`: what a token shard holds.
 */
#include <stdio.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "lowwatt/shard.h"

static int shard_info(int argc, char **argv)
{
	const char *cmd = "shard info";
	cli_list files = {0};
	int rc = cli_parse(cmd, "FILE.lwtk...", argc, argv, NULL, 0, &files);
	if (rc == 0 && files.n == 0) {
		fprintf(stderr, "lowwatt %s: expected one or more shard files\n", cmd);
		rc = CLI_USAGE;
	}
	for (int i = 0; rc == 0 && i < files.n; i++) {
		lw_err err = {0};
		lw_shard s;
		if (lw_shard_open(files.items[i], &s, &err)) {
			rc = cli_fail(cmd, &err);
			break;
		}
		char t[32], b[32];
		printf("%s: %s tokens", files.items[i], cli_count(t, sizeof t, s.count));
		if (s.text_bytes && s.count)
			printf(" from %s bytes of text (%.2f bytes/token)",
			       cli_count(b, sizeof b, s.text_bytes),
			       (double)s.text_bytes / (double)s.count);
		printf(", vocabulary %u, %u-byte tokens, tokenizer 0x%08x\n", s.vocab_size,
		       s.token_width, s.tokenizer_checksum);
		lw_shard_close(&s);
	}
	cli_free(NULL, 0, &files);
	return rc < 0 ? 0 : rc;
}

int cmd_shard(int argc, char **argv)
{
	static const cli_verb verbs[] = {
		{"info", shard_info, "token count, compression, vocabulary and tokenizer of shards"},
	};
	return cli_dispatch("shard", argc, argv, verbs, sizeof verbs / sizeof *verbs);
}
