/* jn-control-listener.h: accepting control-plane (wss://) connections,
 * with the limits of docs/protocol.md, section 2
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define JN_TYPE_CONTROL_LISTENER (jn_control_listener_get_type ())
G_DECLARE_FINAL_TYPE (JnControlListener, jn_control_listener, JN, CONTROL_LISTENER, GObject)

/* What the listener turned away before anything was a WebSocket. */
typedef struct
{
  guint64 refused_connections; /* closed on accepting: too many pending (per address, in all) */
  guint64 timed_out;           /* no WebSocket within the handshake's time (slowloris) */
  guint64 tls_failures;        /* TLS handshakes that failed */
  guint64 accept_failures;     /* accept() failed (no descriptors left): paused and retried */
} JnControlListenerStats;

/* A connection that became a WebSocket on the handler's path, from
 * address (the peer's IP) to local_address (ours on it); the handler
 * keeps what it refs. */
typedef void (*JnControlWebsocketFunc) (SoupWebsocketConnection *connection,
                                        const char              *path,
                                        const char              *address,
                                        const char              *local_address,
                                        gpointer                 user_data);

/* certificate must hold its key (jn_identity_load()). */
JnControlListener *jn_control_listener_new        (GTlsCertificate   *certificate);
/* address NULL listens on every interface; port 0 picks a free one. */
gboolean     jn_control_listener_listen           (JnControlListener *self,
                                                   const char        *address,
                                                   guint16            port,
                                                   GError           **error);
/* user_data must outlive the listener. */
void         jn_control_listener_add_websocket_handler (JnControlListener      *self,
                                                        const char             *path,
                                                        JnControlWebsocketFunc  func,
                                                        gpointer                user_data);
/* A plain HTTPS handler beside the WebSockets (a server's room list):
 * one request per connection.  user_data must outlive the listener. */
void         jn_control_listener_add_handler      (JnControlListener  *self,
                                                   const char         *path,
                                                   SoupServerCallback  callback,
                                                   gpointer            user_data);
guint16      jn_control_listener_get_port         (JnControlListener *self);
/* jn_certificate_fingerprint() of the certificate it presents. */
const char  *jn_control_listener_get_fingerprint  (JnControlListener *self);
void         jn_control_listener_get_stats        (JnControlListener      *self,
                                                   JnControlListenerStats *stats);
/* Stops listening and drops connections still in their handshake: the
 * port refuses from now on. */
void         jn_control_listener_close            (JnControlListener *self);

G_END_DECLS
