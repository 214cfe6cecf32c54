/*
 * source.c — the small pieces every energy source shares: adding a channel
 * and closing.
 */
#include <stdio.h>

#include "energy/source.h"

int lw_source_add_channel(lw_source *s, const char *name, lw_domain domain,
			  lw_method method, lw_channel_kind kind)
{
	if (s->n_channels >= LW_METER_MAX_CHANNELS)
		return -1;
	lw_channel *c = &s->channels[s->n_channels];
	snprintf(c->name, sizeof c->name, "%s", name);
	c->domain = domain;
	c->method = method;
	c->kind = kind;
	c->detail[0] = 0;
	return s->n_channels++;
}

void lw_source_describe_counts(lw_source *s, const char *name, int n_packages, int n_dram,
			       const char *dram_word)
{
	int n = snprintf(s->description, sizeof s->description, "%s (%d package%s", name,
			 n_packages, n_packages == 1 ? "" : "s");
	if (n_dram)
		n += snprintf(s->description + n, sizeof s->description - (size_t)n, ", %d %s%s",
			      n_dram, dram_word, n_dram == 1 ? "" : "s");
	snprintf(s->description + n, sizeof s->description - (size_t)n, ")");
}

void lw_source_close(lw_source *s)
{
	if (s && s->close)
		s->close(s);
}
