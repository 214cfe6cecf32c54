/*
 * document.c — splitting corpus text at "<|endoftext|>" lines (document.h).
 */
#include "lowwatt/document.h"

#include <string.h>

/* Length of the separator line starting at line[0..n), or 0 if the line there
 * is not a separator. */
static size_t separator_line_len(const uint8_t *line, size_t n)
{
	size_t k = sizeof LW_DOC_SEPARATOR - 1;
	if (n < k || memcmp(line, LW_DOC_SEPARATOR, k) != 0)
		return 0;
	if (k == n)
		return k;
	if (line[k] == '\n')
		return k + 1;
	if (line[k] == '\r' && k + 1 < n && line[k + 1] == '\n')
		return k + 2;
	return 0;
}

int lw_doc_next(const uint8_t *text, size_t n, size_t *pos, lw_span *doc)
{
	size_t start = *pos;
	if (start >= n)
		return 0;
	size_t line = start;
	while (line < n) {
		size_t sep = separator_line_len(text + line, n - line);
		if (sep) {
			*doc = (lw_span){text + start, line - start};
			*pos = line + sep;
			return 1;
		}
		const uint8_t *nl = memchr(text + line, '\n', n - line);
		line = nl ? (size_t)(nl - text) + 1 : n;
	}
	*doc = (lw_span){text + start, n - start};
	*pos = n;
	return 1;
}
