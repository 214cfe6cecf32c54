/*
 * harness.h — what the libFuzzer harnesses (fuzz/fuzz_*.c) share: a check
 * that aborts with a message (so libFuzzer saves the input), and the
 * properties every tokenizer must keep on any input.
 *
 * A harness does more than survive its input under ASan and UBSan: it
 * asserts the library's contracts, e.g. that a failing call explains itself
 * in err.msg and that decoding an encoding gives back the exact bytes.
 */
#ifndef LW_FUZZ_HARNESS_H
#define LW_FUZZ_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lowwatt/bpe.h"

/* Abort (libFuzzer reports a crash and keeps the input) unless cond. */
#define FZ_CHECK(cond, what)                                                           \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: check failed: %s (%s)\n", __FILE__,    \
				__LINE__, (what), #cond);                              \
			abort();                                                       \
		}                                                                      \
	} while (0)

/* A call that returned st must have said why in err if it failed. */
static inline void fz_check_status(lw_status st, const lw_err *err)
{
	FZ_CHECK(st == LW_OK || err->msg[0] != '\0', "a failure without a message");
	FZ_CHECK(st == LW_OK || memchr(err->msg, '\n', sizeof err->msg) == NULL,
		 "an error message of more than one line");
}

/* Encode data[0..n) twice (the second time through the encoding cache),
 * check that both give the same ids, all in the vocabulary and none a
 * special, and that they decode to exactly data. */
static inline void fz_roundtrip(lw_bpe *bpe, const uint8_t *data, size_t n)
{
	lw_err err = {0};
	lw_tokens a = {0}, b = {0};
	lw_buf back = {0};
	int32_t vocab = lw_bpe_vocab_size(bpe);

	lw_status st = lw_bpe_encode(bpe, data, n, &a, &err);
	fz_check_status(st, &err);
	FZ_CHECK(st == LW_OK, "encode failed on some bytes");
	FZ_CHECK(a.len <= n, "more tokens than bytes");
	for (size_t i = 0; i < a.len; i++) {
		FZ_CHECK(a.ids[i] >= 0 && a.ids[i] < vocab, "an id outside the vocabulary");
		for (int s = 0; s < LW_SPECIAL_COUNT; s++)
			FZ_CHECK(a.ids[i] != lw_bpe_special_id(bpe, (lw_special)s),
				 "encoding produced a special id");
	}
	st = lw_bpe_encode(bpe, data, n, &b, &err);
	FZ_CHECK(st == LW_OK, "second encode failed");
	FZ_CHECK(a.len == b.len && (a.len == 0 || !memcmp(a.ids, b.ids, a.len * sizeof *a.ids)),
		 "encoding the same bytes twice gave different ids (encoding cache)");

	st = lw_bpe_decode(bpe, a.ids, a.len, &back, &err);
	fz_check_status(st, &err);
	FZ_CHECK(st == LW_OK, "decode of an encoding failed");
	FZ_CHECK(back.len == n && (n == 0 || !memcmp(back.data, data, n)),
		 "decode(encode(x)) != x");

	lw_tokens_free(&a);
	lw_tokens_free(&b);
	lw_buf_free(&back);
}

#endif
