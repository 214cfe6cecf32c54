/*
 * train_hosts.c — a training job's machines, each counted once
 * (train_hosts.h), from the hosts' figures (hosts.h).
 */
#include "cli/train_hosts.h"

#include "cli/hosts.h"

lw_status train_hosts_gather(const lw_dist *d, train_energy *te, json_t **hosts, lw_err *err)
{
	*hosts = NULL;
	job_hosts h;
	double cpu_s = te->m.process_cpu_s;
	lw_status st = hosts_gather(d, &te->m.reading, &h, err);
	if (!st)
		st = lw_dist_sum_f64(d, &cpu_s, 1, err);
	if (st)
		return st;
	if (d->rank == 0) {
		lw_meter_reading *r = &te->m.reading;
		for (int k = 0; k < LW_DOMAIN_COUNT; k++) {
			r->joules[k] = h.joules[k];
			r->method[k] = h.method[k];
		}
		te->m.process_cpu_s = cpu_s;
		*hosts = json_incref(h.list);
	}
	hosts_free(&h);
	return LW_OK;
}
