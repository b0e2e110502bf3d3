/* jn-ice-transport.h: media links found by ICE (libnice), one agent per peer
 *
 * Each peer gets its own ICE session (a NiceAgent with one stream of one
 * component): host, server-reflexive (STUN) and relayed (TURN) candidates,
 * connectivity checks, and the nominated pair that datagrams then take.
 * Credentials and candidates travel by whatever signalling the caller has
 * (a session's control plane): the transport says what it gathered
 * (::local-candidate, ::gathering-done) and takes what the other side
 * gathered.  Candidates are SDP "a=candidate:" lines (RFC 8839).
 *
 * Threads: the agents run on the context start() was given; signals are
 * emitted there.  Peers are added once the transport has started.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "jn-transport.h"

G_BEGIN_DECLS

#define JN_TYPE_ICE_TRANSPORT (jn_ice_transport_get_type ())
G_DECLARE_FINAL_TYPE (JnIceTransport, jn_ice_transport, JN, ICE_TRANSPORT, GObject)

typedef enum
{
  JN_ICE_GATHERING,     /* candidates being gathered, checks not begun */
  JN_ICE_CHECKING,      /* connectivity checks under way */
  JN_ICE_CONNECTED,     /* a pair works; nomination may still change it */
  JN_ICE_READY,         /* a pair is nominated */
  JN_ICE_FAILED,        /* every pair failed */
} JnIceState;

/* The pair a peer's datagrams take, once one works. */
typedef struct
{
  char local_type[8];       /* "host", "srflx", "prflx", "relay" */
  char remote_type[8];
  char local_address[64];   /* "IP:PORT" */
  char remote_address[64];
} JnIcePair;

/* bind_address: host candidates only on that local address (NULL: every
 * interface's). */
JnIceTransport *jn_ice_transport_new      (const char      *bind_address);
/* A STUN server for server-reflexive candidates (set before peers are
 * added); host is a numeric IP. */
void        jn_ice_transport_set_stun     (JnIceTransport  *self,
                                           const char      *host,
                                           guint16          port);
/* A TURN server for relayed candidates, over UDP (set before peers are
 * added); host is a numeric IP; NULL: none. */
void        jn_ice_transport_set_turn     (JnIceTransport  *self,
                                           const char      *host,
                                           guint16          port,
                                           const char      *username,
                                           const char      *password);
/* Starts an ICE session with peer_id and gathers; one side of each pair
 * is controlling.  Returns the local credentials to send to the peer. */
gboolean    jn_ice_transport_add_peer     (JnIceTransport  *self,
                                           guint32          peer_id,
                                           gboolean         controlling,
                                           char           **ufrag,
                                           char           **pwd,
                                           GError         **error);
gboolean    jn_ice_transport_set_remote_credentials (JnIceTransport *self,
                                           guint32          peer_id,
                                           const char      *ufrag,
                                           const char      *pwd,
                                           GError         **error);
/* One of the peer's candidates, an SDP "a=candidate:" line (hostile:
 * what does not parse is refused). */
gboolean    jn_ice_transport_add_remote_candidate (JnIceTransport *self,
                                           guint32          peer_id,
                                           const char      *candidate,
                                           GError         **error);
/* The peer has sent all it gathered. */
void        jn_ice_transport_remote_gathering_done (JnIceTransport *self,
                                           guint32          peer_id);
JnIceState  jn_ice_transport_get_state    (JnIceTransport  *self,
                                           guint32          peer_id);
/* FALSE while no pair works. */
gboolean    jn_ice_transport_get_pair     (JnIceTransport  *self,
                                           guint32          peer_id,
                                           JnIcePair       *pair);
const char *jn_ice_state_to_string        (JnIceState       state);

G_END_DECLS
