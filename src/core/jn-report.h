/* jn-report.h: benchmark and session reports, and their exports
 *
 * A report is a list of figures (each a statistic over repeated samples,
 * or a summary when only that is known), charts, the suites that were run
 * or skipped, and the facts of the machine.  It round-trips through JSON
 * (schema "jamnet-report", version 1, docs/reports.md) and exports to CSV,
 * a self-contained HTML page with inline SVG charts and a PDF drawn with
 * cairo, with the same charts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define JN_REPORT_SCHEMA  "jamnet-report"
#define JN_REPORT_VERSION 1

typedef struct
{
  guint  count;
  double mean;
  double median;
  double p95;
  double p99;
  double max;
  double min;
} JnDescription;

/* Nearest-rank percentiles over values (any order; not modified). */
void     jn_describe              (const double *values, guint n, JnDescription *out);
/* The q-quantile (0..1) of sorted values, nearest rank: the smallest value
 * with at least q n values at or below it. */
double   jn_quantile_sorted       (const double *sorted, guint n, double q);

typedef enum { JN_BETTER_LOWER, JN_BETTER_HIGHER } JnBetter;
typedef enum { JN_FIGURE_UNCHECKED, JN_FIGURE_PASS, JN_FIGURE_FAIL, JN_FIGURE_SKIP } JnFigureVerdict;

/* "PASS", "FAIL", "SKIP", or "" when unchecked. */
const char *jn_figure_verdict_name (JnFigureVerdict verdict);

typedef struct
{
  char          *suite;
  char          *name;
  char          *unit;
  /* what a person reads for suite and name (a player's name, "Round-trip
   * time"), in their language; NULL: the suite and name themselves */
  char          *suite_label;
  char          *label;
  JnBetter       better;
  GArray        *samples;       /* double; may be empty when only the summary is known */
  JnDescription  d;
  char          *warning;       /* e.g. p99 far above the median, or NULL */
  /* the target, if the targets file has one */
  char          *target_op;     /* "<", "<=", ">", ">=", or NULL */
  double         target_value;
  char          *target_source;
  JnFigureVerdict verdict;
  /* a baseline comparison, if any */
  gboolean       has_baseline;
  double         baseline_value;
  double         change_percent; /* positive: worse */
  gboolean       regression;
} JnFigure;

typedef enum { JN_CHART_BARS, JN_CHART_LINES } JnChartKind;

typedef struct
{
  char   *name;
  GArray *x;       /* double; lines only */
  GArray *y;       /* double; one per category (bars) or per x (lines) */
} JnChartSeries;

typedef struct
{
  char        *title;
  JnChartKind  kind;
  char        *x_label;
  char        *y_label;
  gboolean     log_x;
  gboolean     log_y;
  GPtrArray   *categories;  /* char *, bars only */
  GPtrArray   *series;      /* JnChartSeries */
} JnChart;

typedef struct
{
  char      *kind;      /* "benchmark" or "session" */
  char      *title;
  char      *created;   /* ISO 8601 */
  GPtrArray *summary;   /* char *: what happened, in sentences, in the reader's language */
  GPtrArray *machine;   /* char * pairs: key, value, key, value... */
  GPtrArray *suites;    /* char * triples: name, "measured" | "skipped", reason */
  GPtrArray *figures;   /* JnFigure */
  GPtrArray *charts;    /* JnChart */
} JnReport;

JnReport  *jn_report_new            (const char *kind, const char *title);
void       jn_report_free           (JnReport *report);
void       jn_report_set_machine    (JnReport *report, const char *key, const char *value);
const char *jn_report_get_machine   (JnReport *report, const char *key);
/* Machine facts: CPU model and count, kernel, build type, compiler and
 * flags, git revision, date; gpu (device name or NULL: "none found"). */
void       jn_report_collect_machine (JnReport *report, const char *gpu);
void       jn_report_add_suite      (JnReport *report, const char *suite, gboolean measured,
                                     const char *reason);

/* A figure from samples (copied; described here), or from a summary. */
JnFigure  *jn_report_add_samples    (JnReport *report, const char *suite, const char *name,
                                     const char *unit, JnBetter better,
                                     const double *samples, guint n);
JnFigure  *jn_report_add_summary    (JnReport *report, const char *suite, const char *name,
                                     const char *unit, JnBetter better,
                                     const JnDescription *d);
JnFigure  *jn_report_add_value      (JnReport *report, const char *suite, const char *name,
                                     const char *unit, JnBetter better, double value);
JnFigure  *jn_report_find_figure    (JnReport *report, const char *suite, const char *name);
/* What a person reads for the figure's suite and name (NULL keeps the
 * suite, the name). */
void       jn_figure_set_labels     (JnFigure *figure, const char *suite_label, const char *label);
/* A sentence of the summary the exports open with. */
void       jn_report_add_summary_line (JnReport *report, const char *line);
/* The figure's headline value: the median (the one value of a single sample). */
double     jn_figure_value          (const JnFigure *figure);

JnChart   *jn_report_add_chart      (JnReport *report, JnChartKind kind, const char *title,
                                     const char *x_label, const char *y_label);
void       jn_chart_add_category    (JnChart *chart, const char *category);
JnChartSeries *jn_chart_add_series  (JnChart *chart, const char *name);
void       jn_chart_series_add      (JnChartSeries *series, double x, double y);

/* Compares each figure with the same suite and name in baseline; a change
 * in the worse direction above threshold (0.10 = 10 %) is a regression.
 * Returns the number of regressions. */
guint      jn_report_compare_baseline (JnReport *report, const JnReport *baseline,
                                       double threshold);

JsonNode  *jn_report_to_json        (const JnReport *report);
/* Hostile input: every member checked; a clear error for a file that is
 * not a JamNet report or is of a newer version. */
JnReport  *jn_report_from_json      (JsonNode *node, GError **error);
gboolean   jn_report_save_json      (const JnReport *report, const char *path, GError **error);
JnReport  *jn_report_load_json      (const char *path, GError **error);

gboolean   jn_report_write_csv      (const JnReport *report, const char *path, GError **error);
gboolean   jn_report_write_html     (const JnReport *report, const char *path, GError **error);
gboolean   jn_report_write_pdf      (const JnReport *report, const char *path, GError **error);
/* By the file's extension (.json, .csv, .html/.htm, .pdf) or format if not
 * NULL ("json", "csv", "html", "pdf"). */
gboolean   jn_report_write          (const JnReport *report, const char *path, const char *format,
                                     GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnReport, jn_report_free)

G_END_DECLS
