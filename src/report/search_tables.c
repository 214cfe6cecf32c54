/*
 * search_tables.c — the search report's summary tables: what the search
 * cost (energy with its method, carbon, the exhaustive search it stands
 * against, the budget) and the best configuration; and the table cells
 * that search_trials_table.c shares.
 *
 * Figures come from summary.json, the per-trial ones from trials.csv. As in
 * the run report (the rows and badges of report_rows.c), every energy
 * figure carries its method: a badge, and a figure that rests on an
 * estimate in italics after "≈". A figure that summary.json lacks is a dash.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lowwatt/carbon.h"
#include "report/chart.h"
#include "report/report_internal.h"
#include "report/search_internal.h"

#define DASH "\xe2\x80\x93"

/* ---------------------------------------------------------------- cells */






void lw_search_cell(lw_buf *out, const char *text, int num, int estimated)
{
	lw_buf_printf(out, "<td%s>%s", num ? (estimated ? " class=\"num est\"" : " class=\"num\"")
				      : "", estimated ? LW_REPORT_APPROX : "");
	lw_xml_escape(out, text);
	lw_buf_puts(out, "</td>");
}

/* "1234.5 J = 0.3429 Wh", or a dash. */
static const char *joules_wh(double j, char *buf, size_t size)
{
	char a[48], b[48];
	if (!isfinite(j))
		snprintf(buf, size, DASH);
	else
		snprintf(buf, size, "%s J = %s Wh", lw_report_num(j, 5, a, sizeof a),
			 lw_report_num(j / 3600, 4, b, sizeof b));
	return buf;
}

const char *lw_search_loss_text(double v, char *buf, size_t size)
{
	if (isinf(v)) {
		snprintf(buf, size, v > 0 ? "\xe2\x88\x9e" : "-\xe2\x88\x9e");
		return buf;
	}
	return lw_report_num(v, 4, buf, size);
}

const char *lw_search_row_method(const lw_search_files *s, double trial, double rung)
{
	if (!(trial >= 0 && trial < 9e18 && rung >= 0 && rung < 1e9))
		return NULL;
	const lw_trial *r = lw_trials_find(&s->trials, (int64_t)trial, (int)rung);
	return r ? r->method : NULL;
}

/* ---------------------------------------------------------------- cost */

static void energy_rows(const lw_search_files *s, lw_buf *out)
{
	const json_t *j = s->summary;
	const char *method = lw_search_str(j, "method");
	char v[160], note[160];
	lw_report_section(out, "Energy at the meter");
	lw_report_row_open(out, "energy", joules_wh(lw_search_num(j, "energy_j"), v, sizeof v),
		 lw_report_is_estimate(method));
	lw_report_badge(out, method);
	lw_buf_puts(out, " the trials&#39; energy summed (trials.csv)</td></tr>\n");
	lw_report_row(out, "wall time", lw_report_duration(lw_search_num(j, "seconds"), v, sizeof v), 0,
	    "every invocation of the search");
	size_t rungs = lw_trials_count(&s->trials, LW_TRIAL_DONE) +
		       lw_trials_count(&s->trials, LW_TRIAL_PROMOTED);
	snprintf(note, sizeof note, "%zu rungs trained; %zu stopped by the budget; %zu failed",
		 rungs, lw_trials_count(&s->trials, LW_TRIAL_STOPPED),
		 lw_trials_count(&s->trials, LW_TRIAL_FAILED));
	lw_report_row(out, "configurations", lw_report_count(lw_search_num(j, "configurations"), v, sizeof v),
	    0, note);
}

static void carbon_rows(const json_t *j, int est, lw_buf *out)
{
	char v[160], note[400];
	lw_report_section(out, "Carbon");
	snprintf(note, sizeof note, "PUE %s included",
		 lw_report_with_unit(lw_search_num(j, "pue"), 3, "", v, sizeof v));
	lw_report_row(out, "facility energy", lw_report_with_unit(lw_search_num(j, "facility_energy_kwh"), 4, "kWh", v,
					      sizeof v), est, note);
	const char *region = lw_search_str(j, "region");
	const char *source = lw_search_str(j, "intensity_source");
	snprintf(note, sizeof note, "%s%s%s", region ? region : "given",
		 source ? " \xe2\x80\x94 " : "", source ? source : "");
	lw_report_row(out, "grid intensity", lw_report_with_unit(lw_search_num(j, "intensity_g_per_kwh"), 4,
					     "gCO2e/kWh", v, sizeof v), 0, note);
	lw_report_row(out, "CO2e", lw_report_with_unit(lw_search_num(j, "co2e_g"), 4, "g", v, sizeof v), est,
	    "energy x PUE x intensity");
	const json_t *eq = lw_search_obj(j, "equivalents");
	for (int k = 0; k < LW_EQ_COUNT; k++) {
		const lw_equivalence *e = lw_equivalence_get((lw_equivalence_kind)k);
		lw_report_row(out, k == 0 ? "equivalent to" : "", lw_report_with_unit(lw_search_num(eq, e->key), 3, "", v,
								  sizeof v), est, e->label);
	}
}

/* exhaustive.ratio, else the search's energy over the exhaustive one. */
static double exhaustive_ratio(const json_t *j)
{
	const json_t *ex = lw_search_obj(j, "exhaustive");
	double ratio = lw_search_num(ex, "ratio");
	double e = lw_search_num(j, "energy_j"), all = lw_search_num(ex, "energy_j");
	return isfinite(ratio) ? ratio : all > 0 ? e / all : NAN;
}

void lw_search_exhaustive_line(const json_t *j, lw_buf *out)
{
	const json_t *ex = lw_search_obj(j, "exhaustive");
	char n[48], steps[48], wh[48], pct[48];
	if (!ex)
		return;
	lw_buf_printf(out, "<p class=\"verdict\">Training all %s configurations to %s steps: "
		      "<span class=\"est\">" LW_REPORT_APPROX "%s Wh</span> (estimated). ",
		      lw_report_count(lw_search_num(ex, "configurations"), n, sizeof n),
		      lw_report_count(lw_search_num(j, "max_steps"), steps, sizeof steps),
		      lw_report_num(lw_search_num(ex, "energy_j") / 3600, 4, wh, sizeof wh));
	lw_buf_printf(out, "This search used <strong>%s %%</strong> of it.</p>\n",
		      lw_report_num(exhaustive_ratio(j) * 100, 3, pct, sizeof pct));
}

static void exhaustive_rows(const json_t *j, lw_buf *out)
{
	const json_t *ex = lw_search_obj(j, "exhaustive");
	const char *basis = lw_search_str(ex, "basis");
	char v[160], a[48], b[48], note[200];
	lw_report_section(out, "Against training every configuration to the end");
	snprintf(note, sizeof note, "training all %s configurations to %s steps%s",
		 lw_report_count(lw_search_num(ex, "configurations"), a, sizeof a),
		 lw_report_count(lw_search_num(j, "max_steps"), b, sizeof b),
		 basis && strcmp(basis, "grid") == 0 ? " (the whole grid) "
		 : basis && strcmp(basis, "tried") == 0 ? " (those tried: the space has ranges) "
		 : " ");
	lw_report_row_open(out, "exhaustive search", joules_wh(lw_search_num(ex, "energy_j"), v, sizeof v), 1);
	lw_xml_escape(out, note);
	lw_report_badge(out, "estimated");
	lw_buf_puts(out, "</td></tr>\n");
	lw_report_row(out, "its CO2e", lw_report_with_unit(lw_search_num(ex, "co2e_g"), 4, "g", v, sizeof v), 1, NULL);
	lw_report_row(out, "this search used", lw_report_with_unit(exhaustive_ratio(j) * 100, 3, "%", v, sizeof v), 0,
	    "of the exhaustive search's energy");
}

static void budget_row(const json_t *j, lw_buf *out)
{
	const json_t *budget = lw_search_obj(j, "budget");
	double kwh = lw_search_num(budget, "kwh"), g = lw_search_num(budget, "co2e_g");
	char v[160], a[48], b[48];
	if (isfinite(kwh) && isfinite(g))
		snprintf(v, sizeof v, "%s kWh, %s g CO2e", lw_report_num(kwh, 4, a, sizeof a),
			 lw_report_num(g, 4, b, sizeof b));
	else if (isfinite(kwh) || isfinite(g))
		lw_report_with_unit(isfinite(kwh) ? kwh : g, 4, isfinite(kwh) ? "kWh" : "g CO2e", v, sizeof v);
	else
		snprintf(v, sizeof v, "none");
	const char *status = lw_search_str(j, "status");
	lw_report_section(out, "Budget");
	lw_report_row(out, "budget", v, 0, status && strcmp(status, "budget") == 0
		? "the search stopped where a trial would have exceeded it" : NULL);
}

void lw_search_table_cost(const lw_search_files *s, lw_buf *out)
{
	const char *method = lw_search_str(s->summary, "method");
	lw_buf_puts(out, "<table class=\"summary\">\n");
	energy_rows(s, out);
	carbon_rows(s->summary, lw_report_is_estimate(method), out);
	exhaustive_rows(s->summary, out);
	budget_row(s->summary, out);
	lw_buf_puts(out, "</table>\n");
}

/* ---------------------------------------------------------------- best */

/* A configuration value as text: a string as it is, anything else as JSON. */
static void config_value(lw_buf *out, const json_t *v)
{
	if (json_is_string(v)) {
		lw_xml_escape(out, json_string_value(v));
		return;
	}
	char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
	lw_xml_escape(out, text ? text : DASH);
	free(text);
}

void lw_search_table_best(const lw_search_files *s, lw_buf *out)
{
	const json_t *best = lw_search_obj(s->summary, "best");
	if (!best) {
		lw_buf_puts(out, "<p class=\"note\">None: no trial finished a rung with a validation "
				 "loss.</p>\n");
		return;
	}
	char v[160], a[48], b[48];
	double trial = lw_search_num(best, "trial"), rung = lw_search_num(best, "rung");
	const char *label = lw_search_str(best, "label");
	lw_buf_puts(out, "<table class=\"summary best\">\n");
	lw_report_row(out, "label", label ? label : DASH, 0, NULL);
	snprintf(v, sizeof v, "%s, rung %s", lw_report_count(trial, a, sizeof a),
		 lw_report_count(rung, b, sizeof b));
	lw_report_row(out, "trial", v, 0, NULL);
	double loss = lw_search_num(best, "val_loss");
	lw_report_row(out, "validation loss", lw_report_with_unit(loss, 4, "nats", v, sizeof v), 0, NULL);
	lw_report_row(out, "perplexity", lw_report_with_unit(exp(loss), 4, "", v, sizeof v), 0, "exp(validation loss)");
	lw_report_row(out, "steps", lw_report_count(lw_search_num(best, "steps"), v, sizeof v), 0, NULL);
	lw_report_row(out, "energy", joules_wh(lw_search_num(best, "energy_j"), v, sizeof v),
	    lw_report_is_estimate(lw_search_row_method(s, trial, rung)), "the trial's, every rung it trained");
	const char *dir = lw_search_str(best, "run_dir");
	lw_report_row(out, "run directory", dir ? dir : DASH, 0, "its checkpoint, metrics and report");
	const json_t *config = lw_search_obj(best, "config");
	lw_report_section(out, "Configuration");
	if (!config)
		lw_report_row(out, DASH, "", 0, "summary.json has no configuration");
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)config, key, value) {
		lw_buf_puts(out, "<tr><th>");
		lw_xml_escape(out, key);
		lw_buf_puts(out, "</th><td class=\"num\">");
		config_value(out, value);
		lw_buf_puts(out, "</td><td></td></tr>\n");
	}
	lw_buf_puts(out, "</table>\n");
}
