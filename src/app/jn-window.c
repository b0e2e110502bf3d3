/* jn-window.c: the session browser and the jam view
 *
 * The window shows core objects and forwards what the musician does: the
 * browser is JnDiscovery's list, joining is JnClient's async join, the jam
 * view reads JnMediaEngine's stats snapshot twenty times a second.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-window"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "jn-client.h"
#include "jn-error.h"
#include "jn-demo.h"
#include "jn-discovery.h"
#include "jn-host.h"
#include "jn-media-engine.h"
#include "jn-audio-bridge.h"
#include "jn-graph.h"
#include "jn-preferences.h"
#include "jn-session-report.h"
#include "jn-sparkline.h"
#include "jn-window.h"

#define REFRESH_MS 50

struct _JnWindow
{
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toasts;
  AdwViewStack    *stack;
  GtkWindow       *passphrase_dialog;  /* at most one, while it is open */
  GtkWidget       *leave_button;
  GtkWidget       *export_button;
  GtkListBox      *sessions_list;
  AdwEntryRow     *address_row;
  AdwWindowTitle  *title;
  GtkListBox      *peers_list;
  GtkLabel        *local_label;

  JnDiscovery     *discovery;
  JnMediaEngine   *engine;
  JnClient        *client;
  JnHost          *host;
  JnAnnouncer     *announcer;
  JnDemo          *demo;
  GCancellable    *cancellable;
  guint            refresh;
  GHashTable      *rows;          /* peer id -> AdwActionRow */
  /* the peer detail page */
  guint32          detail_peer;   /* 0: none shown */
  GtkLabel        *detail_title;
  GtkWidget       *graphs[6];
  gint64           span_us;
  GtkWidget       *back_button;

  GSettings       *settings;      /* NULL when the schema is not installed */

  /* audio: opened before the engine starts, closed after it stops */
  JnAudioBridge   *bridge;
  JnAudioDevice   *device;
  char            *audio_status;
  gint             input_peak;    /* media thread -> UI: peak * 1e6, atomic */
  GtkLevelBar     *input_meter;
  GtkListBox      *recent_list;
  GtkWidget       *recent_group;
  char            *joining_url;
  guint            n_peers;
  double           first_peer_rtt;
};

G_DEFINE_FINAL_TYPE (JnWindow, jn_window, ADW_TYPE_APPLICATION_WINDOW)

static void
toast (JnWindow   *self,
       const char *text)
{
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (text));
}

/* --- the jam view -------------------------------------------------------- */

/* --- audio: the media thread's side ------------------------------------------ */

static char *display_name (JnWindow *self);
static void ask_passphrase (JnWindow *self, const char *url, gboolean wrong);

static void
capture_cb (gpointer user_data, float *out, guint frames, guint channels, guint64 position)
{
  JnWindow *self = user_data;
  float peak = 0.f;

  if (self->bridge == NULL)
    {
      memset (out, 0, sizeof (float) * frames * channels);
      return;
    }
  jn_audio_bridge_capture (self->bridge, out, frames, channels);
  for (guint i = 0; i < frames * channels; i++)
    peak = MAX (peak, fabsf (out[i]));
  g_atomic_int_set (&self->input_peak, (gint) (MIN (peak, 1.f) * 1e6f));
}

static void
playout_cb (gpointer user_data, guint32 peer_id, guint32 seq, const float *audio, guint frames,
            guint channels, gboolean concealed)
{
  JnWindow *self = user_data;

  if (self->bridge != NULL)
    jn_audio_bridge_add_playout (self->bridge, peer_id, audio, frames, channels);
}

static void
midi_cb (gpointer user_data, guint32 peer_id, const JnMidiEvent *event, gint64 arrival_us)
{
  JnWindow *self = user_data;

  if (self->device != NULL)
    jn_audio_device_send_midi (self->device, event->data, event->size);
}

static void
period_end_cb (gpointer user_data, guint frames, guint channels)
{
  JnWindow *self = user_data;

  if (self->bridge != NULL)
    jn_audio_bridge_period_end (self->bridge, frames, channels);
}

/* Opens the audio device at the session's format, before the engine runs
 * (the media thread then only reads these pointers).  No device is no
 * error: the session goes on, silent, and the status line says why. */
static void
open_audio (JnWindow *self)
{
  static const JnMediaCallbacks callbacks = { capture_cb, playout_cb, midi_cb, period_end_cb };
  const JnAudioFormat *format = jn_media_engine_get_format (self->engine);
  g_autofree char *name = display_name (self);
  g_autofree char *node = g_strdup_printf ("JamNet %s", name);
  JnAudioConfig config = { node, format->rate, format->channels, format->frames, TRUE, NULL };
  static const char *keys[JN_AUDIO_N_LINKS] = { "audio-input", "audio-output", "midi-input", "midi-output" };
  g_auto(GStrv) connect = g_new0 (char *, JN_AUDIO_N_LINKS + 1);
  g_autoptr(GError) error = NULL;

  /* where the node links itself (PipeWire), from the preferences */
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    {
      connect[k] = g_settings_get_string (self->settings, keys[k]);
      config.connect[k] = connect[k];
    }
  g_clear_pointer (&self->audio_status, g_free);
  self->bridge = jn_audio_bridge_new (format->frames, format->channels);
  self->device = jn_audio_device_new (NULL, &config, jn_audio_bridge_process, self->bridge, &error);
  if (self->device == NULL)
    {
      g_clear_pointer (&self->bridge, jn_audio_bridge_free);
      /* TRANSLATORS: %s says why no audio device could be opened */
      self->audio_status = g_strdup_printf (_("no audio (%s)"), error->message);
    }
  jn_media_engine_set_callbacks (self->engine, &callbacks, self);
}

/* "Input: Built-in Microphone · Output: Speakers", MIDI only when asked for */
static char *
describe_links (JnWindow *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    {
      g_autofree char *detail = NULL, *line = NULL;
      JnAudioLinkState state = jn_audio_device_get_link (self->device, k, &detail);

      if (state == JN_AUDIO_LINK_UNCONNECTED && k >= JN_AUDIO_LINK_MIDI_INPUT)
        continue;
      line = jn_audio_link_describe (k, state, detail);
      g_string_append_printf (text, "%s%s", text->len ? " · " : "", line);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
close_audio (JnWindow *self)
{
  g_clear_pointer (&self->device, jn_audio_device_free);
  g_clear_pointer (&self->bridge, jn_audio_bridge_free);
  g_atomic_int_set (&self->input_peak, 0);
}

static void
on_peer_mix_changed (GtkWidget *widget, gpointer user_data)
{
  JnWindow *self = user_data;
  GtkWidget *row = g_object_get_data (G_OBJECT (widget), "row");
  GtkRange *gain = g_object_get_data (G_OBJECT (row), "gain");
  GtkToggleButton *mute = g_object_get_data (G_OBJECT (row), "mute");

  if (self->bridge != NULL)
    jn_audio_bridge_set_peer_gain (self->bridge,
                                   GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "peer-id")),
                                   (float) gtk_range_get_value (gain),
                                   gtk_toggle_button_get_active (mute));
}

static void
end_session (JnWindow *self)
{
  g_clear_handle_id (&self->refresh, g_source_remove);
  g_clear_pointer (&self->demo, jn_demo_free);
  g_clear_pointer (&self->announcer, jn_announcer_free);
  if (self->engine != NULL)
    jn_media_engine_stop (self->engine);
  close_audio (self);
  if (self->client != NULL)
    jn_client_leave (self->client);
  if (self->host != NULL)
    jn_host_shutdown (self->host);
  g_clear_object (&self->client);
  g_clear_object (&self->host);
  g_clear_object (&self->engine);
  g_hash_table_remove_all (self->rows);
  /* gtk_list_box_remove_all() is GTK 4.12; Debian 12 has 4.8 */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self->peers_list))) != NULL;)
    gtk_list_box_remove (self->peers_list, child);
  self->n_peers = 0;
  adw_view_stack_set_visible_child_name (self->stack, "sessions");
  gtk_widget_set_visible (self->leave_button, FALSE);
  gtk_widget_set_visible (self->export_button, FALSE);
  gtk_widget_set_visible (self->back_button, FALSE);
  self->detail_peer = 0;
}

/* --- settings ---------------------------------------------------------------- */

/* Your name: the preference, else the account's. */
static char *
display_name (JnWindow *self)
{
  g_autofree char *name = self->settings != NULL
                          ? g_settings_get_string (self->settings, "display-name") : NULL;

  return name != NULL && *g_strstrip (name) != '\0' ? g_steal_pointer (&name)
                                                    : g_strdup (g_get_real_name ());
}

/* The preferences, applied to a new session's engine. */
static void
configure_engine (JnWindow *self)
{
  g_autofree char *concealment = NULL, *backend = NULL;
  g_autoptr(GError) error = NULL;

  if (self->settings == NULL)
    return;
  concealment = g_settings_get_string (self->settings, "concealment");
  backend = g_settings_get_string (self->settings, "pnbtr-backend");
  jn_media_engine_set_jitter_adaptive (self->engine, g_settings_get_double (self->settings, "latency-safety"));
  jn_media_engine_set_midi_redundancy (self->engine, g_settings_get_uint (self->settings, "midi-redundancy"));
  if (!jn_media_engine_set_concealment (self->engine, concealment, &error) ||
      !jn_media_engine_set_pnbtr_backend (self->engine, backend, &error))
    toast (self, error->message);
}

static void
remember_session (JnWindow *self, const char *url)
{
  g_auto(GStrv) old = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) recent = NULL;
  guint n = 1;

  if (self->settings == NULL || url == NULL)
    return;
  old = g_settings_get_strv (self->settings, "recent-sessions");
  g_strv_builder_add (builder, url);
  for (guint i = 0; old[i] != NULL && n < 8; i++)
    if (!g_str_equal (old[i], url))
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }
  recent = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-sessions", (const char *const *) recent);
}

static void
on_recent_join (GtkButton *button, JnWindow *self)
{
  jn_window_join (self, g_object_get_data (G_OBJECT (button), "url"));
}

static void
on_recent_changed (GSettings *settings, const char *key, JnWindow *self)
{
  g_auto(GStrv) recent = g_settings_get_strv (settings, "recent-sessions");

  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self->recent_list))) != NULL;)
    gtk_list_box_remove (self->recent_list, child);
  for (guint i = 0; recent[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *join = gtk_button_new_with_label (_("Join"));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), recent[i]);
      gtk_widget_set_valign (join, GTK_ALIGN_CENTER);
      g_object_set_data_full (G_OBJECT (join), "url", g_strdup (recent[i]), g_free);
      g_signal_connect (join, "clicked", G_CALLBACK (on_recent_join), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), join);
      gtk_list_box_append (self->recent_list, row);
    }
  gtk_widget_set_visible (self->recent_group, recent[0] != NULL);
}

static GtkWidget *
peer_row (JnWindow    *self,
          const char  *name,
          guint32      id)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spark = jn_sparkline_new ();
  GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");

  /* activating the row opens the peer's graphs */
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data (G_OBJECT (row), "peer-id", GUINT_TO_POINTER (id));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  gtk_widget_set_valign (spark, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spark), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Round-trip time, last ten seconds"), -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spark);
  {
    GtkWidget *gain = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0.0, 2.0, 0.05);
    GtkWidget *mute = gtk_toggle_button_new ();
    g_autofree char *gain_label = g_strdup_printf (_("Volume of %s"), name);
    g_autofree char *mute_label = g_strdup_printf (_("Mute %s"), name);

    gtk_range_set_value (GTK_RANGE (gain), 1.0);
    gtk_scale_add_mark (GTK_SCALE (gain), 1.0, GTK_POS_BOTTOM, NULL);
    gtk_widget_set_size_request (gain, 90, -1);
    gtk_widget_set_valign (gain, GTK_ALIGN_CENTER);
    gtk_accessible_update_property (GTK_ACCESSIBLE (gain), GTK_ACCESSIBLE_PROPERTY_LABEL, gain_label, -1);
    gtk_button_set_icon_name (GTK_BUTTON (mute), "audio-volume-muted-symbolic");
    gtk_widget_set_tooltip_text (mute, mute_label);
    gtk_widget_set_valign (mute, GTK_ALIGN_CENTER);
    gtk_widget_add_css_class (mute, "flat");
    g_object_set_data (G_OBJECT (gain), "row", row);
    g_object_set_data (G_OBJECT (mute), "row", row);
    g_object_set_data (G_OBJECT (row), "gain", gain);
    g_object_set_data (G_OBJECT (row), "mute", mute);
    g_signal_connect (gain, "value-changed", G_CALLBACK (on_peer_mix_changed), self);
    g_signal_connect (mute, "toggled", G_CALLBACK (on_peer_mix_changed), self);
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), gain);
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), mute);
  }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
  g_object_set_data (G_OBJECT (row), "sparkline", spark);
  return row;
}

static const struct
{
  JnMetric    metric;
  JnMetric    second;   /* a second line, or JN_N_METRICS */
  const char *title;
  const char *unit;
  const char *name;
  const char *second_name;
} graph_specs[6] = {
  { JN_METRIC_RTT_MS, JN_N_METRICS, N_("Round-trip time"), "ms", N_("RTT"), NULL },
  { JN_METRIC_ONE_WAY_MS, JN_N_METRICS, N_("One-way delay"), "ms", N_("one-way"), NULL },
  { JN_METRIC_JITTER_MS, JN_N_METRICS, N_("Jitter"), "ms", N_("jitter"), NULL },
  { JN_METRIC_BUFFER_LEVEL, JN_METRIC_BUFFER_DEPTH, N_("Jitter buffer"), N_("packets"), N_("level"),
    N_("target depth") },
  { JN_METRIC_LOSS_PERCENT, JN_N_METRICS, N_("Packet loss"), "%", N_("loss"), NULL },
  { JN_METRIC_LOST_PACKETS, JN_METRIC_CONCEALED_PACKETS, N_("Losses and concealment"),
    N_("packets per 0.1 s"), N_("lost"), N_("concealed") },
};

/* The detail page follows its peer at the refresh rate (copies of the
 * engine's series; the graphs draw from those). */
static void
refresh_detail (JnWindow *self, GArray *peers)
{
  gint64 now = g_get_monotonic_time ();
  const JnPeerStats *peer = NULL;

  if (self->detail_peer == 0)
    return;
  for (guint i = 0; i < peers->len; i++)
    if (g_array_index (peers, JnPeerStats, i).id == self->detail_peer)
      peer = &g_array_index (peers, JnPeerStats, i);
  if (peer == NULL || peer->departed)
    {
      self->detail_peer = 0;
      adw_view_stack_set_visible_child_name (self->stack, "jam");
      gtk_widget_set_visible (self->back_button, FALSE);
      return;
    }
  {
    g_autofree char *title = g_strdup_printf (_("%s · concealed %llu of %llu packets · lost %llu"),
                                              peer->name, (unsigned long long) peer->concealed,
                                              (unsigned long long) (peer->played + peer->concealed),
                                              (unsigned long long) peer->lost);

    gtk_label_set_text (self->detail_title, title);
  }
  for (guint g = 0; g < G_N_ELEMENTS (graph_specs); g++)
    {
      JnGraph *graph = JN_GRAPH (self->graphs[g]);

      jn_graph_set_line (graph, 0, _(graph_specs[g].name),
                         jn_media_engine_copy_series (self->engine, self->detail_peer, graph_specs[g].metric));
      if (graph_specs[g].second != JN_N_METRICS)
        jn_graph_set_line (graph, 1, _(graph_specs[g].second_name),
                           jn_media_engine_copy_series (self->engine, self->detail_peer,
                                                        graph_specs[g].second));
      jn_graph_set_window (graph, now, self->span_us);
    }
}

static void
show_peer (JnWindow *self, guint32 id)
{
  g_autoptr(GArray) peers = NULL;

  if (self->engine == NULL)
    return;
  self->detail_peer = id;
  peers = jn_media_engine_get_peer_stats (self->engine);
  refresh_detail (self, peers);
  if (self->detail_peer != 0)
    {
      adw_view_stack_set_visible_child_name (self->stack, "peer");
      gtk_widget_set_visible (self->back_button, TRUE);
    }
}

static void
on_peer_activated (GtkListBox *list, GtkListBoxRow *row, gpointer user_data)
{
  show_peer (user_data, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "peer-id")));
}

static void
on_back_clicked (GtkButton *button, gpointer user_data)
{
  JnWindow *self = user_data;

  self->detail_peer = 0;
  gtk_widget_set_visible (self->back_button, FALSE);
  adw_view_stack_set_visible_child_name (self->stack, self->engine != NULL ? "jam" : "sessions");
}

static void
on_span_toggled (GtkToggleButton *button, gpointer user_data)
{
  JnWindow *self = user_data;

  if (gtk_toggle_button_get_active (button))
    self->span_us = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "minutes")) * 60 *
                    G_USEC_PER_SEC;
}

static GtkWidget *
build_peer_page (JnWindow *self)
{
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *spans = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  static const int minutes[] = { 1, 5, 15 };
  GtkToggleButton *first = NULL;

  gtk_widget_set_margin_start (box, 24);
  gtk_widget_set_margin_end (box, 24);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  self->detail_title = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_xalign (self->detail_title, 0);
  gtk_label_set_ellipsize (self->detail_title, PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (GTK_WIDGET (self->detail_title), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->detail_title), "heading");
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (self->detail_title));
  gtk_widget_add_css_class (spans, "linked");
  for (guint i = 0; i < G_N_ELEMENTS (minutes); i++)
    {
      g_autofree char *label = g_strdup_printf (_("%d min"), minutes[i]);
      GtkWidget *b = gtk_toggle_button_new_with_label (label);

      g_object_set_data (G_OBJECT (b), "minutes", GINT_TO_POINTER (minutes[i]));
      if (first != NULL)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (b), first);
      else
        first = GTK_TOGGLE_BUTTON (b);
      g_signal_connect (b, "toggled", G_CALLBACK (on_span_toggled), self);
      gtk_box_append (GTK_BOX (spans), b);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (spans), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Time shown"), -1);
  gtk_box_append (GTK_BOX (top), spans);
  gtk_box_append (GTK_BOX (box), top);
  for (guint g = 0; g < G_N_ELEMENTS (graph_specs); g++)
    {
      self->graphs[g] = jn_graph_new (_(graph_specs[g].title), _(graph_specs[g].unit));
      gtk_box_append (GTK_BOX (box), self->graphs[g]);
    }
  gtk_toggle_button_set_active (first, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), box);
  return scroller;
}

static gboolean
on_refresh (gpointer user_data)
{
  JnWindow *self = user_data;
  g_autoptr(GArray) peers = jn_media_engine_get_peer_stats (self->engine);
  const JnAudioFormat *format = jn_media_engine_get_format (self->engine);
  guint shown = 0;

  for (guint i = 0; i < peers->len; i++)
    {
      JnPeerStats *p = &g_array_index (peers, JnPeerStats, i);
      GtkWidget *row = g_hash_table_lookup (self->rows, GUINT_TO_POINTER (p->id));
      g_autofree char *subtitle = NULL;

      if (p->departed)
        {
          if (row != NULL)
            {
              gtk_list_box_remove (self->peers_list, row);
              g_hash_table_remove (self->rows, GUINT_TO_POINTER (p->id));
            }
          continue;
        }
      if (row == NULL)
        {
          row = peer_row (self, p->name, p->id);
          gtk_list_box_append (self->peers_list, row);
          g_hash_table_insert (self->rows, GUINT_TO_POINTER (p->id), row);
        }
      {
        /* what the others' sound takes to reach us: the network, the
         * jitter buffer, and the audio device's own latency */
        double period_ms = format->frames * 1000.0 / format->rate;
        double device_ms = 0.0;

        if (self->device != NULL)
          {
            guint capture = 0, playback = 0;

            jn_audio_device_get_latency (self->device, &capture, &playback);
            device_ms = playback * 1000.0 / format->rate;
          }
        subtitle = g_strdup_printf (_("RTT %.2f ms · one-way %.2f ms · jitter %.2f ms · loss %.1f %% · "
                                      "concealed %.1f %% · buffer %u/%u · to your ears ≈ %.1f ms · "
                                      "audio %llu packets, MIDI %llu events"),
                                    p->rtt_ms.last, p->one_way_ms.last, p->jitter_ms.last, p->loss_percent,
                                    p->concealed_percent,
                                    (guint) p->buffer_level.last,
                                    p->jitter_depth,
                                    p->one_way_ms.last + p->jitter_depth * period_ms + device_ms,
                                    (unsigned long long) p->audio_packets,
                                    (unsigned long long) p->midi_events);
      }
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      if (p->synced)   /* nothing to draw before the first round trip */
        jn_sparkline_push (g_object_get_data (G_OBJECT (row), "sparkline"), p->rtt_ms.last);
      if (shown++ == 0)
        self->first_peer_rtt = p->rtt_ms.last;
    }
  self->n_peers = shown;
  refresh_detail (self, peers);
  {
    JnEngineStats es;
    g_autofree char *backend = NULL, *local = NULL;

    jn_media_engine_get_stats (self->engine, &es);
    if (es.pnbtr_backend[0] == '\0')
      backend = g_strdup (_("fitted as each gap begins"));
    else if (g_str_equal (es.pnbtr_backend, "starting"))
      backend = g_strdup (_("starting its worker…"));
    else
      /* TRANSLATORS: PNBTR's backend (cpu, opencl, cuda) and its device */
      backend = g_strdup_printf (_("models from %s, %s"), es.pnbtr_backend, es.pnbtr_device);
    {
      g_autofree char *links = self->device != NULL && g_str_equal (jn_audio_device_get_backend (self->device),
                                                                     "pipewire")
                               ? describe_links (self) : NULL;
      g_autofree char *audio = self->device != NULL
        /* TRANSLATORS: the audio backend (pipewire, alsa, null), its xruns, and where it is linked */
        ? g_strdup_printf (_("audio through %s, %llu xruns%s%s"), jn_audio_device_get_backend (self->device),
                           (unsigned long long) jn_audio_device_get_xruns (self->device),
                           links ? " · " : "", links ? links : "")
        : g_strdup (self->audio_status ? self->audio_status : "");

      local = g_strdup_printf (_("%u Hz, %u-frame packets (%.1f ms) · %s · loss concealment: PNBTR, %s"),
                               format->rate, format->frames, format->frames * 1000.0 / format->rate,
                               audio, backend);
    }
    {
      double peak = g_atomic_int_get (&self->input_peak) / 1e6;
      double db = peak > 1e-6 ? 20 * log10 (peak) : -120;

      /* -60 dBFS .. 0 dBFS */
      gtk_level_bar_set_value (self->input_meter, CLAMP ((db + 60) / 60, 0.0, 1.0));
    }
    gtk_label_set_text (self->local_label, local);
    gtk_label_set_wrap (self->local_label, TRUE);
  }
  if (shown == 0 && self->client != NULL)
    adw_window_title_set_subtitle (self->title, _("waiting for the others"));
  return G_SOURCE_CONTINUE;
}

static void
show_jam (JnWindow   *self,
          const char *session_name)
{
  adw_window_title_set_subtitle (self->title, session_name);
  adw_view_stack_set_visible_child_name (self->stack, "jam");
  gtk_widget_set_visible (self->leave_button, TRUE);
  gtk_widget_set_visible (self->export_button, TRUE);
  self->refresh = g_timeout_add (REFRESH_MS, on_refresh, self);
}

static void
on_client_closed (JnClient     *client,
                  const GError *error,
                  gpointer      user_data)
{
  JnWindow *self = user_data;

  toast (self, error->message);
  end_session (self);
}

static void
on_joined (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(JnWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!jn_client_join_finish (JN_CLIENT (source), result, &error))
    {
      if (g_error_matches (error, JN_SESSION_ERROR, JN_SESSION_ERROR_WRONG_PASSPHRASE) &&
          self->client == JN_CLIENT (source))
        {
          g_autofree char *url = g_strdup (self->joining_url);
          gboolean tried = GPOINTER_TO_INT (g_object_get_data (source, "with-passphrase"));

          end_session (self);
          ask_passphrase (self, url, tried);
          return;
        }
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      if (self->client == JN_CLIENT (source))
        end_session (self);
      return;
    }
  open_audio (self);
  if (!jn_media_engine_start (self->engine, &error))
    {
      toast (self, error->message);
      end_session (self);
      return;
    }
  remember_session (self, self->joining_url);
  show_jam (self, jn_client_get_session_name (self->client));
}

static void join_full (JnWindow *self, const char *url, const char *passphrase);

void
jn_window_join (JnWindow   *self,
                const char *url)
{
  g_return_if_fail (JN_IS_WINDOW (self));
  join_full (self, url, NULL);
}

/* libadwaita 1.2's entry rows follow their window's focus and do not
 * stop when the window is destroyed around them: take the focus off the
 * entry first, while it is alive. */
static void
release_passphrase_entry (GtkWindow *dialog)
{
  gtk_window_set_focus (dialog, NULL);
}

static void
close_passphrase_dialog (JnWindow *self)
{
  if (self->passphrase_dialog == NULL)
    return;
  release_passphrase_entry (self->passphrase_dialog);
  gtk_window_destroy (self->passphrase_dialog);
}

static void
on_passphrase_response (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  JnWindow *self = user_data;
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");
  g_autofree char *url = g_strdup (g_object_get_data (G_OBJECT (dialog), "url"));
  g_autofree char *passphrase = g_strdup (gtk_editable_get_text (entry));

  /* the dialog closes itself after this */
  release_passphrase_entry (GTK_WINDOW (dialog));
  if (g_str_equal (response, "join"))
    join_full (self, url, passphrase);
}

/* The session wants a passphrase (or the one given was wrong): ask, in one
 * dialog at a time.  The entry is a libadwaita row: GTK 4.8's
 * GtkPasswordEntry outlives its dialog's destruction badly (an invalid cast
 * on every close, and a crash when the window closes with it open). */
static void
ask_passphrase (JnWindow *self, const char *url, gboolean wrong)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Passphrase Needed"),
                                              wrong ? _("That passphrase was not the session’s. Try again?")
                                                    : _("This session is protected by a passphrase."));
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *entry = adw_password_entry_row_new ();

  close_passphrase_dialog (self);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry), _("Passphrase"));
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (entry), TRUE);
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_list_box_append (GTK_LIST_BOX (list), entry);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "join", _("_Join"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "join", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "join");
  g_object_set_data_full (G_OBJECT (dialog), "url", g_strdup (url), g_free);
  g_object_set_data (G_OBJECT (dialog), "entry", entry);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_passphrase_response), self, 0);
  self->passphrase_dialog = GTK_WINDOW (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->passphrase_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
join_full (JnWindow   *self,
           const char *url,
           const char *passphrase)
{
  g_autoptr(GError) error = NULL;

  end_session (self);
  self->engine = jn_media_engine_new (NULL, 0, &error);
  if (self->engine == NULL)
    {
      toast (self, error->message);
      return;
    }
  configure_engine (self);
  g_free (self->joining_url);
  self->joining_url = g_strdup (url);
  {
    g_autofree char *name = display_name (self);

    self->client = jn_client_new (self->engine, name, passphrase);
  }
  g_object_set_data (G_OBJECT (self->client), "with-passphrase", GINT_TO_POINTER (passphrase != NULL));
  g_signal_connect_object (self->client, "closed", G_CALLBACK (on_client_closed), self, 0);
  g_cancellable_cancel (self->cancellable);
  g_set_object (&self->cancellable, g_cancellable_new ());
  adw_window_title_set_subtitle (self->title, _("Joining…"));
  jn_client_join_async (self->client, url, self->cancellable, on_joined, g_object_ref (self));
}

static void host_full (JnWindow *self, const char *name, const char *passphrase, gboolean private_);

void
jn_window_host (JnWindow *self)
{
  g_return_if_fail (JN_IS_WINDOW (self));
  host_full (self, NULL, NULL, FALSE);
}

static void
on_host_response (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  JnWindow *self = user_data;
  const char *name, *passphrase;

  if (!g_str_equal (response, "host"))
    return;
  name = gtk_editable_get_text (g_object_get_data (G_OBJECT (dialog), "name"));
  passphrase = gtk_editable_get_text (g_object_get_data (G_OBJECT (dialog), "passphrase"));
  host_full (self, *name ? name : NULL, *passphrase ? passphrase : NULL,
             !gtk_switch_get_active (g_object_get_data (G_OBJECT (dialog), "announce")));
}

/* "Host a Session": its name, an optional passphrase, and whether the LAN
 * hears of it. */
static void
ask_host (JnWindow *self)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Host a Session"), NULL);
  GtkWidget *box = gtk_list_box_new ();
  GtkWidget *name = adw_entry_row_new ();
  GtkWidget *passphrase = adw_password_entry_row_new ();
  GtkWidget *announce = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();
  g_autofree char *you = display_name (self);
  g_autofree char *suggested = g_strdup_printf (_("%s’s session"), you);

  gtk_widget_add_css_class (box, "boxed-list");
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (box), GTK_SELECTION_NONE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (name), _("Session name"));
  gtk_editable_set_text (GTK_EDITABLE (name), suggested);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (passphrase), _("Passphrase (optional)"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (announce), _("Announce on this network"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (announce), _("Off: players join by address only"));
  gtk_switch_set_active (GTK_SWITCH (toggle), TRUE);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (announce), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (announce), toggle);
  gtk_list_box_append (GTK_LIST_BOX (box), name);
  gtk_list_box_append (GTK_LIST_BOX (box), passphrase);
  gtk_list_box_append (GTK_LIST_BOX (box), announce);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "host", _("_Host"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "host", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "host");
  g_object_set_data (G_OBJECT (dialog), "name", name);
  g_object_set_data (G_OBJECT (dialog), "passphrase", passphrase);
  g_object_set_data (G_OBJECT (dialog), "announce", toggle);
  g_signal_connect (dialog, "response", G_CALLBACK (on_host_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* the LAN hears how many play in our session */
static void
update_announced_players (JnWindow *self)
{
  if (self->announcer != NULL && self->host != NULL)
    jn_announcer_set_players (self->announcer, 1 + jn_host_get_n_members (self->host));
}

static void
on_host_peer_joined (JnHost *host, guint id, const char *name, gpointer user_data)
{
  update_announced_players (user_data);
}

static void
on_host_peer_left (JnHost *host, guint id, gpointer user_data)
{
  update_announced_players (user_data);
}

static void
host_full (JnWindow *self, const char *name, const char *passphrase, gboolean private_)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *you = NULL, *session = NULL;

  end_session (self);
  you = display_name (self);
  session = name != NULL ? g_strdup (name) : g_strdup_printf (_("%s’s session"), you);
  self->engine = jn_media_engine_new (NULL, 0, &error);
  if (self->engine != NULL)
    {
      JnAudioFormat format = *jn_media_engine_get_format (self->engine);

      if (self->settings != NULL)
        format.frames = g_settings_get_uint (self->settings, "buffer-frames");
      jn_media_engine_set_format (self->engine, &format);
      configure_engine (self);
      self->host = jn_host_new (self->engine, session, you, passphrase);
      g_signal_connect_object (self->host, "peer-joined", G_CALLBACK (on_host_peer_joined), self, 0);
      g_signal_connect_object (self->host, "peer-left", G_CALLBACK (on_host_peer_left), self, 0);
    }
  if (self->engine != NULL)
    open_audio (self);
  if (self->engine == NULL || !jn_host_listen (self->host, NULL, 0, &error) ||
      !jn_media_engine_start (self->engine, &error))
    {
      toast (self, error->message);
      end_session (self);
      return;
    }
  if (!private_)
    self->announcer = jn_announcer_new (NULL, session, you, jn_host_get_port (self->host),
                                        passphrase != NULL, NULL);
  show_jam (self, session);
}

static void
on_demo_ready (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(JnWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  JnDemo *demo = jn_demo_new_finish (result, &error);

  if (demo == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      return;
    }
  if (self->host == NULL)   /* the session ended meanwhile */
    {
      jn_demo_free (demo);
      return;
    }
  self->demo = demo;
  /* xgettext:no-c-format */
  toast (self, _("A simulated player joined, 20 ms away with some jitter and 2 % loss"));
}

/* A local session with a simulated player behind an emulated network: the
 * figures move and PNBTR works with no second machine. */
void
jn_window_demo (JnWindow *self)
{
  JnImpairment impairment = { .delay_us = 20000, .jitter_us = 4000, .loss = 0.02 };
  g_autofree char *url = NULL;

  g_return_if_fail (JN_IS_WINDOW (self));

  jn_window_host (self);
  if (self->host == NULL)
    return;
  url = jn_host_dup_local_url (self->host);
  jn_demo_new_async (self->engine, url, &impairment, NULL, NULL, self->cancellable, on_demo_ready,
                     g_object_ref (self));
}

/* --- the browser --------------------------------------------------------- */

void
jn_window_join_session (JnWindow      *self,
                        JnSessionInfo *info)
{
  g_autofree char *url = NULL;

  g_return_if_fail (JN_IS_WINDOW (self));
  g_return_if_fail (JN_IS_SESSION_INFO (info));

  url = jn_session_info_dup_url (info);
  if (jn_session_info_has_passphrase (info))
    ask_passphrase (self, url, FALSE);
  else
    jn_window_join (self, url);
}

static void
on_join_clicked (GtkButton *button,
                 JnWindow  *self)
{
  jn_window_join_session (self, g_object_get_data (G_OBJECT (button), "session"));
}

/* The browser's ping: how long a TCP connection to the session's port
 * takes to open (one round trip), measured when its row appears. */
static void
on_ping_connected (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GtkWidget) row = data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  gint64 started = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (row), "ping-start"));
  const char *subtitle = g_object_get_data (G_OBJECT (row), "subtitle");
  g_autofree char *text = NULL;

  connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  if (gtk_widget_get_parent (row) == NULL)
    return;
  if (connection != NULL)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      /* TRANSLATORS: the row's details, then the measured ping */
      text = g_strdup_printf (_("%s · ping %.1f ms"), subtitle,
                              (g_get_monotonic_time () - started) / 1000.0);
    }
  else
    text = g_strdup_printf (_("%s · not reachable"), subtitle);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), text);
}

static void
measure_ping (GtkWidget *row, JnSessionInfo *info)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  g_socket_client_set_timeout (client, 2);
  g_object_set_data (G_OBJECT (row), "ping-start", GSIZE_TO_POINTER (g_get_monotonic_time ()));
  g_socket_client_connect_to_host_async (client, jn_session_info_get_address (info),
                                         jn_session_info_get_port (info), NULL, on_ping_connected,
                                         g_object_ref (row));
}

static GtkWidget *
session_row (gpointer item,
             gpointer user_data)
{
  JnSessionInfo *info = item;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *join = gtk_button_new_with_label (_("Join"));
  guint players = jn_session_info_get_players (info);
  g_autofree char *subtitle =
    g_strdup_printf ("%s · %u %s%s · %s:%u", jn_session_info_get_host_name (info), players,
                     g_dngettext (GETTEXT_PACKAGE, "player", "players", players),
                     jn_session_info_has_passphrase (info) ? _(" · passphrase") : "",
                     jn_session_info_get_address (info), jn_session_info_get_port (info));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), jn_session_info_get_name (info));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  g_object_set_data_full (G_OBJECT (row), "subtitle", g_strdup (subtitle), g_free);
  measure_ping (row, info);
  gtk_widget_set_valign (join, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (join, "suggested-action");
  g_object_set_data_full (G_OBJECT (join), "session", g_object_ref (info), g_object_unref);
  g_signal_connect (join, "clicked", G_CALLBACK (on_join_clicked), user_data);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), join);
  return row;
}

static void
on_address_apply (AdwEntryRow *row,
                  JnWindow    *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));

  if (*text != '\0')
    jn_window_join (self, text);
}

static void
on_host_clicked (GtkButton *button,
                 JnWindow  *self)
{
  ask_host (self);
}

static void
on_demo_clicked (GtkButton *button,
                 JnWindow  *self)
{
  jn_window_demo (self);
}

static void
on_leave_clicked (GtkButton *button,
                  JnWindow  *self)
{
  end_session (self);
  adw_window_title_set_subtitle (self->title, NULL);
}

static GtkWidget *
build_sessions_page (JnWindow *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *lan = adw_preferences_group_new ();
  GtkWidget *manual = adw_preferences_group_new ();
  GtkWidget *host_group = adw_preferences_group_new ();
  GtkWidget *placeholder = gtk_label_new (_("No sessions on this network yet. Host one, or join by address."));
  GtkWidget *host = gtk_button_new_with_label (_("Host a Session"));
  GtkWidget *demo = gtk_button_new_with_label (_("Try the Demo"));
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (lan), _("Sessions on This Network"));
  self->sessions_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->sessions_list), "boxed-list");
  gtk_list_box_set_selection_mode (self->sessions_list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
  gtk_list_box_set_placeholder (self->sessions_list, placeholder);
  if (self->discovery != NULL)
    gtk_list_box_bind_model (self->sessions_list, G_LIST_MODEL (self->discovery), session_row, self, NULL);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (lan), GTK_WIDGET (self->sessions_list));

  self->recent_group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->recent_group), _("Recent Sessions"));
  self->recent_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->recent_list), "boxed-list");
  gtk_list_box_set_selection_mode (self->recent_list, GTK_SELECTION_NONE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->recent_group), GTK_WIDGET (self->recent_list));
  gtk_widget_set_visible (self->recent_group, FALSE);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (manual), _("Join by Address"));
  self->address_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->address_row), _("host:port or jamnet:// address"));
  adw_entry_row_set_show_apply_button (self->address_row, TRUE);
  g_signal_connect (self->address_row, "apply", G_CALLBACK (on_address_apply), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (manual), GTK_WIDGET (self->address_row));

  gtk_widget_add_css_class (host, "pill");
  gtk_widget_add_css_class (host, "suggested-action");
  gtk_widget_add_css_class (demo, "pill");
  gtk_widget_set_tooltip_text (demo, _("Host a session with a simulated player on an emulated network"));
  gtk_widget_set_halign (buttons, GTK_ALIGN_CENTER);
  g_signal_connect (host, "clicked", G_CALLBACK (on_host_clicked), self);
  g_signal_connect (demo, "clicked", G_CALLBACK (on_demo_clicked), self);
  gtk_box_append (GTK_BOX (buttons), host);
  gtk_box_append (GTK_BOX (buttons), demo);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (host_group), buttons);

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (lan));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (self->recent_group));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (manual));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (host_group));
  return page;
}

static GtkWidget *
build_jam_page (JnWindow *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *players = adw_preferences_group_new ();
  GtkWidget *local = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (players), _("Players"));
  self->peers_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->peers_list), "boxed-list");
  gtk_list_box_set_selection_mode (self->peers_list, GTK_SELECTION_NONE);
  g_signal_connect (self->peers_list, "row-activated", G_CALLBACK (on_peer_activated), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (players), GTK_WIDGET (self->peers_list));

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (local), _("This Computer"));
  self->local_label = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_xalign (self->local_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->local_label), "dim-label");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (local), GTK_WIDGET (self->local_label));
  {
    GtkWidget *row = adw_action_row_new ();

    self->input_meter = GTK_LEVEL_BAR (gtk_level_bar_new_for_interval (0.0, 1.0));
    gtk_level_bar_set_mode (self->input_meter, GTK_LEVEL_BAR_MODE_CONTINUOUS);
    gtk_widget_set_size_request (GTK_WIDGET (self->input_meter), 220, -1);
    gtk_widget_set_valign (GTK_WIDGET (self->input_meter), GTK_ALIGN_CENTER);
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Input level"));
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (self->input_meter));
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->input_meter), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    _("Input level"), -1);
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (local), row);
  }

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (players));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (local));
  return page;
}

/* A stray shortcut must never end a jam in progress: starting another
 * session takes Leave first. */
static void
action_host (GtkWidget *widget, const char *name, GVariant *param)
{
  if (JN_WINDOW (widget)->engine == NULL)
    ask_host (JN_WINDOW (widget));
}

static void
action_demo (GtkWidget *widget, const char *name, GVariant *param)
{
  if (JN_WINDOW (widget)->engine == NULL)
    jn_window_demo (JN_WINDOW (widget));
}

static void
action_leave (GtkWidget *widget, const char *name, GVariant *param)
{
  on_leave_clicked (NULL, JN_WINDOW (widget));
}

static void
action_join_address (GtkWidget *widget, const char *name, GVariant *param)
{
  JnWindow *self = JN_WINDOW (widget);

  if (self->engine == NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->address_row));
}

/* --- session report ------------------------------------------------------- */

static void
write_report_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  JnReport *report = g_object_get_data (G_OBJECT (task), "report");
  GFile *file = task_data;
  g_autofree char *path = g_file_get_path (file);
  GError *error = NULL;

  if (path == NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                             _("Reports can only be saved to local files"));
  else if (!jn_report_write (report, path, NULL, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
jn_window_export_report_async (JnWindow            *self,
                               GFile               *file,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *title = NULL;

  g_task_set_source_tag (task, jn_window_export_report_async);
  if (self->engine == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               _("There is no session to report on"));
      return;
    }
  /* the figures are copied now (quick); the file is written off the main thread */
  title = g_strdup_printf (_("JamNet session report: %s"),
                           adw_window_title_get_subtitle (self->title) ? adw_window_title_get_subtitle (self->title)
                                                                        : "JamNet");
  g_object_set_data_full (G_OBJECT (task), "report", jn_session_report_new (self->engine, title, 0.0, 0.0),
                          (GDestroyNotify) jn_report_free);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, write_report_thread);
}

gboolean
jn_window_export_report_finish (JnWindow      *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_report_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JnWindow *self = JN_WINDOW (source);
  g_autoptr(AdwToast) progress = user_data;
  g_autoptr(GError) error = NULL;

  adw_toast_dismiss (progress);
  if (!jn_window_export_report_finish (self, result, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The report was not saved: %s"), error->message);

      toast (self, text);
    }
  else
    toast (self, _("Report saved"));
}

static void
on_report_file_chosen (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  JnWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      AdwToast *progress = adw_toast_new (_("Writing the report…"));

      adw_toast_set_timeout (progress, 0);
      adw_toast_overlay_add_toast (self->toasts, g_object_ref (progress));
      jn_window_export_report_async (self, file, self->cancellable, on_report_written, progress);
    }
  g_object_unref (dialog);
}

static void
add_filter (GtkFileChooser *chooser, const char *name, const char *pattern)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_pattern (filter, pattern);
  gtk_file_chooser_add_filter (chooser, filter);
}

static void
action_preferences (GtkWidget *widget, const char *name, GVariant *param)
{
  JnWindow *self = JN_WINDOW (widget);

  if (self->settings == NULL)
    {
      toast (self, _("Preferences need JamNet’s settings schema, which is not installed"));
      return;
    }
  gtk_window_present (GTK_WINDOW (jn_preferences_new (GTK_WINDOW (self), self->settings)));
}

static void
action_export_report (GtkWidget *widget, const char *name, GVariant *param)
{
  JnWindow *self = JN_WINDOW (widget);
  GtkFileChooserNative *dialog;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *suggested = g_date_time_format (now, "jamnet-session-%Y-%m-%d-%H%M.pdf");

  if (self->engine == NULL)
    return;
  /* the portal's save dialog where there is one (Flatpak) */
  dialog = gtk_file_chooser_native_new (_("Export Session Report"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), suggested);
  add_filter (GTK_FILE_CHOOSER (dialog), _("PDF document"), "*.pdf");
  add_filter (GTK_FILE_CHOOSER (dialog), _("Web page (HTML)"), "*.html");
  add_filter (GTK_FILE_CHOOSER (dialog), _("Spreadsheet (CSV)"), "*.csv");
  add_filter (GTK_FILE_CHOOSER (dialog), _("Data (JSON)"), "*.json");
  g_signal_connect (dialog, "response", G_CALLBACK (on_report_file_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* --- object -------------------------------------------------------------- */

static void
jn_window_dispose (GObject *object)
{
  JnWindow *self = JN_WINDOW (object);

  close_passphrase_dialog (self);
  if (self->rows != NULL)
    end_session (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_object (&self->discovery);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->joining_url, g_free);
  g_clear_pointer (&self->audio_status, g_free);
  G_OBJECT_CLASS (jn_window_parent_class)->dispose (object);
}

static void
jn_window_class_init (JnWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = jn_window_dispose;
  gtk_widget_class_install_action (widget_class, "win.host", NULL, action_host);
  gtk_widget_class_install_action (widget_class, "win.demo", NULL, action_demo);
  gtk_widget_class_install_action (widget_class, "win.leave", NULL, action_leave);
  gtk_widget_class_install_action (widget_class, "win.join-address", NULL, action_join_address);
  gtk_widget_class_install_action (widget_class, "win.export-report", NULL, action_export_report);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, action_preferences);
}

static void
jn_window_init (JnWindow *self)
{
  self->rows = g_hash_table_new (NULL, NULL);
  self->cancellable = g_cancellable_new ();
}

JnWindow *
jn_window_new (AdwApplication *app,
               const char     *discovery_interface)
{
  JnWindow *self = g_object_new (JN_TYPE_WINDOW, "application", app, NULL);
  g_autoptr(GError) error = NULL;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();

  gtk_window_set_title (GTK_WINDOW (self), "JamNet");
  gtk_window_set_default_size (GTK_WINDOW (self), 760, 560);

  {
    GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
    g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, APP_ID, TRUE)
                                               : NULL;

    if (schema != NULL)
      self->settings = g_settings_new_full (schema, NULL, NULL);
    else
      g_message ("The settings schema %s is not installed: preferences are off", APP_ID);
  }
  self->discovery = jn_discovery_new (discovery_interface, &error);
  self->title = ADW_WINDOW_TITLE (adw_window_title_new ("JamNet", NULL));
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), GTK_WIDGET (self->title));
  self->leave_button = gtk_button_new_with_label (_("Leave"));
  gtk_widget_set_visible (self->leave_button, FALSE);
  g_signal_connect (self->leave_button, "clicked", G_CALLBACK (on_leave_clicked), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), self->leave_button);
  self->back_button = gtk_button_new_from_icon_name ("go-previous-symbolic");
  gtk_widget_set_tooltip_text (self->back_button, _("Back to the Players"));
  gtk_widget_set_visible (self->back_button, FALSE);
  g_signal_connect (self->back_button, "clicked", G_CALLBACK (on_back_clicked), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), self->back_button);
  {
    g_autoptr(GMenu) menu = g_menu_new ();
    GtkWidget *menu_button = gtk_menu_button_new ();

    g_menu_append (menu, _("_Preferences"), "win.preferences");
    g_menu_append (menu, _("_Keyboard Shortcuts"), "win.show-help-overlay");
    g_menu_append (menu, _("_About JamNet"), "app.about");
    gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "open-menu-symbolic");
    gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_button), G_MENU_MODEL (menu));
    gtk_widget_set_tooltip_text (menu_button, _("Main Menu"));
    adw_header_bar_pack_end (ADW_HEADER_BAR (header), menu_button);
  }
  /* left of the primary menu */
  self->export_button = gtk_button_new_from_icon_name ("document-save-symbolic");
  gtk_widget_set_tooltip_text (self->export_button, _("Export Session Report…"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->export_button), "win.export-report");
  gtk_widget_set_visible (self->export_button, FALSE);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->export_button);
  gtk_box_append (GTK_BOX (box), header);

  self->stack = ADW_VIEW_STACK (adw_view_stack_new ());
  adw_view_stack_add_named (self->stack, build_sessions_page (self), "sessions");
  if (self->settings != NULL)
    {
      g_signal_connect_object (self->settings, "changed::recent-sessions", G_CALLBACK (on_recent_changed),
                               self, 0);
      on_recent_changed (self->settings, "recent-sessions", self);
    }
  adw_view_stack_add_named (self->stack, build_jam_page (self), "jam");
  adw_view_stack_add_named (self->stack, build_peer_page (self), "peer");
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  self->toasts = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_toast_overlay_set_child (self->toasts, GTK_WIDGET (self->stack));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->toasts));
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (self), box);

  if (self->discovery == NULL)
    toast (self, error->message);
  return self;
}

GListModel *
jn_window_get_sessions (JnWindow *self)
{
  return self->discovery ? G_LIST_MODEL (self->discovery) : NULL;
}

guint
jn_window_get_n_peers (JnWindow *self)
{
  return self->n_peers;
}

double
jn_window_get_first_peer_rtt (JnWindow *self)
{
  return self->first_peer_rtt;
}

const char *
jn_window_get_audio_backend (JnWindow *self)
{
  return self->device != NULL ? jn_audio_device_get_backend (self->device) : "none";
}

char *
jn_window_dup_audio_links (JnWindow *self)
{
  g_return_val_if_fail (JN_IS_WINDOW (self), NULL);
  return self->device != NULL ? describe_links (self) : g_strdup ("");
}

void
jn_window_show_first_peer (JnWindow *self)
{
  GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->peers_list));

  if (row != NULL)
    show_peer (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "peer-id")));
}

gboolean
jn_window_save_png (JnWindow    *self,
                    const char  *path,
                    GError     **error)
{
  return jn_save_png (GTK_WIDGET (self), path, error);
}

gboolean
jn_save_png (GtkWidget   *widget,
             const char  *path,
             GError     **error)
{
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL || width <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window has not been drawn yet");
      return FALSE;
    }
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", path);
      return FALSE;
    }
  return TRUE;
}
