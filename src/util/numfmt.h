/*
 * numfmt.h — numbers as people and files should see them: a double in the
 * fewest significant digits that read back as the same double ("0.003",
 * not "0.0030000000000000001"), for ledgers, labels and configurations.
 */
#ifndef LW_UTIL_NUMFMT_H
#define LW_UTIL_NUMFMT_H

#include <stddef.h>

/* x in the shortest %g form (1 to 17 significant digits) that strtod reads
 * back as x; NaN and infinities as printf writes them. size >= 32. */
void lw_format_shortest(double x, char *out, size_t size);

#endif
