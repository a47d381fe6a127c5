/* Earshot's C core: the per-frame hot path of a voice gateway. */
#ifndef CEARSHOT_H
#define CEARSHOT_H

#include "es_common.h"
#include "es_g711.h"
#include "es_base64.h"
#include "es_ring.h"
#include "es_vad.h"
#include "es_turn.h"
#include "es_resample.h"
#include "es_hmac.h"
#include "es_bytes.h"

#endif
