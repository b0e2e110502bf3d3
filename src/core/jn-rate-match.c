/* jn-rate-match.c
 *
 * Drift is the resampler's, jitter the buffer's: the ratio follows the
 * drift estimate, which moves only over seconds, plus a pull of at most
 * JN_RATE_MATCH_LEVEL_PPM toward the buffer's target, which takes up what
 * the estimate gets wrong; the jitter buffer's own growing and shrinking
 * (whole periods stretched or merged) stays as it was and answers jitter.
 * The level term, 300 ppm a packet and at most that (half a cent), brings
 * the level back with a time constant of about 9 s; the buffer's own steps
 * move the level and the target together, so the two do not fight.
 *
 * The resampler is libspeexdsp's (docs/architecture.md says why, with the
 * figures it was chosen by).  Its ratio is set ten times a second at
 * most, on a fixed denominator, so setting it never allocates.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-rate-match"

#include "config.h"

#include <math.h>
#include <speex/speex_resampler.h>
#include <string.h>

#include "jn-rate-match.h"

/* ratio = num / DEN, in steps of 15 ppm, which the level's pull dithers
 * between.  DEN must stay under 2^16: libspeexdsp rescales its phase by
 * the denominator when the ratio changes, and above that the product
 * overflows, the change is refused halfway and the ratio it keeps is wrong
 * (seen: 10^7 kept the first ratio for good, or took in two frames for
 * each it put out).  Prime, so that no ratio near one reduces to another
 * denominator. */
#define DEN 65521u
#define QUALITY 5
/* the level's pull: ppm per packet of error */
#define LEVEL_GAIN_PPM 300.0

struct _JnRateMatch
{
  guint    frames;
  guint    channels;
  guint    rate;
  SpeexResamplerState *resampler;
  gboolean engaged;
  double   ppm;          /* the ratio set, engaged */
  double   target_ppm;   /* what steer asked for */
  float   *last;         /* not engaged: the packet played last */
  gboolean have_last;
  float   *fifo;         /* input not yet resampled: under 2 packets */
  guint    fifo_frames;
  guint32  seq;
  gint64   slip;
};

JnRateMatch *
jn_rate_match_new (guint frames,
                   guint channels,
                   guint rate)
{
  JnRateMatch *self;
  int err = 0;

  g_return_val_if_fail (frames > 0 && channels > 0 && rate > 0, NULL);

  self = g_new0 (JnRateMatch, 1);
  self->frames = frames;
  self->channels = channels;
  self->rate = rate;
  self->last = g_new0 (float, (gsize) frames * channels);
  self->fifo = g_new0 (float, (gsize) 2 * frames * channels);
  self->resampler = speex_resampler_init_frac (channels, DEN, DEN, rate, rate, QUALITY, &err);
  g_assert (self->resampler != NULL);
  return self;
}

void
jn_rate_match_free (JnRateMatch *self)
{
  if (self == NULL)
    return;
  speex_resampler_destroy (self->resampler);
  g_free (self->last);
  g_free (self->fifo);
  g_free (self);
}

static void
set_ratio (JnRateMatch *self,
           double       ppm)
{
  spx_uint32_t num = (spx_uint32_t) llround (DEN * (1.0 + ppm * 1e-6));

  if (speex_resampler_set_rate_frac (self->resampler, num, DEN, self->rate, self->rate) ==
      RESAMPLER_ERR_SUCCESS)
    self->ppm = ppm;
}

/* The resampler starts where the stream is: its filter is filled with the
 * packet played last (what it puts out for it was heard already).  So it
 * takes its lookahead from the stream's past, not from the jitter buffer's
 * margin: the last few frames of that packet play twice, once (its input
 * latency, under a millisecond). */
static void
engage (JnRateMatch *self)
{
  spx_uint32_t in_len = self->frames, out_len = self->frames;
  float *discard = self->fifo;

  self->engaged = TRUE;
  self->slip = 0;
  self->fifo_frames = 0;
  set_ratio (self, self->target_ppm);
  speex_resampler_reset_mem (self->resampler);
  speex_resampler_skip_zeros (self->resampler);
  if (self->have_last)
    speex_resampler_process_interleaved_float (self->resampler, self->last, &in_len, discard,
                                               &out_len);
}

void
jn_rate_match_steer (JnRateMatch *self,
                     gboolean     drift_valid,
                     double       drift_ppm,
                     double       level_error)
{
  double pull;

  if (!drift_valid)
    return;
  if (!self->engaged && fabs (drift_ppm) < JN_RATE_MATCH_ENGAGE_PPM)
    return;
  /* a level above target: play a little faster than the drift alone */
  pull = CLAMP (level_error * LEVEL_GAIN_PPM, -JN_RATE_MATCH_LEVEL_PPM, JN_RATE_MATCH_LEVEL_PPM);
  self->target_ppm = drift_ppm + pull;
  if (!self->engaged)
    engage (self);
  else if (fabs (self->target_ppm - self->ppm) >= 1e6 / DEN / 2)
    set_ratio (self, self->target_ppm);
}

JnJitterPopResult
jn_rate_match_run (JnRateMatch     *self,
                   JnRateMatchPull  pull,
                   gpointer         user_data,
                   float           *out,
                   guint32         *seq)
{
  guint produced = 0, pulled = 0;
  gboolean concealed = FALSE;

  if (!self->engaged)
    {
      JnJitterPopResult r = pull (user_data, out, seq);

      self->have_last = r != JN_JITTER_POP_IDLE;
      if (self->have_last)
        memcpy (self->last, out, sizeof (float) * self->frames * self->channels);
      return r;
    }

  /* what is held first, and a packet only when that does not make the
   * period: one a period on average, now and then none or two */
  for (;;)
    {
      spx_uint32_t in_len = self->fifo_frames, out_len = self->frames - produced;
      JnJitterPopResult r;

      if (in_len > 0)
        {
          speex_resampler_process_interleaved_float (self->resampler, self->fifo, &in_len,
                                                     out + (gsize) produced * self->channels,
                                                     &out_len);
          produced += out_len;
          memmove (self->fifo, self->fifo + (gsize) in_len * self->channels,
                   sizeof (float) * (self->fifo_frames - in_len) * self->channels);
          self->fifo_frames -= in_len;
        }
      if (produced == self->frames || self->fifo_frames + self->frames > 2 * self->frames ||
          pulled == 2)
        break;
      r = pull (user_data, self->fifo + (gsize) self->fifo_frames * self->channels, &self->seq);
      if (r == JN_JITTER_POP_IDLE)
        {
          /* the stream stopped: what is held goes with it */
          self->engaged = FALSE;
          self->have_last = FALSE;
          self->fifo_frames = 0;
          if (produced == 0 && pulled == 0)
            return JN_JITTER_POP_IDLE;
          break;
        }
      pulled++;
      self->fifo_frames += self->frames;
      concealed |= r == JN_JITTER_POP_CONCEALED;
    }
  if (produced < self->frames)
    memset (out + (gsize) produced * self->channels, 0,
            sizeof (float) * (self->frames - produced) * self->channels);
  if (self->engaged)
    self->slip += (gint64) pulled - 1;
  *seq = self->seq;
  return concealed ? JN_JITTER_POP_CONCEALED : JN_JITTER_POP_PLAYED;
}

gboolean
jn_rate_match_is_engaged (JnRateMatch *self)
{
  return self->engaged;
}

double
jn_rate_match_get_ppm (JnRateMatch *self)
{
  return self->engaged ? self->ppm : 0;
}

guint
jn_rate_match_get_delay (JnRateMatch *self)
{
  if (!self->engaged)
    return 0;
  return self->fifo_frames + (guint) speex_resampler_get_input_latency (self->resampler);
}

double
jn_rate_match_get_held (JnRateMatch *self)
{
  return self->engaged ? self->fifo_frames / (double) self->frames : 0;
}

gint64
jn_rate_match_get_slip (JnRateMatch *self)
{
  return self->slip;
}
