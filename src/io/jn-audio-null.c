/* jn-audio-null.c: a silent device with its own clock, for headless hosts,
 * tests and benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-audio"

#include "config.h"

#include <errno.h>
#include <time.h>

#include "jn-audio-private.h"

typedef struct
{
  JnAudioDevice *device;
  GThread       *thread;
  atomic_bool    running;
  float         *capture;
  float         *playback;
} Null;

static gpointer
null_thread (gpointer data)
{
  Null *null = data;
  JnAudioDevice *device = null->device;
  guint frames = device->config.quantum, channels = device->config.channels;
  const float *capture[8];
  float *playback[8];
  struct timespec next;
  gint64 period_ns = (gint64) frames * 1000000000 / device->config.rate;

  for (guint c = 0; c < channels; c++)
    {
      capture[c] = null->capture;
      playback[c] = null->playback + (gsize) c * frames;
    }
  jn_audio_device_thread_realtime (device);
  clock_gettime (CLOCK_MONOTONIC, &next);
  while (atomic_load (&null->running))
    {
      struct timespec now;

      device->process (device->user_data, capture, playback, frames, channels);
      atomic_fetch_add (&device->periods, 1);
      next.tv_nsec += period_ns;
      while (next.tv_nsec >= 1000000000)
        {
          next.tv_nsec -= 1000000000;
          next.tv_sec++;
        }
      clock_gettime (CLOCK_MONOTONIC, &now);
      if (now.tv_sec > next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
        {
          /* we are late: count it and start the clock again from now */
          atomic_fetch_add (&device->xruns, 1);
          next = now;
          continue;
        }
      while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
        ;
    }
  return NULL;
}

static gpointer
null_open (JnAudioDevice  *device,
           GError        **error)
{
  Null *null = g_new0 (Null, 1);

  null->device = device;
  null->capture = g_new0 (float, device->config.quantum);
  null->playback = g_new0 (float, (gsize) device->config.quantum * device->config.channels);
  atomic_store (&null->running, TRUE);
  null->thread = g_thread_new ("jn-audio-null", null_thread, null);
  return null;
}

static void
null_close (gpointer data)
{
  Null *null = data;

  atomic_store (&null->running, FALSE);
  g_thread_join (null->thread);
  g_free (null->capture);
  g_free (null->playback);
  g_free (null);
}

const JnAudioBackend jn_audio_backend_null = {
  .name = "null",
  .open = null_open,
  .close = null_close,
};
