/*
 * config.c — the default training settings: what `lowwatt train` does with
 * no flags. Every default number lives here, in one place.
 */
#include "lowwatt/train.h"

#include <string.h>

void lw_train_config_default(lw_train_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->model = (lw_model_config){
		.arch = LW_ARCH_MLM,
		.layers = 4,
		.d_model = 256,
		.heads = 4,
		.d_ff = 1024,
		.seq = 128,
		.vocab = 8192,
	};
	cfg->batch = 32;
	cfg->accum = 1;
	cfg->steps = 1000;
	cfg->warmup = 100;
	cfg->lr = 1e-3f;
	cfg->min_lr_ratio = 0.1f;
	cfg->weight_decay = 0.01f;
	cfg->clip = 1.0f;
	cfg->mask_prob = 0.15f;
	cfg->decay_embeddings = 0;
	cfg->adamw = (lw_adamw){ .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f };
	cfg->seed = 1;
	cfg->threads = 0;
	cfg->eval_every = 200;
	cfg->eval_batches = 20;
	cfg->save_every = 500;
	cfg->log_every = 10;
}
