/* jn-control-listener.c: accepting control-plane connections
 *
 * The listener accepts and does TLS itself, then hands libsoup each
 * connection through jn-ws-limit-stream.c, so that it can bound what is
 * pending, time out the slow and survive running out of descriptors
 * (docs/protocol.md, section 2).  A JamNet host and a jamnet-server both
 * take their joiners from one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-control-listener"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "jn-control-listener.h"
#include "jn-identity.h"
#include "jn-ws-limit-stream.h"

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
  JnControlListener *listener;   /* unowned */
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
  JnControlListener     *listener;   /* unowned */
  JnControlWebsocketFunc func;
  gpointer               user_data;
} Handler;

struct _JnControlListener
{
  GObject          parent_instance;

  GTlsCertificate *certificate;
  char            *fingerprint;
  SoupServer      *server;
  GSocket         *listener;
  GSource         *accept_source;
  guint            accept_retry;
  guint16          port;
  GHashTable      *pending;     /* Pending.key -> Pending */
  JnControlListenerStats stats;
};

G_DEFINE_FINAL_TYPE (JnControlListener, jn_control_listener, G_TYPE_OBJECT)


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
  JnControlListener *self = p->listener;

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
  g_hash_table_remove (p->listener->pending, p->key);
  return G_SOURCE_REMOVE;
}

static void
on_tls_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  JnControlListener *self;
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
      p->listener->stats.tls_failures++;
      g_hash_table_remove (p->listener->pending, p->key);
      return;
    }
  p = user_data;
  self = p->listener;
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
  JnControlListener *self = p->listener;
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

/* The ClientHello is looked at as soon as something arrives; only one that
 * comes in pieces is polled for (every HELLO_CHECK_MS) */
static gboolean
on_hello_readable (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      user_data)
{
  Pending *p = user_data;

  if (!on_hello_check (p))
    return G_SOURCE_REMOVE;    /* done: on_hello_check() cleared p->check */
  p->check = g_timeout_add (HELLO_CHECK_MS, on_hello_check, p);
  return G_SOURCE_REMOVE;
}

static guint
pending_from (JnControlListener *self,
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
make_room (JnControlListener *self,
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
take_connection (JnControlListener *self,
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
  p->listener = self;
  p->key = g_steal_pointer (&key);
  p->address = g_steal_pointer (&address);
  p->cancellable = g_cancellable_new ();
  p->since_us = g_get_monotonic_time ();
  p->base = g_object_ref (connection);
  p->timeout = g_timeout_add_seconds (HANDSHAKE_TIMEOUT_S, on_handshake_timeout, p);
  {
    g_autoptr(GSource) readable = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);

    g_source_set_callback (readable, G_SOURCE_FUNC (on_hello_readable), p, NULL);
    p->check = g_source_attach (readable, NULL);
  }
  /* small control messages go out at once, not after a delayed ACK */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  g_hash_table_insert (self->pending, p->key, p);
}

static gboolean on_incoming (GSocket *listener, GIOCondition condition, gpointer user_data);

static void
watch_listener (JnControlListener *self)
{
  self->accept_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (on_incoming), self, NULL);
  g_source_attach (self->accept_source, g_main_context_get_thread_default ());
}

static gboolean
on_accept_retry (gpointer user_data)
{
  JnControlListener *self = user_data;

  self->accept_retry = 0;
  watch_listener (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_incoming (GSocket      *listener,
             GIOCondition  condition,
             gpointer      user_data)
{
  JnControlListener *self = user_data;

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
stop_listening (JnControlListener *self)
{
  g_clear_handle_id (&self->accept_retry, g_source_remove);
  if (self->accept_source != NULL)
    g_source_destroy (self->accept_source);
  g_clear_pointer (&self->accept_source, g_source_unref);
  if (self->listener != NULL)
    g_socket_close (self->listener, NULL);
  g_clear_object (&self->listener);
}

/* --- object ---------------------------------------------------------------- */

static void
jn_control_listener_dispose (GObject *object)
{
  JnControlListener *self = JN_CONTROL_LISTENER (object);

  jn_control_listener_close (self);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  G_OBJECT_CLASS (jn_control_listener_parent_class)->dispose (object);
}

static void
jn_control_listener_finalize (GObject *object)
{
  JnControlListener *self = JN_CONTROL_LISTENER (object);

  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_object (&self->certificate);
  g_free (self->fingerprint);
  G_OBJECT_CLASS (jn_control_listener_parent_class)->finalize (object);
}

static void
jn_control_listener_class_init (JnControlListenerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = jn_control_listener_dispose;
  G_OBJECT_CLASS (klass)->finalize = jn_control_listener_finalize;
}

static void
jn_control_listener_init (JnControlListener *self)
{
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) pending_free);
}

JnControlListener *
jn_control_listener_new (GTlsCertificate *certificate)
{
  JnControlListener *self;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  self = g_object_new (JN_TYPE_CONTROL_LISTENER, NULL);
  self->certificate = g_object_ref (certificate);
  self->fingerprint = jn_certificate_fingerprint (certificate);
  self->server = soup_server_new ("server-header", "JamNet/" PACKAGE_VERSION " ", NULL);
  return self;
}

gboolean
jn_control_listener_listen (JnControlListener  *self,
                            const char         *address,
                            guint16             port,
                            GError            **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) sockaddr = NULL;
  g_autoptr(GSocketAddress) bound = NULL;

  g_return_val_if_fail (JN_IS_CONTROL_LISTENER (self), FALSE);
  g_return_val_if_fail (self->listener == NULL, FALSE);

  inet = address ? g_inet_address_new_from_string (address)
                 : g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an IP address to listen on"), address);
      return FALSE;
    }
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
  watch_listener (self);
  return TRUE;
}

/* msg's connection is no longer pending: libsoup owns its stream now */
static void
release_pending (JnControlListener *self,
                 SoupServerMessage *msg)
{
  g_autofree char *key = address_key (soup_server_message_get_remote_address (msg), NULL);
  Pending *p = key != NULL ? g_hash_table_lookup (self->pending, key) : NULL;

  if (p != NULL)
    {
      g_clear_object (&p->stream);
      g_clear_object (&p->base);
      g_hash_table_remove (self->pending, key);
    }
}

static void
on_websocket (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  Handler *handler = user_data;

  /* the hello timeout takes over from the handshake's */
  release_pending (handler->listener, msg);
  {
    GSocketAddress *local = soup_server_message_get_local_address (msg);
    g_autofree char *local_address =
      G_IS_INET_SOCKET_ADDRESS (local)
        ? g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)))
        : g_strdup ("127.0.0.1");

    soup_websocket_connection_set_max_incoming_payload_size (connection, JN_WS_MAX_MESSAGE);
    handler->func (connection, path, soup_server_message_get_remote_host (msg), local_address,
                   handler->user_data);
  }
}

void
jn_control_listener_add_websocket_handler (JnControlListener      *self,
                                           const char             *path,
                                           JnControlWebsocketFunc  func,
                                           gpointer                user_data)
{
  Handler *handler;

  g_return_if_fail (JN_IS_CONTROL_LISTENER (self));

  handler = g_new0 (Handler, 1);
  handler->listener = self;
  handler->func = func;
  handler->user_data = user_data;
  soup_server_add_websocket_handler (self->server, path, NULL, NULL, on_websocket, handler, g_free);
}

typedef struct
{
  JnControlListener  *listener;   /* unowned */
  SoupServerCallback  callback;
  gpointer            user_data;
} RequestHandler;

static void
on_request (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  RequestHandler *handler = user_data;

  /* one request per connection: the next one is a new connection, under
   * the limits again */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
  release_pending (handler->listener, msg);
  handler->callback (server, msg, path, query, handler->user_data);
}

void
jn_control_listener_add_handler (JnControlListener  *self,
                                 const char         *path,
                                 SoupServerCallback  callback,
                                 gpointer            user_data)
{
  RequestHandler *handler;

  g_return_if_fail (JN_IS_CONTROL_LISTENER (self));

  handler = g_new0 (RequestHandler, 1);
  handler->listener = self;
  handler->callback = callback;
  handler->user_data = user_data;
  soup_server_add_handler (self->server, path, on_request, handler, g_free);
}

guint16
jn_control_listener_get_port (JnControlListener *self)
{
  g_return_val_if_fail (JN_IS_CONTROL_LISTENER (self), 0);
  return self->port;
}

const char *
jn_control_listener_get_fingerprint (JnControlListener *self)
{
  g_return_val_if_fail (JN_IS_CONTROL_LISTENER (self), NULL);
  return self->fingerprint;
}

void
jn_control_listener_get_stats (JnControlListener      *self,
                               JnControlListenerStats *stats)
{
  g_return_if_fail (JN_IS_CONTROL_LISTENER (self));
  *stats = self->stats;
}

void
jn_control_listener_close (JnControlListener *self)
{
  g_return_if_fail (JN_IS_CONTROL_LISTENER (self));

  stop_listening (self);
  if (self->pending != NULL)
    g_hash_table_remove_all (self->pending);
}
