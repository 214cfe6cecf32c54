/*
 * bpe_train.c — lw_bpe_train: learn a byte-level BPE tokenizer from text
 * files (include/lowwatt/bpe.h).
 *
 * Three stages:
 *   1. count: each file is read whole and split into documents at
 *      "<|endoftext|>" lines (which are not text); each document is split
 *      into pieces by GPT-2's pre-tokenizer (pretok.h), and the distinct
 *      pieces are counted in a hash table whose keys live in one byte arena
 *      (no allocation per piece);
 *   2. learn: the counted pieces go to the incremental learner
 *      (bpe_train_learn.h, which states the counting, tie and stopping
 *      rules: highest count, then smaller left id, then smaller right id;
 *      stop when no pair occurs twice);
 *   3. build: lw_bpe_from_merges makes the tokenizer, bytes then merges then
 *      the specials, so merges never produce a special.
 *
 * stats->input_bytes counts the bytes of the documents, that is the files
 * without their separator lines.
 */
#include <stdlib.h>
#include <string.h>

#include "lowwatt/bpe.h"
#include "lowwatt/document.h"
#include "text/bpe_internal.h"
#include "text/bpe_train_learn.h"
#include "text/pretok.h"
#include "util/alloc.h"
#include "util/file.h"

/* ------------------------------------------------------------ piece table */

/* Distinct pieces in order of first sight: piece i is
 * arena.data[off[i] .. off[i+1]), seen counts[i] times. */
typedef struct piece_table {
	lw_buf arena;
	size_t *off;        /* n + 1 entries; off[n] == arena.len */
	uint64_t *counts;
	uint64_t *hashes;   /* each piece's hash, for probing and growing */
	size_t n, off_cap, counts_cap, hashes_cap;
	size_t *slots;      /* piece index + 1, 0 for empty; half full at most */
	size_t slots_cap;   /* a power of two */
	uint64_t total;     /* pieces added, with repeats */
} piece_table;

static void table_put_slot(piece_table *t, size_t piece)
{
	size_t mask = t->slots_cap - 1, i = t->hashes[piece] & mask;
	while (t->slots[i])
		i = (i + 1) & mask;
	t->slots[i] = piece + 1;
}

static void table_grow(piece_table *t)
{
	free(t->slots);
	t->slots_cap = t->slots_cap ? 2 * t->slots_cap : 4096;
	t->slots = lw_xcalloc(t->slots_cap, sizeof *t->slots, "BPE piece table");
	for (size_t i = 0; i < t->n; i++)
		table_put_slot(t, i);
}

static void table_init(piece_table *t)
{
	*t = (piece_table){0};
	t->off = lw_xgrow(NULL, &t->off_cap, 1, sizeof *t->off, "BPE piece offsets");
	t->off[0] = 0;
	table_grow(t);
}

static void table_free(piece_table *t)
{
	lw_buf_free(&t->arena);
	free(t->off);
	free(t->counts);
	free(t->hashes);
	free(t->slots);
}

static lw_status table_add(const uint8_t *piece, size_t n, void *ctx)
{
	piece_table *t = ctx;
	uint64_t h = bpe_bytes_hash(piece, n);
	size_t mask = t->slots_cap - 1, i = h & mask;
	t->total++;
	for (; t->slots[i]; i = (i + 1) & mask) {
		size_t k = t->slots[i] - 1;
		if (t->hashes[k] == h && t->off[k + 1] - t->off[k] == n &&
		    memcmp(t->arena.data + t->off[k], piece, n) == 0) {
			t->counts[k]++;
			return LW_OK;
		}
	}
	size_t k = t->n++;
	lw_buf_append(&t->arena, piece, n);
	t->off = lw_xgrow(t->off, &t->off_cap, t->n + 1, sizeof *t->off, "BPE piece offsets");
	t->counts = lw_xgrow(t->counts, &t->counts_cap, t->n, sizeof *t->counts, "BPE piece counts");
	t->hashes = lw_xgrow(t->hashes, &t->hashes_cap, t->n, sizeof *t->hashes, "BPE piece hashes");
	t->off[k + 1] = t->arena.len;
	t->counts[k] = 1;
	t->hashes[k] = h;
	if (2 * t->n > t->slots_cap)
		table_grow(t);
	else
		t->slots[i] = k + 1;
	return LW_OK;
}

/* ------------------------------------------------------------ counting */

/* Count the pieces of every document of path into t. */
static lw_status count_file(const char *path, lw_pretok *pt, piece_table *t, uint64_t *bytes,
			    lw_err *err)
{
	lw_buf text = {0};
	lw_status st = lw_file_read_all(path, &text, err); /* names the file */
	size_t pos = 0;
	lw_span doc;
	while (st == LW_OK && lw_doc_next(text.data, text.len, &pos, &doc)) {
		*bytes += doc.n;
		st = lw_pretok_split(pt, doc.p, doc.n, table_add, t, err);
		if (st)
			lw_err_prefix(err, path);
	}
	lw_buf_free(&text);
	return st;
}

/* "no text to train on in a.txt, b.txt" */
static lw_status no_text(const char *const *paths, int n_paths, lw_err *err)
{
	lw_buf names = {0};
	for (int i = 0; i < n_paths; i++) {
		if (i)
			lw_buf_puts(&names, ", ");
		lw_buf_puts(&names, paths[i]);
	}
	lw_buf_putc(&names, 0);
	lw_status st = lw_err_set(err, LW_ERR_ARG, "no text to train on in %s", (char *)names.data);
	lw_buf_free(&names);
	return st;
}

/* ------------------------------------------------------------ API */

lw_status lw_bpe_train(const char *const *paths, int n_paths, int vocab_size,
		       lw_bpe **out, lw_bpe_train_stats *stats, lw_err *err)
{
	lw_bpe_train_stats s = {0};
	lw_bpe_pair *merges = NULL;
	lw_pretok *pt = NULL;
	piece_table t;
	table_init(&t);
	lw_status st;
	*out = NULL;
	if (vocab_size < LW_BPE_MIN_VOCAB) {
		st = lw_err_set(err, LW_ERR_ARG,
				"vocabulary size %d is too small: need at least %d "
				"(256 bytes + %d special tokens)",
				vocab_size, LW_BPE_MIN_VOCAB, LW_SPECIAL_COUNT);
		goto cleanup;
	}
	if (vocab_size > BPE_MAX_VOCAB) {
		st = lw_err_set(err, LW_ERR_ARG, "vocabulary size %d is too large: at most %d",
				vocab_size, BPE_MAX_VOCAB);
		goto cleanup;
	}
	if (n_paths < 1) {
		st = lw_err_set(err, LW_ERR_ARG, "no input files to train on");
		goto cleanup;
	}
	if ((st = lw_pretok_new(&pt, err)))
		goto cleanup;
	for (int i = 0; i < n_paths; i++)
		if ((st = count_file(paths[i], pt, &t, &s.input_bytes, err)))
			goto cleanup;
	s.pieces = t.total;
	s.unique_pieces = t.n;
	if (t.total == 0) {
		st = no_text(paths, n_paths, err);
		goto cleanup;
	}
	lw_bpe_words words = {t.arena.data, t.off, t.counts, t.n};
	if ((st = lw_bpe_learn(&words, vocab_size - LW_BPE_MIN_VOCAB, &merges, &s.merges, err)))
		goto cleanup;
	if ((st = lw_bpe_from_merges(merges, s.merges, out, err)))
		goto cleanup;
	s.vocab_size = LW_BPE_MIN_VOCAB + s.merges;
cleanup:
	if (stats)
		*stats = s;
	free(merges);
	lw_pretok_free(pt);
	table_free(&t);
	return st;
}
