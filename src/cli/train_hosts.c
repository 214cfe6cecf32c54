/*
 * train_hosts.c — each machine's energy once, per host and summed
 * (train_hosts.h).
 */
#include "cli/train_hosts.h"

#include <stdlib.h>
#include <string.h>

#include "cli/summary.h"
#include "util/alloc.h"

/* What each rank tells rank 0. */
typedef struct host_record {
	int host_rank, host_size;
	char host[LW_HOST_MAX];
	double joules[LW_DOMAIN_COUNT];
	int method[LW_DOMAIN_COUNT];
	double cpu_s;   /* the process's CPU seconds */
} host_record;

static host_record record_of(const lw_dist *d, const train_energy *te)
{
	host_record h = { .host_rank = d->host_rank, .host_size = d->host_size,
			  .cpu_s = te->m.process_cpu_s };
	memcpy(h.host, d->host, sizeof h.host);
	for (int k = 0; k < LW_DOMAIN_COUNT; k++) {
		h.method[k] = (int)te->m.reading.method[k];
		h.joules[k] = h.method[k] == LW_METHOD_NONE ? 0 : te->m.reading.joules[k];
	}
	return h;
}

static json_t *host_json(const host_record *h)
{
	json_t *o = json_object(), *e = json_object(), *m = json_object();
	double total = 0;
	for (int k = 0; k < LW_DOMAIN_COUNT; k++) {
		const char *name = lw_domain_name((lw_domain)k);
		json_object_set_new(e, name, h->method[k] == LW_METHOD_NONE ? json_null()
				    : summary_number(h->joules[k]));
		json_object_set_new(m, name, json_string(lw_method_name((lw_method)h->method[k])));
		total += h->joules[k];
	}
	json_object_set_new(e, "total", summary_number(total));
	json_object_set_new(o, "host", json_string(h->host));
	json_object_set_new(o, "ranks", json_integer(h->host_size));
	json_object_set_new(o, "energy_j", e);
	json_object_set_new(o, "method", m);
	return o;
}

/* Rank 0: the leaders' records into te's reading and the array. */
static json_t *sum_leaders(const host_record *all, int n, train_energy *te)
{
	lw_meter_reading *r = &te->m.reading;
	json_t *hosts = json_array();
	te->m.process_cpu_s = 0;
	for (int k = 0; k < LW_DOMAIN_COUNT; k++) {
		r->joules[k] = 0;
		r->method[k] = LW_METHOD_NONE;
	}
	for (int i = 0; i < n; i++) {
		te->m.process_cpu_s += all[i].cpu_s;
		if (all[i].host_rank != 0)
			continue;
		for (int k = 0; k < LW_DOMAIN_COUNT; k++) {
			r->joules[k] += all[i].joules[k];
			r->method[k] = lw_method_combine(r->method[k], (lw_method)all[i].method[k]);
		}
		json_array_append_new(hosts, host_json(&all[i]));
	}
	return hosts;
}

lw_status train_hosts_gather(const lw_dist *d, train_energy *te, json_t **hosts, lw_err *err)
{
	*hosts = NULL;
	host_record mine = record_of(d, te);
	host_record *all = lw_xcalloc((size_t)d->size, sizeof *all, "hosts");
	lw_status st = lw_dist_allgather(d, &mine, sizeof mine, all, err);
	if (!st && d->rank == 0)
		*hosts = sum_leaders(all, d->size, te);
	free(all);
	return st;
}
