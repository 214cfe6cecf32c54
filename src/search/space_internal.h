/*
 * space_internal.h — what the three files of the search space share:
 * the parsed space (space.c builds it), its validation against the
 * caller's checks (space_check.c) and its points (space_points.c).
 */
#ifndef LW_SEARCH_SPACE_INTERNAL_H
#define LW_SEARCH_SPACE_INTERNAL_H

#include "lowwatt/space.h"
#include "util/rng.h"

/* One dimension: a list of choices, or a range. */
typedef struct space_dim {
	char *key;
	json_t *choices;     /* array of scalars; NULL for a range */
	json_t *min, *max;   /* a range's ends as written (references) */
	double lo, hi;       /* a real range's ends */
	long long ilo, ihi;  /* an integer range's ends */
	int is_int, is_log;
} space_dim;

struct lw_space {
	char *path;
	json_t *base;        /* fixed settings: an object, maybe empty */
	space_dim *dims;
	size_t n_dims;
};

/* Values a dimension takes in the "corner grid": its choices, or its
 * range's distinct ends (1 or 2). */
size_t space_corner_count(const space_dim *d);

/* Corner value i of d (borrowed). */
json_t *space_corner_value(const space_dim *d, size_t i);

/* A new value drawn from d. NULL when out of memory. */
json_t *space_draw(const space_dim *d, lw_rng *r);

/* A new object holding a copy of base; NULL when out of memory. */
json_t *space_config_new(const lw_space *s);

/* config[key] = value (a new reference, stolen); -1 when out of memory. */
int space_config_put(json_t *config, const char *key, json_t *value);

/* Step 3 of validation (space.h): checks->config on whole configurations. */
lw_status space_check_configs(const lw_space *s, const lw_space_checks *checks, lw_err *err);

#endif
