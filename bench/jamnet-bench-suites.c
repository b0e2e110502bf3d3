/* jamnet-bench-suites.c: the pnbtr, mesh and soak suites
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-bench"

#include "config.h"

#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "jamnet-bench.h"
#include "jn-bench-report.h"
#include "jn-bench-util.h"
#include "jn-media-engine.h"
#include "jn-test-host.h"
#include "pnbtr-bench.h"

static char *gpu_device;

const char *
jn_bench_gpu_device (void)
{
  return gpu_device != NULL ? gpu_device : "not probed (the pnbtr suite looks for GPUs)";
}

/* --- pnbtr: the no-GLib benchmark, its points as figures -------------------- */

int
jn_bench_pnbtr (int argc, char **argv)
{
  JnReport *r = jn_bench_report ();
  g_autoptr(GString) skipped = g_string_new (NULL);
  PnbtrBenchOptions o;
  PnbtrBenchPoint *points;
  JnChart *rate_chart, *latency_chart;
  int n = 0, status;

  points = pnbtr_bench_run_args (&o, argc, argv, &n, &status);
  if (points == NULL)
    return status;

  rate_chart = jn_report_add_chart (r, JN_CHART_LINES, "pnbtr: predicted samples per second",
                                    "streams per batch", "samples/s");
  rate_chart->log_x = rate_chart->log_y = TRUE;
  latency_chart = jn_report_add_chart (r, JN_CHART_LINES, "pnbtr: batch latency p99",
                                       "streams per batch", "ms");
  latency_chart->log_x = latency_chart->log_y = TRUE;
  for (int k = 0; k < o.n_kinds; k++)
    {
      const char *kind = pnbtr_backend_kind_name (o.kinds[k]);
      JnChartSeries *rate = NULL, *latency = NULL;
      double best = NAN;

      for (int i = 0; i < n; i++)
        {
          const PnbtrBenchPoint *p = &points[i];
          g_autofree char *rate_id = g_strdup_printf ("%s.%d.samples_per_s", kind, p->streams);
          g_autofree char *latency_id = g_strdup_printf ("%s.%d.latency_ms", kind, p->streams);

          if (p->kind != o.kinds[k])
            continue;
          if (p->batches == 0)
            {
              if (!strstr (skipped->str, kind))
                g_string_append_printf (skipped, "%s%s: %s", skipped->len ? "; " : "", kind, p->error);
              continue;
            }
          if (rate == NULL)
            {
              rate = jn_chart_add_series (rate_chart, kind);
              latency = jn_chart_add_series (latency_chart, kind);
              /* a GPU: CUDA's device, or an OpenCL GPU (PoCL is the CPU) */
              if (gpu_device == NULL && (o.kinds[k] == PNBTR_BACKEND_CUDA ||
                                         (o.kinds[k] == PNBTR_BACKEND_OPENCL &&
                                          strstr (p->device, "OpenCL GPU") != NULL)))
                gpu_device = g_strdup (p->device);
            }
          jn_report_add_value (r, "pnbtr", rate_id, "samples/s", JN_BETTER_HIGHER, p->samples_per_s);
          jn_report_add_samples (r, "pnbtr", latency_id, "ms", JN_BETTER_LOWER, p->latency_ms,
                                 (guint) p->batches);
          jn_chart_series_add (rate, p->streams, p->samples_per_s);
          jn_chart_series_add (latency, p->streams,
                               pnbtr_bench_quantile (p->latency_ms, p->batches, 0.99));
          best = isnan (best) || p->samples_per_s > best ? p->samples_per_s : best;
        }
      if (!isnan (best))
        {
          g_autofree char *best_id = g_strdup_printf ("%s.samples_per_s.best", kind);

          jn_report_add_value (r, "pnbtr", best_id, "samples/s", JN_BETTER_HIGHER, best);
        }
    }
  if (gpu_device == NULL)
    gpu_device = g_strdup ("none found");
  jn_report_add_suite (r, "pnbtr", TRUE, skipped->len ? skipped->str : NULL);
  pnbtr_bench_points_free (points, n);
  return 0;
}

/* --- mesh: N engines in one process, every one sending to every other ----- */

static double
cpu_seconds (void)
{
  struct rusage u;

  getrusage (RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static gboolean
mesh_run (guint peers, double seconds, GError **error)
{
  static const JnAudioFormat format = { 48000, 128, 1, JN_SAMPLE_S16 };
  JnReport *r = jn_bench_report ();
  g_autoptr(GPtrArray) engines = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) delivery = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) p50 = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) links = g_array_new (FALSE, FALSE, sizeof (JnSummary));
  guint64 lost = 0, expected = 0;
  double cpu0, cpu1, cpu_pct;
  g_autofree char *id = NULL;
  const JnFigure *delivered, *one_way;

  for (guint i = 0; i < peers; i++)
    {
      JnMediaEngine *e = jn_media_engine_new ("127.0.0.1", 0, error);

      if (e == NULL)
        return FALSE;
      jn_media_engine_set_format (e, &format);
      jn_media_engine_set_local_id (e, i + 1);
      jn_media_engine_set_pnbtr_backend (e, "off", NULL);
      g_ptr_array_add (engines, e);
    }
  for (guint i = 0; i < peers; i++)
    for (guint j = 0; j < peers; j++)
      if (i != j)
        {
          g_autofree char *name = g_strdup_printf ("peer %u", j + 1);

          if (!jn_media_engine_add_peer (engines->pdata[i], j + 1, name, "127.0.0.1",
                                         jn_media_engine_get_port (engines->pdata[j]), NULL, error))
            return FALSE;
        }
  cpu0 = cpu_seconds ();
  for (guint i = 0; i < peers; i++)
    if (!jn_media_engine_start (engines->pdata[i], error))
      return FALSE;
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  cpu1 = cpu_seconds ();
  cpu_pct = 100.0 * (cpu1 - cpu0) / seconds / peers;

  for (guint i = 0; i < peers; i++)
    {
      g_autoptr(GArray) stats = jn_media_engine_get_peer_stats (engines->pdata[i]);

      for (guint k = 0; k < stats->len; k++)
        {
          const JnPeerStats *s = &g_array_index (stats, JnPeerStats, k);
          double d = s->audio_packets + s->lost > 0
                     ? 100.0 * s->audio_packets / (double) (s->audio_packets + s->lost) : 0.0;

          g_array_append_val (delivery, d);
          g_array_append_val (p50, s->one_way_ms.p50);
          g_array_append_val (links, s->one_way_ms);
          lost += s->lost;
          expected += s->audio_packets + s->lost;
        }
    }
  for (guint i = 0; i < peers; i++)
    jn_media_engine_stop (engines->pdata[i]);

  id = g_strdup_printf ("%u.delivery_pct", peers);
  delivered = jn_report_add_samples (r, "mesh", id, "%", JN_BETTER_HIGHER, (double *) delivery->data,
                                     delivery->len);
  g_free (id);
  id = g_strdup_printf ("%u.loss_pct", peers);
  jn_report_add_value (r, "mesh", id, "%", JN_BETTER_LOWER, expected ? 100.0 * lost / expected : NAN);
  g_free (id);
  /* per link: the links' p50s described (min, mean, median); p95, p99
   * and max are the worst link's, so that they stay in order */
  id = g_strdup_printf ("%u.one_way_ms", peers);
  {
    JnDescription d;

    jn_describe ((double *) p50->data, p50->len, &d);
    for (guint i = 0; i < links->len; i++)
      {
        const JnSummary *link = &g_array_index (links, JnSummary, i);

        d.p95 = i == 0 ? link->p95 : MAX (d.p95, link->p95);
        d.p99 = i == 0 ? link->p99 : MAX (d.p99, link->p99);
        d.max = i == 0 ? link->max : MAX (d.max, link->max);
      }
    one_way = jn_report_add_summary (r, "mesh", id, "ms", JN_BETTER_LOWER, &d);
  }
  g_free (id);
  g_print ("  %u peers: %u links, delivery worst %.3f %%, one-way p50 %.3f ms (median link), "
           "p99 %.3f ms and max %.3f ms (worst link), CPU %.2f %% of a core per peer\n", peers, delivery->len,
           delivered->d.min, one_way->d.median, one_way->d.p99, one_way->d.max, cpu_pct);
  id = g_strdup_printf ("%u.cpu_pct_per_peer", peers);
  jn_report_add_value (r, "mesh", id, "% of a core", JN_BETTER_LOWER, cpu_pct);
  return TRUE;
}

int
jn_bench_mesh (int argc, char **argv)
{
  static const guint sizes[] = { 2, 4, 8 };
  double seconds = argc >= 2 ? g_ascii_strtod (argv[1], NULL) : 5.0;
  g_autoptr(GError) error = NULL;
  const char *figures[G_N_ELEMENTS (sizes) + 1] = { NULL };
  char *names[G_N_ELEMENTS (sizes)] = { NULL };

  if (!(seconds > 0 && seconds <= 3600))
    return jn_bench_fail ("usage: jamnet-bench mesh [SECONDS per size (default 5)]");
  g_print ("mesh: 2, 4 and 8 peers in one process on 127.0.0.1, full mesh, 48 kHz / 128 frames "
           "s16 mono, %.0f s each\n", seconds);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      if (!mesh_run (sizes[i], seconds, &error))
        return jn_bench_fail (error->message);
      names[i] = g_strdup_printf ("%u.one_way_ms", sizes[i]);
      figures[i] = names[i];
    }
  jn_bench_percentile_chart ("mesh", "mesh: one-way delay per link (p99: worst link)", "ms", figures);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    g_free (names[i]);
  jn_report_add_suite (jn_bench_report (), "mesh", TRUE, NULL);
  return 0;
}

/* --- soak: a session held for a while; memory, delivery ------------------------ */

double
jn_bench_rss_kib (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (line = strstr (text, "VmRSS:")) == NULL)
    return NAN;
  return g_ascii_strtod (line + 6, NULL);
}

double
jn_bench_cpu_s (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  unsigned long utime = 0, stime = 0;
  const char *after;

  /* the name in parentheses may hold spaces: count fields after it */
  if (!g_file_get_contents (path, &text, NULL, NULL) || (after = strrchr (text, ')')) == NULL ||
      sscanf (after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return NAN;
  return (double) (utime + stime) / (double) sysconf (_SC_CLK_TCK);
}

double
jn_bench_threads_cpu_s (GPid        pid,
                        const char *name)
{
  g_autofree char *dir_path = g_strdup_printf ("/proc/%d/task", (int) pid);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *tid;
  double sum = 0;

  if (dir == NULL)
    return NAN;
  while ((tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s/stat", dir_path, tid);
      g_autofree char *text = NULL;
      g_autofree char *comm = g_strdup_printf ("(%s)", name);
      unsigned long utime = 0, stime = 0;
      const char *after;

      if (!g_file_get_contents (path, &text, NULL, NULL) || strstr (text, comm) == NULL ||
          (after = strrchr (text, ')')) == NULL ||
          sscanf (after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        continue;
      sum += (double) (utime + stime) / (double) sysconf (_SC_CLK_TCK);
    }
  return sum;
}

static double
rss_mb (GPid pid)
{
  return jn_bench_rss_kib (pid) / 1024.0;
}

int
jn_bench_soak (const char *argv0, int argc, char **argv)
{
  double seconds = 60;
  g_autoptr(GError) error = NULL;
  g_autofree char *cli = jn_bench_cli_path (argv0);
  g_autofree char *dir = g_dir_make_tmp ("jamnet-soak-XXXXXX", &error);
  g_autofree char *stats = NULL, *duration = NULL, *url = NULL;
  g_autoptr(GSubprocess) host = NULL, join = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GArray) host_rss = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) join_rss = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *peer;
  double growth, delivery;
  JnChart *chart;
  JnChartSeries *hs, *js;

  for (int i = 1; i + 1 < argc; i++)
    if (g_str_equal (argv[i], "--seconds"))
      seconds = g_ascii_strtod (argv[++i], NULL);
  if (!(seconds >= 5 && seconds <= 24 * 3600))
    return jn_bench_fail ("usage: jamnet-bench soak [--seconds S (5 .. 86400, default 60)]");
  if (cli == NULL || dir == NULL)
    return jn_bench_fail ("jamnet-cli not found (set JAMNET_CLI)");
  stats = g_build_filename (dir, "join.json", NULL);
  duration = g_strdup_printf ("%.0f", seconds);

  g_print ("soak: a host and a player (two jamnet-cli) for %.0f s, audio both ways, MIDI every 20 ms; "
           "resident memory every second\n", seconds);
  host = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, cli, "host", "--port", "0",
                           "--bind", "127.0.0.1", "-q", "--duration", "100000", "--midi-test",
                           "1000000", "--midi-interval", "20", NULL);
  if (host == NULL)
    return jn_bench_fail (error->message);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (host));
  url = jn_test_read_host_url (out);
  if (url == NULL)
    {
      g_subprocess_force_exit (host);
      return jn_bench_fail ("the host did not start");
    }
  join = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, cli, "join", url, "--bind", "127.0.0.1",
                           "-q", "--duration", duration, "--stats-json", stats, NULL);
  if (join == NULL)
    {
      g_subprocess_force_exit (host);
      return jn_bench_fail (error->message);
    }
  chart = jn_report_add_chart (jn_bench_report (), JN_CHART_LINES, "soak: resident memory",
                               "seconds", "MB");
  hs = jn_chart_add_series (chart, "host");
  js = jn_chart_add_series (chart, "player");
  for (guint t = 1; t <= (guint) seconds - 1; t++)
    {
      double h, j;

      g_usleep (G_USEC_PER_SEC);
      h = rss_mb ((GPid) atoi (g_subprocess_get_identifier (host)));
      j = rss_mb ((GPid) atoi (g_subprocess_get_identifier (join)));
      g_array_append_val (host_rss, h);
      g_array_append_val (join_rss, j);
      jn_chart_series_add (hs, t, h);
      jn_chart_series_add (js, t, j);
    }
  if (!g_subprocess_wait_check (join, NULL, &error))
    {
      g_subprocess_force_exit (host);
      return jn_bench_fail (error->message);
    }
  g_subprocess_send_signal (host, SIGTERM);
  g_subprocess_wait (host, NULL, NULL);
  if (!json_parser_load_from_file (parser, stats, &error))
    return jn_bench_fail (error->message);
  g_unlink (stats);
  g_rmdir (dir);
  peer = json_array_get_object_element (
    json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "peers"), 0);

  /* growth after the first 3 s (start-up allocations are not a leak) */
  {
    guint from = MIN (3, host_rss->len - 1);

    growth = MAX (g_array_index (host_rss, double, host_rss->len - 1) - g_array_index (host_rss, double, from),
                  g_array_index (join_rss, double, join_rss->len - 1) - g_array_index (join_rss, double, from));
  }
  delivery = 100.0 * json_object_get_int_member (peer, "audio_packets") /
             MAX (1.0, (double) (json_object_get_int_member (peer, "audio_packets") +
                                 json_object_get_int_member (peer, "lost")));
  g_print ("  resident memory: host %.1f -> %.1f MB, player %.1f -> %.1f MB; growth %.2f MB\n",
           g_array_index (host_rss, double, 0), g_array_index (host_rss, double, host_rss->len - 1),
           g_array_index (join_rss, double, 0), g_array_index (join_rss, double, join_rss->len - 1), growth);
  g_print ("  audio delivered %.3f %%, MIDI events %" G_GINT64_FORMAT ", missing %" G_GINT64_FORMAT "\n",
           delivery, json_object_get_int_member (peer, "midi_events"),
           json_object_get_int_member (peer, "midi_missing"));
  jn_report_add_value (jn_bench_report (), "soak", "rss_growth_mb", "MB", JN_BETTER_LOWER, growth);
  jn_report_add_value (jn_bench_report (), "soak", "delivery_pct", "%", JN_BETTER_HIGHER, delivery);
  jn_report_add_samples (jn_bench_report (), "soak", "host_rss_mb", "MB", JN_BETTER_LOWER,
                         (double *) host_rss->data, host_rss->len);
  jn_report_add_suite (jn_bench_report (), "soak", TRUE, NULL);
  return 0;
}
