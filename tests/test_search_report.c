/*
 * test_search_report.c — the report of a search directory: fabricated
 * searches (trials.csv written through the ledger's own writer,
 * summary.json through jansson) into temporary directories, reported, and
 * the HTML read back:
 *
 *   - the chart against energy has a series per rung with one marker per
 *     row of a finite loss, named by its steps (a range when Hyperband's
 *     brackets differ), and the Pareto front as a line through its points
 *     in energy order (summary.json's order scrambled on purpose); a log x
 *     axis when energies span more than a factor 20, else linear from 0;
 *   - the chart against steps joins each trial's rungs, grouped by the
 *     rung it reached, and draws the best trial's curve;
 *   - the header, the exhaustive estimate and the ratio, the cost, best,
 *     front and trial tables (sorted by loss, NaN last), escaping of every
 *     text that comes from the files;
 *   - an unmetered search, no finished rung, a summary with its keys
 *     missing or null (dashes, never "nan"), and every bad file as a
 *     one-line error naming it with nothing written.
 */
#include <math.h>
#include <sys/stat.h>

#include "testutil.h"

#include <jansson.h>

#include "lowwatt/report.h"
#include "lowwatt/trials.h"
#include "util/file.h"

#define HOSTILE "</td><script>x</script> <b>\"q\" & 'a'"
#define HOSTILE_ESCAPED "&lt;/td&gt;&lt;script&gt;x&lt;/script&gt; &lt;b&gt;&quot;q&quot; &amp; &#39;a&#39;"

/* ---------------------------------------------------------------- helpers */

static void assert_msg(const lw_err *err, const char *needle)
{
	if (!strstr(err->msg, needle))
		fail_msg("message '%s' lacks '%s'", err->msg, needle);
	assert_null(strchr(err->msg, '\n'));
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The text of hay from needle up to the end of its element end (a copy). */
static char *section_of(const char *hay, const char *needle, const char *end)
{
	const char *a = strstr(hay, needle);
	if (!a)
		fail_msg("no '%s' in the report", needle);
	const char *b = strstr(a, end);
	assert_non_null(b);
	return strndup(a, (size_t)(b - a));
}

static void assert_has(const char *html, const char *needle)
{
	if (!strstr(html, needle))
		fail_msg("the report lacks '%s'", needle);
}

static void assert_self_contained(const char *html)
{
	assert_null(strstr(html, "http"));
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "src="));
	assert_null(strstr(html, "url("));
	assert_null(strstr(html, "nan"));
	assert_non_null(strstr(html, "<!DOCTYPE html>"));
	assert_non_null(strstr(html, "</html>\n"));
}

/* ---------------------------------------------------------------- fabrication */

/* A row's results, as the search would record them. */
static void finish(lw_trials *l, int64_t id, int rung, int64_t steps, double loss, double joules,
		   const char *method, lw_trial_status status)
{
	lw_trial r = {.id = id, .rung = rung, .steps = steps, .val_loss = loss,
		      .energy_j = joules, .seconds = steps * 0.5, .status = status};
	snprintf(r.method, sizeof r.method, "%s", method);
	lw_err err = {{0}};
	if (lw_trials_update(l, &r, &err))
		fail_msg("%s", err.msg);
}

static void promote(lw_trials *l, int64_t id)
{
	lw_err err = {{0}};
	if (lw_trials_promote(l, id, NULL, &err))
		fail_msg("%s", err.msg);
}

static void add(lw_trials *l, int k, const char *label)
{
	char config[96], run_dir[32];
	snprintf(config, sizeof config, "{\"d_model\":%d,\"lr\":0.00%d}", 64 * (k + 1), k + 1);
	snprintf(run_dir, sizeof run_dir, "trials/%d", k);
	lw_err err = {{0}};
	if (lw_trials_add(l, config, label, 0, run_dir, NULL, &err))
		fail_msg("%s", err.msg);
}

/* The main search, successive halving 9 -> 27 -> 81 steps over 6 trials:
 *
 *   trial  rung 0 (9)    rung 1 (27)    rung 2 (81)
 *   0      6.5   8 J     -
 *   1      5.8   4 J     5.2  36 J
 *   2      6.2   6 J     stopped by the budget (no loss)
 *   3      6.0   2 J     5.0  30 J      4.0  120 J     (the best)
 *   4      7.0  10 J     -
 *   5      failed
 *
 * Rows with a loss: 5 at rung 0, 2 at rung 1, 1 at rung 2. The trials'
 * latest finished rows not dominated: 2 (6 J, 6.2), 1 (36 J, 5.2), 3 (120
 * J, 4.0). Energies span 2..120 J: a log axis. */
static void write_main_trials(const char *path)
{
	lw_trials l = {0};
	for (int k = 0; k < 6; k++)
		add(&l, k, k == 4 ? HOSTILE : k == 5 ? NULL : "lbl");
	static const double loss0[] = {6.5, 5.8, 6.2, 6.0, 7.0}, joules0[] = {8, 4, 6, 2, 10};
	for (int k = 0; k < 5; k++)
		finish(&l, k, 0, 9, loss0[k], joules0[k], "estimated", LW_TRIAL_DONE);
	finish(&l, 5, 0, 0, NAN, 0, "none", LW_TRIAL_FAILED);
	promote(&l, 1);
	finish(&l, 1, 1, 27, 5.2, 36, "estimated", LW_TRIAL_DONE);
	promote(&l, 2);
	finish(&l, 2, 1, 9, NAN, 6, "estimated", LW_TRIAL_STOPPED);
	promote(&l, 3);
	finish(&l, 3, 1, 27, 5.0, 30, "estimated", LW_TRIAL_DONE);
	promote(&l, 3);
	finish(&l, 3, 2, 81, 4.0, 120, "measured", LW_TRIAL_DONE);
	lw_err err = {{0}};
	if (lw_trials_write(&l, path, &err))
		fail_msg("%s", err.msg);
	lw_trials_free(&l);
}

static json_t *front_point(int trial, int rung, int steps, double loss, double joules)
{
	return json_pack("{s:i, s:i, s:i, s:f, s:f, s:s}", "trial", trial, "rung", rung, "steps",
			 steps, "val_loss", loss, "energy_j", joules, "label", "lbl");
}

/* The main search's summary.json (the front deliberately out of order). */
static json_t *main_summary(void)
{
	json_t *front = json_pack("[o, o, o]", front_point(3, 2, 81, 4.0, 120),
				  front_point(2, 0, 9, 6.2, 6), front_point(1, 1, 27, 5.2, 36));
	json_t *j = json_pack(
		"{s:s, s:i, s:i, s:i, s:i, s:s, s:i, s:s, s:f}",
		"strategy", "sh", "min_steps", 9, "max_steps", 81, "eta", 3, "seed", 7,
		"space", "sp<1>.json", "configurations", 6, "status", "budget", "seconds", 95.0);
	json_object_set_new(j, "best", json_pack(
		"{s:i, s:i, s:i, s:f, s:f, s:s, s:{s:i, s:f, s:s}, s:s}", "trial", 3, "rung", 2,
		"steps", 81, "val_loss", 4.0, "energy_j", 120.0, "label", HOSTILE, "config",
		"d_model", 256, "lr", 0.004, "act<&>", "gelu \"tanh\"", "run_dir", "trials/3"));
	json_object_set_new(j, "pareto_front", front);
	json_object_set_new(j, "energy_j", json_real(180));
	json_object_set_new(j, "method", json_string("mixed"));
	json_object_set_new(j, "facility_energy_kwh", json_real(5.5e-5));
	json_object_set_new(j, "co2e_g", json_real(0.0264));
	json_object_set_new(j, "pue", json_real(1.1));
	json_object_set_new(j, "region", json_string("DE"));
	json_object_set_new(j, "intensity_g_per_kwh", json_real(480));
	json_object_set_new(j, "intensity_source", json_string("Ember <2025> & OWID"));
	json_object_set_new(j, "equivalents", json_pack("{s:f, s:f, s:f, s:f}", "flights_ny_sf",
		2.9e-8, "human_years", 5.3e-9, "american_years", 1.6e-9, "car_lifetimes", 4.6e-10));
	json_object_set_new(j, "exhaustive", json_pack("{s:i, s:s, s:f, s:f, s:f}",
		"configurations", 6, "basis", "grid", "energy_j", 1440.0, "co2e_g", 0.211,
		"ratio", 0.125));
	json_object_set_new(j, "budget", json_pack("{s:f, s:n}", "kwh", 0.001, "co2e_g"));
	json_object_set_new(j, "trials_csv", json_string("trials.csv"));
	return j;
}

static void write_summary(const char *dir, const json_t *j)
{
	char *path = tu_path(dir, "summary.json");
	assert_int_equal(json_dump_file(j, path, JSON_INDENT(2)), 0);
	free(path);
}

/* A search directory root/name with the main trials and summary j. */
static char *make_search(const char *root, const char *name, const json_t *j)
{
	char *dir = tu_path(root, name);
	assert_int_equal(mkdir(dir, 0777), 0);
	char *csv = tu_path(dir, "trials.csv");
	write_main_trials(csv);
	free(csv);
	if (j)
		write_summary(dir, j);
	return dir;
}

/* The report of dir, read back. */
static char *report_of(const char *dir)
{
	char *out = tu_path(dir, "report.html");
	lw_err err = {{0}};
	if (lw_report_search_write(dir, out, &err))
		fail_msg("%s", err.msg);
	lw_buf b = {0};
	assert_int_equal(lw_file_read_all(out, &b, &err), LW_OK);
	lw_buf_putc(&b, 0);
	free(out);
	return (char *)b.data;
}

/* The x pixel coordinates of the first polyline in svg, into x[]; count. */
static int polyline_xs(const char *svg, double *x, int max)
{
	const char *p = strstr(svg, "<polyline");
	assert_non_null(p);
	p = strstr(p, "points=\"");
	assert_non_null(p);
	p += 8;
	const char *end = strchr(p, '"');
	assert_non_null(end);
	int n = 0;
	while (p && p < end && n < max) {   /* "x,y x,y ..." */
		x[n++] = strtod(p, NULL);
		p = memchr(p, ' ', (size_t)(end - p));
		p = p ? p + 1 : NULL;
	}
	return n;
}

/* ---------------------------------------------------------------- tests */

static void charts_of_a_search(void **state)
{
	(void)state;
	char *root = tu_tempdir();
	json_t *j = main_summary();
	char *dir = make_search(root, "s", j);
	char *html = report_of(dir);
	assert_self_contained(html);
	assert_int_equal(count_of(html, "<svg class=\"chart\""), 2);

	char *energy = section_of(html, "data-chart=\"search-loss-energy\"", "</svg>");
	assert_has(energy, "data-series=\"rung 0: 9 steps\" data-points=\"5\" data-mark=\"markers\"");
	assert_has(energy, "data-series=\"rung 1: 27 steps\" data-points=\"2\" data-mark=\"markers\"");
	assert_has(energy, "data-series=\"rung 2: 81 steps\" data-points=\"1\" data-mark=\"markers\"");
	assert_has(energy, "data-series=\"Pareto front\" data-points=\"3\" data-mark=\"line\"");
	assert_int_equal(count_of(energy, "class=\"marker\""), 5 + 2 + 1);
	assert_has(energy, ">energy (Wh)</text>");
	/* 2 J to 120 J: decades on x (0.001 Wh), not a linear 0. */
	char *x_axis = section_of(energy, "data-axis=\"x\"", "</g>");
	assert_has(x_axis, ">0.001</text>");
	assert_null(strstr(x_axis, ">0</text>"));
	free(x_axis);
	/* The front: one line through its 3 points, cheapest first. */
	char *front = section_of(energy, "data-series=\"Pareto front\"", "</g>");
	double x[8];
	assert_int_equal(polyline_xs(front, x, 8), 3);
	assert_true(x[0] < x[1] && x[1] < x[2]);
	free(front);
	free(energy);

	char *steps = section_of(html, "data-chart=\"search-loss-steps\"", "</svg>");
	assert_has(steps, "data-series=\"reached rung 0\" data-points=\"3\" data-mark=\"both\"");
	assert_has(steps, "data-series=\"reached rung 1\" data-points=\"2\"");
	assert_has(steps, "data-series=\"reached rung 2\" data-points=\"3\"");
	assert_has(steps, "data-series=\"best (trial 3)\" data-points=\"3\" data-mark=\"line\"");
	/* Trials of one rung stay apart: rung 0's three lone points draw no
	 * line; trial 3's curve is one line of 3 points. */
	char *rung0 = section_of(steps, "data-series=\"reached rung 0\"", "</g>");
	assert_null(strstr(rung0, "<polyline"));
	assert_int_equal(count_of(rung0, "class=\"marker\""), 3);
	free(rung0);
	char *rung2 = section_of(steps, "data-series=\"reached rung 2\"", "</g>");
	assert_int_equal(polyline_xs(rung2, x, 8), 3);
	free(rung2);
	assert_has(steps, ">training steps</text>");
	free(steps);
	free(html);
	free(dir);
	json_decref(j);
	tu_rmtree(root);
	free(root);
}

static void tables_of_a_search(void **state)
{
	(void)state;
	char *root = tu_tempdir();
	json_t *j = main_summary();
	char *dir = make_search(root, "s", j);
	char *html = report_of(dir);
	assert_has(html, "<title>lowwatt search: sh</title>");
	assert_has(html, "<h1>lowwatt search: sh</h1>");
	assert_has(html, "successive halving \xc2\xb7 9 to 81 steps \xc2\xb7 eta 3 \xc2\xb7 seed 7 "
			 "\xc2\xb7 space sp&lt;1&gt;.json \xc2\xb7 6 configurations \xc2\xb7 stopped "
			 "by its budget");
	/* The exhaustive search: 1440 J = 0.4 Wh, and the ratio. */
	assert_has(html, "Training all 6 configurations to 81 steps: <span class=\"est\">"
			 "\xe2\x89\x88 0.4 Wh</span> (estimated). This search used <strong>12.5 %"
			 "</strong> of it.");
	assert_has(html, "training all 6 configurations to 81 steps (the whole grid)");
	/* Cost: the energy with its method, carbon, equivalences, budget. */
	assert_has(html, "\xe2\x89\x88 180 J = 0.05 Wh</td><td class=\"note\"><span class=\"badge "
			 "mixed\">mixed</span>");
	assert_has(html, "1 min 35 s");
	assert_has(html, "480 gCO2e/kWh");
	assert_has(html, "DE \xe2\x80\x94 Ember &lt;2025&gt; &amp; OWID");
	assert_has(html, "2.9e-8");
	assert_has(html, "0.001 kWh");
	assert_has(html, "8 rungs trained; 1 stopped by the budget; 1 failed");
	assert_has(html, "the search stopped where a trial would have exceeded it");
	/* Best: escaped label and configuration, its energy measured (no ≈). */
	char *best = section_of(html, "<table class=\"summary best\">", "</table>");
	assert_has(best, HOSTILE_ESCAPED);
	assert_has(best, "<tr><th>act&lt;&amp;&gt;</th><td class=\"num\">gelu &quot;tanh&quot;</td>");
	assert_has(best, "<td class=\"num\">0.004</td>");
	assert_has(best, "<td class=\"num\">120 J = 0.03333 Wh</td>");
	assert_has(best, "4 nats");
	assert_has(best, "trials/3");
	free(best);
	/* The front as listed, three rows. */
	char *front = section_of(html, "<table class=\"trials front\">", "</table>");
	assert_int_equal(count_of(front, "<tr>"), 1 + 3);
	assert_true(strstr(front, ">81<") < strstr(front, ">27<"));
	free(front);
	/* Every trial, lowest loss first, the failed one last, the best bold. */
	char *all = section_of(html, "<table class=\"trials all\">", "</table>");
	const char *order[] = {"<tr class=\"best\"><td class=\"num\">3</td>",
			       "<tr><td class=\"num\">1</td>", "<tr><td class=\"num\">2</td>",
			       "<tr><td class=\"num\">0</td>", "<tr><td class=\"num\">4</td>",
			       "<tr><td class=\"num\">5</td>"};
	const char *at = all;
	for (int k = 0; k < 6; k++) {
		const char *p = strstr(at, order[k]);
		if (!p)
			fail_msg("trial row %d ('%s') missing or out of order", k, order[k]);
		at = p + 1;
	}
	assert_has(all, HOSTILE_ESCAPED);
	assert_has(all, "{&quot;d_model&quot;:384,&quot;lr&quot;:0.006}");   /* no label */
	assert_has(all, "<td>stopped</td>");
	assert_has(all, "<td class=\"num\">6.2</td>");   /* trial 2 keeps rung 0's loss */
	free(all);
	assert_null(strstr(html, "<b>"));
	assert_has(html, "<span class=\"badge estimated\">estimated</span> computed from");
	free(html);
	free(dir);
	json_decref(j);
	tu_rmtree(root);
	free(root);
}

/* Write a ledger of rows (id, rung, steps, loss, joules, method, status)
 * into dir/trials.csv: a row at rung k of an id promotes its rung k - 1. */
typedef struct spec {
	int id, rung, steps;
	double loss, joules;
} spec;

static void write_trials(const char *dir, const spec *rows, int n, const char *method)
{
	lw_trials l = {0};
	for (int k = 0; k < n; k++) {
		if (rows[k].rung == 0)
			add(&l, rows[k].id, "t");
		else
			promote(&l, rows[k].id);
		finish(&l, rows[k].id, rows[k].rung, rows[k].steps, rows[k].loss, rows[k].joules,
		       method, isnan(rows[k].loss) ? LW_TRIAL_PENDING : LW_TRIAL_DONE);
	}
	char *path = tu_path(dir, "trials.csv");
	lw_err err = {{0}};
	assert_int_equal(lw_trials_write(&l, path, &err), LW_OK);
	lw_trials_free(&l);
	free(path);
}

static void linear_unmetered_and_empty(void **state)
{
	(void)state;
	char *root = tu_tempdir();
	json_t *j = main_summary();
	/* Hyperband: rung 0 of two brackets, 9 and 27 steps; 10..40 J: linear. */
	static const spec hb[] = {
		{0, 0, 9, 6.0, 10}, {0, 1, 27, 5.0, 30}, {1, 0, 27, 5.5, 40}, {2, 0, 9, 6.5, 12},
	};
	char *dir = tu_path(root, "hb");
	assert_int_equal(mkdir(dir, 0777), 0);
	write_trials(dir, hb, 4, "measured");
	write_summary(dir, j);
	char *html = report_of(dir);
	char *energy = section_of(html, "data-chart=\"search-loss-energy\"", "</svg>");
	assert_has(energy, "data-series=\"rung 0: 9\xe2\x80\x93" "27 steps\" data-points=\"3\"");
	assert_has(energy, "data-series=\"rung 1: 27 steps\" data-points=\"1\"");
	char *x_axis = section_of(energy, "data-axis=\"x\"", "</g>");
	assert_has(x_axis, ">0</text>");
	free(x_axis);
	free(energy);
	free(html);

	/* Not metered: no chart against energy, a note; steps still charted. */
	json_object_set_new(j, "method", json_string("none"));
	write_summary(dir, j);
	html = report_of(dir);
	assert_self_contained(html);
	assert_null(strstr(html, "search-loss-energy"));
	assert_has(html, "data-chart=\"search-loss-steps\"");
	assert_has(html, "not metered</span> This search has no energy figures");
	free(html);

	/* Nothing finished yet: no chart at all, and no best. */
	static const spec pending[] = {{0, 0, 0, NAN, 0}, {1, 0, 0, NAN, 0}};
	write_trials(dir, pending, 2, "none");
	json_object_set_new(j, "best", json_null());
	json_object_set_new(j, "pareto_front", json_array());
	write_summary(dir, j);
	html = report_of(dir);
	assert_self_contained(html);
	assert_int_equal(count_of(html, "<svg"), 0);
	assert_has(html, "nothing to chart");
	assert_int_equal(count_of(html, "None: no trial finished a rung"), 2);   /* best, front */
	free(html);
	free(dir);
	json_decref(j);
	tu_rmtree(root);
	free(root);
}

static void missing_and_null_keys_are_dashes(void **state)
{
	(void)state;
	char *root = tu_tempdir();
	/* Every key null, then none at all: a page with dashes. */
	json_t *j = main_summary();
	const char *key;
	json_t *value;
	void *tmp;
	json_object_foreach_safe(j, tmp, key, value)
		json_object_set_new(j, key, json_null());
	char *dir = make_search(root, "nulls", j);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			json_object_clear(j);
			write_summary(dir, j);
		}
		char *html = report_of(dir);
		assert_self_contained(html);
		assert_has(html, "<title>lowwatt search: \xe2\x80\x93</title>");
		assert_has(html, "search \xc2\xb7 \xe2\x80\x93 to \xe2\x80\x93 steps \xc2\xb7 eta "
				 "\xe2\x80\x93");
		assert_has(html, "status \xe2\x80\x93");
		assert_has(html, "<span class=\"badge none\">not metered</span> the trials");
		assert_null(strstr(html, "Training all"));   /* no exhaustive figures */
		assert_has(html, "<th>this search used</th><td class=\"num\">\xe2\x80\x93</td>");
		assert_has(html, "<th>budget</th><td class=\"num\">none</td>");
		/* The charts come from trials.csv alone: no front, no best curve. */
		assert_has(html, "data-series=\"rung 0: 9 steps\" data-points=\"5\"");
		assert_null(strstr(html, "Pareto front\""));
		assert_null(strstr(html, "best (trial"));
		assert_int_equal(count_of(html, "None: no trial finished a rung"), 2);
		free(html);
	}
	/* Numbers of the wrong type are dashes too. */
	json_object_set_new(j, "energy_j", json_string("lots"));
	json_object_set_new(j, "exhaustive", json_pack("{s:s, s:[]}", "energy_j", "x", "ratio"));
	write_summary(dir, j);
	char *html = report_of(dir);
	assert_has(html, "<th>energy</th><td class=\"num\">\xe2\x80\x93</td>");
	assert_has(html, "Training all \xe2\x80\x93 configurations to \xe2\x80\x93 steps");
	free(html);
	free(dir);
	json_decref(j);
	tu_rmtree(root);
	free(root);
}

/* lw_report_search_write on dir fails with status, a message holding
 * needle, and no report.html. */
static void assert_refused(const char *dir, lw_status status, const char *needle)
{
	char *out = tu_path(dir, "report.html");
	lw_err err = {{0}};
	assert_int_equal(lw_report_search_write(dir, out, &err), status);
	assert_msg(&err, needle);
	struct stat sb;
	assert_int_not_equal(stat(out, &sb), 0);
	free(out);
}

static void bad_files_are_refused(void **state)
{
	(void)state;
	char *root = tu_tempdir();
	json_t *j = main_summary();
	char *dir = make_search(root, "bad", NULL);
	assert_refused(dir, LW_ERR_IO, "bad/summary.json: cannot open");
	char *json = tu_path(dir, "summary.json"), *csv = tu_path(dir, "trials.csv");
	static const struct { const char *text, *needle; } BAD[] = {
		{"{\"strategy\": \"sh\",", "summary.json: line"},
		{"{\"a\": 1, \"a\": 2}", "summary.json: line"},
		{"[1, 2]", "summary.json: not a search's summary"},
		{"{\"best\": \"trial 3\"}", "summary.json: \"best\" is not an object"},
		{"{\"pareto_front\": {}}", "summary.json: \"pareto_front\" is not an array"},
		{"{\"pareto_front\": [{}, 3]}", "summary.json: \"pareto_front\"[1] is not an object"},
	};
	for (size_t k = 0; k < sizeof BAD / sizeof *BAD; k++) {
		tu_write_file(json, BAD[k].text, strlen(BAD[k].text));
		assert_refused(dir, LW_ERR_FORMAT, BAD[k].needle);
	}
	write_summary(dir, j);
	static const char *const BAD_CSV[] = {
		"", "trial,config\n0,{}\n",
		"trial,config,rung,steps,val_loss,energy_j,method,seconds,status,bracket,worker,"
		"label,run_dir\n0,{},0,9,x,1,none,1,done,0,0,,\n",
	};
	for (size_t k = 0; k < sizeof BAD_CSV / sizeof *BAD_CSV; k++) {
		tu_write_file(csv, BAD_CSV[k], strlen(BAD_CSV[k]));
		assert_refused(dir, LW_ERR_FORMAT, "bad/trials.csv");
	}
	assert_int_equal(unlink(csv), 0);
	assert_refused(dir, LW_ERR_IO, "bad/trials.csv: cannot open");
	write_main_trials(csv);
	/* An output that cannot be written; then a good one replaces an old file
	 * whole, leaving nothing else beside it. */
	char *nowhere = tu_path(root, "no/such/r.html"), *out = tu_path(dir, "report.html");
	lw_err err = {{0}};
	assert_int_equal(lw_report_search_write(dir, nowhere, &err), LW_ERR_IO);
	assert_msg(&err, "no/such/r.html");
	tu_write_file(out, "old", 3);
	assert_int_equal(lw_report_search_write(dir, out, &err), LW_OK);
	assert_int_equal(tu_count_entries(dir), 3);
	lw_buf b = {0};
	assert_int_equal(lw_file_read_all(out, &b, &err), LW_OK);
	assert_true(b.len > 5000 && memcmp(b.data, "<!DOCTYPE", 9) == 0);
	lw_buf_free(&b);
	assert_int_equal(lw_report_search_write(NULL, out, &err), LW_ERR_ARG);
	free(out);
	free(nowhere);
	free(csv);
	free(json);
	free(dir);
	json_decref(j);
	tu_rmtree(root);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(charts_of_a_search),
		cmocka_unit_test(tables_of_a_search),
		cmocka_unit_test(linear_unmetered_and_empty),
		cmocka_unit_test(missing_and_null_keys_are_dashes),
		cmocka_unit_test(bad_files_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
