/*
 * bpe_file.c — lowwatt's tokenizer file, .lwtok: save, and load from memory
 * (robust to any input: it is fuzzed).
 *
 * FORMAT (version 1). All integers are unsigned and little-endian, written
 * and read byte by byte, never as C structs.
 *
 * Header, 24 bytes:
 *   offset  size  field
 *        0     8  magic: 0x89 'L' 'W' 'T' 'O' 'K' 0x0D 0x0A (the high byte
 *                 catches 7-bit transfers, CR LF catches newline mangling,
 *                 as in PNG)
 *        8     4  version: 1
 *       12     8  B: body length in bytes; the file is exactly 24 + B bytes
 *       20     4  CRC-32 (lw_crc32) of the B body bytes
 *
 * Body, B bytes from file offset 24 (offsets below are within the body):
 *        0     4  V: vocabulary size, specials included (>= 261)
 *        4     4  M: merge count, V - 261
 *        8    20  the ids of the specials, 4 bytes each, in enum lw_special
 *                 order (<|endoftext|>, [PAD], [CLS], [SEP], [MASK]); they
 *                 must be V-5 .. V-1
 *       28     -  V token records, for ids 0, 1, ..., V-1 in order:
 *                   4 bytes  L: length of the token in bytes
 *                   L bytes  the token's bytes (a special: its name)
 *        -  12*M  M merge records, in rank order (rank 0 = applied first):
 *                   4 bytes  left id
 *                   4 bytes  right id
 *                   4 bytes  result id
 *                 The body ends right after the last merge record.
 *
 * The body holds everything and is self-describing: which ids are bytes
 * (the 256 single-byte tokens made by no merge), which are merges and which
 * are specials. It holds the trained layout (bytes 0..255, merge k makes
 * 256 + k) and GPT-2's (ids from encoder.json) alike. The body is also the
 * canonical serialization of a tokenizer: its CRC-32 is lw_bpe_checksum, so
 * a GPT-2 directory and its .lwtok conversion share a checksum.
 *
 * Loading checks, in order: magic, version, header length, that the body is
 * exactly B bytes, the CRC, then every count and length against the bytes
 * left before reading or allocating by it, then the rules of bpe_build
 * (bpe.c): specials, merge ids and order, concatenation, byte tokens.
 */
#include "text/bpe_impl.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/crc32.h"
#include "util/file.h"
#include "util/endian.h"

#define LWTOK_VERSION 1u
#define HEADER_SIZE 24u

static const uint8_t MAGIC[8] = {0x89, 'L', 'W', 'T', 'O', 'K', 0x0D, 0x0A};

/* ------------------------------------------------------------ reading */

/* A cursor over the body that reports positions as file offsets. */
typedef struct reader {
	const uint8_t *p;
	size_t n, pos;
	const char *name;
	lw_err *err;
} reader;

static lw_status truncated(reader *r, size_t need, const char *what)
{
	return lw_err_set(r->err, LW_ERR_FORMAT, "%s: truncated at byte %zu: expected %zu %s bytes",
			  r->name, HEADER_SIZE + r->n, need, what);
}

static lw_status read_u32(reader *r, uint32_t *v, const char *what)
{
	if (r->n - r->pos < 4)
		return truncated(r, 4, what);
	*v = lw_get_u32(r->p + r->pos);
	r->pos += 4;
	return LW_OK;
}

/* V token records into d: lengths first, so that no allocation is sized by
 * anything but bytes that are really there. */
static lw_status read_tokens(reader *r, bpe_draft *d)
{
	size_t start = r->pos, total = 0;
	for (int32_t id = 0; id < d->vocab; id++) {
		uint32_t len = 0;
		lw_status st = read_u32(r, &len, "token length");
		if (st != LW_OK)
			return st;
		if (len > r->n - r->pos)
			return lw_err_set(r->err, LW_ERR_FORMAT, "%s: truncated at byte %zu: expected %u bytes of token %d",
					  r->name, HEADER_SIZE + r->n, len, id);
		r->pos += len;
		total += len;
	}
	if (total > BPE_MAX_TOKEN_BYTES)
		return lw_err_set(r->err, LW_ERR_FORMAT, "%s: %zu bytes of tokens: above the maximum of %u",
				  r->name, total, BPE_MAX_TOKEN_BYTES);
	d->tok_off = lw_xmalloc(((size_t)d->vocab + 1) * sizeof *d->tok_off, "token offsets");
	d->tok_bytes = lw_xmalloc(total ? total : 1, "token bytes");
	size_t pos = start, off = 0;
	for (int32_t id = 0; id < d->vocab; id++) {
		uint32_t len = lw_get_u32(r->p + pos);
		d->tok_off[id] = (uint32_t)off;
		memcpy(d->tok_bytes + off, r->p + pos + 4, len);
		pos += 4 + len;
		off += len;
	}
	d->tok_off[d->vocab] = (uint32_t)off;
	return LW_OK;
}

static lw_status read_merges(reader *r, bpe_draft *d)
{
	size_t left = r->n - r->pos, need = (size_t)d->n_merges * 12;
	if (left < need)
		return truncated(r, need - left, "more merge");
	if (left > need)
		return lw_err_set(r->err, LW_ERR_FORMAT, "%s: %zu unexpected bytes after the last merge, at byte %zu",
				  r->name, left - need, HEADER_SIZE + r->pos + need);
	d->merges = lw_xmalloc(need ? need : 1, "merges");
	for (int32_t k = 0; k < d->n_merges; k++) {
		const uint8_t *m = r->p + r->pos + 12 * (size_t)k;
		/* An id above INT32_MAX turns negative and is refused as out of
		 * range by bpe_build. */
		d->merges[k] = (bpe_merge){(int32_t)lw_get_u32(m), (int32_t)lw_get_u32(m + 4),
					   (int32_t)lw_get_u32(m + 8)};
	}
	r->pos += need;
	return LW_OK;
}

/* Parse a body whose CRC was checked. */
static lw_status read_body(reader *r, lw_bpe **out)
{
	bpe_draft d = {.tok_name = r->name, .merge_name = r->name};
	uint32_t v = 0, m = 0, sp = 0;
	lw_status st = read_u32(r, &v, "vocabulary size");
	if (st == LW_OK)
		st = read_u32(r, &m, "merge count");
	for (int s = 0; s < LW_SPECIAL_COUNT && st == LW_OK; s++) {
		st = read_u32(r, &sp, "special id");
		d.special[s] = sp > INT32_MAX ? -1 : (int32_t)sp;
	}
	if (st != LW_OK)
		return st;
	if (v > BPE_MAX_VOCAB || m > BPE_MAX_VOCAB)
		return lw_err_set(r->err, LW_ERR_FORMAT, "%s: %u ids and %u merges: above the maximum of %d",
				  r->name, v, m, BPE_MAX_VOCAB);
	if ((size_t)v * 4 > r->n - r->pos)
		return truncated(r, (size_t)v * 4, "token record");
	d.vocab = (int32_t)v;
	d.n_merges = (int32_t)m;
	st = read_tokens(r, &d);
	if (st == LW_OK)
		st = read_merges(r, &d);
	if (st != LW_OK) {
		free(d.tok_off);
		free(d.tok_bytes);
		free(d.merges);
		return st;
	}
	return bpe_build(&d, out, r->err);
}

static lw_status check_header(const uint8_t *p, size_t n, const char *name, lw_err *err)
{
	size_t k = n < sizeof MAGIC ? n : sizeof MAGIC;
	if (memcmp(p, MAGIC, k) != 0)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: not a lowwatt tokenizer (bad magic)", name);
	if (n >= 12 && lw_get_u32(p + 8) != LWTOK_VERSION)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: unsupported version %u (this program reads version %u)",
				  name, lw_get_u32(p + 8), LWTOK_VERSION);
	if (n < HEADER_SIZE)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: truncated at byte %zu: expected the %u-byte header",
				  name, n, HEADER_SIZE);
	uint64_t body = lw_get_u64(p + 12);
	if (body > n - HEADER_SIZE)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: truncated at byte %zu: expected %llu body bytes",
				  name, n, (unsigned long long)body);
	if (body < n - HEADER_SIZE)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: %llu unexpected bytes after the body, at byte %llu",
				  name, (unsigned long long)(n - HEADER_SIZE - body),
				  (unsigned long long)(HEADER_SIZE + body));
	if (lw_crc32(0, p + HEADER_SIZE, body) != lw_get_u32(p + 20))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: checksum mismatch (file is corrupt)", name);
	return LW_OK;
}

lw_status lw_bpe_load_lwtok_mem(const void *data, size_t n, const char *name,
				lw_bpe **out, lw_err *err)
{
	const uint8_t *p = data;
	lw_status st = check_header(p, n, name, err);
	if (st != LW_OK)
		return st;
	reader r = {p + HEADER_SIZE, n - HEADER_SIZE, 0, name, err};
	return read_body(&r, out);
}

/* ------------------------------------------------------------ writing */

lw_status lw_bpe_save(const lw_bpe *bpe, const char *path, lw_err *err)
{
	lw_buf body = {0};
	bpe_write_body(bpe, &body);
	uint8_t head[HEADER_SIZE];
	memcpy(head, MAGIC, sizeof MAGIC);
	lw_put_u32(head + 8, LWTOK_VERSION);
	lw_put_u64(head + 12, body.len);
	lw_put_u32(head + 20, lw_crc32(0, body.data, body.len));
	lw_atomic_file f;
	lw_status st = lw_atomic_open(&f, path, err);
	if (st == LW_OK)
		st = lw_atomic_write(&f, head, sizeof head, err);
	if (st == LW_OK)
		st = lw_atomic_write(&f, body.data, body.len, err);
	if (st == LW_OK)
		st = lw_atomic_commit(&f, err);
	else if (f.fp)
		lw_atomic_abort(&f);
	lw_buf_free(&body);
	return st;
}
