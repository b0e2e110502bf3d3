/* jn-levels.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-levels"

#include "config.h"

#include <math.h>
#include <stdatomic.h>

#include "jn-levels.h"
#include "jn-ring.h"

struct _JnLevels
{
  JnRing               *ring;
  atomic_uint_least64_t dropped;
};

JnLevels *
jn_levels_new (gsize capacity)
{
  JnLevels *levels;

  g_return_val_if_fail (capacity > 0, NULL);

  levels = g_new0 (JnLevels, 1);
  levels->ring = jn_ring_new (capacity, sizeof (JnLevelFrame));
  atomic_init (&levels->dropped, 0);
  return levels;
}

void
jn_levels_free (JnLevels *levels)
{
  if (levels == NULL)
    return;
  jn_ring_free (levels->ring);
  g_free (levels);
}

gboolean
jn_levels_measure (JnLevels    *levels,
                   guint32      id,
                   const float *audio,
                   guint        frames,
                   guint        channels)
{
  gsize n = (gsize) frames * channels;
  JnLevelFrame *frame;
  float peak = 0.f;
  double sum = 0.0;

  frame = jn_ring_reserve (levels->ring);
  if (frame == NULL)
    {
      atomic_fetch_add_explicit (&levels->dropped, 1, memory_order_relaxed);
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    {
      float x = fabsf (audio[i]);

      peak = MAX (peak, x);
      sum += (double) audio[i] * audio[i];
    }
  frame->id = id;
  frame->peak = peak;
  frame->rms = n > 0 ? (float) sqrt (sum / (double) n) : 0.f;
  jn_ring_commit (levels->ring);
  return TRUE;
}

gsize
jn_levels_drain (JnLevels     *levels,
                 JnLevelFrame *out,
                 gsize         n_max)
{
  gsize n = MIN (jn_ring_get_readable (levels->ring), n_max);

  if (n > 0 && !jn_ring_read (levels->ring, out, n))
    return 0;
  return n;
}

guint64
jn_levels_get_dropped (JnLevels *levels)
{
  return atomic_load_explicit (&levels->dropped, memory_order_relaxed);
}

double
jn_level_to_db (double linear)
{
  return linear > 1e-6 ? 20.0 * log10 (linear) : -120.0;
}
