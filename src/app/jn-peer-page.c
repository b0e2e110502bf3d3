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

/* clicks a latency test from here times: enough for a median, a few seconds */
#define LATENCY_CLICKS 8

struct _JnPeerPage
{
  AdwBin      parent_instance;

  GtkBox     *box;
  GtkLabel   *title;
  GtkLabel   *clock;
  GtkBox     *spans;
  GtkWidget  *latency_button;
  GtkWidget  *latency_spinner;
  GtkLabel   *latency_result;
  GtkWidget  *graphs[N_GRAPHS];
  JnSession  *session;
  JnPeer     *peer;
  GCancellable *latency_cancellable;
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

/* what the latency test says before it ran */
static void
latency_idle (JnPeerPage *self)
{
  g_autofree char *text = NULL;

  g_cancellable_cancel (self->latency_cancellable);
  g_clear_object (&self->latency_cancellable);
  gtk_widget_set_visible (self->latency_spinner, FALSE);
  gtk_spinner_set_spinning (GTK_SPINNER (self->latency_spinner), FALSE);
  gtk_widget_set_sensitive (self->latency_button, self->session != NULL && self->peer != NULL);
  gtk_widget_remove_css_class (GTK_WIDGET (self->latency_result), "error");
  if (self->peer != NULL)
    /* TRANSLATORS: %s is the player's name */
    text = g_strdup_printf (_("Clicks %s plays back, timed: for a few seconds the band hears the clicks "
                              "instead of the two of you."), jn_peer_get_name (self->peer));
  gtk_label_set_text (self->latency_result, text ? text : "");
}

static void
on_latency_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(JnPeerPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JnLatencyFigures figures;

  if (!jn_session_test_latency_finish (JN_SESSION (source), result, &figures, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;   /* another player, or the page went */
      latency_idle (self);
      gtk_label_set_text (self->latency_result, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->latency_result), "error");
      return;
    }
  latency_idle (self);
  if (figures.echoes < figures.clicks)
    /* TRANSLATORS: the median round trip, then how many clicks it is the median of, the smallest
     * and largest; then how many clicks got no echo */
    text = g_strdup_printf (_("Round trip %.1f ms, the network both ways and both players’ buffers "
                              "(median of %u clicks, %.1f to %.1f ms; %u came back too late or not at all)"),
                            figures.median_ms, figures.echoes, figures.min_ms, figures.max_ms,
                            figures.clicks - figures.echoes);
  else if (figures.max_ms - figures.min_ms < 0.05)
    /* TRANSLATORS: the round trip, then how many clicks took just that */
    text = g_strdup_printf (_("Round trip %.1f ms, the network both ways and both players’ buffers "
                              "(all %u clicks)"), figures.median_ms, figures.echoes);
  else
    /* TRANSLATORS: the median round trip, then how many clicks it is the median of, the smallest
     * and largest */
    text = g_strdup_printf (_("Round trip %.1f ms, the network both ways and both players’ buffers "
                              "(median of %u clicks, %.1f to %.1f ms)"),
                            figures.median_ms, figures.echoes, figures.min_ms, figures.max_ms);
  gtk_label_set_text (self->latency_result, text);
}

static void
on_latency_clicked (JnPeerPage *self)
{
  if (self->session == NULL || self->peer == NULL)
    return;
  latency_idle (self);
  self->latency_cancellable = g_cancellable_new ();
  gtk_widget_set_sensitive (self->latency_button, FALSE);
  gtk_widget_set_visible (self->latency_spinner, TRUE);
  gtk_spinner_set_spinning (GTK_SPINNER (self->latency_spinner), TRUE);
  gtk_label_set_text (self->latency_result, _("Measuring…"));
  jn_session_test_latency_async (self->session, jn_peer_get_id (self->peer), LATENCY_CLICKS,
                                 self->latency_cancellable, on_latency_done, g_object_ref (self));
}

void
jn_peer_page_set_session (JnPeerPage *self,
                          JnSession  *session)
{
  g_return_if_fail (JN_IS_PEER_PAGE (self));
  g_return_if_fail (session == NULL || JN_IS_SESSION (session));

  if (g_set_object (&self->session, session))
    latency_idle (self);
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
  latency_idle (self);
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
  g_cancellable_cancel (self->latency_cancellable);
  g_clear_object (&self->latency_cancellable);
  g_clear_object (&self->session);
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
  gtk_widget_class_bind_template_child (widget_class, JnPeerPage, latency_button);
  gtk_widget_class_bind_template_child (widget_class, JnPeerPage, latency_spinner);
  gtk_widget_class_bind_template_child (widget_class, JnPeerPage, latency_result);
  gtk_widget_class_bind_template_callback (widget_class, on_latency_clicked);
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
  latency_idle (self);
}
