/*
 * crc32.c — CRC-32 computed bit by bit, with no table and so no shared state.
 * lowwatt checksums files of a few megabytes at load and save time, where
 * the ~0.5 GB/s of this loop is far faster than the disk behind it.
 */
#include "util/crc32.h"

uint32_t lw_crc32(uint32_t crc, const void *data, size_t n)
{
	const uint8_t *p = data;
	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}
