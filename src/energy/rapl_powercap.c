/*
 * rapl_powercap.c — RAPL energy counters through the powercap sysfs tree,
 * <sysfs>/class/powercap: Intel's, and AMD's since Linux 5.11.
 *
 * The tree holds one directory per zone:
 *   intel-rapl:0        name "package-0"   a socket, top level
 *   intel-rapl:0:0      name "core"        inside package-0: never added
 *   intel-rapl:0:1      name "uncore"      inside package-0: never added
 *   intel-rapl:0:2      name "dram"        the socket's memory
 *   intel-rapl:1        name "psys"        the whole SoC (some laptops)
 *   intel-rapl-mmio:0   name "package-0"   the same package again, via MMIO
 * each with energy_uj (a counter in microjoules that wraps past
 * max_energy_range_uj); "intel-rapl" itself, the control type, has no
 * counter and is skipped.
 *
 * A zone is known by its key: its name, after its parent's key for a
 * subzone ("package-0/dram"). MSR zones are taken before MMIO ones and a
 * key seen before is dropped, so a package exposed both ways counts once.
 * Packages mode makes one cpu channel per package-N and one dram channel per
 * dram zone; psys mode takes the psys zone(s) alone. Only the zones used
 * must be readable: since Linux 5.10 energy_uj is readable by root only,
 * and that is reported with the command that grants access.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "energy/source.h"
#include "energy/sysfile.h"
#include "util/alloc.h"

typedef struct zone {
	char energy_path[LW_SYSFILE_PATH_MAX];
	uint64_t max_uj;    /* the counter runs from 0 to this, then wraps */
	uint64_t prev_uj;   /* the counter at the last read */
	uint64_t total_uj;  /* energy since open */
} zone;

typedef struct powercap {
	int n_packages, n_dram, n_psys;
	zone zones[LW_METER_MAX_CHANNELS];   /* zones[i] feeds channels[i] */
} powercap;

/* ---------------------------------------------------------------- reading */

/* Microjoules between two readings of a counter that wraps past max. */
static uint64_t counter_delta(uint64_t prev, uint64_t now, uint64_t max)
{
	if (now >= prev)
		return now - prev;
	/* It ran from prev up to max, then from 0 to now. A prev above max
	 * (a bogus range) leaves only now to trust. */
	return prev <= max ? (max - prev) + now : now;
}

static lw_status powercap_read(lw_source *s, double *values, lw_err *err)
{
	powercap *p = s->impl;
	for (int i = 0; i < s->n_channels; i++) {
		zone *z = &p->zones[i];
		uint64_t now;
		lw_status st = lw_sysfile_read_u64(z->energy_path, &now, NULL, err);
		if (st) {
			lw_err_prefix(err, "RAPL");
			return st;
		}
		z->total_uj += counter_delta(z->prev_uj, now, z->max_uj);
		z->prev_uj = now;
		values[i] = (double)z->total_uj * 1e-6;
	}
	return LW_OK;
}

static void powercap_close(lw_source *s)
{
	free(s->impl);
	free(s);
}

/* ---------------------------------------------------------------- zone names */

/* Whether entry is "<type>:<n>[:<n>...]"; *depth is its number of numbers. */
static int is_zone_dir(const char *entry, int *depth)
{
	const char *p = strchr(entry, ':');
	if (!p || p == entry)
		return 0;
	*depth = 0;
	while (*p == ':') {
		if (!isdigit((unsigned char)p[1]))
			return 0;
		for (p++; isdigit((unsigned char)*p); p++)
			;
		++*depth;
	}
	return *p == 0;
}

static int is_mmio(const char *entry)
{
	const char *colon = strchr(entry, ':');
	const char *m = strstr(entry, "mmio");
	return m && colon && m < colon;
}

/* "intel-rapl:2" before "intel-rapl:10": digit runs compare as numbers. */
static int natural_cmp(const void *pa, const void *pb)
{
	const char *a = *(char *const *)pa, *b = *(char *const *)pb;
	const char *x = a, *y = b;
	while (*x && *y) {
		if (isdigit((unsigned char)*x) && isdigit((unsigned char)*y)) {
			char *ex, *ey;
			unsigned long long u = strtoull(x, &ex, 10), v = strtoull(y, &ey, 10);
			if (u != v)
				return u < v ? -1 : 1;
			x = ex;
			y = ey;
			continue;
		}
		if (*x != *y)
			break;
		x++;
		y++;
	}
	int d = (unsigned char)*x - (unsigned char)*y;
	return d ? d : strcmp(a, b);
}

/* The zone directories under dir, sorted; LW_ERR_STATE without a tree. */
static lw_status list_zone_dirs(const char *dir, char ***names, int *n, lw_err *err)
{
	*names = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return lw_err_set(err, LW_ERR_STATE, "no RAPL zones under %s (%s)", dir, strerror(errno));
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		int depth;
		if (!is_zone_dir(e->d_name, &depth))
			continue;
		*names = lw_xgrow(*names, &cap, (size_t)*n + 1, sizeof **names, "RAPL zone list");
		(*names)[(*n)++] = lw_xstrdup(e->d_name, "RAPL zone name");
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, (size_t)*n, sizeof **names, natural_cmp);
	return LW_OK;
}

/* The zone's key: its name, after its parent's key for a subzone
 * ("package-0/dram"). Fails (and the zone is skipped) without a name. */
static lw_status zone_key(const char *dir, const char *entry, int depth, char *name,
			  char *key, size_t size, lw_err *err)
{
	char path[LW_SYSFILE_PATH_MAX];
	lw_status st = lw_sysfile_path(path, sizeof path, err, "%s/%s/name", dir, entry);
	if (!st)
		st = lw_sysfile_read(path, name, LW_METER_NAME_MAX, NULL, err);
	if (st || depth == 1)
		return st ? st : lw_sysfile_path(key, size, err, "%s", name);
	char parent[LW_SYSFILE_PATH_MAX], parent_name[LW_METER_NAME_MAX], parent_key[LW_METER_NAME_MAX];
	snprintf(parent, sizeof parent, "%s", entry);
	*strrchr(parent, ':') = 0;
	st = zone_key(dir, parent, depth - 1, parent_name, parent_key, sizeof parent_key, err);
	return st ? st : lw_sysfile_path(key, size, err, "%s/%s", parent_key, name);
}

static int is_package(const char *name)
{
	if (strncmp(name, "package-", 8) || !name[8])
		return 0;
	for (const char *p = name + 8; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return 1;
}

/* The domain a zone feeds in this mode, or -1 for a zone not used. */
static int zone_domain(const char *name, int depth, lw_rapl_mode mode)
{
	if (mode == LW_RAPL_PSYS)
		return strcmp(name, "psys") ? -1 : LW_DOMAIN_CPU;
	if (depth == 1 && is_package(name))
		return LW_DOMAIN_CPU;
	return strcmp(name, "dram") ? -1 : LW_DOMAIN_DRAM;
}

/* ---------------------------------------------------------------- opening */

/* Take the first reading of a used zone. An energy_uj readable only by
 * root is the common case since Linux 5.10: say how to grant access. */
static lw_status start_zone(const char *dir, const char *entry, zone *z, lw_err *err)
{
	char path[LW_SYSFILE_PATH_MAX];
	lw_status st = lw_sysfile_path(path, sizeof path, err, "%s/%s/max_energy_range_uj", dir, entry);
	if (!st)
		st = lw_sysfile_read_u64(path, &z->max_uj, NULL, err);
	if (!st)
		st = lw_sysfile_path(z->energy_path, sizeof z->energy_path, err, "%s/%s/energy_uj",
				     dir, entry);
	int e = 0;
	if (!st)
		st = lw_sysfile_read_u64(z->energy_path, &z->prev_uj, &e, err);
	if (st == LW_ERR_IO && lw_sysfile_denied(e))
		return lw_err_set(err, LW_ERR_IO,
				  "RAPL: %s is readable only by root (Linux 5.10 and later); "
				  "grant read access with: sudo chmod a+r %s/*/energy_uj",
				  z->energy_path, dir);
	if (st)
		lw_err_prefix(err, "RAPL");
	return st;
}

/* Look at one zone directory: skip it, or add it as a channel. */
static lw_status consider_zone(lw_source *s, const char *dir, const char *entry,
			       lw_rapl_mode mode, lw_err *err)
{
	powercap *p = s->impl;
	char path[LW_SYSFILE_PATH_MAX], name[LW_METER_NAME_MAX], key[LW_METER_NAME_MAX];
	struct stat sb;
	int depth;
	lw_err ignored;
	is_zone_dir(entry, &depth);
	lw_status st = lw_sysfile_path(path, sizeof path, err, "%s/%s/energy_uj", dir, entry);
	if (st)
		return st;
	/* No counter, no usable name: not a zone to measure with. */
	if (stat(path, &sb) || zone_key(dir, entry, depth, name, key, sizeof key, &ignored))
		return LW_OK;
	int domain = zone_domain(name, depth, mode);
	if (domain < 0)
		return LW_OK;
	for (int i = 0; i < s->n_channels; i++)
		if (!strcmp(s->channels[i].name, key))
			return LW_OK;     /* seen already (MSR before MMIO) */
	if (s->n_channels == LW_METER_MAX_CHANNELS)
		return lw_err_set(err, LW_ERR_STATE, "RAPL: more than %d zones under %s",
				  LW_METER_MAX_CHANNELS, dir);
	st = start_zone(dir, entry, &p->zones[s->n_channels], err);
	if (st)
		return st;
	lw_source_add_channel(s, key, (lw_domain)domain, LW_METHOD_MEASURED, LW_CHANNEL_JOULES);
	if (mode == LW_RAPL_PSYS)
		p->n_psys++;
	else if (domain == LW_DOMAIN_CPU)
		p->n_packages++;
	else
		p->n_dram++;
	return LW_OK;
}

static void describe(lw_source *s)
{
	powercap *p = s->impl;
	if (p->n_psys) {
		snprintf(s->description, sizeof s->description, "rapl-powercap (%d psys zone%s)",
			 p->n_psys, p->n_psys == 1 ? "" : "s");
		return;
	}
	lw_source_describe_counts(s, "rapl-powercap", p->n_packages, p->n_dram, "dram zone");
}

lw_status lw_rapl_powercap_open(const char *sysfs_root, lw_rapl_mode mode,
				lw_source **out, lw_err *err)
{
	*out = NULL;
	char dir[LW_SYSFILE_PATH_MAX];
	char **names = NULL;
	int n = 0;
	lw_source *s = NULL;
	lw_status st = lw_sysfile_path(dir, sizeof dir, err, "%s/class/powercap", sysfs_root);
	if (!st)
		st = list_zone_dirs(dir, &names, &n, err);
	if (st)
		goto cleanup;
	s = lw_xcalloc(1, sizeof *s, "RAPL source");
	s->impl = lw_xcalloc(1, sizeof(powercap), "RAPL zones");
	s->read = powercap_read;
	s->close = powercap_close;
	/* MSR zones first: an MMIO zone with a key seen there is a duplicate. */
	for (int pass = 0; pass < 2 && !st; pass++)
		for (int i = 0; i < n && !st; i++)
			if (is_mmio(names[i]) == pass)
				st = consider_zone(s, dir, names[i], mode, err);
	if (!st && s->n_channels == 0)
		st = lw_err_set(err, LW_ERR_STATE, "no RAPL %s under %s",
				mode == LW_RAPL_PSYS ? "psys zone" : "zones", dir);
	if (!st) {
		describe(s);
		*out = s;
		s = NULL;
	}
cleanup:
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (s)
		powercap_close(s);
	return st;
}
