/*
 * alloc.h — the one allocation policy of lowwatt.
 *
 * Small, bounded allocations (tables, buffers sized by the program) go
 * through lw_xmalloc and friends, which never return NULL: running out of
 * memory there prints what was being allocated and aborts, so call sites stay
 * clean. Allocations whose size comes from outside (a file header, a flag)
 * use plain malloc and return LW_ERR_NOMEM with context instead.
 */
#ifndef LW_UTIL_ALLOC_H
#define LW_UTIL_ALLOC_H

#include <stddef.h>

void *lw_xmalloc(size_t n, const char *what);
void *lw_xcalloc(size_t count, size_t size, const char *what);
void *lw_xrealloc(void *p, size_t n, const char *what);
char *lw_xstrdup(const char *s, const char *what);

/* Grow *cap geometrically until it holds need elements; returns the new
 * array (realloc of p). */
void *lw_xgrow(void *p, size_t *cap, size_t need, size_t elem, const char *what);

#endif
