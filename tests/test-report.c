/* test-report.c: statistics, targets, baselines, and the report formats
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <sys/wait.h>
#include <string.h>

#include "jn-report.h"
#include "jn-targets.h"

static void
test_describe (void)
{
  double five[] = { 5, 1, 4, 2, 3 }, hundred[100], ten[10];
  JnDescription d;

  /* hand-checked, nearest rank: the smallest value with >= q n at or below it */
  jn_describe (five, 5, &d);
  g_assert_cmpuint (d.count, ==, 5);
  g_assert_cmpfloat (d.mean, ==, 3);
  g_assert_cmpfloat (d.median, ==, 3);
  g_assert_cmpfloat (d.p95, ==, 5);
  g_assert_cmpfloat (d.p99, ==, 5);
  g_assert_cmpfloat (d.min, ==, 1);
  g_assert_cmpfloat (d.max, ==, 5);
  g_assert_cmpfloat (five[0], ==, 5);   /* the input is left alone */

  for (guint i = 0; i < 100; i++)
    hundred[99 - i] = i + 1;
  jn_describe (hundred, 100, &d);
  g_assert_cmpfloat (d.mean, ==, 50.5);
  g_assert_cmpfloat (d.median, ==, 50);
  g_assert_cmpfloat (d.p95, ==, 95);
  g_assert_cmpfloat (d.p99, ==, 99);
  g_assert_cmpfloat (d.max, ==, 100);

  for (guint i = 0; i < 10; i++)
    ten[i] = i + 1;
  jn_describe (ten, 10, &d);
  g_assert_cmpfloat (d.median, ==, 5);
  g_assert_cmpfloat (d.p95, ==, 10);
  g_assert_cmpfloat (d.mean, ==, 5.5);

  jn_describe (NULL, 0, &d);
  g_assert_cmpuint (d.count, ==, 0);
  g_assert_true (isnan (d.median) && isnan (d.mean));
}

static void
test_tail_warning (void)
{
  g_autoptr(JnReport) r = jn_report_new ("benchmark", "t");
  double calm[100], tail[100];
  JnFigure *f;

  for (guint i = 0; i < 100; i++)
    {
      calm[i] = 1.0 + i * 0.01;
      tail[i] = i >= 98 ? 100.0 : 1.0;
    }
  f = jn_report_add_samples (r, "s", "calm", "ms", JN_BETTER_LOWER, calm, 100);
  g_assert_null (f->warning);
  f = jn_report_add_samples (r, "s", "tail", "ms", JN_BETTER_LOWER, tail, 100);
  g_assert_cmpfloat (f->d.p99, ==, 100);
  g_assert_nonnull (f->warning);
  g_assert_nonnull (strstr (f->warning, "100.0"));
}

static void
test_targets (void)
{
  g_autofree char *dir = g_dir_make_tmp ("jamnet-targets-XXXXXX", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.tsv", NULL);
  JnTarget t = { "s", "f", JN_TARGET_LE, 400, "ns", "seed" };
  JnTargets targets;
  char error[512] = "";

  g_assert_cmpint (jn_target_check (&t, 1, 400), ==, JN_VERDICT_PASS);
  g_assert_cmpint (jn_target_check (&t, 1, 400.5), ==, JN_VERDICT_FAIL);
  g_assert_cmpint (jn_target_check (&t, 0, 1), ==, JN_VERDICT_SKIP);     /* not measured */
  g_assert_cmpint (jn_target_check (&t, 1, NAN), ==, JN_VERDICT_SKIP);
  t.op = JN_TARGET_LT;
  g_assert_cmpint (jn_target_check (&t, 1, 400), ==, JN_VERDICT_FAIL);
  t.op = JN_TARGET_GE;
  g_assert_cmpint (jn_target_check (&t, 1, 400), ==, JN_VERDICT_PASS);
  t.op = JN_TARGET_GT;
  g_assert_cmpint (jn_target_check (&t, 1, 400), ==, JN_VERDICT_FAIL);
  g_assert_cmpstr (jn_verdict_name (JN_VERDICT_SKIP), ==, "SKIP");

  /* the shipped file: every line valid, the seed's figures in it */
  g_assert_cmpint (jn_targets_load (&targets, jn_targets_default_path (), error, sizeof error), ==, 0);
  g_assert_nonnull (jn_targets_find (&targets, "codec", "jmid.encode_ns"));
  g_assert_cmpfloat (jn_targets_find (&targets, "codec", "jmid.roundtrip_per_s")->value, ==, 484027);
  g_assert_cmpfloat (jn_targets_find (&targets, "pnbtr", "cuda.64.samples_per_s")->value, ==, 45.2e6);
  g_assert_null (jn_targets_find (&targets, "codec", "nonsense"));
  jn_targets_clear (&targets);

  g_assert_true (g_file_set_contents (bad, "# ok\ncodec\tx\t<=\t1\tns\tseed\ncodec\ty\t=<\t1\tns\tseed\n",
                                      -1, NULL));
  g_assert_cmpint (jn_targets_load (&targets, bad, error, sizeof error), ==, -1);
  g_assert_nonnull (strstr (error, ":3:"));
  g_assert_cmpint (targets.n_targets, ==, 0);
  g_unlink (bad);
  g_rmdir (dir);
}

static void
test_baseline (void)
{
  g_autoptr(JnReport) then = jn_report_new ("benchmark", "then");
  g_autoptr(JnReport) now = jn_report_new ("benchmark", "now");
  JnFigure *same, *slower, *fewer, *faster;

  jn_report_add_value (then, "s", "latency", "ms", JN_BETTER_LOWER, 100);
  jn_report_add_value (then, "s", "latency2", "ms", JN_BETTER_LOWER, 100);
  jn_report_add_value (then, "s", "rate", "1/s", JN_BETTER_HIGHER, 100);
  jn_report_add_value (then, "s", "faster", "ms", JN_BETTER_LOWER, 100);
  same = jn_report_add_value (now, "s", "latency", "ms", JN_BETTER_LOWER, 110);     /* +10 %: not more */
  slower = jn_report_add_value (now, "s", "latency2", "ms", JN_BETTER_LOWER, 111);  /* +11 % */
  fewer = jn_report_add_value (now, "s", "rate", "1/s", JN_BETTER_HIGHER, 89);      /* 11 % fewer */
  faster = jn_report_add_value (now, "s", "faster", "ms", JN_BETTER_LOWER, 50);
  jn_report_add_value (now, "s", "new", "ms", JN_BETTER_LOWER, 1);

  g_assert_cmpuint (jn_report_compare_baseline (now, then, 0.10), ==, 2);
  g_assert_false (same->regression);
  g_assert_cmpfloat_with_epsilon (same->change_percent, 10.0, 1e-9);
  g_assert_true (slower->regression);
  g_assert_true (fewer->regression);
  g_assert_cmpfloat_with_epsilon (fewer->change_percent, 11.0, 1e-9);
  g_assert_false (faster->regression);
  g_assert_cmpfloat (faster->change_percent, ==, -50);
  g_assert_false (jn_report_find_figure (now, "s", "new")->has_baseline);
}

static JnReport *
sample_report (void)
{
  JnReport *r = jn_report_new ("benchmark", "JamNet <benchmark> & \"quotes\"");
  double lat[] = { 0.1, 0.2, 0.15, 0.3, 0.12 };
  JnDescription d = { 40, 1.5, 1.4, 2.0, 3.0, 3.5, 1.0 };
  JnChart *bars, *lines;
  JnChartSeries *s;
  JnFigure *f;

  jn_report_collect_machine (r, NULL);
  jn_report_add_suite (r, "codec", TRUE, NULL);
  jn_report_add_suite (r, "pnbtr", FALSE, "CUDA: no device answers");
  f = jn_report_add_samples (r, "loopback", "midi.one_way_ms", "ms", JN_BETTER_LOWER, lat, 5);
  f->target_op = g_strdup ("<");
  f->target_value = 1;
  f->target_source = g_strdup ("seed, \"local\"");
  f->verdict = JN_FIGURE_PASS;
  jn_report_add_summary (r, "loopback", "audio.one_way_ms", "ms", JN_BETTER_LOWER, &d);
  f = jn_report_add_value (r, "pnbtr", "cuda.64.samples_per_s", "samples/s", JN_BETTER_HIGHER, NAN);
  f->verdict = JN_FIGURE_SKIP;

  bars = jn_report_add_chart (r, JN_CHART_BARS, "latency percentiles", "figure", "ms");
  jn_chart_add_category (bars, "midi");
  jn_chart_add_category (bars, "audio");
  s = jn_chart_add_series (bars, "p50");
  jn_chart_series_add (s, 0, 0.15);
  jn_chart_series_add (s, 1, 1.4);
  s = jn_chart_add_series (bars, "p99");
  jn_chart_series_add (s, 0, 0.3);
  jn_chart_series_add (s, 1, 3.0);
  lines = jn_report_add_chart (r, JN_CHART_LINES, "throughput", "streams", "samples/s");
  lines->log_x = lines->log_y = TRUE;
  s = jn_chart_add_series (lines, "cpu");
  for (guint b = 1; b <= 4096; b *= 8)
    jn_chart_series_add (s, b, 4e7);
  return r;
}

static char *
to_string (const JnReport *r)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) node = jn_report_to_json (r);

  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

static void
test_json_round_trip (void)
{
  g_autoptr(JnReport) r = sample_report ();
  g_autoptr(JnReport) back = NULL, baseline = jn_report_new ("benchmark", "b");
  g_autofree char *dir = g_dir_make_tmp ("jamnet-report-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "r.json", NULL);
  g_autofree char *first = NULL, *second = NULL;
  g_autoptr(GError) error = NULL;
  JnFigure *f;

  jn_report_add_value (baseline, "loopback", "midi.one_way_ms", "ms", JN_BETTER_LOWER, 0.1);
  g_assert_cmpuint (jn_report_compare_baseline (r, baseline, 0.10), ==, 1);
  first = to_string (r);
  g_assert_true (jn_report_write (r, path, NULL, &error));
  back = jn_report_load_json (path, &error);
  g_assert_no_error (error);
  second = to_string (back);
  g_assert_cmpstr (first, ==, second);

  f = jn_report_find_figure (back, "loopback", "midi.one_way_ms");
  g_assert_cmpuint (f->samples->len, ==, 5);
  g_assert_cmpfloat (f->d.median, ==, 0.15);
  g_assert_cmpint (f->verdict, ==, JN_FIGURE_PASS);
  g_assert_true (f->regression);
  g_assert_true (isnan (jn_report_find_figure (back, "pnbtr", "cuda.64.samples_per_s")->d.median));
  g_assert_cmpstr (jn_report_get_machine (back, "cpu_count"), !=, NULL);
  g_assert_cmpuint (back->charts->len, ==, 2);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_json_hostile (void)
{
  static const char *const bad[] = {
    "[]",
    "{\"schema\": \"something-else\", \"version\": 1}",
    "{\"schema\": \"jamnet-report\", \"version\": 2, \"kind\": \"x\"}",
    "{\"schema\": \"jamnet-report\", \"version\": 1, \"kind\": \"b\", \"title\": \"t\", \"created\": \"c\", "
    "\"machine\": {}, \"figures\": [{\"suite\": \"s\"}]}",
    "{\"schema\": \"jamnet-report\", \"version\": 1, \"kind\": \"b\", \"title\": \"t\", \"created\": \"c\", "
    "\"machine\": {}, \"figures\": [{\"suite\": \"s\", \"name\": \"n\", \"unit\": \"u\", \"better\": \"sideways\"}]}",
    "{\"schema\": \"jamnet-report\", \"version\": 1, \"kind\": \"b\", \"title\": \"t\", \"created\": \"c\", "
    "\"machine\": {}, \"figures\": [{\"suite\": \"s\", \"name\": \"n\", \"unit\": \"u\", \"better\": \"lower\", "
    "\"count\": -4, \"mean\": 1, \"median\": 1, \"p95\": 1, \"p99\": 1, \"max\": 1, \"min\": 1}]}",
    "{\"schema\": \"jamnet-report\", \"version\": 1, \"kind\": \"b\", \"title\": \"t\", \"created\": \"c\", "
    "\"machine\": {}, \"figures\": [{\"suite\": \"s\", \"name\": \"n\", \"unit\": \"u\", \"better\": \"lower\", "
    "\"count\": 1, \"mean\": 1, \"median\": 1, \"p95\": 1, \"p99\": 1, \"max\": 1, \"min\": 1, "
    "\"samples\": [1, \"two\"]}]}",
    "{\"schema\": \"jamnet-report\", \"version\": 1, \"kind\": \"b\", \"title\": \"t\", \"created\": \"c\", "
    "\"machine\": {\"cpu\": 3}, \"figures\": []}",
    "{\"schema\": \"jamnet-report\", \"version\": 1, \"kind\": \"b\", \"title\": \"t\", \"created\": \"c\", "
    "\"machine\": {}, \"figures\": [], \"charts\": [{\"title\": \"c\", \"kind\": \"bars\", \"x_label\": \"x\", "
    "\"y_label\": \"y\", \"categories\": [\"a\"], \"series\": [{\"name\": \"s\", \"y\": [1, 2]}]}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(JnReport) r = NULL;

      g_assert_true (json_parser_load_from_data (parser, bad[i], -1, NULL));
      r = jn_report_from_json (json_parser_get_root (parser), &error);
      g_assert_null (r);
      g_assert_nonnull (error);
      g_test_message ("case %u: %s", i, error->message);
    }
}

typedef struct
{
  guint svg, table, depth, max_depth;
} HtmlCount;

static void
html_start (GMarkupParseContext *ctx, const char *element, const char **names, const char **values,
            gpointer data, GError **error)
{
  HtmlCount *c = data;

  c->svg += g_str_equal (element, "svg");
  c->table += g_str_equal (element, "table");
  c->max_depth = MAX (c->max_depth, ++c->depth);
}

static void
html_end (GMarkupParseContext *ctx, const char *element, gpointer data, GError **error)
{
  ((HtmlCount *) data)->depth--;
}

static void
test_html_csv_pdf (void)
{
  g_autoptr(JnReport) r = sample_report ();
  g_autofree char *dir = g_dir_make_tmp ("jamnet-report-XXXXXX", NULL);
  g_autofree char *html = g_build_filename (dir, "r.html", NULL);
  g_autofree char *csv = g_build_filename (dir, "r.csv", NULL);
  g_autofree char *pdf = g_build_filename (dir, "r.pdf", NULL);
  g_autofree char *png_base = g_build_filename (dir, "page", NULL);
  g_autofree char *png = g_build_filename (dir, "page-1.png", NULL);
  g_autofree char *text = NULL, *pdftoppm = g_find_program_in_path ("pdftoppm");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) rows = NULL;
  GMarkupParser parser = { html_start, html_end, NULL, NULL, NULL };
  GMarkupParseContext *ctx;
  HtmlCount count = { 0 };
  gsize len;
  int status;

  /* HTML: well-formed (parsed back as XML), one SVG per chart */
  g_assert_true (jn_report_write (r, html, NULL, &error));
  g_assert_true (g_file_get_contents (html, &text, &len, NULL));
  ctx = g_markup_parse_context_new (&parser, G_MARKUP_IGNORE_QUALIFIED, &count, NULL);
  g_assert_true (g_markup_parse_context_parse (ctx, text, (gssize) len, &error));
  g_assert_true (g_markup_parse_context_end_parse (ctx, &error));
  g_assert_no_error (error);
  g_markup_parse_context_free (ctx);
  g_assert_cmpuint (count.svg, ==, r->charts->len);
  g_assert_cmpuint (count.table, >=, 3);
  g_assert_nonnull (strstr (text, "JamNet &lt;benchmark&gt; &amp;"));
  g_assert_nonnull (strstr (text, "<polyline"));
  g_assert_nonnull (strstr (text, "<rect"));
  g_clear_pointer (&text, g_free);

  /* CSV: a header and one row per figure, quotes doubled */
  g_assert_true (jn_report_write (r, csv, NULL, &error));
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  rows = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (rows), ==, r->figures->len + 2);   /* + header + trailing "" */
  g_assert_true (g_str_has_prefix (rows[0], "suite,figure,unit,better,count,mean,median,p95,p99"));
  g_assert_true (g_str_has_prefix (rows[1], "\"loopback\",\"midi.one_way_ms\",\"ms\",\"lower\",5,"));
  g_assert_nonnull (strstr (rows[1], "\"PASS\""));

  /* PDF: cairo wrote it, poppler renders its first page */
  g_assert_true (jn_report_write (r, pdf, NULL, &error));
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (pdf, &text, &len, NULL));
  g_assert_true (len > 1000 && g_str_has_prefix (text, "%PDF-"));
  g_assert_nonnull (pdftoppm);
  {
    const char *argv[] = { pdftoppm, "-png", "-r", "50", "-f", "1", "-l", "1", pdf, png_base, NULL };
    g_autofree char *png_data = NULL;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                                 &status, &error));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_assert_true (g_file_get_contents (png, &png_data, &len, NULL));
    g_assert_true (len > 2000 && memcmp (png_data, "\x89PNG", 4) == 0);
    if (g_getenv ("REPORT_ARTIFACTS") != NULL)
      {
        /* kept for a person to look at */
        g_autofree char *keep_png = g_build_filename (g_getenv ("REPORT_ARTIFACTS"), "report-page-1.png", NULL);
        g_autofree char *keep_html = g_build_filename (g_getenv ("REPORT_ARTIFACTS"), "report.html", NULL);
        g_autofree char *html_text = NULL;
        gsize html_len = 0;

        g_mkdir_with_parents (g_getenv ("REPORT_ARTIFACTS"), 0755);
        g_assert_true (g_file_set_contents (keep_png, png_data, (gssize) len, NULL));
        g_assert_true (g_file_get_contents (html, &html_text, &html_len, NULL));
        g_assert_true (g_file_set_contents (keep_html, html_text, (gssize) html_len, NULL));
      }
  }

  g_assert_false (jn_report_write (r, "/tmp/report.docx", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (jn_report_write (r, "/nonexistent-dir/r.pdf", NULL, &error));
  g_assert_nonnull (error);

  g_unlink (html);
  g_unlink (csv);
  g_unlink (pdf);
  g_unlink (png);
  g_rmdir (dir);
}

static int
run (const char *const *argv, char **out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  int status = -1;

  /* the child's output is not ours to print (it would break TAP) */
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &text, NULL,
                               &status, &error));
  g_assert_no_error (error);
  if (WIFSIGNALED (status))
    g_test_message ("%s %s died of signal %d", argv[0], argv[1], WTERMSIG (status));
  if (out != NULL)
    *out = g_steal_pointer (&text);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* jamnet-cli --report: a session's latency over time, per peer */
static void
test_session_report (void)
{
  g_autofree char *dir = g_dir_make_tmp ("jamnet-report-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "session.json", NULL);
  g_autoptr(JnReport) r = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { g_getenv ("JAMNET_CLI"), "demo", "--port", "0", "--duration", "2",
                         "--delay", "10", "-q", "--report", path, NULL };
  JnFigure *rtt = NULL;

  g_assert_nonnull (argv[0]);
  g_assert_cmpint (run (argv, NULL), ==, 0);
  r = jn_report_load_json (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (r->kind, ==, "session");
  g_assert_cmpuint (r->charts->len, ==, 6);
  for (guint i = 0; i < r->figures->len; i++)
    {
      JnFigure *f = r->figures->pdata[i];

      if (g_str_has_prefix (f->suite, "peer ") && g_str_equal (f->name, "rtt_ms"))
        rtt = f;
    }
  /* 10 ms each way through the emulated network: about 20 ms round trip */
  g_assert_nonnull (rtt);
  g_assert_cmpuint (rtt->d.count, >=, 5);
  g_assert_cmpuint (rtt->samples->len, ==, rtt->d.count);
  g_assert_cmpfloat (rtt->d.median, >, 15.0);
  g_assert_cmpfloat (rtt->d.median, <, 60.0);
  g_assert_nonnull (jn_report_get_machine (r, "pnbtr_backend"));
  /* for a person: what happened first, in words, the player by name */
  g_assert_cmpuint (r->summary->len, ==, 2);
  g_test_message ("%s %s", (char *) r->summary->pdata[0], (char *) r->summary->pdata[1]);
  g_assert_nonnull (strstr (r->summary->pdata[0], "1 other player"));
  g_assert_true (g_str_has_prefix (r->summary->pdata[1], "Simulated player played for "));
  g_assert_nonnull (strstr (r->summary->pdata[1], " ms from their instrument to your ears"));
  g_assert_cmpstr (rtt->suite_label, ==, "Simulated player");
  g_assert_cmpstr (rtt->label, ==, "Round-trip time");

  /* the page: summary first, the machine last, no columns nothing fills;
   * in German, German headings */
  {
    g_autofree char *html = g_build_filename (dir, "session.html", NULL);
    g_autofree char *text = NULL;
    const char *summary, *figures, *machine;
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
    g_autoptr(GSubprocess) de = NULL;

    g_assert_true (jn_report_write_html (r, html, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (html, &text, NULL, NULL));
    summary = strstr (text, "<h2>Summary</h2>");
    figures = strstr (text, "<h2>Figures</h2>");
    machine = strstr (text, "<h2>This computer</h2>");
    g_assert_true (summary != NULL && figures != NULL && machine != NULL);
    g_assert_true (summary < figures && figures < machine);
    g_assert_nonnull (strstr (text, "<td>Simulated player</td><td>Round-trip time</td>"));
    g_assert_null (strstr (text, "<th>Target</th>"));
    g_assert_null (strstr (text, "<th>Verdict</th>"));
    g_clear_pointer (&text, g_free);

    if (g_getenv ("JAMNET_LOCALEDIR") != NULL && g_getenv ("JAMNET_BENCH") != NULL)
      {
        /* a figure without a unit: no translation's catalogue header for it */
        jn_report_add_value (r, "peer 2 Simulated player", "ratio", "", JN_BETTER_LOWER, 1.0);
        g_assert_true (jn_report_save_json (r, path, &error));
        g_assert_no_error (error);
        g_subprocess_launcher_setenv (launcher, "LANGUAGE", "de", TRUE);
        g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
        de = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("JAMNET_BENCH"), "report", "--from", path,
                                          "--format", "html", "-o", html, NULL);
        g_assert_no_error (error);
        g_assert_true (g_subprocess_wait_check (de, NULL, &error));
        g_assert_no_error (error);
        g_assert_true (g_file_get_contents (html, &text, NULL, NULL));
        g_assert_nonnull (strstr (text, "lang=\"de\""));
        g_assert_nonnull (strstr (text, "<h2>Zusammenfassung</h2>"));
        g_assert_nonnull (strstr (text, "<th>Spieler</th>"));
        g_assert_nonnull (strstr (text, "<h2>Dieser Computer</h2>"));
        g_assert_null (strstr (text, "Project-Id-Version"));
      }
    g_unlink (html);
  }
  g_unlink (path);
  g_rmdir (dir);
}

/* --help, alone or after any suite or tool, prints help and runs nothing */
static void
test_bench_help (void)
{
  static const char *const suites[] = {
    NULL, "all", "codec", "loopback", "mesh", "audio-path", "pnbtr", "plc-suite", "soak",
    "server", "internet", "hub", "midi-loss", "drift", "plc", "plc-trace", "plc-features",
    "copy-codings", "report",
  };
  const char *bench = g_getenv ("JAMNET_BENCH");

  if (bench == NULL)
    {
      g_test_skip ("jamnet-bench not built (-Dbench=false)");
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (suites); i++)
    {
      const char *argv[] = { bench, suites[i] != NULL ? suites[i] : "--help", "--help", NULL };
      g_autofree char *out = NULL, *err = NULL;
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      int status = -1;

      if (suites[i] == NULL)
        argv[2] = NULL;
      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                   &err, &status, &error));
      g_assert_no_error (error);
      if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
        g_error ("jamnet-bench %s --help: status %d: %s", argv[1], status, err);
      g_assert_true (strcasestr (out, "usage") != NULL || strcasestr (err, "usage") != NULL);
      /* it ran nothing: help comes at once */
      g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
    }
}

/* jamnet-bench: figures, verdicts, exports and a baseline regression */
static void
test_bench_outputs (void)
{
  const char *bench = g_getenv ("JAMNET_BENCH");
  g_autofree char *dir = g_dir_make_tmp ("jamnet-bench-XXXXXX", NULL);
  g_autofree char *json = g_build_filename (dir, "mesh.json", NULL);
  g_autofree char *html = g_build_filename (dir, "mesh.html", NULL);
  g_autofree char *base = g_build_filename (dir, "fast.json", NULL);
  g_autoptr(JnReport) r = NULL, fast = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  JnFigure *delivery, *cpu;

  if (bench == NULL)
    {
      g_test_skip ("jamnet-bench not built (-Dbench=false)");
      return;
    }
  {
    const char *argv[] = { bench, "mesh", "1", "--json", json, NULL };

    g_assert_cmpint (run (argv, &out), ==, 0);
  }
  /* targets are printed for the suite that ran, and only for it */
  g_assert_nonnull (strstr (out, "mesh       2.delivery_pct"));
  g_assert_null (strstr (out, "codec"));
  r = jn_report_load_json (json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (r->kind, ==, "benchmark");
  g_assert_cmpstr (r->suites->pdata[0], ==, "mesh");
  delivery = jn_report_find_figure (r, "mesh", "2.delivery_pct");
  g_assert_nonnull (delivery);
  g_assert_cmpuint (delivery->d.count, ==, 2);               /* one per link */
  g_assert_cmpint (delivery->verdict, !=, JN_FIGURE_UNCHECKED);
  g_assert_cmpstr (delivery->target_op, ==, ">=");
  g_assert_nonnull (jn_report_find_figure (r, "mesh", "8.one_way_ms"));
  g_assert_cmpuint (r->charts->len, ==, 1);
  g_assert_nonnull (jn_report_get_machine (r, "git_revision"));

  /* re-export, then a baseline that was much better: a regression */
  {
    const char *argv[] = { bench, "report", "--from", json, "--format", "html", "--output", html, NULL };

    g_assert_cmpint (run (argv, NULL), ==, 0);
    g_assert_true (g_file_test (html, G_FILE_TEST_IS_REGULAR));
  }
  fast = jn_report_load_json (json, &error);
  cpu = jn_report_find_figure (fast, "mesh", "2.cpu_pct_per_peer");
  cpu->d.median = cpu->d.median / 100.0;
  g_assert_true (jn_report_save_json (fast, base, &error));
  {
    const char *argv[] = { bench, "mesh", "1", "--baseline", base, "--fail-on-regression", NULL };

    g_assert_cmpint (run (argv, NULL), ==, 3);
  }
  {
    const char *argv[] = { bench, "mesh", "1", "--baseline", base, NULL };

    g_assert_cmpint (run (argv, NULL), ==, 0);
  }
  g_unlink (json);
  g_unlink (html);
  g_unlink (base);
  g_rmdir (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/report/describe", test_describe);
  g_test_add_func ("/report/tail-warning", test_tail_warning);
  g_test_add_func ("/report/targets", test_targets);
  g_test_add_func ("/report/baseline", test_baseline);
  g_test_add_func ("/report/json-round-trip", test_json_round_trip);
  g_test_add_func ("/report/json-hostile", test_json_hostile);
  g_test_add_func ("/report/html-csv-pdf", test_html_csv_pdf);
  g_test_add_func ("/report/session", test_session_report);
  g_test_add_func ("/report/bench", test_bench_outputs);
  g_test_add_func ("/report/bench-help", test_bench_help);

  return g_test_run ();
}
