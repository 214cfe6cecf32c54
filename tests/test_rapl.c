/*
 * test_rapl.c — the RAPL sources on fabricated sysfs trees: powercap zones
 * whose counters a helper thread advances while the source is read (two
 * sockets, dram zones, core/uncore subzones that must not be added, psys, an
 * MMIO duplicate, a counter that wraps), unreadable and malformed counters,
 * and the perf_event source behind fake system calls; plus the small-file
 * readers they rest on.
 */
#include "testutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "energy/source.h"
#include "energy/sysfile.h"

/* ---------------------------------------------------------------- tree helpers */

/* dir/rel as a fixed buffer (trees are shallow and short). */
typedef struct path_buf {
	char s[1024];
} path_buf;

static path_buf at(const char *dir, const char *rel)
{
	path_buf p;
	int n = snprintf(p.s, sizeof p.s, "%s/%s", dir, rel);
	assert_true(n > 0 && (size_t)n < sizeof p.s);
	return p;
}

/* mkdir -p, every level world-searchable (the unprivileged child reads it). */
static void mkdirs(const char *path)
{
	char tmp[1024];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; ; p++) {
		if (*p == '/' || *p == 0) {
			char c = *p;
			*p = 0;
			if (mkdir(tmp, 0755) && errno != EEXIST)
				fail_msg("mkdir %s: %s", tmp, strerror(errno));
			*p = c;
			if (!c)
				break;
		}
	}
	assert_int_equal(chmod(path, 0755), 0);
}

/* Write text (plus a newline, as sysfs does) to dir/rel, world-readable. */
static void put(const char *dir, const char *rel, const char *text)
{
	path_buf p = at(dir, rel);
	char line[512];
	int n = snprintf(line, sizeof line, "%s\n", text);
	tu_write_file(p.s, line, (size_t)n);
	assert_int_equal(chmod(p.s, 0644), 0);
}

/* A zone directory pc/entry with its name, range and counter. */
static void make_zone(const char *pc, const char *entry, const char *name, uint64_t max_uj,
		      uint64_t energy_uj)
{
	path_buf d = at(pc, entry);
	char num[32];
	mkdirs(d.s);
	put(d.s, "name", name);
	snprintf(num, sizeof num, "%llu", (unsigned long long)max_uj);
	put(d.s, "max_energy_range_uj", num);
	snprintf(num, sizeof num, "%llu", (unsigned long long)energy_uj);
	put(d.s, "energy_uj", num);
}

/* Replace a counter the way the kernel's is seen: a reader gets the old or
 * the new value, never a half-written file (write aside, then rename).
 * Returns 0 or -1; called from the helper thread, so it does not assert. */
static int set_counter(const char *pc, const char *entry, uint64_t v)
{
	char tmp[1024], dst[1024];
	snprintf(tmp, sizeof tmp, "%s/%s/.energy_uj.tmp", pc, entry);
	snprintf(dst, sizeof dst, "%s/%s/energy_uj", pc, entry);
	FILE *fp = fopen(tmp, "w");
	if (!fp)
		return -1;
	int bad = fprintf(fp, "%llu\n", (unsigned long long)v) < 0;
	bad |= fclose(fp) != 0;
	bad |= chmod(tmp, 0644) != 0;
	return bad || rename(tmp, dst) ? -1 : 0;
}

static void sleep_ms(int ms)
{
	struct timespec t = {0, (long)ms * 1000000L};
	nanosleep(&t, NULL);
}

static int find_channel(const lw_source *s, const char *name)
{
	for (int i = 0; i < s->n_channels; i++)
		if (!strcmp(s->channels[i].name, name))
			return i;
	return -1;
}

/* ---------------------------------------------------------------- the full tree */

/*
 * Every zone a real machine may show, with what one step of the helper
 * thread adds to its counter (µJ). Only package-0, package-1 and their dram
 * zones may count in packages mode; psys alone in psys mode. package-1's
 * counter starts near its small range and wraps during the run.
 */
typedef struct zone_spec {
	const char *entry, *name;
	uint64_t max_uj, start_uj, step_uj;
} zone_spec;

static const zone_spec full_tree[] = {
	{"intel-rapl:0", "package-0", 262143328850ull, 1000, 1500000},
	{"intel-rapl:0:0", "core", 262143328850ull, 5, 999999},
	{"intel-rapl:0:1", "uncore", 262143328850ull, 6, 999999},
	{"intel-rapl:0:2", "dram", 65712999613ull, 2000, 250000},
	{"intel-rapl:1", "package-1", 10000000, 9000000, 400000},
	{"intel-rapl:1:0", "core", 262143328850ull, 7, 999999},
	{"intel-rapl:1:1", "dram", 65712999613ull, 3000, 125000},
	{"intel-rapl:2", "psys", 262143328850ull, 4000, 3000000},
	{"intel-rapl-mmio:0", "package-0", 262143328850ull, 777, 7000000},
};
#define N_FULL (int)(sizeof full_tree / sizeof full_tree[0])
#define STEPS 20

/* A fresh root (world-searchable) with class/powercap and its zones. */
static char *make_tree(const zone_spec *zones, int n, char **pc_out)
{
	char *root = tu_tempdir();
	assert_int_equal(chmod(root, 0755), 0);
	path_buf pc = at(root, "class/powercap");
	mkdirs(pc.s);
	/* The control type: a directory without a counter. */
	path_buf ctl = at(pc.s, "intel-rapl");
	mkdirs(ctl.s);
	put(ctl.s, "enabled", "1");
	for (int i = 0; i < n; i++)
		make_zone(pc.s, zones[i].entry, zones[i].name, zones[i].max_uj, zones[i].start_uj);
	*pc_out = strdup(pc.s);
	return root;
}

typedef struct advancer {
	const char *pc;
	const zone_spec *zones;
	int n;
	volatile int done;   /* set by the thread when its last write is in */
	int failed;
	int wrapped;         /* a counter went past its range */
} advancer;

/* The helper thread: STEPS times, add each zone's step to its counter. */
static void *advance(void *arg)
{
	advancer *a = arg;
	uint64_t v[16];
	for (int i = 0; i < a->n; i++)
		v[i] = a->zones[i].start_uj;
	for (int k = 0; k < STEPS; k++) {
		for (int i = 0; i < a->n; i++) {
			v[i] += a->zones[i].step_uj;
			if (v[i] > a->zones[i].max_uj) {
				v[i] -= a->zones[i].max_uj;
				a->wrapped++;
			}
			a->failed |= set_counter(a->pc, a->zones[i].entry, v[i]) != 0;
		}
		sleep_ms(2);
	}
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Read s while the thread runs, checking that no channel ever goes down,
 * then once more after it ends; values gets the final joules. */
static void read_while_advancing(lw_source *s, const zone_spec *zones, int n, const char *pc,
				 double *values)
{
	advancer a = {pc, zones, n, 0, 0, 0};
	pthread_t t;
	lw_err err;
	double last[LW_METER_MAX_CHANNELS] = {0};
	assert_int_equal(pthread_create(&t, NULL, advance, &a), 0);
	do {
		lw_status st = s->read(s, values, &err);
		if (st)
			fail_msg("read during the run: %s", err.msg);
		for (int i = 0; i < s->n_channels; i++) {
			assert_true(values[i] >= last[i]);
			last[i] = values[i];
		}
		sleep_ms(1);
	} while (!__atomic_load_n(&a.done, __ATOMIC_ACQUIRE));
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(a.failed, 0);
	assert_int_equal(a.wrapped, 1);   /* package-1's, during the run */
	lw_status st = s->read(s, values, &err);
	if (st)
		fail_msg("final read: %s", err.msg);
	for (int i = 0; i < s->n_channels; i++)
		assert_true(values[i] >= last[i]);
}

/* Joules one zone advanced by over the run. */
static double expected_j(const char *entry)
{
	for (int i = 0; i < N_FULL; i++)
		if (!strcmp(full_tree[i].entry, entry))
			return STEPS * (double)full_tree[i].step_uj * 1e-6;
	fail_msg("no zone %s", entry);
	return 0;
}

/* The meter must agree within 2%; the source is in fact exact. */
static void assert_joules(double got, double want)
{
	if (!(got >= want * 0.98 && got <= want * 1.02))
		fail_msg("got %.9f J, expected %.9f J", got, want);
	assert_true(got - want < 1e-9 && want - got < 1e-9);
}

static void powercap_packages_sum_sockets_and_dram_only(void **state)
{
	(void)state;
	char *pc;
	char *root = make_tree(full_tree, N_FULL, &pc);
	lw_source *s = NULL;
	lw_err err;
	lw_status st = lw_rapl_powercap_open(root, LW_RAPL_PACKAGES, &s, &err);
	if (st)
		fail_msg("open: %s", err.msg);
	/* package-0 once (the MMIO copy dropped), no core, uncore or psys. */
	assert_int_equal(s->n_channels, 4);
	assert_string_equal(s->description, "rapl-powercap (2 packages, 2 dram zones)");
	const char *names[] = {"package-0", "package-0/dram", "package-1", "package-1/dram"};
	const lw_domain domains[] = {LW_DOMAIN_CPU, LW_DOMAIN_DRAM, LW_DOMAIN_CPU, LW_DOMAIN_DRAM};
	for (int i = 0; i < 4; i++) {
		int c = find_channel(s, names[i]);
		assert_true(c >= 0);
		assert_int_equal(s->channels[c].domain, domains[i]);
		assert_int_equal(s->channels[c].method, LW_METHOD_MEASURED);
		assert_int_equal(s->channels[c].kind, LW_CHANNEL_JOULES);
	}
	double v[LW_METER_MAX_CHANNELS];
	read_while_advancing(s, full_tree, N_FULL, pc, v);
	/* package-1's counter wrapped: it now reads below where it started. */
	uint64_t now;
	path_buf p1 = at(pc, "intel-rapl:1/energy_uj");
	assert_int_equal(lw_sysfile_read_u64(p1.s, &now, NULL, &err), LW_OK);
	assert_true(now < full_tree[4].start_uj);

	assert_joules(v[find_channel(s, "package-0")], expected_j("intel-rapl:0"));
	assert_joules(v[find_channel(s, "package-0/dram")], expected_j("intel-rapl:0:2"));
	assert_joules(v[find_channel(s, "package-1")], expected_j("intel-rapl:1"));
	assert_joules(v[find_channel(s, "package-1/dram")], expected_j("intel-rapl:1:1"));
	double cpu = 0, dram = 0;
	for (int i = 0; i < s->n_channels; i++)
		*(s->channels[i].domain == LW_DOMAIN_CPU ? &cpu : &dram) += v[i];
	assert_joules(cpu, STEPS * (1.5 + 0.4));
	assert_joules(dram, STEPS * (0.25 + 0.125));
	lw_source_close(s);
	tu_rmtree(root);
	free(root);
	free(pc);
}

static void powercap_psys_alone(void **state)
{
	(void)state;
	char *pc;
	char *root = make_tree(full_tree, N_FULL, &pc);
	lw_source *s = NULL;
	lw_err err;
	lw_status st = lw_rapl_powercap_open(root, LW_RAPL_PSYS, &s, &err);
	if (st)
		fail_msg("open: %s", err.msg);
	assert_int_equal(s->n_channels, 1);
	assert_string_equal(s->channels[0].name, "psys");
	assert_int_equal(s->channels[0].domain, LW_DOMAIN_CPU);
	assert_string_equal(s->description, "rapl-powercap (1 psys zone)");
	double v[LW_METER_MAX_CHANNELS];
	read_while_advancing(s, full_tree, N_FULL, pc, v);
	assert_joules(v[0], expected_j("intel-rapl:2"));
	lw_source_close(s);

	/* Psys asked for where there is none: absent, and said so. */
	char *pc2;
	char *root2 = make_tree(full_tree, 4, &pc2);
	assert_int_equal(lw_rapl_powercap_open(root2, LW_RAPL_PSYS, &s, &err), LW_ERR_STATE);
	assert_null(s);
	assert_non_null(strstr(err.msg, "no RAPL psys zone under"));
	tu_rmtree(root);
	tu_rmtree(root2);
	free(root);
	free(root2);
	free(pc);
	free(pc2);
}

static void powercap_mmio_zone_used_when_alone(void **state)
{
	(void)state;
	static const zone_spec mmio_only[] = {
		{"intel-rapl-mmio:0", "package-0", 262143328850ull, 50, 100000},
	};
	char *pc;
	char *root = make_tree(mmio_only, 1, &pc);
	lw_source *s = NULL;
	lw_err err;
	assert_int_equal(lw_rapl_powercap_open(root, LW_RAPL_PACKAGES, &s, &err), LW_OK);
	assert_int_equal(s->n_channels, 1);
	assert_string_equal(s->channels[0].name, "package-0");
	assert_string_equal(s->description, "rapl-powercap (1 package)");
	double v[LW_METER_MAX_CHANNELS];
	assert_int_equal(s->read(s, v, &err), LW_OK);
	assert_true(v[0] == 0);
	assert_int_equal(set_counter(pc, "intel-rapl-mmio:0", 50 + 2500000), 0);
	assert_int_equal(s->read(s, v, &err), LW_OK);
	assert_joules(v[0], 2.5);
	lw_source_close(s);
	tu_rmtree(root);
	free(root);
	free(pc);
}

static void powercap_absent_tree_is_state(void **state)
{
	(void)state;
	char *root = tu_tempdir();
	lw_source *s = NULL;
	lw_err err;
	assert_int_equal(lw_rapl_powercap_open(root, LW_RAPL_PACKAGES, &s, &err), LW_ERR_STATE);
	assert_null(s);
	assert_non_null(strstr(err.msg, "no RAPL zones under"));
	assert_non_null(strstr(err.msg, "/class/powercap"));
	/* Only the control type, no zones. */
	char *pc;
	char *root2 = make_tree(full_tree, 0, &pc);
	assert_int_equal(lw_rapl_powercap_open(root2, LW_RAPL_PACKAGES, &s, &err), LW_ERR_STATE);
	assert_null(s);
	assert_non_null(strstr(err.msg, "no RAPL zones under"));
	/* Zones, but none that counts (core only). */
	make_zone(pc, "intel-rapl:0:0", "core", 1000, 1);
	assert_int_equal(lw_rapl_powercap_open(root2, LW_RAPL_PACKAGES, &s, &err), LW_ERR_STATE);
	assert_null(s);
	tu_rmtree(root);
	tu_rmtree(root2);
	free(root);
	free(root2);
	free(pc);
}

/* ---------------------------------------------------------------- permissions */

/* Open the tree as the caller is; 0 if the outcome is as expected, else a
 * code saying what differed (this may run in a forked child: no asserts). */
static int check_open(const char *root, const char *pc, int want_ok)
{
	lw_source *s = NULL;
	lw_err err;
	lw_status st = lw_rapl_powercap_open(root, LW_RAPL_PACKAGES, &s, &err);
	if (want_ok) {
		int code = st != LW_OK ? 10 : s->n_channels != 4 ? 11 : 0;
		double v[LW_METER_MAX_CHANNELS];
		if (!code && s->read(s, v, &err))
			code = 12;
		lw_source_close(s);
		return code;
	}
	char hint[1200], path[1100];
	snprintf(hint, sizeof hint, "grant read access with: sudo chmod a+r %s/*/energy_uj", pc);
	snprintf(path, sizeof path, "RAPL: %s/intel-rapl:0/energy_uj is readable only by root", pc);
	if (st != LW_ERR_IO)
		return 20;
	if (s)
		return 21;
	if (!strstr(err.msg, hint))
		return 22;
	if (strncmp(err.msg, path, strlen(path)))
		return 23;
	return 0;
}

/* check_open as user nobody (root reads mode-000 files): the exit status
 * reports. 77: this system does not let us drop privileges. */
typedef struct open_case {
	const char *root, *pc;
	int want_ok;
} open_case;

static int run_open_case(void *ctx)
{
	const open_case *c = ctx;
	return check_open(c->root, c->pc, c->want_ok);
}

static int check_open_unprivileged(const char *root, const char *pc, int want_ok)
{
	open_case c = { root, pc, want_ok };
	return tu_as_nobody(run_open_case, &c);
}

static void powercap_unreadable_counter_says_how_to_grant(void **state)
{
	(void)state;
	char *pc;
	char *root = make_tree(full_tree, N_FULL, &pc);
	/* Readable by all: opens. */
	int code = check_open_unprivileged(root, pc, 1);
	if (code == 77) {
		tu_rmtree(root);
		free(root);
		free(pc);
		skip();
	}
	assert_int_equal(code, 0);
	/* Unused zones may be unreadable. */
	assert_int_equal(chmod(at(pc, "intel-rapl:0:0/energy_uj").s, 0), 0);
	assert_int_equal(chmod(at(pc, "intel-rapl:2/energy_uj").s, 0), 0);
	assert_int_equal(check_open_unprivileged(root, pc, 1), 0);
	/* A package's counter may not: one line, with the command. */
	assert_int_equal(chmod(at(pc, "intel-rapl:0/energy_uj").s, 0), 0);
	assert_int_equal(check_open_unprivileged(root, pc, 0), 0);
	tu_rmtree(root);
	free(root);
	free(pc);
}

/* ---------------------------------------------------------------- malformed */

static void powercap_malformed_and_vanishing_counters(void **state)
{
	(void)state;
	char *pc;
	char *root = make_tree(full_tree, N_FULL, &pc);
	lw_source *s = NULL;
	lw_err err;
	path_buf e0 = at(pc, "intel-rapl:0/energy_uj");
	put(pc, "intel-rapl:0/energy_uj", "12abc");
	assert_int_equal(lw_rapl_powercap_open(root, LW_RAPL_PACKAGES, &s, &err), LW_ERR_FORMAT);
	assert_null(s);
	assert_non_null(strstr(err.msg, e0.s));
	put(pc, "intel-rapl:0/energy_uj", "-5");
	assert_int_equal(lw_rapl_powercap_open(root, LW_RAPL_PACKAGES, &s, &err), LW_ERR_FORMAT);
	put(pc, "intel-rapl:0/energy_uj", "");
	assert_int_equal(lw_rapl_powercap_open(root, LW_RAPL_PACKAGES, &s, &err), LW_ERR_FORMAT);
	put(pc, "intel-rapl:0/energy_uj", "100");
	put(pc, "intel-rapl:0/max_energy_range_uj", "lots");
	assert_int_equal(lw_rapl_powercap_open(root, LW_RAPL_PACKAGES, &s, &err), LW_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "max_energy_range_uj"));
	put(pc, "intel-rapl:0/max_energy_range_uj", "262143328850");

	/* Mid-run: garbage, then a counter gone. */
	assert_int_equal(lw_rapl_powercap_open(root, LW_RAPL_PACKAGES, &s, &err), LW_OK);
	double v[LW_METER_MAX_CHANNELS];
	assert_int_equal(s->read(s, v, &err), LW_OK);
	put(pc, "intel-rapl:1/energy_uj", "nonsense");
	assert_int_equal(s->read(s, v, &err), LW_ERR_FORMAT);
	path_buf e1 = at(pc, "intel-rapl:1/energy_uj");
	assert_int_equal(unlink(e1.s), 0);
	assert_int_equal(s->read(s, v, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, e1.s));
	lw_source_close(s);
	tu_rmtree(root);
	free(root);
	free(pc);
}

/* ---------------------------------------------------------------- sysfile */

static void sysfile_reads_strictly(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char buf[16];
	uint64_t u;
	double d;
	int e = -1;
	lw_err err;
	path_buf f = at(dir, "f");
	put(dir, "f", "Joules");
	assert_int_equal(lw_sysfile_read(f.s, buf, sizeof buf, &e, &err), LW_OK);
	assert_string_equal(buf, "Joules");
	assert_int_equal(e, 0);
	put(dir, "f", "0123456789abcdef");   /* 17 bytes with the newline */
	assert_int_equal(lw_sysfile_read(f.s, buf, sizeof buf, &e, &err), LW_ERR_FORMAT);
	assert_non_null(strstr(err.msg, f.s));

	put(dir, "f", "18446744073709551615");
	assert_int_equal(lw_sysfile_read_u64(f.s, &u, NULL, &err), LW_OK);
	assert_true(u == UINT64_MAX);
	const char *bad_u64[] = {"18446744073709551616", "-1", " 7", "7 ", "0x10", "", "12abc"};
	for (size_t i = 0; i < sizeof bad_u64 / sizeof *bad_u64; i++) {
		put(dir, "f", bad_u64[i]);
		assert_int_equal(lw_sysfile_read_u64(f.s, &u, &e, &err), LW_ERR_FORMAT);
		assert_non_null(strstr(err.msg, f.s));
		assert_int_equal(e, 0);
	}
	put(dir, "f", "2.3283064365386962890625e-10");
	assert_int_equal(lw_sysfile_read_double(f.s, &d, NULL, &err), LW_OK);
	assert_true(d == 0x1p-32);
	const char *bad_double[] = {"1.5x", "", " 1", "inf", "nan", "1e999"};
	for (size_t i = 0; i < sizeof bad_double / sizeof *bad_double; i++) {
		put(dir, "f", bad_double[i]);
		assert_int_equal(lw_sysfile_read_double(f.s, &d, NULL, &err), LW_ERR_FORMAT);
	}

	path_buf missing = at(dir, "missing");
	assert_int_equal(lw_sysfile_read_u64(missing.s, &u, &e, &err), LW_ERR_IO);
	assert_int_equal(e, ENOENT);
	assert_false(lw_sysfile_denied(e));
	assert_true(lw_sysfile_denied(EACCES) && lw_sysfile_denied(EPERM));
	assert_non_null(strstr(err.msg, missing.s));

	char p[16];
	assert_int_equal(lw_sysfile_path(p, sizeof p, &err, "%s/%s", "/sys", "class"), LW_OK);
	assert_string_equal(p, "/sys/class");
	assert_int_equal(lw_sysfile_path(p, sizeof p, &err, "%s/%s", "/sys", "class/powercap"),
			 LW_ERR_ARG);
	tu_rmtree(dir);
	free(dir);
}

/* ---------------------------------------------------------------- perf_event */

#define SCALE_TEXT "2.3283064365386962890625e-10"
#define SCALE 0x1p-32

/* Fake perf_event: fd k+100 is the k-th open; the test sets the counts. */
typedef struct fake_perf {
	int fail_errno;      /* open number fail_at fails with this */
	int fail_at;
	int fail_read;       /* reads fail with EIO */
	int n_open, live;
	unsigned type[8];
	unsigned long long config[8];
	int cpu[8];
	unsigned long long count[8];
} fake_perf;

static int fake_open(void *ctx, unsigned type, unsigned long long config, int cpu)
{
	fake_perf *f = ctx;
	if (f->fail_errno && f->n_open == f->fail_at) {
		errno = f->fail_errno;
		return -1;
	}
	if (f->n_open == 8) {
		errno = EMFILE;
		return -1;
	}
	int k = f->n_open++;
	f->type[k] = type;
	f->config[k] = config;
	f->cpu[k] = cpu;
	f->live++;
	return k + 100;
}

static int fake_read(void *ctx, int fd, unsigned long long *value)
{
	fake_perf *f = ctx;
	if (f->fail_read) {
		errno = EIO;
		return -1;
	}
	*value = f->count[fd - 100];
	return 0;
}

static void fake_close(void *ctx, int fd)
{
	fake_perf *f = ctx;
	(void)fd;
	f->live--;
}

/* A power PMU under root: type 23, the CPUs given, energy-pkg, energy-ram
 * (if ram), energy-psys. */
static char *make_pmu(const char *cpumask, int ram)
{
	char *root = tu_tempdir();
	path_buf pmu = at(root, "bus/event_source/devices/power");
	path_buf ev = at(pmu.s, "events");
	path_buf fmt = at(pmu.s, "format");
	mkdirs(ev.s);
	mkdirs(fmt.s);
	put(pmu.s, "type", "23");
	put(pmu.s, "cpumask", cpumask);
	put(fmt.s, "event", "config:0-7");
	const char *events[][2] = {{"energy-pkg", "event=0x02"}, {"energy-psys", "event=0x05"},
				   {"energy-ram", "event=0x03"}};
	for (int i = 0; i < (ram ? 3 : 2); i++) {
		char name[64];
		put(ev.s, events[i][0], events[i][1]);
		snprintf(name, sizeof name, "%s.scale", events[i][0]);
		put(ev.s, name, SCALE_TEXT);
		snprintf(name, sizeof name, "%s.unit", events[i][0]);
		put(ev.s, name, "Joules");
	}
	return root;
}

static lw_perf_calls fake_calls(fake_perf *f)
{
	return (lw_perf_calls){fake_open, fake_read, fake_close, f};
}

static void perf_packages_and_dram_scaled(void **state)
{
	(void)state;
	char *root = make_pmu("0,1", 1);
	fake_perf f = {0};
	f.count[0] = 1000;
	f.count[1] = UINT64_MAX - 5;   /* wraps past 2^64 below */
	f.count[2] = 0;
	f.count[3] = 123456789;
	lw_perf_calls calls = fake_calls(&f);
	lw_source *s = NULL;
	lw_err err;
	lw_status st = lw_rapl_perf_open(root, LW_RAPL_PACKAGES, &calls, &s, &err);
	if (st)
		fail_msg("open: %s", err.msg);
	assert_int_equal(s->n_channels, 4);
	assert_string_equal(s->description, "rapl-perf (2 packages, 2 dram counters)");
	const char *names[] = {"package-0", "package-1", "dram-0", "dram-1"};
	const unsigned long long configs[] = {2, 2, 3, 3};
	const int cpus[] = {0, 1, 0, 1};
	for (int i = 0; i < 4; i++) {
		assert_string_equal(s->channels[i].name, names[i]);
		assert_int_equal(s->channels[i].domain, i < 2 ? LW_DOMAIN_CPU : LW_DOMAIN_DRAM);
		assert_int_equal(s->channels[i].kind, LW_CHANNEL_JOULES);
		assert_int_equal(s->channels[i].method, LW_METHOD_MEASURED);
		assert_int_equal(f.type[i], 23);
		assert_true(f.config[i] == configs[i]);
		assert_int_equal(f.cpu[i], cpus[i]);
	}
	double v[LW_METER_MAX_CHANNELS];
	assert_int_equal(s->read(s, v, &err), LW_OK);
	for (int i = 0; i < 4; i++)
		assert_true(v[i] == 0);
	const double joules[] = {10, 3, 0.5, 1234};
	for (int i = 0; i < 4; i++)
		f.count[i] += (unsigned long long)(joules[i] / SCALE);
	assert_int_equal(s->read(s, v, &err), LW_OK);
	for (int i = 0; i < 4; i++)
		assert_joules(v[i], joules[i]);
	/* A failing read names the event and CPU. */
	f.fail_read = 1;
	assert_int_equal(s->read(s, v, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, "energy-pkg on CPU 0"));
	lw_source_close(s);
	assert_int_equal(f.live, 0);
	tu_rmtree(root);
	free(root);
}

static void perf_psys_cpu_ranges_and_terms(void **state)
{
	(void)state;
	char *root = make_pmu("0-1", 0);
	path_buf pmu = at(root, "bus/event_source/devices/power");
	fake_perf f = {0};
	lw_perf_calls calls = fake_calls(&f);
	lw_source *s = NULL;
	lw_err err;
	/* psys: one counter for the whole machine, on the first CPU. */
	assert_int_equal(lw_rapl_perf_open(root, LW_RAPL_PSYS, &calls, &s, &err), LW_OK);
	assert_int_equal(s->n_channels, 1);
	assert_string_equal(s->channels[0].name, "psys");
	assert_string_equal(s->description, "rapl-perf (psys)");
	assert_int_equal(f.n_open, 1);
	assert_true(f.config[0] == 5);
	lw_source_close(s);
	/* A range of CPUs, no energy-ram: two packages, no dram. */
	f = (fake_perf){0};
	assert_int_equal(lw_rapl_perf_open(root, LW_RAPL_PACKAGES, &calls, &s, &err), LW_OK);
	assert_int_equal(s->n_channels, 2);
	assert_string_equal(s->description, "rapl-perf (2 packages)");
	assert_int_equal(f.cpu[1], 1);
	lw_source_close(s);
	/* Terms composed by their format files, as perf does. */
	put(pmu.s, "format/umask", "config:8-15");
	put(pmu.s, "events/energy-pkg", "event=0x02,umask=0x01");
	f = (fake_perf){0};
	assert_int_equal(lw_rapl_perf_open(root, LW_RAPL_PACKAGES, &calls, &s, &err), LW_OK);
	assert_true(f.config[0] == 0x102);
	lw_source_close(s);
	/* Terms without a format, or without event=: malformed. */
	const char *bad_terms[] = {"event=0x02,foo=1", "umask=0x01", "event", "event=zz",
				   "event=0x1ff"};
	for (size_t i = 0; i < sizeof bad_terms / sizeof *bad_terms; i++) {
		put(pmu.s, "events/energy-pkg", bad_terms[i]);
		lw_status st = lw_rapl_perf_open(root, LW_RAPL_PACKAGES, &calls, &s, &err);
		if (st == LW_OK)
			fail_msg("terms \"%s\" accepted", bad_terms[i]);
		assert_int_equal(st, LW_ERR_FORMAT);
		assert_null(s);
	}
	put(pmu.s, "events/energy-pkg", "event=0x02");
	/* Bad CPU lists. */
	const char *bad_masks[] = {"", "x", "1-0", "0,", "0-"};
	for (size_t i = 0; i < sizeof bad_masks / sizeof *bad_masks; i++) {
		put(pmu.s, "cpumask", bad_masks[i]);
		assert_int_equal(lw_rapl_perf_open(root, LW_RAPL_PACKAGES, &calls, &s, &err),
				 LW_ERR_FORMAT);
		assert_non_null(strstr(err.msg, "cpumask"));
	}
	assert_int_equal(f.live, 0);
	tu_rmtree(root);
	free(root);
}

static void perf_refusals(void **state)
{
	(void)state;
	char *root = make_pmu("0,48", 1);
	path_buf pmu = at(root, "bus/event_source/devices/power");
	fake_perf f = {0};
	lw_perf_calls calls = fake_calls(&f);
	lw_source *s = NULL;
	lw_err err;
	/* Not permitted, at the first or a later counter: one line with the
	 * sysctl, nothing left open. */
	const int errs[] = {EACCES, EPERM};
	for (int i = 0; i < 2; i++) {
		f = (fake_perf){.fail_errno = errs[i], .fail_at = i * 3};
		assert_int_equal(lw_rapl_perf_open(root, LW_RAPL_PACKAGES, &calls, &s, &err), LW_ERR_IO);
		assert_null(s);
		assert_non_null(strstr(err.msg, "kernel.perf_event_paranoid"));
		assert_non_null(strstr(err.msg, "sudo sysctl -w kernel.perf_event_paranoid=0"));
		assert_non_null(strstr(err.msg, "CAP_PERFMON"));
		assert_int_equal(f.live, 0);
	}
	/* Another refusal: the source is absent here. */
	f = (fake_perf){.fail_errno = ENOENT, .fail_at = 1};
	assert_int_equal(lw_rapl_perf_open(root, LW_RAPL_PACKAGES, &calls, &s, &err), LW_ERR_STATE);
	assert_non_null(strstr(err.msg, "CPU 48"));
	assert_int_equal(f.live, 0);
	/* The first read fails: nothing left open. */
	f = (fake_perf){.fail_read = 1};
	assert_int_equal(lw_rapl_perf_open(root, LW_RAPL_PACKAGES, &calls, &s, &err), LW_ERR_IO);
	assert_int_equal(f.live, 0);
	/* A unit other than Joules, a bad scale. */
	f = (fake_perf){0};
	put(pmu.s, "events/energy-ram.unit", "Kelvin");
	assert_int_equal(lw_rapl_perf_open(root, LW_RAPL_PACKAGES, &calls, &s, &err), LW_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "Kelvin"));
	assert_int_equal(f.live, 0);
	put(pmu.s, "events/energy-ram.unit", "Joules");
	put(pmu.s, "events/energy-pkg.scale", "0");
	assert_int_equal(lw_rapl_perf_open(root, LW_RAPL_PACKAGES, &calls, &s, &err), LW_ERR_FORMAT);
	put(pmu.s, "events/energy-pkg.scale", SCALE_TEXT);
	/* No energy-pkg event; no PMU at all. */
	assert_int_equal(unlink(at(pmu.s, "events/energy-pkg").s), 0);
	assert_int_equal(lw_rapl_perf_open(root, LW_RAPL_PACKAGES, &calls, &s, &err), LW_ERR_STATE);
	tu_rmtree(root);
	assert_int_equal(lw_rapl_perf_open(root, LW_RAPL_PACKAGES, &calls, &s, &err), LW_ERR_STATE);
	assert_null(s);
	assert_non_null(strstr(err.msg, "no RAPL perf_event PMU (power) under"));
	free(root);
}

/* The real system calls on a made-up PMU type: the kernel refuses (no such
 * PMU, or not permitted), and the source says so with a status. */
static void perf_real_syscalls_fail_cleanly(void **state)
{
	(void)state;
	char *root = make_pmu("0", 0);
	put(at(root, "bus/event_source/devices/power").s, "type", "1000000");
	const lw_perf_calls *real = lw_perf_syscalls();
	assert_non_null(real->open);
	assert_non_null(real->read);
	assert_non_null(real->close);
	lw_source *s = NULL;
	lw_err err;
	lw_status st = lw_rapl_perf_open(root, LW_RAPL_PACKAGES, real, &s, &err);
	assert_true(st == LW_ERR_STATE || st == LW_ERR_IO);
	assert_null(s);
	assert_non_null(strstr(err.msg, "RAPL perf_event"));
	tu_rmtree(root);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sysfile_reads_strictly),
		cmocka_unit_test(powercap_packages_sum_sockets_and_dram_only),
		cmocka_unit_test(powercap_psys_alone),
		cmocka_unit_test(powercap_mmio_zone_used_when_alone),
		cmocka_unit_test(powercap_absent_tree_is_state),
		cmocka_unit_test(powercap_unreadable_counter_says_how_to_grant),
		cmocka_unit_test(powercap_malformed_and_vanishing_counters),
		cmocka_unit_test(perf_packages_and_dram_scaled),
		cmocka_unit_test(perf_psys_cpu_ranges_and_terms),
		cmocka_unit_test(perf_refusals),
		cmocka_unit_test(perf_real_syscalls_fail_cleanly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
