/* test-forward.c: a forward room's server on the media plane (JnForwarder)
 * with two real engines as its members and a third member that misbehaves,
 * over real sockets on the loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jn-forwarder.h"
#include "jn-media-engine.h"
#include "jn-test-signal.h"

#define FRAMES 128
#define RATE   48000

static const JnAudioFormat room_format = { RATE, FRAMES, 1, JN_SAMPLE_S16 };

typedef struct
{
  gint    played;       /* periods B played from A, atomic */
  gint    wrong;        /* of them, not sample-exact */
  gint    midi;         /* events B got from A */
} Heard;

static void
tone (gpointer user_data, float *out, guint frames, guint channels, guint64 position)
{
  jn_test_signal_fill (out, frames, channels, RATE, position);
}

static void
on_playout (gpointer user_data, guint32 peer_id, guint32 seq, const float *audio, guint frames,
            guint channels, gboolean concealed)
{
  Heard *heard = user_data;
  float expected[FRAMES];

  if (concealed || peer_id != 2)
    return;
  jn_test_signal_fill (expected, FRAMES, 1, RATE, (guint64) seq * FRAMES);
  for (guint i = 0; i < FRAMES; i++)
    if (audio[i] != lrintf (expected[i] * 32768.f) / 32768.f)
      {
        g_test_message ("period %u differs at sample %u: %f, sent %f", seq, i, audio[i],
                        lrintf (expected[i] * 32768.f) / 32768.f);
        g_atomic_int_inc (&heard->wrong);
        break;
      }
  g_atomic_int_inc (&heard->played);
}

static void
on_midi (gpointer user_data, guint32 peer_id, const JnMidiEvent *event, gint64 arrival)
{
  if (peer_id == 2)
    g_atomic_int_inc (&((Heard *) user_data)->midi);
}

static JnMediaEngine *
member (guint32 id, guint32 other, guint16 hub_port, const JnLinkKey *key)
{
  g_autoptr(GError) error = NULL;
  JnMediaEngine *engine = jn_media_engine_new_sealed ("127.0.0.1", 0, &error);

  g_assert_no_error (error);
  jn_media_engine_set_format (engine, &room_format);
  jn_media_engine_set_jitter_depth (engine, 8);
  /* silence for a late packet, and no crossfade after it: every period
   * played from a packet is then exactly what was sent */
  g_assert_true (jn_media_engine_set_concealment (engine, "zero", &error));
  jn_media_engine_set_local_id (engine, id);
  g_assert_true (jn_media_engine_set_hub (engine, "127.0.0.1", hub_port, key, &error));
  g_assert_no_error (error);
  /* the other member: no address, no key of its own */
  g_assert_true (jn_media_engine_add_peer (engine, other, "other", NULL, 0, NULL, &error));
  g_assert_no_error (error);
  return engine;
}

static void
wait_played (Heard *heard, gint n)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_atomic_int_get (&heard->played) < n && g_get_monotonic_time () < end)
    g_usleep (10000);
  g_assert_cmpint (g_atomic_int_get (&heard->played), >=, n);
}

/* Sends, as member 4 with its own key, what a misbehaving member might. */
static void
send_sealed (GSocket *socket, GSocketAddress *to, const JnLinkKey *key, guint64 *counter,
             const guint8 *data, gsize size)
{
  guint8 sealed[JN_PACKET_MAX_SIZE];
  gsize n = jn_seal_datagram (key, (*counter)++, data, size, sealed);

  g_assert_cmpuint (n, >, 0);
  g_socket_send_to (socket, to, (const char *) sealed, n, NULL, NULL);
}

static void
test_forward (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnForwarder) hub = jn_forwarder_new ("127.0.0.1", 0, &room_format, &error);
  static const JnMediaCallbacks a_cb = { tone, NULL, NULL, NULL };
  static const JnMediaCallbacks b_cb = { NULL, on_playout, on_midi, NULL };
  g_autoptr(JnMediaEngine) a = NULL, b = NULL;
  g_autoptr(GSocket) rogue = NULL;
  g_autoptr(GSocketAddress) hub_address = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  JnLinkKey ka, kb, kc;
  Heard heard = { 0 };
  JnForwarderStats stats;
  JnEngineStats sa0, sa1;
  JnPeerStats pb;
  guint64 counter = 0;
  guint8 inner[512], outer[600];
  float loud[FRAMES];
  gsize n;
  gint before;

  g_assert_no_error (error);
  jn_link_key_generate (&ka, JN_CIPHER_XCHACHA20_POLY1305);
  jn_link_key_generate (&kb, JN_CIPHER_XCHACHA20_POLY1305);
  jn_link_key_generate (&kc, JN_CIPHER_XCHACHA20_POLY1305);
  jn_forwarder_add_member (hub, 2, &ka);
  jn_forwarder_add_member (hub, 3, &kb);
  jn_forwarder_add_member (hub, 4, &kc);

  a = member (2, 3, jn_forwarder_get_port (hub), &ka);
  b = member (3, 2, jn_forwarder_get_port (hub), &kb);
  jn_media_engine_set_callbacks (a, &a_cb, NULL);
  jn_media_engine_set_callbacks (b, &b_cb, &heard);
  jn_media_engine_set_send_audio (b, FALSE);
  g_assert_true (jn_media_engine_start (b, &error));
  g_assert_true (jn_media_engine_start (a, &error));

  /* A's stream reaches B through the server, sample-exact, and its MIDI */
  wait_played (&heard, 100);
  {
    guint8 note[3] = { 0x90, 60, 100 };

    g_assert_true (jn_media_engine_send_midi (a, note, 3, &error));
  }
  /* one stream up: a datagram a period and the clock sync, however many
   * listen; the server's copies are counted at the server */
  jn_media_engine_get_stats (a, &sa0);
  before = g_atomic_int_get (&heard.played);
  wait_played (&heard, before + 200);
  jn_media_engine_get_stats (a, &sa1);
  g_test_message ("A sent %" G_GUINT64_FORMAT " datagrams while B played %d of its periods",
                  sa1.packets_sent - sa0.packets_sent, g_atomic_int_get (&heard.played) - before);
  g_assert_cmpuint (sa1.packets_sent - sa0.packets_sent, <,
                    (guint64) (g_atomic_int_get (&heard.played) - before) * 5 / 4);
  g_assert_cmpint (g_atomic_int_get (&heard.wrong), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&heard.midi), ==, 1);

  /* member 4 misbehaves: audio in B's name, audio of another format, a
   * datagram for someone not in the room, media to the server itself,
   * and a flood; A's stream to B goes on untouched */
  rogue = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  hub_address = g_inet_socket_address_new (loopback, jn_forwarder_get_port (hub));
  for (guint i = 0; i < FRAMES; i++)
    loud[i] = 1.f;
  {
    JnAudioFormat other = { RATE, 64, 1, JN_SAMPLE_S16 };
    JnPacketHeader ih = { JN_PACKET_AUDIO, 0, 3, 0, 0, 99999, 1 };   /* in B's name */
    JnPacketHeader oh = { JN_PACKET_FORWARD, 0, 4, 0, 0, 0, 1 };

    n = jn_packet_encode_audio (inner, sizeof inner, &ih, &room_format, loud);
    send_sealed (rogue, hub_address, &kc, &counter, outer,
                 jn_packet_encode_forward (outer, sizeof outer, &oh, JN_FORWARD_ALL, inner, n));
    ih.sender_id = 4;
    n = jn_packet_encode_audio (inner, sizeof inner, &ih, &other, loud);
    send_sealed (rogue, hub_address, &kc, &counter, outer,
                 jn_packet_encode_forward (outer, sizeof outer, &oh, JN_FORWARD_ALL, inner, n));
    n = jn_packet_encode_audio (inner, sizeof inner, &ih, &room_format, loud);
    send_sealed (rogue, hub_address, &kc, &counter, outer,
                 jn_packet_encode_forward (outer, sizeof outer, &oh, 77, inner, n));
    send_sealed (rogue, hub_address, &kc, &counter, inner, n);
    g_usleep (100000);
    jn_forwarder_get_stats (hub, &stats);
    g_assert_cmpuint (stats.dropped_forged, ==, 3);
    g_assert_cmpuint (stats.dropped_format, ==, 1);
    g_assert_cmpuint (stats.dropped_budget, ==, 0);

    /* a flood of valid audio, far over its budget: cut to its rate */
    for (guint i = 0; i < 3 * JN_FORWARDER_BURST; i++)
      {
        ih.seq = 200000 + i;
        n = jn_packet_encode_audio (inner, sizeof inner, &ih, &room_format, loud);
        send_sealed (rogue, hub_address, &kc, &counter, outer,
                     jn_packet_encode_forward (outer, sizeof outer, &oh, 2, inner, n));
      }
  }
  before = g_atomic_int_get (&heard.played);
  wait_played (&heard, before + 100);
  jn_forwarder_get_stats (hub, &stats);
  g_test_message ("flood: %" G_GUINT64_FORMAT " of %d dropped over budget", stats.dropped_budget,
                  3 * JN_FORWARDER_BURST);
  g_assert_cmpuint (stats.dropped_budget, >=, JN_FORWARDER_BURST);
  g_assert_cmpint (g_atomic_int_get (&heard.wrong), ==, 0);
  g_assert_true (jn_media_engine_get_peer (b, 2, &pb));
  jn_media_engine_get_stats (a, &sa1);
  /* nothing lost on the way (a sender whose thread stalled on a loaded
   * machine skips the periods it missed, and only those are missing) */
  g_assert_cmpuint (pb.lost, <=, sa1.clock_skips);
  g_assert_true (pb.synced);
  g_assert_cmpfloat (pb.rtt_ms.p50, >, 0.0);

  /* a member removed is forwarded nothing more, and its key opens nothing */
  jn_forwarder_remove_member (hub, 3);
  before = g_atomic_int_get (&heard.played);
  g_usleep (300000);
  {
    gint after = g_atomic_int_get (&heard.played);

    /* what was queued plays out, then nothing */
    g_usleep (300000);
    g_assert_cmpint (g_atomic_int_get (&heard.played), ==, after);
    g_assert_cmpint (after - before, <, 20);
  }
  jn_media_engine_stop (a);
  jn_media_engine_stop (b);
}

/* --- a mix room: four engines, each a constant level of its own ---------- */

typedef struct
{
  guint32 id;
  gint    mixes;        /* periods played from the room's mix, atomic */
  gint    right;        /* of them, the level wanted */
  gint    want;         /* the level wanted, in s16 steps (atomic) */
  gint    midi;
} Ear;

static gint
step (guint32 id)
{
  return 300 * (gint) id;   /* member id's level, s16 steps */
}

static void
level_capture (gpointer user_data, float *out, guint frames, guint channels, guint64 position)
{
  for (guint i = 0; i < frames * channels; i++)
    out[i] = step (((Ear *) user_data)->id) / 32768.f;
}

static void
ear_playout (gpointer user_data, guint32 peer_id, guint32 seq, const float *audio, guint frames,
             guint channels, gboolean concealed)
{
  Ear *ear = user_data;
  gint want = g_atomic_int_get (&ear->want);
  gboolean right = TRUE;

  if (peer_id != JN_HUB_PEER_ID || concealed)
    return;
  for (guint i = 0; i < frames; i++)
    right = right && abs ((gint) lrintf (audio[i] * 32768.f) - want) <= 1;
  g_atomic_int_inc (&ear->mixes);
  if (right)
    g_atomic_int_inc (&ear->right);
}

static void
ear_midi (gpointer user_data, guint32 peer_id, const JnMidiEvent *event, gint64 arrival)
{
  g_atomic_int_inc (&((Ear *) user_data)->midi);
}

/* the share of the next n mixes ear plays that are right */
static double
right_share (Ear *ear, gint n)
{
  gint m0 = g_atomic_int_get (&ear->mixes), r0 = g_atomic_int_get (&ear->right);
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_atomic_int_get (&ear->mixes) < m0 + n && g_get_monotonic_time () < end)
    g_usleep (10000);
  g_assert_cmpint (g_atomic_int_get (&ear->mixes), >=, m0 + n);
  return (double) (g_atomic_int_get (&ear->right) - r0) / (g_atomic_int_get (&ear->mixes) - m0);
}

static void
test_mix (void)
{
  g_autoptr(GError) error = NULL;
  JnRoomMix *mix = jn_room_mix_new (&room_format, 4, "zero", NULL, &error);
  g_autoptr(JnForwarder) hub = NULL;
  static const JnMediaCallbacks cb = { level_capture, ear_playout, ear_midi, NULL };
  JnMediaEngine *engines[4];
  JnLinkKey keys[4];
  Ear ears[4];
  JnForwarderStats stats;
  JnRoomMixStats ms;
  double share;

  g_assert_no_error (error);
  hub = jn_forwarder_new_mix ("127.0.0.1", 0, mix, &error);
  g_assert_no_error (error);
  g_assert_true (jn_forwarder_is_mix (hub));
  for (guint k = 0; k < 4; k++)
    {
      jn_link_key_generate (&keys[k], JN_CIPHER_XCHACHA20_POLY1305);
      jn_forwarder_add_member (hub, 2 + k, &keys[k]);
    }
  for (guint k = 0; k < 4; k++)
    {
      JnMediaEngine *e = jn_media_engine_new_sealed ("127.0.0.1", 0, &error);

      g_assert_no_error (error);
      ears[k] = (Ear) { .id = 2 + k };
      jn_media_engine_set_format (e, &room_format);
      jn_media_engine_set_jitter_depth (e, 8);
      g_assert_true (jn_media_engine_set_concealment (e, "zero", &error));
      jn_media_engine_set_local_id (e, 2 + k);
      g_assert_true (jn_media_engine_set_hub (e, "127.0.0.1", jn_forwarder_get_port (hub), &keys[k],
                                              &error));
      g_assert_true (jn_media_engine_set_mix (e, "Room mix", &error));
      g_assert_true (jn_media_engine_has_mix (e));
      for (guint j = 0; j < 4; j++)
        if (j != k)
          g_assert_true (jn_media_engine_add_peer (e, 2 + j, "other", NULL, 0, NULL, &error));
      jn_media_engine_set_callbacks (e, &cb, &ears[k]);
      engines[k] = e;
    }
  /* member 2 hears 3 at half and 4 muted, so 3/2 + 5; the others everyone */
  g_assert_true (jn_forwarder_set_mix_gain (hub, 2, 3, 0.5, FALSE, 0.0));
  g_assert_true (jn_forwarder_set_mix_gain (hub, 2, 4, 1.0, TRUE, 0.0));
  g_assert_false (jn_forwarder_set_mix_gain (hub, 2, 2, 1.0, FALSE, 0.0));
  g_atomic_int_set (&ears[0].want, step (3) / 2 + step (5));
  for (guint k = 1; k < 4; k++)
    g_atomic_int_set (&ears[k].want, step (2) + step (3) + step (4) + step (5) - step (2 + k));
  for (guint k = 0; k < 4; k++)
    g_assert_true (jn_media_engine_start (engines[k], &error));

  /* once everyone's stream has started: each mix is what its listener asked */
  for (guint k = 0; k < 4; k++)
    right_share (&ears[k], 100);
  for (guint k = 0; k < 4; k++)
    {
      share = right_share (&ears[k], 200);
      g_test_message ("member %u: %.1f %% of its mixes as asked", 2 + k, 100 * share);
      /* a period of a member's stream concealed (a late packet on a loaded
       * machine) leaves one wrong mix for the others */
      g_assert_cmpfloat (share, >=, 0.9);
    }
  /* MIDI goes through as in a forward room */
  {
    guint8 note[3] = { 0x90, 60, 100 };
    gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    g_assert_true (jn_media_engine_send_midi (engines[1], note, 3, &error));
    while ((g_atomic_int_get (&ears[0].midi) < 1 || g_atomic_int_get (&ears[3].midi) < 1) &&
           g_get_monotonic_time () < end)
      g_usleep (10000);
    g_assert_cmpint (g_atomic_int_get (&ears[0].midi), ==, 1);
    g_assert_cmpint (g_atomic_int_get (&ears[2].midi), ==, 1);
    g_assert_cmpint (g_atomic_int_get (&ears[3].midi), ==, 1);
    g_assert_cmpint (g_atomic_int_get (&ears[1].midi), ==, 0);
  }
  jn_forwarder_get_stats (hub, &stats);
  g_assert_cmpuint (stats.mixed_in, >, 0);
  g_assert_cmpuint (stats.mixes_sent, >, 0);
  g_assert_cmpuint (stats.dropped_forged + stats.dropped_format + stats.dropped_budget, ==, 0);

  /* member 6 sends audio of another format, then floods (silence, so that
   * whatever of it the budget lets in changes nobody's mix) */
  {
    g_autoptr(GSocket) rogue = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                             G_SOCKET_PROTOCOL_UDP, &error);
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) to = g_inet_socket_address_new (loopback, jn_forwarder_get_port (hub));
    static const JnAudioFormat opus = { RATE, FRAMES, 1, JN_SAMPLE_OPUS, 64000 };
    JnPacketHeader ih = { JN_PACKET_AUDIO, 0, 6, 0, 0, 0, 1 };
    JnPacketHeader oh = { JN_PACKET_FORWARD, 0, 6, 0, 0, 0, 1 };
    float quiet[FRAMES] = { 0 };
    guint8 inner[600], outer[700], coded[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    JnLinkKey k6;
    guint64 counter = 0;
    gsize n;

    g_assert_no_error (error);
    jn_link_key_generate (&k6, JN_CIPHER_XCHACHA20_POLY1305);
    jn_forwarder_add_member (hub, 6, &k6);
    n = jn_packet_encode_audio_coded (inner, sizeof inner, &ih, &opus, coded, sizeof coded);
    send_sealed (rogue, to, &k6, &counter, outer,
                 jn_packet_encode_forward (outer, sizeof outer, &oh, JN_FORWARD_ALL, inner, n));
    for (guint i = 0; i < 3 * JN_FORWARDER_BURST; i++)
      {
        ih.seq = i;
        n = jn_packet_encode_audio (inner, sizeof inner, &ih, &room_format, quiet);
        send_sealed (rogue, to, &k6, &counter, outer,
                     jn_packet_encode_forward (outer, sizeof outer, &oh, JN_FORWARD_ALL, inner, n));
      }
    for (guint k = 0; k < 4; k++)
      {
        share = right_share (&ears[k], 200);
        g_test_message ("beside a flood, member %u: %.1f %% as asked", 2 + k, 100 * share);
        g_assert_cmpfloat (share, >=, 0.9);
      }
    jn_forwarder_get_stats (hub, &stats);
    g_assert_cmpuint (stats.dropped_format, ==, 1);
    g_assert_cmpuint (stats.dropped_budget, >=, JN_FORWARDER_BURST);
    jn_forwarder_remove_member (hub, 6);
  }

  /* member 5 dies without a word, then is removed: the others' mixes go on
   * without it */
  jn_media_engine_stop (engines[3]);
  g_clear_object (&engines[3]);
  jn_forwarder_remove_member (hub, 5);
  g_atomic_int_set (&ears[0].want, step (3) / 2);
  g_atomic_int_set (&ears[1].want, step (2) + step (4));
  g_atomic_int_set (&ears[2].want, step (2) + step (3));
  for (guint k = 0; k < 3; k++)
    {
      right_share (&ears[k], 50);
      share = right_share (&ears[k], 200);
      g_test_message ("after 5 left, member %u: %.1f %% as asked", 2 + k, 100 * share);
      g_assert_cmpfloat (share, >=, 0.9);
    }
  jn_forwarder_get_mix_stats (hub, &ms);
  g_test_message ("%" G_GUINT64_FORMAT " mixes, %" G_GUINT64_FORMAT " late, %.0f us mean, "
                  "%.0f us worst", ms.mixes, ms.late_mixes, ms.mix_us_mean, ms.mix_us_max);
  g_assert_cmpuint (ms.members, ==, 3);
  for (guint k = 0; k < 3; k++)
    {
      jn_media_engine_stop (engines[k]);
      g_object_unref (engines[k]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/forward/members", test_forward);
  g_test_add_func ("/forward/mix", test_mix);
  return g_test_run ();
}
