/* jn-audio-bridge.c
 *
 * The device's real-time callback only copies: capture into one ring,
 * playback out of another, plus the local monitor.  Mixing (gains, mutes)
 * happens on the media thread.  Both rings are kept short: what piles up
 * beyond a few periods (the two clocks drift) is dropped and counted, so
 * latency cannot grow.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-audio-bridge"

#include "config.h"

#include <stdatomic.h>
#include <string.h>

#include "jn-audio-bridge.h"
#include "jn-ring.h"

#define MAX_DEVICE_FRAMES 8192
#define MAX_PEERS 64
/* the media thread wakes this long after a device period is due: the
 * device thread has then run, unless it is late */
#define CLOCK_SLACK_US 200

typedef struct
{
  guint32 id;
  float   gain;
  gboolean mute;
  gboolean solo;
  float   pan;
} PeerGain;

struct _JnAudioBridge
{
  guint    frames;
  guint    channels;
  JnRing  *capture;
  JnRing  *playback;
  gsize    keep;              /* samples a ring may hold before it is trimmed */

  /* real-time side */
  float   *rt_scratch;        /* MAX_DEVICE_FRAMES x channels */
  _Atomic float monitor;
  atomic_uint_least64_t capture_overruns;
  atomic_uint_least64_t playback_underruns;
  /* the device's clock, as the media thread follows it */
  atomic_uint_least64_t device_frames; /* captured since it opened */
  atomic_int_least64_t  device_us;     /* when its last period ran */
  atomic_uint           device_quantum;
  guint                 rate;

  /* media side */
  float   *mix;
  _Atomic float master;
  GMutex   gains_lock;
  PeerGain gains[MAX_PEERS];
  guint    n_gains;
  guint    n_solo;            /* peers soloed */
  atomic_uint_least64_t capture_underruns;
  atomic_uint_least64_t playback_overruns;
  gboolean clock_started;
  guint64  packets_taken;     /* by the media thread's periods */
};

JnAudioBridge *
jn_audio_bridge_new (guint frames,
                     guint channels,
                     guint rate)
{
  JnAudioBridge *bridge;
  gsize capacity;

  g_return_val_if_fail (frames > 0 && channels > 0 && channels <= 8, NULL);

  bridge = g_new0 (JnAudioBridge, 1);
  bridge->frames = frames;
  bridge->channels = channels;
  bridge->rate = rate;
  capacity = (gsize) MAX (4 * frames, 2 * MAX_DEVICE_FRAMES) * channels;
  bridge->capture = jn_ring_new (capacity, sizeof (float));
  bridge->playback = jn_ring_new (capacity, sizeof (float));
  /* a packet plus two of the longest device periods we expect */
  bridge->keep = (gsize) (3 * frames + 2048) * channels;
  bridge->rt_scratch = g_new0 (float, (gsize) MAX_DEVICE_FRAMES * channels);
  bridge->mix = g_new0 (float, (gsize) frames * channels);
  atomic_init (&bridge->monitor, 0.f);
  atomic_init (&bridge->master, 1.f);
  g_mutex_init (&bridge->gains_lock);
  return bridge;
}

void
jn_audio_bridge_free (JnAudioBridge *bridge)
{
  if (bridge == NULL)
    return;
  jn_ring_free (bridge->capture);
  jn_ring_free (bridge->playback);
  g_free (bridge->rt_scratch);
  g_free (bridge->mix);
  g_mutex_clear (&bridge->gains_lock);
  g_free (bridge);
}

/* Drops the oldest samples of a ring beyond `keep`, from its consumer, in
 * whole frames. */
static void
trim (JnRing *ring,
      gsize   keep,
      gsize   step)
{
  gsize readable = jn_ring_get_readable (ring);

  if (readable > keep)
    jn_ring_skip (ring, (readable - keep) / step * step);
}

void
jn_audio_bridge_process (gpointer            data,
                         const float *const *capture,
                         float *const       *playback,
                         guint               frames,
                         guint               channels)
{
  JnAudioBridge *bridge = data;
  float monitor = atomic_load_explicit (&bridge->monitor, memory_order_relaxed);
  float *x = bridge->rt_scratch;
  gsize n;

  if (frames > MAX_DEVICE_FRAMES || channels != bridge->channels)
    {
      for (guint c = 0; c < channels; c++)
        memset (playback[c], 0, sizeof (float) * frames);
      return;
    }
  n = (gsize) frames * channels;

  for (guint i = 0; i < frames; i++)
    for (guint c = 0; c < channels; c++)
      x[(gsize) i * channels + c] = capture[c][i];
  if (!jn_ring_write (bridge->capture, x, n))
    atomic_fetch_add_explicit (&bridge->capture_overruns, 1, memory_order_relaxed);
  /* the clock after the samples: what the media thread is told is there */
  atomic_store_explicit (&bridge->device_quantum, frames, memory_order_relaxed);
  atomic_store_explicit (&bridge->device_us, g_get_monotonic_time (), memory_order_relaxed);
  atomic_fetch_add_explicit (&bridge->device_frames, frames, memory_order_release);

  trim (bridge->playback, bridge->keep + n, channels);
  if (!jn_ring_read (bridge->playback, x, n))
    {
      memset (x, 0, sizeof (float) * n);
      atomic_fetch_add_explicit (&bridge->playback_underruns, 1, memory_order_relaxed);
    }
  for (guint c = 0; c < channels; c++)
    for (guint i = 0; i < frames; i++)
      playback[c][i] = x[(gsize) i * channels + c] + monitor * capture[c][i];
}

void
jn_audio_bridge_capture (JnAudioBridge *bridge,
                         float         *out,
                         guint          frames,
                         guint          channels)
{
  gsize n = (gsize) frames * channels;

  g_return_if_fail (frames == bridge->frames && channels == bridge->channels);

  trim (bridge->capture, bridge->keep, channels);
  if (!jn_ring_read (bridge->capture, out, n))
    {
      memset (out, 0, sizeof (float) * n);
      atomic_fetch_add_explicit (&bridge->capture_underruns, 1, memory_order_relaxed);
    }
}

guint
jn_audio_bridge_clock (JnAudioBridge *bridge,
                       gint64         now,
                       gint64        *next_us)
{
  guint64 frames = atomic_load_explicit (&bridge->device_frames, memory_order_acquire);
  gint64 last_us = atomic_load_explicit (&bridge->device_us, memory_order_relaxed);
  guint quantum = atomic_load_explicit (&bridge->device_quantum, memory_order_relaxed);
  gint64 packet_us = (gint64) bridge->frames * G_USEC_PER_SEC / bridge->rate;
  guint64 packets = frames / bridge->frames, due;
  gint64 need, periods;

  if (frames == 0)
    {
      /* the device has not run yet */
      *next_us = now + packet_us / 2;
      return 0;
    }
  if (!bridge->clock_started)
    {
      /* start with the packet that is filling now, not with what the
       * device captured before the session started */
      bridge->clock_started = TRUE;
      bridge->packets_taken = packets;
      trim (bridge->capture, (gsize) (frames % bridge->frames) * bridge->channels, bridge->channels);
    }
  due = packets - bridge->packets_taken;
  bridge->packets_taken = packets;

  /* the next packet is complete after so many more device periods */
  need = (gint64) ((packets + 1) * bridge->frames - frames);
  periods = (need + quantum - 1) / quantum;
  *next_us = last_us + periods * quantum * G_USEC_PER_SEC / bridge->rate + CLOCK_SLACK_US;
  /* the device is late (or stopped): look again soon, but not in a spin */
  if (*next_us <= now)
    *next_us = now + CLOCK_SLACK_US;
  *next_us = MIN (*next_us, now + 2 * packet_us);
  return (guint) MIN (due, G_MAXUINT);
}

static PeerGain *
find_gain (JnAudioBridge *bridge,
           guint32        peer_id)
{
  for (guint i = 0; i < bridge->n_gains; i++)
    if (bridge->gains[i].id == peer_id)
      return &bridge->gains[i];
  return NULL;
}

void
jn_audio_bridge_add_playout (JnAudioBridge *bridge,
                             guint32        peer_id,
                             const float   *audio,
                             guint          frames,
                             guint          channels)
{
  float gain = 1.f, pan = 0.f;
  PeerGain *g;

  g_return_if_fail (frames == bridge->frames && channels == bridge->channels);

  g_mutex_lock (&bridge->gains_lock);
  g = find_gain (bridge, peer_id);
  if (g != NULL)
    {
      gain = g->mute ? 0.f : g->gain;
      pan = g->pan;
    }
  if (peer_id != 0 && jn_mix_silenced (FALSE, g != NULL && g->solo, bridge->n_solo > 0))
    gain = 0.f;
  g_mutex_unlock (&bridge->gains_lock);

  if (gain == 0.f)
    return;
  if (channels == 2 && pan != 0.f)
    {
      /* a balance, as a mix room's server does it (jn-room-mix.c) */
      float left = gain * MIN (1.f, 1.f - pan), right = gain * MIN (1.f, 1.f + pan);

      for (gsize i = 0; i < (gsize) frames * 2; i += 2)
        {
          bridge->mix[i] += left * audio[i];
          bridge->mix[i + 1] += right * audio[i + 1];
        }
      return;
    }
  for (gsize i = 0; i < (gsize) frames * channels; i++)
    bridge->mix[i] += gain * audio[i];
}

const float *
jn_audio_bridge_peek_mix (JnAudioBridge *bridge)
{
  return bridge->mix;
}

void
jn_audio_bridge_period_end (JnAudioBridge *bridge,
                            guint          frames,
                            guint          channels)
{
  gsize n = (gsize) frames * channels;
  float master = atomic_load (&bridge->master);

  g_return_if_fail (frames == bridge->frames && channels == bridge->channels);

  for (gsize i = 0; i < n; i++)
    bridge->mix[i] *= master;
  if (!jn_ring_write (bridge->playback, bridge->mix, n))
    atomic_fetch_add_explicit (&bridge->playback_overruns, 1, memory_order_relaxed);
  memset (bridge->mix, 0, sizeof (float) * n);
}

void
jn_audio_bridge_set_peer_gain (JnAudioBridge *bridge,
                               guint32        peer_id,
                               float          gain,
                               gboolean       mute,
                               gboolean       solo,
                               float          pan)
{
  PeerGain *g;

  g_return_if_fail (gain >= 0.f && gain <= 4.f);
  g_return_if_fail (pan >= -1.f && pan <= 1.f);

  g_mutex_lock (&bridge->gains_lock);
  g = find_gain (bridge, peer_id);
  if (g == NULL && bridge->n_gains < MAX_PEERS)
    {
      g = &bridge->gains[bridge->n_gains++];
      g->id = peer_id;
    }
  if (g != NULL)
    {
      g->gain = gain;
      g->mute = !!mute;
      bridge->n_solo += (guint) !!solo - (guint) g->solo;
      g->solo = !!solo;
      g->pan = pan;
    }
  g_mutex_unlock (&bridge->gains_lock);
}

void
jn_audio_bridge_set_master (JnAudioBridge *bridge,
                            float          gain)
{
  g_return_if_fail (gain >= 0.f && gain <= 4.f);
  atomic_store (&bridge->master, gain);
}

void
jn_audio_bridge_set_monitor (JnAudioBridge *bridge,
                             float          gain)
{
  g_return_if_fail (gain >= 0.f && gain <= 4.f);
  atomic_store (&bridge->monitor, gain);
}

void
jn_audio_bridge_get_stats (JnAudioBridge      *bridge,
                           JnAudioBridgeStats *stats)
{
  stats->capture_overruns = atomic_load (&bridge->capture_overruns);
  stats->capture_underruns = atomic_load (&bridge->capture_underruns);
  stats->playback_underruns = atomic_load (&bridge->playback_underruns);
  stats->playback_overruns = atomic_load (&bridge->playback_overruns);
}

void
jn_audio_bridge_get_queued (JnAudioBridge *bridge,
                            guint         *capture_frames,
                            guint         *playback_frames)
{
  *capture_frames = (guint) (jn_ring_get_readable (bridge->capture) / bridge->channels);
  *playback_frames = (guint) (jn_ring_get_readable (bridge->playback) / bridge->channels);
}
