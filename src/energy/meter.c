/*
 * meter.c — the energy meter: picks a source per domain, samples them on a
 * thread, and keeps cumulative joules per channel (see meter.h).
 *
 * Every sample, whoever takes it (the thread at each tick, a caller of
 * lw_meter_read, lw_meter_stop), runs under one mutex, so the sources see one
 * reader at a time and the totals are always consistent. Ticks are laid on
 * a fixed grid from the start (start + k x interval), so a slow read does not
 * make the schedule drift.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "energy/source.h"
#include "lowwatt/machine.h"
#include "lowwatt/meter.h"
#include "util/alloc.h"
#include "util/clock.h"

#define MAX_SOURCES 4

struct lw_meter {
	lw_meter_options opt;
	char sysfs[4096], procfs[4096];
	lw_source *sources[MAX_SOURCES];
	int n_sources;
	int covered[LW_DOMAIN_COUNT];          /* a source (or psys) accounts for it */
	char gpu_absent[LW_METER_NOTICE_MAX];  /* why no GPU is measured */
	char notices[LW_METER_MAX_NOTICES][LW_METER_NOTICE_MAX];
	int n_notices;

	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	int started, running, stop_asked;

	double t0;                             /* lw_now_s() at start */
	double t_last;                         /* seconds since t0 of the last sample */
	double base[MAX_SOURCES][LW_METER_MAX_CHANNELS];
	double last[MAX_SOURCES][LW_METER_MAX_CHANNELS];
	double joules[MAX_SOURCES][LW_METER_MAX_CHANNELS];
	lw_cpu_times cpu0, cpu_now;
	int samples;
	double sampler_cpu_s;                  /* CPU time of the sampling thread */
	lw_status failed;                      /* first failed sample */
	lw_err fail_err;
};

/* ---------------------------------------------------------------- names */

const char *lw_domain_name(lw_domain d)
{
	static const char *names[] = {"cpu", "dram", "gpu"};
	return d < LW_DOMAIN_COUNT ? names[d] : "?";
}

const char *lw_method_name(lw_method m)
{
	switch (m) {
	case LW_METHOD_MEASURED: return "measured";
	case LW_METHOD_ESTIMATED: return "estimated";
	default: return "none";
	}
}

void lw_meter_options_default(lw_meter_options *o)
{
	memset(o, 0, sizeof *o);
	o->interval_s = 1.0;
	o->rapl = LW_RAPL_PACKAGES;
}

/* ---------------------------------------------------------------- opening */

static void add_notice(lw_meter *m, const char *line)
{
	if (m->n_notices < LW_METER_MAX_NOTICES)
		snprintf(m->notices[m->n_notices++], LW_METER_NOTICE_MAX, "%s", line);
}

/* Take the outcome of one opener (source.h): keep the source and mark its
 * domains, or keep the reason it was passed over. Only failures that are
 * not about this source being absent or unreadable stop the meter. */
static lw_status consider(lw_meter *m, lw_status st, lw_source *s, const lw_err *why,
			  int tell_absence, lw_err *err)
{
	if (st == LW_OK) {
		m->sources[m->n_sources++] = s;
		for (int c = 0; c < s->n_channels; c++)
			m->covered[s->channels[c].domain] = 1;
		return LW_OK;
	}
	if (st == LW_ERR_IO || st == LW_ERR_FORMAT || (st == LW_ERR_STATE && tell_absence))
		add_notice(m, why->msg);
	if (st == LW_ERR_STATE || st == LW_ERR_IO || st == LW_ERR_FORMAT)
		return LW_OK;
	*err = *why;
	return st;
}

static lw_status open_sources(lw_meter *m, lw_err *err)
{
	lw_source *s = NULL;
	lw_err why = {{0}};
	int psys = m->opt.rapl == LW_RAPL_PSYS;
	lw_status got = lw_rapl_powercap_open(m->sysfs, m->opt.rapl, &s, &why);
	lw_status st = consider(m, got, s, &why, psys, err);
	if (st == LW_OK && !m->covered[LW_DOMAIN_CPU]) {
		got = lw_rapl_perf_open(m->sysfs, m->opt.rapl, lw_perf_syscalls(), &s, &why);
		st = consider(m, got, s, &why, psys, err);
	}
	if (st == LW_OK && psys && m->covered[LW_DOMAIN_CPU])
		m->covered[LW_DOMAIN_DRAM] = 1;    /* psys includes the memory */
	snprintf(m->gpu_absent, sizeof m->gpu_absent, "not measured (GPUs left out by the caller)");
	if (st == LW_OK && !m->opt.no_gpu) {
		got = lw_nvml_open(m->opt.nvml_path, &s, &why);
		if (got != LW_OK)
			snprintf(m->gpu_absent, sizeof m->gpu_absent, "%s", why.msg);
		st = consider(m, got, s, &why, 0, err);
	}
	int want[LW_DOMAIN_COUNT] = {!m->covered[LW_DOMAIN_CPU], !m->covered[LW_DOMAIN_DRAM], 0};
	if (st == LW_OK && (want[LW_DOMAIN_CPU] || want[LW_DOMAIN_DRAM])) {
		st = lw_estimate_open(m->procfs, want, &s, err);
		if (st == LW_OK)
			consider(m, st, s, &why, 0, err);
	}
	return st;
}

lw_status lw_meter_open(const lw_meter_options *o, lw_meter **out, lw_err *err)
{
	*out = NULL;
	if (!(o->interval_s >= 0.01 && o->interval_s <= 3600))
		return lw_err_set(err, LW_ERR_ARG,
				  "meter: sampling interval %g s is outside [0.01, 3600]", o->interval_s);
	lw_meter *m = lw_xcalloc(1, sizeof *m, "energy meter");
	m->opt = *o;
	snprintf(m->sysfs, sizeof m->sysfs, "%s", lw_sysfs_root(o->sysfs_root));
	snprintf(m->procfs, sizeof m->procfs, "%s", lw_procfs_root(o->procfs_root));
	pthread_mutex_init(&m->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&m->wake, &attr);
	pthread_condattr_destroy(&attr);
	lw_status st = open_sources(m, err);
	if (st) {
		lw_meter_free(m);
		return st;
	}
	*out = m;
	return LW_OK;
}

int lw_meter_notice_count(const lw_meter *m)
{
	return m->n_notices;
}

const char *lw_meter_notice(const lw_meter *m, int i)
{
	return i >= 0 && i < m->n_notices ? m->notices[i] : "";
}

/* ---------------------------------------------------------------- sampling */

/* Fold one source's values into its channels' joules. The first sample
 * (first != 0) sets the base of counters and the first power reading. */
static void accumulate(lw_meter *m, int si, const double *v, double dt, int first)
{
	const lw_source *s = m->sources[si];
	for (int c = 0; c < s->n_channels; c++) {
		if (s->channels[c].kind == LW_CHANNEL_JOULES) {
			if (first)
				m->base[si][c] = v[c];
			m->joules[si][c] = v[c] - m->base[si][c];
		} else if (!first) {
			m->joules[si][c] += 0.5 * (m->last[si][c] + v[c]) * dt;
		}
		m->last[si][c] = v[c];
	}
}

/* One sample of every source; the caller holds the lock. The sample's
 * time is read after the sources: a source that keeps its own clock (the
 * estimate charges up to the moment it is read) then agrees with it, even
 * when the thread is preempted in the middle of a read. */
static lw_status sample_locked(lw_meter *m, int first, lw_err *err)
{
	double v[MAX_SOURCES][LW_METER_MAX_CHANNELS];
	for (int si = 0; si < m->n_sources; si++) {
		lw_status st = m->sources[si]->read(m->sources[si], v[si], err);
		if (st)
			return st;
	}
	double t = first ? 0.0 : lw_now_s() - m->t0;
	for (int si = 0; si < m->n_sources; si++)
		accumulate(m, si, v[si], t - m->t_last, first);
	lw_status st = lw_machine_cpu_times(m->procfs, &m->cpu_now, err);
	if (st)
		return st;
	if (first)
		m->cpu0 = m->cpu_now;
	m->t_last = t;
	m->samples++;
	return LW_OK;
}

static void *sampler(void *arg)
{
	lw_meter *m = arg;
	pthread_mutex_lock(&m->lock);
	for (long tick = 1; !m->stop_asked; tick++) {
		struct timespec deadline = lw_timespec_of(m->t0 + (double)tick * m->opt.interval_s);
		int rc = 0;
		while (!m->stop_asked && rc == 0)
			rc = pthread_cond_timedwait(&m->wake, &m->lock, &deadline);
		if (m->stop_asked)
			break;
		lw_err e;
		lw_status st = sample_locked(m, 0, &e);
		if (st && !m->failed) {
			m->failed = st;
			m->fail_err = e;
		}
	}
	struct timespec cpu;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	m->sampler_cpu_s = (double)cpu.tv_sec + 1e-9 * (double)cpu.tv_nsec;
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

lw_status lw_meter_start(lw_meter *m, lw_err *err)
{
	if (m->started)
		return lw_err_set(err, LW_ERR_STATE, "meter: already started");
	pthread_mutex_lock(&m->lock);
	lw_status st = sample_locked(m, 1, err);
	m->t0 = lw_now_s();  /* after the sources, as every sample's time */
	pthread_mutex_unlock(&m->lock);
	if (st)
		return st;
	m->started = 1;
	if (pthread_create(&m->thread, NULL, sampler, m) != 0)
		return lw_err_set(err, LW_ERR_STATE, "meter: cannot start the sampling thread");
	m->running = 1;
	return LW_OK;
}

/* ---------------------------------------------------------------- reading */

static void describe_domain(const lw_meter *m, lw_domain d, lw_meter_reading *r)
{
	for (int si = 0; si < m->n_sources; si++)
		for (int c = 0; c < m->sources[si]->n_channels; c++) {
			const lw_channel *ch = &m->sources[si]->channels[c];
			if (ch->domain != d || r->method[d] != LW_METHOD_NONE)
				continue;
			r->method[d] = ch->method;
			snprintf(r->source[d], sizeof r->source[d], "%s",
				 ch->detail[0] ? ch->detail : m->sources[si]->description);
		}
	if (r->method[d] == LW_METHOD_NONE && m->covered[d])
		snprintf(r->source[d], sizeof r->source[d], "included in the psys zone");
	else if (r->method[d] == LW_METHOD_NONE && d == LW_DOMAIN_GPU)
		snprintf(r->source[d], sizeof r->source[d], "%.180s", m->gpu_absent);
}

/* Copy the totals into r; the caller holds the lock. */
static void fill_reading(const lw_meter *m, lw_meter_reading *r)
{
	memset(r, 0, sizeof *r);
	r->elapsed_s = m->t_last;
	r->samples = m->samples;
	for (int si = 0; si < m->n_sources; si++)
		for (int c = 0; c < m->sources[si]->n_channels; c++) {
			const lw_channel *ch = &m->sources[si]->channels[c];
			r->joules[ch->domain] += m->joules[si][c];
			if (r->n_channels < LW_METER_MAX_CHANNELS) {
				lw_meter_channel *out = &r->channels[r->n_channels++];
				snprintf(out->name, sizeof out->name, "%s", ch->name);
				out->domain = ch->domain;
				out->method = ch->method;
				out->joules = m->joules[si][c];
			}
		}
	for (int d = 0; d < LW_DOMAIN_COUNT; d++)
		describe_domain(m, (lw_domain)d, r);
	r->cpu_utilisation = lw_cpu_utilisation(&m->cpu0, &m->cpu_now);
	r->cpu_busy_s = m->cpu_now.busy_s - m->cpu0.busy_s;
	r->sampler_cpu_s = m->sampler_cpu_s;
}

lw_status lw_meter_read(lw_meter *m, lw_meter_reading *r, lw_err *err)
{
	if (!m->started)
		return lw_err_set(err, LW_ERR_STATE, "meter: read before start");
	pthread_mutex_lock(&m->lock);
	lw_status st = m->failed;
	if (st)
		*err = m->fail_err;
	else if (m->running)
		st = sample_locked(m, 0, err);
	if (st == LW_OK && r)
		fill_reading(m, r);
	pthread_mutex_unlock(&m->lock);
	return st;
}

lw_status lw_meter_stop(lw_meter *m, lw_meter_reading *r, lw_err *err)
{
	if (!m->running)
		return lw_err_set(err, LW_ERR_STATE, "meter: not running");
	lw_status st = lw_meter_read(m, NULL, err);    /* the last sample */
	pthread_mutex_lock(&m->lock);
	m->stop_asked = 1;
	pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);
	m->running = 0;
	if (st == LW_OK && r) {
		pthread_mutex_lock(&m->lock);
		fill_reading(m, r);
		pthread_mutex_unlock(&m->lock);
	}
	return st;
}

void lw_meter_free(lw_meter *m)
{
	if (!m)
		return;
	if (m->running) {
		lw_err ignored;
		lw_meter_stop(m, NULL, &ignored);
	}
	for (int si = 0; si < m->n_sources; si++)
		lw_source_close(m->sources[si]);
	pthread_cond_destroy(&m->wake);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
