/* jn-audio-null.c: a silent device with its own clock, for headless hosts,
 * tests and benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-audio"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <time.h>

#include "jn-audio-private.h"

/* a period later than this many is not caught up with */
#define MAX_LATE_PERIODS 32

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
  struct timespec start, next;
  /* a clock drift_ppm fast runs that much more often */
  double period_ns = frames * 1e9 / (device->config.rate * (1 + device->drift_ppm * 1e-6));
  guint64 n = 0;
  gboolean behind = FALSE;

  for (guint c = 0; c < channels; c++)
    {
      capture[c] = null->capture;
      playback[c] = null->playback + (gsize) c * frames;
    }
  jn_audio_device_thread_realtime (device);
  clock_gettime (CLOCK_MONOTONIC, &start);
  while (atomic_load (&null->running))
    {
      struct timespec now;
      gint64 at;

      device->process (device->user_data, capture, playback, frames, channels);
      atomic_fetch_add (&device->periods, 1);
      /* from the start, not period by period: no rounding piles up */
      at = (gint64) llround (++n * period_ns);
      next.tv_sec = start.tv_sec + (start.tv_nsec + at) / 1000000000;
      next.tv_nsec = (start.tv_nsec + at) % 1000000000;
      clock_gettime (CLOCK_MONOTONIC, &now);
      if (now.tv_sec > next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
        {
          gint64 late_ns = (now.tv_sec - next.tv_sec) * 1000000000LL + (now.tv_nsec - next.tv_nsec);

          /* we are late: a clock does not stop, so the periods missed run
           * at once, unless so many were missed (the process was stopped)
           * that starting again from now is better.  A period missed
           * whole is an xrun, counted once however many follow. */
          if (late_ns > period_ns && !behind)
            atomic_fetch_add (&device->xruns, 1);
          behind = late_ns > period_ns;
          if (late_ns > MAX_LATE_PERIODS * period_ns)
            {
              start = now;
              n = 0;
            }
          continue;
        }
      behind = FALSE;
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
