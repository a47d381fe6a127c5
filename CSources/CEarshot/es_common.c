#include "es_common.h"

const char *es_strerror(int code) {
    switch (code) {
    case ES_OK: return "ok";
    case ES_EINVAL: return "invalid argument";
    case ES_ENOSPC: return "not enough space in output buffer";
    case ES_EBADDATA: return "malformed input data";
    case ES_ENOMEM: return "out of memory";
    case ES_ELIB: return "system library call failed";
    case ES_EFORMAT: return "input does not match the configured format";
    default: return code > 0 ? "ok (count)" : "unknown error";
    }
}
