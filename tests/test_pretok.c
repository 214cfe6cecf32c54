/*
 * test_pretok.c — GPT-2's pre-tokenizer: the pieces of known strings, and
 * that the pieces cover any input (invalid UTF-8 included) exactly, in order.
 */
#include "testutil.h"

#include "lowwatt/buf.h"
#include "text/pretok.h"
#include "util/rng.h"

/* Pieces joined by '|' into a buffer. */
static lw_status join_piece(const uint8_t *p, size_t n, void *ctx)
{
	lw_buf *out = ctx;
	if (out->len)
		lw_buf_putc(out, '|');
	lw_buf_append(out, p, n);
	return LW_OK;
}

static void check_pieces(lw_pretok *pt, const char *text, const char *expected)
{
	lw_buf out = {0};
	lw_err err = {0};
	assert_int_equal(lw_pretok_split(pt, (const uint8_t *)text, strlen(text), join_piece, &out,
					 &err), LW_OK);
	lw_buf_append(&out, "", 0);
	assert_string_equal((const char *)out.data, expected);
	lw_buf_free(&out);
}

static void known_splits(void **state)
{
	lw_pretok *pt = *state;
	check_pieces(pt, "Hello world", "Hello| world");
	check_pieces(pt, "it's they're I'll we've he'd I'm don't", "it|'s| they|'re| I|'ll| we|'ve| he|'d| I|'m| don|'t");
	check_pieces(pt, "IT'S", "IT|'|S"); /* the contractions are lower-case only */
	check_pieces(pt, "a  b", "a| | b");  /* \s+(?!\S) leaves the last space to the word */
	check_pieces(pt, "x   \n\n  y", "x|   \n\n | y");
	check_pieces(pt, "end  ", "end|  ");
	check_pieces(pt, "12345 abc", "12345| abc");
	check_pieces(pt, "caf\xc3\xa9 na\xc3\xafve", "caf\xc3\xa9| na\xc3\xafve");
	check_pieces(pt, "hello!!! ...", "hello|!!!| ...");
	check_pieces(pt, "\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80", "\xe4\xb8\xad\xe6\x96\x87| \xf0\x9f\x98\x80");
	check_pieces(pt, "", "");
	/* \s is Unicode White_Space: U+0085 is, U+180E is not (tiktoken agrees). */
	check_pieces(pt, "a\xc2\x85 b", "a|\xc2\x85| b");
	check_pieces(pt, "x\xe1\xa0\x8e y", "x|\xe1\xa0\x8e| y");
	check_pieces(pt, "\xe3\x80\x80\xe3\x80\x80z", "\xe3\x80\x80|\xe3\x80\x80|z"); /* only " " joins a word */
}

static void invalid_utf8_becomes_its_own_piece(void **state)
{
	lw_pretok *pt = *state;
	check_pieces(pt, "ab\xff\xfe cd", "ab|\xff\xfe| cd");
	check_pieces(pt, "\x80", "\x80");
	check_pieces(pt, "a\xc3", "a|\xc3"); /* truncated sequence at the end */
}

static lw_status concat_piece(const uint8_t *p, size_t n, void *ctx)
{
	if (n == 0)
		return LW_ERR_STATE; /* an empty piece is a bug */
	lw_buf_append(ctx, p, n);
	return LW_OK;
}

/* Concatenated, the pieces of random bytes are the bytes: nothing lost,
 * nothing reordered, no empty piece. */
static void concatenated_pieces_are_the_input(void **state)
{
	lw_pretok *pt = *state;
	lw_rng r = lw_rng_from(11, 0, 0);
	for (int trial = 0; trial < 3000; trial++) {
		uint8_t text[80];
		size_t n = lw_rng_below(&r, sizeof text + 1);
		for (size_t i = 0; i < n; i++)
			text[i] = (uint8_t)lw_rng_below(&r, 256);
		lw_buf out = {0};
		lw_err err = {0};
		assert_int_equal(lw_pretok_split(pt, text, n, concat_piece, &out, &err), LW_OK);
		assert_int_equal(out.len, n);
		if (n)
			assert_memory_equal(out.data, text, n);
		lw_buf_free(&out);
	}
}

static lw_status stop_at_second(const uint8_t *p, size_t n, void *ctx)
{
	(void)p;
	(void)n;
	return ++*(int *)ctx == 2 ? LW_ERR_STATE : LW_OK;
}

static void callback_status_stops_the_split(void **state)
{
	lw_pretok *pt = *state;
	int calls = 0;
	lw_err err = {0};
	const char *text = "one two three four";
	assert_int_equal(lw_pretok_split(pt, (const uint8_t *)text, strlen(text), stop_at_second,
					 &calls, &err), LW_ERR_STATE);
	assert_int_equal(calls, 2);
}

static int setup(void **state)
{
	lw_err err = {0};
	lw_pretok *pt = NULL;
	if (lw_pretok_new(&pt, &err) != LW_OK)
		return -1;
	*state = pt;
	return 0;
}

static int teardown(void **state)
{
	lw_pretok_free(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_splits),
		cmocka_unit_test(invalid_utf8_becomes_its_own_piece),
		cmocka_unit_test(concatenated_pieces_are_the_input),
		cmocka_unit_test(callback_status_stops_the_split),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
