/* jn-receive-stats.h: what one peer's streams measure on arrival and playout
 *
 * Sequence windows (loss, duplicates, reordering), RFC 3550 interarrival
 * jitter, one-way delays, the histograms behind every percentile and the
 * 10 Hz time series behind the graphs.  Fed by the engine on the media
 * thread; no socket, no allocation after jn_receive_stats_init().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "jn-clock-sync.h"
#include "jn-jitter-buffer.h"
#include "jn-media-stats.h"
#include "jn-midi.h"
#include "jn-seq.h"

G_BEGIN_DECLS

typedef struct
{
  /* audio */
  JnSeqWindow  audio_seq;
  gboolean     have_transit;
  double       last_transit_us;
  double       jitter_us;
  double       last_one_way_ms;
  guint64      audio_packets;
  guint64      late;
  guint64      out_of_order;
  guint64      out_of_range; /* refused: too far ahead (jn-seq.h) */
  guint64      duplicates;
  guint64      played;
  guint64      concealed;
  guint64      not_sent;     /* numbers the sender skipped, its thread stalled: not lost */
  guint64      stale;        /* came after our own thread stalled, sent before it resumed */
  guint        recent_burst; /* the longest run lost lately (jn_receive_stats_recent_burst()) */
  gint64       recent_burst_us;
  gboolean     playout_started;
  guint32      playout_first_seq;

  /* MIDI */
  JnSeqWindow  midi_seq;
  guint64      midi_events;
  guint64      midi_duplicates;
  double       last_midi_one_way_ms;

  JnHistogram  rtt_hist;
  JnHistogram  one_way_hist;
  JnHistogram  jitter_hist;
  JnHistogram  midi_one_way_hist;
  JnHistogram  level_hist;
  guint64      depth_sum;          /* the target depth, summed over the periods played out */
  JnSeries    *series[JN_N_METRICS];
  guint64      lost_sampled;       /* counts at the previous sample */
  guint64      concealed_sampled;
} JnReceiveStats;

void     jn_receive_stats_init        (JnReceiveStats       *stats);
/* The same without the series (which hold 15 minutes of every figure):
 * for streams nobody draws, such as a mix room's players */
void     jn_receive_stats_init_light  (JnReceiveStats       *stats);
void     jn_receive_stats_clear       (JnReceiveStats       *stats);

/* An audio packet arrived at now_us: FALSE when it is a duplicate or too
 * old for the window (counted), TRUE when it is new (reordered ones
 * counted).  resumed: it has JN_PACKET_FLAG_RESUMED, so the numbers between
 * the newest heard and it were skipped by the sender, not lost; else they
 * are a run lost, for jn_receive_stats_recent_burst(). */
gboolean jn_receive_stats_audio_seq   (JnReceiveStats       *stats,
                                       guint32               seq,
                                       gboolean              resumed,
                                       gint64                now_us);
/* The longest run of packets lost (before ones that came) in the last
 * JN_RECEIVE_BURST_WINDOW_US; 0 when none. */
#define JN_RECEIVE_BURST_WINDOW_US (2 * G_USEC_PER_SEC)
guint    jn_receive_stats_recent_burst (const JnReceiveStats *stats,
                                       gint64                now_us);
/* What the network lost of its audio (what never came, less what its
 * sender said it never sent). */
guint64  jn_receive_stats_lost        (const JnReceiveStats *stats);
/* Its send timestamp (the peer's clock) and arrival time (local): jitter
 * and, once the clock is synced, the one-way delay. */
void     jn_receive_stats_audio_time  (JnReceiveStats       *stats,
                                       const JnClockSync    *sync,
                                       guint64               sent_us,
                                       gint64                arrival_us);
/* What the jitter buffer made of it. */
void     jn_receive_stats_queued      (JnReceiveStats       *stats,
                                       JnJitterPushResult    result);
/* One packet period played out (or concealed), with the buffer's level
 * and its target depth then. */
void     jn_receive_stats_playout     (JnReceiveStats       *stats,
                                       guint32               seq,
                                       gboolean              concealed,
                                       guint                 level,
                                       guint                 depth);
/* A MIDI event: FALSE for a copy already delivered (counted). */
gboolean jn_receive_stats_midi_event  (JnReceiveStats       *stats,
                                       const JnClockSync    *sync,
                                       const JnMidiEvent    *event,
                                       gint64                arrival_us);
/* A clock-sync exchange completed. */
void     jn_receive_stats_rtt         (JnReceiveStats       *stats,
                                       double                rtt_ms);
/* One sample of every series (10 Hz). */
void     jn_receive_stats_sample      (JnReceiveStats       *stats,
                                       const JnClockSync    *sync,
                                       gint64                now_us,
                                       guint                 level,
                                       guint                 depth);

double   jn_receive_stats_loss_percent (const JnReceiveStats *stats);
/* The figures of JnPeerStats this measures. */
void     jn_receive_stats_fill        (const JnReceiveStats *stats,
                                       const JnClockSync    *sync,
                                       guint                 level,
                                       JnPeerStats          *out);
/* A copy of one series (GArray of JnSample). */
GArray  *jn_receive_stats_copy_series (const JnReceiveStats *stats,
                                       JnMetric              metric);

G_END_DECLS
