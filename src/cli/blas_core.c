/*
 * blas_core.c — choosing OpenBLAS's kernel set before the program runs
 * (blas_core.h). The choice is made in the dynamic loader's time, so the
 * only way to undo an inherited OPENBLAS_CORETYPE is to start again
 * without it: execv of /proc/self/exe keeps the process id, the arguments
 * and every other variable, and costs a few milliseconds.
 *
 * The marker variable tells the new process what happened:
 *   LOWWATT_BLAS_ENV=<pid>:<kernels the variable gave>:<the variable's value>
 * The process id makes a marker inherited by some unrelated lowwatt (one
 * started from a shell that exported it) harmless: it is not ours.
 */
#include "cli/blas_core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cblas.h>
#include <jansson.h>

#include "cli/args.h"
#include "lowwatt/dist.h"
#include "util/alloc.h"

#define CORETYPE_VAR "OPENBLAS_CORETYPE"
#define MARKER_VAR "LOWWATT_BLAS_ENV"

/* The commands whose speed or output depends on the kernels. The others
 * neither re-execute nor print a notice (their stderr stays one line). */
static const char *const BLAS_COMMANDS[] = {
	"train", "eval", "generate", "fill-mask", "--version", "version",
};

static int uses_blas(const char *cmd)
{
	for (size_t i = 0; i < sizeof BLAS_COMMANDS / sizeof *BLAS_COMMANDS; i++)
		if (strcmp(cmd, BLAS_COMMANDS[i]) == 0)
			return 1;
	return 0;
}

/* The value of --name in argv[2..argc), "--name V" or "--name=V"; the last
 * one wins, as in cli_parse. *missing: the last one had no value. */
static const char *flag_value(int argc, char **argv, const char *name, int *missing)
{
	const char *value = NULL;
	size_t len = strlen(name);
	*missing = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, len) != 0)
			continue;
		if (a[2 + len] == '=') {
			value = a + 3 + len;
			*missing = 0;
		} else if (a[2 + len] == 0) {
			*missing = i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0;
			value = *missing ? NULL : argv[++i];
		}
	}
	return value;
}

/* The "blas_core" setting of a --config file, copied into buf, or NULL. A
 * file that cannot be read is not this function's to report: the settings
 * parser does that with the file's name and the key. */
static const char *config_value(int argc, char **argv, char *buf, size_t size)
{
	int missing;
	const char *path = flag_value(argc, argv, "config", &missing);
	if (!path)
		return NULL;
	json_t *root = json_load_file(path, 0, NULL);
	json_t *v = json_object_get(root, "blas_core");
	const char *value = NULL;
	if (json_is_string(v)) {
		snprintf(buf, size, "%s", json_string_value(v));
		value = buf;
	}
	json_decref(root);
	return value;
}

/* In the re-executed process: print the notice if the environment's kernels
 * were not the CPU's own, and remove the marker. Returns 1 if this process
 * is the re-executed one. */
static int report_reexec(void)
{
	const char *marker = getenv(MARKER_VAR);
	if (!marker)
		return 0;
	char *end;
	long pid = strtol(marker, &end, 10);
	const char *forced = *end == ':' ? end + 1 : NULL;
	const char *value = forced ? strchr(forced, ':') : NULL;
	int ours = value && pid == (long)getpid();
	/* The ranks of an MPI job: said once, by rank 0. */
	if (ours && lw_dist_launched_rank() == 0) {
		const char *detected = blas_core_name();
		size_t flen = (size_t)(value - forced);
		if (strlen(detected) != flen || strncasecmp(forced, detected, flen) != 0)
			fprintf(stderr,
				"lowwatt: " CORETYPE_VAR "=%s would force %.*s kernels, not the %s "
				"ones this CPU supports; using %s (--blas-core env keeps the "
				"environment's choice)\n",
				value + 1, (int)flen, forced, detected, detected);
	}
	unsetenv(MARKER_VAR);
	return ours;
}

/* Start again without OPENBLAS_CORETYPE; returns only if execv failed. */
static void reexec_without_env(char **argv)
{
	const char *env = getenv(CORETYPE_VAR);
	if (!env || !*env)
		return;
	char *value = lw_xstrdup(env, "environment value");
	const char *kernels = blas_core_name();
	size_t n = strlen(value) + strlen(kernels) + 32;
	char *marker = lw_xmalloc(n, "environment value");
	snprintf(marker, n, "%ld:%s:%s", (long)getpid(), kernels, value);
	setenv(MARKER_VAR, marker, 1);
	unsetenv(CORETYPE_VAR);
	fflush(NULL);
	execv("/proc/self/exe", argv);
	int e = errno;
	setenv(CORETYPE_VAR, value, 1);
	unsetenv(MARKER_VAR);
	fprintf(stderr,
		"lowwatt: cannot restart without " CORETYPE_VAR "=%s (/proc/self/exe: %s); "
		"going on with its %s kernels\n",
		value, strerror(e), kernels);
	free(marker);
	free(value);
}

int blas_core_select(int argc, char **argv)
{
	if (argc < 2 || !uses_blas(argv[1]))
		return 0;
	int missing;
	const char *mode = flag_value(argc, argv, "blas-core", &missing);
	if (missing) {
		fprintf(stderr, "lowwatt: --blas-core needs a value: auto or env\n");
		return CLI_USAGE;
	}
	if (mode && strcmp(mode, "auto") != 0 && strcmp(mode, "env") != 0) {
		fprintf(stderr, "lowwatt: --blas-core expects auto or env, got '%s'\n", mode);
		return CLI_USAGE;
	}
	char buf[16];
	if (!mode)
		mode = config_value(argc, argv, buf, sizeof buf);
	if (report_reexec())
		return 0;
	/* A bad value in a --config file counts as auto here; the settings
	 * parser rejects it, naming the file. */
	if (!mode || strcmp(mode, "env") != 0)
		reexec_without_env(argv);
	return 0;
}

const char *blas_core_name(void)
{
	return openblas_get_corename();
}

void blas_core_describe(char *buf, size_t size)
{
	/* openblas_get_config(): "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ..." */
	const char *config = openblas_get_config();
	const char *space = strchr(config, ' ');
	int name_len = (int)strlen(config);
	if (space && strchr(space + 1, ' '))
		name_len = (int)(strchr(space + 1, ' ') - config);
	int parallel = openblas_get_parallel();
	const char *model = parallel == 2 ? "OpenMP" : parallel == 1 ? "pthreads" : "sequential";
	int threads = openblas_get_num_threads();
	const char *env = getenv(CORETYPE_VAR);
	snprintf(buf, size, "%.*s, kernels %s%s%s%s, %s, %d thread%s", name_len, config,
		 blas_core_name(), env && *env ? " (" CORETYPE_VAR "=" : "", env && *env ? env : "",
		 env && *env ? ")" : "", model, threads, threads == 1 ? "" : "s");
}
