/* jn-transport.h: how the media engine's datagrams reach its peers
 *
 * The engine sends and receives through one JnTransport and knows its
 * peers only by id.  A transport maps ids to whatever reaches them: a UDP
 * address (JnUdpTransport), an ICE component, a relay through a server, or
 * another transport it wraps (sealing).  What came from a source it cannot
 * name is handed over with peer id 0, so that the engine can count it; the
 * engine decides membership.  See docs/architecture.md.
 *
 * Threads: set_peer() and forget_peer() may be called from any thread;
 * start(), poll() and the receive callback run on the media thread;
 * send() runs on the media thread or under the engine's lock.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define JN_TYPE_TRANSPORT (jn_transport_get_type ())
G_DECLARE_INTERFACE (JnTransport, jn_transport, JN, TRANSPORT, GObject)

/* One datagram from peer_id (0: from no known peer), valid for the call. */
typedef void (*JnTransportReceiveFunc) (gpointer      user_data,
                                        guint32       peer_id,
                                        const guint8 *data,
                                        gsize         size,
                                        gint64        arrival_us);

struct _JnTransportInterface
{
  GTypeInterface parent_iface;

  gboolean        (*set_peer)          (JnTransport            *self,
                                        guint32                 peer_id,
                                        const char             *address,
                                        guint16                 port,
                                        GError                **error);
  void            (*forget_peer)       (JnTransport            *self,
                                        guint32                 peer_id);
  gboolean        (*send)              (JnTransport            *self,
                                        guint32                 peer_id,
                                        const guint8           *data,
                                        gsize                   size);
  void            (*start)             (JnTransport            *self,
                                        GMainContext           *context,
                                        JnTransportReceiveFunc  func,
                                        gpointer                user_data);
  /* optional: hands over, now, what has arrived */
  void            (*poll)              (JnTransport            *self);
  GSocketAddress *(*get_local_address) (JnTransport            *self);
  void            (*close)             (JnTransport            *self);
  /* optional: called from the receive callback */
  gboolean        (*adopt_source)      (JnTransport            *self,
                                        guint32                 peer_id);
};

/* Where peer_id is reached (for UDP its address and port; a transport that
 * finds its own path may take it as a hint). */
gboolean        jn_transport_set_peer          (JnTransport            *self,
                                                guint32                 peer_id,
                                                const char             *address,
                                                guint16                 port,
                                                GError                **error);
/* Nothing more is sent to or taken from peer_id. */
void            jn_transport_forget_peer       (JnTransport            *self,
                                                guint32                 peer_id);
/* Sends one datagram; FALSE when it could not be sent (the caller counts). */
gboolean        jn_transport_send              (JnTransport            *self,
                                                guint32                 peer_id,
                                                const guint8           *data,
                                                gsize                   size);
/* Starts receiving on context: func is called there for each datagram. */
void            jn_transport_start             (JnTransport            *self,
                                                GMainContext           *context,
                                                JnTransportReceiveFunc  func,
                                                gpointer                user_data);
void            jn_transport_poll              (JnTransport            *self);
/* The local end (a UDP socket's address, a host candidate), or NULL. */
GSocketAddress *jn_transport_get_local_address (JnTransport            *self);
/* Called from the receive callback, about the datagram being handed over:
 * it is authentic and from peer_id, so peer_id is reached where it came
 * from from now on (NAT rebinding, roaming).  FALSE when the transport
 * cannot (or the source is already peer_id's). */
gboolean        jn_transport_adopt_source      (JnTransport            *self,
                                                guint32                 peer_id);
/* Stops receiving; a closed transport sends nothing.  A receive callback
 * under way on the media thread may still finish: join that thread before
 * the callback's data goes away. */
void            jn_transport_close             (JnTransport            *self);

G_END_DECLS
