/*
 * buf.h — growable byte buffers and token-id vectors.
 *
 * The two containers that cross the library's API: text goes in and out as
 * lw_buf, token ids as lw_tokens. Both start zeroed ({0}) and own their
 * memory until lw_buf_free / lw_tokens_free.
 */
#ifndef LOWWATT_BUF_H
#define LOWWATT_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct lw_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
} lw_buf;

typedef struct lw_tokens {
	int32_t *ids;
	size_t len;
	size_t cap;
} lw_tokens;

void lw_buf_append(lw_buf *b, const void *data, size_t n);
void lw_buf_putc(lw_buf *b, uint8_t c);
void lw_buf_puts(lw_buf *b, const char *s);
/* printf onto the end of b, however long the text. */
void lw_buf_printf(lw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lw_buf_free(lw_buf *b);

void lw_tokens_push(lw_tokens *t, int32_t id);
void lw_tokens_append(lw_tokens *t, const int32_t *ids, size_t n);
void lw_tokens_free(lw_tokens *t);

#endif
