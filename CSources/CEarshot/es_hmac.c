#include "es_hmac.h"

#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "es_base64.h"

int es_hmac_sha1(const void *key, size_t key_len, const void *msg, size_t msg_len, uint8_t out[20]) {
    if ((!key && key_len > 0) || (!msg && msg_len > 0) || !out || key_len > INT_MAX) return ES_EINVAL;
    static const uint8_t empty = 0;
    unsigned int len = 0;
    if (!HMAC(EVP_sha1(), key ? key : &empty, (int)key_len, msg ? msg : &empty, msg_len, out, &len) ||
        len != ES_SHA1_LEN)
        return ES_ELIB;
    return ES_OK;
}

long es_hmac_sha1_base64(const void *key, size_t key_len, const void *msg, size_t msg_len, char out[28]) {
    if (!out) return ES_EINVAL;
    uint8_t mac[ES_SHA1_LEN];
    int rc = es_hmac_sha1(key, key_len, msg, msg_len, mac);
    if (rc != ES_OK) return rc;
    return es_base64_encode(mac, sizeof mac, out, ES_SHA1_BASE64_LEN);
}

int es_ct_equal(const void *a, size_t a_len, const void *b, size_t b_len) {
    if (a_len != b_len || (!a && a_len) || (!b && b_len)) return 0;
    const volatile uint8_t *x = a, *y = b;
    uint8_t diff = 0;
    for (size_t i = 0; i < a_len; i++) diff |= x[i] ^ y[i];
    return diff == 0;
}
