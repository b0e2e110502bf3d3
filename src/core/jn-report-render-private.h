/* jn-report-render-private.h: how the report's writers draw charts and
 * text (jn-report-export.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>

#include "jn-report.h"

G_BEGIN_DECLS

#define JN_REPORT_PALETTE_SIZE 8
extern const guint32 jn_report_palette[JN_REPORT_PALETTE_SIZE];

typedef enum { JN_ANCHOR_START, JN_ANCHOR_MIDDLE, JN_ANCHOR_END } JnReportAnchor;

typedef struct JnReportPainter JnReportPainter;
struct JnReportPainter
{
  void (*line)     (JnReportPainter *p, double x1, double y1, double x2, double y2, guint32 rgb, double width);
  void (*rect)     (JnReportPainter *p, double x, double y, double w, double h, guint32 rgb);
  void (*polyline) (JnReportPainter *p, const double *xy, guint n, guint32 rgb, double width);
  void (*text)     (JnReportPainter *p, double x, double y, const char *text, double size, JnReportAnchor anchor,
                    gboolean bold, gboolean vertical);
  GString *svg;
  cairo_t *cr;
};


void jn_report_painter_init_svg   (JnReportPainter *p,
                                   GString         *svg);
void jn_report_painter_init_cairo (JnReportPainter *p,
                                   cairo_t         *cr);
/* One chart in the box x0, y0, w, h. */
void jn_report_draw_chart         (JnReportPainter *p,
                                   const JnChart   *chart,
                                   double           x0,
                                   double           y0,
                                   double           w,
                                   double           h);

G_END_DECLS
