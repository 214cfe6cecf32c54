/*
 * measurement.c — the figures of one measured command, and their text,
 * JSON and emissions.csv forms (see measurement.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "cli/measurement.h"
#include "cli/summary.h"
#include "util/rng.h"

/* ---------------------------------------------------------------- figures */

void measurement_totals_of(const measurement *m, measurement_totals *t)
{
	const lw_meter_reading *r = &m->reading;
	memset(t, 0, sizeof *t);
	for (int d = 0; d < LW_DOMAIN_COUNT; d++) {
		if (r->method[d] == LW_METHOD_NONE)
			continue;
		t->total_j += r->joules[d];
		t->any_estimated |= r->method[d] == LW_METHOD_ESTIMATED;
		t->any_measured |= r->method[d] == LW_METHOD_MEASURED;
	}
	t->facility_kwh = t->total_j / 3.6e6 * m->pue;
	t->co2e_g = t->facility_kwh * m->intensity.g_per_kwh;
	double share = r->cpu_busy_s > 0 ? m->process_cpu_s / r->cpu_busy_s : 0.0;
	t->process_share = share < 0 ? 0 : share > 1 ? 1 : share;
	t->process_j = t->process_share * (r->joules[LW_DOMAIN_CPU] + r->joules[LW_DOMAIN_DRAM]);
}

/* A word the shell would split or expand gets single quotes. */
static int needs_quotes(const char *w)
{
	if (!*w)
		return 1;
	for (const char *p = w; *p; p++)
		if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') || ('0' <= *p && *p <= '9') ||
		      strchr("-_./=:,+@%", *p)))
			return 1;
	return 0;
}

void measurement_set_command(measurement *m, char *const argv[])
{
	size_t o = 0, size = sizeof m->command;
	m->command[0] = 0;
	for (int i = 0; argv[i] && o + 1 < size; i++) {
		int q = needs_quotes(argv[i]);
		o += (size_t)snprintf(m->command + o, size - o, "%s%s", i ? " " : "", q ? "'" : "");
		for (const char *p = argv[i]; *p && o + 5 < size; p++)
			o += (size_t)snprintf(m->command + o, size - o, "%s",
					      *p == '\'' ? "'\\''" : (char[]){*p, 0});
		if (q && o + 1 < size)
			o += (size_t)snprintf(m->command + o, size - o, "'");
	}
}

void measurement_stamp(measurement *m)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(m->timestamp, sizeof m->timestamp, "%Y-%m-%dT%H:%M:%S", &tm);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t a = lw_mix64((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 30 ^ (uintptr_t)m);
	uint64_t b = lw_mix64(a ^ 0x9e3779b97f4a7c15ULL);
	snprintf(m->run_id, sizeof m->run_id, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
		 (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
		 0x8000 | ((unsigned)(b >> 48) & 0x3fff), (unsigned long long)(b & 0xffffffffffffULL));
}

/* ---------------------------------------------------------------- text */

/* The equivalence nearest in size, as "= 0.0012 passenger round trips...". */
static void print_equivalence(FILE *out, double co2e_g)
{
	double lbs = co2e_g / 1000.0 * LW_LBS_PER_KG;
	const lw_equivalence *eq = lw_equivalence_get(lw_equivalence_nearest(lbs));
	fprintf(out, "  %14s      as much as %.3g %s (Strubell et al. 2019)\n", "", lbs / eq->lbs,
		eq->label);
}

static void print_domain(FILE *out, const lw_meter_reading *r, lw_domain d)
{
	if (r->method[d] == LW_METHOD_NONE) {
		fprintf(out, "  %14s      %-5s %10s   %-9s  %s\n", "-", lw_domain_name(d), "",
			"none", r->source[d]);
		return;
	}
	double w = r->elapsed_s > 0 ? r->joules[d] / r->elapsed_s : 0;
	fprintf(out, "  %14.2f J    %-5s %8.2f W   %-9s  %s\n", r->joules[d], lw_domain_name(d), w,
		lw_method_name(r->method[d]), r->source[d]);
}

void measurement_print(FILE *out, const measurement *m)
{
	const lw_meter_reading *r = &m->reading;
	measurement_totals t;
	measurement_totals_of(m, &t);
	fprintf(out, "\n Energy of: %s\n\n", m->command);
	fprintf(out, "  %14.3f s    duration (exit code %d, %d samples)\n", r->elapsed_s,
		m->exit_code, r->samples);
	for (int d = 0; d < LW_DOMAIN_COUNT; d++)
		print_domain(out, r, (lw_domain)d);
	for (int c = 0; c < r->n_channels; c++)
		if (r->channels[c].domain == LW_DOMAIN_GPU)
			fprintf(out, "  %14.2f J      %s\n", r->channels[c].joules, r->channels[c].name);
	double w = r->elapsed_s > 0 ? t.total_j / r->elapsed_s : 0;
	fprintf(out, "  %14.2f J    total %8.2f W   %s\n", t.total_j, w,
		t.any_estimated ? (t.any_measured ? "estimated in part" : "estimated") : "measured");
	fprintf(out, "  %14.4g Wh   facility energy (x PUE %.2f)\n", t.facility_kwh * 1000, m->pue);
	fprintf(out, "  %14.4g g    CO2e at %.0f g/kWh: %s (%s)\n", t.co2e_g,
		m->intensity.g_per_kwh, m->intensity.name, m->intensity.source);
	print_equivalence(out, t.co2e_g);
	fprintf(out, "  %14.3f      process share of the machine's busy CPU time: %.2f J of cpu+dram\n\n",
		t.process_share, t.process_j);
}

/* ---------------------------------------------------------------- JSON */

static json_t *per_domain(const measurement *m, int watts, double total)
{
	const lw_meter_reading *r = &m->reading;
	double scale = watts ? (r->elapsed_s > 0 ? 1.0 / r->elapsed_s : NAN) : 1.0;
	json_t *o = json_object();
	for (int d = 0; d < LW_DOMAIN_COUNT; d++)
		json_object_set_new(o, lw_domain_name((lw_domain)d),
				    r->method[d] == LW_METHOD_NONE ? json_null()
				    : summary_number(r->joules[d] * scale));
	json_object_set_new(o, "total", summary_number(total * scale));
	return o;
}

static json_t *channels_json(const lw_meter_reading *r)
{
	json_t *a = json_array();
	for (int c = 0; c < r->n_channels; c++) {
		const lw_meter_channel *ch = &r->channels[c];
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:o}", "name", ch->name,
						   "domain", lw_domain_name(ch->domain), "method",
						   lw_method_name(ch->method), "energy_j",
						   summary_number(ch->joules)));
	}
	return a;
}

json_t *measurement_json(const measurement *m)
{
	const lw_meter_reading *r = &m->reading;
	measurement_totals t;
	measurement_totals_of(m, &t);
	json_t *method = json_object(), *sources = json_object();
	for (int d = 0; d < LW_DOMAIN_COUNT; d++) {
		json_object_set_new(method, lw_domain_name((lw_domain)d),
				    json_string(lw_method_name(r->method[d])));
		json_object_set_new(sources, lw_domain_name((lw_domain)d), json_string(r->source[d]));
	}
	json_t *o = json_object();
	json_object_set_new(o, "command", json_string(m->command));
	json_object_set_new(o, "exit_code", json_integer(m->exit_code));
	json_object_set_new(o, "duration_s", summary_number(r->elapsed_s));
	json_object_set_new(o, "energy_j", per_domain(m, 0, t.total_j));
	json_object_set_new(o, "method", method);
	json_object_set_new(o, "sources", sources);
	json_object_set_new(o, "channels", channels_json(r));
	json_object_set_new(o, "avg_power_w", per_domain(m, 1, t.total_j));
	json_object_set_new(o, "pue", summary_number(m->pue));
	json_object_set_new(o, "facility_energy_kwh", summary_number(t.facility_kwh));
	summary_add_intensity(o, &m->intensity);
	json_object_set_new(o, "co2e_g", summary_number(t.co2e_g));
	json_object_set_new(o, "process_share", summary_number(t.process_share));
	json_object_set_new(o, "process_energy_j", summary_number(t.process_j));
	json_object_set_new(o, "cpu_utilisation", summary_number(r->cpu_utilisation));
	json_object_set_new(o, "samples", json_integer(r->samples));
	return o;
}

/* ---------------------------------------------------------------- CSV */

static int gpu_names(const lw_meter_reading *r, char *buf, size_t size)
{
	int n = 0;
	size_t o = 0;
	buf[0] = 0;
	for (int c = 0; c < r->n_channels; c++)
		if (r->channels[c].domain == LW_DOMAIN_GPU && o + 1 < size)
			o += (size_t)snprintf(buf + o, size - o, "%s%s", n++ ? ", " : "",
					      r->channels[c].name);
	return n;
}

/* "machine", or "machine (estimated: cpu, dram)". */
static void tracking_mode(const lw_meter_reading *r, char *buf, size_t size)
{
	size_t o = (size_t)snprintf(buf, size, "machine");
	int n = 0;
	for (int d = 0; d < LW_DOMAIN_COUNT && o < size; d++)
		if (r->method[d] == LW_METHOD_ESTIMATED)
			o += (size_t)snprintf(buf + o, size - o, "%s%s", n++ ? ", " : " (estimated: ",
					      lw_domain_name((lw_domain)d));
	if (n && o < size)
		snprintf(buf + o, size - o, ")");
}

/* "Linux-6.1.0-27-amd64-x86_64", in the manner of Python's platform(). */
static void os_name(char *buf, size_t size)
{
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(buf, size, "%s-%s-%s", u.sysname, u.release, u.machine);
	else
		snprintf(buf, size, "Linux");
}

void measurement_csv_row(const measurement *m, measurement_csv_text *text, lw_emissions_row *row)
{
	const lw_meter_reading *r = &m->reading;
	measurement_totals t;
	measurement_totals_of(m, &t);
	os_name(text->os, sizeof text->os);
	lw_emissions_row_init(row);
	double s = r->elapsed_s, kwh = m->pue / 3.6e6;
	row->timestamp = m->timestamp;
	row->project_name = "lowwatt";
	row->run_id = m->run_id;
	row->duration_s = s;
	row->emissions_kg = t.co2e_g / 1000.0;
	row->emissions_rate_kg_s = s > 0 ? row->emissions_kg / s : NAN;
	const lw_domain doms[3] = {LW_DOMAIN_CPU, LW_DOMAIN_GPU, LW_DOMAIN_DRAM};
	double *power[3] = {&row->cpu_power_w, &row->gpu_power_w, &row->ram_power_w};
	double *energy[3] = {&row->cpu_energy_kwh, &row->gpu_energy_kwh, &row->ram_energy_kwh};
	for (int i = 0; i < 3; i++) {
		int known = r->method[doms[i]] != LW_METHOD_NONE;
		*power[i] = known && s > 0 ? r->joules[doms[i]] / s : (known ? 0 : NAN);
		*energy[i] = known ? r->joules[doms[i]] * kwh : NAN;
	}
	row->energy_consumed_kwh = t.facility_kwh;
	row->country_name = m->intensity.region[0] && strcmp(m->intensity.region, "world")
			    ? m->intensity.name : NULL;
	row->country_iso_code = m->intensity.alpha3[0] ? m->intensity.alpha3 : NULL;
	row->os = text->os;
	row->cpu_count = m->machine.logical_cpus;
	row->cpu_model = m->machine.cpu_model;
	row->gpu_count = gpu_names(r, text->gpu_model, sizeof text->gpu_model);
	row->gpu_model = row->gpu_count ? text->gpu_model : NULL;
	row->ram_total_gb = m->machine.mem_total_gib;
	tracking_mode(r, text->tracking_mode, sizeof text->tracking_mode);
	row->tracking_mode = text->tracking_mode;
	row->cpu_utilization_percent = 100.0 * r->cpu_utilisation;
	double used = m->machine.mem_total_gib - m->machine.mem_available_gib;
	row->ram_used_gb = used;
	row->ram_utilization_percent = m->machine.mem_total_gib > 0
				       ? 100.0 * used / m->machine.mem_total_gib : NAN;
	row->pue = m->pue;
}
