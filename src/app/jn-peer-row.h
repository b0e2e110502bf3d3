/* jn-peer-row.h: one player in the jam view: figures, a sparkline of the
 * round trip, volume and mute
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "jn-peer.h"

G_BEGIN_DECLS

#define JN_TYPE_PEER_ROW (jn_peer_row_get_type ())
G_DECLARE_FINAL_TYPE (JnPeerRow, jn_peer_row, JN, PEER_ROW, AdwActionRow)

GtkWidget *jn_peer_row_new      (JnPeer    *peer);
JnPeer    *jn_peer_row_get_peer (JnPeerRow *self);

G_END_DECLS
