/*
 * fake_nvml.c — a stand-in for NVIDIA's libnvidia-ml.so.1, built as a shared
 * library for tests/test_nvml.c, which dlopens it as lowwatt dlopens the
 * real one. It implements the eight NVML calls lowwatt uses, with NVML's
 * signatures and error codes, on GPUs that draw a constant power.
 *
 * Behaviour comes from the environment, read by nvmlInit_v2:
 *   FAKE_NVML_GPUS        number of GPUs (default 1, at most FAKE_MAX_GPUS)
 *   FAKE_NVML_MODE        energy    every GPU has the total-energy counter
 *                                   (default)
 *                         power     the counter answers NOT_SUPPORTED: only
 *                                   power samples
 *                         mixed     GPU 0 has the counter, the others not
 *                         init_fail nvmlInit_v2 fails (DRIVER_NOT_LOADED)
 *   FAKE_NVML_WATTS       GPU i draws watts x (i + 1) (default 250), so
 *                         that per-GPU figures and their sum are checkable
 *   FAKE_NVML_BROKEN_GPU  index of a GPU whose counter and power queries
 *                         fail with GPU_IS_LOST (default none)
 * and, read at every counter or power query (so that a test can break a
 * running source):
 *   FAKE_NVML_READ_FAIL   when set, those queries fail with UNKNOWN.
 *
 * The counter reads FAKE_START_MJ + watts x (seconds since nvmlInit_v2) x
 * 1000 mJ: a real counter counts from driver load, so lowwatt must subtract
 * its value at open. nvmlShutdown resets everything.
 *
 * NVML keeps process-wide state behind its API, so this fake does too (the
 * one global below); it does not depend on lowwatt's code.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int nvmlReturn_t;

/* NVML's codes, as its header numbers them. */
enum {
	NVML_SUCCESS = 0,
	NVML_ERROR_UNINITIALIZED = 1,
	NVML_ERROR_INVALID_ARGUMENT = 2,
	NVML_ERROR_NOT_SUPPORTED = 3,
	NVML_ERROR_INSUFFICIENT_SIZE = 7,
	NVML_ERROR_DRIVER_NOT_LOADED = 9,
	NVML_ERROR_GPU_IS_LOST = 15,
	NVML_ERROR_UNKNOWN = 999,
};

#define FAKE_MAX_GPUS 64
#define FAKE_START_MJ 123456789ULL

typedef struct fake_device {
	unsigned index;
} fake_device;

typedef fake_device *nvmlDevice_t;

static struct {
	int initialised;
	unsigned gpus;
	char mode[16];
	double watts;
	long broken_gpu;            /* -1: none */
	struct timespec start;
	fake_device devices[FAKE_MAX_GPUS];
} fake;

static long env_long(const char *name, long fallback)
{
	const char *v = getenv(name);
	return v && *v ? strtol(v, NULL, 10) : fallback;
}

static double seconds_since_init(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - fake.start.tv_sec) +
	       1e-9 * (double)(now.tv_nsec - fake.start.tv_nsec);
}

/* The device behind a handle, or NULL for a stale or foreign one. */
static fake_device *lookup(nvmlDevice_t device)
{
	if (!fake.initialised || device < fake.devices || device >= fake.devices + fake.gpus)
		return NULL;
	return device;
}

/* Whether a counter or power query on d fails now, and with what. */
static nvmlReturn_t query_failure(const fake_device *d)
{
	if (getenv("FAKE_NVML_READ_FAIL"))
		return NVML_ERROR_UNKNOWN;
	if ((long)d->index == fake.broken_gpu)
		return NVML_ERROR_GPU_IS_LOST;
	return NVML_SUCCESS;
}

static int has_counter(const fake_device *d)
{
	return strcmp(fake.mode, "energy") == 0 || (strcmp(fake.mode, "mixed") == 0 && d->index == 0);
}

static double gpu_watts(const fake_device *d)
{
	return fake.watts * (double)(d->index + 1);
}

nvmlReturn_t nvmlInit_v2(void)
{
	const char *mode = getenv("FAKE_NVML_MODE");
	snprintf(fake.mode, sizeof fake.mode, "%s", mode && *mode ? mode : "energy");
	if (strcmp(fake.mode, "init_fail") == 0)
		return NVML_ERROR_DRIVER_NOT_LOADED;
	long gpus = env_long("FAKE_NVML_GPUS", 1);
	fake.gpus = gpus < 0 ? 0 : gpus > FAKE_MAX_GPUS ? FAKE_MAX_GPUS : (unsigned)gpus;
	const char *watts = getenv("FAKE_NVML_WATTS");
	fake.watts = watts && *watts ? strtod(watts, NULL) : 250.0;
	fake.broken_gpu = env_long("FAKE_NVML_BROKEN_GPU", -1);
	for (unsigned i = 0; i < FAKE_MAX_GPUS; i++)
		fake.devices[i].index = i;
	clock_gettime(CLOCK_MONOTONIC, &fake.start);
	fake.initialised = 1;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlShutdown(void)
{
	if (!fake.initialised)
		return NVML_ERROR_UNINITIALIZED;
	memset(&fake, 0, sizeof fake);
	return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t rc)
{
	switch (rc) {
	case NVML_SUCCESS: return "Success";
	case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
	case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
	case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
	case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
	case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
	case NVML_ERROR_GPU_IS_LOST: return "GPU is lost";
	default: return "Unknown Error";
	}
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
	if (!fake.initialised)
		return NVML_ERROR_UNINITIALIZED;
	if (!count)
		return NVML_ERROR_INVALID_ARGUMENT;
	*count = fake.gpus;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
	if (!fake.initialised)
		return NVML_ERROR_UNINITIALIZED;
	if (index >= fake.gpus || !device)
		return NVML_ERROR_INVALID_ARGUMENT;
	*device = &fake.devices[index];
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
	fake_device *d = lookup(device);
	if (!d || !name)
		return d ? NVML_ERROR_INVALID_ARGUMENT : NVML_ERROR_UNINITIALIZED;
	if ((unsigned)snprintf(name, length, "Fake GPU %u", d->index) >= length)
		return NVML_ERROR_INSUFFICIENT_SIZE;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *mj)
{
	fake_device *d = lookup(device);
	if (!d || !mj)
		return d ? NVML_ERROR_INVALID_ARGUMENT : NVML_ERROR_UNINITIALIZED;
	nvmlReturn_t rc = query_failure(d);
	if (rc != NVML_SUCCESS)
		return rc;
	if (!has_counter(d))
		return NVML_ERROR_NOT_SUPPORTED;
	*mj = FAKE_START_MJ + (unsigned long long)(gpu_watts(d) * seconds_since_init() * 1000.0);
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *mw)
{
	fake_device *d = lookup(device);
	if (!d || !mw)
		return d ? NVML_ERROR_INVALID_ARGUMENT : NVML_ERROR_UNINITIALIZED;
	nvmlReturn_t rc = query_failure(d);
	if (rc != NVML_SUCCESS)
		return rc;
	*mw = (unsigned int)(gpu_watts(d) * 1000.0);
	return NVML_SUCCESS;
}
