/*
 * space.h — the search space of `lowwatt search`: which training settings
 * vary, over which values, and which stay fixed.
 *
 * A space file is a JSON object. Its keys are the settings of
 * `lowwatt train --config` (d_model, lr, weight_decay, share, ...):
 *
 *   {
 *     "base":    {"steps": 2000, "arch": "mlm"},      fixed settings
 *     "d_model": [128, 192, 256],                      a list of choices
 *     "heads":   [2, 4],
 *     "lr":      {"min": 1e-4, "max": 3e-3, "log": true},   a range
 *     "layers":  {"min": 2, "max": 6}                  an integer range
 *   }
 *
 * - "base" (optional) is an object of fixed settings; every other key is a
 *   dimension. A key may not be both fixed and a dimension.
 * - A list of choices is a non-empty array of JSON scalars (numbers,
 *   strings, booleans; no null), without duplicates (1 and 1.0 are the
 *   same), at most LW_SPACE_MAX_CHOICES long.
 * - A range is {"min": a, "max": b} with optional "log": true (log-uniform;
 *   needs min > 0) and optional "int": true|false. Without "int", a range
 *   whose two ends are written as integers is an integer range (both ends
 *   included); "int": true needs integer ends. min > max is refused
 *   ("inverted range"); min == max is allowed and is a dimension of one
 *   value. No other key is allowed in a range.
 * - An empty object is a space of one configuration (no base, no
 *   dimension); so is {"base": {...}}.
 *
 * The dimensions keep the order of the file; a configuration is a new JSON
 * object holding base's keys (in base's order), then one value per
 * dimension (in the dimensions' order).
 *
 * The space knows JSON, not the trainer: which keys are settings and which
 * values they take is the caller's (the CLI's settings table), asked through
 * lw_space_checks, so that the library does not depend on the CLI.
 *
 * Validation, all before anything trains (lw_space_parse):
 *   1. the structure above;
 *   2. checks->key on every base value, every choice and both ends of every
 *      range (an unknown key or a value out of the setting's range fails
 *      here, the message naming the file and the key);
 *   3. checks->config on whole configurations: the "corner grid" takes
 *      every choice of every list and both ends of every range; when it has
 *      at most LW_SPACE_CHECK_ALL points each is checked, otherwise
 *      LW_SPACE_CHECK_SAMPLES of its points drawn with a fixed seed; when
 *      the space has a range, LW_SPACE_CHECK_SAMPLES configurations drawn
 *      by lw_space_sample (fixed seed) are checked as well. A failing
 *      configuration is named by its label ("heads=3 d_model=128").
 * Step 3 therefore proves every grid point valid for a grid of up to
 * LW_SPACE_CHECK_ALL points; for larger spaces it is a sampled check, and
 * the search must still expect a trial's settings to be refused.
 */
#ifndef LOWWATT_SPACE_H
#define LOWWATT_SPACE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lowwatt/status.h"

struct lw_rng;

#define LW_SPACE_MAX_CHOICES 4096
#define LW_SPACE_CHECK_ALL 100000
#define LW_SPACE_CHECK_SAMPLES 1000

typedef struct lw_space lw_space;

/* The caller's knowledge of the settings. Either function may be NULL
 * (that check is skipped). Each returns LW_OK or sets err to a message
 * about the value alone ("lr must be between 0 and 10, got 20"); the space
 * prefixes it with the file and the key or the configuration. */
typedef struct lw_space_checks {
	void *ctx;
	/* Is value (a JSON scalar) a valid value of setting key? An unknown
	 * key is an error here. */
	lw_status (*key)(void *ctx, const char *key, const json_t *value, lw_err *err);
	/* Is config (base + one value per dimension) a valid whole? */
	lw_status (*config)(void *ctx, const json_t *config, lw_err *err);
} lw_space_checks;

/* Build a space from root, the parsed file (path names it in messages;
 * lw_json_read_file reads it); checks may be NULL. On success *out is a
 * new space (lw_space_free); on failure *out is NULL and err says what and
 * where: "PATH: 'lr': inverted range (min 0.1 > max 0.01)". The space
 * keeps its own copy of what it needs from root. */
lw_status lw_space_parse(const char *path, const json_t *root, const lw_space_checks *checks,
			 lw_space **out, lw_err *err);

void lw_space_free(lw_space *space);

/* The dimensions, in file order, and the fixed settings (borrowed; an
 * empty object when the file has no base). */
size_t lw_space_n_dims(const lw_space *space);
const char *lw_space_dim_key(const lw_space *space, size_t i);
int lw_space_dim_is_range(const lw_space *space, size_t i);
const json_t *lw_space_base(const lw_space *space);

/* The number of points of the grid: the product of the lengths of the
 * choice lists (1 with no dimension). Refused when a dimension is a range
 * ("grid needs choice lists; 'lr' is a range") or the product overflows. */
lw_status lw_space_grid_size(const lw_space *space, uint64_t *n, lw_err *err);

/* Grid point index (0 <= index < lw_space_grid_size) as a new object in
 * *config. Mixed radix over the dimensions in file order, the last
 * dimension fastest, like nested loops in file order: with d_model
 * [128, 192] and heads [2, 4], points 0..3 are 128/2, 128/4, 192/2, 192/4. */
lw_status lw_space_grid_point(const lw_space *space, uint64_t index, json_t **config,
			      lw_err *err);

/* A random configuration as a new object in *config: a choice uniformly
 * from each list; from a range, uniformly or, with "log", log-uniformly
 * (integer ranges: integers, both ends included; real ranges: within
 * [min, max]). The draws advance r, so a seed gives the same sequence. */
lw_status lw_space_sample(const lw_space *space, struct lw_rng *r, json_t **config,
			  lw_err *err);

/* The dimensions' values of config, in order, as one line for ledgers and
 * reports: "lr=0.001 d_model=192" (base left out; a dimension missing from
 * config is written "key=?"; numbers in their shortest exact form; strings
 * as they are). Writes at most size bytes, NUL included (buf may be NULL
 * with size 0) and returns the length the whole label needs, as snprintf. */
size_t lw_space_label(const lw_space *space, const json_t *config, char *buf, size_t size);

#endif
