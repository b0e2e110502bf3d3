/* jn-peer-private.h: how JnSession feeds its JnPeer objects
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "jn-media-snapshot.h"
#include "jn-peer.h"

G_BEGIN_DECLS

JnPeer *jn_peer_new         (guint32                id,
                             const char            *name);
/* The latest figures; notifies what changed. */
void    jn_peer_update      (JnPeer                *self,
                             const JnPeerStats     *stats,
                             const JnDelayParts    *parts);
void    jn_peer_add_sample  (JnPeer                *self,
                             JnMetric               metric,
                             const JnSample        *sample);
/* Emits series-changed when samples came since the last call. */
void    jn_peer_flush_samples (JnPeer              *self);
void    jn_peer_set_left    (JnPeer                *self);
void    jn_peer_set_path    (JnPeer                *self,
                             JnPeerPath             path);

G_END_DECLS
