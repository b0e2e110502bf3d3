/* jn-metronome.h: a click track on the session's shared beat grid
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Beat k (k = 0, 1, ...) falls at epoch_us + k * 60e6 / tempo on the host's
 * clock; every 4th is accented.  A peer converts with its clock offset
 * (host clock - local clock, from clock sync). */
typedef struct
{
  double tempo_bpm;
  gint64 epoch_us;       /* host clock */
  double offset_us;      /* host clock - local clock */
  guint  rate;
  float  gain;
  /* private */
  gint64 click_beat;     /* beat of the click sounding now, -1 none */
  double click_pos;      /* samples since its onset */
} JnMetronome;

void   jn_metronome_init   (JnMetronome *metronome,
                            guint        rate);
/* Adds the clicks of the period starting at local time local_us (first
 * frame) to out (interleaved), and returns how many beats begin in it; the
 * first `max_onsets` onsets go to onsets_us, on the host's clock. */
guint  jn_metronome_render (JnMetronome *metronome,
                            gint64       local_us,
                            float       *out,
                            guint        frames,
                            guint        channels,
                            gint64      *onsets_us,
                            guint        max_onsets);

G_END_DECLS
