/* jn-media-snapshot.c: figures from the media thread to a main context
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-media-snapshot"

#include "config.h"

#include "jn-media-snapshot.h"

struct _JnSnapshotMailbox
{
  GMutex               lock;      /* held only to swap a pointer or merge */
  GMainContext        *context;
  JnMediaSnapshotFunc  func;
  gpointer             user_data;
  JnMediaSnapshot     *waiting;   /* posted, not yet taken */
  GSource             *source;    /* attached while one waits */
};

JnMediaSnapshot *
jn_media_snapshot_new (void)
{
  JnMediaSnapshot *snapshot = g_new0 (JnMediaSnapshot, 1);

  snapshot->peers = g_array_new (FALSE, TRUE, sizeof (JnPeerStats));
  snapshot->samples = g_array_new (FALSE, FALSE, sizeof (JnSeriesSample));
  return snapshot;
}

void
jn_media_snapshot_free (JnMediaSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  g_array_unref (snapshot->peers);
  g_array_unref (snapshot->samples);
  g_free (snapshot);
}

static gboolean
deliver (gpointer user_data)
{
  JnSnapshotMailbox *mailbox = user_data;
  g_autoptr(JnMediaSnapshot) snapshot = NULL;

  g_mutex_lock (&mailbox->lock);
  snapshot = g_steal_pointer (&mailbox->waiting);
  g_clear_pointer (&mailbox->source, g_source_unref);
  g_mutex_unlock (&mailbox->lock);
  if (snapshot != NULL)
    mailbox->func (snapshot, mailbox->user_data);
  return G_SOURCE_REMOVE;
}

JnSnapshotMailbox *
jn_snapshot_mailbox_new (GMainContext        *context,
                         JnMediaSnapshotFunc  func,
                         gpointer             user_data)
{
  JnSnapshotMailbox *mailbox = g_new0 (JnSnapshotMailbox, 1);

  g_return_val_if_fail (func != NULL, NULL);

  g_mutex_init (&mailbox->lock);
  mailbox->context = context != NULL ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  mailbox->func = func;
  mailbox->user_data = user_data;
  return mailbox;
}

void
jn_snapshot_mailbox_post (JnSnapshotMailbox *mailbox,
                          JnMediaSnapshot   *snapshot)
{
  g_return_if_fail (mailbox != NULL);
  g_return_if_fail (snapshot != NULL);

  g_mutex_lock (&mailbox->lock);
  if (mailbox->waiting != NULL)
    {
      /* not taken yet: the newer figures replace the older, and its
       * samples go after the older ones */
      JnMediaSnapshot *old = mailbox->waiting;

      g_array_append_vals (old->samples, snapshot->samples->data, snapshot->samples->len);
      g_array_set_size (snapshot->samples, 0);
      g_array_append_vals (snapshot->samples, old->samples->data, old->samples->len);
      jn_media_snapshot_free (old);
    }
  mailbox->waiting = snapshot;
  if (mailbox->source == NULL)
    {
      mailbox->source = g_idle_source_new ();
      g_source_set_priority (mailbox->source, G_PRIORITY_DEFAULT);
      g_source_set_static_name (mailbox->source, "[jamnet] media snapshot");
      g_source_set_callback (mailbox->source, deliver, mailbox, NULL);
      g_source_attach (mailbox->source, mailbox->context);
    }
  g_mutex_unlock (&mailbox->lock);
}

void
jn_snapshot_mailbox_free (JnSnapshotMailbox *mailbox)
{
  if (mailbox == NULL)
    return;
  g_mutex_lock (&mailbox->lock);
  if (mailbox->source != NULL)
    {
      g_source_destroy (mailbox->source);
      g_clear_pointer (&mailbox->source, g_source_unref);
    }
  g_clear_pointer (&mailbox->waiting, jn_media_snapshot_free);
  g_mutex_unlock (&mailbox->lock);
  g_main_context_unref (mailbox->context);
  g_mutex_clear (&mailbox->lock);
  g_free (mailbox);
}
