/* jn-rate-match.h: a peer's stream played at our device's rate
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "jn-jitter-buffer.h"

G_BEGIN_DECLS

/* Below this drift a peer's stream is played as it comes, sample for
 * sample; once it is reached, resampled until the stream stops
 * (docs/architecture.md, "The device clock"). */
#define JN_RATE_MATCH_ENGAGE_PPM  10.0
/* The most the buffer's level may pull the ratio off the drift. */
#define JN_RATE_MATCH_LEVEL_PPM   300.0

typedef struct _JnRateMatch JnRateMatch;

/* One packet of the peer's stream, popped from its jitter buffer (on the
 * media thread); the result as jn_jitter_buffer_pop()'s, and in *seq the
 * packet's sequence number. */
typedef JnJitterPopResult (*JnRateMatchPull) (gpointer  user_data,
                                              float    *packet,
                                              guint32  *seq);

JnRateMatch *jn_rate_match_new        (guint          frames,
                                       guint          channels,
                                       guint          rate);
void         jn_rate_match_free       (JnRateMatch   *self);

/* The peer's clock against our device's (jn_drift_get_ppm()), valid or not,
 * and how far what is queued for it stands from its target, in packets
 * (the buffer's level plus jn_rate_match_get_held(), smoothed by the
 * caller): sets the ratio for the periods that follow. */
void         jn_rate_match_steer      (JnRateMatch   *self,
                                       gboolean       drift_valid,
                                       double         drift_ppm,
                                       double         level_error);

/* One period of output (frames x channels, interleaved) into out, pulling
 * as many packets as the ratio needs: mostly one, now and then none or
 * two.  IDLE when the stream does not play (nothing is written); CONCEALED
 * when any of what went into it was.  *seq: the newest packet pulled. */
JnJitterPopResult jn_rate_match_run   (JnRateMatch   *self,
                                       JnRateMatchPull pull,
                                       gpointer       user_data,
                                       float         *out,
                                       guint32       *seq);

gboolean     jn_rate_match_is_engaged (JnRateMatch   *self);
/* The ratio now, in ppm of input over output (0 when not engaged). */
double       jn_rate_match_get_ppm    (JnRateMatch   *self);
/* Packets' worth of the peer's stream taken from its buffer and not yet
 * resampled: 0 to 2, as the drift takes a packet more or less now and
 * then. */
double       jn_rate_match_get_held   (JnRateMatch   *self);
/* Frames of the peer's stream held here now (the resampler's filter and
 * what is left of the last packet): latency on top of the buffer's. */
guint        jn_rate_match_get_delay  (JnRateMatch   *self);
/* Packets pulled beyond one a period (+) or periods that pulled none (-),
 * since it engaged: the drift taken up without dropping or repeating. */
gint64       jn_rate_match_get_slip   (JnRateMatch   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnRateMatch, jn_rate_match_free)

G_END_DECLS
