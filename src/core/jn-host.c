/* jn-host.c: WebSocket session host
 *
 * A joiner connects to wss://HOST:PORT/jamnet and sends hello.  The host
 * checks protocol version and passphrase, answers welcome + roster, tells
 * the others (peer-joined) and adds the joiner to its media engine.  When a
 * member's connection closes, the others hear peer-left.
 *
 * A room of a jamnet-server is the same without a player of its own: no
 * engine, no listener (the server hands it its connections), every
 * member a joiner.
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
#include "jn-control-listener.h"
#include "jn-forwarder.h"
#include "jn-host.h"
#include "jn-pake.h"
#include "jn-secure-transport.h"

#define HELLO_TIMEOUT_S   5
/* WebSocket pings this often; a member heard from (message or pong)
 * less recently than SILENCE_LIMIT_S is gone (its network was cut) */
#define KEEPALIVE_S       2
#define SILENCE_LIMIT_S   7
/* Online passphrase guessing: this many failures from one address within
 * GUESS_WINDOW_S, then that address is refused for GUESS_WINDOW_S. */
#define GUESS_LIMIT       5
#define GUESS_WINDOW_S    60
/* Addresses remembered for it; past this, those whose time is up go. */
#define GUESS_TABLE_MAX   4096
/* Hellos per address: a burst of HELLO_BURST (or as many as the members
 * an address may have, where a server allows more), then one per
 * HELLO_REFILL_S; and at most MEMBERS_PER_ADDRESS members from one address
 * at a time (a band behind one router stays within both; a server may
 * allow more: jn_host_set_members_per_address()). */
#define HELLO_BURST          16
#define HELLO_REFILL_S       4
#define MEMBERS_PER_ADDRESS  8
/* ice messages a member may have relayed: a burst of ICE_BURST, then
 * ICE_PER_S a second (a link's gathering takes a handful) */
#define ICE_BURST            64
#define ICE_PER_S            16
/* midi messages a member may have relayed (those of a link UDP cannot
 * carry): a burst of MIDI_BURST, then MIDI_PER_S a second, which a fast
 * player's notes and controllers stay within */
#define MIDI_BURST           256
#define MIDI_PER_S           256
/* chat: a few lines at once, one a second after that */
#define CHAT_BURST           5
#define CHAT_PER_S           1
/* echo requests (latency tests): two at once, then one in 10 s */
#define ECHO_BURST           2
#define ECHO_PER_S           0.1

typedef struct
{
  double tokens;
  gint64 refilled_us;
} Hellos;

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
  double                   ice_tokens;
  gint64                   ice_refilled_us;
  double                   midi_tokens;
  gint64                   midi_refilled_us;
  double                   chat_tokens;
  gint64                   chat_refilled_us;
  double                   echo_tokens;
  gint64                   echo_refilled_us;
  gint64                   heard_us;   /* its last message or pong */
} Member;

struct _JnHost
{
  GObject        parent_instance;

  JnMediaEngine *engine;      /* NULL in a server's room */
  JnControlListener *listener;   /* its own; NULL in a server's room */
  char          *session_name;
  char          *player_name;
  char          *passphrase;
  char          *fingerprint;  /* of the certificate it presents */
  char          *stun;         /* a room's STUN server for its members, "IP:PORT" */
  char          *turn;         /* a room's TURN server, "IP:PORT" */
  char          *turn_secret;  /* shared with it: members get credentials of their own */
  guint          turn_ttl_s;
  JnAudioFormat  format;       /* a room's; a host's is its engine's */
  JnForwarder   *forwarder;    /* a forward room's media (owned), or NULL */
  guint          members_per_address;
  guint          max_members;  /* joiners at most */
  guint32        next_id;
  GPtrArray     *members;     /* Member*, accepted or not */
  GHashTable    *guesses;     /* address -> Guesses */
  GHashTable    *hellos;      /* address -> Hellos */
  guint          liveness;    /* checks that members are still heard */
  JnHostStats    stats;
  double         tempo_bpm;
  gboolean       playing;
  gint64         epoch_us;     /* beat 0, on this host's monotonic clock */
};

G_DEFINE_FINAL_TYPE (JnHost, jn_host, G_TYPE_OBJECT)

enum { PEER_JOINED, PEER_LEFT, CHAT, ECHO_REQUESTED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
member_free (Member *member)
{
  g_clear_handle_id (&member->hello_timeout, g_source_remove);
  jn_control_drop_connection (&member->connection, member);
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
  /* a server's rooms are always sealed */
  gboolean sealed = self->engine == NULL || jn_media_engine_is_sealed (self->engine);
  gboolean host_aes = jn_cipher_aes_available ();
  JnLinkKey key;
  JnPeerInfo *info;

  member->id = self->next_id++;
  member->name = g_strdup (hello->name);
  member->udp_port = hello->udp_port;
  member->aes = hello->aes;
  member->ice_tokens = ICE_BURST;
  member->midi_tokens = MIDI_BURST;
  member->chat_tokens = CHAT_BURST;
  member->echo_tokens = ECHO_BURST;
  member->ice_refilled_us = member->midi_refilled_us = member->chat_refilled_us = member->echo_refilled_us =
    g_get_monotonic_time ();
  g_clear_handle_id (&member->hello_timeout, g_source_remove);

  /* one key per pair of players: nobody can forge or read what two others
   * send each other (docs/protocol.md, 3.5) */
  jn_link_key_generate (&key, host_aes && member->aes ? JN_CIPHER_AES256_GCM
                                                      : JN_CIPHER_XCHACHA20_POLY1305);
  if (self->engine != NULL &&
      !jn_media_engine_add_peer (self->engine, member->id, member->name, member->address,
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
  welcome->format = self->engine != NULL ? *jn_media_engine_get_format (self->engine) : self->format;
  welcome->sealed = sealed;
  /* a room's members are behind NATs of their own: ICE finds their links;
   * in a forward room they all reach the server instead */
  welcome->ice = self->engine == NULL && self->forwarder == NULL;
  if (self->forwarder != NULL)
    {
      welcome->hub = TRUE;
      welcome->hub_address = g_strdup (member->local_address);
      welcome->hub_port = jn_forwarder_get_port (self->forwarder);
      welcome->hub_mix = jn_forwarder_is_mix (self->forwarder);
      jn_link_key_generate (&welcome->hub_key, host_aes && member->aes ? JN_CIPHER_AES256_GCM
                                                                       : JN_CIPHER_XCHACHA20_POLY1305);
      jn_forwarder_add_member (self->forwarder, member->id, &welcome->hub_key);
    }
  welcome->stun = g_strdup (self->stun);
  if (welcome->ice && self->turn != NULL)
    {
      g_autofree char *label = g_strdup_printf ("jamnet-%u", member->id);

      welcome->turn = g_strdup (self->turn);
      jn_turn_credentials (self->turn_secret, self->turn_ttl_s, label, &welcome->turn_username,
                           &welcome->turn_password);
    }
  jn_control_message_send (welcome, member->connection);

  /* the host itself, at the address this joiner reached it on */
  if (self->engine != NULL)
    {
      info = jn_peer_info_new (JN_HOST_PEER_ID, self->player_name, member->local_address,
                               jn_media_engine_get_port (self->engine));
      jn_peer_info_set_key (info, sealed ? &key : NULL);
      g_ptr_array_add (roster->peers, info);
    }
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
      /* (a forward room's members share no links: each has one with the
       * server, in its welcome) */
      jn_peer_info_set_key (info, sealed && self->forwarder == NULL ? &key : NULL);
      g_ptr_array_add (roster->peers, info);

      joined = jn_control_message_new (JN_CONTROL_PEER_JOINED);
      info = member_info (member);
      jn_peer_info_set_key (info, sealed && self->forwarder == NULL ? &key : NULL);
      g_ptr_array_add (joined->peers, info);
      jn_control_message_send (joined, other->connection);
    }
  sodium_memzero (&key, sizeof key);
  g_ptr_array_add (roster->peers, member_info (member));
  jn_control_message_send (roster, member->connection);

  transport->tempo_bpm = self->tempo_bpm;
  transport->playing = self->playing;
  /* a room's clock is no member's: its members keep the beat among
   * themselves (jn-session.c, docs/protocol.md 2.3) */
  transport->epoch_us = self->engine != NULL ? self->epoch_us : 0;
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
  double burst = MAX (HELLO_BURST, self->members_per_address);

  if (added)
    {
      h->tokens = burst;
      h->refilled_us = now;
    }
  h->tokens = MIN (burst, h->tokens + (double) (now - h->refilled_us) /
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

  if (!jn_control_check_version (hello, member->connection))
    return;
  if (hello->create)
    {
      /* a server's lobby clears it when it made the room for this hello */
      g_autofree char *text =
        self->engine != NULL
          ? g_strdup (_("This is a player's own session, not a server: join it instead."))
          : g_strdup_printf (_("A room named “%s” is already open on this server: join it, or "
                               "pick another name."), self->session_name);

      jn_control_send_error_and_close (member->connection,
                                       self->engine != NULL ? JN_SESSION_ERROR_BAD_REQUEST
                                                            : JN_SESSION_ERROR_ROOM_EXISTS, text);
      return;
    }
  if (self->forwarder != NULL && jn_forwarder_is_mix (self->forwarder) && !hello->mixes)
    {
      jn_control_send_error_and_close (member->connection, JN_SESSION_ERROR_VERSION_MISMATCH,
                                       _("This room mixes everyone’s audio on its server, which "
                                         "this version of JamNet cannot play; update JamNet to "
                                         "join it."));
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
  if (n_here >= self->members_per_address)
    {
      g_autofree char *text =
        g_strdup_printf (_("Already %u players from your address are in this session."),
                         n_here);
      self->stats.refused_hellos++;
      jn_control_send_error_and_close (member->connection, JN_SESSION_ERROR_SESSION_FULL, text);
      return;
    }
  if (n_members >= self->max_members)
    {
      g_autofree char *text =
        self->engine != NULL ? g_strdup (_("The session is full."))
                             : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                             "The room is full (%u player).",
                                                             "The room is full (%u players).",
                                                             self->max_members), self->max_members);

      jn_control_send_error_and_close (member->connection, JN_SESSION_ERROR_SESSION_FULL, text);
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

static Member *
lookup_member (JnHost  *self,
               guint32  id)
{
  for (guint i = 0; i < self->members->len; i++)
    {
      Member *member = g_ptr_array_index (self->members, i);

      if (member->id == id)
        return member;
    }
  return NULL;
}

/* Takes one of a bucket's tokens (burst, then per_s a second). */
static gboolean
take_token (double *tokens,
            gint64 *refilled_us,
            double  burst,
            double  per_s)
{
  gint64 now = g_get_monotonic_time ();

  *tokens = MIN (burst, *tokens + (double) (now - *refilled_us) * per_s / G_USEC_PER_SEC);
  *refilled_us = now;
  if (*tokens < 1.0)
    return FALSE;
  *tokens -= 1.0;
  return TRUE;
}

/* One member's ICE credentials and candidates, or MIDI its link with
 * another cannot carry, to the member they are for, which learns who
 * sent them from the host, not from the sender. */
static void
relay (JnHost           *self,
       Member           *from,
       JnControlMessage *message)
{
  gboolean ice = message->type == JN_CONTROL_ICE;
  Member *to = message->peer_id != from->id ? lookup_member (self, message->peer_id) : NULL;
  gboolean allowed = ice ? take_token (&from->ice_tokens, &from->ice_refilled_us, ICE_BURST, ICE_PER_S)
                         : take_token (&from->midi_tokens, &from->midi_refilled_us, MIDI_BURST,
                                       MIDI_PER_S);

  if (to == NULL || !allowed)
    {
      if (ice)
        self->stats.ice_dropped++;
      else
        self->stats.midi_dropped++;
      g_debug ("dropped %s from peer %u to peer %u (%s)", jn_control_type_to_string (message->type),
               from->id, message->peer_id, to == NULL ? "not a member" : "over its rate");
      return;
    }
  message->peer_id = from->id;
  jn_control_message_send (message, to->connection);
  if (ice)
    self->stats.ice_relayed++;
  else
    self->stats.midi_relayed++;
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

  member->heard_us = g_get_monotonic_time ();
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

  if (message->type == JN_CONTROL_ICE || message->type == JN_CONTROL_MIDI)
    {
      relay (self, member, message);
      return;
    }
  if (message->type == JN_CONTROL_CHAT)
    {
      /* to everyone else, as said by its member: never in another's name */
      if (!take_token (&member->chat_tokens, &member->chat_refilled_us, CHAT_BURST, CHAT_PER_S))
        {
          self->stats.chat_dropped++;
          return;
        }
      message->peer_id = member->id;
      broadcast (self, message, member);
      self->stats.chat_relayed++;
      g_signal_emit (self, signals[CHAT], 0, member->id, message->text);
      return;
    }
  if (message->type == JN_CONTROL_ECHO)
    {
      Member *to = lookup_member (self, message->peer_id);

      /* for the host player, or relayed to the member it is for, which
       * learns who asks from the host */
      if (!take_token (&member->echo_tokens, &member->echo_refilled_us, ECHO_BURST, ECHO_PER_S) ||
          message->peer_id == member->id ||
          (to == NULL && (message->peer_id != JN_HOST_PEER_ID || self->engine == NULL)))
        {
          g_debug ("dropped an echo request from peer %u to peer %u", member->id, message->peer_id);
          return;
        }
      if (to == NULL)
        {
          g_signal_emit (self, signals[ECHO_REQUESTED], 0, member->id, message->seconds);
          return;
        }
      message->peer_id = member->id;
      jn_control_message_send (message, to->connection);
      return;
    }
  if (message->type == JN_CONTROL_MIX && self->forwarder != NULL)
    {
      /* for a member of the room, and not itself: else it changes nothing */
      if (!jn_forwarder_set_mix_gain (self->forwarder, member->id, message->peer_id,
                                      message->gain, message->mute, message->pan))
        g_debug ("peer %u's mix for peer %u changes nothing", member->id, message->peer_id);
      return;
    }
  g_debug ("ignoring %s from peer %u", jn_control_type_to_string (message->type), member->id);
}

/* member leaves: the others hear peer-left */
static void
remove_member (JnHost *self,
               Member *member)
{
  guint32 id = member->id;

  /* gone between challenge and confirm: its guess was wrong (a joiner
   * that finds the host's confirmation wrong leaves without a word) */
  if (member->hello != NULL)
    count_failed_guess (self, member->address);
  if (id != 0)
    {
      g_autoptr(JnControlMessage) left = jn_control_message_new (JN_CONTROL_PEER_LEFT);

      if (self->engine != NULL)
        jn_media_engine_remove_peer (self->engine, id);
      if (self->forwarder != NULL)
        jn_forwarder_remove_member (self->forwarder, id);
      left->peer_id = id;
      broadcast (self, left, member);
      g_debug ("%s left (peer %u)", member->name, id);
    }
  g_ptr_array_remove (self->members, member);
  if (id != 0)
    g_signal_emit (self, signals[PEER_LEFT], 0, id);
}

static void
on_closed (SoupWebsocketConnection *connection,
           gpointer                 user_data)
{
  Member *member = user_data;

  remove_member (member->host, member);
}

static void
on_pong (SoupWebsocketConnection *connection,
         GBytes                  *message,
         gpointer                 user_data)
{
  ((Member *) user_data)->heard_us = g_get_monotonic_time ();
}

/* A member whose network was cut answers nothing, and its TCP connection
 * would take minutes to say so: it leaves after SILENCE_LIMIT_S. */
static gboolean
on_liveness (gpointer user_data)
{
  JnHost *self = user_data;
  gint64 now = g_get_monotonic_time ();

  for (guint i = self->members->len; i-- > 0;)
    {
      Member *member = g_ptr_array_index (self->members, i);

      if (member->id != 0 && now - member->heard_us > SILENCE_LIMIT_S * G_USEC_PER_SEC)
        {
          g_debug ("%s (peer %u) not heard for %d s: gone", member->name, member->id,
                   SILENCE_LIMIT_S);
          self->stats.silent++;
          remove_member (self, member);
        }
    }
  return G_SOURCE_CONTINUE;
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

void
jn_host_take (JnHost                  *self,
              SoupWebsocketConnection *connection,
              const char              *address,
              const char              *local_address,
              JnControlMessage        *hello)
{
  Member *member;

  g_return_if_fail (JN_IS_HOST (self));
  g_return_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (connection));

  member = g_new0 (Member, 1);
  member->host = self;
  member->connection = g_object_ref (connection);
  member->address = g_strdup (address);
  member->local_address = g_strdup (local_address);
  soup_websocket_connection_set_keepalive_interval (connection, KEEPALIVE_S);
  g_signal_connect (connection, "message", G_CALLBACK (on_message), member);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), member);
  g_signal_connect (connection, "pong", G_CALLBACK (on_pong), member);
  member->heard_us = g_get_monotonic_time ();
  member->hello_timeout = g_timeout_add_seconds (HELLO_TIMEOUT_S, on_hello_timeout, member);
  g_ptr_array_add (self->members, member);
  if (hello != NULL)
    handle_hello (self, member, hello);
}

static void
on_websocket (SoupWebsocketConnection *connection,
              const char              *path,
              const char              *address,
              const char              *local_address,
              gpointer                 user_data)
{
  jn_host_take (user_data, connection, address, local_address, NULL);
}

static void
jn_host_dispose (GObject *object)
{
  JnHost *self = JN_HOST (object);

  g_clear_handle_id (&self->liveness, g_source_remove);
  if (self->listener != NULL)
    jn_control_listener_close (self->listener);
  g_clear_object (&self->listener);
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
  g_clear_object (&self->engine);
  g_clear_pointer (&self->forwarder, jn_forwarder_free);
  g_free (self->session_name);
  g_free (self->player_name);
  g_free (self->passphrase);
  g_free (self->fingerprint);
  g_free (self->stun);
  g_free (self->turn);
  if (self->turn_secret != NULL)
    sodium_memzero (self->turn_secret, strlen (self->turn_secret));
  g_free (self->turn_secret);

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
  /* a member said something to everyone: its id and the text */
  signals[CHAT] = g_signal_new ("chat", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  /* a member asks the host player to play it back: its id and for how many seconds */
  signals[ECHO_REQUESTED] = g_signal_new ("echo-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
jn_host_init (JnHost *self)
{
  self->members = g_ptr_array_new_with_free_func ((GDestroyNotify) member_free);
  self->guesses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->hellos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->next_id = JN_HOST_PEER_ID + 1;
  self->members_per_address = MEMBERS_PER_ADDRESS;
  self->tempo_bpm = 120.0;
  self->epoch_us = g_get_monotonic_time ();
  self->liveness = g_timeout_add_seconds (1, on_liveness, self);
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
  /* the host is one of the session's players */
  self->max_members = JN_SESSION_MAX_PEERS - 1;
  jn_media_engine_set_local_id (engine, JN_HOST_PEER_ID);
  return self;
}

void
jn_host_set_members_per_address (JnHost *self,
                                 guint   n)
{
  g_return_if_fail (JN_IS_HOST (self));
  g_return_if_fail (n >= 1);
  self->members_per_address = n;
}

void
jn_host_set_forwarder (JnHost      *self,
                       JnForwarder *forwarder)
{
  g_return_if_fail (JN_IS_HOST (self));
  g_return_if_fail (self->engine == NULL && self->members->len == 0);

  g_clear_pointer (&self->forwarder, jn_forwarder_free);
  self->forwarder = forwarder;
}

JnForwarder *
jn_host_get_forwarder (JnHost *self)
{
  g_return_val_if_fail (JN_IS_HOST (self), NULL);
  return self->forwarder;
}

JnHost *
jn_host_new_room (const char          *room_name,
                  const char          *passphrase,
                  guint                max_members,
                  const char          *fingerprint,
                  const JnAudioFormat *format)
{
  JnHost *self;

  g_return_val_if_fail (room_name != NULL, NULL);
  g_return_val_if_fail (max_members >= 1 && max_members < JN_ROOM_MAX_PLAYERS, NULL);
  g_return_val_if_fail (fingerprint != NULL, NULL);

  self = g_object_new (JN_TYPE_HOST, NULL);
  self->session_name = g_strdup (room_name);
  self->passphrase = passphrase != NULL && *passphrase != '\0' ? g_strdup (passphrase) : NULL;
  self->fingerprint = g_strdup (fingerprint);
  self->format = *format;
  self->max_members = max_members;
  return self;
}

gboolean
jn_host_listen (JnHost           *self,
                const char       *address,
                guint16           port,
                GTlsCertificate  *certificate,
                GError          **error)
{
  g_autoptr(JnControlListener) listener = NULL;

  g_return_val_if_fail (JN_IS_HOST (self), FALSE);
  g_return_val_if_fail (self->engine != NULL && self->listener == NULL, FALSE);
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), FALSE);

  listener = jn_control_listener_new (certificate);
  if (!jn_control_listener_listen (listener, address, port, error))
    return FALSE;
  jn_control_listener_add_websocket_handler (listener, JN_WEBSOCKET_PATH, on_websocket, self);
  self->fingerprint = g_strdup (jn_control_listener_get_fingerprint (listener));
  self->listener = g_steal_pointer (&listener);
  return TRUE;
}

guint16
jn_host_get_port (JnHost *self)
{
  g_return_val_if_fail (JN_IS_HOST (self), 0);
  return self->listener != NULL ? jn_control_listener_get_port (self->listener) : 0;
}

char *
jn_host_dup_local_url (JnHost *self)
{
  g_return_val_if_fail (JN_IS_HOST (self), NULL);
  return g_strdup_printf ("wss://127.0.0.1:%u" JN_WEBSOCKET_PATH "?fp=%s", jn_host_get_port (self),
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
  if (self->listener != NULL)
    {
      JnControlListenerStats accepting;

      jn_control_listener_get_stats (self->listener, &accepting);
      stats->refused_connections = accepting.refused_connections;
      stats->timed_out = accepting.timed_out;
      stats->tls_failures = accepting.tls_failures;
      stats->accept_failures = accepting.accept_failures;
    }
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

guint
jn_host_get_n_connections (JnHost *self)
{
  g_return_val_if_fail (JN_IS_HOST (self), 0);
  return self->members->len;
}

void
jn_host_set_stun (JnHost     *self,
                  const char *stun)
{
  g_return_if_fail (JN_IS_HOST (self));
  g_return_if_fail (stun == NULL || jn_ip_port_parse (stun, NULL, NULL));

  g_free (self->stun);
  self->stun = g_strdup (stun);
}

void
jn_host_set_turn (JnHost     *self,
                  const char *turn,
                  const char *secret,
                  guint       ttl_s)
{
  g_return_if_fail (JN_IS_HOST (self));
  g_return_if_fail (turn == NULL || (jn_ip_port_parse (turn, NULL, NULL) && secret != NULL));

  g_free (self->turn);
  g_free (self->turn_secret);
  self->turn = g_strdup (turn);
  self->turn_secret = g_strdup (secret);
  self->turn_ttl_s = ttl_s;
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
  /* a room's clock is no member's: its members keep the beat among
   * themselves (jn-session.c, docs/protocol.md 2.3) */
  transport->epoch_us = self->engine != NULL ? self->epoch_us : 0;
  broadcast (self, transport, NULL);
}

gboolean
jn_host_send_chat (JnHost     *self,
                   const char *text)
{
  g_autoptr(JnControlMessage) chat = jn_control_message_new (JN_CONTROL_CHAT);

  g_return_val_if_fail (JN_IS_HOST (self), FALSE);

  if (!jn_chat_text_is_valid (text))
    return FALSE;
  chat->peer_id = JN_HOST_PEER_ID;
  chat->text = g_strdup (text);
  broadcast (self, chat, NULL);
  return TRUE;
}

gboolean
jn_host_request_echo (JnHost *self,
                      guint32 to,
                      guint   seconds)
{
  g_autoptr(JnControlMessage) echo = jn_control_message_new (JN_CONTROL_ECHO);
  Member *member;

  g_return_val_if_fail (JN_IS_HOST (self), FALSE);
  g_return_val_if_fail (seconds <= JN_ECHO_MAX_S, FALSE);

  member = lookup_member (self, to);
  if (member == NULL)
    return FALSE;
  echo->peer_id = JN_HOST_PEER_ID;
  echo->seconds = seconds;
  jn_control_message_send (echo, member->connection);
  return TRUE;
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
  if (self->listener != NULL)
    jn_control_listener_close (self->listener);
  for (guint i = 0; i < self->members->len; i++)
    {
      Member *member = g_ptr_array_index (self->members, i);

      if (soup_websocket_connection_get_state (member->connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (member->connection, SOUP_WEBSOCKET_CLOSE_NORMAL,
                                         "session ended");
    }
}
