/* jn-transport.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-transport"

#include "config.h"

#include "jn-transport.h"

G_DEFINE_INTERFACE (JnTransport, jn_transport, G_TYPE_OBJECT)

static void
jn_transport_default_init (JnTransportInterface *iface)
{
}

gboolean
jn_transport_set_peer (JnTransport  *self,
                       guint32       peer_id,
                       const char   *address,
                       guint16       port,
                       GError      **error)
{
  g_return_val_if_fail (JN_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (peer_id != 0, FALSE);

  return JN_TRANSPORT_GET_IFACE (self)->set_peer (self, peer_id, address, port, error);
}

void
jn_transport_forget_peer (JnTransport *self,
                          guint32      peer_id)
{
  g_return_if_fail (JN_IS_TRANSPORT (self));

  JN_TRANSPORT_GET_IFACE (self)->forget_peer (self, peer_id);
}

gboolean
jn_transport_send (JnTransport  *self,
                   guint32       peer_id,
                   const guint8 *data,
                   gsize         size)
{
  return JN_TRANSPORT_GET_IFACE (self)->send (self, peer_id, data, size);
}

void
jn_transport_start (JnTransport            *self,
                    GMainContext           *context,
                    JnTransportReceiveFunc  func,
                    gpointer                user_data)
{
  g_return_if_fail (JN_IS_TRANSPORT (self));
  g_return_if_fail (func != NULL);

  JN_TRANSPORT_GET_IFACE (self)->start (self, context, func, user_data);
}

void
jn_transport_poll (JnTransport *self)
{
  JnTransportInterface *iface = JN_TRANSPORT_GET_IFACE (self);

  if (iface->poll != NULL)
    iface->poll (self);
}

GSocketAddress *
jn_transport_get_local_address (JnTransport *self)
{
  g_return_val_if_fail (JN_IS_TRANSPORT (self), NULL);

  return JN_TRANSPORT_GET_IFACE (self)->get_local_address (self);
}

gboolean
jn_transport_adopt_source (JnTransport *self,
                           guint32      peer_id)
{
  JnTransportInterface *iface = JN_TRANSPORT_GET_IFACE (self);

  return iface->adopt_source != NULL && iface->adopt_source (self, peer_id);
}

void
jn_transport_close (JnTransport *self)
{
  g_return_if_fail (JN_IS_TRANSPORT (self));

  JN_TRANSPORT_GET_IFACE (self)->close (self);
}
