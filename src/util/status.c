/*
 * status.c — formatting of lw_err messages (see include/lowwatt/status.h).
 */
#include "lowwatt/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A message is one line, whatever it quotes (a file's bytes, a library's
 * error text): control characters become '?'. */
static void keep_one_line(char *msg)
{
	for (unsigned char *p = (unsigned char *)msg; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
}

lw_status lw_err_set(lw_err *err, lw_status status, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		keep_one_line(err->msg);
	}
	return status;
}

void lw_err_prefix(lw_err *err, const char *prefix)
{
	if (!err)
		return;
	char old[LW_ERR_MSG_MAX];
	memcpy(old, err->msg, sizeof old);
	size_t n = strlen(prefix);
	if (n > sizeof err->msg - 3)
		n = sizeof err->msg - 3;
	memcpy(err->msg, prefix, n);
	memcpy(err->msg + n, ": ", 2);
	/* Truncate the old message if prefix and message do not both fit. */
	size_t room = sizeof err->msg - n - 3;
	size_t m = strnlen(old, room);
	memcpy(err->msg + n + 2, old, m);
	err->msg[n + 2 + m] = 0;
	keep_one_line(err->msg);
}

const char *lw_status_name(lw_status status)
{
	switch (status) {
	case LW_OK: return "ok";
	case LW_ERR_IO: return "io error";
	case LW_ERR_FORMAT: return "bad format";
	case LW_ERR_ARG: return "bad argument";
	case LW_ERR_NOMEM: return "out of memory";
	case LW_ERR_STATE: return "bad state";
	}
	return "unknown error";
}
