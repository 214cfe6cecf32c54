/*
 * test_nvml.c — the NVML source (src/energy/nvml.c) on a fake
 * libnvidia-ml.so.1 (tests/fake_nvml.c, built by the Makefile into
 * $B/tests/fake_nvml/): GPUs with the energy counter, with power samples
 * only, both at once, broken ones, and a driver, library or symbol that is
 * not there.
 */
#include <time.h>

#include "testutil.h"

#include "energy/source.h"
#include "util/clock.h"

/* ---------------------------------------------------------------- helpers */

static char fake_path[4096];

static int setup_fake(void **state)
{
	(void)state;
	const char *b = getenv("B");
	snprintf(fake_path, sizeof fake_path, "%s/tests/fake_nvml/libnvidia-ml.so.1",
		 b && *b ? b : "build");
	if (access(fake_path, R_OK) != 0) {
		fprintf(stderr, "# %s missing: build it with make\n", fake_path);
		return -1;
	}
	return 0;
}

/* The fake's settings for the next lw_nvml_open (read by nvmlInit_v2). */
static void fake_env(const char *gpus, const char *mode, const char *watts)
{
	setenv("FAKE_NVML_GPUS", gpus, 1);
	setenv("FAKE_NVML_MODE", mode, 1);
	setenv("FAKE_NVML_WATTS", watts, 1);
	unsetenv("FAKE_NVML_BROKEN_GPU");
	unsetenv("FAKE_NVML_READ_FAIL");
}

/* Open the fake, which must succeed; *opened_at is the time just before. */
static lw_source *open_fake(double *opened_at)
{
	lw_source *s = NULL;
	lw_err err = {{0}};
	if (opened_at)
		*opened_at = lw_now_s();
	lw_status st = lw_nvml_open(fake_path, &s, &err);
	if (st != LW_OK)
		fprintf(stderr, "# %s\n", err.msg);
	assert_int_equal(st, LW_OK);
	assert_non_null(s);
	return s;
}

/* Open path, which must fail with want; the message into err. */
static void open_fails(const char *path, lw_status want, lw_err *err)
{
	lw_source *s = (lw_source *)1;
	assert_int_equal(lw_nvml_open(path, &s, err), want);
	assert_null(s);
}

static void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

/* ---------------------------------------------------------------- counter */

static void test_energy_counter_one_gpu(void **state)
{
	(void)state;
	fake_env("1", "energy", "250");
	double before_open;
	lw_source *s = open_fake(&before_open);
	double after_open = lw_now_s();
	assert_int_equal(s->n_channels, 1);
	assert_string_equal(s->channels[0].name, "GPU 0 Fake GPU 0");
	assert_int_equal(s->channels[0].domain, LW_DOMAIN_GPU);
	assert_int_equal(s->channels[0].method, LW_METHOD_MEASURED);
	assert_int_equal(s->channels[0].kind, LW_CHANNEL_JOULES);
	assert_string_equal(s->description, "nvml (energy counter, 1 GPU)");

	/* Right after open: the counter's value at open (123456 J) is subtracted. */
	double v[1] = {-1};
	lw_err err = {{0}};
	assert_int_equal(s->read(s, v, &err), LW_OK);
	assert_true(v[0] >= 0 && v[0] < 250 * (lw_now_s() - before_open) + 0.01);

	tu_sleep_s(0.2);
	double before_read = lw_now_s();
	assert_int_equal(s->read(s, v, &err), LW_OK);
	double after_read = lw_now_s();
	/* Energy counted between the counter's read in open and this read. */
	double lo = 250 * (before_read - after_open), hi = 250 * (after_read - before_open);
	assert_true(lo > 250 * 0.19);
	if (!(v[0] >= lo * 0.98 && v[0] <= hi * 1.02))
		fail_msg("%.3f J outside [%.3f, %.3f] J", v[0], lo * 0.98, hi * 1.02);
	lw_source_close(s);
}

static void test_energy_counter_two_gpus_sum(void **state)
{
	(void)state;
	fake_env("2", "energy", "100");
	double before_open;
	lw_source *s = open_fake(&before_open);
	double after_open = lw_now_s();
	assert_int_equal(s->n_channels, 2);
	assert_string_equal(s->channels[0].name, "GPU 0 Fake GPU 0");
	assert_string_equal(s->channels[1].name, "GPU 1 Fake GPU 1");
	assert_int_equal(s->channels[1].kind, LW_CHANNEL_JOULES);
	assert_string_equal(s->description, "nvml (energy counter, 2 GPUs)");

	tu_sleep_s(0.2);
	double v[2], before_read = lw_now_s();
	lw_err err = {{0}};
	assert_int_equal(s->read(s, v, &err), LW_OK);
	double after_read = lw_now_s();
	/* GPU 0 draws 100 W, GPU 1 200 W. */
	double lo = before_read - after_open, hi = after_read - before_open;
	for (int i = 0; i < 2; i++)
		if (!(v[i] >= 100 * (i + 1) * lo * 0.98 && v[i] <= 100 * (i + 1) * hi * 1.02))
			fail_msg("GPU %d: %.3f J for %.3f-%.3f s at %d W", i, v[i], lo, hi, 100 * (i + 1));
	double sum = v[0] + v[1];
	assert_true(sum >= 300 * lo * 0.98 && sum <= 300 * hi * 1.02);
	/* The second GPU's share is twice the first's (same interval). */
	assert_float_equal(v[1] / v[0], 2.0, 0.02);
	lw_source_close(s);
}

/* Successive reads never go down. */
static void test_energy_counter_monotonic(void **state)
{
	(void)state;
	fake_env("1", "energy", "250");
	lw_source *s = open_fake(NULL);
	double last = 0, v[1];
	lw_err err = {{0}};
	for (int i = 0; i < 50; i++) {
		assert_int_equal(s->read(s, v, &err), LW_OK);
		assert_true(v[0] >= last);
		last = v[0];
	}
	lw_source_close(s);
}

/* ---------------------------------------------------------------- power */

static void test_power_samples(void **state)
{
	(void)state;
	fake_env("2", "power", "150");
	lw_source *s = open_fake(NULL);
	assert_int_equal(s->n_channels, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(s->channels[i].kind, LW_CHANNEL_WATTS);
		assert_int_equal(s->channels[i].domain, LW_DOMAIN_GPU);
		assert_int_equal(s->channels[i].method, LW_METHOD_MEASURED);
	}
	assert_string_equal(s->channels[1].name, "GPU 1 Fake GPU 1");
	assert_string_equal(s->description, "nvml (power samples integrated over time, 2 GPUs)");
	double v[2];
	lw_err err = {{0}};
	assert_int_equal(s->read(s, v, &err), LW_OK);
	assert_float_equal(v[0], 150.0, 1e-9);
	assert_float_equal(v[1], 300.0, 1e-9);
	lw_source_close(s);
}

static void test_mixed(void **state)
{
	(void)state;
	fake_env("2", "mixed", "200");
	double before_open;
	lw_source *s = open_fake(&before_open);
	double after_open = lw_now_s();
	assert_int_equal(s->n_channels, 2);
	assert_int_equal(s->channels[0].kind, LW_CHANNEL_JOULES);
	assert_int_equal(s->channels[1].kind, LW_CHANNEL_WATTS);
	assert_string_equal(s->description, "nvml (1 GPU by energy counter, 1 by power samples)");
	tu_sleep_s(0.1);
	double v[2], before_read = lw_now_s();
	lw_err err = {{0}};
	assert_int_equal(s->read(s, v, &err), LW_OK);
	double after_read = lw_now_s();
	assert_true(v[0] >= 200 * (before_read - after_open) * 0.98);
	assert_true(v[0] <= 200 * (after_read - before_open) * 1.02);
	assert_float_equal(v[1], 400.0, 1e-9);
	lw_source_close(s);
}

/* ---------------------------------------------------------------- broken GPUs */

static void test_broken_gpu_skipped(void **state)
{
	(void)state;
	fake_env("3", "energy", "250");
	setenv("FAKE_NVML_BROKEN_GPU", "1", 1);
	lw_source *s = open_fake(NULL);
	assert_int_equal(s->n_channels, 2);
	assert_string_equal(s->channels[0].name, "GPU 0 Fake GPU 0");
	assert_string_equal(s->channels[1].name, "GPU 2 Fake GPU 2");
	assert_string_equal(s->description, "nvml (energy counter, 2 GPUs; "
			    "GPU 1 skipped: energy counter: GPU is lost)");
	double v[2];
	lw_err err = {{0}};
	assert_int_equal(s->read(s, v, &err), LW_OK);
	lw_source_close(s);
}

static void test_no_gpu_readable(void **state)
{
	(void)state;
	fake_env("1", "power", "250");
	setenv("FAKE_NVML_BROKEN_GPU", "0", 1);
	lw_err err = {{0}};
	open_fails(fake_path, LW_ERR_IO, &err);
	assert_contains(err.msg, "no GPU can be read");
	assert_contains(err.msg, "GPU 0 skipped: energy counter: GPU is lost");
}

static void test_read_error_mid_run(void **state)
{
	(void)state;
	for (int power = 0; power < 2; power++) {
		fake_env("1", power ? "power" : "energy", "250");
		lw_source *s = open_fake(NULL);
		double v[1];
		lw_err err = {{0}};
		assert_int_equal(s->read(s, v, &err), LW_OK);
		setenv("FAKE_NVML_READ_FAIL", "1", 1);
		assert_int_equal(s->read(s, v, &err), LW_ERR_IO);
		assert_contains(err.msg, "GPU 0");
		assert_contains(err.msg, power ? "power usage" : "energy counter");
		assert_contains(err.msg, "Unknown Error");
		unsetenv("FAKE_NVML_READ_FAIL");
		assert_int_equal(s->read(s, v, &err), LW_OK);
		lw_source_close(s);
	}
}

/* ---------------------------------------------------------------- absent */

static void test_init_fails(void **state)
{
	(void)state;
	fake_env("1", "init_fail", "250");
	lw_err err = {{0}};
	open_fails(fake_path, LW_ERR_STATE, &err);
	assert_contains(err.msg, "NVML");
	assert_contains(err.msg, "Driver Not Loaded");
}

static void test_zero_gpus(void **state)
{
	(void)state;
	fake_env("0", "energy", "250");
	lw_err err = {{0}};
	open_fails(fake_path, LW_ERR_STATE, &err);
	assert_string_equal(err.msg, "NVML: no GPU");
}

static void test_library_not_found(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *path = tu_path(dir, "libnvidia-ml.so.1");
	lw_err err = {{0}};
	open_fails(path, LW_ERR_STATE, &err);
	assert_contains(err.msg, "not found");
	assert_contains(err.msg, path);

	/* A file that is there but no library: loading fails, and says why. */
	tu_write_file(path, "not an ELF file", 15);
	open_fails(path, LW_ERR_STATE, &err);
	assert_contains(err.msg, "cannot load");
	tu_rmtree(dir);
	free(path);
	free(dir);
}

/* The default name: on a machine without the driver, "not found"; where a
 * real driver is installed the source opens, and says it reads GPUs. */
static void test_default_library(void **state)
{
	(void)state;
	lw_source *s = NULL;
	lw_err err = {{0}};
	lw_status st = lw_nvml_open(NULL, &s, &err);
	if (st == LW_OK) {
		assert_true(s->n_channels >= 1);
		assert_int_equal(strncmp(s->description, "nvml (", 6), 0);
		lw_source_close(s);
		return;
	}
	assert_null(s);
	assert_contains(err.msg, "NVML");
	if (strstr(err.msg, "not found"))
		assert_string_equal(err.msg, "NVML: libnvidia-ml.so.1 not found (no NVIDIA driver)");
}

static void test_symbol_missing(void **state)
{
	(void)state;
	lw_err err = {{0}};
	open_fails("libm.so.6", LW_ERR_STATE, &err);
	assert_string_equal(err.msg, "NVML: libm.so.6 has no nvmlInit_v2 (driver too old?)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_energy_counter_one_gpu),
		cmocka_unit_test(test_energy_counter_two_gpus_sum),
		cmocka_unit_test(test_energy_counter_monotonic),
		cmocka_unit_test(test_power_samples),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_broken_gpu_skipped),
		cmocka_unit_test(test_no_gpu_readable),
		cmocka_unit_test(test_read_error_mid_run),
		cmocka_unit_test(test_init_fails),
		cmocka_unit_test(test_zero_gpus),
		cmocka_unit_test(test_library_not_found),
		cmocka_unit_test(test_default_library),
		cmocka_unit_test(test_symbol_missing),
	};
	return cmocka_run_group_tests(tests, setup_fake, NULL);
}
