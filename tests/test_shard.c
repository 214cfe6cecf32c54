/*
 * test_shard.c — token shards: the byte layout, round trips at both token
 * widths, and every validation failure (truncation, magic, version, CRCs,
 * width, padding, out-of-vocabulary tokens, tokenizer mismatch).
 */
#include "testutil.h"

#include <sys/stat.h>

#include "lowwatt/shard.h"
#include "util/crc32.h"
#include "util/endian.h"
#include "util/file.h"

typedef struct fixture {
	char *dir;
	char *path;
} fixture;

static int setup(void **state)
{
	fixture *f = malloc(sizeof *f);
	f->dir = tu_tempdir();
	f->path = tu_path(f->dir, "t.lwtk");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

/* Recompute the header CRC after editing a header field. */
static void fix_header_crc(uint8_t *file)
{
	lw_put_u32(file + 44, lw_crc32(0, file, 44));
}

/* Read path whole into b. */
static void slurp(const char *path, lw_buf *b)
{
	lw_err err = {{0}};
	b->len = 0;
	assert_int_equal(lw_file_read_all(path, b, &err), LW_OK);
}

/* Write bytes to path and expect lw_shard_open to fail with a message
 * containing want. */
static void expect_open_fails(const char *path, const void *bytes, size_t n, lw_status status,
			      const char *want)
{
	tu_write_file(path, bytes, n);
	lw_shard s;
	lw_err err = {{0}};
	assert_int_equal(lw_shard_open(path, &s, &err), status);
	if (!strstr(err.msg, want))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
	assert_null(s.map);
	assert_int_equal(s.count, 0);
	/* The in-memory parser agrees. */
	assert_int_equal(lw_shard_parse(bytes, n, path, &s, &err), status);
}

static void round_trip(const char *path, uint32_t vocab, uint32_t width, size_t n)
{
	int32_t *ids = calloc(n ? n : 1, sizeof *ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = (int32_t)((i * 2654435761u) % vocab);
	if (n)
		ids[n - 1] = (int32_t)vocab - 1; /* the largest id */
	lw_err err = {{0}};
	assert_int_equal(lw_shard_write(path, vocab, 0xdeadbeef, 4 * (uint64_t)n + 3, ids, n, &err), LW_OK);

	/* The bytes are the documented layout. */
	lw_buf b = {0};
	slurp(path, &b);
	assert_int_equal(b.len, 64 + n * width);
	assert_memory_equal(b.data, "LWTOKENS", 8);
	assert_int_equal(lw_get_u32(b.data + 8), 1);
	assert_int_equal(lw_get_u32(b.data + 12), vocab);
	assert_int_equal(lw_get_u32(b.data + 16), width);
	assert_int_equal(lw_get_u32(b.data + 20), 0xdeadbeef);
	assert_int_equal(lw_get_u32(b.data + 24), n);
	assert_int_equal(lw_get_u32(b.data + 28), 0);
	assert_int_equal(lw_get_u32(b.data + 32), lw_crc32(0, b.data + 64, n * width));
	assert_int_equal(lw_get_u32(b.data + 36), 4 * n + 3);
	assert_int_equal(lw_get_u32(b.data + 40), 0);
	assert_int_equal(lw_get_u32(b.data + 44), lw_crc32(0, b.data, 44));
	for (int i = 48; i < 64; i++)
		assert_int_equal(b.data[i], 0);
	if (n) {
		const uint8_t *last = b.data + 64 + (n - 1) * width;
		uint32_t v = width == 2 ? (uint32_t)(last[0] | last[1] << 8) : lw_get_u32(last);
		assert_int_equal(v, vocab - 1);
	}

	lw_shard s;
	assert_int_equal(lw_shard_open(path, &s, &err), LW_OK);
	assert_int_equal(s.vocab_size, vocab);
	assert_int_equal(s.token_width, width);
	assert_int_equal(s.tokenizer_checksum, 0xdeadbeef);
	assert_int_equal(s.count, n);
	assert_int_equal(s.text_bytes, 4 * n + 3);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(lw_shard_token(&s, i), ids[i]);
	lw_shard_close(&s);
	assert_null(s.map);
	lw_shard_close(&s); /* twice is harmless */

	/* Parsing the same bytes in memory gives the same shard. */
	assert_int_equal(lw_shard_parse(b.data, b.len, "mem", &s, &err), LW_OK);
	assert_null(s.map);
	assert_int_equal(s.count, n);
	if (n)
		assert_int_equal(lw_shard_token(&s, n - 1), (int32_t)vocab - 1);
	lw_shard_close(&s);
	lw_buf_free(&b);
	free(ids);
}

static void test_round_trip(void **state)
{
	fixture *f = *state;
	round_trip(f->path, 1000, 2, 10000);
	round_trip(f->path, 65536, 2, 5000);   /* the widest 2-byte vocabulary */
	round_trip(f->path, 65537, 4, 5000);   /* the smallest 4-byte one */
	round_trip(f->path, 3000000, 4, 9001); /* more than one write chunk */
	round_trip(f->path, 1, 2, 3);          /* every token is 0 */
}

static void test_empty_shard(void **state)
{
	fixture *f = *state;
	round_trip(f->path, 50261, 2, 0);
	lw_err err = {{0}};
	assert_int_equal(lw_shard_write(f->path, 10, 0, 0, NULL, 0, &err), LW_OK);
	lw_shard s;
	assert_int_equal(lw_shard_open(f->path, &s, &err), LW_OK);
	assert_int_equal(s.count, 0);
	lw_shard_close(&s);
}

/* A valid 1000-token shard of vocabulary 5000 in b. */
static void make_valid(const char *path, lw_buf *b)
{
	int32_t ids[1000];
	for (int i = 0; i < 1000; i++)
		ids[i] = (i * 37) % 5000;
	lw_err err = {{0}};
	assert_int_equal(lw_shard_write(path, 5000, 0x1234abcd, 0, ids, 1000, &err), LW_OK);
	slurp(path, b);
	assert_int_equal(b->len, 2064);
}

static void test_truncated(void **state)
{
	fixture *f = *state;
	lw_buf b = {0};
	make_valid(f->path, &b);
	uint8_t *copy = malloc(b.len + 10);
	memcpy(copy, b.data, b.len);
	memset(copy + b.len, 0, 10);

	expect_open_fails(f->path, copy, 0, LW_ERR_FORMAT, "0 bytes, too small");
	expect_open_fails(f->path, copy, 7, LW_ERR_FORMAT, "too small");
	expect_open_fails(f->path, copy, 63, LW_ERR_FORMAT, "63 bytes, too small");
	expect_open_fails(f->path, copy, 64, LW_ERR_FORMAT,
			  "truncated: header says 1000 tokens (2064 bytes), file has 64 bytes");
	expect_open_fails(f->path, copy, 65, LW_ERR_FORMAT, "file has 65 bytes");
	char want[512];
	snprintf(want, sizeof want,
		 "%s: truncated: header says 1000 tokens (2064 bytes), file has 1500 bytes",
		 f->path);
	expect_open_fails(f->path, copy, 1500, LW_ERR_FORMAT, want);
	expect_open_fails(f->path, copy, 2063, LW_ERR_FORMAT, "file has 2063 bytes");
	expect_open_fails(f->path, copy, 2065, LW_ERR_FORMAT, "trailing bytes");
	expect_open_fails(f->path, copy, 2074, LW_ERR_FORMAT, "file has 2074 bytes");
	free(copy);
	lw_buf_free(&b);
}

static void test_bad_header(void **state)
{
	fixture *f = *state;
	lw_buf b = {0};
	make_valid(f->path, &b);
	uint8_t *h = malloc(b.len);

	memcpy(h, b.data, b.len);
	h[0] = 'X';
	expect_open_fails(f->path, h, b.len, LW_ERR_FORMAT,
			  "t.lwtk: not a lowwatt token shard (bad magic)");

	memcpy(h, b.data, b.len);
	lw_put_u32(h + 8, 7);
	fix_header_crc(h);
	expect_open_fails(f->path, h, b.len, LW_ERR_FORMAT,
			  "t.lwtk: shard version 7 is not supported (this lowwatt reads version 1)");

	/* Any header byte before the CRC is covered by it. */
	for (int at = 12; at < 44; at += 5) {
		memcpy(h, b.data, b.len);
		h[at] ^= 0x10;
		expect_open_fails(f->path, h, b.len, LW_ERR_FORMAT, "corrupt header");
	}
	memcpy(h, b.data, b.len);
	h[45] ^= 1; /* the CRC itself */
	expect_open_fails(f->path, h, b.len, LW_ERR_FORMAT, "corrupt header");

	memcpy(h, b.data, b.len);
	h[63] = 1;
	expect_open_fails(f->path, h, b.len, LW_ERR_FORMAT, "header byte 63 is not zero");

	/* Width that does not match the vocabulary (CRC made consistent). */
	memcpy(h, b.data, b.len);
	lw_put_u32(h + 16, 4);
	fix_header_crc(h);
	expect_open_fails(f->path, h, b.len, LW_ERR_FORMAT,
			  "token width 4 does not match the vocabulary of 5000 (expected 2)");
	memcpy(h, b.data, b.len);
	lw_put_u32(h + 12, 0);
	fix_header_crc(h);
	expect_open_fails(f->path, h, b.len, LW_ERR_FORMAT, "vocabulary size 0");

	/* A count that would overflow 64 + count * width. */
	memcpy(h, b.data, b.len);
	memset(h + 24, 0xff, 8);
	fix_header_crc(h);
	expect_open_fails(f->path, h, b.len, LW_ERR_FORMAT, "more than any file can hold");
	free(h);
	lw_buf_free(&b);
}

static void test_payload_crc(void **state)
{
	fixture *f = *state;
	lw_buf b = {0};
	make_valid(f->path, &b);
	uint8_t *h = malloc(b.len);
	size_t spots[] = {64, 65, 1000, 2063};
	for (size_t k = 0; k < sizeof spots / sizeof *spots; k++) {
		memcpy(h, b.data, b.len);
		h[spots[k]] ^= 0x01;
		expect_open_fails(f->path, h, b.len, LW_ERR_FORMAT, "corrupt token data");
	}
	free(h);
	lw_buf_free(&b);
}

/* A file whose CRCs are right but whose token 3 is outside the vocabulary. */
static void test_token_outside_vocab(void **state)
{
	fixture *f = *state;
	lw_buf b = {0};
	make_valid(f->path, &b);
	uint8_t *h = malloc(b.len);
	memcpy(h, b.data, b.len);
	h[64 + 3 * 2] = 0x88; /* 5000 = 0x1388 */
	h[64 + 3 * 2 + 1] = 0x13;
	lw_put_u32(h + 32, lw_crc32(0, h + 64, 2000));
	fix_header_crc(h);
	expect_open_fails(f->path, h, b.len, LW_ERR_FORMAT,
			  "token 3 (byte offset 70) is 5000, outside the vocabulary of 5000");
	h[64 + 3 * 2] = 0x87; /* 4999: fine */
	lw_put_u32(h + 32, lw_crc32(0, h + 64, 2000));
	fix_header_crc(h);
	tu_write_file(f->path, h, b.len);
	lw_shard s;
	lw_err err = {{0}};
	assert_int_equal(lw_shard_open(f->path, &s, &err), LW_OK);
	assert_int_equal(lw_shard_token(&s, 3), 4999);
	lw_shard_close(&s);
	free(h);
	lw_buf_free(&b);
}

static void test_check_tokenizer(void **state)
{
	fixture *f = *state;
	lw_buf b = {0};
	make_valid(f->path, &b);
	lw_shard s;
	lw_err err = {{0}};
	assert_int_equal(lw_shard_open(f->path, &s, &err), LW_OK);
	assert_int_equal(lw_shard_check_tokenizer(&s, "x.lwtk", 0x1234abcd, 5000, &err), LW_OK);
	assert_int_not_equal(lw_shard_check_tokenizer(&s, "x.lwtk", 0x9abc0001, 5000, &err), LW_OK);
	assert_string_equal(err.msg, "x.lwtk: made with another tokenizer (checksum 0x1234abcd, "
				     "expected 0x9abc0001); re-run lowwatt prepare with this "
				     "tokenizer");
	assert_int_not_equal(lw_shard_check_tokenizer(&s, "x.lwtk", 0x1234abcd, 5001, &err), LW_OK);
	assert_non_null(strstr(err.msg, "5000"));
	assert_non_null(strstr(err.msg, "re-run lowwatt prepare"));
	lw_shard_close(&s);
	lw_buf_free(&b);
}

/* Count the entries of dir. */
static int entries(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static void test_write_errors(void **state)
{
	fixture *f = *state;
	lw_err err = {{0}};
	int32_t ids[4] = {1, 2, 3, 4};

	/* An id outside [0, vocab): nothing is written, an older file stays. */
	lw_buf b = {0}, after = {0};
	make_valid(f->path, &b);
	assert_int_equal(lw_shard_write(f->path, 4, 0, 0, ids, 4, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "token 3 is 4, outside the vocabulary [0, 4)"));
	ids[0] = -1;
	assert_int_equal(lw_shard_write(f->path, 100, 0, 0, ids, 4, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "token 0 is -1"));
	slurp(f->path, &after);
	assert_int_equal(after.len, b.len);
	assert_memory_equal(after.data, b.data, b.len);
	assert_int_equal(entries(f->dir), 1);

	assert_int_equal(lw_shard_write(f->path, 0, 0, 0, NULL, 0, &err), LW_ERR_ARG);
	assert_int_equal(lw_shard_write(f->path, 0x80000001u, 0, 0, NULL, 0, &err), LW_ERR_ARG);
	assert_int_equal(lw_shard_write(f->path, 10, 0, 0, NULL, 3, &err), LW_ERR_ARG);

	/* Into a missing directory: an I/O error and no stray files. */
	char *missing = tu_path(f->dir, "nope/t.lwtk");
	ids[0] = 0;
	assert_int_equal(lw_shard_write(missing, 100, 0, 0, ids, 4, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, "nope/t.lwtk"));
	assert_int_equal(entries(f->dir), 1);
	free(missing);
	lw_buf_free(&b);
	lw_buf_free(&after);
}

static void test_open_errors(void **state)
{
	fixture *f = *state;
	lw_shard s;
	lw_err err = {{0}};
	char *missing = tu_path(f->dir, "missing.lwtk");
	assert_int_equal(lw_shard_open(missing, &s, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, "missing.lwtk: cannot open"));
	assert_int_equal(lw_shard_open(f->dir, &s, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_null(s.map);
	free(missing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_shard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_payload_crc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_outside_vocab, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_tokenizer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
	};
	return cmocka_run_group_tests_name("shard", tests, NULL, NULL);
}
