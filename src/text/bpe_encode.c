/*
 * bpe_encode.c — text to token ids: GPT-2's pre-tokenizer splits the text
 * into pieces, and each piece's byte tokens are merged, lowest merge rank
 * first and leftmost among equals, until no adjacent pair has a merge.
 *
 * That is GPT-2's own algorithm: bpe_build guarantees that a merge's parts
 * exist before it, so merging one pair at a time gives what GPT-2 gets by
 * merging every occurrence of the best pair at once.
 *
 * Speed comes from three things:
 *   - a cache from piece bytes to ids: natural text repeats its words, and
 *     most pieces are found there with one hash and one comparison of
 *     their first 8 bytes (and of the rest, for longer ones). It is an
 *     open-addressing table with its keys and ids in two arenas, emptied
 *     when it holds CACHE_MAX_ENTRIES pieces, CACHE_MAX_BYTES of keys or
 *     CACHE_MAX_IDS ids, so its memory is bounded (3 MiB of slots, 4 MiB of
 *     keys, 4 MiB of ids) whatever the input. It is why encoding mutates
 *     the lw_bpe and must not run on one lw_bpe from two threads at once.
 *   - short pieces (nearly all) merge in two small arrays on the stack:
 *     symbols and the (rank, result) of each adjacent pair; each step scans
 *     for the minimum and closes the gap. Quadratic, but n is tiny.
 *   - long pieces (a run of spaces, a very long "word") use a doubly linked
 *     list and a binary heap of (rank, position), O(n log n), so hostile
 *     input cannot make encoding quadratic.
 * No allocation happens per piece: the arenas and scratch arrays grow and
 * are kept.
 */
#include "text/bpe_impl.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

/* ------------------------------------------------------------ types */

#define SHORT_PIECE 48               /* quadratic merge up to this length */
#define CACHE_KEY_MAX 256            /* longer pieces are not cached */
#define CACHE_SLOTS (1u << 17)
#define CACHE_MAX_ENTRIES (1u << 16) /* at most half the slots in use */
#define CACHE_MAX_BYTES (4u << 20)   /* of keys (bytes past the first 8) */
#define CACHE_MAX_IDS (1u << 20)     /* of ids (of pieces of several tokens) */

/* Most pieces are at most 8 bytes and one token: their slot alone answers,
 * without touching the arenas. */
typedef struct cache_slot {
	uint64_t head;     /* the first (up to) 8 bytes of the piece, zero-padded */
	uint32_t hash;
	uint16_t key_len;  /* 0: an empty slot (pieces are never empty) */
	uint16_t n_ids;
	uint32_t key_off;  /* the bytes after the first 8, in keys */
	uint32_t ids;      /* n_ids == 1: the id itself; else an offset in ids */
} cache_slot;

struct bpe_cache {
	cache_slot *slots; /* CACHE_SLOTS */
	uint32_t count;
	uint8_t *keys;
	size_t keys_len, keys_cap;
	int32_t *ids;
	size_t ids_len, ids_cap;
	/* Scratch for pieces: symbols, and for long ones the list and heap. */
	int32_t *sym, *prev, *next;
	uint64_t *heap;
	size_t scratch_cap;
};

typedef struct encode_ctx {
	lw_bpe *bpe;
	lw_tokens *out;
	lw_err *err;
} encode_ctx;

/* ------------------------------------------------------------ cache */

static bpe_cache *cache_new(void)
{
	bpe_cache *c = lw_xcalloc(1, sizeof *c, "encoding cache");
	c->slots = lw_xcalloc(CACHE_SLOTS, sizeof *c->slots, "encoding cache slots");
	return c;
}

void bpe_cache_free(bpe_cache *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c->keys);
	free(c->ids);
	free(c->sym);
	free(c->prev);
	free(c->next);
	free(c->heap);
	free(c);
}

static void cache_reset(bpe_cache *c)
{
	memset(c->slots, 0, CACHE_SLOTS * sizeof *c->slots);
	c->count = 0;
	c->keys_len = 0;
	c->ids_len = 0;
}

/* The first min(n, 8) bytes of p as a little-endian word, zero-padded,
 * reading no byte past p[n - 1]. (Overlapping loads put equal bytes in the
 * same places, so OR-ing them is exact.) */
static inline uint64_t load_head(const uint8_t *p, size_t n)
{
	uint64_t w;
	if (n >= 8) {
		memcpy(&w, p, 8);
		return w;
	}
	if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		return a | (uint64_t)b << (8 * (n - 4));
	}
	return p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) | (uint64_t)p[n - 1] << (8 * (n - 1));
}

/* A 32-bit hash of a piece, from the high bits of 64-bit multiplies (their
 * low bits mix poorly). */
static inline uint32_t piece_hash(uint64_t head, const uint8_t *p, size_t n)
{
	uint64_t h = (head ^ (n * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
	for (size_t i = 8; i < n; i += 8) {
		h ^= h >> 31;
		h = (h ^ load_head(p + i, n - i < 8 ? n - i : 8)) * 0x94D049BB133111EBull;
	}
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ull;
	return (uint32_t)(h >> 32);
}

/* a[0..n) == b[0..n), inlined: keys are short and a libc call costs more
 * than the comparison. */
static inline int same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (; n >= 8; a += 8, b += 8, n -= 8) {
		uint64_t x, y;
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* ------------------------------------------------------------ merging */

/* Merge a short piece (2 <= n <= SHORT_PIECE) into sym; returns the count.
 * pv[i] is the (rank << 32 | result) of the pair sym[i], sym[i + 1]. */
static size_t merge_short(const lw_bpe *bpe, const uint8_t *p, size_t n, int32_t *sym)
{
	uint64_t pv[SHORT_PIECE];
	for (size_t i = 0; i < n; i++)
		sym[i] = bpe->byte_id[p[i]];
	for (size_t i = 0; i + 1 < n; i++)
		pv[i] = bpe_pair_get(bpe, sym[i], sym[i + 1]);
	size_t len = n;
	while (len > 1) {
		size_t best = 0;
		uint64_t bv = pv[0];
		for (size_t i = 1; i + 1 < len; i++) {
			if (pv[i] < bv) { /* strict: the leftmost of equal pairs */
				bv = pv[i];
				best = i;
			}
		}
		if (bv == BPE_NO_PAIR)
			break;
		/* sym[best] and sym[best + 1] become one symbol. */
		sym[best] = (int32_t)(uint32_t)bv;
		len--;
		memmove(sym + best + 1, sym + best + 2, (len - best - 1) * sizeof *sym);
		if (best + 2 < len)
			memmove(pv + best + 1, pv + best + 2, (len - best - 2) * sizeof *pv);
		if (best + 1 < len)
			pv[best] = bpe_pair_get(bpe, sym[best], sym[best + 1]);
		if (best > 0)
			pv[best - 1] = bpe_pair_get(bpe, sym[best - 1], sym[best]);
	}
	return len;
}

static void heap_push(uint64_t *heap, size_t *n, uint64_t v)
{
	size_t i = (*n)++;
	while (i > 0 && heap[(i - 1) / 2] > v) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = v;
}

static uint64_t heap_pop(uint64_t *heap, size_t *n)
{
	uint64_t top = heap[0], v = heap[--*n];
	size_t i = 0, m = *n;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= m)
			break;
		if (c + 1 < m && heap[c + 1] < heap[c])
			c++;
		if (heap[c] >= v)
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (m)
		heap[i] = v;
	return top;
}

/* Room for a long piece of n bytes, 36 bytes per byte. The size comes from
 * the input, so running out of memory is an error (0), not an abort. */
static int grow_scratch(bpe_cache *c, size_t n)
{
	if (n <= c->scratch_cap)
		return 1;
	size_t cap = c->scratch_cap ? c->scratch_cap : 256;
	while (cap < n)
		cap *= 2;
	free(c->sym);
	free(c->prev);
	free(c->next);
	free(c->heap);
	c->sym = malloc(cap * sizeof *c->sym);
	c->prev = malloc(cap * sizeof *c->prev);
	c->next = malloc(cap * sizeof *c->next);
	/* Each merge pushes at most two pairs: n - 1 + 2 (n - 1) entries. */
	c->heap = malloc(3 * cap * sizeof *c->heap);
	c->scratch_cap = cap;
	if (c->sym && c->prev && c->next && c->heap)
		return 1;
	free(c->sym);
	free(c->prev);
	free(c->next);
	free(c->heap);
	c->sym = c->prev = c->next = NULL;
	c->heap = NULL;
	c->scratch_cap = 0;
	return 0;
}

/* Push the pair starting at node i, if it merges. Heap entries are
 * (rank << 32 | position): the lowest rank first, then the leftmost. */
static void push_pair(const lw_bpe *bpe, const bpe_cache *c, size_t *hn, int32_t i)
{
	if (i < 0 || c->next[i] < 0)
		return;
	int32_t j = c->next[i];
	uint64_t v = bpe_pair_get(bpe, c->sym[i], c->sym[j]);
	if (v != BPE_NO_PAIR)
		heap_push(c->heap, hn, (v >> 32) << 32 | (uint32_t)i);
}

/* Merge a piece of any length into c->sym (with room for n); returns the
 * count. next/prev are -1 at the ends; a removed node has sym -1. */
static size_t merge_long(const lw_bpe *bpe, bpe_cache *c, const uint8_t *p, size_t n)
{
	int32_t *sym = c->sym, *prev = c->prev, *next = c->next;
	for (size_t i = 0; i < n; i++) {
		sym[i] = bpe->byte_id[p[i]];
		prev[i] = (int32_t)i - 1;
		next[i] = i + 1 < n ? (int32_t)i + 1 : -1;
	}
	size_t hn = 0;
	for (size_t i = 0; i + 1 < n; i++)
		push_pair(bpe, c, &hn, (int32_t)i);
	while (hn > 0) {
		uint64_t top = heap_pop(c->heap, &hn);
		int32_t i = (int32_t)(uint32_t)top, j = next[i];
		if (sym[i] < 0 || j < 0)
			continue;
		/* Stale if the pair at i changed since: ranks name pairs. */
		uint64_t v = bpe_pair_get(bpe, sym[i], sym[j]);
		if (v == BPE_NO_PAIR || v >> 32 != top >> 32)
			continue;
		sym[i] = (int32_t)(uint32_t)v;
		sym[j] = -1;
		next[i] = next[j];
		if (next[j] >= 0)
			prev[next[j]] = i;
		push_pair(bpe, c, &hn, prev[i]);
		push_pair(bpe, c, &hn, i);
	}
	size_t len = 0;
	for (int32_t i = 0; i >= 0; i = next[i])
		sym[len++] = sym[i];
	return len;
}

/* ------------------------------------------------------------ pieces */

static inline void emit(lw_tokens *out, const int32_t *ids, size_t n)
{
	if (out->cap - out->len < n)
		out->ids = lw_xgrow(out->ids, &out->cap, out->len + n, sizeof *out->ids, "token ids");
	int32_t *dst = out->ids + out->len;
	for (size_t i = 0; i < n; i++)
		dst[i] = ids[i];
	out->len += n;
}

/* Merge a piece of n >= 2 bytes into *k ids at *ids (stack_sym or the
 * scratch). */
static lw_status merge_piece(const encode_ctx *ctx, const uint8_t *p, size_t n,
			     int32_t *stack_sym, const int32_t **ids, size_t *k)
{
	bpe_cache *c = ctx->bpe->cache;
	if (n <= SHORT_PIECE) {
		*ids = stack_sym;
		*k = merge_short(ctx->bpe, p, n, stack_sym);
		return LW_OK;
	}
	if (n > INT32_MAX) /* positions in merge_long are 32-bit */
		return lw_err_set(ctx->err, LW_ERR_ARG, "encode: a piece of %zu bytes (one word or run of spaces) is too long",
				  n);
	if (!grow_scratch(c, n))
		return lw_err_set(ctx->err, LW_ERR_NOMEM, "encode: out of memory for a piece of %zu bytes (one word or run of spaces)",
				  n);
	*ids = c->sym;
	*k = merge_long(ctx->bpe, c, p, n);
	return LW_OK;
}

static void cache_add(bpe_cache *c, cache_slot *slot, uint64_t head, uint32_t h,
		      const uint8_t *p, size_t n, const int32_t *ids, size_t k)
{
	*slot = (cache_slot){head, h, (uint16_t)n, (uint16_t)k, (uint32_t)c->keys_len, (uint32_t)ids[0]};
	if (n > 8) {
		c->keys = lw_xgrow(c->keys, &c->keys_cap, c->keys_len + n - 8, 1, "encoding cache keys");
		memcpy(c->keys + c->keys_len, p + 8, n - 8);
		c->keys_len += n - 8;
	}
	if (k > 1) {
		c->ids = lw_xgrow(c->ids, &c->ids_cap, c->ids_len + k, sizeof *c->ids, "encoding cache ids");
		memcpy(c->ids + c->ids_len, ids, k * sizeof *ids);
		slot->ids = (uint32_t)c->ids_len;
		c->ids_len += k;
	}
	c->count++;
}

static lw_status encode_piece(const uint8_t *p, size_t n, void *vctx)
{
	encode_ctx *ctx = vctx;
	lw_bpe *bpe = ctx->bpe;
	bpe_cache *c = bpe->cache;
	if (n == 1) {
		emit(ctx->out, &bpe->byte_id[p[0]], 1);
		return LW_OK;
	}
	int32_t stack_sym[SHORT_PIECE];
	const int32_t *ids;
	size_t k;
	lw_status st;
	if (n > CACHE_KEY_MAX) {
		if ((st = merge_piece(ctx, p, n, stack_sym, &ids, &k)) == LW_OK)
			emit(ctx->out, ids, k);
		return st;
	}
	if (c->count >= CACHE_MAX_ENTRIES || c->keys_len + n > CACHE_MAX_BYTES ||
	    c->ids_len + n > CACHE_MAX_IDS)
		cache_reset(c);
	uint64_t head = load_head(p, n);
	uint32_t h = piece_hash(head, p, n);
	for (uint32_t i = h & (CACHE_SLOTS - 1);; i = (i + 1) & (CACHE_SLOTS - 1)) {
		cache_slot *s = &c->slots[i];
		if (s->key_len == 0) {
			if ((st = merge_piece(ctx, p, n, stack_sym, &ids, &k)) != LW_OK)
				return st;
			cache_add(c, s, head, h, p, n, ids, k);
			emit(ctx->out, ids, k);
			return LW_OK;
		}
		if (s->head == head && s->hash == h && s->key_len == n &&
		    (n <= 8 || same_bytes(c->keys + s->key_off, p + 8, n - 8))) {
			if (s->n_ids == 1)
				emit(ctx->out, (const int32_t *)&s->ids, 1);
			else
				emit(ctx->out, c->ids + s->ids, s->n_ids);
			return LW_OK;
		}
	}
}

/* ------------------------------------------------------------ API */

lw_status lw_bpe_encode(lw_bpe *bpe, const uint8_t *text, size_t n, lw_tokens *out, lw_err *err)
{
	if (n == 0)
		return LW_OK;
	if (!bpe->pretok) {
		lw_status st = lw_pretok_new(&bpe->pretok, err);
		if (st != LW_OK)
			return st;
	}
	if (!bpe->cache)
		bpe->cache = cache_new();
	encode_ctx ctx = {bpe, out, err};
	return lw_pretok_split(bpe->pretok, text, n, encode_piece, &ctx, err);
}
