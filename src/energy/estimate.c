/*
 * estimate.c — energy where no sensor can be read (virtual machines,
 * containers, machines without RAPL access): a model, and labelled so.
 *
 *   cpu  = machine utilisation (/proc/stat, busy / (busy + idle) over each
 *          interval between reads) x full-load power, where full-load power
 *          is the thermal design power of the CPU model (src/energy/data/
 *          cpu-tdp.csv) x sockets on bare metal, and
 *          LW_ESTIMATE_WATTS_PER_CPU x logical CPUs when the model is not
 *          in the table or the machine is a virtual machine (a guest sees a
 *          few of the host package's CPUs, so the package's TDP would
 *          charge it for the whole package);
 *   dram = installed memory (MemTotal) x LW_ESTIMATE_WATTS_PER_GIB, constant.
 *
 * The source integrates its own model (joules += watts x interval), so the
 * utilisation of an interval is charged to exactly that interval.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "energy/source.h"
#include "energy/tdp.h"
#include "lowwatt/machine.h"
#include "util/alloc.h"
#include "util/clock.h"

/* Full-load watts per logical CPU when the TDP cannot be used. Server parts
 * in the TDP table run 2-4 W per thread at full load (Xeon Gold 6248: 150 W
 * over 40 threads; EPYC 7763: 280 W over 128), desktop parts 5-8 W: 4 W
 * is a middle figure, stated wherever it is used. */
#define LW_ESTIMATE_WATTS_PER_CPU 4.0

/* DRAM power per GiB installed: 3 W per 8 GB module, as CodeCarbon assumes
 * (0.375 W/GiB); DDR4/DDR5 datasheets give 2-5 W per module under load. */
#define LW_ESTIMATE_WATTS_PER_GIB 0.375

typedef struct estimate {
	char procfs[4096];
	double cpu_full_watts;     /* at utilisation 1 */
	double dram_watts;
	int cpu_channel, dram_channel;   /* -1 if not estimated */
	lw_cpu_times cpu_times;    /* at cpu_at */
	double cpu_at, dram_at;    /* lw_now_s() of the last charge */
	double joules_cpu, joules_dram;
} estimate;

/* /proc/stat moves in ticks (1/100 s per CPU): an interval shorter than a
 * tick may show none, and its utilisation is unknown, not zero. Such an
 * interval is carried into the next one, which is charged as a whole. */
static lw_status advance_cpu(estimate *e, double now, lw_err *err)
{
	lw_cpu_times t;
	lw_status st = lw_machine_cpu_times(e->procfs, &t, err);
	if (st)
		return st;
	if (t.busy_s + t.idle_s <= e->cpu_times.busy_s + e->cpu_times.idle_s)
		return LW_OK;
	double dt = now - e->cpu_at;
	e->joules_cpu += lw_cpu_utilisation(&e->cpu_times, &t) * e->cpu_full_watts * dt;
	e->cpu_times = t;
	e->cpu_at = now;
	return LW_OK;
}

static lw_status estimate_read(lw_source *s, double *values, lw_err *err)
{
	estimate *e = s->impl;
	double now = lw_now_s();
	lw_status st = advance_cpu(e, now, err);
	if (st)
		return st;
	e->joules_dram += e->dram_watts * (now - e->dram_at);
	e->dram_at = now;
	if (e->cpu_channel >= 0)
		values[e->cpu_channel] = e->joules_cpu;
	if (e->dram_channel >= 0)
		values[e->dram_channel] = e->joules_dram;
	return LW_OK;
}

static void estimate_close(lw_source *s)
{
	free(s->impl);
	free(s);
}

/* Full-load CPU watts and how they were chosen, into how. */
static double cpu_model_watts(const lw_machine *m, char *how, size_t size)
{
	double tdp = 0;
	char matched[128] = "";
	int known = m->cpu_model[0] && lw_tdp_lookup(m->cpu_model, &tdp, matched, sizeof matched);
	if (known && !m->virtual_machine) {
		snprintf(how, size, "utilisation x %.0f W TDP of %s x %d socket%s", tdp, matched,
			 m->sockets, m->sockets == 1 ? "" : "s");
		return tdp * m->sockets;
	}
	const char *why = m->virtual_machine ? "virtual machine" : "CPU model not in the TDP table";
	snprintf(how, size, "utilisation x %.1f W x %d CPUs; %s: \"%s\"", LW_ESTIMATE_WATTS_PER_CPU,
		 m->logical_cpus, why, m->cpu_model[0] ? m->cpu_model : "unknown");
	return LW_ESTIMATE_WATTS_PER_CPU * m->logical_cpus;
}

lw_status lw_estimate_open(const char *procfs_root, const int want[LW_DOMAIN_COUNT],
			   lw_source **out, lw_err *err)
{
	*out = NULL;
	lw_machine m;
	lw_status st = lw_machine_describe(procfs_root, &m, err);
	if (st)
		return st;
	lw_source *s = lw_xcalloc(1, sizeof *s, "estimate source");
	estimate *e = lw_xcalloc(1, sizeof *e, "estimate source");
	s->impl = e;
	s->read = estimate_read;
	s->close = estimate_close;
	snprintf(e->procfs, sizeof e->procfs, "%s", lw_procfs_root(procfs_root));
	char how[LW_METER_NAME_MAX * 2];
	e->cpu_full_watts = cpu_model_watts(&m, how, sizeof how);
	e->dram_watts = m.mem_total_gib * LW_ESTIMATE_WATTS_PER_GIB;
	e->cpu_channel = want[LW_DOMAIN_CPU] ? lw_source_add_channel(s, "cpu (estimated)",
			LW_DOMAIN_CPU, LW_METHOD_ESTIMATED, LW_CHANNEL_JOULES) : -1;
	e->dram_channel = want[LW_DOMAIN_DRAM] ? lw_source_add_channel(s, "dram (estimated)",
			LW_DOMAIN_DRAM, LW_METHOD_ESTIMATED, LW_CHANNEL_JOULES) : -1;
	if (e->cpu_channel >= 0)
		snprintf(s->channels[e->cpu_channel].detail, sizeof s->channels[0].detail,
			 "estimate (%.170s)", how);
	if (e->dram_channel >= 0)
		snprintf(s->channels[e->dram_channel].detail, sizeof s->channels[0].detail,
			 "estimate (%.1f GiB installed x %.3f W/GiB)", m.mem_total_gib,
			 LW_ESTIMATE_WATTS_PER_GIB);
	snprintf(s->description, sizeof s->description, "estimate");
	st = lw_machine_cpu_times(procfs_root, &e->cpu_times, err);
	e->cpu_at = e->dram_at = lw_now_s();
	if (st) {
		estimate_close(s);
		return st;
	}
	*out = s;
	return LW_OK;
}
