/*
 * fuzz_brown.c — libFuzzer harness for the Brown corpus de-tagger,
 * lw_brown_detag.
 *
 * corpus.h promises that any bytes convert (never an error) and describes
 * the output's shape; the harness checks that shape on every input: one
 * output line per source line that holds a token, each ending in "\n", no
 * more than one blank line in a row and none at the start or the end,
 * nothing at all for input without a token, the caller's bytes already in
 * the buffer left alone, and the same output every time.
 */
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "lowwatt/corpus.h"

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

/* Source lines (split at \n) that hold at least one token. */
static size_t lines_with_tokens(const uint8_t *p, size_t n)
{
	size_t lines = 0;
	int has_token = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			lines += has_token;
			has_token = 0;
		} else if (!is_space(p[i])) {
			has_token = 1;
		}
	}
	return lines + has_token;
}

/* Check the shape of converted text out[0..n). */
static void check_shape(const uint8_t *out, size_t n, size_t want_lines)
{
	if (want_lines == 0) {
		FZ_CHECK(n == 0, "input without a token gave output");
		return;
	}
	FZ_CHECK(n > 0 && out[n - 1] == '\n', "output does not end with a newline");
	FZ_CHECK(out[0] != '\n', "output starts with a blank line");
	FZ_CHECK(n < 2 || out[n - 2] != '\n', "output ends with a blank line");
	size_t text_lines = 0;
	for (size_t i = 0; i < n; i++) {
		if (out[i] != '\n')
			continue;
		FZ_CHECK(i < 2 || out[i - 1] != '\n' || out[i - 2] != '\n',
			 "two blank lines in a row");
		text_lines += i > 0 && out[i - 1] != '\n';
	}
	FZ_CHECK(text_lines == want_lines, "not one output line per source line with a token");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static const char prefix[] = "kept\n";
	lw_buf a = {0}, b = {0};
	lw_err err = {0};
	lw_buf_append(&b, prefix, sizeof prefix - 1);

	lw_status st = lw_brown_detag(data, n, &a, &err);
	FZ_CHECK(st == LW_OK, "lw_brown_detag failed");
	st = lw_brown_detag(data, n, &b, &err);
	FZ_CHECK(st == LW_OK, "lw_brown_detag failed the second time");

	FZ_CHECK(b.len == sizeof prefix - 1 + a.len &&
			 !memcmp(b.data, prefix, sizeof prefix - 1) &&
			 (a.len == 0 || !memcmp(b.data + sizeof prefix - 1, a.data, a.len)),
		 "output depends on the buffer's earlier contents, or is not deterministic");
	check_shape(a.data, a.len, lines_with_tokens(data, n));

	lw_buf_free(&a);
	lw_buf_free(&b);
	return 0;
}
