/* jn-peer-row.c: binds a JnPeer's properties; its gain, mute, solo and
 * pan are the peer's own (two-way bindings), so the mix follows the row.
 * Every figure has a label of its own with room for its widest value, so
 * the strip keeps its height as the numbers change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-peer-row"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "jn-level-meter.h"
#include "jn-peer-row.h"
#include "jn-sparkline.h"

struct _JnPeerRow
{
  GtkListBoxRow  parent_instance;

  JnPeer        *peer;
  GtkWidget     *light;
  GtkLabel      *name;
  GtkLabel      *ears;
  GtkLabel      *status;
  JnLevelMeter  *meter;
  GtkLabel      *rtt;
  GtkLabel      *jitter;
  GtkLabel      *loss;
  GtkLabel      *concealed;
  GtkLabel      *buffer;
  JnSparkline   *sparkline;
  GtkLabel      *sparkline_top;
  GtkAdjustment *gain_adjustment;
  GtkWidget     *gain;
  GtkLabel      *gain_value;
  GtkWidget     *mute;
  GtkWidget     *solo;
  GtkAdjustment *pan_adjustment;
  GtkWidget     *pan;
  GtkLabel      *pan_value;
  guint          rtt_pushed;    /* RTT samples already in the sparkline */
};

enum { PROP_0, PROP_PEER, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (JnPeerRow, jn_peer_row, GTK_TYPE_LIST_BOX_ROW)

/* Green, yellow or red by the end-to-end delay (docs/architecture.md),
 * with what makes it up in its tooltip. */
static void
update_light (JnPeerRow *self)
{
  static const char *const classes[] = { "dim-label", "success", "warning", "error" };
  JnDelayLight light = jn_peer_get_delay_light (self->peer);
  g_autofree char *tooltip = NULL;
  JnDelayParts parts;

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (self->light, classes[i]);
  gtk_widget_add_css_class (self->light, classes[light]);
  if (light == JN_DELAY_UNKNOWN)
    {
      gtk_widget_set_tooltip_text (self->light, jn_delay_light_describe (light));
      return;
    }
  jn_peer_get_delay_parts (self->peer, &parts);
  /* TRANSLATORS: the delay light's tooltip: the verdict, then what makes up the delay */
  tooltip = g_strdup_printf (_("%s: to your ears ≈ %.1f ms\n"
                               "their capture %.1f ms (taken as yours) + network %.1f ms + "
                               "buffer %.1f ms (%u packets) + codec %.1f ms + your playback %.1f ms"),
                             jn_delay_light_describe (light),
                             jn_delay_parts_total (&parts), parts.capture_ms, parts.one_way_ms,
                             parts.buffer_ms, parts.buffer_packets, parts.codec_ms,
                             parts.playback_ms);
  if (parts.server_ms > 0)
    {
      /* TRANSLATORS: a mix room's: the way up to the server, its buffer and its mixing */
      g_autofree char *server = g_strdup_printf (_("%s\n(with %.1f ms up to the room’s server and "
                                                   "its mixing)"), tooltip, parts.server_ms);

      g_free (tooltip);
      tooltip = g_steal_pointer (&server);
    }
  gtk_widget_set_tooltip_text (self->light, tooltip);
}

char *
jn_gain_to_text (double gain)
{
  if (gain <= 0.0)
    /* TRANSLATORS: a volume turned all the way down */
    return g_strdup (_("−∞ dB"));
  /* TRANSLATORS: a volume in decibels, signed */
  return g_strdup_printf (_("%+.1f dB"), 20.0 * log10 (gain));
}

char *
jn_pan_to_text (double pan)
{
  int percent = (int) lround (fabs (pan) * 100.0);

  if (percent == 0)
    /* TRANSLATORS: pan in the centre */
    return g_strdup (C_("pan", "C"));
  if (pan < 0)
    /* TRANSLATORS: pan to the left, in percent */
    return g_strdup_printf (C_("pan", "L %d"), percent);
  /* TRANSLATORS: pan to the right, in percent */
  return g_strdup_printf (C_("pan", "R %d"), percent);
}

static void
set_text (GtkLabel   *label,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static void
set_text (GtkLabel   *label,
          const char *format,
          ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  gtk_label_set_text (label, text);
}

static void
update_figures (JnPeerRow *self)
{
  const JnPeerStats *p = jn_peer_get_stats (self->peer);
  JnPeerPath path = jn_peer_get_path (self->peer);
  g_autofree char *packets = NULL;
  JnDelayParts parts;

  update_light (self);
  jn_peer_get_delay_parts (self->peer, &parts);
  if (jn_peer_get_delay_light (self->peer) == JN_DELAY_UNKNOWN)
    gtk_label_set_text (self->ears, "");
  else
    /* TRANSLATORS: the delay from the player's instrument to our ears */
    set_text (self->ears, _("≈ %.1f ms"), jn_peer_get_end_to_end_ms (self->peer));
  /* TRANSLATORS: round-trip time */
  set_text (self->rtt, _("RTT %.1f ms"), jn_peer_get_rtt_ms (self->peer));
  set_text (self->jitter, _("jitter %.1f ms"), jn_peer_get_jitter_ms (self->peer));
  set_text (self->loss, _("loss %.1f %%"), jn_peer_get_loss_percent (self->peer));
  set_text (self->concealed, _("concealed %.1f %%"), jn_peer_get_concealed_percent (self->peer));
  /* TRANSLATORS: what the jitter buffer holds back, in ms */
  set_text (self->buffer, _("buffer %.1f ms"), parts.buffer_ms);
  /* TRANSLATORS: under the little graph of the last ten seconds of round trips: its top */
  set_text (self->sparkline_top, _("RTT 10 s, top %.0f ms"), jn_sparkline_get_max (self->sparkline));
  /* TRANSLATORS: the row's tooltip: the jitter buffer in packets and what came */
  packets = g_strdup_printf (_("Buffer %u packets (target %u) · audio %llu packets, MIDI %llu events"),
                             jn_peer_get_buffer_level (self->peer), jn_peer_get_buffer_target (self->peer),
                             (unsigned long long) p->audio_packets, (unsigned long long) p->midi_events);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), packets);

  /* nothing heard for a while, or a room's link: what it is and why the
   * figures stay as they are */
  if (p->not_heard)
    {
      /* TRANSLATORS: nothing came from a player for this many seconds */
      set_text (self->status, _("Not heard from for %.0f s"), p->silent_s);
      gtk_widget_set_visible (GTK_WIDGET (self->status), TRUE);
    }
  else if (path != JN_PEER_PATH_UDP)
    {
      gtk_label_set_text (self->status, jn_peer_path_describe (path));
      gtk_widget_set_visible (GTK_WIDGET (self->status), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->status), FALSE);
}

static void
on_gain_changed (JnPeerRow *self)
{
  g_autofree char *text = jn_gain_to_text (gtk_adjustment_get_value (self->gain_adjustment));

  gtk_label_set_text (self->gain_value, text);
}

static void
on_pan_changed (JnPeerRow *self)
{
  g_autofree char *text = jn_pan_to_text (gtk_adjustment_get_value (self->pan_adjustment));

  gtk_label_set_text (self->pan_value, text);
}

/* the round trip's new samples (nothing before the first round trip) */
static void
on_series_changed (JnPeerRow *self)
{
  GArray *rtt = jn_peer_get_series (self->peer, JN_METRIC_RTT_MS);

  if (self->rtt_pushed > rtt->len)   /* trimmed */
    self->rtt_pushed = rtt->len;
  for (; self->rtt_pushed < rtt->len; self->rtt_pushed++)
    jn_sparkline_push (self->sparkline, g_array_index (rtt, JnSample, self->rtt_pushed).value);
}

static void
set_peer (JnPeerRow *self,
          JnPeer    *peer)
{
  const char *name;
  g_autofree char *gain_label = NULL, *mute_label = NULL, *solo_label = NULL, *pan_label = NULL;

  g_return_if_fail (self->peer == NULL);

  self->peer = g_object_ref (peer);
  name = jn_peer_get_name (peer);
  g_object_bind_property (peer, "name", self->name, "label", G_BINDING_SYNC_CREATE);
  g_object_bind_property (peer, "gain", self->gain_adjustment, "value",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  g_object_bind_property (peer, "muted", self->mute, "active", G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  g_object_bind_property (peer, "soloed", self->solo, "active", G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  g_object_bind_property (peer, "pan", self->pan_adjustment, "value",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  gain_label = g_strdup_printf (_("Volume of %s"), name);
  mute_label = g_strdup_printf (_("Mute %s"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->gain), GTK_ACCESSIBLE_PROPERTY_LABEL, gain_label, -1);
  gtk_widget_set_tooltip_text (self->mute, mute_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->mute), GTK_ACCESSIBLE_PROPERTY_LABEL, mute_label, -1);
  /* TRANSLATORS: hear only this player (and the others soloed) */
  solo_label = g_strdup_printf (_("Solo %s: hear only the soloed players"), name);
  gtk_widget_set_tooltip_text (self->solo, solo_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->solo), GTK_ACCESSIBLE_PROPERTY_LABEL, solo_label, -1);
  /* TRANSLATORS: a slider from left to right for one player */
  pan_label = g_strdup_printf (_("Pan of %s"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->pan), GTK_ACCESSIBLE_PROPERTY_LABEL, pan_label, -1);
  /* once per snapshot, not once per property that changed */
  g_signal_connect_object (peer, "figures-changed", G_CALLBACK (update_figures), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (peer, "series-changed", G_CALLBACK (on_series_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (peer, "notify::path", G_CALLBACK (update_figures), self, G_CONNECT_SWAPPED);
  on_series_changed (self);
  update_figures (self);
  on_gain_changed (self);
  on_pan_changed (self);
}

static void
jn_peer_row_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  JnPeerRow *self = JN_PEER_ROW (object);

  switch (prop_id)
    {
    case PROP_PEER: g_value_set_object (value, self->peer); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jn_peer_row_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  JnPeerRow *self = JN_PEER_ROW (object);

  switch (prop_id)
    {
    case PROP_PEER: set_peer (self, g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jn_peer_row_dispose (GObject *object)
{
  JnPeerRow *self = JN_PEER_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), JN_TYPE_PEER_ROW);
  g_clear_object (&self->peer);
  G_OBJECT_CLASS (jn_peer_row_parent_class)->dispose (object);
}

static void
jn_peer_row_class_init (JnPeerRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = jn_peer_row_get_property;
  object_class->set_property = jn_peer_row_set_property;
  object_class->dispose = jn_peer_row_dispose;

  properties[PROP_PEER] = g_param_spec_object ("peer", NULL, NULL, JN_TYPE_PEER,
                                               G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (JN_TYPE_SPARKLINE);
  g_type_ensure (JN_TYPE_LEVEL_METER);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/jamnet/JamNet/jn-peer-row.ui");
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, light);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, name);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, ears);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, status);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, meter);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, rtt);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, jitter);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, loss);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, concealed);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, buffer);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, sparkline);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, sparkline_top);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, gain_adjustment);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, gain);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, gain_value);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, mute);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, solo);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, pan_adjustment);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, pan);
  gtk_widget_class_bind_template_child (widget_class, JnPeerRow, pan_value);
}

static void
jn_peer_row_init (JnPeerRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_object (self->gain_adjustment, "value-changed", G_CALLBACK (on_gain_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->pan_adjustment, "value-changed", G_CALLBACK (on_pan_changed), self,
                           G_CONNECT_SWAPPED);
}

GtkWidget *
jn_peer_row_new (JnPeer *peer)
{
  g_return_val_if_fail (JN_IS_PEER (peer), NULL);
  return g_object_new (JN_TYPE_PEER_ROW, "peer", peer, NULL);
}

void
jn_peer_row_set_pannable (JnPeerRow *self,
                          gboolean   pannable)
{
  g_return_if_fail (JN_IS_PEER_ROW (self));

  gtk_widget_set_sensitive (self->pan, pannable);
  gtk_widget_set_tooltip_text (self->pan, pannable ? NULL : _("Pan needs a stereo session; this one is mono"));
}

JnPeer *
jn_peer_row_get_peer (JnPeerRow *self)
{
  g_return_val_if_fail (JN_IS_PEER_ROW (self), NULL);
  return self->peer;
}

void
jn_peer_row_push_level (JnPeerRow *self,
                        double     peak,
                        double     rms,
                        gint64     frame_time_us)
{
  g_return_if_fail (JN_IS_PEER_ROW (self));
  jn_level_meter_push (self->meter, peak, rms, frame_time_us);
}
