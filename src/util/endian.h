/*
 * endian.h — little-endian integers in byte buffers, the byte order of every
 * lowwatt file. Read and written a byte at a time, so the code is the same on
 * any host and never depends on alignment or struct layout.
 */
#ifndef LW_UTIL_ENDIAN_H
#define LW_UTIL_ENDIAN_H

#include <stdint.h>

static inline uint32_t lw_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t lw_get_u64(const uint8_t *p)
{
	return (uint64_t)lw_get_u32(p) | (uint64_t)lw_get_u32(p + 4) << 32;
}

static inline void lw_put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void lw_put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#endif
