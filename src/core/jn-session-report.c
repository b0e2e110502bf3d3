/* jn-session-report.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-report"

#include "config.h"

#include "jn-peer.h"
#include "jn-session-report.h"

#include <glib/gi18n.h>
#include <string.h>

static const struct
{
  JnMetric    metric;
  const char *title;
  const char *unit;
} charted[] = {
  { JN_METRIC_RTT_MS, N_("Round-trip time"), "ms" },
  { JN_METRIC_ONE_WAY_MS, N_("One-way delay"), "ms" },
  { JN_METRIC_JITTER_MS, N_("Jitter"), "ms" },
  { JN_METRIC_BUFFER_LEVEL, N_("Jitter-buffer level"), "packets" },
  { JN_METRIC_LOSS_PERCENT, N_("Packet loss"), "%" },
  { JN_METRIC_CONCEALED_PACKETS, N_("Packets concealed"), N_("per 0.1 s") },
};

JnReport *
jn_session_report_new (JnMediaEngine *engine,
                       const char    *title,
                       double         capture_ms,
                       double         playback_ms)
{
  g_autoptr(GArray) peers = jn_media_engine_get_peer_stats (engine);
  gint64 start = jn_media_engine_get_start_time (engine);
  JnReport *r = jn_report_new ("session", title);
  JnEngineStats es;

  jn_media_engine_get_stats (engine, &es);
  /* a GPU only when PNBTR runs on one (PoCL is OpenCL on the CPU) */
  jn_report_collect_machine (r, g_str_equal (es.pnbtr_backend, "cuda") ||
                                (g_str_equal (es.pnbtr_backend, "opencl") &&
                                 strstr (es.pnbtr_device, "OpenCL GPU") != NULL)
                                ? es.pnbtr_device : NULL);
  jn_report_set_machine (r, "pnbtr_backend", es.pnbtr_backend[0] ? es.pnbtr_backend : "off");
  jn_report_add_suite (r, "session", TRUE, NULL);

  for (guint m = 0; m < G_N_ELEMENTS (charted); m++)
    {
      g_autofree char *chart_title = g_strdup_printf (_("%s over time"), _(charted[m].title));
      JnChart *chart = jn_report_add_chart (r, JN_CHART_LINES, chart_title, _("seconds"),
                                            _(charted[m].unit));

      for (guint p = 0; p < peers->len; p++)
        {
          const JnPeerStats *s = &g_array_index (peers, JnPeerStats, p);
          g_autoptr(GArray) series = jn_media_engine_copy_series (engine, s->id, charted[m].metric);
          g_autofree char *suite = g_strdup_printf ("peer %u %s", s->id, s->name);
          g_autofree double *values = NULL;
          JnChartSeries *line;

          if (series == NULL || series->len == 0)
            continue;
          values = g_new (double, series->len);
          line = jn_chart_add_series (chart, s->name[0] ? s->name : suite);
          for (guint i = 0; i < series->len; i++)
            {
              JnSample sample = g_array_index (series, JnSample, i);

              values[i] = sample.value;
              jn_chart_series_add (line, (sample.time_us - start) / 1e6, sample.value);
            }
          jn_report_add_samples (r, suite, jn_metric_to_string (charted[m].metric),
                                 _(charted[m].unit), JN_BETTER_LOWER, values, series->len);
        }
    }

  for (guint p = 0; p < peers->len; p++)
    {
      const JnPeerStats *s = &g_array_index (peers, JnPeerStats, p);
      g_autofree char *suite = g_strdup_printf ("peer %u %s", s->id, s->name);
      const JnAudioFormat *format = jn_media_engine_get_format (engine);
      JnDelayParts parts;

      /* the last figures: where the session ended up */
      jn_peer_stats_delay_parts (s, capture_ms, format, playback_ms, &parts);
      jn_report_add_value (r, suite, "end_to_end_ms", "ms", JN_BETTER_LOWER,
                           jn_delay_parts_total (&parts));
      jn_report_add_value (r, suite, "concealed_percent", "%", JN_BETTER_LOWER, s->concealed_percent);
      jn_report_add_value (r, suite, "concealed", "packets", JN_BETTER_LOWER, (double) s->concealed);
      jn_report_add_value (r, suite, "restored", "packets", JN_BETTER_HIGHER, (double) s->restored);
      jn_report_add_value (r, suite, "lost", "packets", JN_BETTER_LOWER, (double) s->lost);
      jn_report_add_value (r, suite, "late", "packets", JN_BETTER_LOWER, (double) s->late);
      jn_report_add_value (r, suite, "gaps_worker_model", "gaps", JN_BETTER_HIGHER,
                           (double) s->gaps_worker_model);
      jn_report_add_value (r, suite, "gaps_repeated", "gaps", JN_BETTER_HIGHER,
                           (double) s->gaps_repeated);
      jn_report_add_value (r, suite, "midi_missing", "events", JN_BETTER_LOWER,
                           (double) s->midi_missing);
      jn_report_add_value (r, suite, "midi_restored_offs", "events", JN_BETTER_LOWER,
                           (double) s->midi_restored_offs);
      /* its sound card against ours: fast (+) or slow (-), and what the
       * resampling took up */
      if (s->drift_valid)
        {
          jn_report_add_value (r, suite, "drift_ppm", "ppm", JN_BETTER_LOWER, s->drift_ppm);
          jn_report_add_value (r, suite, "resample_slip", "packets", JN_BETTER_LOWER,
                               (double) s->resample_slip);
        }
    }
  return r;
}
