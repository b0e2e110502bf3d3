/* test-session.c: the control plane on loopback, refusals, and the media
 * plane's gatekeeping (non-members, malformed datagrams)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "jn-identity.h"
#include "jn-test-session.h"

#include <libsoup/soup.h>
#include <string.h>

#include "jn-client.h"
#include "jn-control.h"
#include "jn-host.h"
#include "jn-media-engine.h"
#include "jn-session.h"
#include "jn-wav.h"
#include "jn-capture-source.h"
#include <glib/gstdio.h>

typedef struct
{
  JnMediaEngine *host_engine;
  JnHost        *host;
  char          *url;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer passphrase)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;

  f->host_engine = jn_media_engine_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);
  f->host = jn_host_new (f->host_engine, "Test session", "Host", passphrase);
  certificate = jn_identity_load (NULL, &error);
  g_assert_no_error (error);
  g_assert_true (jn_host_listen (f->host, "127.0.0.1", 0, certificate, &error));
  g_assert_no_error (error);
  g_assert_true (jn_media_engine_start (f->host_engine, &error));
  f->url = jn_host_dup_local_url (f->host);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  jn_media_engine_stop (f->host_engine);
  g_clear_object (&f->host);
  g_clear_object (&f->host_engine);
  g_free (f->url);
}

typedef struct
{
  gboolean done;
  gboolean ok;
  GError  *error;
} Wait;

static void
on_joined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  wait->ok = jn_client_join_finish (JN_CLIENT (source), result, &wait->error);
  wait->done = TRUE;
}

static gboolean
join (JnClient *client, const char *url, GError **error)
{
  Wait wait = { 0 };

  jn_client_join_async (client, url, NULL, on_joined, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  if (wait.error)
    g_propagate_error (error, wait.error);
  return wait.ok;
}

static void
spin_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > end)
        g_error ("condition not met within %u ms", timeout_ms);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gboolean
host_has_one_member (gpointer data)
{
  return jn_host_get_n_members (JN_HOST (data)) == 1;
}

static gboolean
host_has_no_member (gpointer data)
{
  return jn_host_get_n_members (JN_HOST (data)) == 0;
}

static gboolean
both_synced (gpointer data)
{
  JnMediaEngine **engines = data;
  JnPeerStats a, b;

  return jn_media_engine_get_peer (engines[0], 2, &a) && a.synced &&
         jn_media_engine_get_peer (engines[1], JN_HOST_PEER_ID, &b) && b.synced;
}

static void
test_join_and_leave (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnMediaEngine) engine = jn_media_engine_new ("127.0.0.1", 0, &error);
  g_autoptr(JnClient) client = jn_client_new (engine, "Joiner", NULL);
  JnMediaEngine *engines[2] = { f->host_engine, engine };
  JnPeerStats stats;

  g_assert_true (join (client, f->url, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (jn_client_get_session_name (client), ==, "Test session");
  g_assert_cmpuint (jn_media_engine_get_local_id (engine), ==, 2);
  g_assert_cmpuint (jn_media_engine_get_format (engine)->rate, ==, 48000);
  g_assert_cmpfloat (jn_client_get_tempo (client), ==, 120.0);
  spin_until (host_has_one_member, f->host, 2000);
  g_assert_true (jn_media_engine_start (engine, &error));

  /* clock sync runs both ways; on loopback the offset is about zero since
   * both use the same monotonic clock */
  spin_until (both_synced, engines, 5000);
  g_assert_true (jn_media_engine_get_peer (engine, JN_HOST_PEER_ID, &stats));
  g_assert_cmpstr (stats.name, ==, "Host");
  /* a measured round trip: more than nothing (figures are clamped at 0) */
  g_assert_cmpfloat (stats.rtt_ms.last, >, 0.0);
  g_assert_cmpfloat (stats.rtt_ms.last, <, 1000.0);
  g_assert_cmpuint (stats.rtt_ms.count, >=, 1);
  g_assert_cmpfloat (ABS (stats.offset_ms), <, 50.0);

  jn_media_engine_stop (engine);
  jn_client_leave (client);
  spin_until (host_has_no_member, f->host, 2000);
  /* the peer that left keeps its figures */
  g_assert_true (jn_media_engine_get_peer (f->host_engine, 2, &stats) == FALSE);
  {
    g_autoptr(GArray) all = jn_media_engine_get_peer_stats (f->host_engine);

    g_assert_cmpuint (all->len, ==, 1);
    g_assert_true (g_array_index (all, JnPeerStats, 0).departed);
    g_assert_cmpstr (g_array_index (all, JnPeerStats, 0).name, ==, "Joiner");
  }
}

static void
test_wrong_passphrase (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnMediaEngine) engine = jn_media_engine_new ("127.0.0.1", 0, &error);
  g_autoptr(JnClient) wrong = jn_client_new (engine, "Intruder", "guess");
  g_autoptr(JnClient) none = jn_client_new (engine, "Forgetful", NULL);
  g_autoptr(JnClient) right = jn_client_new (engine, "Friend", "open sesame");

  g_assert_false (join (wrong, f->url, &error));
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_WRONG_PASSPHRASE);
  g_assert_cmpstr (error->message, ==, "The session passphrase is wrong.");
  g_clear_error (&error);

  g_assert_false (join (none, f->url, &error));
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_assert_cmpuint (jn_host_get_n_members (f->host), ==, 0);

  g_assert_true (join (right, f->url, &error));
  g_assert_no_error (error);
}

/* A raw WebSocket peer, to speak what JnClient never would. */
typedef struct
{
  SoupWebsocketConnection *connection;
  GPtrArray               *received;   /* char* */
  gboolean                 closed;
} Raw;

static void
on_raw_message (SoupWebsocketConnection *c, gint type, GBytes *bytes, gpointer user_data)
{
  Raw *raw = user_data;
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  g_ptr_array_add (raw->received, g_strndup (data, size));
}

static void
on_raw_closed (SoupWebsocketConnection *c, gpointer user_data)
{
  ((Raw *) user_data)->closed = TRUE;
}

static void
on_raw_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Raw *raw = user_data;
  g_autoptr(GError) error = NULL;

  raw->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
raw_connected (gpointer data)
{
  return ((Raw *) data)->connection != NULL;
}

static gboolean
raw_closed (gpointer data)
{
  return ((Raw *) data)->closed;
}

/* a raw client takes the host's self-signed certificate as it is */
static gboolean
accept_any (SoupMessage *msg, GTlsCertificate *certificate, GTlsCertificateFlags errors,
            gpointer user_data)
{
  return TRUE;
}

static JnControlMessage *
raw_exchange (const char *url, const char *text, GBytes *binary)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  Raw raw = { NULL, g_ptr_array_new_with_free_func (g_free), FALSE };
  JnControlMessage *reply;

  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any), NULL);

  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_raw_connected, &raw);
  spin_until (raw_connected, &raw, 2000);
  g_signal_connect (raw.connection, "message", G_CALLBACK (on_raw_message), &raw);
  g_signal_connect (raw.connection, "closed", G_CALLBACK (on_raw_closed), &raw);
  if (text != NULL)
    soup_websocket_connection_send_text (raw.connection, text);
  else
    soup_websocket_connection_send_binary (raw.connection, g_bytes_get_data (binary, NULL),
                                           g_bytes_get_size (binary));
  spin_until (raw_closed, &raw, 2000);

  /* exactly one message: the error, then the host closed */
  g_assert_cmpuint (raw.received->len, ==, 1);
  reply = jn_control_message_parse (raw.received->pdata[0], -1, NULL);
  g_assert_nonnull (reply);
  g_assert_cmpint (reply->type, ==, JN_CONTROL_ERROR);
  g_ptr_array_unref (raw.received);
  g_object_unref (raw.connection);
  return reply;
}

static void
test_refusals (Fixture *f, gconstpointer data)
{
  g_autoptr(JnControlMessage) version = NULL;
  g_autoptr(JnControlMessage) garbage = NULL;
  g_autoptr(JnControlMessage) first = NULL;
  g_autoptr(JnControlMessage) binary = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_static ("\x01\x02", 2);

  version = raw_exchange (f->url,
                          "{\"type\":\"hello\",\"version\":99,\"name\":\"Future\",\"udp_port\":4000}",
                          NULL);
  g_assert_cmpstr (version->error_code, ==, "version-mismatch");
  g_assert_nonnull (strstr (version->message, "version 3"));
  g_assert_nonnull (strstr (version->message, "version 99"));

  garbage = raw_exchange (f->url, "{\"type\":\"hello\",", NULL);
  g_assert_cmpstr (garbage->error_code, ==, "bad-request");

  first = raw_exchange (f->url, "{\"type\":\"peer-left\",\"version\":1,\"peer_id\":1}", NULL);
  g_assert_cmpstr (first->error_code, ==, "bad-request");
  g_assert_cmpstr (first->message, ==, "The first message must be hello.");

  binary = raw_exchange (f->url, NULL, bytes);
  g_assert_cmpstr (binary->error_code, ==, "bad-request");

  g_assert_cmpuint (jn_host_get_n_members (f->host), ==, 0);
}

static void
test_bad_urls (void)
{
#define FP "abcdefghijklmnopqrstuvwxyzABCDEFGHIJK-_0123"
  static const char *bad[] = { "", "http://example.com", "jamnet://", "::::",
                               /* a fingerprint cut short, or with a stray letter */
                               "jamnet://10.1.2.3:9000/?fp=abcdefghijklmnopqrstuvwxyz",
                               "jamnet://10.1.2.3:9000/?fp=abcdefghijklmnopqrstuvwxyzABCDEFGHIJK-_012!",
                               /* no room's name: a slash in it, a NUL, nothing but spaces */
                               "jamnet://srv/a/b", "jamnet://srv/a%2Fb", "jamnet://srv/a%00",
                               "jamnet://srv/%20%20" };
  static const struct { const char *in, *out; } good[] = {
    { "127.0.0.1", "wss://127.0.0.1:7420/jamnet" },
    { "10.1.2.3:9000", "wss://10.1.2.3:9000/jamnet" },
    /* a server's room, its name escaped once, however it was typed */
    { "jamnet://studio.local/friday", "wss://studio.local:7420/jamnet/rooms/friday" },
    { "srv:7500/Friday Band", "wss://srv:7500/jamnet/rooms/Friday%20Band" },
    { "jamnet://srv:7500/Friday%20Band?fp=" FP, "wss://srv:7500/jamnet/rooms/Friday%20Band?fp=" FP },
    { "jamnet://srv/B%C3%BChne", "wss://srv:7420/jamnet/rooms/B%C3%BChne" },
    { "ws://127.0.0.1:1234/jamnet", "wss://127.0.0.1:1234/jamnet" },
    { "wss://127.0.0.1:1234/jamnet", "wss://127.0.0.1:1234/jamnet" },
    /* an invite link's fingerprint stays with it */
    { "jamnet://10.1.2.3:9000/?fp=" FP, "wss://10.1.2.3:9000/jamnet?fp=" FP },
    { "10.1.2.3:9000?fp=" FP, "wss://10.1.2.3:9000/jamnet?fp=" FP },
    { "[::1]:9000", "wss://[::1]:9000/jamnet" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = jn_session_url_normalize (bad[i], &error);

      g_assert_null (url);
      g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_BAD_URL);
    }
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *url = jn_session_url_normalize (good[i].in, NULL);

      g_assert_cmpstr (url, ==, good[i].out);
    }
}

static gboolean
unreachable_done (gpointer data)
{
  return ((Wait *) data)->done;
}

static void
test_unreachable (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnMediaEngine) engine = jn_media_engine_new ("127.0.0.1", 0, &error);
  g_autoptr(JnClient) client = jn_client_new (engine, "Lonely", NULL);
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  Wait wait = { 0 };

  /* a port nobody listens on: bind it, never listen */
  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  url = g_strdup_printf ("127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  jn_client_join_async (client, url, NULL, on_joined, &wait);
  spin_until (unreachable_done, &wait, 10000);
  g_assert_false (wait.ok);
  g_assert_nonnull (wait.error);
  g_assert_nonnull (strstr (wait.error->message, "Cannot reach the session"));
  g_error_free (wait.error);
}

/* --- media plane gatekeeping --------------------------------------------- */

typedef struct
{
  JnMediaEngine *engine;
  guint64        non_member;
  guint64        malformed;
} Counts;

static gboolean
counts_reached (gpointer data)
{
  Counts *c = data;
  JnEngineStats stats;

  jn_media_engine_get_stats (c->engine, &stats);
  return stats.dropped_non_member >= c->non_member && stats.dropped_malformed >= c->malformed;
}

/* Churn: players who come and go keep only the newest 16 departed peers'
 * figures (each holds 15 minutes of series), however many there were. */
static void
test_churn_bounded (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnMediaEngine) engine = jn_media_engine_new ("127.0.0.1", 0, &error);
  g_autoptr(GArray) all = NULL;

  jn_media_engine_set_local_id (engine, 1);
  for (guint id = 2; id < 2 + 200; id++)
    {
      g_assert_true (jn_media_engine_add_peer (engine, id, "churn", "127.0.0.1", 9, NULL, &error));
      jn_media_engine_remove_peer (engine, id);
    }
  all = jn_media_engine_get_peer_stats (engine);
  g_assert_cmpuint (all->len, ==, 16);
  /* the newest ones */
  g_assert_cmpuint (g_array_index (all, JnPeerStats, all->len - 1).id, ==, 201);
}

static void
test_gatekeeping (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnMediaEngine) engine = jn_media_engine_new ("127.0.0.1", 0, &error);
  g_autoptr(GSocket) stranger = NULL, member = NULL;
  guint16 stranger_port, member_port, engine_port;
  JnPacketHeader h = { JN_PACKET_SYNC_PING, 0, 5, 0, 0, 1, 1 };
  guint8 buf[128];
  gsize size;
  JnEngineStats stats;
  Counts counts;
  JnPeerStats peer;

  jn_media_engine_set_local_id (engine, 1);
  g_assert_true (jn_media_engine_start (engine, &error));
  engine_port = jn_media_engine_get_port (engine);
  stranger = jn_test_udp_socket (&stranger_port);
  member = jn_test_udp_socket (&member_port);
  g_assert_true (jn_media_engine_add_peer (engine, 5, "member", "127.0.0.1", member_port, NULL, &error));

  /* three well-formed pings from an address that is not in the session,
   * and one from a member's address that claims another sender id */
  size = jn_packet_encode_ping (buf, sizeof buf, &h);
  for (guint i = 0; i < 3; i++)
    jn_test_send_datagram (stranger, engine_port, buf, size);
  h.sender_id = 6;
  size = jn_packet_encode_ping (buf, sizeof buf, &h);
  jn_test_send_datagram (member, engine_port, buf, size);

  /* malformed datagrams from the member: bad magic, truncated, lying length */
  jn_test_send_datagram (member, engine_port, (const guint8 *) "JUNKJUNKJUNKJUNKJUNKJUNKJUNKJUNK", 32);
  jn_test_send_datagram (member, engine_port, buf, 10);
  h.sender_id = 5;
  size = jn_packet_encode_ping (buf, sizeof buf, &h);
  buf[15] = 9;
  jn_test_send_datagram (member, engine_port, buf, size);
  /* a pong that answers no ping we sent */
  {
    JnPacketHeader ph = { JN_PACKET_SYNC_PONG, 0, 5, 0, 0, 77, 1 };
    JnSyncPong pong = { 77, 1234, 5678 };

    size = jn_packet_encode_pong (buf, sizeof buf, &ph, &pong);
    jn_test_send_datagram (member, engine_port, buf, size);
  }

  counts = (Counts) { engine, 4, 4 };
  spin_until (counts_reached, &counts, 3000);
  g_usleep (50000);
  jn_media_engine_get_stats (engine, &stats);
  g_assert_cmpuint (stats.dropped_non_member, ==, 4);
  g_assert_cmpuint (stats.dropped_malformed, ==, 4);
  g_assert_cmpuint (stats.malformed[JN_PROTOCOL_ERROR_BAD_MAGIC], ==, 1);
  g_assert_cmpuint (stats.malformed[JN_PROTOCOL_ERROR_TRUNCATED], ==, 1);
  g_assert_cmpuint (stats.malformed[JN_PROTOCOL_ERROR_BAD_LENGTH], ==, 1);
  g_assert_cmpuint (stats.malformed[JN_PROTOCOL_ERROR_BAD_MESSAGE], ==, 1);
  /* the forged pong moved nothing */
  g_assert_true (jn_media_engine_get_peer (engine, 5, &peer));
  g_assert_false (peer.synced);
  g_assert_cmpuint (peer.rtt_ms.count, ==, 0);

  jn_media_engine_stop (engine);
}

static gboolean
peer_heard_all (gpointer data)
{
  JnPeerStats peer;

  return jn_media_engine_get_peer (data, 5, &peer) && peer.audio_packets >= 7 && peer.restored >= 1;
}

/* Copies from a member: one unlike the packet it says it copies is
 * refused and counted; a true one of a packet that never came plays in
 * its place. */
static void
test_copies_checked (void)
{
  static const JnAudioFormat format = { 48000, 128, 1, JN_SAMPLE_S16 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JnMediaEngine) engine = jn_media_engine_new ("127.0.0.1", 0, &error);
  g_autoptr(GSocket) member = NULL;
  guint16 member_port;
  float audio[8][128];
  guint8 buf[1024], section[2 + 2 + 82];
  JnPeerStats peer;

  g_assert_no_error (error);
  jn_media_engine_set_local_id (engine, 1);
  /* playout starts only once 8 packets are queued: the 7 sent and the
   * copy of the one that was not.  So every copy meets the buffer as it
   * was sent, however slowly this machine runs the test. */
  jn_media_engine_set_jitter_depth (engine, 8);
  g_assert_true (jn_media_engine_start (engine, &error));
  member = jn_test_udp_socket (&member_port);
  g_assert_true (jn_media_engine_add_peer (engine, 5, "member", "127.0.0.1", member_port, NULL, &error));
  for (guint p = 0; p < 8; p++)
    for (guint i = 0; i < 128; i++)
      audio[p][i] = 0.3f * sinf ((p * 128 + i) * 0.05f);
  /* packets 0..7, but not 6; 3 carries a false copy of 2, 7 a true one of 6 */
  for (guint32 seq = 0; seq < 8; seq++)
    {
      JnPacketHeader h = { JN_PACKET_AUDIO, 0, 5, 0, 0, seq, (guint64) g_get_monotonic_time () };
      gsize size, copies = 0;

      if (seq == 6)
        continue;
      if (seq == 3 || seq == 7)
        {
          section[0] = 1;
          section[1] = 1;
          section[2] = 5;
          jn_audio_copy_encode (seq == 3 ? audio[0] : audio[6], 128, 5, section + 3);
          copies = sizeof section - 1;
        }
      size = jn_packet_encode_audio_copies (buf, sizeof buf, &h, &format, audio[seq], section, copies);
      jn_test_send_datagram (member, jn_media_engine_get_port (engine), buf, size);
    }
  spin_until (peer_heard_all, engine, 3000);
  g_assert_true (jn_media_engine_get_peer (engine, 5, &peer));
  g_assert_cmpuint (peer.copies_disagree, ==, 1);
  g_assert_cmpuint (peer.restored, ==, 1);
  g_assert_cmpuint (peer.lost, ==, 1);
  jn_media_engine_stop (engine);
}

/* --- JnSession ------------------------------------------------------------- */

static JnSession *
local_session (const char *name)
{
  JnSessionConfig config;

  jn_session_config_init (&config);
  config.player_name = name;
  config.bind_address = "127.0.0.1";
  config.port = 0;
  config.announce = FALSE;
  return jn_session_new (&config);
}

typedef struct
{
  guint added;
  guint removed;
} Changes;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Changes    *changes)
{
  changes->added += added;
  changes->removed += removed;
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static gboolean
playing_with_rtt (gpointer data)
{
  JnPeer *peer = data;

  return jn_peer_get_state (peer) == JN_PEER_PLAYING && jn_peer_get_rtt_ms (peer) > 0 &&
         jn_peer_get_series (peer, JN_METRIC_RTT_MS)->len >= 3;
}

static gboolean
changes_removed (gpointer data)
{
  return ((Changes *) data)->removed > 0;
}

static void
test_session_host_join_leave (void)
{
  JnSession *host = local_session ("Host");
  JnSession *joiner = local_session ("Joiner");
  Changes host_changes = { 0 }, joiner_changes = { 0 };
  JnTestStarted started = { 0 };
  g_autofree char *url = NULL;
  JnPeer *at_host, *at_joiner;
  guint rtt_notifies = 0, state_notifies = 0;
  const JnAudioFormat *format;
  double expected;

  g_signal_connect (jn_session_get_peers (host), "items-changed", G_CALLBACK (on_items_changed), &host_changes);
  g_signal_connect (jn_session_get_peers (joiner), "items-changed", G_CALLBACK (on_items_changed),
                    &joiner_changes);
  jn_session_host_async (host, "Core jam", NULL, NULL, jn_test_on_started, &started);
  g_assert_true (jn_test_wait_started (&started, 5));
  g_assert_no_error (started.error);
  g_assert_cmpint (jn_session_get_state (host), ==, JN_SESSION_RUNNING);
  g_assert_cmpstr (jn_session_get_name (host), ==, "Core jam");
  url = jn_session_dup_local_url (host);

  started = (JnTestStarted) { 0 };
  jn_session_join_async (joiner, url, NULL, NULL, jn_test_on_started, &started);
  g_assert_true (jn_test_wait_started (&started, 5));
  g_assert_no_error (started.error);
  g_assert_cmpstr (jn_session_get_name (joiner), ==, "Core jam");
  g_assert_cmpuint (jn_session_get_local_id (joiner), ==, 2);

  /* each side's model got the other player, from the control plane */
  g_assert_cmpuint (joiner_changes.added, ==, 1);
  at_joiner = g_object_ref (jn_session_lookup_peer (joiner, JN_HOST_PEER_ID));
  g_assert_nonnull (at_joiner);
  g_assert_cmpstr (jn_peer_get_name (at_joiner), ==, "Host");
  {
    gint64 end = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

    while (host_changes.added == 0 && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, TRUE);
  }
  g_assert_cmpuint (host_changes.added, ==, 1);
  at_host = g_object_ref (jn_session_lookup_peer (host, 2));
  g_assert_cmpstr (jn_peer_get_name (at_host), ==, "Joiner");

  /* the figures come as property notifications, with real values */
  g_signal_connect (at_joiner, "notify::rtt-ms", G_CALLBACK (count_notify), &rtt_notifies);
  g_signal_connect (at_joiner, "notify::state", G_CALLBACK (count_notify), &state_notifies);
  spin_until (playing_with_rtt, at_joiner, 5000);
  spin_until (playing_with_rtt, at_host, 5000);
  g_assert_cmpuint (rtt_notifies, >=, 1);
  g_assert_cmpuint (state_notifies, ==, 1);
  g_assert_cmpfloat (jn_peer_get_rtt_ms (at_joiner), <, 1000.0);
  g_assert_cmpfloat (jn_peer_get_stats (at_joiner)->rtt_ms.last, ==, jn_peer_get_rtt_ms (at_joiner));

  /* end to end is its documented sum: no device here, so the network one
   * way plus what the jitter buffer holds (its level, not its target) */
  format = jn_session_get_format (joiner);
  expected = jn_peer_get_one_way_ms (at_joiner) +
             jn_peer_get_buffer_level (at_joiner) * format->frames * 1000.0 / format->rate;
  g_assert_cmpfloat_with_epsilon (jn_peer_get_end_to_end_ms (at_joiner), expected, 1e-9);
  g_assert_cmpfloat (jn_peer_get_end_to_end_ms (at_joiner), >, 0.0);

  /* the mix follows the peer object */
  jn_session_set_peer_gain (joiner, JN_HOST_PEER_ID, 0.25);
  g_assert_cmpfloat (jn_peer_get_gain (at_joiner), ==, 0.25);
  jn_session_set_peer_muted (joiner, JN_HOST_PEER_ID, TRUE);
  g_assert_true (jn_peer_get_muted (at_joiner));

  /* leaving: the host hears of it, and its model drops the player */
  jn_session_leave (joiner);
  g_assert_cmpint (jn_session_get_state (joiner), ==, JN_SESSION_ENDED);
  spin_until (changes_removed, &host_changes, 3000);
  g_assert_cmpuint (host_changes.removed, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (jn_session_get_peers (host)), ==, 0);
  g_assert_cmpint (jn_peer_get_state (at_host), ==, JN_PEER_LEFT);
  /* the joiner keeps its last figures after leaving */
  g_assert_cmpuint (g_list_model_get_n_items (jn_session_get_peers (joiner)), ==, 1);

  jn_session_leave (host);
  g_signal_handlers_disconnect_by_data (jn_session_get_peers (host), &host_changes);
  g_signal_handlers_disconnect_by_data (jn_session_get_peers (joiner), &joiner_changes);
  g_assert_finalize_object (joiner);
  g_assert_finalize_object (host);
  g_assert_finalize_object (at_joiner);
  g_assert_finalize_object (at_host);
}

static void
test_session_wrong_passphrase (void)
{
  JnSession *host = local_session ("Host");
  JnSession *joiner = local_session ("Joiner");
  JnTestStarted started = { 0 };
  g_autofree char *url = NULL;

  jn_session_host_async (host, "Locked", "open sesame", NULL, jn_test_on_started, &started);
  g_assert_true (jn_test_wait_started (&started, 5));
  url = jn_session_dup_local_url (host);
  started = (JnTestStarted) { 0 };
  jn_session_join_async (joiner, url, "guess", NULL, jn_test_on_started, &started);
  g_assert_false (jn_test_wait_started (&started, 5));
  g_assert_error (started.error, JN_SESSION_ERROR, JN_SESSION_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&started.error);
  g_assert_cmpint (jn_session_get_state (joiner), ==, JN_SESSION_ENDED);
  g_assert_cmpuint (g_list_model_get_n_items (jn_session_get_peers (host)), ==, 0);

  /* a session is started once */
  started = (JnTestStarted) { 0 };
  jn_session_join_async (joiner, url, "open sesame", NULL, jn_test_on_started, &started);
  g_assert_false (jn_test_wait_started (&started, 5));
  g_assert_error (started.error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&started.error);

  g_assert_finalize_object (joiner);
  g_assert_finalize_object (host);
}

/* Names the control plane cannot carry are refused at once, with the
 * reason, before anything is opened. */
static void
test_session_bad_names (void)
{
  g_autofree char *long_name = g_strnfill (JN_NAME_MAX_CHARS + 1, 'x');
  const char *bad_players[] = { long_name, "Ana\nBo", NULL };

  for (guint i = 0; bad_players[i] != NULL; i++)
    {
      JnSession *session = local_session (bad_players[i]);
      JnTestStarted started = { 0 };

      jn_session_join_async (session, "ws://127.0.0.1:1/jamnet", NULL, NULL, jn_test_on_started, &started);
      g_assert_false (jn_test_wait_started (&started, 5));
      g_assert_error (started.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (started.error->message, "Your name"));
      g_clear_error (&started.error);
      g_assert_cmpint (jn_session_get_state (session), ==, JN_SESSION_ENDED);
      g_assert_null (jn_session_get_engine (session));
      g_assert_finalize_object (session);
    }
  {
    JnSession *session = local_session ("Host");
    JnTestStarted started = { 0 };

    jn_session_host_async (session, long_name, NULL, NULL, jn_test_on_started, &started);
    g_assert_false (jn_test_wait_started (&started, 5));
    g_assert_error (started.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (started.error->message, "session’s name"));
    g_clear_error (&started.error);
    g_assert_null (jn_session_get_engine (session));
    g_assert_finalize_object (session);
  }
  {
    /* exactly the limit is fine */
    g_autofree char *longest = g_strnfill (JN_NAME_MAX_CHARS, 'y');
    JnSession *session = local_session (longest);
    JnTestStarted started = { 0 };

    jn_session_host_async (session, longest, NULL, NULL, jn_test_on_started, &started);
    g_assert_true (jn_test_wait_started (&started, 5));
    g_assert_no_error (started.error);
    jn_session_leave (session);
    g_assert_finalize_object (session);
  }
}

static double
rms_of_wav (const JnWav *wav)
{
  double sum = 0.0;

  for (gsize i = 0; i < wav->frames * wav->channels; i++)
    sum += (double) wav->samples[i] * wav->samples[i];
  return wav->frames > 0 ? sqrt (sum / (wav->frames * wav->channels)) : 0.0;
}

/* Recording the jam from the middle of it: one file per player, ours and
 * the mix, all of one length (they start on the same sample), the tone in
 * each; a second recording after the first is stopped is a new set, and
 * leaving closes one still under way. */
static void
test_session_recording (void)
{
  g_autofree char *dir = g_dir_make_tmp ("jamnet-record-XXXXXX", NULL);
  JnImpairment impairment = { .delay_us = 5000 };
  JnTestStarted started = { 0 };
  JnSessionConfig config;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) listing = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  JnSession *session;
  const char *name;
  gsize frames = 0;
  gint64 t0, t1;
  guint notifies = 0;

  jn_session_config_init (&config);
  config.player_name = "Ana/../x";   /* a name is no path */
  config.bind_address = "127.0.0.1";
  config.announce = FALSE;
  config.audio_backend = "null";   /* a device: the mix as heard exists */
  session = jn_session_new (&config);
  jn_session_set_capture_source (session, jn_capture_source_new (JN_CAPTURE_TONE));
  g_assert_false (jn_session_start_recording (session, dir, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  jn_session_demo_async (session, NULL, &impairment, NULL, jn_test_on_started, &started);
  g_assert_true (jn_test_wait_started (&started, 10));
  g_assert_no_error (started.error);
  g_signal_connect (session, "notify::recording", G_CALLBACK (count_notify), &notifies);
  jn_test_spin_for (500);

  g_assert_true (jn_session_start_recording (session, dir, &error));
  g_assert_no_error (error);
  g_assert_true (jn_session_get_recording (session));
  g_assert_cmpstr (jn_session_get_recording_folder (session), ==, dir);
  t0 = g_get_monotonic_time ();
  jn_test_spin_for (1500);
  jn_session_stop_recording (session);
  t1 = g_get_monotonic_time ();
  g_assert_false (jn_session_get_recording (session));
  g_assert_cmpuint (notifies, ==, 2);
  jn_test_spin_for (200);

  listing = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (listing)) != NULL)
    g_ptr_array_add (files, g_build_filename (dir, name, NULL));
  g_assert_cmpuint (files->len, ==, 3);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autoptr(GError) load_error = NULL;
      JnWav *wav = jn_wav_load (path, &load_error);
      g_autofree char *base = g_path_get_basename (path);
      double rms;

      g_assert_no_error (load_error);
      rms = rms_of_wav (wav);
      g_test_message ("%s: %zu frames, RMS %.3f", base, wav->frames, rms);
      g_assert_true (g_str_has_prefix (base, "jam-"));
      g_assert_true (g_str_has_suffix (base, " - Ana____x.wav") || g_str_has_suffix (base, " - mix.wav") ||
                     g_str_has_suffix (base, " - Simulated player.wav"));
      /* aligned: one length for all, about the 1.5 s recorded */
      if (frames == 0)
        frames = wav->frames;
      g_assert_cmpuint (wav->frames, ==, frames);
      g_assert_cmpfloat (wav->frames / 48000.0, >, 1.2);
      g_assert_cmpfloat (wav->frames / 48000.0, <, (t1 - t0) / 1e6 + 0.2);
      /* the player's tone in its file and in the mix; ours is what the
       * null device captures: silence */
      if (g_str_has_suffix (base, " - Ana____x.wav"))
        g_assert_cmpfloat (rms, ==, 0.0);
      else
        g_assert_cmpfloat (rms, >, 0.05);
      jn_wav_free (wav);
    }
  g_test_message ("recorded %.2f s into 3 files: %.0f kB/s written", frames / 48000.0,
                  3.0 * frames * 2 / 1000.0 / (frames / 48000.0));

  /* again, and left while recording: closed, complete */
  g_assert_true (jn_session_start_recording (session, dir, &error));
  jn_test_spin_for (1100);
  jn_session_leave (session);
  g_assert_false (jn_session_get_recording (session));
  g_ptr_array_set_size (files, 0);
  g_clear_pointer (&listing, g_dir_close);
  listing = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (listing)) != NULL)
    g_ptr_array_add (files, g_build_filename (dir, name, NULL));
  g_assert_cmpuint (files->len, >=, 4);   /* the second set (the same second: the same names) */
  for (guint i = 0; i < files->len; i++)
    {
      g_autoptr(GError) load_error = NULL;
      JnWav *wav = jn_wav_load (g_ptr_array_index (files, i), &load_error);

      g_assert_no_error (load_error);
      g_assert_cmpuint (wav->frames, >, 0);
      jn_wav_free (wav);
      g_unlink (g_ptr_array_index (files, i));
    }
  g_rmdir (dir);
  g_assert_finalize_object (session);
}

static gboolean
target_at_least_3 (gpointer data)
{
  return jn_peer_get_buffer_target (data) >= 3;
}

static gboolean
target_at_most_1 (gpointer data)
{
  return jn_peer_get_buffer_target (data) <= 1;
}

/* host hosts session_name and joiner joins it, both running */
static void
host_and_join (JnSession  *host,
               JnSession  *joiner,
               const char *session_name)
{
  JnTestStarted started = { 0 };
  g_autofree char *url = NULL;

  jn_session_host_async (host, session_name, NULL, NULL, jn_test_on_started, &started);
  g_assert_true (jn_test_wait_started (&started, 5));
  url = jn_session_dup_local_url (host);
  started = (JnTestStarted) { 0 };
  jn_session_join_async (joiner, url, NULL, NULL, jn_test_on_started, &started);
  g_assert_true (jn_test_wait_started (&started, 5));
}

/* The jitter buffer's setting changed while the session plays: the depth
 * moves into the safest bounds at once, and down to the lowest as the
 * calm allows */
static void
test_session_latency_live (void)
{
  JnSession *host = local_session ("Host");
  JnSession *joiner = local_session ("Joiner");
  JnPeer *at_joiner;
  gint64 t0;

  host_and_join (host, joiner, "Live jam");
  at_joiner = jn_session_lookup_peer (joiner, JN_HOST_PEER_ID);
  spin_until (playing_with_rtt, at_joiner, 5000);
  jn_session_set_latency_safety (joiner, 0.0);   /* lowest: 1 .. 4, shrinking after 1 s of calm */
  t0 = g_get_monotonic_time ();
  spin_until (target_at_most_1, at_joiner, 6000);
  g_test_message ("lowest latency reached in %.1f s", (g_get_monotonic_time () - t0) / 1e6);
  jn_session_set_latency_safety (joiner, 1.0);   /* safest: 3 .. 18, at once */
  t0 = g_get_monotonic_time ();
  spin_until (target_at_least_3, at_joiner, 1000);
  g_test_message ("safest bounds in %.2f s", (g_get_monotonic_time () - t0) / 1e6);

  jn_session_leave (joiner);
  jn_session_leave (host);
  g_assert_finalize_object (joiner);
  g_assert_finalize_object (host);
}

/* the RMS of the recording's mix in dir (its one " - mix.wav"), removing
 * what was recorded */
static double
recorded_mix_rms (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  double rms = -1;

  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_str_has_suffix (name, " - mix.wav"))
        {
          g_autoptr(GError) error = NULL;
          JnWav *wav = jn_wav_load (path, &error);

          g_assert_no_error (error);
          rms = rms_of_wav (wav);
          jn_wav_free (wav);
        }
      g_unlink (path);
    }
  return rms;
}

static gboolean
tempo_is_90 (gpointer data)
{
  return jn_session_get_tempo (data) == 90.0;
}

/* The metronome switched on during the jam clicks in what we hear (the
 * mix recorded through the null device); off, it is silent; the host's
 * tempo reaches a joiner, who cannot set it */
static void
test_session_metronome_live (void)
{
  g_autofree char *dir = g_dir_make_tmp ("jamnet-metronome-XXXXXX", NULL);
  JnSessionConfig config;
  JnTestStarted started = { 0 };
  g_autofree char *url = NULL;
  JnSession *host, *joiner;
  g_autoptr(GError) error = NULL;
  guint notifies = 0;
  double silent, clicking;

  jn_session_config_init (&config);
  config.player_name = "Host";
  config.bind_address = "127.0.0.1";
  config.announce = FALSE;
  config.audio_backend = "null";
  host = jn_session_new (&config);
  jn_session_host_async (host, "Click jam", NULL, NULL, jn_test_on_started, &started);
  g_assert_true (jn_test_wait_started (&started, 5));
  g_signal_connect (host, "notify::metronome", G_CALLBACK (count_notify), &notifies);

  g_assert_false (jn_session_get_metronome (host));
  g_assert_true (jn_session_start_recording (host, dir, &error));
  jn_test_spin_for (1100);
  jn_session_stop_recording (host);
  jn_test_spin_for (100);
  silent = recorded_mix_rms (dir);

  jn_session_set_metronome (host, TRUE);
  g_assert_true (jn_session_get_metronome (host));
  g_assert_cmpuint (notifies, ==, 1);
  g_assert_true (jn_session_start_recording (host, dir, &error));
  jn_test_spin_for (1100);   /* two beats or more at 120 bpm */
  jn_session_stop_recording (host);
  jn_test_spin_for (100);
  clicking = recorded_mix_rms (dir);
  g_test_message ("the mix without the metronome: RMS %.4f; with it: %.4f", silent, clicking);
  g_assert_cmpfloat (silent, ==, 0.0);
  g_assert_cmpfloat (clicking, >, 0.005);

  /* the host sets the tempo; a joiner hears of it and cannot */
  url = jn_session_dup_local_url (host);
  config.player_name = "Joiner";
  config.audio_backend = NULL;
  joiner = jn_session_new (&config);
  started = (JnTestStarted) { 0 };
  jn_session_join_async (joiner, url, NULL, NULL, jn_test_on_started, &started);
  g_assert_true (jn_test_wait_started (&started, 5));
  g_assert_cmpfloat (jn_session_get_tempo (joiner), ==, 120.0);
  g_assert_true (jn_session_set_tempo (host, 90.0));
  g_assert_false (jn_session_set_tempo (joiner, 100.0));
  g_assert_false (jn_session_set_tempo (host, 1000.0));
  spin_until (tempo_is_90, joiner, 2000);

  jn_session_leave (joiner);
  jn_session_leave (host);
  g_assert_finalize_object (joiner);
  g_assert_finalize_object (host);
  g_rmdir (dir);
}

typedef struct
{
  guint  lines;
  guint  from;
  char  *name;
} Heard;

static void
on_heard (JnSession  *session,
          guint       id,
          const char *name,
          const char *text,
          Heard      *heard)
{
  heard->lines++;
  heard->from = id;
  g_free (heard->name);
  heard->name = g_strdup (name);
}

/* Chat through the host: a joiner's lines reach the host by the joiner's
 * name; a flood past the member's rate is dropped and counted; the host's
 * line reaches the joiner; nothing is said outside a session */
static void
test_session_chat (void)
{
  JnSession *host = local_session ("Host");
  JnSession *joiner = local_session ("Joiner");
  g_autoptr(GError) error = NULL;
  Heard at_host = { 0 }, at_joiner = { 0 };
  JnHostStats stats;

  g_assert_false (jn_session_send_chat (host, "anyone?", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  host_and_join (host, joiner, "Chat jam");
  g_signal_connect (host, "chat", G_CALLBACK (on_heard), &at_host);
  g_signal_connect (joiner, "chat", G_CALLBACK (on_heard), &at_joiner);
  jn_test_spin_for (300);

  g_assert_false (jn_session_send_chat (joiner, "two\nlines", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* twelve at once: the first five, and the rest dropped */
  for (guint i = 0; i < 12; i++)
    g_assert_true (jn_session_send_chat (joiner, "la la la", NULL));
  jn_test_spin_for (500);
  jn_session_get_host_stats (host, &stats);
  g_test_message ("host heard %u of 12 lines; relayed %" G_GUINT64_FORMAT ", dropped %" G_GUINT64_FORMAT,
                  at_host.lines, stats.chat_relayed, stats.chat_dropped);
  g_assert_cmpuint (at_host.lines, >=, 5);
  g_assert_cmpuint (at_host.lines, <=, 6);
  g_assert_cmpuint (stats.chat_relayed, ==, at_host.lines);
  g_assert_cmpuint (stats.chat_dropped, ==, 12 - at_host.lines);
  g_assert_cmpuint (at_host.from, ==, 2);
  g_assert_cmpstr (at_host.name, ==, "Joiner");

  g_assert_true (jn_session_send_chat (host, "Again, from the top", &error));
  jn_test_spin_for (300);
  g_assert_cmpuint (at_joiner.lines, ==, 1);
  g_assert_cmpuint (at_joiner.from, ==, JN_HOST_PEER_ID);
  g_assert_cmpstr (at_joiner.name, ==, "Host");

  jn_session_leave (joiner);
  jn_session_leave (host);
  g_free (at_host.name);
  g_free (at_joiner.name);
  g_assert_finalize_object (joiner);
  g_assert_finalize_object (host);
}

typedef struct
{
  gboolean         done;
  gboolean         ok;
  JnLatencyFigures figures;
  GError          *error;
} Timed;

static void
on_timed (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  Timed *timed = data;

  timed->ok = jn_session_test_latency_finish (JN_SESSION (source), result, &timed->figures, &timed->error);
  timed->done = TRUE;
}

static void
time_latency (JnSession *session,
              guint32    peer_id,
              guint      clicks,
              Timed     *timed)
{
  *timed = (Timed) { 0 };
  jn_session_test_latency_async (session, peer_id, clicks, NULL, on_timed, timed);
  for (gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC; !timed->done && g_get_monotonic_time () < end;)
    jn_test_spin_for (20);
  g_assert_true (timed->done);
}

static void
on_warned (JnSession  *session,
           const char *message,
           char      **said)
{
  g_free (*said);
  *said = g_strdup (message);
}

/* The latency test from the window: clicks through one player who plays
 * them back.  Through the demo's emulated 10 ms each way the round trip
 * is the network's 20 ms plus both buffers; between two sessions on
 * loopback, either way round; a second test while one runs is refused;
 * the player asked is told, and plays its own audio again after. */
static void
test_session_latency_test (void)
{
  JnImpairment impairment = { .delay_us = 10000 };
  JnSession *demo, *host, *joiner;
  g_autofree char *told = NULL;
  g_autoptr(JnPeer) simulated = NULL;
  Timed timed, second;

  demo = jn_test_demo ("Timer", &impairment, &simulated);
  jn_test_spin_for (1000);   /* the clocks synced */
  time_latency (demo, jn_peer_get_id (simulated), 6, &timed);
  g_assert_no_error (timed.error);
  g_test_message ("demo, 10 ms each way: %u of %u clicks back, round trip %.1f / %.1f / %.1f ms",
                  timed.figures.echoes, timed.figures.clicks, timed.figures.min_ms, timed.figures.median_ms,
                  timed.figures.max_ms);
  g_assert_cmpuint (timed.figures.echoes, >=, 4);
  g_assert_cmpfloat (timed.figures.median_ms, >, 20.0);
  g_assert_cmpfloat (timed.figures.median_ms, <, 120.0);
  g_assert_cmpfloat (timed.figures.min_ms, <=, timed.figures.median_ms);
  g_assert_cmpfloat (timed.figures.median_ms, <=, timed.figures.max_ms);
  jn_session_leave (demo);
  g_assert_finalize_object (demo);

  host = local_session ("Host");
  joiner = local_session ("Joiner");
  host_and_join (host, joiner, "Timed jam");
  g_signal_connect (joiner, "warning", G_CALLBACK (on_warned), &told);
  jn_test_spin_for (1000);

  /* the host times the joiner; meanwhile a second test is refused */
  timed = second = (Timed) { 0 };
  jn_session_test_latency_async (host, 2, 3, NULL, on_timed, &timed);
  jn_session_test_latency_async (host, 2, 3, NULL, on_timed, &second);
  for (gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
       !(timed.done && second.done) && g_get_monotonic_time () < end;)
    jn_test_spin_for (20);
  g_assert_error (second.error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&second.error);
  g_assert_no_error (timed.error);
  g_test_message ("host to joiner on loopback: %u of %u back, median %.1f ms", timed.figures.echoes,
                  timed.figures.clicks, timed.figures.median_ms);
  g_assert_cmpuint (timed.figures.echoes, >=, 2);
  g_assert_cmpfloat (timed.figures.median_ms, >, 0.0);
  g_assert_cmpfloat (timed.figures.median_ms, <, 100.0);
  g_assert_nonnull (told);
  g_assert_nonnull (strstr (told, "Host is timing the delay to you"));
  jn_test_spin_for (300);

  /* and the joiner times the host, through the host's own handling: at
   * once, so the joiner must have stopped playing the host back when
   * told (else this one is refused as busy) */
  time_latency (joiner, JN_HOST_PEER_ID, 3, &timed);
  g_assert_no_error (timed.error);
  g_test_message ("joiner to host: %u of %u back, median %.1f ms", timed.figures.echoes, timed.figures.clicks,
                  timed.figures.median_ms);
  g_assert_cmpuint (timed.figures.echoes, >=, 2);

  /* nobody there */
  time_latency (joiner, 77, 4, &timed);
  g_assert_error (timed.error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&timed.error);

  jn_session_leave (joiner);
  jn_session_leave (host);
  g_assert_finalize_object (joiner);
  g_assert_finalize_object (host);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/session/join-and-leave", Fixture, NULL, fixture_setup, test_join_and_leave,
              fixture_teardown);
  g_test_add ("/session/wrong-passphrase", Fixture, "open sesame", fixture_setup,
              test_wrong_passphrase, fixture_teardown);
  g_test_add ("/session/refusals", Fixture, NULL, fixture_setup, test_refusals, fixture_teardown);
  g_test_add_func ("/session/bad-urls", test_bad_urls);
  g_test_add_func ("/session/unreachable", test_unreachable);
  g_test_add_func ("/media/gatekeeping", test_gatekeeping);
  g_test_add_func ("/media/copies-checked", test_copies_checked);
  g_test_add_func ("/jn-session/host-join-leave", test_session_host_join_leave);
  g_test_add_func ("/jn-session/wrong-passphrase", test_session_wrong_passphrase);
  g_test_add_func ("/session/churn-bounded", test_churn_bounded);
  g_test_add_func ("/jn-session/bad-names", test_session_bad_names);
  g_test_add_func ("/jn-session/recording", test_session_recording);
  g_test_add_func ("/jn-session/latency-live", test_session_latency_live);
  g_test_add_func ("/jn-session/metronome-live", test_session_metronome_live);
  g_test_add_func ("/jn-session/chat", test_session_chat);
  g_test_add_func ("/jn-session/latency-test", test_session_latency_test);

  return g_test_run ();
}
