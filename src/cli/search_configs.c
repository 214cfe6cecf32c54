/*
 * search_configs.c — each trial's configuration from (space, strategy,
 * seed, id) alone (see search_configs.h). The shuffle of a grid is
 * Fisher-Yates over the point indices with a generator seeded by
 * (seed, pass); grids too large to shuffle in memory are sampled instead.
 */
#include "cli/search_configs.h"

#include <stdlib.h>
#include <string.h>

#include "lowwatt/buf.h"
#include "util/alloc.h"
#include "util/numfmt.h"
#include "util/rng.h"

/* Grids up to this many points are shuffled; larger ones sampled. */
#define SHUFFLE_MAX 1000000ULL

/* Stream tags of the generators, so that no two uses share a sequence. */
#define STREAM_SHUFFLE 0x5348554646ULL
#define STREAM_SAMPLE 0x53414d50ULL

void search_configs_init(search_configs *c, const lw_space *space, lw_strategy strategy,
			 uint64_t seed)
{
	*c = (search_configs){ .space = space, .strategy = strategy, .seed = seed };
	lw_err err = {0};
	uint64_t n;
	if (lw_space_grid_size(space, &n, &err) == LW_OK)
		c->grid_n = n;
}

void search_configs_free(search_configs *c)
{
	free(c->perm);
	c->perm = NULL;
}

/* The shuffle of pass `pass` into c->perm. */
static void shuffle(search_configs *c, uint64_t pass)
{
	if (!c->perm)
		c->perm = lw_xmalloc(c->grid_n * sizeof *c->perm, "grid shuffle");
	for (uint64_t i = 0; i < c->grid_n; i++)
		c->perm[i] = i;
	lw_rng r = lw_rng_from(c->seed, pass, STREAM_SHUFFLE);
	for (uint64_t i = c->grid_n - 1; i > 0; i--) {
		uint64_t j = lw_rng_below(&r, i + 1), t = c->perm[i];
		c->perm[i] = c->perm[j];
		c->perm[j] = t;
	}
	c->perm_pass = pass + 1;
}

static lw_status config_json(search_configs *c, int64_t id, json_t **out, lw_err *err)
{
	uint64_t u = (uint64_t)id;
	if (c->strategy == LW_STRATEGY_GRID) {
		if (!c->grid_n || u >= c->grid_n)
			return lw_err_set(err, LW_ERR_ARG, "trial %lld is past the grid's %llu points",
					  (long long)id, (unsigned long long)c->grid_n);
		return lw_space_grid_point(c->space, u, out, err);
	}
	if (c->grid_n && c->grid_n <= SHUFFLE_MAX) {
		uint64_t pass = u / c->grid_n;
		if (c->perm_pass != pass + 1)
			shuffle(c, pass);
		return lw_space_grid_point(c->space, c->perm[u % c->grid_n], out, err);
	}
	lw_rng r = lw_rng_from(c->seed, u, STREAM_SAMPLE);
	return lw_space_sample(c->space, &r, out, err);
}

/* A real in its shortest exact form, kept a real ("2.0", not "2"). */
static void put_real(lw_buf *b, double x)
{
	char s[40];
	lw_format_shortest(x, s, sizeof s);
	lw_buf_puts(b, s);
	if (!strpbrk(s, ".eEni"))
		lw_buf_puts(b, ".0");
}

char *search_configs_text(const json_t *config)
{
	lw_buf b = {0};
	const char *key;
	json_t *v;
	lw_buf_putc(&b, '{');
	json_object_foreach((json_t *)config, key, v) {
		if (b.len > 1)
			lw_buf_putc(&b, ',');
		json_t *k = json_string(key);
		char *quoted = json_dumps(k, JSON_ENCODE_ANY);
		lw_buf_printf(&b, "%s:", quoted);
		free(quoted);
		json_decref(k);
		if (json_is_real(v)) {
			put_real(&b, json_real_value(v));
		} else {
			char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			lw_buf_puts(&b, text);
			free(text);
		}
	}
	lw_buf_puts(&b, "}");
	lw_buf_putc(&b, 0);
	return (char *)b.data;
}

char *search_configs_label(const search_configs *c, const char *config)
{
	json_t *j = json_loads(config, 0, NULL);
	size_t n = lw_space_label(c->space, j, NULL, 0);
	char *label = lw_xmalloc(n + 1, "label");
	lw_space_label(c->space, j, label, n + 1);
	json_decref(j);
	return label;
}

lw_status search_configs_get(search_configs *c, int64_t id, char **config, char **label,
			     lw_err *err)
{
	json_t *j = NULL;
	lw_status st = config_json(c, id, &j, err);
	if (st)
		return st;
	*config = search_configs_text(j);
	if (label) {
		size_t n = lw_space_label(c->space, j, NULL, 0);
		*label = lw_xmalloc(n + 1, "label");
		lw_space_label(c->space, j, *label, n + 1);
	}
	json_decref(j);
	return LW_OK;
}
