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

#include <speex/speex_resampler.h>
#ifdef JN_HAVE_SAMPLERATE
#include <samplerate.h>
#endif
#ifdef JN_HAVE_SOXR
#include <soxr.h>
#endif

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

/* --- the candidates, side by side ------------------------------------
 *
 * Each resamples blocks of FRAMES input frames at a fixed ratio, as a
 * variable-ratio resampler (the way a drifting stream needs one). */

typedef struct
{
  const char *name;
  gpointer    state;
  /* in: FRAMES frames; out: room for 2 FRAMES; returns frames put out */
  guint     (*process) (gpointer state, const float *in, float *out);
  void      (*destroy) (gpointer state);
} Candidate;

static guint
speex_process (gpointer state, const float *in, float *out)
{
  spx_uint32_t in_len = FRAMES, out_len = 2 * FRAMES;

  speex_resampler_process_float (state, 0, in, &in_len, out, &out_len);
  return out_len;
}

static gboolean
candidate_speex (Candidate *c, int quality, double ppm)
{
  int err = 0;
  spx_uint32_t den = 65521, num = (spx_uint32_t) llround (den * (1 + ppm * 1e-6));

  c->state = speex_resampler_init_frac (1, num, den, RATE, RATE, quality, &err);
  c->process = speex_process;
  c->destroy = (void (*) (gpointer)) speex_resampler_destroy;
  return c->state != NULL;
}

#ifdef JN_HAVE_SAMPLERATE
typedef struct
{
  SRC_STATE *src;
  double     ratio;
} Samplerate;

static guint
samplerate_process (gpointer state, const float *in, float *out)
{
  Samplerate *s = state;
  SRC_DATA d = { 0 };
  guint produced = 0;

  d.data_in = in;
  d.input_frames = FRAMES;
  d.src_ratio = s->ratio;
  while (d.input_frames > 0)
    {
      d.data_out = out + produced;
      d.output_frames = 2 * FRAMES - produced;
      if (src_process (s->src, &d) != 0 || (d.input_frames_used == 0 && d.output_frames_gen == 0))
        break;
      produced += (guint) d.output_frames_gen;
      d.data_in += d.input_frames_used;
      d.input_frames -= d.input_frames_used;
    }
  return produced;
}

static void
samplerate_destroy (gpointer state)
{
  Samplerate *s = state;

  src_delete (s->src);
  g_free (s);
}

static gboolean
candidate_samplerate (Candidate *c, int converter, double ppm)
{
  Samplerate *s = g_new0 (Samplerate, 1);
  int err = 0;

  s->src = src_new (converter, 1, &err);
  s->ratio = 1 / (1 + ppm * 1e-6);
  c->state = s;
  c->process = samplerate_process;
  c->destroy = samplerate_destroy;
  return s->src != NULL;
}
#endif

#ifdef JN_HAVE_SOXR
static guint
soxr_process_block (gpointer state, const float *in, float *out)
{
  size_t done_in = 0, done_out = 0;

  soxr_process (state, in, FRAMES, &done_in, out, 2 * FRAMES, &done_out);
  return (guint) done_out;
}

static gboolean
candidate_soxr (Candidate *c, int recipe, double ppm)
{
  soxr_quality_spec_t q = soxr_quality_spec ((unsigned long) recipe, SOXR_VR);
  soxr_error_t err = NULL;
  soxr_t soxr = soxr_create (2.0, 1.0, 1, &err, NULL, &q, NULL);

  if (soxr == NULL || err != NULL)
    return FALSE;
  soxr_set_io_ratio (soxr, 1 + ppm * 1e-6, 0);
  c->state = soxr;
  c->process = soxr_process_block;
  c->destroy = (void (*) (gpointer)) soxr_delete;
  return TRUE;
}
#endif

/* 3 s of the sine through c: THD+N (worst 0.1 s window after the first
 * half second), us per block, and the delay an impulse takes through it */
static void
measure_candidate (Candidate *c, double ppm, double *thd_db, double *us, double *delay_ms,
                   gboolean (*make) (Candidate *, int, double), int arg)
{
  const guint blocks = 3 * RATE / FRAMES;
  g_autofree float *out = g_new0 (float, (gsize) blocks * 2 * FRAMES);
  g_autofree double *took = g_new (double, blocks);
  float in[FRAMES];
  guint64 n = 0;
  double hz = HZ * (1 + ppm * 1e-6), worst = -400;

  for (guint b = 0; b < blocks; b++)
    {
      double start;

      for (guint i = 0; i < FRAMES; i++)
        in[i] = 0.5f * (float) sin (2 * G_PI * HZ * (double) ((guint64) b * FRAMES + i) / RATE);
      start = jn_bench_now_ns ();
      n += c->process (c->state, in, out + n);
      took[b] = (jn_bench_now_ns () - start) / 1000.0;
    }
  qsort (took, blocks, sizeof (double), jn_bench_compare_double);
  *us = took[blocks / 2];
  for (guint64 at = RATE / 2; at + 4800 <= n; at += 4800)
    worst = MAX (worst, jn_test_signal_residual_db (out + at, 4800, RATE, &hz, 1));
  *thd_db = worst;
  c->destroy (c->state);

  /* the delay: a fresh one, an impulse in the 4th block, where its peak
   * comes out */
  *delay_ms = NAN;
  if (make (c, arg, ppm))
    {
      guint64 got = 0, peak_at = 0;
      float peak = 0;

      for (guint b = 0; b < 16; b++)
        {
          guint k;

          memset (in, 0, sizeof in);
          if (b == 3)
            in[0] = 1;
          k = c->process (c->state, in, out + got);
          got += k;
        }
      for (guint64 i = 0; i < got; i++)
        if (fabsf (out[i]) > peak)
          {
            peak = fabsf (out[i]);
            peak_at = i;
          }
      /* where it came out, and what the library still held back (one
       * puts out zeros first, another waits) */
      *delay_ms = ((double) peak_at - 3 * FRAMES + (16.0 * FRAMES - got)) * 1000.0 / RATE;
      c->destroy (c->state);
    }
}

typedef struct
{
  const char *name;
  gboolean  (*make) (Candidate *, int, double);
  int         arg;
} Choice;

static void
compare_libraries (JnReport *r)
{
  static const double ppms[] = { 250, 500, -500 };
  const Choice choices[] = {
    { "speexdsp q3", candidate_speex, 3 },
    { "speexdsp q5 (used)", candidate_speex, 5 },
    { "speexdsp q8", candidate_speex, 8 },
#ifdef JN_HAVE_SAMPLERATE
    { "libsamplerate fastest", candidate_samplerate, SRC_SINC_FASTEST },
    { "libsamplerate medium", candidate_samplerate, SRC_SINC_MEDIUM_QUALITY },
#endif
#ifdef JN_HAVE_SOXR
    { "soxr LQ (variable)", candidate_soxr, SOXR_LQ },
    { "soxr HQ (variable)", candidate_soxr, SOXR_HQ },
#endif
  };

  g_print ("  the libraries side by side (fixed ratios, worst 0.1 s window; us per %u-frame "
           "block; delay of an impulse):\n", FRAMES);
#ifndef JN_HAVE_SAMPLERATE
  g_print ("    libsamplerate: SKIP (not built with it: libsamplerate0-dev)\n");
#endif
#ifndef JN_HAVE_SOXR
  g_print ("    libsoxr: SKIP (not built with it: libsoxr-dev)\n");
#endif
  for (guint k = 0; k < G_N_ELEMENTS (choices); k++)
    {
      g_autoptr(GString) line = g_string_new (NULL);
      double us = 0, delay = NAN;

      g_string_append_printf (line, "    %-24s", choices[k].name);
      for (guint p = 0; p < G_N_ELEMENTS (ppms); p++)
        {
          Candidate c = { 0 };
          double thd = NAN, block_us;

          if (!choices[k].make (&c, choices[k].arg, ppms[p]))
            {
              g_string_append (line, "  (would not start)");
              break;
            }
          measure_candidate (&c, ppms[p], &thd, &block_us, &delay, choices[k].make, choices[k].arg);
          us = MAX (us, block_us);
          g_string_append_printf (line, "  %+.0f ppm %6.1f dB", ppms[p], thd);
          if (p == 0)
            {
              g_autofree char *id = g_strdup_printf ("library.%s.thd_n_db", choices[k].name);

              jn_report_add_value (r, "drift", id, "dB", JN_BETTER_LOWER, thd);
            }
        }
      g_string_append_printf (line, "  %6.2f us  delay %.2f ms", us, delay);
      g_print ("%s\n", line->str);
    }
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
  compare_libraries (r);
  jn_report_add_value (r, "drift", "settle_s.max", "s", JN_BETTER_LOWER, worst_settle);
  jn_report_add_value (r, "drift", "error_ppm.max", "ppm", JN_BETTER_LOWER, worst_error);
  jn_report_add_suite (r, "drift", TRUE, NULL);
  return 0;
}
