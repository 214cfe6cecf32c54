/*
 * status.h — how lowwatt functions report failure.
 *
 * Every fallible function returns an lw_status (LW_OK is 0) and, on failure,
 * writes one line of context into a caller-owned lw_err: what failed, where
 * (file, offset, line) and, where it helps, what to do. Nothing is printed by
 * the library; the command-line front end prints err.msg and exits non-zero.
 * There is no global error state: two threads with two lw_err never collide.
 */
#ifndef LOWWATT_STATUS_H
#define LOWWATT_STATUS_H

typedef enum lw_status {
	LW_OK = 0,
	LW_ERR_IO,      /* a file could not be opened, read or written */
	LW_ERR_FORMAT,  /* a file or input was malformed */
	LW_ERR_ARG,     /* a caller-supplied argument was invalid */
	LW_ERR_NOMEM,   /* an allocation failed */
	LW_ERR_STATE,   /* an operation was not possible in the current state */
} lw_status;

#define LW_ERR_MSG_MAX 512

typedef struct lw_err {
	char msg[LW_ERR_MSG_MAX];
} lw_err;

/* Format a message into err (if err is not NULL) and return status. The
 * message is kept to one line: control characters in it become '?'. */
lw_status lw_err_set(lw_err *err, lw_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix err->msg with "prefix: " (e.g. a file name known only to the caller). */
void lw_err_prefix(lw_err *err, const char *prefix);

/* A short name for a status ("io error", "bad format", ...). */
const char *lw_status_name(lw_status status);

#endif
