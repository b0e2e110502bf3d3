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

/* "3 min 12 s", "45 s" */
static char *
format_duration (double seconds)
{
  guint total = (guint) MAX (seconds + 0.5, 0);

  if (total >= 60)
    /* TRANSLATORS: a duration in minutes and seconds */
    return g_strdup_printf (_("%u min %u s"), total / 60, total % 60);
  /* TRANSLATORS: a duration in seconds */
  return g_strdup_printf (_("%u s"), total);
}

static const char *
player_name (const JnPeerStats *s, char **owned)
{
  if (s->name[0] != '\0')
    return s->name;
  /* TRANSLATORS: a player who gave no name */
  *owned = g_strdup_printf (_("Player %u"), s->id);
  return *owned;
}

/* The summary's sentence for one player: how long they played, how far
 * they were in words and ms, what the network lost and what was done. */
static char *
player_summary (const JnPeerStats *s,
                const char        *name,
                const JnAudioFormat *format,
                const JnDelayParts *parts)
{
  double played = format->rate > 0 ? (double) s->audio_packets * format->frames / format->rate : 0;
  g_autofree char *how_long = format_duration (played);
  g_autofree char *delay = NULL, *restored = NULL;
  JnDelayLight light = s->one_way_ms.count > 0 ? jn_delay_light_for (jn_delay_parts_total (parts))
                                               : JN_DELAY_UNKNOWN;

  if (light == JN_DELAY_UNKNOWN)
    delay = g_strdup (_("their delay was never measured"));
  else
    /* TRANSLATORS: the end-to-end delay, then what it means (the delay light's words, a sentence) */
    delay = g_strdup_printf (_("about %.0f ms from their instrument to your ears. %s"),
                             jn_delay_parts_total (parts), jn_delay_light_describe (light));
  if (s->restored > 0)
    restored = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "; %u packet was restored from its copies",
                                             "; %u packets were restored from their copies",
                                             (gulong) MIN (s->restored, G_MAXUINT)),
                                (guint) MIN (s->restored, G_MAXUINT));
  /* TRANSLATORS: name, how long their audio came, the delay in words; then the round trip,
   * loss and concealment; the last %s is empty or says how many packets copies restored */
  return g_strdup_printf (_("%s played for %s, %s. Round trip %.1f ms; %.1f %% of the packets were "
                            "lost and %.1f %% of the audio was concealed%s."),
                          name, how_long, delay, s->rtt_ms.p50, s->loss_percent, s->concealed_percent,
                          restored ? restored : "");
}

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
  {
    g_autofree char *length = format_duration ((g_get_monotonic_time () - start) / 1e6);
    g_autofree char *line = NULL;

    if (peers->len == 0)
      /* TRANSLATORS: how long the session went */
      line = g_strdup_printf (_("Over %s, nobody else played."), length);
    else
      /* TRANSLATORS: how long the session went, how many others played */
      line = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Over %s, %u other player played with you.",
                                           "Over %s, %u other players played with you.", peers->len),
                              length, peers->len);
    jn_report_add_summary_line (r, line);
  }

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
          g_autofree char *owned = NULL;
          const char *name = player_name (s, &owned);
          g_autofree double *values = NULL;
          JnChartSeries *line;
          JnFigure *figure;

          if (series == NULL || series->len == 0)
            continue;
          values = g_new (double, series->len);
          line = jn_chart_add_series (chart, name);
          for (guint i = 0; i < series->len; i++)
            {
              JnSample sample = g_array_index (series, JnSample, i);

              values[i] = sample.value;
              jn_chart_series_add (line, (sample.time_us - start) / 1e6, sample.value);
            }
          figure = jn_report_add_samples (r, suite, jn_metric_to_string (charted[m].metric),
                                          _(charted[m].unit), JN_BETTER_LOWER, values, series->len);
          jn_figure_set_labels (figure, name, _(charted[m].title));
        }
    }

  for (guint p = 0; p < peers->len; p++)
    {
      const JnPeerStats *s = &g_array_index (peers, JnPeerStats, p);
      g_autofree char *suite = g_strdup_printf ("peer %u %s", s->id, s->name);
      g_autofree char *owned = NULL, *said = NULL;
      const char *name = player_name (s, &owned);
      const JnAudioFormat *format = jn_media_engine_get_format (engine);
      JnDelayParts parts;
      /* the last figures: where the session ended up */
      const struct
      {
        const char *key;
        const char *unit;
        const char *label;
        JnBetter    better;
        double      value;
      } values[] = {
        { "end_to_end_ms", "ms", N_("Delay to your ears"), JN_BETTER_LOWER, 0 },
        { "concealed_percent", "%", N_("Audio concealed"), JN_BETTER_LOWER, s->concealed_percent },
        { "concealed", N_("packets"), N_("Packets concealed in all"), JN_BETTER_LOWER, (double) s->concealed },
        { "restored", N_("packets"), N_("Packets restored from copies"), JN_BETTER_HIGHER, (double) s->restored },
        { "lost", N_("packets"), N_("Packets lost"), JN_BETTER_LOWER, (double) s->lost },
        { "late", N_("packets"), N_("Packets too late to play"), JN_BETTER_LOWER, (double) s->late },
        { "gaps_worker_model", N_("gaps"), N_("Gaps filled from the worker’s model"), JN_BETTER_HIGHER,
          (double) s->gaps_worker_model },
        { "gaps_repeated", N_("gaps"), N_("Gaps filled by repeating"), JN_BETTER_HIGHER, (double) s->gaps_repeated },
        { "midi_missing", N_("events"), N_("MIDI events missing"), JN_BETTER_LOWER, (double) s->midi_missing },
        { "midi_restored_offs", N_("events"), N_("MIDI note-offs restored"), JN_BETTER_LOWER,
          (double) s->midi_restored_offs },
        /* its sound card against ours: fast (+) or slow (-), and what the
         * resampling took up */
        { "drift_ppm", "ppm", N_("Its sound card’s drift against ours"), JN_BETTER_LOWER, s->drift_ppm },
        { "resample_slip", N_("packets"), N_("Taken up by resampling"), JN_BETTER_LOWER, (double) s->resample_slip },
      };

      jn_peer_stats_delay_parts (s, capture_ms, format, playback_ms, &parts);
      said = player_summary (s, name, format, &parts);
      jn_report_add_summary_line (r, said);
      for (guint v = 0; v < G_N_ELEMENTS (values); v++)
        {
          JnFigure *figure;

          if (!s->drift_valid && (g_str_equal (values[v].key, "drift_ppm") ||
                                  g_str_equal (values[v].key, "resample_slip")))
            continue;
          /* the unit as data (the exports show it translated) */
          figure = jn_report_add_value (r, suite, values[v].key, values[v].unit, values[v].better,
                                        v == 0 ? jn_delay_parts_total (&parts) : values[v].value);
          jn_figure_set_labels (figure, name, _(values[v].label));
        }
    }
  return r;
}
