/*
 * file.h — reading whole files and writing files atomically.
 *
 * Every file lowwatt writes goes through lw_atomic_file: the bytes go to a
 * temporary file beside the target, which is flushed, fsync'ed and renamed
 * over the target only when complete. A failed or interrupted write leaves
 * the old file (or no file) behind, never a half-written one. A file that is
 * replaced keeps its permissions; a new one gets 0666 less the umask.
 */
#ifndef LW_UTIL_FILE_H
#define LW_UTIL_FILE_H

#include <stdio.h>

#include "lowwatt/buf.h"
#include "lowwatt/status.h"

/* "dir/name" in a fresh string (lw_xmalloc'ed; the caller frees it). */
char *lw_path_join(const char *dir, const char *name);

/* Read all of path into out (NUL-terminated). */
lw_status lw_file_read_all(const char *path, lw_buf *out, lw_err *err);

typedef struct lw_atomic_file {
	FILE *fp;          /* write through this */
	char *path;        /* final path */
	char *tmp_path;    /* temporary path beside it */
} lw_atomic_file;

/* Create a temporary file beside path, to be renamed over it on commit. */
lw_status lw_atomic_open(lw_atomic_file *f, const char *path, lw_err *err);

/* Write n bytes; an error is also remembered by the stream for commit. */
lw_status lw_atomic_write(lw_atomic_file *f, const void *data, size_t n, lw_err *err);

/* Flush, fsync and rename over the target. On failure the temporary file is
 * removed and the target is untouched. Frees f's resources either way. */
lw_status lw_atomic_commit(lw_atomic_file *f, lw_err *err);

/* Give up: remove the temporary file, free resources. Safe after commit. */
void lw_atomic_abort(lw_atomic_file *f);

#endif
