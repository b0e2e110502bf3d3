/* jn-host.c: WebSocket session host
 *
 * A joiner connects to wss://HOST:PORT/jamnet and sends hello.  The host
 * checks protocol version and passphrase, answers welcome + roster, tells
 * the others (peer-joined) and adds the joiner to its media engine.  When a
 * member's connection closes, the others hear peer-left.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-host"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <libsoup/soup.h>
#include <sys/socket.h>
#include <math.h>
#include <sodium.h>

#include "jn-control.h"
#include "jn-host.h"
#include "jn-identity.h"
#include "jn-pake.h"
#include "jn-secure-transport.h"
#include "jn-ws-limit-stream.h"

#define HELLO_TIMEOUT_S   5
#define KEEPALIVE_S       5
/* Online passphrase guessing: this many failures from one address within
 * GUESS_WINDOW_S, then that address is refused for GUESS_WINDOW_S. */
#define GUESS_LIMIT       5
#define GUESS_WINDOW_S    60
/* Addresses remembered for it; past this, those whose time is up go. */
#define GUESS_TABLE_MAX   4096
/* Hellos per address: a burst of HELLO_BURST, then one per
 * HELLO_REFILL_S; and at most MEMBERS_PER_ADDRESS members from one address
 * at a time (a band behind one router stays within both). */
#define HELLO_BURST          16
#define HELLO_REFILL_S       4
#define MEMBERS_PER_ADDRESS  8

typedef struct
{
  double tokens;
  gint64 refilled_us;
} Hellos;

/* Connections not yet a WebSocket (TLS and the upgrade under way): at
 * most PENDING_PER_ADDRESS from one address and PENDING_MAX in all (past
 * that a newcomer evicts the oldest of the address that holds most, so
 * that many idle addresses cannot keep one more out), each closed if it
 * is not a WebSocket within HANDSHAKE_TIMEOUT_S (slowloris). */
#define PENDING_PER_ADDRESS  8
#define PENDING_MAX          64
#define HANDSHAKE_TIMEOUT_S  5
/* After accept() fails (no descriptors left), it is tried again this
 * often rather than spinning on a listener that stays readable. */
#define ACCEPT_RETRY_MS      100
/* The TLS handshake runs in a worker thread and blocks it while the peer
 * is silent; so it starts only once the ClientHello is all there, which
 * is looked for this often. */
#define HELLO_CHECK_MS       50
#define MAX_TLS_RECORD       (16384 + 2048)

typedef struct
{
  JnHost           *host;        /* unowned */
  char             *key;         /* "ADDRESS PORT" of the remote end */
  char             *address;
  GIOStream        *stream;      /* the TLS connection */
  GSocketConnection *base;       /* under it */
  GCancellable     *cancellable;
  guint             timeout;
  guint             check;       /* waiting for the ClientHello */
  gint64            since_us;
} Pending;

typedef struct
{
  gint64 window_start_us;
  guint  failures;
  gint64 locked_until_us;
} Guesses;

typedef struct
{
  JnHost                  *host;       /* unowned */
  SoupWebsocketConnection *connection;
  guint32                  id;         /* 0 until hello is accepted */
  char                    *name;
  char                    *address;    /* joiner's IP as the host sees it */
  char                    *local_address; /* host's IP on this connection */
  guint16                  udp_port;
  gboolean                 aes;        /* its CPU runs AES-256-GCM in hardware */
  guint                    hello_timeout;
  JnControlMessage        *hello;      /* while the passphrase is checked */
  JnPake                   pake;
  guint8                   expect_confirm[JN_PAKE_CONFIRM_SIZE];
} Member;

struct _JnHost
{
  GObject        parent_instance;

  JnMediaEngine *engine;
  SoupServer    *server;
  char          *session_name;
  char          *player_name;
  char          *passphrase;
  guint16        port;
  char          *fingerprint;  /* of the certificate it presents */
  guint32        next_id;
  GPtrArray     *members;     /* Member*, accepted or not */
  GHashTable    *guesses;     /* address -> Guesses */
  GHashTable    *hellos;      /* address -> Hellos */
  GTlsCertificate *certificate;
  GSocket       *listener;
  GSource       *accept_source;
  guint          accept_retry;
  GHashTable    *pending;     /* Pending.key -> Pending */
  JnHostStats    stats;
  double         tempo_bpm;
  gboolean       playing;
  gint64         epoch_us;     /* beat 0, on this host's monotonic clock */
};

G_DEFINE_FINAL_TYPE (JnHost, jn_host, G_TYPE_OBJECT)

static char *address_key (GSocketAddress *address, char **ip);

enum { PEER_JOINED, PEER_LEFT, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
member_free (Member *member)
{
  g_clear_handle_id (&member->hello_timeout, g_source_remove);
  if (member->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (member->connection, member);
      if (soup_websocket_connection_get_state (member->connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (member->connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      g_clear_object (&member->connection);
    }
  g_free (member->name);
  g_free (member->address);
  g_free (member->local_address);
  g_clear_pointer (&member->hello, jn_control_message_free);
  jn_pake_clear (&member->pake);
  sodium_memzero (member->expect_confirm, sizeof member->expect_confirm);
  g_free (member);
}

/* --- passphrase guessing --------------------------------------------------- */

/* Seconds until address may guess again, 0 when it may now. */
static guint
guess_wait_s (JnHost     *self,
              const char *address)
{
  Guesses *g = g_hash_table_lookup (self->guesses, address);
  gint64 now = g_get_monotonic_time ();

  if (g == NULL || now >= g->locked_until_us)
    return 0;
  return (guint) ((g->locked_until_us - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

static gboolean
guesses_expired (gpointer key,
                 gpointer value,
                 gpointer user_data)
{
  Guesses *g = value;
  gint64 now = *(gint64 *) user_data;

  return now >= g->locked_until_us && now - g->window_start_us >= GUESS_WINDOW_S * G_USEC_PER_SEC;
}

/* address's entry (of size bytes) in one of the per-address tables, made
 * zeroed (*added) when there is none; past GUESS_TABLE_MAX addresses those
 * that spent(now) says are done go first, and NULL when none is. */
static gpointer
address_entry (GHashTable *table,
               const char *address,
               gsize       size,
               GHRFunc     spent,
               gint64     *now,
               gboolean   *added)
{
  gpointer entry = g_hash_table_lookup (table, address);

  *added = FALSE;
  if (entry != NULL)
    return entry;
  if (g_hash_table_size (table) >= GUESS_TABLE_MAX)
    g_hash_table_foreach_remove (table, spent, now);
  if (g_hash_table_size (table) >= GUESS_TABLE_MAX)
    return NULL;
  entry = g_malloc0 (size);
  g_hash_table_insert (table, g_strdup (address), entry);
  *added = TRUE;
  return entry;
}

static void
count_failed_guess (JnHost     *self,
                    const char *address)
{
  gint64 now = g_get_monotonic_time ();
  gboolean added;
  Guesses *g = address_entry (self->guesses, address, sizeof (Guesses), guesses_expired, &now,
                              &added);

  if (g == NULL)
    return;   /* a flood from that many addresses: each still waits for its TLS and PAKE */
  if (now - g->window_start_us >= GUESS_WINDOW_S * G_USEC_PER_SEC)
    {
      g->window_start_us = now;
      g->failures = 0;
    }
  if (++g->failures >= GUESS_LIMIT)
    g->locked_until_us = now + GUESS_WINDOW_S * G_USEC_PER_SEC;
  self->stats.failed_passphrases++;
}

static JnPeerInfo *
member_info (Member *member)
{
  return jn_peer_info_new (member->id, member->name, member->address, member->udp_port);
}

static void
broadcast (JnHost                 *self,
           const JnControlMessage *message,
           Member                 *except)
{
  for (guint i = 0; i < self->members->len; i++)
    {
      Member *member = g_ptr_array_index (self->members, i);

      if (member != except && member->id != 0)
        jn_control_message_send (message, member->connection);
    }
}

static void
accept_member (JnHost           *self,
               Member           *member,
               JnControlMessage *hello)
{
  g_autoptr(JnControlMessage) welcome = jn_control_message_new (JN_CONTROL_WELCOME);
  g_autoptr(JnControlMessage) roster = jn_control_message_new (JN_CONTROL_ROSTER);
  g_autoptr(JnControlMessage) transport = jn_control_message_new (JN_CONTROL_TRANSPORT);
  g_autoptr(GError) error = NULL;
  gboolean sealed = jn_media_engine_is_sealed (self->engine);
  gboolean host_aes = jn_cipher_aes_available ();
  JnLinkKey key;
  JnPeerInfo *info;

  member->id = self->next_id++;
  member->name = g_strdup (hello->name);
  member->udp_port = hello->udp_port;
  member->aes = hello->aes;
  g_clear_handle_id (&member->hello_timeout, g_source_remove);

  /* one key per pair of players: nobody can forge or read what two others
   * send each other (docs/protocol.md, 3.5) */
  jn_link_key_generate (&key, host_aes && member->aes ? JN_CIPHER_AES256_GCM
                                                      : JN_CIPHER_XCHACHA20_POLY1305);
  if (!jn_media_engine_add_peer (self->engine, member->id, member->name, member->address,
                                 member->udp_port, sealed ? &key : NULL, &error))
    {
      sodium_memzero (&key, sizeof key);
      g_warning ("Cannot add %s to the media plane: %s", member->name, error->message);
      member->id = 0;
      jn_control_send_error_and_close (member->connection, JN_SESSION_ERROR_BAD_REQUEST,
                                       error->message);
      return;
    }

  welcome->peer_id = member->id;
  welcome->name = g_strdup (self->session_name);
  welcome->format = *jn_media_engine_get_format (self->engine);
  welcome->sealed = sealed;
  jn_control_message_send (welcome, member->connection);

  /* the host itself, at the address this joiner reached it on */
  info = jn_peer_info_new (JN_HOST_PEER_ID, self->player_name, member->local_address,
                           jn_media_engine_get_port (self->engine));
  jn_peer_info_set_key (info, sealed ? &key : NULL);
  g_ptr_array_add (roster->peers, info);
  for (guint i = 0; i < self->members->len; i++)
    {
      Member *other = g_ptr_array_index (self->members, i);
      g_autoptr(JnControlMessage) joined = NULL;

      if (other->id == 0 || other == member)
        continue;
      /* the same fresh key goes to both ends of the link, and only there */
      /* AES-256-GCM where both ends run it in hardware: the fastest there */
      jn_link_key_generate (&key, other->aes && member->aes ? JN_CIPHER_AES256_GCM
                                                            : JN_CIPHER_XCHACHA20_POLY1305);
      info = member_info (other);
      jn_peer_info_set_key (info, sealed ? &key : NULL);
      g_ptr_array_add (roster->peers, info);

      joined = jn_control_message_new (JN_CONTROL_PEER_JOINED);
      info = member_info (member);
      jn_peer_info_set_key (info, sealed ? &key : NULL);
      g_ptr_array_add (joined->peers, info);
      jn_control_message_send (joined, other->connection);
    }
  sodium_memzero (&key, sizeof key);
  g_ptr_array_add (roster->peers, member_info (member));
  jn_control_message_send (roster, member->connection);

  transport->tempo_bpm = self->tempo_bpm;
  transport->playing = self->playing;
  transport->epoch_us = self->epoch_us;
  jn_control_message_send (transport, member->connection);

  g_debug ("%s joined from %s (peer %u)", member->name, member->address, member->id);
  g_signal_emit (self, signals[PEER_JOINED], 0, member->id, member->name);
}

static gboolean
hellos_full (gpointer key,
             gpointer value,
             gpointer user_data)
{
  Hellos *h = value;
  gint64 now = *(gint64 *) user_data;

  return h->tokens + (double) (now - h->refilled_us) / (HELLO_REFILL_S * G_USEC_PER_SEC) >= HELLO_BURST;
}

/* Takes one hello of address's allowance: 0, or the seconds to wait. */
static guint
take_hello (JnHost     *self,
            const char *address)
{
  gint64 now = g_get_monotonic_time ();
  gboolean added;
  Hellos *h = address_entry (self->hellos, address, sizeof (Hellos), hellos_full, &now, &added);

  if (h == NULL)
    return HELLO_REFILL_S;
  if (added)
    {
      h->tokens = HELLO_BURST;
      h->refilled_us = now;
    }
  h->tokens = MIN (HELLO_BURST, h->tokens + (double) (now - h->refilled_us) /
                                            (HELLO_REFILL_S * G_USEC_PER_SEC));
  h->refilled_us = now;
  if (h->tokens < 1.0)
    return (guint) ceil ((1.0 - h->tokens) * HELLO_REFILL_S);
  h->tokens -= 1.0;
  return 0;
}

static void
send_challenge (JnHost           *self,
                Member           *member,
                JnControlMessage *hello)
{
  g_autoptr(JnControlMessage) challenge = jn_control_message_new (JN_CONTROL_CHALLENGE);

  jn_pake_start (&member->pake, TRUE, self->passphrase);
  if (!jn_pake_finish (&member->pake, hello->pake, self->fingerprint, challenge->confirm,
                       member->expect_confirm))
    {
      count_failed_guess (self, member->address);
      jn_control_send_error_and_close (member->connection, JN_SESSION_ERROR_WRONG_PASSPHRASE,
                                       _("The session passphrase is wrong."));
      return;
    }
  memcpy (challenge->pake, member->pake.share, sizeof challenge->pake);
  challenge->has_pake = TRUE;
  member->hello = hello;
  jn_control_message_send (challenge, member->connection);
}

static void
handle_confirm (JnHost           *self,
                Member           *member,
                JnControlMessage *confirm)
{
  g_autoptr(JnControlMessage) hello = g_steal_pointer (&member->hello);

  jn_pake_clear (&member->pake);
  if (!jn_pake_confirm_equal (confirm->confirm, member->expect_confirm))
    {
      count_failed_guess (self, member->address);
      jn_control_send_error_and_close (member->connection, JN_SESSION_ERROR_WRONG_PASSPHRASE,
                                       _("The session passphrase is wrong."));
      return;
    }
  accept_member (self, member, hello);
}

static void
handle_hello (JnHost           *self,
              Member           *member,
              JnControlMessage *hello)
{
  g_autoptr(JnControlMessage) owned = hello;
  guint n_members = 0, n_here = 0;
  guint wait_s;

  if (hello->version != JN_PROTOCOL_VERSION)
    {
      g_autofree char *text =
        g_strdup_printf (_("This session speaks JamNet protocol version %d, your app speaks "
                           "version %u. Update JamNet on the older side."),
                         JN_PROTOCOL_VERSION, hello->version);
      jn_control_send_error_and_close (member->connection, JN_SESSION_ERROR_VERSION_MISMATCH, text);
      return;
    }
  if ((wait_s = guess_wait_s (self, member->address)) > 0)
    {
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "Too many wrong passphrases from your address; try again in "
                                      "%u second.",
                                      "Too many wrong passphrases from your address; try again in "
                                      "%u seconds.", wait_s), wait_s);
      self->stats.refused_guessing++;
      jn_control_send_error_and_close (member->connection, JN_SESSION_ERROR_TOO_MANY_ATTEMPTS,
                                       text);
      return;
    }
  if ((wait_s = take_hello (self, member->address)) > 0)
    {
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "Too many joins from your address; try again in %u second.",
                                      "Too many joins from your address; try again in %u seconds.",
                                      wait_s), wait_s);
      self->stats.refused_hellos++;
      jn_control_send_error_and_close (member->connection, JN_SESSION_ERROR_TOO_MANY_ATTEMPTS,
                                       text);
      return;
    }
  for (guint i = 0; i < self->members->len; i++)
    {
      Member *other = g_ptr_array_index (self->members, i);

      if (other->id == 0)
        continue;
      n_members++;
      if (g_strcmp0 (other->address, member->address) == 0)
        n_here++;
    }
  if (n_here >= MEMBERS_PER_ADDRESS)
    {
      g_autofree char *text =
        g_strdup_printf (_("Already %u players from your address are in this session."),
                         n_here);
      self->stats.refused_hellos++;
      jn_control_send_error_and_close (member->connection, JN_SESSION_ERROR_SESSION_FULL, text);
      return;
    }
  if (n_members + 1 >= JN_SESSION_MAX_PEERS)
    {
      jn_control_send_error_and_close (member->connection, JN_SESSION_ERROR_SESSION_FULL,
                                       _("The session is full."));
      return;
    }
  if (self->passphrase == NULL)
    {
      accept_member (self, member, hello);
      return;
    }
  if (!hello->has_pake)
    {
      jn_control_send_error_and_close (member->connection, JN_SESSION_ERROR_WRONG_PASSPHRASE,
                                       _("This session has a passphrase: give it to join."));
      return;
    }
  send_challenge (self, member, g_steal_pointer (&owned));
}

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *bytes,
            gpointer                 user_data)
{
  Member *member = user_data;
  JnHost *self = member->host;
  g_autoptr(JnControlMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      jn_control_send_error_and_close (connection, JN_SESSION_ERROR_BAD_REQUEST,
                                       _("Control messages must be JSON text."));
      return;
    }
  message = jn_control_message_parse (data, (gssize) size, &error);
  if (message == NULL)
    {
      jn_control_send_error_and_close (connection, JN_SESSION_ERROR_BAD_REQUEST, error->message);
      return;
    }

  if (member->id == 0 && member->hello != NULL)
    {
      if (message->type != JN_CONTROL_CONFIRM)
        {
          count_failed_guess (self, member->address);
          jn_control_send_error_and_close (connection, JN_SESSION_ERROR_BAD_REQUEST,
                                           _("A challenge must be answered with confirm."));
          return;
        }
      handle_confirm (self, member, message);
      return;
    }
  if (member->id == 0)
    {
      if (message->type != JN_CONTROL_HELLO)
        {
          jn_control_send_error_and_close (connection, JN_SESSION_ERROR_BAD_REQUEST,
                                           _("The first message must be hello."));
          return;
        }
      handle_hello (self, member, g_steal_pointer (&message));
      return;
    }

  /* members have nothing more to say in protocol version 1 */
  g_debug ("ignoring %s from peer %u", jn_control_type_to_string (message->type), member->id);
}

static void
on_closed (SoupWebsocketConnection *connection,
           gpointer                 user_data)
{
  Member *member = user_data;
  JnHost *self = member->host;
  guint32 id = member->id;

  /* gone between challenge and confirm: its guess was wrong (a joiner
   * that finds the host's confirmation wrong leaves without a word) */
  if (member->hello != NULL)
    count_failed_guess (self, member->address);
  if (id != 0)
    {
      g_autoptr(JnControlMessage) left = jn_control_message_new (JN_CONTROL_PEER_LEFT);

      jn_media_engine_remove_peer (self->engine, id);
      left->peer_id = id;
      broadcast (self, left, member);
      g_debug ("%s left (peer %u)", member->name, id);
    }
  g_ptr_array_remove (self->members, member);
  if (id != 0)
    g_signal_emit (self, signals[PEER_LEFT], 0, id);
}

static gboolean
on_hello_timeout (gpointer user_data)
{
  Member *member = user_data;

  member->hello_timeout = 0;
  jn_control_send_error_and_close (member->connection, JN_SESSION_ERROR_BAD_REQUEST,
                                   _("No hello within 5 seconds."));
  return G_SOURCE_REMOVE;
}

static void
on_websocket (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  JnHost *self = user_data;
  GSocketAddress *local = soup_server_message_get_local_address (msg);
  g_autofree char *key = address_key (soup_server_message_get_remote_address (msg), NULL);
  Pending *p = key != NULL ? g_hash_table_lookup (self->pending, key) : NULL;
  Member *member;

  /* no longer pending: libsoup owns the stream now, the hello timeout
   * takes over from the handshake's */
  if (p != NULL)
    {
      g_clear_object (&p->stream);
      g_clear_object (&p->base);
      g_hash_table_remove (self->pending, key);
    }
  member = g_new0 (Member, 1);

  member->host = self;
  member->connection = g_object_ref (connection);
  member->address = g_strdup (soup_server_message_get_remote_host (msg));
  if (G_IS_INET_SOCKET_ADDRESS (local))
    member->local_address =
      g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
  else
    member->local_address = g_strdup ("127.0.0.1");

  soup_websocket_connection_set_max_incoming_payload_size (connection, JN_WS_MAX_MESSAGE);
  soup_websocket_connection_set_keepalive_interval (connection, KEEPALIVE_S);
  g_signal_connect (connection, "message", G_CALLBACK (on_message), member);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), member);
  member->hello_timeout = g_timeout_add_seconds (HELLO_TIMEOUT_S, on_hello_timeout, member);
  g_ptr_array_add (self->members, member);
}

/* --- accepting ------------------------------------------------------------- */

static char *
address_key (GSocketAddress *address,
             char          **ip)
{
  g_autofree char *text = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  text = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  if (ip != NULL)
    *ip = g_strdup (text);
  return g_strdup_printf ("%s %u", text, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

static void
pending_free (Pending *p)
{
  g_clear_handle_id (&p->timeout, g_source_remove);
  g_clear_handle_id (&p->check, g_source_remove);
  g_cancellable_cancel (p->cancellable);
  g_clear_object (&p->cancellable);
  /* the socket itself, at once: a TLS close would try to say goodbye,
   * and block the main loop on a peer that reads nothing */
  if (p->base != NULL)
    g_socket_close (g_socket_connection_get_socket (p->base), NULL);
  g_clear_object (&p->stream);
  g_clear_object (&p->base);
  g_free (p->key);
  g_free (p->address);
  g_free (p);
}

static gboolean
on_handshake_timeout (gpointer user_data)
{
  Pending *p = user_data;
  JnHost *self = p->host;

  p->timeout = 0;
  self->stats.timed_out++;
  g_hash_table_remove (self->pending, p->key);
  return G_SOURCE_REMOVE;
}

/* After TLS, until it is a WebSocket: a peer that went (a browser's
 * probe, a client that gave up) frees its place at once, not at the
 * deadline. */
/* Looks at what the peer sent, leaving it there: how many bytes are in
 * (up to size; 0 when none yet), or -1 when the peer went. */
static gssize
peek_peer (Pending *p,
           guint8  *buf,
           gsize    size)
{
  gssize n = recv (g_socket_get_fd (g_socket_connection_get_socket (p->base)), buf, size,
                   MSG_PEEK | MSG_DONTWAIT);

  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
    return -1;
  return MAX (n, 0);
}

static gboolean
on_gone_check (gpointer user_data)
{
  Pending *p = user_data;
  guint8 byte;

  if (peek_peer (p, &byte, 1) >= 0)
    return G_SOURCE_CONTINUE;
  p->check = 0;
  g_hash_table_remove (p->host->pending, p->key);
  return G_SOURCE_REMOVE;
}

static void
on_tls_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  JnHost *self;
  Pending *p;
  g_autoptr(GInputStream) limited = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GSocketAddress) local = NULL, remote = NULL;
  g_autofree char *key = NULL;
  GSocketConnection *base;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;   /* the pending connection is gone */
      p = user_data;
      g_debug ("TLS with %s failed: %s", p->address, error->message);
      p->host->stats.tls_failures++;
      g_hash_table_remove (p->host->pending, p->key);
      return;
    }
  p = user_data;
  self = p->host;
  /* libsoup reads through the filter that bounds each message */
  limited = jn_ws_limit_stream_new (g_io_stream_get_input_stream (p->stream));
  stream = g_simple_io_stream_new (limited, g_io_stream_get_output_stream (p->stream));
  g_object_set_data_full (G_OBJECT (stream), "jn-tls", g_object_ref (p->stream), g_object_unref);
  g_object_get (p->stream, "base-io-stream", &base, NULL);
  local = g_socket_connection_get_local_address (base, NULL);
  remote = g_socket_connection_get_remote_address (base, NULL);
  g_object_unref (base);
  /* stays pending (and under its deadline) until it is a WebSocket; libsoup
   * may make it one inside the call below, which then frees p */
  p->check = g_timeout_add (2 * HELLO_CHECK_MS, on_gone_check, p);
  key = g_strdup (p->key);
  if (!soup_server_accept_iostream (self->server, stream, local, remote, &error))
    {
      g_debug ("Cannot serve %s: %s", key, error->message);
      g_hash_table_remove (self->pending, key);
    }
}

/* 1 once the first TLS record (the ClientHello) has all arrived, 0 while
 * it has not, -1 when what came is no TLS or the peer went. */
static int
client_hello_state (Pending *p)
{
  static guint8 peek[5 + MAX_TLS_RECORD];   /* main thread only */
  gssize n = peek_peer (p, peek, 5);
  gsize record;

  if (n < 0)
    return -1;
  if (n < 5)
    return 0;
  record = (gsize) peek[3] << 8 | peek[4];
  if (peek[0] != 0x16 || record > MAX_TLS_RECORD)
    return -1;
  n = peek_peer (p, peek, 5 + record);
  if (n < 0)
    return -1;
  return n >= (gssize) (5 + record) ? 1 : 0;
}

static gboolean
on_hello_check (gpointer user_data)
{
  Pending *p = user_data;
  JnHost *self = p->host;
  g_autoptr(GError) error = NULL;

  switch (client_hello_state (p))
    {
    case 0:
      return G_SOURCE_CONTINUE;
    case 1:
      break;
    default:
      p->check = 0;
      self->stats.tls_failures++;
      g_hash_table_remove (self->pending, p->key);
      return G_SOURCE_REMOVE;
    }
  p->check = 0;
  p->stream = G_IO_STREAM (g_initable_new (g_tls_backend_get_server_connection_type (g_tls_backend_get_default ()),
                                           NULL, &error, "base-io-stream", p->base,
                                           "certificate", self->certificate,
                                           "database", jn_identity_get_database (self->certificate),
                                           NULL));
  if (p->stream == NULL)
    {
      g_warning ("Cannot start TLS: %s", error->message);
      g_hash_table_remove (self->pending, p->key);
      return G_SOURCE_REMOVE;
    }
  g_tls_connection_handshake_async (G_TLS_CONNECTION (p->stream), G_PRIORITY_DEFAULT,
                                    p->cancellable, on_tls_done, p);
  return G_SOURCE_REMOVE;
}

static guint
pending_from (JnHost     *self,
              const char *address)
{
  GHashTableIter iter;
  Pending *p;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &p))
    if (g_strcmp0 (p->address, address) == 0)
      n++;
  return n;
}

/* With PENDING_MAX pending: makes room for one from address by closing
 * the oldest pending connection of the address that holds most; FALSE
 * when address holds as many itself (then the newcomer is refused). */
static gboolean
make_room (JnHost     *self,
           const char *address)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  Pending *p, *oldest = NULL;
  const char *most = NULL;
  guint most_n = 0, own;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &p))
    {
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, p->address)) + 1;

      g_hash_table_insert (counts, p->address, GUINT_TO_POINTER (n));
      if (n > most_n)
        {
          most_n = n;
          most = p->address;
        }
    }
  /* an address that holds as many as the heaviest is the one refused: a
   * flood's newcomers are closed at once, which costs nothing */
  own = GPOINTER_TO_UINT (g_hash_table_lookup (counts, address));
  if (most == NULL || own >= most_n)
    return FALSE;
  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &p))
    if (g_str_equal (p->address, most) && (oldest == NULL || p->since_us < oldest->since_us))
      oldest = p;
  self->stats.refused_connections++;
  g_hash_table_remove (self->pending, oldest->key);
  return TRUE;
}

static void
take_connection (JnHost  *self,
                 GSocket *socket)
{
  g_autoptr(GSocketConnection) connection = g_socket_connection_factory_create_connection (socket);
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *key = address_key (remote, &address);
  Pending *p;

  if (key == NULL || g_hash_table_contains (self->pending, key))
    return;
  /* refused by closing at once: nothing is spent on it, and a flood
   * from one address leaves room for everyone else */
  if (pending_from (self, address) >= PENDING_PER_ADDRESS ||
      (g_hash_table_size (self->pending) >= PENDING_MAX && !make_room (self, address)))
    {
      self->stats.refused_connections++;
      g_socket_close (socket, NULL);
      return;
    }
  p = g_new0 (Pending, 1);
  p->host = self;
  p->key = g_steal_pointer (&key);
  p->address = g_steal_pointer (&address);
  p->cancellable = g_cancellable_new ();
  p->since_us = g_get_monotonic_time ();
  p->base = g_object_ref (connection);
  p->timeout = g_timeout_add_seconds (HANDSHAKE_TIMEOUT_S, on_handshake_timeout, p);
  p->check = g_timeout_add (HELLO_CHECK_MS, on_hello_check, p);
  g_hash_table_insert (self->pending, p->key, p);
}

static gboolean on_incoming (GSocket *listener, GIOCondition condition, gpointer user_data);

static void
watch_listener (JnHost *self)
{
  self->accept_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (on_incoming), self, NULL);
  g_source_attach (self->accept_source, g_main_context_get_thread_default ());
}

static gboolean
on_accept_retry (gpointer user_data)
{
  JnHost *self = user_data;

  self->accept_retry = 0;
  watch_listener (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_incoming (GSocket      *listener,
             GIOCondition  condition,
             gpointer      user_data)
{
  JnHost *self = user_data;

  for (guint i = 0; i < 256; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = g_socket_accept (listener, NULL, &error);

      if (socket != NULL)
        {
          take_connection (self, socket);
          continue;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;
      /* no descriptor left (EMFILE, ENFILE) or the like: the listener
       * stays readable, so pause rather than spin, and try again */
      self->stats.accept_failures++;
      g_debug ("accept failed: %s", error->message);
      g_clear_pointer (&self->accept_source, g_source_unref);
      self->accept_retry = g_timeout_add (ACCEPT_RETRY_MS, on_accept_retry, self);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
stop_listening (JnHost *self)
{
  g_clear_handle_id (&self->accept_retry, g_source_remove);
  if (self->accept_source != NULL)
    g_source_destroy (self->accept_source);
  g_clear_pointer (&self->accept_source, g_source_unref);
  if (self->listener != NULL)
    g_socket_close (self->listener, NULL);
  g_clear_object (&self->listener);
}

static void
jn_host_dispose (GObject *object)
{
  JnHost *self = JN_HOST (object);

  stop_listening (self);
  if (self->pending != NULL)
    g_hash_table_remove_all (self->pending);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  if (self->members != NULL)
    g_ptr_array_set_size (self->members, 0);

  G_OBJECT_CLASS (jn_host_parent_class)->dispose (object);
}

static void
jn_host_finalize (GObject *object)
{
  JnHost *self = JN_HOST (object);

  g_clear_pointer (&self->members, g_ptr_array_unref);
  g_clear_pointer (&self->guesses, g_hash_table_unref);
  g_clear_pointer (&self->hellos, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_object (&self->certificate);
  g_clear_object (&self->engine);
  g_free (self->session_name);
  g_free (self->player_name);
  g_free (self->passphrase);
  g_free (self->fingerprint);

  G_OBJECT_CLASS (jn_host_parent_class)->finalize (object);
}

static void
jn_host_class_init (JnHostClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = jn_host_dispose;
  object_class->finalize = jn_host_finalize;

  signals[PEER_JOINED] = g_signal_new ("peer-joined", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  signals[PEER_LEFT] = g_signal_new ("peer-left", G_TYPE_FROM_CLASS (klass),
                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                     G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
jn_host_init (JnHost *self)
{
  self->members = g_ptr_array_new_with_free_func ((GDestroyNotify) member_free);
  self->guesses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->hellos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) pending_free);
  self->next_id = JN_HOST_PEER_ID + 1;
  self->tempo_bpm = 120.0;
  self->epoch_us = g_get_monotonic_time ();
}

JnHost *
jn_host_new (JnMediaEngine *engine,
             const char    *session_name,
             const char    *player_name,
             const char    *passphrase)
{
  JnHost *self;

  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (engine), NULL);

  self = g_object_new (JN_TYPE_HOST, NULL);
  self->engine = g_object_ref (engine);
  self->session_name = g_strdup (session_name ? session_name : "JamNet session");
  self->player_name = g_strdup (player_name ? player_name : g_get_real_name ());
  self->passphrase = passphrase != NULL && *passphrase != '\0' ? g_strdup (passphrase) : NULL;
  jn_media_engine_set_local_id (engine, JN_HOST_PEER_ID);
  return self;
}

gboolean
jn_host_listen (JnHost           *self,
                const char       *address,
                guint16           port,
                GTlsCertificate  *certificate,
                GError          **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) sockaddr = NULL;
  g_autoptr(GSocketAddress) bound = NULL;

  g_return_val_if_fail (JN_IS_HOST (self), FALSE);
  g_return_val_if_fail (self->server == NULL, FALSE);
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), FALSE);

  inet = address ? g_inet_address_new_from_string (address)
                 : g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an IP address to listen on"), address);
      return FALSE;
    }

  /* the host accepts and does TLS itself, then hands libsoup each
   * connection through jn-ws-limit-stream.c: so that it can bound what
   * is pending, time out the slow and survive running out of descriptors */
  sockaddr = g_inet_socket_address_new (inet, port);
  self->listener = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, error);
  if (self->listener == NULL)
    return FALSE;
  g_socket_set_blocking (self->listener, FALSE);
  /* deep enough that a burst of connections (which are then refused at
   * once) does not leave the next joiner waiting in the SYN queue */
  g_socket_set_listen_backlog (self->listener, 4096);
  if (!g_socket_bind (self->listener, sockaddr, TRUE, error) ||
      !g_socket_listen (self->listener, error) ||
      (bound = g_socket_get_local_address (self->listener, error)) == NULL)
    {
      g_prefix_error (error, _("Cannot host on port %u: "), port);
      g_clear_object (&self->listener);
      return FALSE;
    }
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  self->certificate = g_object_ref (certificate);
  self->fingerprint = jn_certificate_fingerprint (certificate);
  self->server = soup_server_new ("server-header", "JamNet/" PACKAGE_VERSION " ", NULL);
  soup_server_add_websocket_handler (self->server, JN_WEBSOCKET_PATH, NULL, NULL,
                                     on_websocket, self, NULL);
  watch_listener (self);
  return TRUE;
}

guint16
jn_host_get_port (JnHost *self)
{
  g_return_val_if_fail (JN_IS_HOST (self), 0);
  return self->port;
}

char *
jn_host_dup_local_url (JnHost *self)
{
  g_return_val_if_fail (JN_IS_HOST (self), NULL);
  return g_strdup_printf ("wss://127.0.0.1:%u" JN_WEBSOCKET_PATH "?fp=%s", self->port,
                          self->fingerprint);
}

const char *
jn_host_get_fingerprint (JnHost *self)
{
  g_return_val_if_fail (JN_IS_HOST (self), NULL);
  return self->fingerprint;
}

void
jn_host_get_stats (JnHost      *self,
                   JnHostStats *stats)
{
  g_return_if_fail (JN_IS_HOST (self));
  *stats = self->stats;
}

guint
jn_host_get_n_members (JnHost *self)
{
  guint n = 0;

  g_return_val_if_fail (JN_IS_HOST (self), 0);

  for (guint i = 0; i < self->members->len; i++)
    if (((Member *) g_ptr_array_index (self->members, i))->id != 0)
      n++;
  return n;
}

void
jn_host_set_transport (JnHost   *self,
                       double    tempo_bpm,
                       gboolean  playing)
{
  g_autoptr(JnControlMessage) transport = jn_control_message_new (JN_CONTROL_TRANSPORT);

  g_return_if_fail (JN_IS_HOST (self));
  g_return_if_fail (tempo_bpm >= 20.0 && tempo_bpm <= 400.0);

  self->tempo_bpm = tempo_bpm;
  self->playing = !!playing;
  transport->tempo_bpm = self->tempo_bpm;
  transport->playing = self->playing;
  transport->epoch_us = self->epoch_us;
  broadcast (self, transport, NULL);
}

gint64
jn_host_get_epoch (JnHost *self)
{
  g_return_val_if_fail (JN_IS_HOST (self), 0);
  return self->epoch_us;
}

double
jn_host_get_tempo (JnHost *self)
{
  g_return_val_if_fail (JN_IS_HOST (self), 0);
  return self->tempo_bpm;
}

void
jn_host_shutdown (JnHost *self)
{
  g_return_if_fail (JN_IS_HOST (self));

  /* the port refuses connections from now on: that is how a browser
   * tells the session's real bye from a forged one */
  stop_listening (self);
  g_hash_table_remove_all (self->pending);
  for (guint i = 0; i < self->members->len; i++)
    {
      Member *member = g_ptr_array_index (self->members, i);

      if (soup_websocket_connection_get_state (member->connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (member->connection, SOUP_WEBSOCKET_CLOSE_NORMAL,
                                         "session ended");
    }
}
