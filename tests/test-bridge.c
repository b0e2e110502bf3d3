/* test-bridge.c: the audio bridge between device and media thread, driven
 * by hand: capture passes through, the mix applies gains, mutes, solos,
 * master and monitor, and nothing piles up; the meters' ring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "jn-audio-bridge.h"
#include "jn-levels.h"

#define FRAMES 4
#define CH 2

static void
device_period (JnAudioBridge *bridge, float in_value, float out[CH][FRAMES])
{
  float cap[CH][FRAMES];
  const float *capture[CH] = { cap[0], cap[1] };
  float *playback[CH] = { out[0], out[1] };

  for (guint c = 0; c < CH; c++)
    for (guint i = 0; i < FRAMES; i++)
      cap[c][i] = in_value + c * 0.1f + i * 0.01f;
  jn_audio_bridge_process (bridge, capture, playback, FRAMES, CH);
}

static void
test_capture_and_mix (void)
{
  g_autoptr(JnAudioBridge) bridge = jn_audio_bridge_new (FRAMES, CH, 48000);
  float out[CH][FRAMES], captured[FRAMES * CH], a[FRAMES * CH], b[FRAMES * CH];
  JnAudioBridgeStats stats;

  /* the device ran before the media thread had anything: silence, counted */
  device_period (bridge, 0.5f, out);
  g_assert_cmpfloat (out[0][0], ==, 0.f);
  jn_audio_bridge_get_stats (bridge, &stats);
  g_assert_cmpuint (stats.playback_underruns, ==, 1);

  /* what the device captured reaches the media thread, interleaved */
  jn_audio_bridge_capture (bridge, captured, FRAMES, CH);
  g_assert_cmpfloat (captured[0], ==, 0.5f);
  g_assert_cmpfloat (captured[1], ==, 0.6f);
  g_assert_cmpfloat (captured[2 * 3 + 1], ==, 0.63f);
  /* and nothing more is there */
  jn_audio_bridge_capture (bridge, captured, FRAMES, CH);
  g_assert_cmpfloat (captured[0], ==, 0.f);
  jn_audio_bridge_get_stats (bridge, &stats);
  g_assert_cmpuint (stats.capture_underruns, ==, 1);

  /* two peers: 1 at unity, 2 at half */
  for (guint i = 0; i < FRAMES * CH; i++)
    {
      a[i] = 0.2f;
      b[i] = 0.4f;
    }
  jn_audio_bridge_set_peer_gain (bridge, 2, 0.5f, FALSE, FALSE, 0.f);
  jn_audio_bridge_add_playout (bridge, 1, a, FRAMES, CH);
  jn_audio_bridge_add_playout (bridge, 2, b, FRAMES, CH);
  jn_audio_bridge_period_end (bridge, FRAMES, CH);
  device_period (bridge, 0.f, out);
  g_assert_cmpfloat_with_epsilon (out[0][0], 0.4f, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[1][3], 0.4f, 1e-6);

  /* peer 2 muted, master at 2, monitor at 0.5 of what is captured */
  jn_audio_bridge_set_peer_gain (bridge, 2, 0.5f, TRUE, FALSE, 0.f);
  jn_audio_bridge_set_master (bridge, 2.f);
  jn_audio_bridge_set_monitor (bridge, 0.5f);
  jn_audio_bridge_add_playout (bridge, 1, a, FRAMES, CH);
  jn_audio_bridge_add_playout (bridge, 2, b, FRAMES, CH);
  jn_audio_bridge_period_end (bridge, FRAMES, CH);
  device_period (bridge, 0.2f, out);
  g_assert_cmpfloat_with_epsilon (out[0][0], 0.4f + 0.5f * 0.2f, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[1][2], 0.4f + 0.5f * (0.2f + 0.1f + 0.02f), 1e-6);
}

static void
test_bounded (void)
{
  g_autoptr(JnAudioBridge) bridge = jn_audio_bridge_new (FRAMES, CH, 48000);
  float out[CH][FRAMES], mix[FRAMES * CH], captured[FRAMES * CH];
  JnAudioBridgeStats stats;

  /* the media thread runs ahead for a long while: the oldest mixes are
   * dropped so the device plays the newest, not seconds-old audio */
  for (guint p = 0; p < 5000; p++)
    {
      for (guint i = 0; i < FRAMES * CH; i++)
        mix[i] = (float) p / 5000.f;
      jn_audio_bridge_add_playout (bridge, 1, mix, FRAMES, CH);
      jn_audio_bridge_period_end (bridge, FRAMES, CH);
    }
  device_period (bridge, 0.f, out);
  g_assert_cmpfloat (out[0][0], >, 0.5f);

  /* the device runs ahead: capture too keeps only the newest */
  for (guint p = 0; p < 5000; p++)
    device_period (bridge, (float) p / 5000.f, out);
  jn_audio_bridge_capture (bridge, captured, FRAMES, CH);
  g_assert_cmpfloat (captured[0], >, 0.5f);
  jn_audio_bridge_get_stats (bridge, &stats);
  /* 5000 periods do not fit: both rings overran, and said so */
  g_assert_cmpuint (stats.playback_overruns, >, 0);
  g_assert_cmpuint (stats.capture_overruns, >, 0);
}

/* The device's clock: as many packets due as it captured since the last
 * look, the first look starting the count; the next due one device period
 * after the last, and never in the past */
static void
test_clock (void)
{
  g_autoptr(JnAudioBridge) bridge = jn_audio_bridge_new (FRAMES, CH, 48000);
  float out[CH][FRAMES];
  gint64 now = g_get_monotonic_time (), next, period_us = FRAMES * G_USEC_PER_SEC / 48000;

  g_assert_cmpuint (jn_audio_bridge_clock (bridge, now, &next), ==, 0);
  g_assert_cmpint (next, >, now);
  g_assert_cmpint (next, <=, now + period_us);

  for (guint k = 0; k < 3; k++)
    device_period (bridge, 0.1f * k, out);
  /* what it captured before we looked is not a backlog to send */
  now = g_get_monotonic_time ();
  g_assert_cmpuint (jn_audio_bridge_clock (bridge, now, &next), ==, 0);
  device_period (bridge, 0.5f, out);
  device_period (bridge, 0.6f, out);
  now = g_get_monotonic_time ();
  g_assert_cmpuint (jn_audio_bridge_clock (bridge, now, &next), ==, 2);
  g_assert_cmpuint (jn_audio_bridge_clock (bridge, now, &next), ==, 0);
  /* one device period after the last, a little later */
  g_assert_cmpint (next, >, now);
  g_assert_cmpint (next, <=, now + period_us + 1000);
  {
    float captured[FRAMES * CH];

    /* and the packets are those two periods, in order */
    jn_audio_bridge_capture (bridge, captured, FRAMES, CH);
    g_assert_cmpfloat_with_epsilon (captured[0], 0.5f, 1e-6);
    jn_audio_bridge_capture (bridge, captured, FRAMES, CH);
    g_assert_cmpfloat_with_epsilon (captured[0], 0.6f, 1e-6);
  }
  /* a device that went quiet: look again soon, not in the past */
  now += 10 * G_USEC_PER_SEC;
  g_assert_cmpuint (jn_audio_bridge_clock (bridge, now, &next), ==, 0);
  g_assert_cmpint (next, >, now);
}


/* one period of peers 1, 2 and 3 at 0.1, 0.2 and 0.4 and the metronome
 * (peer 0) at 0.05: what the device plays */
static float
mix_of_three (JnAudioBridge *bridge)
{
  float out[CH][FRAMES], x[FRAMES * CH];
  const float values[] = { 0.05f, 0.1f, 0.2f, 0.4f };

  for (guint id = 0; id < G_N_ELEMENTS (values); id++)
    {
      for (guint i = 0; i < FRAMES * CH; i++)
        x[i] = values[id];
      jn_audio_bridge_add_playout (bridge, id, x, FRAMES, CH);
    }
  jn_audio_bridge_period_end (bridge, FRAMES, CH);
  device_period (bridge, 0.f, out);
  g_assert_cmpfloat_with_epsilon (out[0][0], out[1][FRAMES - 1], 1e-6);
  return out[0][0];
}

static void
test_solo (void)
{
  g_autoptr(JnAudioBridge) bridge = jn_audio_bridge_new (FRAMES, CH, 48000);

  g_assert_cmpfloat_with_epsilon (mix_of_three (bridge), 0.75f, 1e-6);
  /* 2 soloed: only 2 (and the click) is heard, whatever the others' gains */
  jn_audio_bridge_set_peer_gain (bridge, 2, 1.f, FALSE, TRUE, 0.f);
  g_assert_cmpfloat_with_epsilon (mix_of_three (bridge), 0.25f, 1e-6);
  /* 3 soloed too: both */
  jn_audio_bridge_set_peer_gain (bridge, 3, 0.5f, FALSE, TRUE, 0.f);
  g_assert_cmpfloat_with_epsilon (mix_of_three (bridge), 0.45f, 1e-6);
  /* a soloed player muted is not heard; the solo still silences 1 */
  jn_audio_bridge_set_peer_gain (bridge, 2, 1.f, TRUE, TRUE, 0.f);
  g_assert_cmpfloat_with_epsilon (mix_of_three (bridge), 0.25f, 1e-6);
  /* the same solo set twice counts once: off again, everyone is back */
  jn_audio_bridge_set_peer_gain (bridge, 3, 0.5f, FALSE, TRUE, 0.f);
  jn_audio_bridge_set_peer_gain (bridge, 3, 0.5f, FALSE, FALSE, 0.f);
  jn_audio_bridge_set_peer_gain (bridge, 2, 1.f, FALSE, FALSE, 0.f);
  g_assert_cmpfloat_with_epsilon (mix_of_three (bridge), 0.55f, 1e-6);
  /* the rule mixes made elsewhere follow */
  g_assert_false (jn_mix_silenced (FALSE, FALSE, FALSE));
  g_assert_true (jn_mix_silenced (FALSE, FALSE, TRUE));
  g_assert_false (jn_mix_silenced (FALSE, TRUE, TRUE));
  g_assert_true (jn_mix_silenced (TRUE, TRUE, TRUE));
}

/* a mono player (the same on both channels of a stereo session) moves
 * between the sides as its pan does: a balance, full in the middle */
static void
test_pan (void)
{
  g_autoptr(JnAudioBridge) bridge = jn_audio_bridge_new (FRAMES, CH, 48000);
  static const struct { float pan, left, right; } cases[] = {
    { 0.f, 0.4f, 0.4f }, { -1.f, 0.4f, 0.f }, { 1.f, 0.f, 0.4f }, { 0.5f, 0.2f, 0.4f }, { -0.25f, 0.4f, 0.3f },
  };
  float x[FRAMES * CH], out[CH][FRAMES];

  for (guint i = 0; i < FRAMES * CH; i++)
    x[i] = 0.4f;
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      jn_audio_bridge_set_peer_gain (bridge, 2, 1.f, FALSE, FALSE, cases[c].pan);
      jn_audio_bridge_add_playout (bridge, 2, x, FRAMES, CH);
      jn_audio_bridge_period_end (bridge, FRAMES, CH);
      device_period (bridge, 0.f, out);
      g_assert_cmpfloat_with_epsilon (out[0][0], cases[c].left, 1e-6);
      g_assert_cmpfloat_with_epsilon (out[1][0], cases[c].right, 1e-6);
      g_assert_cmpfloat_with_epsilon (out[0][FRAMES - 1], cases[c].left, 1e-6);
      g_assert_cmpfloat_with_epsilon (out[1][FRAMES - 1], cases[c].right, 1e-6);
    }
}

/* the meters' ring: a period's peak and RMS per stream, in order; what
 * does not fit is dropped and counted, never blocks */
static void
test_levels (void)
{
  g_autoptr(JnLevels) levels = jn_levels_new (4);
  JnLevelFrame frames[8];
  float tone[128], silence[128] = { 0 };

  for (guint i = 0; i < 128; i++)
    tone[i] = 0.5f * (float) sin (2 * G_PI * i / 32.0);
  g_assert_true (jn_levels_measure (levels, 7, tone, 128, 1));
  g_assert_true (jn_levels_measure (levels, JN_LEVELS_INPUT, silence, 64, 2));
  g_assert_cmpuint (jn_levels_drain (levels, frames, 8), ==, 2);
  g_assert_cmpuint (frames[0].id, ==, 7);
  g_assert_cmpfloat_with_epsilon (frames[0].peak, 0.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (frames[0].rms, 0.5f / G_SQRT2, 1e-5);
  g_assert_cmpuint (frames[1].id, ==, JN_LEVELS_INPUT);
  g_assert_cmpfloat (frames[1].peak, ==, 0.f);
  g_assert_cmpfloat (frames[1].rms, ==, 0.f);
  g_assert_cmpuint (jn_levels_drain (levels, frames, 8), ==, 0);

  for (guint k = 0; k < 6; k++)
    jn_levels_measure (levels, k, tone, 128, 1);
  g_assert_cmpuint (jn_levels_get_dropped (levels), ==, 2);
  g_assert_cmpuint (jn_levels_drain (levels, frames, 3), ==, 3);
  g_assert_cmpuint (frames[2].id, ==, 2);
  g_assert_cmpuint (jn_levels_drain (levels, frames, 8), ==, 1);
  g_assert_cmpfloat_with_epsilon (jn_level_to_db (0.5), -6.0206, 1e-3);
  g_assert_cmpfloat (jn_level_to_db (0.0), ==, -120.0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bridge/capture-and-mix", test_capture_and_mix);
  g_test_add_func ("/bridge/bounded", test_bounded);
  g_test_add_func ("/bridge/clock", test_clock);
  g_test_add_func ("/bridge/solo", test_solo);
  g_test_add_func ("/bridge/pan", test_pan);
  g_test_add_func ("/bridge/levels", test_levels);

  return g_test_run ();
}
