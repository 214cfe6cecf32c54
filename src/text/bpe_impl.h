/*
 * bpe_impl.h — what the tokenizer's own files share: the layout of struct
 * lw_bpe and the one validating constructor every loader goes through.
 *
 *   bpe.c         building and validating (bpe_build), accessors, decoding,
 *                 the canonical body that the checksum and .lwtok files use
 *   bpe_encode.c  encoding: pre-tokenizer pieces, merge loops, the cache
 *   bpe_file.c    the .lwtok file format: save and load
 *   bpe_gpt2.c    GPT-2's encoder.json + vocab.bpe, and lw_bpe_load
 *
 * Every way of making an lw_bpe (a .lwtok file, GPT-2's files, the trainer's
 * merge list) fills a bpe_draft and hands it to bpe_build, so the rules of a
 * well-formed tokenizer live in one place (bpe_build's comment).
 */
#ifndef LW_TEXT_BPE_IMPL_H
#define LW_TEXT_BPE_IMPL_H

#include <stdint.h>

#include "lowwatt/bpe.h"
#include "text/bpe_internal.h"
#include "text/pretok.h"

/* With BPE_MAX_VOCAB (bpe_internal.h), the limits that keep every size in
 * 32 bits and every allocation sane. */
#define BPE_MAX_TOKEN_BYTES (1u << 30) /* all token strings together */

/* One merge in rank order: left and right join into result. */
typedef struct bpe_merge {
	int32_t left, right, result;
} bpe_merge;

/* One slot of the pair table: key is (left << 32 | right), val is
 * (rank << 32 | result). Empty slots have key BPE_PAIR_EMPTY. */
typedef struct bpe_pair_slot {
	uint64_t key;
	uint64_t val;
} bpe_pair_slot;

#define BPE_PAIR_EMPTY UINT64_MAX
#define BPE_NO_PAIR UINT64_MAX /* pair_val of a pair that never merges */

typedef struct bpe_cache bpe_cache; /* bpe_encode.c */

struct lw_bpe {
	int32_t vocab;                    /* V, specials included */
	int32_t n_merges;                 /* M = V - 256 - LW_SPECIAL_COUNT */
	int32_t special[LW_SPECIAL_COUNT];
	uint32_t *tok_off;                /* V + 1 offsets into tok_bytes */
	uint8_t *tok_bytes;               /* every token's bytes; specials: names */
	bpe_merge *merges;                /* M, in rank order */
	int32_t byte_id[256];             /* the token of each single byte */
	bpe_pair_slot *pairs;             /* pair table, a power of two of slots */
	uint64_t pair_mask;
	uint32_t checksum;                /* CRC-32 of the canonical body */
	/* Encoder state, made on first use (hence encode is not thread-safe). */
	bpe_cache *cache;
	lw_pretok *pretok;
};

/* A tokenizer before validation. bpe_build owns the arrays from the call on,
 * whatever it returns. */
typedef struct bpe_draft {
	int32_t vocab, n_merges;
	int32_t special[LW_SPECIAL_COUNT];
	uint32_t *tok_off;    /* vocab + 1 offsets */
	uint8_t *tok_bytes;
	bpe_merge *merges;    /* n_merges */
	/* For messages: the names of what held the tokens and the merges, and
	 * the line of merge 0 (0: say "merge K" instead of "line L"). */
	const char *tok_name;
	const char *merge_name;
	int merge_line0;
} bpe_draft;

lw_status bpe_build(bpe_draft *d, lw_bpe **out, lw_err *err);

/* The canonical serialization of the vocabulary and merges (the body of a
 * .lwtok file, documented in bpe_file.c), appended to out. */
void bpe_write_body(const lw_bpe *bpe, lw_buf *out);

/* Free the encoder state (bpe_encode.c). */
void bpe_cache_free(bpe_cache *cache);

static inline uint64_t bpe_pair_hash(uint64_t key)
{
	key *= 0x9E3779B97F4A7C15ull;
	return key ^ (key >> 29);
}

/* (rank << 32 | result) of merging left and right, or BPE_NO_PAIR. */
static inline uint64_t bpe_pair_get(const lw_bpe *bpe, int32_t left, int32_t right)
{
	uint64_t key = (uint64_t)(uint32_t)left << 32 | (uint32_t)right;
	uint64_t i = bpe_pair_hash(key) & bpe->pair_mask;
	for (;;) {
		const bpe_pair_slot *s = &bpe->pairs[i];
		if (s->key == key)
			return s->val;
		if (s->key == BPE_PAIR_EMPTY)
			return BPE_NO_PAIR;
		i = (i + 1) & bpe->pair_mask;
	}
}

#endif
