/*
 * crc32.h — CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), the
 * checksum of lowwatt's binary files. Same value as zlib's crc32().
 */
#ifndef LW_UTIL_CRC32_H
#define LW_UTIL_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: start with crc = 0. */
uint32_t lw_crc32(uint32_t crc, const void *data, size_t n);

#endif
