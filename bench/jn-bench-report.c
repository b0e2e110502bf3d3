/* jn-bench-report.c: targets, baselines and exports for jamnet-bench
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-bench"

#include "config.h"

#include "jn-bench-report.h"

#include <math.h>
#include <string.h>

#include "jamnet-bench.h"
#include "jn-targets.h"

static JnReport *report;
static char *out_json, *out_csv, *out_html, *out_pdf;
static char *save_baseline, *baseline_name, *baseline_dir;
static gboolean fail_on_regression;

JnReport *
jn_bench_report (void)
{
  if (report == NULL)
    report = jn_report_new ("benchmark", "JamNet benchmark");
  return report;
}

void
jn_bench_percentile_chart (const char *suite, const char *title, const char *unit,
                           const char *const *figures)
{
  JnChart *chart = jn_report_add_chart (jn_bench_report (), JN_CHART_BARS, title, "", unit);
  JnChartSeries *p50 = jn_chart_add_series (chart, "p50");
  JnChartSeries *p95 = jn_chart_add_series (chart, "p95");
  JnChartSeries *p99 = jn_chart_add_series (chart, "p99");

  for (guint i = 0; figures[i] != NULL; i++)
    {
      JnFigure *f = jn_report_find_figure (jn_bench_report (), suite, figures[i]);

      jn_chart_add_category (chart, figures[i]);
      jn_chart_series_add (p50, i, f ? f->d.median : NAN);
      jn_chart_series_add (p95, i, f ? f->d.p95 : NAN);
      jn_chart_series_add (p99, i, f ? f->d.p99 : NAN);
    }
}

int
jn_bench_report_parse (int *argc, char **argv)
{
  struct { const char *name; char **value; } options[] = {
    { "--json", &out_json }, { "--csv", &out_csv }, { "--html", &out_html }, { "--pdf", &out_pdf },
    { "--save-baseline", &save_baseline }, { "--baseline", &baseline_name },
    { "--baseline-dir", &baseline_dir },
  };
  int kept = 1;

  for (int i = 1; i < *argc; i++)
    {
      gboolean taken = FALSE;

      if (g_str_equal (argv[i], "--fail-on-regression"))
        {
          fail_on_regression = TRUE;
          continue;
        }
      for (guint o = 0; o < G_N_ELEMENTS (options); o++)
        if (g_str_equal (argv[i], options[o].name))
          {
            if (i + 1 >= *argc)
              {
                g_printerr ("jamnet-bench: %s needs a value\n", argv[i]);
                return 2;
              }
            g_free (*options[o].value);
            *options[o].value = g_strdup (argv[++i]);
            taken = TRUE;
          }
      if (!taken)
        argv[kept++] = argv[i];
    }
  *argc = kept;
  argv[kept] = NULL;
  return 0;
}

static char *
baseline_path (const char *name)
{
  g_autofree char *file = NULL;

  if (strchr (name, '/') != NULL || g_str_has_suffix (name, ".json"))
    return g_strdup (name);
  file = g_strconcat (name, ".json", NULL);
  if (baseline_dir != NULL)
    return g_build_filename (baseline_dir, file, NULL);
  return g_build_filename (g_get_user_data_dir (), "jamnet", "baselines", file, NULL);
}

/* "midi.one_way_ms.p99": the figure midi.one_way_ms, its p99 */
static gboolean
target_value (JnReport *r, const JnTarget *t, JnFigure **figure, double *value)
{
  static const char *const stats[] = { "p50", "median", "p95", "p99", "max", "mean", "min" };
  JnFigure *f = jn_report_find_figure (r, t->suite, t->figure);
  const char *dot = strrchr (t->figure, '.');

  *value = NAN;
  if (f != NULL)
    {
      *figure = f;
      *value = jn_figure_value (f);
      return f->d.count > 0;
    }
  if (dot == NULL)
    return FALSE;
  for (guint s = 0; s < G_N_ELEMENTS (stats); s++)
    if (g_str_equal (dot + 1, stats[s]))
      {
        g_autofree char *base = g_strndup (t->figure, (gsize) (dot - t->figure));

        f = jn_report_find_figure (r, t->suite, base);
        if (f == NULL)
          return FALSE;
        *figure = f;
        *value = s <= 1 ? f->d.median : s == 2 ? f->d.p95 : s == 3 ? f->d.p99 : s == 4 ? f->d.max
                 : s == 5 ? f->d.mean : f->d.min;
        return f->d.count > 0;
      }
  return FALSE;
}

static gboolean
suite_ran (JnReport *r, const char *suite)
{
  for (guint i = 0; i + 2 < r->suites->len; i += 3)
    if (g_str_equal (r->suites->pdata[i], suite))
      return TRUE;
  return FALSE;
}

static void
apply_targets (JnReport *r)
{
  JnTargets targets;
  char error[512];

  if (jn_targets_load (&targets, jn_targets_default_path (), error, sizeof error) < 0)
    {
      g_printerr ("jamnet-bench: %s\n", error);
      return;
    }
  g_print ("\ntargets (%s):\n", jn_targets_default_path ());
  for (int i = 0; i < targets.n_targets; i++)
    {
      const JnTarget *t = &targets.targets[i];
      JnFigure *f = NULL;
      double v;
      gboolean measured;
      JnVerdict verdict;

      if (!suite_ran (r, t->suite))
        continue;
      measured = target_value (r, t, &f, &v);
      verdict = jn_target_check (t, measured, v);
      if (f == NULL)
        {
          /* not measured: listed as such, never a PASS */
          f = jn_report_add_summary (r, t->suite, t->figure, t->unit,
                                     t->op <= JN_TARGET_LE ? JN_BETTER_LOWER : JN_BETTER_HIGHER,
                                     &(JnDescription) { 0, NAN, NAN, NAN, NAN, NAN, NAN });
        }
      /* a figure with several targets (p50 and p99) keeps the worst verdict */
      if (f->target_op == NULL || verdict == JN_VERDICT_FAIL)
        {
          g_free (f->target_op);
          g_free (f->target_source);
          f->target_op = g_strdup (jn_target_op_name (t->op));
          f->target_value = t->value;
          f->target_source = g_strdup (t->source);
          f->verdict = verdict == JN_VERDICT_PASS ? JN_FIGURE_PASS
                       : verdict == JN_VERDICT_FAIL ? JN_FIGURE_FAIL : JN_FIGURE_SKIP;
        }
      g_print ("  %-4s %-10s %-34s %12.4g  target %s %g %s (%s)\n", jn_verdict_name (verdict),
               t->suite, t->figure, v, jn_target_op_name (t->op), t->value, t->unit, t->source);
    }
  jn_targets_clear (&targets);
}

int
jn_bench_report_finish (const char *gpu)
{
  JnReport *r = jn_bench_report ();
  g_autoptr(GError) error = NULL;
  int status = 0;

  jn_report_collect_machine (r, gpu);
  apply_targets (r);

  if (baseline_name != NULL)
    {
      g_autofree char *path = baseline_path (baseline_name);
      g_autoptr(JnReport) base = jn_report_load_json (path, &error);
      guint regressions;

      if (base == NULL)
        {
          g_printerr ("jamnet-bench: baseline “%s”: %s\n", baseline_name, error->message);
          return 1;
        }
      regressions = jn_report_compare_baseline (r, base, 0.10);
      g_print ("\nagainst baseline %s (%s): %u regression%s (worse by more than 10 %%)\n",
               baseline_name, base->created, regressions, regressions == 1 ? "" : "s");
      for (guint i = 0; i < r->figures->len; i++)
        {
          JnFigure *f = r->figures->pdata[i];

          if (f->has_baseline)
            g_print ("  %-11s %-10s %-34s %12.4g was %12.4g  %+6.1f %%\n",
                     f->regression ? "REGRESSION" : "", f->suite, f->name, jn_figure_value (f),
                     f->baseline_value, f->change_percent);
        }
      if (regressions > 0 && fail_on_regression)
        status = 3;
    }
  if (save_baseline != NULL)
    {
      g_autofree char *path = baseline_path (save_baseline);
      g_autofree char *dir = g_path_get_dirname (path);

      g_mkdir_with_parents (dir, 0755);
      if (!jn_report_save_json (r, path, &error))
        {
          g_printerr ("jamnet-bench: cannot save the baseline: %s\n", error->message);
          return 1;
        }
      g_print ("baseline saved: %s\n", path);
    }

  {
    const char *paths[] = { out_json, out_csv, out_html, out_pdf };
    const char *formats[] = { "json", "csv", "html", "pdf" };

    for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
      if (paths[i] != NULL)
        {
          if (!jn_report_write (r, paths[i], formats[i], &error))
            {
              g_printerr ("jamnet-bench: %s\n", error->message);
              g_clear_error (&error);
              status = status ? status : 1;
            }
          else
            g_print ("report written: %s\n", paths[i]);
        }
  }
  return status;
}

int
jn_bench_report_command (int argc, char **argv)
{
  g_autofree char *from = NULL, *format = NULL, *output = NULL;
  GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_FILENAME, &from, "A results file (jamnet-bench --json)", "FILE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "html, pdf, csv or json", "FORMAT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Where to write (default: FILE with the format's extension)", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- export a results file");
  g_autoptr(GError) error = NULL;
  g_autoptr(JnReport) r = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return jn_bench_fail (error->message);
  if (from == NULL || format == NULL)
    return jn_bench_fail ("usage: jamnet-bench report --from results.json --format html|pdf|csv|json [--output FILE]");
  r = jn_report_load_json (from, &error);
  if (r == NULL)
    return jn_bench_fail (error->message);
  if (output == NULL)
    {
      g_autofree char *stem = g_str_has_suffix (from, ".json") ? g_strndup (from, strlen (from) - 5)
                                                               : g_strdup (from);

      output = g_strconcat (stem, ".", format, NULL);
    }
  if (!jn_report_write (r, output, format, &error))
    return jn_bench_fail (error->message);
  g_print ("report written: %s\n", output);
  return 0;
}
