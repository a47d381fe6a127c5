/* Strict RFC 4648 base64 (standard alphabet, '=' padding) into caller buffers.
 * Strict means: the length is a multiple of 4, padding only at the end, no
 * whitespace, unused trailing bits zero. Any violation is ES_EBADDATA and the
 * output must be treated as garbage — never a silently shortened result. */
#ifndef ES_BASE64_H
#define ES_BASE64_H

#include "es_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes needed to decode / encode; exact for decode once padding is known. */
size_t es_base64_decoded_max(size_t text_len);
size_t es_base64_encoded_len(size_t byte_len);

/* Decode text_len characters into out (capacity out_cap).
 * Returns bytes written, ES_EBADDATA, ES_ENOSPC, or ES_EINVAL. */
long es_base64_decode(const void *text, size_t text_len, uint8_t *out, size_t out_cap);

/* Encode n bytes into out (capacity out_cap); no terminating NUL.
 * Returns characters written, ES_ENOSPC or ES_EINVAL. */
long es_base64_encode(const uint8_t *in, size_t n, void *out, size_t out_cap);

/* Fused media path: base64 μ-law text → PCM16 samples, no intermediate buffer.
 * Returns samples written or an error as es_base64_decode. */
long es_base64_ulaw_to_pcm(const void *text, size_t text_len, int16_t *out, size_t out_cap);

/* Fused outbound path: PCM16 → μ-law → base64 text. Returns characters written. */
long es_pcm_to_ulaw_base64(const int16_t *pcm, size_t n, void *out, size_t out_cap);

#ifdef __cplusplus
}
#endif
#endif
