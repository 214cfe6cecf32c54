/*
 * train_energy.c — the meter around `lowwatt train` and `lowwatt eval`
 * (train_energy.h).
 *
 * Figures are the run's (every invocation, from the checkpoint's ledger);
 * sources and the emissions.csv row are this invocation's, as CodeCarbon
 * writes one row per tracked run of a program.
 */
#include <math.h>
#include <string.h>
#include <sys/resource.h>

#include "cli/commands.h"
#include "cli/summary.h"
#include "cli/train_energy.h"

static double cpu_seconds(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return NAN;
	return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
	       (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

int train_energy_start(const char *cmd, const lw_intensity *intensity, double pue,
		       const char *rapl, char *const command[], FILE *notes, train_energy *te)
{
	memset(te, 0, sizeof *te);
	te->m.intensity = *intensity;
	te->m.pue = pue;
	lw_meter_options o;
	lw_meter_options_default(&o);
	o.rapl = rapl && strcmp(rapl, "psys") == 0 ? LW_RAPL_PSYS : LW_RAPL_PACKAGES;
	lw_err err = {0};
	if (lw_meter_open(&o, &te->meter, &err))
		return cli_fail(cmd, &err);
	for (int i = 0; notes && i < lw_meter_notice_count(te->meter); i++)
		fprintf(notes, "lowwatt %s: note: %s\n", cmd, lw_meter_notice(te->meter, i));
	if (lw_machine_describe(NULL, &te->m.machine, &err) || lw_meter_start(te->meter, &err)) {
		lw_meter_free(te->meter);
		te->meter = NULL;
		return cli_fail(cmd, &err);
	}
	measurement_set_command(&te->m, command);
	measurement_stamp(&te->m);
	return 0;
}

lw_status train_energy_stop(train_energy *te, lw_err *err)
{
	te->m.process_cpu_s = cpu_seconds();
	return lw_meter_stop(te->meter, &te->m.reading, err);
}

void train_energy_free(train_energy *te)
{
	lw_meter_free(te->meter);
	te->meter = NULL;
}

lw_run_energy train_energy_invocation(const train_energy *te)
{
	const lw_meter_reading *r = &te->m.reading;
	lw_run_energy e = { .metered = 1, .seconds = r->elapsed_s };
	for (int d = 0; d < LW_DOMAIN_COUNT; d++) {
		e.method[d] = r->method[d];
		e.joules[d] = r->method[d] == LW_METHOD_NONE ? 0 : r->joules[d];
		e.total_j += e.joules[d];
	}
	e.co2e_g = e.total_j * train_energy_g_per_j(te);
	return e;
}

double train_energy_g_per_j(const train_energy *te)
{
	return te->m.pue * te->m.intensity.g_per_kwh / 3.6e6;
}

static json_t *per_domain(const lw_run_energy *e, int methods)
{
	json_t *o = json_object();
	for (int d = 0; d < LW_DOMAIN_COUNT; d++) {
		const char *name = lw_domain_name((lw_domain)d);
		if (methods)
			json_object_set_new(o, name, json_string(lw_method_name(e->method[d])));
		else
			json_object_set_new(o, name, e->method[d] == LW_METHOD_NONE ? json_null()
					    : summary_number(e->joules[d]));
	}
	if (!methods)
		json_object_set_new(o, "total", summary_number(e->total_j));
	return o;
}

void train_energy_json(json_t *o, const train_energy *te, const lw_run_energy *e,
		       uint64_t tokens)
{
	json_t *sources = json_object();
	for (int d = 0; d < LW_DOMAIN_COUNT; d++)
		json_object_set_new(sources, lw_domain_name((lw_domain)d),
				    json_string(te->m.reading.source[d]));
	json_object_set_new(o, "energy_j", per_domain(e, 0));
	json_object_set_new(o, "method", per_domain(e, 1));
	json_object_set_new(o, "sources", sources);
	json_object_set_new(o, "avg_power_w",
			    summary_number(e->seconds > 0 ? e->total_j / e->seconds : NAN));
	json_object_set_new(o, "facility_energy_kwh", summary_number(e->total_j * te->m.pue / 3.6e6));
	json_object_set_new(o, "co2e_g", summary_number(e->co2e_g));
	json_object_set_new(o, "j_per_token",
			    summary_number(tokens ? e->total_j / (double)tokens : NAN));
	json_object_set_new(o, "pue", summary_number(te->m.pue));
	summary_add_intensity(o, &te->m.intensity);
	json_object_set_new(o, "equivalents",
			    summary_equivalents(e->co2e_g / 1000.0 * LW_LBS_PER_KG));
}

const char *train_energy_label(const lw_run_energy *e, char *buf, size_t size)
{
	const char *method = lw_run_energy_method(e);
	buf[0] = 0;
	if (strcmp(method, "estimated") == 0) {
		snprintf(buf, size, " (estimated)");
	} else if (strcmp(method, "mixed") == 0) {
		size_t o = (size_t)snprintf(buf, size, " (");
		for (int d = 0; d < LW_DOMAIN_COUNT && o < size; d++)
			if (e->method[d] == LW_METHOD_ESTIMATED)
				o += (size_t)snprintf(buf + o, size - o, "%s ",
						      lw_domain_name((lw_domain)d));
		if (o < size)
			snprintf(buf + o, size - o, "estimated)");
	}
	return buf;
}

void train_energy_print(FILE *out, const train_energy *te, const lw_run_energy *e,
			uint64_t tokens)
{
	const lw_intensity *it = &te->m.intensity;
	char label[64];
	fprintf(out, "energy: %.1f J at the meter in %.1f s (%.2f W on average)%s:", e->total_j,
		e->seconds, e->seconds > 0 ? e->total_j / e->seconds : 0.0,
		train_energy_label(e, label, sizeof label));
	for (int d = 0; d < LW_DOMAIN_COUNT; d++) {
		const char *name = lw_domain_name((lw_domain)d);
		if (e->method[d] == LW_METHOD_NONE)
			fprintf(out, "%s %s not measured", d ? "," : "", name);
		else
			fprintf(out, "%s %s %.1f J %s", d ? "," : "", name, e->joules[d],
				lw_method_name(e->method[d]));
	}
	fprintf(out, "\n        %.4g Wh at the facility (PUE %g); %.4g g CO2e at %g g/kWh (%s)",
		e->total_j * te->m.pue / 3600.0, te->m.pue, e->co2e_g, it->g_per_kwh, it->name);
	if (tokens)
		fprintf(out, "; %.3g mJ per training token", 1000.0 * e->total_j / (double)tokens);
	fputc('\n', out);
}

lw_status train_energy_append_csv(train_energy *te, const char *path, lw_err *err)
{
	measurement_csv_text text;
	lw_emissions_row row;
	measurement_csv_row(&te->m, &text, &row);
	return lw_emissions_append(path, &row, err);
}
