/* test-secure.c: sealed media on real sockets
 *
 * Two sealed engines, A (peer 1) and B (peer 2), reach each other through
 * the relay, so that an attacker who sends to the relay's ports sends from
 * the very address and port the other member knows: as a spoofer on the
 * path would.  Forged, clear, mutated, replayed and foreign-key datagrams
 * under B's sender id must all be dropped and counted before they touch
 * B's stream at A, which must lose nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jn-media-engine.h"
#include "jn-relay.h"
#include "jn-secure-transport.h"
#include "jn-test-session.h"

#define FRAMES 128
#define RATE   48000
#define NOTES  30
#define TONE   0.25f

static const JnAudioFormat format = { RATE, FRAMES, 1, JN_SAMPLE_S16 };

/* One packet's worth of a fixed waveform: every packet carries the same
 * samples, so the bytes a capture must not contain are known. */
static void
capture_tone (gpointer user_data, float *out, guint frames, guint channels, guint64 position)
{
  for (guint i = 0; i < frames * channels; i++)
    out[i] = TONE * (float) ((i * 37) % 101) / 100.0f;
}

typedef struct
{
  GMutex  lock;
  float   peak;           /* loudest sample A played from B */
  guint   notes;          /* note-ons from B that A delivered, in order */
  guint   foreign_notes;  /* any note an attacker sent */
  guint   next_note;
  gboolean out_of_order;
} Heard;

static void
on_playout (gpointer user_data, guint32 peer_id, guint32 seq, const float *audio,
            guint frames, guint channels, gboolean concealed)
{
  Heard *h = user_data;

  g_mutex_lock (&h->lock);
  for (guint i = 0; i < frames * channels; i++)
    h->peak = MAX (h->peak, ABS (audio[i]));
  g_mutex_unlock (&h->lock);
}

static void
on_midi (gpointer user_data, guint32 peer_id, const JnMidiEvent *event, gint64 arrival_us)
{
  Heard *h = user_data;

  g_mutex_lock (&h->lock);
  if (event->size == 3 && (event->data[0] & 0xF0) == 0x90)
    {
      if (event->data[1] >= 100)
        h->foreign_notes++;
      else if (event->data[1] == 20 + h->next_note)
        {
          h->notes++;
          h->next_note++;
        }
      else
        h->out_of_order = TRUE;
    }
  g_mutex_unlock (&h->lock);
}

typedef struct
{
  JnMediaEngine *a, *b;
  JnRelay       *relay;
  JnLinkKey      key;
  Heard          heard;
  GSocket       *attacker;
} Pair;

static void
pair_init (Pair *p, gboolean sealed, JnCipher cipher)
{
  static const JnMediaCallbacks a_cb = { NULL, on_playout, on_midi, NULL };
  static const JnMediaCallbacks b_cb = { capture_tone, NULL, NULL, NULL };
  g_autoptr(GError) error = NULL;

  memset (p, 0, sizeof *p);
  g_mutex_init (&p->heard.lock);
  jn_link_key_generate (&p->key, cipher);
  p->a = sealed ? jn_media_engine_new_sealed ("127.0.0.1", 0, &error)
                : jn_media_engine_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);
  p->b = sealed ? jn_media_engine_new_sealed ("127.0.0.1", 0, &error)
                : jn_media_engine_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);
  p->relay = jn_relay_new ("127.0.0.1", "127.0.0.1", jn_media_engine_get_port (p->a),
                           "127.0.0.1", jn_media_engine_get_port (p->b), 1, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      JnMediaEngine *e = i ? p->b : p->a;

      jn_media_engine_set_format (e, &format);
      jn_media_engine_set_jitter_depth (e, 8);
      jn_media_engine_set_local_id (e, i + 1);
      g_assert_true (jn_media_engine_set_concealment (e, "zero", &error));
    }
  jn_media_engine_set_callbacks (p->a, &a_cb, &p->heard);
  jn_media_engine_set_callbacks (p->b, &b_cb, NULL);
  jn_media_engine_set_send_audio (p->a, FALSE);
  g_assert_true (jn_media_engine_add_peer (p->a, 2, "b", "127.0.0.1",
                                           jn_relay_get_port (p->relay, JN_RELAY_A_TO_B),
                                           &p->key, &error));
  g_assert_true (jn_media_engine_add_peer (p->b, 1, "a", "127.0.0.1",
                                           jn_relay_get_port (p->relay, JN_RELAY_B_TO_A),
                                           &p->key, &error));
  g_assert_true (jn_media_engine_start (p->a, &error));
  g_assert_true (jn_media_engine_start (p->b, &error));
  p->attacker = jn_test_udp_socket (NULL);
}

static void
pair_clear (Pair *p)
{
  jn_media_engine_stop (p->b);
  jn_media_engine_stop (p->a);
  g_clear_object (&p->a);
  g_clear_object (&p->b);
  g_clear_pointer (&p->relay, jn_relay_free);
  g_clear_object (&p->attacker);
  g_mutex_clear (&p->heard.lock);
}

/* Datagrams from the attacker to the relay's B side come out at A from
 * B's own address and port. */
static void
attack (Pair *p, const guint8 *data, gsize size)
{
  static guint sent;

  jn_test_send_datagram (p->attacker, jn_relay_get_port (p->relay, JN_RELAY_B_TO_A), data, size);
  /* paced, so that no socket buffer on the way overflows: every datagram
   * must arrive to be counted (16 every 2 ms lost 96 of 1042 once, under
   * ASan on a busy machine) */
  if (++sent % 8 == 0)
    g_usleep (4000);
}

/* The kernel's count of UDP datagrams dropped for a full socket buffer,
 * all sockets of this network namespace (0 where it cannot be read). */
static guint64
udp_buffer_drops (void)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  int column = -1;

  if (!g_file_get_contents ("/proc/net/snmp", &text, NULL, NULL))
    return 0;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;

      if (!g_str_has_prefix (lines[i], "Udp: "))
        continue;
      fields = g_strsplit (lines[i], " ", -1);
      if (column < 0)
        {
          for (guint f = 0; fields[f] != NULL; f++)
            if (g_str_equal (fields[f], "RcvbufErrors"))
              column = (int) f;
        }
      else if (column < (int) g_strv_length (fields))
        return g_ascii_strtoull (fields[column], NULL, 10);
    }
  return 0;
}

static JnPeerStats
peer_b (Pair *p)
{
  JnPeerStats s;

  g_assert_true (jn_media_engine_get_peer (p->a, 2, &s));
  return s;
}

static void
send_notes (Pair *p, guint from, guint to)
{
  g_autoptr(GError) error = NULL;

  for (guint i = from; i < to; i++)
    {
      guint8 on[3] = { 0x90, (guint8) (20 + i), 90 };

      g_assert_true (jn_media_engine_send_midi (p->b, on, 3, &error));
      g_usleep (20000);
    }
}

/* --- one datagram -------------------------------------------------------- */

static void
test_seal_open (gconstpointer data)
{
  JnCipher cipher = GPOINTER_TO_INT (data);
  JnLinkKey key, other, same_bytes;
  guint8 clear[JN_PACKET_HEADER_SIZE + 8 + FRAMES * 2];
  guint8 sealed[sizeof clear + JN_SEAL_OVERHEAD], opened[sizeof sealed];
  float audio[FRAMES];
  JnPacketHeader h = { JN_PACKET_AUDIO, 0, 2, 0, 0, 7, 123456 };
  gsize n, m;
  guint64 counter = 0;
  JnPacket packet;

  if (cipher == JN_CIPHER_AES256_GCM && !jn_cipher_aes_available ())
    {
      g_test_skip ("this CPU has no AES instructions");
      return;
    }
  jn_link_key_generate (&key, cipher);
  jn_link_key_generate (&other, cipher);
  /* the same bytes under the other AEAD open nothing either */
  same_bytes = key;
  same_bytes.cipher = cipher == JN_CIPHER_AES256_GCM ? JN_CIPHER_XCHACHA20_POLY1305
                                                     : JN_CIPHER_AES256_GCM;
  capture_tone (NULL, audio, FRAMES, 1, 0);
  n = jn_packet_encode_audio (clear, sizeof clear, &h, &format, audio);
  g_assert_cmpuint (n, ==, sizeof clear);

  m = jn_seal_datagram (&key, 41, clear, n, sealed);
  g_assert_cmpuint (m, ==, n + JN_SEAL_OVERHEAD);
  /* the samples are not in the datagram */
  g_assert_null (memmem (sealed, m, clear + JN_PACKET_HEADER_SIZE + 8, 32));
  g_assert_cmpuint (jn_open_datagram (&key, sealed, m, opened, &counter), ==, n);
  g_assert_cmpuint (counter, ==, 41);
  g_assert_cmpmem (opened, n, clear, n);
  g_assert_true (jn_packet_decode (opened, n, &packet, NULL));
  g_assert_cmpuint (packet.header.seq, ==, 7);

  /* any one bit changed anywhere, header and counter included: refused */
  for (gsize i = 0; i < m; i++)
    {
      sealed[i] ^= 1u << (i % 8);
      g_assert_cmpuint (jn_open_datagram (&key, sealed, m, opened, NULL), ==, 0);
      sealed[i] ^= 1u << (i % 8);
    }
  g_assert_cmpuint (jn_open_datagram (&other, sealed, m, opened, NULL), ==, 0);
  if (jn_cipher_aes_available ())
    g_assert_cmpuint (jn_open_datagram (&same_bytes, sealed, m, opened, NULL), ==, 0);
  g_assert_cmpuint (jn_open_datagram (&key, sealed, m - 1, opened, NULL), ==, 0);
  g_assert_cmpuint (jn_open_datagram (&key, clear, n, opened, NULL), ==, 0);
  g_assert_cmpuint (jn_open_datagram (&key, sealed, 20, opened, NULL), ==, 0);
}

/* --- the outsider on the member's own address ---------------------------- */

static gboolean
wait_for (gboolean (*cond) (Pair *), Pair *p, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      if (cond (p))
        return TRUE;
      g_usleep (10000);
    }
  return cond (p);
}

static gboolean
b_is_playing (Pair *p)
{
  return peer_b (p).played > 50;
}

static void
test_outsider (gconstpointer data)
{
  JnCipher cipher = GPOINTER_TO_INT (data);
  Pair p;
  JnEngineStats stats, b_before, b_after;
  JnPeerStats before, after;
  guint8 buf[2048], sealed[2048];
  JnLinkKey wrong_key;
  float loud[FRAMES];
  JnPacketHeader h = { JN_PACKET_AUDIO, 0, 2, 0, 0, 0, 1 };
  guint unauthentic = 0, replayed = 0;
  guint64 drops;
  gsize n;

  if (cipher == JN_CIPHER_AES256_GCM && !jn_cipher_aes_available ())
    {
      g_test_skip ("this CPU has no AES instructions");
      return;
    }
  pair_init (&p, TRUE, cipher);
  g_assert_true (wait_for (b_is_playing, &p, 5000));
  send_notes (&p, 0, NOTES / 2);
  before = peer_b (&p);
  jn_media_engine_get_stats (p.b, &b_before);
  drops = udp_buffer_drops ();

  for (guint i = 0; i < FRAMES; i++)
    loud[i] = 1.0f;
  jn_link_key_generate (&wrong_key, cipher);

  /* 1. two datagrams far ahead in sequence, in clear (the old attack) */
  for (guint i = 0; i < 2; i++)
    {
      h.seq = before.audio_packets + 1000 + i;
      n = jn_packet_encode_audio (buf, sizeof buf, &h, &format, loud);
      attack (&p, buf, n);
      unauthentic++;
    }
  /* 2. 500 clear audio blocks and 40 clear notes under B's id */
  for (guint i = 0; i < 500; i++)
    {
      h.seq = before.audio_packets + 5 + i;
      n = jn_packet_encode_audio (buf, sizeof buf, &h, &format, loud);
      attack (&p, buf, n);
      unauthentic++;
    }
  for (guint i = 0; i < 40; i++)
    {
      JnPacketHeader mh = { JN_PACKET_MIDI, 0, 2, 1, 0, 9000 + i, 1 };
      JnMidiEvent ev = { 100000 + i, 1, 3, { 0x90, (guint8) (100 + i % 20), 127 } };

      n = jn_packet_encode_midi (buf, sizeof buf, &mh, &ev, 1);
      attack (&p, buf, n);
      unauthentic++;
    }
  /* 3. sealed with a key that is not the link's (a member forging B, or
   *    a departed member's old key), with counters ahead */
  for (guint i = 0; i < 200; i++)
    {
      h.seq = before.audio_packets + 5 + i;
      n = jn_packet_encode_audio (buf, sizeof buf, &h, &format, loud);
      attack (&p, sealed, jn_seal_datagram (&wrong_key, 1000000 + i, buf, n, sealed));
      unauthentic++;
    }
  /* 4. validly sealed, then one byte changed (a mutated capture) */
  for (guint i = 0; i < 200; i++)
    {
      gsize m;

      h.seq = before.audio_packets + 5 + i;
      n = jn_packet_encode_audio (buf, sizeof buf, &h, &format, loud);
      m = jn_seal_datagram (&p.key, 2000000 + i, buf, n, sealed);
      sealed[(i * 7) % m] ^= 0x40;
      attack (&p, sealed, m);
      unauthentic++;
    }
  /* 5. validly sealed under counters B used long ago: replays */
  for (guint i = 0; i < 100; i++)
    {
      h.seq = i;
      n = jn_packet_encode_audio (buf, sizeof buf, &h, &format, loud);
      attack (&p, sealed, jn_seal_datagram (&p.key, i, buf, n, sealed));
      replayed++;
    }
  /* 6. garbage of every size */
  for (guint i = 1; i <= 100; i++)
    {
      for (guint k = 0; k < i; k++)
        buf[k] = (guint8) g_random_int ();
      attack (&p, buf, i);
      unauthentic++;
    }

  send_notes (&p, NOTES / 2, NOTES);
  g_usleep (300000);
  after = peer_b (&p);
  jn_media_engine_get_stats (p.a, &stats);
  jn_media_engine_get_stats (p.b, &b_after);

  g_test_message ("B's stream meanwhile: %" G_GUINT64_FORMAT " packets, %" G_GUINT64_FORMAT
                  " late, %" G_GUINT64_FORMAT " played, %" G_GUINT64_FORMAT " concealed, "
                  "%" G_GUINT64_FORMAT " buffer restarts in all",
                  after.audio_packets - before.audio_packets, after.late - before.late,
                  after.played - before.played, after.concealed - before.concealed,
                  after.buffer_restarts);
  g_assert_true (stats.sealed);
  /* each forged datagram counted, but for those the kernel dropped on the
   * way for a full socket buffer (a busy ASan run: 96 of 1042) */
  drops = udp_buffer_drops () - drops;
  if (drops > 0)
    g_test_message ("%" G_GUINT64_FORMAT " datagrams dropped by the kernel for full buffers", drops);
  g_assert_cmpuint (stats.dropped_unauthentic, <=, unauthentic);
  g_assert_cmpuint (stats.dropped_unauthentic + drops, >=, unauthentic);
  g_assert_cmpuint (stats.dropped_replayed, ==, replayed);
  /* B's real stream went on untouched: every packet, no extra loss, no
   * duplicates or late ones, every note, in order, none of the forged */
  g_assert_cmpuint (after.audio_packets, >, before.audio_packets + 50);
  /* (on a loaded machine B's own thread may stall and skip periods: those
   * it never sent are all A may miss) */
  g_assert_cmpuint (after.lost - before.lost, ==, b_after.clock_skips - b_before.clock_skips);
  /* none late on a quiet machine; a busy ASan run, where the relay's
   * thread carries the forged traffic too, saw 32 of some 200 */
  g_assert_cmpuint (after.late - before.late, <=, (after.audio_packets - before.audio_packets) / 4);
  g_assert_cmpuint (after.duplicates, ==, 0);
  g_assert_cmpuint (after.midi_missing, ==, 0);
  g_mutex_lock (&p.heard.lock);
  g_assert_cmpuint (p.heard.notes, ==, NOTES);
  g_assert_false (p.heard.out_of_order);
  g_assert_cmpuint (p.heard.foreign_notes, ==, 0);
  /* nothing louder than B's own tone was played */
  g_assert_cmpfloat (p.heard.peak, <=, TONE + 0.001);
  g_mutex_unlock (&p.heard.lock);
  pair_clear (&p);
}

/* The same attack on clear engines gets through: the test can see it. */
static void
test_outsider_clear_control (void)
{
  Pair p;
  guint8 buf[2048];
  float loud[FRAMES];
  JnPeerStats before;

  pair_init (&p, FALSE, JN_CIPHER_XCHACHA20_POLY1305);
  g_assert_true (wait_for (b_is_playing, &p, 5000));
  before = peer_b (&p);
  for (guint i = 0; i < FRAMES; i++)
    loud[i] = 1.0f;
  for (guint i = 0; i < 40; i++)
    {
      /* and timestamps at the wire's extremes, which once overflowed the
       * engine's arithmetic (UBSan in CI watches this) */
      static const guint64 stamps[] = { 1, G_MAXUINT64, G_GUINT64_CONSTANT (1) << 63,
                                        (G_GUINT64_CONSTANT (1) << 63) - 1 };
      JnPacketHeader h = { JN_PACKET_AUDIO, 0, 2, 0, 0, (guint32) before.audio_packets + 3 + i,
                           stamps[i % G_N_ELEMENTS (stamps)] };
      JnPacketHeader ph = { JN_PACKET_SYNC_PONG, 0, 2, 0, 0, i, stamps[i % G_N_ELEMENTS (stamps)] };
      JnSyncPong pong = { i, stamps[(i + 1) % G_N_ELEMENTS (stamps)], stamps[(i + 2) % G_N_ELEMENTS (stamps)] };

      attack (&p, buf, jn_packet_encode_audio (buf, sizeof buf, &h, &format, loud));
      attack (&p, buf, jn_packet_encode_pong (buf, sizeof buf, &ph, &pong));
    }
  g_usleep (200000);
  g_mutex_lock (&p.heard.lock);
  g_assert_cmpfloat (p.heard.peak, >, 0.9);
  g_mutex_unlock (&p.heard.lock);
  pair_clear (&p);
}

/* --- a departed member's key --------------------------------------------- */

static void
test_departed_key (void)
{
  Pair p;
  JnEngineStats stats;
  guint8 buf[256], sealed[256];
  JnPacketHeader h = { JN_PACKET_SYNC_PING, 0, 2, 0, 0, 5, 1 };
  gsize n;

  pair_init (&p, TRUE, JN_CIPHER_XCHACHA20_POLY1305);
  g_assert_true (wait_for (b_is_playing, &p, 5000));
  jn_media_engine_remove_peer (p.a, 2);
  jn_media_engine_get_stats (p.a, &stats);
  /* B's old key, fresh counters: nothing is taken any more */
  n = jn_packet_encode_ping (buf, sizeof buf, &h);
  for (guint i = 0; i < 20; i++)
    attack (&p, sealed, jn_seal_datagram (&p.key, 5000000 + i, buf, n, sealed));
  g_usleep (200000);
  {
    JnEngineStats later;

    jn_media_engine_get_stats (p.a, &later);
    /* B itself keeps sending too: at least the 20 */
    g_assert_cmpuint (later.dropped_unauthentic, >=, stats.dropped_unauthentic + 20);
    g_assert_cmpuint (later.dropped_replayed, ==, stats.dropped_replayed);
  }
  pair_clear (&p);
}

/* --- no reflection -------------------------------------------------------- */

static void
test_no_reflection (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnMediaEngine) engine = jn_media_engine_new_sealed ("127.0.0.1", 0, &error);
  g_autoptr(GSocket) victim = NULL;
  static const JnMediaCallbacks cb = { capture_tone, NULL, NULL, NULL };
  JnLinkKey key;
  guint8 buf[4096];
  guint16 victim_port;
  guint datagrams = 0, pings = 0;
  gsize bytes = 0;
  JnEngineStats stats;
  gint64 end;

  /* a roster that points a member at an address that is no JamNet */
  jn_link_key_generate (&key, JN_CIPHER_XCHACHA20_POLY1305);
  victim = jn_test_udp_socket (&victim_port);
  g_socket_set_blocking (victim, FALSE);
  jn_media_engine_set_format (engine, &format);
  jn_media_engine_set_local_id (engine, 1);
  jn_media_engine_set_callbacks (engine, &cb, NULL);
  g_assert_true (jn_media_engine_add_peer (engine, 2, "victim", "127.0.0.1", victim_port, &key,
                                           &error));
  g_assert_true (jn_media_engine_start (engine, &error));
  end = g_get_monotonic_time () + G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    {
      gssize n;

      while ((n = g_socket_receive (victim, (char *) buf, sizeof buf, NULL, NULL)) > 0)
        {
          datagrams++;
          bytes += (gsize) n;
          if (n > 5 && buf[5] == JN_PACKET_SYNC_PING)
            pings++;
        }
      g_usleep (5000);
    }
  jn_media_engine_stop (engine);
  jn_media_engine_get_stats (engine, &stats);

  /* a second of audio would be 375 datagrams of 332 bytes: only pings came */
  g_test_message ("victim got %u datagrams, %zu bytes; %" G_GUINT64_FORMAT " held",
                  datagrams, bytes, stats.media_held);
  g_assert_cmpuint (datagrams, ==, pings);
  g_assert_cmpuint (datagrams, <=, 15);
  g_assert_cmpuint (bytes, <=, 15 * 52);
  g_assert_cmpuint (stats.media_held, >, 300);
}

/* --- roaming ---------------------------------------------------------------- */

static gboolean
a_roamed (Pair *p)
{
  JnEngineStats stats;

  jn_media_engine_get_stats (p->a, &stats);
  return stats.roamed > 0;
}

static void
test_roaming (void)
{
  Pair p;
  g_autoptr(GError) error = NULL;
  JnPeerStats before, after;

  pair_init (&p, TRUE, JN_CIPHER_XCHACHA20_POLY1305);
  g_assert_true (wait_for (b_is_playing, &p, 5000));
  /* B's address changes: it now reaches A straight, not by the relay (as
   * after a NAT rebinding), and A only learns it from B's datagrams */
  g_assert_true (jn_media_engine_set_peer_address (p.b, 1, "127.0.0.1",
                                                   jn_media_engine_get_port (p.a), &error));
  jn_relay_free (g_steal_pointer (&p.relay));
  before = peer_b (&p);
  g_assert_true (wait_for (a_roamed, &p, 3000));
  g_usleep (300000);
  after = peer_b (&p);
  /* A kept playing B and answers B at its new address (B's pings get
   * pongs there, or B's media would be held) */
  g_assert_cmpuint (after.audio_packets, >, before.audio_packets + 100);
  {
    JnPeerStats a_at_b;
    JnEngineStats b_stats;

    g_assert_true (jn_media_engine_get_peer (p.b, 1, &a_at_b));
    jn_media_engine_get_stats (p.b, &b_stats);
    g_assert_true (a_at_b.synced);
    g_assert_cmpfloat (a_at_b.rtt_ms.count, >, 0);
  }
  pair_clear (&p);
}

/* --- what a capture of the loopback shows ---------------------------------- */

typedef struct
{
  int     fd;
  guint16 ports[3];
  guint   datagrams;
  gboolean found_audio, found_sysex;
  guint8  audio_bytes[32];
} Capture;

static const guint8 sysex[] = { 0xF0, 0x7D, 'J', 'N', '-', 'S', 'E', 'C', 'R', 'E', 'T', 0xF7 };

static void
capture_poll (Capture *c)
{
  guint8 frame[70000];
  ssize_t n;

  while ((n = recv (c->fd, frame, sizeof frame, MSG_DONTWAIT)) > 0)
    {
      struct iphdr ip;
      struct udphdr udp;
      const guint8 *payload;
      gsize len;
      gboolean ours = FALSE;

      /* copied out: the headers are not aligned in the frame */
      if ((gsize) n < ETH_HLEN + sizeof ip)
        continue;
      memcpy (&ip, frame + ETH_HLEN, sizeof ip);
      if (ip.protocol != IPPROTO_UDP || (gsize) n < ETH_HLEN + ip.ihl * 4 + sizeof udp)
        continue;
      memcpy (&udp, frame + ETH_HLEN + ip.ihl * 4, sizeof udp);
      payload = frame + ETH_HLEN + ip.ihl * 4 + sizeof udp;
      len = (gsize) (frame + n - payload);
      for (guint i = 0; i < G_N_ELEMENTS (c->ports); i++)
        ours |= ntohs (udp.dest) == c->ports[i] || ntohs (udp.source) == c->ports[i];
      if (!ours)
        continue;
      c->datagrams++;
      c->found_audio |= memmem (payload, len, c->audio_bytes, sizeof c->audio_bytes) != NULL;
      c->found_sysex |= memmem (payload, len, sysex + 2, sizeof sysex - 4) != NULL;
    }
}

static void
run_capture (gboolean sealed, Capture *c)
{
  Pair p;
  g_autoptr(GError) error = NULL;
  guint8 clear[JN_PACKET_HEADER_SIZE + 8 + FRAMES * 2];
  float audio[FRAMES];
  JnPacketHeader h = { JN_PACKET_AUDIO, 0, 2, 0, 0, 0, 0 };
  struct sockaddr_ll ll = { 0 };
  gint64 end;

  /* the bytes of B's samples on the wire, in clear */
  capture_tone (NULL, audio, FRAMES, 1, 0);
  jn_packet_encode_audio (clear, sizeof clear, &h, &format, audio);
  memcpy (c->audio_bytes, clear + JN_PACKET_HEADER_SIZE + 8 + 40, sizeof c->audio_bytes);

  ll.sll_family = AF_PACKET;
  ll.sll_protocol = htons (ETH_P_ALL);
  ll.sll_ifindex = (int) if_nametoindex ("lo");
  g_assert_cmpint (bind (c->fd, (struct sockaddr *) &ll, sizeof ll), ==, 0);

  pair_init (&p, sealed, JN_CIPHER_XCHACHA20_POLY1305);
  c->ports[0] = jn_media_engine_get_port (p.a);
  c->ports[1] = jn_media_engine_get_port (p.b);
  c->ports[2] = jn_relay_get_port (p.relay, JN_RELAY_B_TO_A);
  end = g_get_monotonic_time () + G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    {
      g_assert_true (jn_media_engine_send_midi (p.b, sysex, sizeof sysex, &error));
      capture_poll (c);
      g_usleep (20000);
    }
  capture_poll (c);
  pair_clear (&p);
}

static void
test_capture (void)
{
  Capture sealed = { 0 }, clear = { 0 };

  sealed.fd = socket (AF_PACKET, SOCK_RAW, htons (ETH_P_ALL));
  if (sealed.fd < 0)
    {
      g_test_skip ("capturing the loopback needs CAP_NET_RAW");
      return;
    }
  clear.fd = socket (AF_PACKET, SOCK_RAW, htons (ETH_P_ALL));
  g_assert_cmpint (clear.fd, >=, 0);

  run_capture (FALSE, &clear);
  run_capture (TRUE, &sealed);
  close (clear.fd);
  close (sealed.fd);
  g_test_message ("captured %u clear and %u sealed datagrams", clear.datagrams, sealed.datagrams);

  /* the capture sees what a clear session plays and sends ... */
  g_assert_cmpuint (clear.datagrams, >, 300);
  g_assert_true (clear.found_audio);
  g_assert_true (clear.found_sysex);
  /* ... and nothing of it in a sealed one */
  g_assert_cmpuint (sealed.datagrams, >, 300);
  g_assert_false (sealed.found_audio);
  g_assert_false (sealed.found_sysex);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/secure/seal-open/xchacha20poly1305",
                        GINT_TO_POINTER (JN_CIPHER_XCHACHA20_POLY1305), test_seal_open);
  g_test_add_data_func ("/secure/seal-open/aes256gcm", GINT_TO_POINTER (JN_CIPHER_AES256_GCM),
                        test_seal_open);
  g_test_add_data_func ("/secure/outsider-on-member-address/xchacha20poly1305",
                        GINT_TO_POINTER (JN_CIPHER_XCHACHA20_POLY1305), test_outsider);
  g_test_add_data_func ("/secure/outsider-on-member-address/aes256gcm",
                        GINT_TO_POINTER (JN_CIPHER_AES256_GCM), test_outsider);
  g_test_add_func ("/secure/outsider-clear-control", test_outsider_clear_control);
  g_test_add_func ("/secure/departed-key", test_departed_key);
  g_test_add_func ("/secure/no-reflection", test_no_reflection);
  g_test_add_func ("/secure/roaming", test_roaming);
  g_test_add_func ("/secure/capture", test_capture);
  return g_test_run ();
}
