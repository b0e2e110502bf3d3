/* jn-room-list.c: fetching and reading a jamnet-server's room list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-room-list"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "jn-client.h"
#include "jn-error.h"
#include "jn-identity.h"
#include "jn-json.h"
#include "jn-room-list.h"
#include "jn-server.h"

#define FETCH_TIMEOUT_S   5
#define LIST_MAX_BYTES    (256 * 1024)

static void
listing_free (JnRoomListing *listing)
{
  g_free (listing->name);
  g_free (listing->url);
  g_free (listing);
}

void
jn_room_list_free (JnRoomList *list)
{
  if (list == NULL)
    return;
  g_free (list->server);
  g_free (list->host_port);
  g_clear_pointer (&list->rooms, g_ptr_array_unref);
  g_free (list);
}

static gboolean
bad_list (GError    **error,
          const char *host_port)
{
  g_set_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_BAD_REQUEST,
               _("%s does not answer as a JamNet server (its room list is unreadable)"),
               host_port);
  return FALSE;
}

static gboolean
get_count (JsonObject *object,
           const char *name,
           guint      *out)
{
  gint64 v;

  if (!jn_json_get_int (object, name, &v) || v < 0 || v > G_MAXINT32)
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

JnRoomList *
jn_room_list_parse (const char  *text,
                    gsize        length,
                    const char  *host_port,
                    const char  *fingerprint,
                    GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(JnRoomList) list = g_new0 (JnRoomList, 1);
  JsonObject *object;
  JsonArray *rooms;
  JsonNode *root, *node;
  const char *server;

  list->host_port = g_strdup (host_port);
  list->rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) listing_free);
  if (length > LIST_MAX_BYTES || !json_parser_load_from_data (parser, text, (gssize) length, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      bad_list (error, host_port);
      return NULL;
    }
  object = json_node_get_object (root);
  server = jn_json_get_string (object, "server");
  node = json_object_get_member (object, "rooms");
  if (server == NULL || !g_utf8_validate (server, -1, NULL) || node == NULL ||
      !JSON_NODE_HOLDS_ARRAY (node) || !get_count (object, "players", &list->players) ||
      !get_count (object, "rooms_open", &list->rooms_open))
    {
      bad_list (error, host_port);
      return NULL;
    }
  list->server = g_utf8_substring (server, 0, MIN (g_utf8_strlen (server, -1), JN_NAME_MAX_CHARS));
  rooms = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (rooms) && i < JN_ROOM_LIST_MAX; i++)
    {
      JsonNode *element = json_array_get_element (rooms, i);
      JsonObject *room;
      JnRoomListing *listing;
      const char *name;
      gboolean passphrase;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      room = json_node_get_object (element);
      name = jn_json_get_string (room, "name");
      /* one bad entry is skipped, not the list */
      if (!jn_room_name_is_valid (name) || !jn_json_get_boolean (room, "passphrase", &passphrase))
        continue;
      listing = g_new0 (JnRoomListing, 1);
      if (!get_count (room, "players", &listing->players) ||
          !get_count (room, "max_players", &listing->max_players))
        {
          listing_free (listing);
          continue;
        }
      if (json_object_has_member (room, "mix"))
        {
          JsonNode *mix = json_object_get_member (room, "mix");
          JsonObject *m = JSON_NODE_HOLDS_OBJECT (mix) ? json_node_get_object (mix) : NULL;

          listing->mixed = m != NULL && jn_json_get_number (m, "mixes", &listing->mixes) &&
                           jn_json_get_number (m, "late", &listing->late_mixes) &&
                           jn_json_get_number (m, "skipped", &listing->skipped) &&
                           jn_json_get_number (m, "concealed", &listing->concealed) &&
                           jn_json_get_number (m, "played", &listing->played);
        }
      listing->name = g_strdup (name);
      listing->passphrase = passphrase;
      listing->url = jn_room_url (host_port, name, fingerprint);
      g_ptr_array_add (list->rooms, listing);
    }
  return g_steal_pointer (&list);
}

/* --- fetching --------------------------------------------------------------- */

typedef struct
{
  char *host_port;
  char *pinned;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_free (fetch->host_port);
  g_free (fetch->pinned);
  g_free (fetch);
}

static gboolean
on_accept_certificate (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  Fetch *fetch = user_data;
  g_autofree char *fingerprint = jn_certificate_fingerprint (certificate);

  if (errors & (G_TLS_CERTIFICATE_EXPIRED | G_TLS_CERTIFICATE_NOT_ACTIVATED |
                G_TLS_CERTIFICATE_REVOKED | G_TLS_CERTIFICATE_INSECURE))
    return FALSE;
  return fetch->pinned == NULL || g_strcmp0 (fetch->pinned, fingerprint) == 0;
}

static void
on_body (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                              &error);
  JnRoomList *list;
  gsize size;
  const char *data;

  if (body == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else if (error->domain == G_TLS_ERROR)
        g_task_return_new_error (task, JN_SESSION_ERROR, JN_SESSION_ERROR_CERTIFICATE,
                                 _("The server at %s does not present the certificate its "
                                   "link names"), fetch->host_port);
      else
        g_task_return_new_error (task, JN_SESSION_ERROR, JN_SESSION_ERROR_CLOSED,
                                 _("Cannot reach the server at %s: %s"), fetch->host_port,
                                 error->message);
      return;
    }
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      g_task_return_new_error (task, JN_SESSION_ERROR, JN_SESSION_ERROR_BAD_REQUEST,
                               _("%s is not a JamNet server, or too old to list rooms (HTTP %u)"),
                               fetch->host_port, soup_message_get_status (msg));
      return;
    }
  data = g_bytes_get_data (body, &size);
  list = jn_room_list_parse (data, size, fetch->host_port, fetch->pinned, &error);
  if (list == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, list, (GDestroyNotify) jn_room_list_free);
}

/* HOST:PORT and the pinned fingerprint (or NULL) of a server's address */
static gboolean
server_address (const char  *server,
                char       **host_port,
                char       **fingerprint,
                GError     **error)
{
  g_autoptr(GUri) uri = jn_session_url_parse (server, host_port, fingerprint, error);

  return uri != NULL;
}

char *
jn_server_dup_host_port (const char *server)
{
  g_autofree char *fingerprint = NULL;
  char *host_port = NULL;

  if (!server_address (server, &host_port, &fingerprint, NULL))
    return NULL;
  return host_port;
}

char *
jn_server_room_url (const char  *server,
                    const char  *room,
                    GError     **error)
{
  g_autofree char *host_port = NULL, *fingerprint = NULL;

  if (!server_address (server, &host_port, &fingerprint, error))
    return NULL;
  if (!jn_room_name_is_valid (room))
    {
      g_set_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_BAD_URL,
                   _("“%s” cannot name a room: use 1 to %d characters, without “/”"),
                   room ? room : "", JN_NAME_MAX_CHARS);
      return NULL;
    }
  return jn_room_url (host_port, room, fingerprint);
}

void
jn_room_list_fetch_async (const char          *server,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *list_url = NULL;
  Fetch *fetch = g_new0 (Fetch, 1);

  g_task_set_source_tag (task, jn_room_list_fetch_async);
  g_task_set_task_data (task, fetch, (GDestroyNotify) fetch_free);
  if (!server_address (server, &fetch->host_port, &fetch->pinned, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  list_url = g_strdup_printf ("https://%s" JN_ROOM_LIST_PATH, fetch->host_port);
  msg = soup_message_new (SOUP_METHOD_GET, list_url);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), fetch);
  session = soup_session_new_with_options ("timeout", FETCH_TIMEOUT_S, NULL);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, cancellable, on_body,
                                    g_steal_pointer (&task));
}

JnRoomList *
jn_room_list_fetch_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
