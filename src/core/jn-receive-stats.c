/* jn-receive-stats.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-receive-stats"

#include "config.h"

#include <math.h>
#include <string.h>

#include "jn-receive-stats.h"

static const char *metric_names[JN_N_METRICS] = {
  [JN_METRIC_RTT_MS] = "rtt_ms",
  [JN_METRIC_ONE_WAY_MS] = "one_way_ms",
  [JN_METRIC_JITTER_MS] = "jitter_ms",
  [JN_METRIC_BUFFER_LEVEL] = "buffer_level",
  [JN_METRIC_BUFFER_DEPTH] = "buffer_depth",
  [JN_METRIC_LOSS_PERCENT] = "loss_percent",
  [JN_METRIC_LOST_PACKETS] = "lost_packets",
  [JN_METRIC_CONCEALED_PACKETS] = "concealed_packets",
};

const char *
jn_metric_to_string (JnMetric metric)
{
  g_return_val_if_fail ((guint) metric < JN_N_METRICS, NULL);
  return metric_names[metric];
}

void
jn_receive_stats_init (JnReceiveStats *stats)
{
  memset (stats, 0, sizeof *stats);
  for (guint i = 0; i < JN_N_METRICS; i++)
    stats->series[i] = jn_series_new (JN_SERIES_CAPACITY);
}

void
jn_receive_stats_init_light (JnReceiveStats *stats)
{
  memset (stats, 0, sizeof *stats);
}

void
jn_receive_stats_clear (JnReceiveStats *stats)
{
  for (guint i = 0; i < JN_N_METRICS; i++)
    g_clear_pointer (&stats->series[i], jn_series_free);
}

gboolean
jn_receive_stats_audio_seq (JnReceiveStats *stats,
                            guint32         seq,
                            gboolean        resumed,
                            gint64          now_us)
{
  gboolean started = stats->audio_seq.started;
  guint32 newest = stats->audio_seq.highest;

  switch (jn_seq_window_check (&stats->audio_seq, seq))
    {
    case JN_SEQ_DUPLICATE:
      stats->duplicates++;
      return FALSE;
    case JN_SEQ_TOO_OLD:
      stats->late++;
      return FALSE;
    case JN_SEQ_OUT_OF_RANGE:
      stats->out_of_range++;
      return FALSE;
    case JN_SEQ_NEW_REORDERED:
      stats->out_of_order++;
      break;
    case JN_SEQ_NEW:
      if (started && (gint32) (seq - newest) > 1)
        {
          guint gap = seq - newest - 1;

          /* once: after it, the numbers follow on */
          if (resumed)
            stats->not_sent += gap;
          else if (gap < JN_SEQ_MAX_JUMP &&
                   (now_us - stats->recent_burst_us >= JN_RECEIVE_BURST_WINDOW_US ||
                    gap >= stats->recent_burst))
            {
              stats->recent_burst = gap;
              stats->recent_burst_us = now_us;
            }
        }
      break;
    }
  stats->audio_packets++;
  return TRUE;
}

guint
jn_receive_stats_recent_burst (const JnReceiveStats *stats,
                               gint64                now_us)
{
  return now_us - stats->recent_burst_us < JN_RECEIVE_BURST_WINDOW_US ? stats->recent_burst : 0;
}

guint64
jn_receive_stats_lost (const JnReceiveStats *stats)
{
  guint64 missing = jn_seq_window_missing (&stats->audio_seq);

  return missing > stats->not_sent ? missing - stats->not_sent : 0;
}

void
jn_receive_stats_audio_time (JnReceiveStats    *stats,
                             const JnClockSync *sync,
                             guint64            sent_us,
                             gint64             arrival_us)
{
  /* in double: the send timestamp comes from the wire */
  double transit = (double) arrival_us - (double) sent_us;

  /* RFC 3550 interarrival jitter, on the sender's send timestamps */
  if (stats->have_transit)
    {
      double d = fabs (transit - stats->last_transit_us);

      stats->jitter_us += (d - stats->jitter_us) / 16.0;
      jn_histogram_add (&stats->jitter_hist, stats->jitter_us / 1000.0);
    }
  stats->have_transit = TRUE;
  stats->last_transit_us = transit;

  if (sync->synced)
    {
      stats->last_one_way_ms = jn_clock_sync_one_way_ms (sync, sent_us, arrival_us);
      jn_histogram_add (&stats->one_way_hist, MAX (stats->last_one_way_ms, 0.0));
    }
}

void
jn_receive_stats_queued (JnReceiveStats     *stats,
                         JnJitterPushResult  result)
{
  switch (result)
    {
    case JN_JITTER_PUSH_QUEUED:
      break;
    case JN_JITTER_PUSH_DUPLICATE:
      stats->duplicates++;
      break;
    case JN_JITTER_PUSH_LATE:
    case JN_JITTER_PUSH_OVERFLOW:
      stats->late++;
      break;
    }
}

void
jn_receive_stats_playout (JnReceiveStats *stats,
                          guint32         seq,
                          gboolean        concealed,
                          guint           level,
                          guint           depth)
{
  if (!stats->playout_started)
    {
      stats->playout_started = TRUE;
      stats->playout_first_seq = seq;
    }
  if (concealed)
    stats->concealed++;
  else
    stats->played++;
  jn_histogram_add (&stats->level_hist, level);
  stats->depth_sum += depth;
}

gboolean
jn_receive_stats_midi_event (JnReceiveStats    *stats,
                             const JnClockSync *sync,
                             const JnMidiEvent *event,
                             gint64             arrival_us)
{
  switch (jn_seq_window_check (&stats->midi_seq, event->seq))
    {
    case JN_SEQ_DUPLICATE:
    case JN_SEQ_TOO_OLD:
      stats->midi_duplicates++;
      return FALSE;
    case JN_SEQ_OUT_OF_RANGE:
      stats->out_of_range++;
      return FALSE;
    case JN_SEQ_NEW:
    case JN_SEQ_NEW_REORDERED:
      break;
    }
  stats->midi_events++;
  if (sync->synced)
    {
      stats->last_midi_one_way_ms = jn_clock_sync_one_way_ms (sync, event->timestamp_us,
                                                              arrival_us);
      jn_histogram_add (&stats->midi_one_way_hist, MAX (stats->last_midi_one_way_ms, 0.0));
    }
  return TRUE;
}

void
jn_receive_stats_rtt (JnReceiveStats *stats,
                      double          rtt_ms)
{
  jn_histogram_add (&stats->rtt_hist, rtt_ms);
}

double
jn_receive_stats_loss_percent (const JnReceiveStats *stats)
{
  guint64 missing = jn_receive_stats_lost (stats);
  guint64 expected = missing + stats->audio_seq.unique;

  return expected ? 100.0 * (double) missing / (double) expected : 0.0;
}

void
jn_receive_stats_sample (JnReceiveStats    *stats,
                         const JnClockSync *sync,
                         gint64             now,
                         guint              level,
                         guint              depth)
{
  guint64 lost = jn_receive_stats_lost (stats);

  if (stats->series[0] == NULL)
    return;   /* light: no series */
  if (sync->synced)
    {
      jn_series_push (stats->series[JN_METRIC_RTT_MS], now, sync->last_rtt_ms);
      jn_series_push (stats->series[JN_METRIC_ONE_WAY_MS], now, stats->last_one_way_ms);
    }
  jn_series_push (stats->series[JN_METRIC_JITTER_MS], now, stats->jitter_us / 1000.0);
  jn_series_push (stats->series[JN_METRIC_BUFFER_LEVEL], now, level);
  jn_series_push (stats->series[JN_METRIC_BUFFER_DEPTH], now, depth);
  jn_series_push (stats->series[JN_METRIC_LOSS_PERCENT], now,
                  jn_receive_stats_loss_percent (stats));
  /* events per sample: when packets went missing, when PNBTR worked */
  jn_series_push (stats->series[JN_METRIC_LOST_PACKETS], now,
                  (double) (lost >= stats->lost_sampled ? lost - stats->lost_sampled : 0));
  jn_series_push (stats->series[JN_METRIC_CONCEALED_PACKETS], now,
                  (double) (stats->concealed - stats->concealed_sampled));
  stats->lost_sampled = lost;
  stats->concealed_sampled = stats->concealed;
}

void
jn_receive_stats_fill (const JnReceiveStats *stats,
                       const JnClockSync    *sync,
                       guint                 level,
                       JnPeerStats          *s)
{
  s->synced = sync->synced;
  jn_histogram_summarize (&stats->rtt_hist, sync->last_rtt_ms, &s->rtt_ms);
  jn_histogram_summarize (&stats->one_way_hist, stats->last_one_way_ms, &s->one_way_ms);
  jn_histogram_summarize (&stats->jitter_hist, stats->jitter_us / 1000.0, &s->jitter_ms);
  jn_histogram_summarize (&stats->midi_one_way_hist, stats->last_midi_one_way_ms,
                          &s->midi_one_way_ms);
  jn_histogram_summarize (&stats->level_hist, level, &s->buffer_level);
  s->offset_ms = sync->offset_us / 1000.0;
  s->audio_packets = stats->audio_packets;
  s->lost = jn_receive_stats_lost (stats);
  s->not_sent = stats->not_sent;
  s->stale = stats->stale;
  s->late = stats->late;
  s->out_of_order = stats->out_of_order;
  s->out_of_range = stats->out_of_range;
  s->duplicates = stats->duplicates;
  s->played = stats->played;
  s->concealed = stats->concealed;
  s->loss_percent = jn_receive_stats_loss_percent (stats);
  s->jitter_depth_mean = stats->played + stats->concealed > 0
                         ? stats->depth_sum / (double) (stats->played + stats->concealed)
                         : 0.0;
  s->concealed_percent = stats->played + stats->concealed > 0
                         ? 100.0 * stats->concealed / (double) (stats->played + stats->concealed)
                         : 0.0;
  s->midi_events = stats->midi_events;
  s->midi_duplicates = stats->midi_duplicates;
  s->midi_missing = jn_seq_window_missing (&stats->midi_seq);
  s->playout_started = stats->playout_started;
  s->playout_first_seq = stats->playout_first_seq;
}

GArray *
jn_receive_stats_copy_series (const JnReceiveStats *stats,
                              JnMetric              metric)
{
  JnSeries *series = stats->series[metric];
  guint n = series != NULL ? jn_series_get_length (series) : 0;
  GArray *array = g_array_sized_new (FALSE, FALSE, sizeof (JnSample), n);

  for (guint i = 0; i < n; i++)
    {
      JnSample sample = jn_series_get (series, i);

      g_array_append_val (array, sample);
    }
  return array;
}
