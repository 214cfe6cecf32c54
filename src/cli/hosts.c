/*
 * hosts.c — the machines' energy at the end of a job (hosts.h): one
 * collective sum over the host leaders, one gather of every rank's
 * figures for the per-host list.
 */
#include "cli/hosts.h"

#include <string.h>

#include "cli/summary.h"
#include "lowwatt/run_energy.h"
#include "util/alloc.h"

/* What each rank offers the gather. */
typedef struct host_figures {
	char host[LW_HOST_MAX];
	int32_t host_rank, host_size;
	int32_t method[LW_DOMAIN_COUNT];
	double joules[LW_DOMAIN_COUNT];
	double total_j;
	double seconds;
} host_figures;

static void figures_of(const lw_dist *d, const lw_meter_reading *r, host_figures *f)
{
	memset(f, 0, sizeof *f);
	memcpy(f->host, d->host, sizeof f->host);
	f->host_rank = d->host_rank;
	f->host_size = d->host_size;
	f->seconds = r->elapsed_s;
	for (int i = 0; i < LW_DOMAIN_COUNT; i++) {
		f->method[i] = (int32_t)r->method[i];
		f->joules[i] = r->method[i] == LW_METHOD_NONE ? 0 : r->joules[i];
		f->total_j += f->joules[i];
	}
}

static json_t *host_json(const host_figures *f)
{
	json_t *o = json_object(), *e = json_object(), *m = json_object();
	for (int i = 0; i < LW_DOMAIN_COUNT; i++) {
		const char *name = lw_domain_name((lw_domain)i);
		json_object_set_new(e, name, f->method[i] == LW_METHOD_NONE ? json_null() :
				    summary_number(f->joules[i]));
		json_object_set_new(m, name, json_string(lw_method_name((lw_method)f->method[i])));
	}
	json_object_set_new(e, "total", summary_number(f->total_j));
	json_object_set_new(o, "host", json_string(f->host));
	json_object_set_new(o, "ranks", json_integer(f->host_size));
	json_object_set_new(o, "energy_j", e);
	json_object_set_new(o, "method", m);
	json_object_set_new(o, "seconds", summary_number(f->seconds));
	return o;
}

/* The leaders' figures, in rank order (the hosts' order), into out. */
static void list_hosts(const host_figures *all, int n, job_hosts *out)
{
	out->list = json_array();
	for (int r = 0; r < n; r++) {
		if (all[r].host_rank != 0)
			continue;
		out->n_hosts++;
		for (int i = 0; i < LW_DOMAIN_COUNT; i++)
			out->method[i] = lw_method_combine(out->method[i], (lw_method)all[r].method[i]);
		json_array_append_new(out->list, host_json(&all[r]));
	}
}

lw_status hosts_gather(const lw_dist *d, const lw_meter_reading *r, job_hosts *out,
			      lw_err *err)
{
	*out = (job_hosts){ .ranks = d->size };
	host_figures mine;
	figures_of(d, r, &mine);
	/* Each machine once: its leader's figures alone enter the sum. */
	double sum[LW_DOMAIN_COUNT + 1];
	memcpy(sum, mine.joules, sizeof mine.joules);
	sum[LW_DOMAIN_COUNT] = mine.total_j;
	lw_status st = lw_dist_hosts_sum_f64(d, sum, LW_DOMAIN_COUNT + 1, err);
	host_figures *all = lw_xmalloc((size_t)d->size * sizeof *all, "host figures");
	if (!st)
		st = lw_dist_allgather(d, &mine, sizeof mine, all, err);
	if (!st) {
		memcpy(out->joules, sum, sizeof out->joules);
		out->total_j = sum[LW_DOMAIN_COUNT];
		list_hosts(all, d->size, out);
	}
	free(all);
	return st;
}

const char *hosts_method(const job_hosts *h)
{
	lw_run_energy e = { .metered = 1 };
	memcpy(e.method, h->method, sizeof e.method);
	return lw_run_energy_method(&e);
}

void hosts_free(job_hosts *h)
{
	json_decref(h->list);
	h->list = NULL;
}
