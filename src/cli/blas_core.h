/*
 * blas_core.h — which OpenBLAS kernel set lowwatt runs on.
 *
 * Debian's OpenBLAS is built with DYNAMIC_ARCH: it carries kernels for many
 * CPUs and picks one while the library loads, before main, from
 * OPENBLAS_CORETYPE if the environment sets it, else by asking the CPU. An
 * inherited OPENBLAS_CORETYPE=Haswell on an AVX-512 machine halves GEMM
 * speed, and nothing after loading can change the choice. So
 * `--blas-core auto` (the default) re-executes the program once without
 * the variable and says so in one line when the environment's choice
 * differed from the CPU's; `--blas-core env` keeps the environment's choice.
 */
#ifndef LW_CLI_BLAS_CORE_H
#define LW_CLI_BLAS_CORE_H

#include <stddef.h>

/* Call first thing in main, with main's arguments. Acts only for the
 * commands that run or report BLAS kernels (train, eval, generate,
 * fill-mask, --version, version); for any other it returns 0 at once. Reads --blas-core auto|env
 * ("--blas-core X" or "--blas-core=X", anywhere after the command name),
 * else the "blas_core" key of a --config FILE, else auto. In auto mode with
 * OPENBLAS_CORETYPE set, it does not return: it re-executes
 * /proc/self/exe with the same arguments, the variable removed and a
 * marker that the new process reads (and removes) to print the notice.
 * If the re-execution fails it says so in one line and returns 0.
 * Returns 0 to go on, or CLI_USAGE (one line printed) for a bad value. */
int blas_core_select(int argc, char **argv);

/* The kernel set OpenBLAS runs ("Cooperlake", "Haswell"...). */
const char *blas_core_name(void);

/* One line for summaries and --version, e.g. "OpenBLAS 0.3.21, kernels
 * Cooperlake, OpenMP, 8 threads" (", set by OPENBLAS_CORETYPE" when the
 * environment chose the kernels). */
void blas_core_describe(char *buf, size_t size);

#endif
