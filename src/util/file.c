/*
 * file.c — whole-file reads and atomic writes (see file.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/rng.h"

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

/* Create "path.tmp.XXXXXXXX" exclusively, with mode 0666 less the umask (as
 * any new file gets; mkstemp's 0600 would need the umask changed to fix). */
static int create_temporary(const char *path, char *tmp, size_t size)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t x = lw_mix64((uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32 ^ (uintptr_t)tmp);
	for (int attempt = 0; attempt < 100; attempt++) {
		x = lw_mix64(x);
		snprintf(tmp, size, "%s.tmp.%08x", path, (unsigned)x);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1; /* errno is EEXIST */
}

lw_status lw_atomic_open(lw_atomic_file *f, const char *path, lw_err *err)
{
	*f = (lw_atomic_file){0};
	size_t n = strlen(path) + 16;
	char *tmp = lw_xmalloc(n, "temporary file name");
	int fd = create_temporary(path, tmp, n);
	if (fd < 0) {
		lw_status st = lw_err_set(err, LW_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
		free(tmp);
		return st;
	}
	/* A file that exists keeps its permissions when it is replaced. */
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		(void)fchmod(fd, st.st_mode & 07777);
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

/* Make the rename durable too: fsync the folder that holds path. Best
 * effort: the file itself is complete either way. */
static void sync_parent(const char *path)
{
	char *dir = lw_xstrdup(path, "folder name");
	char *slash = strrchr(dir, '/');
	const char *name = ".";
	if (slash == dir)
		name = "/";
	else if (slash) {
		*slash = 0;
		name = dir;
	}
	int fd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
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
	else
		sync_parent(f->path);
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
