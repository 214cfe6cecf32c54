/*
 * source.h — what the meter asks of an energy source.
 *
 * A source owns a fixed list of channels, decided when it is opened (the
 * packages and dram zones of RAPL, the GPUs of NVML, the estimated cpu and
 * dram). Each read fills one value per channel:
 *   LW_CHANNEL_JOULES  energy since the source was opened, in joules, never
 *                      decreasing: the source corrects counter wraparound
 *                      and must therefore be read at least once per wrap
 *                      period (RAPL: minutes at full power);
 *   LW_CHANNEL_WATTS   power at the moment of the read; the meter integrates
 *                      it over time (trapezoid rule between reads).
 * Sources are used by one thread at a time (the meter holds a lock).
 */
#ifndef LW_ENERGY_SOURCE_H
#define LW_ENERGY_SOURCE_H

#include "lowwatt/meter.h"
#include "lowwatt/status.h"

typedef enum lw_channel_kind {
	LW_CHANNEL_JOULES,
	LW_CHANNEL_WATTS,
} lw_channel_kind;

typedef struct lw_channel {
	char name[LW_METER_NAME_MAX];
	lw_domain domain;
	lw_method method;
	lw_channel_kind kind;
	/* How this channel's figure is made, when it differs from the source's
	 * description (the estimate's cpu and dram models); "" otherwise. */
	char detail[LW_METER_NAME_MAX * 2];
} lw_channel;

typedef struct lw_source lw_source;

struct lw_source {
	/* "rapl-powercap (2 packages, 2 dram zones)", "nvml (energy counter)". */
	char description[LW_METER_NAME_MAX * 2];
	int n_channels;
	lw_channel channels[LW_METER_MAX_CHANNELS];
	/* values[i] for channels[i]; see the header comment. */
	lw_status (*read)(lw_source *s, double *values, lw_err *err);
	void (*close)(lw_source *s);   /* frees impl and s itself */
	void *impl;
};

/* Add a channel to s (at most LW_METER_MAX_CHANNELS; returns its index or -1). */
int lw_source_add_channel(lw_source *s, const char *name, lw_domain domain,
			  lw_method method, lw_channel_kind kind);

/* Set s->description to "NAME (2 packages, 2 dram zones)" (dram_word:
 * "dram zone", "dram counter"; left out when n_dram is 0). */
void lw_source_describe_counts(lw_source *s, const char *name, int n_packages, int n_dram,
			       const char *dram_word);

/* Close and free a source; safe on NULL. */
void lw_source_close(lw_source *s);

/*
 * The outcome of trying to open one kind of source:
 *   LW_OK           *out is a source with at least one channel;
 *   LW_ERR_STATE    the source is absent here (no tree, no PMU, no driver):
 *                   *out is NULL and err says why in one line, which the
 *                   meter keeps as a quiet reason;
 *   LW_ERR_IO       the source is there but cannot be read (permissions):
 *                   err says so and how to grant access, which the meter
 *                   keeps as a notice that the user sees;
 *   other statuses  a real failure (out of memory, malformed file).
 */

/* RAPL through powercap sysfs under sysfs_root (rapl_powercap.c). */
lw_status lw_rapl_powercap_open(const char *sysfs_root, lw_rapl_mode mode,
				lw_source **out, lw_err *err);

/* The system calls the perf_event source makes, replaceable by tests. */
typedef struct lw_perf_calls {
	/* perf_event_open(type, config, pid -1, cpu); returns fd or -1/errno. */
	int (*open)(void *ctx, unsigned type, unsigned long long config, int cpu);
	/* Read the counter's 64-bit value; 0 or -1/errno. */
	int (*read)(void *ctx, int fd, unsigned long long *value);
	void (*close)(void *ctx, int fd);
	void *ctx;
} lw_perf_calls;

/* The real system calls. */
const lw_perf_calls *lw_perf_syscalls(void);

/* RAPL through the perf_event "power" PMU described under sysfs_root
 * (bus/event_source/devices/power) (rapl_perf.c). */
lw_status lw_rapl_perf_open(const char *sysfs_root, lw_rapl_mode mode,
			    const lw_perf_calls *calls, lw_source **out, lw_err *err);

/* NVIDIA GPUs through NVML, dlopen'ed from library_path (nvml.c). */
lw_status lw_nvml_open(const char *library_path, lw_source **out, lw_err *err);

/* The estimate for the domains in want[] (cpu and/or dram) (estimate.c). */
lw_status lw_estimate_open(const char *procfs_root, const int want[LW_DOMAIN_COUNT],
			   lw_source **out, lw_err *err);

#endif
