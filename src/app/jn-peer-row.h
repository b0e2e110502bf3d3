/* jn-peer-row.h: one player's strip in the jam view: the delay light and
 * the figure to our ears, a level meter, the network's figures in fixed
 * places, a labelled sparkline of the round trip, and the player's volume,
 * mute, solo and pan
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "jn-peer.h"

G_BEGIN_DECLS

#define JN_TYPE_PEER_ROW (jn_peer_row_get_type ())
G_DECLARE_FINAL_TYPE (JnPeerRow, jn_peer_row, JN, PEER_ROW, GtkListBoxRow)

GtkWidget *jn_peer_row_new        (JnPeer    *peer);
JnPeer    *jn_peer_row_get_peer   (JnPeerRow *self);
/* Whether pan means anything: only a stereo session has two sides (a
 * mono one plays every player in the middle, and says so). */
void       jn_peer_row_set_pannable (JnPeerRow *self,
                                     gboolean   pannable);
/* The player's level since the last frame (jn_level_meter_push()). */
void       jn_peer_row_push_level (JnPeerRow *self,
                                   double     peak,
                                   double     rms,
                                   gint64     frame_time_us);

/* "+1.5 dB", "−∞ dB": a linear gain as people read it */
char      *jn_gain_to_text        (double     gain);
/* "C", "L 50", "R 25": a pan -1..1 */
char      *jn_pan_to_text         (double     pan);

G_END_DECLS
