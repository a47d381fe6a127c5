/* HMAC-SHA1 (libcrypto) for Twilio request signatures, and a constant-time compare. */
#ifndef ES_HMAC_H
#define ES_HMAC_H

#include "es_common.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { ES_SHA1_LEN = 20, ES_SHA1_BASE64_LEN = 28 };

/* HMAC-SHA1(key, msg) into out[20]. Returns ES_OK or an error. */
int es_hmac_sha1(const void *key, size_t key_len, const void *msg, size_t msg_len, uint8_t out[20]);
/* base64(HMAC-SHA1(key, msg)) into out[28] (no NUL). Returns 28 or an error. */
long es_hmac_sha1_base64(const void *key, size_t key_len, const void *msg, size_t msg_len, char out[28]);
/* 1 when a and b are equal, 0 otherwise; time depends only on the lengths. */
int es_ct_equal(const void *a, size_t a_len, const void *b, size_t b_len);

#ifdef __cplusplus
}
#endif
#endif
