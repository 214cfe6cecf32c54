/*
 * test_checkpoint.c — training checkpoints: the documented byte layout, a
 * bit-exact round trip of every field and array, and every way a file can
 * be refused (truncation anywhere, any flipped byte, foreign magic, newer
 * version, bad configuration, wrong n_params, bad energy figures, trailing
 * bytes), version 1 files loading as runs that were not metered, the config
 * comparison of a resumed run, and writes that fail without leaving a file
 * (or a temporary one) behind.
 */
#include "testutil.h"

#include <math.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "lowwatt/checkpoint.h"
#include "util/crc32.h"
#include "util/endian.h"
#include "util/file.h"

#define HEADER 248u
#define CRC_AT 244u

typedef struct fixture {
	char *dir;
	char *path;
} fixture;

static int setup(void **state)
{
	fixture *f = malloc(sizeof *f);
	f->dir = tu_tempdir();
	f->path = tu_path(f->dir, "run.lwck");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	chmod(f->dir, 0700);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

/* The parameter count, written out from model.h's tensor table. */
static size_t params_of(const lw_model_config *m)
{
	size_t V = (size_t)m->vocab, T = (size_t)m->seq, C = (size_t)m->d_model;
	size_t F = (size_t)m->d_ff, L = (size_t)m->layers;
	return V * C + T * C +
	       L * (2 * C + 3 * C * C + 3 * C + C * C + C + 2 * C + F * C + F + C * F + C) +
	       2 * C;
}

/* A small configuration whose every stored field differs from the default
 * and from zero, with values that need all 32 or 64 bits. */
static lw_train_config small_config(void)
{
	lw_train_config c;
	lw_train_config_default(&c);
	c.model = (lw_model_config){ .arch = LW_ARCH_CLM, .layers = 1, .d_model = 8,
				     .heads = 2, .d_ff = 16, .seq = 8, .vocab = 50 };
	c.batch = 3;
	c.accum = 5;
	c.steps = 5000000000L;
	c.warmup = 77;
	c.lr = 3e-4f;
	c.min_lr_ratio = 0.05f;
	c.weight_decay = 0.125f;
	c.clip = 0.5f;
	c.mask_prob = 0.2f;
	c.decay_embeddings = 1;
	c.adamw = (lw_adamw){ 0.85f, 0.98f, 1e-7f };
	c.seed = 0xfedcba9876543210ull;
	return c;
}

/* A checkpoint of cfg with distinct values in every array, including
 * floats a careless encoder would damage: -0, infinities, a NaN with a
 * payload, subnormals. */
static lw_checkpoint make_checkpoint(const lw_train_config *cfg)
{
	lw_checkpoint ck = { .train = *cfg, .step = 123456789012ull, .next_batch = 0x1122334455ull,
			     .tokens = 0xffffffffffffff00ull, .tokenizer_checksum = 0xdeadbeefu };
	ck.energy = (lw_run_energy){
		.metered = 1, .seconds = 3600.25, .joules = { 1.5, 2.25, 1e9 },
		.method = { LW_METHOD_MEASURED, LW_METHOD_ESTIMATED, LW_METHOD_NONE },
		.total_j = 1.5 + 2.25 + 1e9, .co2e_g = 0.125,
	};
	ck.first_prediction = (lw_energy_prediction){ .step = 90, .energy_j = 612.5,
						      .co2e_g = 0.0625 };
	ck.n_params = params_of(&cfg->model);
	assert_int_equal(ck.n_params, lw_model_config_params(&cfg->model));
	float *a[3];
	for (int k = 0; k < 3; k++) {
		a[k] = malloc(ck.n_params * sizeof(float));
		for (size_t i = 0; i < ck.n_params; i++)
			a[k][i] = (float)(k + 1) * sinf((float)i) * 0.01f;
	}
	uint32_t nan_bits = 0x7fc01234u, sub_bits = 0x00000005u;
	a[0][0] = -0.0f;
	a[0][1] = INFINITY;
	a[1][0] = -INFINITY;
	memcpy(&a[1][1], &nan_bits, 4);
	memcpy(&a[2][0], &sub_bits, 4);
	a[2][ck.n_params - 1] = 12345.678f;
	ck.params = a[0];
	ck.m = a[1];
	ck.v = a[2];
	return ck;
}

static void free_made(lw_checkpoint *ck)
{
	free(ck->params);
	free(ck->m);
	free(ck->v);
}

static void save_ok(const char *path, const lw_checkpoint *ck)
{
	lw_err err = { { 0 } };
	if (lw_checkpoint_save(path, ck, &err) != LW_OK)
		fail_msg("save: %s", err.msg);
}

/* The whole file at path; *n receives its size. */
static uint8_t *slurp(const char *path, size_t *n)
{
	lw_buf b = { 0 };
	lw_err err = { { 0 } };
	assert_int_equal(lw_file_read_all(path, &b, &err), LW_OK);
	*n = b.len;
	return b.data;
}

/* The checkpoint of small_config() saved at path: *ck (free_made frees it)
 * and the file's *n bytes (the caller frees them). */
static uint8_t *saved_file(const char *path, lw_checkpoint *ck, size_t *n)
{
	lw_train_config cfg = small_config();
	*ck = make_checkpoint(&cfg);
	save_ok(path, ck);
	return slurp(path, n);
}

/* Write bytes to path and expect the load to fail with status and a
 * message that starts with the path and contains want. */
static void expect_load_fails(const char *path, const uint8_t *bytes, size_t n, lw_status status,
			      const char *want)
{
	tu_write_file(path, bytes, n);
	lw_checkpoint ck;
	lw_err err = { { 0 } };
	lw_status st = lw_checkpoint_load(path, &ck, &err);
	if (st != status || strncmp(err.msg, path, strlen(path)) != 0 ||
	    (want && !strstr(err.msg, want)))
		fail_msg("%zu bytes: status %d, message \"%s\"; expected %d and \"%s\"", n, st,
			 err.msg, status, want ? want : "");
	/* A failed load leaves nothing allocated and no stale values. */
	assert_null(ck.params);
	assert_null(ck.m);
	assert_null(ck.v);
	assert_int_equal(ck.n_params, 0);
	assert_int_equal(ck.step, 0);
}

static void fix_header_crc(uint8_t *file)
{
	lw_put_u32(file + CRC_AT, lw_crc32(0, file, CRC_AT));
}

/* ------------------------------------------------------------ round trip */

static void test_round_trip(void **state)
{
	fixture *f = *state;
	lw_train_config cfg = small_config();
	cfg.threads = 7; /* not stored: loads as 0 */
	cfg.eval_every = 9;
	lw_checkpoint ck = make_checkpoint(&cfg);
	save_ok(f->path, &ck);

	lw_checkpoint back;
	lw_err err = { { 0 } };
	memset(&back, 0xab, sizeof back);
	assert_int_equal(lw_checkpoint_load(f->path, &back, &err), LW_OK);
	const lw_train_config *t = &back.train;
	assert_int_equal(t->model.arch, LW_ARCH_CLM);
	assert_int_equal(t->model.layers, 1);
	assert_int_equal(t->model.d_model, 8);
	assert_int_equal(t->model.heads, 2);
	assert_int_equal(t->model.d_ff, 16);
	assert_int_equal(t->model.seq, 8);
	assert_int_equal(t->model.vocab, 50);
	assert_int_equal(t->batch, 3);
	assert_int_equal(t->accum, 5);
	assert_true(t->steps == 5000000000L);
	assert_int_equal(t->warmup, 77);
	assert_true(t->lr == 3e-4f && t->min_lr_ratio == 0.05f && t->weight_decay == 0.125f);
	assert_true(t->clip == 0.5f && t->mask_prob == 0.2f);
	assert_int_equal(t->decay_embeddings, 1);
	assert_true(t->adamw.beta1 == 0.85f && t->adamw.beta2 == 0.98f && t->adamw.eps == 1e-7f);
	assert_true(t->seed == 0xfedcba9876543210ull);
	assert_int_equal(t->threads, 0);
	assert_int_equal(t->eval_every, 0);
	assert_int_equal(t->eval_batches, 0);
	assert_int_equal(t->save_every, 0);
	assert_int_equal(t->log_every, 0);
	assert_true(back.step == 123456789012ull);
	assert_true(back.next_batch == 0x1122334455ull);
	assert_true(back.tokens == 0xffffffffffffff00ull);
	assert_int_equal(back.tokenizer_checksum, 0xdeadbeefu);
	assert_int_equal(back.n_params, ck.n_params);
	assert_memory_equal(back.params, ck.params, ck.n_params * sizeof(float));
	assert_memory_equal(back.m, ck.m, ck.n_params * sizeof(float));
	assert_memory_equal(back.v, ck.v, ck.n_params * sizeof(float));
	assert_int_equal(lw_checkpoint_match(&back.train, &cfg, &err), LW_OK);
	assert_int_equal(back.energy.metered, 1);
	assert_true(back.energy.seconds == 3600.25 && back.energy.co2e_g == 0.125);
	assert_true(back.energy.joules[0] == 1.5 && back.energy.joules[1] == 2.25 &&
		    back.energy.joules[2] == 1e9 && back.energy.total_j == ck.energy.total_j);
	assert_int_equal(back.energy.method[0], LW_METHOD_MEASURED);
	assert_int_equal(back.energy.method[1], LW_METHOD_ESTIMATED);
	assert_int_equal(back.energy.method[2], LW_METHOD_NONE);
	assert_int_equal(back.first_prediction.step, 90);
	assert_true(back.first_prediction.energy_j == 612.5);
	assert_true(back.first_prediction.co2e_g == 0.0625);

	/* Saving over an existing checkpoint replaces it, leaving one file. */
	ck.step = 5;
	ck.params[7] = 42.0f;
	save_ok(f->path, &ck);
	lw_checkpoint_free(&back);
	assert_null(back.params);
	assert_int_equal(lw_checkpoint_load(f->path, &back, &err), LW_OK);
	assert_int_equal(back.step, 5);
	assert_true(back.params[7] == 42.0f);
	assert_int_equal(tu_count_entries(f->dir), 1);
	lw_checkpoint_free(&back);
	lw_checkpoint_free(&back); /* twice is harmless */
	free_made(&ck);
}

/* ------------------------------------------------------------ layout */

/* The documented offsets of checkpoint.c's header comment, field by field:
 * each value is distinct, so a field written to the wrong place shows. */
static void test_layout(void **state)
{
	fixture *f = *state;
	lw_checkpoint ck;
	size_t n;
	uint8_t *b = saved_file(f->path, &ck, &n);
	size_t N = ck.n_params;
	assert_int_equal(n, 252 + 12 * N);

	assert_memory_equal(b, "LWCKPT\0\0", 8);
	assert_int_equal(lw_get_u32(b + 8), 3);
	assert_int_equal(lw_get_u32(b + 12), HEADER);
	static const struct { unsigned off; uint32_t want; } u32s[] = {
		{ 16, 1 }, { 20, 1 }, { 24, 8 }, { 28, 2 }, { 32, 16 }, { 36, 8 }, { 40, 50 },
		{ 44, 3 }, { 48, 5 }, { 88, 1 }, { 136, 0xdeadbeefu },
	};
	for (size_t i = 0; i < sizeof u32s / sizeof u32s[0]; i++)
		if (lw_get_u32(b + u32s[i].off) != u32s[i].want)
			fail_msg("offset %u: %u, expected %u", u32s[i].off,
				 lw_get_u32(b + u32s[i].off), u32s[i].want);
	assert_true(lw_get_u64(b + 52) == 5000000000ull);
	assert_true(lw_get_u64(b + 60) == 77);
	static const struct { unsigned off; float want; } f32s[] = {
		{ 68, 3e-4f }, { 72, 0.05f }, { 76, 0.125f }, { 80, 0.5f }, { 84, 0.2f },
		{ 92, 0.85f }, { 96, 0.98f }, { 100, 1e-7f },
	};
	for (size_t i = 0; i < sizeof f32s / sizeof f32s[0]; i++) {
		float x;
		uint32_t u = lw_get_u32(b + f32s[i].off);
		memcpy(&x, &u, 4);
		if (x != f32s[i].want)
			fail_msg("offset %u: %g, expected %g", f32s[i].off, x, f32s[i].want);
	}
	assert_true(lw_get_u64(b + 104) == 0xfedcba9876543210ull);
	assert_true(lw_get_u64(b + 112) == 123456789012ull);
	assert_true(lw_get_u64(b + 120) == 0x1122334455ull);
	assert_true(lw_get_u64(b + 128) == 0xffffffffffffff00ull);
	assert_true(lw_get_u64(b + 140) == N);
	static const struct { unsigned off; double want; } f64s[] = {
		{ 148, 3600.25 }, { 156, 1.5 }, { 164, 2.25 }, { 172, 1e9 }, { 180, 0.125 },
		{ 200, 612.5 }, { 208, 0.0625 },
	};
	for (size_t i = 0; i < sizeof f64s / sizeof f64s[0]; i++) {
		double x;
		uint64_t u = lw_get_u64(b + f64s[i].off);
		memcpy(&x, &u, 8);
		if (x != f64s[i].want)
			fail_msg("offset %u: %g, expected %g", f64s[i].off, x, f64s[i].want);
	}
	assert_int_equal(b[188], 1);
	assert_int_equal(b[189], 1);
	assert_int_equal(b[190], 2);
	assert_int_equal(b[191], 0);
	assert_true(lw_get_u64(b + 192) == 90);
	assert_int_equal(lw_get_u32(b + 216), 0);
	assert_int_equal(lw_get_u32(b + CRC_AT), lw_crc32(0, b, CRC_AT));

	/* Payload: params, m, v as little-endian bit patterns, then the CRC. */
	const float *arrays[3] = { ck.params, ck.m, ck.v };
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < N; i++) {
			uint32_t u;
			memcpy(&u, &arrays[k][i], 4);
			if (lw_get_u32(b + HEADER + 4 * (k * N + i)) != u)
				fail_msg("array %d element %zu misplaced", k, i);
		}
	assert_int_equal(lw_get_u32(b + HEADER + 12 * N), lw_crc32(0, b + HEADER, 12 * N));
	free(b);
	free_made(&ck);
}

/* ------------------------------------------------------------ damage */

static void test_truncated(void **state)
{
	fixture *f = *state;
	lw_checkpoint ck;
	size_t n;
	uint8_t *b = saved_file(f->path, &ck, &n);
	char *cut = tu_path(f->dir, "cut.lwck");
	/* Every length through the header and a little beyond, then a
	 * stride through the payload, and the last bytes. */
	for (size_t len = 0; len < n; len += len < HEADER + 64 || len >= n - 8 ? 1 : 89)
		expect_load_fails(cut, b, len, LW_ERR_FORMAT, "truncated");
	expect_load_fails(cut, b, n - 1, LW_ERR_FORMAT, "truncated: 13211 bytes, expected 13212");
	expect_load_fails(cut, b, 100, LW_ERR_FORMAT, "truncated: 100 bytes, expected at least 248");
	free(cut);
	free(b);
	free_made(&ck);
}

static void test_flipped_bytes(void **state)
{
	fixture *f = *state;
	lw_checkpoint ck;
	size_t n;
	uint8_t *b = saved_file(f->path, &ck, &n);
	char *bad = tu_path(f->dir, "bad.lwck");
	for (size_t i = 0; i < n; i += i < HEADER || i >= n - 8 ? 1 : 37) {
		b[i] ^= 0x10;
		expect_load_fails(bad, b, n, LW_ERR_FORMAT, NULL);
		b[i] ^= 0x10;
	}
	/* The messages say which part is damaged. */
	b[24] ^= 1; /* d_model */
	expect_load_fails(bad, b, n, LW_ERR_FORMAT, "corrupted: header checksum mismatch");
	b[24] ^= 1;
	b[HEADER + 4 * ck.n_params + 3] ^= 0x80; /* the sign of m[0] */
	expect_load_fails(bad, b, n, LW_ERR_FORMAT, "corrupted: payload checksum mismatch");
	b[HEADER + 4 * ck.n_params + 3] ^= 0x80;
	b[n - 1] ^= 1; /* the payload CRC itself */
	expect_load_fails(bad, b, n, LW_ERR_FORMAT, "corrupted: payload checksum mismatch");
	b[n - 1] ^= 1;
	/* Unchanged, it still loads. */
	tu_write_file(bad, b, n);
	lw_checkpoint back;
	lw_err err = { { 0 } };
	assert_int_equal(lw_checkpoint_load(bad, &back, &err), LW_OK);
	lw_checkpoint_free(&back);
	free(bad);
	free(b);
	free_made(&ck);
}

static void test_foreign_and_newer(void **state)
{
	fixture *f = *state;
	lw_checkpoint ck;
	size_t n;
	uint8_t *b = saved_file(f->path, &ck, &n);

	/* Wrong magic, whatever the length. */
	b[2] = 'X';
	expect_load_fails(f->path, b, n, LW_ERR_FORMAT, "not a lowwatt checkpoint");
	expect_load_fails(f->path, b, 5, LW_ERR_FORMAT, "not a lowwatt checkpoint");
	const char *text = "LWTOKENS and other files are not checkpoints\n";
	expect_load_fails(f->path, (const uint8_t *)text, strlen(text), LW_ERR_FORMAT,
			  "not a lowwatt checkpoint");
	b[2] = 'C';

	/* A newer version is named, even with an otherwise valid header. */
	lw_put_u32(b + 8, 4);
	fix_header_crc(b);
	expect_load_fails(f->path, b, n, LW_ERR_FORMAT, "version 4 is newer than this lowwatt (3)");
	lw_put_u32(b + 8, 0);
	fix_header_crc(b);
	expect_load_fails(f->path, b, n, LW_ERR_FORMAT, "version 0 is not valid");
	lw_put_u32(b + 8, 3);
	lw_put_u32(b + 12, 224);
	fix_header_crc(b);
	expect_load_fails(f->path, b, n, LW_ERR_FORMAT, "header length 224, expected 248");
	free(b);
	free_made(&ck);
}

/* Headers with a valid CRC but contents that do not add up. */
static void test_inconsistent_header(void **state)
{
	fixture *f = *state;
	lw_checkpoint ck;
	size_t n;
	uint8_t *b = saved_file(f->path, &ck, &n);
	uint8_t *c = malloc(n + 1);

	memcpy(c, b, n);
	lw_put_u32(c + 28, 3); /* heads 3 does not divide d_model 8 */
	fix_header_crc(c);
	expect_load_fails(f->path, c, n, LW_ERR_FORMAT, "heads (3) must divide d_model (8)");

	memcpy(c, b, n);
	lw_put_u32(c + 16, 7); /* arch */
	fix_header_crc(c);
	expect_load_fails(f->path, c, n, LW_ERR_FORMAT, "arch");

	memcpy(c, b, n);
	lw_put_u32(c + 24, 0xffffffffu); /* d_model -1 */
	fix_header_crc(c);
	expect_load_fails(f->path, c, n, LW_ERR_FORMAT, "d_model");

	memcpy(c, b, n);
	lw_put_u64(c + 140, ck.n_params + 1);
	fix_header_crc(c);
	expect_load_fails(f->path, c, n, LW_ERR_FORMAT, "n_params does not match the model");

	memcpy(c, b, n);
	lw_put_u64(c + 140, UINT64_MAX / 4);
	fix_header_crc(c);
	expect_load_fails(f->path, c, n, LW_ERR_FORMAT, "n_params does not match the model");

	/* A larger model in the header: the file is now too short for it. */
	memcpy(c, b, n);
	lw_put_u32(c + 40, 51);
	lw_put_u64(c + 140, ck.n_params + 8);
	fix_header_crc(c);
	expect_load_fails(f->path, c, n, LW_ERR_FORMAT, "truncated: 13212 bytes, expected 13308");

	memcpy(c, b, n);
	c[n] = 0;
	expect_load_fails(f->path, c, n + 1, LW_ERR_FORMAT,
			  "trailing bytes: 13213 bytes, expected 13212");

	/* Energy that cannot be: negative, not finite, an unknown method, a
	 * negative prediction step. */
	static const struct { unsigned off; int width; uint64_t value; } bad[] = {
		{ 156, 8, 0xbff0000000000000ull },   /* -1.0 J */
		{ 180, 8, 0x7ff8000000000000ull },   /* NaN g */
		{ 148, 8, 0x7ff0000000000000ull },   /* infinite seconds */
		{ 190, 1, 3 },                       /* method 3 */
		{ 188, 1, 2 },                       /* metered 2 */
		{ 192, 8, UINT64_MAX },              /* step -1 */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memcpy(c, b, n);
		if (bad[i].width == 8)
			lw_put_u64(c + bad[i].off, bad[i].value);
		else
			c[bad[i].off] = (uint8_t)bad[i].value;
		fix_header_crc(c);
		expect_load_fails(f->path, c, n, LW_ERR_FORMAT, "energy figures are not valid");
	}
	free(c);
	free(b);
	free_made(&ck);
}

/* The file b (n bytes, this version) as an older version whose header is
 * `header` bytes: its first header - 4 bytes, that version and length, the
 * CRC at header - 4, then the same payload. */
static uint8_t *older_version(const uint8_t *b, size_t n, uint32_t version, size_t header,
			      size_t *n_out)
{
	*n_out = n - (HEADER - header);
	uint8_t *old = malloc(*n_out);
	memcpy(old, b, header - 4);
	lw_put_u32(old + 8, version);
	lw_put_u32(old + 12, (uint32_t)header);
	lw_put_u32(old + header - 4, lw_crc32(0, old, header - 4));
	memcpy(old + header, b + HEADER, n - HEADER);
	return old;
}

/* A version 2 file (no sharing: CRC at 220, payload at 224) loads as an
 * unshared model, its energy and arrays intact. */
static void test_version_2(void **state)
{
	fixture *f = *state;
	lw_checkpoint ck;
	size_t n;
	uint8_t *b = saved_file(f->path, &ck, &n);
	size_t n2;
	uint8_t *v2 = older_version(b, n, 2, 224, &n2);
	tu_write_file(f->path, v2, n2);
	lw_checkpoint back;
	lw_err err = { { 0 } };
	assert_int_equal(lw_checkpoint_load(f->path, &back, &err), LW_OK);
	assert_int_equal(back.train.model.share, LW_SHARE_NONE);
	assert_int_equal(back.train.model.bank, 0);
	assert_true(back.energy.total_j == ck.energy.total_j);
	assert_int_equal(back.first_prediction.step, 90);
	assert_memory_equal(back.params, ck.params, ck.n_params * sizeof(float));
	lw_checkpoint_free(&back);
	free(v2);
	free(b);
	free_made(&ck);
}

/* A shared model's checkpoint: the sharing fields at their offsets, only
 * the physical parameters, back as they were; another scheme here is
 * refused by name. */
static void test_sharing(void **state)
{
	fixture *f = *state;
	lw_train_config cfg = small_config();
	cfg.model.layers = 3;
	cfg.model.share = LW_SHARE_ATTN;
	cfg.model.share_groups = 2;
	cfg.model.share_vectors = 1;
	lw_checkpoint ck = { .train = cfg, .step = 7 };
	ck.n_params = lw_model_config_params(&cfg.model);
	assert_true(ck.n_params < lw_model_config_logical_params(&cfg.model));
	ck.params = calloc(ck.n_params, sizeof(float));
	ck.m = calloc(ck.n_params, sizeof(float));
	ck.v = calloc(ck.n_params, sizeof(float));
	ck.params[ck.n_params - 1] = 3.5f;
	save_ok(f->path, &ck);
	size_t n;
	uint8_t *b = slurp(f->path, &n);
	assert_int_equal(n, 252 + 12 * ck.n_params);
	assert_int_equal(lw_get_u32(b + 220), 2);
	assert_int_equal(lw_get_u32(b + 224), 2);
	assert_int_equal(lw_get_u32(b + 228), 1);
	assert_true(lw_get_u64(b + 232) == 0);
	assert_int_equal(lw_get_u32(b + 240), 0);
	free(b);
	lw_checkpoint back;
	lw_err err = { { 0 } };
	assert_int_equal(lw_checkpoint_load(f->path, &back, &err), LW_OK);
	assert_int_equal(back.train.model.share, LW_SHARE_ATTN);
	assert_int_equal(back.n_params, ck.n_params);
	assert_true(back.params[ck.n_params - 1] == 3.5f);
	assert_int_equal(lw_checkpoint_match(&back.train, &cfg, &err), LW_OK);
	lw_train_config here = cfg;
	here.model.share = LW_SHARE_NONE;
	here.model.share_groups = 0;
	here.model.share_vectors = 0;
	assert_int_equal(lw_checkpoint_match(&back.train, &here, &err), LW_ERR_STATE);
	assert_string_equal(err.msg, "share is attn in the checkpoint, none here");
	here = cfg;
	here.model.share_groups = 3;
	assert_int_equal(lw_checkpoint_match(&back.train, &here, &err), LW_ERR_STATE);
	assert_string_equal(err.msg, "share_groups is 2 in the checkpoint, 3 here");
	lw_checkpoint_free(&back);
	/* A bank. */
	cfg = small_config();
	cfg.model.bank = 1234;
	cfg.model.templates = 3;
	ck.train = cfg;
	free_made(&ck);
	ck.n_params = lw_model_config_params(&cfg.model);
	ck.params = calloc(ck.n_params, sizeof(float));
	ck.m = calloc(ck.n_params, sizeof(float));
	ck.v = calloc(ck.n_params, sizeof(float));
	save_ok(f->path, &ck);
	assert_int_equal(lw_checkpoint_load(f->path, &back, &err), LW_OK);
	assert_int_equal(back.train.model.bank, 1234);
	assert_int_equal(back.train.model.templates, 3);
	here = cfg;
	here.model.bank = 1000;
	assert_int_equal(lw_checkpoint_match(&back.train, &here, &err), LW_ERR_STATE);
	assert_string_equal(err.msg, "bank is 1234 in the checkpoint, 1000 here");
	lw_checkpoint_free(&back);
	free_made(&ck);
}

/* A version 1 file (no energy block: CRC at 148, payload at 152) loads as
 * a run that was not metered, its arrays intact. */
static void test_version_1(void **state)
{
	fixture *f = *state;
	lw_checkpoint ck;
	size_t n;
	uint8_t *b = saved_file(f->path, &ck, &n);
	size_t n1;
	uint8_t *v1 = older_version(b, n, 1, 152, &n1);
	tu_write_file(f->path, v1, n1);
	lw_checkpoint back;
	lw_err err = { { 0 } };
	assert_int_equal(lw_checkpoint_load(f->path, &back, &err), LW_OK);
	assert_true(back.step == 123456789012ull);
	assert_memory_equal(back.v, ck.v, ck.n_params * sizeof(float));
	assert_int_equal(back.energy.metered, 0);
	assert_true(back.energy.total_j == 0 && back.energy.seconds == 0);
	assert_int_equal(back.first_prediction.step, 0);
	lw_checkpoint_free(&back);
	/* Its own length rules still hold. */
	lw_put_u32(v1 + 12, 224);
	lw_put_u32(v1 + 148, lw_crc32(0, v1, 148));
	expect_load_fails(f->path, v1, n1, LW_ERR_FORMAT, "header length 224, expected 152");
	free(v1);
	free(b);
	free_made(&ck);
}

static void test_load_errors(void **state)
{
	fixture *f = *state;
	lw_checkpoint ck;
	lw_err err = { { 0 } };
	assert_int_equal(lw_checkpoint_load(f->path, &ck, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, f->path));
	assert_non_null(strstr(err.msg, "cannot open"));
	assert_null(ck.params);
	assert_int_equal(lw_checkpoint_load(f->dir, &ck, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, f->dir));
}

/* ------------------------------------------------------------ match */

static void expect_mismatch(const lw_train_config *ckpt, const lw_train_config *here,
			    const char *want)
{
	lw_err err = { { 0 } };
	assert_int_equal(lw_checkpoint_match(ckpt, here, &err), LW_ERR_STATE);
	if (strcmp(err.msg, want) != 0)
		fail_msg("message \"%s\", expected \"%s\"", err.msg, want);
}

static void test_match(void **state)
{
	(void)state;
	lw_train_config a, b;
	lw_train_config_default(&a);
	/* Fixed here, so that the messages below do not follow the defaults. */
	a.model.d_model = 256;
	a.model.d_ff = 1024;
	a.model.seq = 128;
	a.batch = 32;
	a.steps = 1000;
	a.lr = 1e-3f;
	lw_err err = { { 0 } };
	assert_int_equal(lw_checkpoint_match(&a, &a, &err), LW_OK);

	/* The settings that may change on resume do not count. */
	b = a;
	b.threads = 3;
	b.eval_every = 1;
	b.eval_batches = 2;
	b.save_every = 3;
	b.log_every = 4;
	assert_int_equal(lw_checkpoint_match(&a, &b, &err), LW_OK);

	/* Each stored field does, named with both values. */
#define MISMATCH(field, value, want) \
	do { \
		b = a; \
		b.field = value; \
		expect_mismatch(&a, &b, want); \
	} while (0)
	MISMATCH(model.arch, LW_ARCH_CLM, "arch is mlm in the checkpoint, clm here");
	MISMATCH(model.layers, 6, "layers is 4 in the checkpoint, 6 here");
	MISMATCH(model.d_model, 512, "d_model is 256 in the checkpoint, 512 here");
	MISMATCH(model.heads, 8, "heads is 4 in the checkpoint, 8 here");
	MISMATCH(model.d_ff, 2048, "d_ff is 1024 in the checkpoint, 2048 here");
	MISMATCH(model.seq, 64, "seq is 128 in the checkpoint, 64 here");
	MISMATCH(model.vocab, 50257, "vocab is 8192 in the checkpoint, 50257 here");
	MISMATCH(batch, 16, "batch is 32 in the checkpoint, 16 here");
	MISMATCH(accum, 2, "accum is 1 in the checkpoint, 2 here");
	MISMATCH(steps, 2000, "steps is 1000 in the checkpoint, 2000 here");
	MISMATCH(warmup, 0, "warmup is 100 in the checkpoint, 0 here");
	MISMATCH(lr, 2e-3f, "lr is 0.001 in the checkpoint, 0.002 here");
	MISMATCH(min_lr_ratio, 0.0f, "min_lr_ratio is 0.1 in the checkpoint, 0 here");
	MISMATCH(weight_decay, 0.1f, "weight_decay is 0.01 in the checkpoint, 0.1 here");
	MISMATCH(clip, 0.0f, "clip is 1 in the checkpoint, 0 here");
	MISMATCH(mask_prob, 0.3f, "mask_prob is 0.15 in the checkpoint, 0.3 here");
	MISMATCH(decay_embeddings, 1, "decay_embeddings is 0 in the checkpoint, 1 here");
	MISMATCH(adamw.beta1, 0.8f, "beta1 is 0.9 in the checkpoint, 0.8 here");
	MISMATCH(adamw.beta2, 0.95f, "beta2 is 0.999 in the checkpoint, 0.95 here");
	MISMATCH(adamw.eps, 1e-6f, "eps is 1e-08 in the checkpoint, 1e-06 here");
	MISMATCH(seed, 18446744073709551615ull,
		 "seed is 1 in the checkpoint, 18446744073709551615 here");
	/* One ulp apart: still different, and printed differently. */
	MISMATCH(lr, nextafterf(1e-3f, 1.0f), "lr is 0.001 in the checkpoint, 0.0010000002 here");
#undef MISMATCH

	/* The first difference in file order is the one reported. */
	b = a;
	b.seed = 2;
	b.model.layers = 2;
	expect_mismatch(&a, &b, "layers is 4 in the checkpoint, 2 here");
}

/* ------------------------------------------------------------ write errors */

static void test_save_errors(void **state)
{
	fixture *f = *state;
	lw_train_config cfg = small_config();
	lw_checkpoint ck = make_checkpoint(&cfg);
	lw_err err = { { 0 } };

	/* No such folder; a "folder" that is a file. */
	char *missing = tu_path(f->dir, "no/such/run.lwck");
	assert_int_equal(lw_checkpoint_save(missing, &ck, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, missing));
	char *file = tu_path(f->dir, "file");
	tu_write_file(file, "x", 1);
	char *under_file = tu_path(file, "run.lwck");
	assert_int_equal(lw_checkpoint_save(under_file, &ck, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, under_file));
	unlink(file);

	/* A read-only folder (root writes anyway: skip there). */
	if (geteuid() != 0) {
		assert_int_equal(chmod(f->dir, 0500), 0);
		assert_int_equal(lw_checkpoint_save(f->path, &ck, &err), LW_ERR_IO);
		assert_non_null(strstr(err.msg, f->path));
		assert_int_equal(chmod(f->dir, 0700), 0);
	}

	/* A checkpoint that would not load back is refused before writing. */
	ck.n_params--;
	assert_int_equal(lw_checkpoint_save(f->path, &ck, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "n_params"));
	ck.n_params++;
	ck.train.model.heads = 3;
	assert_int_equal(lw_checkpoint_save(f->path, &ck, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, f->path));
	ck.train.model.heads = 2;
	assert_int_equal(tu_count_entries(f->dir), 0);

	/* A write that fails half-way (the file size limit stands in for a
	 * full disk): an error, the old checkpoint intact, no temporary file. */
	save_ok(f->path, &ck);
	struct rlimit old, small;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 4096;
	void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	ck.step = 999;
	lw_status st = lw_checkpoint_save(f->path, &ck, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);
	assert_int_equal(st, LW_ERR_IO);
	assert_non_null(strstr(err.msg, f->path));
	assert_int_equal(tu_count_entries(f->dir), 1);
	lw_checkpoint back;
	assert_int_equal(lw_checkpoint_load(f->path, &back, &err), LW_OK);
	assert_true(back.step == 123456789012ull);
	lw_checkpoint_free(&back);

	free(missing);
	free(file);
	free(under_file);
	free_made(&ck);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flipped_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_and_newer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inconsistent_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sharing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
		cmocka_unit_test(test_match),
		cmocka_unit_test_setup_teardown(test_save_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
