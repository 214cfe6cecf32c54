/*
 * spec.h — the batch specification of a run (internal to src/train): the
 * one place that turns training settings into lw_batch_spec, for training
 * and validation batches alike.
 */
#ifndef LW_TRAIN_SPEC_H
#define LW_TRAIN_SPEC_H

#include "lowwatt/trainer.h"

/* Keeps validation batches apart from the training batches of a seed. */
#define LW_EVAL_SEED_SALT 0x76616c69646174ULL

static inline lw_batch_spec lw_run_batch_spec(const lw_train_config *cfg,
					      const lw_train_data *data, uint64_t seed)
{
	lw_batch_spec spec = {
		.objective = cfg->model.arch == LW_ARCH_CLM ? LW_OBJECTIVE_CLM : LW_OBJECTIVE_MLM,
		.B = cfg->batch,
		.T = cfg->model.seq,
		.seed = seed,
		.vocab_size = cfg->model.vocab,
		.first_special = data->first_special,
		.mask_id = data->mask_id,
		.mask_prob = cfg->mask_prob,
	};
	return spec;
}

#endif
