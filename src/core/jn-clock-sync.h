/* jn-clock-sync.h: one peer's clock, from NTP-style four-timestamp exchanges
 *
 * Fed the timestamps of the pings it numbers and of the pongs that answer
 * them, it keeps the round-trip time and the offset of the peer's clock; it
 * sends nothing itself, so it is tested without a socket.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Pings remembered for matching their pongs, and exchanges the offset is
 * filtered over. */
#define JN_CLOCK_SYNC_SENT   16
#define JN_CLOCK_SYNC_FILTER 8

typedef struct
{
  guint32 seq;
  guint64 t1_us;
} JnSentPing;

typedef struct
{
  guint32    next_seq;
  JnSentPing sent[JN_CLOCK_SYNC_SENT];
  double     recent_rtt[JN_CLOCK_SYNC_FILTER];
  double     recent_offset[JN_CLOCK_SYNC_FILTER];
  guint      n_recent;
  guint      recent_pos;
  gboolean   synced;         /* at least one exchange */
  double     offset_us;      /* peer clock - local clock */
  double     last_rtt_ms;
} JnClockSync;

void     jn_clock_sync_init      (JnClockSync *sync);
/* Numbers a ping sent at t1_us (the local clock) and remembers it. */
guint32  jn_clock_sync_ping      (JnClockSync *sync,
                                  guint64      t1_us);
/* A pong for ping_seq: t1 as the ping carried it, t2 when the peer got the
 * ping and t3 when it answered (the peer's clock), t4 when it arrived here.
 * FALSE, and nothing changes, unless it answers one of the last pings sent
 * with that ping's own t1: a stale or forged pong must not move the clock. */
gboolean jn_clock_sync_pong      (JnClockSync *sync,
                                  guint32      ping_seq,
                                  guint64      t1_us,
                                  guint64      t2_us,
                                  guint64      t3_us,
                                  gint64       t4_us);
/* Time from a send timestamp on the peer's clock to local_us, in ms; only
 * meaningful once synced. */
double   jn_clock_sync_one_way_ms (const JnClockSync *sync,
                                   guint64            sent_us,
                                   gint64             local_us);

G_END_DECLS
