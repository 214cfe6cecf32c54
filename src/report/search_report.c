/*
 * search_report.c — the report of a search directory (`lowwatt search
 * --out DIR`; see include/lowwatt/report.h and notes on the directory in
 * search_internal.h): read DIR/trials.csv and DIR/summary.json, lay out the
 * page, and write it atomically.
 *
 * The page has the run report's frame and style (lw_report_page_open), so
 * it is as self-contained: inline CSS and SVG, no script, no URL. From the
 * top: what was searched and why it ended, what the search saved against
 * training every configuration, the two charts, what it cost, the best
 * configuration, the Pareto front and every trial.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lowwatt/report.h"
#include "report/chart.h"
#include "report/report_internal.h"
#include "report/search_internal.h"
#include "util/file.h"

#define DASH "\xe2\x80\x93"
#define DOT " \xc2\xb7 "

/* The search page's own rules, after the run report's style. */
static const char EXTRA_CSS[] =
	"table.trials th{white-space:nowrap}\n"
	"tr.best td{font-weight:bold}\n"
	".verdict{margin:0 0 16px}\n";

/* ---------------------------------------------------------------- header */

static const char *strategy_name(const char *s)
{
	static const struct { const char *key, *name; } N[] = {
		{"grid", "grid search"}, {"random", "random search"}, {"sh", "successive halving"},
		{"hyperband", "Hyperband"}, {"asha", "asynchronous successive halving (ASHA)"},
	};
	for (size_t k = 0; s && k < sizeof N / sizeof *N; k++)
		if (strcmp(s, N[k].key) == 0)
			return N[k].name;
	return NULL;
}

static const char *status_text(const char *status)
{
	if (!status)
		return "status " DASH;
	if (strcmp(status, "budget") == 0)
		return "stopped by its budget";
	if (strcmp(status, "signal") == 0)
		return "stopped by a signal (resumable with --resume)";
	return status;   /* "finished", or a word of a later lowwatt */
}

/* "successive halving · 9 to 81 steps · eta 3 · seed 1 · space S · 49
 * configurations · finished" */
static void settings_line(const json_t *j, lw_buf *out)
{
	char a[48], b[48];
	const char *name = strategy_name(lw_search_str(j, "strategy"));
	lw_buf_printf(out, "<p class=\"model\">%s" DOT, name ? name : "search");
	lw_buf_printf(out, "%s to %s steps" DOT,
		      lw_report_count(lw_search_num(j, "min_steps"), a, sizeof a),
		      lw_report_count(lw_search_num(j, "max_steps"), b, sizeof b));
	lw_buf_printf(out, "eta %s" DOT, lw_report_num(lw_search_num(j, "eta"), 6, a, sizeof a));
	lw_buf_printf(out, "seed %s" DOT, lw_report_num(lw_search_num(j, "seed"), 15, a, sizeof a));
	lw_buf_puts(out, "space ");
	const char *space = lw_search_str(j, "space");
	lw_xml_escape(out, space ? space : DASH);
	lw_buf_printf(out, DOT "%s configurations" DOT,
		      lw_report_count(lw_search_num(j, "configurations"), a, sizeof a));
	lw_xml_escape(out, status_text(lw_search_str(j, "status")));
	lw_buf_puts(out, "</p>\n");
}

/* ---------------------------------------------------------------- page */

void lw_search_html(const lw_search_files *s, lw_buf *out)
{
	const char *strategy = lw_search_str(s->summary, "strategy");
	lw_buf title = {0};
	lw_buf_puts(&title, "lowwatt search: ");
	lw_buf_puts(&title, strategy ? strategy : DASH);
	lw_buf_putc(&title, 0);
	lw_report_page_open(out, (const char *)title.data, EXTRA_CSS);
	lw_buf_puts(out, "<h1>");
	lw_xml_escape(out, (const char *)title.data);
	lw_buf_puts(out, "</h1>\n");
	lw_buf_free(&title);
	settings_line(s->summary, out);
	lw_search_exhaustive_line(s->summary, out);
	lw_search_charts(s, out);
	lw_buf_puts(out, "<h2>What the search cost</h2>\n");
	lw_search_table_cost(s, out);
	lw_buf_puts(out, "<h2>Best configuration</h2>\n");
	lw_search_table_best(s, out);
	lw_buf_puts(out, "<h2>Pareto front</h2>\n<p class=\"note\">The trials that no other beats "
			 "on both energy and validation loss, cheapest first: each is the "
			 "best loss its energy bought.</p>\n");
	lw_search_table_front(s, out);
	lw_buf_puts(out, "<h2>Every trial</h2>\n<p class=\"note\">Best validation loss first "
			 "(after the last rung the trial finished); rung, steps, energy and time "
			 "are the trial's latest, totals over its rungs. The best is in bold.</p>\n");
	lw_search_table_trials(s, out);
	lw_report_methods_legend(out);
	lw_report_page_close(out);
}

/* ---------------------------------------------------------------- API */

lw_status lw_report_search_write(const char *search_dir, const char *out_path, lw_err *err)
{
	if (!search_dir || !out_path)
		return lw_err_set(err, LW_ERR_ARG, "search report: no directory or output given");
	lw_search_files s;
	lw_status st = lw_search_files_load(search_dir, &s, err);
	if (st)
		return st;
	lw_buf html = {0};
	lw_search_html(&s, &html);
	lw_atomic_file f;
	if (!(st = lw_atomic_open(&f, out_path, err))) {
		if ((st = lw_atomic_write(&f, html.data, html.len, err)))
			lw_atomic_abort(&f);
		else
			st = lw_atomic_commit(&f, err);
	}
	lw_buf_free(&html);
	lw_search_files_free(&s);
	return st;
}
