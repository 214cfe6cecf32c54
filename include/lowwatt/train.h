/*
 * train.h — the settings of a training run. Everything in lw_train_config
 * is written to a run's config.json; the part that decides the numbers a
 * run produces (model, data order, optimizer, schedule) is also stored in
 * its checkpoints, so that a resumed run can be checked against them.
 */
#ifndef LOWWATT_TRAIN_H
#define LOWWATT_TRAIN_H

#include <stdint.h>

#include "lowwatt/model.h"
#include "lowwatt/optim.h"

typedef struct lw_train_config {
	lw_model_config model;
	int batch;              /* rows per micro-batch */
	int accum;              /* micro-batches per optimizer step */
	long steps;             /* optimizer steps in the whole run */
	long warmup;            /* linear warm-up steps */
	float lr;               /* peak learning rate */
	float min_lr_ratio;     /* cosine decays to min_lr_ratio * lr */
	float weight_decay;
	float clip;             /* global gradient-norm limit; 0: none */
	float mask_prob;        /* mlm selection probability (0.15) */
	int decay_embeddings;   /* 1: AdamW decays wte and wpe too */
	lw_adamw adamw;
	uint64_t seed;          /* weights and data order */
	/* Not stored in checkpoints: may change when a run is resumed. */
	int threads;            /* 0: all cores */
	long eval_every;        /* steps between evaluations; 0: only at the end */
	int eval_batches;       /* validation batches per evaluation */
	long save_every;        /* steps between checkpoints; 0: only at the end */
	long log_every;         /* steps between metrics rows */
	int profile;            /* 1: time every kernel (lw_train_result.profile) */
} lw_train_config;

/* The defaults of `lowwatt train` with no flags: the default masked LM. */
void lw_train_config_default(lw_train_config *cfg);

#endif
