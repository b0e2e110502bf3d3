/* jn-report-export.c: a report written out as JSON, CSV, an HTML page with
 * inline SVG charts, or a PDF drawn with cairo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-report"

#include "config.h"

#include <cairo-pdf.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "jn-report-render-private.h"

/* --- JSON -------------------------------------------------------------------- */

gboolean
jn_report_save_json (const JnReport *r, const char *path, GError **error)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) node = jn_report_to_json (r);

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, node);
  return json_generator_to_file (gen, path, error);
}

/* --- HTML -------------------------------------------------------------------- */

#define CHART_W 720
#define CHART_H 300

static void
html_cell (GString *s, const char *tag, const char *text, const char *cls)
{
  g_autofree char *escaped = g_markup_escape_text (text ? text : "", -1);

  if (cls != NULL)
    g_string_append_printf (s, "<%s class=\"%s\">%s</%s>", tag, cls, escaped, tag);
  else
    g_string_append_printf (s, "<%s>%s</%s>", tag, escaped, tag);
}

static char *format_number (double v);

static void
html_number (GString *s, double v)
{
  g_autofree char *text = format_number (v);

  html_cell (s, "td", text, "num");
}

/* What the exports show of a report, for a person: which of the columns
 * that only some reports fill are there, and the headings in their
 * language. */
typedef struct
{
  gboolean target;
  gboolean verdict;
  gboolean baseline;
  gboolean note;
} Columns;

static Columns
columns_used (const JnReport *r)
{
  Columns c = { FALSE, FALSE, FALSE, FALSE };

  for (guint i = 0; i < r->figures->len; i++)
    {
      const JnFigure *f = r->figures->pdata[i];

      c.target |= f->target_op != NULL;
      c.verdict |= f->verdict != JN_FIGURE_UNCHECKED;
      c.baseline |= f->has_baseline;
      c.note |= f->warning != NULL;
    }
  return c;
}

static const char *kind_title (const JnReport *r);

/* "Session report, 2026-12-07 14:05": a date no reader misreads */
static char *
subtitle_for (const JnReport *r)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (r->created, NULL);
  g_autofree char *date = when ? g_date_time_format (when, "%Y-%m-%d %H:%M") : g_strdup (r->created);

  return g_strdup_printf ("%s, %s", kind_title (r), date);
}

static const char *
kind_title (const JnReport *r)
{
  if (g_str_equal (r->kind, "session"))
    return _("Session report");
  if (g_str_equal (r->kind, "benchmark"))
    return _("Benchmark report");
  return r->kind;
}

/* a session's figures are a player's; a benchmark's a suite's */
static const char *
suite_heading (const JnReport *r)
{
  return g_str_equal (r->kind, "session") ? _("Player") : _("Suite");
}

static const char *
figure_suite (const JnFigure *f)
{
  return f->suite_label != NULL ? f->suite_label : f->suite;
}

static const char *
figure_label (const JnFigure *f)
{
  return f->label != NULL ? f->label : f->name;
}

/* the unit in the reader's language ("" stays "": gettext would give the
 * catalogue's header) */
static const char *
figure_unit (const JnFigure *f)
{
  return f->unit != NULL && *f->unit != '\0' ? _(f->unit) : "";
}

gboolean
jn_report_write_html (const JnReport *r, const char *path, GError **error)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree char *title = g_markup_escape_text (r->title, -1);
  /* TRANSLATORS: the language code of this translation, for the HTML report's lang attribute */
  g_autofree char *lang = g_markup_escape_text (C_("html lang", "en"), -1);
  Columns cols = columns_used (r);
  JnReportPainter p;

  g_string_append_printf (s,
    "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"%s\">\n<head>\n"
    "<meta charset=\"utf-8\"/>\n<title>%s</title>\n<style>\n"
    "body { font-family: Cantarell, 'Noto Sans', sans-serif; margin: 2em; color: #222; }\n"
    "table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }\n"
    "td, th { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; }\n"
    "td.num { text-align: right; font-variant-numeric: tabular-nums; }\n"
    ".PASS { color: #26a269; font-weight: bold; } .FAIL { color: #c01c28; font-weight: bold; }\n"
    ".SKIP { color: #777; } .regression { color: #c01c28; } .warning { color: #b5835a; }\n"
    ".summary p { font-size: 1.05em; max-width: 50em; }\n"
    "figure { margin: 1.5em 0; } svg { background: #fff; border: 1px solid #eee; }\n"
    "</style>\n</head>\n<body>\n<h1>%s</h1>\n", lang, title, title);
  {
    g_autofree char *subtitle = subtitle_for (r);

    html_cell (s, "p", subtitle, NULL);
    g_string_append_c (s, '\n');
  }

  /* first what happened, in words */
  if (r->summary->len > 0)
    {
      g_string_append_printf (s, "<section class=\"summary\">\n<h2>%s</h2>\n", _("Summary"));
      for (guint i = 0; i < r->summary->len; i++)
        html_cell (s, "p", r->summary->pdata[i], NULL);
      g_string_append (s, "</section>\n");
    }

  g_string_append_printf (s, "<h2>%s</h2>\n<table>\n<tr>", _("Figures"));
  {
    const char *head[] = { suite_heading (r), _("Figure"), _("Unit"), _("n"), _("Mean"), _("Median"),
                           _("p95"), _("p99"), _("Max") };

    for (guint i = 0; i < G_N_ELEMENTS (head); i++)
      html_cell (s, "th", head[i], NULL);
    if (cols.target)
      html_cell (s, "th", _("Target"), NULL);
    if (cols.verdict)
      html_cell (s, "th", _("Verdict"), NULL);
    if (cols.baseline)
      html_cell (s, "th", _("Against the baseline"), NULL);
    if (cols.note)
      html_cell (s, "th", _("Note"), NULL);
  }
  g_string_append (s, "</tr>\n");
  for (guint i = 0; i < r->figures->len; i++)
    {
      const JnFigure *f = r->figures->pdata[i];
      g_autofree char *count = g_strdup_printf ("%u", f->d.count);

      g_string_append (s, "<tr>");
      html_cell (s, "td", figure_suite (f), NULL);
      html_cell (s, "td", figure_label (f), NULL);
      html_cell (s, "td", figure_unit (f), NULL);
      html_cell (s, "td", count, "num");
      html_number (s, f->d.mean);
      html_number (s, f->d.median);
      html_number (s, f->d.p95);
      html_number (s, f->d.p99);
      html_number (s, f->d.max);
      if (cols.target)
        {
          g_autofree char *target = f->target_op ? g_strdup_printf ("%s %g", f->target_op, f->target_value)
                                                 : NULL;

          html_cell (s, "td", target, NULL);
        }
      if (cols.verdict)
        html_cell (s, "td", jn_figure_verdict_name (f->verdict),
                   f->verdict ? jn_figure_verdict_name (f->verdict) : NULL);
      if (cols.baseline)
        {
          g_autofree char *change = !f->has_baseline ? NULL
                                    /* TRANSLATORS: a figure's change against the baseline, worse by more than allowed */
                                    : f->regression ? g_strdup_printf (_("%+.1f %% (regression)"), f->change_percent)
                                                    : g_strdup_printf ("%+.1f %%", f->change_percent);

          html_cell (s, "td", change, f->regression ? "regression" : NULL);
        }
      if (cols.note)
        html_cell (s, "td", f->warning, "warning");
      g_string_append (s, "</tr>\n");
    }
  g_string_append (s, "</table>\n");

  if (r->charts->len > 0)
    g_string_append_printf (s, "<h2>%s</h2>\n", _("Charts"));
  for (guint i = 0; i < r->charts->len; i++)
    {
      g_string_append_printf (s, "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                              "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n",
                              CHART_W, CHART_H, CHART_W, CHART_H);
      jn_report_painter_init_svg (&p, s);
      jn_report_draw_chart (&p, r->charts->pdata[i], 0, 0, CHART_W, CHART_H);
      g_string_append (s, "</svg>\n</figure>\n");
    }

  /* last, the facts of the machine and what ran on it */
  g_string_append_printf (s, "<h2>%s</h2>\n<table>\n", _("This computer"));
  for (guint i = 0; i + 1 < r->machine->len; i += 2)
    {
      g_string_append (s, "<tr>");
      html_cell (s, "th", r->machine->pdata[i], NULL);
      html_cell (s, "td", r->machine->pdata[i + 1], NULL);
      g_string_append (s, "</tr>\n");
    }
  g_string_append (s, "</table>\n");
  if (r->suites->len > 0)
    {
      g_string_append_printf (s, "<h2>%s</h2>\n<table>\n", _("What was measured"));
      for (guint i = 0; i + 2 < r->suites->len; i += 3)
        {
          g_string_append (s, "<tr>");
          html_cell (s, "th", r->suites->pdata[i], NULL);
          html_cell (s, "td", r->suites->pdata[i + 1],
                     g_str_equal (r->suites->pdata[i + 1], "skipped") ? "SKIP" : NULL);
          html_cell (s, "td", r->suites->pdata[i + 2], NULL);
          g_string_append (s, "</tr>\n");
        }
      g_string_append (s, "</table>\n");
    }
  g_string_append (s, "</body>\n</html>\n");
  return g_file_set_contents (path, s->str, (gssize) s->len, error);
}

/* --- PDF ---------------------------------------------------------------------- */

#define PAGE_W 595.0   /* A4 in points */
#define PAGE_H 842.0
#define MARGIN 40.0

typedef struct
{
  cairo_t *cr;
  JnReportPainter  p;
  double   y;
} Pdf;

static void
pdf_need (Pdf *pdf, double height)
{
  if (pdf->y + height > PAGE_H - MARGIN)
    {
      cairo_show_page (pdf->cr);
      pdf->y = MARGIN;
    }
}

static void
pdf_row (Pdf *pdf, const char *const *cells, const double *widths, guint n, gboolean bold)
{
  double x = MARGIN;

  pdf_need (pdf, 12);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *cell = g_utf8_substring (cells[i] ? cells[i] : "", 0,
                                                MIN (g_utf8_strlen (cells[i] ? cells[i] : "", -1),
                                                     (glong) (widths[i] / 4.2)));

      pdf->p.text (&pdf->p, x, pdf->y + 9, cell, 7.5, JN_ANCHOR_START, bold, FALSE);
      x += widths[i];
    }
  pdf->y += 12;
}

static char *
format_number (double v)
{
  return isfinite (v) ? g_strdup_printf ("%.4g", v) : g_strdup ("–");
}

/* text wrapped to the page's width, a line at a time */
static void
pdf_paragraph (Pdf *pdf, const char *text, double size, gboolean bold)
{
  g_auto(GStrv) words = g_strsplit (text, " ", -1);
  g_autoptr(GString) line = g_string_new (NULL);
  double width = PAGE_W - 2 * MARGIN;

  cairo_select_font_face (pdf->cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (pdf->cr, size);
  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autofree char *tried = line->len ? g_strconcat (line->str, " ", words[i], NULL) : g_strdup (words[i]);
      cairo_text_extents_t ext;

      cairo_text_extents (pdf->cr, tried, &ext);
      if (ext.x_advance > width && line->len > 0)
        {
          pdf_need (pdf, size * 1.4);
          pdf->p.text (&pdf->p, MARGIN, pdf->y + size, line->str, size, JN_ANCHOR_START, bold, FALSE);
          pdf->y += size * 1.4;
          g_string_assign (line, words[i]);
        }
      else
        g_string_assign (line, tried);
    }
  if (line->len > 0)
    {
      pdf_need (pdf, size * 1.4);
      pdf->p.text (&pdf->p, MARGIN, pdf->y + size, line->str, size, JN_ANCHOR_START, bold, FALSE);
      pdf->y += size * 1.4;
    }
}

static void
pdf_heading (Pdf *pdf, const char *text)
{
  pdf->y += 10;
  pdf_need (pdf, 40);
  pdf_paragraph (pdf, text, 12, TRUE);
  pdf->y += 4;
}

gboolean
jn_report_write_pdf (const JnReport *r, const char *path, GError **error)
{
  cairo_surface_t *surface = cairo_pdf_surface_create (path, PAGE_W, PAGE_H);
  cairo_status_t status;
  Pdf pdf = { .y = MARGIN };
  Columns cols = columns_used (r);
  /* the figure's column takes what the others leave */
  const char *header[10];
  double widths[10];
  guint n_cols = 0, figure_col;
  double used = 0;
  g_autofree char *subtitle = subtitle_for (r);

#define COLUMN(title, w) G_STMT_START { header[n_cols] = (title); widths[n_cols] = (w); used += (w); n_cols++; } G_STMT_END
  COLUMN (suite_heading (r), 96);
  figure_col = n_cols;
  COLUMN (_("Figure"), 0);
  COLUMN (_("Unit"), 42);
  COLUMN (_("n"), 28);
  COLUMN (_("Median"), 46);
  COLUMN (_("p95"), 46);
  COLUMN (_("p99"), 46);
  if (cols.target)
    COLUMN (_("Target"), 42);
  if (cols.verdict)
    COLUMN (_("Verdict"), 36);
  if (cols.baseline)
    COLUMN (_("Against the baseline"), 50);
#undef COLUMN
  widths[figure_col] = MAX (PAGE_W - 2 * MARGIN - used, 80);

  pdf.cr = cairo_create (surface);
  jn_report_painter_init_cairo (&pdf.p, pdf.cr);
  pdf.p.text (&pdf.p, MARGIN, pdf.y + 16, r->title, 18, JN_ANCHOR_START, TRUE, FALSE);
  pdf.y += 26;
  pdf.p.text (&pdf.p, MARGIN, pdf.y + 10, subtitle, 9, JN_ANCHOR_START, FALSE, FALSE);
  pdf.y += 18;

  if (r->summary->len > 0)
    {
      pdf_heading (&pdf, _("Summary"));
      for (guint i = 0; i < r->summary->len; i++)
        {
          pdf_paragraph (&pdf, r->summary->pdata[i], 9.5, FALSE);
          pdf.y += 4;
        }
    }

  pdf_heading (&pdf, _("Figures"));
  pdf_row (&pdf, header, widths, n_cols, TRUE);
  for (guint i = 0; i < r->figures->len; i++)
    {
      const JnFigure *f = r->figures->pdata[i];
      g_autofree char *n = g_strdup_printf ("%u", f->d.count);
      g_autofree char *med = format_number (f->d.median);
      g_autofree char *p95 = format_number (f->d.p95);
      g_autofree char *p99 = format_number (f->d.p99);
      g_autofree char *target = f->target_op ? g_strdup_printf ("%s %g", f->target_op, f->target_value)
                                             : NULL;
      g_autofree char *change = f->has_baseline ? g_strdup_printf ("%+.1f %%%s", f->change_percent,
                                                                   f->regression ? " !" : "")
                                                : NULL;
      const char *cells[10] = { figure_suite (f), figure_label (f), figure_unit (f), n, med, p95, p99 };
      guint c = 7;

      if (cols.target)
        cells[c++] = target;
      if (cols.verdict)
        cells[c++] = jn_figure_verdict_name (f->verdict);
      if (cols.baseline)
        cells[c++] = change;
      pdf_row (&pdf, cells, widths, n_cols, FALSE);
    }

  for (guint i = 0; i < r->charts->len; i++)
    {
      pdf.y += 10;
      pdf_need (&pdf, 260);
      jn_report_draw_chart (&pdf.p, r->charts->pdata[i], MARGIN, pdf.y, PAGE_W - 2 * MARGIN, 250);
      pdf.y += 255;
    }

  /* last, the facts of the machine and what ran on it */
  pdf_heading (&pdf, _("This computer"));
  for (guint i = 0; i + 1 < r->machine->len; i += 2)
    {
      const char *cells[] = { r->machine->pdata[i], r->machine->pdata[i + 1] };
      static const double w[] = { 90, 425 };

      pdf_row (&pdf, cells, w, 2, FALSE);
    }
  if (r->suites->len > 0)
    {
      pdf_heading (&pdf, _("What was measured"));
      for (guint i = 0; i + 2 < r->suites->len; i += 3)
        {
          const char *cells[] = { r->suites->pdata[i], r->suites->pdata[i + 1], r->suites->pdata[i + 2] };
          static const double w[] = { 90, 60, 365 };

          pdf_row (&pdf, cells, w, 3, FALSE);
        }
    }
  cairo_show_page (pdf.cr);
  cairo_destroy (pdf.cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot write the PDF %s: %s"), path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}

/* --- CSV: one row per figure ------------------------------------------------- */

static void
csv_field (GString *s, const char *text)
{
  g_string_append_c (s, '"');
  for (const char *p = text ? text : ""; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *p);
    }
  g_string_append (s, "\",");
}

static void
csv_number (GString *s, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isfinite (v))
    g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.6g", v));
  g_string_append_c (s, ',');
}

gboolean
jn_report_write_csv (const JnReport *r, const char *path, GError **error)
{
  g_autoptr(GString) s = g_string_new ("suite,figure,unit,better,count,mean,median,p95,p99,max,min,"
                                       "target,verdict,baseline,change_percent,regression,warning\n");

  for (guint i = 0; i < r->figures->len; i++)
    {
      const JnFigure *f = r->figures->pdata[i];
      g_autofree char *target = NULL;

      if (f->target_op != NULL)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];

          target = g_strdup_printf ("%s %s", f->target_op,
                                    g_ascii_formatd (buf, sizeof buf, "%.6g", f->target_value));
        }
      csv_field (s, f->suite);
      csv_field (s, f->name);
      csv_field (s, f->unit);
      csv_field (s, f->better == JN_BETTER_LOWER ? "lower" : "higher");
      g_string_append_printf (s, "%u,", f->d.count);
      csv_number (s, f->d.mean);
      csv_number (s, f->d.median);
      csv_number (s, f->d.p95);
      csv_number (s, f->d.p99);
      csv_number (s, f->d.max);
      csv_number (s, f->d.min);
      csv_field (s, target);
      csv_field (s, jn_figure_verdict_name (f->verdict));
      csv_number (s, f->has_baseline ? f->baseline_value : NAN);
      csv_number (s, f->has_baseline ? f->change_percent : NAN);
      csv_field (s, f->has_baseline ? (f->regression ? "yes" : "no") : "");
      csv_field (s, f->warning);
      s->str[s->len - 1] = '\n';
    }
  return g_file_set_contents (path, s->str, (gssize) s->len, error);
}

gboolean
jn_report_write (const JnReport *r, const char *path, const char *format, GError **error)
{
  const char *dot = strrchr (path, '.');
  const char *f = format != NULL ? format : dot != NULL ? dot + 1 : "";

  if (g_ascii_strcasecmp (f, "json") == 0)
    return jn_report_save_json (r, path, error);
  if (g_ascii_strcasecmp (f, "csv") == 0)
    return jn_report_write_csv (r, path, error);
  if (g_ascii_strcasecmp (f, "html") == 0 || g_ascii_strcasecmp (f, "htm") == 0)
    return jn_report_write_html (r, path, error);
  if (g_ascii_strcasecmp (f, "pdf") == 0)
    return jn_report_write_pdf (r, path, error);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("Cannot tell the report format of “%s” (use .json, .csv, .html or .pdf)"), path);
  return FALSE;
}
