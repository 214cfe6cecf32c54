/*
 * bpe.h — GPT-2-style byte-level BPE tokenizer: train, encode, decode, save,
 * load (lowwatt's own .lwtok files, or GPT-2's encoder.json + vocab.bpe).
 *
 * Text is split into pieces by GPT-2's pre-tokenizer regular expression
 * (PCRE2), each piece's bytes become byte tokens, and merges are applied in
 * rank order. Any byte sequence encodes, invalid UTF-8 included, and decoding
 * an encoding gives back the exact bytes.
 *
 * Token ids. Specials always occupy the last LW_SPECIAL_COUNT ids, in the
 * order of enum lw_special, and are never produced by encoding text: the
 * program inserts them (a document separator in a shard, [MASK] in a batch).
 *   trained tokenizers: 0..255 are the bytes (id = byte value), 256.. the
 *     merges in the order they were learned, then the five specials;
 *   GPT-2: ids as in encoder.json (<|endoftext|> = 50256), then [PAD],
 *     [CLS], [SEP], [MASK] appended as 50257..50260.
 *
 * An lw_bpe is read-only once built, except for its encoding cache: encode
 * on one lw_bpe from one thread at a time.
 */
#ifndef LOWWATT_BPE_H
#define LOWWATT_BPE_H

#include <stddef.h>
#include <stdint.h>

#include "lowwatt/buf.h"
#include "lowwatt/status.h"

typedef enum lw_special {
	LW_SPECIAL_EOT,  /* <|endoftext|> : document separator */
	LW_SPECIAL_PAD,  /* [PAD] */
	LW_SPECIAL_CLS,  /* [CLS] */
	LW_SPECIAL_SEP,  /* [SEP] */
	LW_SPECIAL_MASK, /* [MASK] */
	LW_SPECIAL_COUNT
} lw_special;

/* "<|endoftext|>", "[PAD]", ... */
const char *lw_special_name(lw_special s);

typedef struct lw_bpe lw_bpe;

/* What training saw and produced, for the command line to print. */
typedef struct lw_bpe_train_stats {
	uint64_t input_bytes;    /* bytes of text read */
	uint64_t pieces;         /* pre-tokenizer pieces (words) counted */
	uint64_t unique_pieces;  /* distinct pieces */
	int32_t merges;          /* merges learned */
	int32_t vocab_size;      /* final vocabulary, specials included */
} lw_bpe_train_stats;

/* Smallest vocabulary: every byte plus the specials. */
#define LW_BPE_MIN_VOCAB (256 + LW_SPECIAL_COUNT)

/* Learn a tokenizer of vocab_size ids from text files. Lines that are exactly
 * "<|endoftext|>" separate documents and are not text. Each step merges the
 * most frequent adjacent pair (a pair's count in a word is the number of
 * non-overlapping left-to-right joins: "aaaa" has two (a,a)); ties go to the
 * smaller left id, then the smaller right id. Pair counts are updated
 * incrementally (see bpe_train_learn.h). If no pair occurs twice any more,
 * training stops and the vocabulary is smaller than asked (see stats). */
lw_status lw_bpe_train(const char *const *paths, int n_paths, int vocab_size,
		       lw_bpe **out, lw_bpe_train_stats *stats, lw_err *err);

/* Save as a .lwtok file (atomically). */
lw_status lw_bpe_save(const lw_bpe *bpe, const char *path, lw_err *err);

/* Load path: a .lwtok file, or a directory holding GPT-2's encoder.json and
 * vocab.bpe. */
lw_status lw_bpe_load(const char *path, lw_bpe **out, lw_err *err);

/* The same loaders from memory (for tests and fuzzing); name is used in
 * error messages. */
lw_status lw_bpe_load_lwtok_mem(const void *data, size_t n, const char *name,
				lw_bpe **out, lw_err *err);
lw_status lw_bpe_load_gpt2_mem(const char *encoder_json, size_t json_len,
			       const char *vocab_bpe, size_t bpe_len, const char *name,
			       lw_bpe **out, lw_err *err);

void lw_bpe_free(lw_bpe *bpe);

int32_t lw_bpe_vocab_size(const lw_bpe *bpe);
int32_t lw_bpe_merge_count(const lw_bpe *bpe);
int32_t lw_bpe_special_id(const lw_bpe *bpe, lw_special s);

/* Identifies the vocabulary and merges (not the file they came from): a
 * GPT-2 directory and its .lwtok conversion have the same checksum. Shards
 * record it so that a shard is never read with another tokenizer. */
uint32_t lw_bpe_checksum(const lw_bpe *bpe);

/* Append the ids of text (n bytes, any bytes) to out. */
lw_status lw_bpe_encode(lw_bpe *bpe, const uint8_t *text, size_t n, lw_tokens *out, lw_err *err);

/* Append the bytes of ids to out; specials decode to their names. An id
 * outside the vocabulary is an error. */
lw_status lw_bpe_decode(const lw_bpe *bpe, const int32_t *ids, size_t n, lw_buf *out, lw_err *err);

#endif
