/* jn-media-snapshot.h: the media plane's figures, pushed from the media
 * thread to a main context about twenty times a second
 *
 * The media thread builds a snapshot and posts it to a mailbox; the mailbox
 * hands it to its function on its GMainContext.  A snapshot not yet taken
 * when the next one comes is merged into it (newest figures, every sample),
 * so a busy main loop sees fewer snapshots, never stale ones, and loses no
 * sample.  Nobody on the main context takes the engine's lock.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "jn-media-stats.h"

G_BEGIN_DECLS

#define JN_SNAPSHOT_RATE_HZ 20

/* One sample of one peer's series, taken since the previous snapshot. */
typedef struct
{
  guint32  peer_id;
  JnMetric metric;
  JnSample sample;
} JnSeriesSample;

typedef struct
{
  gint64        time_us;
  GArray       *peers;     /* JnPeerStats of the members (not those who left) */
  JnEngineStats engine;
  GArray       *samples;   /* JnSeriesSample, oldest first */
} JnMediaSnapshot;

JnMediaSnapshot *jn_media_snapshot_new  (void);
void             jn_media_snapshot_free (JnMediaSnapshot *snapshot);

typedef void (*JnMediaSnapshotFunc) (const JnMediaSnapshot *snapshot,
                                     gpointer               user_data);

typedef struct _JnSnapshotMailbox JnSnapshotMailbox;

JnSnapshotMailbox *jn_snapshot_mailbox_new  (GMainContext        *context,
                                             JnMediaSnapshotFunc  func,
                                             gpointer             user_data);
/* Any thread; takes snapshot. */
void               jn_snapshot_mailbox_post (JnSnapshotMailbox   *mailbox,
                                             JnMediaSnapshot     *snapshot);
/* Once nobody posts any more; a snapshot still waiting is dropped and
 * func is not called again. */
void               jn_snapshot_mailbox_free (JnSnapshotMailbox   *mailbox);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnMediaSnapshot, jn_media_snapshot_free)

G_END_DECLS
