/* jn-jam-page.c: one JnPeerRow per player of the session's peers model;
 * this computer's figures follow the session's snapshots, and its input
 * gain, mute and monitor are the session's.  Once a frame the page takes
 * every stream's levels from the session's ring and hands each meter
 * what came for it (docs/architecture.md, "Meters").
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
#include "jn-level-meter.h"
#include "jn-peer-row.h"

/* streams metered at once: the players a session holds and our input */
#define MAX_METERED 65

typedef struct
{
  guint32 id;
  float   peak;
  double  sum_squares;  /* of the periods' RMS */
  guint   periods;
} Metered;

struct _JnJamPage
{
  AdwBin         parent_instance;

  GtkListBox    *peers_list;
  GtkLabel      *local_label;
  JnLevelMeter  *input_meter;
  GtkLabel      *input_db;
  GtkAdjustment *input_gain_adjustment;
  GtkLabel      *input_gain_value;
  GtkSwitch     *input_mute;
  AdwActionRow  *monitor_row;
  GtkSwitch     *monitor;
  GtkAdjustment *monitor_adjustment;
  GtkWidget     *monitor_gain;
  AdwActionRow  *metronome_row;
  GtkSwitch     *metronome;
  GtkAdjustment *tempo_adjustment;
  GtkWidget     *tempo;
  GtkWidget     *audio_banner;
  GtkListBox    *chat_list;
  AdwEntryRow   *chat_entry;
  guint          chat_lines;
  GtkWidget     *invite_group;
  GtkListBox    *invite_list;
  GtkLabel      *placeholder;
  GtkLabel      *audio_advice;
  gint64         xrun_window_us;  /* the xruns counted since then */
  guint64        xrun_window_start;
  guint64        recent_xruns;    /* in the last whole window */
  JnSession     *session;
  guint          tick;
  GPtrArray     *bindings;
  JnLevelFrame   frames[256];
  Metered        metered[MAX_METERED];
};

enum { PEER_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (JnJamPage, jn_jam_page, ADW_TYPE_BIN)

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  JnJamPage *self = user_data;
  GtkWidget *row = jn_peer_row_new (item);

  jn_peer_row_set_pannable (JN_PEER_ROW (row), jn_session_get_format (self->session)->channels >= 2);
  return row;
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
on_input_db (JnJamPage *self)
{
  double db = jn_level_meter_get_peak_db (self->input_meter);
  g_autofree char *text = NULL;

  if (db <= JN_LEVEL_METER_FLOOR_DB)
    /* TRANSLATORS: the input meter's reading when nothing plays */
    text = g_strdup (_("silent"));
  else
    /* TRANSLATORS: the input's peak in dB under full scale */
    text = g_strdup_printf (_("%.0f dB"), db);
  if (g_strcmp0 (gtk_label_get_text (self->input_db), text) != 0)
    gtk_label_set_text (self->input_db, text);
}

/* the chat keeps this many lines, the newest last, above the entry */
#define CHAT_KEEP 50

static void
add_chat_line (JnJamPage  *self,
               const char *name,
               const char *text,
               gboolean    ours)
{
  GtkWidget *row = adw_action_row_new ();

  /* names and lines are the network's: text, never markup */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), name);
  adw_preferences_row_set_title_selectable (ADW_PREFERENCES_ROW (row), TRUE);
  if (ours)
    gtk_widget_add_css_class (row, "chat-ours");
  gtk_list_box_insert (self->chat_list, row, (int) self->chat_lines);
  if (++self->chat_lines > CHAT_KEEP)
    {
      gtk_list_box_remove (self->chat_list, GTK_WIDGET (gtk_list_box_get_row_at_index (self->chat_list, 0)));
      self->chat_lines--;
    }
}

static void
on_chat (JnSession  *session,
         guint       id,
         const char *name,
         const char *text,
         JnJamPage  *self)
{
  add_chat_line (self, name, text, FALSE);
}

static void
on_chat_apply (JnJamPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->chat_entry));
  g_autoptr(GError) error = NULL;

  if (self->session == NULL || *text == '\0')
    return;
  if (!jn_session_send_chat (self->session, text, &error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->chat_entry), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->chat_entry), error->message);
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->chat_entry), "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->chat_entry), NULL);
  /* TRANSLATORS: who said a chat line: you */
  add_chat_line (self, _("You"), text, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->chat_entry), "");
}

static void
on_copy_clicked (GtkButton *button,
                 AdwActionRow *row)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (button)),
                          adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
  /* said where the musician looks */
  gtk_button_set_icon_name (button, "object-select-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (button), _("Copied"));
}

/* A host's (or a room's) invite links, each with a copy button; who is
 * awaited while nobody is there */
static void
update_invites (JnJamPage *self)
{
  g_auto(GStrv) links = self->session != NULL ? jn_session_dup_invite_links (self->session) : NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->invite_list))) != NULL)
    gtk_list_box_remove (self->invite_list, child);
  gtk_widget_set_visible (self->invite_group, links != NULL);
  gtk_label_set_text (self->placeholder,
                      links != NULL ? _("Waiting for players: send them an invite link below.")
                                    : _("Nobody else is here yet."));
  for (guint i = 0; links != NULL && links[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *copy = gtk_button_new_from_icon_name ("edit-copy-symbolic");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), links[i]);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title_selectable (ADW_PREFERENCES_ROW (row), TRUE);
      gtk_widget_set_valign (copy, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (copy, "flat");
      gtk_widget_set_tooltip_text (copy, _("Copy the invite link"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (copy), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Copy the invite link"), -1);
      g_signal_connect_object (copy, "clicked", G_CALLBACK (on_copy_clicked), row, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), copy);
      gtk_list_box_append (self->invite_list, row);
    }
}

/* xruns counted over windows of this length for the advice */
#define XRUN_WINDOW_US (10 * G_USEC_PER_SEC)
/* and so many in one are worth a word */
#define XRUN_ADVICE    3

char *
jn_audio_problem_describe (const char       *backend,
                           const char       *status,
                           JnAudioLinkState  output,
                           const char       *output_detail,
                           guint64           recent_xruns)
{
  if (backend == NULL)
    return status != NULL
           /* TRANSLATORS: %s says why no audio device opened */
           ? g_strdup_printf (_("No sound: %s. You hear nothing, and the others hear silence from you."),
                              status)
           : NULL;
  if (g_str_equal (backend, "null"))
    return g_strdup (_("No sound card: neither PipeWire nor ALSA opened, so JamNet plays through a silent "
                       "stand-in. Start PipeWire or choose a device, then join again."));
  if (output == JN_AUDIO_LINK_WAITING)
    /* TRANSLATORS: %s is the output device asked for */
    return g_strdup_printf (_("Your output “%s” is not there: you will not hear the others until it comes back, "
                              "or choose another."), output_detail != NULL ? output_detail : "");
  if (output == JN_AUDIO_LINK_FAILED)
    /* TRANSLATORS: %s is why PipeWire refused */
    return g_strdup_printf (_("PipeWire did not connect your output (%s): you will not hear the others."),
                            output_detail != NULL ? output_detail : "");
  if (recent_xruns >= XRUN_ADVICE)
    /* TRANSLATORS: the sound card's missed periods in the last ten seconds */
    return g_strdup_printf (ngettext ("The sound card missed %llu period in the last 10 s, which you hear as "
                                      "clicks. Close other audio programs, or choose a larger packet size or "
                                      "a safer latency.",
                                      "The sound card missed %llu periods in the last 10 s, which you hear as "
                                      "clicks. Close other audio programs, or choose a larger packet size or "
                                      "a safer latency.", recent_xruns),
                            (unsigned long long) recent_xruns);
  return NULL;
}

/* the host sets the tempo; a joiner's spin shows the host's */
static void
on_tempo_changed (JnJamPage *self)
{
  if (self->session != NULL && jn_session_get_role (self->session) != JN_SESSION_ROLE_JOIN)
    jn_session_set_tempo (self->session, gtk_adjustment_get_value (self->tempo_adjustment));
}

static void
show_tempo (JnJamPage *self)
{
  double tempo = jn_session_get_tempo (self->session);

  if (tempo > 0 && tempo != gtk_adjustment_get_value (self->tempo_adjustment))
    {
      g_signal_handlers_block_by_func (self->tempo_adjustment, on_tempo_changed, self);
      gtk_adjustment_set_value (self->tempo_adjustment, tempo);
      g_signal_handlers_unblock_by_func (self->tempo_adjustment, on_tempo_changed, self);
    }
}

/* A banner when audio is not working, with the way to the devices */
static void
update_audio_banner (JnJamPage     *self,
                     JnAudioDevice *device)
{
  JnAudioLinkState output = JN_AUDIO_LINK_UNCONNECTED;
  g_autofree char *detail = NULL, *advice = NULL;
  gint64 now = g_get_monotonic_time ();

  if (device != NULL)
    {
      guint64 xruns = jn_audio_device_get_xruns (device);

      if (self->xrun_window_us == 0)
        {
          self->xrun_window_us = now;
          self->xrun_window_start = xruns;
        }
      else if (now - self->xrun_window_us >= XRUN_WINDOW_US)
        {
          self->recent_xruns = xruns - self->xrun_window_start;
          self->xrun_window_us = now;
          self->xrun_window_start = xruns;
        }
      output = jn_audio_device_get_link (device, JN_AUDIO_LINK_OUTPUT, &detail);
    }
  advice = jn_audio_problem_describe (device != NULL ? jn_audio_device_get_backend (device) : NULL,
                                      jn_session_get_audio_status (self->session), output, detail,
                                      self->recent_xruns);
  gtk_widget_set_visible (self->audio_banner, advice != NULL);
  if (advice != NULL && g_strcmp0 (gtk_label_get_text (self->audio_advice), advice) != 0)
    gtk_label_set_text (self->audio_advice, advice);
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
    /* TRANSLATORS: a session that opened no audio device (the demo in a test, say) */
    audio = g_strdup (status != NULL ? status : _("no audio device"));
  /* TRANSLATORS: the session's format, the audio device, and how lost packets are hidden */
  local = g_strdup_printf (_("%u Hz, %u-frame packets (%.1f ms) · %s · %s"),
                           format->rate, format->frames, format->frames * 1000.0 / format->rate, audio, concealment);
  gtk_label_set_text (self->local_label, local);
  on_input_db (self);
  show_tempo (self);
  update_audio_banner (self, device);
  /* hearing yourself goes through the device, straight from its capture */
  gtk_widget_set_sensitive (GTK_WIDGET (self->monitor_row), device != NULL);
  adw_action_row_set_subtitle (self->monitor_row, device != NULL ? "" : _("Needs an audio device"));
}

static Metered *
find_metered (JnJamPage *self,
              guint      n,
              guint32    id)
{
  for (guint k = 0; k < n; k++)
    if (self->metered[k].id == id)
      return &self->metered[k];
  return NULL;
}

/* stream id's entry among the n so far, added when it is new */
static Metered *
metered_for (JnJamPage *self,
             guint     *n,
             guint32    id)
{
  Metered *m = find_metered (self, *n, id);

  if (m != NULL || *n == MAX_METERED)
    return m;
  self->metered[*n] = (Metered) { id, 0.f, 0.0, 0 };
  return &self->metered[(*n)++];
}

/* the RMS over the periods that came (0 if none) */
static double
rms_of (const Metered *m)
{
  return m != NULL && m->periods > 0 ? sqrt (m->sum_squares / m->periods) : 0.0;
}

/* Once a frame: what the media thread measured since the last one, for
 * each meter; a stream that sent nothing falls */
gboolean
jn_jam_page_update_meters (JnJamPage *self,
                           gint64     frame_time)
{
  JnLevels *levels;
  guint n = 0;
  gsize got;

  g_return_val_if_fail (JN_IS_JAM_PAGE (self), FALSE);
  if (self->session == NULL)
    return FALSE;

  levels = jn_session_get_levels (self->session);
  while ((got = jn_levels_drain (levels, self->frames, G_N_ELEMENTS (self->frames))) > 0)
    for (gsize k = 0; k < got; k++)
      {
        Metered *m = metered_for (self, &n, self->frames[k].id);

        if (m == NULL)
          continue;
        m->peak = MAX (m->peak, self->frames[k].peak);
        m->sum_squares += (double) self->frames[k].rms * self->frames[k].rms;
        m->periods++;
      }

  for (int i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->peers_list, i);
      const Metered *m;

      if (row == NULL)
        break;
      m = find_metered (self, n, jn_peer_get_id (jn_peer_row_get_peer (JN_PEER_ROW (row))));
      jn_peer_row_push_level (JN_PEER_ROW (row), m != NULL ? m->peak : 0.0, rms_of (m), frame_time);
    }
  {
    const Metered *input = find_metered (self, n, JN_LEVELS_INPUT);

    jn_level_meter_push (self->input_meter, input != NULL ? input->peak : 0.0, rms_of (input), frame_time);
  }
  return TRUE;
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  jn_jam_page_update_meters (JN_JAM_PAGE (widget), gdk_frame_clock_get_frame_time (clock));
  return G_SOURCE_CONTINUE;
}

static void
on_input_gain_changed (JnJamPage *self)
{
  g_autofree char *text = jn_gain_to_text (gtk_adjustment_get_value (self->input_gain_adjustment));

  gtk_label_set_text (self->input_gain_value, text);
}

/* hear myself: on at the scale's gain, off at 0 */
static void
on_monitor_changed (JnJamPage *self)
{
  gboolean on = gtk_switch_get_active (self->monitor);

  gtk_widget_set_sensitive (self->monitor_gain, on);
  if (self->session != NULL)
    jn_session_set_monitor_gain (self->session, on ? gtk_adjustment_get_value (self->monitor_adjustment) : 0.0);
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
  for (guint i = 0; i < self->bindings->len; i++)
    g_binding_unbind (g_ptr_array_index (self->bindings, i));
  g_ptr_array_set_size (self->bindings, 0);
  if (self->tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick);
  self->tick = 0;
  g_set_object (&self->session, session);
  /* a new session's chat starts empty */
  for (; self->chat_lines > 0; self->chat_lines--)
    gtk_list_box_remove (self->chat_list, GTK_WIDGET (gtk_list_box_get_row_at_index (self->chat_list, 0)));
  self->xrun_window_us = 0;
  self->recent_xruns = 0;
  gtk_widget_set_visible (self->audio_banner, FALSE);
  gtk_list_box_bind_model (self->peers_list, session ? jn_session_get_peers (session) : NULL,
                           session ? create_row : NULL, self, NULL);
  gtk_label_set_text (self->local_label, "");
  update_invites (self);
  if (session == NULL)
    return;
  g_signal_connect_object (session, "figures-updated", G_CALLBACK (on_figures_updated), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "chat", G_CALLBACK (on_chat), self, 0);
  g_ptr_array_add (self->bindings,
                   g_object_bind_property (session, "input-gain", self->input_gain_adjustment, "value",
                                           G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL));
  g_ptr_array_add (self->bindings,
                   g_object_bind_property (session, "input-muted", self->input_mute, "active",
                                           G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL));
  g_ptr_array_add (self->bindings,
                   g_object_bind_property (session, "metronome", self->metronome, "active",
                                           G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL));
  {
    /* the demo hosts too */
    gboolean host = jn_session_get_role (session) != JN_SESSION_ROLE_JOIN;

    gtk_widget_set_sensitive (self->tempo, host);
    adw_action_row_set_subtitle (self->metronome_row, host ? _("A click on the session’s beat; you set the tempo")
                                                           : _("A click on the session’s beat, in the host’s tempo"));
  }
  /* the session's monitor as the switch and its scale say, from what it has */
  g_signal_handlers_block_by_func (self->monitor, on_monitor_changed, self);
  gtk_switch_set_active (self->monitor, jn_session_get_monitor_gain (session) > 0);
  if (jn_session_get_monitor_gain (session) > 0)
    gtk_adjustment_set_value (self->monitor_adjustment, jn_session_get_monitor_gain (session));
  g_signal_handlers_unblock_by_func (self->monitor, on_monitor_changed, self);
  gtk_widget_set_sensitive (self->monitor_gain, gtk_switch_get_active (self->monitor));
  self->tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, NULL, NULL);
  on_figures_updated (self);
}

static void
jn_jam_page_dispose (GObject *object)
{
  JnJamPage *self = JN_JAM_PAGE (object);

  if (self->peers_list != NULL)
    jn_jam_page_set_session (self, NULL);
  g_clear_pointer (&self->bindings, g_ptr_array_unref);
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
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, input_db);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, input_gain_adjustment);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, input_gain_value);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, input_mute);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, monitor_row);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, monitor);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, monitor_adjustment);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, monitor_gain);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, audio_banner);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, metronome_row);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, metronome);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, tempo_adjustment);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, tempo);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, audio_advice);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, invite_group);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, chat_list);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, chat_entry);
  gtk_widget_class_bind_template_callback (widget_class, on_chat_apply);
  gtk_widget_class_bind_template_child (widget_class, JnJamPage, invite_list);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
}

static void
jn_jam_page_init (JnJamPage *self)
{
  g_type_ensure (JN_TYPE_LEVEL_METER);
  gtk_widget_init_template (GTK_WIDGET (self));
  self->bindings = g_ptr_array_new ();
  self->placeholder = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->placeholder, TRUE);
  gtk_widget_set_margin_top (GTK_WIDGET (self->placeholder), 18);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->placeholder), 18);
  gtk_widget_set_margin_start (GTK_WIDGET (self->placeholder), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->placeholder), 12);
  gtk_widget_add_css_class (GTK_WIDGET (self->placeholder), "dim-label");
  gtk_list_box_set_placeholder (self->peers_list, GTK_WIDGET (self->placeholder));
  g_signal_connect_object (self->input_gain_adjustment, "value-changed", G_CALLBACK (on_input_gain_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tempo_adjustment, "value-changed", G_CALLBACK (on_tempo_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->monitor, "notify::active", G_CALLBACK (on_monitor_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->monitor_adjustment, "value-changed", G_CALLBACK (on_monitor_changed), self,
                           G_CONNECT_SWAPPED);
  on_input_gain_changed (self);
  gtk_widget_set_sensitive (self->monitor_gain, FALSE);
}
