/*
 * bpe_internal.h — what the BPE trainer (bpe_train.c) and the tokenizer
 * proper (bpe.c) share, and nothing else does.
 */
#ifndef LW_TEXT_BPE_INTERNAL_H
#define LW_TEXT_BPE_INTERNAL_H

#include <stdint.h>

#include "lowwatt/bpe.h"

/* One merge: the ids of the left and right tokens it joins. */
typedef struct lw_bpe_pair {
	int32_t left, right;
} lw_bpe_pair;

/* Build a tokenizer in the trained layout (bpe.h): ids 0..255 are the bytes,
 * id 256 + k is the token made by merges[k] (whose parts have smaller ids),
 * then the LW_SPECIAL_COUNT specials. */
lw_status lw_bpe_from_merges(const lw_bpe_pair *merges, int32_t n_merges, lw_bpe **out,
			     lw_err *err);

#endif
