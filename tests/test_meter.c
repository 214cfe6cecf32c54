/*
 * test_meter.c — the machine description, the estimate and the meter
 * (sampling thread, integration, labels), on fabricated /proc and /sys trees.
 *
 * The fabricated /proc/stat is advanced by the test between reads by known
 * tick counts, so the busy share of each interval is known exactly; the
 * expected joules are that share x the model's watts x the elapsed time the
 * test measures itself.
 */
#include <math.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "testutil.h"

#include "energy/source.h"
#include "lowwatt/machine.h"
#include "lowwatt/meter.h"
#include "util/clock.h"

/* ---------------------------------------------------------------- trees */

typedef struct tree {
	char *root;          /* holds proc/ and sys/ */
	char *proc, *sys;
	unsigned long long busy, idle;   /* /proc/stat ticks written last */
} tree;

static void write_atomic(const char *dir, const char *name, const char *text)
{
	char *path = tu_path(dir, name);
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	tu_write_file(tmp, text, strlen(text));
	assert_int_equal(rename(tmp, path), 0);
	free(path);
}

/* Write /proc/stat with the totals in t (user = busy, idle = idle). */
static void write_stat(tree *t)
{
	char text[512];
	snprintf(text, sizeof text,
		 "cpu  %llu 0 0 %llu 0 0 0 777 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 1 2 3\n", t->busy,
		 t->idle);
	write_atomic(t->proc, "stat", text);
}

static void advance_stat(tree *t, unsigned long long busy, unsigned long long idle)
{
	t->busy += busy;
	t->idle += idle;
	write_stat(t);
}

static const char *CPUINFO_VM =
	"processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\n"
	"physical id\t: 0\nflags\t\t: fpu vme hypervisor avx512f\n\n"
	"processor\t: 1\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\n"
	"physical id\t: 0\nflags\t\t: fpu vme hypervisor avx512f\n\n";

static const char *MEMINFO = "MemTotal:       16777216 kB\nMemFree:         1000 kB\n"
			     "MemAvailable:    4194304 kB\n";

static void make_tree(tree *t, const char *cpuinfo)
{
	t->root = tu_tempdir();
	t->proc = tu_path(t->root, "proc");
	t->sys = tu_path(t->root, "sys");
	assert_int_equal(mkdir(t->proc, 0755), 0);
	assert_int_equal(mkdir(t->sys, 0755), 0);
	write_atomic(t->proc, "cpuinfo", cpuinfo);
	write_atomic(t->proc, "meminfo", MEMINFO);
	t->busy = 1000;
	t->idle = 5000;
	write_stat(t);
}

static void free_tree(tree *t)
{
	tu_rmtree(t->root);
	free(t->root);
	free(t->proc);
	free(t->sys);
}

/* ---------------------------------------------------------------- machine */

static void test_machine_describe(void **state)
{
	(void)state;
	tree t;
	make_tree(&t, CPUINFO_VM);
	lw_machine m;
	lw_err err = {{0}};
	assert_int_equal(lw_machine_describe(t.proc, &m, &err), LW_OK);
	assert_string_equal(m.cpu_model, "AMD EPYC");
	assert_int_equal(m.logical_cpus, 2);
	assert_int_equal(m.sockets, 1);
	assert_int_equal(m.virtual_machine, 1);
	assert_true(fabs(m.mem_total_gib - 16.0) < 1e-9);
	assert_true(fabs(m.mem_available_gib - 4.0) < 1e-9);

	/* Two sockets, bare metal, a known model. */
	write_atomic(t.proc, "cpuinfo",
		     "processor : 0\nmodel name : Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\n"
		     "physical id : 0\nflags : fpu avx512f\n\nprocessor : 1\n"
		     "model name : Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\nphysical id : 1\n"
		     "flags : fpu avx512f hypervisorx\n");
	assert_int_equal(lw_machine_describe(t.proc, &m, &err), LW_OK);
	assert_int_equal(m.sockets, 2);
	assert_int_equal(m.virtual_machine, 0);   /* "hypervisorx" is not the flag */

	/* Broken files are errors naming the file. */
	write_atomic(t.proc, "meminfo", "MemFree: 12 kB\n");
	assert_int_equal(lw_machine_describe(t.proc, &m, &err), LW_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "meminfo"));
	write_atomic(t.proc, "meminfo", MEMINFO);
	write_atomic(t.proc, "cpuinfo", "");
	assert_int_equal(lw_machine_describe(t.proc, &m, &err), LW_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "cpuinfo"));
	free_tree(&t);
}

static void test_cpu_times(void **state)
{
	(void)state;
	tree t;
	make_tree(&t, CPUINFO_VM);
	lw_err err = {{0}};
	lw_cpu_times a, b;
	assert_int_equal(lw_machine_cpu_times(t.proc, &a, &err), LW_OK);
	double tick = 1.0 / (double)sysconf(_SC_CLK_TCK);
	assert_true(fabs(a.busy_s - 1000 * tick) < 1e-9);   /* steal (777) left out */
	assert_true(fabs(a.idle_s - 5000 * tick) < 1e-9);
	advance_stat(&t, 25, 75);
	assert_int_equal(lw_machine_cpu_times(t.proc, &b, &err), LW_OK);
	assert_true(fabs(lw_cpu_utilisation(&a, &b) - 0.25) < 1e-12);
	assert_true(lw_cpu_utilisation(&b, &b) == 0.0);
	/* A counter going backwards (a fabricated or reset tree) is not negative. */
	assert_true(lw_cpu_utilisation(&b, &a) >= 0.0);

	write_atomic(t.proc, "stat", "intr 1 2 3\n");
	assert_int_equal(lw_machine_cpu_times(t.proc, &a, &err), LW_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "stat"));
	char *stat = tu_path(t.proc, "stat");
	unlink(stat);
	free(stat);
	assert_int_equal(lw_machine_cpu_times(t.proc, &a, &err), LW_ERR_IO);
	free_tree(&t);
}

/* ---------------------------------------------------------------- estimate */

/* Open the estimate, let dt pass at the given busy share, read it. */
static void estimate_joules(tree *t, double share, double *cpu_j, double *dram_j, double *dt,
			    char *cpu_detail, size_t size)
{
	int want[LW_DOMAIN_COUNT] = {1, 1, 0};
	lw_source *s = NULL;
	lw_err err = {{0}};
	assert_int_equal(lw_estimate_open(t->proc, want, &s, &err), LW_OK);
	assert_int_equal(s->n_channels, 2);
	double t0 = lw_now_s();
	tu_sleep_s(0.2);
	advance_stat(t, (unsigned long long)(share * 1000), (unsigned long long)((1 - share) * 1000));
	double v[LW_METER_MAX_CHANNELS];
	assert_int_equal(s->read(s, v, &err), LW_OK);
	*dt = lw_now_s() - t0;
	for (int c = 0; c < s->n_channels; c++) {
		assert_int_equal(s->channels[c].method, LW_METHOD_ESTIMATED);
		assert_int_equal(s->channels[c].kind, LW_CHANNEL_JOULES);
		if (s->channels[c].domain == LW_DOMAIN_CPU) {
			*cpu_j = v[c];
			snprintf(cpu_detail, size, "%s", s->channels[c].detail);
		} else {
			*dram_j = v[c];
		}
	}
	lw_source_close(s);
}

static void test_estimate_unknown_model(void **state)
{
	(void)state;
	tree t;
	make_tree(&t, CPUINFO_VM);
	double cpu, dram, dt;
	char detail[256];
	estimate_joules(&t, 0.5, &cpu, &dram, &dt, detail, sizeof detail);
	/* Virtual machine: 4 W per logical CPU x 2 CPUs x 50% busy. */
	assert_true(fabs(cpu - 0.5 * 8.0 * dt) < 0.02 * 0.5 * 8.0 * dt);
	/* 16 GiB x 0.375 W/GiB, at any utilisation. */
	assert_true(fabs(dram - 6.0 * dt) < 0.02 * 6.0 * dt);
	assert_non_null(strstr(detail, "4.0 W x 2 CPUs"));
	assert_non_null(strstr(detail, "virtual machine"));

	/* Idle machine: no cpu energy, the memory still draws power. */
	estimate_joules(&t, 0.0, &cpu, &dram, &dt, detail, sizeof detail);
	assert_true(cpu == 0.0);
	assert_true(dram > 0.0);
	free_tree(&t);
}

static void test_estimate_known_model(void **state)
{
	(void)state;
	tree t;
	make_tree(&t, "processor : 0\nmodel name : Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\n"
		      "physical id : 0\n\nprocessor : 1\n"
		      "model name : Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\nphysical id : 1\n");
	double cpu, dram, dt;
	char detail[256];
	estimate_joules(&t, 1.0, &cpu, &dram, &dt, detail, sizeof detail);
	/* Bare metal, in the TDP table: 150 W x 2 sockets at full load. */
	assert_true(fabs(cpu - 300.0 * dt) < 0.02 * 300.0 * dt);
	assert_non_null(strstr(detail, "150 W TDP"));
	assert_non_null(strstr(detail, "2 sockets"));

	/* Not in the table: the per-CPU default, and the text says why. */
	write_atomic(t.proc, "cpuinfo", "processor : 0\nmodel name : Imaginary CPU 9000\n");
	estimate_joules(&t, 1.0, &cpu, &dram, &dt, detail, sizeof detail);
	assert_true(fabs(cpu - 4.0 * dt) < 0.02 * 4.0 * dt);
	assert_non_null(strstr(detail, "not in the TDP table"));
	free_tree(&t);
}

/* ---------------------------------------------------------------- meter */

static lw_meter *open_meter(const tree *t, double interval, const char *nvml)
{
	lw_meter_options o;
	lw_meter_options_default(&o);
	o.interval_s = interval;
	o.procfs_root = t->proc;
	o.sysfs_root = t->sys;
	o.nvml_path = nvml;
	lw_meter *m = NULL;
	lw_err err = {{0}};
	assert_int_equal(lw_meter_open(&o, &m, &err), LW_OK);
	return m;
}

static void test_meter_estimate(void **state)
{
	(void)state;
	tree t;
	make_tree(&t, CPUINFO_VM);
	lw_meter *m = open_meter(&t, 0.01, "/nonexistent/libnvidia-ml.so.1");
	lw_err err = {{0}};
	lw_meter_reading r;
	assert_int_equal(lw_meter_read(m, &r, &err), LW_ERR_STATE);   /* not started */
	double t0 = lw_now_s();
	assert_int_equal(lw_meter_start(m, &err), LW_OK);
	assert_int_equal(lw_meter_start(m, &err), LW_ERR_STATE);
	double last_j = 0;
	for (int i = 0; i < 5; i++) {   /* fully busy in 5 steps of 60 ms */
		tu_sleep_s(0.06);
		advance_stat(&t, 100, 0);
		assert_int_equal(lw_meter_read(m, &r, &err), LW_OK);
		assert_true(r.joules[LW_DOMAIN_CPU] >= last_j);
		last_j = r.joules[LW_DOMAIN_CPU];
	}
	assert_int_equal(lw_meter_stop(m, &r, &err), LW_OK);
	double wall = lw_now_s() - t0;
	assert_true(r.elapsed_s <= wall && r.elapsed_s > 0.9 * wall);
	assert_true(r.samples >= 10);    /* the thread ticks every 10 ms */
	assert_int_equal(r.method[LW_DOMAIN_CPU], LW_METHOD_ESTIMATED);
	assert_int_equal(r.method[LW_DOMAIN_DRAM], LW_METHOD_ESTIMATED);
	assert_int_equal(r.method[LW_DOMAIN_GPU], LW_METHOD_NONE);
	assert_non_null(strstr(r.source[LW_DOMAIN_GPU], "not found"));
	assert_non_null(strstr(r.source[LW_DOMAIN_CPU], "estimate"));
	/* The meter's first sample is at start: the cpu share of the first
	 * interval is what the tree said then (busy), so all of it counts. */
	assert_true(fabs(r.joules[LW_DOMAIN_CPU] - 8.0 * r.elapsed_s) < 0.1 * 8.0 * r.elapsed_s);
	assert_true(fabs(r.joules[LW_DOMAIN_DRAM] - 6.0 * r.elapsed_s) < 0.02 * 6.0 * r.elapsed_s);
	assert_true(fabs(r.cpu_utilisation - 1.0) < 1e-9);
	assert_true(r.cpu_busy_s > 0);
	assert_true(r.sampler_cpu_s >= 0 && r.sampler_cpu_s < wall);
	assert_int_equal(r.n_channels, 2);

	/* Stopped: the totals stay, and further reads do not move them. */
	lw_meter_reading again;
	tu_sleep_s(0.03);
	assert_int_equal(lw_meter_read(m, &again, &err), LW_OK);
	assert_true(again.joules[LW_DOMAIN_CPU] == r.joules[LW_DOMAIN_CPU]);
	assert_int_equal(lw_meter_stop(m, NULL, &err), LW_ERR_STATE);
	lw_meter_free(m);
	free_tree(&t);
}

static void test_meter_options(void **state)
{
	(void)state;
	tree t;
	make_tree(&t, CPUINFO_VM);
	lw_meter_options o;
	lw_meter_options_default(&o);
	assert_true(o.interval_s == 1.0);
	o.procfs_root = t.proc;
	o.sysfs_root = t.sys;
	lw_meter *m = NULL;
	lw_err err = {{0}};
	double bad[] = {0.001, 0.0, -1.0, 4000.0, NAN};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		o.interval_s = bad[i];
		assert_int_equal(lw_meter_open(&o, &m, &err), LW_ERR_ARG);
		assert_null(m);
		assert_non_null(strstr(err.msg, "interval"));
	}
	/* No /proc/stat at all: not even the estimate can be made. */
	o.interval_s = 1.0;
	char *stat = tu_path(t.proc, "stat");
	unlink(stat);
	free(stat);
	assert_int_not_equal(lw_meter_open(&o, &m, &err), LW_OK);
	assert_non_null(strstr(err.msg, "stat"));
	free_tree(&t);
	assert_string_equal(lw_domain_name(LW_DOMAIN_DRAM), "dram");
	assert_string_equal(lw_method_name(LW_METHOD_ESTIMATED), "estimated");
	assert_string_equal(lw_method_name(LW_METHOD_NONE), "none");
}

/* A meter at the default interval, stopped at once, stops at once: the
 * thread waits on a condition, not in sleep(). */
static void test_meter_stops_promptly(void **state)
{
	(void)state;
	tree t;
	make_tree(&t, CPUINFO_VM);
	lw_meter *m = open_meter(&t, 1.0, "/nonexistent/libnvidia-ml.so.1");
	lw_err err = {{0}};
	double t0 = lw_now_s();
	assert_int_equal(lw_meter_start(m, &err), LW_OK);
	tu_sleep_s(0.05);
	lw_meter_reading r;
	assert_int_equal(lw_meter_stop(m, &r, &err), LW_OK);
	assert_true(lw_now_s() - t0 < 0.5);
	assert_int_equal(r.samples, 2);    /* start and stop */
	lw_meter_free(m);
	/* Freed while running: stops the thread itself. */
	m = open_meter(&t, 0.01, "/nonexistent/libnvidia-ml.so.1");
	assert_int_equal(lw_meter_start(m, &err), LW_OK);
	tu_sleep_s(0.03);
	lw_meter_free(m);
	free_tree(&t);
}

/* ---------------------------------------------------------------- measured */

/* A powercap zone: dir name, zone name, counter, counter range. */
typedef struct zone {
	const char *dir, *name;
	unsigned long long uj, max, step;   /* step: added at each tick */
} zone;

static void write_zone_counter(const char *sys, const zone *z)
{
	char dir[4096], text[64];
	snprintf(dir, sizeof dir, "%s/class/powercap/%s", sys, z->dir);
	snprintf(text, sizeof text, "%llu\n", z->uj);
	write_atomic(dir, "energy_uj", text);
}

static void make_zone(const char *sys, const zone *z)
{
	char dir[4096], text[64];
	snprintf(dir, sizeof dir, "%s/class", sys);
	mkdir(dir, 0755);
	snprintf(dir, sizeof dir, "%s/class/powercap", sys);
	mkdir(dir, 0755);
	snprintf(dir, sizeof dir, "%s/class/powercap/%s", sys, z->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(text, sizeof text, "%s\n", z->name);
	write_atomic(dir, "name", text);
	snprintf(text, sizeof text, "%llu\n", z->max);
	write_atomic(dir, "max_energy_range_uj", text);
	write_zone_counter(sys, z);
}

typedef struct advancer {
	const char *sys;
	zone *zones;
	int n_zones, ticks;
} advancer;

/* Advance every counter by its step every 5 ms, wrapping at its range. */
static void *advance_zones(void *arg)
{
	advancer *a = arg;
	for (int t = 0; t < a->ticks; t++) {
		tu_sleep_s(0.005);
		for (int i = 0; i < a->n_zones; i++) {
			zone *z = &a->zones[i];
			z->uj = (z->uj + z->step) % (z->max + 1);
			write_zone_counter(a->sys, z);
		}
	}
	return NULL;
}

/* Two packages (package-1 wraps several times), their dram zones, core
 * and uncore inside them, psys, and an mmio copy of package-0 advancing
 * differently: the meter must count packages and dram once each. */
static void test_meter_powercap(void **state)
{
	(void)state;
	tree t;
	make_tree(&t, CPUINFO_VM);
	zone zones[] = {
		{"intel-rapl:0", "package-0", 5000, 262143328850ULL, 4000, },
		{"intel-rapl:0:0", "core", 0, 262143328850ULL, 3999, },
		{"intel-rapl:0:1", "uncore", 0, 262143328850ULL, 1000, },
		{"intel-rapl:0:2", "dram", 7, 262143328850ULL, 500, },
		{"intel-rapl:1", "package-1", 990000, 999999, 30000, },
		{"intel-rapl:1:0", "dram", 0, 262143328850ULL, 700, },
		{"intel-rapl:2", "psys", 0, 262143328850ULL, 99999, },
		{"intel-rapl-mmio:0", "package-0", 0, 262143328850ULL, 12345, },
	};
	int n = sizeof zones / sizeof *zones;
	for (int i = 0; i < n; i++)
		make_zone(t.sys, &zones[i]);
	lw_meter *m = open_meter(&t, 0.01, "/nonexistent/libnvidia-ml.so.1");
	lw_err err = {{0}};
	assert_int_equal(lw_meter_start(m, &err), LW_OK);
	advancer a = {t.sys, zones, n, 60};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, advance_zones, &a), 0);
	pthread_join(th, NULL);
	lw_meter_reading r;
	assert_int_equal(lw_meter_stop(m, &r, &err), LW_OK);
	double cpu = 60 * (4000 + 30000) * 1e-6, dram = 60 * (500 + 700) * 1e-6;
	/* Each wrap of package-1 may be off by the counter's last unit (1 uJ). */
	assert_true(fabs(r.joules[LW_DOMAIN_CPU] - cpu) < 1e-5);
	assert_true(fabs(r.joules[LW_DOMAIN_DRAM] - dram) < 1e-9);
	assert_int_equal(r.method[LW_DOMAIN_CPU], LW_METHOD_MEASURED);
	assert_int_equal(r.method[LW_DOMAIN_DRAM], LW_METHOD_MEASURED);
	assert_non_null(strstr(r.source[LW_DOMAIN_CPU], "rapl-powercap"));
	assert_int_equal(r.n_channels, 4);    /* no estimate beside the sensors */
	assert_true(r.samples > 5);
	lw_meter_free(m);

	/* --rapl psys: psys alone, dram included in it. */
	lw_meter_options o;
	lw_meter_options_default(&o);
	o.interval_s = 0.01;
	o.rapl = LW_RAPL_PSYS;
	o.procfs_root = t.proc;
	o.sysfs_root = t.sys;
	o.no_gpu = 1;
	assert_int_equal(lw_meter_open(&o, &m, &err), LW_OK);
	assert_int_equal(lw_meter_start(m, &err), LW_OK);
	a.ticks = 10;
	assert_int_equal(pthread_create(&th, NULL, advance_zones, &a), 0);
	pthread_join(th, NULL);
	assert_int_equal(lw_meter_stop(m, &r, &err), LW_OK);
	assert_true(fabs(r.joules[LW_DOMAIN_CPU] - 10 * 99999 * 1e-6) < 1e-9);
	assert_int_equal(r.method[LW_DOMAIN_DRAM], LW_METHOD_NONE);
	assert_true(r.joules[LW_DOMAIN_DRAM] == 0.0);
	assert_non_null(strstr(r.source[LW_DOMAIN_DRAM], "psys"));
	lw_meter_free(m);
	free_tree(&t);
}

/* The fake NVML library (tests/fake_nvml.c), built beside the tests. */
static void fake_nvml_path(char *buf, size_t size)
{
	const char *b = getenv("B");
	snprintf(buf, size, "%s/tests/fake_nvml/libnvidia-ml.so.1", b && *b ? b : "build");
}

/* Power samples only: the meter integrates them (trapezoid rule); a
 * constant 200 W + 400 W over the run gives exactly 600 W x elapsed. */
static void test_meter_gpu_power_samples(void **state)
{
	(void)state;
	tree t;
	make_tree(&t, CPUINFO_VM);
	char lib[4096];
	fake_nvml_path(lib, sizeof lib);
	setenv("FAKE_NVML_GPUS", "2", 1);
	setenv("FAKE_NVML_MODE", "power", 1);
	setenv("FAKE_NVML_WATTS", "200", 1);
	lw_meter *m = open_meter(&t, 0.01, lib);
	lw_err err = {{0}};
	assert_int_equal(lw_meter_start(m, &err), LW_OK);
	tu_sleep_s(0.2);
	lw_meter_reading r;
	assert_int_equal(lw_meter_stop(m, &r, &err), LW_OK);
	assert_int_equal(r.method[LW_DOMAIN_GPU], LW_METHOD_MEASURED);
	assert_true(fabs(r.joules[LW_DOMAIN_GPU] - 600.0 * r.elapsed_s) < 1e-6);
	assert_non_null(strstr(r.source[LW_DOMAIN_GPU], "power samples"));
	int gpus = 0;
	for (int c = 0; c < r.n_channels; c++)
		if (r.channels[c].domain == LW_DOMAIN_GPU)
			gpus++;
	assert_int_equal(gpus, 2);
	lw_meter_free(m);

	/* The energy counter: within 2% of 600 W x elapsed. */
	setenv("FAKE_NVML_MODE", "energy", 1);
	m = open_meter(&t, 0.01, lib);
	assert_int_equal(lw_meter_start(m, &err), LW_OK);
	tu_sleep_s(0.2);
	assert_int_equal(lw_meter_stop(m, &r, &err), LW_OK);
	assert_true(fabs(r.joules[LW_DOMAIN_GPU] - 600.0 * r.elapsed_s) < 0.02 * 600.0 * r.elapsed_s);
	assert_non_null(strstr(r.source[LW_DOMAIN_GPU], "energy counter"));
	lw_meter_free(m);

	/* A driver that fails to start: no GPU figure, and the reason. */
	setenv("FAKE_NVML_MODE", "init_fail", 1);
	m = open_meter(&t, 0.01, lib);
	assert_int_equal(lw_meter_start(m, &err), LW_OK);
	assert_int_equal(lw_meter_stop(m, &r, &err), LW_OK);
	assert_int_equal(r.method[LW_DOMAIN_GPU], LW_METHOD_NONE);
	assert_non_null(strstr(r.source[LW_DOMAIN_GPU], "Driver Not Loaded"));
	lw_meter_free(m);
	free_tree(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_machine_describe),
		cmocka_unit_test(test_cpu_times),
		cmocka_unit_test(test_estimate_unknown_model),
		cmocka_unit_test(test_estimate_known_model),
		cmocka_unit_test(test_meter_estimate),
		cmocka_unit_test(test_meter_options),
		cmocka_unit_test(test_meter_stops_promptly),
		cmocka_unit_test(test_meter_powercap),
		cmocka_unit_test(test_meter_gpu_power_samples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
