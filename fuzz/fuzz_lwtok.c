/*
 * fuzz_lwtok.c — libFuzzer harness for the .lwtok loader,
 * lw_bpe_load_lwtok_mem.
 *
 * Every input is loaded twice: as it is (the header checks must reject
 * garbage cleanly), and with the header's body length and CRC-32 rewritten
 * to match the body, so that the fuzzer reaches the body parser and the
 * tokenizer rules behind it instead of dying at the checksum. A tokenizer
 * that loads must encode and decode the input itself exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "util/crc32.h"
#include "util/endian.h"

enum { HEADER = 24 };

static void load(const uint8_t *file, size_t n, const uint8_t *text, size_t text_n)
{
	lw_err err = {0};
	lw_bpe *bpe = NULL;
	lw_status st = lw_bpe_load_lwtok_mem(file, n, "fuzz.lwtok", &bpe, &err);
	fz_check_status(st, &err);
	if (st != LW_OK)
		return;
	FZ_CHECK(bpe != NULL, "LW_OK without a tokenizer");
	FZ_CHECK(lw_bpe_vocab_size(bpe) >= LW_BPE_MIN_VOCAB, "vocabulary below the minimum");
	(void)lw_bpe_checksum(bpe);
	fz_roundtrip(bpe, text, text_n < 4096 ? text_n : 4096);
	lw_bpe_free(bpe);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	load(data, n, data, n);
	if (n < HEADER)
		return 0;
	uint8_t *fixed = malloc(n);
	if (!fixed)
		return 0;
	memcpy(fixed, data, n);
	uint64_t body = n - HEADER;
	lw_put_u64(fixed + 12, body);
	lw_put_u32(fixed + 20, lw_crc32(0, fixed + HEADER, body));
	load(fixed, n, data, n);
	free(fixed);
	return 0;
}
