/*
 * report_rows.c — the rows of the reports' summary tables, shared by the
 * run report (report_table.c) and the search report (search_tables.c), so
 * that a figure, its unit, its estimate sign and its method badge look the
 * same in both.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/chart.h"
#include "report/report_internal.h"

static const char *const METHODS[] = {"none", "measured", "estimated", "mixed"};

int lw_report_is_estimate(const char *method)
{
	return method && (strcmp(method, "estimated") == 0 || strcmp(method, "mixed") == 0);
}

/* The CSS class of a method name: one of METHODS, else "none". */
static const char *method_class(const char *m)
{
	for (int k = 0; m && k < 4; k++)
		if (strcmp(m, METHODS[k]) == 0)
			return METHODS[k];
	return "none";
}

void lw_report_badge(lw_buf *out, const char *method)
{
	const char *cls = method_class(method);
	lw_buf_printf(out, "<span class=\"badge %s\">%s</span>", cls,
		      strcmp(cls, "none") == 0 ? "not metered" : cls);
}

void lw_report_section(lw_buf *out, const char *title)
{
	lw_buf_printf(out, "<tr class=\"section\"><th colspan=\"3\">%s</th></tr>\n", title);
}

void lw_report_row_open(lw_buf *out, const char *label, const char *value, int estimated)
{
	lw_buf_printf(out, "<tr><th>%s</th><td class=\"num%s\">%s", label,
		      estimated ? " est" : "", estimated ? LW_REPORT_APPROX : "");
	lw_xml_escape(out, value);
	lw_buf_puts(out, "</td><td class=\"note\">");
}

void lw_report_row(lw_buf *out, const char *label, const char *value, int estimated,
		   const char *note)
{
	lw_report_row_open(out, label, value, estimated);
	lw_xml_escape(out, note ? note : "");
	lw_buf_puts(out, "</td></tr>\n");
}

const char *lw_report_with_unit(double v, int sig, const char *unit, char *buf, size_t size)
{
	char num[48];
	if (!isfinite(v))
		snprintf(buf, size, "\xe2\x80\x93");
	else
		snprintf(buf, size, "%s%s%s", lw_report_num(v, sig, num, sizeof num),
			 *unit ? " " : "", unit);
	return buf;
}
