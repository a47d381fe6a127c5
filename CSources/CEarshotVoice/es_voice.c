#include "es_voice.h"

const char *es_voice_strerror(int code) {
    switch (code) {
    case ES_ENOTFOUND: return "voice, model or data directory not found";
    case ES_EBUSY: return "engine already in use in this process";
    default: return es_strerror(code);
    }
}
