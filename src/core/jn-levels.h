/* jn-levels.h: peak and RMS of each period of audio, from the media thread
 * to the meters on the main thread
 *
 * The media thread measures (jn_levels_measure()): one JnLevelFrame per
 * stream per period into a lock-free ring, no allocation, no lock.  One
 * reader on the main context takes them (jn_levels_drain()), once per
 * frame of the UI (docs/architecture.md, "Meters").  What does not fit
 * while nobody reads is dropped and counted.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the stream id of this computer's own input */
#define JN_LEVELS_INPUT G_MAXUINT32

typedef struct
{
  guint32 id;     /* a peer's id, or JN_LEVELS_INPUT */
  float   peak;   /* linear, 0..: the loudest sample of the period */
  float   rms;    /* linear: the period's root mean square over its channels */
} JnLevelFrame;

typedef struct _JnLevels JnLevels;

/* capacity: frames the ring holds between two drains */
JnLevels *jn_levels_new      (gsize         capacity);
void      jn_levels_free     (JnLevels     *levels);

/* The producer (one thread).  FALSE when the ring was full (counted). */
gboolean  jn_levels_measure  (JnLevels     *levels,
                              guint32       id,
                              const float  *audio,
                              guint         frames,
                              guint         channels);

/* The consumer (one thread): up to n_max frames, oldest first, into out;
 * how many. */
gsize     jn_levels_drain    (JnLevels     *levels,
                              JnLevelFrame *out,
                              gsize         n_max);
guint64   jn_levels_get_dropped (JnLevels  *levels);

/* dBFS of a linear level; silence is -120 */
double    jn_level_to_db     (double        linear);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnLevels, jn_levels_free)

G_END_DECLS
