/*
 * search_internal.h — the parts of the search report (internal to
 * src/report): reading a search directory (search_files.c), the page
 * (search_report.c), its charts (search_charts.c) and its tables
 * (search_tables.c: cost and best; search_trials_table.c: the Pareto front
 * and every trial). The page frame, style and number formats are the run
 * report's (report_internal.h).
 */
#ifndef LW_REPORT_SEARCH_INTERNAL_H
#define LW_REPORT_SEARCH_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "lowwatt/buf.h"
#include "lowwatt/status.h"
#include "lowwatt/trials.h"

/* ---------------------------------------------------------------- files */

/* A search directory read into memory: DIR/trials.csv as a ledger and
 * DIR/summary.json as a JSON object.
 *
 * Both files are required. summary.json must be a JSON object (no key
 * twice); its "best", when present and not null, must be an object, and
 * its "pareto_front", when present and not null, an array of objects: a
 * file where these are something else is not a search's summary. Every
 * other key may be absent, null or of another type: it is shown as a dash.
 * trials.csv is read as strictly as lw_trials_read reads it. */
typedef struct lw_search_files {
	json_t *summary;
	lw_trials trials;
} lw_search_files;

/* On failure s holds nothing to free and err names the file. */
lw_status lw_search_files_load(const char *dir, lw_search_files *s, lw_err *err);

void lw_search_files_free(lw_search_files *s);

/* obj[key] (obj may be NULL or not an object) as a number, NaN when it is
 * not one; as a string, NULL when it is not one; as an object, NULL. */
double lw_search_num(const json_t *obj, const char *key);
const char *lw_search_str(const json_t *obj, const char *key);
json_t *lw_search_obj(const json_t *obj, const char *key);

/* The trial's row of highest rung with a finite val_loss, or NULL; rows
 * of one trial are rows[first..end) (see lw_search_trial_end). */
const lw_trial *lw_search_last_finished(const lw_trial *rows, size_t first, size_t end);

/* The end of the trial that starts at rows[first]: the next trial's first
 * row, or n. */
size_t lw_search_trial_end(const lw_trials *t, size_t first);

/* The palette colour (1-based, as lw_chart_series.color) of rung k, the
 * same in every chart; black (7) is kept for the Pareto front. */
int lw_search_rung_color(int rung);

/* ---------------------------------------------------------------- cells */

/* A <td> of text, escaped; num: right-aligned; estimated: "≈" and italics. */
void lw_search_cell(lw_buf *out, const char *text, int num, int estimated);

/* A validation loss as text: 4 digits, a dash for NaN, "∞" for a diverged one. */
const char *lw_search_loss_text(double v, char *buf, size_t size);

/* The method of the ledger's row (trial, rung) (JSON numbers); NULL when
 * there is none. */
const char *lw_search_row_method(const lw_search_files *s, double trial, double rung);

/* ---------------------------------------------------------------- page */

/* The two charts: validation loss against energy (by rung, with the
 * Pareto front) and against training steps (learning curves). */
void lw_search_charts(const lw_search_files *s, lw_buf *out);

/* The tables: what the search cost, the best configuration, the Pareto
 * front and every trial. */
void lw_search_table_cost(const lw_search_files *s, lw_buf *out);
void lw_search_table_best(const lw_search_files *s, lw_buf *out);
void lw_search_table_front(const lw_search_files *s, lw_buf *out);
void lw_search_table_trials(const lw_search_files *s, lw_buf *out);

/* "Training all N configurations to M steps: ≈ X Wh (estimated). This
 * search used R % of it." (nothing when the summary has no "exhaustive") */
void lw_search_exhaustive_line(const json_t *summary, lw_buf *out);

/* The whole page into out. */
void lw_search_html(const lw_search_files *s, lw_buf *out);

#endif
