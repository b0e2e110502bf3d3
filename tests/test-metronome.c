/* test-metronome.c: clicks land on the shared grid, whatever the offset
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jn-metronome.h"

#define RATE 48000
#define FRAMES 128

/* Renders `seconds` in packets from local time 0, collects onsets (host
 * clock) and where in the output each click starts (local sample). */
static guint
run (JnMetronome *m, double seconds, gint64 *onsets, guint max, GArray *starts)
{
  guint n = 0;
  float out[FRAMES], last = 0.f;

  for (guint64 p = 0; p < seconds * RATE / FRAMES; p++)
    {
      gint64 local = (gint64) (p * FRAMES * 1e6 / RATE);
      memset (out, 0, sizeof out);
      n += jn_metronome_render (m, local, out, FRAMES, 1, onsets + n, max - n);
      for (guint i = 0; i < FRAMES; i++)
        if (out[i] != 0.f && (i == 0 ? last : out[i - 1]) == 0.f && starts != NULL)
          {
            guint64 at = p * FRAMES + i;

            if (starts->len == 0 || at > g_array_index (starts, guint64, starts->len - 1) + RATE / 20)
              g_array_append_val (starts, at);
          }
      last = out[FRAMES - 1];
    }
  return n;
}

static void
test_grid (void)
{
  JnMetronome host, peer;
  gint64 a[64], b[64];
  guint na, nb;
  g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (guint64));

  /* the host: 120 BPM from its time 0.1 s */
  jn_metronome_init (&host, RATE);
  host.tempo_bpm = 120.0;
  host.epoch_us = 100000;
  na = run (&host, 3.0, a, 64, starts);
  /* beats at 0.1, 0.6, 1.1, 1.6, 2.1, 2.6 s */
  g_assert_cmpuint (na, ==, 6);
  for (guint k = 0; k < na; k++)
    g_assert_cmpint (a[k], ==, 100000 + k * 500000);
  /* and the clicks sound there, to the sample */
  g_assert_cmpuint (starts->len, ==, 6);
  for (guint k = 0; k < starts->len; k++)
    g_assert_cmpint (llabs ((gint64) g_array_index (starts, guint64, k) - (gint64) (4800 + k * 24000)), <=, 1);

  /* a peer whose clock is 1.234567 s behind the host's hears the same
   * beats, at its own local times */
  jn_metronome_init (&peer, RATE);
  peer.tempo_bpm = 120.0;
  peer.epoch_us = 100000;
  peer.offset_us = 1234567.0;
  g_array_set_size (starts, 0);
  nb = run (&peer, 3.0, b, 64, starts);
  g_assert_cmpuint (nb, >=, 5);
  for (guint k = 0; k < nb; k++)
    {
      /* same grid on the host clock */
      g_assert_cmpint ((b[k] - 100000) % 500000, ==, 0);
    }
  /* first beat after local 0 is host time 1.234567 s -> beat at 1.6 s host,
   * local 0.365433 s = sample 17540.8 */
  g_assert_cmpint (b[0], ==, 1600000);
  g_assert_cmpint (llabs ((gint64) g_array_index (starts, guint64, 0) - 17541), <=, 1);
}

static void
test_accent_and_level (void)
{
  JnMetronome m;
  float out[RATE];
  double peak1 = 0, peak2 = 0;

  jn_metronome_init (&m, RATE);
  m.tempo_bpm = 240.0;   /* beats every 12000 samples */
  memset (out, 0, sizeof out);
  g_assert_cmpuint (jn_metronome_render (&m, 0, out, RATE, 1, NULL, 0), ==, 4);
  for (guint i = 0; i < 1200; i++)
    {
      peak1 = MAX (peak1, fabs (out[i]));
      peak2 = MAX (peak2, fabs (out[12000 + i]));
    }
  g_assert_cmpfloat (peak1, >, 0.3);
  g_assert_cmpfloat (peak1, <=, 0.5);
  g_assert_cmpfloat (peak2, >, 0.3);
  /* silent between clicks */
  for (guint i = 2000; i < 12000; i++)
    g_assert_cmpfloat (fabs (out[i]), <, 1e-6);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/metronome/grid", test_grid);
  g_test_add_func ("/metronome/accent-and-level", test_accent_and_level);

  return g_test_run ();
}
