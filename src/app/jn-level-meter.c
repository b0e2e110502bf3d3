/* jn-level-meter.c: bars as colour rectangles in a snapshot (STYLE.md §3);
 * the ballistics run as values are pushed, once a frame, so that a meter
 * that is not drawn costs nothing.
 *
 * The peak rises at once and falls 24 dB a second; the hold line stays
 * 1.5 s at the loudest, then falls as fast; the clip light stays 2 s
 * after a sample at full scale.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-level-meter"

#include "config.h"

#include <math.h>

#include "jn-level-meter.h"
#include "jn-levels.h"

#define FALL_DB_PER_S 24.0
#define HOLD_US       1500000
#define CLIP_US       2000000
#define CLIP_LEVEL    0.999     /* within 0.01 dB of full scale */
#define CLIP_WIDTH    6         /* px, at the meter's right end */

struct _JnLevelMeter
{
  GtkWidget parent_instance;

  double    peak_db;
  double    rms_db;
  double    hold_db;
  gint64    hold_until;
  gint64    clip_until;
  gboolean  clipped;
  gint64    last_us;
};

enum { PROP_0, PROP_PEAK_DB, PROP_RMS_DB, PROP_CLIPPED, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (JnLevelMeter, jn_level_meter, GTK_TYPE_WIDGET)

static double
fall (double shown,
      double now_db,
      double dt_s)
{
  return MAX (now_db, MAX (shown - FALL_DB_PER_S * dt_s, JN_LEVEL_METER_FLOOR_DB));
}

void
jn_level_meter_push (JnLevelMeter *self,
                     double        peak,
                     double        rms,
                     gint64        frame_time_us)
{
  double dt = self->last_us > 0 ? CLAMP ((frame_time_us - self->last_us) / 1e6, 0.0, 1.0) : 0.0;
  double peak_db = MAX (jn_level_to_db (peak), JN_LEVEL_METER_FLOOR_DB);
  double rms_db = MAX (jn_level_to_db (rms), JN_LEVEL_METER_FLOOR_DB);
  double old_peak = self->peak_db, old_rms = self->rms_db, old_hold = self->hold_db;
  gboolean clipped = self->clipped;

  g_return_if_fail (JN_IS_LEVEL_METER (self));

  self->last_us = frame_time_us;
  self->peak_db = fall (self->peak_db, peak_db, dt);
  self->rms_db = fall (self->rms_db, rms_db, dt);
  if (peak_db >= self->hold_db)
    {
      self->hold_db = peak_db;
      self->hold_until = frame_time_us + HOLD_US;
    }
  else if (frame_time_us > self->hold_until)
    self->hold_db = fall (self->hold_db, self->peak_db, dt);
  if (peak >= CLIP_LEVEL)
    self->clip_until = frame_time_us + CLIP_US;
  self->clipped = frame_time_us < self->clip_until;

  if (self->peak_db != old_peak || self->rms_db != old_rms || self->hold_db != old_hold ||
      self->clipped != clipped)
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_VALUE_NOW,
                                      self->peak_db, -1);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  if (self->peak_db != old_peak)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEAK_DB]);
  if (self->rms_db != old_rms)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RMS_DB]);
  if (self->clipped != clipped)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIPPED]);
}

/* x of a level, in a bar `width` wide */
static float
x_of (double db,
      float  width)
{
  return (float) (width * (db - JN_LEVEL_METER_FLOOR_DB) / -JN_LEVEL_METER_FLOOR_DB);
}

static void
jn_level_meter_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  JnLevelMeter *self = JN_LEVEL_METER (widget);
  float width = (float) gtk_widget_get_width (widget) - CLIP_WIDTH - 2;
  float height = (float) gtk_widget_get_height (widget);
  /* libadwaita's green, yellow and red (success, warning, error) */
  static const GdkRGBA green = { 0.15f, 0.64f, 0.41f, 1.f }, yellow = { 0.90f, 0.65f, 0.04f, 1.f },
                       red = { 0.88f, 0.11f, 0.14f, 1.f };
  /* green to -18 dBFS, yellow to -6, red above: where a mix gets hot */
  static const double zones[] = { -18.0, -6.0, 0.0 };
  const GdkRGBA *colours[] = { &green, &yellow, &red };
  GdkRGBA fg, trough, dim;
  float from = 0.f;

  if (width <= 0 || height <= 0)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  trough = (GdkRGBA) { fg.red, fg.green, fg.blue, 0.12f };
  gtk_snapshot_append_color (snapshot, &trough, &GRAPHENE_RECT_INIT (0, 0, width, height));

  for (guint z = 0; z < G_N_ELEMENTS (zones); z++)
    {
      float to = x_of (zones[z], width);
      float peak_to = MIN (to, x_of (self->peak_db, width)), rms_to = MIN (to, x_of (self->rms_db, width));

      /* the peak, faint; the RMS over it, solid */
      dim = *colours[z];
      dim.alpha = 0.4f;
      if (peak_to > from)
        gtk_snapshot_append_color (snapshot, &dim, &GRAPHENE_RECT_INIT (from, 0, peak_to - from, height));
      if (rms_to > from)
        gtk_snapshot_append_color (snapshot, colours[z], &GRAPHENE_RECT_INIT (from, 0, rms_to - from, height));
      from = to;
    }
  if (self->hold_db > JN_LEVEL_METER_FLOOR_DB)
    {
      float x = x_of (self->hold_db, width);

      gtk_snapshot_append_color (snapshot, &fg, &GRAPHENE_RECT_INIT (MAX (x - 2, 0), 0, 2, height));
    }
  gtk_snapshot_append_color (snapshot, self->clipped ? &red : &trough,
                             &GRAPHENE_RECT_INIT (width + 2, 0, CLIP_WIDTH, height));
}

static void
jn_level_meter_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 48 : 6;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 160 : 8;
}

static void
jn_level_meter_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  JnLevelMeter *self = JN_LEVEL_METER (object);

  switch (prop_id)
    {
    case PROP_PEAK_DB: g_value_set_double (value, self->peak_db); break;
    case PROP_RMS_DB: g_value_set_double (value, self->rms_db); break;
    case PROP_CLIPPED: g_value_set_boolean (value, self->clipped); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jn_level_meter_class_init (JnLevelMeterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = jn_level_meter_get_property;
  widget_class->snapshot = jn_level_meter_snapshot;
  widget_class->measure = jn_level_meter_measure;

  properties[PROP_PEAK_DB] = g_param_spec_double ("peak-db", NULL, NULL, JN_LEVEL_METER_FLOOR_DB, 0.0,
                                                  JN_LEVEL_METER_FLOOR_DB, ro);
  properties[PROP_RMS_DB] = g_param_spec_double ("rms-db", NULL, NULL, JN_LEVEL_METER_FLOOR_DB, 0.0,
                                                 JN_LEVEL_METER_FLOOR_DB, ro);
  properties[PROP_CLIPPED] = g_param_spec_boolean ("clipped", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "levelmeter");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_METER);
}

static void
jn_level_meter_init (JnLevelMeter *self)
{
  self->peak_db = self->rms_db = self->hold_db = JN_LEVEL_METER_FLOOR_DB;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, JN_LEVEL_METER_FLOOR_DB,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, 0.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, JN_LEVEL_METER_FLOOR_DB, -1);
}

GtkWidget *
jn_level_meter_new (void)
{
  return g_object_new (JN_TYPE_LEVEL_METER, NULL);
}

double
jn_level_meter_get_peak_db (JnLevelMeter *self)
{
  g_return_val_if_fail (JN_IS_LEVEL_METER (self), JN_LEVEL_METER_FLOOR_DB);
  return self->peak_db;
}

double
jn_level_meter_get_rms_db (JnLevelMeter *self)
{
  g_return_val_if_fail (JN_IS_LEVEL_METER (self), JN_LEVEL_METER_FLOOR_DB);
  return self->rms_db;
}

gboolean
jn_level_meter_get_clipped (JnLevelMeter *self)
{
  g_return_val_if_fail (JN_IS_LEVEL_METER (self), FALSE);
  return self->clipped;
}
