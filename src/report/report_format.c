/*
 * report_format.c — how the report writes numbers: a few significant
 * digits, thousands separators, durations in minutes and hours. Tables
 * show a reader figures, not the 17 digits of a double.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/chart.h"
#include "report/report_internal.h"

/* Trailing zeros of the decimals dropped, in place: "1.2300" -> "1.23",
 * "5.000" -> "5", "2.500e-07" -> "2.5e-7", "1.0e+15" -> "1e15". */
static void drop_trailing_zeros(char *buf)
{
	char *e = strchr(buf, 'e');
	size_t end = e ? (size_t)(e - buf) : strlen(buf), n = end;
	if (memchr(buf, '.', n)) {
		while (n > 0 && buf[n - 1] == '0')
			n--;
		if (n > 0 && buf[n - 1] == '.')
			n--;
	}
	memmove(buf + n, buf + end, strlen(buf + end) + 1);
	lw_chart_tidy_exponent(buf);
}

const char *lw_report_num(double v, int sig, char *buf, size_t size)
{
	double a = fabs(v);
	sig = sig < 1 ? 1 : sig > 15 ? 15 : sig;
	if (!isfinite(v))
		snprintf(buf, size, "\xe2\x80\x93");   /* an en dash */
	else if (a == 0)
		snprintf(buf, size, "0");
	else if (a >= 1e15 || a < 1e-4) {
		snprintf(buf, size, "%.*e", sig - 1, v);
		drop_trailing_zeros(buf);
	}
	else {
		int dec = sig - 1 - (int)floor(log10(a));
		snprintf(buf, size, "%.*f", dec < 0 ? 0 : dec, v);
		drop_trailing_zeros(buf);
		if (a >= 9999.5)
			lw_chart_add_separators(buf, size);
	}
	return buf;
}

const char *lw_report_count(double v, char *buf, size_t size)
{
	if (!isfinite(v) || fabs(v) >= 1e18)
		return lw_report_num(v, 6, buf, size);
	snprintf(buf, size, "%.0f", v);
	lw_chart_add_separators(buf, size);
	return buf;
}

const char *lw_report_duration(double s, char *buf, size_t size)
{
	if (!isfinite(s) || s < 0)
		snprintf(buf, size, "\xe2\x80\x93");
	else if (s < 60)
		snprintf(buf, size, "%.1f s", s);
	else if (s < 3600)
		snprintf(buf, size, "%d min %02d s", (int)(s / 60), (int)fmod(s, 60));
	else if (s < 1e9)
		snprintf(buf, size, "%d h %02d min", (int)(s / 3600), (int)fmod(s / 60, 60));
	else
		snprintf(buf, size, "%.3g h", s / 3600);
	return buf;
}
