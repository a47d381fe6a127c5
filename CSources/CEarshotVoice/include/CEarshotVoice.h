/* Earshot's offline voice: espeak-ng (text to speech) and pocketsphinx (speech to text)
 * behind opaque handles. Neither library is real-time-path code: these run on owner threads. */
#ifndef CEARSHOT_VOICE_H
#define CEARSHOT_VOICE_H

#include "es_voice.h"
#include "es_espeak.h"
#include "es_sphinx.h"

#endif
