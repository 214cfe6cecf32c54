/*
 * test_bpe_train.c — the BPE trainer.
 *
 * The learning core (bpe_train_learn.h) is checked against a naive reference
 * written here from the rules alone: after every merge it recounts every
 * pair of every word, counting a pair in a word as the number of joins the
 * merge would make (by simulating it), and picks the best pair by the tie
 * rule. On many small random corpora, runs like "aaaa" included, the two
 * must learn exactly the same merges. Then hand-checked examples, stopping,
 * and lw_bpe_train itself: errors, separator lines, and a trained
 * tokenizer's round trip and special ids.
 */
#include "testutil.h"

#include "lowwatt/bpe.h"
#include "text/bpe_train_learn.h"
#include "util/rng.h"

/* ------------------------------------------------------------ naive reference */

#define REF_MAX_LEN 64

typedef struct ref_word {
	int32_t t[REF_MAX_LEN];
	int len;
	uint64_t count;
} ref_word;

/* The joins merging (a, b) makes in t[0..n): left to right, no overlap. */
static int ref_joins(const int32_t *t, int n, int32_t a, int32_t b)
{
	int joins = 0;
	for (int i = 0; i + 1 < n;) {
		if (t[i] == a && t[i + 1] == b) {
			joins++;
			i += 2;
		} else {
			i++;
		}
	}
	return joins;
}

static void ref_merge(ref_word *w, int32_t a, int32_t b, int32_t z)
{
	int j = 0;
	for (int i = 0; i < w->len;) {
		if (i + 1 < w->len && w->t[i] == a && w->t[i + 1] == b) {
			w->t[j++] = z;
			i += 2;
		} else {
			w->t[j++] = w->t[i++];
		}
	}
	w->len = j;
}

/* Pairs and their counts for one step; idx[a * dim + b] is the pair's place
 * in the list or -1. */
typedef struct ref_counts {
	int32_t *idx;
	int dim;
	lw_bpe_pair *pairs;
	uint64_t *counts;
	int n;
} ref_counts;

static void ref_add(ref_counts *rc, int32_t a, int32_t b, uint64_t c)
{
	int32_t *slot = &rc->idx[a * rc->dim + b];
	if (*slot < 0) {
		*slot = rc->n;
		rc->pairs[rc->n] = (lw_bpe_pair){a, b};
		rc->counts[rc->n++] = 0;
	}
	rc->counts[*slot] += c;
}

static int ref_learn(ref_word *words, int nw, int max_merges, lw_bpe_pair *out)
{
	int dim = 256 + max_merges, cap = nw * REF_MAX_LEN + 1;
	ref_counts rc = {calloc((size_t)dim * dim, sizeof(int32_t)), dim,
			 calloc(cap, sizeof(lw_bpe_pair)), calloc(cap, sizeof(uint64_t)), 0};
	memset(rc.idx, 0xff, (size_t)dim * dim * sizeof(int32_t));
	int k = 0;
	for (; k < max_merges; k++) {
		for (int w = 0; w < nw; w++) {
			const int32_t *t = words[w].t;
			for (int i = 0; i + 1 < words[w].len; i++) {
				int first = 1; /* count each distinct pair of a word once */
				for (int j = 0; j < i; j++)
					if (t[j] == t[i] && t[j + 1] == t[i + 1])
						first = 0;
				if (first)
					ref_add(&rc, t[i], t[i + 1],
						words[w].count * ref_joins(t, words[w].len, t[i], t[i + 1]));
			}
		}
		int best = -1;
		for (int p = 0; p < rc.n; p++) {
			if (best < 0 || rc.counts[p] > rc.counts[best] ||
			    (rc.counts[p] == rc.counts[best] &&
			     (rc.pairs[p].left < rc.pairs[best].left ||
			      (rc.pairs[p].left == rc.pairs[best].left &&
			       rc.pairs[p].right < rc.pairs[best].right))))
				best = p;
		}
		if (best < 0 || rc.counts[best] < 2)
			break;
		out[k] = rc.pairs[best];
		for (int w = 0; w < nw; w++)
			ref_merge(&words[w], out[k].left, out[k].right, 256 + k);
		for (int p = 0; p < rc.n; p++)
			rc.idx[rc.pairs[p].left * dim + rc.pairs[p].right] = -1;
		rc.n = 0;
	}
	free(rc.idx);
	free(rc.pairs);
	free(rc.counts);
	return k;
}

/* ------------------------------------------------------------ helpers */

/* Words from C strings (NUL-free), as the learner takes them. */
typedef struct word_set {
	uint8_t bytes[16384];
	size_t off[513];
	uint64_t counts[512];
	size_t n;
} word_set;

static void ws_add(word_set *ws, const uint8_t *p, size_t n, uint64_t count)
{
	size_t at = ws->off[ws->n];
	assert_true(ws->n < 512 && at + n <= sizeof ws->bytes);
	memcpy(ws->bytes + at, p, n);
	ws->counts[ws->n++] = count;
	ws->off[ws->n] = at + n;
}

static lw_bpe_words ws_words(const word_set *ws)
{
	return (lw_bpe_words){ws->bytes, ws->off, ws->counts, ws->n};
}

/* Learn from "word:count" strings; returns the merge count. */
static int32_t learn_strings(const char *const *spec, int n, int32_t max_merges,
			     lw_bpe_pair **merges)
{
	word_set ws = {0};
	for (int i = 0; i < n; i++) {
		const char *colon = strchr(spec[i], ':');
		assert_non_null(colon);
		ws_add(&ws, (const uint8_t *)spec[i], (size_t)(colon - spec[i]),
		       strtoull(colon + 1, NULL, 10));
	}
	lw_bpe_words w = ws_words(&ws);
	int32_t n_merges = -1;
	lw_err err = {0};
	assert_int_equal(lw_bpe_learn(&w, max_merges, merges, &n_merges, &err), LW_OK);
	return n_merges;
}

static void assert_merge(const lw_bpe_pair *m, int32_t left, int32_t right)
{
	assert_int_equal(m->left, left);
	assert_int_equal(m->right, right);
}

/* ------------------------------------------------------------ learner vs reference */

/* A random word over `alphabet` letters from byte `base`, built from runs. */
static void random_word(lw_rng *r, int base, int alphabet, int max_len, uint8_t *out, size_t *n)
{
	size_t len = 1 + lw_rng_below(r, (uint64_t)max_len), k = 0;
	while (k < len) {
		uint8_t c = (uint8_t)(base + (int)lw_rng_below(r, (uint64_t)alphabet));
		size_t run = lw_rng_below(r, 2) ? 1 : 2 + lw_rng_below(r, 5);
		for (size_t i = 0; i < run && k < len; i++)
			out[k++] = c;
	}
	*n = len;
}

/* Returns the number of merges both learned. */
static int compare_on_random_corpus(uint64_t seed, int alphabet, int max_words, int max_len,
				     int max_merges)
{
	lw_rng r = lw_rng_from(seed, 0x6270, 0);
	static const int bases[] = {0, 'a', 256 - 6};
	int base = bases[lw_rng_below(&r, 3)];
	word_set *ws = calloc(1, sizeof *ws);
	ref_word *ref = calloc((size_t)max_words, sizeof *ref);
	int nw = 1 + (int)lw_rng_below(&r, (uint64_t)max_words);
	for (int w = 0; w < nw; w++) {
		uint8_t buf[REF_MAX_LEN];
		size_t n;
		random_word(&r, base, alphabet, max_len, buf, &n);
		uint64_t count = lw_rng_below(&r, 7); /* 0 included */
		ws_add(ws, buf, n, count);
		ref[w].len = (int)n;
		ref[w].count = count;
		for (size_t i = 0; i < n; i++)
			ref[w].t[i] = buf[i];
	}
	int32_t want_max = (int32_t)lw_rng_below(&r, (uint64_t)max_merges + 1);
	lw_bpe_pair *expected = calloc((size_t)want_max + 1, sizeof *expected);
	int n_expected = ref_learn(ref, nw, want_max, expected);

	lw_bpe_words words = ws_words(ws);
	lw_bpe_pair *got = NULL;
	int32_t n_got = -1;
	lw_err err = {0};
	assert_int_equal(lw_bpe_learn(&words, want_max, &got, &n_got, &err), LW_OK);
	if (n_got != n_expected)
		fail_msg("seed %llu: %d merges, reference %d", (unsigned long long)seed, n_got,
			 n_expected);
	for (int k = 0; k < n_got; k++)
		if (got[k].left != expected[k].left || got[k].right != expected[k].right)
			fail_msg("seed %llu: merge %d is (%d, %d), reference (%d, %d)",
				 (unsigned long long)seed, k, got[k].left, got[k].right,
				 expected[k].left, expected[k].right);
	free(got);
	free(expected);
	free(ref);
	free(ws);
	return n_got;
}

static void learner_matches_naive_reference_small(void **state)
{
	(void)state;
	long merges = 0;
	for (uint64_t seed = 1; seed <= 3000; seed++)
		merges += compare_on_random_corpus(seed, 2 + (int)(seed % 3), 24, 14, 40);
	assert_true(merges > 3000 * 5); /* the corpora are not trivial */
}

/* More letters and words: thousands of distinct pairs (the pair map grows),
 * long lists, many stale heap entries. */
static void learner_matches_naive_reference_large(void **state)
{
	(void)state;
	long merges = 0;
	for (uint64_t seed = 1000; seed < 1030; seed++)
		merges += compare_on_random_corpus(seed, 24 + (int)(seed % 8), 400, 16, 200);
	assert_true(merges > 30 * 40);
}

/* ------------------------------------------------------------ hand-checked */

static void tie_prefers_smaller_left_then_right(void **state)
{
	(void)state;
	lw_bpe_pair *m = NULL;
	/* (a,b) and (b,a) both 3: smaller left 'a' first. */
	const char *ties[] = {"ab:3", "ba:3"};
	assert_int_equal(learn_strings(ties, 2, 10, &m), 2);
	assert_merge(&m[0], 'a', 'b');
	assert_merge(&m[1], 'b', 'a');
	free(m);
	/* (a,c) and (a,b) both 2, same left: smaller right 'b' first; then
	 * the higher count (x,y) of 5 before both. */
	const char *same_left[] = {"ac:2", "ab:2", "xy:5"};
	assert_int_equal(learn_strings(same_left, 3, 10, &m), 3);
	assert_merge(&m[0], 'x', 'y');
	assert_merge(&m[1], 'a', 'b');
	assert_merge(&m[2], 'a', 'c');
	free(m);
}

static void overlapping_runs_count_as_merged(void **state)
{
	(void)state;
	lw_bpe_pair *m = NULL;
	/* "aaa" holds ONE (a,a) join: 2 x 1 = 2 < (b,c)'s 3. (Counting
	 * overlapping pairs would give 4 and pick (a,a) first.) Then "Za" x 2. */
	const char *three[] = {"aaa:2", "bc:3"};
	assert_int_equal(learn_strings(three, 2, 10, &m), 3);
	assert_merge(&m[0], 'b', 'c');
	assert_merge(&m[1], 'a', 'a');
	assert_merge(&m[2], 257, 'a');
	free(m);
	/* "aaaa" holds two joins: 2 < 3 for (x,y); overlapping would be 3 and
	 * win the tie. Afterwards "ZZ" occurs once: stop. */
	const char *four[] = {"aaaa:1", "xy:3"};
	assert_int_equal(learn_strings(four, 2, 10, &m), 2);
	assert_merge(&m[0], 'x', 'y');
	assert_merge(&m[1], 'a', 'a');
	free(m);
	/* "aaaaa" x 2: (a,a) 2 x 2 = 4 -> "ZZa": (Z,Z) 2 and (Z,a) 2 tie on
	 * the left id, and the right 'a' = 97 < 256 goes first: "ZY", then
	 * (Z,Y) 2. */
	const char *five[] = {"aaaaa:2"};
	assert_int_equal(learn_strings(five, 1, 10, &m), 3);
	assert_merge(&m[0], 'a', 'a');
	assert_merge(&m[1], 256, 'a');
	assert_merge(&m[2], 256, 257);
	free(m);
}

static void stops_when_no_pair_occurs_twice(void **state)
{
	(void)state;
	lw_bpe_pair *m = NULL;
	const char *once[] = {"abcd:1", "x:9"};
	assert_int_equal(learn_strings(once, 2, 10, &m), 0);
	free(m);
	/* "abab": (a,b) twice, then "ZZ" once. */
	const char *abab[] = {"abab:1"};
	assert_int_equal(learn_strings(abab, 1, 10, &m), 1);
	assert_merge(&m[0], 'a', 'b');
	free(m);
	/* The limit wins when it comes first; a zero count adds nothing. */
	const char *many[] = {"abcdef:5", "zz:0"};
	assert_int_equal(learn_strings(many, 2, 2, &m), 2);
	assert_merge(&m[0], 'a', 'b');
	assert_merge(&m[1], 'c', 'd'); /* (c,d) 5 ties (Z,c) 5: 'c' < 256 */
	free(m);
	assert_int_equal(learn_strings(many, 2, 0, &m), 0);
	free(m);
	/* No words at all. */
	assert_int_equal(learn_strings(NULL, 0, 5, &m), 0);
	free(m);
}

/* ------------------------------------------------------------ lw_bpe_train */

static char *write_temp(const char *dir, const char *name, const char *text)
{
	char *p = tu_path(dir, name);
	tu_write_file(p, text, strlen(text));
	return p;
}

static void train_rejects_bad_input(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *text = write_temp(dir, "text.txt", "hello hello\n");
	char *empty1 = write_temp(dir, "empty1.txt", "");
	char *empty2 = write_temp(dir, "empty2.txt", "");
	char *seps = write_temp(dir, "seps.txt", "<|endoftext|>\n<|endoftext|>\r\n<|endoftext|>");
	lw_bpe *bpe = (lw_bpe *)&bpe; /* must come back NULL */
	lw_err err = {0};
	lw_bpe_train_stats st;

	const char *one[] = {text};
	assert_int_equal(lw_bpe_train(one, 1, LW_BPE_MIN_VOCAB - 1, &bpe, &st, &err), LW_ERR_ARG);
	assert_null(bpe);
	assert_non_null(strstr(err.msg, "vocabulary size 260 is too small"));
	assert_non_null(strstr(err.msg, "261"));
	/* Refused before any file is read (missing.txt does not exist). */
	char *missing0 = tu_path(dir, "missing.txt");
	const char *too_big[] = {missing0};
	assert_int_equal(lw_bpe_train(too_big, 1, (1 << 24) + 1, &bpe, &st, &err), LW_ERR_ARG);
	assert_null(bpe);
	assert_non_null(strstr(err.msg, "vocabulary size 16777217 is too large: at most 16777216"));
	free(missing0);

	const char *empties[] = {empty1, empty2};
	assert_int_equal(lw_bpe_train(empties, 2, 1000, &bpe, &st, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "no text to train on in"));
	assert_non_null(strstr(err.msg, empty1));
	assert_non_null(strstr(err.msg, empty2));

	/* Separator lines are not text. */
	const char *only_seps[] = {seps};
	assert_int_equal(lw_bpe_train(only_seps, 1, 1000, &bpe, &st, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "no text to train on"));
	assert_int_equal(st.input_bytes, 0);

	char *missing = tu_path(dir, "missing.txt");
	const char *with_missing[] = {text, missing};
	assert_int_equal(lw_bpe_train(with_missing, 2, 1000, &bpe, &st, &err), LW_ERR_IO);
	assert_null(bpe);
	assert_non_null(strstr(err.msg, missing));

	free(missing);
	free(text);
	free(empty1);
	free(empty2);
	free(seps);
	tu_rmtree(dir);
	free(dir);
}

static void train_skips_separators_and_stops_early(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	/* Documents "", "ab ab\n", "", "ab\n": pieces ab, " ab", \n, ab, \n.
	 * (a,b) counts 3, then (' ', Z) only once: one merge. Were the
	 * separators text, their pieces would be merged too. */
	char *path = write_temp(dir, "c.txt",
				"<|endoftext|>\nab ab\n<|endoftext|>\n<|endoftext|>\nab\n");
	const char *paths[] = {path};
	lw_bpe *bpe = NULL;
	lw_err err = {0};
	lw_bpe_train_stats st;
	assert_int_equal(lw_bpe_train(paths, 1, 5000, &bpe, &st, &err), LW_OK);
	assert_int_equal(st.input_bytes, 9);
	assert_int_equal(st.pieces, 5);
	assert_int_equal(st.unique_pieces, 3);
	assert_int_equal(st.merges, 1);
	assert_int_equal(st.vocab_size, LW_BPE_MIN_VOCAB + 1);
	assert_int_equal(lw_bpe_vocab_size(bpe), LW_BPE_MIN_VOCAB + 1);
	assert_int_equal(lw_bpe_merge_count(bpe), 1);
	lw_bpe_free(bpe);

	/* The smallest vocabulary learns nothing, and is fine. */
	assert_int_equal(lw_bpe_train(paths, 1, LW_BPE_MIN_VOCAB, &bpe, &st, &err), LW_OK);
	assert_int_equal(st.merges, 0);
	assert_int_equal(lw_bpe_vocab_size(bpe), LW_BPE_MIN_VOCAB);
	lw_bpe_free(bpe);
	free(path);
	tu_rmtree(dir);
	free(dir);
}

static void train_round_trip_and_specials_last(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	lw_buf text = {0};
	for (int i = 0; i < 40; i++) {
		lw_buf_puts(&text, "hello world, the quick brown fox jumps over the lazy dog.\n");
		if (i % 10 == 9)
			lw_buf_puts(&text, "<|endoftext|>\n");
	}
	char *path = tu_path(dir, "t.txt");
	tu_write_file(path, text.data, text.len);
	const char *paths[] = {path};
	lw_bpe *bpe = NULL;
	lw_err err = {0};
	lw_bpe_train_stats st;
	/* Every piece occurs 40 times: training goes on until each is one
	 * token, then stops short of the 400 asked for. */
	assert_int_equal(lw_bpe_train(paths, 1, 400, &bpe, &st, &err), LW_OK);
	assert_true(st.merges > 20 && st.merges < 400 - LW_BPE_MIN_VOCAB);
	int32_t v = lw_bpe_vocab_size(bpe);
	assert_int_equal(v, st.vocab_size);
	assert_int_equal(v, LW_BPE_MIN_VOCAB + st.merges);
	assert_int_equal(lw_bpe_merge_count(bpe), st.merges);
	for (int s = 0; s < LW_SPECIAL_COUNT; s++)
		assert_int_equal(lw_bpe_special_id(bpe, (lw_special)s), v - LW_SPECIAL_COUNT + s);

	/* Trained pieces are single tokens; no text encodes to a special. */
	const char *probe[] = {"hello", " world", " quick",
			       "unseen \xc3\xa9t\xc3\xa9 \xff\xfe bytes <|endoftext|>\n"};
	for (int i = 0; i < 4; i++) {
		lw_tokens ids = {0};
		lw_buf back = {0};
		size_t n = strlen(probe[i]);
		assert_int_equal(lw_bpe_encode(bpe, (const uint8_t *)probe[i], n, &ids, &err), LW_OK);
		if (i < 3)
			assert_int_equal(ids.len, 1);
		for (size_t k = 0; k < ids.len; k++)
			assert_true(ids.ids[k] >= 0 && ids.ids[k] < v - LW_SPECIAL_COUNT);
		assert_int_equal(lw_bpe_decode(bpe, ids.ids, ids.len, &back, &err), LW_OK);
		assert_int_equal(back.len, n);
		assert_memory_equal(back.data, probe[i], n);
		lw_tokens_free(&ids);
		lw_buf_free(&back);
	}
	lw_bpe_free(bpe);
	lw_buf_free(&text);
	free(path);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(learner_matches_naive_reference_small),
		cmocka_unit_test(learner_matches_naive_reference_large),
		cmocka_unit_test(tie_prefers_smaller_left_then_right),
		cmocka_unit_test(overlapping_runs_count_as_merged),
		cmocka_unit_test(stops_when_no_pair_occurs_twice),
		cmocka_unit_test(train_rejects_bad_input),
		cmocka_unit_test(train_skips_separators_and_stops_early),
		cmocka_unit_test(train_round_trip_and_specials_last),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
