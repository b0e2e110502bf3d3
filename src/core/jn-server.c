/* jn-server.c: a jamnet-server's rooms
 *
 * One listener takes every connection.  A WebSocket on
 * /jamnet/rooms/ROOM goes to that room's JnHost, which runs the control
 * plane as a player's own session does.  A room that is not open yet is
 * made by the first hello that asks for it ("create"); until that hello
 * has come, the connection waits in the lobby.  Rooms players made close
 * when their last player leaves; those of the configuration stay.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-server"

#include "config.h"

#include <math.h>
#include <sys/resource.h>


#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "jn-control.h"
#include "jn-control-listener.h"
#include "jn-error.h"
#include "jn-host.h"
#include "jn-server.h"

#define LOBBY_TIMEOUT_S  5
/* Rooms nobody is in (a creator refused after all) are closed this often */
#define SWEEP_S          5

typedef struct
{
  JnServer *server;   /* unowned */
  JnHost   *host;
  char     *name;
  gboolean  listed;
  gboolean  kept;     /* from the configuration: open while empty */
  char     *opener;   /* the address that opened it; NULL for kept ones */
  guint     max_players;
  gboolean  has_passphrase;
  guint     left_check;
} Room;

typedef struct
{
  JnServer                *server;   /* unowned */
  SoupWebsocketConnection *connection;
  char                    *room;
  char                    *address;
  char                    *local_address;
  guint                    timeout;
} Lobby;

struct _JnServer
{
  GObject            parent_instance;

  JnControlListener *listener;
  char              *name;
  char              *fingerprint;
  GHashTable        *rooms;     /* casefolded name -> Room* */
  GPtrArray         *lobby;     /* Lobby* */
  guint              max_rooms;
  guint              max_players;
  guint              rooms_per_address;
  char              *stun;      /* "IP:PORT" its rooms name to their members */
  char              *turn;
  char              *turn_secret;
  guint              turn_lifetime_s;
  guint              sweep;
  /* load, for a directory placing rooms: this process's CPU, sampled at
   * each sweep */
  gint64             load_cpu_us;
  gint64             load_wall_us;
  double             cpu_percent;
  JnAudioFormat      format;
  JnRoomMedia        media;     /* of rooms opened from now on */
  char              *pnbtr_backend;
  guint              players_per_address;  /* 0: the host's default */
  guint16            media_port_min;       /* forward rooms' UDP ports; 0: any */
  guint16            media_port_max;
  char              *listen_address;
};

G_DEFINE_FINAL_TYPE (JnServer, jn_server, G_TYPE_OBJECT)

static void
room_free (Room *room)
{
  g_clear_handle_id (&room->left_check, g_source_remove);
  if (room->host != NULL)
    {
      g_signal_handlers_disconnect_by_data (room->host, room);
      jn_host_shutdown (room->host);
    }
  g_clear_object (&room->host);
  g_free (room->name);
  g_free (room->opener);
  g_free (room);
}

static void
lobby_free (Lobby *lobby)
{
  g_clear_handle_id (&lobby->timeout, g_source_remove);
  jn_control_drop_connection (&lobby->connection, lobby);
  g_free (lobby->room);
  g_free (lobby->address);
  g_free (lobby->local_address);
  g_free (lobby);
}

gboolean
jn_room_name_is_valid (const char *name)
{
  gboolean seen_letter = FALSE;

  if (name == NULL || !g_utf8_validate (name, -1, NULL) || *name == '\0' ||
      g_utf8_strlen (name, -1) > JN_NAME_MAX_CHARS)
    return FALSE;
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || c == '/')
        return FALSE;
      if (!g_unichar_isspace (c))
        seen_letter = TRUE;
    }
  return seen_letter;
}

char *
jn_room_url (const char *host_port,
             const char *room,
             const char *fingerprint)
{
  g_autofree char *escaped = g_uri_escape_string (room, NULL, FALSE);

  return g_strdup_printf ("jamnet://%s/%s%s%s", host_port, escaped, fingerprint ? "?fp=" : "",
                          fingerprint ? fingerprint : "");
}

static Room *
lookup_room (JnServer   *self,
             const char *name)
{
  g_autofree char *key = g_utf8_casefold (name, -1);

  return g_hash_table_lookup (self->rooms, key);
}

static gboolean
on_left_check (gpointer user_data)
{
  Room *room = user_data;
  JnServer *self = room->server;

  room->left_check = 0;
  if (!room->kept && jn_host_get_n_connections (room->host) == 0)
    {
      g_autofree char *key = g_utf8_casefold (room->name, -1);

      g_debug ("room “%s” is empty: closed", room->name);
      g_hash_table_remove (self->rooms, key);
    }
  return G_SOURCE_REMOVE;
}

static void
on_peer_left (JnHost  *host,
              guint    id,
              gpointer user_data)
{
  Room *room = user_data;

  /* not from inside the room's own signal */
  if (!room->kept && room->left_check == 0)
    room->left_check = g_idle_add (on_left_check, room);
}

static JnForwarder *
new_forwarder (JnServer    *self,
               const char  *address,
               guint16      port,
               GError     **error)
{
  JnRoomMix *mix;
  const char *backend;

  if (self->media != JN_ROOM_MEDIA_MIX)
    return jn_forwarder_new (address, port, &self->format, error);
  /* the server's concealment: PNBTR, its models fitted by the worker */
  /* by default the one-thread CPU worker, at idle priority: PoCL's
   * threads would not be (docs/server.md); a GPU is asked for by name */
  backend = self->pnbtr_backend != NULL ? self->pnbtr_backend
            : g_strcmp0 (g_getenv ("JAMNET_PNBTR_BACKEND"), "off") == 0 ? NULL : "cpu";
  mix = jn_room_mix_new (&self->format, JN_ROOM_MIX_JITTER_DEPTH, "pnbtr",
                         g_strcmp0 (backend, "off") == 0 ? NULL : backend, error);
  return mix != NULL ? jn_forwarder_new_mix (address, port, mix, error) : NULL;
}

/* A forward or mix room's UDP port: on every address the control plane listens
 * on (both families where it listens on all), the first free one of the
 * configured range, else any. */
static JnForwarder *
open_forwarder (JnServer  *self,
                GError   **error)
{
  guint low = self->media_port_min, high = low != 0 ? self->media_port_max : 0;
  g_autoptr(GError) local = NULL;

  for (guint port = low; port <= high; port++)
    {
      JnForwarder *forwarder;

      g_clear_error (&local);
      forwarder = new_forwarder (self, self->listen_address ? self->listen_address : "::",
                                 (guint16) port, &local);
      if (forwarder == NULL && self->listen_address == NULL)
        {
          g_clear_error (&local);
          forwarder = new_forwarder (self, NULL, (guint16) port, &local);
        }
      if (forwarder != NULL)
        return forwarder;
    }
  if (low != 0)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                 "every UDP port of media-ports %u-%u is taken", low, high);
  else
    g_propagate_error (error, g_steal_pointer (&local));
  return NULL;
}

static Room *
open_room (JnServer   *self,
           const char *name,
           const char *passphrase,
           gboolean    listed,
           gboolean    kept,
           guint       max_players)
{
  Room *room = g_new0 (Room, 1);

  room->server = self;
  room->name = g_strdup (name);
  room->listed = listed;
  room->kept = kept;
  room->max_players = max_players > 0 ? max_players : self->max_players;
  /* only a mix room's players each send and get one stream */
  if (self->media != JN_ROOM_MEDIA_MIX)
    room->max_players = MIN (room->max_players, JN_SESSION_MAX_PEERS - 1);
  room->has_passphrase = passphrase != NULL && *passphrase != '\0';
  room->host = jn_host_new_room (name, passphrase, room->max_players, self->fingerprint,
                                 &self->format);
  if (self->media != JN_ROOM_MEDIA_MESH)
    {
      g_autoptr(GError) error = NULL;
      JnForwarder *forwarder = open_forwarder (self, &error);

      if (forwarder != NULL)
        jn_host_set_forwarder (room->host, forwarder);
      else
        g_warning ("Room “%s” cannot carry media (%s): its players reach each other directly",
                   name, error->message);
    }
  if (self->players_per_address > 0)
    jn_host_set_members_per_address (room->host, self->players_per_address);
  jn_host_set_stun (room->host, self->stun);
  jn_host_set_turn (room->host, self->turn, self->turn_secret, self->turn_lifetime_s);
  g_signal_connect (room->host, "peer-left", G_CALLBACK (on_peer_left), room);
  g_hash_table_insert (self->rooms, g_utf8_casefold (name, -1), room);
  return room;
}

static gboolean
sweep_rooms (gpointer key,
             gpointer value,
             gpointer user_data)
{
  Room *room = value;

  return !room->kept && jn_host_get_n_connections (room->host) == 0;
}

static gint64
process_cpu_us (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return 0;
  return (gint64) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC +
         usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

/* The share of one core this process used since the last sample. */
static void
sample_load (JnServer *self)
{
  gint64 cpu = process_cpu_us (), wall = g_get_monotonic_time ();

  if (self->load_wall_us > 0 && wall > self->load_wall_us)
    self->cpu_percent = 100.0 * (cpu - self->load_cpu_us) / (wall - self->load_wall_us);
  self->load_cpu_us = cpu;
  self->load_wall_us = wall;
}

static gboolean
on_sweep (gpointer user_data)
{
  JnServer *self = user_data;

  g_hash_table_foreach_remove (self->rooms, sweep_rooms, NULL);
  sample_load (self);
  return G_SOURCE_CONTINUE;
}

static guint opened_by (JnServer *self, const char *address);

/* --- the lobby: a connection to a room that is not open yet --------------- */

static void
leave_lobby (Lobby *lobby)
{
  g_ptr_array_remove (lobby->server->lobby, lobby);
}

static void
create_room (Lobby            *lobby,
             JnControlMessage *hello)
{
  JnServer *self = lobby->server;
  g_autoptr(JnControlMessage) owned = hello;
  g_autoptr(SoupWebsocketConnection) connection = g_object_ref (lobby->connection);
  g_autofree char *address = g_strdup (lobby->address);
  g_autofree char *local_address = g_strdup (lobby->local_address);
  Room *room;

  if (!jn_control_check_version (hello, connection))
    return;
  if (!hello->create)
    {
      g_autofree char *text =
        g_strdup_printf (_("There is no room “%s” on this server. Check its name, or create "
                           "it."), lobby->room);

      jn_control_send_error_and_close (connection, JN_SESSION_ERROR_NO_SUCH_ROOM, text);
      return;
    }
  if (g_hash_table_size (self->rooms) >= self->max_rooms)
    {
      g_autofree char *text =
        g_strdup_printf (_("This server holds as many rooms as it may (%u); try again later or "
                           "join a room that is open."), self->max_rooms);

      jn_control_send_error_and_close (connection, JN_SESSION_ERROR_SERVER_FULL, text);
      return;
    }

  room = lookup_room (self, lobby->room);
  if (room == NULL && opened_by (self, address) >= self->rooms_per_address)
    {
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "Your address has %u room open on this server already; "
                                      "close it before opening another.",
                                      "Your address has %u rooms open on this server already; "
                                      "close one before opening another.",
                                      self->rooms_per_address), self->rooms_per_address);

      jn_control_send_error_and_close (connection, JN_SESSION_ERROR_TOO_MANY_ATTEMPTS, text);
      return;
    }
  if (room == NULL)   /* made by another hello meanwhile: that one wins, this one hears so */
    {
      room = open_room (self, lobby->room, hello->room_passphrase, hello->listed, FALSE, 0);
      room->opener = g_strdup (address);
      hello->create = FALSE;
      g_debug ("room “%s” created by %s", room->name, address);
    }
  /* the room's host takes it from here */
  g_signal_handlers_disconnect_by_data (connection, lobby);
  g_clear_object (&lobby->connection);
  leave_lobby (lobby);
  jn_host_take (room->host, connection, address, local_address, g_steal_pointer (&owned));
}

static void
on_lobby_message (SoupWebsocketConnection *connection,
                  gint                     type,
                  GBytes                  *bytes,
                  gpointer                 user_data)
{
  Lobby *lobby = user_data;
  g_autoptr(JnControlMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  if (type == SOUP_WEBSOCKET_DATA_TEXT)
    message = jn_control_message_parse (data, (gssize) size, &error);
  if (message == NULL || message->type != JN_CONTROL_HELLO)
    {
      jn_control_send_error_and_close (connection, JN_SESSION_ERROR_BAD_REQUEST,
                                       error != NULL ? error->message
                                                     : _("The first message must be hello."));
      return;
    }
  create_room (lobby, g_steal_pointer (&message));
}

static void
on_lobby_closed (SoupWebsocketConnection *connection,
                 gpointer                 user_data)
{
  leave_lobby (user_data);
}

static gboolean
on_lobby_timeout (gpointer user_data)
{
  Lobby *lobby = user_data;

  lobby->timeout = 0;
  jn_control_send_error_and_close (lobby->connection, JN_SESSION_ERROR_BAD_REQUEST,
                                   _("No hello within 5 seconds."));
  return G_SOURCE_REMOVE;
}

/* --- connections ------------------------------------------------------------ */

static void
on_websocket (SoupWebsocketConnection *connection,
              const char              *path,
              const char              *address,
              const char              *local_address,
              gpointer                 user_data)
{
  JnServer *self = user_data;
  g_autofree char *name = NULL;
  Room *room;
  Lobby *lobby;

  /* libsoup hands over the path unescaped */
  if (g_str_has_prefix (path, JN_ROOMS_PATH "/"))
    name = g_strdup (path + strlen (JN_ROOMS_PATH "/"));
  if (name == NULL || !jn_room_name_is_valid (name))
    {
      jn_control_send_error_and_close (connection, JN_SESSION_ERROR_NO_SUCH_ROOM,
                                       _("This is a JamNet server: name a room to join, as in "
                                         "jamnet://server/room."));
      return;
    }

  room = lookup_room (self, name);
  if (room != NULL)
    {
      jn_host_take (room->host, connection, address, local_address, NULL);
      return;
    }
  lobby = g_new0 (Lobby, 1);
  lobby->server = self;
  lobby->connection = g_object_ref (connection);
  lobby->room = g_steal_pointer (&name);
  lobby->address = g_strdup (address);
  lobby->local_address = g_strdup (local_address);
  lobby->timeout = g_timeout_add_seconds (LOBBY_TIMEOUT_S, on_lobby_timeout, lobby);
  g_signal_connect (connection, "message", G_CALLBACK (on_lobby_message), lobby);
  g_signal_connect (connection, "closed", G_CALLBACK (on_lobby_closed), lobby);
  g_ptr_array_add (self->lobby, lobby);
}

static void
on_room_list (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  JnServer *self = user_data;
  char *body;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET ||
      !g_str_equal (path, JN_ROOM_LIST_PATH))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  body = jn_server_dup_room_list (self);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body,
                                    strlen (body));
}

/* --- object ------------------------------------------------------------------ */

static void
jn_server_dispose (GObject *object)
{
  JnServer *self = JN_SERVER (object);

  g_clear_handle_id (&self->sweep, g_source_remove);
  if (self->listener != NULL)
    jn_control_listener_close (self->listener);
  g_clear_object (&self->listener);
  if (self->lobby != NULL)
    g_ptr_array_set_size (self->lobby, 0);
  if (self->rooms != NULL)
    g_hash_table_remove_all (self->rooms);

  G_OBJECT_CLASS (jn_server_parent_class)->dispose (object);
}

static void
jn_server_finalize (GObject *object)
{
  JnServer *self = JN_SERVER (object);

  g_clear_pointer (&self->rooms, g_hash_table_unref);
  g_clear_pointer (&self->lobby, g_ptr_array_unref);
  g_free (self->name);
  g_free (self->pnbtr_backend);
  g_free (self->fingerprint);
  g_free (self->stun);
  g_free (self->turn);
  g_free (self->turn_secret);
  g_free (self->listen_address);

  G_OBJECT_CLASS (jn_server_parent_class)->finalize (object);
}

static void
jn_server_class_init (JnServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = jn_server_dispose;
  object_class->finalize = jn_server_finalize;
}

static void
jn_server_init (JnServer *self)
{
  self->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) room_free);
  self->lobby = g_ptr_array_new_with_free_func ((GDestroyNotify) lobby_free);
  self->max_rooms = JN_SERVER_DEFAULT_MAX_ROOMS;
  self->max_players = JN_SERVER_DEFAULT_MAX_PLAYERS;
  self->rooms_per_address = JN_SERVER_DEFAULT_ROOMS_PER_ADDRESS;
  self->format = (JnAudioFormat) { .rate = 48000, .frames = 128, .channels = 1,
                                   .format = JN_SAMPLE_S16 };
}

JnServer *
jn_server_new (GTlsCertificate *certificate,
               const char      *name)
{
  JnServer *self;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  self = g_object_new (JN_TYPE_SERVER, NULL);
  self->listener = jn_control_listener_new (certificate);
  self->fingerprint = g_strdup (jn_control_listener_get_fingerprint (self->listener));
  self->name = g_strdup (name != NULL && *name != '\0' ? name : g_get_host_name ());
  jn_control_listener_add_websocket_handler (self->listener, JN_WEBSOCKET_PATH, on_websocket,
                                             self);
  jn_control_listener_add_handler (self->listener, JN_ROOM_LIST_PATH, on_room_list, self);
  return self;
}

void
jn_server_set_limits (JnServer *self,
                      guint     max_rooms,
                      guint     max_players,
                      guint     rooms_per_address)
{
  g_return_if_fail (JN_IS_SERVER (self));
  g_return_if_fail (max_rooms >= 1);
  g_return_if_fail (max_players >= 1 && max_players < JN_ROOM_MAX_PLAYERS);
  g_return_if_fail (rooms_per_address >= 1);

  self->max_rooms = max_rooms;
  self->max_players = max_players;
  self->rooms_per_address = rooms_per_address;
}

void
jn_server_set_format (JnServer            *self,
                      const JnAudioFormat *format)
{
  g_return_if_fail (JN_IS_SERVER (self));
  g_return_if_fail (format != NULL && jn_audio_format_validate (format, NULL));

  self->format = *format;
}

void
jn_server_set_players_per_address (JnServer *self,
                                   guint     n)
{
  g_return_if_fail (JN_IS_SERVER (self));
  self->players_per_address = n;
}

void
jn_server_set_media_ports (JnServer *self,
                           guint16   low,
                           guint16   high)
{
  g_return_if_fail (JN_IS_SERVER (self));
  g_return_if_fail (low <= high);
  self->media_port_min = low;
  self->media_port_max = high;
}

void
jn_server_set_media (JnServer    *self,
                     JnRoomMedia  media)
{
  g_return_if_fail (JN_IS_SERVER (self));
  self->media = media;
}

void
jn_server_set_pnbtr_backend (JnServer   *self,
                             const char *backend)
{
  g_return_if_fail (JN_IS_SERVER (self));
  g_free (self->pnbtr_backend);
  self->pnbtr_backend = g_strdup (backend);
}

void
jn_server_set_stun (JnServer   *self,
                    const char *stun)
{
  GHashTableIter iter;
  gpointer room;

  g_return_if_fail (JN_IS_SERVER (self));
  g_return_if_fail (stun == NULL || jn_ip_port_parse (stun, NULL, NULL));

  g_free (self->stun);
  g_free (self->turn);
  g_free (self->turn_secret);
  self->stun = g_strdup (stun);
  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &room))
    jn_host_set_stun (((Room *) room)->host, stun);
}

void
jn_server_set_turn (JnServer   *self,
                    const char *turn,
                    const char *secret,
                    guint       lifetime_s)
{
  GHashTableIter iter;
  gpointer room;

  g_return_if_fail (JN_IS_SERVER (self));
  g_return_if_fail (turn == NULL || (jn_ip_port_parse (turn, NULL, NULL) && secret != NULL));

  g_free (self->turn);
  g_free (self->turn_secret);
  self->turn = g_strdup (turn);
  self->turn_secret = g_strdup (secret);
  self->turn_lifetime_s = lifetime_s;
  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &room))
    jn_host_set_turn (((Room *) room)->host, turn, secret, lifetime_s);
}

static guint
opened_by (JnServer   *self,
           const char *address)
{
  GHashTableIter iter;
  Room *room;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    if (g_strcmp0 (room->opener, address) == 0)
      n++;
  return n;
}

gboolean
jn_server_add_room (JnServer    *self,
                    const char  *name,
                    const char  *passphrase,
                    gboolean     listed,
                    guint        max_players,
                    GError     **error)
{
  g_return_val_if_fail (JN_IS_SERVER (self), FALSE);

  if (!jn_room_name_is_valid (name))
    {
      g_set_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_BAD_REQUEST,
                   _("“%s” cannot name a room: use 1 to %d characters, without “/”"),
                   name ? name : "", JN_NAME_MAX_CHARS);
      return FALSE;
    }
  if (lookup_room (self, name) != NULL)
    {
      g_set_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_ROOM_EXISTS,
                   _("There are two rooms named “%s” (names are compared without case)."),
                   name);
      return FALSE;
    }
  if (max_players >= (self->media == JN_ROOM_MEDIA_MIX ? JN_ROOM_MAX_PLAYERS : JN_SESSION_MAX_PEERS))
    {
      g_set_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_BAD_REQUEST,
                   _("A room holds at most %d players."),
                   (self->media == JN_ROOM_MEDIA_MIX ? JN_ROOM_MAX_PLAYERS : JN_SESSION_MAX_PEERS) - 1);
      return FALSE;
    }
  open_room (self, name, passphrase, listed, TRUE, max_players);
  return TRUE;
}

gboolean
jn_server_listen (JnServer    *self,
                  const char  *address,
                  guint16      port,
                  GError     **error)
{
  g_return_val_if_fail (JN_IS_SERVER (self), FALSE);

  if (!jn_control_listener_listen (self->listener, address, port, error))
    return FALSE;
  g_free (self->listen_address);
  self->listen_address = g_strdup (address);
  if (self->sweep == 0)
    {
      sample_load (self);
      self->sweep = g_timeout_add_seconds (SWEEP_S, on_sweep, self);
    }
  return TRUE;
}

guint16
jn_server_get_port (JnServer *self)
{
  g_return_val_if_fail (JN_IS_SERVER (self), 0);
  return jn_control_listener_get_port (self->listener);
}

const char *
jn_server_get_fingerprint (JnServer *self)
{
  g_return_val_if_fail (JN_IS_SERVER (self), NULL);
  return self->fingerprint;
}

guint
jn_server_get_n_rooms (JnServer *self)
{
  g_return_val_if_fail (JN_IS_SERVER (self), 0);
  return g_hash_table_size (self->rooms);
}

guint
jn_server_get_n_players (JnServer *self)
{
  GHashTableIter iter;
  Room *room;
  guint n = 0;

  g_return_val_if_fail (JN_IS_SERVER (self), 0);

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    n += jn_host_get_n_members (room->host);
  return n;
}

int
jn_server_get_room_players (JnServer   *self,
                            const char *name)
{
  Room *room;

  g_return_val_if_fail (JN_IS_SERVER (self), -1);

  room = lookup_room (self, name);
  return room != NULL ? (int) jn_host_get_n_members (room->host) : -1;
}

static int
compare_rooms (gconstpointer a,
               gconstpointer b)
{
  const Room *ra = *(Room **) a, *rb = *(Room **) b;

  return g_utf8_collate (ra->name, rb->name);
}

JnForwarder *
jn_server_get_room_forwarder (JnServer   *self,
                              const char *room)
{
  g_autofree char *key = NULL;
  Room *r;

  g_return_val_if_fail (JN_IS_SERVER (self), NULL);

  key = g_utf8_casefold (room, -1);
  r = g_hash_table_lookup (self->rooms, key);
  return r != NULL ? jn_host_get_forwarder (r->host) : NULL;
}

/* a mix room's: whether it keeps time, and how its players' streams come */
static void
add_mix_health (JsonBuilder *builder,
                Room        *room)
{
  JnForwarder *forwarder = jn_host_get_forwarder (room->host);
  JnRoomMixStats s;

  if (forwarder == NULL || !jn_forwarder_get_mix_stats (forwarder, &s))
    return;
  json_builder_set_member_name (builder, "mix");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mixes");
  json_builder_add_int_value (builder, (gint64) s.mixes);
  json_builder_set_member_name (builder, "late");
  json_builder_add_int_value (builder, (gint64) s.late_mixes);
  json_builder_set_member_name (builder, "skipped");
  json_builder_add_int_value (builder, (gint64) s.skipped);
  json_builder_set_member_name (builder, "played");
  json_builder_add_int_value (builder, (gint64) s.played);
  json_builder_set_member_name (builder, "concealed");
  json_builder_add_int_value (builder, (gint64) s.concealed);
  json_builder_end_object (builder);
}

char *
jn_server_dup_room_list (JnServer *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) listed = g_ptr_array_new ();
  GHashTableIter iter;
  Room *room;

  g_return_val_if_fail (JN_IS_SERVER (self), NULL);

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    if (room->listed)
      g_ptr_array_add (listed, room);
  g_ptr_array_sort (listed, compare_rooms);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "server");
  json_builder_add_string_value (builder, self->name);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, JN_PROTOCOL_VERSION);
  json_builder_set_member_name (builder, "rooms_open");
  json_builder_add_int_value (builder, g_hash_table_size (self->rooms));
  json_builder_set_member_name (builder, "max_rooms");
  json_builder_add_int_value (builder, self->max_rooms);
  json_builder_set_member_name (builder, "players");
  json_builder_add_int_value (builder, jn_server_get_n_players (self));
  json_builder_set_member_name (builder, "max_players");
  json_builder_add_int_value (builder, self->max_players);
  json_builder_set_member_name (builder, "media");
  json_builder_add_string_value (builder, jn_room_media_to_string (self->media));
  json_builder_set_member_name (builder, "codec");
  json_builder_add_string_value (builder, self->format.format == JN_SAMPLE_OPUS ? "opus" : "pcm");
  /* what a directory needs to place rooms on servers (docs/server.md) */
  json_builder_set_member_name (builder, "load");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "cpu_percent");
  json_builder_add_double_value (builder, round (self->cpu_percent * 10.0) / 10.0);
  json_builder_set_member_name (builder, "cpu_seconds");
  json_builder_add_int_value (builder, SWEEP_S);
  json_builder_set_member_name (builder, "cores");
  json_builder_add_int_value (builder, g_get_num_processors ());
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "rooms");
  json_builder_begin_array (builder);
  for (guint i = 0; i < listed->len; i++)
    {
      room = g_ptr_array_index (listed, i);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, room->name);
      json_builder_set_member_name (builder, "players");
      json_builder_add_int_value (builder, jn_host_get_n_members (room->host));
      json_builder_set_member_name (builder, "max_players");
      json_builder_add_int_value (builder, room->max_players);
      json_builder_set_member_name (builder, "passphrase");
      json_builder_add_boolean_value (builder, room->has_passphrase);
      add_mix_health (builder, room);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

void
jn_server_shutdown (JnServer *self)
{
  g_return_if_fail (JN_IS_SERVER (self));

  g_clear_handle_id (&self->sweep, g_source_remove);
  jn_control_listener_close (self->listener);
  g_ptr_array_set_size (self->lobby, 0);
  g_hash_table_remove_all (self->rooms);
}
