/*
 * test_search_space.c — the search space file (space.h) against a fake
 * settings table standing in for the CLI's: good spaces of each kind
 * (choices, real, integer and log ranges, base only, empty), every refusal
 * with a message naming the file and the key or the configuration, hostile
 * JSON (wrong types, nested garbage, huge arrays, "NaN" strings, numbers
 * out of integer range), the grid's order and size, how many whole
 * configurations are checked, seeded sampling within the ranges
 * (log-uniform: the median near the geometric mean), and labels.
 */
#include "testutil.h"

#include <math.h>

#include "lowwatt/space.h"
#include "util/json_file.h"
#include "util/rng.h"

/* ---------------------------------------------------------------- fake settings */

typedef enum { T_INT, T_NUM, T_STR, T_BOOL } fake_type;

typedef struct fake_key {
	const char *key;
	fake_type type;
	double lo, hi;
} fake_key;

static const fake_key fake_keys[] = {
	{"lr", T_NUM, 1e-9, 10},        {"weight_decay", T_NUM, 0, 1},
	{"d_model", T_INT, 1, 4096},    {"heads", T_INT, 1, 64},
	{"layers", T_INT, 1, 48},       {"batch", T_INT, 1, 1024},
	{"steps", T_INT, 1, 1e9},       {"arch", T_STR, 0, 0},
	{"share", T_STR, 0, 0},         {"decay_embeddings", T_BOOL, 0, 0},
};

/* Counts of the calls, for the tests that check how much is checked. */
typedef struct fake_ctx {
	long key_calls, config_calls;
} fake_ctx;

static lw_status fake_key_check(void *ctx, const char *key, const json_t *v, lw_err *err)
{
	((fake_ctx *)ctx)->key_calls++;
	for (size_t i = 0; i < sizeof fake_keys / sizeof fake_keys[0]; i++) {
		const fake_key *k = &fake_keys[i];
		if (strcmp(k->key, key))
			continue;
		if (k->type == T_INT && !json_is_integer(v))
			return lw_err_set(err, LW_ERR_FORMAT, "%s expects an integer", key);
		if (k->type == T_NUM && !json_is_number(v))
			return lw_err_set(err, LW_ERR_FORMAT, "%s expects a number", key);
		if (k->type == T_STR && !json_is_string(v))
			return lw_err_set(err, LW_ERR_FORMAT, "%s expects a string", key);
		if (k->type == T_BOOL && !json_is_boolean(v))
			return lw_err_set(err, LW_ERR_FORMAT, "%s expects true or false", key);
		double x = json_number_value(v);
		if ((k->type == T_INT || k->type == T_NUM) && (x < k->lo || x > k->hi))
			return lw_err_set(err, LW_ERR_ARG, "%s must be between %g and %g, got %g",
					  key, k->lo, k->hi, x);
		return LW_OK;
	}
	return lw_err_set(err, LW_ERR_FORMAT, "unknown key '%s'", key);
}

static long long get_int(const json_t *config, const char *key, long long dflt)
{
	const json_t *v = json_object_get(config, key);
	return v ? json_integer_value(v) : dflt;
}

static lw_status fake_config_check(void *ctx, const json_t *config, lw_err *err)
{
	((fake_ctx *)ctx)->config_calls++;
	long long d = get_int(config, "d_model", 128), h = get_int(config, "heads", 4);
	if (d % h)
		return lw_err_set(err, LW_ERR_ARG, "heads (%lld) must divide d_model (%lld)", h, d);
	return LW_OK;
}

static fake_ctx ctx;
static const lw_space_checks fake_checks = {&ctx, fake_key_check, fake_config_check};

/* ---------------------------------------------------------------- helpers */

/* Parse text as the file "space.json" with the fake checks. */
static lw_status parse_text(const char *text, lw_space **out, lw_err *err)
{
	json_t *root;
	ctx = (fake_ctx){0, 0};
	lw_status st = lw_json_parse("space.json", text, strlen(text), &root, err);
	if (st)
		return st;
	st = lw_space_parse("space.json", root, &fake_checks, out, err);
	json_decref(root);   /* the space must not need it */
	return st;
}

static lw_space *parse_ok(const char *text)
{
	lw_space *s = NULL;
	lw_err err = {{0}};
	lw_status st = parse_text(text, &s, &err);
	if (st)
		fail_msg("%s: %s", text, err.msg);
	assert_non_null(s);
	return s;
}

/* text is refused; the message holds every one of the (NULL-ended) parts. */
static void expect_refused(const char *text, ...)
{
	lw_space *s = (lw_space *)1;
	lw_err err = {{0}};
	assert_int_not_equal(parse_text(text, &s, &err), LW_OK);
	assert_null(s);
	if (!strstr(err.msg, "space.json"))
		fail_msg("%s: message without the file: %s", text, err.msg);
	va_list ap;
	va_start(ap, text);
	for (const char *part; (part = va_arg(ap, const char *));)
		if (!strstr(err.msg, part))
			fail_msg("%s: message '%s' lacks '%s'", text, err.msg, part);
	va_end(ap);
}

/* The keys of obj in order, space-separated. */
static void keys_of(const json_t *obj, char *out, size_t size)
{
	const char *k;
	json_t *v;
	out[0] = '\0';
	json_object_foreach((json_t *)obj, k, v) {
		if (out[0])
			strncat(out, " ", size - strlen(out) - 1);
		strncat(out, k, size - strlen(out) - 1);
	}
}

static const char *label_of(const lw_space *s, const json_t *config)
{
	static char buf[256];
	lw_space_label(s, config, buf, sizeof buf);
	return buf;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* ---------------------------------------------------------------- good spaces */

static void test_grid_order_and_keys(void **state)
{
	(void)state;
	lw_space *s = parse_ok("{\"base\": {\"steps\": 100, \"arch\": \"mlm\"},"
			       " \"d_model\": [128, 192], \"heads\": [2, 4], \"layers\": [2]}");
	assert_int_equal(lw_space_n_dims(s), 3);
	assert_string_equal(lw_space_dim_key(s, 1), "heads");
	assert_false(lw_space_dim_is_range(s, 0));
	assert_int_equal(json_object_size(lw_space_base(s)), 2);
	uint64_t n = 0;
	lw_err err = {{0}};
	assert_int_equal(lw_space_grid_size(s, &n, &err), LW_OK);
	assert_int_equal(n, 4);
	/* 2 x 2 x 1 = 4 grid points, every one checked as a whole. */
	assert_int_equal(ctx.config_calls, 4);
	/* 2 base values + 2 + 2 + 1 choices. */
	assert_int_equal(ctx.key_calls, 7);
	const char *want[] = {"d_model=128 heads=2 layers=2", "d_model=128 heads=4 layers=2",
			      "d_model=192 heads=2 layers=2", "d_model=192 heads=4 layers=2"};
	for (uint64_t i = 0; i < n; i++) {
		json_t *c = NULL;
		assert_int_equal(lw_space_grid_point(s, i, &c, &err), LW_OK);
		assert_string_equal(label_of(s, c), want[i]);
		char keys[256];
		keys_of(c, keys, sizeof keys);
		assert_string_equal(keys, "steps arch d_model heads layers");
		assert_int_equal(json_integer_value(json_object_get(c, "steps")), 100);
		json_decref(c);
	}
	json_t *c = (json_t *)1;
	assert_int_equal(lw_space_grid_point(s, 4, &c, &err), LW_ERR_ARG);
	assert_null(c);
	assert_non_null(strstr(err.msg, "past the end of a grid of 4"));
	lw_space_free(s);
}

static void test_empty_and_base_only(void **state)
{
	(void)state;
	lw_err err = {{0}};
	const char *texts[] = {"{}", "{\"base\": {}}", "{\"base\": {\"lr\": 0.5, \"share\": \"all\"}}"};
	size_t base_keys[] = {0, 0, 2};
	for (int t = 0; t < 3; t++) {
		lw_space *s = parse_ok(texts[t]);
		assert_int_equal(lw_space_n_dims(s), 0);
		assert_int_equal(ctx.config_calls, 1);   /* the one configuration */
		uint64_t n = 0;
		assert_int_equal(lw_space_grid_size(s, &n, &err), LW_OK);
		assert_int_equal(n, 1);
		json_t *c = NULL;
		assert_int_equal(lw_space_grid_point(s, 0, &c, &err), LW_OK);
		assert_int_equal(json_object_size(c), base_keys[t]);
		assert_true(json_equal(c, lw_space_base(s)));
		assert_string_equal(label_of(s, c), "");
		json_decref(c);
		lw_rng r = lw_rng_from(1, 2, 3);
		assert_int_equal(lw_space_sample(s, &r, &c, &err), LW_OK);
		assert_true(json_equal(c, lw_space_base(s)));
		json_decref(c);
		lw_space_free(s);
	}
}

static void test_ranges_kinds(void **state)
{
	(void)state;
	lw_space *s = parse_ok("{\"lr\": {\"min\": 1e-4, \"max\": 1e-2, \"log\": true},"
			       " \"layers\": {\"min\": 2, \"max\": 6},"
			       " \"weight_decay\": {\"min\": 0, \"max\": 1, \"int\": false},"
			       " \"batch\": {\"min\": 1, \"max\": 1000, \"log\": true},"
			       " \"steps\": {\"min\": 7, \"max\": 7}}");
	for (size_t i = 0; i < 5; i++)
		assert_true(lw_space_dim_is_range(s, i));
	/* Corner grid 2 x 2 x 2 x 2 x 1 = 16, then the seeded draws. */
	assert_int_equal(ctx.config_calls, 16 + LW_SPACE_CHECK_SAMPLES);
	assert_int_equal(ctx.key_calls, 10);
	uint64_t n;
	lw_err err = {{0}};
	assert_int_equal(lw_space_grid_size(s, &n, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "space.json: grid needs choice lists; 'lr' is a range"));
	json_t *c = (json_t *)1;
	assert_int_equal(lw_space_grid_point(s, 0, &c, &err), LW_ERR_ARG);
	assert_null(c);

	enum { N = 20001 };
	static double lr[N], batch[N];
	long layer_count[7] = {0};
	double wd_sum = 0;
	lw_rng r = lw_rng_from(42, 0, 0);
	for (int i = 0; i < N; i++) {
		assert_int_equal(lw_space_sample(s, &r, &c, &err), LW_OK);
		json_t *v = json_object_get(c, "lr");
		assert_true(json_is_real(v));
		lr[i] = json_real_value(v);
		assert_true(lr[i] >= 1e-4 && lr[i] <= 1e-2);
		v = json_object_get(c, "layers");
		assert_true(json_is_integer(v));
		assert_in_range(json_integer_value(v), 2, 6);
		layer_count[json_integer_value(v)]++;
		v = json_object_get(c, "weight_decay");
		assert_true(json_is_real(v));   /* "int": false: a real range */
		assert_true(json_real_value(v) >= 0 && json_real_value(v) <= 1);
		wd_sum += json_real_value(v);
		v = json_object_get(c, "batch");
		assert_true(json_is_integer(v));
		assert_in_range(json_integer_value(v), 1, 1000);
		batch[i] = (double)json_integer_value(v);
		assert_int_equal(json_integer_value(json_object_get(c, "steps")), 7);
		json_decref(c);
	}
	/* Integer ends are included: each of 2..6 about N/5 times. */
	for (int k = 2; k <= 6; k++)
		assert_true(fabs(layer_count[k] - N / 5.0) < 0.05 * N);
	assert_true(fabs(wd_sum / N - 0.5) < 0.02);
	/* Log-uniform: the median is near the geometric mean of the ends. */
	qsort(lr, N, sizeof lr[0], cmp_double);
	assert_true(fabs(lr[N / 2] / 1e-3 - 1) < 0.1);
	qsort(batch, N, sizeof batch[0], cmp_double);
	assert_true(batch[N / 2] >= 25 && batch[N / 2] <= 40);   /* sqrt(1001) ~ 31.6 */
	lw_space_free(s);
}

static void test_sample_seeded(void **state)
{
	(void)state;
	lw_space *s = parse_ok("{\"base\": {\"arch\": \"clm\"}, \"lr\": {\"min\": 0.001, \"max\": 0.1},"
			       " \"share\": [\"none\", \"all\", \"attn\", \"ffn\"],"
			       " \"decay_embeddings\": [true, false]}");
	lw_rng a = lw_rng_from(7, 0, 0), b = lw_rng_from(7, 0, 0), o = lw_rng_from(8, 0, 0);
	lw_err err = {{0}};
	int differ = 0, seen[4] = {0};
	for (int i = 0; i < 200; i++) {
		json_t *x, *y, *z;
		assert_int_equal(lw_space_sample(s, &a, &x, &err), LW_OK);
		assert_int_equal(lw_space_sample(s, &b, &y, &err), LW_OK);
		assert_int_equal(lw_space_sample(s, &o, &z, &err), LW_OK);
		assert_true(json_equal(x, y));
		differ += !json_equal(x, z);
		char keys[256];
		keys_of(x, keys, sizeof keys);
		assert_string_equal(keys, "arch lr share decay_embeddings");
		const char *sh = json_string_value(json_object_get(x, "share"));
		seen[sh[0] == 'n' ? 0 : sh[1] == 'l' ? 1 : sh[1] == 't' ? 2 : 3]++;
		json_decref(x);
		json_decref(y);
		json_decref(z);
	}
	assert_true(differ > 190);
	for (int k = 0; k < 4; k++)
		assert_true(seen[k] > 20);
	lw_space_free(s);
}

static void test_point_range_and_no_checks(void **state)
{
	(void)state;
	/* min == max is a dimension of one value. */
	lw_space *s = parse_ok("{\"lr\": {\"min\": 0.01, \"max\": 0.01, \"log\": true}}");
	lw_rng r = lw_rng_from(1, 0, 0);
	lw_err err = {{0}};
	json_t *c;
	assert_int_equal(lw_space_sample(s, &r, &c, &err), LW_OK);
	assert_true(json_real_value(json_object_get(c, "lr")) == 0.01);
	json_decref(c);
	lw_space_free(s);

	/* The whole range of 64-bit integers, uniform and log-uniform. */
	json_t *root = json_pack("{s:{s:I, s:I}, s:{s:I, s:I, s:b}}", "steps", "min",
				 (json_int_t)INT64_MIN, "max", (json_int_t)INT64_MAX, "d_model",
				 "min", (json_int_t)1, "max", (json_int_t)INT64_MAX, "log", 1);
	assert_int_equal(lw_space_parse("x.json", root, NULL, &s, &err), LW_OK);
	json_decref(root);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(lw_space_sample(s, &r, &c, &err), LW_OK);
		assert_true(json_is_integer(json_object_get(c, "steps")));
		assert_true(json_integer_value(json_object_get(c, "d_model")) >= 1);
		json_decref(c);
	}
	lw_space_free(s);

	/* Without checks only the structure is checked. */
	root = json_pack("{s:[i,i], s:[i], s:{s:i, s:i}}", "heads", 3, 5, "colour", 1,
				 "d_model", "min", 7, "max", 9);
	assert_non_null(root);
	assert_int_equal(lw_space_parse("x.json", root, NULL, &s, &err), LW_OK);
	assert_int_equal(lw_space_n_dims(s), 3);
	/* The space keeps its own copy: changing root changes nothing. */
	json_array_clear(json_object_get(root, "heads"));
	json_decref(root);
	uint64_t n;
	assert_int_equal(lw_space_grid_size(s, &n, &err), LW_ERR_ARG);
	assert_int_equal(lw_space_sample(s, &r, &c, &err), LW_OK);
	assert_in_range(json_integer_value(json_object_get(c, "heads")), 3, 5);
	json_decref(c);
	lw_space_free(s);
	lw_space_free(NULL);
}

/* ---------------------------------------------------------------- refusals */

static void test_structure_errors(void **state)
{
	(void)state;
	expect_refused("[1, 2]", "expected a JSON object", NULL);
	expect_refused("{\"lr\": []}", "'lr': empty choice list", NULL);
	expect_refused("{\"lr\": {\"min\": 0.1, \"max\": 0.01}}", "'lr': inverted range", NULL);
	expect_refused("{\"layers\": {\"min\": 6, \"max\": 2}}", "'layers': inverted range",
		       "min 6 > max 2", NULL);
	expect_refused("{\"base\": {\"lr\": 0.1}, \"lr\": [0.1, 0.2]}",
		       "'lr' is both in \"base\" and a dimension", NULL);
	expect_refused("{\"base\": [1]}", "\"base\" must be an object", NULL);
	expect_refused("{\"base\": 3}", "\"base\" must be an object", NULL);
	expect_refused("{\"base\": {\"lr\": {\"a\": 1}}}", "base 'lr': expected a number", NULL);
	expect_refused("{\"base\": {\"lr\": null}}", "base 'lr': expected a number", NULL);
	expect_refused("{\"base\": {\"lr\": [0.1]}}", "base 'lr': expected a number", NULL);
	expect_refused("{\"layers\": [2, 3, 2]}", "'layers' choice 3: duplicate of choice 1",
		       NULL);
	expect_refused("{\"lr\": [1, 1.0]}", "'lr' choice 2: duplicate of choice 1", NULL);
	expect_refused("{\"share\": [\"all\", \"all\"]}", "duplicate", NULL);
	expect_refused("{\"lr\": [[0.1]]}", "'lr' choice 1: expected a number", NULL);
	expect_refused("{\"lr\": [0.1, null]}", "'lr' choice 2: expected a number", NULL);
	expect_refused("{\"lr\": [{\"min\": 1, \"max\": 2}]}", "'lr' choice 1", NULL);
	expect_refused("{\"lr\": [[[[[[[[[[1]]]]]]]]]]}", "'lr' choice 1", NULL);
	expect_refused("{\"lr\": 0.1}", "'lr': expected a list of choices or a range", NULL);
	expect_refused("{\"lr\": \"0.1\"}", "'lr': expected a list", NULL);
	expect_refused("{\"lr\": null}", "'lr': expected a list", NULL);
	expect_refused("{\"lr\": true}", "'lr': expected a list", NULL);
	expect_refused("{\"lr\": {\"min\": 1, \"max\": 2, \"step\": 1}}",
		       "'lr': unknown key 'step' in a range", NULL);
	expect_refused("{\"lr\": {}}", "'lr': a range needs \"min\" and \"max\"", NULL);
	expect_refused("{\"lr\": {\"min\": 1}}", "'lr': a range needs", NULL);
	expect_refused("{\"lr\": {\"min\": \"NaN\", \"max\": 1}}", "'lr': range \"min\" and "
		       "\"max\" must be numbers", NULL);
	expect_refused("{\"lr\": {\"min\": 0, \"max\": [1]}}", "must be numbers", NULL);
	expect_refused("{\"lr\": {\"min\": 1, \"max\": 2, \"log\": 1}}",
		       "'lr': range \"log\" must be true or false", NULL);
	expect_refused("{\"lr\": {\"min\": 1, \"max\": 2, \"int\": \"yes\"}}",
		       "range \"int\" must be true or false", NULL);
	expect_refused("{\"lr\": {\"min\": 0, \"max\": 1, \"log\": true}}",
		       "'lr': a log range needs min > 0", NULL);
	expect_refused("{\"weight_decay\": {\"min\": -1, \"max\": 1, \"log\": true}}",
		       "'weight_decay': a log range needs min > 0", NULL);
	expect_refused("{\"layers\": {\"min\": 2.0, \"max\": 6, \"int\": true}}",
		       "'layers': an integer range needs integer", NULL);
	expect_refused("{\"steps\": {\"min\": 1, \"max\": 1e30, \"int\": true}}",
		       "'steps': an integer range needs integer", NULL);
}

static void test_caller_key_errors(void **state)
{
	(void)state;
	expect_refused("{\"colour\": [1, 2]}", "'colour' choice 1: unknown key 'colour'", NULL);
	expect_refused("{\"base\": {\"colour\": 1}}", "base 'colour': unknown key 'colour'", NULL);
	expect_refused("{\"colour\": {\"min\": 1, \"max\": 2}}", "'colour' min: unknown key",
		       NULL);
	expect_refused("{\"lr\": [0.1, 20]}", "'lr' choice 2: lr must be between", NULL);
	expect_refused("{\"lr\": {\"min\": 0.001, \"max\": 100}}", "'lr' max: lr must be between",
		       NULL);
	expect_refused("{\"layers\": [\"two\"]}", "'layers' choice 1: layers expects an integer",
		       NULL);
	expect_refused("{\"lr\": [\"NaN\"]}", "'lr' choice 1: lr expects a number", NULL);
	expect_refused("{\"lr\": [\"Infinity\", 0.1]}", "lr expects a number", NULL);
	expect_refused("{\"steps\": [1e30]}", "'steps' choice 1: steps expects an integer", NULL);
	/* Both ends written as integers but one too large for the setting. */
	expect_refused("{\"steps\": {\"min\": 1, \"max\": 9223372036854775807}}",
		       "'steps' max: steps must be between", NULL);
	/* A real range for an integer setting: its ends are reals. */
	expect_refused("{\"heads\": {\"min\": 1, \"max\": 1e300}}", "'heads' max: heads expects",
		       NULL);
	expect_refused("{\"decay_embeddings\": [1]}", "decay_embeddings expects true or false",
		       NULL);
	expect_refused("{\"arch\": [\"mlm\", 3]}", "'arch' choice 2: arch expects a string", NULL);
	expect_refused("{\"base\": {\"lr\": 0.1}, \"\": [1]}", "'' choice 1: unknown key ''", NULL);
}

static void test_config_errors(void **state)
{
	(void)state;
	/* The example: heads 3 does not divide d_model 128 (it divides
	 * 192); the first failing point in grid order is named. */
	expect_refused("{\"heads\": [3, 4], \"d_model\": [128, 192]}",
		       "configuration heads=3 d_model=128: heads (3) must divide d_model (128)",
		       NULL);
	expect_refused("{\"d_model\": [192, 128], \"heads\": [3, 4]}",
		       "configuration d_model=128 heads=3", NULL);
	/* Fixed values take part: base heads 3 against d_model choices. */
	expect_refused("{\"base\": {\"heads\": 3}, \"d_model\": [96, 100]}",
		       "configuration d_model=100", NULL);
	/* Base alone can be refused. */
	expect_refused("{\"base\": {\"heads\": 3, \"d_model\": 128}}", "configuration (base only)",
		       NULL);
	/* A range of heads whose ends divide 128 but whose interior does not:
	 * found by the seeded draws. */
	expect_refused("{\"heads\": {\"min\": 1, \"max\": 8}, \"d_model\": [128]}",
		       "configuration heads=", "must divide", NULL);
	/* Ranges' ends are corners: 96 % 64 != 0. */
	expect_refused("{\"heads\": [64], \"d_model\": {\"min\": 64, \"max\": 96, \"log\": true}}",
		       "configuration heads=64 d_model=", NULL);
}

/* A caller's check that fails without a message still gives one. */
static lw_status silent_refusal(void *c, const char *key, const json_t *v, lw_err *err)
{
	(void)c, (void)key, (void)v, (void)err;
	return LW_ERR_ARG;
}

static void test_silent_caller(void **state)
{
	(void)state;
	lw_space_checks checks = {NULL, silent_refusal, NULL};
	json_t *root = json_pack("{s:[i]}", "layers", 2);
	lw_space *s = (lw_space *)1;
	lw_err err = {{0}};
	assert_int_equal(lw_space_parse("q.json", root, &checks, &s, &err), LW_ERR_ARG);
	assert_null(s);
	assert_string_equal(err.msg, "q.json: 'layers' choice 1: refused");
	json_decref(root);
}

/* ---------------------------------------------------------------- hostile and large */

/* {"KEY": [first, first + 1, ..., first + n - 1]} (heap, caller frees). */
static char *int_list(const char *key, long first, long n)
{
	size_t cap = 64 + (size_t)n * 24;
	char *t = malloc(cap);
	assert_non_null(t);
	size_t len = (size_t)snprintf(t, cap, "{\"%s\": [", key);
	for (long i = 0; i < n; i++)
		len += (size_t)snprintf(t + len, cap - len, "%s%ld", i ? "," : "", first + i);
	snprintf(t + len, cap - len, "]}");
	return t;
}

static void test_huge_arrays(void **state)
{
	(void)state;
	char *t = int_list("steps", 1, LW_SPACE_MAX_CHOICES + 1);
	expect_refused(t, "'steps': 4097 choices, more than 4096", NULL);
	free(t);
	t = int_list("steps", 1, LW_SPACE_MAX_CHOICES);
	lw_space *s = parse_ok(t);
	uint64_t n;
	lw_err err = {{0}};
	assert_int_equal(lw_space_grid_size(s, &n, &err), LW_OK);
	assert_int_equal(n, LW_SPACE_MAX_CHOICES);
	json_t *c;
	assert_int_equal(lw_space_grid_point(s, n - 1, &c, &err), LW_OK);
	assert_int_equal(json_integer_value(json_object_get(c, "steps")), LW_SPACE_MAX_CHOICES);
	json_decref(c);
	lw_space_free(s);
	free(t);
	/* An integer beyond 64 bits is refused by the JSON reader, naming the file. */
	json_t *root;
	const char *big = "{\"steps\": [99999999999999999999999]}";
	assert_int_not_equal(lw_json_parse("space.json", big, strlen(big), &root, &err), LW_OK);
	assert_non_null(strstr(err.msg, "space.json: line 1"));
	/* Duplicate keys are refused by the reader too. */
	const char *dup = "{\"lr\": [0.1], \"lr\": [0.2]}";
	assert_int_not_equal(lw_json_parse("space.json", dup, strlen(dup), &root, &err), LW_OK);
}

/* Seven values each, six lists: 117,649 grid points, more than are all
 * checked, so a seeded sample of LW_SPACE_CHECK_SAMPLES is. */
static const char *big_grid =
	"{\"lr\": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],"
	" \"weight_decay\": [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6],"
	" \"layers\": [1, 2, 3, 4, 5, 6, 7], \"batch\": [1, 2, 3, 4, 5, 6, 7],"
	" \"steps\": [1, 2, 3, 4, 5, 6, 7], \"d_model\": [64, 128, 192, 256, 320, 384, %s]}";

static void test_large_grid_sampled(void **state)
{
	(void)state;
	char text[512];
	snprintf(text, sizeof text, big_grid, "448");
	lw_space *s = parse_ok(text);
	assert_int_equal(ctx.config_calls, LW_SPACE_CHECK_SAMPLES);
	uint64_t n;
	lw_err err = {{0}};
	assert_int_equal(lw_space_grid_size(s, &n, &err), LW_OK);
	assert_int_equal(n, 117649);
	/* The last point: every last choice. */
	json_t *c;
	assert_int_equal(lw_space_grid_point(s, n - 1, &c, &err), LW_OK);
	assert_string_equal(label_of(s, c), "lr=0.7 weight_decay=0.6 layers=7 batch=7 steps=7 "
			    "d_model=448");
	json_decref(c);
	/* Point 7: the fastest (last) dimension wrapped once. */
	assert_int_equal(lw_space_grid_point(s, 7, &c, &err), LW_OK);
	assert_string_equal(label_of(s, c), "lr=0.1 weight_decay=0 layers=1 batch=1 steps=2 "
			    "d_model=64");
	json_decref(c);
	lw_space_free(s);
	/* One bad d_model in seven (heads 4 by default): the sample finds it. */
	snprintf(text, sizeof text, big_grid, "450");
	expect_refused(text, "d_model=450: heads (4) must divide d_model (450)", NULL);
	/* At the limit: every point is checked. */
	s = parse_ok("{\"lr\": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],"
		     " \"layers\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],"
		     " \"batch\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],"
		     " \"steps\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],"
		     " \"d_model\": [64, 128, 192, 256, 320, 384, 448, 512, 576, 640]}");
	assert_int_equal(ctx.config_calls, LW_SPACE_CHECK_ALL);
	lw_space_free(s);
}

/* ---------------------------------------------------------------- labels */

static void test_labels(void **state)
{
	(void)state;
	lw_space *s = parse_ok("{\"base\": {\"layers\": 2}, \"lr\": [0.001, 3e-4, 1e-7, 0.1],"
			       " \"share\": [\"attn\"], \"decay_embeddings\": [false],"
			       " \"d_model\": [192]}");
	lw_err err = {{0}};
	const char *want[] = {"lr=0.001 share=attn decay_embeddings=false d_model=192",
			      "lr=0.0003 share=attn decay_embeddings=false d_model=192",
			      "lr=1e-07 share=attn decay_embeddings=false d_model=192",
			      "lr=0.1 share=attn decay_embeddings=false d_model=192"};
	for (int i = 0; i < 4; i++) {
		json_t *c;
		assert_int_equal(lw_space_grid_point(s, (uint64_t)i, &c, &err), LW_OK);
		assert_string_equal(label_of(s, c), want[i]);
		json_decref(c);
	}
	/* A real that needs 17 digits keeps them all. */
	json_t *c = json_pack("{s:f, s:s}", "lr", 0.1 + 0.2, "share", "none");
	assert_string_equal(label_of(s, c),
			    "lr=0.30000000000000004 share=none decay_embeddings=? d_model=?");
	/* Truncation: snprintf's contract. */
	char small[8];
	size_t need = lw_space_label(s, c, small, sizeof small);
	assert_int_equal(need, strlen("lr=0.30000000000000004 share=none decay_embeddings=? "
				      "d_model=?"));
	assert_string_equal(small, "lr=0.30");
	assert_int_equal(lw_space_label(s, c, NULL, 0), need);
	json_decref(c);
	lw_space_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grid_order_and_keys),
		cmocka_unit_test(test_empty_and_base_only),
		cmocka_unit_test(test_ranges_kinds),
		cmocka_unit_test(test_sample_seeded),
		cmocka_unit_test(test_point_range_and_no_checks),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_caller_key_errors),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_silent_caller),
		cmocka_unit_test(test_huge_arrays),
		cmocka_unit_test(test_large_grid_sampled),
		cmocka_unit_test(test_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
