/* test-pnbtr.c: the predictor on signals with known answers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>
#include <sys/resource.h>

#include "pnbtr.h"
#include "pnbtr-dsp.h"

#define RATE   48000
#define FRAMES 128

static void
tone (float *out, gsize n, guint channels, guint64 start, gboolean quantize)
{
  for (gsize i = 0; i < n; i++)
    for (guint c = 0; c < channels; c++)
      {
        double t = (double) (start + i) / RATE;
        /* a different tone per channel */
        double v = 0.3 * sin (2 * G_PI * (440.0 + 110.0 * c) * t) + 0.2 * sin (2 * G_PI * 1234.5 * t);

        out[i * channels + c] = quantize ? (float) (lrint (v * 32767) / 32768.0) : (float) v;
      }
}

static PnbtrState *
make (const char *method, guint channels)
{
  PnbtrConfig config;
  PnbtrState *state;

  g_assert_cmpint (pnbtr_config_parse (&config, method, RATE, (int) channels, FRAMES), ==, 0);
  state = pnbtr_new (&config);
  g_assert_nonnull (state);
  return state;
}

/* Feeds 60 packets of the tone to state, conceals `lost` packets (with the
 * packet after the gap as lookahead when asked), writes them to gap when
 * not NULL, and returns the SNR of the concealment in dB. */
static double
conceal_tone_in (PnbtrState *state, guint channels, guint lost, gboolean lookahead, gboolean quantize,
                 float *gap)
{
  g_autofree float *in = g_new (float, FRAMES * channels);
  g_autofree float *out = g_new (float, FRAMES * channels);
  g_autofree float *next = g_new (float, FRAMES * channels);
  double signal = 0, noise = 0;
  guint64 pos = 0;

  for (guint p = 0; p < 60; p++, pos += FRAMES)
    {
      tone (in, FRAMES, channels, pos, quantize);
      g_assert_cmpint (pnbtr_process (state, in, out, FRAMES), ==, 0);
      g_assert_cmpmem (in, FRAMES * channels * sizeof (float), out, FRAMES * channels * sizeof (float));
    }
  tone (next, FRAMES, channels, pos + (guint64) lost * FRAMES, quantize);
  for (guint p = 0; p < lost; p++, pos += FRAMES)
    {
      PnbtrFuture future = { next, FRAMES, (int) ((lost - p) * FRAMES) };

      g_assert_cmpint (pnbtr_process_ex (state, NULL, out, FRAMES, lookahead ? &future : NULL), ==, 1);
      tone (in, FRAMES, channels, pos, quantize);
      for (guint i = 0; i < FRAMES * channels; i++)
        {
          g_assert_true (isfinite (out[i]));
          signal += (double) in[i] * in[i];
          noise += ((double) out[i] - in[i]) * ((double) out[i] - in[i]);
        }
      if (gap != NULL)
        memcpy (gap + (gsize) p * FRAMES * channels, out, sizeof (float) * FRAMES * channels);
    }
  return 10 * log10 (signal / MAX (noise, 1e-30));
}

static double
conceal_tone (const char *method, guint channels, guint lost, gboolean lookahead, gboolean quantize)
{
  PnbtrState *state = make (method, channels);
  double snr = conceal_tone_in (state, channels, lost, lookahead, quantize, NULL);

  pnbtr_free (state);
  return snr;
}

static void
test_sine_continued (void)
{
  /* a steady tone is continued almost exactly, also over a burst */
  g_assert_cmpfloat (conceal_tone ("burg:256:2048", 1, 1, FALSE, TRUE), >, 40.0);
  g_assert_cmpfloat (conceal_tone ("pnbtr", 1, 1, FALSE, TRUE), >, 40.0);
  g_assert_cmpfloat (conceal_tone ("pnbtr", 1, 3, FALSE, TRUE), >, 30.0);
  g_assert_cmpfloat (conceal_tone ("pnbtr", 2, 2, FALSE, TRUE), >, 30.0);
  /* with the packet after the gap known, and for a noiseless tone too */
  g_assert_cmpfloat (conceal_tone ("pnbtr", 1, 2, TRUE, TRUE), >, 40.0);
  g_assert_cmpfloat (conceal_tone ("pnbtr", 1, 2, TRUE, FALSE), >, 40.0);
  /* the baselines are what they are */
  g_assert_cmpfloat (fabs (conceal_tone ("zero", 1, 1, FALSE, TRUE)), <, 1e-9);
  g_assert_cmpfloat (conceal_tone ("repeat", 1, 1, FALSE, TRUE), <, 10.0);
}

static void
test_silence (void)
{
  static const char *methods[] = { "zero", "repeat", "burg", "pnbtr" };
  float zeros[FRAMES] = { 0 }, out[FRAMES];

  for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      PnbtrState *state = make (methods[m], 1);

      for (guint p = 0; p < 40; p++)
        pnbtr_process (state, zeros, out, FRAMES);
      for (guint p = 0; p < 5; p++)
        {
          g_assert_cmpint (pnbtr_process (state, NULL, out, FRAMES), ==, 1);
          for (guint i = 0; i < FRAMES; i++)
            g_assert_cmpfloat (out[i], ==, 0.f);
        }
      pnbtr_free (state);
    }
}

/* Signals that drive a high-order fit to its limits: an exponentially
 * growing burst ending in full-scale clipping, an impulse train and white
 * noise.  Whatever the model, the output stays finite, pnbtr never exceeds
 * the signal's own peak, and after 40 concealed packets it has faded. */
static void
test_hostile_signals (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (guint kind = 0; kind < 3; kind++)
    for (guint m = 0; m < 2; m++)
      {
        PnbtrState *state = make (m ? "pnbtr" : "burg", 1);
        float in[FRAMES], out[FRAMES], peak = 0.f, last_energy = 0.f;

        for (guint p = 0; p < 40; p++)
          {
            for (guint i = 0; i < FRAMES; i++)
              {
                guint n = p * FRAMES + i;

                in[i] = kind == 0 ? (float) fmin (1.0, 1e-6 * exp (n * 0.0028)) * (n % 2 ? 1.f : -1.f)
                      : kind == 1 ? (n % 97 == 0 ? 1.f : 0.f)
                      : (float) g_rand_double_range (rand, -0.5, 0.5);
                peak = fmaxf (peak, fabsf (in[i]));
              }
            pnbtr_process (state, in, out, FRAMES);
          }
        for (guint p = 0; p < 40; p++)
          {
            last_energy = 0.f;
            pnbtr_process (state, NULL, out, FRAMES);
            for (guint i = 0; i < FRAMES; i++)
              {
                g_assert_true (isfinite (out[i]));
                g_assert_cmpfloat (fabsf (out[i]), <, 8.f);
                if (m == 1)
                  g_assert_cmpfloat (fabsf (out[i]), <=, peak);
                last_energy += out[i] * out[i];
              }
          }
        if (m == 1)   /* 107 ms into the gap: faded by e^(-87/20) */
          g_assert_cmpfloat (sqrtf (last_energy / FRAMES), <, 0.02f * peak + 1e-6f);
        pnbtr_free (state);
      }
}

/* An interpolated gap meets the audio it was given as lookahead; when what
 * comes is not that (a hit where the buffer held calm), it does not step
 * into it: it fades in from the gap's last sample over a few samples, and
 * is untouched after them.  Audio that continues as the lookahead said
 * plays untouched. */
static void
test_interpolated_end (void)
{
  for (guint hit = 0; hit <= 1; hit++)
    {
      PnbtrState *state = make ("pnbtr", 1);
      float in[FRAMES], out[FRAMES], future[FRAMES], last;

      for (guint p = 0; p < 40; p++)
        {
          tone (in, FRAMES, 1, p * FRAMES, TRUE);
          pnbtr_process (state, in, out, FRAMES);
        }
      tone (future, FRAMES, 1, 41 * FRAMES, TRUE);
      {
        PnbtrFuture next = { future, FRAMES, FRAMES };

        g_assert_cmpint (pnbtr_process_ex (state, NULL, out, FRAMES, &next), ==, 1);
      }
      last = out[FRAMES - 1];
      memcpy (in, future, sizeof in);
      if (hit)
        for (guint i = 0; i < FRAMES; i++)
          in[i] += 0.5f;
      pnbtr_process (state, in, out, FRAMES);
      if (!hit)
        g_assert_cmpmem (out, sizeof out, in, sizeof in);
      else
        {
          g_test_message ("step into the hit %.3f (%.3f unblended)", fabsf (out[0] - last), fabsf (in[0] - last));
          g_assert_cmpfloat (fabsf (out[0] - last), <, 0.1f * fabsf (in[0] - last));
          g_assert_cmpmem (out + 16, sizeof (float) * (FRAMES - 16), in + 16, sizeof (float) * (FRAMES - 16));
        }
      pnbtr_free (state);
    }
}

static void
test_non_finite_input (void)
{
  PnbtrState *state = make ("pnbtr", 2);
  float in[FRAMES * 2], out[FRAMES * 2], future[FRAMES * 2];
  PnbtrFuture next = { future, FRAMES, FRAMES };

  for (guint p = 0; p < 40; p++)
    {
      tone (in, FRAMES, 2, p * FRAMES, TRUE);
      in[5] = NAN;
      in[17] = INFINITY;
      in[40] = -INFINITY;
      pnbtr_process (state, in, out, FRAMES);
      g_assert_cmpfloat (out[5], ==, 0.f);
      g_assert_cmpfloat (out[17], ==, 0.f);
    }
  tone (future, FRAMES, 2, 41 * FRAMES, TRUE);
  future[3] = NAN;
  for (guint p = 0; p < 3; p++)
    {
      pnbtr_process_ex (state, NULL, out, FRAMES, p == 0 ? &next : NULL);
      for (guint i = 0; i < FRAMES * 2; i++)
        g_assert_true (isfinite (out[i]));
    }
  pnbtr_free (state);
}

/* After a gap, pnbtr fades from its prediction into the real signal: the
 * first played sample is no further from the one before it than the
 * tone's own largest step. */
static void
test_no_click (void)
{
  PnbtrState *state = make ("pnbtr", 1);
  float in[FRAMES], out[FRAMES], prev = 0.f;
  double max_step = 0.0;

  for (guint p = 0; p < 40; p++)
    {
      tone (in, FRAMES, 1, p * FRAMES, TRUE);
      pnbtr_process (state, in, out, FRAMES);
      for (guint i = 1; i < FRAMES; i++)
        max_step = MAX (max_step, fabs ((double) in[i] - in[i - 1]));
    }
  for (guint p = 0; p < 4; p++)
    pnbtr_process (state, NULL, out, FRAMES);
  prev = out[FRAMES - 1];
  tone (in, FRAMES, 1, 44 * FRAMES, TRUE);
  pnbtr_process (state, in, out, FRAMES);
  g_assert_cmpfloat (fabs ((double) out[0] - prev), <=, max_step);
  /* and after the crossfade it is the real signal, untouched */
  for (guint i = 64; i < FRAMES; i++)
    g_assert_cmpfloat (out[i], ==, in[i]);
  pnbtr_free (state);
}

/* A rumble: a resonance at hz (pole radius r) driven by uniform noise of
 * the given level, a sample at a time. */
typedef struct
{
  double  a1, a2, y1, y2, level;
  guint32 noise;
} Rumble;

static void
rumble_init (Rumble *rumble, double hz, double r, double level, guint32 seed)
{
  double theta = 2 * G_PI * hz / RATE;

  *rumble = (Rumble) { 2 * r * cos (theta), -r * r, 0.0, 0.0, level, seed };
}

static float
rumble_next (Rumble *rumble)
{
  double y;

  rumble->noise = rumble->noise * 1664525u + 1013904223u;
  y = rumble->a1 * rumble->y1 + rumble->a2 * rumble->y2 +
      rumble->level * (rumble->noise / 4294967296.0 - 0.5);
  rumble->y2 = rumble->y1;
  rumble->y1 = y;
  return (float) y;
}

/* Into a gap, too: a rumble (noise through a resonance at 200 Hz, with no
 * pitch to be confident of) is continued from the last sample played,
 * with no larger step than its own, wherever the gap begins.  The learned
 * blend weighs an unsure prediction down; doing that from the first
 * sample on opened a step there. */
static void
test_no_click_at_start (void)
{
  for (guint gap = 0; gap < 6; gap++)
    {
      PnbtrState *state = make ("pnbtr", 1);
      float in[FRAMES], out[FRAMES];
      double max_step = 0;
      Rumble rumble;

      rumble_init (&rumble, 200.0, 0.98, 2e-3, 12345 + gap);
      for (guint p = 0; p < 40 + 7 * gap; p++)
        {
          for (guint i = 0; i < FRAMES; i++)
            in[i] = rumble_next (&rumble);
          g_assert_cmpint (pnbtr_process (state, in, out, FRAMES), ==, 0);
        }
      for (guint i = FRAMES - 16; i < FRAMES; i++)
        max_step = MAX (max_step, fabs ((double) in[i] - in[i - 1]));
      g_assert_cmpint (pnbtr_process (state, NULL, out, FRAMES), ==, 1);
      g_test_message ("gap %u: level %.3f, step into the gap %.5f, the rumble's own %.5f", gap,
                      in[FRAMES - 1], fabs ((double) out[0] - in[FRAMES - 1]), max_step);
      g_assert_cmpfloat (fabs ((double) out[0] - in[FRAMES - 1]), <=, 1.5 * max_step);
      pnbtr_free (state);
    }
}

/* A note still swelling when the gap begins (6 dB every 40 ms): the
 * continuation goes beyond the loudest sample before the gap, where the
 * stream was louder before (a loud bar outside the model's window): the
 * level limit lets it, smoothly up to its ceiling, 1.5 times the peak; a
 * hard clip at the old peak flat-topped the waveform, which splatters into
 * the bands the note does not have.  Where the swell is the loudest the
 * stream has been, the gap stays under that, bending before it rather
 * than flat-topping (a prediction louder than anything received is more
 * often wrong than a crescendo is cut short: docs/pnbtr.md). */
static double
swell_at (guint64 n)
{
  double t = (double) n / RATE;

  return 0.02 * exp (t * G_LN2 / 0.04) * (sin (2 * G_PI * 440.0 * t) + 0.3 * sin (2 * G_PI * 1320.0 * t + 0.5));
}

static void
test_swell (void)
{
  for (guint loud_past = 0; loud_past <= 1; loud_past++)
    {
      PnbtrState *state = make ("pnbtr", 1);
      float in[FRAMES], out[FRAMES];
      double signal = 0, noise = 0, peak = 0, above = 0, flat = 0, loudest = 0;
      guint64 n = 0;

      for (guint p = 0; p < 40; p++)
        {
          for (guint i = 0; i < FRAMES; i++, n++)
            {
              in[i] = loud_past && p < 4 ? (float) (0.5 * sin (2 * G_PI * 220.0 * n / RATE))
                                         : (float) swell_at (n);
              if (p >= 8)   /* the model's window: the last 4096 samples */
                peak = MAX (peak, fabs (in[i]));
              loudest = MAX (loudest, fabs (in[i]));
            }
          g_assert_cmpint (pnbtr_process (state, in, out, FRAMES), ==, 0);
        }
      for (guint p = 0; p < 2; p++)
        {
          g_assert_cmpint (pnbtr_process (state, NULL, out, FRAMES), ==, 1);
          for (guint i = 0; i < FRAMES; i++, n++)
            {
              double e = out[i] - swell_at (n);

              signal += swell_at (n) * swell_at (n);
              noise += e * e;
              above = MAX (above, fabs (out[i]));
              if (i > 0 && fabs (out[i]) > 0.99 * MIN (peak, above) && out[i] == out[i - 1])
                flat++;
              g_assert_cmpfloat (fabs (out[i]), <=, 1.5 * peak);
              g_assert_cmpfloat (fabs (out[i]), <=, loudest);
            }
        }
      g_test_message ("%s: peak before the gap %.4f, in the gap %.4f, SNR %.1f dB, %.0f flat samples",
                      loud_past ? "louder before" : "the loudest yet", peak, above,
                      10 * log10 (signal / noise), flat);
      g_assert_cmpfloat (flat, ==, 0);
      if (loud_past)
        {
          g_assert_cmpfloat (above, >, 1.05 * peak);
          g_assert_cmpfloat (10 * log10 (signal / noise), >, 40.0);   /* 34 with a hard clip at the peak */
        }
      else
        g_assert_cmpfloat (10 * log10 (signal / noise), >, 25.0);
      pnbtr_free (state);
    }
}

/* A drum-like pattern: noise hits with decaying envelopes, four to a "bar"
 * of `period` samples.  With `repeating` every bar is the same; otherwise
 * each bar's noise is new.  LPC cannot predict noise; the repetition can. */
static float
pattern_at (guint64 t, guint c, guint period, gboolean repeating)
{
  guint64 bar = t / period, in_bar = t % period;
  guint64 since = in_bar % (period / 4);
  guint32 h = (guint32) (in_bar * 2654435761u) ^ (guint32) (c * 40503u) ^
              (repeating ? 0u : (guint32) (bar * 2246822519u));

  h ^= h >> 15;
  h *= 2246822519u;
  h ^= h >> 13;
  return (float) ((h / 4294967296.0 - 0.5) * 0.8 * exp (-(double) since / 2000.0));
}

/* whether the last gap conceal_pattern_ex() began used the repetition;
 * whether the next one begins light (pnbtr_set_light()) */
static int last_gap_repeats, next_light;

/* Plays `bars` bars of the pattern, then loses `lost` packets in a loud
 * part of the next bar.  Returns the SNR of the concealment in dB and
 * writes the concealed samples to `concealed` when not NULL. */
static double
conceal_pattern_ex (int repeat_ms, guint channels, gboolean repeating, guint lost, float *concealed,
                    guint period, guint frames, int rate)
{
  PnbtrConfig config;
  PnbtrState *state;
  g_autofree float *in = g_new (float, frames * channels);
  g_autofree float *out = g_new (float, frames * channels);
  guint64 pos = 0, start = MAX ((guint64) 5 * period, 8192) + period / 4 + 300;
  double signal = 0, noise = 0;

  g_assert_cmpint (pnbtr_config_parse (&config, "pnbtr", rate, (int) channels, (int) frames), ==, 0);
  config.repeat_ms = repeat_ms;
  state = pnbtr_new (&config);
  g_assert_nonnull (state);
  start -= start % frames;
  pnbtr_set_light (state, next_light);
  for (; pos < start; pos += frames)
    {
      for (guint i = 0; i < frames; i++)
        for (guint c = 0; c < channels; c++)
          in[i * channels + c] = pattern_at (pos + i, c, period, repeating);
      pnbtr_process (state, in, out, (int) frames);
    }
  for (guint p = 0; p < lost; p++, pos += frames)
    {
      g_assert_cmpint (pnbtr_process (state, NULL, out, (int) frames), ==, 1);
      if (p == 0)
        last_gap_repeats = pnbtr_gap_repeats (state);
      for (guint i = 0; i < frames * channels; i++)
        {
          double real = pattern_at (pos + i / channels, i % channels, period, repeating);

          g_assert_true (isfinite (out[i]));
          signal += real * real;
          noise += (out[i] - real) * (out[i] - real);
        }
      if (concealed != NULL)
        memcpy (concealed + (gsize) p * frames * channels, out, sizeof (float) * frames * channels);
    }
  pnbtr_free (state);
  return 10 * log10 (signal / MAX (noise, 1e-30));
}

static double
conceal_pattern (int repeat_ms, guint channels, gboolean repeating, guint lost, float *concealed)
{
  /* half a second, not a whole number of packets */
  return conceal_pattern_ex (repeat_ms, channels, repeating, lost, concealed, 24001, FRAMES, RATE);
}

/* Music repeats: a gap in a pattern heard before is filled from the last
 * time it was played, where the LPC model alone has nothing to go on.  On
 * material that does not repeat, the repetition stays out entirely. */
static void
test_repetition (void)
{
  float with[3 * FRAMES * 2], without[3 * FRAMES * 2];
  double lpc = conceal_pattern (0, 1, TRUE, 3, NULL);
  double rep = conceal_pattern (8000, 1, TRUE, 3, NULL);

  g_test_message ("repeating noise pattern, 3 lost packets: %.1f dB without the repetition, "
                  "%.1f dB with it", lpc, rep);
  g_assert_cmpfloat (lpc, <, 3.0);
  g_assert_cmpfloat (rep, >, 20.0);
  g_assert_cmpint (last_gap_repeats, ==, 1);
  /* per channel, with a different pattern in each */
  g_assert_cmpfloat (conceal_pattern (8000, 2, TRUE, 3, NULL), >, 20.0);
  /* a memory shorter than the bar cannot find it */
  g_assert_cmpfloat (conceal_pattern (400, 1, TRUE, 3, NULL), <, 3.0);

  /* the other rates, at half a second too */
  g_assert_cmpfloat (conceal_pattern_ex (8000, 2, TRUE, 3, NULL, 48001, 256, 96000), >, 20.0);
  g_assert_cmpfloat (conceal_pattern_ex (8000, 1, TRUE, 3, NULL, 22051, 64, 44100), >, 20.0);
  g_assert_cmpfloat (conceal_pattern_ex (0, 1, TRUE, 3, NULL, 22051, 64, 44100), <, 3.0);

  /* fresh noise every bar: no trial favours the repetition, so the
   * concealment is exactly what it is without it */
  conceal_pattern (0, 2, FALSE, 3, without);
  conceal_pattern (8000, 2, FALSE, 3, with);
  g_assert_cmpint (last_gap_repeats, ==, 0);
  g_assert_cmpmem (with, sizeof with, without, sizeof without);

  /* a gap begun light leaves the repetition out, whatever the music (and
   * keeps the model it has, onset or not, in both) */
  next_light = 1;
  conceal_pattern (0, 2, TRUE, 3, without);
  conceal_pattern (8000, 2, TRUE, 3, with);
  next_light = 0;
  g_assert_cmpint (last_gap_repeats, ==, 0);
  g_assert_cmpmem (with, sizeof with, without, sizeof without);
}

/* A lag shorter than the packet: the part of the gap one lag back is still
 * being predicted, so the repetition must repeat its own prediction.  Fresh
 * noise that turns into a 601-sample loop 1700 samples before a lost
 * 1024-frame packet: one lag back is the only match there is. */
static void
test_repetition_short_lag (void)
{
  enum { F = 1024, LOOP = 601 };
  PnbtrState *state;
  PnbtrConfig config;
  float in[F], out[F];
  guint64 start = 20 * F, loop_from = start - 1700, pos;
  double signal = 0, noise = 0;

  g_assert_cmpint (pnbtr_config_parse (&config, "pnbtr", RATE, 1, F), ==, 0);
  state = pnbtr_new (&config);
  g_assert_nonnull (state);
  for (pos = 0; pos <= start; pos += F)
    {
      for (guint i = 0; i < F; i++)
        {
          guint64 t = pos + i;

          if (t >= loop_from)
            t = loop_from + (t - loop_from) % LOOP;
          in[i] = pattern_at (t, 0, 24001, FALSE);
        }
      if (pos < start)
        pnbtr_process (state, in, out, F);
    }
  /* in[] now holds the lost packet's real samples */
  g_assert_cmpint (pnbtr_process (state, NULL, out, F), ==, 1);
  for (guint i = 0; i < F; i++)
    {
      signal += (double) in[i] * in[i];
      noise += ((double) out[i] - in[i]) * ((double) out[i] - in[i]);
    }
  g_test_message ("601-sample loop, 1024-frame packet: %.1f dB", 10 * log10 (signal / noise));
  g_assert_cmpfloat (10 * log10 (signal / MAX (noise, 1e-30)), >, 20.0);
  pnbtr_free (state);
}

/* The repeating pattern over a slow swell that does not repeat with it
 * (2.3 bars long, so no whole number of bars back finds its level again):
 * what was played a bar ago does not start where the audio stopped.  The
 * concealment must continue from the last sample played, not from the
 * level of a bar ago. */
static float
swelling_pattern_at (guint64 t)
{
  return pattern_at (t, 0, 24001, TRUE) + 0.03f * (float) sin (2 * G_PI * (double) t / (2.3 * 24001));
}

static void
test_repetition_level (void)
{
  PnbtrConfig config;
  PnbtrState *state;
  float in[FRAMES], out[FRAMES];
  guint64 pos, start = (guint64) 5 * 24001 + 24001 / 4 + 300;
  double miss = 0.0, level_change;

  start -= start % FRAMES;
  g_assert_cmpint (pnbtr_config_parse (&config, "pnbtr", RATE, 1, FRAMES), ==, 0);
  config.onset = 0;   /* the hits are onsets: keep to the repetition here */
  state = pnbtr_new (&config);
  g_assert_nonnull (state);
  for (pos = 0; pos < start; pos += FRAMES)
    {
      for (guint i = 0; i < FRAMES; i++)
        in[i] = swelling_pattern_at (pos + i);
      pnbtr_process (state, in, out, FRAMES);
    }
  g_assert_cmpint (pnbtr_process (state, NULL, out, FRAMES), ==, 1);
  g_assert_cmpint (pnbtr_gap_repeats (state), ==, 1);
  for (guint i = 0; i < 8; i++)
    miss += fabs ((double) out[i] - swelling_pattern_at (start + i)) / 8;
  level_change = fabs (swelling_pattern_at (start) - swelling_pattern_at (start - 24001) -
                       (pattern_at (start, 0, 24001, TRUE) - pattern_at (start - 24001, 0, 24001, TRUE)));
  g_test_message ("first 8 samples miss by %.4f; the level changed by %.4f since the bar before",
                  miss, level_change);
  g_assert_cmpfloat (level_change, >, 0.01);
  g_assert_cmpfloat (miss, <, 0.1 * level_change);
  pnbtr_free (state);
}

/* A repeating pattern with a little fresh noise on top, bridged across a
 * two-packet gap whose end the jitter buffer knows.  Writes the concealed
 * gap (2 FRAMES samples). */
static void
interpolate_pattern (int repeat_ms, gboolean light, gboolean lookahead, float *gap)
{
  const guint period = 24001;
  PnbtrConfig config;
  PnbtrState *state;
  float in[FRAMES], out[FRAMES], next[FRAMES];
  guint64 pos = 0, start = (guint64) 5 * period + period / 4 + 300;

  g_assert_cmpint (pnbtr_config_parse (&config, "pnbtr", RATE, 1, FRAMES), ==, 0);
  config.repeat_ms = repeat_ms;
  config.onset = 0;   /* the hits are onsets: keep to the repetition here */
  state = pnbtr_new (&config);
  g_assert_nonnull (state);
  pnbtr_set_light (state, light);
  start -= start % FRAMES;
#define SAMPLE(t) (pattern_at ((t), 0, period, TRUE) + 0.15f * pattern_at ((t), 1, period, FALSE))
  for (; pos < start; pos += FRAMES)
    {
      for (guint i = 0; i < FRAMES; i++)
        in[i] = SAMPLE (pos + i);
      pnbtr_process (state, in, out, FRAMES);
    }
  for (guint i = 0; i < FRAMES; i++)
    next[i] = SAMPLE (pos + 2 * FRAMES + i);
#undef SAMPLE
  for (guint p = 0; p < 2; p++)
    {
      PnbtrFuture future = { next, FRAMES, (int) ((2 - p) * FRAMES) };

      g_assert_cmpint (pnbtr_process_ex (state, NULL, gap + p * FRAMES, FRAMES,
                                         lookahead ? &future : NULL), ==, 1);
    }
  pnbtr_free (state);
}

/* A four-packet gap whose end the jitter buffer learns two packets in: the
 * interpolation that takes over starts from what the model makes of the
 * extrapolation played, and crossfades from where the extrapolation was
 * heading instead of kinking there.  A rumble (a resonance driven by
 * noise), which the extrapolation cannot follow for long. */
static void
test_handover (void)
{
  for (guint seed = 0; seed < 4; seed++)
    {
      PnbtrState *state = make ("pnbtr", 1);
      float in[FRAMES], out[FRAMES], next[FRAMES], gap[4 * FRAMES];
      double bend = 0, own = 0;
      Rumble rumble;

      rumble_init (&rumble, 300.0, 0.995, 4e-3, 777 + seed);
      for (guint p = 0; p < 45; p++)
        {
          for (guint i = 0; i < FRAMES; i++)
            (p < 40 ? in : next)[i] = rumble_next (&rumble);
          if (p < 40)
            g_assert_cmpint (pnbtr_process (state, in, out, FRAMES), ==, 0);
        }
      for (guint p = 0; p < 4; p++)
        {
          PnbtrFuture future = { next, FRAMES, (int) ((4 - p) * FRAMES) };

          g_assert_cmpint (pnbtr_process_ex (state, NULL, gap + p * FRAMES, FRAMES,
                                             p >= 2 ? &future : NULL), ==, 1);
        }
      /* the bend (second difference) where the interpolation takes over,
       * against the largest in the packet before it */
      for (guint i = FRAMES + 1; i < 2 * FRAMES - 1; i++)
        own = MAX (own, fabs ((double) gap[i + 1] - 2.0 * gap[i] + gap[i - 1]));
      for (guint i = 2 * FRAMES - 1; i < 2 * FRAMES + 2; i++)
        bend = MAX (bend, fabs ((double) gap[i + 1] - 2.0 * gap[i] + gap[i - 1]));
      g_test_message ("seed %u: bend at the handover %.5f, the extrapolation's own %.5f", seed, bend, own);
      g_assert_cmpfloat (bend, <=, own);   /* without the crossfade 3 and 6.5 times it at seeds 0 and 3 */
      pnbtr_free (state);
    }
}

/* In a gap bridged by interpolation the repetition takes part, but bows
 * out before the gap's end, where the interpolation meets the audio after
 * it: the gap still ends where the interpolation alone ends. */
static void
test_repetition_meets_future (void)
{
  float with[2 * FRAMES], without[2 * FRAMES];
  double differ = 0.0;

  interpolate_pattern (0, FALSE, TRUE, without);
  interpolate_pattern (8000, FALSE, TRUE, with);
  for (guint i = 0; i < FRAMES; i++)
    differ = MAX (differ, fabs ((double) with[i] - without[i]));
  g_assert_cmpfloat (differ, >, 0.05);
  g_assert_cmpfloat (fabs ((double) with[2 * FRAMES - 1] - without[2 * FRAMES - 1]), <, 0.005 * differ);

  /* begun light, the gap is extrapolated though its end is known */
  interpolate_pattern (0, FALSE, FALSE, without);
  interpolate_pattern (8000, TRUE, TRUE, with);
  g_assert_cmpmem (with, sizeof with, without, sizeof without);
}

/* The least-squares interpolation is what it says: its gap has a lower
 * model residual than the same gap nudged anywhere, and the residuals it
 * reports, for its gap and for a rival, are the ones computed sample by
 * sample.  With the model's order below and above the stretch it spans. */
static double
direct_cost (const double *a, guint p, const float *past, const float *gap, guint ngap,
             const float *future, guint nfuture)
{
  double cost = 0.0;

  for (guint t = 0; t < ngap + nfuture; t++)
    {
      double e = 0.0;

      for (guint k = 0; k <= p; k++)
        {
          int i = (int) t - (int) k;

          e += a[k] * (i < 0 ? past[p + i] : i < (int) ngap ? gap[i] : future[i - ngap]);
        }
      cost += e * e;
    }
  return cost;
}

/* The one-step residual is the innovation that drove the model's own
 * process: an AR(2) resonance, order padded to 8 with zeros. */
static void
test_residual (void)
{
  double a[9] = { 1.0, -2 * 0.99 * cos (0.3), 0.99 * 0.99 };
  float x[8 + 256], reversed[8];
  double innovation = 0.0, energy = 0.0, measured, residual;
  guint32 noise = 99;

  for (guint t = 0; t < G_N_ELEMENTS (x); t++)
    {
      double u;

      noise = noise * 1664525u + 1013904223u;
      u = 1e-2 * (noise / 4294967296.0 - 0.5);
      x[t] = (float) (u - a[1] * (t >= 1 ? x[t - 1] : 0.0) - a[2] * (t >= 2 ? x[t - 2] : 0.0));
      if (t >= 8)
        {
          /* what float samples leave of it */
          double e = x[t] + a[1] * x[t - 1] + a[2] * x[t - 2];

          innovation += e * e;
          energy += (double) x[t] * x[t];
        }
    }
  residual = pnbtr_lpc_residual_float (a, 8, x + 8, 256, reversed, &measured);
  g_assert_cmpfloat (fabs (measured - energy), <, 1e-9 * energy);
  g_assert_cmpfloat (fabs (residual - innovation), <, 1e-3 * innovation);
  g_assert_cmpfloat (residual, <, 0.05 * energy);
}

/* The concealment extrapolates with float coefficients, the GPU backends'
 * reference with double ones: over the longest gap (ten packets) at the
 * pnbtr method's order they must agree to far below anything audible. */
static void
test_extrapolate_float (void)
{
  enum { P = 1024, WIN = 4096, N = 1280 };
  g_autofree float *x = g_new (float, WIN);
  g_autofree double *a = g_new0 (double, P + 1);
  g_autofree double *burg = g_new0 (double, 2 * WIN + P + 1);
  g_autofree float *work = g_new (float, P + N);
  g_autofree double *rev_d = g_new (double, P);
  g_autofree float *rev_f = g_new (float, P);
  float hist_d[P], hist_f[P], out_d[N], out_f[N];
  double diff = 0.0, energy = 0.0;
  g_autofree float *dither = g_new (float, WIN);

  /* pure tones, fitted as the pnbtr method fits them (with its dither):
   * the sharpest model it makes, where rounding its coefficients matters
   * most */
  pnbtr_fit_dither (dither, WIN);
  for (guint i = 0; i < WIN; i++)
    x[i] = (float) (0.5 * sin (0.021 * i) * exp (-(double) i / 6000.0) + 0.3 * sin (0.173 * i + 1) +
                    0.1 * sin (0.9 * i)) + dither[i];
  pnbtr_burg (x, WIN, P, 0.0, a, burg);
  memcpy (hist_d, x + WIN - P, sizeof hist_d);
  memcpy (hist_f, x + WIN - P, sizeof hist_f);
  pnbtr_lpc_extrapolate (a, P, hist_d, out_d, N, work, rev_d);
  pnbtr_lpc_extrapolate_float (a, P, hist_f, out_f, N, work, rev_f);
  for (guint i = 0; i < N; i++)
    {
      g_assert_true (isfinite (out_f[i]));
      diff += ((double) out_f[i] - out_d[i]) * ((double) out_f[i] - out_d[i]);
      energy += (double) out_d[i] * out_d[i];
    }
  g_test_message ("float against double coefficients, order %d, %d samples: relative L2 %.2e",
                  P, N, sqrt (diff / energy));
  g_assert_cmpfloat (energy, >, 0.01 * N);   /* it did continue the tones */
  g_assert_cmpfloat (sqrt (diff / energy), <, 1e-3);
  /* and both moved their history on by the samples they wrote */
  g_assert_cmpfloat (hist_f[P - 1], ==, out_f[N - 1]);
  g_assert_cmpfloat (hist_d[P - 1], ==, out_d[N - 1]);
}

static void
lsar_minimises (guint p, guint n_gap)
{
  enum { MAX_GAP = 40, NF = 30, WIN = 2048 };
  float x[WIN], gap[MAX_GAP], nudged[MAX_GAP], rival[MAX_GAP];
  g_autofree double *a = g_new0 (double, p + 1);
  g_autofree double *burg = g_new0 (double, 2 * WIN + p + 1);
  g_autofree double *scratch = g_new0 (double, pnbtr_lsar_scratch_size (n_gap, p));
  const float *past = x + 1000 - p, *future = x + 1000 + n_gap;
  double best, direct, costs[2];
  GRand *rand = g_rand_new_with_seed (7);

  /* two decaying tones in noise */
  for (guint i = 0; i < WIN; i++)
    x[i] = (float) (0.5 * sin (0.07 * i) + 0.3 * sin (0.31 * i + 1) + 0.05 * g_rand_double_range (rand, -1, 1));
  pnbtr_burg (x, 1000, p, 0.0, a, burg);
  for (guint i = 0; i < n_gap; i++)
    rival[i] = x[1000 + i] * 0.5f;
  g_assert_cmpint (pnbtr_lsar_interpolate (a, p, past, n_gap, future, NF, NULL, gap, rival, costs,
                                           scratch), ==, 0);

  /* factorised ahead of time (in the caller's memory), the same gap */
  {
    g_autofree double *factor = g_new0 (double, n_gap * n_gap);
    float again[MAX_GAP];
    double again_costs[2];

    g_assert_cmpint (pnbtr_lsar_factor (a, p, n_gap, NF, factor), ==, 0);
    g_assert_cmpint (pnbtr_lsar_interpolate (a, p, past, n_gap, future, NF, factor, again, rival,
                                             again_costs, scratch), ==, 0);
    g_assert_cmpmem (again, n_gap * sizeof (float), gap, n_gap * sizeof (float));
    g_assert_cmpmem (again_costs, sizeof again_costs, costs, sizeof costs);
  }

  best = direct = direct_cost (a, p, past, gap, n_gap, future, NF);
  g_assert_cmpfloat (fabs (costs[0] - direct), <=, 1e-6 * direct + 1e-12);
  direct = direct_cost (a, p, past, rival, n_gap, future, NF);
  g_assert_cmpfloat (fabs (costs[1] - direct), <=, 1e-6 * direct + 1e-12);
  g_assert_cmpfloat (costs[1], >, costs[0]);

  for (guint trial = 0; trial < 20; trial++)
    {
      memcpy (nudged, gap, sizeof gap);
      nudged[g_rand_int_range (rand, 0, n_gap)] += (float) g_rand_double_range (rand, -0.01, 0.01);
      g_assert_cmpfloat (direct_cost (a, p, past, nudged, n_gap, future, NF), >=, best);
    }
  g_rand_free (rand);
}

static void
test_lsar_minimises (void)
{
  lsar_minimises (48, 40);   /* the stretch (70) is longer than the model */
  lsar_minimises (96, 40);   /* shorter, as at order 1024 */
  lsar_minimises (48, 37);   /* rows taken four at a time, and the rest */
  lsar_minimises (96, 3);
}

/* A model's interpolation prepared off the real-time path conceals
 * exactly as when the gap prepares it itself; a factor from another model
 * does not (it is used), and one marked failed is ignored. */
static void
feed_noisy_tones (PnbtrState *state, guint32 seed, guint packets, guint gap, float *next,
                  guint n_next)
{
  GRand *rand = g_rand_new_with_seed (seed);
  float in[FRAMES * 2], out[FRAMES * 2];

  for (guint p = 0; p < packets + gap + n_next; p++)
    {
      tone (in, FRAMES, 2, (guint64) p * FRAMES, FALSE);
      for (guint i = 0; i < FRAMES * 2; i++)
        in[i] += (float) (0.05 * g_rand_double_range (rand, -1, 1));
      if (p < packets)
        pnbtr_process (state, in, out, FRAMES);
      else if (p >= packets + gap)
        memcpy (next + (p - packets - gap) * FRAMES * 2, in, sizeof in);
    }
  g_rand_free (rand);
}

static void
conceal_prepared (PnbtrState *state, const float *next, float *gap)
{
  for (guint p = 0; p < 2; p++)
    {
      PnbtrFuture future = { next, FRAMES, (int) ((2 - p) * FRAMES) };

      g_assert_cmpint (pnbtr_process_ex (state, NULL, gap + p * FRAMES * 2, FRAMES, &future), ==, 1);
    }
}

static void
test_prepared (void)
{
  PnbtrConfig config;
  PnbtrState *plain, *prepared, *other, *wrong, *failed;
  g_autofree float *snapshot = NULL;
  g_autofree double *model = NULL, *other_model = NULL, *scratch = NULL;
  g_autofree double *prep = NULL, *other_prep = NULL, *prep_scratch = NULL;
  float next[FRAMES * 2], gap_plain[FRAMES * 4], gap_prepared[FRAMES * 4], gap_wrong[FRAMES * 4];
  float gap_failed[FRAMES * 4], other_next[FRAMES * 2];
  gsize size;

  g_assert_cmpint (pnbtr_config_parse (&config, "pnbtr", RATE, 2, FRAMES), ==, 0);
  size = pnbtr_prepared_size (&config);
  /* per channel a flag and the packed 256 x 256 factor */
  g_assert_cmpuint (size, ==, 2 * (1 + 256 * 257 / 2));
  plain = pnbtr_new (&config);
  prepared = pnbtr_new (&config);
  wrong = pnbtr_new (&config);
  failed = pnbtr_new (&config);
  other = pnbtr_new (&config);
  snapshot = g_new (float, pnbtr_snapshot_size (plain));
  model = g_new (double, pnbtr_model_size (plain));
  other_model = g_new (double, pnbtr_model_size (plain));
  scratch = g_new (double, pnbtr_fit_scratch_size (&config));
  prep = g_new (double, size);
  other_prep = g_new (double, size);
  prep_scratch = g_new (double, pnbtr_prepare_scratch_size (&config));

  feed_noisy_tones (plain, 1, 60, 2, next, 1);
  feed_noisy_tones (prepared, 1, 60, 2, next, 1);
  feed_noisy_tones (wrong, 1, 60, 2, next, 1);
  feed_noisy_tones (failed, 1, 60, 2, next, 1);
  pnbtr_snapshot (plain, snapshot);
  g_assert_cmpint (pnbtr_fit_snapshot (&config, snapshot, model, scratch), ==, 0);
  g_assert_cmpint (pnbtr_prepare_model (&config, model, prep, prep_scratch), ==, 0);
  g_assert_cmpfloat (prep[0], ==, 1.0);
  /* another stream's model */
  feed_noisy_tones (other, 99, 45, 2, other_next, 1);
  pnbtr_snapshot (other, snapshot);
  g_assert_cmpint (pnbtr_fit_snapshot (&config, snapshot, other_model, scratch), ==, 0);
  g_assert_cmpint (pnbtr_prepare_model (&config, other_model, other_prep, prep_scratch), ==, 0);

  g_assert_cmpint (pnbtr_install_model (plain, model), ==, 0);
  g_assert_cmpint (pnbtr_install_prepared (prepared, model, prep), ==, 0);
  g_assert_cmpint (pnbtr_install_prepared (wrong, model, other_prep), ==, 0);
  other_prep[0] = other_prep[size / 2] = 0.0;   /* both channels: failed */
  g_assert_cmpint (pnbtr_install_prepared (failed, model, other_prep), ==, 0);

  conceal_prepared (plain, next, gap_plain);
  conceal_prepared (prepared, next, gap_prepared);
  conceal_prepared (wrong, next, gap_wrong);
  conceal_prepared (failed, next, gap_failed);
  g_assert_cmpmem (gap_prepared, sizeof gap_prepared, gap_plain, sizeof gap_plain);
  g_assert_cmpmem (gap_failed, sizeof gap_failed, gap_plain, sizeof gap_plain);
  g_assert_true (memcmp (gap_wrong, gap_plain, sizeof gap_plain) != 0);

  /* no preparing for a method that does not interpolate */
  g_assert_cmpint (pnbtr_config_parse (&config, "burg", RATE, 2, FRAMES), ==, 0);
  g_assert_cmpuint (pnbtr_prepared_size (&config), ==, 0);
  g_assert_cmpint (pnbtr_prepare_model (&config, model, prep, prep_scratch), ==, -1);

  pnbtr_free (plain);
  pnbtr_free (prepared);
  pnbtr_free (wrong);
  pnbtr_free (failed);
  pnbtr_free (other);
}

/* A one-packet gap with two packets after it (the jitter buffer's usual
 * lookahead) interpolates with the leading block of the prepared factor:
 * exactly as when it factorises its own system, and a factor from another
 * model shows that it is the one used.  With one packet after the gap the
 * system differs, and the prepared factor is left alone. */
static void
conceal_one (const PnbtrConfig *config, const double *model, const double *prep,
             const float *next, guint n_next, float *gap)
{
  PnbtrState *state = pnbtr_new (config);
  PnbtrFuture future = { next, (int) (n_next * FRAMES), FRAMES };
  g_autofree float *snapshot = g_new (float, pnbtr_snapshot_size (state));

  feed_noisy_tones (state, 1, 60, 1, NULL, 0);
  pnbtr_snapshot (state, snapshot);   /* the model is this audio's own */
  g_assert_cmpint (pnbtr_install_prepared (state, model, prep), ==, 0);
  g_assert_cmpint (pnbtr_process_ex (state, NULL, gap, FRAMES, &future), ==, 1);
  pnbtr_free (state);
}

static void
test_prepared_short_gap (void)
{
  PnbtrConfig config;
  PnbtrState *state;
  g_autofree float *snapshot = NULL;
  g_autofree double *model = NULL, *other_model = NULL, *scratch = NULL;
  g_autofree double *prep = NULL, *other_prep = NULL, *prep_scratch = NULL;
  float next[FRAMES * 4], gap_plain[FRAMES * 2], gap_prepared[FRAMES * 2], gap_wrong[FRAMES * 2];

  g_assert_cmpint (pnbtr_config_parse (&config, "pnbtr", RATE, 2, FRAMES), ==, 0);
  state = pnbtr_new (&config);
  snapshot = g_new (float, pnbtr_snapshot_size (state));
  model = g_new (double, pnbtr_model_size (state));
  other_model = g_new (double, pnbtr_model_size (state));
  scratch = g_new (double, pnbtr_fit_scratch_size (&config));
  prep = g_new (double, pnbtr_prepared_size (&config));
  other_prep = g_new (double, pnbtr_prepared_size (&config));
  prep_scratch = g_new (double, pnbtr_prepare_scratch_size (&config));

  feed_noisy_tones (state, 1, 60, 1, next, 2);
  pnbtr_snapshot (state, snapshot);
  g_assert_cmpint (pnbtr_fit_snapshot (&config, snapshot, model, scratch), ==, 0);
  g_assert_cmpint (pnbtr_prepare_model (&config, model, prep, prep_scratch), ==, 0);
  pnbtr_reset (state);
  feed_noisy_tones (state, 99, 45, 1, NULL, 0);
  pnbtr_snapshot (state, snapshot);
  g_assert_cmpint (pnbtr_fit_snapshot (&config, snapshot, other_model, scratch), ==, 0);
  g_assert_cmpint (pnbtr_prepare_model (&config, other_model, other_prep, prep_scratch), ==, 0);
  pnbtr_free (state);

  for (guint n_next = 2; n_next >= 1; n_next--)
    {
      conceal_one (&config, model, NULL, next, n_next, gap_plain);
      conceal_one (&config, model, prep, next, n_next, gap_prepared);
      conceal_one (&config, model, other_prep, next, n_next, gap_wrong);
      g_assert_cmpmem (gap_prepared, sizeof gap_prepared, gap_plain, sizeof gap_plain);
      if (n_next == 2)
        g_assert_true (memcmp (gap_wrong, gap_plain, sizeof gap_plain) != 0);
      else
        g_assert_cmpmem (gap_wrong, sizeof gap_wrong, gap_plain, sizeof gap_plain);
    }
}

/* pnbtr_best_match() finds the segment a brute-force search in double
 * finds, with its correlation and gain, at counts below, at and beyond
 * its blocks of candidates; a context that correlates with nothing
 * positively gives -1. */
static void
test_best_match (void)
{
  enum { N = 64, MAX_COUNT = 1000 };
  static const gsize counts[] = { 1, 5, 31, 32, 33, 64, 100, 1000 };
  float past[MAX_COUNT + N], ctx[N], neg[N];
  GRand *rand = g_rand_new_with_seed (17);

  for (guint i = 0; i < G_N_ELEMENTS (past); i++)
    past[i] = (float) g_rand_double_range (rand, -1, 1);
  for (guint c = 0; c < G_N_ELEMENTS (counts); c++)
    {
      gsize count = counts[c], target = g_rand_int_range (rand, 0, (gint32) count);
      double cc = 0.0, best = -2.0, best_gain = 0.0, score, gain;
      long want = -1, got;

      /* the target segment, scaled by 0.7, under a little noise */
      for (guint i = 0; i < N; i++)
        {
          ctx[i] = 0.7f * past[target + i] + (float) (0.05 * g_rand_double_range (rand, -1, 1));
          cc += (double) ctx[i] * ctx[i];
        }
      for (gsize j = 0; j < count; j++)
        {
          double xy = 0.0, ss = 0.0;

          for (guint i = 0; i < N; i++)
            {
              xy += (double) ctx[i] * past[j + i];
              ss += (double) past[j + i] * past[j + i];
            }
          if (xy / sqrt (cc * ss) > best)
            {
              best = xy / sqrt (cc * ss);
              best_gain = xy / ss;
              want = (long) j;
            }
        }
      g_assert_cmpint (want, ==, (long) target);
      got = pnbtr_best_match (ctx, past, N, count, &score, &gain);
      g_assert_cmpint (got, ==, want);
      g_assert_cmpfloat_with_epsilon (score, best, 1e-5);
      g_assert_cmpfloat_with_epsilon (gain, best_gain, 1e-5);
      g_assert_cmpfloat (score, >, 0.99);
      g_assert_cmpfloat_with_epsilon (gain, 0.7, 0.02);
    }
  /* a lone candidate that anticorrelates */
  for (guint i = 0; i < N; i++)
    neg[i] = -past[i];
  {
    double score = 1.0, gain = 1.0;

    g_assert_cmpint (pnbtr_best_match (neg, past, N, 1, &score, &gain), ==, -1);
    g_assert_cmpfloat (score, ==, 0.0);
    g_assert_cmpfloat (gain, ==, 0.0);
  }
  g_rand_free (rand);
}

/* The autocorrelation through half-size FFTs is the sum it stands for,
 * at every lag free of wrap-around, for odd and even lengths. */
static void
test_autocorrelation (void)
{
  enum { N = 512 };
  static const gsize lengths[] = { 256, 255, 1, 200 };
  double twiddles[N], data[N], r[N];
  float x[256];
  GRand *rand = g_rand_new_with_seed (3);

  pnbtr_fft_twiddles (twiddles, N);
  for (guint l = 0; l < G_N_ELEMENTS (lengths); l++)
    {
      gsize len = lengths[l];

      for (gsize i = 0; i < len; i++)
        x[i] = (float) (sin (0.2 * i) + g_rand_double_range (rand, -0.5, 0.5));
      pnbtr_autocorrelation (x, len, N, twiddles, data, r);
      for (gsize lag = 0; lag <= N - len; lag++)
        {
          double sum = 0.0;

          for (gsize t = 0; t + lag < len; t++)
            sum += (double) x[t] * x[t + lag];
          g_assert_cmpfloat (fabs (r[lag] - sum), <=, 1e-9 * (r[0] + 1.0));
        }
    }
  g_rand_free (rand);
}

/* A note that begins after the worker's snapshot: the installed model
 * knows only the quiet tone before it.  With onset handling the gap gets a
 * quick model of the new note; a two-packet gap whose end is known is then
 * extrapolated for its first packet and bridged for its second. */
static float
onset_signal (guint64 t)
{
  double x = 0.05 * sin (2 * G_PI * 440.0 * t / RATE);

  if (t >= 40 * FRAMES)   /* the new note, 2 packets before the gap */
    x += 0.4 * sin (2 * G_PI * 659.3 * t / RATE) + 0.2 * sin (2 * G_PI * 1318.5 * t / RATE + 1);
  return (float) x;
}

/* Plays `packets` packets of signal(t) into state and leaves it as the
 * engine's worker would: with a model fitted on the snapshot taken after
 * packet `snapshot_after`, installed at the end. */
static void
play_with_worker_model (PnbtrState *state, const PnbtrConfig *config, float (*signal) (guint64),
                        guint packets, guint snapshot_after)
{
  g_autofree float *snapshot = g_new (float, pnbtr_snapshot_size (state));
  g_autofree double *model = g_new (double, pnbtr_model_size (state));
  g_autofree double *scratch = g_new (double, pnbtr_fit_scratch_size (config));
  float in[FRAMES], out[FRAMES];

  for (guint p = 0; p < packets; p++)
    {
      for (guint i = 0; i < FRAMES; i++)
        in[i] = signal ((guint64) p * FRAMES + i);
      pnbtr_process (state, in, out, FRAMES);
      if (p == snapshot_after)
        {
          pnbtr_snapshot (state, snapshot);
          g_assert_cmpint (pnbtr_fit_snapshot (config, snapshot, model, scratch), ==, 0);
        }
    }
  g_assert_cmpint (pnbtr_install_model (state, model), ==, 0);
}

static double
conceal_onset (int onset, guint lost, gboolean lookahead, float *gap)
{
  PnbtrConfig config;
  PnbtrState *state;
  float in[FRAMES], next[FRAMES];
  double signal = 0, noise = 0;
  guint p = 42;

  g_assert_cmpint (pnbtr_config_parse (&config, "pnbtr", RATE, 1, FRAMES), ==, 0);
  g_assert_cmpint (config.onset, ==, 1);
  config.onset = onset;
  state = pnbtr_new (&config);
  /* the worker's snapshot, before the note */
  play_with_worker_model (state, &config, onset_signal, p, 39);
  for (guint i = 0; i < FRAMES; i++)
    next[i] = onset_signal ((guint64) (p + lost) * FRAMES + i);
  for (guint k = 0; k < lost; k++, p++)
    {
      PnbtrFuture future = { next, FRAMES, (int) ((lost - k) * FRAMES) };

      g_assert_cmpint (pnbtr_process_ex (state, NULL, gap + k * FRAMES, FRAMES,
                                         lookahead ? &future : NULL), ==, 1);
      g_assert_cmpint (pnbtr_gap_onset (state), ==, onset);
      for (guint i = 0; i < FRAMES; i++)
        {
          double real = onset_signal ((guint64) p * FRAMES + i), e = gap[k * FRAMES + i] - real;

          signal += real * real;
          noise += e * e;
        }
    }
  /* the audio returns; a gap begun light then keeps its model, and is no
   * onset whatever the last gap was */
  for (guint k = 0; k < 2; k++, p++)
    {
      for (guint i = 0; i < FRAMES; i++)
        in[i] = onset_signal ((guint64) p * FRAMES + i);
      g_assert_cmpint (pnbtr_process (state, in, next, FRAMES), ==, 0);
    }
  pnbtr_set_light (state, 1);
  g_assert_cmpint (pnbtr_process (state, NULL, next, FRAMES), ==, 1);
  g_assert_cmpint (pnbtr_gap_onset (state), ==, 0);
  pnbtr_free (state);
  return 10 * log10 (signal / MAX (noise, 1e-30));
}

static void
test_onset (void)
{
  float with[3 * FRAMES], extrapolated[3 * FRAMES];
  double off = conceal_onset (0, 1, FALSE, with);
  double on = conceal_onset (1, 1, FALSE, with);

  g_test_message ("a note begun after the model: %.1f dB with onset handling, %.1f dB without",
                  on, off);
  g_assert_cmpfloat (on, >, 5.0);
  g_assert_cmpfloat (on, >, off + 10.0);

  /* two packets, the end known: the first is extrapolated as without
   * lookahead, the second bridges the rest and meets the audio after it */
  on = conceal_onset (1, 2, TRUE, with);
  off = conceal_onset (1, 2, FALSE, extrapolated);
  g_test_message ("two packets: %.1f dB bridged, %.1f dB extrapolated", on, off);
  g_assert_cmpmem (with, FRAMES * sizeof (float), extrapolated, FRAMES * sizeof (float));
  g_assert_cmpfloat (on, >, off + 3.0);
  g_assert_cmpfloat (fabs (with[2 * FRAMES - 1] - onset_signal (44 * FRAMES - 1)), <,
                     0.1 * fabs (extrapolated[2 * FRAMES - 1] - onset_signal (44 * FRAMES - 1)));
  g_assert_cmpfloat (fabs (with[2 * FRAMES - 1] - onset_signal (44 * FRAMES - 1)), <, 0.01);

  /* three: only the last packet is bridged, so the quick model never needs
   * more than a packet-long system factorised while the gap plays */
  on = conceal_onset (1, 3, TRUE, with);
  off = conceal_onset (1, 3, FALSE, extrapolated);
  g_test_message ("three packets: %.1f dB bridged, %.1f dB extrapolated", on, off);
  g_assert_cmpmem (with, 2 * FRAMES * sizeof (float), extrapolated, 2 * FRAMES * sizeof (float));
  g_assert_cmpfloat (on, >, off);
  g_assert_cmpfloat (fabs (with[3 * FRAMES - 1] - onset_signal (45 * FRAMES - 1)), <, 0.01);
}

/* A quieter note (4.8 dB) begun three packets before a gap: a model
 * fitted one packet before the gap (snapshot after packet 40), too young
 * for the staleness check, does not yield to a quick one, as 4.8 dB is
 * under the 6 dB bar; a model five packets old (after packet 36), as a
 * worker that refits seldom leaves it, does, and conceals the new note
 * better for it. */
static float
rise_signal (guint64 t)
{
  double x = 0.2 * sin (2 * G_PI * 330.0 * t / RATE);

  if (t >= 39 * FRAMES)
    x += 0.2 * G_SQRT2 * sin (2 * G_PI * 523.25 * t / RATE + 0.5);
  return (float) x;
}

/* Plays 42 packets of signal(t) with the worker's model from the snapshot
 * after packet snapshot_after, conceals the next one and returns its SNR
 * in dB; was_onset: whether the gap played a quick model. */
static double
conceal_after_model (float (*signal_at) (guint64), guint snapshot_after, int onset, int *was_onset)
{
  PnbtrConfig config;
  PnbtrState *state;
  float out[FRAMES];
  double signal = 0, noise = 0;

  g_assert_cmpint (pnbtr_config_parse (&config, "pnbtr", RATE, 1, FRAMES), ==, 0);
  config.onset = onset;
  state = pnbtr_new (&config);
  play_with_worker_model (state, &config, signal_at, 42, snapshot_after);
  g_assert_cmpint (pnbtr_process (state, NULL, out, FRAMES), ==, 1);
  *was_onset = pnbtr_gap_onset (state);
  for (guint i = 0; i < FRAMES; i++)
    {
      double real = signal_at ((guint64) 42 * FRAMES + i), e = out[i] - real;

      signal += real * real;
      noise += e * e;
    }
  pnbtr_free (state);
  return 10 * log10 (signal / MAX (noise, 1e-30));
}

static void
test_onset_old_model (void)
{
  int young, old, off;
  double with = conceal_after_model (rise_signal, 36, 1, &old);
  double without = conceal_after_model (rise_signal, 36, 0, &off);

  conceal_after_model (rise_signal, 40, 1, &young);
  g_test_message ("a 4.8 dB rise, a five-packet-old model: %.1f dB with a quick model, "
                  "%.1f dB without", with, without);
  g_assert_cmpint (young, ==, 0);
  g_assert_cmpint (old, ==, 1);
  g_assert_cmpint (off, ==, 0);
  g_assert_cmpfloat (with, >, without + 3.0);
}

/* The next note of an arpeggio at the same level, begun three packets
 * before a gap (the last one rings out over 2 ms): no onset the level can
 * tell, but a model fitted before the note, five or three packets before
 * the gap, still predicts the last note and yields to a quick one; a model
 * one packet old is too young to be checked. */
static float
next_note_signal (guint64 t)
{
  double from = 39.0 * FRAMES, fade = t < from ? 1.0 : fmax (0.0, 1.0 - (t - from) / 96.0);
  double x = fade * 0.3 * (sin (2 * G_PI * 392.0 * t / RATE) + 0.3 * sin (2 * G_PI * 784.0 * t / RATE));

  if (t >= from)
    x += (1.0 - fade) * 0.3 * (sin (2 * G_PI * 493.9 * t / RATE + 1.0) +
                               0.3 * sin (2 * G_PI * 987.8 * t / RATE));
  return (float) x;
}

static void
test_stale_model (void)
{
  int young, recent, old, off;
  double with = conceal_after_model (next_note_signal, 36, 1, &old);
  double without = conceal_after_model (next_note_signal, 36, 0, &off);

  conceal_after_model (next_note_signal, 38, 1, &recent);
  conceal_after_model (next_note_signal, 40, 1, &young);
  g_test_message ("the next note at the same level, a five-packet-old model: %.1f dB with a "
                  "quick model, %.1f dB without", with, without);
  g_assert_cmpint (young, ==, 0);
  g_assert_cmpint (recent, ==, 1);
  g_assert_cmpint (old, ==, 1);
  g_assert_cmpint (off, ==, 0);
  g_assert_cmpfloat (with, >, without + 10.0);
}

/* With no model installed, a caller whose models come from a worker
 * (quick_local) gets the quick model where the gap would otherwise fit the
 * full one on its own thread: still a good continuation of two tones, not
 * counted as an onset, and like any quick model it bridges no more than
 * the last packet.  Writes two packets of the gap for each setting. */
static double
conceal_without_model (int quick_local, gboolean lookahead, float *gap)
{
  PnbtrConfig config;
  PnbtrState *state;
  double snr;

  g_assert_cmpint (pnbtr_config_parse (&config, "pnbtr", RATE, 1, FRAMES), ==, 0);
  g_assert_cmpint (config.quick_local, ==, 0);
  config.quick_local = quick_local;
  state = pnbtr_new (&config);
  g_assert_nonnull (state);
  snr = conceal_tone_in (state, 1, 2, lookahead, FALSE, gap);
  g_assert_cmpint (pnbtr_gap_onset (state), ==, 0);
  pnbtr_free (state);
  return snr;
}

static void
test_quick_local (void)
{
  float quick[2 * FRAMES], quick_bridged[2 * FRAMES], full[2 * FRAMES], full_bridged[2 * FRAMES];
  double q = conceal_without_model (1, FALSE, quick);
  double qb = conceal_without_model (1, TRUE, quick_bridged);
  double f = conceal_without_model (0, FALSE, full);

  conceal_without_model (0, TRUE, full_bridged);
  g_test_message ("two tones, no model: %.1f dB quick, %.1f dB bridged, %.1f dB full", q, qb, f);
  g_assert_cmpfloat (q, >, 20.0);
  g_assert_cmpfloat (qb, >=, q);
  /* the quick model is what played */
  g_assert_true (memcmp (quick, full, sizeof quick) != 0);
  /* the first packet extrapolated as without lookahead; with the full
   * model the whole gap is bridged from the start */
  g_assert_cmpmem (quick_bridged, FRAMES * sizeof (float), quick, FRAMES * sizeof (float));
  g_assert_true (memcmp (full_bridged, full, FRAMES * sizeof (float)) != 0);
}

/* Nothing the real-time path touches is mapped for the first time there:
 * a page fault on the audio thread costs microseconds, and the first
 * interpolated gaps used to fault in their scratch. */
static long
thread_faults (void)
{
  struct rusage usage;

  g_assert_cmpint (getrusage (RUSAGE_THREAD, &usage), ==, 0);
  return usage.ru_minflt + usage.ru_majflt;
}

static void
test_no_page_faults (void)
{
  PnbtrState *state = make ("pnbtr", 2);
  float in[FRAMES * 2], out[FRAMES * 2];
  PnbtrFuture future = { in, FRAMES, FRAMES };
  long before;

  tone (in, FRAMES, 2, 0, TRUE);
  pnbtr_process (state, in, out, FRAMES);
  before = thread_faults ();
  for (guint p = 1; p < 3000; p++)
    {
      gboolean lost = p % 50 == 49;

      tone (in, FRAMES, 2, (guint64) p * FRAMES, TRUE);
      pnbtr_process_ex (state, lost ? NULL : in, out, FRAMES, lost && p % 100 == 49 ? &future : NULL);
    }
  /* 47 before pnbtr_new() touched its pages; a stray one can come from
   * the kernel (page migration) or the sanitizers' bookkeeping */
  g_assert_cmpint (thread_faults () - before, <=, 4);
  pnbtr_free (state);
}

static void
test_config (void)
{
  PnbtrConfig config;

  g_assert_cmpint (pnbtr_config_parse (&config, "burg", RATE, 1, 128), ==, 0);
  g_assert_cmpint (config.window, ==, 256);
  g_assert_cmpint (config.order, ==, 255);
  g_assert_cmpint (config.crossfade, ==, 128);
  g_assert_cmpint (pnbtr_config_parse (&config, "burg:1024:8192", RATE, 1, 128), ==, 0);
  g_assert_cmpint (config.order, ==, 1024);
  g_assert_cmpint (config.window, ==, 8192);
  g_assert_cmpint (pnbtr_config_parse (&config, "pnbtr", 44100, 8, 32), ==, 0);
  g_assert_cmpint (config.method, ==, PNBTR_METHOD_PNBTR);

  g_assert_cmpint (pnbtr_config_parse (&config, "pnbtr:", RATE, 1, 128), ==, -1);
  g_assert_cmpint (pnbtr_config_parse (&config, "burg:10", RATE, 1, 128), ==, -1);
  g_assert_cmpint (pnbtr_config_parse (&config, "burg:100:50", RATE, 1, 128), ==, -1);
  g_assert_cmpint (pnbtr_config_parse (&config, "zero:1:2", RATE, 1, 128), ==, -1);
  g_assert_cmpint (pnbtr_config_parse (&config, "opus", RATE, 1, 128), ==, -1);
  g_assert_cmpint (pnbtr_config_parse (&config, NULL, RATE, 1, 128), ==, -1);

  /* out-of-range settings are refused, not crashed on */
  pnbtr_config_init (&config, PNBTR_METHOD_PNBTR, RATE, 9, 128);
  g_assert_null (pnbtr_new (&config));
  pnbtr_config_init (&config, PNBTR_METHOD_PNBTR, RATE, 1, 4096);
  g_assert_null (pnbtr_new (&config));
  pnbtr_config_init (&config, PNBTR_METHOD_BURG, 4000, 1, 128);
  g_assert_null (pnbtr_new (&config));
  pnbtr_config_init (&config, PNBTR_METHOD_PNBTR, RATE, 1, 128);
  g_assert_cmpint (config.repeat_ms, ==, 8000);
  config.repeat_ms = PNBTR_MAX_REPEAT_MS + 1;
  g_assert_null (pnbtr_new (&config));
  config.repeat_ms = -1;
  g_assert_null (pnbtr_new (&config));
  g_assert_null (pnbtr_new (NULL));

  /* and so is a packet larger than configured */
  {
    PnbtrState *state = make ("pnbtr", 1);
    float big[FRAMES * 2] = { 1.f };

    g_assert_cmpint (pnbtr_process (state, big, big, FRAMES * 2), ==, 0);
    g_assert_cmpfloat (big[0], ==, 0.f);
    pnbtr_free (state);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/pnbtr/sine-continued", test_sine_continued);
  g_test_add_func ("/pnbtr/silence", test_silence);
  g_test_add_func ("/pnbtr/hostile-signals", test_hostile_signals);
  g_test_add_func ("/pnbtr/non-finite-input", test_non_finite_input);
  g_test_add_func ("/pnbtr/interpolated-end", test_interpolated_end);
  g_test_add_func ("/pnbtr/no-click", test_no_click);
  g_test_add_func ("/pnbtr/no-click-at-start", test_no_click_at_start);
  g_test_add_func ("/pnbtr/swell", test_swell);
  g_test_add_func ("/pnbtr/repetition", test_repetition);
  g_test_add_func ("/pnbtr/repetition-short-lag", test_repetition_short_lag);
  g_test_add_func ("/pnbtr/repetition-level", test_repetition_level);
  g_test_add_func ("/pnbtr/repetition-meets-future", test_repetition_meets_future);
  g_test_add_func ("/pnbtr/handover", test_handover);
  g_test_add_func ("/pnbtr/extrapolate-float", test_extrapolate_float);
  g_test_add_func ("/pnbtr/residual", test_residual);
  g_test_add_func ("/pnbtr/lsar-minimises", test_lsar_minimises);
  g_test_add_func ("/pnbtr/prepared", test_prepared);
  g_test_add_func ("/pnbtr/prepared-short-gap", test_prepared_short_gap);
  g_test_add_func ("/pnbtr/autocorrelation", test_autocorrelation);
  g_test_add_func ("/pnbtr/best-match", test_best_match);
  g_test_add_func ("/pnbtr/onset", test_onset);
  g_test_add_func ("/pnbtr/onset-old-model", test_onset_old_model);
  g_test_add_func ("/pnbtr/stale-model", test_stale_model);
  g_test_add_func ("/pnbtr/quick-local", test_quick_local);
  g_test_add_func ("/pnbtr/no-page-faults", test_no_page_faults);
  g_test_add_func ("/pnbtr/config", test_config);

  return g_test_run ();
}
