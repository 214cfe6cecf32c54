/*
 * alloc.c — allocation wrappers that report out-of-memory with context.
 */
#include "util/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die_oom(size_t n, const char *what)
{
	fprintf(stderr, "lowwatt: out of memory allocating %zu bytes for %s\n", n, what);
	abort();
}

void *lw_xmalloc(size_t n, const char *what)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die_oom(n, what);
	return p;
}

void *lw_xcalloc(size_t count, size_t size, const char *what)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		die_oom(count * size, what);
	return p;
}

void *lw_xrealloc(void *p, size_t n, const char *what)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die_oom(n, what);
	return q;
}

char *lw_xstrdup(const char *s, const char *what)
{
	size_t n = strlen(s) + 1;
	char *p = lw_xmalloc(n, what);
	memcpy(p, s, n);
	return p;
}

void *lw_xgrow(void *p, size_t *cap, size_t need, size_t elem, const char *what)
{
	if (need <= *cap)
		return p;
	/* No size_t can hold need elements: as out of memory, not a wrap. */
	if (elem == 0 || need > SIZE_MAX / elem)
		die_oom(SIZE_MAX, what);
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c = c <= SIZE_MAX / 2 / elem ? c * 2 : need; /* doubling would overflow */
	*cap = c;
	return lw_xrealloc(p, c * elem, what);
}
