/*
 * cmd_generate.c — `lowwatt generate --checkpoint FILE --prompt TEXT
 * [--tokens N --temperature X --top-k K --seed N]`: continue a prompt with a
 * causal language model, sampling one token at a time.
 *
 * The prompt is preceded by <|endoftext|>, as every document of the
 * training shards is; generation stops early at the next <|endoftext|>.
 * Each token reruns the model over the last `seq` tokens: simple and
 * exact, and quick enough for the models lowwatt trains on a CPU.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/run_data.h"
#include "lowwatt/trainer.h"
#include "util/alloc.h"
#include "util/rng.h"

static const char CMD[] = "generate";

typedef struct sampling {
	double temperature;  /* 0: greedy */
	long top_k;          /* 0: all */
	lw_rng rng;
} sampling;

/* Draw a token from probs (V) under the sampling settings. order and w
 * are scratch of V entries. */
static int32_t sample(const float *probs, int V, sampling *s, int32_t *order, double *w)
{
	int k = s->top_k > 0 && s->top_k < V ? (int)s->top_k : V;
	if (s->temperature <= 0)
		k = 1;
	/* The k likeliest, largest first (k scans: k is small, or all of V
	 * is taken in id order, which sampling does not mind). */
	if (k == V) {
		for (int v = 0; v < V; v++)
			order[v] = v;
	} else {
		for (int v = 0; v < V; v++)
			w[v] = probs[v];
		for (int i = 0; i < k; i++) {
			int best = 0;
			for (int v = 1; v < V; v++)
				if (w[v] > w[best])
					best = v;
			order[i] = best;
			w[best] = -1.0;
		}
	}
	if (k == 1)
		return order[0];
	/* p^(1/T), renormalised over the k: softmax(logits / T). */
	double total = 0;
	for (int i = 0; i < k; i++)
		total += w[i] = pow((double)probs[order[i]], 1.0 / s->temperature);
	double u = lw_rng_uniform(&s->rng) * total;
	for (int i = 0; i < k; i++)
		if ((u -= w[i]) < 0)
			return order[i];
	return order[k - 1];
}

static void print_token(const lw_bpe *bpe, int32_t id)
{
	lw_buf text = {0};
	lw_err err = {0};
	if (!lw_bpe_decode(bpe, &id, 1, &text, &err))
		fwrite(text.data, 1, text.len, stdout);
	fflush(stdout);
	lw_buf_free(&text);
}

static int generate(lw_model *m, const lw_bpe *bpe, lw_tokens *ids, long n, sampling *s)
{
	const lw_model_config *c = lw_model_config_of(m);
	int32_t eot = lw_bpe_special_id(bpe, LW_SPECIAL_EOT);
	int32_t *order = lw_xmalloc((size_t)c->vocab * sizeof *order, "sampling");
	double *w = lw_xmalloc((size_t)c->vocab * sizeof *w, "sampling");
	lw_batch b = {0};
	lw_err err = {0};
	int rc = 0;
	for (long i = 0; i < n && !rc; i++) {
		int T = ids->len < (size_t)c->seq ? (int)ids->len : c->seq;
		const int32_t *window = ids->ids + ids->len - (size_t)T;
		lw_batch_free(&b);
		if (lw_batch_init(&b, 1, T, &err)) {
			rc = cli_fail(CMD, &err);
			break;
		}
		for (int t = 0; t < T; t++) {
			b.inputs[t] = window[t];
			b.targets[t] = t == T - 1 ? 0 : LW_IGNORE_INDEX;  /* only the last */
		}
		b.n_targets = 1;
		lw_model_forward(m, &b);
		int32_t next = sample(lw_model_probs(m), c->vocab, s, order, w);
		if (next == eot)
			break;
		lw_tokens_push(ids, next);
		print_token(bpe, next);
	}
	printf("\n");
	lw_batch_free(&b);
	free(order);
	free(w);
	return rc;
}

int cmd_generate(int argc, char **argv)
{
	const char *checkpoint = NULL, *tokenizer = "default", *prompt = NULL;
	long tokens = 50, seed = 1;
	sampling s = { .temperature = 0.8, .top_k = 40 };
	const char *blas_core = "auto";  /* read by blas_core_select in main */
	cli_flag flags[] = {
		{"checkpoint", CLI_STRING, &checkpoint, 1, 0, 0, "a causal LM's checkpoint (.lwck)"},
		{"prompt", CLI_STRING, &prompt, 1, 0, 0, "the text to continue"},
		{"tokenizer", CLI_STRING, &tokenizer, 0, 0, 0, "its tokenizer (default: data/brown's)"},
		{"tokens", CLI_INT, &tokens, 0, 1, 100000, "tokens to generate (50)"},
		{"temperature", CLI_FLOAT, &s.temperature, 0, 0, 100, "0 = greedy (0.8)"},
		{"top-k", CLI_INT, &s.top_k, 0, 0, 1 << 24, "sample among the K likeliest; 0 = all (40)"},
		{"seed", CLI_INT, &seed, 0, 0, 0x7fffffffL, "sampling seed (1)"},
		{"blas-core", CLI_STRING, &blas_core, 0, 0, 0, "auto|env: OpenBLAS kernels (auto)"},
	};
	int n_flags = sizeof flags / sizeof *flags;
	int rc = cli_parse(CMD, "--checkpoint FILE --prompt TEXT [--tokens N --temperature X "
			   "--top-k K --seed N]", argc, argv, flags, n_flags, NULL);
	if (rc)
		return rc < 0 ? 0 : rc;
	s.rng = lw_rng_from((uint64_t)seed, 0x6e6e, 0);
	lw_err err = {0};
	lw_checkpoint ck = {0};
	lw_model *m = NULL;
	lw_bpe *bpe = NULL;
	lw_tokens ids = {0};
	rc = 1;
	if (!run_model_open(CMD, checkpoint, tokenizer, LW_ARCH_CLM, &m, &ck, &bpe)) {
		lw_tokens_push(&ids, lw_bpe_special_id(bpe, LW_SPECIAL_EOT));
		if (lw_bpe_encode(bpe, (const uint8_t *)prompt, strlen(prompt), &ids, &err)) {
			cli_fail(CMD, &err);
		} else {
			fputs(prompt, stdout);
			rc = generate(m, bpe, &ids, tokens, &s);
		}
	}
	lw_tokens_free(&ids);
	lw_bpe_free(bpe);
	lw_model_free(m);
	return rc;
}
