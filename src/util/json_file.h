/*
 * json_file.h — reading JSON text and files with one kind of error.
 *
 * Every JSON that lowwatt reads (training settings, a run's summary.json,
 * GPT-2's encoder.json) is parsed here: duplicate keys are refused (the
 * second would silently win), and a syntax error is one line that names
 * the file and the place: "PATH: line L column C: what jansson says".
 */
#ifndef LW_UTIL_JSON_FILE_H
#define LW_UTIL_JSON_FILE_H

#include <stddef.h>

#include <jansson.h>

#include "lowwatt/status.h"

/* Parse text[0..len) (path names it in the message) into *out, a new
 * reference the caller decrefs; *out is NULL on failure. */
lw_status lw_json_parse(const char *path, const char *text, size_t len, json_t **out,
			lw_err *err);

/* Read path whole and parse it as lw_json_parse does. */
lw_status lw_json_read_file(const char *path, json_t **out, lw_err *err);

#endif
