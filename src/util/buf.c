/*
 * buf.c — growable byte buffers and token vectors (include/lowwatt/buf.h).
 */
#include "lowwatt/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

void lw_buf_append(lw_buf *b, const void *data, size_t n)
{
	b->data = lw_xgrow(b->data, &b->cap, b->len + n + 1, 1, "byte buffer");
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = 0; /* always NUL-terminated, for convenience */
}

void lw_buf_putc(lw_buf *b, uint8_t c)
{
	lw_buf_append(b, &c, 1);
}

void lw_buf_puts(lw_buf *b, const char *s)
{
	lw_buf_append(b, s, strlen(s));
}

void lw_buf_printf(lw_buf *b, const char *fmt, ...)
{
	va_list ap, again;
	va_start(ap, fmt);
	va_copy(again, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);   /* the length, then the text */
	va_end(ap);
	if (n > 0) {
		b->data = lw_xgrow(b->data, &b->cap, b->len + (size_t)n + 1, 1, "byte buffer");
		vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, again);
		b->len += (size_t)n;
	}
	va_end(again);
}

void lw_buf_free(lw_buf *b)
{
	free(b->data);
	*b = (lw_buf){0};
}

void lw_tokens_push(lw_tokens *t, int32_t id)
{
	t->ids = lw_xgrow(t->ids, &t->cap, t->len + 1, sizeof *t->ids, "token vector");
	t->ids[t->len++] = id;
}

void lw_tokens_append(lw_tokens *t, const int32_t *ids, size_t n)
{
	t->ids = lw_xgrow(t->ids, &t->cap, t->len + n, sizeof *t->ids, "token vector");
	if (n)
		memcpy(t->ids + t->len, ids, n * sizeof *ids);
	t->len += n;
}

void lw_tokens_free(lw_tokens *t)
{
	free(t->ids);
	*t = (lw_tokens){0};
}
