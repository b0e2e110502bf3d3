/* jn-peer-page.h: one player's graphs: round trip, one-way delay, jitter,
 * the jitter buffer, loss and concealment, over 1, 5 or 15 minutes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "jn-peer.h"
#include "jn-session.h"

G_BEGIN_DECLS

#define JN_TYPE_PEER_PAGE (jn_peer_page_get_type ())
G_DECLARE_FINAL_TYPE (JnPeerPage, jn_peer_page, JN, PEER_PAGE, AdwBin)

/* The session the player is in (for the latency test), or NULL. */
void       jn_peer_page_set_session (JnPeerPage *self,
                                     JnSession  *session);
/* The player shown, or NULL. */
void       jn_peer_page_set_peer  (JnPeerPage *self,
                                   JnPeer     *peer);
JnPeer    *jn_peer_page_get_peer  (JnPeerPage *self);
/* The graphs, top to bottom (for tests). */
GtkWidget *jn_peer_page_get_graph (JnPeerPage *self,
                                   guint       index);

G_END_DECLS
