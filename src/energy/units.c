/*
 * units.c — the parsers of user-written quantities (carbon.h): a power, a
 * duration, an energy, a carbon intensity, a PUE. A number, optional spaces, an
 * optional unit (case-insensitive, except where case tells MW from mW);
 * anything else is one line that quotes the text and says what would do.
 * Numbers are read strictly: plain decimals, no sign but '+', no hex, no
 * inf or nan, nothing that overflows.
 */
#include "lowwatt/carbon.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------- types */

typedef struct unit {
	const char *name;
	double scale;      /* to the base unit */
	int exact_case;    /* MW and mW differ only in case */
} unit;

typedef struct quantity {
	const char *what;     /* "a power" */
	const char *units;    /* "W, kW, MW or mW", for errors */
	const char *range;    /* " from 1 to 10", or "" */
	const char *example;  /* "300W or 1.5 kW" */
	const unit *table;    /* NULL-terminated; NULL: no unit allowed */
} quantity;

static const unit POWER_UNITS[] = {
	{"W", 1, 0}, {"watt", 1, 0}, {"watts", 1, 0},
	{"kW", 1e3, 0}, {"kilowatt", 1e3, 0}, {"kilowatts", 1e3, 0},
	{"MW", 1e6, 1}, {"mW", 1e-3, 1},
	{NULL, 0, 0},
};
static const quantity POWER = {"a power", "W, kW, MW or mW", "", "300W or 1.5 kW", POWER_UNITS};

static const unit DURATION_UNITS[] = {
	{"ms", 1e-3, 0},
	{"s", 1, 0}, {"sec", 1, 0}, {"secs", 1, 0}, {"second", 1, 0}, {"seconds", 1, 0},
	{"min", 60, 0}, {"mins", 60, 0}, {"minute", 60, 0}, {"minutes", 60, 0},
	{"h", 3600, 0}, {"hr", 3600, 0}, {"hrs", 3600, 0}, {"hour", 3600, 0}, {"hours", 3600, 0},
	{"d", 86400, 0}, {"day", 86400, 0}, {"days", 86400, 0},
	{NULL, 0, 0},
};
static const quantity DURATION = {"a duration", "ms, s, min, h or d", "", "90s, 15 min or 2h",
				  DURATION_UNITS};

/* Joules; MJ and mJ, MWh and mWh differ only in case. */
static const unit ENERGY_UNITS[] = {
	{"J", 1, 0}, {"joule", 1, 0}, {"joules", 1, 0},
	{"mJ", 1e-3, 1}, {"kJ", 1e3, 0}, {"MJ", 1e6, 1}, {"GJ", 1e9, 0},
	{"Wh", 3600, 0}, {"mWh", 3.6, 1}, {"kWh", 3.6e6, 0}, {"MWh", 3.6e9, 1},
	{"GWh", 3.6e12, 0},
	{NULL, 0, 0},
};
static const quantity ENERGY = {"an energy", "J, kJ, MJ, Wh, kWh or MWh", "",
				"1.8 MJ or 500 Wh", ENERGY_UNITS};

/* The international avoirdupois pound: 453.59237 g exactly. */
static const unit INTENSITY_UNITS[] = {
	{"g/kWh", 1, 0}, {"gCO2/kWh", 1, 0}, {"gCO2e/kWh", 1, 0},
	{"kg/kWh", 1e3, 0}, {"kgCO2/kWh", 1e3, 0}, {"kgCO2e/kWh", 1e3, 0},
	{"lb/kWh", 453.59237, 0}, {"lbs/kWh", 453.59237, 0},
	{NULL, 0, 0},
};
static const quantity INTENSITY = {"a carbon intensity", "g/kWh, kg/kWh or lb/kWh", "",
				   "400 g/kWh or 0.9 lb/kWh", INTENSITY_UNITS};

static const quantity PUE = {"a PUE", NULL, " from 1 to 10", "1.58 (1.0 for a local machine)",
			     NULL};

/* ---------------------------------------------------------------- helpers */

/* One line: the text, the problem, what is expected. */
static lw_status bad(const char *text, const quantity *q, const char *default_unit,
		     const char *problem, lw_err *err)
{
	char units[96] = "";
	if (q->units)
		snprintf(units, sizeof units, " with %s (%s if none)", q->units, default_unit);
	return lw_err_set(err, LW_ERR_ARG, "'%.80s': %s; expected %s: a number%s%s, e.g. %s",
			  text, problem, q->what, q->range, units, q->example);
}

static const unit *find_unit(const unit *table, const char *name, size_t len)
{
	for (const unit *u = table; u && u->name; u++) {
		if (strlen(u->name) != len)
			continue;
		if (u->exact_case ? strncmp(u->name, name, len) == 0
				  : strncasecmp(u->name, name, len) == 0)
			return u;
	}
	return NULL;
}

/* The length of the plain decimal at s (digits, fraction, exponent); 0 if
 * there is none. */
static size_t decimal_span(const char *s)
{
	const char *p = s;
	int digits = 0;
	for (; isdigit((unsigned char)*p); p++)
		digits++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	if (!digits)
		return 0;
	if (*p == 'e' || *p == 'E') {
		const char *e = p + 1 + (p[1] == '+' || p[1] == '-');
		if (isdigit((unsigned char)*e)) {
			for (p = e; isdigit((unsigned char)*p); p++)
				;
		}
	}
	return (size_t)(p - s);
}

/* Parse text as quantity q; a bare number is in default_unit. */
static lw_status parse_quantity(const char *text, const quantity *q, const char *default_unit,
				double *out, lw_err *err)
{
	const char *s = text ? text : "";
	const char *p = s;
	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return bad(s, q, default_unit, "empty", err);
	if (*p == '-')
		return bad(s, q, default_unit, "negative", err);
	p += *p == '+';
	if (strncasecmp(p, "nan", 3) == 0 || strncasecmp(p, "inf", 3) == 0)
		return bad(s, q, default_unit, "not a finite number", err);
	size_t span = decimal_span(p);
	if (!span)
		return bad(s, q, default_unit, "no number", err);
	char *end;
	errno = 0;
	double v = strtod(p, &end);
	if (end != p + span)   /* strtod read more: hex ("0x10") */
		return bad(s, q, default_unit, "not a decimal number", err);
	if (errno == ERANGE || !isfinite(v))
		return bad(s, q, default_unit, "out of range", err);
	p += span;
	while (isspace((unsigned char)*p))
		p++;
	size_t len = strlen(p);
	while (len && isspace((unsigned char)p[len - 1]))
		len--;
	const unit *u = NULL;
	if (len && !(u = find_unit(q->table, p, len))) {
		char problem[64];
		snprintf(problem, sizeof problem, q->table ? "unknown unit '%.*s'" : "trailing '%.*s'",
			 (int)(len > 24 ? 24 : len), p);
		return bad(s, q, default_unit, problem, err);
	}
	if (!len && default_unit)
		u = find_unit(q->table, default_unit, strlen(default_unit));
	v *= u ? u->scale : 1.0;
	if (!isfinite(v))
		return bad(s, q, default_unit, "out of range", err);
	*out = v;
	return LW_OK;
}

/* ---------------------------------------------------------------- API */

lw_status lw_parse_power(const char *text, double *watts, lw_err *err)
{
	return parse_quantity(text, &POWER, "W", watts, err);
}

lw_status lw_parse_intensity(const char *text, double *g_per_kwh, lw_err *err)
{
	return parse_quantity(text, &INTENSITY, "g/kWh", g_per_kwh, err);
}

lw_status lw_parse_duration(const char *text, const char *default_unit, double *seconds,
			    lw_err *err)
{
	if (!default_unit || !find_unit(DURATION_UNITS, default_unit, strlen(default_unit)))
		return lw_err_set(err, LW_ERR_ARG, "lw_parse_duration: default unit '%s' is not "
				  "one of %s", default_unit ? default_unit : "(null)", DURATION.units);
	return parse_quantity(text, &DURATION, default_unit, seconds, err);
}

lw_status lw_parse_energy(const char *text, const char *default_unit, double *joules,
			  lw_err *err)
{
	if (!default_unit || !find_unit(ENERGY_UNITS, default_unit, strlen(default_unit)))
		return lw_err_set(err, LW_ERR_ARG, "lw_parse_energy: default unit '%s' is not "
				  "one of %s", default_unit ? default_unit : "(null)", ENERGY.units);
	return parse_quantity(text, &ENERGY, default_unit, joules, err);
}

lw_status lw_parse_pue(const char *text, double *pue, lw_err *err)
{
	double v;
	lw_status st = parse_quantity(text, &PUE, NULL, &v, err);
	if (st)
		return st;
	if (!(v >= 1 && v <= 10))
		return bad(text, &PUE, NULL, "out of range", err);
	*pue = v;
	return LW_OK;
}
