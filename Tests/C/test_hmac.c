#include "es_test.h"

static void test_twilio_documented_vector(void) {
    const char *data = "https://example.com/myapp.php?foo=1&bar=2"
                       "CallSidCA1234567890ABCDE" "Caller+14158675310" "Digits1234"
                       "From+14158675310" "To+18005551212";
    char sig[28];
    CHECK_EQ(es_hmac_sha1_base64("12345", 5, data, strlen(data), sig), 28);
    CHECK(memcmp(sig, "L/OH5YylLD5NRKLltdqwSvS0BnU=", 28) == 0);
}

static void test_rfc2202_vector(void) {
    const uint8_t want[20] = {0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb, 0x2f, 0xa2, 0xd2, 0x74,
                              0x16, 0xd5, 0xf1, 0x84, 0xdf, 0x9c, 0x25, 0x9a, 0x7c, 0x79};
    uint8_t mac[20];
    const char *msg = "what do ya want for nothing?";
    CHECK_EQ(es_hmac_sha1("Jefe", 4, msg, strlen(msg), mac), ES_OK);
    CHECK(memcmp(mac, want, 20) == 0);
}

static void test_constant_time_compare(void) {
    CHECK_EQ(es_ct_equal("abc", 3, "abc", 3), 1);
    CHECK_EQ(es_ct_equal("abc", 3, "abd", 3), 0);
    CHECK_EQ(es_ct_equal("abc", 3, "abcd", 4), 0);
    CHECK_EQ(es_ct_equal(NULL, 0, NULL, 0), 1);
    CHECK_EQ(es_ct_equal(NULL, 3, "abc", 3), 0);
}

static void test_hmac_arguments(void) {
    uint8_t mac[20];
    char sig[28];
    CHECK_EQ(es_hmac_sha1(NULL, 5, "x", 1, mac), ES_EINVAL);
    CHECK_EQ(es_hmac_sha1("k", 1, NULL, 1, mac), ES_EINVAL);
    CHECK_EQ(es_hmac_sha1("k", 1, "x", 1, NULL), ES_EINVAL);
    CHECK_EQ(es_hmac_sha1_base64("k", 1, "x", 1, NULL), ES_EINVAL);
    CHECK_EQ(es_hmac_sha1_base64("", 0, "", 0, sig), 28); /* empty key and message are valid */
}

const es_test_case hmac_tests[] = {
    {"hmac: Twilio's documented signature vector", test_twilio_documented_vector},
    {"hmac: RFC 2202 HMAC-SHA1 vector", test_rfc2202_vector},
    {"hmac: constant-time compare", test_constant_time_compare},
    {"hmac: bad arguments are errors", test_hmac_arguments},
    {NULL, NULL},
};
