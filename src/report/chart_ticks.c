/*
 * chart_ticks.c — where an axis puts its ticks and how it labels them (see
 * chart.h): the arithmetic of the charts, kept apart from the drawing as
 * pure functions so that tests check it value by value.
 *
 * Tick values are computed as (integer x mantissa) scaled by an exact
 * power of ten, never by adding steps, so that 0.1 + 0.2 never shows up as
 * 0.30000000000000004; labels then print exactly the decimals the step
 * needs.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/chart.h"

/* ---------------------------------------------------------------- labels */

/* Decimals a step needs: 0.2 -> 1, 0.05 -> 2, 5 -> 0. */
static int decimals_for(double step)
{
	if (!(step > 0) || !isfinite(step))
		return 0;
	double d = ceil(-log10(step) - 1e-9);
	return d < 0 ? 0 : d > 15 ? 15 : (int)d;
}

void lw_chart_add_separators(char *buf, size_t size)
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

void lw_chart_tidy_exponent(char *buf)
{
	char *e = strchr(buf, 'e');
	if (!e)
		return;
	char *src = e + 1, *dst = e + 1;
	if (*src == '+')
		src++;
	else if (*src == '-')
		*dst++ = *src++;
	while (*src == '0' && src[1])
		src++;
	memmove(dst, src, strlen(src) + 1);
}

/* v with the k, M, G or T of maxabs ("1.5M"), unless the step needs more
 * than two decimals of it (a narrow range far from zero: "10,000.5" reads
 * better than "10.0005k"); 0 then. */
static int suffixed(double v, double step, double maxabs, char *buf, size_t size)
{
	static const struct { double div; const char *suffix; } units[] = {
		{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"},
	};
	int u = 0;
	while (u < 3 && maxabs < units[u].div)
		u++;
	int dec = decimals_for(step / units[u].div);
	if (dec > 2)
		return 0;
	snprintf(buf, size, "%.*f%s", dec, v / units[u].div, units[u].suffix);
	return 1;
}

void lw_chart_format_tick(double v, double step, double maxabs, char *buf, size_t size)
{
	step = fabs(step);
	maxabs = fabs(maxabs);
	if (!isfinite(v)) {
		snprintf(buf, size, "?");
		return;
	}
	if (!(step > 0) || !isfinite(step))
		step = maxabs > 0 && isfinite(maxabs) ? maxabs : fabs(v);
	if (v == 0 || fabs(v) < step * 1e-6) {
		snprintf(buf, size, "0");
		return;
	}
	if (!isfinite(maxabs) || maxabs < fabs(v))
		maxabs = fabs(v);
	if (maxabs >= 1e15 || maxabs < 1e-4) {
		int p = (int)(floor(log10(fabs(v))) - floor(log10(step)));
		snprintf(buf, size, "%.*e", p < 0 ? 0 : p > 15 ? 15 : p, v);
		lw_chart_tidy_exponent(buf);
	} else if (maxabs >= 1e4 && suffixed(v, step, maxabs, buf, size)) {
		return;
	} else {
		snprintf(buf, size, "%.*f", decimals_for(step), v);
		if (fabs(v) >= 999.5)
			lw_chart_add_separators(buf, size);   /* "2,500"; "10,000.5" */
	}
}

/* ---------------------------------------------------------------- linear */

/* A 1-2-5 step at or above raw, as mantissa x 10^exponent. */
static void nice_step(double raw, int *mant, int *expo)
{
	int e = (int)floor(log10(raw));
	double f = raw / pow(10, e);
	int m = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10;
	if (m == 10) {
		m = 1;
		e++;
	}
	*mant = m;
	*expo = e;
}

/* k x mant x 10^expo, dividing by an exact power of ten for negative
 * exponents so that 3 x 1 x 10^-1 is the double nearest 0.3. */
static double tick_value(double k, int mant, int expo)
{
	double v = k * mant;
	return expo >= 0 ? v * pow(10, expo) : v / pow(10, -expo);
}

static void label_all(lw_ticks *t, double step)
{
	double maxabs = 0;
	for (int i = 0; i < t->n; i++)
		maxabs = fmax(maxabs, fabs(t->v[i]));
	for (int i = 0; i < t->n; i++)
		lw_chart_format_tick(t->v[i], step, maxabs, t->label[i], LW_TICK_LABEL_MAX);
}

/* Just the two ends, when no step fits (overflow, or a range too narrow for
 * a double to hold distinct ticks). */
static void two_ticks(double min, double max, lw_ticks *t)
{
	t->n = 2;
	t->lo = t->v[0] = min;
	t->hi = t->v[1] = max;
	double step = max / 2 - min / 2;
	label_all(t, step > 0 ? step : fabs(max));
}

void lw_chart_ticks(double min, double max, int target, lw_ticks *t)
{
	memset(t, 0, sizeof *t);
	if (!isfinite(min) || !isfinite(max)) {
		min = 0;
		max = 1;
	}
	if (min > max) {
		double s = min;
		min = max;
		max = s;
	}
	target = target < 2 ? 2 : target > 12 ? 12 : target;
	double mag = fmax(fabs(min), fabs(max));
	if (max / 2 - min / 2 <= mag * 5e-10) {
		/* One value (to a double's precision): a range of 10% around it. */
		double mid = min / 2 + max / 2, pad = mid == 0 ? 1 : fabs(mid) * 0.05;
		min = mid - pad;
		max = mid + pad;
	}
	double raw = max / target - min / target;
	if (!(raw > 0) || !isfinite(raw)) {
		two_ticks(min, max, t);
		return;
	}
	int mant, expo;
	nice_step(raw, &mant, &expo);
	double step = tick_value(1, mant, expo);
	double klo = floor(min / step), khi = ceil(max / step);
	if (!isfinite(step) || !(step > 0) || !isfinite(klo) || !isfinite(khi) ||
	    khi - klo + 1 > LW_TICKS_MAX || khi - klo < 1) {
		two_ticks(min, max, t);
		return;
	}
	t->n = (int)(khi - klo) + 1;
	for (int i = 0; i < t->n; i++)
		t->v[i] = tick_value(klo + i, mant, expo);
	if (!isfinite(t->v[0]) || !isfinite(t->v[t->n - 1])) {   /* beyond DBL_MAX */
		two_ticks(min, max, t);
		return;
	}
	t->lo = t->v[0];
	t->hi = t->v[t->n - 1];
	label_all(t, step);
}

/* ---------------------------------------------------------------- log */

/* The decade at or below x (> 0): 10^d <= x. */
static int decade_floor(double x)
{
	int d = (int)floor(log10(x));
	if (pow(10, d + 1) <= x)
		d++;
	if (pow(10, d) > x)
		d--;
	return d;
}

static int floor_div(int a, int b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

void lw_chart_log_ticks(double min, double max, int target, lw_ticks *t)
{
	memset(t, 0, sizeof *t);
	if (!(min > 0) || !(max > 0) || !isfinite(min) || !isfinite(max)) {
		min = 1;
		max = 10;
	}
	if (min > max) {
		double s = min;
		min = max;
		max = s;
	}
	target = target < 2 ? 2 : target > 12 ? 12 : target;
	/* Decades representable as normal doubles. */
	int dlo = decade_floor(min), dhi = decade_floor(max);
	if (pow(10, dhi) < max)
		dhi++;
	dlo = dlo < -307 ? -307 : dlo;
	dhi = dhi > 308 ? 308 : dhi;
	if (dhi <= dlo) {
		dlo = dhi - 1;
		if (dlo < -307) {
			dlo = -307;
			dhi = -306;
		}
	}
	int k = (dhi - dlo + target - 1) / target;
	dlo = floor_div(dlo, k) * k;
	dhi = -floor_div(-dhi, k) * k;
	dlo = dlo < -307 ? -307 : dlo;
	dhi = dhi > 308 ? 308 : dhi;
	if (k == 1 && dhi - dlo <= 2) {
		static const int m[] = {1, 2, 5};
		for (int d = dlo; d < dhi; d++)
			for (int j = 0; j < 3; j++)
				t->v[t->n++] = tick_value(1, m[j], d);
		t->v[t->n++] = pow(10, dhi);
	} else {
		for (int d = dlo; d <= dhi && t->n < LW_TICKS_MAX; d += k)
			t->v[t->n++] = pow(10, d);
	}
	t->lo = t->v[0];
	t->hi = t->v[t->n - 1];
	for (int i = 0; i < t->n; i++)
		lw_chart_format_tick(t->v[i], t->v[i], t->v[i], t->label[i], LW_TICK_LABEL_MAX);
}
