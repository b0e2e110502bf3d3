/* jn-peer-page.c: the graphs draw the peer's own series (borrowed by
 * reference); each snapshot's new samples move their window on
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-peer-page"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>
#include <string.h>

#include "jn-graph.h"
#include "jn-peer-page.h"

#define N_GRAPHS 6

static const struct
{
  JnMetric    metric;
  JnMetric    second;   /* a second line, or JN_N_METRICS */
  const char *title;
  const char *unit;
  const char *name;
  const char *second_name;
} graph_specs[N_GRAPHS] = {
  { JN_METRIC_RTT_MS, JN_N_METRICS, N_("Round-trip time"), "ms", N_("RTT"), NULL },
  { JN_METRIC_ONE_WAY_MS, JN_N_METRICS, N_("One-way delay"), "ms", N_("one-way"), NULL },
  { JN_METRIC_JITTER_MS, JN_N_METRICS, N_("Jitter"), "ms", N_("jitter"), NULL },
  { JN_METRIC_BUFFER_LEVEL, JN_METRIC_BUFFER_DEPTH, N_("Jitter buffer"), N_("packets"), N_("level"),
    N_("target depth") },
  { JN_METRIC_LOSS_PERCENT, JN_N_METRICS, N_("Packet loss"), "%", N_("loss"), NULL },
  { JN_METRIC_LOST_PACKETS, JN_METRIC_CONCEALED_PACKETS, N_("Losses and concealment"),
    N_("packets per 0.1 s"), N_("lost"), N_("concealed") },
};

static const int span_minutes[] = { 1, 5, 15 };

struct _JnPeerPage
{
  AdwBin      parent_instance;

  GtkBox     *box;
  GtkLabel   *title;
  GtkLabel   *clock;
  GtkBox     *spans;
  GtkWidget  *graphs[N_GRAPHS];
  JnPeer     *peer;
  gint64      span_us;
};

enum { PROP_0, PROP_PEER, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (JnPeerPage, jn_peer_page, ADW_TYPE_BIN)

static void
update_title (JnPeerPage *self)
{
  const JnPeerStats *p = jn_peer_get_stats (self->peer);
  g_autofree char *title = g_strdup_printf (_("%s · concealed %llu of %llu packets · lost %llu"),
                                            jn_peer_get_name (self->peer), (unsigned long long) p->concealed,
                                            (unsigned long long) (p->played + p->concealed),
                                            (unsigned long long) p->lost);

  gtk_label_set_text (self->title, title);
  /* its sound card against ours, once known and worth saying (a clock
   * on this same machine is not): docs/architecture.md, "The device
   * clock" */
  if (p->drift_valid && fabs (p->drift_ppm) >= 1)
    {
      g_autofree char *clock = p->resampled
        /* TRANSLATORS: the player's sound card runs this many ppm fast (+) or slow (-)
         * against ours; then the delay resampling it adds */
        ? g_strdup_printf (_("Sound card clock %+.1f ppm against yours · resampled, +%.1f ms"),
                           p->drift_ppm, p->resample_delay_ms)
        /* TRANSLATORS: the player's sound card runs this many ppm fast (+) or slow (-) against ours */
        : g_strdup_printf (_("Sound card clock %+.1f ppm against yours"), p->drift_ppm);

      gtk_label_set_text (self->clock, clock);
      gtk_widget_set_visible (GTK_WIDGET (self->clock), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->clock), FALSE);
}

static void
move_window (JnPeerPage *self)
{
  gint64 now = g_get_monotonic_time ();

  for (guint g = 0; g < N_GRAPHS; g++)
    jn_graph_set_window (JN_GRAPH (self->graphs[g]), now, self->span_us);
}

static void
on_series_changed (JnPeerPage *self)
{
  update_title (self);
  move_window (self);
}

void
jn_peer_page_set_peer (JnPeerPage *self,
                       JnPeer     *peer)
{
  g_return_if_fail (JN_IS_PEER_PAGE (self));
  g_return_if_fail (peer == NULL || JN_IS_PEER (peer));

  if (self->peer == peer)
    return;
  if (self->peer != NULL)
    g_signal_handlers_disconnect_by_data (self->peer, self);
  g_set_object (&self->peer, peer);
  for (guint g = 0; g < N_GRAPHS; g++)
    {
      JnGraph *graph = JN_GRAPH (self->graphs[g]);

      jn_graph_set_line (graph, 0, _(graph_specs[g].name),
                         peer ? g_array_ref (jn_peer_get_series (peer, graph_specs[g].metric)) : NULL);
      if (graph_specs[g].second != JN_N_METRICS)
        jn_graph_set_line (graph, 1, _(graph_specs[g].second_name),
                           peer ? g_array_ref (jn_peer_get_series (peer, graph_specs[g].second)) : NULL);
    }
  if (peer != NULL)
    {
      g_signal_connect_object (peer, "series-changed", G_CALLBACK (on_series_changed), self, G_CONNECT_SWAPPED);
      update_title (self);
      move_window (self);
    }
  else
    {
      gtk_label_set_text (self->title, "");
      gtk_widget_set_visible (GTK_WIDGET (self->clock), FALSE);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER]);
}

JnPeer *
jn_peer_page_get_peer (JnPeerPage *self)
{
  g_return_val_if_fail (JN_IS_PEER_PAGE (self), NULL);
  return self->peer;
}

GtkWidget *
jn_peer_page_get_graph (JnPeerPage *self,
                        guint       index)
{
  g_return_val_if_fail (JN_IS_PEER_PAGE (self), NULL);
  g_return_val_if_fail (index < N_GRAPHS, NULL);
  return self->graphs[index];
}

static void
on_span_toggled (GtkToggleButton *button,
                 JnPeerPage      *self)
{
  if (!gtk_toggle_button_get_active (button))
    return;
  self->span_us = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "minutes")) * 60 * G_USEC_PER_SEC;
  move_window (self);
}

static void
jn_peer_page_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_PEER: g_value_set_object (value, JN_PEER_PAGE (object)->peer); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jn_peer_page_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_PEER: jn_peer_page_set_peer (JN_PEER_PAGE (object), g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jn_peer_page_dispose (GObject *object)
{
  JnPeerPage *self = JN_PEER_PAGE (object);

  if (self->graphs[0] != NULL)
    jn_peer_page_set_peer (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), JN_TYPE_PEER_PAGE);
  memset (self->graphs, 0, sizeof self->graphs);
  G_OBJECT_CLASS (jn_peer_page_parent_class)->dispose (object);
}

static void
jn_peer_page_class_init (JnPeerPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = jn_peer_page_get_property;
  object_class->set_property = jn_peer_page_set_property;
  object_class->dispose = jn_peer_page_dispose;

  properties[PROP_PEER] = g_param_spec_object ("peer", NULL, NULL, JN_TYPE_PEER,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/jamnet/JamNet/jn-peer-page.ui");
  gtk_widget_class_bind_template_child (widget_class, JnPeerPage, box);
  gtk_widget_class_bind_template_child (widget_class, JnPeerPage, title);
  gtk_widget_class_bind_template_child (widget_class, JnPeerPage, clock);
  gtk_widget_class_bind_template_child (widget_class, JnPeerPage, spans);
}

static void
jn_peer_page_init (JnPeerPage *self)
{
  GtkToggleButton *first = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  for (guint i = 0; i < G_N_ELEMENTS (span_minutes); i++)
    {
      g_autofree char *label = g_strdup_printf (_("%d min"), span_minutes[i]);
      GtkWidget *button = gtk_toggle_button_new_with_label (label);

      g_object_set_data (G_OBJECT (button), "minutes", GINT_TO_POINTER (span_minutes[i]));
      if (first != NULL)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), first);
      else
        first = GTK_TOGGLE_BUTTON (button);
      g_signal_connect_object (button, "toggled", G_CALLBACK (on_span_toggled), self, 0);
      gtk_box_append (self->spans, button);
    }
  for (guint g = 0; g < N_GRAPHS; g++)
    {
      self->graphs[g] = jn_graph_new (_(graph_specs[g].title), _(graph_specs[g].unit));
      gtk_box_append (self->box, self->graphs[g]);
    }
  gtk_toggle_button_set_active (first, TRUE);
}
