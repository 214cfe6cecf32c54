/*
 * rapl_perf.c — RAPL energy counters through perf_event's "power" PMU, for
 * machines where powercap's energy_uj cannot be read but perf events can
 * (kernel.perf_event_paranoid low enough, or CAP_PERFMON).
 *
 * sysfs describes the PMU under <sysfs>/bus/event_source/devices/power:
 *   type                  the PMU's perf type ("23")
 *   cpumask               one CPU per package ("0", "0,48", "0-1")
 *   events/energy-pkg     the event's terms ("event=0x02")
 *   events/energy-pkg.scale  joules per count ("2.3283064365386962890625e-10")
 *   events/energy-pkg.unit   "Joules"
 *   format/event          where a term's value goes ("config:0-7")
 * and likewise energy-ram (optional) and energy-psys. One counter is opened
 * per event and listed CPU (psys, which covers the whole machine, on the
 * first CPU only). Counters are 64-bit and start at an arbitrary value:
 * joules = (value - first value) x scale, with unsigned arithmetic, so even
 * a wrap of the 64-bit count is harmless.
 *
 * Every system call goes through an lw_perf_calls table, so the tests can
 * put fake counters behind a fabricated sysfs tree.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "energy/source.h"
#include "energy/sysfile.h"
#include "util/alloc.h"

typedef struct pmu_event {
	const char *name;          /* "energy-pkg" */
	unsigned long long config;
	double scale;              /* joules per count */
} pmu_event;

typedef struct counter {
	int fd;
	int cpu;
	const char *event;         /* a string literal: "energy-pkg" */
	unsigned long long first;  /* the count at open */
	double scale;
} counter;

typedef struct perf_impl {
	lw_perf_calls calls;
	int n_cpus, n_dram, psys;
	counter counters[LW_METER_MAX_CHANNELS];   /* counters[i] feeds channels[i] */
} perf_impl;

/* ---------------------------------------------------------------- real calls */

static int sys_open(void *ctx, unsigned type, unsigned long long config, int cpu)
{
	(void)ctx;
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.type = type;
	attr.size = sizeof attr;
	attr.config = config;
	/* pid -1 and a CPU: count everything that runs there (what RAPL's
	 * package-wide counters require); close-on-exec for child commands. */
	return (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static int sys_read(void *ctx, int fd, unsigned long long *value)
{
	(void)ctx;
	uint64_t v;
	ssize_t n = read(fd, &v, sizeof v);
	if (n != (ssize_t)sizeof v) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	*value = v;
	return 0;
}

static void sys_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

const lw_perf_calls *lw_perf_syscalls(void)
{
	static const lw_perf_calls real = {sys_open, sys_read, sys_close, NULL};
	return &real;
}

/* ---------------------------------------------------------------- reading */

static lw_status perf_read(lw_source *s, double *values, lw_err *err)
{
	perf_impl *p = s->impl;
	for (int i = 0; i < s->n_channels; i++) {
		counter *c = &p->counters[i];
		unsigned long long v;
		if (p->calls.read(p->calls.ctx, c->fd, &v))
			return lw_err_set(err, LW_ERR_IO, "RAPL perf_event: cannot read %s on CPU %d: %s",
					  c->event, c->cpu, strerror(errno));
		values[i] = (double)(v - c->first) * c->scale;
	}
	return LW_OK;
}

static void perf_close(lw_source *s)
{
	perf_impl *p = s->impl;
	for (int i = 0; i < s->n_channels; i++)
		p->calls.close(p->calls.ctx, p->counters[i].fd);
	free(p);
	free(s);
}

/* ---------------------------------------------------------------- sysfs parsing */

/* "0", "0,48", "0-3,8-11" (path names the file in errors). */
static lw_status parse_cpu_list(const char *path, const char *text, int *cpus, int *n,
				lw_err *err)
{
	*n = 0;
	const char *p = text;
	do {
		char *end;
		if (!isdigit((unsigned char)*p))
			goto bad;
		long lo = strtol(p, &end, 10), hi = lo;
		p = end;
		if (*p == '-') {
			if (!isdigit((unsigned char)p[1]))
				goto bad;
			hi = strtol(p + 1, &end, 10);
			p = end;
		}
		if (lo > hi || hi > INT_MAX)
			goto bad;
		for (long c = lo; c <= hi; c++) {
			if (*n == LW_METER_MAX_CHANNELS)
				return lw_err_set(err, LW_ERR_STATE, "RAPL perf_event: %s lists more than %d CPUs",
						  path, LW_METER_MAX_CHANNELS);
			cpus[(*n)++] = (int)c;
		}
	} while (*p++ == ',');
	if (p[-1] == 0)
		return LW_OK;
bad:
	return lw_err_set(err, LW_ERR_FORMAT, "%s: expected a CPU list such as 0,48 or 0-1, got \"%.40s\"",
			  path, text);
}

/* Where term's value goes in config, from format/<term> ("config:0-7" or
 * "config:5"): bits lo..hi. The event term may lack a format file (all of
 * config then). */
static lw_status term_bits(const char *pmu, const char *term, int *lo, int *hi, lw_err *err)
{
	char path[LW_SYSFILE_PATH_MAX], text[64];
	int e = 0;
	lw_status st = lw_sysfile_path(path, sizeof path, err, "%s/format/%s", pmu, term);
	if (!st)
		st = lw_sysfile_read(path, text, sizeof text, &e, err);
	if (st == LW_ERR_IO && e == ENOENT && !strcmp(term, "event")) {
		*lo = 0;
		*hi = 63;
		return LW_OK;
	}
	if (st == LW_ERR_IO && e == ENOENT)
		return lw_err_set(err, LW_ERR_FORMAT, "%s/events: unknown term %s (no format/%s)", pmu,
				  term, term);
	if (st)
		return st;
	char tail;
	int k = sscanf(text, "config:%d-%d%c", lo, hi, &tail);
	if (k == 1 && sscanf(text, "config:%d%c", lo, &tail) == 1)
		*hi = *lo;
	else if (k != 2)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: expected config:LO-HI, got \"%.40s\"", path, text);
	if (*lo < 0 || *hi < *lo || *hi > 63)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: bits %d-%d out of range", path, *lo, *hi);
	return LW_OK;
}

/* The config of "event=0x02" or "event=0x02,umask=0x01", as perf composes
 * it: each term's value placed at the bits its format file names. */
static lw_status parse_event_terms(const char *pmu, const char *path, char *text,
				   unsigned long long *config, lw_err *err)
{
	*config = 0;
	int saw_event = 0;
	for (char *save = NULL, *t = strtok_r(text, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '='), *end;
		if (!eq || eq == t || !isdigit((unsigned char)eq[1]))
			return lw_err_set(err, LW_ERR_FORMAT, "%s: expected terms like event=0x02, got \"%.40s\"",
					  path, t);
		*eq = 0;
		errno = 0;
		unsigned long long v = strtoull(eq + 1, &end, 0);
		if (*end || errno == ERANGE)
			return lw_err_set(err, LW_ERR_FORMAT, "%s: bad value for %s", path, t);
		int lo, hi;
		lw_status st = term_bits(pmu, t, &lo, &hi, err);
		if (st)
			return st;
		int width = hi - lo + 1;
		if (width < 64 && v >> width)
			return lw_err_set(err, LW_ERR_FORMAT, "%s: %s=%#llx does not fit in %d bits",
					  path, t, v, width);
		*config |= v << lo;
		saw_event |= !strcmp(t, "event");
	}
	if (!saw_event)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: no event= term", path);
	return LW_OK;
}

/* Whether the PMU has event name (events/<name> exists). */
static int has_event(const char *pmu, const char *name)
{
	char path[LW_SYSFILE_PATH_MAX];
	struct stat sb;
	return snprintf(path, sizeof path, "%s/events/%s", pmu, name) < (int)sizeof path &&
	       stat(path, &sb) == 0;
}

/* Read an event's config, scale and unit. */
static lw_status load_event(const char *pmu, const char *name, pmu_event *ev, lw_err *err)
{
	char path[LW_SYSFILE_PATH_MAX], text[256];
	ev->name = name;
	lw_status st = lw_sysfile_path(path, sizeof path, err, "%s/events/%s", pmu, name);
	if (!st)
		st = lw_sysfile_read(path, text, sizeof text, NULL, err);
	if (!st)
		st = parse_event_terms(pmu, path, text, &ev->config, err);
	if (!st)
		st = lw_sysfile_path(path, sizeof path, err, "%s/events/%s.scale", pmu, name);
	if (!st)
		st = lw_sysfile_read_double(path, &ev->scale, NULL, err);
	if (!st && !(ev->scale > 0))
		st = lw_err_set(err, LW_ERR_FORMAT, "%s: scale %g is not positive", path, ev->scale);
	if (!st)
		st = lw_sysfile_path(path, sizeof path, err, "%s/events/%s.unit", pmu, name);
	if (!st)
		st = lw_sysfile_read(path, text, sizeof text, NULL, err);
	if (!st && strcmp(text, "Joules"))
		st = lw_err_set(err, LW_ERR_FORMAT, "%s: unit \"%.40s\", expected Joules", path, text);
	if (st)
		lw_err_prefix(err, "RAPL perf_event");
	return st;
}

/* ---------------------------------------------------------------- opening */

/* Open one counter as the next channel and take its first count. */
static lw_status open_counter(lw_source *s, unsigned type, const pmu_event *ev, int cpu,
			      const char *channel, lw_domain domain, lw_err *err)
{
	perf_impl *p = s->impl;
	if (s->n_channels == LW_METER_MAX_CHANNELS)
		return lw_err_set(err, LW_ERR_STATE, "RAPL perf_event: more than %d counters",
				  LW_METER_MAX_CHANNELS);
	int fd = p->calls.open(p->calls.ctx, type, ev->config, cpu);
	if (fd < 0 && lw_sysfile_denied(errno))
		return lw_err_set(err, LW_ERR_IO,
				  "RAPL perf_event: not permitted (kernel.perf_event_paranoid); allow with: "
				  "sudo sysctl -w kernel.perf_event_paranoid=0, or give lowwatt CAP_PERFMON");
	if (fd < 0)
		return lw_err_set(err, LW_ERR_STATE, "RAPL perf_event: cannot open %s on CPU %d: %s",
				  ev->name, cpu, strerror(errno));
	counter *c = &p->counters[s->n_channels];
	*c = (counter){fd, cpu, ev->name, 0, ev->scale};
	if (p->calls.read(p->calls.ctx, fd, &c->first)) {
		lw_status st = lw_err_set(err, LW_ERR_IO, "RAPL perf_event: cannot read %s on CPU %d: %s",
					  ev->name, cpu, strerror(errno));
		p->calls.close(p->calls.ctx, fd);
		return st;
	}
	lw_source_add_channel(s, channel, domain, LW_METHOD_MEASURED, LW_CHANNEL_JOULES);
	return LW_OK;
}

/* Open the counters of one event: one per listed CPU, or only the first. */
static lw_status open_event(lw_source *s, const char *pmu, unsigned type, const char *event,
			    const char *prefix, lw_domain domain, const int *cpus, int n_cpus,
			    lw_err *err)
{
	pmu_event ev;
	lw_status st = load_event(pmu, event, &ev, err);
	for (int i = 0; i < n_cpus && !st; i++) {
		char channel[LW_METER_NAME_MAX];
		if (n_cpus == 1 && !strcmp(prefix, "psys"))
			snprintf(channel, sizeof channel, "psys");
		else
			snprintf(channel, sizeof channel, "%s-%d", prefix, i);
		st = open_counter(s, type, &ev, cpus[i], channel, domain, err);
	}
	return st;
}

/* The PMU's type and CPUs. */
static lw_status read_pmu(const char *pmu, unsigned *type, int *cpus, int *n_cpus, lw_err *err)
{
	char path[LW_SYSFILE_PATH_MAX], text[1024];
	uint64_t t;
	lw_status st = lw_sysfile_path(path, sizeof path, err, "%s/type", pmu);
	if (!st)
		st = lw_sysfile_read_u64(path, &t, NULL, err);
	if (!st && t > UINT_MAX)
		st = lw_err_set(err, LW_ERR_FORMAT, "%s: type %llu too large", path, (unsigned long long)t);
	*type = (unsigned)t;
	if (!st)
		st = lw_sysfile_path(path, sizeof path, err, "%s/cpumask", pmu);
	if (!st)
		st = lw_sysfile_read(path, text, sizeof text, NULL, err);
	if (!st)
		st = parse_cpu_list(path, text, cpus, n_cpus, err);
	if (st && st != LW_ERR_STATE)
		lw_err_prefix(err, "RAPL perf_event");
	return st;
}

static void describe(lw_source *s)
{
	perf_impl *p = s->impl;
	if (p->psys) {
		snprintf(s->description, sizeof s->description, "rapl-perf (psys)");
		return;
	}
	lw_source_describe_counts(s, "rapl-perf", p->n_cpus, p->n_dram, "dram counter");
}

lw_status lw_rapl_perf_open(const char *sysfs_root, lw_rapl_mode mode,
			    const lw_perf_calls *calls, lw_source **out, lw_err *err)
{
	*out = NULL;
	char pmu[LW_SYSFILE_PATH_MAX];
	struct stat sb;
	unsigned type;
	int cpus[LW_METER_MAX_CHANNELS], n_cpus;
	const char *main_event = mode == LW_RAPL_PSYS ? "energy-psys" : "energy-pkg";
	lw_status st = lw_sysfile_path(pmu, sizeof pmu, err, "%s/bus/event_source/devices/power",
				       sysfs_root);
	if (st)
		return st;
	if (stat(pmu, &sb) || !S_ISDIR(sb.st_mode))
		return lw_err_set(err, LW_ERR_STATE, "no RAPL perf_event PMU (power) under %s/bus/event_source/devices",
				  sysfs_root);
	if ((st = read_pmu(pmu, &type, cpus, &n_cpus, err)))
		return st;
	if (!has_event(pmu, main_event))
		return lw_err_set(err, LW_ERR_STATE, "RAPL perf_event: the power PMU has no %s event",
				  main_event);
	lw_source *s = lw_xcalloc(1, sizeof *s, "RAPL perf source");
	perf_impl *p = lw_xcalloc(1, sizeof *p, "RAPL perf counters");
	s->impl = p;
	s->read = perf_read;
	s->close = perf_close;
	p->calls = *calls;
	if (mode == LW_RAPL_PSYS) {
		p->psys = 1;
		st = open_event(s, pmu, type, main_event, "psys", LW_DOMAIN_CPU, cpus, 1, err);
	} else {
		p->n_cpus = n_cpus;
		st = open_event(s, pmu, type, main_event, "package", LW_DOMAIN_CPU, cpus, n_cpus, err);
		if (!st && has_event(pmu, "energy-ram")) {
			p->n_dram = n_cpus;
			st = open_event(s, pmu, type, "energy-ram", "dram", LW_DOMAIN_DRAM, cpus, n_cpus, err);
		}
	}
	if (st) {
		perf_close(s);   /* closes the counters opened so far */
		return st;
	}
	describe(s);
	*out = s;
	return LW_OK;
}
