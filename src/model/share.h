/*
 * share.h — from logical tensors (what each layer uses: table.h) to
 * physical storage (what is trained and saved), internal to src/model.
 *
 * A logical tensor is either physical storage itself (its own, or, shared,
 * its group owner's: the model's views then point at the same floats, and
 * backward's += sums the layers' gradients there), or a weight matrix made
 * from the parameter bank. Bank-made matrices live in a scratch buffer of
 * their own, filled before each forward (lw_bank_gather) and whose
 * gradients are sent back to the bank and coefficients after each backward
 * (lw_bank_scatter).
 *
 * Physical tensors keep the names of the logical ones they hold (a group's
 * weights are named after its first layer: "h.0.qkv.w"), in logical order;
 * a bank adds "bank" (decayed) and "bank.coef" (not decayed) at the end.
 */
#ifndef LW_MODEL_SHARE_H
#define LW_MODEL_SHARE_H

#include <stddef.h>

#include "lowwatt/model.h"

/* Where a logical tensor's floats are. */
typedef struct lw_link {
	int from_bank;   /* 0: physical storage at offset; 1: made from the bank,
			    held in the scratch buffer at offset */
	size_t offset;
	size_t start;    /* from_bank: where its first template starts in the bank */
	size_t coef;     /* from_bank: physical offset of its coefficients */
} lw_link;

typedef struct lw_share_plan {
	int n_logical;
	lw_tensor *logical;        /* table.h's table */
	size_t n_logical_params;
	int n_physical;
	lw_tensor *physical;       /* what is trained and saved */
	size_t n_params;           /* physical floats */
	lw_link *links;            /* one per logical tensor */
	/* The bank (bank_size 0: none). */
	size_t bank_offset, bank_size, coef_offset;
	int templates;             /* K */
	size_t scratch;            /* floats of the bank-made matrices */
	int n_made;
	int *made;                 /* their logical indices, in table order */
} lw_share_plan;

/* The plan of a configuration that passed lw_model_config_check. */
void lw_share_plan_make(const lw_model_config *c, lw_share_plan *p);
void lw_share_plan_free(lw_share_plan *p);

/* The backward stage after which each physical tensor's gradient is final
 * (model.h: 0 the head, 1 + (L-1-l) layer l, L+1 the embedding, L+2 the
 * bank): the last stage that adds to it. stage has n_physical entries. */
void lw_share_plan_stages(const lw_share_plan *p, int layers, int *stage);

/* Bank-made matrices: scratch <- sum_k coef_k x template_k. params is the
 * physical buffer. */
void lw_bank_gather(const lw_share_plan *p, const float *params, float *scratch);

/* Add the scratch gradients' share to the bank's and the coefficients'
 * physical gradients, and clear the scratch gradients. */
void lw_bank_scatter(const lw_share_plan *p, const float *params, float *scratch_grads,
		     float *grads);

/* Initialise the bank N(0, 0.02) and each size's coefficient rows
 * orthogonally (unit norm; residual projections' scaled by 1/sqrt(2L), as
 * GPT-2 scales those weights). */
void lw_bank_init(const lw_share_plan *p, float *params, int layers, uint64_t seed);

#endif
