/*
 * json_file.c — JSON text and files, parsed with one kind of error (see
 * json_file.h).
 */
#include "util/json_file.h"

#include "lowwatt/buf.h"
#include "util/file.h"

lw_status lw_json_parse(const char *path, const char *text, size_t len, json_t **out,
			lw_err *err)
{
	json_error_t jerr;
	*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*out)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: line %d column %d: %s", path, jerr.line,
				  jerr.column, jerr.text);
	return LW_OK;
}

lw_status lw_json_read_file(const char *path, json_t **out, lw_err *err)
{
	lw_buf text = {0};
	*out = NULL;
	lw_status st = lw_file_read_all(path, &text, err);
	if (!st)
		st = lw_json_parse(path, (const char *)text.data, text.len, out, err);
	lw_buf_free(&text);
	return st;
}
