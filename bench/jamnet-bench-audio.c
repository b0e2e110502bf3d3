/* jamnet-bench-audio.c: jamnet-bench audio-path
 *
 * The audio path per 128-frame period: the device's real-time callback
 * (capture into the ring, the mix out of it, the local monitor) and the
 * media thread's mix of N peers into the ring, timed separately, then a
 * real-time run on the null device counting xruns.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-bench"

#include "config.h"

#include "jn-bench-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jamnet-bench.h"
#include "jn-bench-report.h"
#include "jn-audio-bridge.h"

#define FRAMES   128
#define CHANNELS 2
#define RATE     48000

static void
report (const char *id, const char *what, double *ns, guint n, double period_us, double target_share)
{
  g_autofree double *us = g_new (double, n);
  const JnFigure *f;

  for (guint i = 0; i < n; i++)
    us[i] = ns[i] / 1000.0;
  /* printed as reported: the figure's own percentiles */
  f = jn_report_add_samples (jn_bench_report (), "audio-path", id, "us", JN_BETTER_LOWER, us, n);
  g_print ("  %-34s p50 %7.2f us  p99 %7.2f us  max %8.2f us  (p99 = %5.2f %% of the period)",
           what, f->d.median, f->d.p99, f->d.max, 100.0 * f->d.p99 / period_us);
  if (target_share > 0)
    g_print ("  target < %.0f %%: %s", 100 * target_share,
             f->d.p99 / period_us < target_share ? "met" : "NOT met");
  g_print ("\n");
}

typedef struct
{
  JnAudioBridge *bridge;
  guint          peers;
  float         *audio;
  volatile gint  running;
} Feeder;

/* the media thread's side: one mix per period of packet clock */
static gpointer
feed (gpointer data)
{
  Feeder *feeder = data;
  gint64 next = g_get_monotonic_time ();
  gint64 period_us = (gint64) FRAMES * G_USEC_PER_SEC / RATE;
  float capture[FRAMES * CHANNELS];
  guint64 tick = 0;

  while (g_atomic_int_get (&feeder->running))
    {
      jn_audio_bridge_capture (feeder->bridge, capture, FRAMES, CHANNELS);
      for (guint p = 0; p < feeder->peers; p++)
        jn_audio_bridge_add_playout (feeder->bridge, p + 2, feeder->audio, FRAMES, CHANNELS);
      jn_audio_bridge_period_end (feeder->bridge, FRAMES, CHANNELS);
      tick++;
      next = g_get_monotonic_time () + period_us - (g_get_monotonic_time () - next) % period_us;
      while (g_get_monotonic_time () < next)
        g_usleep (MAX (100, (next - g_get_monotonic_time ()) / 2));
    }
  return NULL;
}

int
jn_bench_audio_path (int argc, char **argv)
{
  static const guint peer_counts[] = { 1, 4, 16 };
  double seconds = argc >= 2 ? g_ascii_strtod (argv[1], NULL) : 60.0;
  double period_us = FRAMES * 1e6 / RATE;
  guint n = 20000;
  g_autofree double *ns = g_new (double, n);
  g_autofree float *audio = g_new (float, FRAMES * CHANNELS);
  float cap[CHANNELS][FRAMES], out[CHANNELS][FRAMES];
  const float *capture[CHANNELS] = { cap[0], cap[1] };
  float *playback[CHANNELS] = { out[0], out[1] };

  if (!(seconds > 0))
    return jn_bench_fail ("usage: jamnet-bench audio-path [SECONDS (default 60)]");
  for (guint i = 0; i < FRAMES * CHANNELS; i++)
    audio[i] = (float) sin (i * 0.01) * 0.1f;
  for (guint c = 0; c < CHANNELS; c++)
    for (guint i = 0; i < FRAMES; i++)
      cap[c][i] = (float) cos (i * 0.02) * 0.1f;

  g_print ("audio-path: %d frames, %d channels, %d Hz (period %.0f us); target: the real-time "
           "callback under 5 %% of the period with 16 peers\n", FRAMES, CHANNELS, RATE, period_us);
  for (guint k = 0; k < G_N_ELEMENTS (peer_counts); k++)
    {
      g_autoptr(JnAudioBridge) bridge = jn_audio_bridge_new (FRAMES, CHANNELS, RATE);
      g_autofree char *mix_name = g_strdup_printf ("media thread: mix of %u peer%s", peer_counts[k],
                                                   peer_counts[k] > 1 ? "s" : "");
      g_autofree char *rt_name = g_strdup_printf ("real-time callback, %u peer%s", peer_counts[k],
                                                  peer_counts[k] > 1 ? "s" : "");
      g_autofree char *mix_id = g_strdup_printf ("mix_us.%u", peer_counts[k]);
      g_autofree char *rt_id = g_strdup_printf ("callback_us.%u", peer_counts[k]);
      float media_capture[FRAMES * CHANNELS];

      jn_audio_bridge_set_monitor (bridge, 0.5f);
      for (guint i = 0; i < n; i++)
        {
          double t0 = jn_bench_now_ns ();

          jn_audio_bridge_capture (bridge, media_capture, FRAMES, CHANNELS);
          for (guint p = 0; p < peer_counts[k]; p++)
            jn_audio_bridge_add_playout (bridge, p + 2, audio, FRAMES, CHANNELS);
          jn_audio_bridge_period_end (bridge, FRAMES, CHANNELS);
          ns[i] = jn_bench_now_ns () - t0;
          jn_audio_bridge_process (bridge, capture, playback, FRAMES, CHANNELS);
        }
      report (mix_id, mix_name, ns, n, period_us, 0);
      for (guint i = 0; i < n; i++)
        {
          double t0;

          jn_audio_bridge_capture (bridge, media_capture, FRAMES, CHANNELS);
          for (guint p = 0; p < peer_counts[k]; p++)
            jn_audio_bridge_add_playout (bridge, p + 2, audio, FRAMES, CHANNELS);
          jn_audio_bridge_period_end (bridge, FRAMES, CHANNELS);
          t0 = jn_bench_now_ns ();
          jn_audio_bridge_process (bridge, capture, playback, FRAMES, CHANNELS);
          ns[i] = jn_bench_now_ns () - t0;
        }
      report (rt_id, rt_name, ns, n, period_us, peer_counts[k] == 16 ? 0.05 : 0);
    }

  /* real time: the null device's clock against a media-side feeder */
  {
    JnAudioConfig config = { "jamnet-bench", RATE, CHANNELS, FRAMES };
    g_autoptr(JnAudioBridge) bridge = jn_audio_bridge_new (FRAMES, CHANNELS, RATE);
    g_autoptr(GError) error = NULL;
    Feeder feeder = { bridge, 16, audio, 1 };
    JnAudioDevice *device;
    GThread *thread;
    JnAudioBridgeStats stats;
    guint64 periods, xruns;

    g_print ("  real-time run: null device, 16 peers, %.0f s ...\n", seconds);
    device = jn_audio_device_new ("null", &config, jn_audio_bridge_process, bridge, &error);
    if (device == NULL)
      return jn_bench_fail (error->message);
    thread = g_thread_new ("feeder", feed, &feeder);
    g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
    periods = jn_audio_device_get_periods (device);
    xruns = jn_audio_device_get_xruns (device);
    jn_audio_device_free (device);
    g_atomic_int_set (&feeder.running, 0);
    g_thread_join (thread);
    jn_audio_bridge_get_stats (bridge, &stats);
    g_print ("  %" G_GUINT64_FORMAT " periods, %" G_GUINT64_FORMAT " xruns (late device periods), "
             "playback underruns %" G_GUINT64_FORMAT ", capture overruns %" G_GUINT64_FORMAT "\n",
             periods, xruns, stats.playback_underruns, stats.capture_overruns);
    jn_report_add_value (jn_bench_report (), "audio-path", "xruns_per_hour", "xruns/h",
                         JN_BETTER_LOWER, xruns * 3600.0 / seconds);
  }
  {
    static const char *const figures[] = { "mix_us.1", "mix_us.4", "mix_us.16", "callback_us.1",
                                           "callback_us.4", "callback_us.16", NULL };

    jn_bench_percentile_chart ("audio-path", "audio path: cost per period", "us", figures);
  }
  jn_report_add_suite (jn_bench_report (), "audio-path", TRUE, NULL);
  return 0;
}
