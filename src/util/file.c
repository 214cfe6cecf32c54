/*
 * file.c — whole-file reads and atomic writes (see file.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "util/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"

char *lw_path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = lw_xmalloc(n, "file name");
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

lw_status lw_file_read_all(const char *path, lw_buf *out, lw_err *err)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return lw_err_set(err, LW_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		return lw_err_set(err, LW_ERR_IO, "%s: is a directory, expected a file", path);
	}
	uint8_t chunk[1 << 16];
	size_t n;
	lw_buf_append(out, "", 0); /* a valid, NUL-terminated buffer even if empty */
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		lw_buf_append(out, chunk, n);
	int failed = ferror(fp);
	int saved = errno;
	fclose(fp);
	if (failed)
		return lw_err_set(err, LW_ERR_IO, "%s: read failed: %s", path, strerror(saved));
	return LW_OK;
}

lw_status lw_atomic_open(lw_atomic_file *f, const char *path, lw_err *err)
{
	*f = (lw_atomic_file){0};
	size_t n = strlen(path) + 16;
	char *tmp = lw_xmalloc(n, "temporary file name");
	snprintf(tmp, n, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		lw_status st = lw_err_set(err, LW_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
		free(tmp);
		return st;
	}
	/* mkstemp creates 0600; give the file the usual permissions. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	f->fp = fdopen(fd, "wb");
	if (!f->fp) {
		close(fd);
		unlink(tmp);
		free(tmp);
		return lw_err_set(err, LW_ERR_IO, "%s: cannot open stream", path);
	}
	f->tmp_path = tmp;
	f->path = lw_xstrdup(path, "file name");
	return LW_OK;
}

lw_status lw_atomic_write(lw_atomic_file *f, const void *data, size_t n, lw_err *err)
{
	if (n && fwrite(data, 1, n, f->fp) != n)
		return lw_err_set(err, LW_ERR_IO, "%s: write failed: %s", f->path, strerror(errno));
	return LW_OK;
}

lw_status lw_atomic_commit(lw_atomic_file *f, lw_err *err)
{
	lw_status st = LW_OK;
	if (fflush(f->fp) != 0 || ferror(f->fp) || fsync(fileno(f->fp)) != 0)
		st = lw_err_set(err, LW_ERR_IO, "%s: write failed: %s", f->path, strerror(errno));
	if (fclose(f->fp) != 0 && st == LW_OK)
		st = lw_err_set(err, LW_ERR_IO, "%s: close failed: %s", f->path, strerror(errno));
	f->fp = NULL;
	if (st == LW_OK && rename(f->tmp_path, f->path) != 0)
		st = lw_err_set(err, LW_ERR_IO, "%s: rename failed: %s", f->path, strerror(errno));
	if (st != LW_OK)
		unlink(f->tmp_path);
	free(f->tmp_path);
	free(f->path);
	*f = (lw_atomic_file){0};
	return st;
}

void lw_atomic_abort(lw_atomic_file *f)
{
	if (f->fp)
		fclose(f->fp);
	if (f->tmp_path)
		unlink(f->tmp_path);
	free(f->tmp_path);
	free(f->path);
	*f = (lw_atomic_file){0};
}
