/*
 * test_report.c — the run report: the chart module's ticks and labels
 * value by value (1-2-5 steps, degenerate, huge and tiny ranges, log
 * decades), XML escaping, the SVG's DOM hooks and point counts on known
 * series (gaps, lone points, markers, log axes, no data); reading run
 * directories (both metrics.csv headers, CRLF, a missing final newline,
 * every kind of bad file with its one-line message, and garbage: random
 * bytes, NUL bytes, huge lines, mutated files — never a crash); the power
 * per domain; the report's number formats; and the HTML of fabricated runs
 * (three charts with the right numbers of points, "not metered" for an
 * old run, the overlay of two runs, no script and no URL, atomic writing).
 */
#include <math.h>
#include <sys/stat.h>

#include "testutil.h"

#include "lowwatt/report.h"
#include "report/chart.h"
#include "report/report_internal.h"
#include "report/run_files.h"
#include "util/file.h"
#include "util/rng.h"

/* An error message is one line that contains needle. */
static void assert_msg(const lw_err *err, const char *needle)
{
	if (!strstr(err->msg, needle))
		fail_msg("message '%s' lacks '%s'", err->msg, needle);
	assert_null(strchr(err->msg, '\n'));
}

/* Occurrences of needle in hay. */
static int count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The NUL-terminated text of b. */
static const char *text_of(lw_buf *b)
{
	lw_buf_putc(b, 0);
	b->len--;
	return (const char *)b->data;
}

/* ---------------------------------------------------------------- ticks */

static void assert_labels(const lw_ticks *t, const char *const *want, int n)
{
	if (t->n != n)
		fail_msg("%d ticks, expected %d (first '%s')", t->n, n, t->label[0]);
	for (int i = 0; i < n; i++)
		if (strcmp(t->label[i], want[i]) != 0)
			fail_msg("tick %d is '%s', expected '%s'", i, t->label[i], want[i]);
}

static void ticks_one_two_five(void **state)
{
	(void)state;
	lw_ticks t;
	lw_chart_ticks(0, 1, 5, &t);
	assert_labels(&t, (const char *const[]){"0", "0.2", "0.4", "0.6", "0.8", "1.0"}, 6);
	assert_true(t.v[3] == 0.6 && t.v[1] == 0.2 && t.lo == 0 && t.hi == 1);

	lw_chart_ticks(3, 97, 5, &t);
	assert_labels(&t, (const char *const[]){"0", "20", "40", "60", "80", "100"}, 6);

	lw_chart_ticks(-3, 7, 5, &t);   /* no "-0" */
	assert_labels(&t, (const char *const[]){"-4", "-2", "0", "2", "4", "6", "8"}, 7);

	/* 0.1 + 0.2 stays "0.3": values scaled, not summed. */
	lw_chart_ticks(0.1, 0.35, 5, &t);
	assert_labels(&t, (const char *const[]){"0.10", "0.15", "0.20", "0.25", "0.30", "0.35"}, 6);
	assert_true(t.v[4] == 0.3);

	/* Reversed bounds are the same range. */
	lw_ticks r;
	lw_chart_ticks(97, 3, 5, &r);
	assert_int_equal(r.n, 6);
	assert_true(r.lo == 0 && r.hi == 100);
}

static void ticks_thousands_and_suffixes(void **state)
{
	(void)state;
	lw_ticks t;
	lw_chart_ticks(0, 7372800, 5, &t);
	assert_labels(&t, (const char *const[]){"0", "2M", "4M", "6M", "8M"}, 5);
	lw_chart_ticks(0, 1.4e6, 5, &t);
	assert_labels(&t, (const char *const[]){"0", "0.5M", "1.0M", "1.5M"}, 4);
	lw_chart_ticks(0, 4000, 4, &t);
	assert_labels(&t, (const char *const[]){"0", "1,000", "2,000", "3,000", "4,000"}, 5);
	lw_chart_ticks(0, 60000, 3, &t);
	assert_labels(&t, (const char *const[]){"0", "20k", "40k", "60k"}, 4);
	lw_chart_ticks(2e9, 8e9, 3, &t);
	assert_labels(&t, (const char *const[]){"2G", "4G", "6G", "8G"}, 4);
	lw_chart_ticks(0, 3e16, 3, &t);
	assert_labels(&t, (const char *const[]){"0", "1e16", "2e16", "3e16"}, 4);
}

static void ticks_tiny_and_degenerate(void **state)
{
	(void)state;
	lw_ticks t;
	lw_chart_ticks(1e-6, 4e-6, 3, &t);
	assert_labels(&t, (const char *const[]){"1e-6", "2e-6", "3e-6", "4e-6"}, 4);
	lw_chart_ticks(0.0012, 0.0018, 3, &t);
	assert_labels(&t, (const char *const[]){"0.0010", "0.0012", "0.0014", "0.0016", "0.0018"}, 5);

	/* A single value: a range around it, the value among the ticks. */
	double singles[] = {5, 0, -2.5, 1e-9, 1e300, 7372800};
	for (size_t k = 0; k < sizeof singles / sizeof *singles; k++) {
		double v = singles[k];
		lw_chart_ticks(v, v, 5, &t);
		if (!(t.n >= 2 && t.lo < v && t.hi > v))
			fail_msg("single value %g: %d ticks [%g, %g]", v, t.n, t.lo, t.hi);
		if (v == 7372800)
			break;   /* not a round number: inside the range is all */
		int found = 0;
		for (int i = 0; i < t.n; i++)
			found |= fabs(t.v[i] - v) <= fabs(v) * 1e-12;
		if (!found)
			fail_msg("single value %g is not a tick", v);
	}
	/* Too narrow for a double to tell ticks apart: treated as one value. */
	lw_chart_ticks(1e17, 1e17 + 16, 5, &t);
	assert_true(t.n >= 2 && t.lo < 1e17 && t.hi > 1e17 + 16);
}

static void ticks_extremes_stay_sane(void **state)
{
	(void)state;
	double cases[][2] = {
		{-1e308, 1e308}, {1e300, 5e300}, {-1.7e308, -1e308}, {4.9e-324, 1e-323},
		{NAN, 1}, {0, INFINITY}, {-INFINITY, INFINITY}, {NAN, NAN}, {1e-310, 3e-310},
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		lw_ticks t;
		lw_chart_ticks(cases[k][0], cases[k][1], 5, &t);
		assert_true(t.n >= 2 && t.n <= LW_TICKS_MAX);
		for (int i = 0; i < t.n; i++) {
			if (!isfinite(t.v[i]) || !t.label[i][0] || strchr(t.label[i], 'n'))
				fail_msg("case %zu: tick %d = %g '%s'", k, i, t.v[i], t.label[i]);
			if (i > 0 && !(t.v[i] > t.v[i - 1]))
				fail_msg("case %zu: ticks not increasing at %d", k, i);
		}
	}
	lw_ticks t;
	lw_chart_ticks(NAN, NAN, 5, &t);   /* no data: [0, 1] */
	assert_true(t.lo == 0 && t.hi == 1);
}

static void ticks_log_decades(void **state)
{
	(void)state;
	lw_ticks t;
	lw_chart_log_ticks(0.5, 2000, 6, &t);
	assert_labels(&t, (const char *const[]){"0.1", "1", "10", "100", "1,000", "10k"}, 6);
	assert_true(t.lo == 0.1 && t.hi == 10000);
	lw_chart_log_ticks(1, 1e12, 6, &t);   /* 12 decades: every second one */
	assert_labels(&t, (const char *const[]){"1", "100", "10k", "1M", "100M", "10G", "1T"}, 7);
	lw_chart_log_ticks(2, 30, 6, &t);     /* two decades: 1, 2, 5 x 10^k */
	assert_labels(&t, (const char *const[]){"1", "2", "5", "10", "20", "50", "100"}, 7);
	lw_chart_log_ticks(1e-7, 1e-5, 6, &t);
	assert_string_equal(t.label[0], "1e-7");
	assert_string_equal(t.label[t.n - 1], "1e-5");
	lw_chart_log_ticks(10, 10, 6, &t);    /* one value: the decades around it */
	assert_true(t.lo < 10 && t.hi >= 10);
	lw_chart_log_ticks(-1, 10, 6, &t);    /* not a log range: [1, 10] */
	assert_true(t.lo == 1 && t.hi == 10);
	lw_chart_log_ticks(1e-320, 1e308, 6, &t);
	assert_true(t.n >= 2 && t.n <= LW_TICKS_MAX && t.lo > 0 && isfinite(t.hi));
}

static void format_tick_values(void **state)
{
	(void)state;
	char b[LW_TICK_LABEL_MAX];
	lw_chart_format_tick(0.30000000000000004, 0.1, 1, b, sizeof b);
	assert_string_equal(b, "0.3");
	lw_chart_format_tick(-1e-17, 0.1, 1, b, sizeof b);
	assert_string_equal(b, "0");
	lw_chart_format_tick(12500, 500, 20000, b, sizeof b);
	assert_string_equal(b, "12.5k");
	lw_chart_format_tick(-2500, 500, 5000, b, sizeof b);
	assert_string_equal(b, "-2,500");
	lw_chart_format_tick(2.5e-5, 5e-6, 3e-5, b, sizeof b);
	assert_string_equal(b, "2.5e-5");
	lw_chart_format_tick(NAN, 1, 1, b, sizeof b);
	assert_string_equal(b, "?");
}

/* ---------------------------------------------------------------- svg */

static void escape_everything(void **state)
{
	(void)state;
	lw_buf b = {0};
	lw_xml_escape(&b, "a<b>&\"'\x01\x7f z\xc3\xa9");
	assert_string_equal(text_of(&b), "a&lt;b&gt;&amp;&quot;&#39;?? z\xc3\xa9");
	lw_buf_free(&b);
}

/* The points of the n-th polyline of svg (counted from 0). */
static int polyline_points(const char *svg, int nth)
{
	const char *p = svg;
	for (int i = 0; i <= nth; i++) {
		p = strstr(p, "<polyline");
		assert_non_null(p);
		p++;
	}
	const char *q = strstr(p, "points=\"") + 8, *end = strchr(q, '"');
	int n = 1;
	for (; q < end; q++)
		n += *q == ' ';
	return n;
}

static void chart_hooks_and_counts(void **state)
{
	(void)state;
	double x[10], y[10], y2[6] = {1, NAN, 2, NAN, 3, 4}, ys[5] = {5, 4, 3, 2, 1};
	for (int i = 0; i < 10; i++) {
		x[i] = i * 1000;
		y[i] = 10 - i;
	}
	y[4] = NAN;   /* a gap: 4 + 5 points */
	lw_chart_series s[3] = {
		{"train <loss>", x, y, 10, LW_MARK_LINE, 0},
		{"lone", x, y2, 6, LW_MARK_LINE, 0},
		{"val", x, ys, 5, LW_MARK_MARKERS, 0},
	};
	lw_chart c = {"test-chart", "Loss & co", "tokens", "loss (nats)", 0, 0, 0, s, 3};
	lw_buf b = {0};
	lw_chart_svg(&c, &b);
	const char *svg = text_of(&b);
	assert_non_null(strstr(svg, "<svg class=\"chart\" data-chart=\"test-chart\""));
	assert_non_null(strstr(svg, ">Loss &amp; co</text>"));
	assert_non_null(strstr(svg, "data-series=\"train &lt;loss&gt;\" data-points=\"9\" "
				    "data-mark=\"line\""));
	assert_non_null(strstr(svg, "data-series=\"lone\" data-points=\"4\""));
	assert_non_null(strstr(svg, "data-series=\"val\" data-points=\"5\" data-mark=\"markers\""));
	assert_int_equal(count_of(svg, "<polyline"), 3);
	assert_int_equal(polyline_points(svg, 0), 4);
	assert_int_equal(polyline_points(svg, 1), 5);
	assert_int_equal(polyline_points(svg, 2), 2);   /* 3, 4 of "lone" */
	assert_int_equal(count_of(svg, "class=\"lone\""), 2);
	assert_int_equal(count_of(svg, "class=\"marker\""), 5);
	assert_int_equal(count_of(svg, "class=\"axis-title\""), 2);
	assert_true(count_of(svg, "class=\"tick-label\"") >= 4);
	assert_int_equal(count_of(svg, "class=\"legend-entry\""), 3);
	assert_int_equal(count_of(svg, "class=\"chart-title\""), 1);
	assert_null(strstr(svg, "nan"));
	assert_null(strstr(svg, "inf"));
	assert_null(strstr(svg, "http"));
	assert_null(strstr(svg, "<script"));
	/* One series: no legend. */
	lw_buf one = {0};
	c.n_series = 1;
	lw_chart_svg(&c, &one);
	assert_int_equal(count_of(text_of(&one), "legend-entry"), 0);
	lw_buf_free(&one);
	lw_buf_free(&b);
}

static void chart_log_axes_and_no_data(void **state)
{
	(void)state;
	double x[5] = {-1, 0, 10, 100, 1000}, y[5] = {1, 2, 3, 0.5, -4};
	lw_chart_series s = {"s", x, y, 5, LW_MARK_BOTH, 0};
	lw_chart c = {"log", "Log", "x", "y", LW_CHART_LOG_X | LW_CHART_LOG_Y, 0, 0, &s, 1};
	assert_int_equal(lw_chart_drawn_points(&s, c.options), 2);   /* (10,3), (100,0.5) */
	assert_int_equal(lw_chart_drawn_points(&s, 0), 5);
	lw_buf b = {0};
	lw_chart_svg(&c, &b);
	const char *svg = text_of(&b);
	assert_non_null(strstr(svg, "data-points=\"2\" data-mark=\"both\""));
	assert_int_equal(count_of(svg, "class=\"marker\""), 2);
	assert_int_equal(count_of(svg, "<polyline"), 1);
	assert_null(strstr(svg, "no-data"));
	lw_buf_free(&b);

	/* Nothing to draw: empty axes and a note, no NaN in the SVG. */
	double nx[2] = {NAN, NAN};
	lw_chart_series e = {"empty", nx, nx, 2, LW_MARK_LINE, 0};
	lw_chart ce = {"empty", "Empty", "x", "y", 0, 0, 0, &e, 1};
	lw_buf eb = {0};
	lw_chart_svg(&ce, &eb);
	const char *esvg = text_of(&eb);
	assert_non_null(strstr(esvg, "class=\"no-data\""));
	assert_non_null(strstr(esvg, "data-points=\"0\""));
	assert_null(strstr(esvg, "nan"));
	lw_buf_free(&eb);

	/* Many series: the chart grows to hold the legend. */
	lw_chart_series many[30];
	for (int k = 0; k < 30; k++)
		many[k] = (lw_chart_series){"a rather long series name that gets cut", x, y, 5, 0, 0};
	lw_chart cm = {"many", "Many", "x", "y", 0, 0, 0, many, 30};
	lw_buf mb = {0};
	lw_chart_svg(&cm, &mb);
	const char *msvg = text_of(&mb);
	assert_int_equal(count_of(msvg, "legend-entry"), 30);
	assert_non_null(strstr(msvg, "\xe2\x80\xa6</text>"));   /* cut with an ellipsis */
	int h = 0;
	assert_int_equal(sscanf(strstr(msvg, "height=\""), "height=\"%d", &h), 1);
	assert_true(h >= 40 + 18 * 30);
	lw_buf_free(&mb);
}

/* ---------------------------------------------------------------- run files */

#define HEADER16 "step,tokens,loss,lr,grad_norm,tokens_per_s,elapsed_s,val_loss,val_accuracy," \
		 "power_w,energy_j,co2e_g,method,cpu_j,dram_j,gpu_j\n"
#define HEADER9 "step,tokens,loss,lr,grad_norm,tokens_per_s,elapsed_s,val_loss,val_accuracy\n"

/* metrics.csv of rows rows: every 5th with validation figures; metered
 * ones with estimated cpu and dram (20 W and 3 W, 2 s a row) and, with
 * gpu, a measured GPU at 100 W. */
static void fabricate_metrics(lw_buf *b, int rows, int metered, int gpu)
{
	lw_buf_puts(b, metered ? HEADER16 : HEADER9);
	for (int i = 1; i <= rows; i++) {
		char line[512];
		double t = 2.0 * i, cpu = 20 * t, dram = 3 * t, g = gpu ? 100 * t : 0;
		int o = snprintf(line, sizeof line, "%d,%d,%.6f,0.0002,1.5,2000.0,%.3f,", 10 * i,
				 4096 * 10 * i, 8 * exp(-i / 10.0) + 3, t);
		o += i % 5 == 0 ? snprintf(line + o, sizeof line - o, "%.6f,%.6f", 3.5 + 5.0 / i,
					   0.01 * i)
				: snprintf(line + o, sizeof line - o, ",");
		if (metered) {
			o += snprintf(line + o, sizeof line - o, ",%.1f,%.3f,%.6f,%s,%.3f,%.3f,", 123.0,
				      cpu + dram + g, (cpu + dram + g) * 1e-4, gpu ? "mixed" : "estimated",
				      cpu, dram);
			if (gpu)
				snprintf(line + o, sizeof line - o, "%.3f", g);
		}
		lw_buf_puts(b, line);
		lw_buf_putc(b, '\n');
	}
}

static const char SUMMARY_METERED[] =
	"{\"arch\": \"clm\", \"layers\": 4, \"d_model\": 192, \"heads\": 4, \"params\": 3358848,"
	" \"steps\": 300, \"planned_steps\": 300, \"tokens\": 12288000, \"train_loss\": 3.4,"
	" \"val_loss\": 3.6, \"val_perplexity\": 36.6, \"val_accuracy\": 0.28,"
	" \"stopped_by\": \"plan\", \"run_seconds\": 60,"
	" \"energy_j\": {\"cpu\": 1200, \"dram\": 180, \"gpu\": null, \"total\": 1380},"
	" \"method\": {\"cpu\": \"estimated\", \"dram\": \"estimated\", \"gpu\": \"none\"},"
	" \"sources\": {\"cpu\": \"estimate (4 W per CPU)\", \"dram\": \"estimate\", \"gpu\": \"none\"},"
	" \"avg_power_w\": 23, \"facility_energy_kwh\": 0.000421667, \"co2e_g\": 0.16065,"
	" \"j_per_token\": 0.0001123, \"pue\": 1.1, \"region\": \"DE\","
	" \"intensity_g_per_kwh\": 381, \"intensity_source\": \"Ember <2025> & OWID\","
	" \"equivalents\": {\"flights_ny_sf\": 1.78e-7, \"human_years\": 3.2e-8,"
	"   \"american_years\": 9.8e-9, \"car_lifetimes\": 2.8e-9},"
	" \"predicted_energy_j\": 1400, \"predicted_at_step\": 15, \"predicted_co2e_g\": 0.163,"
	" \"prediction_error\": 0.0145, \"budget\": {\"kwh\": 0.5, \"co2e_g\": null},"
	" \"infer_j_per_1000_seq\": 1.23, \"infer_method\": \"estimated\"}\n";

static const char SUMMARY_OLD[] =
	"{\"arch\": \"mlm\", \"layers\": 2, \"d_model\": 64, \"heads\": 2, \"params\": 1000,"
	" \"steps\": 300, \"planned_steps\": 300, \"tokens\": 12288000, \"train_loss\": 3.4,"
	" \"val_loss\": 3.6, \"stopped_early\": false}\n";

static char *make_run(const char *root, const char *name, int rows, int metered, int gpu,
		      const char *summary)
{
	char *dir = tu_path(root, name);
	assert_int_equal(mkdir(dir, 0777), 0);
	lw_buf b = {0};
	fabricate_metrics(&b, rows, metered, gpu);
	char *p = tu_path(dir, "metrics.csv");
	tu_write_file(p, b.data, b.len);
	free(p);
	lw_buf_free(&b);
	if (summary) {
		p = tu_path(dir, "summary.json");
		tu_write_file(p, summary, strlen(summary));
		free(p);
	}
	return dir;
}

static void run_files_reads_both_headers(void **state)
{
	(void)state;
	char *root = tu_tempdir();
	char *dir = make_run(root, "run-a", 30, 1, 1, SUMMARY_METERED);
	char *slash = tu_path(dir, "");   /* "root/run-a/" */
	lw_run_files run;
	lw_err err = {{0}};
	if (lw_run_files_load(slash, &run, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(run.name, "run-a");
	assert_int_equal(run.n_cols, LW_COL_COUNT);
	assert_int_equal(run.n_rows, 30);
	assert_true(run.col[LW_COL_STEP][29] == 300);
	assert_true(run.col[LW_COL_ELAPSED_S][0] == 2.0);
	assert_true(isnan(run.col[LW_COL_VAL_LOSS][0]) && isfinite(run.col[LW_COL_VAL_LOSS][4]));
	assert_true(run.col[LW_COL_METHOD][0] == LW_RUN_METHOD_MIXED);
	assert_true(fabs(run.col[LW_COL_GPU_J][9] - 2000) < 1e-9);
	assert_true(lw_run_files_metered(&run));
	assert_true(lw_run_files_num(&run, "energy_j", "total") == 1380);
	assert_true(isnan(lw_run_files_num(&run, "energy_j", "gpu")));     /* null */
	assert_true(isnan(lw_run_files_num(&run, "arch", NULL)));          /* a string */
	assert_true(isnan(lw_run_files_num(&run, "steps", "x")));          /* not an object */
	assert_string_equal(lw_run_files_str(&run, "method", "cpu"), "estimated");
	assert_null(lw_run_files_str(&run, "nothing", NULL));
	lw_run_files_free(&run);

	char *old = make_run(root, "old", 12, 0, 0, NULL);
	if (lw_run_files_load(old, &run, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(run.n_cols, LW_COL_COUNT_OLD);
	assert_int_equal(run.n_rows, 12);
	assert_null(run.summary);
	assert_true(isnan(run.col[LW_COL_ENERGY_J][3]) && isnan(run.col[LW_COL_GPU_J][11]));
	assert_false(lw_run_files_metered(&run));
	assert_true(isnan(lw_run_files_num(&run, "steps", NULL)));
	lw_run_files_free(&run);
	free(old);
	free(slash);
	free(dir);
	tu_rmtree(root);
	free(root);
}

static void run_files_tolerates_crlf_nan_and_no_final_newline(void **state)
{
	(void)state;
	static const char text[] = HEADER9 "10,40960,nan,0.0002,1.5,2000,3.3,,\r\n"
					   "20,81920,7.5,0.0004,-nan,2000,5.2,7.9,0.1";
	lw_run_files run = {0};
	lw_err err = {{0}};
	if (lw_run_files_parse_metrics("m.csv", text, sizeof text - 1, &run, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(run.n_rows, 2);
	assert_true(isnan(run.col[LW_COL_LOSS][0]) && isnan(run.col[LW_COL_GRAD_NORM][1]));
	assert_true(run.col[LW_COL_VAL_ACCURACY][1] == 0.1);
	lw_run_files_free(&run);
	/* Only a header: a run that has not logged yet. */
	assert_int_equal(lw_run_files_parse_metrics("m.csv", HEADER16, strlen(HEADER16), &run, &err),
			 LW_OK);
	assert_int_equal(run.n_rows, 0);
	lw_run_files_free(&run);
}

typedef struct bad_case {
	const char *text;
	size_t len;     /* 0: strlen */
	const char *want;
} bad_case;

static void run_files_refuses_bad_metrics(void **state)
{
	(void)state;
	static const char nul_row[] = HEADER9 "10,409\0" "60,8.7,0.0002,1.5,2000,3.3,,\n";
	const bad_case cases[] = {
		{"", 0, "m.csv: empty"},
		{"step,tokens,loss\n1,2,3\n", 0, "m.csv:1: not a run's metrics.csv"},
		{"timestamp,project_name,run_id\n", 0, "m.csv:1: not a run's"},
		{HEADER9 "10,40960,8.7,0.0002,1.5,2000,3.3,,\n10,1\n", 0, "m.csv:3: 2 fields, expected 9"},
		{HEADER16 "10,40960,8.7,0.0002,1.5,2000,3.3,,\n", 0, "m.csv:2: 9 fields, expected 16"},
		{HEADER9 "10,40960,abc,0.0002,1.5,2000,3.3,,\n", 0, "m.csv:2: loss 'abc' is not a number"},
		{HEADER9 ",40960,8.7,0.0002,1.5,2000,3.3,,\n", 0, "m.csv:2: step '' is empty"},
		{HEADER9 "10,40960,8.7,0.0002,1.5,2000,inf,,\n", 0, "elapsed_s 'inf' is not a finite"},
		{HEADER9 "10,40960, 8.7,0.0002,1.5,2000,3.3,,\n", 0, "loss ' 8.7' is not a number"},
		{HEADER9 "10,40960,8.7x,0.0002,1.5,2000,3.3,,\n", 0, "loss '8.7x'"},
		{HEADER9 "\n", 0, "m.csv:2: 1 fields, expected 9"},
		{HEADER16 "10,1,2,3,4,5,6,,,7,8,9,guessed,1,2,\n", 0,
		 "m.csv:2: method 'guessed' is not a method"},
		{nul_row, sizeof nul_row - 1, "m.csv:2: tokens '409?60' is not a number"},
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		lw_run_files run = {0};
		lw_err err = {{0}};
		size_t len = cases[k].len ? cases[k].len : strlen(cases[k].text);
		if (lw_run_files_parse_metrics("m.csv", cases[k].text, len, &run, &err) != LW_ERR_FORMAT)
			fail_msg("case %zu accepted", k);
		assert_msg(&err, cases[k].want);
		assert_int_equal(run.n_rows, 0);
		assert_null(run.col[0]);
	}
}

static void run_files_refuses_bad_summaries_and_dirs(void **state)
{
	(void)state;
	const bad_case cases[] = {
		{"{\"steps\": 1,\n \"arch\": }", 0, "s.json: line 2 column "},
		{"[1, 2]", 0, "s.json: not a run's summary"},
		{"{\"arch\": \"mlm\"}", 0, "s.json: not a run's summary"},
		{"{\"steps\": \"300\"}", 0, "not a run's summary"},
		{"{\"steps\": 1, \"steps\": 2}", 0, "s.json: line 1 column 20: duplicate object key"},
		{"", 0, "s.json:"},
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		lw_run_files run = {0};
		lw_err err = {{0}};
		if (lw_run_files_parse_summary("s.json", cases[k].text, strlen(cases[k].text), &run,
					       &err) != LW_ERR_FORMAT)
			fail_msg("case %zu accepted", k);
		assert_msg(&err, cases[k].want);
		assert_null(run.summary);
	}
	char *root = tu_tempdir();
	lw_run_files run;
	lw_err err = {{0}};
	/* A directory without metrics.csv is not a run. */
	assert_int_equal(lw_run_files_load(root, &run, &err), LW_ERR_FORMAT);
	assert_msg(&err, "not a run directory (no metrics.csv)");
	char *missing = tu_path(root, "missing");
	assert_int_equal(lw_run_files_load(missing, &run, &err), LW_ERR_IO);
	assert_msg(&err, "missing: cannot open");
	/* A file is not a run directory. */
	char *file = tu_path(root, "file");
	tu_write_file(file, "x", 1);
	assert_int_equal(lw_run_files_load(file, &run, &err), LW_ERR_FORMAT);
	assert_msg(&err, "not a directory");
	/* A bad summary beside good metrics names the summary. */
	char *dir = make_run(root, "r", 3, 1, 0, "{\"steps\": ");
	assert_int_equal(lw_run_files_load(dir, &run, &err), LW_ERR_FORMAT);
	assert_msg(&err, "r/summary.json: line 1 column ");
	assert_null(run.name);
	free(dir);
	free(file);
	free(missing);
	tu_rmtree(root);
	free(root);
}

/* Random bytes, random lines of numbers and commas, huge lines and mutated
 * good files: parsed or refused with a message, never a crash. */
static void run_files_survive_garbage(void **state)
{
	(void)state;
	lw_rng rng = lw_rng_from(5, 5, 5);
	lw_buf good = {0};
	fabricate_metrics(&good, 20, 1, 1);
	size_t cap = 1 << 16;
	char *buf = malloc(cap);
	assert_non_null(buf);
	for (int k = 0; k < 600; k++) {
		size_t len;
		if (k % 3 == 0) {   /* random bytes from a small alphabet */
			static const char alpha[] = "0123456789.,-e\n\r\0naimx ";
			len = lw_rng_below(&rng, 400);
			for (size_t i = 0; i < len; i++)
				buf[i] = alpha[lw_rng_below(&rng, sizeof alpha - 1)];
		} else {            /* a good file, mutated */
			len = good.len;
			memcpy(buf, good.data, len);
			for (int m = 0, n = 1 + (int)lw_rng_below(&rng, 4); m < n; m++)
				buf[lw_rng_below(&rng, len)] = (char)lw_rng_below(&rng, 256);
			if (k % 3 == 2)
				len = lw_rng_below(&rng, len + 1);   /* cut anywhere */
		}
		lw_run_files run = {0};
		lw_err err = {{0}};
		lw_status st = lw_run_files_parse_metrics("g.csv", buf, len, &run, &err);
		assert_true(st == LW_OK || (st == LW_ERR_FORMAT && strlen(err.msg) > 0));
		if (st == LW_OK) {   /* what was read draws without NaN text */
			lw_buf html = {0};
			run.name = "garbage";
			lw_report_charts_run(&run, &html);
			assert_null(strstr(text_of(&html), "nan"));
			lw_buf_free(&html);
			run.name = NULL;
		}
		lw_run_files_free(&run);
		st = lw_run_files_parse_summary("g.json", buf, len, &run, &err);
		assert_true(st == LW_OK || st == LW_ERR_FORMAT);
		lw_run_files_free(&run);
	}
	/* A line of a megabyte: digits, then commas. */
	size_t big = 1 << 20;
	char *huge = malloc(big + 200);
	assert_non_null(huge);
	size_t h = (size_t)sprintf(huge, HEADER9);
	memset(huge + h, '7', big);
	lw_run_files run = {0};
	lw_err err = {{0}};
	assert_int_equal(lw_run_files_parse_metrics("h.csv", huge, h + big, &run, &err),
			 LW_ERR_FORMAT);
	assert_msg(&err, "h.csv:2: 1 fields");
	memset(huge + h, ',', big);
	assert_int_equal(lw_run_files_parse_metrics("h.csv", huge, h + big, &run, &err),
			 LW_ERR_FORMAT);
	memcpy(huge + h, "1,2,", 4);
	memset(huge + h + 4, '9', big - 4);
	memcpy(huge + h + big - 11, ",1,1,1,1,,\n", 11);
	assert_int_equal(lw_run_files_parse_metrics("h.csv", huge, h + big, &run, &err),
			 LW_ERR_FORMAT);
	assert_msg(&err, "loss '999999999999999999999999...'");
	free(huge);
	free(buf);
	lw_buf_free(&good);
}

/* ---------------------------------------------------------------- power, format */

static void power_from_cumulative_joules(void **state)
{
	(void)state;
	double t[5] = {2, 4, 4, 7, 9}, e[5] = {20, 50, 60, 90, NAN};
	lw_run_files run = {0};
	run.n_rows = 5;
	run.col[LW_COL_ELAPSED_S] = t;
	run.col[LW_COL_CPU_J] = e;
	double p[5];
	lw_report_power(&run, LW_COL_CPU_J, p);
	assert_true(p[0] == 10 && p[1] == 15);
	assert_true(isnan(p[2]));   /* time did not advance */
	assert_true(p[3] == 10);
	assert_true(isnan(p[4]));   /* no figure */
}

static void report_number_formats(void **state)
{
	(void)state;
	char b[64];
	assert_string_equal(lw_report_num(607.1, 5, b, sizeof b), "607.1");
	assert_string_equal(lw_report_num(0.000168, 3, b, sizeof b), "0.000168");
	assert_string_equal(lw_report_num(11050.3, 5, b, sizeof b), "11,050");
	assert_string_equal(lw_report_num(4.4862922, 4, b, sizeof b), "4.486");
	assert_string_equal(lw_report_num(2e-7, 3, b, sizeof b), "2e-7");
	assert_string_equal(lw_report_num(1.78e-7, 3, b, sizeof b), "1.78e-7");
	assert_string_equal(lw_report_num(-0.5, 3, b, sizeof b), "-0.5");
	assert_string_equal(lw_report_num(NAN, 3, b, sizeof b), "\xe2\x80\x93");
	assert_string_equal(lw_report_count(7372800, b, sizeof b), "7,372,800");
	assert_string_equal(lw_report_count(999, b, sizeof b), "999");
	assert_string_equal(lw_report_duration(45.3, b, sizeof b), "45.3 s");
	assert_string_equal(lw_report_duration(376.3, b, sizeof b), "6 min 16 s");
	assert_string_equal(lw_report_duration(7500, b, sizeof b), "2 h 05 min");
}

/* ---------------------------------------------------------------- html */

/* The report written for dirs, read back. */
static char *report_of(const char *out, const char *const *dirs, int n)
{
	lw_err err = {{0}};
	if (lw_report_write(out, dirs, n, &err))
		fail_msg("%s", err.msg);
	lw_buf b = {0};
	assert_int_equal(lw_file_read_all(out, &b, &err), LW_OK);
	return (char *)b.data;
}

static void assert_self_contained(const char *html)
{
	assert_null(strstr(html, "http"));
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "src="));
	assert_null(strstr(html, "url("));
	assert_null(strstr(html, "<link"));
	assert_null(strstr(html, "nan"));
	assert_non_null(strstr(html, "<!DOCTYPE html>"));
	assert_non_null(strstr(html, "</html>\n"));
}

static void html_of_one_metered_run(void **state)
{
	(void)state;
	char *root = tu_tempdir();
	char *dir = make_run(root, "run<1>&", 30, 1, 0, SUMMARY_METERED);
	char *out = tu_path(dir, "report.html");
	const char *dirs[] = {dir};
	char *html = report_of(out, dirs, 1);
	assert_self_contained(html);
	assert_non_null(strstr(html, "<h1>run&lt;1&gt;&amp;</h1>"));
	assert_int_equal(count_of(html, "<svg class=\"chart\""), 3);
	assert_non_null(strstr(html, "data-chart=\"loss-tokens\""));
	assert_non_null(strstr(html, "data-chart=\"loss-energy\""));
	assert_non_null(strstr(html, "data-chart=\"power\""));
	/* training loss: 30 rows, validation: every 5th, twice; power: CPU,
	 * DRAM (no GPU column figures) and the total. */
	assert_int_equal(count_of(html, "data-series=\"training loss\" data-points=\"30\""), 2);
	assert_int_equal(count_of(html, "data-series=\"validation loss\" data-points=\"6\""), 2);
	assert_non_null(strstr(html, "data-series=\"CPU (estimated)\" data-points=\"30\""));
	assert_non_null(strstr(html, "data-series=\"DRAM (estimated)\" data-points=\"30\""));
	assert_non_null(strstr(html, "data-series=\"total\" data-points=\"30\""));
	assert_null(strstr(html, "data-series=\"GPU"));
	/* Axis titles with units. */
	assert_non_null(strstr(html, ">energy (Wh)</text>"));
	assert_non_null(strstr(html, ">power (W)</text>"));
	assert_non_null(strstr(html, ">time (min)</text>"));
	/* The table: methods as badges, estimates marked, the figures. */
	assert_non_null(strstr(html, "<span class=\"badge estimated\">estimated</span>"));
	assert_non_null(strstr(html, "\xe2\x89\x88 1380 J = 0.3833 Wh"));
	assert_non_null(strstr(html, "381 gCO2e/kWh"));
	assert_non_null(strstr(html, "DE \xe2\x80\x94 Ember &lt;2025&gt; &amp; OWID"));
	assert_non_null(strstr(html, "passenger round trips New York-San Francisco by air"));
	assert_non_null(strstr(html, "1.78e-7"));
	assert_non_null(strstr(html, "1400 J, 0.163 g CO2e"));
	assert_non_null(strstr(html, "+1.5 %"));
	assert_non_null(strstr(html, "0.5 kWh"));
	assert_non_null(strstr(html, "1.23 J"));
	assert_non_null(strstr(html, "PUE 1.1 included"));
	assert_non_null(strstr(html, "300 of 300 planned"));
	assert_non_null(strstr(html, "clm \xc2\xb7 4 layers \xc2\xb7 d_model 192"));
	assert_null(strstr(html, "not metered</span> This run"));
	free(html);
	/* Nothing left beside it but the run's files. */
	assert_int_equal(tu_count_entries(dir), 3);
	free(out);
	free(dir);
	tu_rmtree(root);
	free(root);
}

static void html_of_an_old_run_and_of_two_runs(void **state)
{
	(void)state;
	char *root = tu_tempdir();
	char *old = make_run(root, "old", 20, 0, 0, SUMMARY_OLD);
	char *gpu = make_run(root, "gpu", 25, 1, 1, NULL);   /* crashed: no summary */
	char *out = tu_path(root, "old.html");
	const char *one[] = {old};
	char *html = report_of(out, one, 1);
	assert_self_contained(html);
	assert_int_equal(count_of(html, "<svg class=\"chart\""), 1);
	assert_non_null(strstr(html, "data-series=\"validation loss\" data-points=\"4\""));
	assert_non_null(strstr(html, "not metered</span> This run has no energy figures"));
	assert_non_null(strstr(html, ">plan</td>"));   /* from stopped_early */
	free(html);

	/* A run that crashed: no summary, figures from its last rows. */
	const char *gpu_only[] = {gpu};
	html = report_of(out, gpu_only, 1);
	assert_self_contained(html);
	assert_non_null(strstr(html, "data-series=\"GPU\" data-points=\"25\""));
	assert_non_null(strstr(html, "data-series=\"total\" data-points=\"25\""));
	assert_non_null(strstr(html, "model unknown (no summary.json)"));
	assert_non_null(strstr(html, "<span class=\"badge mixed\">mixed</span>"));
	free(html);

	/* Two runs and an old one: one energy series each for the metered,
	 * the old one left out of it and named; all three against tokens. */
	char *other = make_run(root, "other", 30, 1, 0, SUMMARY_METERED);
	const char *three[] = {gpu, other, old};
	html = report_of(out, three, 3);
	assert_self_contained(html);
	assert_int_equal(count_of(html, "<svg class=\"chart\""), 2);
	const char *energy = strstr(html, "data-chart=\"val-loss-energy\"");
	const char *tokens = strstr(html, "data-chart=\"val-loss-tokens\"");
	assert_true(energy && tokens && energy < tokens);
	assert_int_equal(count_of(energy, "data-series=\"gpu\" data-points=\"5\""), 2);
	assert_int_equal(count_of(energy, "data-series=\"other\" data-points=\"6\""), 2);
	assert_int_equal(count_of(energy, "data-series=\"old\""), 1);   /* tokens only */
	assert_true(strstr(html, "data-series=\"old\"") > tokens);
	assert_non_null(strstr(html, "(not metered, or no validation loss): old"));
	assert_non_null(strstr(html, "<table class=\"runs\">"));
	assert_int_equal(count_of(html, "<tr><th>"), 1 + 3);   /* the header and a row each */
	free(html);
	free(other);
	free(out);
	free(gpu);
	free(old);
	tu_rmtree(root);
	free(root);
}

static void report_write_fails_cleanly(void **state)
{
	(void)state;
	char *root = tu_tempdir();
	char *good = make_run(root, "good", 5, 1, 0, SUMMARY_METERED);
	char *empty = tu_path(root, "empty");
	assert_int_equal(mkdir(empty, 0777), 0);
	char *out = tu_path(root, "r.html");
	lw_err err = {{0}};
	/* A directory that is not a run: one line, nothing written. */
	const char *bad[] = {good, empty};
	assert_int_equal(lw_report_write(out, bad, 2, &err), LW_ERR_FORMAT);
	assert_msg(&err, "empty: not a run directory");
	assert_int_equal(tu_count_entries(root), 2);
	/* An output that cannot be created. */
	char *nowhere = tu_path(root, "no/such/dir/r.html");
	const char *one[] = {good};
	assert_int_equal(lw_report_write(nowhere, one, 1, &err), LW_ERR_IO);
	assert_msg(&err, "no/such/dir/r.html");
	assert_int_equal(lw_report_write(out, one, 0, &err), LW_ERR_ARG);
	assert_int_equal(tu_count_entries(root), 2);
	/* And a good one replaces an old file whole. */
	tu_write_file(out, "old", 3);
	assert_int_equal(lw_report_write(out, one, 1, &err), LW_OK);
	assert_int_equal(tu_count_entries(root), 3);
	free(nowhere);
	free(out);
	free(empty);
	free(good);
	tu_rmtree(root);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ticks_one_two_five),
		cmocka_unit_test(ticks_thousands_and_suffixes),
		cmocka_unit_test(ticks_tiny_and_degenerate),
		cmocka_unit_test(ticks_extremes_stay_sane),
		cmocka_unit_test(ticks_log_decades),
		cmocka_unit_test(format_tick_values),
		cmocka_unit_test(escape_everything),
		cmocka_unit_test(chart_hooks_and_counts),
		cmocka_unit_test(chart_log_axes_and_no_data),
		cmocka_unit_test(run_files_reads_both_headers),
		cmocka_unit_test(run_files_tolerates_crlf_nan_and_no_final_newline),
		cmocka_unit_test(run_files_refuses_bad_metrics),
		cmocka_unit_test(run_files_refuses_bad_summaries_and_dirs),
		cmocka_unit_test(run_files_survive_garbage),
		cmocka_unit_test(power_from_cumulative_joules),
		cmocka_unit_test(report_number_formats),
		cmocka_unit_test(html_of_one_metered_run),
		cmocka_unit_test(html_of_an_old_run_and_of_two_runs),
		cmocka_unit_test(report_write_fails_cleanly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
