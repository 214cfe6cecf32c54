/*
 * shard.c — writing, mapping and validating token shards (.lwtk). The file
 * format is documented byte by byte in include/lowwatt/shard.h.
 *
 * Validation is complete at open time (sizes, both CRCs, every token against
 * the vocabulary), so the trainer can index a shard without bounds checks
 * and a damaged file fails with a message instead of a wrong run.
 */
#define _POSIX_C_SOURCE 200809L
#include "lowwatt/shard.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/crc32.h"
#include "util/file.h"
#include "util/endian.h"

/* Tokens must fit an int32_t: the vocabulary holds at most 2^31 ids. */
#define MAX_VOCAB 0x80000000u
/* Tokens encoded per chunk when writing. */
#define CHUNK_TOKENS 4096

/* Byte offsets of the header fields (see shard.h). */
enum {
	OFF_MAGIC = 0,
	OFF_VERSION = 8,
	OFF_VOCAB = 12,
	OFF_WIDTH = 16,
	OFF_TOKENIZER = 20,
	OFF_COUNT = 24,
	OFF_PAYLOAD_CRC = 32,
	OFF_TEXT_BYTES = 36,
	OFF_HEADER_CRC = 44,
	OFF_PADDING = 48,
};

/* ------------------------------------------------------------ helpers */

static uint32_t width_for(uint32_t vocab_size)
{
	return vocab_size <= 65536 ? 2 : 4;
}

/* Encode ids[0..n) (n <= CHUNK_TOKENS) into out, width bytes each. */
static size_t encode_chunk(const int32_t *ids, size_t n, uint32_t width, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t v = (uint32_t)ids[i];
		for (uint32_t b = 0; b < width; b++)
			out[i * width + b] = (uint8_t)(v >> (8 * b));
	}
	return n * width;
}

/* ------------------------------------------------------------ writing */

/* Check every id against the vocabulary and return the payload CRC. */
static lw_status check_and_crc(const char *path, uint32_t vocab_size, const int32_t *ids,
			       size_t n, uint32_t *crc, lw_err *err)
{
	uint32_t width = width_for(vocab_size);
	uint8_t chunk[CHUNK_TOKENS * 4];
	*crc = 0;
	for (size_t i = 0; i < n; i += CHUNK_TOKENS) {
		size_t k = n - i < CHUNK_TOKENS ? n - i : CHUNK_TOKENS;
		for (size_t j = i; j < i + k; j++)
			if (ids[j] < 0 || (uint32_t)ids[j] >= vocab_size)
				return lw_err_set(err, LW_ERR_ARG,
						  "%s: token %zu is %d, outside the vocabulary [0, %u)",
						  path, j, ids[j], vocab_size);
		*crc = lw_crc32(*crc, chunk, encode_chunk(ids + i, k, width, chunk));
	}
	return LW_OK;
}

static void build_header(uint8_t h[LW_SHARD_HEADER_SIZE], uint32_t vocab_size,
			 uint32_t tokenizer_checksum, uint64_t count, uint32_t payload_crc,
			 uint64_t text_bytes)
{
	memset(h, 0, LW_SHARD_HEADER_SIZE);
	memcpy(h + OFF_MAGIC, LW_SHARD_MAGIC, 8);
	lw_put_u32(h + OFF_VERSION, LW_SHARD_VERSION);
	lw_put_u32(h + OFF_VOCAB, vocab_size);
	lw_put_u32(h + OFF_WIDTH, width_for(vocab_size));
	lw_put_u32(h + OFF_TOKENIZER, tokenizer_checksum);
	lw_put_u64(h + OFF_COUNT, count);
	lw_put_u32(h + OFF_PAYLOAD_CRC, payload_crc);
	lw_put_u64(h + OFF_TEXT_BYTES, text_bytes);
	lw_put_u32(h + OFF_HEADER_CRC, lw_crc32(0, h, OFF_HEADER_CRC));
}

lw_status lw_shard_write(const char *path, uint32_t vocab_size, uint32_t tokenizer_checksum,
			 uint64_t text_bytes, const int32_t *ids, size_t n, lw_err *err)
{
	if (vocab_size == 0 || vocab_size > MAX_VOCAB)
		return lw_err_set(err, LW_ERR_ARG, "%s: vocabulary size %u is outside [1, 2^31]",
				  path, vocab_size);
	if (!ids && n > 0)
		return lw_err_set(err, LW_ERR_ARG, "%s: NULL token array of %zu tokens", path, n);
	uint32_t crc;
	lw_status st = check_and_crc(path, vocab_size, ids, n, &crc, err);
	if (st != LW_OK)
		return st;

	uint8_t header[LW_SHARD_HEADER_SIZE];
	build_header(header, vocab_size, tokenizer_checksum, n, crc, text_bytes);
	lw_atomic_file f;
	st = lw_atomic_open(&f, path, err);
	if (st != LW_OK)
		return st;
	st = lw_atomic_write(&f, header, sizeof header, err);
	uint32_t width = width_for(vocab_size);
	uint8_t chunk[CHUNK_TOKENS * 4];
	for (size_t i = 0; i < n && st == LW_OK; i += CHUNK_TOKENS) {
		size_t k = n - i < CHUNK_TOKENS ? n - i : CHUNK_TOKENS;
		st = lw_atomic_write(&f, chunk, encode_chunk(ids + i, k, width, chunk), err);
	}
	if (st != LW_OK) {
		lw_atomic_abort(&f);
		return st;
	}
	return lw_atomic_commit(&f, err);
}

/* ------------------------------------------------------------ reading */

/* The header checks that come before the sizes can be trusted. */
static lw_status check_header(const uint8_t *h, const char *name, lw_err *err)
{
	if (memcmp(h + OFF_MAGIC, LW_SHARD_MAGIC, 8) != 0)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: not a lowwatt token shard (bad magic)",
				  name);
	uint32_t version = lw_get_u32(h + OFF_VERSION);
	if (version != LW_SHARD_VERSION)
		return lw_err_set(err, LW_ERR_FORMAT,
				  "%s: shard version %u is not supported (this lowwatt reads "
				  "version %u)",
				  name, version, LW_SHARD_VERSION);
	uint32_t want = lw_get_u32(h + OFF_HEADER_CRC), got = lw_crc32(0, h, OFF_HEADER_CRC);
	if (want != got)
		return lw_err_set(err, LW_ERR_FORMAT,
				  "%s: corrupt header (header CRC 0x%08x, computed 0x%08x)", name,
				  want, got);
	for (unsigned i = OFF_PADDING; i < LW_SHARD_HEADER_SIZE; i++)
		if (h[i])
			return lw_err_set(err, LW_ERR_FORMAT,
					  "%s: header byte %u is not zero (reserved)", name, i);
	uint32_t vocab = lw_get_u32(h + OFF_VOCAB), width = lw_get_u32(h + OFF_WIDTH);
	if (vocab == 0 || vocab > MAX_VOCAB)
		return lw_err_set(err, LW_ERR_FORMAT,
				  "%s: vocabulary size %u is outside [1, 2^31]", name, vocab);
	if (width != width_for(vocab))
		return lw_err_set(err, LW_ERR_FORMAT,
				  "%s: token width %u does not match the vocabulary of %u "
				  "(expected %u)",
				  name, width, vocab, width_for(vocab));
	return LW_OK;
}

/* The file is exactly the header and count tokens. */
static lw_status check_size(uint64_t count, uint32_t width, size_t n, const char *name,
			    lw_err *err)
{
	if (count > (UINT64_MAX - LW_SHARD_HEADER_SIZE) / width)
		return lw_err_set(err, LW_ERR_FORMAT,
				  "%s: header says %llu tokens, more than any file can hold", name,
				  (unsigned long long)count);
	uint64_t want = LW_SHARD_HEADER_SIZE + count * width;
	if (want != n)
		return lw_err_set(err, LW_ERR_FORMAT,
				  "%s: %s: header says %llu tokens (%llu bytes), file has %zu bytes",
				  name, n < want ? "truncated" : "trailing bytes",
				  (unsigned long long)count, (unsigned long long)want, n);
	return LW_OK;
}

/* Every token is inside the vocabulary. */
static lw_status check_tokens(const lw_shard *s, const char *name, lw_err *err)
{
	if (s->token_width == 2 && s->vocab_size == 65536)
		return LW_OK; /* every 16-bit value is a token */
	for (uint64_t i = 0; i < s->count; i++) {
		uint32_t t = (uint32_t)lw_shard_token(s, i);
		if (t >= s->vocab_size)
			return lw_err_set(err, LW_ERR_FORMAT,
					  "%s: token %llu (byte offset %llu) is %u, outside the "
					  "vocabulary of %u",
					  name, (unsigned long long)i,
					  (unsigned long long)(LW_SHARD_HEADER_SIZE + i * s->token_width),
					  t, s->vocab_size);
	}
	return LW_OK;
}

lw_status lw_shard_parse(const void *data, size_t n, const char *name, lw_shard *out,
			 lw_err *err)
{
	*out = (lw_shard){0};
	const uint8_t *d = data;
	if (n < LW_SHARD_HEADER_SIZE)
		return lw_err_set(err, LW_ERR_FORMAT,
				  "%s: %zu bytes, too small for a lowwatt token shard (the header "
				  "is %u bytes)",
				  name, n, LW_SHARD_HEADER_SIZE);
	lw_status st = check_header(d, name, err);
	if (st != LW_OK)
		return st;
	lw_shard s = {
		.tokens = d + LW_SHARD_HEADER_SIZE,
		.vocab_size = lw_get_u32(d + OFF_VOCAB),
		.token_width = lw_get_u32(d + OFF_WIDTH),
		.tokenizer_checksum = lw_get_u32(d + OFF_TOKENIZER),
		.count = lw_get_u64(d + OFF_COUNT),
		.text_bytes = lw_get_u64(d + OFF_TEXT_BYTES),
	};
	st = check_size(s.count, s.token_width, n, name, err);
	if (st != LW_OK)
		return st;
	uint32_t want = lw_get_u32(d + OFF_PAYLOAD_CRC);
	uint32_t got = lw_crc32(0, s.tokens, n - LW_SHARD_HEADER_SIZE);
	if (want != got)
		return lw_err_set(err, LW_ERR_FORMAT,
				  "%s: corrupt token data (CRC 0x%08x, header says 0x%08x)", name,
				  got, want);
	st = check_tokens(&s, name, err);
	if (st == LW_OK)
		*out = s;
	return st;
}

lw_status lw_shard_open(const char *path, lw_shard *out, lw_err *err)
{
	*out = (lw_shard){0};
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return lw_err_set(err, LW_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return lw_err_set(err, LW_ERR_IO, "%s: not a regular file", path);
	}
	size_t size = (size_t)sb.st_size;
	if (size < LW_SHARD_HEADER_SIZE) {
		/* Too small to map usefully: let the parser say so. */
		uint8_t small[LW_SHARD_HEADER_SIZE];
		close(fd);
		return lw_shard_parse(small, size, path, out, err);
	}
	void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	int saved = errno;
	close(fd);
	if (map == MAP_FAILED)
		return lw_err_set(err, LW_ERR_IO, "%s: cannot map: %s", path, strerror(saved));
	lw_status st = lw_shard_parse(map, size, path, out, err);
	if (st != LW_OK) {
		munmap(map, size);
		return st;
	}
	out->map = map;
	out->map_len = size;
	return LW_OK;
}

lw_status lw_shard_check_tokenizer(const lw_shard *s, const char *path, uint32_t checksum,
				   uint32_t vocab_size, lw_err *err)
{
	if (s->tokenizer_checksum != checksum)
		return lw_err_set(err, LW_ERR_STATE,
				  "%s: made with another tokenizer (checksum 0x%08x, expected "
				  "0x%08x); re-run lowwatt prepare with this tokenizer",
				  path, s->tokenizer_checksum, checksum);
	if (s->vocab_size != vocab_size)
		return lw_err_set(err, LW_ERR_STATE,
				  "%s: made with a vocabulary of %u tokens, the tokenizer has %u; "
				  "re-run lowwatt prepare with this tokenizer",
				  path, s->vocab_size, vocab_size);
	return LW_OK;
}

void lw_shard_close(lw_shard *s)
{
	if (s->map)
		munmap(s->map, s->map_len);
	*s = (lw_shard){0};
}
