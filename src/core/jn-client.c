/* jn-client.c: WebSocket session client
 *
 * The control plane is TLS.  The host's certificate is self-signed, so what
 * counts is its fingerprint: the one a link (?fp=) or the LAN beacon names
 * is pinned; without one the first contact is remembered and a later
 * change refused (jn-known-hosts.c), unless the user accepts it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-client"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "jn-client.h"
#include "jn-control.h"
#include "jn-ice-transport.h"
#include "jn-identity.h"
#include "jn-known-hosts.h"
#include "jn-pake.h"
#include "jn-room-mix.h"
#include "jn-server.h"

#define JOIN_TIMEOUT_S 5
/* pings to the host this often; a host not heard from (message or pong)
 * for SILENCE_LIMIT_S is gone (our network or its was cut) */
#define KEEPALIVE_S     2
#define SILENCE_LIMIT_S 7
/* ice messages kept for a link whose ICE session has not begun */
#define ICE_PENDING_MAX 64

/* What the ICE transport says, from whichever thread it says it, handed
 * to the client's own context; the client may be gone by then. */
typedef struct
{
  GWeakRef      client;
  GMainContext *context;
} IceRelay;

/* A link with one peer, in a session whose links ICE finds. */
typedef struct
{
  guint32    id;
  gboolean   started;     /* our ICE session with the peer has begun */
  GPtrArray *pending;     /* JnControlMessage*, the peer's, until then */
} IceLink;

struct _JnClient
{
  GObject                  parent_instance;

  JnMediaEngine           *engine;
  char                    *name;
  char                    *passphrase;
  gboolean                 create_room;
  gboolean                 room_listed;
  SoupSession             *session;
  SoupWebsocketConnection *connection;
  GTask                   *join_task;    /* pending join */
  guint                    join_timeout;
  char                    *host_port;    /* "HOST:PORT", as known-hosts names it */
  gboolean                 hub;          /* a forward room: media through its server */
  char                    *pinned;       /* fingerprint the URL names */
  char                    *known;        /* fingerprint seen the last time */
  char                    *seen;         /* fingerprint the host presented */
  gboolean                 trust_new;    /* a changed certificate is accepted */
  GError                  *certificate_error;
  JnPake                   pake;         /* with a passphrase, until welcome */
  gboolean                 challenged;
  gboolean                 welcomed;
  gboolean                 joined;
  char                    *session_name;
  double                   tempo_bpm;
  gboolean                 playing;
  gint64                   epoch_us;     /* host clock, 0 unknown */
  JnIceTransport          *ice;          /* the engine's, when ICE finds its links */
  IceRelay                *ice_relay;
  GHashTable              *ice_links;    /* id -> IceLink* */
  gboolean                 media_started;
  gint64                   heard_us;     /* the host's last message or pong */
  guint                    liveness;
  char                    *stun;         /* the player's own, "IP:PORT" */
  char                    *turn;
  char                    *turn_username;
  char                    *turn_password;
};

G_DEFINE_FINAL_TYPE (JnClient, jn_client, G_TYPE_OBJECT)

enum { PEER_JOINED, PEER_LEFT, TRANSPORT, CLOSED, LINK_CHANGED, CHAT, ECHO_REQUESTED, N_SIGNALS };
static guint signals[N_SIGNALS];

char *
jn_session_url_normalize (const char  *text,
                          GError     **error)
{
  g_autofree char *with_scheme = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *room_path = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *scheme, *host, *path;
  gboolean v6;
  int port;

  if (text == NULL || *text == '\0')
    {
      g_set_error_literal (error, JN_SESSION_ERROR, JN_SESSION_ERROR_BAD_URL,
                           _("No session address given"));
      return NULL;
    }

  with_scheme = strstr (text, "://") ? g_strdup (text) : g_strconcat ("jamnet://", text, NULL);
  uri = g_uri_parse (with_scheme, G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_ENCODED_PATH, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      !(g_str_equal (scheme, "jamnet") || g_str_equal (scheme, "ws") || g_str_equal (scheme, "wss")))
    {
      g_set_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_BAD_URL,
                   _("“%s” is not a session address (try host:port or jamnet://host:port)"),
                   text);
      return NULL;
    }

  if (g_uri_get_query (uri) != NULL)
    {
      g_autoptr(GHashTable) params = g_uri_parse_params (g_uri_get_query (uri), -1, "&",
                                                         G_URI_PARAMS_NONE, NULL);

      fingerprint = params ? g_strdup (g_hash_table_lookup (params, "fp")) : NULL;
      if (fingerprint != NULL && !jn_fingerprint_is_valid (fingerprint))
        {
          g_set_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_BAD_URL,
                       _("The certificate fingerprint in “%s” is cut or mistyped (it has %d "
                         "letters and digits)"), text, JN_FINGERPRINT_CHARS);
          return NULL;
        }
    }

  /* the control plane is always TLS: ws:// means wss:// */
  port = g_uri_get_port (uri);
  host = g_uri_get_host (uri);
  v6 = strchr (host, ':') != NULL;
  path = g_uri_get_path (uri);
  if (g_str_equal (scheme, "jamnet"))
    {
      /* jamnet://HOST/ROOM is a server's room, escaped one way only */
      g_autofree char *room = NULL;
      g_autofree char *escaped = NULL;

      path += strspn (path, "/");
      room = *path != '\0' ? g_uri_unescape_string (path, "/") : NULL;
      if (*path != '\0' && !jn_room_name_is_valid (room))
        {
          g_set_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_BAD_URL,
                       _("“%s” does not name a room (a room's name has no “/” and at most %d "
                         "characters)"), text, JN_NAME_MAX_CHARS);
          return NULL;
        }
      escaped = room != NULL ? g_uri_escape_string (room, NULL, FALSE) : NULL;
      room_path = escaped != NULL ? g_strconcat (JN_ROOMS_PATH "/", escaped, NULL)
                                  : g_strdup (JN_WEBSOCKET_PATH);
      path = room_path;
    }
  else if (*path == '\0')
    path = JN_WEBSOCKET_PATH;
  return g_strdup_printf ("wss://%s%s%s:%d%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "",
                          port > 0 ? port : JN_DEFAULT_PORT, path,
                          fingerprint ? "?fp=" : "", fingerprint ? fingerprint : "");
}

GUri *
jn_session_url_parse (const char  *text,
                      char       **host_port,
                      char       **fingerprint,
                      GError     **error)
{
  g_autofree char *ws_url = jn_session_url_normalize (text, error);
  /* the path stays escaped (a room's name may hold spaces) */
  GUri *uri = ws_url != NULL ? g_uri_parse (ws_url, G_URI_FLAGS_ENCODED_QUERY |
                                                    G_URI_FLAGS_ENCODED_PATH, error)
                             : NULL;
  const char *query;

  if (uri == NULL)
    return NULL;
  *host_port = g_strdup_printf (strchr (g_uri_get_host (uri), ':') ? "[%s]:%d" : "%s:%d",
                                g_uri_get_host (uri), g_uri_get_port (uri));
  query = g_uri_get_query (uri);
  *fingerprint = query != NULL && g_str_has_prefix (query, "fp=") ? g_strdup (query + 3) : NULL;
  return uri;
}

/* --- ICE signalling (docs/protocol.md, 2.4) ----------------------------------- */

static void
ice_link_free (IceLink *link)
{
  g_ptr_array_unref (link->pending);
  g_free (link);
}

static void
ice_relay_clear (IceRelay *relay)
{
  g_weak_ref_clear (&relay->client);
  g_main_context_unref (relay->context);
}

/* the control connection is there and open */
static gboolean
connection_open (JnClient *self)
{
  return self->connection != NULL &&
         soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN;
}

/* an ice, midi or mix message, to the room */
gboolean
jn_client_send_chat (JnClient   *self,
                     const char *text)
{
  g_autoptr(JnControlMessage) chat = jn_control_message_new (JN_CONTROL_CHAT);

  g_return_val_if_fail (JN_IS_CLIENT (self), FALSE);

  if (!self->joined || !jn_chat_text_is_valid (text) || !connection_open (self))
    return FALSE;
  chat->text = g_strdup (text);
  jn_control_message_send (chat, self->connection);
  return TRUE;
}

gboolean
jn_client_request_echo (JnClient *self,
                        guint32   to,
                        guint     seconds)
{
  g_autoptr(JnControlMessage) echo = jn_control_message_new (JN_CONTROL_ECHO);

  g_return_val_if_fail (JN_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (seconds <= JN_ECHO_MAX_S, FALSE);

  if (!self->joined || to == 0 || !connection_open (self))
    return FALSE;
  echo->peer_id = to;
  echo->seconds = seconds;
  jn_control_message_send (echo, self->connection);
  return TRUE;
}

static void
send_ice (JnClient         *self,
          JnControlMessage *message)
{
  if (connection_open (self))
    jn_control_message_send (message, self->connection);
}

/* The peer's ice message, to our ICE session with it. */
static void
apply_ice (JnClient         *self,
           JnControlMessage *message)
{
  g_autoptr(GError) error = NULL;

  if (message->ice_ufrag != NULL &&
      !jn_ice_transport_set_remote_credentials (self->ice, message->peer_id, message->ice_ufrag,
                                                message->ice_pwd, &error))
    {
      g_debug ("ignoring ICE credentials: %s", error->message);
      g_clear_error (&error);
    }
  for (guint i = 0; i < message->candidates->len; i++)
    if (!jn_ice_transport_add_remote_candidate (self->ice, message->peer_id,
                                                g_ptr_array_index (message->candidates, i),
                                                &error))
      {
        g_debug ("ignoring an ICE candidate: %s", error->message);
        g_clear_error (&error);
      }
  if (message->ice_done)
    jn_ice_transport_remote_gathering_done (self->ice, message->peer_id);
}

/* The STUN and TURN servers the room names, unless the player named
 * their own (jn_client_set_ice_servers()), which win. */
static void
use_ice_servers (JnClient         *self,
                 JnControlMessage *welcome)
{
  g_autofree char *ip = NULL;
  guint16 port;

  if (jn_ip_port_parse (self->stun != NULL ? self->stun : welcome->stun, &ip, &port))
    jn_ice_transport_set_stun (self->ice, ip, port);
  g_clear_pointer (&ip, g_free);
  if (self->turn != NULL && jn_ip_port_parse (self->turn, &ip, &port))
    jn_ice_transport_set_turn (self->ice, ip, port, self->turn_username, self->turn_password);
  else if (welcome->turn != NULL && jn_ip_port_parse (welcome->turn, &ip, &port))
    jn_ice_transport_set_turn (self->ice, ip, port, welcome->turn_username, welcome->turn_password);
}

/* Our ICE session with link's peer begins: the older member (the lower
 * id) controls; both sides gather at once and trickle what they find. */
static void
start_link (JnClient *self,
            IceLink  *link)
{
  g_autoptr(JnControlMessage) credentials = jn_control_message_new (JN_CONTROL_ICE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = NULL;

  link->started = TRUE;
  if (!jn_ice_transport_add_peer (self->ice, link->id,
                                  jn_media_engine_get_local_id (self->engine) < link->id,
                                  &credentials->ice_ufrag, &credentials->ice_pwd, &error))
    {
      g_warning ("Cannot find a path to peer %u: %s", link->id, error->message);
      g_signal_emit (self, signals[LINK_CHANGED], 0, link->id);
      return;
    }
  credentials->peer_id = link->id;
  send_ice (self, credentials);
  pending = g_steal_pointer (&link->pending);
  link->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) jn_control_message_free);
  for (guint i = 0; i < pending->len; i++)
    apply_ice (self, g_ptr_array_index (pending, i));
}

static void
add_link (JnClient *self,
          guint32   id)
{
  IceLink *link;

  if (self->ice == NULL || g_hash_table_contains (self->ice_links, GUINT_TO_POINTER (id)))
    return;
  link = g_new0 (IceLink, 1);
  link->id = id;
  link->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) jn_control_message_free);
  g_hash_table_insert (self->ice_links, GUINT_TO_POINTER (id), link);
  if (self->media_started)
    start_link (self, link);
}

/* An ice message relayed from a member: the room names who sent it. */
static void
handle_ice (JnClient         *self,
            JnControlMessage *message)
{
  IceLink *link = self->ice != NULL ? g_hash_table_lookup (self->ice_links,
                                                           GUINT_TO_POINTER (message->peer_id))
                                    : NULL;

  if (link == NULL)
    {
      g_debug ("ignoring ice from peer %u, with whom there is no link", message->peer_id);
      return;
    }
  if (link->started)
    apply_ice (self, message);
  else if (link->pending->len < ICE_PENDING_MAX)
    {
      JnControlMessage *copy = jn_control_message_new (JN_CONTROL_ICE);

      copy->peer_id = message->peer_id;
      copy->ice_ufrag = g_strdup (message->ice_ufrag);
      copy->ice_pwd = g_strdup (message->ice_pwd);
      copy->ice_done = message->ice_done;
      for (guint i = 0; i < message->candidates->len; i++)
        g_ptr_array_add (copy->candidates, g_strdup (g_ptr_array_index (message->candidates, i)));
      g_ptr_array_add (link->pending, copy);
    }
}

typedef struct
{
  IceRelay *relay;
  guint32   id;
  char     *candidate;   /* NULL: gathering done, or a state change */
  gboolean  done;
} IceEvent;

static void
ice_event_free (IceEvent *event)
{
  g_atomic_rc_box_release_full (event->relay, (GDestroyNotify) ice_relay_clear);
  g_free (event->candidate);
  g_free (event);
}

static gboolean
deliver_ice_event (gpointer user_data)
{
  IceEvent *event = user_data;
  g_autoptr(JnClient) self = g_weak_ref_get (&event->relay->client);
  g_autoptr(JnControlMessage) message = NULL;

  if (self == NULL || self->ice_links == NULL ||
      !g_hash_table_contains (self->ice_links, GUINT_TO_POINTER (event->id)))
    return G_SOURCE_REMOVE;
  if (event->candidate == NULL && !event->done)
    {
      g_signal_emit (self, signals[LINK_CHANGED], 0, event->id);
      return G_SOURCE_REMOVE;
    }
  message = jn_control_message_new (JN_CONTROL_ICE);
  message->peer_id = event->id;
  message->ice_done = event->done;
  if (event->candidate != NULL)
    g_ptr_array_add (message->candidates, g_steal_pointer (&event->candidate));
  send_ice (self, message);
  return G_SOURCE_REMOVE;
}

/* From the ICE transport's thread or ours: always queued, so that what
 * gathering finds goes out after the credentials, in order. */
static void
queue_ice_event (IceRelay   *relay,
                 guint32     id,
                 const char *candidate,
                 gboolean    done)
{
  IceEvent *event = g_new0 (IceEvent, 1);
  g_autoptr(GSource) source = g_idle_source_new ();

  event->relay = g_atomic_rc_box_acquire (relay);
  event->id = id;
  event->candidate = g_strdup (candidate);
  event->done = done;
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, deliver_ice_event, event, (GDestroyNotify) ice_event_free);
  g_source_attach (source, relay->context);
}

static void
on_local_candidate (JnIceTransport *ice,
                    guint           id,
                    const char     *candidate,
                    IceRelay       *relay)
{
  if (strlen (candidate) <= JN_ICE_CANDIDATE_MAX_CHARS)
    queue_ice_event (relay, id, candidate, FALSE);
}

static void
on_gathering_done (JnIceTransport *ice,
                   guint           id,
                   IceRelay       *relay)
{
  queue_ice_event (relay, id, NULL, TRUE);
}

static void
on_ice_state (JnIceTransport *ice,
              guint           id,
              int             state,
              IceRelay       *relay)
{
  queue_ice_event (relay, id, NULL, FALSE);
}

guint
jn_client_send_midi (JnClient          *self,
                     const JnMidiEvent *event)
{
  GHashTableIter iter;
  gpointer link;
  guint sent = 0;

  g_return_val_if_fail (JN_IS_CLIENT (self), 0);

  if (self->ice == NULL || !self->joined)
    return 0;
  g_hash_table_iter_init (&iter, self->ice_links);
  while (g_hash_table_iter_next (&iter, NULL, &link))
    {
      guint32 id = ((IceLink *) link)->id;
      JnIceState state = ((IceLink *) link)->started ? jn_ice_transport_get_state (self->ice, id)
                                                      : JN_ICE_GATHERING;
      g_autoptr(JnControlMessage) message = NULL;

      /* while ICE still looks too: what comes both ways is played once */
      if (state == JN_ICE_CONNECTED || state == JN_ICE_READY)
        continue;
      message = jn_control_message_new (JN_CONTROL_MIDI);
      message->peer_id = id;
      g_array_append_val (message->midi_events, *event);
      send_ice (self, message);
      sent++;
    }
  return sent;
}

gboolean
jn_client_send_mix (JnClient *self,
                    guint32   peer_id,
                    double    gain,
                    gboolean  mute,
                    double    pan)
{
  g_autoptr(JnControlMessage) message = NULL;

  g_return_val_if_fail (JN_IS_CLIENT (self), FALSE);

  if (!self->joined || !jn_media_engine_has_mix (self->engine) || peer_id == JN_HUB_PEER_ID)
    return FALSE;
  message = jn_control_message_new (JN_CONTROL_MIX);
  message->peer_id = peer_id;
  message->gain = CLAMP (gain, 0.0, JN_MIX_GAIN_MAX);
  message->mute = mute;
  message->pan = CLAMP (pan, -1.0, 1.0);
  send_ice (self, message);
  return TRUE;
}

void
jn_client_media_started (JnClient *self)
{
  GHashTableIter iter;
  gpointer link;

  g_return_if_fail (JN_IS_CLIENT (self));

  if (self->media_started)
    return;
  self->media_started = TRUE;
  if (self->ice == NULL)
    return;
  g_hash_table_iter_init (&iter, self->ice_links);
  while (g_hash_table_iter_next (&iter, NULL, &link))
    if (!((IceLink *) link)->started)
      start_link (self, link);
}

gboolean
jn_client_get_link (JnClient   *self,
                    guint32     peer_id,
                    JnLinkInfo *info)
{
  IceLink *link;
  JnIcePair pair;

  g_return_val_if_fail (JN_IS_CLIENT (self), FALSE);

  memset (info, 0, sizeof *info);
  link = self->ice != NULL ? g_hash_table_lookup (self->ice_links, GUINT_TO_POINTER (peer_id))
                           : NULL;
  if (link == NULL)
    return FALSE;
  info->state = link->started ? jn_ice_transport_get_state (self->ice, peer_id) : JN_ICE_GATHERING;
  if (jn_ice_transport_get_pair (self->ice, peer_id, &pair))
    {
      info->has_pair = TRUE;
      info->pair = pair;
    }
  return TRUE;
}

gboolean
jn_session_url_is_room (const char *text)
{
  g_autofree char *host_port = NULL;
  g_autofree char *fingerprint = NULL;
  g_autoptr(GUri) uri = jn_session_url_parse (text, &host_port, &fingerprint, NULL);

  return uri != NULL && g_str_has_prefix (g_uri_get_path (uri), JN_ROOMS_PATH "/");
}

static void
fail_join (JnClient *self,
           GError   *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->join_task);

  g_clear_handle_id (&self->join_timeout, g_source_remove);
  if (task != NULL)
    g_task_return_error (task, error);
  else
    g_error_free (error);
}

static void close_connection (JnClient *self);

/* A forward room: every member is reached through the server, at the
 * address we reached it on (where the URL names one), else at the one it
 * gives. */
static gboolean
use_hub (JnClient         *self,
         JnControlMessage *welcome)
{
  g_autofree char *ip = NULL;
  g_autoptr(GError) error = NULL;

  if (!jn_ip_port_parse (self->host_port, &ip, NULL))
    ip = g_strdup (welcome->hub_address);
  jn_media_engine_set_local_id (self->engine, welcome->peer_id);
  if (!jn_media_engine_set_hub (self->engine, ip, welcome->hub_port, &welcome->hub_key, &error) ||
      (welcome->hub_mix && !jn_media_engine_set_mix (self->engine, _("Room mix"), &error)))
    {
      fail_join (self, g_error_new (JN_SESSION_ERROR, JN_SESSION_ERROR_BAD_REQUEST,
                                    _("Cannot reach the room’s server for its media: %s"),
                                    error->message));
      close_connection (self);
      return FALSE;
    }
  self->hub = TRUE;
  return TRUE;
}

static void
add_peer (JnClient   *self,
          JnPeerInfo *info)
{
  g_autoptr(GError) error = NULL;

  if (info->id == jn_media_engine_get_local_id (self->engine))
    return;
  if (!jn_media_engine_add_peer (self->engine, info->id, info->name, info->address,
                                 info->udp_port, info->has_key ? &info->key : NULL, &error))
    {
      g_warning ("Cannot reach %s: %s", info->name, error->message);
      return;
    }
  if (!self->hub)
    add_link (self, info->id);
  g_signal_emit (self, signals[PEER_JOINED], 0, info->id, info->name);
}

/* fail_join() may have closed it already, through the caller's callback */
static void
close_connection (JnClient *self)
{
  if (connection_open (self))
    soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

/* The host's SPAKE2 share and its proof that it knows the passphrase;
 * ours goes back only if its proof holds. */
static void
handle_challenge (JnClient         *self,
                  JnControlMessage *challenge)
{
  g_autoptr(JnControlMessage) confirm = jn_control_message_new (JN_CONTROL_CONFIRM);
  guint8 host_confirm[JN_PAKE_CONFIRM_SIZE];
  gboolean ok;

  if (self->passphrase == NULL || self->challenged || self->welcomed || self->seen == NULL)
    return;
  self->challenged = TRUE;
  ok = jn_pake_finish (&self->pake, challenge->pake, self->seen, host_confirm, confirm->confirm) &&
       jn_pake_confirm_equal (host_confirm, challenge->confirm);
  jn_pake_clear (&self->pake);
  if (!ok)
    {
      fail_join (self, g_error_new_literal (JN_SESSION_ERROR, JN_SESSION_ERROR_WRONG_PASSPHRASE,
                                            _("The session passphrase is wrong.")));
      close_connection (self);
      return;
    }
  jn_control_message_send (confirm, self->connection);
}

static void
handle_message (JnClient         *self,
                JnControlMessage *message)
{
  switch (message->type)
    {
    case JN_CONTROL_CHALLENGE:
      handle_challenge (self, message);
      break;

    case JN_CONTROL_WELCOME:
      if (self->welcomed)
        break;
      if (self->passphrase != NULL && !self->challenged)
        {
          /* a host that lets us in without checking what we know is not
           * the protected session we were asked to join */
          fail_join (self, g_error_new_literal (JN_SESSION_ERROR, JN_SESSION_ERROR_WRONG_PASSPHRASE,
                                                _("This session has no passphrase, so it is not "
                                                  "the protected session you meant; join it "
                                                  "without one if it is")));
          close_connection (self);
          return;
        }
      if (message->version != JN_PROTOCOL_VERSION)
        {
          fail_join (self, g_error_new (JN_SESSION_ERROR, JN_SESSION_ERROR_VERSION_MISMATCH,
                                        _("The session speaks protocol version %u, this "
                                          "JamNet speaks version %d"),
                                        message->version, JN_PROTOCOL_VERSION));
          return;
        }
      if (message->sealed != jn_media_engine_is_sealed (self->engine))
        {
          fail_join (self, g_error_new_literal (JN_SESSION_ERROR, JN_SESSION_ERROR_INSECURE,
                                                message->sealed
                                                ? _("The session encrypts its audio and this "
                                                    "JamNet was started with --insecure; "
                                                    "join without it")
                                                : _("The session sends its audio unencrypted "
                                                    "(its host runs with --insecure), so JamNet "
                                                    "will not join it")));
          close_connection (self);
          return;
        }
      if ((message->ice || message->hub) != (self->ice != NULL))
        {
          fail_join (self, g_error_new_literal (JN_SESSION_ERROR, JN_SESSION_ERROR_BAD_URL,
                                                message->ice || message->hub
                                                ? _("This is a room on a JamNet server; join it "
                                                    "by its room address (jamnet://SERVER/ROOM)")
                                                : _("This is a player’s own session, not a room "
                                                    "on a server; join it by its address "
                                                    "without a room name")));
          close_connection (self);
          return;
        }
      /* the format first: a mix room's mix is played in it */
      jn_media_engine_set_local_id (self->engine, message->peer_id);
      jn_media_engine_set_format (self->engine, &message->format);
      if (message->hub && !use_hub (self, message))
        return;
      if (self->ice != NULL && message->ice)
        use_ice_servers (self, message);
      self->welcomed = TRUE;
      g_free (self->session_name);
      self->session_name = g_strdup (message->name);
      break;

    case JN_CONTROL_ROSTER:
      if (!self->welcomed || self->joined)
        break;
      for (guint i = 0; i < message->peers->len; i++)
        add_peer (self, g_ptr_array_index (message->peers, i));
      self->joined = TRUE;
      /* a mix room's mix is heard as one more player */
      if (jn_media_engine_has_mix (self->engine))
        g_signal_emit (self, signals[PEER_JOINED], 0, (guint) JN_HUB_PEER_ID, _("Room mix"));
      g_clear_handle_id (&self->join_timeout, g_source_remove);
      if (self->join_task != NULL)
        {
          g_autoptr(GTask) task = g_steal_pointer (&self->join_task);

          g_task_return_boolean (task, TRUE);
        }
      break;

    case JN_CONTROL_PEER_JOINED:
      if (self->joined)
        add_peer (self, g_ptr_array_index (message->peers, 0));
      break;

    case JN_CONTROL_PEER_LEFT:
      if (self->ice != NULL)
        g_hash_table_remove (self->ice_links, GUINT_TO_POINTER (message->peer_id));
      jn_media_engine_remove_peer (self->engine, message->peer_id);
      g_signal_emit (self, signals[PEER_LEFT], 0, message->peer_id);
      break;

    case JN_CONTROL_TRANSPORT:
      self->tempo_bpm = message->tempo_bpm;
      self->playing = message->playing;
      if (message->epoch_us > 0)
        self->epoch_us = message->epoch_us;
      g_signal_emit (self, signals[TRANSPORT], 0, self->tempo_bpm, self->playing);
      break;

    case JN_CONTROL_ERROR:
      {
        GError *error = g_error_new_literal (JN_SESSION_ERROR,
                                             jn_session_error_code_from_string (message->error_code),
                                             message->message);
        if (self->join_task != NULL)
          fail_join (self, error);
        else
          {
            g_warning ("The host reports: %s", error->message);
            g_error_free (error);
          }
      }
      break;

    case JN_CONTROL_ICE:
      if (self->joined)
        handle_ice (self, message);
      break;

    case JN_CONTROL_MIDI:
      /* a peer UDP does not join us to: the room says who sent it */
      if (self->joined && self->ice != NULL &&
          g_hash_table_contains (self->ice_links, GUINT_TO_POINTER (message->peer_id)))
        for (guint i = 0; i < message->midi_events->len; i++)
          jn_media_engine_deliver_midi (self->engine, message->peer_id,
                                        &g_array_index (message->midi_events, JnMidiEvent, i));
      break;

    case JN_CONTROL_CHAT:
      /* the host says who said it: someone in the session (the host is 1) */
      if (self->joined && message->peer_id != 0)
        g_signal_emit (self, signals[CHAT], 0, message->peer_id, message->text);
      break;

    case JN_CONTROL_ECHO:
      /* the host says who asks */
      if (self->joined)
        g_signal_emit (self, signals[ECHO_REQUESTED], 0, message->peer_id, message->seconds);
      break;

    case JN_CONTROL_HELLO:
    default:
      g_debug ("ignoring %s from the host", jn_control_type_to_string (message->type));
      break;
    }
}

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *bytes,
            gpointer                 user_data)
{
  JnClient *self = user_data;
  g_autoptr(JnControlMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  self->heard_us = g_get_monotonic_time ();
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;
  message = jn_control_message_parse (data, (gssize) size, &error);
  if (message == NULL)
    {
      g_warning ("Ignoring a malformed message from the host: %s", error->message);
      return;
    }
  handle_message (self, message);
}

static void
on_closed (SoupWebsocketConnection *connection,
           gpointer                 user_data)
{
  g_autoptr(JnClient) self = g_object_ref (user_data);
  gushort code = soup_websocket_connection_get_close_code (connection);
  g_autoptr(GError) error = NULL;

  /* a host that ends the session says so with a close frame; a connection
   * that just stops (the host was killed, the network failed) has none */
  if (code == SOUP_WEBSOCKET_CLOSE_NORMAL || code == SOUP_WEBSOCKET_CLOSE_GOING_AWAY)
    error = g_error_new_literal (JN_SESSION_ERROR, JN_SESSION_ERROR_CLOSED,
                                 _("The host ended the session"));
  else
    error = g_error_new_literal (JN_SESSION_ERROR, JN_SESSION_ERROR_LOST,
                                 _("The connection to the host broke: it quit without ending "
                                   "the session, or the network failed"));

  if (self->join_task != NULL)
    {
      fail_join (self, g_error_new_literal (JN_SESSION_ERROR, JN_SESSION_ERROR_CLOSED,
                                            _("The host closed the connection before "
                                              "letting us in")));
      return;
    }
  if (self->joined)
    g_signal_emit (self, signals[CLOSED], 0, error);
  self->joined = FALSE;
}

static void
on_pong (SoupWebsocketConnection *connection,
         GBytes                  *message,
         gpointer                 user_data)
{
  ((JnClient *) user_data)->heard_us = g_get_monotonic_time ();
}

/* A host (or a path to it) that went silent: the session is over for us
 * now, not when TCP gives up minutes later. */
static gboolean
on_liveness (gpointer user_data)
{
  g_autoptr(JnClient) self = g_object_ref (user_data);
  g_autoptr(GError) error = NULL;

  if (!self->joined || g_get_monotonic_time () - self->heard_us <= SILENCE_LIMIT_S * G_USEC_PER_SEC)
    return G_SOURCE_CONTINUE;
  self->liveness = 0;
  self->joined = FALSE;
  error = g_error_new (JN_SESSION_ERROR, JN_SESSION_ERROR_LOST,
                       _("Lost contact with the session: nothing heard from it for %d seconds"),
                       SILENCE_LIMIT_S);
  jn_control_drop_connection (&self->connection, self);
  g_signal_emit (self, signals[CLOSED], 0, error);
  return G_SOURCE_REMOVE;
}

static gboolean
on_join_timeout (gpointer user_data)
{
  JnClient *self = user_data;

  self->join_timeout = 0;
  fail_join (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                        _("The session did not answer")));
  if (self->connection != NULL)
    soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  return G_SOURCE_REMOVE;
}

/* --- the host's certificate ---------------------------------------------- */

static gboolean
on_accept_certificate (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  JnClient *self = user_data;
  g_autofree char *fingerprint = jn_certificate_fingerprint (certificate);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) from = g_tls_certificate_get_not_valid_before (certificate);
  g_autoptr(GDateTime) until = g_tls_certificate_get_not_valid_after (certificate);

  /* self-signed: an unknown CA and a name that is no host name are what
   * such a certificate is; its dates and its fingerprint are what count */
  g_clear_error (&self->certificate_error);
  if ((errors & (G_TLS_CERTIFICATE_EXPIRED | G_TLS_CERTIFICATE_NOT_ACTIVATED)) ||
      from == NULL || until == NULL || g_date_time_compare (now, from) < 0 ||
      g_date_time_compare (now, until) > 0)
    self->certificate_error =
      g_error_new (JN_SESSION_ERROR, JN_SESSION_ERROR_CERTIFICATE,
                   _("The session at %s presents a certificate that has expired or is not "
                     "valid yet; its host must make a new one"), self->host_port);
  else if (errors & (G_TLS_CERTIFICATE_REVOKED | G_TLS_CERTIFICATE_INSECURE))
    self->certificate_error =
      g_error_new (JN_SESSION_ERROR, JN_SESSION_ERROR_CERTIFICATE,
                   _("The session at %s presents a certificate that cannot be trusted (revoked "
                     "or too weak)"), self->host_port);
  else if (self->pinned != NULL && g_strcmp0 (self->pinned, fingerprint) != 0)
    self->certificate_error =
      g_error_new (JN_SESSION_ERROR, JN_SESSION_ERROR_CERTIFICATE,
                   _("The session at %s is not the one its link or announcement names: it "
                     "presents the certificate %s where %s was expected. Someone may be posing "
                     "as it; ask its host for a fresh link"),
                   self->host_port, fingerprint, self->pinned);
  else if (self->pinned == NULL && self->known != NULL &&
           g_strcmp0 (self->known, fingerprint) != 0 && !self->trust_new)
    self->certificate_error =
      g_error_new (JN_SESSION_ERROR, JN_SESSION_ERROR_CERTIFICATE_CHANGED,
                   _("The session at %s presents another certificate than when you last joined "
                     "it (now %s, before %s). Someone may be posing as it. If its host made a "
                     "new one, join with its new link, or accept the new certificate "
                     "(jamnet-cli --trust-new-certificate)"),
                   self->host_port, fingerprint, self->known);
  if (self->certificate_error != NULL)
    return FALSE;
  g_free (self->seen);
  self->seen = g_steal_pointer (&fingerprint);
  return TRUE;
}

static void
remember_in_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  char **pair = task_data;
  g_autoptr(GError) error = NULL;

  if (!jn_known_hosts_remember (pair[0], pair[1], &error))
    g_warning ("Cannot remember the certificate of %s: %s", pair[0], error->message);
  g_task_return_boolean (task, TRUE);
}

/* The first contact (or a change the user accepted) is remembered. */
static void
remember_certificate (JnClient *self)
{
  g_autoptr(GTask) task = NULL;
  char **pair;

  if (self->pinned != NULL || self->seen == NULL || g_strcmp0 (self->known, self->seen) == 0)
    return;
  pair = g_new0 (char *, 3);
  pair[0] = g_strdup (self->host_port);
  pair[1] = g_strdup (self->seen);
  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_source_tag (task, remember_certificate);
  g_task_set_task_data (task, pair, (GDestroyNotify) g_strfreev);
  g_task_run_in_thread (task, remember_in_thread);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(JnClient) self = user_data;
  g_autoptr(JnControlMessage) hello = jn_control_message_new (JN_CONTROL_HELLO);
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (connection == NULL)
    {
      if (self->certificate_error != NULL)
        {
          fail_join (self, g_steal_pointer (&self->certificate_error));
          return;
        }
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, _("Cannot reach the session: "));
      fail_join (self, g_steal_pointer (&error));
      return;
    }
  remember_certificate (self);
  if (self->join_task == NULL)  /* timed out meanwhile */
    {
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      g_object_unref (connection);
      return;
    }

  self->connection = connection;
  soup_websocket_connection_set_max_incoming_payload_size (connection, 64 * 1024);
  soup_websocket_connection_set_keepalive_interval (connection, KEEPALIVE_S);
  self->heard_us = g_get_monotonic_time ();
  self->liveness = g_timeout_add_seconds (1, on_liveness, self);
  g_signal_connect_object (connection, "message", G_CALLBACK (on_message), self, 0);
  g_signal_connect_object (connection, "pong", G_CALLBACK (on_pong), self, 0);
  g_signal_connect_object (connection, "closed", G_CALLBACK (on_closed), self, 0);

  hello->name = g_strdup (self->name);
  hello->aes = jn_cipher_aes_available ();
  hello->mixes = TRUE;
  if (self->passphrase != NULL)
    {
      /* the passphrase itself never leaves: its SPAKE2 share does */
      jn_pake_start (&self->pake, FALSE, self->passphrase);
      memcpy (hello->pake, self->pake.share, sizeof hello->pake);
      hello->has_pake = TRUE;
    }
  hello->udp_port = jn_media_engine_get_port (self->engine);
  if (self->create_room)
    {
      /* the server runs the room's passphrase check, so it must know it;
       * it travels only inside TLS to the certificate checked above */
      hello->create = TRUE;
      hello->listed = self->room_listed;
      hello->room_passphrase = g_strdup (self->passphrase);
    }
  jn_control_message_send (hello, connection);
}

static void
jn_client_dispose (GObject *object)
{
  JnClient *self = JN_CLIENT (object);

  g_clear_handle_id (&self->join_timeout, g_source_remove);
  g_clear_handle_id (&self->liveness, g_source_remove);
  if (self->ice != NULL)
    g_signal_handlers_disconnect_by_data (self->ice, self->ice_relay);
  g_clear_object (&self->ice);
  g_clear_pointer (&self->ice_links, g_hash_table_unref);
  if (self->ice_relay != NULL)
    g_atomic_rc_box_release_full (g_steal_pointer (&self->ice_relay),
                                  (GDestroyNotify) ice_relay_clear);
  if (self->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->connection, self);
      if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
    }
  g_clear_object (&self->connection);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (jn_client_parent_class)->dispose (object);
}

static void
jn_client_finalize (GObject *object)
{
  JnClient *self = JN_CLIENT (object);

  g_clear_object (&self->engine);
  g_free (self->name);
  g_free (self->passphrase);
  g_free (self->session_name);
  g_free (self->host_port);
  g_free (self->pinned);
  g_free (self->known);
  g_free (self->seen);
  g_free (self->stun);
  g_free (self->turn);
  g_free (self->turn_username);
  g_free (self->turn_password);
  g_clear_error (&self->certificate_error);
  jn_pake_clear (&self->pake);

  G_OBJECT_CLASS (jn_client_parent_class)->finalize (object);
}

static void
jn_client_class_init (JnClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = jn_client_dispose;
  object_class->finalize = jn_client_finalize;

  signals[PEER_JOINED] = g_signal_new ("peer-joined", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  signals[PEER_LEFT] = g_signal_new ("peer-left", G_TYPE_FROM_CLASS (klass),
                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                     G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[TRANSPORT] = g_signal_new ("transport", G_TYPE_FROM_CLASS (klass),
                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                     G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_BOOLEAN);
  /* someone in the session said something to everyone: their id, the text */
  signals[CHAT] = g_signal_new ("chat", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  /* someone asks us to play back what they send: their id, for how many seconds */
  signals[ECHO_REQUESTED] = g_signal_new ("echo-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
  /* ICE's state with a peer changed (jn_client_get_link()) */
  signals[LINK_CHANGED] = g_signal_new ("link-changed", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_UINT);
  /* the session went away after we had joined; the GError says why */
  signals[CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass),
                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
jn_client_init (JnClient *self)
{
  self->tempo_bpm = 120.0;
}

static void
relay_closure_release (gpointer  relay,
                       GClosure *closure)
{
  g_atomic_rc_box_release_full (relay, (GDestroyNotify) ice_relay_clear);
}

JnClient *
jn_client_new (JnMediaEngine *engine,
               const char    *name,
               const char    *passphrase)
{
  JnClient *self;
  JnTransport *transport;

  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (engine), NULL);

  self = g_object_new (JN_TYPE_CLIENT, NULL);
  self->engine = g_object_ref (engine);
  self->name = g_strdup (name ? name : g_get_real_name ());
  self->passphrase = passphrase != NULL && *passphrase != '\0' ? g_strdup (passphrase) : NULL;

  transport = jn_media_engine_get_transport (engine);
  if (JN_IS_SECURE_TRANSPORT (transport))
    transport = jn_secure_transport_get_inner (JN_SECURE_TRANSPORT (transport));
  if (JN_IS_ICE_TRANSPORT (transport))
    {
      self->ice = g_object_ref (JN_ICE_TRANSPORT (transport));
      self->ice_links = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) ice_link_free);
      self->ice_relay = g_atomic_rc_box_new0 (IceRelay);
      g_weak_ref_init (&self->ice_relay->client, self);
      self->ice_relay->context = g_main_context_ref_thread_default ();
      /* each handler holds the relay; the last release frees it */
      g_signal_connect_data (self->ice, "local-candidate", G_CALLBACK (on_local_candidate),
                             g_atomic_rc_box_acquire (self->ice_relay),
                             (GClosureNotify) relay_closure_release, 0);
      g_signal_connect_data (self->ice, "gathering-done", G_CALLBACK (on_gathering_done),
                             g_atomic_rc_box_acquire (self->ice_relay),
                             (GClosureNotify) relay_closure_release, 0);
      g_signal_connect_data (self->ice, "state-changed", G_CALLBACK (on_ice_state),
                             g_atomic_rc_box_acquire (self->ice_relay),
                             (GClosureNotify) relay_closure_release, 0);
    }
  return self;
}

static void
connect_now (JnClient    *self,
             SoupMessage *msg)
{
  GCancellable *cancellable = g_task_get_cancellable (self->join_task);

  if (self->session == NULL)
    self->session = soup_session_new_with_options ("timeout", JOIN_TIMEOUT_S, NULL);
  g_signal_connect_object (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), self, 0);
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        cancellable, on_connected, g_object_ref (self));
}

static void
lookup_in_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  g_task_return_pointer (task, jn_known_hosts_lookup (task_data), g_free);
}

static void
on_known (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SoupMessage) msg = user_data;
  JnClient *self = JN_CLIENT (source);

  g_free (self->known);
  self->known = g_task_propagate_pointer (G_TASK (result), NULL);
  if (self->join_task != NULL)   /* not timed out meanwhile */
    connect_now (self, msg);
}

void
jn_client_join_async (JnClient            *self,
                      const char          *url,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GUri) plain = NULL;

  g_return_if_fail (JN_IS_CLIENT (self));
  g_return_if_fail (self->join_task == NULL && !self->joined);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jn_client_join_async);

  g_clear_pointer (&self->pinned, g_free);
  g_clear_pointer (&self->host_port, g_free);
  /* the fingerprint is ours to check, not the host's to see */
  uri = jn_session_url_parse (url, &self->host_port, &self->pinned, &error);
  if (uri == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  plain = g_uri_build (G_URI_FLAGS_ENCODED_PATH, "wss", NULL, g_uri_get_host (uri), g_uri_get_port (uri),
                       g_uri_get_path (uri), NULL, NULL);
  msg = soup_message_new_from_uri (SOUP_METHOD_GET, plain);

  self->join_task = g_steal_pointer (&task);
  self->join_timeout = g_timeout_add_seconds (JOIN_TIMEOUT_S, on_join_timeout, self);
  if (self->pinned != NULL)
    connect_now (self, msg);
  else
    {
      g_autoptr(GTask) lookup = g_task_new (self, cancellable, on_known, g_steal_pointer (&msg));

      g_task_set_source_tag (lookup, lookup_in_thread);
      g_task_set_task_data (lookup, g_strdup (self->host_port), g_free);
      g_task_run_in_thread (lookup, lookup_in_thread);
    }
}

void
jn_client_set_trust_new_certificate (JnClient *self,
                                     gboolean  trust)
{
  g_return_if_fail (JN_IS_CLIENT (self));
  self->trust_new = !!trust;
}

const char *
jn_client_get_fingerprint (JnClient *self)
{
  g_return_val_if_fail (JN_IS_CLIENT (self), NULL);
  return self->seen;
}

gboolean
jn_client_join_finish (JnClient      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == jn_client_join_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

const char *
jn_client_get_session_name (JnClient *self)
{
  g_return_val_if_fail (JN_IS_CLIENT (self), NULL);
  return self->session_name;
}

double
jn_client_get_tempo (JnClient *self)
{
  g_return_val_if_fail (JN_IS_CLIENT (self), 0);
  return self->tempo_bpm;
}

gint64
jn_client_get_epoch (JnClient *self)
{
  g_return_val_if_fail (JN_IS_CLIENT (self), 0);
  return self->epoch_us;
}

void
jn_client_leave (JnClient *self)
{
  g_return_if_fail (JN_IS_CLIENT (self));

  self->joined = FALSE;
  if (connection_open (self))
    soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, "bye");
}

void
jn_client_set_create_room (JnClient *self,
                           gboolean  create,
                           gboolean  listed)
{
  g_return_if_fail (JN_IS_CLIENT (self));
  self->create_room = !!create;
  self->room_listed = !!listed;
}

void
jn_client_set_ice_servers (JnClient   *self,
                           const char *stun,
                           const char *turn,
                           const char *turn_username,
                           const char *turn_password)
{
  g_return_if_fail (JN_IS_CLIENT (self));
  g_return_if_fail (stun == NULL || jn_ip_port_parse (stun, NULL, NULL));
  g_return_if_fail (turn == NULL || jn_ip_port_parse (turn, NULL, NULL));

  g_free (self->stun);
  g_free (self->turn);
  g_free (self->turn_username);
  g_free (self->turn_password);
  self->stun = g_strdup (stun);
  self->turn = g_strdup (turn);
  self->turn_username = g_strdup (turn_username ? turn_username : "");
  self->turn_password = g_strdup (turn_password ? turn_password : "");
}
