/*
 * bpe_train_heap.h — the BPE trainer's priority queue of candidate pairs.
 *
 * A binary max-heap of (count, left, right) entries ordered by the trainer's
 * choice rule: higher count first, then smaller left id, then smaller right
 * id. The learner pushes a new entry whenever a pair's count changes and
 * never updates or removes entries in place; an entry whose count no longer
 * equals its pair's count is stale and is skipped when it reaches the top
 * (lazy invalidation). The heap knows nothing about staleness itself.
 */
#ifndef LW_TEXT_BPE_TRAIN_HEAP_H
#define LW_TEXT_BPE_TRAIN_HEAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct lw_bpe_heap_entry {
	int64_t count;       /* the pair's count when the entry was pushed */
	int32_t left, right; /* the pair's token ids */
	uint32_t pair;       /* the learner's index of the pair */
} lw_bpe_heap_entry;

typedef struct lw_bpe_heap {
	lw_bpe_heap_entry *e;
	size_t len, cap;
} lw_bpe_heap;

void lw_bpe_heap_push(lw_bpe_heap *h, lw_bpe_heap_entry x);

/* Remove the best entry into *out; returns 0 if the heap is empty. */
int lw_bpe_heap_pop(lw_bpe_heap *h, lw_bpe_heap_entry *out);

void lw_bpe_heap_free(lw_bpe_heap *h);

#endif
