/*
 * bpe_internal.h — what the BPE trainer (bpe_train.c) and the tokenizer
 * proper (bpe.c) share, and nothing else does.
 */
#ifndef LW_TEXT_BPE_INTERNAL_H
#define LW_TEXT_BPE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "lowwatt/bpe.h"

/* The largest vocabulary (specials included): it keeps every size in 32
 * bits and every allocation sane. */
#define BPE_MAX_VOCAB (1 << 24)

/* One merge: the ids of the left and right tokens it joins. */
typedef struct lw_bpe_pair {
	int32_t left, right;
} lw_bpe_pair;

/* Build a tokenizer in the trained layout (bpe.h): ids 0..255 are the bytes,
 * id 256 + k is the token made by merges[k] (whose parts have smaller ids),
 * then the LW_SPECIAL_COUNT specials. */
lw_status lw_bpe_from_merges(const lw_bpe_pair *merges, int32_t n_merges, lw_bpe **out,
			     lw_err *err);

/* FNV-1a over p[0..n), its high half folded into the low one so that the
 * low bits (what a power-of-two table keeps) mix every input bit. */
static inline uint64_t bpe_bytes_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0xCBF29CE484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001B3ull;
	return h ^ (h >> 32);
}

#endif
