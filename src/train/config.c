/*
 * config.c — the default training settings: what `lowwatt train` does with
 * no flags. Every default number lives here, in one place.
 *
 * The default is a small BERT-style masked LM sized to train in about five
 * minutes on two cores (about 24,000 tokens/s: 1800 steps of 128 x 32
 * tokens, 7.4M tokens, five passes over Brown). Measured here: d_model 192
 * learns as much per token as 256 at 1.7x the speed; lr 2e-3 beats 1e-3
 * and 4e-3.
 *
 * Rows of 32 positions, not 128: at initialisation attention spreads evenly
 * over the row, so the neighbouring words a masked token is guessed from
 * carry 1/T of it, and a masked LM sits at the unigram plateau until heads
 * learn to look nearby. With T = 128 the default run ended 0.69 nats below
 * the unigram entropy; with T = 32 and the same tokens per step, 2.5 nats
 * below (README, "make run"). A sentence of Brown is about 25 tokens.
 */
#include "lowwatt/train.h"

#include <string.h>

void lw_train_config_default(lw_train_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->model = (lw_model_config){
		.arch = LW_ARCH_MLM,
		.layers = 4,
		.d_model = 192,
		.heads = 4,
		.d_ff = 768,
		.seq = 32,
		.vocab = 8192,
	};
	cfg->batch = 128;
	cfg->accum = 1;
	cfg->steps = 1800;
	cfg->warmup = 100;
	cfg->lr = 2e-3f;
	cfg->min_lr_ratio = 0.1f;
	cfg->weight_decay = 0.01f;
	cfg->clip = 1.0f;
	cfg->mask_prob = 0.15f;
	cfg->decay_embeddings = 0;
	cfg->adamw = (lw_adamw){ .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f };
	cfg->seed = 1;
	cfg->threads = 0;
	cfg->eval_every = 300;
	cfg->eval_batches = 20;
	cfg->save_every = 600;
	cfg->log_every = 10;
}
