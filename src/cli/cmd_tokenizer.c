/*
 * cmd_tokenizer.c — `lowwatt tokenizer train|info|bench`: learn a byte-level
 * BPE tokenizer from text files, describe one, or time its encoder.
 */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "lowwatt/bpe.h"
#include "util/clock.h"
#include "util/file.h"

static void print_info(const char *path, const lw_bpe *bpe)
{
	char v[32];
	int32_t vocab = lw_bpe_vocab_size(bpe);
	printf("tokenizer %s: vocabulary %s (%d merges, %d specials from id %d), checksum 0x%08x\n",
	       path, cli_count(v, sizeof v, (unsigned long long)vocab), lw_bpe_merge_count(bpe),
	       LW_SPECIAL_COUNT, lw_bpe_special_id(bpe, LW_SPECIAL_EOT), lw_bpe_checksum(bpe));
}

static int tokenizer_train(int argc, char **argv)
{
	const char *cmd = "tokenizer train", *out = NULL;
	cli_list inputs = {0};
	long vocab = 0;
	cli_flag flags[] = {
		{"input", CLI_STRINGS, &inputs, 1, 0, 0, "text files; lines '<|endoftext|>' separate documents"},
		{"vocab-size", CLI_INT, &vocab, 1, 1, 1 << 24, "vocabulary size, specials included (>= 261)"},
		{"out", CLI_STRING, &out, 1, 0, 0, "the tokenizer file to write (.lwtok)"},
	};
	int n_flags = sizeof flags / sizeof *flags;
	int rc = cli_parse(cmd, "--input FILE... --vocab-size N --out FILE", argc, argv, flags,
			   n_flags, NULL);
	if (rc) {
		cli_free(flags, n_flags, NULL);
		return rc < 0 ? 0 : rc;
	}
	lw_err err = {0};
	lw_bpe *bpe = NULL;
	lw_bpe_train_stats st = {0};
	double t0 = lw_now_s();
	if (lw_bpe_train(inputs.items, inputs.n, (int)vocab, &bpe, &st, &err) ||
	    lw_bpe_save(bpe, out, &err)) {
		rc = cli_fail(cmd, &err);
	} else {
		char b[32], p[32], u[32];
		printf("trained on %s bytes (%s pieces, %s distinct) in %.1f s\n",
		       cli_count(b, sizeof b, st.input_bytes), cli_count(p, sizeof p, st.pieces),
		       cli_count(u, sizeof u, st.unique_pieces), lw_now_s() - t0);
		if (st.vocab_size < vocab)
			printf("note: the text ran out of pairs to merge: vocabulary %d, asked %ld\n",
			       st.vocab_size, vocab);
		print_info(out, bpe);
	}
	lw_bpe_free(bpe);
	cli_free(flags, n_flags, NULL);
	return rc;
}

static int tokenizer_info(int argc, char **argv)
{
	const char *cmd = "tokenizer info", *path = NULL;
	cli_flag flags[] = {
		{"tokenizer", CLI_STRING, &path, 1, 0, 0, "a .lwtok file or a GPT-2 directory"},
	};
	int rc = cli_parse(cmd, "--tokenizer T", argc, argv, flags, 1, NULL);
	if (rc)
		return rc < 0 ? 0 : rc;
	lw_err err = {0};
	lw_bpe *bpe = NULL;
	if (lw_bpe_load(path, &bpe, &err))
		return cli_fail(cmd, &err);
	print_info(path, bpe);
	lw_bpe_free(bpe);
	return 0;
}

/* One timed encode of text with a freshly loaded tokenizer (cold cache). */
static lw_status time_encode(const char *path, const lw_buf *text, double *seconds,
			     size_t *tokens, lw_err *err)
{
	lw_bpe *bpe = NULL;
	lw_tokens ids = {0};
	lw_status st = lw_bpe_load(path, &bpe, err);
	if (st == LW_OK) {
		double t0 = lw_now_s();
		st = lw_bpe_encode(bpe, text->data, text->len, &ids, err);
		*seconds = lw_now_s() - t0;
		*tokens = ids.len;
	}
	lw_tokens_free(&ids);
	lw_bpe_free(bpe);
	return st;
}

static int tokenizer_bench(int argc, char **argv)
{
	const char *cmd = "tokenizer bench", *path = NULL, *input = NULL;
	long repeat = 3;
	cli_flag flags[] = {
		{"tokenizer", CLI_STRING, &path, 1, 0, 0, "a .lwtok file or a GPT-2 directory"},
		{"input", CLI_STRING, &input, 1, 0, 0, "text to encode"},
		{"repeat", CLI_INT, &repeat, 0, 1, 1000, "timed repeats, best one reported (default 3)"},
	};
	int rc = cli_parse(cmd, "--tokenizer T --input FILE [--repeat N]", argc, argv, flags, 3, NULL);
	if (rc)
		return rc < 0 ? 0 : rc;
	lw_err err = {0};
	lw_buf text = {0};
	double best = 0;
	size_t tokens = 0;
	rc = 0;
	if (lw_file_read_all(input, &text, &err)) {
		rc = cli_fail(cmd, &err);
		goto done;
	}
	for (long r = 0; r < repeat; r++) {
		double s;
		if (time_encode(path, &text, &s, &tokens, &err)) {
			rc = cli_fail(cmd, &err);
			goto done;
		}
		if (r == 0 || s < best)
			best = s;
	}
	printf("{\"bytes\":%zu,\"tokens\":%zu,\"seconds\":%.6f,\"mb_per_s\":%.3f}\n", text.len, tokens,
	       best, best > 0 ? (double)text.len / best / 1e6 : 0.0);
done:
	lw_buf_free(&text);
	return rc;
}

int cmd_tokenizer(int argc, char **argv)
{
	static const cli_verb verbs[] = {
		{"train", tokenizer_train, "learn a byte-level BPE tokenizer from text files"},
		{"info", tokenizer_info, "vocabulary, merges and checksum of a tokenizer"},
		{"bench", tokenizer_bench, "time the encoder on a file (MB/s)"},
	};
	return cli_dispatch("tokenizer", argc, argv, verbs, sizeof verbs / sizeof *verbs);
}
