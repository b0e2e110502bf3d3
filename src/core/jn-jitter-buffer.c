/* jn-jitter-buffer.c: fixed-depth playout buffer
 *
 * Playout starts once `depth` packets are queued (so the buffer adds depth
 * packet periods of latency) and then takes one packet per period in sequence
 * order.  A packet missing at its turn is concealed through the conceal hook;
 * one arriving after its turn is late and dropped.  After a long run of
 * concealment with nothing queued the stream is considered stopped and the
 * buffer primes again.  Nothing here allocates after creation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-jitter-buffer"

#include "config.h"

#include <string.h>

#include "jn-jitter-buffer.h"

/* Concealed periods in a row, with nothing queued, after which a stream is
 * taken to have stopped (about 170 ms at 128 frames / 48 kHz). */
#define IDLE_AFTER_RUN 64

typedef struct
{
  gboolean valid;
  guint32  seq;
} Slot;

struct _JnJitterBuffer
{
  guint         depth;
  guint         frames;
  guint         channels;
  gboolean      playing;
  gboolean      finishing;
  guint32       next_seq;     /* playout position when playing */
  guint32       highest;      /* highest queued sequence number */
  guint         level;        /* packets queued */
  guint         run;          /* concealed periods in a row */
  JnConcealFunc conceal;
  gpointer      conceal_data;
  Slot          slots[JN_JITTER_BUFFER_SLOTS];
  float        *audio;        /* SLOTS x frames x channels */
};

static void
zero_fill (gpointer  user_data,
           guint32   seq,
           guint     run,
           float    *out,
           guint     frames,
           guint     channels)
{
  memset (out, 0, sizeof (float) * frames * channels);
}

JnJitterBuffer *
jn_jitter_buffer_new (guint depth,
                      guint frames,
                      guint channels)
{
  JnJitterBuffer *jb;

  g_return_val_if_fail (depth >= 1 && depth < JN_JITTER_BUFFER_SLOTS, NULL);
  g_return_val_if_fail (frames > 0 && channels > 0, NULL);

  jb = g_new0 (JnJitterBuffer, 1);
  jb->depth = depth;
  jb->frames = frames;
  jb->channels = channels;
  jb->conceal = zero_fill;
  jb->audio = g_new0 (float, (gsize) JN_JITTER_BUFFER_SLOTS * frames * channels);
  return jb;
}

void
jn_jitter_buffer_free (JnJitterBuffer *jb)
{
  if (jb == NULL)
    return;
  g_free (jb->audio);
  g_free (jb);
}

void
jn_jitter_buffer_set_conceal_func (JnJitterBuffer *jb,
                                   JnConcealFunc   func,
                                   gpointer        user_data)
{
  jb->conceal = func ? func : zero_fill;
  jb->conceal_data = user_data;
}

static inline float *
slot_audio (JnJitterBuffer *jb,
            guint32         seq)
{
  return jb->audio + (gsize) (seq % JN_JITTER_BUFFER_SLOTS) * jb->frames * jb->channels;
}

JnJitterPushResult
jn_jitter_buffer_push (JnJitterBuffer *jb,
                       guint32         seq,
                       const float    *interleaved)
{
  Slot *slot = &jb->slots[seq % JN_JITTER_BUFFER_SLOTS];

  if (jb->playing)
    {
      gint32 ahead = (gint32) (seq - jb->next_seq);

      if (ahead < 0)
        return JN_JITTER_PUSH_LATE;
      if (ahead >= JN_JITTER_BUFFER_SLOTS)
        return JN_JITTER_PUSH_OVERFLOW;
    }
  else if (jb->level > 0)
    {
      /* priming: keep a window of SLOTS around what is queued */
      gint32 ahead = (gint32) (seq - jb->highest);

      if (ahead >= JN_JITTER_BUFFER_SLOTS || ahead <= -JN_JITTER_BUFFER_SLOTS)
        return JN_JITTER_PUSH_OVERFLOW;
    }

  if (slot->valid)
    {
      if (slot->seq == seq)
        return JN_JITTER_PUSH_DUPLICATE;
      /* a stale entry of an older lap: only possible while priming */
      jb->level--;
    }

  slot->valid = TRUE;
  slot->seq = seq;
  memcpy (slot_audio (jb, seq), interleaved, sizeof (float) * jb->frames * jb->channels);
  if (jb->level == 0 || (gint32) (seq - jb->highest) > 0)
    jb->highest = seq;
  jb->level++;
  return JN_JITTER_PUSH_QUEUED;
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
go_idle (JnJitterBuffer *jb)
{
  memset (jb->slots, 0, sizeof jb->slots);
  jb->playing = FALSE;
  jb->finishing = FALSE;
  jb->level = 0;
  jb->run = 0;
}

JnJitterPopResult
jn_jitter_buffer_pop (JnJitterBuffer *jb,
                      float          *out,
                      guint32        *seq)
{
  Slot *slot;
  guint32 s;

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
      go_idle (jb);
      return JN_JITTER_POP_IDLE;
    }

  s = jb->next_seq++;
  if (seq != NULL)
    *seq = s;
  slot = &jb->slots[s % JN_JITTER_BUFFER_SLOTS];

  if (slot->valid && slot->seq == s)
    {
      memcpy (out, slot_audio (jb, s), sizeof (float) * jb->frames * jb->channels);
      slot->valid = FALSE;
      jb->level--;
      jb->run = 0;
      return JN_JITTER_POP_PLAYED;
    }

  if (jb->level == 0 && jb->run >= IDLE_AFTER_RUN)
    {
      go_idle (jb);
      return JN_JITTER_POP_IDLE;
    }
  jb->run++;
  jb->conceal (jb->conceal_data, s, jb->run, out, jb->frames, jb->channels);
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

gboolean
jn_jitter_buffer_is_playing (const JnJitterBuffer *jb)
{
  return jb->playing;
}
