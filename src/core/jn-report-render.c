/* jn-report-render.c: a report's charts, one layout drawn by two painters:
 * SVG text (the HTML page) and cairo (the PDF)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-report"

#include "config.h"

#include "jn-report-render-private.h"
#include "jn-stats.h"

#include <cairo.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

const guint32 jn_report_palette[JN_REPORT_PALETTE_SIZE] = {
  0x3584e4, 0xe66100, 0x2ec27e, 0x9141ac, 0xc01c28, 0x986a44, 0x1c71d8, 0xf5c211
};

/* --- painters ------------------------------------------------------------- */

static void
svg_line (JnReportPainter *p, double x1, double y1, double x2, double y2, guint32 rgb, double width)
{
  g_string_append_printf (p->svg, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                          "stroke=\"#%06x\" stroke-width=\"%.1f\"/>\n", x1, y1, x2, y2, rgb, width);
}

static void
svg_rect (JnReportPainter *p, double x, double y, double w, double h, guint32 rgb)
{
  g_string_append_printf (p->svg, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                          "fill=\"#%06x\"/>\n", x, y, w, h, rgb);
}

static void
svg_polyline (JnReportPainter *p, const double *xy, guint n, guint32 rgb, double width)
{
  g_string_append (p->svg, "<polyline fill=\"none\" points=\"");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (p->svg, "%.1f,%.1f ", xy[2 * i], xy[2 * i + 1]);
  g_string_append_printf (p->svg, "\" stroke=\"#%06x\" stroke-width=\"%.1f\"/>\n", rgb, width);
}

static void
svg_text (JnReportPainter *p, double x, double y, const char *text, double size, JnReportAnchor anchor,
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
cr_line (JnReportPainter *p, double x1, double y1, double x2, double y2, guint32 rgb, double width)
{
  cairo_rgb (p->cr, rgb);
  cairo_set_line_width (p->cr, width);
  cairo_move_to (p->cr, x1, y1);
  cairo_line_to (p->cr, x2, y2);
  cairo_stroke (p->cr);
}

static void
cr_rect (JnReportPainter *p, double x, double y, double w, double h, guint32 rgb)
{
  cairo_rgb (p->cr, rgb);
  cairo_rectangle (p->cr, x, y, w, h);
  cairo_fill (p->cr);
}

static void
cr_polyline (JnReportPainter *p, const double *xy, guint n, guint32 rgb, double width)
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
cr_text (JnReportPainter *p, double x, double y, const char *text, double size, JnReportAnchor anchor,
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
  cairo_move_to (p->cr, anchor == JN_ANCHOR_START ? 0 : anchor == JN_ANCHOR_MIDDLE ? -ext.x_advance / 2
                                                                         : -ext.x_advance, 0);
  cairo_show_text (p->cr, text);
  cairo_restore (p->cr);
}

/* --- one chart layout ----------------------------------------------------------- */

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

void
jn_report_draw_chart (JnReportPainter *p, const JnChart *c, double x0, double y0, double w, double h)
{
  double left = x0 + 64, right = x0 + w - 130, top = y0 + 28, bottom = y0 + h - 46;
  double ymin = 0, ymax = 0, xmin = G_MAXDOUBLE, xmax = -G_MAXDOUBLE, step;
  gboolean any = FALSE;
  char buf[64];

  p->text (p, x0 + w / 2, y0 + 16, c->title, 13, JN_ANCHOR_MIDDLE, TRUE, FALSE);
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
      p->text (p, x0 + w / 2, y0 + h / 2, _("no data"), 11, JN_ANCHOR_MIDDLE, FALSE, FALSE);
      return;
    }
  if (!c->log_y)
    ymin = MIN (ymin, 0);
  if (ymax <= ymin)
    ymax = ymin + 1;
  /* whole decades on a log axis */
  step = c->log_y ? MAX (1.0, ceil (jn_nice_step (ymax - ymin, 5))) : jn_nice_step (ymax - ymin, 5);
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
      p->text (p, left - 5, PY (v) + 3.5, buf, 9, JN_ANCHOR_END, FALSE, FALSE);
    }
  p->line (p, left, top, left, bottom, 0x333333, 1);
  p->line (p, left, bottom, right, bottom, 0x333333, 1);
  p->text (p, x0 + 14, (top + bottom) / 2, c->y_label, 10, JN_ANCHOR_MIDDLE, FALSE, TRUE);
  p->text (p, (left + right) / 2, bottom + 38, c->x_label, 10, JN_ANCHOR_MIDDLE, FALSE, FALSE);

  if (c->kind == JN_CHART_BARS)
    {
      guint nc = MAX (c->categories->len, 1), ns = MAX (c->series->len, 1);
      double group = (right - left) / nc, bar = group * 0.8 / ns;

      for (guint k = 0; k < c->categories->len; k++)
        {
          g_autofree char *label = g_utf8_substring (c->categories->pdata[k], 0,
                                                     MIN (g_utf8_strlen (c->categories->pdata[k], -1),
                                                          (glong) MAX (4, group / 5.5)));

          p->text (p, left + group * (k + 0.5), bottom + 14, label, 9, JN_ANCHOR_MIDDLE, FALSE, FALSE);
          for (guint s = 0; s < c->series->len; s++)
            {
              const JnChartSeries *se = c->series->pdata[s];
              double y = k < se->y->len ? g_array_index (se->y, double, k) : NAN;

              if (!isfinite (y) || (c->log_y && y <= 0))
                continue;
              y = axis_value (y, c->log_y);
              p->rect (p, left + group * k + group * 0.1 + bar * s, MIN (PY (y), PY (MAX (ymin, 0))),
                       bar * 0.92, fabs (PY (MAX (ymin, 0)) - PY (y)),
                       jn_report_palette[s % JN_REPORT_PALETTE_SIZE]);
            }
        }
    }
  else
    {
      step = c->log_x ? 1 : jn_nice_step (xmax - xmin, 6);
      for (double v = ceil (xmin / step) * step; v <= xmax + step / 1000; v += step)
        {
          format_tick (buf, sizeof buf, c->log_x ? pow (10, v) : v);
          p->line (p, PX (v), bottom, PX (v), bottom + 4, 0x333333, 1);
          p->text (p, PX (v), bottom + 15, buf, 9, JN_ANCHOR_MIDDLE, FALSE, FALSE);
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
            p->polyline (p, xy, n, jn_report_palette[s % JN_REPORT_PALETTE_SIZE], 1.6);
          for (guint i = 0; i < n && n <= 64; i++)
            p->rect (p, xy[2 * i] - 2, xy[2 * i + 1] - 2, 4, 4, jn_report_palette[s % JN_REPORT_PALETTE_SIZE]);
        }
    }

  /* legend */
  for (guint s = 0; s < c->series->len; s++)
    {
      const JnChartSeries *se = c->series->pdata[s];

      p->rect (p, right + 12, top + 4 + 16 * s, 10, 10, jn_report_palette[s % JN_REPORT_PALETTE_SIZE]);
      p->text (p, right + 27, top + 13 + 16 * s, se->name, 9.5, JN_ANCHOR_START, FALSE, FALSE);
    }
#undef PX
#undef PY
}

void
jn_report_painter_init_svg (JnReportPainter *p,
                            GString         *svg)
{
  *p = (JnReportPainter) { svg_line, svg_rect, svg_polyline, svg_text, svg, NULL };
}

void
jn_report_painter_init_cairo (JnReportPainter *p,
                              cairo_t         *cr)
{
  *p = (JnReportPainter) { cr_line, cr_rect, cr_polyline, cr_text, NULL, cr };
}
