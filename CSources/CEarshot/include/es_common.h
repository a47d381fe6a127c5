/* Earshot C core: error codes shared by every area. */
#ifndef ES_COMMON_H
#define ES_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Success is ES_OK (0); a non-negative return may carry a count.
 * Every failure is a negative ES_E* code; es_strerror() names it. */
enum {
    ES_OK = 0,
    ES_EINVAL = -1,    /* an argument is NULL, out of range or inconsistent */
    ES_ENOSPC = -2,    /* the caller's output buffer is too small / ring full */
    ES_EBADDATA = -3,  /* malformed input (bad base64 character or padding) */
    ES_ENOMEM = -4,    /* allocation failed (create functions only) */
    ES_ELIB = -5,      /* a system library call failed */
    ES_EFORMAT = -6    /* input does not match the configured format */
};

/* A static, human-readable message for an ES_* code; never NULL. */
const char *es_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
