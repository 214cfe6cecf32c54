/*
 * checkpoint.h — training checkpoints (.lwck): everything a run needs to
 * continue exactly where it stopped. Format: see checkpoint.c's header
 * comment (byte by byte). Written atomically (temporary file, fsync,
 * rename): a crash leaves the previous checkpoint intact.
 */
#ifndef LOWWATT_CHECKPOINT_H
#define LOWWATT_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "lowwatt/run_energy.h"
#include "lowwatt/status.h"
#include "lowwatt/train.h"

typedef struct lw_checkpoint {
	lw_train_config train;        /* only the stored fields are meaningful
					 after a load (see train.h); the
					 others are zero */
	uint64_t step;                /* optimizer steps completed */
	uint64_t next_batch;          /* data position: next micro-batch index */
	uint64_t tokens;              /* training tokens consumed */
	uint32_t tokenizer_checksum;  /* of the tokenizer the data was made with */
	size_t n_params;              /* = lw_model_config_params(&train.model) */
	lw_run_energy energy;         /* the run's up to step (a version 1
					 file: not metered) */
	lw_energy_prediction first_prediction;  /* step 0: none made */
	float *params, *m, *v;        /* n_params each */
} lw_checkpoint;

/* Write ck to path atomically. */
lw_status lw_checkpoint_save(const char *path, const lw_checkpoint *ck, lw_err *err);

/* Read path into ck (arrays allocated; free with lw_checkpoint_free). A
 * truncated, corrupted, foreign or newer-version file is an error naming
 * the file and the problem. */
lw_status lw_checkpoint_load(const char *path, lw_checkpoint *ck, lw_err *err);

void lw_checkpoint_free(lw_checkpoint *ck);

/* The size in bytes of the checkpoint of a model of n_params (physical)
 * parameters. */
uint64_t lw_checkpoint_bytes(size_t n_params);

/* Compare the stored fields of a and b (model and training settings); on a
 * difference, one line naming the first differing field with both values,
 * e.g. "d_model is 256 in the checkpoint, 512 here". */
lw_status lw_checkpoint_match(const lw_train_config *ckpt, const lw_train_config *here,
			      lw_err *err);

#endif
