/* jn-audio-copy.c: block floating point copies of audio packets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-audio-copy"

#include "config.h"

#include <math.h>
#include <string.h>

#include "jn-audio-copy.h"

static inline gint
to_s16 (float v)
{
  long q;

  if (!(v == v))
    return 0;
  q = lrintf (CLAMP (v, -1.f, 1.f) * 32768.f);
  return (gint) CLAMP (q, -32768, 32767);
}

static inline guint
n_blocks (guint samples)
{
  return (samples + JN_COPY_BLOCK - 1) / JN_COPY_BLOCK;
}

gsize
jn_audio_copy_size (guint samples,
                    guint bits)
{
  return (n_blocks (samples) + 1) / 2 + ((gsize) samples * bits + 7) / 8;
}

/* The shift of a block whose largest magnitude is peak. */
static guint
block_shift (gint  peak,
             guint bits)
{
  guint shift = 0;

  while (shift < 15 && (peak >> shift) > (1 << (bits - 1)) - 1)
    shift++;
  return shift;
}

void
jn_audio_copy_encode (const float *in,
                      guint        samples,
                      guint        bits,
                      guint8      *out)
{
  guint blocks = n_blocks (samples);
  guint8 *data = out + (blocks + 1) / 2;
  guint64 acc = 0;
  guint filled = 0;
  gint lim = (1 << (bits - 1)) - 1;

  g_return_if_fail (bits >= JN_COPY_MIN_BITS && bits <= JN_COPY_MAX_BITS);

  memset (out, 0, jn_audio_copy_size (samples, bits));
  for (guint b = 0; b < blocks; b++)
    {
      guint first = b * JN_COPY_BLOCK, n = MIN (JN_COPY_BLOCK, samples - first), shift;
      gint peak = 0;

      for (guint i = 0; i < n; i++)
        peak = MAX (peak, ABS (to_s16 (in[first + i])));
      shift = block_shift (peak, bits);
      out[b / 2] |= (guint8) (shift << (b % 2 ? 0 : 4));
      for (guint i = 0; i < n; i++)
        {
          gint v = to_s16 (in[first + i]);
          gint q = (v + (shift > 0 ? 1 << (shift - 1) : 0)) >> shift;

          q = CLAMP (q, -lim - 1, lim);
          /* rounded up beyond the block's loudest sample, a step down: a
           * copy is never louder than the audio it copies (still within
           * the step jn_audio_copy_matches() allows) */
          if (ABS (q) * (1 << shift) > peak)
            q -= q > 0 ? 1 : -1;
          acc = acc << bits | ((guint) q & ((1u << bits) - 1));
          filled += bits;
          while (filled >= 8)
            {
              *data++ = (guint8) (acc >> (filled - 8));
              filled -= 8;
            }
        }
    }
  if (filled > 0)
    *data = (guint8) (acc << (8 - filled));
}

/* Reads a copy's samples back, one at a time. */
typedef struct
{
  const guint8 *shifts;
  const guint8 *data;
  guint         bits;
  guint64       acc;
  guint         have;
  guint         index;
} Unpacker;

static void
unpacker_init (Unpacker     *u,
               const guint8 *in,
               guint         samples,
               guint         bits)
{
  memset (u, 0, sizeof *u);
  u->shifts = in;
  u->data = in + (n_blocks (samples) + 1) / 2;
  u->bits = bits;
}

/* The next sample, at 16-bit scale, and its block's shift. */
static gint
unpacker_next (Unpacker *u,
               guint    *shift)
{
  guint b = u->index++ / JN_COPY_BLOCK, raw;
  gint value;

  *shift = (u->shifts[b / 2] >> (b % 2 ? 0 : 4)) & 0xF;
  while (u->have < u->bits)
    {
      u->acc = u->acc << 8 | *u->data++;
      u->have += 8;
    }
  raw = (guint) (u->acc >> (u->have - u->bits)) & ((1u << u->bits) - 1);
  u->have -= u->bits;
  value = (raw & (1u << (u->bits - 1))) ? (gint) raw - (1 << u->bits) : (gint) raw;
  return value * (1 << *shift);
}

void
jn_audio_copy_decode (const guint8 *in,
                      guint         samples,
                      guint         bits,
                      float        *out)
{
  Unpacker u;
  guint shift;

  g_return_if_fail (bits >= JN_COPY_MIN_BITS && bits <= JN_COPY_MAX_BITS);

  unpacker_init (&u, in, samples, bits);
  for (guint i = 0; i < samples; i++)
    {
      gint value = unpacker_next (&u, &shift);

      out[i] = CLAMP (value, -32768, 32767) / 32768.f;
    }
}

gboolean
jn_audio_copy_matches (const guint8 *copy,
                       guint         samples,
                       guint         bits,
                       const float  *original)
{
  Unpacker u;
  guint shift;

  g_return_val_if_fail (bits >= JN_COPY_MIN_BITS && bits <= JN_COPY_MAX_BITS, FALSE);

  unpacker_init (&u, copy, samples, bits);
  for (guint i = 0; i < samples; i++)
    {
      gint value = unpacker_next (&u, &shift);

      /* half a step of rounding; under a step where the top clamps */
      if (ABS (value - to_s16 (original[i])) > (1 << shift))
        return FALSE;
    }
  return TRUE;
}

guint
jn_audio_copy_bits (guint back)
{
  return back == 1 ? 5 : 4;
}

gsize
jn_audio_copies_size (guint samples,
                      guint k)
{
  gsize size = k > 0 ? 1 : 0;

  for (guint back = 1; back <= k; back++)
    size += 2 + jn_audio_copy_size (samples, jn_audio_copy_bits (back));
  return size;
}

guint
jn_audio_copies_wanted (guint  burst,
                        guint  depth,
                        double loss_rate)
{
  guint useful = MAX (depth, 2) - 1;

  return MIN (MIN (burst, useful), loss_rate >= 0.10 ? JN_COPY_MAX : 2);
}

/* the largest step between n samples of one channel */
static float
max_step (const float *x,
          guint        stride,
          guint        n)
{
  float top = 0.f;

  for (guint i = 1; i < n; i++)
    top = MAX (top, fabsf (x[(gsize) i * stride] - x[(gsize) (i - 1) * stride]));
  return top;
}

/* Ramps the edge at x (the copy's first sample, dir 1, or its last, dir
 * -1) by -step, fading over m samples.  The step is a coding error: at
 * most the coarsest copy's step (a 4-bit block's, an eighth of its peak),
 * and the samples stay within that peak or the neighbour's sample next to
 * it, whichever is louder (a copy is never louder than what it copies,
 * nor is it made louder than the audio it meets). */
static void
ramp_edge (float *x,
           guint  stride,
           guint  m,
           int    dir,
           float  step,
           float  neighbour)
{
  float peak = 0.f, bound, limit;

  for (guint k = 0; k < MIN (m * 2, JN_COPY_BLOCK); k++)
    peak = MAX (peak, fabsf (x[(gssize) dir * k * stride]));
  bound = peak / (1 << (JN_COPY_MIN_BITS - 1));
  limit = MAX (peak, fabsf (neighbour));
  step = CLAMP (step, -bound, bound);
  for (guint k = 0; k < m; k++)
    {
      float *v = &x[(gssize) dir * k * stride];

      *v = CLAMP (*v - step * (float) (m - k) / m, -limit, limit);
    }
}

void
jn_audio_copy_smooth_edges (float       *copy,
                            guint        frames,
                            guint        channels,
                            const float *before,
                            const float *after)
{
  guint m = MIN (JN_COPY_EDGE_FRAMES, frames / 2);

  for (guint c = 0; c < channels && m > 0; c++)
    {
      /* the neighbour's slope, no steeper than the copy's own steps
       * there: at a note's onset the line through two samples points far
       * off, and would take the copy with it */
      if (before != NULL)
        {
          float *start = copy + c;
          float own = max_step (start, channels, m);
          float line = before[channels + c] + CLAMP (before[channels + c] - before[c], -own, own);

          ramp_edge (start, channels, m, 1, *start - line, before[channels + c]);
        }
      if (after != NULL)
        {
          float *end = copy + (gsize) (frames - 1) * channels + c;
          float own = max_step (end - (gsize) (m - 1) * channels, channels, m);
          float line = after[c] - CLAMP (after[channels + c] - after[c], -own, own);

          ramp_edge (end, channels, m, -1, *end - line, after[c]);
        }
    }
}
