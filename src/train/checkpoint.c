/*
 * checkpoint.c — saving, loading and comparing training checkpoints (.lwck,
 * checkpoint.h): the settings that decide a run's numbers, its position
 * (step, data, tokens), and the parameters with AdamW's two moments.
 *
 * File format, version 3. All integers little-endian; i32/i64 are two's
 * complement; f32 and f64 are the IEEE-754 bit patterns stored as a u32 and
 * a u64. The header is exactly 248 bytes:
 *
 *   offset size  field
 *     0     8    magic, the bytes "LWCKPT\0\0"
 *     8     4    u32 version = 3
 *    12     4    u32 header length = 248 (the payload starts there)
 *                --- lw_train_config: the stored fields (train.h) ---
 *    16     4    i32 model.arch: 0 mlm, 1 clm
 *    20     4    i32 model.layers L
 *    24     4    i32 model.d_model C
 *    28     4    i32 model.heads NH
 *    32     4    i32 model.d_ff F
 *    36     4    i32 model.seq T
 *    40     4    i32 model.vocab V
 *    44     4    i32 batch
 *    48     4    i32 accum
 *    52     8    i64 steps
 *    60     8    i64 warmup
 *    68     4    f32 lr
 *    72     4    f32 min_lr_ratio
 *    76     4    f32 weight_decay
 *    80     4    f32 clip
 *    84     4    f32 mask_prob
 *    88     4    i32 decay_embeddings
 *    92     4    f32 adamw.beta1
 *    96     4    f32 adamw.beta2
 *   100     4    f32 adamw.eps
 *   104     8    u64 seed
 *                --- the run's position ---
 *   112     8    u64 step: optimizer steps completed
 *   120     8    u64 next_batch: index of the next micro-batch
 *   128     8    u64 tokens: training tokens consumed
 *   136     4    u32 tokenizer checksum (lw_bpe_checksum)
 *   140     8    u64 n_params N = lw_model_config_params(model): the
 *                    physical parameters (model.h: what sharing leaves)
 *                --- the run's energy up to this step (run_energy.h) ---
 *   148     8    f64 seconds, every invocation
 *   156    24    f64 joules at the meter: cpu, dram, gpu
 *   180     8    f64 CO2e, grams
 *   188     1    u8 metered: 0 or 1
 *   189     3    u8 method of cpu, dram, gpu: 0 none, 1 measured, 2 estimated
 *   192     8    i64 step of the run's first energy prediction, 0: none
 *   200     8    f64 its energy, joules
 *   208     8    f64 its CO2e, grams
 *   216     4    u32 reserved, 0
 *                --- lw_train_config: the model's sharing (model.h) ---
 *   220     4    i32 model.share: 0 none, 1 all, 2 attn, 3 ffn
 *   224     4    i32 model.share_groups
 *   228     4    i32 model.share_vectors
 *   232     8    i64 model.bank: floats of the parameter bank, 0: none
 *   240     4    i32 model.templates
 *   244     4    u32 CRC-32 (lw_crc32, zlib's) of header bytes 0..243
 *                --- payload ---
 *   248    4N    params, N f32, in the order of the model's physical
 *                tensor table (lw_model_tensors)
 *   248+4N 4N    m, AdamW's first moments, same layout
 *   248+8N 4N    v, AdamW's second moments, same layout
 *   248+12N 4    u32 CRC-32 of the 12N payload bytes
 *
 * Older versions still load: version 2 (no sharing: the header's CRC is at
 * 220, the payload at 224) as an unshared model, version 1 (no energy
 * either: CRC at 148, payload at 152) also as a run that was not metered.
 *
 * The file is exactly 252 + 12N bytes. A reader checks, in this order:
 * magic, version (a newer one is refused by name), header length, header
 * CRC, the model configuration (lw_model_config_check), N against the
 * configuration, the energy (finite, not negative, known methods), the
 * file size, and the payload CRC; every message starts
 * with the file's path. The payload is streamed in chunks both ways, its
 * CRC computed as it goes: no copy of the whole payload is ever built.
 */
#include "lowwatt/checkpoint.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/crc32.h"
#include "util/endian.h"
#include "util/file.h"

#define MAGIC "LWCKPT\0\0"
#define VERSION 3u
#define HEADER_SIZE 248u   /* version 3; the largest */
/* Floats per chunk of payload I/O (16 KiB). */
#define CHUNK 4096

/* Byte offsets of the header fields (see above). */
enum {
	OFF_MAGIC = 0,
	OFF_VERSION = 8,
	OFF_HEADER_LEN = 12,
	OFF_STEP = 112,
	OFF_NEXT_BATCH = 120,
	OFF_TOKENS = 128,
	OFF_TOKENIZER = 136,
	OFF_N_PARAMS = 140,
	OFF_SECONDS = 148,
	OFF_JOULES = 156,
	OFF_CO2E = 180,
	OFF_METERED = 188,
	OFF_METHODS = 189,
	OFF_PREDICTION_STEP = 192,
	OFF_PREDICTION_J = 200,
	OFF_PREDICTION_CO2E = 208,
	OFF_HEADER_CRC = 244,
};

/* ------------------------------------------------------ stored fields */

/* How a field of lw_train_config is held in memory and in the file. */
enum kind {
	K_ARCH,  /* lw_arch as i32 */
	K_SHARE, /* lw_share as i32 */
	K_INT,   /* int as i32 */
	K_LONG,  /* long as i64 */
	K_FLOAT, /* float as f32 */
	K_U64,   /* uint64_t as u64 */
};

/* The stored fields, in file order: the one list that encoding, decoding
 * and lw_checkpoint_match all walk. */
static const struct field {
	const char *name;
	enum kind kind;
	size_t at;      /* offsetof in lw_train_config */
	unsigned off;   /* byte offset in the header */
	unsigned since; /* the version that added it (older files: zero) */
} fields[] = {
	{ "arch", K_ARCH, offsetof(lw_train_config, model.arch), 16, 1 },
	{ "layers", K_INT, offsetof(lw_train_config, model.layers), 20, 1 },
	{ "d_model", K_INT, offsetof(lw_train_config, model.d_model), 24, 1 },
	{ "heads", K_INT, offsetof(lw_train_config, model.heads), 28, 1 },
	{ "d_ff", K_INT, offsetof(lw_train_config, model.d_ff), 32, 1 },
	{ "seq", K_INT, offsetof(lw_train_config, model.seq), 36, 1 },
	{ "vocab", K_INT, offsetof(lw_train_config, model.vocab), 40, 1 },
	{ "batch", K_INT, offsetof(lw_train_config, batch), 44, 1 },
	{ "accum", K_INT, offsetof(lw_train_config, accum), 48, 1 },
	{ "steps", K_LONG, offsetof(lw_train_config, steps), 52, 1 },
	{ "warmup", K_LONG, offsetof(lw_train_config, warmup), 60, 1 },
	{ "lr", K_FLOAT, offsetof(lw_train_config, lr), 68, 1 },
	{ "min_lr_ratio", K_FLOAT, offsetof(lw_train_config, min_lr_ratio), 72, 1 },
	{ "weight_decay", K_FLOAT, offsetof(lw_train_config, weight_decay), 76, 1 },
	{ "clip", K_FLOAT, offsetof(lw_train_config, clip), 80, 1 },
	{ "mask_prob", K_FLOAT, offsetof(lw_train_config, mask_prob), 84, 1 },
	{ "decay_embeddings", K_INT, offsetof(lw_train_config, decay_embeddings), 88, 1 },
	{ "beta1", K_FLOAT, offsetof(lw_train_config, adamw.beta1), 92, 1 },
	{ "beta2", K_FLOAT, offsetof(lw_train_config, adamw.beta2), 96, 1 },
	{ "eps", K_FLOAT, offsetof(lw_train_config, adamw.eps), 100, 1 },
	{ "seed", K_U64, offsetof(lw_train_config, seed), 104, 1 },
	{ "share", K_SHARE, offsetof(lw_train_config, model.share), 220, 3 },
	{ "share_groups", K_INT, offsetof(lw_train_config, model.share_groups), 224, 3 },
	{ "share_vectors", K_INT, offsetof(lw_train_config, model.share_vectors), 228, 3 },
	{ "bank", K_LONG, offsetof(lw_train_config, model.bank), 232, 3 },
	{ "templates", K_INT, offsetof(lw_train_config, model.templates), 240, 3 },
};
enum { N_FIELDS = sizeof fields / sizeof fields[0] };

static uint32_t float_bits(float x)
{
	uint32_t u;
	memcpy(&u, &x, 4);
	return u;
}

static float bits_float(uint32_t u)
{
	float x;
	memcpy(&x, &u, 4);
	return x;
}

/* Two's complement decoding that does not rely on implementation-defined
 * conversions of out-of-range unsigned values. */
static int64_t as_i64(uint64_t u)
{
	return u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

static int32_t as_i32(uint32_t u)
{
	return u <= INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
}

/* Write field f of cfg into the header h. */
static void put_field(uint8_t *h, const struct field *f, const lw_train_config *cfg)
{
	const char *p = (const char *)cfg + f->at;
	switch (f->kind) {
	case K_ARCH: lw_put_u32(h + f->off, (uint32_t)*(const lw_arch *)p); break;
	case K_SHARE: lw_put_u32(h + f->off, (uint32_t)*(const lw_share *)p); break;
	case K_INT: lw_put_u32(h + f->off, (uint32_t)*(const int *)p); break;
	case K_LONG: lw_put_u64(h + f->off, (uint64_t)(int64_t)*(const long *)p); break;
	case K_FLOAT: lw_put_u32(h + f->off, float_bits(*(const float *)p)); break;
	case K_U64: lw_put_u64(h + f->off, *(const uint64_t *)p); break;
	}
}

/* Read field f from the header h of a version into cfg (zero if the version
 * is older than the field); 0 if the value does not fit the field's type on
 * this host (a long of 32 bits). */
static int get_field(const uint8_t *h, uint32_t version, const struct field *f,
		     lw_train_config *cfg)
{
	char *p = (char *)cfg + f->at;
	if (version < f->since)
		return 1;  /* cfg was zeroed: none */
	switch (f->kind) {
	case K_ARCH: *(lw_arch *)p = (lw_arch)as_i32(lw_get_u32(h + f->off)); break;
	case K_SHARE: *(lw_share *)p = (lw_share)as_i32(lw_get_u32(h + f->off)); break;
	case K_INT: *(int *)p = as_i32(lw_get_u32(h + f->off)); break;
	case K_LONG: {
		int64_t v = as_i64(lw_get_u64(h + f->off));
		if (v < LONG_MIN || v > LONG_MAX)
			return 0;
		*(long *)p = (long)v;
		break;
	}
	case K_FLOAT: *(float *)p = bits_float(lw_get_u32(h + f->off)); break;
	case K_U64: *(uint64_t *)p = lw_get_u64(h + f->off); break;
	}
	return 1;
}

/* The shortest of %.6g..%.9g that reads back as x: "0.001", not
 * "0.00100000005", and two different floats never print the same. */
static void format_float(char *buf, size_t n, float x)
{
	for (int prec = 6; prec <= 9; prec++) {
		snprintf(buf, n, "%.*g", prec, (double)x);
		if (strtof(buf, NULL) == x)
			return;
	}
}

/* Field f of cfg as text, for messages. */
static void format_field(char *buf, size_t n, const struct field *f, const lw_train_config *cfg)
{
	const char *p = (const char *)cfg + f->at;
	switch (f->kind) {
	case K_ARCH: {
		lw_arch a = *(const lw_arch *)p;
		if (a == LW_ARCH_MLM || a == LW_ARCH_CLM)
			snprintf(buf, n, "%s", lw_arch_name(a));
		else
			snprintf(buf, n, "%d", (int)a);
		break;
	}
	case K_SHARE: snprintf(buf, n, "%s", lw_share_name(*(const lw_share *)p)); break;
	case K_INT: snprintf(buf, n, "%d", *(const int *)p); break;
	case K_LONG: snprintf(buf, n, "%ld", *(const long *)p); break;
	case K_FLOAT: format_float(buf, n, *(const float *)p); break;
	case K_U64: snprintf(buf, n, "%llu", (unsigned long long)*(const uint64_t *)p); break;
	}
}

/* Whether field f is the same in a and b (floats bit for bit: the file
 * stores bit patterns, and a run's numbers depend on every bit). */
static int field_equal(const struct field *f, const lw_train_config *a, const lw_train_config *b)
{
	static const size_t width[] = {
		[K_ARCH] = sizeof(lw_arch), [K_SHARE] = sizeof(lw_share), [K_INT] = sizeof(int),
		[K_LONG] = sizeof(long),
		[K_FLOAT] = sizeof(float), [K_U64] = sizeof(uint64_t),
	};
	return memcmp((const char *)a + f->at, (const char *)b + f->at, width[f->kind]) == 0;
}

/* ------------------------------------------------------------ energy */

static void put_f64(uint8_t *p, double x)
{
	uint64_t u;
	memcpy(&u, &x, 8);
	lw_put_u64(p, u);
}

static double get_f64(const uint8_t *p)
{
	uint64_t u = lw_get_u64(p);
	double x;
	memcpy(&x, &u, 8);
	return x;
}

static void encode_energy(uint8_t *h, const lw_checkpoint *ck)
{
	const lw_run_energy *e = &ck->energy;
	put_f64(h + OFF_SECONDS, e->seconds);
	for (int d = 0; d < LW_DOMAIN_COUNT; d++) {
		put_f64(h + OFF_JOULES + 8 * d, e->joules[d]);
		h[OFF_METHODS + d] = (uint8_t)e->method[d];
	}
	put_f64(h + OFF_CO2E, e->co2e_g);
	h[OFF_METERED] = e->metered != 0;
	lw_put_u64(h + OFF_PREDICTION_STEP, (uint64_t)(int64_t)ck->first_prediction.step);
	put_f64(h + OFF_PREDICTION_J, ck->first_prediction.energy_j);
	put_f64(h + OFF_PREDICTION_CO2E, ck->first_prediction.co2e_g);
}

static int amount(double x)
{
	return isfinite(x) && x >= 0;
}

/* Whether the energy figures can be stored and read back: amounts finite
 * and not negative, methods known, a prediction's step not negative. */
static int energy_valid(const lw_run_energy *e, const lw_energy_prediction *p)
{
	int ok = amount(e->seconds) && amount(e->co2e_g) && (e->metered == 0 || e->metered == 1);
	for (int d = 0; d < LW_DOMAIN_COUNT; d++)
		ok = ok && amount(e->joules[d]) && e->method[d] >= LW_METHOD_NONE &&
		     e->method[d] <= LW_METHOD_ESTIMATED;
	return ok && p->step >= 0 && (p->step == 0 || (amount(p->energy_j) && amount(p->co2e_g)));
}

/* The energy of a version 2 header (a version 1 file: not metered). */
static lw_status decode_energy(const uint8_t *h, uint32_t version, const char *path,
			       lw_checkpoint *ck, lw_err *err)
{
	lw_run_energy *e = &ck->energy;
	*e = (lw_run_energy){0};
	ck->first_prediction = (lw_energy_prediction){0};
	if (version < 2)
		return LW_OK;
	e->seconds = get_f64(h + OFF_SECONDS);
	for (int d = 0; d < LW_DOMAIN_COUNT; d++) {
		e->joules[d] = get_f64(h + OFF_JOULES + 8 * d);
		e->method[d] = (lw_method)h[OFF_METHODS + d];
		e->total_j += e->joules[d];
	}
	e->co2e_g = get_f64(h + OFF_CO2E);
	e->metered = h[OFF_METERED];
	int64_t step = as_i64(lw_get_u64(h + OFF_PREDICTION_STEP));
	ck->first_prediction.step = step < 0 || step > LONG_MAX ? -1 : (long)step;
	ck->first_prediction.energy_j = get_f64(h + OFF_PREDICTION_J);
	ck->first_prediction.co2e_g = get_f64(h + OFF_PREDICTION_CO2E);
	if (!energy_valid(e, &ck->first_prediction))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: the run's energy figures are not valid",
				  path);
	return LW_OK;
}

/* ------------------------------------------------------------ header */

static void encode_header(uint8_t h[HEADER_SIZE], const lw_checkpoint *ck)
{
	memset(h, 0, HEADER_SIZE);
	memcpy(h + OFF_MAGIC, MAGIC, 8);
	lw_put_u32(h + OFF_VERSION, VERSION);
	lw_put_u32(h + OFF_HEADER_LEN, HEADER_SIZE);
	for (int i = 0; i < N_FIELDS; i++)
		put_field(h, &fields[i], &ck->train);
	lw_put_u64(h + OFF_STEP, ck->step);
	lw_put_u64(h + OFF_NEXT_BATCH, ck->next_batch);
	lw_put_u64(h + OFF_TOKENS, ck->tokens);
	lw_put_u32(h + OFF_TOKENIZER, ck->tokenizer_checksum);
	lw_put_u64(h + OFF_N_PARAMS, (uint64_t)ck->n_params);
	encode_energy(h, ck);
	lw_put_u32(h + OFF_HEADER_CRC, lw_crc32(0, h, OFF_HEADER_CRC));
}

static lw_status truncated(const char *path, uint64_t size, uint64_t want, const char *least,
			   lw_err *err)
{
	return lw_err_set(err, LW_ERR_FORMAT, "%s: truncated: %llu bytes, expected %s%llu", path,
			  (unsigned long long)size, least, (unsigned long long)want);
}

/* The header length of a version (its CRC takes the last 4 bytes). */
static uint32_t header_size(uint32_t version)
{
	return version == 1 ? 152u : version == 2 ? 224u : HEADER_SIZE;
}

/* The checks on the first k bytes of the file (k = min(size, 224)) that
 * come before any field can be trusted: magic, version, length, CRC. */
static lw_status check_header(const uint8_t *h, size_t k, const char *path, lw_err *err)
{
	size_t km = k < 8 ? k : 8;
	if (memcmp(h + OFF_MAGIC, MAGIC, km) != 0)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: not a lowwatt checkpoint (bad magic)",
				  path);
	if (k < OFF_HEADER_LEN + 4)
		return truncated(path, k, header_size(1), "at least ", err);
	uint32_t version = lw_get_u32(h + OFF_VERSION);
	if (version > VERSION)
		return lw_err_set(err, LW_ERR_FORMAT,
				  "%s: checkpoint version %u is newer than this lowwatt (%u)", path,
				  version, VERSION);
	if (version < 1)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: checkpoint version %u is not valid",
				  path, version);
	uint32_t len = lw_get_u32(h + OFF_HEADER_LEN), want = header_size(version);
	if (len != want)
		return lw_err_set(err, LW_ERR_FORMAT,
				  "%s: header length %u, expected %u for version %u", path, len,
				  want, version);
	if (k < want)
		return truncated(path, k, want, "at least ", err);
	uint32_t crc_at = want - 4;
	if (lw_get_u32(h + crc_at) != lw_crc32(0, h, crc_at))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: corrupted: header checksum mismatch",
				  path);
	return LW_OK;
}

/* Fill ck's scalars from a header that passed check_header, and check
 * them: a valid model whose parameter count is the stored N. */
static lw_status decode_header(const uint8_t *h, const char *path, lw_checkpoint *ck,
			       lw_err *err)
{
	uint32_t version = lw_get_u32(h + OFF_VERSION);
	for (int i = 0; i < N_FIELDS; i++)
		if (!get_field(h, version, &fields[i], &ck->train))
			return lw_err_set(err, LW_ERR_FORMAT,
					  "%s: %s does not fit a long on this machine", path,
					  fields[i].name);
	ck->step = lw_get_u64(h + OFF_STEP);
	ck->next_batch = lw_get_u64(h + OFF_NEXT_BATCH);
	ck->tokens = lw_get_u64(h + OFF_TOKENS);
	ck->tokenizer_checksum = lw_get_u32(h + OFF_TOKENIZER);
	if (lw_model_config_check(&ck->train.model, err) != LW_OK) {
		lw_err_prefix(err, path);
		return LW_ERR_FORMAT;
	}
	uint64_t n = lw_get_u64(h + OFF_N_PARAMS);
	size_t want = lw_model_config_params(&ck->train.model);
	if (n != (uint64_t)want)
		return lw_err_set(err, LW_ERR_FORMAT,
				  "%s: n_params does not match the model (%llu stored, %zu for its "
				  "configuration)",
				  path, (unsigned long long)n, want);
	ck->n_params = want;
	return decode_energy(h, version, path, ck, err);
}

/* ------------------------------------------------------------ payload */

/* Append a[0..n) to f as f32, updating the running payload CRC. */
static lw_status write_floats(lw_atomic_file *f, const float *a, size_t n, uint32_t *crc,
			      lw_err *err)
{
	uint8_t buf[CHUNK * 4];
	for (size_t i = 0; i < n; i += CHUNK) {
		size_t k = n - i < CHUNK ? n - i : CHUNK;
		for (size_t j = 0; j < k; j++)
			lw_put_u32(buf + 4 * j, float_bits(a[i + j]));
		*crc = lw_crc32(*crc, buf, 4 * k);
		lw_status st = lw_atomic_write(f, buf, 4 * k, err);
		if (st != LW_OK)
			return st;
	}
	return LW_OK;
}

/* A read came up short although the size was checked: a read error, or the
 * file shrank under us. */
static lw_status short_read(FILE *fp, const char *path, lw_err *err)
{
	if (ferror(fp))
		return lw_err_set(err, LW_ERR_IO, "%s: read failed: %s", path, strerror(errno));
	return lw_err_set(err, LW_ERR_FORMAT, "%s: truncated while reading", path);
}

/* Read n f32 from fp straight into a[0..n), a chunk at a time: the CRC is
 * taken over the file's bytes, then each chunk is decoded in place (a
 * no-op on little-endian hosts, which the compiler sees). */
static lw_status read_floats(FILE *fp, const char *path, float *a, size_t n, uint32_t *crc,
			     lw_err *err)
{
	for (size_t i = 0; i < n; i += CHUNK) {
		size_t k = n - i < CHUNK ? n - i : CHUNK;
		if (fread(a + i, 4, k, fp) != k)
			return short_read(fp, path, err);
		*crc = lw_crc32(*crc, a + i, 4 * k);
		for (size_t j = i; j < i + k; j++)
			a[j] = bits_float(lw_get_u32((const uint8_t *)&a[j]));
	}
	return LW_OK;
}

/* ------------------------------------------------------------ API */

/* What a checkpoint must be to be written: one that loads back. */
static lw_status check_saveable(const char *path, const lw_checkpoint *ck, lw_err *err)
{
	if (lw_model_config_check(&ck->train.model, err) != LW_OK) {
		lw_err_prefix(err, path);
		return LW_ERR_ARG;
	}
	size_t want = lw_model_config_params(&ck->train.model);
	if (ck->n_params != want)
		return lw_err_set(err, LW_ERR_ARG,
				  "%s: n_params is %zu, the model has %zu parameters", path,
				  ck->n_params, want);
	if (!ck->params || !ck->m || !ck->v)
		return lw_err_set(err, LW_ERR_ARG, "%s: NULL parameter or moment array", path);
	if (!energy_valid(&ck->energy, &ck->first_prediction))
		return lw_err_set(err, LW_ERR_ARG, "%s: the run's energy figures are not valid",
				  path);
	return LW_OK;
}

lw_status lw_checkpoint_save(const char *path, const lw_checkpoint *ck, lw_err *err)
{
	lw_status st = check_saveable(path, ck, err);
	if (st != LW_OK)
		return st;
	uint8_t h[HEADER_SIZE];
	encode_header(h, ck);
	lw_atomic_file f;
	st = lw_atomic_open(&f, path, err);
	if (st != LW_OK)
		return st;
	st = lw_atomic_write(&f, h, sizeof h, err);
	const float *arrays[3] = { ck->params, ck->m, ck->v };
	uint32_t crc = 0;
	for (int a = 0; a < 3 && st == LW_OK; a++)
		st = write_floats(&f, arrays[a], ck->n_params, &crc, err);
	uint8_t tail[4];
	lw_put_u32(tail, crc);
	if (st == LW_OK)
		st = lw_atomic_write(&f, tail, sizeof tail, err);
	if (st != LW_OK) {
		lw_atomic_abort(&f);
		return st;
	}
	return lw_atomic_commit(&f, err);
}

/* Header, size and allocation: everything before the payload. */
static lw_status load_header(FILE *fp, const char *path, lw_checkpoint *ck, lw_err *err)
{
	struct stat sb;
	if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode))
		return lw_err_set(err, LW_ERR_IO, "%s: not a regular file", path);
	uint64_t size = (uint64_t)sb.st_size;
	uint8_t h[HEADER_SIZE];
	size_t k = size < HEADER_SIZE ? (size_t)size : HEADER_SIZE;
	if (fread(h, 1, k, fp) != k)
		return short_read(fp, path, err);
	lw_status st = check_header(h, k, path, err);
	/* A version 1 header is shorter: the payload starts right after it. */
	if (st == LW_OK && fseek(fp, (long)header_size(lw_get_u32(h + OFF_VERSION)), SEEK_SET) != 0)
		return lw_err_set(err, LW_ERR_IO, "%s: seek failed: %s", path, strerror(errno));
	if (st == LW_OK)
		st = decode_header(h, path, ck, err);
	if (st != LW_OK)
		return st;
	/* n_params matches a configuration that passed the checks, so this
	 * product cannot overflow. */
	uint64_t want = header_size(lw_get_u32(h + OFF_VERSION)) + 12 * (uint64_t)ck->n_params + 4;
	if (size < want)
		return truncated(path, size, want, "", err);
	if (size > want)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: trailing bytes: %llu bytes, expected %llu",
				  path, (unsigned long long)size, (unsigned long long)want);
	size_t bytes = ck->n_params * sizeof(float);
	ck->params = malloc(bytes ? bytes : 1);
	ck->m = malloc(bytes ? bytes : 1);
	ck->v = malloc(bytes ? bytes : 1);
	if (!ck->params || !ck->m || !ck->v)
		return lw_err_set(err, LW_ERR_NOMEM, "%s: out of memory for 3 x %zu parameters",
				  path, ck->n_params);
	return LW_OK;
}

/* The three arrays and the payload CRC. */
static lw_status load_payload(FILE *fp, const char *path, lw_checkpoint *ck, lw_err *err)
{
	float *arrays[3] = { ck->params, ck->m, ck->v };
	uint32_t crc = 0;
	for (int a = 0; a < 3; a++) {
		lw_status st = read_floats(fp, path, arrays[a], ck->n_params, &crc, err);
		if (st != LW_OK)
			return st;
	}
	uint8_t tail[4];
	if (fread(tail, 1, 4, fp) != 4)
		return short_read(fp, path, err);
	if (lw_get_u32(tail) != crc)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: corrupted: payload checksum mismatch",
				  path);
	return LW_OK;
}

lw_status lw_checkpoint_load(const char *path, lw_checkpoint *ck, lw_err *err)
{
	*ck = (lw_checkpoint){0};
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return lw_err_set(err, LW_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	lw_status st = load_header(fp, path, ck, err);
	if (st == LW_OK)
		st = load_payload(fp, path, ck, err);
	fclose(fp);
	if (st != LW_OK)
		lw_checkpoint_free(ck);
	return st;
}

uint64_t lw_checkpoint_bytes(size_t n_params)
{
	return HEADER_SIZE + 12 * (uint64_t)n_params + 4;
}

void lw_checkpoint_free(lw_checkpoint *ck)
{
	free(ck->params);
	free(ck->m);
	free(ck->v);
	*ck = (lw_checkpoint){0};
}

lw_status lw_checkpoint_match(const lw_train_config *ckpt, const lw_train_config *here,
			      lw_err *err)
{
	for (int i = 0; i < N_FIELDS; i++) {
		const struct field *f = &fields[i];
		if (field_equal(f, ckpt, here))
			continue;
		char a[64], b[64];
		format_field(a, sizeof a, f, ckpt);
		format_field(b, sizeof b, f, here);
		return lw_err_set(err, LW_ERR_STATE, "%s is %s in the checkpoint, %s here", f->name,
				  a, b);
	}
	return LW_OK;
}
