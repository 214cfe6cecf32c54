/*
 * space_check.c — step 3 of a search space's validation (space.h): whole
 * configurations shown to the caller's checks->config before anything
 * trains, so that a space whose heads do not divide its d_model fails at
 * once and names the configuration. Every point of the "corner grid"
 * (every choice, both ends of every range) when it is small enough, a
 * seeded sample of it otherwise, and a seeded sample of the ranges'
 * interiors.
 */
#include "search/space_internal.h"

/* Fixed seeds: the same space is accepted or refused on every run. */
#define SEED_CORNERS 0x5ace0001u
#define SEED_DRAWS 0x5ace0002u

/* ---------------------------------------------------------------- helpers */

/* The number of points of the corner grid; UINT64_MAX when larger. */
static uint64_t corner_size(const lw_space *s)
{
	uint64_t n = 1;
	for (size_t i = 0; i < s->n_dims; i++)
		if (__builtin_mul_overflow(n, (uint64_t)space_corner_count(&s->dims[i]), &n))
			return UINT64_MAX;
	return n;
}

static int has_range(const lw_space *s)
{
	for (size_t i = 0; i < s->n_dims; i++)
		if (!s->dims[i].choices)
			return 1;
	return 0;
}

/* checks->config on config; on failure "PATH: configuration LABEL: MSG". */
static lw_status check_one(const lw_space *s, const lw_space_checks *checks,
			   const json_t *config, lw_err *err)
{
	lw_err sub = {{0}};
	lw_status st = checks->config(checks->ctx, config, &sub);
	if (!st)
		return LW_OK;
	char label[256];
	lw_space_label(s, config, label, sizeof label);
	return lw_err_set(err, st, "%s: configuration %s: %s", s->path,
			  s->n_dims ? label : "(base only)", sub.msg[0] ? sub.msg : "refused");
}

/* config's dimensions set to corner point index (mixed radix, last
 * dimension fastest, as the grid); index < total, the corner grid's size. */
static int put_corner(const lw_space *s, json_t *config, uint64_t index, uint64_t total)
{
	uint64_t stride = total;
	for (size_t i = 0; i < s->n_dims; i++) {
		size_t radix = space_corner_count(&s->dims[i]);
		stride /= radix;
		json_t *v = space_corner_value(&s->dims[i], (index / stride) % radix);
		if (json_object_set(config, s->dims[i].key, v))
			return -1;
	}
	return 0;
}

/* config's dimensions set to a random corner point. */
static int put_random_corner(const lw_space *s, json_t *config, lw_rng *r)
{
	for (size_t i = 0; i < s->n_dims; i++) {
		const space_dim *d = &s->dims[i];
		json_t *v = space_corner_value(d, lw_rng_below(r, space_corner_count(d)));
		if (json_object_set(config, d->key, v))
			return -1;
	}
	return 0;
}

/* config's dimensions set to a random configuration. */
static int put_draw(const lw_space *s, json_t *config, lw_rng *r)
{
	for (size_t i = 0; i < s->n_dims; i++)
		if (space_config_put(config, s->dims[i].key, space_draw(&s->dims[i], r)))
			return -1;
	return 0;
}

static lw_status nomem(const lw_space *s, lw_err *err)
{
	return lw_err_set(err, LW_ERR_NOMEM, "%s: out of memory checking configurations",
			  s->path);
}

/* ---------------------------------------------------------------- passes */

static lw_status check_corners(const lw_space *s, const lw_space_checks *checks,
			       json_t *config, lw_err *err)
{
	uint64_t total = corner_size(s);
	if (total <= LW_SPACE_CHECK_ALL) {
		for (uint64_t k = 0; k < total; k++) {
			if (put_corner(s, config, k, total))
				return nomem(s, err);
			lw_status st = check_one(s, checks, config, err);
			if (st)
				return st;
		}
		return LW_OK;
	}
	lw_rng r = lw_rng_from(SEED_CORNERS, 0, 0);
	for (int k = 0; k < LW_SPACE_CHECK_SAMPLES; k++) {
		if (put_random_corner(s, config, &r))
			return nomem(s, err);
		lw_status st = check_one(s, checks, config, err);
		if (st)
			return st;
	}
	return LW_OK;
}

static lw_status check_draws(const lw_space *s, const lw_space_checks *checks,
			     json_t *config, lw_err *err)
{
	if (!has_range(s))
		return LW_OK;
	lw_rng r = lw_rng_from(SEED_DRAWS, 0, 0);
	for (int k = 0; k < LW_SPACE_CHECK_SAMPLES; k++) {
		if (put_draw(s, config, &r))
			return nomem(s, err);
		lw_status st = check_one(s, checks, config, err);
		if (st)
			return st;
	}
	return LW_OK;
}

/* ---------------------------------------------------------------- entry */

lw_status space_check_configs(const lw_space *s, const lw_space_checks *checks, lw_err *err)
{
	if (!checks || !checks->config)
		return LW_OK;
	json_t *config = space_config_new(s);
	if (!config)
		return nomem(s, err);
	lw_status st = check_corners(s, checks, config, err);
	if (!st)
		st = check_draws(s, checks, config, err);
	json_decref(config);
	return st;
}
