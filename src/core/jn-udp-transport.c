/* jn-udp-transport.c: one non-blocking UDP socket
 *
 * A datagram's peer is the member whose address and port it came from
 * (the newest such member, should a departed one have had the same); the
 * peer table changes rarely and is guarded by its own lock, never held
 * while the receive callback runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-udp-transport"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "jn-packet.h"
#include "jn-udp-transport.h"

/* Datagrams read in one go before the main loop gets a turn. */
#define RX_BATCH 256
/* Asked of the kernel (which caps it at net.core.rmem_max): a burst of
 * datagrams that are not ours must not push out the members' own. */
#define RX_BUFFER_BYTES (4 * 1024 * 1024)

typedef struct
{
  guint32                 id;
  struct sockaddr_storage addr;
  socklen_t               addr_len;
} Route;

struct _JnUdpTransport
{
  GObject                 parent_instance;

  GSocket                *socket;
  int                     fd;
  guint16                 port;

  GMutex                  lock;         /* routes */
  GArray                 *routes;       /* Route, oldest first */

  GSource                *rx_source;
  JnTransportReceiveFunc  func;
  gpointer                func_data;
  guint8                 *rx_buf;
  struct sockaddr_storage rx_from;      /* the datagram being handed over */
  socklen_t               rx_from_len;  /* 0 outside the receive callback */
  gint                    closed;       /* atomic */
};

static void jn_udp_transport_iface_init (JnTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (JnUdpTransport, jn_udp_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (JN_TYPE_TRANSPORT,
                                                      jn_udp_transport_iface_init))

static gboolean
sockaddr_equal (const struct sockaddr_storage *a,
                const struct sockaddr_storage *b)
{
  if (a->ss_family != b->ss_family)
    return FALSE;
  if (a->ss_family == AF_INET)
    {
      const struct sockaddr_in *x = (const void *) a, *y = (const void *) b;

      return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
  if (a->ss_family == AF_INET6)
    {
      const struct sockaddr_in6 *x = (const void *) a, *y = (const void *) b;

      return x->sin6_port == y->sin6_port &&
             memcmp (&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
    }
  return FALSE;
}

static Route *
find_route (JnUdpTransport *self,
            guint32         id)
{
  for (guint i = 0; i < self->routes->len; i++)
    if (g_array_index (self->routes, Route, i).id == id)
      return &g_array_index (self->routes, Route, i);
  return NULL;
}

static guint32
peer_from (JnUdpTransport                *self,
           const struct sockaddr_storage *from)
{
  guint32 id = 0;

  g_mutex_lock (&self->lock);
  for (guint i = self->routes->len; i-- > 0;)
    if (sockaddr_equal (&g_array_index (self->routes, Route, i).addr, from))
      {
        id = g_array_index (self->routes, Route, i).id;
        break;
      }
  g_mutex_unlock (&self->lock);
  return id;
}

static gboolean
jn_udp_transport_set_peer (JnTransport  *transport,
                           guint32       peer_id,
                           const char   *address,
                           guint16       port,
                           GError      **error)
{
  JnUdpTransport *self = JN_UDP_TRANSPORT (transport);
  g_autoptr(GInetAddress) inet = address ? g_inet_address_new_from_string (address) : NULL;
  g_autoptr(GSocketAddress) sockaddr = NULL;
  Route route = { .id = peer_id };
  Route *existing;

  if (inet == NULL || port == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” port %u is not a usable peer address"), address ? address : "",
                   port);
      return FALSE;
    }
  if (g_inet_address_get_family (inet) != g_socket_get_family (self->socket))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Peer address %s is of another IP version than the local socket"),
                   address);
      return FALSE;
    }
  sockaddr = g_inet_socket_address_new (inet, port);
  if (!g_socket_address_to_native (sockaddr, &route.addr, sizeof route.addr, error))
    return FALSE;
  route.addr_len = (socklen_t) g_socket_address_get_native_size (sockaddr);

  g_mutex_lock (&self->lock);
  if ((existing = find_route (self, peer_id)) != NULL)
    *existing = route;
  else
    g_array_append_val (self->routes, route);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static void
jn_udp_transport_forget_peer (JnTransport *transport,
                              guint32      peer_id)
{
  JnUdpTransport *self = JN_UDP_TRANSPORT (transport);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->routes->len; i++)
    if (g_array_index (self->routes, Route, i).id == peer_id)
      {
        g_array_remove_index (self->routes, i);
        break;
      }
  g_mutex_unlock (&self->lock);
}

static gboolean
jn_udp_transport_send (JnTransport  *transport,
                       guint32       peer_id,
                       const guint8 *data,
                       gsize         size)
{
  JnUdpTransport *self = JN_UDP_TRANSPORT (transport);
  struct sockaddr_storage addr;
  socklen_t addr_len = 0;
  Route *route;

  if (g_atomic_int_get (&self->closed))
    return FALSE;
  g_mutex_lock (&self->lock);
  if ((route = find_route (self, peer_id)) != NULL)
    {
      addr = route->addr;
      addr_len = route->addr_len;
    }
  g_mutex_unlock (&self->lock);
  if (addr_len == 0)
    return FALSE;
  return sendto (self->fd, data, size, MSG_DONTWAIT, (const struct sockaddr *) &addr,
                 addr_len) >= 0;
}

static void
jn_udp_transport_poll (JnTransport *transport)
{
  JnUdpTransport *self = JN_UDP_TRANSPORT (transport);
  /* close() may come from another thread while this runs */
  JnTransportReceiveFunc func = self->func;
  gpointer func_data = self->func_data;

  if (func == NULL)
    return;
  for (guint i = 0; i < RX_BATCH && !g_atomic_int_get (&self->closed); i++)
    {
      struct sockaddr_storage from;
      socklen_t from_len = sizeof from;
      ssize_t n;

      /* one byte more than the largest datagram: a longer one is truncated
       * to a size the decoder refuses */
      n = recvfrom (self->fd, self->rx_buf, JN_PACKET_MAX_SIZE + 1, MSG_DONTWAIT,
                    (struct sockaddr *) &from, &from_len);
      if (n < 0)
        break;
      self->rx_from = from;
      self->rx_from_len = from_len;
      func (func_data, peer_from (self, &from), self->rx_buf, (gsize) n,
            g_get_monotonic_time ());
      self->rx_from_len = 0;
    }
}

static gboolean
jn_udp_transport_adopt_source (JnTransport *transport,
                               guint32      peer_id)
{
  JnUdpTransport *self = JN_UDP_TRANSPORT (transport);
  gboolean changed = FALSE;
  Route *route;

  if (self->rx_from_len == 0)
    return FALSE;
  g_mutex_lock (&self->lock);
  if ((route = find_route (self, peer_id)) == NULL)
    {
      /* a peer whose address is learnt from its first authentic datagram
       * (a forward room's server does not know its members' addresses) */
      Route fresh = { .id = peer_id };

      g_array_append_val (self->routes, fresh);
      route = find_route (self, peer_id);
    }
  if (!sockaddr_equal (&route->addr, &self->rx_from))
    {
      route->addr = self->rx_from;
      route->addr_len = self->rx_from_len;
      changed = TRUE;
    }
  g_mutex_unlock (&self->lock);
  return changed;
}

static gboolean
on_readable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  jn_udp_transport_poll (JN_TRANSPORT (user_data));
  return G_SOURCE_CONTINUE;
}

static void
jn_udp_transport_start (JnTransport            *transport,
                        GMainContext           *context,
                        JnTransportReceiveFunc  func,
                        gpointer                user_data)
{
  JnUdpTransport *self = JN_UDP_TRANSPORT (transport);

  g_return_if_fail (self->rx_source == NULL);

  self->func = func;
  self->func_data = user_data;
  g_atomic_int_set (&self->closed, FALSE);
  self->rx_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->rx_source, G_SOURCE_FUNC (on_readable), self, NULL);
  g_source_set_priority (self->rx_source, G_PRIORITY_HIGH);
  g_source_attach (self->rx_source, context);
}

static GSocketAddress *
jn_udp_transport_get_local_address (JnTransport *transport)
{
  return g_socket_get_local_address (JN_UDP_TRANSPORT (transport)->socket, NULL);
}

static void
jn_udp_transport_close (JnTransport *transport)
{
  JnUdpTransport *self = JN_UDP_TRANSPORT (transport);

  if (self->rx_source != NULL)
    g_source_destroy (self->rx_source);
  g_clear_pointer (&self->rx_source, g_source_unref);
  /* a receive under way on the media thread finishes with the callback it
   * started with; the caller joins that thread before the callback's data
   * goes away */
  g_atomic_int_set (&self->closed, TRUE);
}

static void
jn_udp_transport_iface_init (JnTransportInterface *iface)
{
  iface->set_peer = jn_udp_transport_set_peer;
  iface->forget_peer = jn_udp_transport_forget_peer;
  iface->send = jn_udp_transport_send;
  iface->start = jn_udp_transport_start;
  iface->poll = jn_udp_transport_poll;
  iface->get_local_address = jn_udp_transport_get_local_address;
  iface->close = jn_udp_transport_close;
  iface->adopt_source = jn_udp_transport_adopt_source;
}

static void
jn_udp_transport_finalize (GObject *object)
{
  JnUdpTransport *self = JN_UDP_TRANSPORT (object);

  jn_udp_transport_close (JN_TRANSPORT (self));
  g_clear_object (&self->socket);
  g_clear_pointer (&self->routes, g_array_unref);
  g_free (self->rx_buf);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (jn_udp_transport_parent_class)->finalize (object);
}

static void
jn_udp_transport_class_init (JnUdpTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = jn_udp_transport_finalize;
}

static void
jn_udp_transport_init (JnUdpTransport *self)
{
  g_mutex_init (&self->lock);
  self->fd = -1;
  self->routes = g_array_new (FALSE, TRUE, sizeof (Route));
  self->rx_buf = g_malloc (JN_PACKET_MAX_SIZE + 1);
}

JnUdpTransport *
jn_udp_transport_new (const char  *bind_address,
                      guint16      port,
                      GError     **error)
{
  g_autoptr(JnUdpTransport) self = g_object_new (JN_TYPE_UDP_TRANSPORT, NULL);
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;

  if (bind_address == NULL)
    inet = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  else if ((inet = g_inet_address_new_from_string (bind_address)) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an IP address to listen on"), bind_address);
      return NULL;
    }

  self->socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_DATAGRAM,
                               G_SOCKET_PROTOCOL_UDP, error);
  if (self->socket == NULL)
    return NULL;
  g_socket_set_blocking (self->socket, FALSE);
  /* best effort: a smaller buffer still works */
  g_socket_set_option (self->socket, SOL_SOCKET, SO_RCVBUF, RX_BUFFER_BYTES, NULL);
  address = g_inet_socket_address_new (inet, port);
  if (!g_socket_bind (self->socket, address, FALSE, error))
    {
      g_prefix_error (error, _("Cannot use UDP port %u: "), port);
      return NULL;
    }
  bound = g_socket_get_local_address (self->socket, error);
  if (bound == NULL)
    return NULL;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  self->fd = g_socket_get_fd (self->socket);
  return g_steal_pointer (&self);
}

guint16
jn_udp_transport_get_port (JnUdpTransport *self)
{
  g_return_val_if_fail (JN_IS_UDP_TRANSPORT (self), 0);
  return self->port;
}
