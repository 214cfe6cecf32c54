/*
 * search_files.c — reading a search directory for its report (see
 * search_internal.h): trials.csv through the ledger's own strict reader,
 * summary.json through lw_json_read_file, and the few shape checks that
 * tell a search's summary from another JSON object.
 *
 * Every message is one line that names the file.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/search_internal.h"
#include "util/file.h"
#include "util/json_file.h"

/* ---------------------------------------------------------------- summary */

/* The shape of summary.json: an object; "best" an object or null;
 * "pareto_front" an array of objects or null. */
static lw_status check_summary(const char *path, const json_t *j, lw_err *err)
{
	if (!json_is_object(j))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: not a search's summary (expected a JSON "
				  "object)", path);
	json_t *best = json_object_get(j, "best");
	if (best && !json_is_null(best) && !json_is_object(best))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: \"best\" is not an object or null", path);
	json_t *front = json_object_get(j, "pareto_front");
	if (!front || json_is_null(front))
		return LW_OK;
	if (!json_is_array(front))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: \"pareto_front\" is not an array", path);
	size_t i;
	json_t *p;
	json_array_foreach(front, i, p)
		if (!json_is_object(p))
			return lw_err_set(err, LW_ERR_FORMAT, "%s: \"pareto_front\"[%zu] is not an "
					  "object", path, i);
	return LW_OK;
}

/* ---------------------------------------------------------------- API */

lw_status lw_search_files_load(const char *dir, lw_search_files *s, lw_err *err)
{
	memset(s, 0, sizeof *s);
	char *csv = lw_path_join(dir, "trials.csv");
	char *json = lw_path_join(dir, "summary.json");
	lw_status st = lw_trials_read(csv, &s->trials, err);
	if (!st)
		st = lw_json_read_file(json, &s->summary, err);
	if (!st)
		st = check_summary(json, s->summary, err);
	if (st)
		lw_search_files_free(s);
	free(csv);
	free(json);
	return st;
}

void lw_search_files_free(lw_search_files *s)
{
	lw_trials_free(&s->trials);
	json_decref(s->summary);
	memset(s, 0, sizeof *s);
}

double lw_search_num(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_number(v) ? json_number_value(v) : NAN;
}

const char *lw_search_str(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *lw_search_obj(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_object(v) ? v : NULL;
}

/* ---------------------------------------------------------------- trials */

size_t lw_search_trial_end(const lw_trials *t, size_t first)
{
	size_t end = first;
	while (end < t->n && t->rows[end].id == t->rows[first].id)
		end++;
	return end;
}

const lw_trial *lw_search_last_finished(const lw_trial *rows, size_t first, size_t end)
{
	for (size_t r = end; r-- > first;)
		if (isfinite(rows[r].val_loss))
			return &rows[r];
	return NULL;
}

int lw_search_rung_color(int rung)
{
	static const int COLORS[] = {1, 2, 3, 4, 5, 6, 8};   /* the palette without black */
	return COLORS[(rung < 0 ? 0 : rung) % (int)(sizeof COLORS / sizeof *COLORS)];
}
