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

gboolean
jn_report_write_html (const JnReport *r, const char *path, GError **error)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree char *title = g_markup_escape_text (r->title, -1);
  JnReportPainter p;

  g_string_append_printf (s,
    "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
    "<meta charset=\"utf-8\"/>\n<title>%s</title>\n<style>\n"
    "body { font-family: Cantarell, 'Noto Sans', sans-serif; margin: 2em; color: #222; }\n"
    "table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }\n"
    "td, th { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; }\n"
    "td.num { text-align: right; font-variant-numeric: tabular-nums; }\n"
    ".PASS { color: #26a269; font-weight: bold; } .FAIL { color: #c01c28; font-weight: bold; }\n"
    ".SKIP { color: #777; } .regression { color: #c01c28; } .warning { color: #b5835a; }\n"
    "figure { margin: 1.5em 0; } svg { background: #fff; border: 1px solid #eee; }\n"
    "</style>\n</head>\n<body>\n<h1>%s</h1>\n", title, title);
  g_string_append_printf (s, "<p>%s %s</p>\n", r->kind, r->created);

  g_string_append (s, "<h2>Machine</h2>\n<table>\n");
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
      g_string_append (s, "<h2>Suites</h2>\n<table>\n");
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

  g_string_append (s, "<h2>Figures</h2>\n<table>\n<tr><th>suite</th><th>figure</th><th>unit</th>"
                      "<th>n</th><th>mean</th><th>median</th><th>p95</th><th>p99</th><th>max</th>"
                      "<th>target</th><th>verdict</th><th>vs baseline</th><th>note</th></tr>\n");
  for (guint i = 0; i < r->figures->len; i++)
    {
      const JnFigure *f = r->figures->pdata[i];
      g_autofree char *count = g_strdup_printf ("%u", f->d.count);
      g_autofree char *target = f->target_op ? g_strdup_printf ("%s %g", f->target_op, f->target_value)
                                             : NULL;
      g_autofree char *change = f->has_baseline ? g_strdup_printf ("%+.1f %%%s", f->change_percent,
                                                                   f->regression ? " regression" : "")
                                                : NULL;

      g_string_append (s, "<tr>");
      html_cell (s, "td", f->suite, NULL);
      html_cell (s, "td", f->name, NULL);
      html_cell (s, "td", f->unit, NULL);
      html_cell (s, "td", count, "num");
      html_number (s, f->d.mean);
      html_number (s, f->d.median);
      html_number (s, f->d.p95);
      html_number (s, f->d.p99);
      html_number (s, f->d.max);
      html_cell (s, "td", target, NULL);
      html_cell (s, "td", jn_figure_verdict_name (f->verdict),
                 f->verdict ? jn_figure_verdict_name (f->verdict) : NULL);
      html_cell (s, "td", change, f->regression ? "regression" : NULL);
      html_cell (s, "td", f->warning, "warning");
      g_string_append (s, "</tr>\n");
    }
  g_string_append (s, "</table>\n");

  if (r->charts->len > 0)
    g_string_append (s, "<h2>Charts</h2>\n");
  for (guint i = 0; i < r->charts->len; i++)
    {
      g_string_append_printf (s, "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                              "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n",
                              CHART_W, CHART_H, CHART_W, CHART_H);
      jn_report_painter_init_svg (&p, s);
      jn_report_draw_chart (&p, r->charts->pdata[i], 0, 0, CHART_W, CHART_H);
      g_string_append (s, "</svg>\n</figure>\n");
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

gboolean
jn_report_write_pdf (const JnReport *r, const char *path, GError **error)
{
  cairo_surface_t *surface = cairo_pdf_surface_create (path, PAGE_W, PAGE_H);
  cairo_status_t status;
  Pdf pdf = { .y = MARGIN };
  static const double fig_w[] = { 52, 150, 40, 30, 50, 50, 50, 40, 38, 65 };
  const char *header[] = { "suite", "figure", "unit", "n", "median", "p95", "p99", "target",
                           "verdict", "vs baseline" };
  g_autofree char *subtitle = g_strdup_printf ("%s, %s", r->kind, r->created);

  pdf.cr = cairo_create (surface);
  jn_report_painter_init_cairo (&pdf.p, pdf.cr);
  pdf.p.text (&pdf.p, MARGIN, pdf.y + 16, r->title, 18, JN_ANCHOR_START, TRUE, FALSE);
  pdf.y += 26;
  pdf.p.text (&pdf.p, MARGIN, pdf.y + 10, subtitle, 9, JN_ANCHOR_START, FALSE, FALSE);
  pdf.y += 22;

  for (guint i = 0; i + 1 < r->machine->len; i += 2)
    {
      const char *cells[] = { r->machine->pdata[i], r->machine->pdata[i + 1] };
      static const double w[] = { 90, 425 };

      pdf_row (&pdf, cells, w, 2, FALSE);
    }
  pdf.y += 8;
  for (guint i = 0; i + 2 < r->suites->len; i += 3)
    {
      const char *cells[] = { r->suites->pdata[i], r->suites->pdata[i + 1], r->suites->pdata[i + 2] };
      static const double w[] = { 90, 60, 365 };

      pdf_row (&pdf, cells, w, 3, FALSE);
    }
  pdf.y += 8;
  pdf_row (&pdf, header, fig_w, G_N_ELEMENTS (fig_w), TRUE);
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
      const char *cells[] = { f->suite, f->name, f->unit, n, med, p95, p99, target,
                              jn_figure_verdict_name (f->verdict), change };

      pdf_row (&pdf, cells, fig_w, G_N_ELEMENTS (fig_w), FALSE);
    }

  for (guint i = 0; i < r->charts->len; i++)
    {
      pdf.y += 10;
      pdf_need (&pdf, 260);
      jn_report_draw_chart (&pdf.p, r->charts->pdata[i], MARGIN, pdf.y, PAGE_W - 2 * MARGIN, 250);
      pdf.y += 255;
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
