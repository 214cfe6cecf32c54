/*
 * fuzz_shard.c — libFuzzer harness for the token shard reader,
 * lw_shard_parse.
 *
 * Every input is parsed as it is, and again with both CRC-32s (payload,
 * then header) rewritten to match, so that the fuzzer gets past the
 * checksums to the field checks. A shard that parses must be what
 * shard.h promises: exactly 64 + count * width bytes, width 2 or 4 as the
 * vocabulary demands, every token below vocab_size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "lowwatt/shard.h"
#include "util/crc32.h"
#include "util/endian.h"

/* Where shard.h puts the two checksums. */
enum { PAYLOAD_CRC_AT = 32, HEADER_CRC_AT = 44 };

static void parse(const uint8_t *data, size_t n)
{
	lw_err err = {0};
	lw_shard s;
	memset(&s, 0xA5, sizeof s);
	lw_status st = lw_shard_parse(data, n, "fuzz.lwtk", &s, &err);
	fz_check_status(st, &err);
	if (st != LW_OK) {
		FZ_CHECK(s.tokens == NULL && s.map == NULL && s.count == 0,
			 "a failed parse left the shard set");
		return;
	}
	FZ_CHECK(s.token_width == 2 || s.token_width == 4, "token width");
	FZ_CHECK(s.vocab_size >= 1, "vocabulary size");
	FZ_CHECK((s.token_width == 2) == (s.vocab_size <= 65536), "width does not fit the vocabulary");
	FZ_CHECK(s.count <= (n - LW_SHARD_HEADER_SIZE) / s.token_width &&
			 LW_SHARD_HEADER_SIZE + s.count * s.token_width == n,
		 "file size is not 64 + count * width");
	FZ_CHECK(s.tokens == data + LW_SHARD_HEADER_SIZE, "tokens do not start at byte 64");
	for (uint64_t i = 0; i < s.count; i++)
		FZ_CHECK((uint32_t)lw_shard_token(&s, i) < s.vocab_size, "a token >= vocab_size");
	lw_err e2 = {0};
	FZ_CHECK(lw_shard_check_tokenizer(&s, "fuzz.lwtk", s.tokenizer_checksum, s.vocab_size,
					  &e2) == LW_OK,
		 "the shard's own tokenizer is refused");
	lw_status other = lw_shard_check_tokenizer(&s, "fuzz.lwtk", s.tokenizer_checksum ^ 1u,
						   s.vocab_size, &e2);
	FZ_CHECK(other != LW_OK && e2.msg[0], "another tokenizer's checksum is accepted");
	lw_shard_close(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	parse(data, n);
	if (n < LW_SHARD_HEADER_SIZE)
		return 0;
	uint8_t *fixed = malloc(n);
	if (!fixed)
		return 0;
	memcpy(fixed, data, n);
	lw_put_u32(fixed + PAYLOAD_CRC_AT,
		   lw_crc32(0, fixed + LW_SHARD_HEADER_SIZE, n - LW_SHARD_HEADER_SIZE));
	lw_put_u32(fixed + HEADER_CRC_AT, lw_crc32(0, fixed, HEADER_CRC_AT));
	parse(fixed, n);
	free(fixed);
	return 0;
}
