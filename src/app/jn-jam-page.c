/* jn-jam-page.c: one JnPeerRow per player of the session's peers model;
 * this computer's figures follow the session's snapshots
 *
 * Signal: peer-activated (JnPeer), when a player's row is clicked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-jam-page"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "jn-jam-page.h"
#include "jn-peer-row.h"

struct _JnJamPage
{
  AdwBin       parent_instance;

  GtkListBox  *peers_list;
  GtkLabel    *local_label;
  GtkLevelBar *input_meter;
  JnSession   *session;
};

enum { PEER_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (JnJamPage, jn_jam_page, ADW_TYPE_BIN)

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  return jn_peer_row_new (item);
}

static void
on_row_activated (GtkListBox    *list,
                  GtkListBoxRow *row,
                  JnJamPage     *self)
{
  g_signal_emit (self, signals[PEER_ACTIVATED], 0, jn_peer_row_get_peer (JN_PEER_ROW (row)));
}

char *
jn_jam_page_dup_links (JnJamPage *self)
{
  JnAudioDevice *device;

  g_return_val_if_fail (JN_IS_JAM_PAGE (self), NULL);

  device = self->session != NULL ? jn_session_get_audio_device (self->session) : NULL;
  return device != NULL ? jn_audio_device_describe_links (device) : g_strdup ("");
}

/* How lost packets are hidden, for people */
static char *
describe_concealment (JnSession *session)
{
  const JnEngineStats *es = jn_session_get_engine_stats (session);
  const char *method = jn_session_get_concealment (session);

  if (!g_str_equal (method, "pnbtr") && !g_str_equal (method, "burg"))
    /* TRANSLATORS: %s is the method: repeat or zero */
    return g_strdup_printf (_("loss concealment: %s"), method);
  if (es->pnbtr_backend[0] == '\0')
    /* TRANSLATORS: %s is PNBTR or Burg */
    return g_strdup_printf (_("loss concealment: %s, fitted as each gap begins"),
                            g_str_equal (method, "pnbtr") ? "PNBTR" : "Burg");
  if (g_str_equal (es->pnbtr_backend, "starting"))
    return g_strdup_printf (_("loss concealment: %s, starting its worker…"),
                            g_str_equal (method, "pnbtr") ? "PNBTR" : "Burg");
  /* TRANSLATORS: PNBTR or Burg, the worker's backend (cpu, opencl, cuda) and its device */
  return g_strdup_printf (_("loss concealment: %s, models from %s, %s"),
                          g_str_equal (method, "pnbtr") ? "PNBTR" : "Burg", es->pnbtr_backend, es->pnbtr_device);
}

static void
on_figures_updated (JnJamPage *self)
{
  const JnAudioFormat *format = jn_session_get_format (self->session);
  JnAudioDevice *device = jn_session_get_audio_device (self->session);
  g_autofree char *concealment = describe_concealment (self->session);
  g_autofree char *links = device != NULL && g_str_equal (jn_audio_device_get_backend (device), "pipewire")
                           ? jn_jam_page_dup_links (self) : NULL;
  g_autofree char *audio = NULL, *local = NULL;
  const char *status = jn_session_get_audio_status (self->session);

  if (device != NULL)
    /* TRANSLATORS: the audio backend (pipewire, alsa, null), its xruns, and where it is linked */
    audio = g_strdup_printf (_("audio through %s, %llu xruns%s%s"), jn_audio_device_get_backend (device),
                             (unsigned long long) jn_audio_device_get_xruns (device),
                             links ? " · " : "", links ? links : "");
  else
    audio = g_strdup (status != NULL ? status : "");
  /* TRANSLATORS: the session's format, the audio device, and how lost packets are hidden */
  local = g_strdup_printf (_("%u Hz, %u-frame packets (%.1f ms) · %s · %s"),
                           format->rate, format->frames, format->frames * 1000.0 / format->rate, audio, concealment);
  gtk_label_set_text (self->local_label, local);
}

static void
on_input_level (JnJamPage *self)
{
  double peak = jn_session_get_input_level (self->session);
  double db = peak > 1e-6 ? 20 * log10 (peak) : -120;

  /* -60 dBFS .. 0 dBFS */
  gtk_level_bar_set_value (self->input_meter, CLAMP ((db + 60) / 60, 0.0, 1.0));
}

void
jn_jam_page_set_session (JnJamPage *self,
                         JnSession *session)
{
  g_return_if_fail (JN_IS_JAM_PAGE (self));
  g_return_if_fail (session == NULL || JN_IS_SESSION (session));

  if (self->session == session)
    return;
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_set_object (&self->session, session);
  gtk_list_box_bind_model (self->peers_list, session ? jn_session_get_peers (session) : NULL,
                           session ? create_row : NULL, self, NULL);
  gtk_label_set_text (self->local_label, "");
  gtk_level_bar_set_value (self->input_meter, 0.0);
  if (session == NULL)
    return;
  g_signal_connect_object (session, "figures-updated", G_CALLBACK (on_figures_updated), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::input-level", G_CALLBACK (on_input_level), self, G_CONNECT_SWAPPED);
  on_figures_updated (self);
}

static void
jn_jam_page_dispose (GObject *object)
{
  JnJamPage *self = JN_JAM_PAGE (object);

  if (self->peers_list != NULL)
    jn_jam_page_set_session (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), JN_TYPE_JAM_PAGE);
  G_OBJECT_CLASS (jn_jam_page_parent_class)->dispose (object);
}

static void
jn_jam_page_class_init (JnJamPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = jn_jam_page_dispose;

  signals[PEER_ACTIVATED] = g_signal_new ("peer-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, JN_TYPE_PEER);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/jamnet/JamNet/jn-jam-page.ui");
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, peers_list);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, local_label);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, input_meter);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
}

static void
jn_jam_page_init (JnJamPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
