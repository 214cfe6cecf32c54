/*
 * sysfile.c — small sysfs/procfs files read whole into a caller buffer and
 * parsed strictly (see sysfile.h).
 *
 * Strict, because a value that half-parses ("12abc", "-5", "") would turn
 * into a wrong energy figure without a word; it is better to name the file
 * and pass the source over.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "energy/sysfile.h"

/* ---------------------------------------------------------------- helpers */

static void set_errno_out(int *errno_out, int e)
{
	if (errno_out)
		*errno_out = e;
}

/* read() until EOF or size bytes; returns the count or -1 with errno. */
static ssize_t read_upto(int fd, char *buf, size_t size)
{
	size_t got = 0;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* ---------------------------------------------------------------- API */

lw_status lw_sysfile_read(const char *path, char *buf, size_t size, int *errno_out,
			  lw_err *err)
{
	set_errno_out(errno_out, 0);
	if (size < 2)
		return lw_err_set(err, LW_ERR_ARG, "%s: read buffer too small", path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		set_errno_out(errno_out, e);
		return lw_err_set(err, LW_ERR_IO, "%s: cannot open: %s", path, strerror(e));
	}
	ssize_t n = read_upto(fd, buf, size - 1);
	int e = errno;
	char extra;
	/* A full buffer may hide more bytes: one more read tells. */
	ssize_t more = n == (ssize_t)(size - 1) ? read_upto(fd, &extra, 1) : 0;
	close(fd);
	if (n < 0) {
		set_errno_out(errno_out, e);
		return lw_err_set(err, LW_ERR_IO, "%s: cannot read: %s", path, strerror(e));
	}
	if (more != 0)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: longer than %zu bytes", path, size - 1);
	buf[n] = 0;
	if (strlen(buf) != (size_t)n)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: holds a NUL byte", path);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = 0;
	return LW_OK;
}

lw_status lw_sysfile_read_u64(const char *path, uint64_t *out, int *errno_out, lw_err *err)
{
	char text[64];
	lw_status st = lw_sysfile_read(path, text, sizeof text, errno_out, err);
	if (st)
		return st;
	/* strtoull alone would take "-1", " 7" and "" */
	int digits = text[0] != 0;
	for (const char *p = text; *p; p++)
		digits &= *p >= '0' && *p <= '9';
	errno = 0;
	unsigned long long v = digits ? strtoull(text, NULL, 10) : 0;
	if (!digits || errno == ERANGE)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: expected an unsigned decimal number, got \"%.40s\"",
				  path, text);
	*out = (uint64_t)v;
	return LW_OK;
}

lw_status lw_sysfile_read_double(const char *path, double *out, int *errno_out, lw_err *err)
{
	char text[128];
	lw_status st = lw_sysfile_read(path, text, sizeof text, errno_out, err);
	if (st)
		return st;
	char *end = text;
	errno = 0;
	double v = text[0] && !isspace((unsigned char)text[0]) ? strtod(text, &end) : 0;
	if (end == text || *end || errno == ERANGE || !isfinite(v))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: expected a number, got \"%.40s\"", path, text);
	*out = v;
	return LW_OK;
}

lw_status lw_sysfile_path(char *buf, size_t size, lw_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return lw_err_set(err, LW_ERR_ARG, "path longer than %zu bytes: %.80s...", size - 1, buf);
	return LW_OK;
}

int lw_sysfile_denied(int e)
{
	return e == EACCES || e == EPERM;
}
