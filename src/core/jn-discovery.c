/* jn-discovery.c
 *
 * Beacons are small JSON datagrams to 239.255.74.78:7421 with TTL 1 (the
 * LAN only): a host announces its session every second and when asked; a
 * browser asks when it starts, lists what it hears, and drops what it has
 * not heard of for 3.5 s, or on a bye once the session's port no longer
 * answers (a bye is easy to forge).  Everything runs on the
 * caller's main context with non-blocking sockets.  Datagrams are hostile
 * input: size-limited, strictly parsed, and counted when ignored.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-discovery"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "jn-avahi.h"
#include "jn-control.h"
#include "jn-discovery.h"
#include "jn-identity.h"
#include "jn-json.h"

#define MAX_DATAGRAM 1024

/* --- JnSessionInfo ------------------------------------------------------- */

struct _JnSessionInfo
{
  GObject  parent_instance;
  char    *id;
  char    *name;
  char    *host_name;
  char    *address;
  guint16  port;
  guint    players;
  gboolean passphrase;
  char    *fingerprint;  /* of the certificate the session announces */
  JnCertificateCheck certificate;   /* what the last ping found */
  gint64   last_seen;
  gboolean checking;       /* its port is being tried (a bye came, or Avahi's entry is quiet) */
  gint64   last_checked;   /* when a try of an Avahi entry last ended */
  guint    failed_checks;  /* Avahi's entry: tries in a row its port did not answer */
  gboolean bye_seen;       /* a bye came while its port was being tried already */
  char    *avahi_name;   /* also (or only) known through Avahi: its service name */
};

G_DEFINE_FINAL_TYPE (JnSessionInfo, jn_session_info, G_TYPE_OBJECT)

static void
jn_session_info_finalize (GObject *object)
{
  JnSessionInfo *self = JN_SESSION_INFO (object);

  g_free (self->avahi_name);
  g_free (self->id);
  g_free (self->name);
  g_free (self->host_name);
  g_free (self->address);
  g_free (self->fingerprint);
  G_OBJECT_CLASS (jn_session_info_parent_class)->finalize (object);
}

static void
jn_session_info_class_init (JnSessionInfoClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = jn_session_info_finalize;
}

static void
jn_session_info_init (JnSessionInfo *self)
{
}

const char *jn_session_info_get_name (JnSessionInfo *self) { return self->name; }
const char *jn_session_info_get_host_name (JnSessionInfo *self) { return self->host_name; }
const char *jn_session_info_get_address (JnSessionInfo *self) { return self->address; }
guint16 jn_session_info_get_port (JnSessionInfo *self) { return self->port; }
guint jn_session_info_get_players (JnSessionInfo *self) { return self->players; }
gboolean jn_session_info_has_passphrase (JnSessionInfo *self) { return self->passphrase; }
const char *jn_session_info_get_fingerprint (JnSessionInfo *self) { return self->fingerprint; }
JnCertificateCheck jn_session_info_get_certificate_check (JnSessionInfo *self) { return self->certificate; }

char *
jn_session_info_dup_url (JnSessionInfo *self)
{
  g_return_val_if_fail (JN_IS_SESSION_INFO (self), NULL);
  /* the announced fingerprint is pinned: a twin at another address, or one
   * that answers with another certificate, is refused on joining */
  if (self->fingerprint != NULL)
    return g_strdup_printf ("jamnet://%s:%u/?fp=%s", self->address, self->port, self->fingerprint);
  return g_strdup_printf ("jamnet://%s:%u", self->address, self->port);
}

#define PING_TIMEOUT_S 2

typedef struct
{
  gint64  started;
  gint64  connected_us;   /* the TCP round trip */
  char   *seen;           /* the fingerprint the session presented */
} Ping;

static void
ping_free (Ping *ping)
{
  g_free (ping->seen);
  g_free (ping);
}

static gboolean
on_ping_certificate (GTlsConnection       *connection,
                     GTlsCertificate      *certificate,
                     GTlsCertificateFlags  errors,
                     gpointer              user_data)
{
  Ping *ping = user_data;

  g_free (ping->seen);
  ping->seen = jn_certificate_fingerprint (certificate);
  return TRUE;   /* compared below; nothing is sent over it */
}

static void
on_ping_handshake (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  JnSessionInfo *self = g_task_get_source_object (task);
  Ping *ping = g_task_get_task_data (task);

  g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, NULL);
  g_io_stream_close_async (G_IO_STREAM (source), G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  /* a twin at another address, or a session that swapped its certificate:
   * its announcement does not hold */
  if (ping->seen != NULL && self->fingerprint != NULL)
    self->certificate = g_str_equal (ping->seen, self->fingerprint) ? JN_CERTIFICATE_MATCHES
                                                                    : JN_CERTIFICATE_DIFFERS;
  g_task_return_int (task, (gssize) (ping->connected_us - ping->started));   /* us */
}

static void
on_ping_connected (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GIOStream) tls = NULL;
  GError *error = NULL;
  Ping *ping = g_task_get_task_data (task);

  connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  if (connection == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  ping->connected_us = g_get_monotonic_time ();
  /* the round trip is measured; the handshake tells which certificate
   * the session presents */
  tls = g_tls_client_connection_new (G_IO_STREAM (connection), NULL, NULL);
  if (tls == NULL)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      g_task_return_int (task, (gssize) (ping->connected_us - ping->started));
      return;
    }
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (on_ping_certificate), ping);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), on_ping_handshake,
                                    g_object_ref (task));
}

void
jn_session_info_ping_async (JnSessionInfo       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  GTask *task;

  g_return_if_fail (JN_IS_SESSION_INFO (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jn_session_info_ping_async);
  {
    Ping *ping = g_new0 (Ping, 1);

    ping->started = g_get_monotonic_time ();
    g_task_set_task_data (task, ping, (GDestroyNotify) ping_free);
  }
  g_socket_client_set_timeout (client, PING_TIMEOUT_S);
  g_socket_client_connect_to_host_async (client, self->address, self->port, cancellable, on_ping_connected, task);
}

double
jn_session_info_ping_finish (JnSessionInfo  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  gssize us;

  g_return_val_if_fail (g_task_is_valid (result, self), -1.0);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == jn_session_info_ping_async, -1.0);
  us = g_task_propagate_int (G_TASK (result), error);
  return us < 0 ? -1.0 : us / 1000.0;
}

/* --- sockets and beacons ------------------------------------------------- */

static GSocket *
open_beacon_socket (const char  *interface,
                    GError     **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) bind = g_inet_socket_address_new (any, JN_DISCOVERY_PORT);
  struct ip_mreq mreq = { 0 };
  struct in_addr iface = { htonl (INADDR_ANY) };
  int fd, one = 1, ttl = 1;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  fd = g_socket_get_fd (socket);
  /* several JamNets on one machine all hear the beacons */
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (!g_socket_bind (socket, bind, TRUE, error))
    {
      g_prefix_error (error, _("Cannot listen for sessions on UDP port %d: "), JN_DISCOVERY_PORT);
      return NULL;
    }
  if (interface != NULL && inet_pton (AF_INET, interface, &iface) != 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an IPv4 interface address"), interface);
      return NULL;
    }
  inet_pton (AF_INET, JN_DISCOVERY_GROUP, &mreq.imr_multiaddr);
  mreq.imr_interface = iface;
  if (setsockopt (fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0 ||
      setsockopt (fd, IPPROTO_IP, IP_MULTICAST_IF, &iface, sizeof iface) < 0 ||
      setsockopt (fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) < 0 ||
      setsockopt (fd, IPPROTO_IP, IP_MULTICAST_LOOP, &one, sizeof one) < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot join the session beacon group: %s"), g_strerror (saved));
      return NULL;
    }
  return g_steal_pointer (&socket);
}

static void
send_beacon (GSocket    *socket,
             JsonNode   *root)
{
  g_autoptr(GInetAddress) group = g_inet_address_new_from_string (JN_DISCOVERY_GROUP);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new (group, JN_DISCOVERY_PORT);
  g_autofree char *text = json_to_string (root, FALSE);
  g_autoptr(GError) error = NULL;

  if (g_socket_send_to (socket, to, text, strlen (text), NULL, &error) < 0)
    g_debug ("cannot send a session beacon: %s", error->message);
}

static JsonNode *
beacon_new (const char *kind)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "jamnet", kind);
  json_object_set_int_member (object, "version", JN_PROTOCOL_VERSION);
  json_node_take_object (node, object);
  return node;
}

/* Reads one datagram; returns its JSON object (owned by parser) or NULL. */
static JsonObject *
receive_beacon (GSocket     *socket,
                JsonParser  *parser,
                char       **from,
                gboolean    *got_one)
{
  char buf[MAX_DATAGRAM + 1];
  g_autoptr(GSocketAddress) address = NULL;
  gssize n = g_socket_receive_from (socket, &address, buf, sizeof buf, NULL, NULL);
  JsonNode *root;
  JsonObject *object;

  *got_one = n >= 0;
  if (n <= 0 || n > MAX_DATAGRAM)
    return NULL;
  buf[n] = '\0';
  if (!g_utf8_validate (buf, n, NULL) || !json_parser_load_from_data (parser, buf, n, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  object = json_node_get_object (root);
  {
    gint64 version = 0;

    if (!jn_json_get_int (object, "version", &version) || version != JN_PROTOCOL_VERSION ||
        jn_json_get_string (object, "jamnet") == NULL)
      return NULL;
  }
  if (from != NULL && G_IS_INET_SOCKET_ADDRESS (address))
    *from = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  return object;
}

/* at most JN_NAME_MAX_CHARS characters of a UTF-8 string */
static char *
truncate_name (const char *text)
{
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return g_strdup ("?");
  if (g_utf8_strlen (text, -1) <= JN_NAME_MAX_CHARS)
    return g_strdup (text);
  return g_utf8_substring (text, 0, JN_NAME_MAX_CHARS);
}

/* --- announcer ----------------------------------------------------------- */

struct _JnAnnouncer
{
  GSocket *socket;
  GSource *source;
  guint    timer;
  char    *id;
  char    *session_name;
  char    *host_name;
  guint16  port;
  gboolean passphrase;
  char    *fingerprint;
  guint    players;
  JnAvahiPublisher *avahi;
};

/* the TXT records of the Avahi service (docs/protocol.md section 6) */
static GStrv
announcer_txt (JnAnnouncer *self)
{
  GStrv txt = g_new0 (char *, 7);

  txt[0] = g_strdup_printf ("v=%d", JN_PROTOCOL_VERSION);
  txt[1] = g_strdup_printf ("id=%s", self->id);
  txt[2] = g_strdup_printf ("host=%s", self->host_name);
  txt[3] = g_strdup_printf ("players=%u", self->players);
  txt[4] = g_strdup_printf ("passphrase=%d", self->passphrase);
  txt[5] = g_strdup_printf ("fp=%s", self->fingerprint);
  return txt;
}

static void
announce (JnAnnouncer *self)
{
  g_autoptr(JsonNode) root = beacon_new ("announce");
  JsonObject *o = json_node_get_object (root);

  json_object_set_string_member (o, "id", self->id);
  json_object_set_string_member (o, "session", self->session_name);
  json_object_set_string_member (o, "host", self->host_name);
  json_object_set_int_member (o, "port", self->port);
  json_object_set_int_member (o, "players", self->players);
  json_object_set_boolean_member (o, "passphrase", self->passphrase);
  json_object_set_string_member (o, "fp", self->fingerprint);
  send_beacon (self->socket, root);
}

static gboolean
on_announce_timer (gpointer data)
{
  announce (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_announcer_readable (GSocket      *socket,
                       GIOCondition  condition,
                       gpointer      data)
{
  JnAnnouncer *self = data;

  for (guint i = 0; i < 64; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      gboolean got;
      JsonObject *o = receive_beacon (socket, parser, NULL, &got);

      if (!got)
        break;
      if (o != NULL && g_str_equal (jn_json_get_string (o, "jamnet"), "query"))
        announce (self);
    }
  return G_SOURCE_CONTINUE;
}

JnAnnouncer *
jn_announcer_new (const char  *interface,
                  const char  *session_name,
                  const char  *host_name,
                  guint16      port,
                  gboolean     passphrase,
                  const char  *fingerprint,
                  GError     **error)
{
  GSocket *socket;
  JnAnnouncer *self;

  g_return_val_if_fail (jn_fingerprint_is_valid (fingerprint), NULL);
  socket = open_beacon_socket (interface, error);

  if (socket == NULL)
    return NULL;
  self = g_new0 (JnAnnouncer, 1);
  self->socket = socket;
  self->id = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
  self->session_name = truncate_name (session_name);
  self->host_name = truncate_name (host_name);
  self->port = port;
  self->passphrase = !!passphrase;
  self->fingerprint = g_strdup (fingerprint);
  self->players = 1;
  self->source = g_socket_create_source (socket, G_IO_IN, NULL);
  g_source_set_callback (self->source, G_SOURCE_FUNC (on_announcer_readable), self, NULL);
  g_source_attach (self->source, g_main_context_get_thread_default ());
  self->timer = g_timeout_add (JN_DISCOVERY_INTERVAL_MS, on_announce_timer, self);
  announce (self);
  {
    g_auto(GStrv) txt = announcer_txt (self);

    self->avahi = jn_avahi_publish (self->session_name, port, (const char *const *) txt);
  }
  return self;
}

void
jn_announcer_set_players (JnAnnouncer *self,
                          guint        players)
{
  if (self->players != players)
    {
      g_auto(GStrv) txt = NULL;

      self->players = players;
      announce (self);
      txt = announcer_txt (self);
      jn_avahi_publisher_set_txt (self->avahi, (const char *const *) txt);
    }
}

void
jn_announcer_free (JnAnnouncer *self)
{
  g_autoptr(JsonNode) bye = NULL;

  if (self == NULL)
    return;
  g_clear_pointer (&self->avahi, jn_avahi_publisher_free);
  bye = beacon_new ("bye");
  json_object_set_string_member (json_node_get_object (bye), "id", self->id);
  send_beacon (self->socket, bye);
  g_clear_handle_id (&self->timer, g_source_remove);
  g_source_destroy (self->source);
  g_source_unref (self->source);
  g_object_unref (self->socket);
  g_free (self->id);
  g_free (self->fingerprint);
  g_free (self->session_name);
  g_free (self->host_name);
  g_free (self);
}

/* --- discovery ----------------------------------------------------------- */

struct _JnDiscovery
{
  GObject     parent_instance;
  GListStore *store;
  GSocket    *socket;
  GSource    *source;
  guint       expiry;
  guint64     ignored;
  JnAvahiBrowser *avahi;
  GHashTable *avahi_seen;   /* service name -> interfaces it was resolved on */
  GCancellable *cancellable;   /* the tries of sessions' ports still under way */
};

static void jn_discovery_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (JnDiscovery, jn_discovery, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, jn_discovery_model_init))

static GType
get_item_type (GListModel *model)
{
  return JN_TYPE_SESSION_INFO;
}

static guint
get_n_items (GListModel *model)
{
  return g_list_model_get_n_items (G_LIST_MODEL (JN_DISCOVERY (model)->store));
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  return g_list_model_get_item (G_LIST_MODEL (JN_DISCOVERY (model)->store), position);
}

static void
jn_discovery_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static gint
find (JnDiscovery *self,
      const char  *id)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->store)); i++)
    {
      g_autoptr(JnSessionInfo) info = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      if (g_str_equal (info->id, id))
        return (gint) i;
    }
  return -1;
}

/* A try of a listed session's port: after a bye, or while only Avahi
 * still lists it (its host may have lost power or its network, and
 * Avahi's records outlive it by minutes). */
typedef struct
{
  JnDiscovery  *self;          /* only while cancellable is not cancelled */
  GCancellable *cancellable;
  gboolean      bye;
} PortCheck;

static void
port_check_free (PortCheck *check)
{
  g_object_unref (check->cancellable);
  g_free (check);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PortCheck, port_check_free)

static void
on_port_checked (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  JnSessionInfo *info = JN_SESSION_INFO (source);
  g_autoptr(PortCheck) check = user_data;
  g_autoptr(GError) error = NULL;
  gboolean answers = jn_session_info_ping_finish (info, result, &error) >= 0.0;
  JnDiscovery *self = check->self;
  gboolean bye = check->bye || info->bye_seen;

  info->checking = FALSE;
  info->bye_seen = FALSE;
  info->last_checked = g_get_monotonic_time ();
  if (g_cancellable_is_cancelled (check->cancellable))
    return;
  if (answers)
    {
      info->failed_checks = 0;
      if (bye)
        self->ignored++;   /* it still takes connections: the bye was forged */
      return;
    }
  /* a quiet Avahi entry goes on the second try in a row that fails (one
   * refused connection may be a host restarting its session) */
  if (!bye && ++info->failed_checks < JN_DISCOVERY_FAILED_TRIES)
    return;
  /* gone, unless it was replaced by a newer announcement meanwhile */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->store)); i++)
    {
      g_autoptr(JnSessionInfo) listed = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      if (listed == info)
        {
          g_list_store_remove (self->store, i);
          break;
        }
    }
}

static void
check_port (JnDiscovery   *self,
            JnSessionInfo *info,
            gboolean       bye)
{
  PortCheck *check;

  if (info->checking)
    {
      /* the try under way answers for the bye too */
      info->bye_seen |= bye;
      return;
    }
  check = g_new0 (PortCheck, 1);
  check->self = self;
  check->cancellable = g_object_ref (self->cancellable);
  check->bye = bye;
  info->checking = TRUE;
  jn_session_info_ping_async (info, self->cancellable, on_port_checked, check);
}

static gboolean
valid_text (const char *text)
{
  return text != NULL && *text != '\0' && g_utf8_strlen (text, -1) <= JN_NAME_MAX_CHARS;
}

static gboolean
handle_beacon (JnDiscovery *self,
               JsonObject  *o,
               const char  *from)
{
  const char *kind = jn_json_get_string (o, "jamnet");
  const char *id = jn_json_get_string (o, "id");
  gint at;

  if (g_str_equal (kind, "query"))
    return TRUE;
  if (id == NULL || strlen (id) > 32)
    return FALSE;
  at = find (self, id);

  if (g_str_equal (kind, "bye"))
    {
      g_autoptr(JnSessionInfo) info = at >= 0 ? g_list_model_get_item (G_LIST_MODEL (self->store), (guint) at)
                                              : NULL;

      /* only from where the session announces itself: anyone else's bye
       * for it is forged (it then goes when its beacons stop) */
      if (info != NULL && g_strcmp0 (info->address, from) != 0)
        return FALSE;
      /* even from there it can be forged: a session that ends stops
       * listening before it says bye, so it goes once its port refuses */
      if (info != NULL)
        check_port (self, info, TRUE);
      return TRUE;
    }
  if (g_str_equal (kind, "announce"))
    {
      g_autoptr(JnSessionInfo) info = NULL;
      const char *session = jn_json_get_string (o, "session");
      const char *host = jn_json_get_string (o, "host");
      const char *fp = jn_json_get_string (o, "fp");
      gint64 port = 0, players = -1;
      gboolean passphrase = FALSE;

      if (!valid_text (session) || !valid_text (host) || !jn_json_get_int (o, "port", &port) || port < 1 ||
          port > 65535 || !jn_json_get_int (o, "players", &players) || players < 0 ||
          players > JN_SESSION_MAX_PEERS || (json_object_has_member (o, "passphrase") && !jn_json_get_boolean (o, "passphrase", &passphrase)) ||
          !jn_fingerprint_is_valid (fp) || from == NULL)
        return FALSE;
      info = g_object_new (JN_TYPE_SESSION_INFO, NULL);
      info->id = g_strdup (id);
      info->name = g_strdup (session);
      info->host_name = g_strdup (host);
      info->address = g_strdup (from);
      info->port = (guint16) port;
      info->players = (guint) players;
      info->passphrase = passphrase;
      info->fingerprint = g_strdup (fp);
      info->last_seen = g_get_monotonic_time ();
      if (at < 0 && g_list_model_get_n_items (G_LIST_MODEL (self->store)) >= JN_DISCOVERY_MAX_SESSIONS)
        return FALSE;
      if (at < 0)
        g_list_store_append (self->store, info);
      else
        {
          g_autoptr(JnSessionInfo) old = g_list_model_get_item (G_LIST_MODEL (self->store), (guint) at);

          info->avahi_name = g_strdup (old->avahi_name);
          if (g_strcmp0 (old->name, info->name) || g_strcmp0 (old->host_name, info->host_name) ||
              g_strcmp0 (old->address, info->address) || old->port != info->port ||
              old->players != info->players || old->passphrase != info->passphrase ||
              g_strcmp0 (old->fingerprint, info->fingerprint))
            g_list_store_splice (self->store, (guint) at, 1, (gpointer *) &info, 1);
          else
            old->last_seen = info->last_seen;
        }
      return TRUE;
    }
  return FALSE;
}

/* A session resolved through Avahi: hostile input, checked like a beacon. */
static void
on_avahi_found (gpointer data, const char *name, const char *address, guint16 port, GHashTable *txt)
{
  JnDiscovery *self = data;
  const char *id = g_hash_table_lookup (txt, "id"), *host = g_hash_table_lookup (txt, "host");
  const char *players_text = g_hash_table_lookup (txt, "players");
  guint64 players = 0;
  g_autoptr(JnSessionInfo) info = NULL;
  gint at;

  if (id == NULL || *id == '\0' || strlen (id) > 32 || !valid_text (name) || !valid_text (host) ||
      !jn_fingerprint_is_valid (g_hash_table_lookup (txt, "fp")) ||
      address == NULL || *address == '\0' || port == 0 || players_text == NULL ||
      !g_ascii_string_to_unsigned (players_text, 10, 0, JN_SESSION_MAX_PEERS, &players, NULL))
    {
      self->ignored++;
      return;
    }
  g_hash_table_insert (self->avahi_seen, g_strdup (name),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->avahi_seen, name)) + 1));
  at = find (self, id);
  if (at < 0 && g_list_model_get_n_items (G_LIST_MODEL (self->store)) >= JN_DISCOVERY_MAX_SESSIONS)
    {
      self->ignored++;
      return;
    }
  if (at >= 0)
    {
      g_autoptr(JnSessionInfo) old = g_list_model_get_item (G_LIST_MODEL (self->store), (guint) at);

      g_free (old->avahi_name);
      old->avahi_name = g_strdup (name);
      return;
    }
  info = g_object_new (JN_TYPE_SESSION_INFO, NULL);
  info->id = g_strdup (id);
  info->name = g_strdup (name);
  info->host_name = g_strdup (host);
  info->address = g_strdup (address);
  info->port = port;
  info->players = (guint) players;
  info->passphrase = g_strcmp0 (g_hash_table_lookup (txt, "passphrase"), "1") == 0;
  info->fingerprint = g_strdup (g_hash_table_lookup (txt, "fp"));
  info->last_seen = g_get_monotonic_time ();
  info->avahi_name = g_strdup (name);
  g_list_store_append (self->store, info);
}

static void
on_avahi_lost (gpointer data, const char *name)
{
  JnDiscovery *self = data;
  guint left = GPOINTER_TO_UINT (g_hash_table_lookup (self->avahi_seen, name));

  /* gone from every interface it was seen on */
  if (left > 1)
    {
      g_hash_table_insert (self->avahi_seen, g_strdup (name), GUINT_TO_POINTER (left - 1));
      return;
    }
  g_hash_table_remove (self->avahi_seen, name);
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->store)); i-- > 0;)
    {
      g_autoptr(JnSessionInfo) info = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      if (g_strcmp0 (info->avahi_name, name) != 0)
        continue;
      /* still heard through the beacon: the beacon's expiry decides */
      if (g_get_monotonic_time () - info->last_seen <= JN_DISCOVERY_EXPIRE_MS * 1000)
        g_clear_pointer (&info->avahi_name, g_free);
      else
        g_list_store_remove (self->store, i);
    }
}

static gboolean
on_discovery_readable (GSocket      *socket,
                       GIOCondition  condition,
                       gpointer      data)
{
  JnDiscovery *self = data;

  for (guint i = 0; i < 64; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      g_autofree char *from = NULL;
      gboolean got;
      JsonObject *o = receive_beacon (socket, parser, &from, &got);

      if (!got)
        break;
      if (o == NULL || !handle_beacon (self, o, from))
        self->ignored++;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_expiry (gpointer data)
{
  JnDiscovery *self = data;
  gint64 now = g_get_monotonic_time ();

  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->store)); i-- > 0;)
    {
      g_autoptr(JnSessionInfo) info = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      if (now - info->last_seen <= JN_DISCOVERY_EXPIRE_MS * 1000)
        continue;
      if (info->avahi_name == NULL)
        g_list_store_remove (self->store, i);
      /* a session Avahi knows of goes when Avahi says so, or when its
       * port stops answering */
      else if (now - info->last_checked >= JN_DISCOVERY_CHECK_EVERY_MS * 1000)
        check_port (self, info, FALSE);
    }
  return G_SOURCE_CONTINUE;
}

static void
jn_discovery_dispose (GObject *object)
{
  JnDiscovery *self = JN_DISCOVERY (object);

  g_clear_handle_id (&self->expiry, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->avahi, jn_avahi_browser_free);
  g_clear_pointer (&self->avahi_seen, g_hash_table_unref);
  if (self->source != NULL)
    g_source_destroy (self->source);
  g_clear_pointer (&self->source, g_source_unref);
  g_clear_object (&self->socket);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (jn_discovery_parent_class)->dispose (object);
}

static void
jn_discovery_class_init (JnDiscoveryClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = jn_discovery_dispose;
}

static void
jn_discovery_init (JnDiscovery *self)
{
  self->store = g_list_store_new (JN_TYPE_SESSION_INFO);
  self->cancellable = g_cancellable_new ();
  g_signal_connect_object (self->store, "items-changed", G_CALLBACK (g_list_model_items_changed),
                           self, G_CONNECT_SWAPPED);
}

JnDiscovery *
jn_discovery_new (const char  *interface,
                  GError     **error)
{
  g_autoptr(JnDiscovery) self = g_object_new (JN_TYPE_DISCOVERY, NULL);
  g_autoptr(JsonNode) query = beacon_new ("query");

  self->socket = open_beacon_socket (interface, error);
  if (self->socket == NULL)
    return NULL;
  self->source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->source, G_SOURCE_FUNC (on_discovery_readable), self, NULL);
  g_source_attach (self->source, g_main_context_get_thread_default ());
  self->expiry = g_timeout_add (500, on_expiry, self);
  self->avahi_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->avahi = jn_avahi_browse (on_avahi_found, on_avahi_lost, self);
  /* ask, so sessions show up now rather than at their next beacon */
  send_beacon (self->socket, query);
  return g_steal_pointer (&self);
}

guint64
jn_discovery_get_ignored (JnDiscovery *self)
{
  g_return_val_if_fail (JN_IS_DISCOVERY (self), 0);
  return self->ignored;
}
