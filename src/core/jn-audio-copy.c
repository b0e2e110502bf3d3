/* jn-audio-copy.c: block floating point copies of audio packets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-audio-copy"

#include "config.h"

#include <math.h>
#include <string.h>

#include "jn-audio-copy.h"
#include "pnbtr-dsp.h"

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

void
jn_audio_copy_decode_steps (const guint8 *in,
                            guint         samples,
                            float        *steps)
{
  for (guint b = 0; b < n_blocks (samples); b++)
    steps[b] = (float) (1 << ((in[b / 2] >> (b % 2 ? 0 : 4)) & 0xF)) / 32768.f;
}

#define OVER_SUBTRACT 4.0

/* Where the original of a copy's sample v was: v ± step / 2, but the
 * block's loudest may have been a step down from its rounding
 * (jn_audio_copy_encode()): its cell reaches a step out. */
static void
cell (double  v,
      double  step,
      double  top,
      double *lo,
      double *hi)
{
  *lo = v - 0.5 * step;
  *hi = v + 0.5 * step;
  if (v > 0 && v == top)
    *hi = v + step;
  else if (v < 0 && -v == top)
    *lo = v - step;
}

/* The mean of x ~ N(mu, sigma^2) given lo <= x <= hi. */
static float
cell_mean (double mu,
           double sigma,
           double lo,
           double hi)
{
  double a = (lo - mu) / sigma, b = (hi - mu) / sigma, mass, mean;

  if (a > 30.0)
    return (float) MIN (lo + sigma / a, hi);
  if (b < -30.0)
    return (float) MAX (hi + sigma / b, lo);
  /* the tail's side of erfc, where it keeps its precision */
  if (a > 0)
    mass = 0.5 * (erfc (a * G_SQRT2 / 2) - erfc (b * G_SQRT2 / 2));
  else if (b < 0)
    mass = 0.5 * (erfc (-b * G_SQRT2 / 2) - erfc (-a * G_SQRT2 / 2));
  else
    mass = 1.0 - 0.5 * (erfc (-a * G_SQRT2 / 2) + erfc (b * G_SQRT2 / 2));
  if (!(mass > 1e-300))
    return (float) (0.5 * (lo + hi));
  mean = mu + sigma * (exp (-0.5 * a * a) - exp (-0.5 * b * b)) / (sqrt (2 * G_PI) * mass);
  return (float) CLAMP (mean, lo, hi);
}

/* The samples' own refinement: each the mean of its cell, given the
 * prediction and its error. */
static void
refine_in_cells (float       *copy,
                 guint        samples,
                 const float *steps,
                 const float *prediction)
{
  for (guint b = 0; b < n_blocks (samples); b++)
    {
      guint first = b * JN_COPY_BLOCK, n = MIN (JN_COPY_BLOCK, samples - first);
      double step = steps[b], d2 = 0, var, top = 0;

      /* a full-precision block: nothing to refine */
      if (step <= 1.0 / 32768.0)
        continue;
      for (guint i = 0; i < n; i++)
        {
          double d = prediction[first + i] - copy[first + i];

          d2 += d * d;
          top = MAX (top, fabs (copy[first + i]));
        }
      /* the prediction's own error: what its disagreement with the copy
       * has beyond the copy's rounding (step^2 / 12) */
      var = MAX (d2 / n - step * step / 12.0, step * step * 1e-4);
      for (guint i = 0; i < n; i++)
        {
          double lo, hi;

          cell (copy[first + i], step, top, &lo, &hi);
          copy[first + i] = cell_mean (prediction[first + i], sqrt (var), lo, hi);
        }
    }
}

/* A refined copy's start meets the prediction, which the concealment
 * continued from the audio before it: the correction ramps in over
 * JN_COPY_EDGE_FRAMES frames.  And no sample louder than both its copy
 * and its prediction. */
static void
finish_refined (float       *copy,
                guint        frames,
                guint        channels,
                const float *decoded,
                const float *prediction)
{
  guint ramp = MIN (JN_COPY_EDGE_FRAMES, frames / 2);

  for (guint i = 0; i < frames; i++)
    {
      float w = i < ramp ? (float) (0.5 - 0.5 * cos (G_PI * (i + 1.0) / (ramp + 1.0))) : 1.f;

      for (guint c = 0; c < channels; c++)
        {
          guint k = i * channels + c;
          float v = prediction[k] + w * (copy[k] - prediction[k]);
          float loudest = MAX (fabsf (decoded[k]), fabsf (prediction[k]));

          copy[k] = CLAMP (v, -loudest, loudest);
        }
    }
}

gboolean
jn_audio_copy_can_refine (guint frames,
                          guint channels)
{
  return frames >= 2 && frames <= JN_COPY_REFINE_MAX_FRAMES && (frames & (frames - 1)) == 0 &&
         channels >= 1 && channels <= JN_COPY_REFINE_MAX_CHANNELS;
}

gboolean
jn_audio_copy_refine (float       *copy,
                      guint        frames,
                      guint        channels,
                      const float *steps,
                      const float *prediction)
{
  guint samples = frames * channels;
  double data[2 * JN_COPY_REFINE_MAX_FRAMES], twiddles[JN_COPY_REFINE_MAX_FRAMES];
  float decoded[JN_COPY_REFINE_MAX_FRAMES * JN_COPY_REFINE_MAX_CHANNELS];
  double top[(JN_COPY_REFINE_MAX_FRAMES * JN_COPY_REFINE_MAX_CHANNELS + JN_COPY_BLOCK - 1) /
             JN_COPY_BLOCK];

  if (!jn_audio_copy_can_refine (frames, channels))
    return FALSE;
  memcpy (decoded, copy, sizeof (float) * samples);
  for (guint b = 0; b < n_blocks (samples); b++)
    {
      top[b] = 0;
      for (guint i = b * JN_COPY_BLOCK; i < MIN ((b + 1) * JN_COPY_BLOCK, samples); i++)
        top[b] = MAX (top[b], fabs (decoded[i]));
    }
  refine_in_cells (copy, samples, steps, prediction);

  /* What stays of the copy's coding noise is white, where music's upper
   * bands are tens of dB down: the correction the copy makes to the
   * prediction keeps, bin by bin, only what stands well above that noise
   * (spectral subtraction, over-subtracted: a bin of noise alone reaches
   * OVER_SUBTRACT times its mean power once in e^OVER_SUBTRACT).  Held
   * within a step of the cells, not in them: the cells' hard edges would
   * put back white noise where the result leaves them
   * (docs/codec.md, "Refining a copy"). */
  pnbtr_fft_twiddles (twiddles, frames);
  for (guint c = 0; c < channels; c++)
    {
      double noise = 0;

      for (guint i = 0; i < frames; i++)
        {
          guint k = i * channels + c;
          double step = steps[k / JN_COPY_BLOCK];

          data[2 * i] = copy[k] - prediction[k];
          data[2 * i + 1] = 0;
          noise += step > 1.0 / 32768.0 ? step * step / 12.0 : 0;
        }
      if (noise <= 0)
        continue;
      pnbtr_fft (data, frames, twiddles, 0);
      for (guint i = 0; i < frames; i++)
        {
          double power = data[2 * i] * data[2 * i] + data[2 * i + 1] * data[2 * i + 1];
          double gain = power > OVER_SUBTRACT * noise ? 1.0 - OVER_SUBTRACT * noise / power : 0.0;

          data[2 * i] *= gain;
          data[2 * i + 1] *= gain;
        }
      pnbtr_fft (data, frames, twiddles, 1);
      for (guint i = 0; i < frames; i++)
        {
          guint k = i * channels + c;
          double step = steps[k / JN_COPY_BLOCK], lo, hi;

          if (step <= 1.0 / 32768.0)
            continue;
          cell (decoded[k], step, top[k / JN_COPY_BLOCK], &lo, &hi);
          copy[k] = (float) CLAMP (prediction[k] + data[2 * i] / frames, lo - 0.5 * step, hi + 0.5 * step);
        }
    }
  finish_refined (copy, frames, channels, decoded, prediction);
  return TRUE;
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
