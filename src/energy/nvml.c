/*
 * nvml.c — NVIDIA GPUs through NVML, loaded with dlopen at run time.
 *
 * lowwatt must build and run where no CUDA toolkit or driver is installed,
 * so it neither includes nvml.h nor links libnvidia-ml: it dlopens
 * libnvidia-ml.so.1 (the driver installs it) and looks up the eight calls it
 * uses, declaring their few types itself (below, as NVML's ABI defines them).
 *
 * Each GPU gives one channel, "GPU <i> <name>", read one of two ways:
 *   - the total-energy counter (mJ since the driver loaded; Volta and later):
 *     a LW_CHANNEL_JOULES channel, the counter less its value at open;
 *   - where the counter answers NOT_SUPPORTED, the power draw (mW) at each
 *     read: a LW_CHANNEL_WATTS channel, which the meter integrates over
 *     time; the source's description says so.
 * A GPU that answers neither is left out, and why is kept in the
 * description; if no GPU can be read, opening fails.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "energy/source.h"
#include "util/alloc.h"

/* ---------------------------------------------------------------- NVML ABI */

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;   /* opaque */

#define NVML_SUCCESS 0
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_DEVICE_NAME_V2_BUFFER_SIZE 96
#define NVML_DEFAULT_LIBRARY "libnvidia-ml.so.1"

typedef struct nvml_api {
	void *lib;
	nvmlReturn_t (*init)(void);
	nvmlReturn_t (*shutdown)(void);
	const char *(*error_string)(nvmlReturn_t rc);
	nvmlReturn_t (*get_count)(unsigned int *count);
	nvmlReturn_t (*get_handle)(unsigned int index, nvmlDevice_t *device);
	nvmlReturn_t (*get_name)(nvmlDevice_t device, char *name, unsigned int length);
	nvmlReturn_t (*get_energy)(nvmlDevice_t device, unsigned long long *mj);
	nvmlReturn_t (*get_power)(nvmlDevice_t device, unsigned int *mw);
} nvml_api;

/* The symbols, and where each goes in nvml_api. */
static const struct {
	const char *name;
	size_t offset;
} nvml_symbols[] = {
	{"nvmlInit_v2", offsetof(nvml_api, init)},
	{"nvmlShutdown", offsetof(nvml_api, shutdown)},
	{"nvmlErrorString", offsetof(nvml_api, error_string)},
	{"nvmlDeviceGetCount_v2", offsetof(nvml_api, get_count)},
	{"nvmlDeviceGetHandleByIndex_v2", offsetof(nvml_api, get_handle)},
	{"nvmlDeviceGetName", offsetof(nvml_api, get_name)},
	{"nvmlDeviceGetTotalEnergyConsumption", offsetof(nvml_api, get_energy)},
	{"nvmlDeviceGetPowerUsage", offsetof(nvml_api, get_power)},
};

/* ---------------------------------------------------------------- types */

typedef struct nvml_gpu {
	nvmlDevice_t device;
	unsigned index;                /* NVML's index */
	int by_counter;                /* 1: energy counter, 0: power samples */
	unsigned long long last_mj;    /* counter at the last read (or open) */
	unsigned long long total_mj;   /* energy since open */
} nvml_gpu;

typedef struct nvml_source {
	nvml_api api;
	int initialised;               /* nvmlInit_v2 succeeded */
	int n_gpus;                    /* gpus[c] is channel c */
	nvml_gpu gpus[LW_METER_MAX_CHANNELS];
} nvml_source;

/* ---------------------------------------------------------------- helpers */

static const char *nvml_error(const nvml_api *a, nvmlReturn_t rc)
{
	const char *text = a->error_string ? a->error_string(rc) : NULL;
	return text ? text : "unknown NVML error";
}

/* Append printf-style text to the string in buf (truncating). */
__attribute__((format(printf, 3, 4)))
static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used + 1 >= size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

/* dlopen the library and find every symbol (before calling any of them). */
static lw_status load_library(nvml_api *a, const char *path, lw_err *err)
{
	a->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!a->lib && strchr(path, '/') && access(path, F_OK) == 0)
		return lw_err_set(err, LW_ERR_STATE, "NVML: cannot load %s: %s", path, dlerror());
	if (!a->lib)
		return lw_err_set(err, LW_ERR_STATE, "NVML: %s not found (no NVIDIA driver)", path);
	for (size_t i = 0; i < sizeof nvml_symbols / sizeof nvml_symbols[0]; i++) {
		void *sym = dlsym(a->lib, nvml_symbols[i].name);
		if (!sym)
			return lw_err_set(err, LW_ERR_STATE, "NVML: %s has no %s (driver too old?)",
					  path, nvml_symbols[i].name);
		/* POSIX lets a data pointer from dlsym hold a function's address. */
		memcpy((char *)a + nvml_symbols[i].offset, &sym, sizeof sym);
	}
	return LW_OK;
}

/* nvmlInit_v2 and the GPU count. */
static lw_status start_nvml(nvml_source *n, unsigned *count, lw_err *err)
{
	nvmlReturn_t rc = n->api.init();
	if (rc != NVML_SUCCESS)
		return lw_err_set(err, LW_ERR_STATE, "NVML: initialisation failed: %s",
				  nvml_error(&n->api, rc));
	n->initialised = 1;
	rc = n->api.get_count(count);
	if (rc != NVML_SUCCESS)
		return lw_err_set(err, LW_ERR_STATE, "NVML: counting GPUs: %s",
				  nvml_error(&n->api, rc));
	if (*count == 0)
		return lw_err_set(err, LW_ERR_STATE, "NVML: no GPU");
	return LW_OK;
}

/* Open GPU g->index: its handle, its name (into name) and how it can be
 * read. Returns NVML's code; *what names the call that failed. */
static nvmlReturn_t probe_gpu(const nvml_api *a, nvml_gpu *g, char *name, const char **what)
{
	*what = "handle";
	nvmlReturn_t rc = a->get_handle(g->index, &g->device);
	if (rc != NVML_SUCCESS)
		return rc;
	/* A name is only a label: a GPU without one is still measured. */
	if (a->get_name(g->device, name, NVML_DEVICE_NAME_V2_BUFFER_SIZE) != NVML_SUCCESS)
		snprintf(name, NVML_DEVICE_NAME_V2_BUFFER_SIZE, "(name unknown)");
	*what = "energy counter";
	rc = a->get_energy(g->device, &g->last_mj);
	g->by_counter = rc == NVML_SUCCESS;
	if (rc != NVML_ERROR_NOT_SUPPORTED)
		return rc;
	*what = "power usage";
	unsigned int mw;
	return a->get_power(g->device, &mw);
}

/* The description: how the GPUs are read, then those left out (skipped). */
static void describe(lw_source *s, int by_counter, int by_power, const char *skipped)
{
	char *d = s->description;
	size_t size = sizeof s->description;
	int n = by_counter + by_power;
	if (by_counter && by_power)
		snprintf(d, size, "nvml (%d GPU%s by energy counter, %d by power samples", by_counter,
			 by_counter == 1 ? "" : "s", by_power);
	else
		snprintf(d, size, "nvml (%s, %d GPU%s", by_counter ? "energy counter"
			 : "power samples integrated over time", n, n == 1 ? "" : "s");
	append(d, size, "%s)", skipped);
}

/* Probe every GPU and add a channel for each one that can be read. */
static lw_status add_gpus(lw_source *s, nvml_source *n, unsigned count, lw_err *err)
{
	char skipped[LW_METER_NAME_MAX * 2] = "";
	int by_counter = 0;
	for (unsigned i = 0; i < count && n->n_gpus < LW_METER_MAX_CHANNELS; i++) {
		nvml_gpu *g = &n->gpus[n->n_gpus];
		g->index = i;
		char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE], label[LW_METER_NAME_MAX];
		const char *what;
		nvmlReturn_t rc = probe_gpu(&n->api, g, name, &what);
		if (rc != NVML_SUCCESS) {
			append(skipped, sizeof skipped, "; GPU %u skipped: %s: %s", i, what,
			       nvml_error(&n->api, rc));
			continue;
		}
		snprintf(label, sizeof label, "GPU %u %.80s", i, name);
		lw_source_add_channel(s, label, LW_DOMAIN_GPU, LW_METHOD_MEASURED,
				      g->by_counter ? LW_CHANNEL_JOULES : LW_CHANNEL_WATTS);
		by_counter += g->by_counter;
		n->n_gpus++;
	}
	if (n->n_gpus == 0)
		return lw_err_set(err, LW_ERR_IO, "NVML: no GPU can be read (%s)", skipped + 2);
	describe(s, by_counter, n->n_gpus - by_counter, skipped);
	return LW_OK;
}

/* ---------------------------------------------------------------- source */

/* One GPU's value: joules since open (counter) or watts now (samples). */
static lw_status read_gpu(const nvml_api *a, nvml_gpu *g, double *value, lw_err *err)
{
	nvmlReturn_t rc;
	if (g->by_counter) {
		unsigned long long mj;
		rc = a->get_energy(g->device, &mj);
		if (rc == NVML_SUCCESS) {
			/* A counter that went back restarted (driver reload): count from 0. */
			g->total_mj += mj >= g->last_mj ? mj - g->last_mj : mj;
			g->last_mj = mj;
			*value = (double)g->total_mj / 1000.0;
		}
	} else {
		unsigned int mw;
		rc = a->get_power(g->device, &mw);
		if (rc == NVML_SUCCESS)
			*value = (double)mw / 1000.0;
	}
	if (rc != NVML_SUCCESS)
		return lw_err_set(err, LW_ERR_IO, "NVML: GPU %u: reading %s: %s", g->index,
				  g->by_counter ? "energy counter" : "power usage", nvml_error(a, rc));
	return LW_OK;
}

static lw_status nvml_read(lw_source *s, double *values, lw_err *err)
{
	nvml_source *n = s->impl;
	for (int c = 0; c < n->n_gpus; c++) {
		lw_status st = read_gpu(&n->api, &n->gpus[c], &values[c], err);
		if (st)
			return st;
	}
	return LW_OK;
}

static void nvml_close(lw_source *s)
{
	nvml_source *n = s->impl;
	if (n->initialised)
		n->api.shutdown();
	if (n->api.lib)
		dlclose(n->api.lib);
	free(n);
	free(s);
}

lw_status lw_nvml_open(const char *library_path, lw_source **out, lw_err *err)
{
	*out = NULL;
	lw_source *s = lw_xcalloc(1, sizeof *s, "nvml source");
	nvml_source *n = lw_xcalloc(1, sizeof *n, "nvml source");
	s->impl = n;
	s->read = nvml_read;
	s->close = nvml_close;
	unsigned count = 0;
	lw_status st = load_library(&n->api, library_path ? library_path : NVML_DEFAULT_LIBRARY,
				    err);
	if (st == LW_OK)
		st = start_nvml(n, &count, err);
	if (st == LW_OK)
		st = add_gpus(s, n, count, err);
	if (st != LW_OK) {
		nvml_close(s);
		return st;
	}
	*out = s;
	return LW_OK;
}
