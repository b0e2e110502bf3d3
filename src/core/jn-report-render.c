/* jn-report-render.c: the report as an HTML page with inline SVG charts, and
 * as a PDF drawn with cairo; one chart layout, two painters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-report"

#include "config.h"

#include "jn-report.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

static const guint32 palette[] = { 0x3584e4, 0xe66100, 0x2ec27e, 0x9141ac, 0xc01c28, 0x986a44,
                                   0x1c71d8, 0xf5c211 };

/* --- painters ------------------------------------------------------------- */

typedef enum { ANCHOR_START, ANCHOR_MIDDLE, ANCHOR_END } Anchor;

typedef struct Painter Painter;
struct Painter
{
  void (*line)     (Painter *p, double x1, double y1, double x2, double y2, guint32 rgb, double width);
  void (*rect)     (Painter *p, double x, double y, double w, double h, guint32 rgb);
  void (*polyline) (Painter *p, const double *xy, guint n, guint32 rgb, double width);
  void (*text)     (Painter *p, double x, double y, const char *text, double size, Anchor anchor,
                    gboolean bold, gboolean vertical);
  GString *svg;
  cairo_t *cr;
};

static void
svg_line (Painter *p, double x1, double y1, double x2, double y2, guint32 rgb, double width)
{
  g_string_append_printf (p->svg, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                          "stroke=\"#%06x\" stroke-width=\"%.1f\"/>\n", x1, y1, x2, y2, rgb, width);
}

static void
svg_rect (Painter *p, double x, double y, double w, double h, guint32 rgb)
{
  g_string_append_printf (p->svg, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                          "fill=\"#%06x\"/>\n", x, y, w, h, rgb);
}

static void
svg_polyline (Painter *p, const double *xy, guint n, guint32 rgb, double width)
{
  g_string_append (p->svg, "<polyline fill=\"none\" points=\"");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (p->svg, "%.1f,%.1f ", xy[2 * i], xy[2 * i + 1]);
  g_string_append_printf (p->svg, "\" stroke=\"#%06x\" stroke-width=\"%.1f\"/>\n", rgb, width);
}

static void
svg_text (Painter *p, double x, double y, const char *text, double size, Anchor anchor,
          gboolean bold, gboolean vertical)
{
  static const char *const anchors[] = { "start", "middle", "end" };
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  g_string_append_printf (p->svg, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.1f\" "
                          "text-anchor=\"%s\"%s", x, y, size, anchors[anchor],
                          bold ? " font-weight=\"bold\"" : "");
  if (vertical)
    g_string_append_printf (p->svg, " transform=\"rotate(-90 %.1f %.1f)\"", x, y);
  g_string_append_printf (p->svg, ">%s</text>\n", escaped);
}

static void
cairo_rgb (cairo_t *cr, guint32 rgb)
{
  cairo_set_source_rgb (cr, (rgb >> 16 & 0xff) / 255.0, (rgb >> 8 & 0xff) / 255.0,
                        (rgb & 0xff) / 255.0);
}

static void
cr_line (Painter *p, double x1, double y1, double x2, double y2, guint32 rgb, double width)
{
  cairo_rgb (p->cr, rgb);
  cairo_set_line_width (p->cr, width);
  cairo_move_to (p->cr, x1, y1);
  cairo_line_to (p->cr, x2, y2);
  cairo_stroke (p->cr);
}

static void
cr_rect (Painter *p, double x, double y, double w, double h, guint32 rgb)
{
  cairo_rgb (p->cr, rgb);
  cairo_rectangle (p->cr, x, y, w, h);
  cairo_fill (p->cr);
}

static void
cr_polyline (Painter *p, const double *xy, guint n, guint32 rgb, double width)
{
  cairo_rgb (p->cr, rgb);
  cairo_set_line_width (p->cr, width);
  for (guint i = 0; i < n; i++)
    if (i == 0)
      cairo_move_to (p->cr, xy[0], xy[1]);
    else
      cairo_line_to (p->cr, xy[2 * i], xy[2 * i + 1]);
  cairo_stroke (p->cr);
}

static void
cr_text (Painter *p, double x, double y, const char *text, double size, Anchor anchor,
         gboolean bold, gboolean vertical)
{
  cairo_text_extents_t ext;

  cairo_save (p->cr);
  cairo_select_font_face (p->cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (p->cr, size);
  cairo_text_extents (p->cr, text, &ext);
  cairo_set_source_rgb (p->cr, 0.1, 0.1, 0.1);
  cairo_translate (p->cr, x, y);
  if (vertical)
    cairo_rotate (p->cr, -G_PI / 2);
  cairo_move_to (p->cr, anchor == ANCHOR_START ? 0 : anchor == ANCHOR_MIDDLE ? -ext.x_advance / 2
                                                                         : -ext.x_advance, 0);
  cairo_show_text (p->cr, text);
  cairo_restore (p->cr);
}

/* --- one chart layout ----------------------------------------------------------- */

/* a round step for about n ticks over span */
static double
nice_step (double span, int n)
{
  double raw = span / n, mag = pow (10, floor (log10 (raw))), f = raw / mag;

  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

static void
format_tick (char *buf, gsize len, double v)
{
  if (fabs (v) >= 1e6 || (fabs (v) < 1e-3 && v != 0))
    g_snprintf (buf, len, "%.2g", v);
  else
    g_snprintf (buf, len, "%g", v);
}

static double
axis_value (double v, gboolean log_scale)
{
  return log_scale ? log10 (v > 0 ? v : 1e-300) : v;
}

static void
draw_chart (Painter *p, const JnChart *c, double x0, double y0, double w, double h)
{
  double left = x0 + 64, right = x0 + w - 130, top = y0 + 28, bottom = y0 + h - 46;
  double ymin = 0, ymax = 0, xmin = G_MAXDOUBLE, xmax = -G_MAXDOUBLE, step;
  gboolean any = FALSE;
  char buf[64];

  p->text (p, x0 + w / 2, y0 + 16, c->title, 13, ANCHOR_MIDDLE, TRUE, FALSE);
  for (guint s = 0; s < c->series->len; s++)
    {
      const JnChartSeries *se = c->series->pdata[s];

      for (guint i = 0; i < se->y->len; i++)
        {
          double y = g_array_index (se->y, double, i);

          if (!isfinite (y) || (c->log_y && y <= 0))
            continue;
          if (!any)
            ymin = ymax = axis_value (y, c->log_y);
          ymin = MIN (ymin, axis_value (y, c->log_y));
          ymax = MAX (ymax, axis_value (y, c->log_y));
          any = TRUE;
          if (c->kind == JN_CHART_LINES && i < se->x->len)
            {
              double x = axis_value (g_array_index (se->x, double, i), c->log_x);

              xmin = MIN (xmin, x);
              xmax = MAX (xmax, x);
            }
        }
    }
  if (!any)
    {
      p->text (p, x0 + w / 2, y0 + h / 2, _("no data"), 11, ANCHOR_MIDDLE, FALSE, FALSE);
      return;
    }
  if (!c->log_y)
    ymin = MIN (ymin, 0);
  if (ymax <= ymin)
    ymax = ymin + 1;
  /* whole decades on a log axis */
  step = c->log_y ? MAX (1.0, ceil (nice_step (ymax - ymin, 5))) : nice_step (ymax - ymin, 5);
  ymin = floor (ymin / step) * step;
  ymax = ceil (ymax / step) * step;
  if (xmax <= xmin)
    {
      xmin -= 0.5;
      xmax += 0.5;
    }

#define PY(v) (bottom - ((v) - ymin) / (ymax - ymin) * (bottom - top))
#define PX(v) (left + ((v) - xmin) / (xmax - xmin) * (right - left))

  /* grid and y axis */
  for (double v = ymin; v <= ymax + step / 2; v += step)
    {
      format_tick (buf, sizeof buf, c->log_y ? pow (10, v) : v);
      p->line (p, left, PY (v), right, PY (v), 0xdddddd, 0.6);
      p->text (p, left - 5, PY (v) + 3.5, buf, 9, ANCHOR_END, FALSE, FALSE);
    }
  p->line (p, left, top, left, bottom, 0x333333, 1);
  p->line (p, left, bottom, right, bottom, 0x333333, 1);
  p->text (p, x0 + 14, (top + bottom) / 2, c->y_label, 10, ANCHOR_MIDDLE, FALSE, TRUE);
  p->text (p, (left + right) / 2, bottom + 38, c->x_label, 10, ANCHOR_MIDDLE, FALSE, FALSE);

  if (c->kind == JN_CHART_BARS)
    {
      guint nc = MAX (c->categories->len, 1), ns = MAX (c->series->len, 1);
      double group = (right - left) / nc, bar = group * 0.8 / ns;

      for (guint k = 0; k < c->categories->len; k++)
        {
          g_autofree char *label = g_utf8_substring (c->categories->pdata[k], 0,
                                                     MIN (g_utf8_strlen (c->categories->pdata[k], -1),
                                                          (glong) MAX (4, group / 5.5)));

          p->text (p, left + group * (k + 0.5), bottom + 14, label, 9, ANCHOR_MIDDLE, FALSE, FALSE);
          for (guint s = 0; s < c->series->len; s++)
            {
              const JnChartSeries *se = c->series->pdata[s];
              double y = k < se->y->len ? g_array_index (se->y, double, k) : NAN;

              if (!isfinite (y) || (c->log_y && y <= 0))
                continue;
              y = axis_value (y, c->log_y);
              p->rect (p, left + group * k + group * 0.1 + bar * s, MIN (PY (y), PY (MAX (ymin, 0))),
                       bar * 0.92, fabs (PY (MAX (ymin, 0)) - PY (y)),
                       palette[s % G_N_ELEMENTS (palette)]);
            }
        }
    }
  else
    {
      step = c->log_x ? 1 : nice_step (xmax - xmin, 6);
      for (double v = ceil (xmin / step) * step; v <= xmax + step / 1000; v += step)
        {
          format_tick (buf, sizeof buf, c->log_x ? pow (10, v) : v);
          p->line (p, PX (v), bottom, PX (v), bottom + 4, 0x333333, 1);
          p->text (p, PX (v), bottom + 15, buf, 9, ANCHOR_MIDDLE, FALSE, FALSE);
        }
      for (guint s = 0; s < c->series->len; s++)
        {
          const JnChartSeries *se = c->series->pdata[s];
          g_autofree double *xy = g_new (double, 2 * MAX (se->y->len, 1));
          guint n = 0;

          for (guint i = 0; i < se->y->len && i < se->x->len; i++)
            {
              double x = g_array_index (se->x, double, i), y = g_array_index (se->y, double, i);

              if (!isfinite (x) || !isfinite (y) || (c->log_y && y <= 0) || (c->log_x && x <= 0))
                continue;
              xy[2 * n] = PX (axis_value (x, c->log_x));
              xy[2 * n + 1] = PY (axis_value (y, c->log_y));
              n++;
            }
          if (n > 1)
            p->polyline (p, xy, n, palette[s % G_N_ELEMENTS (palette)], 1.6);
          for (guint i = 0; i < n && n <= 64; i++)
            p->rect (p, xy[2 * i] - 2, xy[2 * i + 1] - 2, 4, 4, palette[s % G_N_ELEMENTS (palette)]);
        }
    }

  /* legend */
  for (guint s = 0; s < c->series->len; s++)
    {
      const JnChartSeries *se = c->series->pdata[s];

      p->rect (p, right + 12, top + 4 + 16 * s, 10, 10, palette[s % G_N_ELEMENTS (palette)]);
      p->text (p, right + 27, top + 13 + 16 * s, se->name, 9.5, ANCHOR_START, FALSE, FALSE);
    }
#undef PX
#undef PY
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
  Painter p = { svg_line, svg_rect, svg_polyline, svg_text, NULL, NULL };

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
      p.svg = s;
      draw_chart (&p, r->charts->pdata[i], 0, 0, CHART_W, CHART_H);
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
  Painter  p;
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

      pdf->p.text (&pdf->p, x, pdf->y + 9, cell, 7.5, ANCHOR_START, bold, FALSE);
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
  Pdf pdf = { NULL, { cr_line, cr_rect, cr_polyline, cr_text, NULL, NULL }, MARGIN };
  static const double fig_w[] = { 52, 150, 40, 30, 50, 50, 50, 40, 38, 65 };
  const char *header[] = { "suite", "figure", "unit", "n", "median", "p95", "p99", "target",
                           "verdict", "vs baseline" };
  g_autofree char *subtitle = g_strdup_printf ("%s, %s", r->kind, r->created);

  pdf.cr = cairo_create (surface);
  pdf.p.cr = pdf.cr;
  pdf.p.text (&pdf.p, MARGIN, pdf.y + 16, r->title, 18, ANCHOR_START, TRUE, FALSE);
  pdf.y += 26;
  pdf.p.text (&pdf.p, MARGIN, pdf.y + 10, subtitle, 9, ANCHOR_START, FALSE, FALSE);
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
      draw_chart (&pdf.p, r->charts->pdata[i], MARGIN, pdf.y, PAGE_W - 2 * MARGIN, 250);
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
