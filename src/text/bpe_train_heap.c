/*
 * bpe_train_heap.c — binary max-heap of candidate merge pairs (see
 * bpe_train_heap.h for the order and why entries go stale).
 */
#include "text/bpe_train_heap.h"

#include <stdlib.h>

#include "util/alloc.h"

/* 1 if x comes out of the heap before y: higher count, then smaller left,
 * then smaller right. Two entries of one pair with one count are equal. */
static int before(const lw_bpe_heap_entry *x, const lw_bpe_heap_entry *y)
{
	if (x->count != y->count)
		return x->count > y->count;
	if (x->left != y->left)
		return x->left < y->left;
	return x->right < y->right;
}

void lw_bpe_heap_push(lw_bpe_heap *h, lw_bpe_heap_entry x)
{
	h->e = lw_xgrow(h->e, &h->cap, h->len + 1, sizeof *h->e, "BPE pair heap");
	size_t i = h->len++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(&x, &h->e[parent]))
			break;
		h->e[i] = h->e[parent];
		i = parent;
	}
	h->e[i] = x;
}

int lw_bpe_heap_pop(lw_bpe_heap *h, lw_bpe_heap_entry *out)
{
	if (h->len == 0)
		return 0;
	*out = h->e[0];
	lw_bpe_heap_entry last = h->e[--h->len];
	size_t n = h->len, i = 0;
	/* Sift the last entry down from the root into the hole. */
	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= n)
			break;
		if (child + 1 < n && before(&h->e[child + 1], &h->e[child]))
			child++;
		if (!before(&h->e[child], &last))
			break;
		h->e[i] = h->e[child];
		i = child;
	}
	if (n > 0)
		h->e[i] = last;
	return 1;
}

void lw_bpe_heap_free(lw_bpe_heap *h)
{
	free(h->e);
	*h = (lw_bpe_heap){0};
}
