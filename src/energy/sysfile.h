/*
 * sysfile.h — reading the small one-value files of sysfs and procfs
 * ("12345\n", "Joules\n", "0,48\n") and building their paths.
 *
 * The energy sources read such files at every sample, so these helpers read
 * with one open/read/close into a caller buffer and allocate nothing. Each
 * failure names the file; I/O failures also hand back errno (through
 * errno_out, which may be NULL) so that callers can tell a file that is not
 * there (ENOENT) from one they may not read (EACCES, EPERM) and say how to
 * grant access.
 */
#ifndef LW_ENERGY_SYSFILE_H
#define LW_ENERGY_SYSFILE_H

#include <stddef.h>
#include <stdint.h>

#include "lowwatt/status.h"

/* The longest path the sources build (longer ones fail with LW_ERR_ARG). */
#define LW_SYSFILE_PATH_MAX 4096

/*
 * Read the whole of path into buf as NUL-terminated text with trailing
 * newlines removed. Errors:
 *   LW_ERR_IO      cannot open or read ("PATH: cannot read: strerror");
 *                  *errno_out is the errno (0 on success or other errors);
 *   LW_ERR_FORMAT  the file holds size bytes or more, or a NUL byte.
 */
lw_status lw_sysfile_read(const char *path, char *buf, size_t size, int *errno_out,
			  lw_err *err);

/* A file holding one unsigned decimal number, strictly: digits only (after
 * the trailing newline is removed), at most 2^64 - 1; anything else is
 * LW_ERR_FORMAT naming the path. I/O errors as lw_sysfile_read. */
lw_status lw_sysfile_read_u64(const char *path, uint64_t *out, int *errno_out, lw_err *err);

/* A file holding one finite floating-point number ("2.3283064365386962890625e-10"),
 * strictly as above. */
lw_status lw_sysfile_read_double(const char *path, double *out, int *errno_out, lw_err *err);

/* printf into buf (size bytes); LW_ERR_ARG if the path does not fit. */
lw_status lw_sysfile_path(char *buf, size_t size, lw_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Whether errno e means "there, but not for you" (EACCES, EPERM). */
int lw_sysfile_denied(int e);

#endif
