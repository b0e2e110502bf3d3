/* jn-graph.c: drawn in a snapshot (cairo for the lines, Pango layouts for
 * the labels) from the sample arrays it was handed (a JnPeer's series,
 * by reference); nothing is read from the engine while drawing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-graph"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "jn-graph.h"
#include "jn-stats.h"

static const GdkRGBA line_colors[JN_GRAPH_MAX_LINES] = {
  { 0.21, 0.52, 0.89, 1.0 },   /* GNOME blue 3 */
  { 0.90, 0.38, 0.00, 1.0 },   /* orange 5 */
};

struct _JnGraph
{
  GtkWidget parent_instance;
  char     *title;
  char     *unit;
  char     *names[JN_GRAPH_MAX_LINES];
  GArray   *lines[JN_GRAPH_MAX_LINES];
  gint64    now_us;
  gint64    span_us;
};

G_DEFINE_FINAL_TYPE (JnGraph, jn_graph, GTK_TYPE_WIDGET)

static void
draw_text (GtkWidget *widget, GtkSnapshot *snapshot, const char *text, double x, double y,
           double align, const GdkRGBA *color)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float) (x - align * w), (float) (y - h / 2.0)));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
  g_object_unref (layout);
}

static int
text_width (GtkWidget *widget, const char *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  g_object_unref (layout);
  return w;
}

/* "now", "−20 s", "−3 min": the time axis's label at t seconds ago */
static void
time_label (char *buf, gsize size, double t, double tstep)
{
  if (t == 0)
    g_strlcpy (buf, _("now"), size);
  else if (tstep >= 60)
    g_snprintf (buf, size, _("−%.0f min"), t / 60);
  else
    g_snprintf (buf, size, _("−%.0f s"), t);
}

static void
jn_graph_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  JnGraph *self = JN_GRAPH (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  double left = 56, right = width - 12, top = 28, bottom = height - 24;
  double ymax = 0.0, step;
  GdkRGBA fg, grid;
  gboolean any = FALSE;
  cairo_t *cr;
  char buf[64];

  if (width < 120 || height < 80 || self->span_us <= 0)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  grid = fg;
  grid.alpha = 0.12;

  for (guint l = 0; l < JN_GRAPH_MAX_LINES; l++)
    for (guint i = 0; self->lines[l] != NULL && i < self->lines[l]->len; i++)
      {
        JnSample s = g_array_index (self->lines[l], JnSample, i);

        if (s.time_us >= self->now_us - self->span_us && isfinite (s.value))
          {
            ymax = MAX (ymax, s.value);
            any = TRUE;
          }
      }
  if (ymax <= 0.0)
    ymax = 1.0;
  step = jn_nice_step (ymax, 4);
  ymax = ceil (ymax / step) * step;

  /* title with the unit, and the legend beside it, or under it where
   * both do not fit on one line (a narrow window) */
  {
    g_autofree char *title = g_strdup_printf ("%s (%s)", self->title, self->unit);
    double x = right, legend_w = 0, legend_y = 12;
    int name_w[JN_GRAPH_MAX_LINES] = { 0 };

    for (int l = 0; l < JN_GRAPH_MAX_LINES; l++)
      if (self->names[l] != NULL)
        {
          name_w[l] = text_width (widget, self->names[l]);
          legend_w += name_w[l] + 6 + 14 + 14;
        }
    draw_text (widget, snapshot, title, left, 12, 0.0, &fg);
    if (left + text_width (widget, title) + 12 + legend_w > right)
      {
        legend_y = 30;
        top += 18;
      }
    for (int l = JN_GRAPH_MAX_LINES - 1; l >= 0; l--)
      if (self->names[l] != NULL)
        {
          draw_text (widget, snapshot, self->names[l], x, legend_y, 1.0, &fg);
          x -= name_w[l] + 6;
          gtk_snapshot_append_color (snapshot, &line_colors[l],
                                     &GRAPHENE_RECT_INIT ((float) (x - 14), (float) (legend_y - 5), 14, 10));
          x -= 14 + 14;
        }
  }

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_line_width (cr, 1.0);
  gdk_cairo_set_source_rgba (cr, &grid);
  for (double v = 0; v <= ymax + step / 2; v += step)
    {
      double y = bottom - v / ymax * (bottom - top);

      cairo_move_to (cr, left, floor (y) + 0.5);
      cairo_line_to (cr, right, floor (y) + 0.5);
    }
  cairo_stroke (cr);

  /* the lines, oldest on the left, now on the right */
  cairo_set_line_width (cr, 1.6);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint l = 0; l < JN_GRAPH_MAX_LINES; l++)
    {
      gboolean started = FALSE;

      for (guint i = 0; self->lines[l] != NULL && i < self->lines[l]->len; i++)
        {
          JnSample s = g_array_index (self->lines[l], JnSample, i);
          double x, y;

          if (s.time_us < self->now_us - self->span_us || !isfinite (s.value))
            continue;
          x = right - (double) (self->now_us - s.time_us) / self->span_us * (right - left);
          y = bottom - MIN (s.value, ymax) / ymax * (bottom - top);
          if (!started)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
          started = TRUE;
        }
      gdk_cairo_set_source_rgba (cr, &line_colors[l]);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);

  /* the axes' labels */
  for (double v = 0; v <= ymax + step / 2; v += step)
    {
      g_snprintf (buf, sizeof buf, "%g", v);
      draw_text (widget, snapshot, buf, left - 6, bottom - v / ymax * (bottom - top), 1.0, &fg);
    }
  {
    double span_s = self->span_us / 1e6, tstep = span_s <= 60 ? 10 : span_s <= 300 ? 60 : 180;
    guint n_ticks = (guint) floor (span_s / tstep + 0.001), every;
    double widest = 0;

    /* every tick's label where they fit, else every second or third: the
     * labels never run into each other */
    for (guint i = 0; i <= n_ticks; i++)
      {
        time_label (buf, sizeof buf, i * tstep, tstep);
        widest = MAX (widest, text_width (widget, buf));
      }
    /* "now" ends at the right edge, the others are centred on their tick */
    every = (guint) ceil ((1.5 * widest + 10) / MAX ((right - left) * tstep / span_s, 1.0));
    for (guint i = 0; i <= n_ticks; i += MAX (every, 1))
      {
        double t = i * tstep;
        double x = right - t / span_s * (right - left);

        time_label (buf, sizeof buf, t, tstep);
        draw_text (widget, snapshot, buf, x, bottom + 12, t == 0 ? 1.0 : 0.5, &fg);
      }
  }
  if (!any)
    draw_text (widget, snapshot, _("no measurements yet"), (left + right) / 2, (top + bottom) / 2, 0.5, &fg);
}

static void
jn_graph_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                  int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 140;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 640 : 170;
}

static void
jn_graph_finalize (GObject *object)
{
  JnGraph *self = JN_GRAPH (object);

  g_free (self->title);
  g_free (self->unit);
  for (guint l = 0; l < JN_GRAPH_MAX_LINES; l++)
    {
      g_free (self->names[l]);
      g_clear_pointer (&self->lines[l], g_array_unref);
    }
  G_OBJECT_CLASS (jn_graph_parent_class)->finalize (object);
}

static void
jn_graph_class_init (JnGraphClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = jn_graph_finalize;
  widget_class->snapshot = jn_graph_snapshot;
  widget_class->measure = jn_graph_measure;
  gtk_widget_class_set_css_name (widget_class, "jngraph");
}

static void
jn_graph_init (JnGraph *self)
{
  self->span_us = 60 * G_USEC_PER_SEC;
}

GtkWidget *
jn_graph_new (const char *title, const char *unit)
{
  JnGraph *self = g_object_new (JN_TYPE_GRAPH, NULL);

  self->title = g_strdup (title);
  self->unit = g_strdup (unit);
  return GTK_WIDGET (self);
}

void
jn_graph_set_line (JnGraph *self, guint index, const char *name, GArray *samples)
{
  g_return_if_fail (JN_IS_GRAPH (self));
  g_return_if_fail (index < JN_GRAPH_MAX_LINES);

  g_free (self->names[index]);
  self->names[index] = g_strdup (name);
  g_clear_pointer (&self->lines[index], g_array_unref);
  self->lines[index] = samples;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const GdkRGBA *
jn_graph_get_line_color (guint index)
{
  g_return_val_if_fail (index < JN_GRAPH_MAX_LINES, NULL);
  return &line_colors[index];
}

void
jn_graph_set_window (JnGraph *self, gint64 now_us, gint64 span_us)
{
  g_return_if_fail (JN_IS_GRAPH (self));

  self->now_us = now_us;
  self->span_us = span_us;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
