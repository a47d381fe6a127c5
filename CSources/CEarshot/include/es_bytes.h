/* Byte utilities for the media path. */
#ifndef ES_BYTES_H
#define ES_BYTES_H

#include "es_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* WebSocket (RFC 6455) unmasking: dst[i] = src[i] ^ key[(i + offset) % 4], into a caller
 * buffer, so a frame is unmasked without touching the (shared) receive buffer.
 * dst and src may be the same buffer or must not overlap. Returns n or ES_EINVAL. */
long es_ws_unmask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t key[4], size_t offset);

#ifdef __cplusplus
}
#endif
#endif
