/* jn-jitter-buffer.h: per-stream playout buffer with adaptive depth
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "jn-packet.h"

G_BEGIN_DECLS

/* Largest number of packets a buffer holds ahead of playout. */
#define JN_JITTER_BUFFER_SLOTS 64
/* Packets after a gap handed to the playout filter as lookahead. */
#define JN_JITTER_LOOKAHEAD    2

/* Everything played goes through the filter, in playout order: in is the
 * packet's audio, or NULL when it is missing (then future, if not NULL,
 * holds future_frames frames of audio that start gap_frames after this
 * packet's start).  The filter writes what to play to out.  Without a filter
 * a packet is played as it came and a missing one is silence.  Runs on the
 * thread that calls jn_jitter_buffer_pop(). */
typedef void (*JnPlayoutFilter) (gpointer     user_data,
                                 const float *in,
                                 float       *out,
                                 guint        frames,
                                 guint        channels,
                                 const float *future,
                                 guint        future_frames,
                                 guint        gap_frames);
/* With a filter, a copy of a lost packet whose block steps are known is
 * first concealed as if lost, then refined with what the filter made of
 * it (jn_audio_copy_refine()); the amend callback is then told what was
 * played in the end, which the filter's history should hold instead of
 * its prediction (the gap ends there: pnbtr_amend()).  Refining needs
 * both. */
typedef void (*JnPlayoutAmend)  (gpointer     user_data,
                                 const float *played,
                                 guint        frames,
                                 guint        channels);

/* A coded stream (Opus) is queued as it came and decoded here, in sequence
 * order, when playout or the lookahead first needs a packet: a decoder
 * whose state runs from frame to frame never sees packets out of order.
 * Returns FALSE when the data does not decode: the packet is then dropped
 * and its period concealed.  data NULL: the packet before the next one
 * decoded was lost; the decoder carries its state over the gap (what it
 * writes to out is not played).  Runs on the thread that pops. */
typedef gboolean (*JnPacketDecoder) (gpointer      user_data,
                                     const guint8 *data,
                                     gsize         size,
                                     float        *out);

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

typedef struct
{
  guint   depth;              /* current target, packets */
  guint   min_depth;
  guint   max_depth;
  guint64 grows;              /* depth raised after a late packet */
  guint64 restarts;           /* the stream jumped far ahead: started again from there */
  guint64 restored;           /* periods played from a copy of a lost packet */
  guint64 restored_plain;     /* of them: a copy to refine, played as it decoded (no time) */
  guint64 shrinks;            /* depth lowered after a calm stretch */
  guint64 stretched;          /* periods inserted while growing */
  guint64 compressed;         /* packets merged away while shrinking */
} JnJitterDepthStats;

typedef struct _JnJitterBuffer JnJitterBuffer;

JnJitterBuffer     *jn_jitter_buffer_new           (guint           depth,
                                                    guint           frames,
                                                    guint           channels);
void                jn_jitter_buffer_free          (JnJitterBuffer *jb);
void                jn_jitter_buffer_set_filter    (JnJitterBuffer *jb,
                                                    JnPlayoutFilter filter,
                                                    gpointer        user_data);
/* Set with the filter (the same user_data); NULL: copies play as they
 * decode. */
void                jn_jitter_buffer_set_amend     (JnJitterBuffer *jb,
                                                    JnPlayoutAmend  amend);
/* While set, a copy plays as it decodes, not refined (refining conceals
 * the packet too): the period's time for concealment is spent. */
void                jn_jitter_buffer_set_plain_copies (JnJitterBuffer *jb,
                                                       gboolean        plain);
/* Adaptive depth.  safety 0 ("lowest latency") .. 1 ("safest") sets the
 * range of depths and how long the network must stay calm before the depth
 * shrinks again.  period_us is one packet's duration.  Not for the audio
 * thread (it recomputes settings); call between pops. */
void                jn_jitter_buffer_set_adaptive  (JnJitterBuffer *jb,
                                                    gboolean        adaptive,
                                                    double          safety,
                                                    guint           period_us);
JnJitterPushResult  jn_jitter_buffer_push          (JnJitterBuffer *jb,
                                                    guint32         seq,
                                                    const float    *interleaved);
/* A copy of packet seq that another packet carried (decoded): queued
 * where seq is missing and not yet due, played as real audio; the packet
 * itself, if it comes before its time, replaces it.  steps: the copy's
 * block steps (jn_audio_copy_decode_steps()), or NULL; with them and a
 * filter, the copy is refined at playout with what the filter conceals
 * for it (jn_audio_copy_refine()), and the gap before it is concealed
 * through it, to the next packet.  LATE when its time passed or nothing
 * is queued, DUPLICATE when seq is there.  PCM buffers only. */
JnJitterPushResult  jn_jitter_buffer_push_copy     (JnJitterBuffer *jb,
                                                    guint32         seq,
                                                    const float    *interleaved,
                                                    const float    *steps);
/* What is queued for seq, NULL when nothing; *is_copy whether it came
 * from a copy.  PCM buffers only. */
const float        *jn_jitter_buffer_peek          (JnJitterBuffer *jb,
                                                    guint32         seq,
                                                    gboolean       *is_copy);
/* Makes this a buffer of coded packets of at most max_size bytes, pushed
 * with jn_jitter_buffer_push_coded().  Not for the audio thread (it
 * allocates); call before the first push. */
void                jn_jitter_buffer_set_decoder   (JnJitterBuffer *jb,
                                                    JnPacketDecoder decoder,
                                                    gpointer        user_data,
                                                    gsize           max_size);
JnJitterPushResult  jn_jitter_buffer_push_coded    (JnJitterBuffer *jb,
                                                    guint32         seq,
                                                    const guint8   *data,
                                                    gsize           size);
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
void                jn_jitter_buffer_get_depth_stats (const JnJitterBuffer *jb,
                                                    JnJitterDepthStats   *stats);
gboolean            jn_jitter_buffer_is_playing    (const JnJitterBuffer *jb);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnJitterBuffer, jn_jitter_buffer_free)

/* The copies an audio packet in the buffer's format carries (docs/protocol.md
 * 3.2): each of a packet not queued is decoded into scratch (frames x
 * channels floats) and queued as a copy; each of one queued as itself is
 * compared with it.  Returns how many disagreed with what they copy (and
 * were refused). */
guint               jn_jitter_buffer_take_copies (JnJitterBuffer *jb,
                                                  const JnPacket *packet,
                                                  float          *scratch);

G_END_DECLS
