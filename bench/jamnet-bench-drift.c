/* jamnet-bench-drift.c: two sound cards' clocks apart: what resampling a
 * peer's stream costs the media thread, how clean it is, and how soon the
 * drift estimate knows the truth (docs/architecture.md, "The device
 * clock")
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "jamnet-bench.h"
#include "jn-bench-report.h"
#include "jn-drift.h"
#include "jn-rate-match.h"
#include "jn-report.h"
#include "jn-test-signal.h"

#define RATE   48000
#define FRAMES 128
#define HZ     997.0

typedef struct
{
  guint64 sent;   /* packets of the sine handed out */
} Sine;

/* an endless sine, one packet a pull: the jitter buffer as the rate
 * match sees it */
static JnJitterPopResult
sine_pull (gpointer  user_data,
           float    *packet,
           guint32  *seq)
{
  Sine *s = user_data;

  for (guint i = 0; i < FRAMES; i++)
    packet[i] = 0.5f * (float) sin (2 * G_PI * HZ * (double) (s->sent * FRAMES + i) / RATE);
  *seq = (guint32) s->sent++;
  return JN_JITTER_POP_PLAYED;
}

/* a packet the way the jitter buffer hands one over: copied */
static JnJitterPopResult
copy_pull (gpointer  user_data,
           float    *packet,
           guint32  *seq)
{
  memcpy (packet, user_data, sizeof (float) * FRAMES);
  *seq = 0;
  return JN_JITTER_POP_PLAYED;
}

/* the media thread's resampling of n peers at ppm, per period (with the
 * copies out of their buffers, as in the engine) */
static double
cost_us (guint n, double ppm, guint periods)
{
  g_autoptr(GPtrArray) matches = g_ptr_array_new_with_free_func ((GDestroyNotify) jn_rate_match_free);
  g_autofree double *took = g_new (double, periods);
  float out[FRAMES], packet[FRAMES];
  Sine s = { 0 };
  guint32 seq;

  sine_pull (&s, packet, &seq);
  for (guint i = 0; i < n; i++)
    {
      JnRateMatch *rm = jn_rate_match_new (FRAMES, 1, RATE);

      jn_rate_match_steer (rm, TRUE, ppm, 0);
      g_ptr_array_add (matches, rm);
    }
  for (guint p = 0; p < periods; p++)
    {
      double start = jn_bench_now_ns ();

      for (guint i = 0; i < n; i++)
        jn_rate_match_run (g_ptr_array_index (matches, i), copy_pull, packet, out, &seq);
      took[p] = (jn_bench_now_ns () - start) / 1000.0;
    }
  qsort (took, periods, sizeof (double), jn_bench_compare_double);
  return took[periods / 2];
}

/* THD+N of the sine resampled at a fixed ratio, over 0.1 s windows of 2 s */
static double
thd_n_db (double ppm)
{
  const guint periods = 2 * RATE / FRAMES, window = 4800;
  g_autoptr(JnRateMatch) rm = jn_rate_match_new (FRAMES, 1, RATE);
  g_autofree float *out = g_new (float, (gsize) periods * FRAMES);
  Sine s = { 0 };
  double worst = -400, hz;

  /* a second as it comes, then resampled from its start */
  for (guint p = 0; p < RATE / FRAMES; p++)
    {
      guint32 seq;

      jn_rate_match_run (rm, sine_pull, &s, out, &seq);
    }
  jn_rate_match_steer (rm, TRUE, ppm, 0);
  for (guint p = 0; p < periods; p++)
    {
      guint32 seq;

      jn_rate_match_run (rm, sine_pull, &s, out + (gsize) p * FRAMES, &seq);
    }
  hz = HZ * (1 + jn_rate_match_get_ppm (rm) * 1e-6);
  /* past the start, where 40 frames play twice */
  for (gsize at = RATE / 10; at + window <= (gsize) periods * FRAMES; at += window)
    worst = MAX (worst, jn_test_signal_residual_db (out + at, window, RATE, &hz, 1));
  return worst;
}

/* A clock ppm fast through 20 ms plus 4 ms of jitter and 1 % spikes of
 * 30 ms: seconds until its estimate is within 5 ppm for good, and its
 * error at the end */
static void
settle (double ppm, guint seconds, guint32 seed, double *settled_s, double *error_ppm)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  JnDrift drift;
  double packet_s = (double) FRAMES / RATE / (1 + ppm * 1e-6), got = 0;
  guint64 n = (guint64) (seconds / packet_s);

  *settled_s = NAN;
  jn_drift_init (&drift, RATE);
  for (guint64 k = 0; k < n; k++)
    {
      double delay = 20000 + g_rand_double (rand) * 4000;

      if (g_rand_int_range (rand, 0, 100) == 0)
        delay += 30000;
      jn_drift_add (&drift, k * FRAMES, (gint64) (1e12 + k * packet_s * 1e6 + delay));
      if (k % 375 == 0)
        {
          gboolean close = jn_drift_get_ppm (&drift, &got) && fabs (got - ppm) < 5;

          if (!close)
            *settled_s = NAN;
          else if (isnan (*settled_s))
            *settled_s = k * packet_s;
        }
    }
  *error_ppm = jn_drift_get_ppm (&drift, &got) ? got - ppm : NAN;
}

int
jn_bench_drift (int argc, char **argv)
{
  static const guint peers[] = { 1, 16, 64 };
  static const double ratios[] = { 50, 250, 500, 1000, -250, -1000 };
  static const double drifts[] = { 25, -25, 250, -250, 1000 };
  guint seconds = 60;
  double worst_settle = 0, worst_error = 0;
  JnReport *r = jn_bench_report ();

  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--seconds") && i + 1 < argc)
      seconds = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
    else
      {
        g_printerr ("usage: jamnet-bench drift [--seconds S (the estimator's runs, 20..600, "
                    "default 60)]\n");
        return g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h") ? 0 : 2;
      }
  if (seconds < 20 || seconds > 600)
    return jn_bench_fail ("--seconds takes 20..600");

  g_print ("drift: resampling peers' streams to our device (libspeexdsp, quality 5), "
           "%u-frame packets at %u Hz\n", FRAMES, RATE);
  g_print ("  cost per period on the media thread (median of 3000 periods, at +250 ppm):\n");
  for (guint k = 0; k < G_N_ELEMENTS (peers); k++)
    {
      double us = cost_us (peers[k], 250, 3000);
      g_autofree char *id = g_strdup_printf ("cost_us.%u", peers[k]);

      g_print ("    %3u peers  %8.1f us  (%.2f %% of a period)\n", peers[k], us,
               us * 100 / (FRAMES * 1e6 / RATE));
      jn_report_add_value (r, "drift", id, "us", JN_BETTER_LOWER, us);
    }
  g_print ("  THD+N of a %.0f Hz sine, resampled (worst 0.1 s window of 2 s; at 0 ppm and under "
           "%.0f the stream is not resampled, sample for sample):\n", HZ, JN_RATE_MATCH_ENGAGE_PPM);
  for (guint k = 0; k < G_N_ELEMENTS (ratios); k++)
    {
      double db = thd_n_db (ratios[k]);
      g_autofree char *id = g_strdup_printf ("thd_n_db.%.0f", ratios[k]);

      g_print ("    %+6.0f ppm  %7.1f dB\n", ratios[k], db);
      jn_report_add_value (r, "drift", id, "dB", JN_BETTER_LOWER, db);
    }
  {
    g_autoptr(JnRateMatch) rm = jn_rate_match_new (FRAMES, 1, RATE);
    Sine s = { 0 };
    float out[FRAMES];
    guint32 seq;
    double held_ms;

    jn_rate_match_steer (rm, TRUE, 250, 0);
    jn_rate_match_run (rm, sine_pull, &s, out, &seq);
    /* the filter's, plus half a packet held on the mean */
    held_ms = (jn_rate_match_get_delay (rm) - jn_rate_match_get_held (rm) * FRAMES + FRAMES / 2.0) *
              1000.0 / RATE;
    g_print ("  delay it adds, on the mean: %.2f ms (its filter, and half a packet held)\n", held_ms);
    jn_report_add_value (r, "drift", "added_ms", "ms", JN_BETTER_LOWER, held_ms);
  }
  g_print ("  the estimate, through 4 ms of jitter and 1 %% spikes of 30 ms, %u s runs, 4 seeds:\n",
           seconds);
  for (guint k = 0; k < G_N_ELEMENTS (drifts); k++)
    for (guint32 seed = 101; seed <= 104; seed++)
      {
        double settled, error;

        settle (drifts[k], seconds, seed * 104729 + k, &settled, &error);
        g_print ("    %+6.0f ppm, seed %u: within 5 ppm from %5.1f s, error at the end %+.2f ppm\n",
                 drifts[k], seed, settled, error);
        worst_settle = isnan (settled) ? INFINITY : MAX (worst_settle, settled);
        worst_error = MAX (worst_error, fabs (error));
      }
  jn_report_add_value (r, "drift", "settle_s.max", "s", JN_BETTER_LOWER, worst_settle);
  jn_report_add_value (r, "drift", "error_ppm.max", "ppm", JN_BETTER_LOWER, worst_error);
  jn_report_add_suite (r, "drift", TRUE, NULL);
  return 0;
}
