/*
 * test_train_energy.c — a training run that knows its joules: the
 * forecast arithmetic against hand-computed figures, and whole runs metered
 * on a fabricated RAPL tree whose package counter the test advances by one
 * joule at every step (so the run's energy is a count of steps, exact and
 * independent of the machine's speed): energy in events, metrics.csv and
 * checkpoints, the first prediction, a budget that stops a run cleanly,
 * and a resume that carries the energy on.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#include "lowwatt/checkpoint.h"
#include "lowwatt/trainer.h"

/* ------------------------------------------------------------ forecasts */

static void test_forecast_due(void **state)
{
	(void)state;
	/* Every 100 of 400: 100, 200, 300 and the end (400). */
	assert_int_equal(lw_forecast_due(0, 400, 100), 4);
	assert_int_equal(lw_forecast_due(127, 400, 100), 3);
	assert_int_equal(lw_forecast_due(399, 400, 100), 1);
	assert_int_equal(lw_forecast_due(400, 400, 100), 0);
	/* A plan that does not end on a multiple: 20, 40 and the end (50). */
	assert_int_equal(lw_forecast_due(0, 50, 20), 3);
	assert_int_equal(lw_forecast_due(40, 50, 20), 1);
	/* Only at the end. */
	assert_int_equal(lw_forecast_due(3, 50, 0), 1);
	assert_int_equal(lw_forecast_due(60, 50, 0), 0);
}

static void test_forecast_total_and_fit(void **state)
{
	(void)state;
	lw_forecast_input in = {
		.steps_done = 90, .steps_planned = 1800, .eval_every = 200, .save_every = 0,
		.energy_j = 1000, .step_j = 20, .eval_j = 50, .save_j = 5,
	};
	/* 1000 + 20 x 1710 + 50 x (200..1600: 8, and the end) + 5 x 1 */
	assert_float_equal(lw_forecast_total_j(&in), 1000 + 20 * 1710 + 50 * 9 + 5, 1e-9);
	/* Room 10000 - 1000 - 50 - 5 = 8945 at 20 + 50/200 J a step: 441. */
	assert_int_equal(lw_forecast_steps_fitting(&in, 10000), 441);
	/* Nothing left, or less than the end costs. */
	assert_int_equal(lw_forecast_steps_fitting(&in, 1000), 0);
	assert_int_equal(lw_forecast_steps_fitting(&in, 1054), 0);
	/* Free steps fit without limit. */
	in.step_j = 0;
	in.eval_every = 0;
	assert_int_equal(lw_forecast_steps_fitting(&in, 2000), LONG_MAX);
}

static void test_methods(void **state)
{
	(void)state;
	assert_int_equal(lw_method_combine(LW_METHOD_MEASURED, LW_METHOD_ESTIMATED),
			 LW_METHOD_ESTIMATED);
	assert_int_equal(lw_method_combine(LW_METHOD_NONE, LW_METHOD_MEASURED),
			 LW_METHOD_MEASURED);
	assert_int_equal(lw_method_combine(LW_METHOD_NONE, LW_METHOD_NONE), LW_METHOD_NONE);
	lw_run_energy e = { .metered = 1,
			    .method = { LW_METHOD_MEASURED, LW_METHOD_ESTIMATED, LW_METHOD_NONE } };
	assert_string_equal(lw_run_energy_method(&e), "mixed");
	e.method[1] = LW_METHOD_MEASURED;
	assert_string_equal(lw_run_energy_method(&e), "measured");
	e.method[0] = e.method[1] = LW_METHOD_ESTIMATED;
	assert_string_equal(lw_run_energy_method(&e), "estimated");
	e.metered = 0;
	assert_string_equal(lw_run_energy_method(&e), "none");
}

/* ------------------------------------------------------------ fixtures */

#define V 29
#define FIRST_SPECIAL 24
#define MASK_ID 28

typedef struct fixture {
	tu_shards sh;
	char *sys;
	lw_train_data data;
} fixture;

static void write_text(const char *dir, const char *name, const char *text)
{
	char *path = tu_path(dir, name);
	tu_write_file(path, text, strlen(text));
	free(path);
}

/* sys/class/powercap with package-0 (the counter the test advances) and a
 * dram zone that stays still: cpu and dram both measured, exactly. */
static char *make_powercap(const char *root)
{
	char *sys = tu_path(root, "sys");
	const char *dirs[] = { "", "/class", "/class/powercap", "/class/powercap/intel-rapl:0",
			       "/class/powercap/intel-rapl:0:0" };
	char path[4096];
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		snprintf(path, sizeof path, "%s%s", sys, dirs[i]);
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
	}
	snprintf(path, sizeof path, "%s/class/powercap/intel-rapl:0", sys);
	write_text(path, "name", "package-0\n");
	write_text(path, "max_energy_range_uj", "262143328850\n");
	write_text(path, "energy_uj", "1000\n");
	snprintf(path, sizeof path, "%s/class/powercap/intel-rapl:0:0", sys);
	write_text(path, "name", "dram\n");
	write_text(path, "max_energy_range_uj", "262143328850\n");
	write_text(path, "energy_uj", "77\n");
	return sys;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	tu_shards_open(&f->sh, V, 0xabcd);
	f->data = (lw_train_data){ &f->sh.train, &f->sh.val, 0xabcd, FIRST_SPECIAL, MASK_ID };
	f->sys = make_powercap(f->sh.dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	tu_shards_close(&f->sh);
	free(f->sys);
	free(f);
	return 0;
}

static lw_train_config tiny_config(long steps)
{
	lw_train_config c;
	lw_train_config_default(&c);
	c.model = (lw_model_config){ .arch = LW_ARCH_MLM, .layers = 1, .d_model = 16, .heads = 2, .d_ff = 32, .seq = 16, .vocab = V };
	c.batch = 4;
	c.steps = steps;
	c.warmup = 2;
	c.lr = 3e-3f;
	c.eval_every = 0;
	c.eval_batches = 4;
	c.save_every = 0;
	c.log_every = 1;
	c.threads = 1;
	return c;
}

/* ------------------------------------------------------------ the observer */

/* Advances package-0 by one joule at every step, and keeps what the run
 * said. */
typedef struct watcher {
	const char *sys;
	unsigned long long uj;
	long steps, predictions, budget_events;
	lw_energy_prediction first;
	double last_total_j;
	int energy_decreased;
	double step_sleep_s;   /* a slower step, for rows far enough apart */
} watcher;

static void write_counter(const watcher *w)
{
	char dir[4096], text[64];
	snprintf(dir, sizeof dir, "%s/class/powercap/intel-rapl:0", w->sys);
	snprintf(text, sizeof text, "%llu\n", w->uj);
	write_text(dir, "energy_uj", text);
}

static void advance(watcher *w)
{
	w->uj += 1000000;
	write_counter(w);
}

static int watch(const lw_train_event *ev, void *ctx)
{
	watcher *w = ctx;
	if (ev->energy.total_j < w->last_total_j)
		w->energy_decreased = 1;
	w->last_total_j = ev->energy.total_j;
	switch (ev->kind) {
	case LW_TRAIN_STEP:
		w->steps++;
		advance(w);
		if (w->step_sleep_s > 0)
			tu_sleep_s(w->step_sleep_s);
		break;
	case LW_TRAIN_PREDICTION:
		if (w->predictions++ == 0)
			w->first = ev->prediction;
		break;
	case LW_TRAIN_BUDGET:
		w->budget_events++;
		break;
	default:
		break;
	}
	return 0;
}

static lw_meter *open_meter(const fixture *f)
{
	lw_meter_options o;
	lw_meter_options_default(&o);
	o.sysfs_root = f->sys;
	o.no_gpu = 1;
	lw_meter *m = NULL;
	lw_err err = {0};
	assert_int_equal(lw_meter_open(&o, &m, &err), LW_OK);
	assert_int_equal(lw_meter_start(m, &err), LW_OK);
	return m;
}

/* One invocation under a fresh meter; the counter goes on from w->uj. */
static lw_status run_metered(const fixture *f, const lw_train_config *c, const char *dir,
			     int resume, double budget_j, watcher *w, lw_train_result *res,
			     lw_err *err)
{
	write_counter(w);
	lw_meter *m = open_meter(f);
	lw_train_options o = {
		.resume = resume, .obs = watch, .ctx = w,
		.energy = { .meter = m, .co2e_g_per_j = 0.5, .budget_j = budget_j },
	};
	lw_status st = lw_train(c, &f->data, dir, &o, res, err);
	lw_meter_free(m);
	return st;
}

static char *fresh_run_dir(const fixture *f, const char *name)
{
	char *dir = tu_path(f->sh.dir, name);
	assert_int_equal(mkdir(dir, 0777), 0);
	return dir;
}

/* The last line of dir/metrics.csv, split at commas into fields. */
static int last_metrics_row(const char *dir, char fields[16][32])
{
	char *path = tu_path(dir, "metrics.csv");
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	char line[1024], last[1024] = "";
	while (fgets(line, sizeof line, fp))
		strcpy(last, line);
	fclose(fp);
	free(path);
	int n = 0;
	const char *p = last;
	for (; n < 16; n++) {
		size_t k = strcspn(p, ",\n");
		snprintf(fields[n], 32, "%.*s", (int)k, p);
		if (p[k] != ',')
			return n + 1;
		p += k + 1;
	}
	return n;
}

/* Each row's power times the time since the row before is the energy
 * between them (within the rounding of a 5 ms interval to 0.1 ms): a row's
 * time and energy are read at the same moment. */
static void check_power_matches_energy(const char *dir)
{
	char *path = tu_path(dir, "metrics.csv");
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	char line[1024];
	double last_s = 0, last_j = 0;
	int rows = 0;
	assert_non_null(fgets(line, sizeof line, fp));  /* the header */
	while (fgets(line, sizeof line, fp)) {
		double f[16] = {0};
		const char *p = line;
		for (int i = 0; i < 16; i++) {
			f[i] = strtod(p, NULL);
			p += strcspn(p, ",");
			p += *p == ',';
		}
		double seconds = f[6], power = f[9], joules = f[10];
		if (rows++ > 0)
			assert_float_equal(power * (seconds - last_s), joules - last_j,
					   0.05 * (joules - last_j));
		last_s = seconds;
		last_j = joules;
	}
	fclose(fp);
	free(path);
	assert_true(rows > 1);
}

/* ------------------------------------------------------------ whole runs */

/* Every step costs one joule: the run's energy is its step count, in the
 * result, the events, metrics.csv and the checkpoint; the first prediction
 * comes after 5% of the steps and is exact for a run this regular. */
static void test_metered_run(void **state)
{
	fixture *f = *state;
	lw_train_config c = tiny_config(40);
	c.eval_every = 10;
	c.eval_batches = 200;   /* evaluations long enough to see in the rows' times */
	char *dir = fresh_run_dir(f, "metered");
	watcher w = { .sys = f->sys, .uj = 1000, .step_sleep_s = 0.005 };
	lw_train_result res;
	lw_err err = {0};
	assert_int_equal(run_metered(f, &c, dir, 0, 0, &w, &res, &err), LW_OK);
	assert_int_equal(res.stopped_by, LW_STOP_PLAN);
	assert_true(res.energy.metered);
	assert_float_equal(res.energy.joules[LW_DOMAIN_CPU], 40.0, 1e-9);
	assert_float_equal(res.energy.joules[LW_DOMAIN_DRAM], 0.0, 1e-12);
	assert_float_equal(res.energy.total_j, 40.0, 1e-9);
	assert_float_equal(res.energy.co2e_g, 20.0, 1e-9);
	assert_int_equal(res.energy.method[LW_DOMAIN_CPU], LW_METHOD_MEASURED);
	assert_int_equal(res.energy.method[LW_DOMAIN_GPU], LW_METHOD_NONE);
	assert_false(w.energy_decreased);
	/* 5% of 40 steps: after step 2, at 1 J a step for the 38 left, the
	 * evaluations and the checkpoint (whose first cost is estimated from
	 * the time it takes to write); then after the evaluations of steps 10,
	 * 20 and 30. */
	assert_int_equal(w.predictions, 4);
	assert_int_equal(res.first_prediction.step, 2);
	assert_int_equal(w.first.step, 2);
	assert_true(res.first_prediction.energy_j > 39 && res.first_prediction.energy_j < 500);
	assert_true(res.eval_sequences == 4 * (uint64_t)c.eval_batches * (uint64_t)c.batch);
	char fields[16][32];
	assert_int_equal(last_metrics_row(dir, fields), 16);
	assert_string_equal(fields[0], "40");
	assert_float_equal(strtod(fields[10], NULL), 40.0, 1e-3);  /* energy_j */
	assert_float_equal(strtod(fields[11], NULL), 20.0, 1e-3);  /* co2e_g */
	assert_string_equal(fields[12], "measured");
	assert_float_equal(strtod(fields[13], NULL), 40.0, 1e-3);  /* cpu_j */
	assert_string_equal(fields[15], "");                       /* gpu_j */
	check_power_matches_energy(dir);
	char *ck = tu_path(dir, "checkpoint.lwck");
	lw_checkpoint x = {0};
	assert_int_equal(lw_checkpoint_load(ck, &x, &err), LW_OK);
	assert_true(x.energy.metered);
	assert_float_equal(x.energy.joules[LW_DOMAIN_CPU], 40.0, 1e-9);
	assert_int_equal(x.first_prediction.step, 2);
	lw_checkpoint_free(&x);
	free(ck);
	free(dir);
}

/* A budget of 25 J for a 60-step plan: the run stops cleanly (a final
 * evaluation and checkpoint) within the budget, says so, and a resume
 * without the budget finishes the plan with every joule counted once. */
static void test_budget_stops_and_resume_continues(void **state)
{
	fixture *f = *state;
	lw_train_config c = tiny_config(60);
	char *dir = fresh_run_dir(f, "budget");
	watcher w = { .sys = f->sys, .uj = 1000 };
	lw_train_result res;
	lw_err err = {0};
	assert_int_equal(run_metered(f, &c, dir, 0, 25.0, &w, &res, &err), LW_OK);
	print_message("# stopped by the budget after step %ld at %.1f J\n", res.steps,
		      res.energy.total_j);
	assert_int_equal(res.stopped_by, LW_STOP_BUDGET);
	assert_true(res.stopped_early);
	assert_int_equal(w.budget_events, 1);
	assert_true(res.steps >= 1 && res.steps < 25);
	assert_true(res.energy.total_j <= 25.0);
	assert_true(isfinite(res.val.loss));
	char *ck = tu_path(dir, "checkpoint.lwck");
	lw_checkpoint x = {0};
	assert_int_equal(lw_checkpoint_load(ck, &x, &err), LW_OK);
	assert_int_equal((long)x.step, res.steps);
	assert_float_equal(x.energy.total_j, (double)res.steps, 1e-9);
	lw_checkpoint_free(&x);
	char fields[16][32];
	last_metrics_row(dir, fields);
	assert_int_equal(strtol(fields[0], NULL, 10), res.steps);

	/* The same budget again: spent before the first step. */
	long stopped_at = res.steps;
	w.budget_events = 0;
	assert_int_equal(run_metered(f, &c, dir, 1, (double)stopped_at - 0.5, &w, &res, &err),
			 LW_OK);
	assert_int_equal(res.stopped_by, LW_STOP_BUDGET);
	assert_int_equal(res.steps, stopped_at);
	assert_int_equal(w.budget_events, 1);

	/* No budget: the plan is finished, and the run's energy counts each
	 * step's joule once over the three invocations. */
	assert_int_equal(run_metered(f, &c, dir, 1, 0, &w, &res, &err), LW_OK);
	assert_int_equal(res.stopped_by, LW_STOP_PLAN);
	assert_int_equal(res.steps, 60);
	assert_float_equal(res.energy.joules[LW_DOMAIN_CPU], 60.0, 1e-9);
	assert_float_equal(res.energy.co2e_g, 30.0, 1e-9);
	last_metrics_row(dir, fields);
	assert_string_equal(fields[0], "60");
	assert_float_equal(strtod(fields[10], NULL), 60.0, 1e-3);
	free(ck);
	free(dir);
}

/* A run that was not metered still counts its seconds, and writes its
 * energy columns empty. */
static void test_unmetered_run(void **state)
{
	fixture *f = *state;
	lw_train_config c = tiny_config(5);
	char *dir = fresh_run_dir(f, "unmetered");
	lw_train_result res;
	lw_err err = {0};
	lw_train_options o = {0};
	assert_int_equal(lw_train(&c, &f->data, dir, &o, &res, &err), LW_OK);
	assert_false(res.energy.metered);
	assert_true(res.energy.seconds > 0);
	assert_int_equal(res.first_prediction.step, 0);
	char fields[16][32];
	assert_int_equal(last_metrics_row(dir, fields), 16);
	for (int i = 9; i < 16; i++)
		assert_string_equal(fields[i], "");
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forecast_due),
		cmocka_unit_test(test_forecast_total_and_fit),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_metered_run),
		cmocka_unit_test(test_budget_stops_and_resume_continues),
		cmocka_unit_test(test_unmetered_run),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
