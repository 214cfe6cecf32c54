/*
 * overhead.c — what the energy meter costs: runs a meter for SECONDS at
 * INTERVAL on an otherwise idle process and prints, as JSON, the CPU time
 * its sampling thread used, as a share of one core.
 *
 *   overhead SECONDS INTERVAL
 *
 * The roots come from LOWWATT_SYSFS / LOWWATT_PROCFS, so run.sh can time
 * the RAPL path on a fabricated powercap tree as well as the estimate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <jansson.h>

#include "lowwatt/meter.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: overhead SECONDS INTERVAL\n");
		return 2;
	}
	double seconds = atof(argv[1]);
	lw_meter_options o;
	lw_meter_options_default(&o);
	o.interval_s = atof(argv[2]);
	o.no_gpu = 1;
	lw_meter *m = NULL;
	lw_err err = {{0}};
	lw_meter_reading r;
	if (lw_meter_open(&o, &m, &err) || lw_meter_start(m, &err)) {
		fprintf(stderr, "overhead: %s\n", err.msg);
		return 1;
	}
	struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	nanosleep(&ts, NULL);
	if (lw_meter_stop(m, &r, &err)) {
		fprintf(stderr, "overhead: %s\n", err.msg);
		return 1;
	}
	json_t *out = json_pack("{s:f, s:f, s:i, s:f, s:f, s:s, s:s}", "interval_s", o.interval_s,
			      "seconds", r.elapsed_s, "samples", r.samples, "sampler_cpu_s",
			      r.sampler_cpu_s, "core_share", r.sampler_cpu_s / r.elapsed_s,
			      "cpu_method", lw_method_name(r.method[LW_DOMAIN_CPU]), "cpu_source",
			      r.source[LW_DOMAIN_CPU]);
	json_dumpf(out, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(out);
	lw_meter_free(m);
	return 0;
}
