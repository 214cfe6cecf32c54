/*
 * report_format.c — how the report writes numbers: a few significant
 * digits, thousands separators, durations in minutes and hours. Tables
 * show a reader figures, not the 17 digits of a double.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report/report_internal.h"

void lw_report_printf(lw_buf *out, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		lw_buf_append(out, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* Separators into the integer part of the number in buf, in place. */
static void separate_thousands(char *buf, size_t size)
{
	char tmp[64];
	const char *p = buf;
	size_t o = 0;
	if (*p == '-')
		tmp[o++] = *p++;
	size_t digits = strspn(p, "0123456789");
	for (size_t i = 0; i < digits && o + 2 < sizeof tmp; i++) {
		if (i > 0 && (digits - i) % 3 == 0)
			tmp[o++] = ',';
		tmp[o++] = p[i];
	}
	snprintf(tmp + o, sizeof tmp - o, "%s", p + digits);
	snprintf(buf, size, "%s", tmp);
}

/* "1.2300" -> "1.23", "5.000" -> "5"; exponent forms are left alone. */
static void drop_trailing_zeros(char *buf)
{
	if (!strchr(buf, '.') || strchr(buf, 'e'))
		return;
	size_t n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = 0;
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = 0;
}

/* "2.500e-07" -> "2.5e-7", "1.0e+15" -> "1e15", in place. */
static void tidy_exponent(char *buf)
{
	char *e = strchr(buf, 'e');
	if (!e)
		return;
	char exp[16];
	snprintf(exp, sizeof exp, "%s", e + 1);
	*e = 0;
	if (strchr(buf, '.')) {
		size_t n = strlen(buf);
		while (buf[n - 1] == '0')
			buf[--n] = 0;
		if (buf[n - 1] == '.')
			buf[--n] = 0;
	}
	const char *p = exp;
	int neg = *p == '-';
	p += *p == '-' || *p == '+';
	while (*p == '0' && p[1])
		p++;
	size_t n = strlen(buf);
	snprintf(buf + n, 24, "e%s%s", neg ? "-" : "", p);
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
		tidy_exponent(buf);
	}
	else {
		int dec = sig - 1 - (int)floor(log10(a));
		snprintf(buf, size, "%.*f", dec < 0 ? 0 : dec, v);
		drop_trailing_zeros(buf);
		if (a >= 9999.5)
			separate_thousands(buf, size);
	}
	return buf;
}

const char *lw_report_count(double v, char *buf, size_t size)
{
	if (!isfinite(v) || fabs(v) >= 1e18)
		return lw_report_num(v, 6, buf, size);
	snprintf(buf, size, "%.0f", v);
	separate_thousands(buf, size);
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
