/*
 * report_internal.h — the parts of the report (internal to src/report):
 * the page (report.c), its charts (report_charts.c), its tables
 * (report_table.c) and the number formats they share (report_format.c);
 * the search report (search_internal.h) uses the page frame and formats.
 */
#ifndef LW_REPORT_INTERNAL_H
#define LW_REPORT_INTERNAL_H

#include <stddef.h>

#include "lowwatt/buf.h"
#include "report/run_files.h"

/* The whole HTML page of runs[0..n) into out. */
void lw_report_html(const lw_run_files *runs, int n, lw_buf *out);

/* ---------------------------------------------------------------- page */

/* The page's frame, shared with the search report: the head (title
 * escaped; the report's style, then extra_css when not NULL) and <body>;
 * the legend of the method badges; the footer and the end of the page. */
void lw_report_page_open(lw_buf *out, const char *title, const char *extra_css);
void lw_report_methods_legend(lw_buf *out);
void lw_report_page_close(lw_buf *out);

/* ---------------------------------------------------------------- charts */

/* One run's three charts (or its loss chart and a "not metered" note). */
void lw_report_charts_run(const lw_run_files *run, lw_buf *out);

/* The validation loss of several runs overlaid, against energy and tokens. */
void lw_report_charts_overlay(const lw_run_files *runs, int n, lw_buf *out);

/* The power of a domain (or the total) from the differences of its
 * cumulative joules over the differences of elapsed_s between consecutive
 * rows (the first row against zero); NaN where either is missing or time
 * does not advance. power has run->n_rows entries. */
void lw_report_power(const lw_run_files *run, lw_run_col joules, double *power);

/* ---------------------------------------------------------------- tables */

void lw_report_table_run(const lw_run_files *run, lw_buf *out);
void lw_report_table_runs(const lw_run_files *runs, int n, lw_buf *out);

/* The method of a run's total energy: "measured", "estimated", "mixed",
 * "none" (from the summary's per-domain methods, else the last row's), or
 * NULL when the run was not metered. */
const char *lw_report_run_method(const lw_run_files *run);

/* ---------------------------------------------------------------- rows */

/* The rows of the reports' summary tables (report_rows.c): a figure that
 * rests on an estimate is in italics after this sign. */
#define LW_REPORT_APPROX "\xe2\x89\x88 "   /* U+2248 and a space */

/* Whether a method ("estimated", "mixed") makes a figure an estimate. */
int lw_report_is_estimate(const char *method);

/* The method's badge: measured, estimated, mixed; "not metered" for none,
 * NULL or anything else. */
void lw_report_badge(lw_buf *out, const char *method);

/* A section heading row of a three-column table. */
void lw_report_section(lw_buf *out, const char *title);

/* A row: label, value (text, escaped; estimated: the sign and italics), and
 * the start of the note cell, which the caller fills and closes. */
void lw_report_row_open(lw_buf *out, const char *label, const char *value, int estimated);

/* A whole row, its note escaped (NULL: empty). */
void lw_report_row(lw_buf *out, const char *label, const char *value, int estimated,
		   const char *note);

/* v to sig digits and its unit ("1,234 J"), or a dash when not finite. */
const char *lw_report_with_unit(double v, int sig, const char *unit, char *buf, size_t size);

/* ---------------------------------------------------------------- format */

/* v to sig significant digits, thousands separators from 10,000, no
 * exponent between 1e-4 and 1e15, trailing zeros dropped; NaN as "–". */
const char *lw_report_num(double v, int sig, char *buf, size_t size);

/* v rounded to an integer with thousands separators ("7,372,800"). */
const char *lw_report_count(double v, char *buf, size_t size);

/* Seconds as "45.2 s", "6 min 16 s", "2 h 05 min". */
const char *lw_report_duration(double s, char *buf, size_t size);

#endif
