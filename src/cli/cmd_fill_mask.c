/*
 * cmd_fill_mask.c — `lowwatt fill-mask --checkpoint FILE [--top K] TEXT`:
 * what a masked language model puts in each [MASK] of a sentence, with
 * probabilities.
 *
 * Byte-level BPE tokens carry their leading space (" store"), so the space
 * before a [MASK] belongs to the prediction and is dropped from the text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/run_data.h"
#include "lowwatt/trainer.h"

static const char CMD[] = "fill-mask";
static const char MASK[] = "[MASK]";

/* Encode text with every "[MASK]" as the mask id. */
static lw_status encode_masked(lw_bpe *bpe, const char *text, lw_tokens *ids, lw_err *err)
{
	int32_t mask_id = lw_bpe_special_id(bpe, LW_SPECIAL_MASK);
	const char *p = text;
	for (;;) {
		const char *m = strstr(p, MASK);
		size_t n = m ? (size_t)(m - p) : strlen(p);
		if (m && n > 0 && p[n - 1] == ' ')
			n--;
		lw_status st = lw_bpe_encode(bpe, (const uint8_t *)p, n, ids, err);
		if (st || !m)
			return st;
		lw_tokens_push(ids, mask_id);
		p = m + sizeof MASK - 1;
	}
}

/* The likeliest regular token (ids below the specials) not yet taken:
 * selection by repeated scans, K is small. */
static int next_best(const float *p, int n_regular, const char *taken)
{
	int best = -1;
	for (int v = 0; v < n_regular; v++)
		if (!taken[v] && (best < 0 || p[v] > p[best]))
			best = v;
	return best;
}

/* Print a token's text for a terminal, quoted, with newlines, tabs and
 * other control bytes escaped ("\n") so that each candidate keeps its own
 * line. Returns the number of characters printed. */
static int print_token_text(const lw_buf *text)
{
	int shown = printf("'");
	for (size_t i = 0; i < text->len; i++) {
		unsigned char c = text->data[i];
		if (c == '\n')
			shown += printf("\\n");
		else if (c == '\t')
			shown += printf("\\t");
		else if (c < 0x20 || c == 0x7f)
			shown += printf("\\x%02x", c);
		else
			shown += putchar(c) != EOF;
	}
	return shown + printf("'");
}

static void print_top(const lw_bpe *bpe, const float *probs, int V, int top, int which)
{
	char *taken = calloc((size_t)V, 1);
	int regular = lw_bpe_special_id(bpe, LW_SPECIAL_EOT);
	printf("[MASK] %d:\n", which + 1);
	for (int k = 0; k < top && k < regular; k++) {
		int32_t v = next_best(probs, regular, taken);
		taken[v] = 1;
		lw_buf text = {0};
		lw_err err = {0};
		lw_bpe_decode(bpe, &v, 1, &text, &err);
		printf("  %2d. ", k + 1);
		int shown = print_token_text(&text);
		printf("%*s %6.2f%%\n", shown < 20 ? 20 - shown : 0, "", 100.0 * probs[v]);
		lw_buf_free(&text);
	}
	free(taken);
}

/* Fill every mask of ids with model m; prints the top candidates. */
static int fill(lw_model *m, const lw_bpe *bpe, const lw_tokens *ids, int top)
{
	const lw_model_config *c = lw_model_config_of(m);
	int32_t mask_id = lw_bpe_special_id(bpe, LW_SPECIAL_MASK);
	lw_batch b = {0};
	lw_err err = {0};
	if (lw_batch_init(&b, 1, (int)ids->len, &err))
		return cli_fail(CMD, &err);
	int masks = 0;
	for (size_t i = 0; i < ids->len; i++) {
		b.inputs[i] = ids->ids[i];
		b.targets[i] = ids->ids[i] == mask_id ? 0 : LW_IGNORE_INDEX;
		masks += ids->ids[i] == mask_id;
	}
	b.n_targets = masks;
	lw_model_forward(m, &b);
	const float *probs = lw_model_probs(m);
	for (int k = 0; k < masks; k++)
		print_top(bpe, probs + (size_t)k * c->vocab, c->vocab, top, k);
	lw_batch_free(&b);
	return 0;
}

int cmd_fill_mask(int argc, char **argv)
{
	const char *checkpoint = NULL, *tokenizer = "default";
	long top = 5;
	cli_list text = {0};
	const char *blas_core = "auto";  /* read by blas_core_select in main */
	cli_flag flags[] = {
		{"checkpoint", CLI_STRING, &checkpoint, 1, 0, 0, "a masked LM's checkpoint (.lwck)"},
		{"tokenizer", CLI_STRING, &tokenizer, 0, 0, 0, "its tokenizer (default: data/brown's)"},
		{"top", CLI_INT, &top, 0, 1, 1000, "candidates per mask (5)"},
		{"blas-core", CLI_STRING, &blas_core, 0, 0, 0, "auto|env: OpenBLAS kernels (auto)"},
	};
	int n_flags = sizeof flags / sizeof *flags;
	int rc = cli_parse(CMD, "--checkpoint FILE [--top K] \"TEXT with [MASK]\"", argc, argv,
			   flags, n_flags, &text);
	if (rc == 0 && (text.n != 1 || !strstr(text.items[0], MASK))) {
		fprintf(stderr, "lowwatt %s: expected one text holding at least one %s\n", CMD, MASK);
		rc = CLI_USAGE;
	}
	if (rc) {
		cli_free(flags, n_flags, &text);
		return rc < 0 ? 0 : rc;
	}
	lw_err err = {0};
	lw_checkpoint ck = {0};
	lw_model *m = NULL;
	lw_bpe *bpe = NULL;
	lw_tokens ids = {0};
	rc = 1;
	if (!run_model_open(CMD, checkpoint, tokenizer, LW_ARCH_MLM, &m, &ck, &bpe)) {
		if (encode_masked(bpe, text.items[0], &ids, &err))
			cli_fail(CMD, &err);
		else if (ids.len > (size_t)ck.train.model.seq)
			fprintf(stderr, "lowwatt %s: the text is %zu tokens, the model's limit is %d\n",
				CMD, ids.len, ck.train.model.seq);
		else
			rc = fill(m, bpe, &ids, (int)top);
	}
	lw_tokens_free(&ids);
	lw_bpe_free(bpe);
	lw_model_free(m);
	cli_free(flags, n_flags, &text);
	return rc;
}
