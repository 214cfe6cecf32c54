/*
 * bpe_train_learn.h — the learning core of the BPE trainer: from counted
 * words to a merge list, with no files, pre-tokenizer or tokenizer involved
 * (so that tests can compare it with a naive reference directly).
 *
 * The rules, which a naive "recount everything, pick the best" loop
 * reproduces exactly:
 *
 *   Words. Each distinct word starts as its bytes (ids 0..255). Merge k
 *   joins every occurrence of its pair (left, right) into the new id 256 + k,
 *   scanning each word left to right without overlap.
 *
 *   Counting. A pair's count is the sum over distinct words of
 *   (word count) x (the number of joins merging that pair would make in the
 *   word). For left != right that is the number of adjacent occurrences. For
 *   a run of L equal tokens x, (x, x) counts floor(L / 2): "aa" 1, "aaa" 1
 *   ("aaa" -> "Za"), "aaaa" 2 ("ZZ"), "aaaaa" 2 ("ZZa"). In a token sequence
 *   this is: walk the adjacent pairs left to right, counting each, except
 *   that a pair (x, x) directly after a counted (x, x) is not counted (it
 *   overlaps it); the pair after that is counted again.
 *
 *   Choice. Each step merges the pair with the highest count; among equal
 *   counts the smaller left id, then the smaller right id, wins.
 *
 *   Stopping. After max_merges merges, or as soon as no pair counts 2 or
 *   more (a merge seen once saves nothing worth a vocabulary entry).
 */
#ifndef LW_TEXT_BPE_TRAIN_LEARN_H
#define LW_TEXT_BPE_TRAIN_LEARN_H

#include <stddef.h>
#include <stdint.h>

#include "lowwatt/status.h"
#include "text/bpe_internal.h"

/* Distinct words with their counts. Word i is bytes[off[i] .. off[i+1]). */
typedef struct lw_bpe_words {
	const uint8_t *bytes;   /* all words' bytes, one after another */
	const size_t *off;      /* n + 1 offsets into bytes, non-decreasing */
	const uint64_t *counts; /* how often each word occurs (0 is allowed) */
	size_t n;
} lw_bpe_words;

/* Learn at most max_merges (>= 0) merges from words. On success *merges is
 * a new array (free it) of *n_merges merges in the order learned. Fails
 * (LW_ERR_ARG) only for inputs too large for its 32-bit indices. */
lw_status lw_bpe_learn(const lw_bpe_words *words, int32_t max_merges, lw_bpe_pair **merges,
		       int32_t *n_merges, lw_err *err);

#endif
