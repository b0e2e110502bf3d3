/* jn-jitter-buffer.h: per-stream playout buffer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Largest number of packets a buffer holds ahead of playout. */
#define JN_JITTER_BUFFER_SLOTS 64

typedef struct _JnJitterBuffer JnJitterBuffer;

/* Fills out (frames x channels, interleaved) for packet seq that did not
 * arrive in time.  run is 1 for the first missing packet of a gap, 2 for the
 * next, and so on.  Runs on the thread that calls jn_jitter_buffer_pop(). */
typedef void (*JnConcealFunc) (gpointer  user_data,
                               guint32   seq,
                               guint     run,
                               float    *out,
                               guint     frames,
                               guint     channels);

typedef enum
{
  JN_JITTER_PUSH_QUEUED,
  JN_JITTER_PUSH_LATE,       /* its playout time has passed */
  JN_JITTER_PUSH_DUPLICATE,  /* already queued */
  JN_JITTER_PUSH_OVERFLOW,   /* too far ahead of playout: dropped */
} JnJitterPushResult;

typedef enum
{
  JN_JITTER_POP_IDLE,        /* priming, or the stream has ended: no output */
  JN_JITTER_POP_PLAYED,
  JN_JITTER_POP_CONCEALED,
} JnJitterPopResult;

JnJitterBuffer     *jn_jitter_buffer_new           (guint           depth,
                                                    guint           frames,
                                                    guint           channels);
void                jn_jitter_buffer_free          (JnJitterBuffer *jb);
void                jn_jitter_buffer_set_conceal_func (JnJitterBuffer *jb,
                                                    JnConcealFunc   func,
                                                    gpointer        user_data);
JnJitterPushResult  jn_jitter_buffer_push          (JnJitterBuffer *jb,
                                                    guint32         seq,
                                                    const float    *interleaved);
/* One packet period of output.  *seq receives the sequence number played
 * or concealed. */
JnJitterPopResult   jn_jitter_buffer_pop           (JnJitterBuffer *jb,
                                                    float          *out,
                                                    guint32        *seq);
/* The sender said bye: play what is queued, then go idle. */
void                jn_jitter_buffer_finish        (JnJitterBuffer *jb);
/* Packets queued ahead of playout. */
guint               jn_jitter_buffer_get_level     (const JnJitterBuffer *jb);
guint               jn_jitter_buffer_get_depth     (const JnJitterBuffer *jb);
gboolean            jn_jitter_buffer_is_playing    (const JnJitterBuffer *jb);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnJitterBuffer, jn_jitter_buffer_free)

G_END_DECLS
