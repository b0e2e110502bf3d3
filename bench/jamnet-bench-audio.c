/* jamnet-bench-audio.c: jamnet-bench audio-path
 *
 * The audio path per 128-frame period: the device's real-time callback
 * (capture into the ring, the mix out of it, the local monitor) and the
 * media thread's mix of N peers into the ring, timed separately; the
 * media thread's receiving side with 16 peers losing packets and restoring
 * them from copies; then a real-time run on the null device counting
 * xruns.
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
#include "jn-audio-copy.h"
#include "jn-concealer-pool.h"
#include "jn-jitter-buffer.h"
#include "jn-media-engine.h"
#include "jn-plc-eval.h"
#include "jn-wav.h"

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

/* The receiving side of a period with copies: PEERS mono peers at 5 %
 * bursty loss (each its own trace), each packet carrying copies of the two
 * before it as the engine codes them.  Timed per period, as the media
 * thread does it: the worker's models exchanged, every packet and its
 * copies queued, every jitter buffer popped through its concealer (a copy
 * refined with its prediction, a loss concealed), with the engine's
 * budget for starting gaps the costly way.  Paced in real time, so that
 * the worker's models come back as they would. */
#define COPY_PEERS  16
#define COPY_FRAMES 128

typedef struct
{
  JnJitterBuffer *jb;
  JnConcealer    *concealer;
  gboolean       *lost;
  guint64         played;
} CopyPeer;

static JnConcealer *
copy_peer_lookup (gpointer user_data,
                  guint32  stream)
{
  CopyPeer *peers = user_data;

  return stream < COPY_PEERS ? peers[stream].concealer : NULL;
}

static JnConcealer *
copy_peer_at (gpointer user_data,
              guint    index,
              guint64 *played)
{
  CopyPeer *peers = user_data;

  *played = peers[index].played;
  return peers[index].concealer;
}

static int
copies_cost (double seconds)
{
  JnAudioFormat format = { RATE, COPY_FRAMES, 1, JN_SAMPLE_S16, 0 };
  double period_us = COPY_FRAMES * 1e6 / RATE;
  guint periods = (guint) (seconds * 1e6 / period_us), copy_bytes[3];
  g_autofree char *path = g_build_filename (JN_SOURCE_DIR, "tests", "data", "piano.wav", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JnWav) wav = jn_wav_load (path, &error);
  g_autofree double *ns = g_new (double, periods);
  JnConcealerPool *pool;
  CopyPeer peers[COPY_PEERS];
  guint8 coded[3][256];
  float out[COPY_FRAMES], scratch[COPY_FRAMES];
  guint64 worker_model = 0, local_fit = 0, plain = 0;
  guint64 restored = 0, concealed = 0, light = 0, lost = 0;
  gint64 budget_us = (gint64) (JN_PLC_BUDGET_DEFAULT * period_us), next;

  if (wav == NULL || wav->channels != 1 || wav->frames < 64 * COPY_FRAMES)
    return jn_bench_fail (error != NULL ? error->message : "tests/data/piano.wav is not a mono clip");
  pool = jn_concealer_pool_new ("pnbtr", &format, "cpu");
  for (guint p = 0; p < COPY_PEERS; p++)
    {
      g_autoptr(GArray) trace = jn_plc_trace_generate (periods, 0.05, 2.4, 10, 101 + p);

      peers[p].jb = jn_jitter_buffer_new (2, COPY_FRAMES, 1);
      jn_jitter_buffer_set_adaptive (peers[p].jb, TRUE, 0.5, (guint) period_us);
      peers[p].concealer = jn_concealer_new (p, "pnbtr", &format, pool != NULL);
      jn_concealer_attach (peers[p].concealer, peers[p].jb);
      peers[p].lost = jn_plc_lost_mask (trace, periods);
      peers[p].played = 0;
    }
  for (guint j = 1; j <= 2; j++)
    copy_bytes[j] = (guint) jn_audio_copy_size (COPY_FRAMES, jn_audio_copy_bits (j));

  g_print ("  media thread, %u peers with 2 copies each at 5 %% bursty loss, %.0f s in real time ...\n",
           COPY_PEERS, seconds);
  next = g_get_monotonic_time ();
  for (guint t = 0; t < periods; t++)
    {
      JnPacket packets[COPY_PEERS];
      double t0;
      gint64 playout_start;

      /* the senders' part, not timed: each peer's packet t and its copies */
      for (guint p = 0; p < COPY_PEERS; p++)
        {
          JnPacket *packet = &packets[p];

          memset (packet, 0, sizeof *packet);
          packet->header.seq = t;
          for (guint j = 1; j <= 2 && j <= t; j++)
            {
              /* each peer plays the clip from its own place */
              gsize at = ((gsize) (t - j) * COPY_FRAMES + p * 48000) % (wav->frames - COPY_FRAMES);

              jn_audio_copy_encode (wav->samples + at, COPY_FRAMES, jn_audio_copy_bits (j),
                                    coded[j]);
              packet->audio.copies[packet->audio.n_copies].back = j;
              packet->audio.copies[packet->audio.n_copies].bits = jn_audio_copy_bits (j);
              packet->audio.copies[packet->audio.n_copies].data = g_memdup2 (coded[j], copy_bytes[j]);
              packet->audio.n_copies++;
            }
        }

      t0 = jn_bench_now_ns ();
      if (pool != NULL)
        jn_concealer_pool_exchange (pool, copy_peer_lookup, peers, copy_peer_at, peers, COPY_PEERS, t);
      for (guint p = 0; p < COPY_PEERS; p++)
        if (!peers[p].lost[t])
          {
            gsize at = ((gsize) t * COPY_FRAMES + p * 48000) % (wav->frames - COPY_FRAMES);

            jn_jitter_buffer_push (peers[p].jb, t, wav->samples + at);
            jn_jitter_buffer_take_copies (peers[p].jb, &packets[p], scratch);
          }
      playout_start = g_get_monotonic_time ();
      for (guint p = 0; p < COPY_PEERS; p++)
        {
          JnJitterPopResult r;

          jn_concealer_set_time_spent (peers[p].concealer, g_get_monotonic_time () - playout_start,
                                       budget_us);
          r = jn_jitter_buffer_pop (peers[p].jb, out, NULL);
          if (r != JN_JITTER_POP_IDLE)
            peers[p].played++;
          concealed += r == JN_JITTER_POP_CONCEALED;
        }
      ns[t] = jn_bench_now_ns () - t0;

      for (guint p = 0; p < COPY_PEERS; p++)
        {
          lost += peers[p].lost[t];
          for (guint i = 0; i < packets[p].audio.n_copies; i++)
            g_free ((gpointer) packets[p].audio.copies[i].data);
        }
      next += (gint64) period_us;
      while (g_get_monotonic_time () < next)
        g_usleep (MAX (100, (next - g_get_monotonic_time ()) / 2));
    }

  for (guint p = 0; p < COPY_PEERS; p++)
    {
      JnJitterDepthStats depth;
      JnPeerStats stats = { 0 };

      jn_jitter_buffer_get_depth_stats (peers[p].jb, &depth);
      jn_concealer_fill (peers[p].concealer, &stats);
      restored += depth.restored;
      plain += depth.restored_plain;
      worker_model += stats.gaps_worker_model;
      local_fit += stats.gaps_local_fit;
      light += stats.gaps_light;
      jn_concealer_free (peers[p].concealer);
      jn_jitter_buffer_free (peers[p].jb);
      g_free (peers[p].lost);
    }
  jn_concealer_pool_free (pool);
  report ("copies_us.16", "media thread: 16 peers, copies, loss", ns, periods, period_us,
          JN_PLC_BUDGET_DEFAULT);
  g_print ("  %" G_GUINT64_FORMAT " packets lost, %" G_GUINT64_FORMAT " restored from copies "
           "(%" G_GUINT64_FORMAT " of them played as they decoded: no time left to refine), "
           "%" G_GUINT64_FORMAT " periods concealed; gaps begun with the worker's model %"
           G_GUINT64_FORMAT ", with a local fit %" G_GUINT64_FORMAT ", the cheap way (budget) %"
           G_GUINT64_FORMAT "\n", lost, restored, plain, concealed, worker_model, local_fit, light);
  return 0;
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

  if (copies_cost (MIN (seconds, 10.0)) != 0)
    return 1;

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
                                           "callback_us.4", "callback_us.16", "copies_us.16", NULL };

    jn_bench_percentile_chart ("audio-path", "audio path: cost per period", "us", figures);
  }
  jn_report_add_suite (jn_bench_report (), "audio-path", TRUE, NULL);
  return 0;
}
