/*
 * bpe.c — the tokenizer's data: building and validating an lw_bpe from any
 * source (bpe_build), the trained layout (lw_bpe_from_merges), accessors,
 * decoding, and the canonical body behind lw_bpe_checksum.
 *
 * Encoding lives in bpe_encode.c, the .lwtok format in bpe_file.c and GPT-2's
 * files in bpe_gpt2.c; all of them meet here, in bpe_build, so that a
 * tokenizer from a hostile file and one from the trainer obey the same rules.
 */
#include "text/bpe_impl.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/bpe_internal.h"
#include "util/alloc.h"
#include "util/crc32.h"
#include "util/endian.h"

/* ------------------------------------------------------------ specials */

static const char *const SPECIAL_NAMES[LW_SPECIAL_COUNT] = {
	"<|endoftext|>", "[PAD]", "[CLS]", "[SEP]", "[MASK]",
};

const char *lw_special_name(lw_special s)
{
	if ((unsigned)s >= LW_SPECIAL_COUNT)
		return NULL;
	return SPECIAL_NAMES[s];
}

/* ------------------------------------------------------------ validation */

/* Roles of ids while validating. */
enum { ROLE_BYTE, ROLE_SPECIAL, ROLE_MERGE };

static size_t tok_len(const uint32_t *off, int32_t id)
{
	return off[id + 1] - off[id];
}

/* Say where merge k came from: "name: line L" or "name: merge K". */
static lw_status merge_err(const bpe_draft *d, int32_t k, lw_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static lw_status merge_err(const bpe_draft *d, int32_t k, lw_err *err, const char *fmt, ...)
{
	char what[LW_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (d->merge_line0 > 0)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: line %lld: %s", d->merge_name,
				  (long long)d->merge_line0 + k, what);
	return lw_err_set(err, LW_ERR_FORMAT, "%s: merge %d: %s", d->merge_name, k, what);
}

/* Specials: in range, distinct, the last ids in enum order, bytes = name. */
static lw_status check_specials(const bpe_draft *d, uint8_t *role, lw_err *err)
{
	for (int s = 0; s < LW_SPECIAL_COUNT; s++) {
		int32_t id = d->special[s];
		const char *name = SPECIAL_NAMES[s];
		if (id < 0 || id >= d->vocab)
			return lw_err_set(err, LW_ERR_FORMAT, "%s: special %s has id %d, outside the vocabulary of %d",
					  d->tok_name, name, id, d->vocab);
		if (role[id] == ROLE_SPECIAL)
			return lw_err_set(err, LW_ERR_FORMAT, "%s: duplicate special: %s has id %d, already taken by another special",
					  d->tok_name, name, id);
		role[id] = ROLE_SPECIAL;
		int32_t want = d->vocab - LW_SPECIAL_COUNT + s;
		if (id != want)
			return lw_err_set(err, LW_ERR_FORMAT, "%s: special %s has id %d, expected %d (specials are the last ids, in order)",
					  d->tok_name, name, id, want);
		size_t n = strlen(name);
		if (tok_len(d->tok_off, id) != n || memcmp(d->tok_bytes + d->tok_off[id], name, n) != 0)
			return lw_err_set(err, LW_ERR_FORMAT, "%s: special %s (id %d) is stored with other bytes than its name",
					  d->tok_name, name, id);
	}
	return LW_OK;
}

/* Merge ids in range; each result made once, never a special. */
static lw_status check_merge_results(const bpe_draft *d, uint8_t *role, lw_err *err)
{
	for (int32_t k = 0; k < d->n_merges; k++) {
		const bpe_merge *m = &d->merges[k];
		if (m->left < 0 || m->left >= d->vocab || m->right < 0 || m->right >= d->vocab ||
		    m->result < 0 || m->result >= d->vocab)
			return merge_err(d, k, err, "ids (%d, %d) -> %d outside the vocabulary of %d",
					 m->left, m->right, m->result, d->vocab);
		if (role[m->result] == ROLE_SPECIAL)
			return merge_err(d, k, err, "result %d is a special token", m->result);
		if (role[m->result] == ROLE_MERGE)
			return merge_err(d, k, err, "result %d is already made by an earlier merge", m->result);
		role[m->result] = ROLE_MERGE;
	}
	return LW_OK;
}

/* Every other id is one byte, each byte value exactly once. */
static lw_status find_byte_tokens(const bpe_draft *d, const uint8_t *role, int32_t *byte_id,
				  lw_err *err)
{
	for (int b = 0; b < 256; b++)
		byte_id[b] = -1;
	for (int32_t id = 0; id < d->vocab; id++) {
		if (role[id] != ROLE_BYTE)
			continue;
		if (tok_len(d->tok_off, id) != 1)
			return lw_err_set(err, LW_ERR_FORMAT, "%s: token %d is neither a single byte, nor made by a merge, nor a special (%zu bytes)",
					  d->tok_name, id, tok_len(d->tok_off, id));
		uint8_t b = d->tok_bytes[d->tok_off[id]];
		if (byte_id[b] >= 0)
			return lw_err_set(err, LW_ERR_FORMAT, "%s: tokens %d and %d are both the byte 0x%02x",
					  d->tok_name, byte_id[b], id, b);
		byte_id[b] = id;
	}
	/* 256 byte-role ids (V = 256 + M + specials) that are distinct bytes
	 * cover every byte value. */
	return LW_OK;
}

/* Insert a pair; 0 if it was already there. */
static int pair_insert(lw_bpe *bpe, int32_t left, int32_t right, uint64_t val)
{
	uint64_t key = (uint64_t)(uint32_t)left << 32 | (uint32_t)right;
	uint64_t i = bpe_pair_hash(key) & bpe->pair_mask;
	while (bpe->pairs[i].key != BPE_PAIR_EMPTY) {
		if (bpe->pairs[i].key == key)
			return 0;
		i = (i + 1) & bpe->pair_mask;
	}
	bpe->pairs[i] = (bpe_pair_slot){key, val};
	return 1;
}

/* Merges in rank order: parts exist before the merge (a byte or an earlier
 * result), result bytes = left bytes + right bytes, no pair twice. Fills the
 * pair table. */
static lw_status check_merges(const bpe_draft *d, const uint8_t *role, lw_bpe *bpe, lw_err *err)
{
	int32_t *made = lw_xmalloc((size_t)d->vocab * sizeof *made, "merge ranks");
	for (int32_t id = 0; id < d->vocab; id++)
		made[id] = role[id] == ROLE_BYTE ? -1 : INT32_MAX;
	for (int32_t k = 0; k < d->n_merges; k++)
		made[d->merges[k].result] = k;
	lw_status st = LW_OK;
	for (int32_t k = 0; k < d->n_merges && st == LW_OK; k++) {
		const bpe_merge *m = &d->merges[k];
		size_t nl = tok_len(d->tok_off, m->left), nr = tok_len(d->tok_off, m->right);
		const uint8_t *res = d->tok_bytes + d->tok_off[m->result];
		if (made[m->left] >= k || made[m->right] >= k)
			st = merge_err(d, k, err, "joins ids %d and %d, but %d is not a byte or an earlier merge's result",
				       m->left, m->right, made[m->left] >= k ? m->left : m->right);
		else if (tok_len(d->tok_off, m->result) != nl + nr ||
			 memcmp(res, d->tok_bytes + d->tok_off[m->left], nl) != 0 ||
			 memcmp(res + nl, d->tok_bytes + d->tok_off[m->right], nr) != 0)
			st = merge_err(d, k, err, "result %d is not the concatenation of %d and %d",
				       m->result, m->left, m->right);
		else if (!pair_insert(bpe, m->left, m->right, (uint64_t)k << 32 | (uint32_t)m->result))
			st = merge_err(d, k, err, "duplicate merge of ids %d and %d", m->left, m->right);
	}
	free(made);
	return st;
}

static lw_status validate(const bpe_draft *d, lw_bpe *bpe, lw_err *err)
{
	if (d->vocab < LW_BPE_MIN_VOCAB)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: vocabulary of %d ids is below the minimum of %d (256 bytes and %d specials)",
				  d->tok_name, d->vocab, LW_BPE_MIN_VOCAB, LW_SPECIAL_COUNT);
	if (d->vocab > BPE_MAX_VOCAB)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: vocabulary of %d ids is above the maximum of %d",
				  d->tok_name, d->vocab, BPE_MAX_VOCAB);
	if (d->n_merges != d->vocab - LW_BPE_MIN_VOCAB)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: %d merges do not fit a vocabulary of %d ids (expected 256 bytes + %d merges + %d specials)",
				  d->tok_name, d->n_merges, d->vocab, d->vocab - LW_BPE_MIN_VOCAB, LW_SPECIAL_COUNT);
	/* Sizes are sane from here on. The pair table stays under half full. */
	uint64_t cap = 16;
	while (cap < 2 * (uint64_t)d->n_merges + 2)
		cap *= 2;
	bpe->pairs = lw_xmalloc(cap * sizeof *bpe->pairs, "merge pair table");
	bpe->pair_mask = cap - 1;
	for (uint64_t i = 0; i < cap; i++)
		bpe->pairs[i].key = BPE_PAIR_EMPTY;
	uint8_t *role = lw_xcalloc((size_t)d->vocab, 1, "token roles");
	lw_status st = check_specials(d, role, err);
	if (st == LW_OK)
		st = check_merge_results(d, role, err);
	if (st == LW_OK)
		st = find_byte_tokens(d, role, bpe->byte_id, err);
	if (st == LW_OK)
		st = check_merges(d, role, bpe, err);
	free(role);
	return st;
}

/* ------------------------------------------------------------ building */

static void free_draft(bpe_draft *d)
{
	free(d->tok_off);
	free(d->tok_bytes);
	free(d->merges);
	d->tok_off = NULL;
	d->tok_bytes = NULL;
	d->merges = NULL;
}

/*
 * Validate a draft and turn it into an lw_bpe. The rules:
 *   - LW_BPE_MIN_VOCAB <= V <= BPE_MAX_VOCAB and V = 256 + M + 5;
 *   - special s has id V - 5 + s and its bytes are its name;
 *   - merge ids are in range; a result is made by one merge only and is not
 *     a special; a merge's parts are bytes or results of earlier merges (so
 *     merging leftmost-lowest-rank one pair at a time is GPT-2's algorithm);
 *     a result's bytes are its parts' bytes; no pair is merged twice;
 *   - the remaining 256 ids are single bytes, all different.
 * Takes the draft's arrays whatever happens.
 */
lw_status bpe_build(bpe_draft *d, lw_bpe **out, lw_err *err)
{
	assert(d->tok_off[0] == 0);
	lw_bpe *bpe = lw_xcalloc(1, sizeof *bpe, "tokenizer");
	lw_status st = validate(d, bpe, err);
	if (st != LW_OK) {
		free_draft(d);
		lw_bpe_free(bpe);
		return st;
	}
	bpe->vocab = d->vocab;
	bpe->n_merges = d->n_merges;
	memcpy(bpe->special, d->special, sizeof bpe->special);
	bpe->tok_off = d->tok_off;
	bpe->tok_bytes = d->tok_bytes;
	bpe->merges = d->merges;
	d->tok_off = NULL;
	d->tok_bytes = NULL;
	d->merges = NULL;
	lw_buf body = {0};
	bpe_write_body(bpe, &body);
	bpe->checksum = lw_crc32(0, body.data, body.len);
	lw_buf_free(&body);
	*out = bpe;
	return LW_OK;
}

lw_status lw_bpe_from_merges(const lw_bpe_pair *merges, int32_t n_merges, lw_bpe **out,
			     lw_err *err)
{
	if (n_merges < 0 || n_merges > BPE_MAX_VOCAB - LW_BPE_MIN_VOCAB)
		return lw_err_set(err, LW_ERR_ARG, "tokenizer: %d merges (expected 0..%d)", n_merges,
				  BPE_MAX_VOCAB - LW_BPE_MIN_VOCAB);
	bpe_draft d = {.vocab = n_merges + LW_BPE_MIN_VOCAB, .n_merges = n_merges,
		       .tok_name = "tokenizer", .merge_name = "tokenizer"};
	int32_t base = 256 + n_merges;
	d.tok_off = lw_xmalloc(((size_t)d.vocab + 1) * sizeof *d.tok_off, "token offsets");
	d.merges = lw_xmalloc(((size_t)n_merges + 1) * sizeof *d.merges, "merges");
	/* Lengths first, so that a hostile list cannot make us allocate more
	 * than BPE_MAX_TOKEN_BYTES. */
	uint64_t total = 256;
	for (int32_t i = 0; i <= 256; i++)
		d.tok_off[i] = (uint32_t)i;
	for (int32_t k = 0; k < n_merges; k++) {
		lw_bpe_pair p = merges[k];
		if (p.left < 0 || p.left >= 256 + k || p.right < 0 || p.right >= 256 + k) {
			free_draft(&d);
			return lw_err_set(err, LW_ERR_ARG, "tokenizer: merge %d joins ids %d and %d; expected ids below %d",
					  k, p.left, p.right, 256 + k);
		}
		d.merges[k] = (bpe_merge){p.left, p.right, 256 + k};
		total += tok_len(d.tok_off, p.left) + tok_len(d.tok_off, p.right);
		if (total > BPE_MAX_TOKEN_BYTES) {
			free_draft(&d);
			return lw_err_set(err, LW_ERR_ARG, "tokenizer: merge %d makes the token strings longer than %u bytes in all",
					  k, BPE_MAX_TOKEN_BYTES);
		}
		d.tok_off[257 + k] = (uint32_t)total;
	}
	for (int s = 0; s < LW_SPECIAL_COUNT; s++) {
		d.special[s] = base + s;
		total += strlen(SPECIAL_NAMES[s]);
		d.tok_off[base + s + 1] = (uint32_t)total;
	}
	d.tok_bytes = lw_xmalloc(total, "token bytes");
	for (int b = 0; b < 256; b++)
		d.tok_bytes[b] = (uint8_t)b;
	for (int32_t k = 0; k < n_merges; k++) {
		uint8_t *dst = d.tok_bytes + d.tok_off[256 + k];
		size_t nl = tok_len(d.tok_off, d.merges[k].left);
		memcpy(dst, d.tok_bytes + d.tok_off[d.merges[k].left], nl);
		memcpy(dst + nl, d.tok_bytes + d.tok_off[d.merges[k].right],
		       tok_len(d.tok_off, d.merges[k].right));
	}
	for (int s = 0; s < LW_SPECIAL_COUNT; s++)
		memcpy(d.tok_bytes + d.tok_off[base + s], SPECIAL_NAMES[s], strlen(SPECIAL_NAMES[s]));
	lw_status st = bpe_build(&d, out, err);
	/* The only rule left for bpe_build to break here is a duplicate pair:
	 * the caller's list is at fault. */
	return st == LW_OK ? LW_OK : LW_ERR_ARG;
}

void lw_bpe_free(lw_bpe *bpe)
{
	if (!bpe)
		return;
	bpe_cache_free(bpe->cache);
	lw_pretok_free(bpe->pretok);
	free(bpe->tok_off);
	free(bpe->tok_bytes);
	free(bpe->merges);
	free(bpe->pairs);
	free(bpe);
}

/* ------------------------------------------------------------ body, checksum */

static void put_u32(lw_buf *out, uint32_t v)
{
	uint8_t b[4];
	lw_put_u32(b, v);
	lw_buf_append(out, b, 4);
}

/* The layout is documented byte by byte in bpe_file.c. */
void bpe_write_body(const lw_bpe *bpe, lw_buf *out)
{
	put_u32(out, (uint32_t)bpe->vocab);
	put_u32(out, (uint32_t)bpe->n_merges);
	for (int s = 0; s < LW_SPECIAL_COUNT; s++)
		put_u32(out, (uint32_t)bpe->special[s]);
	for (int32_t id = 0; id < bpe->vocab; id++) {
		put_u32(out, (uint32_t)tok_len(bpe->tok_off, id));
		lw_buf_append(out, bpe->tok_bytes + bpe->tok_off[id], tok_len(bpe->tok_off, id));
	}
	for (int32_t k = 0; k < bpe->n_merges; k++) {
		put_u32(out, (uint32_t)bpe->merges[k].left);
		put_u32(out, (uint32_t)bpe->merges[k].right);
		put_u32(out, (uint32_t)bpe->merges[k].result);
	}
}

uint32_t lw_bpe_checksum(const lw_bpe *bpe)
{
	return bpe->checksum;
}

/* ------------------------------------------------------------ accessors */

int32_t lw_bpe_vocab_size(const lw_bpe *bpe)
{
	return bpe->vocab;
}

int32_t lw_bpe_merge_count(const lw_bpe *bpe)
{
	return bpe->n_merges;
}

int32_t lw_bpe_special_id(const lw_bpe *bpe, lw_special s)
{
	if ((unsigned)s >= LW_SPECIAL_COUNT)
		return -1;
	return bpe->special[s];
}

/* ------------------------------------------------------------ decoding */

/* All ids are checked before anything is appended: on error out is as it
 * was. */
lw_status lw_bpe_decode(const lw_bpe *bpe, const int32_t *ids, size_t n, lw_buf *out, lw_err *err)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (ids[i] < 0 || ids[i] >= bpe->vocab)
			return lw_err_set(err, LW_ERR_ARG, "decode: token id %d at position %zu is outside the vocabulary (0..%d)",
					  ids[i], i, bpe->vocab - 1);
		total += tok_len(bpe->tok_off, ids[i]);
	}
	out->data = lw_xgrow(out->data, &out->cap, out->len + total + 1, 1, "decoded text");
	uint8_t *dst = out->data + out->len;
	for (size_t i = 0; i < n; i++) {
		size_t k = tok_len(bpe->tok_off, ids[i]);
		memcpy(dst, bpe->tok_bytes + bpe->tok_off[ids[i]], k);
		dst += k;
	}
	out->len += total;
	out->data[out->len] = 0; /* lw_buf stays NUL-terminated */
	return LW_OK;
}
