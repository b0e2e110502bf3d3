/* jn-report.c: the report model, statistics, baselines, JSON and CSV
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-report"

#include "config.h"
#include "jn-build-info.h"

#include "jn-json.h"
#include "jn-report.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

/* --- statistics ------------------------------------------------------------ */

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

double
jn_quantile_sorted (const double *sorted, guint n, double q)
{
  double rank;

  if (n == 0)
    return NAN;
  rank = ceil (q * n);
  if (rank < 1)
    rank = 1;
  if (rank > n)
    rank = n;
  return sorted[(guint) rank - 1];
}

void
jn_describe (const double *values, guint n, JnDescription *d)
{
  g_autofree double *sorted = NULL;
  double sum = 0.0;

  memset (d, 0, sizeof *d);
  d->count = n;
  if (n == 0)
    {
      d->mean = d->median = d->p95 = d->p99 = d->max = d->min = NAN;
      return;
    }
  sorted = g_memdup2 (values, sizeof (double) * n);
  qsort (sorted, n, sizeof (double), compare_double);
  for (guint i = 0; i < n; i++)
    sum += sorted[i];
  d->mean = sum / n;
  d->median = jn_quantile_sorted (sorted, n, 0.5);
  d->p95 = jn_quantile_sorted (sorted, n, 0.95);
  d->p99 = jn_quantile_sorted (sorted, n, 0.99);
  d->min = sorted[0];
  d->max = sorted[n - 1];
}

/* --- the model ------------------------------------------------------------- */

static void
figure_free (JnFigure *f)
{
  g_free (f->suite);
  g_free (f->name);
  g_free (f->unit);
  g_free (f->suite_label);
  g_free (f->label);
  g_array_unref (f->samples);
  g_free (f->warning);
  g_free (f->target_op);
  g_free (f->target_source);
  g_free (f);
}

static void
series_free (JnChartSeries *s)
{
  g_free (s->name);
  g_array_unref (s->x);
  g_array_unref (s->y);
  g_free (s);
}

static void
chart_free (JnChart *c)
{
  g_free (c->title);
  g_free (c->x_label);
  g_free (c->y_label);
  g_ptr_array_unref (c->categories);
  g_ptr_array_unref (c->series);
  g_free (c);
}

JnReport *
jn_report_new (const char *kind, const char *title)
{
  JnReport *r = g_new0 (JnReport, 1);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  r->kind = g_strdup (kind);
  r->title = g_strdup (title);
  r->created = g_date_time_format_iso8601 (now);
  r->summary = g_ptr_array_new_with_free_func (g_free);
  r->machine = g_ptr_array_new_with_free_func (g_free);
  r->suites = g_ptr_array_new_with_free_func (g_free);
  r->figures = g_ptr_array_new_with_free_func ((GDestroyNotify) figure_free);
  r->charts = g_ptr_array_new_with_free_func ((GDestroyNotify) chart_free);
  return r;
}

void
jn_report_free (JnReport *r)
{
  if (r == NULL)
    return;
  g_free (r->kind);
  g_free (r->title);
  g_free (r->created);
  g_ptr_array_unref (r->summary);
  g_ptr_array_unref (r->machine);
  g_ptr_array_unref (r->suites);
  g_ptr_array_unref (r->figures);
  g_ptr_array_unref (r->charts);
  g_free (r);
}

void
jn_report_set_machine (JnReport *r, const char *key, const char *value)
{
  for (guint i = 0; i + 1 < r->machine->len; i += 2)
    if (g_str_equal (r->machine->pdata[i], key))
      {
        g_free (r->machine->pdata[i + 1]);
        r->machine->pdata[i + 1] = g_strdup (value ? value : "");
        return;
      }
  g_ptr_array_add (r->machine, g_strdup (key));
  g_ptr_array_add (r->machine, g_strdup (value ? value : ""));
}

const char *
jn_report_get_machine (JnReport *r, const char *key)
{
  for (guint i = 0; i + 1 < r->machine->len; i += 2)
    if (g_str_equal (r->machine->pdata[i], key))
      return r->machine->pdata[i + 1];
  return NULL;
}

static char *
cpu_model (void)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/cpuinfo", &text, NULL, NULL))
    return g_strdup ("unknown");
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "model name"))
      {
        const char *colon = strchr (lines[i], ':');

        if (colon != NULL)
          return g_strstrip (g_strdup (colon + 1));
      }
  return g_strdup ("unknown");
}

void
jn_report_collect_machine (JnReport *r, const char *gpu)
{
  g_autofree char *cpu = cpu_model ();
  g_autofree char *count = g_strdup_printf ("%u", g_get_num_processors ());
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format_iso8601 (now);
  struct utsname u;
  g_autofree char *kernel = NULL;

  if (uname (&u) == 0)
    kernel = g_strdup_printf ("%s %s %s", u.sysname, u.release, u.machine);
  jn_report_set_machine (r, "cpu", cpu);
  jn_report_set_machine (r, "cpu_count", count);
  jn_report_set_machine (r, "kernel", kernel ? kernel : "unknown");
  jn_report_set_machine (r, "gpu", gpu ? gpu : "none found");
  jn_report_set_machine (r, "jamnet_version", PACKAGE_VERSION);
  jn_report_set_machine (r, "git_revision", JN_GIT_REVISION);
  jn_report_set_machine (r, "build_type", JN_BUILD_TYPE);
  jn_report_set_machine (r, "compiler", JN_COMPILER);
  jn_report_set_machine (r, "c_flags", JN_C_FLAGS);
  jn_report_set_machine (r, "date", date);
}

void
jn_report_add_suite (JnReport *r, const char *suite, gboolean measured, const char *reason)
{
  g_ptr_array_add (r->suites, g_strdup (suite));
  g_ptr_array_add (r->suites, g_strdup (measured ? "measured" : "skipped"));
  g_ptr_array_add (r->suites, g_strdup (reason ? reason : ""));
}

static JnFigure *
add_figure (JnReport *r, const char *suite, const char *name, const char *unit, JnBetter better)
{
  JnFigure *f = g_new0 (JnFigure, 1);

  f->suite = g_strdup (suite);
  f->name = g_strdup (name);
  f->unit = g_strdup (unit);
  f->better = better;
  f->samples = g_array_new (FALSE, FALSE, sizeof (double));
  g_ptr_array_add (r->figures, f);
  return f;
}

void
jn_figure_set_labels (JnFigure *f, const char *suite_label, const char *label)
{
  g_free (f->suite_label);
  g_free (f->label);
  f->suite_label = g_strdup (suite_label);
  f->label = g_strdup (label);
}

void
jn_report_add_summary_line (JnReport *r, const char *line)
{
  g_ptr_array_add (r->summary, g_strdup (line));
}

/* "p99 far above the median": a tail worth a look (5x, and only with
 * enough samples for a p99 to mean something) */
static void
check_tail (JnFigure *f)
{
  g_clear_pointer (&f->warning, g_free);
  if (f->d.count >= 20 && f->d.median > 0 && f->d.p99 > 5 * f->d.median)
    f->warning = g_strdup_printf (_("p99 is %.1f times the median"), f->d.p99 / f->d.median);
}

JnFigure *
jn_report_add_samples (JnReport *r, const char *suite, const char *name, const char *unit,
                       JnBetter better, const double *samples, guint n)
{
  JnFigure *f = add_figure (r, suite, name, unit, better);

  g_array_append_vals (f->samples, samples, n);
  jn_describe (samples, n, &f->d);
  check_tail (f);
  return f;
}

JnFigure *
jn_report_add_summary (JnReport *r, const char *suite, const char *name, const char *unit,
                       JnBetter better, const JnDescription *d)
{
  JnFigure *f = add_figure (r, suite, name, unit, better);

  f->d = *d;
  check_tail (f);
  return f;
}

JnFigure *
jn_report_add_value (JnReport *r, const char *suite, const char *name, const char *unit,
                     JnBetter better, double value)
{
  return jn_report_add_samples (r, suite, name, unit, better, &value, 1);
}

JnFigure *
jn_report_find_figure (JnReport *r, const char *suite, const char *name)
{
  for (guint i = 0; i < r->figures->len; i++)
    {
      JnFigure *f = r->figures->pdata[i];

      if (g_str_equal (f->suite, suite) && g_str_equal (f->name, name))
        return f;
    }
  return NULL;
}

double
jn_figure_value (const JnFigure *f)
{
  return f->d.median;
}

JnChart *
jn_report_add_chart (JnReport *r, JnChartKind kind, const char *title, const char *x_label,
                     const char *y_label)
{
  JnChart *c = g_new0 (JnChart, 1);

  c->kind = kind;
  c->title = g_strdup (title);
  c->x_label = g_strdup (x_label);
  c->y_label = g_strdup (y_label);
  c->categories = g_ptr_array_new_with_free_func (g_free);
  c->series = g_ptr_array_new_with_free_func ((GDestroyNotify) series_free);
  g_ptr_array_add (r->charts, c);
  return c;
}

void
jn_chart_add_category (JnChart *c, const char *category)
{
  g_ptr_array_add (c->categories, g_strdup (category));
}

JnChartSeries *
jn_chart_add_series (JnChart *c, const char *name)
{
  JnChartSeries *s = g_new0 (JnChartSeries, 1);

  s->name = g_strdup (name);
  s->x = g_array_new (FALSE, FALSE, sizeof (double));
  s->y = g_array_new (FALSE, FALSE, sizeof (double));
  g_ptr_array_add (c->series, s);
  return s;
}

void
jn_chart_series_add (JnChartSeries *s, double x, double y)
{
  g_array_append_val (s->x, x);
  g_array_append_val (s->y, y);
}

/* --- baselines -------------------------------------------------------------- */

guint
jn_report_compare_baseline (JnReport *r, const JnReport *baseline, double threshold)
{
  guint regressions = 0;

  for (guint i = 0; i < r->figures->len; i++)
    {
      JnFigure *f = r->figures->pdata[i];
      JnFigure *b = jn_report_find_figure ((JnReport *) baseline, f->suite, f->name);
      double now = jn_figure_value (f), then;

      f->has_baseline = FALSE;
      f->regression = FALSE;
      if (b == NULL || !isfinite (now) || !isfinite (then = jn_figure_value (b)) || then == 0.0)
        continue;
      f->has_baseline = TRUE;
      f->baseline_value = then;
      /* positive = worse, whichever way is better */
      f->change_percent = 100.0 * (f->better == JN_BETTER_LOWER ? now - then : then - now) / fabs (then);
      f->regression = f->change_percent > 100.0 * threshold;
      regressions += f->regression;
    }
  return regressions;
}

/* --- JSON --------------------------------------------------------------------- */

static const char *const verdict_names[] = { "", "PASS", "FAIL", "SKIP" };

const char *
jn_figure_verdict_name (JnFigureVerdict verdict)
{
  return (guint) verdict < G_N_ELEMENTS (verdict_names) ? verdict_names[verdict] : "";
}

static void
set_number (JsonObject *o, const char *member, double v)
{
  /* JSON has no NaN or infinity */
  if (isfinite (v))
    json_object_set_double_member (o, member, v);
  else
    json_object_set_null_member (o, member);
}

static JsonNode *
doubles_to_json (GArray *a)
{
  JsonArray *array = json_array_sized_new (a->len);

  for (guint i = 0; i < a->len; i++)
    {
      double v = g_array_index (a, double, i);

      if (isfinite (v))
        json_array_add_double_element (array, v);
      else
        json_array_add_null_element (array);
    }
  return json_node_init_array (json_node_alloc (), array);
}

static JsonNode *
strings_to_json (GPtrArray *a)
{
  JsonArray *array = json_array_sized_new (a->len);

  for (guint i = 0; i < a->len; i++)
    json_array_add_string_element (array, a->pdata[i]);
  return json_node_init_array (json_node_alloc (), array);
}

JsonNode *
jn_report_to_json (const JnReport *r)
{
  JsonObject *root = json_object_new (), *machine = json_object_new ();
  JsonArray *suites = json_array_new (), *figures = json_array_new (), *charts = json_array_new ();

  json_object_set_string_member (root, "schema", JN_REPORT_SCHEMA);
  json_object_set_int_member (root, "version", JN_REPORT_VERSION);
  json_object_set_string_member (root, "kind", r->kind);
  json_object_set_string_member (root, "title", r->title);
  json_object_set_string_member (root, "created", r->created);
  if (r->summary->len > 0)
    json_object_set_member (root, "summary", strings_to_json (r->summary));
  for (guint i = 0; i + 1 < r->machine->len; i += 2)
    json_object_set_string_member (machine, r->machine->pdata[i], r->machine->pdata[i + 1]);
  json_object_set_object_member (root, "machine", machine);

  for (guint i = 0; i + 2 < r->suites->len; i += 3)
    {
      JsonObject *s = json_object_new ();

      json_object_set_string_member (s, "name", r->suites->pdata[i]);
      json_object_set_string_member (s, "status", r->suites->pdata[i + 1]);
      json_object_set_string_member (s, "reason", r->suites->pdata[i + 2]);
      json_array_add_object_element (suites, s);
    }
  json_object_set_array_member (root, "suites", suites);

  for (guint i = 0; i < r->figures->len; i++)
    {
      const JnFigure *f = r->figures->pdata[i];
      JsonObject *o = json_object_new ();

      json_object_set_string_member (o, "suite", f->suite);
      json_object_set_string_member (o, "name", f->name);
      json_object_set_string_member (o, "unit", f->unit);
      if (f->suite_label != NULL)
        json_object_set_string_member (o, "suite_label", f->suite_label);
      if (f->label != NULL)
        json_object_set_string_member (o, "label", f->label);
      json_object_set_string_member (o, "better", f->better == JN_BETTER_LOWER ? "lower" : "higher");
      json_object_set_int_member (o, "count", f->d.count);
      set_number (o, "mean", f->d.mean);
      set_number (o, "median", f->d.median);
      set_number (o, "p95", f->d.p95);
      set_number (o, "p99", f->d.p99);
      set_number (o, "max", f->d.max);
      set_number (o, "min", f->d.min);
      json_object_set_member (o, "samples", doubles_to_json (f->samples));
      if (f->warning != NULL)
        json_object_set_string_member (o, "warning", f->warning);
      if (f->target_op != NULL)
        {
          JsonObject *t = json_object_new ();

          json_object_set_string_member (t, "op", f->target_op);
          set_number (t, "value", f->target_value);
          json_object_set_string_member (t, "source", f->target_source ? f->target_source : "");
          json_object_set_object_member (o, "target", t);
        }
      if (f->verdict != JN_FIGURE_UNCHECKED)
        json_object_set_string_member (o, "verdict", jn_figure_verdict_name (f->verdict));
      if (f->has_baseline)
        {
          JsonObject *b = json_object_new ();

          set_number (b, "value", f->baseline_value);
          set_number (b, "change_percent", f->change_percent);
          json_object_set_boolean_member (b, "regression", f->regression);
          json_object_set_object_member (o, "baseline", b);
        }
      json_array_add_object_element (figures, o);
    }
  json_object_set_array_member (root, "figures", figures);

  for (guint i = 0; i < r->charts->len; i++)
    {
      const JnChart *c = r->charts->pdata[i];
      JsonObject *o = json_object_new ();
      JsonArray *series = json_array_new ();

      json_object_set_string_member (o, "title", c->title);
      json_object_set_string_member (o, "kind", c->kind == JN_CHART_BARS ? "bars" : "lines");
      json_object_set_string_member (o, "x_label", c->x_label);
      json_object_set_string_member (o, "y_label", c->y_label);
      json_object_set_boolean_member (o, "log_x", c->log_x);
      json_object_set_boolean_member (o, "log_y", c->log_y);
      json_object_set_member (o, "categories", strings_to_json (c->categories));
      for (guint j = 0; j < c->series->len; j++)
        {
          const JnChartSeries *s = c->series->pdata[j];
          JsonObject *so = json_object_new ();

          json_object_set_string_member (so, "name", s->name);
          json_object_set_member (so, "x", doubles_to_json (s->x));
          json_object_set_member (so, "y", doubles_to_json (s->y));
          json_array_add_object_element (series, so);
        }
      json_object_set_array_member (o, "series", series);
      json_array_add_object_element (charts, o);
    }
  json_object_set_array_member (root, "charts", charts);

  return json_node_init_object (json_node_alloc (), root);
}

/* --- reading: every member checked --------------------------------------------- */

#define BAD(...)                                                                       \
  G_STMT_START {                                                                       \
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, __VA_ARGS__);             \
    return FALSE;                                                                      \
  } G_STMT_END

static gboolean
get_string (JsonObject *o, const char *member, gboolean required, char **out, GError **error)
{
  const char *value = jn_json_get_string (o, member);

  if (!required && !json_object_has_member (o, member))
    return TRUE;
  if (value == NULL)
    BAD (_("The report’s “%s” is missing or not text"), member);
  *out = g_strdup (value);
  return TRUE;
}

/* a number, or null for "not a number" */
static gboolean
get_number (JsonObject *o, const char *member, double *out, GError **error)
{
  JsonNode *n = json_object_get_member (o, member);

  if (n != NULL && JSON_NODE_HOLDS_NULL (n))
    {
      *out = NAN;
      return TRUE;
    }
  if (!jn_json_get_number (o, member, out))
    BAD (_("The report’s “%s” is missing or not a number"), member);
  return TRUE;
}

static gboolean
get_doubles (JsonObject *o, const char *member, GArray *out, GError **error)
{
  JsonNode *n = json_object_get_member (o, member);
  JsonArray *a;

  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    BAD (_("The report’s “%s” is not a list"), member);
  a = json_node_get_array (n);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      double v = NAN;

      if (JSON_NODE_HOLDS_VALUE (e) && (json_node_get_value_type (e) == G_TYPE_DOUBLE ||
                                        json_node_get_value_type (e) == G_TYPE_INT64))
        v = json_node_get_double (e);
      else if (!JSON_NODE_HOLDS_NULL (e))
        BAD (_("The report’s “%s” holds something that is not a number"), member);
      g_array_append_val (out, v);
    }
  return TRUE;
}

static gboolean
get_object (JsonNode *n, JsonObject **out, const char *what, GError **error)
{
  if (n == NULL || !JSON_NODE_HOLDS_OBJECT (n))
    BAD (_("The report’s %s is not an object"), what);
  *out = json_node_get_object (n);
  return TRUE;
}

static JsonArray *
get_array (JsonObject *o, const char *member)
{
  JsonNode *n = json_object_get_member (o, member);

  return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static gboolean
read_figure (JnReport *r, JsonObject *o, GError **error)
{
  g_autofree char *suite = NULL, *name = NULL, *unit = NULL, *better = NULL, *verdict = NULL;
  JsonNode *t = json_object_get_member (o, "target"), *b = json_object_get_member (o, "baseline");
  double count;
  JnFigure *f;

  if (!get_string (o, "suite", TRUE, &suite, error) || !get_string (o, "name", TRUE, &name, error) ||
      !get_string (o, "unit", TRUE, &unit, error) || !get_string (o, "better", TRUE, &better, error))
    return FALSE;
  if (!g_str_equal (better, "lower") && !g_str_equal (better, "higher"))
    BAD (_("Figure “%s”: “better” must be lower or higher"), name);
  f = add_figure (r, suite, name, unit, g_str_equal (better, "lower") ? JN_BETTER_LOWER : JN_BETTER_HIGHER);
  if (!get_number (o, "count", &count, error) || !(count >= 0 && count <= G_MAXUINT) ||
      !get_number (o, "mean", &f->d.mean, error) || !get_number (o, "median", &f->d.median, error) ||
      !get_number (o, "p95", &f->d.p95, error) || !get_number (o, "p99", &f->d.p99, error) ||
      !get_number (o, "max", &f->d.max, error) || !get_number (o, "min", &f->d.min, error) ||
      !get_doubles (o, "samples", f->samples, error) ||
      !get_string (o, "warning", FALSE, &f->warning, error) ||
      !get_string (o, "suite_label", FALSE, &f->suite_label, error) ||
      !get_string (o, "label", FALSE, &f->label, error) ||
      !get_string (o, "verdict", FALSE, &verdict, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Figure “%s” has a bad count"), name);
      return FALSE;
    }
  f->d.count = (guint) count;
  if (verdict != NULL)
    for (guint v = 1; v < G_N_ELEMENTS (verdict_names); v++)
      if (g_str_equal (verdict, verdict_names[v]))
        f->verdict = (JnFigureVerdict) v;
  if (t != NULL)
    {
      JsonObject *to;

      if (!get_object (t, &to, "target", error) || !get_string (to, "op", TRUE, &f->target_op, error) ||
          !get_number (to, "value", &f->target_value, error) ||
          !get_string (to, "source", FALSE, &f->target_source, error))
        return FALSE;
    }
  if (b != NULL)
    {
      JsonObject *bo;

      if (!get_object (b, &bo, "baseline", error) ||
          !get_number (bo, "value", &f->baseline_value, error) ||
          !get_number (bo, "change_percent", &f->change_percent, error))
        return FALSE;
      f->has_baseline = TRUE;
      f->regression = json_object_get_boolean_member_with_default (bo, "regression", FALSE);
    }
  return TRUE;
}

static gboolean
read_chart (JnReport *r, JsonObject *o, GError **error)
{
  g_autofree char *title = NULL, *kind = NULL, *x_label = NULL, *y_label = NULL;
  JsonArray *categories, *series;
  JnChart *c;

  if (!get_string (o, "title", TRUE, &title, error) || !get_string (o, "kind", TRUE, &kind, error) ||
      !get_string (o, "x_label", TRUE, &x_label, error) ||
      !get_string (o, "y_label", TRUE, &y_label, error))
    return FALSE;
  if (!g_str_equal (kind, "bars") && !g_str_equal (kind, "lines"))
    BAD (_("Chart “%s”: unknown kind “%s”"), title, kind);
  c = jn_report_add_chart (r, g_str_equal (kind, "bars") ? JN_CHART_BARS : JN_CHART_LINES, title,
                           x_label, y_label);
  c->log_x = json_object_get_boolean_member_with_default (o, "log_x", FALSE);
  c->log_y = json_object_get_boolean_member_with_default (o, "log_y", FALSE);
  categories = get_array (o, "categories");
  for (guint i = 0; categories != NULL && i < json_array_get_length (categories); i++)
    {
      JsonNode *n = json_array_get_element (categories, i);

      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
        BAD (_("Chart “%s”: a category is not text"), title);
      jn_chart_add_category (c, json_node_get_string (n));
    }
  series = get_array (o, "series");
  if (series == NULL)
    BAD (_("Chart “%s” has no series"), title);
  for (guint i = 0; i < json_array_get_length (series); i++)
    {
      g_autofree char *name = NULL;
      JsonObject *so;
      JnChartSeries *s;

      if (!get_object (json_array_get_element (series, i), &so, "chart series", error) ||
          !get_string (so, "name", TRUE, &name, error))
        return FALSE;
      s = jn_chart_add_series (c, name);
      if (!get_doubles (so, "x", s->x, error) || !get_doubles (so, "y", s->y, error))
        return FALSE;
      if (c->kind == JN_CHART_LINES ? s->x->len != s->y->len : s->y->len != c->categories->len)
        BAD (_("Chart “%s”: series “%s” does not match its axis"), title, name);
    }
  return TRUE;
}

JnReport *
jn_report_from_json (JsonNode *node, GError **error)
{
  g_autoptr(JnReport) r = NULL;
  g_autofree char *schema = NULL, *kind = NULL, *title = NULL;
  JsonObject *root, *machine;
  JsonArray *a;
  double version;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("This is not a JamNet report"));
      return NULL;
    }
  root = json_node_get_object (node);
  if (!get_string (root, "schema", TRUE, &schema, NULL) || !g_str_equal (schema, JN_REPORT_SCHEMA))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("This is not a JamNet report"));
      return NULL;
    }
  if (!get_number (root, "version", &version, error))
    return NULL;
  if (version != JN_REPORT_VERSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("This report is version %g; this JamNet reads version %d"), version,
                   JN_REPORT_VERSION);
      return NULL;
    }
  if (!get_string (root, "kind", TRUE, &kind, error) || !get_string (root, "title", TRUE, &title, error))
    return NULL;
  r = jn_report_new (kind, title);
  g_clear_pointer (&r->created, g_free);
  if (!get_string (root, "created", TRUE, &r->created, error))
    return NULL;

  a = get_array (root, "summary");
  if (json_object_has_member (root, "summary") && a == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The report’s “%s” is not a list"), "summary");
      return NULL;
    }
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      JsonNode *n = json_array_get_element (a, i);

      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("The report’s summary holds something that is not text"));
          return NULL;
        }
      jn_report_add_summary_line (r, json_node_get_string (n));
    }
  if (!get_object (json_object_get_member (root, "machine"), &machine, "machine", error))
    return NULL;
  {
    g_autoptr(GList) members = json_object_get_members (machine);

    for (GList *l = members; l != NULL; l = l->next)
      {
        g_autofree char *value = NULL;

        if (!get_string (machine, l->data, TRUE, &value, error))
          return NULL;
        jn_report_set_machine (r, l->data, value);
      }
  }
  a = get_array (root, "suites");
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      g_autofree char *name = NULL, *status = NULL, *reason = NULL;
      JsonObject *o;

      if (!get_object (json_array_get_element (a, i), &o, "suite", error) ||
          !get_string (o, "name", TRUE, &name, error) || !get_string (o, "status", TRUE, &status, error) ||
          !get_string (o, "reason", FALSE, &reason, error))
        return NULL;
      jn_report_add_suite (r, name, g_str_equal (status, "measured"), reason);
    }
  a = get_array (root, "figures");
  if (a == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The report has no figures list"));
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o;

      if (!get_object (json_array_get_element (a, i), &o, "figure", error) || !read_figure (r, o, error))
        return NULL;
    }
  a = get_array (root, "charts");
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      JsonObject *o;

      if (!get_object (json_array_get_element (a, i), &o, "chart", error) || !read_chart (r, o, error))
        return NULL;
    }
  return g_steal_pointer (&r);
}

JnReport *
jn_report_load_json (const char *path, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;

  if (!json_parser_load_from_file (parser, path, &local))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Cannot read the report %s: %s"),
                   path, local->message);
      return NULL;
    }
  return jn_report_from_json (json_parser_get_root (parser), error);
}
