/* Error codes of the offline voice engines, beyond the core's ES_E* codes (es_common.h). */
#ifndef ES_VOICE_H
#define ES_VOICE_H

#include "es_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Far below the core's range so the two sets never collide. */
enum {
    ES_ENOTFOUND = -100, /* a voice, model file or data directory does not exist */
    ES_EBUSY = -101      /* a process-wide engine (espeak-ng) already has a live handle */
};

/* es_strerror() extended with the codes above; never NULL. */
const char *es_voice_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
