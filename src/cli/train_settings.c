/*
 * train_settings.c — flags and JSON files for the settings of a training
 * run (train_settings.h). One table describes every setting: its flag and
 * key, its type, where it lives, its range and its help line. The flag
 * parser, the file reader, the file writer and --help all walk it.
 */
#include "cli/train_settings.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/args.h"
#include "lowwatt/model.h"
#include "util/alloc.h"
#include "util/file.h"
#include "util/json_file.h"

/* ---------------------------------------------------------------- the table */

typedef enum kind {
	K_ARCH,   /* lw_arch, "mlm" or "clm" */
	K_SHARE,  /* lw_share, "none", "all", "attn" or "ffn" */
	K_INT,    /* int */
	K_LONG,   /* long */
	K_SEED,   /* uint64_t */
	K_FLOAT,  /* float */
	K_BOOL,   /* int 0/1, JSON true/false */
	K_STR,    /* char * in train_options, owned */
} kind;

typedef enum place { BOTH, FILE_ONLY, FLAG_ONLY } place;

enum { OPEN_MIN = 1, OPEN_MAX = 2 };  /* float bounds excluded */

typedef struct setting {
	const char *flag;     /* the flag without "--"; the key has '_' for '-' */
	kind kind;
	place place;
	int in_opt;           /* 1: a field of train_options; 0: of lw_train_config */
	size_t offset;
	long min, max;        /* K_INT, K_LONG, K_SEED */
	double fmin, fmax;    /* K_FLOAT; fmax FLT_MAX: no bound but a float's */
	int open;             /* K_FLOAT: OPEN_MIN, OPEN_MAX */
	const char *choices[2]; /* K_STR: the two values allowed, or none: any */
	int nullable;         /* K_STR: NULL allowed (JSON null) */
	const char *help;
} setting;

#define CFG(f) .in_opt = 0, .offset = offsetof(lw_train_config, f)
#define OPT(f) .in_opt = 1, .offset = offsetof(train_options, f)
#define INT(lo, hi) .min = (lo), .max = (hi)
#define POSITIVE .fmin = 0, .fmax = FLT_MAX, .open = OPEN_MIN
#define NONNEG .fmin = 0, .fmax = FLT_MAX

/* In the order of config.json. */
static const setting SETTINGS[] = {
	{"arch", K_ARCH, BOTH, CFG(model.arch),
	 .help = "mlm (masked, BERT-style) or clm (causal, GPT-style)"},
	{"layers", K_INT, BOTH, CFG(model.layers), INT(1, 1024), .help = "transformer layers"},
	{"d-model", K_INT, BOTH, CFG(model.d_model), INT(1, 65536), .help = "channels"},
	{"heads", K_INT, BOTH, CFG(model.heads), INT(1, 65536),
	 .help = "attention heads, divide --d-model"},
	{"d-ff", K_INT, BOTH, CFG(model.d_ff), INT(1, 65536), .help = "MLP hidden width"},
	{"seq", K_INT, BOTH, CFG(model.seq), INT(1, 16384), .help = "positions per row"},
	{"vocab", K_INT, FILE_ONLY, CFG(model.vocab), INT(1, 1 << 24)},
	{"share", K_SHARE, BOTH, CFG(model.share),
	 .help = "cross-layer sharing: none, all (ALBERT), attn or ffn"},
	{"share-groups", K_INT, BOTH, CFG(model.share_groups), INT(0, 1024),
	 .help = "layers in this many consecutive groups, sharing within each (0: one)"},
	{"share-vectors", K_BOOL, BOTH, CFG(model.share_vectors),
	 .help = "share the shared sublayers' biases and LayerNorms too"},
	{"param-budget", K_STR, BOTH, OPT(param_budget), .nullable = 1,
	 .help = "a parameter bank of N floats, or P% of the unshared model's parameters"},
	{"templates", K_INT, BOTH, CFG(model.templates), INT(0, 64),
	 .help = "templates per weight matrix from the bank (0: 4)"},
	{"batch", K_INT, BOTH, CFG(batch), INT(1, 65536), .help = "rows per micro-batch"},
	{"accum", K_INT, BOTH, CFG(accum), INT(1, 65536),
	 .help = "micro-batches per optimizer step"},
	{"steps", K_LONG, BOTH, CFG(steps), INT(1, LONG_MAX), .help = "optimizer steps"},
	{"lr", K_FLOAT, BOTH, CFG(lr), POSITIVE, .help = "peak learning rate"},
	{"warmup", K_LONG, BOTH, CFG(warmup), INT(0, LONG_MAX), .help = "linear warm-up steps"},
	{"weight-decay", K_FLOAT, BOTH, CFG(weight_decay), NONNEG, .help = "AdamW weight decay"},
	{"clip", K_FLOAT, BOTH, CFG(clip), NONNEG, .help = "gradient-norm limit, 0: none"},
	{"min-lr-ratio", K_FLOAT, FILE_ONLY, CFG(min_lr_ratio), .fmin = 0, .fmax = 1},
	{"mask-prob", K_FLOAT, FILE_ONLY, CFG(mask_prob), .fmin = 0, .fmax = 1, .open = OPEN_MIN},
	{"decay-embeddings", K_BOOL, FILE_ONLY, CFG(decay_embeddings)},
	{"beta1", K_FLOAT, FILE_ONLY, CFG(adamw.beta1), .fmin = 0, .fmax = 1, .open = OPEN_MAX},
	{"beta2", K_FLOAT, FILE_ONLY, CFG(adamw.beta2), .fmin = 0, .fmax = 1, .open = OPEN_MAX},
	{"eps", K_FLOAT, FILE_ONLY, CFG(adamw.eps), POSITIVE},
	{"seed", K_SEED, BOTH, CFG(seed), INT(0, LONG_MAX),
	 .help = "seed of the weights and the data order"},
	{"threads", K_INT, BOTH, CFG(threads), INT(0, 4096), .help = "threads, 0: all cores"},
	{"eval-every", K_LONG, BOTH, CFG(eval_every), INT(0, LONG_MAX),
	 .help = "steps between evaluations, 0: at the end"},
	{"eval-batches", K_INT, BOTH, CFG(eval_batches), INT(1, 1 << 20),
	 .help = "validation batches per evaluation"},
	{"save-every", K_LONG, BOTH, CFG(save_every), INT(0, LONG_MAX),
	 .help = "steps between checkpoints, 0: at the end"},
	{"log-every", K_LONG, BOTH, CFG(log_every), INT(1, LONG_MAX),
	 .help = "steps between metrics rows"},
	{"data", K_STR, BOTH, OPT(data),
	 .help = "folder with train.lwtk and val.lwtk (default: data/brown)"},
	{"tokenizer", K_STR, BOTH, OPT(tokenizer),
	 .help = "tokenizer file (default: data/brown/tokenizer.lwtok)"},
	{"out", K_STR, BOTH, OPT(out), .help = "folder of run folders"},
	{"name", K_STR, BOTH, OPT(name), .nullable = 1,
	 .help = "run folder under --out (default: the start time)"},
	{"blas-core", K_STR, BOTH, OPT(blas_core), .choices = {"auto", "env"},
	 .help = "OpenBLAS kernels: auto (the CPU's best) or env (OPENBLAS_CORETYPE's)"},
	{"region", K_STR, BOTH, OPT(region), .nullable = 1,
	 .help = "grid of a country for CO2e: FR, USA, ... or world (default $LOWWATT_REGION, "
		 "else world)"},
	{"intensity", K_STR, BOTH, OPT(intensity), .nullable = 1,
	 .help = "grid carbon intensity instead: 400 g/kWh, 0.4 kg/kWh, 0.9 lb/kWh"},
	{"pue", K_STR, BOTH, OPT(pue), .nullable = 1,
	 .help = "power usage effectiveness, 1 (local machine, the default) .. 10"},
	{"budget-kwh", K_FLOAT, BOTH, OPT(budget_kwh), NONNEG,
	 .help = "stop cleanly before the run's facility energy passes this many kWh; 0: none"},
	{"budget-co2e-g", K_FLOAT, BOTH, OPT(budget_co2e_g), NONNEG,
	 .help = "stop cleanly before the run's CO2e passes this many grams; 0: none"},
	{"rapl", K_STR, BOTH, OPT(rapl), .choices = {"packages", "psys"},
	 .help = "RAPL zones of the cpu figure: packages, or psys (the whole SoC)"},
	{"stop-at", K_LONG, FLAG_ONLY, OPT(stop_at), INT(0, LONG_MAX),
	 .help = "stop cleanly after this step (a checkpoint; --resume goes on), 0: no"},
	{"resume", K_BOOL, FLAG_ONLY, OPT(resume),
	 .help = "continue OUT/NAME from its last checkpoint"},
	{"json", K_BOOL, FLAG_ONLY, OPT(json), .help = "print JSON lines instead of a table"},
	{"config", K_STR, FLAG_ONLY, OPT(config), .nullable = 1,
	 .help = "settings file (keys: flag names with _ for -); flags override it"},
};

#define N_SETTINGS ((int)(sizeof SETTINGS / sizeof *SETTINGS))

static void *field(const setting *s, lw_train_config *cfg, train_options *opt)
{
	return (char *)(s->in_opt ? (void *)opt : (void *)cfg) + s->offset;
}

/* The JSON key of a setting: its flag with '_' for '-'. */
static void key_of(const setting *s, char *key, size_t size)
{
	snprintf(key, size, "%s", s->flag);
	for (char *p = key; *p; p++)
		if (*p == '-')
			*p = '_';
}

static const setting *find_key(const char *key)
{
	char k[32];
	for (int i = 0; i < N_SETTINGS; i++) {
		key_of(&SETTINGS[i], k, sizeof k);
		if (strcmp(k, key) == 0)
			return &SETTINGS[i];
	}
	return NULL;
}

/* ---------------------------------------------------------------- storing a value */

/* A value from a flag or a file, before it is checked. */
typedef struct value {
	long i;         /* K_INT, K_LONG, K_SEED, K_BOOL */
	double f;       /* K_FLOAT */
	const char *s;  /* K_ARCH, K_SHARE, K_STR (NULL: null) */
} value;

/* "must be > 0", "must be between 0 and 1", "must be >= 0 and < 1". */
static void float_range(const setting *s, char *buf, size_t size)
{
	const char *lo = s->open & OPEN_MIN ? ">" : ">=";
	const char *hi = s->open & OPEN_MAX ? "<" : "<=";
	if (s->fmax >= FLT_MAX)
		snprintf(buf, size, "%s %g", lo, s->fmin);
	else if (!s->open)
		snprintf(buf, size, "between %g and %g", s->fmin, s->fmax);
	else
		snprintf(buf, size, "%s %g and %s %g", lo, s->fmin, hi, s->fmax);
}

static lw_status check_float(const setting *s, double v, const char *what, lw_err *err)
{
	int low = s->open & OPEN_MIN ? v <= s->fmin : v < s->fmin;
	int high = s->fmax < FLT_MAX && (s->open & OPEN_MAX ? v >= s->fmax : v > s->fmax);
	if (!low && !high && fabs(v) <= FLT_MAX)
		return LW_OK;
	if (!low && !high)
		return lw_err_set(err, LW_ERR_ARG, "%s %g is too large for a float", what, v);
	char range[64];
	float_range(s, range, sizeof range);
	return lw_err_set(err, LW_ERR_ARG, "%s must be %s, got %g", what, range, v);
}

/* A string setting: not empty, one of its choices if it has some. */
static lw_status check_string(const setting *s, const char *v, const char *what, lw_err *err)
{
	if (!v)
		return s->nullable ? LW_OK :
		       lw_err_set(err, LW_ERR_ARG, "%s must not be null", what);
	if (!*v)
		return lw_err_set(err, LW_ERR_ARG, "%s must not be empty", what);
	if (!s->choices[0] || strcmp(v, s->choices[0]) == 0 || strcmp(v, s->choices[1]) == 0)
		return LW_OK;
	return lw_err_set(err, LW_ERR_ARG, "%s expects %s or %s, got '%s'", what, s->choices[0],
			  s->choices[1], v);
}

/* Check v against s and store it; what names it in errors ("--lr",
 * "file.json: key 'lr'"). */
static lw_status store(const setting *s, value v, lw_train_config *cfg, train_options *opt,
		       const char *what, lw_err *err)
{
	void *p = field(s, cfg, opt);
	lw_status st = LW_OK;
	if ((s->kind == K_INT || s->kind == K_LONG || s->kind == K_SEED) &&
	    (v.i < s->min || v.i > s->max))
		return lw_err_set(err, LW_ERR_ARG, "%s must be between %ld and %ld, got %ld", what,
				  s->min, s->max, v.i);
	switch (s->kind) {
	case K_ARCH:
		if (lw_arch_parse(v.s, p) != 0)
			st = lw_err_set(err, LW_ERR_ARG, "%s expects mlm or clm, got '%s'", what,
					v.s);
		break;
	case K_SHARE:
		if (lw_share_parse(v.s, p) != 0)
			st = lw_err_set(err, LW_ERR_ARG, "%s expects none, all, attn or ffn, got "
					"'%s'", what, v.s);
		break;
	case K_INT: *(int *)p = (int)v.i; break;
	case K_LONG: *(long *)p = v.i; break;
	case K_SEED: *(uint64_t *)p = (uint64_t)v.i; break;
	case K_BOOL: *(int *)p = v.i != 0; break;
	case K_FLOAT:
		if (!(st = check_float(s, v.f, what, err)))
			*(float *)p = (float)v.f;
		break;
	case K_STR:
		if (!(st = check_string(s, v.s, what, err))) {
			free(*(char **)p);
			*(char **)p = v.s ? lw_xstrdup(v.s, "setting") : NULL;
		}
		break;
	}
	return st;
}

/* ---------------------------------------------------------------- options */

void train_options_default(train_options *opt)
{
	*opt = (train_options){
		.data = lw_xstrdup("default", "setting"),
		.tokenizer = lw_xstrdup("default", "setting"),
		.out = lw_xstrdup("runs", "setting"),
		.blas_core = lw_xstrdup("auto", "setting"),
		.rapl = lw_xstrdup("packages", "setting"),
	};
}

void train_options_free(train_options *opt)
{
	free(opt->data);
	free(opt->tokenizer);
	free(opt->out);
	free(opt->name);
	free(opt->config);
	free(opt->blas_core);
	free(opt->region);
	free(opt->intensity);
	free(opt->pue);
	free(opt->rapl);
	free(opt->param_budget);
	*opt = (train_options){0};
}

lw_status train_settings_check(const lw_train_config *cfg, const train_options *opt,
			       lw_err *err)
{
	/* A budget not yet resolved (train_settings_bank) stands for a bank. */
	lw_model_config model = cfg->model;
	if (opt->param_budget && model.bank == 0)
		model.bank = 1;
	lw_status st = lw_model_config_check(&model, err);
	if (st)
		return st;
	const char *name = opt->name;
	if (name && (!*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
		     strcmp(name, "..") == 0))
		return lw_err_set(err, LW_ERR_ARG, "name '%s' must be a plain folder name "
				  "(no '/', not . or ..)", name);
	const char *values[] = {opt->data, opt->tokenizer, opt->out, opt->blas_core, opt->rapl};
	const char *names[] = {"data", "tokenizer", "out", "blas_core", "rapl"};
	for (size_t i = 0; i < sizeof values / sizeof *values; i++)
		if (!values[i] || !*values[i])
			return lw_err_set(err, LW_ERR_ARG, "%s must not be empty", names[i]);
	if (cfg->seed > LONG_MAX)  /* what a flag or a file can hold */
		return lw_err_set(err, LW_ERR_ARG, "seed %llu is above %ld",
				  (unsigned long long)cfg->seed, LONG_MAX);
	return LW_OK;
}

lw_status train_settings_bank(lw_train_config *cfg, const train_options *opt, lw_err *err)
{
	cfg->model.bank = 0;
	const char *text = opt->param_budget;
	if (!text)
		return LW_OK;
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	int percent = *end == '%';
	if (percent)
		end++;
	if (end == text || *end || errno || !isfinite(v) || v <= 0 || (percent && v > 100) ||
	    (!percent && (v != floor(v) || v > (double)(1L << 31))))
		return lw_err_set(err, LW_ERR_ARG, "param_budget '%s': give a count of floats "
				  "(1..2147483648) or a percentage (0%%..100%%] of the unshared "
				  "model's parameters", text);
	lw_model_config plain = cfg->model;
	plain.share = LW_SHARE_NONE;
	plain.share_groups = plain.share_vectors = 0;
	plain.bank = 0;
	plain.templates = 0;
	double n = percent ? v / 100.0 * (double)lw_model_config_logical_params(&plain) : v;
	cfg->model.bank = n < 1 ? 1 : (long)llround(n);
	return LW_OK;
}

/* ---------------------------------------------------------------- JSON files */

/* The shortest decimal that reads back as f, as the double it reads as:
 * jansson then prints it (at precision 9) as that decimal, "0.0003" rather
 * than "0.000300000014". */
static double shortest(float f)
{
	char buf[32];
	for (int digits = 1; digits <= 9; digits++) {
		snprintf(buf, sizeof buf, "%.*g", digits, (double)f);
		if (strtof(buf, NULL) == f)
			break;
	}
	return strtod(buf, NULL);
}

/* The JSON value of a setting (NULL if a string is not UTF-8). */
static json_t *to_json(const setting *s, const lw_train_config *cfg, const train_options *opt)
{
	const void *p = field(s, (lw_train_config *)cfg, (train_options *)opt);
	switch (s->kind) {
	case K_ARCH: return json_string(lw_arch_name(*(const lw_arch *)p));
	case K_SHARE: return json_string(lw_share_name(*(const lw_share *)p));
	case K_INT: return json_integer(*(const int *)p);
	case K_LONG: return json_integer(*(const long *)p);
	case K_SEED: return json_integer((json_int_t)*(const uint64_t *)p);
	case K_FLOAT: return json_real(shortest(*(const float *)p));
	case K_BOOL: return json_boolean(*(const int *)p);
	case K_STR: {
		const char *str = *(char *const *)p;
		return str ? json_string(str) : json_null();
	}
	}
	return NULL;
}

lw_status train_settings_write_json(const char *path, const lw_train_config *cfg,
				    const train_options *opt, lw_err *err)
{
	lw_status st = LW_OK;
	char *text = NULL;
	lw_atomic_file f = {0};
	json_t *root = json_object();
	if (cfg->seed > LONG_MAX)
		st = lw_err_set(err, LW_ERR_ARG, "%s: seed %llu is above %ld", path,
				(unsigned long long)cfg->seed, LONG_MAX);
	for (int i = 0; i < N_SETTINGS && !st; i++) {
		const setting *s = &SETTINGS[i];
		if (s->place == FLAG_ONLY)
			continue;
		char key[32];
		key_of(s, key, sizeof key);
		json_t *v = to_json(s, cfg, opt);
		if (!v)
			st = lw_err_set(err, LW_ERR_ARG, "%s: setting '%s' is not valid UTF-8",
					path, key);
		else
			json_object_set_new(root, key, v);
	}
	if (st)
		goto cleanup;
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
	if (!text) {
		st = lw_err_set(err, LW_ERR_NOMEM, "%s: out of memory writing the settings", path);
		goto cleanup;
	}
	if ((st = lw_atomic_open(&f, path, err)) ||
	    (st = lw_atomic_write(&f, text, strlen(text), err)) ||
	    (st = lw_atomic_write(&f, "\n", 1, err)) || (st = lw_atomic_commit(&f, err)))
		lw_atomic_abort(&f);
cleanup:
	free(text);
	json_decref(root);
	return st;
}

/* Convert one JSON value to a value of kind s->kind; what names it. */
static lw_status from_json(const setting *s, json_t *j, value *v, const char *what, lw_err *err)
{
	switch (s->kind) {
	case K_INT:
	case K_LONG:
	case K_SEED: {
		if (!json_is_integer(j))
			return lw_err_set(err, LW_ERR_FORMAT, "%s expects an integer", what);
		json_int_t x = json_integer_value(j);
		v->i = x < LONG_MIN ? LONG_MIN : x > LONG_MAX ? LONG_MAX : (long)x;
		return LW_OK;
	}
	case K_FLOAT:
		if (!json_is_number(j))
			return lw_err_set(err, LW_ERR_FORMAT, "%s expects a number", what);
		v->f = json_number_value(j);
		return LW_OK;
	case K_BOOL:
		if (!json_is_boolean(j))
			return lw_err_set(err, LW_ERR_FORMAT, "%s expects true or false", what);
		v->i = json_is_true(j);
		return LW_OK;
	case K_ARCH:
	case K_SHARE:
	case K_STR:
		if (json_is_null(j) && s->nullable)
			return LW_OK;
		if (!json_is_string(j) || strlen(json_string_value(j)) != json_string_length(j))
			return lw_err_set(err, LW_ERR_FORMAT, "%s expects a string", what);
		v->s = json_string_value(j);
		return LW_OK;
	}
	return LW_OK;
}

static lw_status read_key(const char *path, const char *key, json_t *j, lw_train_config *cfg,
			  train_options *opt, lw_err *err)
{
	const setting *s = find_key(key);
	if (!s)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: unknown key '%s' (keys are the flags of "
				  "lowwatt train, _ for -: d_model, weight_decay...)", path, key);
	if (s->place == FLAG_ONLY)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: '%s' is a command-line flag only "
				  "(--%s), not a setting", path, key, s->flag);
	char what[512];
	snprintf(what, sizeof what, "%s: key '%s'", path, key);
	value v = {0};
	lw_status st = from_json(s, j, &v, what, err);
	if (!st && (st = store(s, v, cfg, opt, what, err)))
		st = LW_ERR_FORMAT;
	return st;
}

lw_status train_settings_apply(const json_t *settings, const char *what, lw_train_config *cfg,
				train_options *opt, lw_err *err)
{
	if (!json_is_object(settings))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: expected a JSON object of settings", what);
	const char *key;
	json_t *j;
	json_object_foreach((json_t *)settings, key, j) {
		lw_status st = read_key(what, key, j, cfg, opt, err);
		if (st)
			return st;
	}
	return LW_OK;
}

lw_status train_settings_read_json(const char *path, lw_train_config *cfg, train_options *opt,
				   lw_err *err)
{
	json_t *root = NULL;
	lw_status st = lw_json_read_file(path, &root, err);
	if (!st)
		st = train_settings_apply(root, path, cfg, opt, err);
	json_decref(root);
	return st;
}

lw_status train_settings_check_value(const char *key, const json_t *json, lw_err *err)
{
	const setting *s = find_key(key);
	if (!s)
		return lw_err_set(err, LW_ERR_ARG, "not a setting of lowwatt train (keys are its "
				  "flags, _ for -: d_model, weight_decay...)");
	if (s->place == FLAG_ONLY)
		return lw_err_set(err, LW_ERR_ARG, "a command-line flag only (--%s), not a setting",
				  s->flag);
	lw_train_config cfg;
	train_options opt;
	lw_train_config_default(&cfg);
	train_options_default(&opt);
	value v = {0};
	lw_status st = from_json(s, (json_t *)json, &v, "the value", err);
	if (!st)
		st = store(s, v, &cfg, &opt, "the value", err);
	train_options_free(&opt);
	return st;
}

/* ---------------------------------------------------------------- flags */

/* What one flag parses into; the starting values mean "not given" (no
 * range includes LONG_MIN, and cli_parse never stores a NaN). */
typedef struct flag_slot {
	const setting *s;
	long i;
	double f;
	const char *str;
	int b;
	char help[160];
} flag_slot;

static int given(const flag_slot *f)
{
	switch (f->s->kind) {
	case K_INT: case K_LONG: case K_SEED: return f->i != LONG_MIN;
	case K_FLOAT: return !isnan(f->f);
	case K_BOOL: return f->b;
	default: return f->str != NULL;
	}
}

/* The help line of a flag, with its default unless the line names it. */
static void flag_help(flag_slot *f, const lw_train_config *cfg, const train_options *opt)
{
	json_t *d = f->s->kind == K_BOOL ? NULL : to_json(f->s, cfg, opt);
	char *text = !d || json_is_null(d) || json_is_string(d) ? NULL :
		     json_dumps(d, JSON_ENCODE_ANY | JSON_REAL_PRECISION(9));
	const char *shown = json_is_string(d) ? json_string_value(d) : text;
	if (shown && !strstr(f->s->help, "(default"))
		snprintf(f->help, sizeof f->help, "%s (default %s)", f->s->help, shown);
	else
		snprintf(f->help, sizeof f->help, "%s", f->s->help);
	free(text);
	json_decref(d);
}

static cli_flag make_flag(flag_slot *f)
{
	const setting *s = f->s;
	f->i = LONG_MIN;
	f->f = NAN;
	switch (s->kind) {
	case K_INT: case K_LONG: case K_SEED:
		return (cli_flag){s->flag, CLI_INT, &f->i, 0, s->min, s->max, f->help};
	case K_FLOAT:
		return (cli_flag){s->flag, CLI_FLOAT, &f->f, 0, 0, 0, f->help};
	case K_BOOL:
		return (cli_flag){s->flag, CLI_BOOL, &f->b, 0, 0, 0, f->help};
	default:
		return (cli_flag){s->flag, CLI_STRING, &f->str, 0, 0, 0, f->help};
	}
}

static const flag_slot *slot_of(const flag_slot *slots, int n, const char *flag)
{
	for (int k = 0; k < n; k++)
		if (strcmp(slots[k].s->flag, flag) == 0)
			return &slots[k];
	return NULL;
}

/* A grid named on the command line replaces the one a file named, whichever
 * way each names it (--region and --intensity together are refused later,
 * by carbon_flags_resolve). */
static void carbon_override(const flag_slot *slots, int n, train_options *opt)
{
	const flag_slot *region = slot_of(slots, n, "region");
	const flag_slot *intensity = slot_of(slots, n, "intensity");
	if (given(region) && !given(intensity)) {
		free(opt->intensity);
		opt->intensity = NULL;
	} else if (given(intensity) && !given(region)) {
		free(opt->region);
		opt->region = NULL;
	}
}

/* Store the flags given over cfg and opt (after any file). */
static int apply_flags(const char *cmd, const flag_slot *slots, int n, lw_train_config *cfg,
		       train_options *opt)
{
	for (int k = 0; k < n; k++) {
		if (!given(&slots[k]))
			continue;
		value v = {.i = slots[k].s->kind == K_BOOL ? slots[k].b : slots[k].i,
			   .f = slots[k].f, .s = slots[k].str};
		char what[40];
		snprintf(what, sizeof what, "--%s", slots[k].s->flag);
		lw_err err;
		if (store(slots[k].s, v, cfg, opt, what, &err)) {
			fprintf(stderr, "lowwatt %s: %s\n", cmd, err.msg);
			return CLI_USAGE;
		}
	}
	return 0;
}


/* Read --config FILE, or with --resume OUT/NAME/config.json, over cfg and
 * opt. Returns 0, CLI_USAGE or 1, having printed one line. */
static int read_file(const char *cmd, const flag_slot *slots, int n, lw_train_config *cfg,
		     train_options *opt)
{
	const char *config = slot_of(slots, n, "config")->str;
	const char *name = slot_of(slots, n, "name")->str;
	const char *out = slot_of(slots, n, "out")->str;
	int resume = slot_of(slots, n, "resume")->b;
	if (resume && (config || !name)) {
		fprintf(stderr, "lowwatt %s: --resume %s\n", cmd, config ?
			"takes the settings from the run's config.json: drop --config" :
			"needs --name, the run folder under --out to continue");
		return CLI_USAGE;
	}
	if (!resume && !config)
		return 0;
	char *dir = resume ? lw_path_join(out ? out : opt->out, name) : NULL;
	char *path = resume ? lw_path_join(dir, "config.json") : lw_xstrdup(config, "file name");
	lw_err err;
	int rc = 0;
	if (train_settings_read_json(path, cfg, opt, &err)) {
		fprintf(stderr, "lowwatt %s: %s\n", cmd, err.msg);
		rc = 1;
	}
	if (resume) {
		/* The kernels were chosen from the command line alone (blas_core.h). */
		free(opt->blas_core);
		opt->blas_core = lw_xstrdup("auto", "setting");
	}
	free(path);
	free(dir);
	return rc;
}

int train_settings_parse(const char *cmd, int argc, char **argv, lw_train_config *cfg,
			 train_options *opt)
{
	flag_slot slots[N_SETTINGS];
	cli_flag flags[N_SETTINGS];
	int n = 0;
	lw_train_config_default(cfg);
	train_options_default(opt);
	for (int i = 0; i < N_SETTINGS; i++) {
		if (SETTINGS[i].place == FILE_ONLY)
			continue;
		slots[n] = (flag_slot){.s = &SETTINGS[i]};
		flag_help(&slots[n], cfg, opt);
		flags[n] = make_flag(&slots[n]);
		n++;
	}
	int rc = cli_parse(cmd, "[--config FILE.json] [FLAGS]   (flags override the file)", argc,
			   argv, flags, n, NULL);
	if (!rc)
		rc = read_file(cmd, slots, n, cfg, opt);
	if (!rc)
		rc = apply_flags(cmd, slots, n, cfg, opt);
	if (!rc)
		carbon_override(slots, n, opt);
	lw_err err;
	if (!rc && train_settings_check(cfg, opt, &err)) {
		fprintf(stderr, "lowwatt %s: %s\n", cmd, err.msg);
		rc = CLI_USAGE;
	}
	if (rc)
		train_options_free(opt);
	return rc;
}
