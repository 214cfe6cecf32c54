/*
 * pretok.h — GPT-2's pre-tokenizer: splitting text into pieces before BPE.
 *
 * GPT-2 never merges across the boundaries of its regular expression
 *
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *
 * compiled here with PCRE2 in UTF mode with Unicode properties and JIT.
 * \s is written \p{White_Space}, the Unicode property that GPT-2's Python
 * `regex` module and OpenAI's tiktoken (Rust) mean by \s: PCRE2's own \s
 * also matches U+180E MONGOLIAN VOWEL SEPARATOR, which Unicode stopped
 * calling white space in 6.3, and would then split text differently from
 * GPT-2. (JavaScript's \s, used by the npm gpt-3-encoder, differs from both
 * at U+0085 and U+FEFF; lowwatt follows tiktoken there.) Bytes that are
 * not valid UTF-8 match nothing (PCRE2_MATCH_INVALID_UTF); each maximal run of such
 * unmatched bytes becomes a piece of its own. The pieces therefore cover the
 * input exactly, in order, which is what makes decoding exact for any input.
 */
#ifndef LW_TEXT_PRETOK_H
#define LW_TEXT_PRETOK_H

#include <stddef.h>
#include <stdint.h>

#include "lowwatt/status.h"

typedef struct lw_pretok lw_pretok;

/* Called for each piece, in order. Returns LW_OK to go on. */
typedef lw_status (*lw_piece_fn)(const uint8_t *piece, size_t n, void *ctx);

lw_status lw_pretok_new(lw_pretok **out, lw_err *err);
void lw_pretok_free(lw_pretok *pt);

/* Split text[0..n) into pieces; stops at the first status fn returns. */
lw_status lw_pretok_split(lw_pretok *pt, const uint8_t *text, size_t n,
			  lw_piece_fn fn, void *ctx, lw_err *err);

#endif
