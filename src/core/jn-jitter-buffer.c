/* jn-jitter-buffer.c: playout buffer with adaptive depth
 *
 * Playout starts once `depth` packets are queued (so the buffer adds depth
 * packet periods of latency) and then takes one packet per period in
 * sequence order.  Every period goes through the playout filter (PNBTR in
 * JamNet): a missing packet is concealed, with the packets already queued
 * after the gap as lookahead; one arriving after its turn is late and
 * dropped.
 *
 * Adaptive depth: a late packet means the depth was too small, so the depth
 * grows by one and one extra period is concealed (the stream is stretched).
 * After a calm stretch (no late packet) the depth shrinks by one: two queued
 * packets are merged into one period with a crossfade.  More queued than the
 * depth and one for 100 ms is drained the same way, a packet every 8
 * periods, so the level (the latency) returns to the depth.  After 64 concealed
 * periods with nothing queued the stream is taken to have stopped and the
 * buffer primes again.  When the sender has gone (jn_jitter_buffer_finish())
 * the stream's last period fades out: the last packet's, or, if it went
 * in a gap, one more concealed period.  A coded stream is decoded here, in
 * sequence order, as playout reaches it (jn_jitter_buffer_set_decoder()).
 * Nothing here allocates after creation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-jitter-buffer"

#include "config.h"

#include <math.h>
#include <string.h>

#include "jn-jitter-buffer.h"

#define IDLE_AFTER_RUN 64
/* More queued than the depth and one for longer than EXCESS_US (a burst
 * came in a clump, or shrinks found nothing to merge): one packet in
 * DRAIN_EVERY periods is merged away until it is not. */
#define EXCESS_US      100000
#define DRAIN_EVERY    8
/* lost packets a coded stream's decoder is told of, at most, in one gap */
#define DECODE_OVER_LOST 8

typedef struct
{
  gboolean valid;
  guint32  seq;
  gsize    coded_size;  /* > 0: not decoded yet */
  gboolean copy;        /* restored from a copy another packet carried */
  gboolean refine;      /* that copy's block steps are known: refined at playout */
} Slot;

struct _JnJitterBuffer
{
  guint           frames;
  guint           channels;
  gboolean        playing;
  gboolean        finishing;
  gboolean        faded_out;    /* the stream's end has been faded */
  guint32         next_seq;     /* playout position when playing */
  guint32         highest;      /* highest queued sequence number */
  guint           level;        /* packets queued */
  guint           run;          /* concealed periods in a row */
  JnPlayoutFilter filter;
  JnPlayoutAmend  amend;
  gpointer        filter_data;

  /* depth and its adaptation */
  guint           depth;
  gboolean        adaptive;
  guint           min_depth;
  guint           max_depth;
  guint64         calm_limit;   /* pops without a late packet before shrinking */
  guint64         excess_limit; /* pops with too much queued before draining */
  guint64         excess;
  guint64         calm;
  guint           grow_pending; /* periods to stretch */
  gboolean        shrink_pending;
  JnJitterDepthStats stats;

  Slot            slots[JN_JITTER_BUFFER_SLOTS];
  float          *audio;        /* SLOTS x frames x channels */
  float          *future;       /* LOOKAHEAD x frames x channels */
  float          *merged;       /* frames x channels */
  float          *tail;         /* the last 2 frames of the packet played last */
  float          *steps;        /* SLOTS x blocks: each copy's block steps */
  guint           blocks;       /* blocks of a copy of one packet */
  float          *prediction;   /* frames x channels: the concealment's, for refining */
  float          *copy_steps;   /* blocks: the steps of a copy being taken */
  gboolean        tail_valid;   /* that period played a packet (no copy, nothing concealed) */
  gboolean        plain_copies; /* copies play as they decode: no time to refine */

  /* coded streams */
  JnPacketDecoder decoder;
  gpointer        decoder_data;
  gsize           coded_max;
  guint8         *coded;        /* SLOTS x coded_max */
  float          *lost_audio;   /* what the decoder makes of a lost packet: not played */
  gboolean        decoded_any;
  guint32         decode_next;  /* the sequence number the decoder expects */
};

JnJitterBuffer *
jn_jitter_buffer_new (guint depth,
                      guint frames,
                      guint channels)
{
  JnJitterBuffer *jb;
  gsize n = (gsize) frames * channels;

  g_return_val_if_fail (depth >= 1 && depth < JN_JITTER_BUFFER_SLOTS, NULL);
  g_return_val_if_fail (frames > 0 && channels > 0, NULL);

  jb = g_new0 (JnJitterBuffer, 1);
  jb->depth = jb->min_depth = jb->max_depth = depth;
  jb->frames = frames;
  jb->channels = channels;
  jb->audio = g_new0 (float, JN_JITTER_BUFFER_SLOTS * n);
  jb->future = g_new0 (float, JN_JITTER_LOOKAHEAD * n);
  jb->merged = g_new0 (float, n);
  jb->tail = g_new0 (float, 2 * channels);
  jb->blocks = (guint) ((n + JN_COPY_BLOCK - 1) / JN_COPY_BLOCK);
  jb->steps = g_new0 (float, (gsize) JN_JITTER_BUFFER_SLOTS * jb->blocks);
  jb->prediction = g_new0 (float, n);
  jb->copy_steps = g_new0 (float, jb->blocks);
  return jb;
}

void
jn_jitter_buffer_free (JnJitterBuffer *jb)
{
  if (jb == NULL)
    return;
  g_free (jb->audio);
  g_free (jb->future);
  g_free (jb->merged);
  g_free (jb->tail);
  g_free (jb->steps);
  g_free (jb->prediction);
  g_free (jb->copy_steps);
  g_free (jb->coded);
  g_free (jb->lost_audio);
  g_free (jb);
}

void
jn_jitter_buffer_set_filter (JnJitterBuffer  *jb,
                             JnPlayoutFilter  filter,
                             gpointer         user_data)
{
  jb->filter = filter;
  jb->filter_data = user_data;
}

void
jn_jitter_buffer_set_amend (JnJitterBuffer *jb,
                            JnPlayoutAmend  amend)
{
  jb->amend = amend;
}

/* Whether a copy queued with its steps is refined at playout. */
static inline gboolean
refines (JnJitterBuffer *jb,
         guint32         seq)
{
  return jb->slots[seq % JN_JITTER_BUFFER_SLOTS].refine && jb->filter != NULL && jb->amend != NULL &&
         !jb->plain_copies;
}

void
jn_jitter_buffer_set_plain_copies (JnJitterBuffer *jb,
                                   gboolean        plain)
{
  jb->plain_copies = !!plain;
}

void
jn_jitter_buffer_set_adaptive (JnJitterBuffer *jb,
                               gboolean        adaptive,
                               double          safety,
                               guint           period_us)
{
  safety = CLAMP (safety, 0.0, 1.0);
  jb->adaptive = adaptive;
  if (!adaptive)
    {
      jb->min_depth = jb->max_depth = jb->depth;
      return;
    }
  /* lowest latency: 1..4 packets, shrinks after 1 s of calm;
   * safest: 3..32 packets, shrinks after 20 s of calm */
  jb->min_depth = 1 + (guint) lround (2.0 * safety);
  jb->max_depth = MIN (4 + (guint) lround (28.0 * safety), JN_JITTER_BUFFER_SLOTS / 2);
  jb->calm_limit = (guint64) ((1.0 + 19.0 * safety) * G_USEC_PER_SEC / MAX (period_us, 1));
  jb->excess_limit = MAX (EXCESS_US / MAX (period_us, 1), DRAIN_EVERY);
  jb->depth = CLAMP (jb->depth, jb->min_depth, jb->max_depth);
  jb->stats.min_depth = jb->min_depth;
  jb->stats.max_depth = jb->max_depth;
}

static inline float *
slot_audio (JnJitterBuffer *jb,
            guint32         seq)
{
  return jb->audio + (gsize) (seq % JN_JITTER_BUFFER_SLOTS) * jb->frames * jb->channels;
}

static inline guint8 *
slot_coded (JnJitterBuffer *jb,
            guint32         seq)
{
  return jb->coded + (gsize) (seq % JN_JITTER_BUFFER_SLOTS) * jb->coded_max;
}

static inline gboolean
has (JnJitterBuffer *jb,
     guint32         seq)
{
  Slot *slot = &jb->slots[seq % JN_JITTER_BUFFER_SLOTS];

  return slot->valid && slot->seq == seq;
}

static void
take (JnJitterBuffer *jb,
      guint32         seq)
{
  Slot *slot = &jb->slots[seq % JN_JITTER_BUFFER_SLOTS];

  if (slot->copy)
    jb->stats.restored++;
  if (slot->refine && jb->plain_copies)
    jb->stats.restored_plain++;
  slot->valid = FALSE;
  slot->copy = FALSE;
  slot->refine = FALSE;
  jb->level--;
}

static void
decode_slot (JnJitterBuffer *jb,
             guint32         seq)
{
  Slot *slot = &jb->slots[seq % JN_JITTER_BUFFER_SLOTS];
  gsize size = slot->coded_size;

  slot->coded_size = 0;
  if (!jb->decoder (jb->decoder_data, slot_coded (jb, seq), size, slot_audio (jb, seq)))
    take (jb, seq);
}

/* Whether packet seq is queued, decoded.  Coded packets are decoded in
 * sequence order up to seq (the missing ones skipped); one that arrives
 * after the decoder has passed it is decoded out of turn, the best left. */
static gboolean
ready (JnJitterBuffer *jb,
       guint32         seq)
{
  if (jb->decoder == NULL)
    return has (jb, seq);
  if (!jb->decoded_any || (gint32) (seq - jb->decode_next) < 0)
    {
      if (has (jb, seq) && jb->slots[seq % JN_JITTER_BUFFER_SLOTS].coded_size > 0)
        decode_slot (jb, seq);
      if (!jb->decoded_any || (gint32) (seq + 1 - jb->decode_next) > 0)
        jb->decode_next = seq + 1;
      jb->decoded_any = TRUE;
      return has (jb, seq);
    }
  /* at most a window of the buffer: nothing older can still be queued */
  if ((gint32) (seq - jb->decode_next) >= JN_JITTER_BUFFER_SLOTS)
    jb->decode_next = seq + 1 - JN_JITTER_BUFFER_SLOTS;
  for (guint lost = 0; (gint32) (seq - jb->decode_next) >= 0; jb->decode_next++)
    if (!has (jb, jb->decode_next))
      {
        /* over a short gap the decoder's state follows the loss; after a
         * long one there is nothing left of it to carry */
        if (lost++ < DECODE_OVER_LOST)
          jb->decoder (jb->decoder_data, NULL, 0, jb->lost_audio);
      }
    else if (jb->slots[jb->decode_next % JN_JITTER_BUFFER_SLOTS].coded_size > 0)
      decode_slot (jb, jb->decode_next);
  return has (jb, seq);
}

void
jn_jitter_buffer_set_decoder (JnJitterBuffer  *jb,
                              JnPacketDecoder  decoder,
                              gpointer         user_data,
                              gsize            max_size)
{
  g_return_if_fail (decoder != NULL && max_size > 0);
  g_return_if_fail (jb->level == 0);

  jb->decoder = decoder;
  jb->decoder_data = user_data;
  jb->coded_max = max_size;
  g_free (jb->coded);
  g_free (jb->lost_audio);
  jb->coded = g_new0 (guint8, JN_JITTER_BUFFER_SLOTS * max_size);
  jb->lost_audio = g_new0 (float, (gsize) jb->frames * jb->channels);
}

static void
go_idle (JnJitterBuffer *jb)
{
  memset (jb->slots, 0, sizeof jb->slots);   /* copy flags too */
  jb->playing = FALSE;
  jb->finishing = FALSE;
  jb->faded_out = FALSE;
  jb->level = 0;
  jb->run = 0;
  jb->grow_pending = 0;
  jb->shrink_pending = FALSE;
  jb->decoded_any = FALSE;
}

static JnJitterPushResult
push (JnJitterBuffer *jb,
      guint32         seq,
      const float    *interleaved,
      const guint8   *data,
      gsize           size)
{
  Slot *slot = &jb->slots[seq % JN_JITTER_BUFFER_SLOTS];

  if (jb->playing || jb->level > 0)
    {
      /* from playout, or while priming from the newest queued */
      gint32 ahead = (gint32) (seq - (jb->playing ? jb->next_seq : jb->highest));

      if (jb->playing && ahead < 0)
        {
          /* it would have played, had the buffer been one packet deeper */
          if (jb->adaptive && jb->depth < jb->max_depth)
            {
              jb->depth++;
              jb->grow_pending++;
              jb->stats.grows++;
            }
          jb->calm = 0;
          return JN_JITTER_PUSH_LATE;
        }
      /* priming: keep a window of SLOTS around what is queued */
      if (ahead <= -JN_JITTER_BUFFER_SLOTS)
        return JN_JITTER_PUSH_OVERFLOW;
      /* the stream jumped ahead (its sender's thread, or ours, stalled
       * and skipped ahead; while priming, a second stall soon after the
       * first): what is queued is behind it, start again from here rather
       * than conceal our way there, or never fill */
      if (ahead >= JN_JITTER_BUFFER_SLOTS)
        {
          go_idle (jb);
          jb->stats.restarts++;
        }
    }

  if (slot->valid)
    {
      if (slot->seq == seq)
        {
          if (!slot->copy)
            return JN_JITTER_PUSH_DUPLICATE;
          /* the packet itself, after its copy: it plays instead */
          slot->copy = FALSE;
          slot->refine = FALSE;
          memcpy (slot_audio (jb, seq), interleaved, sizeof (float) * jb->frames * jb->channels);
          return JN_JITTER_PUSH_QUEUED;
        }
      /* a stale entry of an older lap: only possible while priming */
      jb->level--;
    }

  slot->valid = TRUE;
  slot->copy = FALSE;
  slot->refine = FALSE;
  slot->seq = seq;
  slot->coded_size = size;
  if (data != NULL)
    memcpy (slot_coded (jb, seq), data, size);
  else
    memcpy (slot_audio (jb, seq), interleaved, sizeof (float) * jb->frames * jb->channels);
  if (jb->level == 0 || (gint32) (seq - jb->highest) > 0)
    jb->highest = seq;
  jb->level++;
  return JN_JITTER_PUSH_QUEUED;
}

JnJitterPushResult
jn_jitter_buffer_push (JnJitterBuffer *jb,
                       guint32         seq,
                       const float    *interleaved)
{
  g_return_val_if_fail (jb->decoder == NULL, JN_JITTER_PUSH_OVERFLOW);
  return push (jb, seq, interleaved, NULL, 0);
}

JnJitterPushResult
jn_jitter_buffer_push_copy (JnJitterBuffer *jb,
                            guint32         seq,
                            const float    *interleaved,
                            const float    *steps)
{
  Slot *slot = &jb->slots[seq % JN_JITTER_BUFFER_SLOTS];
  gint32 ahead = (gint32) (seq - jb->next_seq);

  g_return_val_if_fail (jb->decoder == NULL, JN_JITTER_PUSH_OVERFLOW);

  /* a copy fills a hole in a stream that plays or is about to: it says
   * nothing of the network's delay (no growing), nor restarts a stream */
  if ((jb->playing && ahead < 0) || (!jb->playing && jb->level == 0))
    return JN_JITTER_PUSH_LATE;
  if ((jb->playing && ahead >= JN_JITTER_BUFFER_SLOTS) ||
      (!jb->playing && ABS ((gint32) (seq - jb->highest)) >= JN_JITTER_BUFFER_SLOTS))
    return JN_JITTER_PUSH_OVERFLOW;
  if (slot->valid && slot->seq == seq)
    return JN_JITTER_PUSH_DUPLICATE;
  if (jb->finishing && (gint32) (seq - jb->highest) > 0)
    return JN_JITTER_PUSH_OVERFLOW;   /* nothing after the last it said it sent */
  if (push (jb, seq, interleaved, NULL, 0) != JN_JITTER_PUSH_QUEUED)
    return JN_JITTER_PUSH_DUPLICATE;
  slot->copy = TRUE;
  if (steps != NULL && jn_audio_copy_can_refine (jb->frames, jb->channels))
    {
      memcpy (jb->steps + (gsize) (seq % JN_JITTER_BUFFER_SLOTS) * jb->blocks, steps,
              sizeof (float) * jb->blocks);
      slot->refine = TRUE;
    }
  return JN_JITTER_PUSH_QUEUED;
}

const float *
jn_jitter_buffer_peek (JnJitterBuffer *jb,
                       guint32         seq,
                       gboolean       *is_copy)
{
  Slot *slot = &jb->slots[seq % JN_JITTER_BUFFER_SLOTS];

  g_return_val_if_fail (jb->decoder == NULL, NULL);

  if (!slot->valid || slot->seq != seq)
    return NULL;
  if (is_copy != NULL)
    *is_copy = slot->copy;
  return slot_audio (jb, seq);
}

JnJitterPushResult
jn_jitter_buffer_push_coded (JnJitterBuffer *jb,
                             guint32         seq,
                             const guint8   *data,
                             gsize           size)
{
  g_return_val_if_fail (jb->decoder != NULL, JN_JITTER_PUSH_OVERFLOW);
  if (size == 0 || size > jb->coded_max)
    return JN_JITTER_PUSH_OVERFLOW;
  return push (jb, seq, NULL, data, size);
}

static gboolean
lowest_queued (JnJitterBuffer *jb,
               guint32        *out)
{
  gboolean found = FALSE;
  guint32 lowest = 0;

  for (guint i = 0; i < JN_JITTER_BUFFER_SLOTS; i++)
    if (jb->slots[i].valid && (!found || (gint32) (jb->slots[i].seq - lowest) < 0))
      {
        lowest = jb->slots[i].seq;
        found = TRUE;
      }
  *out = lowest;
  return found;
}

static void
play (JnJitterBuffer *jb,
      const float    *in,
      float          *out,
      const float    *future,
      guint           future_frames,
      guint           gap_frames)
{
  gsize n = (gsize) jb->frames * jb->channels;

  if (jb->filter != NULL)
    jb->filter (jb->filter_data, in, out, jb->frames, jb->channels, future, future_frames,
                gap_frames);
  else if (in != NULL)
    memcpy (out, in, sizeof (float) * n);
  else
    memset (out, 0, sizeof (float) * n);
}

/* Conceals the period before packet `seq`, handing over the packets queued
 * from `seq` on (within the lookahead) as what follows the gap.  A copy
 * is handed over as nothing, nor anything after it: its coding noise is
 * white, and an interpolation made to meet it follows the noise
 * (docs/pnbtr.md, "Measuring").  One that will be refined is part of the
 * gap (gap_after()); one that will not ends it, and the extrapolated gap
 * fades into it as into any packet. */
static void
conceal (JnJitterBuffer *jb,
         guint32         seq,
         guint           gap_packets,
         float          *out)
{
  gsize n = (gsize) jb->frames * jb->channels;
  guint k = 0;

  for (guint32 q = seq; k < JN_JITTER_LOOKAHEAD && ready (jb, q) &&
                        !jb->slots[q % JN_JITTER_BUFFER_SLOTS].copy; q++, k++)
    memcpy (jb->future + k * n, slot_audio (jb, q), sizeof (float) * n);
  play (jb, NULL, out, k ? jb->future : NULL, k * jb->frames, gap_packets * jb->frames);
}

/* The periods from s to the gap's end: to the first packet queued within
 * the lookahead, past copies that will be refined (they are concealed
 * too); LOOKAHEAD + 1 when none is. */
static guint
gap_after (JnJitterBuffer *jb,
           guint32         s)
{
  guint gap = 1;

  while (gap <= JN_JITTER_LOOKAHEAD &&
         (!ready (jb, s + gap) || refines (jb, s + gap)))
    gap++;
  return gap;
}

/* Period s, missing (or a copy to refine): concealed up to the first
 * queued packet within the lookahead, or extrapolated where none is. */
static void
conceal_at (JnJitterBuffer *jb,
            guint32         s,
            float          *out)
{
  guint gap = gap_after (jb, s);

  if (gap <= JN_JITTER_LOOKAHEAD)
    conceal (jb, s + gap, gap, out);
  else
    play (jb, NULL, out, NULL, 0, 0);
}

/* A period that ends the stream: down to silence by its end (a raised
 * cosine, which starts and ends flat). */
static void
fade_out (JnJitterBuffer *jb,
          float          *out)
{
  for (guint i = 0; i < jb->frames; i++)
    {
      float w = (float) (0.5 + 0.5 * cos (G_PI * (i + 1.0) / jb->frames));

      for (guint c = 0; c < jb->channels; c++)
        out[(gsize) i * jb->channels + c] *= w;
    }
}

/* The last period of a stream that has gone fades out, no click. */
static void
end_if_last (JnJitterBuffer *jb,
             float          *out)
{
  if (jb->finishing && jb->level == 0)
    {
      fade_out (jb, out);
      jb->faded_out = TRUE;
    }
}

JnJitterPopResult
jn_jitter_buffer_pop (JnJitterBuffer *jb,
                      float          *out,
                      guint32        *seq)
{
  guint32 s;
  /* the period before played a packet: its last frames are in tail */
  gboolean after_packet = jb->tail_valid;

  jb->tail_valid = FALSE;

  if (!jb->playing)
    {
      if (jb->level < jb->depth && !(jb->finishing && jb->level > 0))
        return JN_JITTER_POP_IDLE;
      if (!lowest_queued (jb, &jb->next_seq))
        return JN_JITTER_POP_IDLE;
      jb->playing = TRUE;
      jb->run = 0;
    }

  if (jb->finishing && (jb->level == 0 || (gint32) (jb->next_seq - jb->highest) > 0))
    {
      /* a stream that went while in a gap: its concealment fades out over
       * one more period rather than stop mid-sound */
      if (jb->run > 0 && !jb->faded_out)
        {
          jb->faded_out = TRUE;
          if (seq != NULL)
            *seq = jb->next_seq;
          jb->next_seq++;
          play (jb, NULL, out, NULL, 0, 0);
          fade_out (jb, out);
          return JN_JITTER_POP_CONCEALED;
        }
      go_idle (jb);
      return JN_JITTER_POP_IDLE;
    }

  if (jb->adaptive && !jb->finishing)
    {
      if (++jb->calm >= jb->calm_limit && jb->depth > jb->min_depth)
        {
          jb->depth--;
          jb->stats.shrinks++;
          jb->shrink_pending = TRUE;
          jb->calm = 0;
        }
      /* the level back to the depth: what is queued beyond it is latency */
      if (jb->level > jb->depth + 1)
        {
          if (++jb->excess >= jb->excess_limit)
            {
              jb->shrink_pending = TRUE;
              jb->excess = jb->excess_limit - DRAIN_EVERY;
            }
        }
      else
        jb->excess = 0;

      /* growing: one extra concealed period before the next packet */
      if (jb->grow_pending > 0)
        {
          jb->grow_pending--;
          jb->stats.stretched++;
          if (seq != NULL)
            *seq = jb->next_seq - 1;
          conceal (jb, jb->next_seq, 1, out);
          return JN_JITTER_POP_CONCEALED;
        }

      /* shrinking: the next two packets, crossfaded into one period */
      if (jb->shrink_pending && jb->level > jb->depth &&
          ready (jb, jb->next_seq) && ready (jb, jb->next_seq + 1))
        {
          const float *a = slot_audio (jb, jb->next_seq), *b = slot_audio (jb, jb->next_seq + 1);

          for (guint i = 0; i < jb->frames; i++)
            {
              float w = (float) (0.5 - 0.5 * cos (G_PI * (i + 0.5) / jb->frames));

              for (guint c = 0; c < jb->channels; c++)
                {
                  gsize k = (gsize) i * jb->channels + c;

                  jb->merged[k] = (1.f - w) * a[k] + w * b[k];
                }
            }
          take (jb, jb->next_seq);
          take (jb, jb->next_seq + 1);
          if (seq != NULL)
            *seq = jb->next_seq + 1;
          jb->next_seq += 2;
          jb->shrink_pending = FALSE;
          jb->stats.compressed++;
          jb->run = 0;
          play (jb, jb->merged, out, NULL, 0, 0);
          return JN_JITTER_POP_PLAYED;
        }
    }

  s = jb->next_seq++;
  if (seq != NULL)
    *seq = s;

  if (ready (jb, s))
    {
      float *audio = slot_audio (jb, s);
      gboolean copy = jb->slots[s % JN_JITTER_BUFFER_SLOTS].copy;

      /* a copy, with a concealment to ask: concealed as if lost, and the
       * copy refined with that prediction (jn_audio_copy_refine()) */
      if (copy && refines (jb, s))
        {
          gsize n = (gsize) jb->frames * jb->channels;

          conceal_at (jb, s, jb->prediction);
          jn_audio_copy_refine (audio, jb->frames, jb->channels,
                                jb->steps + (gsize) (s % JN_JITTER_BUFFER_SLOTS) * jb->blocks,
                                jb->prediction);
          /* its end into the packet after, where that is here */
          if (has (jb, s + 1) && !jb->slots[(s + 1) % JN_JITTER_BUFFER_SLOTS].copy)
            jn_audio_copy_smooth_edges (audio, jb->frames, jb->channels, NULL, slot_audio (jb, s + 1));
          jb->amend (jb->filter_data, audio, jb->frames, jb->channels);
          memcpy (out, audio, sizeof (float) * n);
          take (jb, s);
          jb->run = 0;
          end_if_last (jb, out);
          return JN_JITTER_POP_PLAYED;
        }
      /* a copy's coding error at its edges would be a step: smoothed
       * into the packets around it, where they are here */
      if (copy && jb->decoder == NULL)
        jn_audio_copy_smooth_edges (audio, jb->frames, jb->channels, after_packet ? jb->tail : NULL,
                                    has (jb, s + 1) && !jb->slots[(s + 1) % JN_JITTER_BUFFER_SLOTS].copy
                                    && jb->frames >= 2 ? slot_audio (jb, s + 1) : NULL);
      jb->tail_valid = !copy && jb->frames >= 2;
      if (jb->tail_valid)
        memcpy (jb->tail, audio + (gsize) (jb->frames - 2) * jb->channels, sizeof (float) * 2 * jb->channels);
      take (jb, s);
      jb->run = 0;
      play (jb, audio, out, NULL, 0, 0);
      end_if_last (jb, out);
      return JN_JITTER_POP_PLAYED;
    }

  if (jb->level == 0 && jb->run >= IDLE_AFTER_RUN)
    {
      go_idle (jb);
      return JN_JITTER_POP_IDLE;
    }
  jb->run++;
  {
    /* the gap ends at the first queued packet within the lookahead */
    conceal_at (jb, s, out);
  }
  return JN_JITTER_POP_CONCEALED;
}

void
jn_jitter_buffer_finish (JnJitterBuffer *jb)
{
  jb->finishing = TRUE;
}

guint
jn_jitter_buffer_get_level (const JnJitterBuffer *jb)
{
  return jb->level;
}

guint
jn_jitter_buffer_get_depth (const JnJitterBuffer *jb)
{
  return jb->depth;
}

void
jn_jitter_buffer_get_depth_stats (const JnJitterBuffer *jb,
                                  JnJitterDepthStats   *stats)
{
  *stats = jb->stats;
  stats->depth = jb->depth;
  stats->min_depth = jb->min_depth;
  stats->max_depth = jb->max_depth;
}

gboolean
jn_jitter_buffer_is_playing (const JnJitterBuffer *jb)
{
  return jb->playing;
}

guint
jn_jitter_buffer_take_copies (JnJitterBuffer *jb,
                              const JnPacket *packet,
                              float          *scratch)
{
  guint samples = jb->frames * jb->channels, disagree = 0;

  for (guint i = 0; i < packet->audio.n_copies; i++)
    {
      guint32 seq = packet->header.seq - packet->audio.copies[i].back;
      guint bits = packet->audio.copies[i].bits;
      gboolean is_copy = FALSE;
      const float *have = jn_jitter_buffer_peek (jb, seq, &is_copy);

      if (have != NULL)
        {
          if (!is_copy && !jn_audio_copy_matches (packet->audio.copies[i].data, samples, bits, have))
            disagree++;
          continue;
        }
      jn_audio_copy_decode (packet->audio.copies[i].data, samples, bits, scratch);
      jn_audio_copy_decode_steps (packet->audio.copies[i].data, samples, jb->copy_steps);
      jn_jitter_buffer_push_copy (jb, seq, scratch, jb->copy_steps);
    }
  return disagree;
}
