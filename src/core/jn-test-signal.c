/* jn-test-signal.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-test-signal"

#include "config.h"

#include <math.h>

#include "jn-test-signal.h"

void
jn_test_signal_fill (float   *out,
                     guint    frames,
                     guint    channels,
                     guint    rate,
                     guint64  position)
{
  for (guint i = 0; i < frames; i++)
    {
      double t = (double) (position + i) / rate;

      for (guint c = 0; c < channels; c++)
        out[i * channels + c] = (float) (0.25 * sin (2 * G_PI * 440.0 * t + 0.5 * c) +
                                         0.15 * sin (2 * G_PI * 277.18 * t + 0.7 * c));
    }
}
