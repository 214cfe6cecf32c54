/*
 * report.c — the report page (see include/lowwatt/report.h): read the run
 * directories, lay out the page around the charts and tables, and write it
 * atomically.
 *
 * The page is self-contained by construction: one inline <style>, inline
 * SVG, no <script>, no link, image or font by URL. It opens from a file
 * without a network, prints, and weighs a few tens of kilobytes. Its frame
 * (head, style, badge legend, footer) is shared with the search report.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lowwatt/report.h"
#include "lowwatt/version.h"
#include "report/chart.h"
#include "report/report_internal.h"
#include "util/alloc.h"
#include "util/file.h"

/* ---------------------------------------------------------------- page */

static const char STYLE[] =
	"body{font-family:sans-serif;color:#222;margin:24px auto;max-width:1500px;"
	"padding:0 16px;line-height:1.4}\n"
	"h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.2em;margin:28px 0 8px}\n"
	".model{color:#444;margin:0 0 16px}\n"
	".charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}\n"
	"figure{margin:0}figcaption{font-size:.85em;color:#555;max-width:720px}\n"
	"svg.chart{max-width:100%;height:auto;border:1px solid #ddd;background:#fff}\n"
	"table{border-collapse:collapse;margin:8px 0 16px}\n"
	"th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:left;"
	"vertical-align:top}\n"
	"td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"tr.section th{background:#f4f4f4;padding-top:8px}\n"
	"table.runs th{white-space:nowrap}\n"
	".est{font-style:italic;color:#8a4500}\n"
	".note,.source{color:#555;font-size:.9em}\n"
	".badge{display:inline-block;padding:0 7px;border-radius:9px;font-size:.8em;"
	"font-style:normal;border:1px solid}\n"
	".badge.measured{background:#dcefe6;color:#05603a;border-color:#05603a}\n"
	".badge.estimated{background:#fde7cf;color:#8a4500;border-color:#8a4500}\n"
	".badge.mixed{background:#fdf3cf;color:#6b5200;border-color:#6b5200}\n"
	".badge.none{background:#eee;color:#555;border-color:#999}\n"
	".methods{font-size:.9em;color:#333;max-width:900px}\n"
	"footer{margin-top:24px;font-size:.8em;color:#777}\n"
	"@media print{svg.chart{break-inside:avoid}body{max-width:none}}\n";

void lw_report_page_open(lw_buf *out, const char *title, const char *extra_css)
{
	lw_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			 "<meta name=\"viewport\" content=\"width=device-width\">\n<title>");
	lw_xml_escape(out, title);
	lw_buf_puts(out, "</title>\n<style>\n");
	lw_buf_puts(out, STYLE);
	if (extra_css)
		lw_buf_puts(out, extra_css);
	lw_buf_puts(out, "</style>\n</head>\n<body>\n");
}

void lw_report_methods_legend(lw_buf *out)
{
	lw_buf_puts(out,
		"<p class=\"methods\"><span class=\"badge measured\">measured</span> read from a "
		"hardware energy counter (RAPL for the CPU package and DRAM, NVML for an NVIDIA "
		"GPU). <span class=\"badge estimated\">estimated</span> computed from a model of "
		"the hardware where no counter can be read (CPU: utilisation x full-load power; "
		"DRAM: installed memory x power per GiB): figures resting on an estimate are "
		"printed in italics after \xe2\x89\x88 and may be off by tens of percent. "
		"<span class=\"badge mixed\">mixed</span> some domains measured, others "
		"estimated. <span class=\"badge none\">not metered</span> no figure. Energy is "
		"at the meter; facility energy multiplies it by the PUE, and CO2e multiplies "
		"that by the grid's carbon intensity.</p>\n");
}

void lw_report_page_close(lw_buf *out)
{
	lw_buf_puts(out, "<footer>Written by lowwatt " LW_VERSION ".</footer>\n</body>\n</html>\n");
}

/* "mlm · 4 layers · d_model 192 · ..." from the summary (what it has). */
static void model_line(const lw_run_files *run, lw_buf *out)
{
	char a[48], b[48];
	const char *arch = lw_run_files_str(run, "arch", NULL);
	lw_buf_puts(out, "<p class=\"model\">");
	lw_xml_escape(out, arch ? arch : "model unknown (no summary.json)");
	static const struct { const char *key, *before, *after; } F[] = {
		{"layers", "", " layers"}, {"d_model", "d_model ", ""}, {"heads", "", " heads"},
		{"params", "", " parameters"},
	};
	for (size_t k = 0; k < sizeof F / sizeof *F; k++) {
		double v = lw_run_files_num(run, F[k].key, NULL);
		if (isfinite(v))
			lw_buf_printf(out, " \xc2\xb7 %s%s%s", F[k].before,
				      lw_report_count(v, a, sizeof a), F[k].after);
	}
	double steps = lw_run_files_num(run, "steps", NULL);
	double planned = lw_run_files_num(run, "planned_steps", NULL);
	if (isfinite(steps))
		lw_buf_printf(out, " \xc2\xb7 %s / %s steps", lw_report_count(steps, a, sizeof a),
			      lw_report_count(planned, b, sizeof b));
	double tokens = lw_run_files_num(run, "tokens", NULL);
	if (isfinite(tokens))
		lw_buf_printf(out, " \xc2\xb7 %s tokens", lw_report_count(tokens, a, sizeof a));
	lw_buf_puts(out, "</p>\n");
}

static void one_run(const lw_run_files *run, lw_buf *out)
{
	lw_buf title = {0};
	lw_buf_puts(&title, "lowwatt report: ");
	lw_buf_puts(&title, run->name);
	lw_buf_putc(&title, 0);
	lw_report_page_open(out, (const char *)title.data, NULL);
	lw_buf_free(&title);
	lw_buf_puts(out, "<h1>");
	lw_xml_escape(out, run->name);
	lw_buf_puts(out, "</h1>\n");
	model_line(run, out);
	lw_report_charts_run(run, out);
	lw_buf_puts(out, "<h2>Summary</h2>\n");
	lw_report_table_run(run, out);
	lw_report_methods_legend(out);
	lw_report_page_close(out);
}

static void several_runs(const lw_run_files *runs, int n, lw_buf *out)
{
	char title[64];
	snprintf(title, sizeof title, "lowwatt report: %d runs compared", n);
	lw_report_page_open(out, title, NULL);
	lw_buf_printf(out, "<h1>%d runs compared</h1>\n<p class=\"model\">", n);
	for (int k = 0; k < n; k++) {
		lw_buf_puts(out, k ? ", " : "");
		lw_xml_escape(out, runs[k].name);
	}
	lw_buf_puts(out, ": what each cost against what it learned. Each run's own report.html "
			 "has its charts and full summary.</p>\n");
	lw_report_charts_overlay(runs, n, out);
	lw_buf_puts(out, "<h2>Summary</h2>\n");
	lw_report_table_runs(runs, n, out);
	lw_report_methods_legend(out);
	lw_report_page_close(out);
}

void lw_report_html(const lw_run_files *runs, int n, lw_buf *out)
{
	if (n == 1)
		one_run(&runs[0], out);
	else
		several_runs(runs, n, out);
}

/* ---------------------------------------------------------------- API */

lw_status lw_report_write(const char *out_path, const char *const *run_dirs, int n_runs,
			  lw_err *err)
{
	if (n_runs < 1 || !run_dirs || !out_path)
		return lw_err_set(err, LW_ERR_ARG, "report: no run directory given");
	lw_run_files *runs = lw_xcalloc((size_t)n_runs, sizeof *runs, "runs");
	lw_buf html = {0};
	lw_status st = LW_OK;
	int loaded = 0;
	for (; loaded < n_runs; loaded++)
		if ((st = lw_run_files_load(run_dirs[loaded], &runs[loaded], err)))
			goto cleanup;
	lw_report_html(runs, n_runs, &html);
	lw_atomic_file f;
	if ((st = lw_atomic_open(&f, out_path, err)))
		goto cleanup;
	if ((st = lw_atomic_write(&f, html.data, html.len, err)))
		lw_atomic_abort(&f);
	else
		st = lw_atomic_commit(&f, err);
cleanup:
	for (int k = 0; k < loaded; k++)
		lw_run_files_free(&runs[k]);
	free(runs);
	lw_buf_free(&html);
	return st;
}
