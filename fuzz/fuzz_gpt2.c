/*
 * fuzz_gpt2.c — libFuzzer harness for GPT-2's tokenizer files,
 * lw_bpe_load_gpt2_mem.
 *
 * The input is split at its first NUL byte: before it, encoder.json; after
 * it, vocab.bpe (no NUL: all of it is encoder.json and vocab.bpe is empty).
 * A tokenizer that loads must encode and decode the input itself exactly.
 */
#include <stdint.h>
#include <string.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const uint8_t *nul = memchr(data, 0, n);
	size_t json_len = nul ? (size_t)(nul - data) : n;
	const char *bpe_text = nul ? (const char *)nul + 1 : "";
	size_t bpe_len = nul ? n - json_len - 1 : 0;

	lw_err err = {0};
	lw_bpe *bpe = NULL;
	lw_status st = lw_bpe_load_gpt2_mem((const char *)data, json_len, bpe_text, bpe_len,
					    "fuzz", &bpe, &err);
	fz_check_status(st, &err);
	if (st != LW_OK)
		return 0;
	FZ_CHECK(bpe != NULL, "LW_OK without a tokenizer");
	FZ_CHECK(lw_bpe_special_id(bpe, LW_SPECIAL_EOT) < lw_bpe_vocab_size(bpe),
		 "<|endoftext|> outside the vocabulary");
	fz_roundtrip(bpe, data, n < 4096 ? n : 4096);
	lw_bpe_free(bpe);
	return 0;
}
