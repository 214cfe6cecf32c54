/*
 * batch.h — training batches drawn from a token shard, for the two
 * objectives lowwatt trains: causal (CLM, GPT-style next-token prediction)
 * and masked (MLM, BERT-style) language modelling.
 *
 * A batch is a pure function of (shard, spec, step): row r of step s uses
 * its own generator lw_rng_from(spec.seed, s, r), so rows are independent,
 * any step can be rebuilt without replaying the ones before it (a resumed
 * run sees the same data) and rows could be built in parallel.
 *
 * Each row is a window of the shard at a uniformly random offset o.
 *   CLM: inputs = tokens[o .. o+T), targets = tokens[o+1 .. o+T+1);
 *        every position has a label.
 *   MLM: inputs from tokens[o .. o+T). Each position whose token is not a
 *        special (id < first_special) is selected with probability
 *        mask_prob; a selected position gets target = the original token and
 *        input = [MASK] with probability 0.8, a uniformly random regular
 *        token (id in [0, first_special), possibly the original) with
 *        probability 0.1, the original token with probability 0.1.
 *        Unselected positions and specials get target LW_IGNORE_INDEX.
 */
#ifndef LOWWATT_BATCH_H
#define LOWWATT_BATCH_H

#include <stdint.h>

#include "lowwatt/shard.h"
#include "lowwatt/status.h"

/* The target of a position that carries no loss. */
#define LW_IGNORE_INDEX (-1)

typedef enum lw_objective {
	LW_OBJECTIVE_CLM,
	LW_OBJECTIVE_MLM,
} lw_objective;

typedef struct lw_batch_spec {
	lw_objective objective;
	int B, T;               /* rows, positions per row */
	uint64_t seed;
	int32_t vocab_size;     /* must equal the shard's */
	int32_t first_special;  /* ids >= this are special (bpe.h: the last
				   LW_SPECIAL_COUNT ids: EOT, PAD, CLS, SEP, MASK) */
	int32_t mask_id;        /* MLM: the [MASK] id, a special */
	float mask_prob;        /* MLM: selection probability, in (0, 1); 0.15 */
} lw_batch_spec;

typedef struct lw_batch {
	int B, T;
	int32_t *inputs;   /* (B,T) */
	int32_t *targets;  /* (B,T), LW_IGNORE_INDEX where there is no loss */
	int n_targets;     /* positions with a label */
} lw_batch;

/* Allocate a B x T batch (B, T > 0, B*T <= INT_MAX). */
lw_status lw_batch_init(lw_batch *b, int B, int T, lw_err *err);

/* Free b's arrays and zero it. Safe on a zeroed batch. */
void lw_batch_free(lw_batch *b);

/* Fill b (initialised with spec->B, spec->T) with batch number step. The
 * shard must hold at least T+1 tokens and have spec->vocab_size ids. For
 * CLM, mask_id and mask_prob are not used. */
lw_status lw_batch_make(const lw_shard *s, const lw_batch_spec *spec, uint64_t step,
			lw_batch *b, lw_err *err);

/* Rows [row0, row0 + rows) of batch number step (0 <= row0, rows >= 1,
 * row0 + rows <= spec->B) into b, initialised with rows x spec->T: exactly
 * those rows of lw_batch_make's batch. A rank of a data-parallel run reads
 * its own slice of every global batch this way. */
lw_status lw_batch_make_rows(const lw_shard *s, const lw_batch_spec *spec, uint64_t step,
			     int row0, int rows, lw_batch *b, lw_err *err);

#endif
