/*
 * bpe_train_learn.c — incremental BPE learning (the rules are in
 * bpe_train_learn.h).
 *
 * A naive trainer recounts every pair of every word after each merge, which
 * costs (merges x corpus). This one keeps, per pair, its count and a list of
 * the words it occurs in. Merging (a, b) -> z visits only the words on
 * (a, b)'s list; in each it subtracts the pair counts of the old word,
 * applies the merge, and adds the pair counts of the new word. The pairs
 * whose counts changed are pushed onto a max-heap (bpe_train_heap.h) with
 * their new counts; entries whose counts are out of date are skipped when
 * they come to the top.
 *
 * Word lists are never pruned: a listed word may no longer hold the pair
 * (a merge took one of its tokens), and a word may be listed twice (the pair
 * left the word and came back elsewhere in it). A merge therefore checks
 * that each listed word holds the pair before visiting it; the first visit
 * joins every occurrence, so a second listing finds none. Recounting a whole
 * visited word, rather than only the neighbourhoods of its joins, keeps the
 * run rule for (x, x) exact with no special cases; words are short, and
 * every visit makes at least one join, so the total work stays about
 * linear in the distinct text.
 *
 * A merged pair never comes back: after merging (a, b) no word holds a next
 * to b, and later merges only create adjacencies that involve their own new
 * id. So the pair's count stays 0 and its remaining heap entries are stale.
 */
#include "text/bpe_train_learn.h"

#include <stdlib.h>

#include "text/bpe_train_heap.h"
#include "util/alloc.h"
#include "util/rng.h"

#define NONE UINT32_MAX

/* ------------------------------------------------------------ types */

typedef struct pair_rec {
	int32_t left, right;
	int64_t count;        /* weighted count, by the rule of the header */
	int64_t count_before; /* count when the current merge first touched it */
	uint32_t head;        /* first node of its word list, NONE if empty */
	uint32_t touched_in;  /* stamp of the merge that last touched it */
	uint64_t seen_in;     /* stamp of the last word visit that saw it */
} pair_rec;

typedef struct word_rec {
	uint32_t start, len; /* its tokens are ids[start .. start + len) */
	int64_t count;
} word_rec;

typedef struct list_node {
	uint32_t word, next;
} list_node;

typedef struct learner {
	int32_t *ids;           /* every word's tokens; words shrink in place */
	word_rec *words;
	pair_rec *pairs;
	size_t n_pairs, pairs_cap;
	uint64_t *slot_keys;    /* pair map: open addressing, linear probing */
	uint32_t *slot_pairs;   /* pair index, NONE for an empty slot */
	size_t slots_cap;       /* a power of two, at most half full */
	list_node *nodes;       /* all word lists, linked through next */
	size_t n_nodes, nodes_cap;
	uint32_t *touched;      /* pairs touched by the current merge */
	size_t n_touched, touched_cap;
	lw_bpe_heap heap;
	uint32_t merge_stamp;   /* merges done so far; 0 while building */
	uint64_t visit_stamp;   /* word visits so far */
} learner;

/* ------------------------------------------------------------ pair map */

static uint64_t pair_key(int32_t left, int32_t right)
{
	return (uint64_t)(uint32_t)left << 32 | (uint32_t)right;
}

static void map_put(learner *L, uint64_t key, uint32_t pair)
{
	size_t mask = L->slots_cap - 1, i = lw_mix64(key) & mask;
	while (L->slot_pairs[i] != NONE)
		i = (i + 1) & mask;
	L->slot_keys[i] = key;
	L->slot_pairs[i] = pair;
}

static void map_grow(learner *L)
{
	free(L->slot_keys);
	free(L->slot_pairs);
	L->slots_cap = L->slots_cap ? 2 * L->slots_cap : 1024;
	L->slot_keys = lw_xmalloc(L->slots_cap * sizeof *L->slot_keys, "BPE pair map");
	L->slot_pairs = lw_xmalloc(L->slots_cap * sizeof *L->slot_pairs, "BPE pair map");
	for (size_t i = 0; i < L->slots_cap; i++)
		L->slot_pairs[i] = NONE;
	for (size_t p = 0; p < L->n_pairs; p++)
		map_put(L, pair_key(L->pairs[p].left, L->pairs[p].right), (uint32_t)p);
}

/* The index of pair (left, right), created with count 0 if new. */
static uint32_t pair_find_or_add(learner *L, int32_t left, int32_t right)
{
	uint64_t key = pair_key(left, right);
	size_t mask = L->slots_cap - 1, i = lw_mix64(key) & mask;
	for (; L->slot_pairs[i] != NONE; i = (i + 1) & mask)
		if (L->slot_keys[i] == key)
			return L->slot_pairs[i];
	uint32_t p = (uint32_t)L->n_pairs++;
	L->pairs = lw_xgrow(L->pairs, &L->pairs_cap, L->n_pairs, sizeof *L->pairs, "BPE pairs");
	L->pairs[p] = (pair_rec){.left = left, .right = right, .head = NONE};
	if (2 * L->n_pairs > L->slots_cap)
		map_grow(L); /* re-inserts p too */
	else
		map_put(L, key, p);
	return p;
}

/* ------------------------------------------------------------ counting */

/* Remember p's count before the current merge changes it (once per merge;
 * a no-op while building, when merge_stamp is 0 like every new pair's). */
static void touch(learner *L, uint32_t p)
{
	pair_rec *pr = &L->pairs[p];
	if (pr->touched_in == L->merge_stamp)
		return;
	pr->touched_in = L->merge_stamp;
	pr->count_before = pr->count;
	L->touched = lw_xgrow(L->touched, &L->touched_cap, L->n_touched + 1,
			      sizeof *L->touched, "BPE touched pairs");
	L->touched[L->n_touched++] = p;
}

static void list_add(learner *L, uint32_t p, uint32_t w)
{
	L->nodes = lw_xgrow(L->nodes, &L->nodes_cap, L->n_nodes + 1, sizeof *L->nodes,
			    "BPE word lists");
	L->nodes[L->n_nodes] = (list_node){w, L->pairs[p].head};
	L->pairs[p].head = (uint32_t)L->n_nodes++;
}

/* Add sign x (word count) to the count of every pair occurrence of word w,
 * by the run rule of the header. Adding also puts w on the list of each
 * pair that the word did not hold before this visit (the subtraction of the
 * old word, earlier in the same visit, marked those it held). */
static void count_word(learner *L, uint32_t w, int sign)
{
	const word_rec *wd = &L->words[w];
	const int32_t *t = L->ids + wd->start;
	int overlap = 0; /* the previous pair was a counted (x, x) */
	for (uint32_t i = 0; i + 1 < wd->len; i++) {
		if (overlap && t[i] == t[i + 1]) {
			overlap = 0;
			continue;
		}
		overlap = t[i] == t[i + 1];
		uint32_t p = pair_find_or_add(L, t[i], t[i + 1]);
		touch(L, p);
		pair_rec *pr = &L->pairs[p];
		pr->count += sign * wd->count;
		if (pr->seen_in != L->visit_stamp) {
			pr->seen_in = L->visit_stamp;
			if (sign > 0)
				list_add(L, p, w);
		}
	}
}

/* ------------------------------------------------------------ merging */

static int word_has_pair(const int32_t *t, uint32_t n, int32_t a, int32_t b)
{
	for (uint32_t i = 0; i + 1 < n; i++)
		if (t[i] == a && t[i + 1] == b)
			return 1;
	return 0;
}

/* Join (a, b) -> z in t[0..n), left to right without overlap; the new length. */
static uint32_t word_merge(int32_t *t, uint32_t n, int32_t a, int32_t b, int32_t z)
{
	uint32_t i = 0, j = 0;
	while (i < n) {
		if (i + 1 < n && t[i] == a && t[i + 1] == b) {
			t[j++] = z;
			i += 2;
		} else {
			t[j++] = t[i++];
		}
	}
	return j;
}

static void visit_word(learner *L, uint32_t w, int32_t a, int32_t b, int32_t z)
{
	word_rec *wd = &L->words[w];
	if (!word_has_pair(L->ids + wd->start, wd->len, a, b))
		return; /* stale listing, or listed twice and already visited */
	L->visit_stamp++;
	count_word(L, w, -1);
	wd->len = word_merge(L->ids + wd->start, wd->len, a, b, z);
	count_word(L, w, +1);
}

static void push_pair(learner *L, uint32_t p)
{
	const pair_rec *pr = &L->pairs[p];
	lw_bpe_heap_push(&L->heap, (lw_bpe_heap_entry){pr->count, pr->left, pr->right, p});
}

/* Merge pair p into id z, then queue the pairs whose counts changed. */
static void apply_merge(learner *L, uint32_t p, int32_t z)
{
	int32_t a = L->pairs[p].left, b = L->pairs[p].right;
	L->n_touched = 0;
	/* No visit adds to p's own list (see the file header), so walking it
	 * while visiting is safe; nodes may move, hence indices. */
	for (uint32_t n = L->pairs[p].head; n != NONE; n = L->nodes[n].next)
		visit_word(L, L->nodes[n].word, a, b, z);
	for (size_t i = 0; i < L->n_touched; i++) {
		const pair_rec *pr = &L->pairs[L->touched[i]];
		if (pr->count != pr->count_before && pr->count >= 2)
			push_pair(L, L->touched[i]);
	}
}

/* ------------------------------------------------------------ API */

static void learner_build(learner *L, const lw_bpe_words *words)
{
	size_t total = words->off[words->n] - words->off[0];
	L->ids = lw_xmalloc(total * sizeof *L->ids, "BPE word tokens");
	L->words = lw_xcalloc(words->n, sizeof *L->words, "BPE words");
	map_grow(L);
	for (size_t w = 0; w < words->n; w++) {
		size_t start = words->off[w] - words->off[0], len = words->off[w + 1] - words->off[w];
		for (size_t i = 0; i < len; i++)
			L->ids[start + i] = words->bytes[words->off[w] + i];
		L->words[w] = (word_rec){(uint32_t)start, (uint32_t)len, (int64_t)words->counts[w]};
		if (words->counts[w] == 0)
			continue; /* no pairs to count, never visited */
		L->visit_stamp++;
		count_word(L, (uint32_t)w, +1);
	}
	for (size_t p = 0; p < L->n_pairs; p++)
		if (L->pairs[p].count >= 2)
			push_pair(L, (uint32_t)p);
}

static void learner_free(learner *L)
{
	free(L->ids);
	free(L->words);
	free(L->pairs);
	free(L->slot_keys);
	free(L->slot_pairs);
	free(L->nodes);
	free(L->touched);
	lw_bpe_heap_free(&L->heap);
}

lw_status lw_bpe_learn(const lw_bpe_words *words, int32_t max_merges, lw_bpe_pair **merges,
		       int32_t *n_merges, lw_err *err)
{
	*merges = NULL;
	*n_merges = 0;
	size_t total = words->off[words->n] - words->off[0];
	/* Word starts, word numbers and list nodes (at most three per byte:
	 * one per initial pair, two per join) must fit 32 bits. */
	if (total > (UINT32_MAX - 1) / 4 || words->n > UINT32_MAX - 1)
		return lw_err_set(err, LW_ERR_ARG,
				  "BPE training: %zu distinct words of %zu bytes are too many "
				  "(at most %u bytes of distinct words)",
				  words->n, total, (UINT32_MAX - 1) / 4);
	if (max_merges > INT32_MAX - 256 - LW_SPECIAL_COUNT)
		max_merges = INT32_MAX - 256 - LW_SPECIAL_COUNT;
	learner L = {0};
	learner_build(&L, words);
	lw_bpe_pair *out = NULL;
	size_t cap = 0;
	int32_t n = 0;
	lw_bpe_heap_entry e;
	while (n < max_merges && lw_bpe_heap_pop(&L.heap, &e)) {
		if (e.count != L.pairs[e.pair].count)
			continue; /* stale: the pair's count changed since */
		out = lw_xgrow(out, &cap, (size_t)n + 1, sizeof *out, "BPE merges");
		out[n] = (lw_bpe_pair){e.left, e.right};
		L.merge_stamp = (uint32_t)++n;
		apply_merge(&L, e.pair, 256 + n - 1);
	}
	learner_free(&L);
	*merges = out;
	*n_merges = n;
	return LW_OK;
}
