/* jn-clock-sync.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-clock-sync"

#include "config.h"

#include <string.h>

#include "jn-clock-sync.h"

void
jn_clock_sync_init (JnClockSync *sync)
{
  memset (sync, 0, sizeof *sync);
}

guint32
jn_clock_sync_ping (JnClockSync *sync,
                    guint64      t1_us)
{
  guint32 seq = sync->next_seq++;

  sync->sent[seq % JN_CLOCK_SYNC_SENT] = (JnSentPing) { seq, t1_us };
  return seq;
}

gboolean
jn_clock_sync_pong (JnClockSync *sync,
                    guint32      ping_seq,
                    guint64      t1_us,
                    guint64      t2_us,
                    guint64      t3_us,
                    gint64       t4_us)
{
  const JnSentPing *sent = &sync->sent[ping_seq % JN_CLOCK_SYNC_SENT];
  double t1, t2, t3, t4, rtt, offset, best_rtt;
  guint best = 0;

  if (sent->seq != ping_seq || sent->t1_us != t1_us ||
      (guint32) (sync->next_seq - ping_seq) > JN_CLOCK_SYNC_SENT)
    return FALSE;

  t1 = (double) t1_us;
  t2 = (double) t2_us;
  t3 = (double) t3_us;
  t4 = (double) t4_us;
  rtt = (t4 - t1) - (t3 - t2);
  if (rtt < 0)
    rtt = 0;
  offset = ((t2 - t1) + (t3 - t4)) / 2.0;

  sync->recent_rtt[sync->recent_pos] = rtt;
  sync->recent_offset[sync->recent_pos] = offset;
  sync->recent_pos = (sync->recent_pos + 1) % JN_CLOCK_SYNC_FILTER;
  sync->n_recent = MIN (sync->n_recent + 1, JN_CLOCK_SYNC_FILTER);

  /* NTP's clock filter: trust the offset of the fastest recent exchange */
  best_rtt = G_MAXDOUBLE;
  for (guint i = 0; i < sync->n_recent; i++)
    if (sync->recent_rtt[i] < best_rtt)
      {
        best_rtt = sync->recent_rtt[i];
        best = i;
      }
  sync->offset_us = sync->recent_offset[best];
  sync->synced = TRUE;
  sync->last_rtt_ms = rtt / 1000.0;
  return TRUE;
}

double
jn_clock_sync_one_way_ms (const JnClockSync *sync,
                          guint64            sent_us,
                          gint64             local_us)
{
  /* in double: timestamps come from the wire and may be anything */
  return ((double) local_us - (double) sent_us + sync->offset_us) / 1000.0;
}
