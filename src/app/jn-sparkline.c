/* jn-sparkline.c: drawn with Cairo inside a snapshot, as sysprof's line
 * layer does; the history is a fixed ring, nothing is read from elsewhere
 * while drawing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-sparkline"

#include "config.h"

#include <math.h>

#include "jn-sparkline.h"

#define N_VALUES 100

struct _JnSparkline
{
  GtkWidget parent_instance;
  double    values[N_VALUES];
  guint     n;
  guint     head;
};

G_DEFINE_FINAL_TYPE (JnSparkline, jn_sparkline, GTK_TYPE_WIDGET)

static void
jn_sparkline_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  JnSparkline *self = JN_SPARKLINE (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  double max = 0.0;
  cairo_t *cr;

  if (self->n < 2 || width <= 0 || height <= 0)
    return;
  for (guint i = 0; i < self->n; i++)
    max = MAX (max, self->values[(self->head + N_VALUES - self->n + i) % N_VALUES]);
  if (max <= 0.0)
    max = 1.0;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_line_width (cr, 1.5);
  cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 1.0);   /* GNOME blue 3 */
  for (guint i = 0; i < self->n; i++)
    {
      double v = self->values[(self->head + N_VALUES - self->n + i) % N_VALUES];
      double x = (double) (N_VALUES - self->n + i) * (width - 1) / (N_VALUES - 1);
      double y = height - 1.5 - v / max * (height - 3);

      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_stroke (cr);
  cairo_destroy (cr);
}

static void
jn_sparkline_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 80 : 24;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 160 : 28;
}

static void
jn_sparkline_class_init (JnSparklineClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = jn_sparkline_snapshot;
  widget_class->measure = jn_sparkline_measure;
  gtk_widget_class_set_css_name (widget_class, "sparkline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
jn_sparkline_init (JnSparkline *self)
{
}

GtkWidget *
jn_sparkline_new (void)
{
  return g_object_new (JN_TYPE_SPARKLINE, NULL);
}

void
jn_sparkline_push (JnSparkline *self,
                   double       value)
{
  g_return_if_fail (JN_IS_SPARKLINE (self));

  self->values[self->head] = isfinite (value) ? MAX (value, 0.0) : 0.0;
  self->head = (self->head + 1) % N_VALUES;
  self->n = MIN (self->n + 1, N_VALUES);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
jn_sparkline_get_n_values (JnSparkline *self)
{
  return self->n;
}

double
jn_sparkline_get_max (JnSparkline *self)
{
  double max = 0.0;

  g_return_val_if_fail (JN_IS_SPARKLINE (self), 0.0);

  for (guint i = 0; i < self->n; i++)
    max = MAX (max, self->values[(self->head + N_VALUES - self->n + i) % N_VALUES]);
  return max;
}
