/*
 * shard.h — token shard files (.lwtk): a tokenized corpus, ready to train on.
 *
 * `lowwatt prepare` encodes a corpus file once and writes its token ids to a
 * shard; training maps the shard read-only and draws batches from it
 * (batch.h), so a run never tokenizes. A shard records the checksum of the
 * tokenizer that made it: reading it with another tokenizer is refused.
 *
 * File format, version 1. All integers little-endian.
 *
 *   offset size  field
 *    0      8    magic, the bytes "LWTOKENS"
 *    8      4    u32 version = 1
 *   12      4    u32 vocab_size V >= 1: every token is in [0, V)
 *   16      4    u32 token_width: 2 if V <= 65536, else 4 (no other value)
 *   20      4    u32 tokenizer checksum (lw_bpe_checksum of the tokenizer)
 *   24      8    u64 count N of tokens
 *   32      4    u32 CRC-32 (lw_crc32, zlib's) of the N * token_width
 *                payload bytes
 *   36      8    u64 bytes of text the tokens were made from (0 = unknown);
 *                text bytes per token is the tokenizer's compression, and
 *                what turns a loss per token into bits per byte
 *   44      4    u32 CRC-32 of header bytes 0..43
 *   48     16    zero
 *   64  N*width  the tokens, each an unsigned little-endian integer of
 *                token_width bytes, in corpus order
 *
 * The file is exactly 64 + N * token_width bytes. N = 0 is a valid (empty)
 * shard. Readers check, in this order: size >= 64, magic, version, header
 * CRC, zero padding, vocab_size and width, file size, payload CRC, every
 * token < V. A file that passes is safe to index without further checks.
 */
#ifndef LOWWATT_SHARD_H
#define LOWWATT_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "lowwatt/status.h"

#define LW_SHARD_MAGIC "LWTOKENS"
#define LW_SHARD_VERSION 1u
#define LW_SHARD_HEADER_SIZE 64u

/* An open shard: a validated view of the tokens. */
typedef struct lw_shard {
	const uint8_t *tokens;  /* payload: count tokens of token_width bytes */
	void *map;              /* the mmap'ed file (NULL from lw_shard_parse) */
	size_t map_len;
	uint32_t vocab_size, token_width, tokenizer_checksum;
	uint64_t count;
	uint64_t text_bytes;    /* bytes of text behind the tokens, 0 = unknown */
} lw_shard;

/* Write ids[0..n), made from text_bytes bytes of text (0 if unknown), as a
 * shard at path (atomically). Every id must be in
 * [0, vocab_size); vocab_size must be >= 1. On failure nothing is left
 * at path (an older file there stays) and no temporary file remains. */
lw_status lw_shard_write(const char *path, uint32_t vocab_size, uint32_t tokenizer_checksum,
			 uint64_t text_bytes, const int32_t *ids, size_t n, lw_err *err);

/* Map path read-only and validate it (see the format above). Close with
 * lw_shard_close. On failure *out is zeroed and nothing stays mapped. */
lw_status lw_shard_open(const char *path, lw_shard *out, lw_err *err);

/* The same validation on data[0..n) in memory; name is used in messages.
 * The shard points into data, which must outlive it; lw_shard_close on it
 * frees nothing. */
lw_status lw_shard_parse(const void *data, size_t n, const char *name, lw_shard *out,
			 lw_err *err);

/* Check that s was made with the tokenizer of this checksum and vocabulary
 * size; path names the shard in the message. */
lw_status lw_shard_check_tokenizer(const lw_shard *s, const char *path, uint32_t checksum,
				   uint32_t vocab_size, lw_err *err);

/* Token i (< s->count) of an open shard. */
static inline int32_t lw_shard_token(const lw_shard *s, uint64_t i)
{
	const uint8_t *p = s->tokens + i * s->token_width;
	if (s->token_width == 2)
		return (int32_t)(p[0] | (uint32_t)p[1] << 8);
	return (int32_t)(p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24);
}

/* Unmap (if lw_shard_open mapped it) and zero s. Safe on a zeroed shard. */
void lw_shard_close(lw_shard *s);

#endif
