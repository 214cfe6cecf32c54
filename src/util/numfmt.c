/*
 * numfmt.c — the shortest round-tripping form of a double (numfmt.h): try
 * 1, 2, ... 17 significant digits; 17 always reads back exactly.
 */
#include "util/numfmt.h"

#include <stdio.h>
#include <stdlib.h>

void lw_format_shortest(double x, char *out, size_t size)
{
	for (int digits = 1; digits <= 17; digits++) {
		snprintf(out, size, "%.*g", digits, x);
		if (strtod(out, NULL) == x)
			return;
	}
}
