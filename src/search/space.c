/*
 * space.c — reading a search space file into an lw_space (space.h gives
 * the format): its structure checked here, every value shown to the
 * caller's checks->key, then whole configurations to checks->config
 * (space_check.c). Every message names the file and the key.
 */
#include "search/space_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

/* ---------------------------------------------------------------- helpers */

static int is_scalar(const json_t *v)
{
	return json_is_string(v) || json_is_number(v) || json_is_boolean(v);
}

/* 1 and 1.0 are the same choice; other values compare as JSON. */
static int same_value(const json_t *a, const json_t *b)
{
	if (json_is_integer(a) && json_is_integer(b))
		return json_integer_value(a) == json_integer_value(b);
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	return json_equal(a, b);
}

/* checks->key on one value; its message prefixed with "PATH: WHERE". */
static lw_status check_value(const lw_space_checks *checks, const char *path, const char *where,
			     const char *key, const json_t *value, lw_err *err)
{
	if (!checks || !checks->key)
		return LW_OK;
	lw_err sub = {{0}};
	lw_status st = checks->key(checks->ctx, key, value, &sub);
	if (st)
		return lw_err_set(err, st, "%s: %s: %s", path, where, sub.msg[0] ? sub.msg : "refused");
	return LW_OK;
}

/* ---------------------------------------------------------------- dimensions */

static lw_status parse_choices(const char *path, const char *key, const json_t *arr,
			       const lw_space_checks *checks, space_dim *d, lw_err *err)
{
	size_t n = json_array_size(arr);
	if (n == 0)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: '%s': empty choice list", path, key);
	if (n > LW_SPACE_MAX_CHOICES)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: '%s': %zu choices, more than %d", path,
				  key, n, LW_SPACE_MAX_CHOICES);
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(arr, i);
		char where[64 + 256];
		snprintf(where, sizeof where, "'%.256s' choice %zu", key, i + 1);
		if (!is_scalar(v))
			return lw_err_set(err, LW_ERR_FORMAT, "%s: %s: expected a number, string "
					  "or boolean", path, where);
		for (size_t j = 0; j < i; j++)
			if (same_value(v, json_array_get(arr, j)))
				return lw_err_set(err, LW_ERR_FORMAT, "%s: %s: duplicate of choice "
						  "%zu", path, where, j + 1);
		lw_status st = check_value(checks, path, where, key, v, err);
		if (st)
			return st;
	}
	d->choices = json_incref((json_t *)arr);
	return LW_OK;
}

/* "log" and "int" of a range: absent, true or false. *flag is -1 when absent. */
static lw_status range_flag(const char *path, const char *key, const json_t *obj,
			    const char *name, int *flag, lw_err *err)
{
	const json_t *v = json_object_get(obj, name);
	*flag = -1;
	if (!v)
		return LW_OK;
	if (!json_is_boolean(v))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: '%s': range \"%s\" must be true or "
				  "false", path, key, name);
	*flag = json_is_true(v);
	return LW_OK;
}

/* The structure of a range object: known keys, number ends, the flags. */
static lw_status range_shape(const char *path, const char *key, const json_t *obj,
			     space_dim *d, lw_err *err)
{
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)obj, k, v) {
		if (strcmp(k, "min") && strcmp(k, "max") && strcmp(k, "log") && strcmp(k, "int"))
			return lw_err_set(err, LW_ERR_FORMAT, "%s: '%s': unknown key '%s' in a "
					  "range (keys: min, max, log, int)", path, key, k);
	}
	const json_t *lo = json_object_get(obj, "min"), *hi = json_object_get(obj, "max");
	if (!lo || !hi)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: '%s': a range needs \"min\" and "
				  "\"max\"", path, key);
	if (!json_is_number(lo) || !json_is_number(hi) || !isfinite(json_number_value(lo)) ||
	    !isfinite(json_number_value(hi)))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: '%s': range \"min\" and \"max\" must "
				  "be numbers", path, key);
	int is_int, is_log;
	lw_status st = range_flag(path, key, obj, "int", &is_int, err);
	if (!st)
		st = range_flag(path, key, obj, "log", &is_log, err);
	if (st)
		return st;
	int ends_int = json_is_integer(lo) && json_is_integer(hi);
	if (is_int == 1 && !ends_int)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: '%s': an integer range needs integer "
				  "\"min\" and \"max\" (write 2, not 2.0)", path, key);
	d->is_int = is_int == -1 ? ends_int : is_int;
	d->is_log = is_log == 1;
	d->min = json_incref((json_t *)lo);
	d->max = json_incref((json_t *)hi);
	return LW_OK;
}

static lw_status parse_range(const char *path, const char *key, const json_t *obj,
			     const lw_space_checks *checks, space_dim *d, lw_err *err)
{
	lw_status st = range_shape(path, key, obj, d, err);
	if (st)
		return st;
	d->lo = json_number_value(d->min);
	d->hi = json_number_value(d->max);
	if (d->is_int) {
		d->ilo = json_integer_value(d->min);
		d->ihi = json_integer_value(d->max);
	}
	int inverted = d->is_int ? d->ilo > d->ihi : d->lo > d->hi;
	if (inverted)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: '%s': inverted range (min %.17g > "
				  "max %.17g)", path, key, d->lo, d->hi);
	if (d->is_log && !(d->lo > 0))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: '%s': a log range needs min > 0, "
				  "got %.17g", path, key, d->lo);
	char where[32 + 256];
	snprintf(where, sizeof where, "'%.256s' min", key);
	st = check_value(checks, path, where, key, d->min, err);
	if (st)
		return st;
	snprintf(where, sizeof where, "'%.256s' max", key);
	return check_value(checks, path, where, key, d->max, err);
}

static lw_status parse_dim(const lw_space *s, const char *key, const json_t *v,
			   const lw_space_checks *checks, space_dim *d, lw_err *err)
{
	d->key = lw_xstrdup(key, "search space key");
	if (json_object_get(s->base, key))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: '%s' is both in \"base\" and a "
				  "dimension", s->path, key);
	if (json_is_array(v))
		return parse_choices(s->path, key, v, checks, d, err);
	if (json_is_object(v))
		return parse_range(s->path, key, v, checks, d, err);
	return lw_err_set(err, LW_ERR_FORMAT, "%s: '%s': expected a list of choices or a range "
			  "{\"min\": .., \"max\": ..} (fixed settings go in \"base\")", s->path, key);
}

/* ---------------------------------------------------------------- base */

static lw_status parse_base(lw_space *s, const json_t *base, const lw_space_checks *checks,
			    lw_err *err)
{
	if (!base) {
		s->base = json_object();
		return s->base ? LW_OK : lw_err_set(err, LW_ERR_NOMEM, "%s: out of memory",
						    s->path);
	}
	if (!json_is_object(base))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: \"base\" must be an object of fixed "
				  "settings", s->path);
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)base, k, v) {
		char where[32 + 256];
		snprintf(where, sizeof where, "base '%.256s'", k);
		if (!is_scalar(v))
			return lw_err_set(err, LW_ERR_FORMAT, "%s: %s: expected a number, string "
					  "or boolean", s->path, where);
		lw_status st = check_value(checks, s->path, where, k, v, err);
		if (st)
			return st;
	}
	s->base = json_incref((json_t *)base);
	return LW_OK;
}

/* ---------------------------------------------------------------- API */

lw_status lw_space_parse(const char *path, const json_t *root, const lw_space_checks *checks,
			 lw_space **out, lw_err *err)
{
	*out = NULL;
	if (!path)
		path = "search space";
	if (!json_is_object(root))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: expected a JSON object of settings",
				  path);
	/* The space keeps parts of its own copy: the caller's root may change. */
	json_t *copy = json_deep_copy(root);
	if (!copy)
		return lw_err_set(err, LW_ERR_NOMEM, "%s: out of memory", path);
	lw_space *s = lw_xcalloc(1, sizeof *s, "search space");
	s->path = lw_xstrdup(path, "search space path");
	size_t n = json_object_size(copy);
	s->dims = lw_xcalloc(n ? n : 1, sizeof *s->dims, "search space dimensions");
	lw_status st = parse_base(s, json_object_get(copy, "base"), checks, err);
	const char *k;
	const json_t *v;
	json_object_foreach(copy, k, v) {
		if (st)
			break;
		if (strcmp(k, "base") == 0)
			continue;
		st = parse_dim(s, k, v, checks, &s->dims[s->n_dims++], err);
	}
	json_decref(copy);
	if (!st)
		st = space_check_configs(s, checks, err);
	if (st) {
		lw_space_free(s);
		return st;
	}
	*out = s;
	return LW_OK;
}

void lw_space_free(lw_space *space)
{
	if (!space)
		return;
	for (size_t i = 0; i < space->n_dims; i++) {
		free(space->dims[i].key);
		json_decref(space->dims[i].choices);
		json_decref(space->dims[i].min);
		json_decref(space->dims[i].max);
	}
	free(space->dims);
	json_decref(space->base);
	free(space->path);
	free(space);
}

size_t lw_space_n_dims(const lw_space *space)
{
	return space->n_dims;
}

const char *lw_space_dim_key(const lw_space *space, size_t i)
{
	return i < space->n_dims ? space->dims[i].key : NULL;
}

int lw_space_dim_is_range(const lw_space *space, size_t i)
{
	return i < space->n_dims && !space->dims[i].choices;
}

const json_t *lw_space_base(const lw_space *space)
{
	return space->base;
}
