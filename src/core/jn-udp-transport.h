/* jn-udp-transport.h: JnTransport over one UDP socket, peers by address
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "jn-transport.h"

G_BEGIN_DECLS

#define JN_TYPE_UDP_TRANSPORT (jn_udp_transport_get_type ())
G_DECLARE_FINAL_TYPE (JnUdpTransport, jn_udp_transport, JN, UDP_TRANSPORT, GObject)

/* Binds bind_address (NULL: every IPv4 address) and port (0: any free). */
JnUdpTransport *jn_udp_transport_new      (const char      *bind_address,
                                           guint16          port,
                                           GError         **error);
guint16         jn_udp_transport_get_port (JnUdpTransport  *self);

G_END_DECLS
