/*
 * space_points.c — the configurations of a search space (space.h): grid
 * points by mixed-radix index, random draws, and the one-line label that
 * names a configuration in ledgers and reports.
 */
#include "search/space_internal.h"
#include "util/numfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

size_t space_corner_count(const space_dim *d)
{
	if (d->choices)
		return json_array_size(d->choices);
	return d->is_int ? 1 + (d->ilo != d->ihi) : 1 + (d->lo != d->hi);
}

json_t *space_corner_value(const space_dim *d, size_t i)
{
	if (d->choices)
		return json_array_get(d->choices, i);
	return i ? d->max : d->min;
}

json_t *space_config_new(const lw_space *s)
{
	return json_deep_copy(s->base);
}

int space_config_put(json_t *config, const char *key, json_t *value)
{
	return value ? json_object_set_new(config, key, value) : -1;
}

/* An integer of [lo, hi], both included, uniformly; no overflow even for
 * the whole range of long long. */
static long long draw_int(long long lo, long long hi, lw_rng *r)
{
	uint64_t span = (uint64_t)hi - (uint64_t)lo;
	uint64_t k = span == UINT64_MAX ? lw_rng_u64(r) : lw_rng_below(r, span + 1);
	return (long long)((uint64_t)lo + k);
}

json_t *space_draw(const space_dim *d, lw_rng *r)
{
	if (d->choices) {
		size_t k = lw_rng_below(r, json_array_size(d->choices));
		return json_incref(json_array_get(d->choices, k));
	}
	if (d->is_int && !d->is_log)
		return json_integer(draw_int(d->ilo, d->ihi, r));
	double u = lw_rng_uniform(r), v;
	if (d->is_int) {
		/* Log-uniform on [lo, hi + 1), floored: each integer k gets the
		 * mass of [k, k + 1) under the log-uniform density. */
		double a = log((double)d->ilo), b = log((double)d->ihi + 1.0);
		double k = floor(exp(a + u * (b - a)));
		if (k >= (double)d->ihi)   /* clamped before the cast: no overflow */
			return json_integer(d->ihi);
		return json_integer(k <= (double)d->ilo ? d->ilo : (long long)k);
	}
	if (d->is_log)
		v = exp(log(d->lo) + u * (log(d->hi) - log(d->lo)));
	else
		v = d->lo * (1.0 - u) + d->hi * u;   /* hi - lo could overflow */
	return json_real(v < d->lo ? d->lo : v > d->hi ? d->hi : v);
}

static lw_status nomem(const lw_space *s, lw_err *err)
{
	return lw_err_set(err, LW_ERR_NOMEM, "%s: out of memory building a configuration",
			  s->path);
}

/* ---------------------------------------------------------------- API */

lw_status lw_space_grid_size(const lw_space *space, uint64_t *n, lw_err *err)
{
	uint64_t size = 1;
	for (size_t i = 0; i < space->n_dims; i++) {
		const space_dim *d = &space->dims[i];
		if (!d->choices)
			return lw_err_set(err, LW_ERR_ARG, "%s: grid needs choice lists; '%s' is a "
					  "range", space->path, d->key);
		if (__builtin_mul_overflow(size, (uint64_t)json_array_size(d->choices), &size))
			return lw_err_set(err, LW_ERR_ARG, "%s: the grid has more than 2^64 points",
					  space->path);
	}
	*n = size;
	return LW_OK;
}

lw_status lw_space_grid_point(const lw_space *space, uint64_t index, json_t **config,
			      lw_err *err)
{
	uint64_t size = 0;
	*config = NULL;
	lw_status st = lw_space_grid_size(space, &size, err);
	if (st)
		return st;
	if (index >= size)
		return lw_err_set(err, LW_ERR_ARG, "%s: grid point %llu is past the end of a grid "
				  "of %llu points",
				  space->path, (unsigned long long)index, (unsigned long long)size);
	json_t *c = space_config_new(space);
	if (!c)
		return nomem(space, err);
	/* Last dimension fastest: dimension i's digit is (index / stride) %
	 * radix, its stride the product of the radices after it. */
	uint64_t stride = size;
	for (size_t i = 0; i < space->n_dims; i++) {
		size_t radix = json_array_size(space->dims[i].choices);
		stride /= radix;
		json_t *v = json_array_get(space->dims[i].choices, (index / stride) % radix);
		if (json_object_set(c, space->dims[i].key, v)) {
			json_decref(c);
			return nomem(space, err);
		}
	}
	*config = c;
	return LW_OK;
}

lw_status lw_space_sample(const lw_space *space, struct lw_rng *r, json_t **config,
			  lw_err *err)
{
	*config = NULL;
	json_t *c = space_config_new(space);
	if (!c)
		return nomem(space, err);
	for (size_t i = 0; i < space->n_dims; i++) {
		if (space_config_put(c, space->dims[i].key, space_draw(&space->dims[i], r))) {
			json_decref(c);
			return nomem(space, err);
		}
	}
	*config = c;
	return LW_OK;
}

/* ---------------------------------------------------------------- labels */

/* One value as the label writes it, into out (at least 64 bytes), or a
 * pointer to a string's own text. */
static const char *value_text(const json_t *v, char *out, size_t size)
{
	if (!v)
		return "?";
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(out, size, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		lw_format_shortest(json_real_value(v), out, size);
	else if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	else
		return json_is_null(v) ? "null" : "...";
	return out;
}

size_t lw_space_label(const lw_space *space, const json_t *config, char *buf, size_t size)
{
	size_t len = 0;
	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < space->n_dims; i++) {
		const char *key = space->dims[i].key;
		char num[64];
		const char *text = value_text(json_object_get(config, key), num, sizeof num);
		int w = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0,
				 "%s%s=%s", i ? " " : "", key, text);
		if (w > 0)
			len += (size_t)w;
	}
	return len;
}
