/*
 * meter.h — the energy meter: cumulative joules per domain (cpu, dram, gpu)
 * from the best source each domain has, every figure labelled measured or
 * estimated and named by the source that produced it.
 *
 * A meter opens its sources once (lw_meter_open), then a sampling thread
 * reads them every interval (lw_meter_start ... lw_meter_stop). Sources that
 * give cumulative counters (RAPL, NVML's energy counter) are read as joules,
 * wraparound corrected; sources that give watts (NVML power samples, the
 * estimate) are integrated by the meter with the trapezoid rule between
 * samples. lw_meter_read answers at any moment with a fresh sample.
 *
 * Sources, in order of preference (a domain takes the first that covers it):
 *   cpu, dram  RAPL powercap sysfs, else RAPL perf_event, else the estimate
 *   gpu        NVML (dlopen'ed libnvidia-ml.so.1), else nothing
 * What was tried and why it was passed over is kept as notices (one line
 * each, e.g. how to grant read access to RAPL) for the caller to print.
 *
 * The roots /sys and /proc are read from LOWWATT_SYSFS and LOWWATT_PROCFS
 * when set, so that tests run the real code on fabricated trees.
 */
#ifndef LOWWATT_METER_H
#define LOWWATT_METER_H

#include "lowwatt/status.h"

typedef enum lw_domain {
	LW_DOMAIN_CPU,
	LW_DOMAIN_DRAM,
	LW_DOMAIN_GPU,
	LW_DOMAIN_COUNT,
} lw_domain;

typedef enum lw_method {
	LW_METHOD_NONE,       /* no source covers the domain */
	LW_METHOD_MEASURED,   /* a hardware sensor */
	LW_METHOD_ESTIMATED,  /* a model of the hardware (estimate.c) */
} lw_method;

/* Which RAPL zones make the cpu figure. */
typedef enum lw_rapl_mode {
	LW_RAPL_PACKAGES,  /* cpu = sum of package-N zones, dram = sum of dram zones */
	LW_RAPL_PSYS,      /* cpu = the psys zone alone (whole SoC); no dram zones */
} lw_rapl_mode;

typedef struct lw_meter_options {
	double interval_s;      /* sampling period, [0.01, 3600]; default 1 */
	lw_rapl_mode rapl;
	const char *sysfs_root; /* NULL: $LOWWATT_SYSFS or "/sys" */
	const char *procfs_root;/* NULL: $LOWWATT_PROCFS or "/proc" */
	const char *nvml_path;  /* NULL: "libnvidia-ml.so.1" (dlopen's search) */
	int no_gpu;             /* do not try NVML */
} lw_meter_options;

void lw_meter_options_default(lw_meter_options *o);

#define LW_METER_NAME_MAX 96
#define LW_METER_MAX_CHANNELS 32
#define LW_METER_MAX_NOTICES 8
#define LW_METER_NOTICE_MAX 512

/* One figure a source reports: a RAPL zone, a GPU, the estimated cpu. */
typedef struct lw_meter_channel {
	char name[LW_METER_NAME_MAX];  /* "package-0", "GPU 0 NVIDIA H100 80GB HBM3" */
	lw_domain domain;
	lw_method method;
	double joules;                 /* since lw_meter_start */
} lw_meter_channel;

/* The meter's answer at one moment; plain data, copy freely. */
typedef struct lw_meter_reading {
	double elapsed_s;                         /* since lw_meter_start */
	double joules[LW_DOMAIN_COUNT];           /* sum of the domain's channels */
	lw_method method[LW_DOMAIN_COUNT];
	/* Source and how it reads, e.g. "rapl-powercap (2 packages)",
	 * "estimate (utilisation x 280 W TDP of AMD EPYC 9654 x 1 socket)";
	 * for a domain no source covers, why ("NVML: ... not found"). */
	char source[LW_DOMAIN_COUNT][LW_METER_NAME_MAX * 2];
	int n_channels;
	lw_meter_channel channels[LW_METER_MAX_CHANNELS];
	double cpu_utilisation;   /* machine busy share over the window, 0..1 */
	double cpu_busy_s;        /* machine busy CPU seconds over the window */
	int samples;              /* samples taken so far */
	double sampler_cpu_s;     /* CPU time the sampling thread used (set at stop) */
} lw_meter_reading;

typedef struct lw_meter lw_meter;

/* Open the sources (nothing is sampled yet). Fails only on bad options or
 * when not even the estimate can be made (no /proc/stat). */
lw_status lw_meter_open(const lw_meter_options *o, lw_meter **out, lw_err *err);

/* Notices gathered while opening: n, and the i-th line. */
int lw_meter_notice_count(const lw_meter *m);
const char *lw_meter_notice(const lw_meter *m, int i);

/* Take the first sample and start the sampling thread. */
lw_status lw_meter_start(lw_meter *m, lw_err *err);

/* Sample now and copy the totals into r. Safe from any thread. */
lw_status lw_meter_read(lw_meter *m, lw_meter_reading *r, lw_err *err);

/* Take a last sample, stop the thread and copy the final totals into r
 * (r may be NULL). The totals stay readable with lw_meter_read. */
lw_status lw_meter_stop(lw_meter *m, lw_meter_reading *r, lw_err *err);

/* Stop if running, close the sources, free. Safe on NULL. */
void lw_meter_free(lw_meter *m);

/* "cpu", "dram", "gpu"; "measured", "estimated", "none". */
const char *lw_domain_name(lw_domain d);
const char *lw_method_name(lw_method m);

#endif
