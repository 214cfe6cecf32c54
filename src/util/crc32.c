/*
 * crc32.c — CRC-32 (the IEEE polynomial of zlib, PNG and gzip) through
 * zlib's crc32, which is table-driven and several times faster than a
 * bit-by-bit loop: checkpoints of tens of megabytes are checksummed at
 * every save and load.
 */
#include <limits.h>
#include <zlib.h>

#include "util/crc32.h"

uint32_t lw_crc32(uint32_t crc, const void *data, size_t n)
{
	const Bytef *p = data;
	uLong c = crc;
	while (n > 0) {
		uInt chunk = n > UINT_MAX ? UINT_MAX : (uInt)n;
		c = crc32(c, p, chunk);
		p += chunk;
		n -= chunk;
	}
	return (uint32_t)c;
}
