/* jn-metronome.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-metronome"

#include "config.h"

#include <math.h>

#include "jn-metronome.h"

#define CLICK_MS 25.0

void
jn_metronome_init (JnMetronome *m,
                   guint        rate)
{
  m->tempo_bpm = 120.0;
  m->epoch_us = 0;
  m->offset_us = 0.0;
  m->rate = rate;
  m->gain = 0.5f;
  m->click_beat = -1;
  m->click_pos = 0.0;
}

guint
jn_metronome_render (JnMetronome *m,
                     gint64       local_us,
                     float       *out,
                     guint        frames,
                     guint        channels,
                     gint64      *onsets_us,
                     guint        max_onsets)
{
  double beat_us = 60e6 / CLAMP (m->tempo_bpm, 20.0, 400.0);
  double sample_us = 1e6 / m->rate;
  double host0 = (double) local_us + m->offset_us - (double) m->epoch_us;
  double click_len = CLICK_MS * 1e-3 * m->rate;
  guint onsets = 0;

  for (guint i = 0; i < frames; i++)
    {
      double t = host0 + i * sample_us;   /* host time since the epoch */
      gint64 beat = (gint64) floor (t / beat_us);
      double since = t - beat * beat_us;  /* us since that beat */

      /* a beat starts within this sample */
      if (t >= 0 && since < sample_us && beat != m->click_beat)
        {
          m->click_beat = beat;
          m->click_pos = since / sample_us;
          if (onsets_us != NULL && onsets < max_onsets)
            onsets_us[onsets] = m->epoch_us + (gint64) llround (beat * beat_us);
          onsets++;
        }
      if (m->click_beat >= 0 && m->click_pos < click_len)
        {
          /* 25 ms of a decaying sine: 1.5 kHz on the one, 1 kHz else */
          double hz = m->click_beat % 4 == 0 ? 1500.0 : 1000.0;
          double s = m->click_pos / m->rate;
          float v = (float) (m->gain * exp (-s * 200.0) * sin (2 * G_PI * hz * s));

          for (guint c = 0; c < channels; c++)
            out[i * channels + c] += v;
          m->click_pos += 1.0;
        }
    }
  return onsets;
}
