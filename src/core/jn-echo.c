/* jn-echo.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-echo"

#include "config.h"

#include <stdatomic.h>

#include "jn-capture-source.h"
#include "jn-echo.h"

struct _JnEcho
{
  JnCaptureSource *source;   /* an echo of everything, fed only the asker's playout */
  guint            frames;
  guint            channels;
  _Atomic guint32  peer_id;
  _Atomic gint64   until_us; /* monotonic; 0: not asked */
};

JnEcho *
jn_echo_new (guint frames,
             guint channels)
{
  JnEcho *echo = g_new0 (JnEcho, 1);

  echo->source = jn_capture_source_new (JN_CAPTURE_ECHO);
  echo->frames = frames;
  echo->channels = channels;
  jn_capture_source_prepare (echo->source, frames, channels);
  return echo;
}

void
jn_echo_free (JnEcho *echo)
{
  if (echo == NULL)
    return;
  jn_capture_source_free (echo->source);
  g_free (echo);
}

void
jn_echo_start (JnEcho  *echo,
               guint32  peer_id,
               guint    seconds)
{
  g_return_if_fail (echo != NULL);

  atomic_store_explicit (&echo->peer_id, peer_id, memory_order_relaxed);
  atomic_store_explicit (&echo->until_us,
                         seconds > 0 ? g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC : 0,
                         memory_order_release);
}

gboolean
jn_echo_is_active (JnEcho *echo)
{
  g_return_val_if_fail (echo != NULL, FALSE);
  return g_get_monotonic_time () < atomic_load_explicit (&echo->until_us, memory_order_acquire);
}

gboolean
jn_echo_capture (JnEcho *echo,
                 float  *out,
                 guint   frames,
                 guint   channels)
{
  if (echo == NULL || frames != echo->frames || channels != echo->channels || !jn_echo_is_active (echo))
    return FALSE;
  jn_capture_source_fill (echo->source, out, frames, channels, 0, 0);
  return TRUE;
}

void
jn_echo_playout (JnEcho      *echo,
                 guint32      peer_id,
                 const float *audio,
                 guint        frames,
                 guint        channels)
{
  if (echo == NULL || frames != echo->frames || channels != echo->channels ||
      peer_id != atomic_load_explicit (&echo->peer_id, memory_order_relaxed) || !jn_echo_is_active (echo))
    return;
  jn_capture_source_add_playout (echo->source, audio, frames, channels);
}

void
jn_echo_period_end (JnEcho *echo,
                    guint   frames,
                    guint   channels)
{
  if (echo == NULL || frames != echo->frames || channels != echo->channels)
    return;
  jn_capture_source_period_end (echo->source, frames, channels);
}
