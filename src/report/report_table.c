/*
 * report_table.c — the report's tables: one run's summary (training,
 * energy per domain with its method, carbon, prediction and budget), or a
 * row per run when several are compared.
 *
 * Figures come from summary.json; where it lacks one (a run that crashed
 * before writing it, an older run), the last figure of metrics.csv stands
 * in. Every energy figure carries its method: a badge says measured,
 * estimated or not metered, and a figure that rests on an estimate is
 * printed in italics after "≈".
 */
#include <math.h>
#include <string.h>

#include "lowwatt/carbon.h"
#include "report/chart.h"
#include "report/report_internal.h"


/* ---------------------------------------------------------------- figures */

static double last_number(const lw_run_files *run, lw_run_col c)
{
	for (size_t r = run->n_rows; r-- > 0;)
		if (isfinite(run->col[c][r]))
			return run->col[c][r];
	return NAN;
}

/* summary[key][sub], else the last number of column c (c < 0: none). */
static double figure_of(const lw_run_files *run, const char *key, const char *sub, int c)
{
	double v = lw_run_files_num(run, key, sub);
	return isfinite(v) || c < 0 ? v : last_number(run, (lw_run_col)c);
}

static const char *const METHODS[] = {"none", "measured", "estimated", "mixed"};

const char *lw_report_run_method(const lw_run_files *run)
{
	if (!lw_run_files_metered(run))
		return NULL;
	static const char *const keys[] = {"cpu", "dram", "gpu"};
	int measured = 0, estimated = 0, named = 0;
	for (int d = 0; d < 3; d++) {
		const char *m = lw_run_files_str(run, "method", keys[d]);
		named += m != NULL;
		measured += m && strcmp(m, "measured") == 0;
		estimated += m && strcmp(m, "estimated") == 0;
	}
	if (named)
		return measured && estimated ? "mixed" : estimated ? "estimated"
						: measured ? "measured" : "none";
	double code = last_number(run, LW_COL_METHOD);
	return isfinite(code) && code >= 0 && code < 4 ? METHODS[(int)code] : "none";
}




/* "plan", "budget", "signal"; from an older run's stopped_early, "plan"
 * or "early"; NULL when unknown. */
static const char *stopped_by(const lw_run_files *run)
{
	const char *by = lw_run_files_str(run, "stopped_by", NULL);
	json_t *early = run->summary ? json_object_get(run->summary, "stopped_early") : NULL;
	if (!by && json_is_boolean(early))
		by = json_is_true(early) ? "early" : "plan";
	return by;
}

/* ---------------------------------------------------------------- rows */




/* ---------------------------------------------------------------- one run */

static void training_rows(const lw_run_files *run, lw_buf *out)
{
	char a[64], b[64], v[160];
	lw_report_section(out, "Training");
	double steps = figure_of(run, "steps", NULL, LW_COL_STEP);
	double planned = lw_run_files_num(run, "planned_steps", NULL);
	snprintf(v, sizeof v, "%s", lw_report_count(steps, a, sizeof a));
	if (isfinite(planned))
		snprintf(v, sizeof v, "%s of %s planned", a, lw_report_count(planned, b, sizeof b));
	lw_report_row(out, "steps", v, 0, NULL);
	lw_report_row(out, "training tokens", lw_report_count(figure_of(run, "tokens", NULL, LW_COL_TOKENS), a,
						    sizeof a), 0, NULL);
	lw_report_row(out, "training loss", lw_report_with_unit(figure_of(run, "train_loss", NULL, LW_COL_LOSS), 4,
					    "nats", v, sizeof v), 0, "mean of the last logged steps");
	lw_report_row(out, "validation loss", lw_report_with_unit(figure_of(run, "val_loss", NULL, LW_COL_VAL_LOSS), 4,
					      "nats", v, sizeof v), 0, NULL);
	double ppl = lw_run_files_num(run, "val_perplexity", NULL);
	if (!isfinite(ppl))
		ppl = exp(figure_of(run, "val_loss", NULL, LW_COL_VAL_LOSS));
	lw_report_row(out, "perplexity", lw_report_with_unit(ppl, 4, "", v, sizeof v), 0, "exp(validation loss)");
	double acc = figure_of(run, "val_accuracy", NULL, LW_COL_VAL_ACCURACY) * 100;
	lw_report_row(out, "accuracy", lw_report_with_unit(acc, 4, "%", v, sizeof v), 0,
	    "top-1, on the validation targets");
	double secs = figure_of(run, "run_seconds", NULL, LW_COL_ELAPSED_S);
	lw_report_row(out, "run time", lw_report_duration(secs, v, sizeof v), 0, "every invocation");
	const char *by = stopped_by(run);
	lw_report_row(out, "stopped by", by ? by : "\xe2\x80\x93", 0,
	    by && strcmp(by, "budget") == 0 ? "the energy or CO2e budget would have been exceeded"
	    : by && strcmp(by, "signal") == 0 ? "interrupted; resumable from its checkpoint"
	    : NULL);
}

static void domain_rows(const lw_run_files *run, lw_buf *out)
{
	static const struct { const char *key, *label; int col; } D[] = {
		{"cpu", "CPU energy", LW_COL_CPU_J},
		{"dram", "DRAM energy", LW_COL_DRAM_J},
		{"gpu", "GPU energy", LW_COL_GPU_J},
	};
	char v[64];
	for (int d = 0; d < 3; d++) {
		double j = figure_of(run, "energy_j", D[d].key, D[d].col);
		const char *m = lw_run_files_str(run, "method", D[d].key);
		if (!m)
			m = isfinite(j) ? lw_report_run_method(run) : "none";
		lw_report_row_open(out, D[d].label, lw_report_with_unit(j, 5, "J", v, sizeof v), lw_report_is_estimate(m));
		lw_report_badge(out, isfinite(j) ? m : "none");
		const char *src = lw_run_files_str(run, "sources", D[d].key);
		if (src && isfinite(j) && strcmp(src, "none") != 0) {
			lw_buf_puts(out, " <span class=\"source\">");
			lw_xml_escape(out, src);
			lw_buf_puts(out, "</span>");
		}
		lw_buf_puts(out, "</td></tr>\n");
	}
}

static void energy_rows(const lw_run_files *run, const char *method, lw_buf *out)
{
	char v[160], a[64], b[64];
	int est = lw_report_is_estimate(method);
	lw_report_section(out, "Energy at the meter");
	domain_rows(run, out);
	double total = figure_of(run, "energy_j", "total", LW_COL_ENERGY_J);
	snprintf(v, sizeof v, "%s J = %s Wh", lw_report_num(total, 5, a, sizeof a),
		 lw_report_num(total / 3600, 4, b, sizeof b));
	lw_report_row_open(out, "total", v, est);
	lw_report_badge(out, method);
	lw_buf_puts(out, "</td></tr>\n");
	double secs = figure_of(run, "run_seconds", NULL, LW_COL_ELAPSED_S);
	double watts = lw_run_files_num(run, "avg_power_w", NULL);
	lw_report_row(out, "average power", lw_report_with_unit(isfinite(watts) ? watts : total / secs, 4, "W", v,
					    sizeof v), est, NULL);
	double tokens = figure_of(run, "tokens", NULL, LW_COL_TOKENS);
	double jpt = lw_run_files_num(run, "j_per_token", NULL);
	lw_report_row(out, "energy per token", lw_report_with_unit(isfinite(jpt) ? jpt : total / tokens, 4, "J", v,
					       sizeof v), est, "training tokens");
	const char *im = lw_run_files_str(run, "infer_method", NULL);
	lw_report_row_open(out, "inference", lw_report_with_unit(lw_run_files_num(run, "infer_j_per_1000_seq", NULL), 4,
					     "J", v, sizeof v), lw_report_is_estimate(im));
	lw_buf_puts(out, "per 1,000 validation sequences ");
	if (im)
		lw_report_badge(out, im);
	lw_buf_puts(out, "</td></tr>\n");
}

static void carbon_rows(const lw_run_files *run, int est, lw_buf *out)
{
	char v[160], note[400];
	lw_report_section(out, "Carbon");
	double pue = lw_run_files_num(run, "pue", NULL);
	snprintf(note, sizeof note, "PUE %s included", lw_report_with_unit(pue, 3, "", v, sizeof v));
	lw_report_row(out, "facility energy", lw_report_with_unit(lw_run_files_num(run, "facility_energy_kwh", NULL), 4,
					      "kWh", v, sizeof v), est, note);
	const char *region = lw_run_files_str(run, "region", NULL);
	const char *source = lw_run_files_str(run, "intensity_source", NULL);
	snprintf(note, sizeof note, "%s%s%s", region ? region : "given",
		 source ? " \xe2\x80\x94 " : "", source ? source : "");
	lw_report_row(out, "grid intensity", lw_report_with_unit(lw_run_files_num(run, "intensity_g_per_kwh", NULL), 4,
					     "gCO2e/kWh", v, sizeof v), 0, note);
	lw_report_row(out, "CO2e", lw_report_with_unit(figure_of(run, "co2e_g", NULL, LW_COL_CO2E_G), 4, "g", v,
				   sizeof v), est, "energy x PUE x intensity");
	for (int k = 0; k < LW_EQ_COUNT; k++) {
		const lw_equivalence *e = lw_equivalence_get((lw_equivalence_kind)k);
		lw_report_row(out, k == 0 ? "equivalent to" : "",
		    lw_report_with_unit(lw_run_files_num(run, "equivalents", e->key), 3, "", v, sizeof v), est,
		    e->label);
	}
}

static void prediction_rows(const lw_run_files *run, lw_buf *out)
{
	char v[160], a[64], b[64], note[160];
	lw_report_section(out, "Prediction and budget");
	double pj = lw_run_files_num(run, "predicted_energy_j", NULL);
	double pstep = lw_run_files_num(run, "predicted_at_step", NULL);
	double pco2 = lw_run_files_num(run, "predicted_co2e_g", NULL);
	snprintf(v, sizeof v, "%s J, %s g CO2e", lw_report_num(pj, 4, a, sizeof a),
		 lw_report_num(pco2, 3, b, sizeof b));
	snprintf(note, sizeof note, "made after step %s", lw_report_count(pstep, a, sizeof a));
	lw_report_row(out, "first prediction", isfinite(pj) ? v : "none made", 0,
	    isfinite(pstep) ? note : NULL);
	double perr = lw_run_files_num(run, "prediction_error", NULL);
	snprintf(v, sizeof v, "%+.1f %%", perr * 100);
	lw_report_row(out, "its error", isfinite(perr) ? v : "\xe2\x80\x93", 0,
	    isfinite(perr) ? "(prediction - actual) / actual"
			   : "unknown: the run did not finish its plan, or made no prediction");
	double kwh = lw_run_files_num(run, "budget", "kwh");
	double gco2 = lw_run_files_num(run, "budget", "co2e_g");
	if (isfinite(kwh) && isfinite(gco2))
		snprintf(v, sizeof v, "%s kWh, %s g CO2e", lw_report_num(kwh, 4, a, sizeof a),
			 lw_report_num(gco2, 4, b, sizeof b));
	else if (isfinite(kwh) || isfinite(gco2))
		lw_report_with_unit(isfinite(kwh) ? kwh : gco2, 4, isfinite(kwh) ? "kWh" : "g CO2e", v, sizeof v);
	else
		snprintf(v, sizeof v, "none");
	lw_report_row(out, "budget", v, 0, NULL);
}

void lw_report_table_run(const lw_run_files *run, lw_buf *out)
{
	lw_buf_puts(out, "<table class=\"summary\">\n");
	training_rows(run, out);
	const char *method = lw_report_run_method(run);
	if (method) {
		energy_rows(run, method, out);
		carbon_rows(run, lw_report_is_estimate(method), out);
		prediction_rows(run, out);
	} else {
		lw_report_section(out, "Energy");
		lw_report_row_open(out, "energy", "not metered", 0);
		lw_report_badge(out, NULL);
		lw_buf_puts(out, " this run has no energy figures</td></tr>\n");
	}
	lw_buf_puts(out, "</table>\n");
}

/* ---------------------------------------------------------------- runs */

static void cell(lw_buf *out, const char *text, int estimated)
{
	lw_buf_printf(out, "<td class=\"num%s\">%s", estimated ? " est" : "",
		      estimated ? LW_REPORT_APPROX : "");
	lw_xml_escape(out, text);
	lw_buf_puts(out, "</td>");
}

static void runs_row(const lw_run_files *run, lw_buf *out)
{
	char v[96];
	const char *method = lw_report_run_method(run);
	int est = lw_report_is_estimate(method);
	lw_buf_puts(out, "<tr><th>");
	lw_xml_escape(out, run->name);
	lw_buf_puts(out, "</th><td>");
	const char *arch = lw_run_files_str(run, "arch", NULL);
	lw_xml_escape(out, arch ? arch : "\xe2\x80\x93");
	double layers = lw_run_files_num(run, "layers", NULL), dm = lw_run_files_num(run, "d_model", NULL);
	if (isfinite(layers) && isfinite(dm))
		lw_buf_printf(out, " %.0f\xc3\x97%.0f", layers, dm);   /* 4×192 */
	lw_buf_puts(out, "</td>");
	cell(out, lw_report_count(figure_of(run, "steps", NULL, LW_COL_STEP), v, sizeof v), 0);
	cell(out, lw_report_count(figure_of(run, "tokens", NULL, LW_COL_TOKENS), v, sizeof v), 0);
	double val = figure_of(run, "val_loss", NULL, LW_COL_VAL_LOSS);
	cell(out, lw_report_num(val, 4, v, sizeof v), 0);
	cell(out, lw_report_num(figure_of(run, "val_perplexity", NULL, -1), 4, v, sizeof v), 0);
	cell(out, lw_report_with_unit(figure_of(run, "val_accuracy", NULL, LW_COL_VAL_ACCURACY) * 100, 4, "%",
			    v, sizeof v), 0);
	double total = method ? figure_of(run, "energy_j", "total", LW_COL_ENERGY_J) : NAN;
	cell(out, lw_report_num(total / 3600, 4, v, sizeof v), est);
	lw_buf_puts(out, "<td>");
	lw_report_badge(out, method);
	lw_buf_puts(out, "</td>");
	double secs = figure_of(run, "run_seconds", NULL, LW_COL_ELAPSED_S);
	double watts = lw_run_files_num(run, "avg_power_w", NULL);
	cell(out, lw_report_num(isfinite(watts) ? watts : total / secs, 4, v, sizeof v), est);
	cell(out, lw_report_num(method ? figure_of(run, "co2e_g", NULL, LW_COL_CO2E_G) : NAN, 4, v,
				sizeof v), est);
	double jpt = lw_run_files_num(run, "j_per_token", NULL);
	double tokens = figure_of(run, "tokens", NULL, LW_COL_TOKENS);
	cell(out, lw_report_num(isfinite(jpt) ? jpt : total / tokens, 4, v, sizeof v), est);
	const char *by = stopped_by(run);
	lw_buf_puts(out, "<td>");
	lw_xml_escape(out, by ? by : "\xe2\x80\x93");
	lw_buf_puts(out, "</td></tr>\n");
}

void lw_report_table_runs(const lw_run_files *runs, int n, lw_buf *out)
{
	lw_buf_puts(out, "<table class=\"runs\">\n<tr><th>run</th><th>model</th><th>steps</th>"
			 "<th>tokens</th><th>val loss (nats)</th><th>perplexity</th>"
			 "<th>accuracy</th><th>energy (Wh)</th><th>method</th>"
			 "<th>avg power (W)</th><th>CO2e (g)</th><th>J per token</th>"
			 "<th>stopped by</th></tr>\n");
	for (int k = 0; k < n; k++)
		runs_row(&runs[k], out);
	lw_buf_puts(out, "</table>\n");
}
