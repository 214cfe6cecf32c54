/*
 * test_util.c — the small things everything rests on: CRC-32 against its
 * published check value, the RNG's determinism and range, atomic files,
 * buffers, error messages, JSON files, and splitting corpus text into
 * documents.
 */
#include "testutil.h"

#include <sys/stat.h>

#include "lowwatt/buf.h"
#include "lowwatt/document.h"
#include "lowwatt/status.h"
#include "util/crc32.h"
#include "util/file.h"
#include "util/json_file.h"
#include "util/rng.h"

static void crc32_check_value(void **state)
{
	(void)state;
	/* The standard check value of CRC-32/ISO-HDLC (zlib's crc32). */
	assert_int_equal(lw_crc32(0, "123456789", 9), 0xCBF43926u);
	assert_int_equal(lw_crc32(0, "", 0), 0);
	/* Continuing a CRC equals computing it in one go. */
	uint32_t part = lw_crc32(lw_crc32(0, "12345", 5), "6789", 4);
	assert_int_equal(part, 0xCBF43926u);
}

static void rng_is_a_pure_function_of_its_seed(void **state)
{
	(void)state;
	lw_rng a = lw_rng_from(1, 2, 3), b = lw_rng_from(1, 2, 3), c = lw_rng_from(2, 1, 3);
	int same_as_c = 0;
	for (int i = 0; i < 100; i++) {
		uint64_t x = lw_rng_u64(&a);
		assert_true(x == lw_rng_u64(&b));
		same_as_c += x == lw_rng_u64(&c);
	}
	assert_int_equal(same_as_c, 0);
}

static void rng_below_is_in_range_and_roughly_uniform(void **state)
{
	(void)state;
	lw_rng r = lw_rng_from(42, 0, 0);
	int counts[10] = {0};
	const int n = 100000;
	for (int i = 0; i < n; i++) {
		uint64_t x = lw_rng_below(&r, 10);
		assert_true(x < 10);
		counts[x]++;
	}
	/* Each bin: mean 10000, sd ~95; 6 sd is far beyond chance. */
	for (int k = 0; k < 10; k++)
		assert_true(counts[k] > 10000 - 570 && counts[k] < 10000 + 570);
	for (int i = 0; i < 1000; i++) {
		double u = lw_rng_uniform(&r);
		assert_true(u >= 0.0 && u < 1.0);
	}
}

static void atomic_file_commits_whole_or_nothing(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *path = tu_path(dir, "out.bin");
	lw_err err = {0};
	lw_atomic_file f;

	tu_write_file(path, "old", 3);
	assert_int_equal(lw_atomic_open(&f, path, &err), LW_OK);
	assert_int_equal(lw_atomic_write(&f, "new!", 4, &err), LW_OK);
	lw_atomic_abort(&f); /* abandoned: the old file stays */
	lw_buf b = {0};
	assert_int_equal(lw_file_read_all(path, &b, &err), LW_OK);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "old", 3);
	lw_buf_free(&b);

	assert_int_equal(lw_atomic_open(&f, path, &err), LW_OK);
	assert_int_equal(lw_atomic_write(&f, "new!", 4, &err), LW_OK);
	assert_int_equal(lw_atomic_commit(&f, &err), LW_OK);
	assert_int_equal(lw_file_read_all(path, &b, &err), LW_OK);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.data, "new!", 4);
	lw_buf_free(&b);

	/* A file replaced keeps its mode. */
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(lw_atomic_open(&f, path, &err), LW_OK);
	assert_int_equal(lw_atomic_commit(&f, &err), LW_OK);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* A new file's mode is 0666 less the umask, as for any new file. */
	assert_int_equal(unlink(path), 0);
	mode_t old_mask = umask(027);
	assert_int_equal(lw_atomic_open(&f, path, &err), LW_OK);
	assert_int_equal(lw_atomic_commit(&f, &err), LW_OK);
	umask(old_mask);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(st.st_size, 0);

	/* Only the target is left in the folder. */
	char cmd[600];
	snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);

	/* A folder that does not exist: an error naming the file. */
	char *bad = tu_path(dir, "missing/out.bin");
	assert_int_equal(lw_atomic_open(&f, bad, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, "missing/out.bin"));
	free(bad);
	tu_rmtree(dir);
	free(path);
	free(dir);
}

static void read_all_reports_missing_files_and_directories(void **state)
{
	(void)state;
	lw_err err = {0};
	lw_buf b = {0};
	assert_int_equal(lw_file_read_all("/nonexistent/x.txt", &b, &err), LW_ERR_IO);
	assert_string_equal(err.msg, "/nonexistent/x.txt: cannot open: No such file or directory");
	assert_int_equal(lw_file_read_all("/tmp", &b, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, "is a directory"));
	lw_buf_free(&b);
}

static void json_files_parse_or_say_where(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *path = tu_path(dir, "a.json");
	lw_err err = {0};
	json_t *j;
	const char *good = "{\"a\": 1,\n \"b\": [2]}", *bad = "{\"a\": 1,\n \"b\": }";
	const char *twice = "{\"a\": 1, \"a\": 2}";
	tu_write_file(path, good, strlen(good));
	assert_int_equal(lw_json_read_file(path, &j, &err), LW_OK);
	assert_int_equal(json_integer_value(json_object_get(j, "a")), 1);
	json_decref(j);
	/* A syntax error: the file, line and column. */
	tu_write_file(path, bad, strlen(bad));
	assert_int_equal(lw_json_read_file(path, &j, &err), LW_ERR_FORMAT);
	assert_null(j);
	char want[4096];
	snprintf(want, sizeof want, "%s: line 2 column 7: ", path);
	if (strncmp(err.msg, want, strlen(want)) != 0)
		fail_msg("message \"%s\", expected it to start \"%s\"", err.msg, want);
	/* A key twice is refused, not the last one silently kept. */
	assert_int_equal(lw_json_parse("t.json", twice, strlen(twice), &j, &err), LW_ERR_FORMAT);
	assert_null(j);
	assert_non_null(strstr(err.msg, "t.json: line 1 column "));
	assert_non_null(strstr(err.msg, "duplicate object key"));
	/* A missing file is lw_file_read_all's error. */
	assert_int_equal(lw_json_read_file("/nonexistent/x.json", &j, &err), LW_ERR_IO);
	assert_null(j);
	assert_non_null(strstr(err.msg, "/nonexistent/x.json: cannot open"));
	free(path);
	tu_rmtree(dir);
	free(dir);
}

static void err_prefix_and_truncation(void **state)
{
	(void)state;
	lw_err err;
	assert_int_equal(lw_err_set(&err, LW_ERR_FORMAT, "bad %s at %d", "magic", 8), LW_ERR_FORMAT);
	lw_err_prefix(&err, "file.bin");
	assert_string_equal(err.msg, "file.bin: bad magic at 8");
	char longp[1000];
	memset(longp, 'x', sizeof longp - 1);
	longp[sizeof longp - 1] = 0;
	lw_err_prefix(&err, longp); /* must not overflow */
	assert_true(strlen(err.msg) < LW_ERR_MSG_MAX);
	assert_int_equal(lw_err_set(NULL, LW_ERR_IO, "ignored"), LW_ERR_IO);
	/* Quoted bytes cannot break the message into lines. */
	lw_err_set(&err, LW_ERR_FORMAT, "bad key '%s'", "a\nb\r\tc\x7f");
	assert_string_equal(err.msg, "bad key 'a?b??c?'");
	lw_err_prefix(&err, "x\ny");
	assert_string_equal(err.msg, "x?y: bad key 'a?b??c?'");
}

/* Collect the documents of text as "[doc]" strings. */
static void split_docs(const char *text, char *out, size_t size)
{
	size_t pos = 0, n = strlen(text);
	lw_span d;
	out[0] = 0;
	while (lw_doc_next((const uint8_t *)text, n, &pos, &d)) {
		size_t len = strlen(out);
		snprintf(out + len, size - len, "[%.*s]", (int)d.n, (const char *)d.p);
	}
}

static void documents_split_at_separator_lines(void **state)
{
	(void)state;
	char got[256];
	split_docs("a\nb\n<|endoftext|>\nc\n", got, sizeof got);
	assert_string_equal(got, "[a\nb\n][c\n]");
	split_docs("no separator", got, sizeof got);
	assert_string_equal(got, "[no separator]");
	split_docs("<|endoftext|>\n<|endoftext|>\nx", got, sizeof got);
	assert_string_equal(got, "[][][x]");
	split_docs("a\r\n<|endoftext|>\r\nb<|endoftext|>\n", got, sizeof got);
	assert_string_equal(got, "[a\r\n][b<|endoftext|>\n]"); /* not a line of its own */
	split_docs("a\n <|endoftext|>\nb\n<|endoftext|>", got, sizeof got);
	assert_string_equal(got, "[a\n <|endoftext|>\nb\n]");
	split_docs("", got, sizeof got);
	assert_string_equal(got, "");
}

static void buffers_grow_and_stay_terminated(void **state)
{
	(void)state;
	lw_buf b = {0};
	for (int i = 0; i < 10000; i++)
		lw_buf_putc(&b, (uint8_t)('a' + i % 26));
	assert_int_equal(b.len, 10000);
	assert_int_equal(b.data[10000], 0);
	assert_int_equal(b.data[27], 'b');
	lw_buf_free(&b);
	assert_null(b.data);
	/* printf onto a buffer, far beyond any fixed-size scratch buffer. */
	lw_buf_printf(&b, "%s=%d;", "x", 42);
	char big[3000];
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = 0;
	lw_buf_printf(&b, "[%s]%.2f", big, 1.5);
	assert_int_equal(b.len, 5 + 1 + 2999 + 1 + 4);
	assert_memory_equal(b.data, "x=42;[zzz", 9);
	assert_string_equal((const char *)b.data + b.len - 6, "z]1.50");
	lw_buf_printf(&b, "%s", "");   /* nothing to add */
	assert_int_equal(b.len, 3010);
	lw_buf_free(&b);
	lw_tokens t = {0};
	int32_t ids[3] = {7, 8, 9};
	for (int i = 0; i < 1000; i++)
		lw_tokens_append(&t, ids, 3);
	assert_int_equal(t.len, 3000);
	assert_int_equal(t.ids[2999], 9);
	lw_tokens_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc32_check_value),
		cmocka_unit_test(rng_is_a_pure_function_of_its_seed),
		cmocka_unit_test(rng_below_is_in_range_and_roughly_uniform),
		cmocka_unit_test(atomic_file_commits_whole_or_nothing),
		cmocka_unit_test(read_all_reports_missing_files_and_directories),
		cmocka_unit_test(json_files_parse_or_say_where),
		cmocka_unit_test(err_prefix_and_truncation),
		cmocka_unit_test(documents_split_at_separator_lines),
		cmocka_unit_test(buffers_grow_and_stay_terminated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
