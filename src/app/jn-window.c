/* jn-window.c: the session browser, the jam view and a player's graphs
 *
 * The window starts and ends JnSession objects and shows them: the pages
 * bind the session's JnPeer objects; nothing here reads the media engine.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-window"

#include "config.h"

#include <glib/gi18n.h>

#include "jn-control.h"
#include "jn-demo.h"
#include "jn-error.h"
#include "jn-host-dialog.h"
#include "jn-jam-page.h"
#include "jn-peer-page.h"
#include "jn-preferences.h"
#include "jn-sessions-page.h"
#include "jn-room-list.h"
#include "jn-window.h"

/* the demo player: 20 ms away with some jitter and 2 % loss */

struct _JnWindow
{
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toasts;
  AdwViewStack    *stack;
  AdwWindowTitle  *title;
  GtkWidget       *leave_button;
  GtkWidget       *back_button;
  GtkWidget       *export_button;
  GtkWidget       *record_button;
  guint            record_clock;       /* the button's time while recording */
  gint64           record_started_us;
  JnSessionsPage  *sessions_page;
  JnJamPage       *jam_page;
  JnPeerPage      *peer_page;
  GtkWindow       *passphrase_dialog;  /* at most one, while it is open */
  gboolean         trust_new;          /* the next join accepts a changed certificate */
  gboolean         create_room;        /* the next join opens its room on a server */
  gboolean         room_listed;        /* ... listed in the server's rooms */

  JnDiscovery     *discovery;
  GSettings       *settings;           /* NULL when the schema is not installed */
  JnSession       *session;
  GCancellable    *cancellable;
  char            *joining_url;
};

G_DEFINE_FINAL_TYPE (JnWindow, jn_window, ADW_TYPE_APPLICATION_WINDOW)

static void ask_passphrase (JnWindow *self, const char *url, gboolean wrong);

static void
toast (JnWindow   *self,
       const char *text)
{
  /* a toast's title is markup; what we say (a player's name, an error
   * from the network) is text */
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (escaped));
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

/* The session joined, first among the recent ones (eight are kept), with
 * its name */
static void
remember_session (JnWindow   *self,
                  const char *url,
                  const char *name)
{
  g_auto(GStrv) old = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) recent = NULL;
  g_autoptr(GVariant) old_names = NULL;
  GVariantBuilder names;
  guint n = 1;

  if (self->settings == NULL || url == NULL)
    return;
  old = g_settings_get_strv (self->settings, "recent-sessions");
  old_names = g_settings_get_value (self->settings, "recent-session-names");
  g_variant_builder_init (&names, G_VARIANT_TYPE ("a{ss}"));
  g_strv_builder_add (builder, url);
  if (name != NULL && *name != '\0')
    g_variant_builder_add (&names, "{ss}", url, name);
  for (guint i = 0; old[i] != NULL && n < 8; i++)
    if (!g_str_equal (old[i], url))
      {
        const char *old_name = NULL;

        g_strv_builder_add (builder, old[i]);
        if (g_variant_lookup (old_names, old[i], "&s", &old_name))
          g_variant_builder_add (&names, "{ss}", old[i], old_name);
        n++;
      }
  recent = g_strv_builder_end (builder);
  g_settings_set_value (self->settings, "recent-session-names", g_variant_builder_end (&names));
  g_settings_set_strv (self->settings, "recent-sessions", (const char *const *) recent);
}

/* the preferences' keys for where the node links, by JnAudioLinkKind */
static const char *const link_keys[JN_AUDIO_N_LINKS] = { "audio-input", "audio-output", "midi-input",
                                                         "midi-output" };

/* A new session, set up from the preferences (the strings are copied). */
static JnSession *
new_session (JnWindow *self,
             gboolean  announce)
{
  g_autofree char *name = display_name (self);
  g_autofree char *concealment = NULL, *backend = NULL, *stun = NULL;
  g_auto(GStrv) connect = g_new0 (char *, JN_AUDIO_N_LINKS + 1);
  JnSessionConfig config;

  jn_session_config_init (&config);
  config.player_name = name;
  /* no device is no error: the session goes on, silent, and says why;
   * $JAMNET_AUDIO names another backend, as jamnet-cli --audio does (for
   * tests: null:drift=+250ppm) */
  config.audio_backend = g_getenv ("JAMNET_AUDIO") != NULL ? g_getenv ("JAMNET_AUDIO") : "auto";
  config.audio_optional = TRUE;
  config.announce = announce;
  config.trust_new_certificate = self->trust_new;
  self->trust_new = FALSE;
  /* opening a room on a server: for this join only */
  config.create_room = self->create_room;
  config.room_unlisted = !self->room_listed;
  self->create_room = FALSE;
  if (self->settings != NULL)
    {
      concealment = g_settings_get_string (self->settings, "concealment");
      backend = g_settings_get_string (self->settings, "pnbtr-backend");
      config.concealment = concealment;
      config.pnbtr_backend = backend;
      config.latency_safety = g_settings_get_double (self->settings, "latency-safety");
      config.midi_redundancy = g_settings_get_uint (self->settings, "midi-redundancy");
      /* auto, off, or copies of one to four packets back (the enum's
       * values are 0, 1, then 2..5) */
      config.audio_copies_auto = g_settings_get_enum (self->settings, "audio-redundancy") == 0;
      config.audio_copies = (guint) MAX (g_settings_get_enum (self->settings, "audio-redundancy") - 1, 0);
      config.max_upload_kbps = g_settings_get_uint (self->settings, "max-upload-kbps");
      config.format.frames = g_settings_get_uint (self->settings, "buffer-frames");
      /* the player's own, when it is one (the preferences check it) */
      stun = g_settings_get_string (self->settings, "stun-server");
      config.stun = jn_ip_port_parse (stun, NULL, NULL) ? stun : NULL;
      /* where the node links itself (PipeWire) */
      for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
        {
          connect[k] = g_settings_get_string (self->settings, link_keys[k]);
          config.connect[k] = *connect[k] != '\0' ? connect[k] : NULL;
        }
    }
  return jn_session_new (&config);
}

/* --- the session's life ------------------------------------------------------- */

static void
show_sessions (JnWindow *self)
{
  /* no "Joining…" left behind a refusal or a cancelled prompt */
  adw_window_title_set_subtitle (self->title, NULL);
  adw_view_stack_set_visible_child_name (self->stack, "sessions");
  gtk_widget_set_visible (self->leave_button, FALSE);
  gtk_widget_set_visible (self->export_button, FALSE);
  gtk_widget_set_visible (self->record_button, FALSE);
  gtk_widget_set_visible (self->back_button, FALSE);
}

/* who comes and goes, told while the session plays */
static void
on_peer_state (JnPeer     *peer,
               GParamSpec *pspec,
               JnWindow   *self)
{
  g_autofree char *text = NULL;

  if (jn_peer_get_state (peer) != JN_PEER_LEFT)
    return;
  /* TRANSLATORS: a player left the session */
  text = g_strdup_printf (_("%s left"), jn_peer_get_name (peer));
  toast (self, text);
}

static void
watch_peers (JnWindow   *self,
             GListModel *peers,
             guint       from,
             guint       n)
{
  for (guint i = from; i < from + n; i++)
    {
      g_autoptr(JnPeer) peer = g_list_model_get_item (peers, i);

      g_signal_connect_object (peer, "notify::state", G_CALLBACK (on_peer_state), self, 0);
    }
}

static void
on_peers_changed (GListModel *peers,
                  guint       position,
                  guint       removed,
                  guint       added,
                  JnWindow   *self)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(JnPeer) peer = g_list_model_get_item (peers, i);
      /* TRANSLATORS: a player joined the session */
      g_autofree char *text = g_strdup_printf (_("%s joined"), jn_peer_get_name (peer));

      toast (self, text);
    }
  watch_peers (self, peers, position, added);
}

static void
unwatch_peers (JnWindow *self)
{
  GListModel *peers = jn_session_get_peers (self->session);

  g_signal_handlers_disconnect_by_data (peers, self);
  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(JnPeer) peer = g_list_model_get_item (peers, i);

      g_signal_handlers_disconnect_by_data (peer, self);
    }
}

static gboolean
on_record_clock (gpointer user_data)
{
  JnWindow *self = user_data;
  gint64 s = (g_get_monotonic_time () - self->record_started_us) / G_USEC_PER_SEC;
  /* TRANSLATORS: the record button while recording: minutes and seconds */
  g_autofree char *text = g_strdup_printf (_("● REC %d:%02d"), (int) MIN (s / 60, G_MAXINT), (int) (s % 60));

  gtk_button_set_label (GTK_BUTTON (self->record_button), text);
  return G_SOURCE_CONTINUE;
}

/* The record button: red and counting while recording, else the dot */
static void
show_record_button (JnWindow *self,
                    gboolean  recording)
{
  g_clear_handle_id (&self->record_clock, g_source_remove);
  if (recording)
    {
      self->record_started_us = g_get_monotonic_time ();
      gtk_widget_add_css_class (self->record_button, "destructive-action");
      gtk_widget_set_tooltip_text (self->record_button, _("Recording: stop"));
      on_record_clock (self);
      self->record_clock = g_timeout_add_seconds (1, on_record_clock, self);
      return;
    }
  gtk_widget_remove_css_class (self->record_button, "destructive-action");
  gtk_button_set_icon_name (GTK_BUTTON (self->record_button), "media-record-symbolic");
  gtk_widget_set_tooltip_text (self->record_button,
                               _("Record the jam (one file per player, yours and the mix)"));
}

/* where the recording that just stopped went */
static void
say_recorded (JnWindow *self)
{
  /* TRANSLATORS: %s is the folder the recording went to */
  g_autofree char *text = g_strdup_printf (_("Recorded into %s"), jn_session_get_recording_folder (self->session));

  toast (self, text);
}

static void
end_session (JnWindow *self)
{
  jn_peer_page_set_peer (self->peer_page, NULL);
  jn_peer_page_set_session (self->peer_page, NULL);
  jn_jam_page_set_session (self->jam_page, NULL);
  show_record_button (self, FALSE);
  if (self->session != NULL)
    {
      gboolean recording = jn_session_get_recording (self->session);

      unwatch_peers (self);
      g_signal_handlers_disconnect_by_data (self->session, self);
      jn_session_leave (self->session);
      if (recording)
        say_recorded (self);
      g_clear_object (&self->session);
    }
  show_sessions (self);
}

/* the jitter buffer's setting applies now, not only to the next session */
static void
on_latency_changed (JnWindow *self)
{
  if (self->session != NULL)
    jn_session_set_latency_safety (self->session, g_settings_get_double (self->settings, "latency-safety"));
}

/* a device picked in the preferences is linked now, not next session */
static void
on_device_changed (GSettings  *settings,
                   const char *key,
                   JnWindow   *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *connect = NULL;

  if (self->session == NULL)
    return;
  connect = g_settings_get_string (settings, key);
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    if (g_str_equal (key, link_keys[k]) &&
        !jn_session_set_device_link (self->session, k, connect, &error))
      toast (self, error->message);
}

/* --- recording the jam ------------------------------------------------------ */

/* the button says the jam is being recorded, and for how long */
static void
on_recording_changed (JnWindow *self)
{
  gboolean recording = self->session != NULL && jn_session_get_recording (self->session);

  show_record_button (self, recording);
  if (!recording && self->session != NULL && jn_session_get_recording_folder (self->session) != NULL)
    say_recorded (self);
}

static void
record_into (JnWindow   *self,
             const char *folder)
{
  g_autoptr(GError) error = NULL;

  if (self->session == NULL)
    return;
  if (!jn_session_start_recording (self->session, folder, &error))
    {
      /* TRANSLATORS: %s says why */
      g_autofree char *text = g_strdup_printf (_("Cannot record: %s"), error->message);

      toast (self, text);
    }
}

static void
on_record_folder_chosen (GtkNativeDialog *dialog,
                         int              response,
                         JnWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *folder = file != NULL ? g_file_get_path (file) : NULL;

      if (folder != NULL)
        {
          if (self->settings != NULL)
            g_settings_set_string (self->settings, "recording-folder", folder);
          record_into (self, folder);
        }
    }
  g_object_unref (dialog);
}

/* Record, or stop: into the folder of the preferences, asked for (through
 * the portal) the first time */
static void
action_record (GtkWidget *widget, const char *name, GVariant *param)
{
  JnWindow *self = JN_WINDOW (widget);
  g_autofree char *folder = NULL;
  GtkFileChooserNative *chooser;

  if (self->session == NULL || jn_session_get_state (self->session) != JN_SESSION_RUNNING)
    return;
  if (jn_session_get_recording (self->session))
    {
      jn_session_stop_recording (self->session);
      return;
    }
  folder = self->settings != NULL ? g_settings_get_string (self->settings, "recording-folder") : NULL;
  if (folder != NULL && *folder != '\0')
    {
      record_into (self, folder);
      return;
    }
  chooser = gtk_file_chooser_native_new (_("Record the Jam Into"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Record"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (on_record_folder_chosen), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
action_metronome (GtkWidget *widget, const char *name, GVariant *param)
{
  JnWindow *self = JN_WINDOW (widget);

  if (self->session != NULL)
    jn_session_set_metronome (self->session, !jn_session_get_metronome (self->session));
}

static void
action_mute_myself (GtkWidget *widget, const char *name, GVariant *param)
{
  JnWindow *self = JN_WINDOW (widget);

  if (self->session != NULL)
    jn_session_set_input_muted (self->session, !jn_session_get_input_muted (self->session));
}

static void
show_jam (JnWindow *self)
{
  GListModel *peers = jn_session_get_peers (self->session);

  adw_window_title_set_subtitle (self->title, jn_session_get_name (self->session));
  jn_jam_page_set_session (self->jam_page, self->session);
  /* those here already are no news; who comes next is */
  g_signal_connect_object (peers, "items-changed", G_CALLBACK (on_peers_changed), self, 0);
  watch_peers (self, peers, 0, g_list_model_get_n_items (peers));
  adw_view_stack_set_visible_child_name (self->stack, "jam");
  gtk_widget_set_visible (self->leave_button, TRUE);
  gtk_widget_set_visible (self->export_button, TRUE);
  gtk_widget_set_visible (self->record_button, TRUE);
  g_signal_connect_object (self->session, "notify::recording", G_CALLBACK (on_recording_changed), self,
                           G_CONNECT_SWAPPED);
}

static void
on_session_ended (JnSession    *session,
                  const GError *error,
                  JnWindow     *self)
{
  toast (self, error->message);
  end_session (self);
}

static void
on_session_warning (JnSession  *session,
                    const char *message,
                    JnWindow   *self)
{
  toast (self, message);
}

/* Replaces the session: the old one ends, an answer still on its way for
 * it is ignored. */
static JnSession *
begin_session (JnWindow *self,
               gboolean  announce)
{
  end_session (self);
  g_cancellable_cancel (self->cancellable);
  g_set_object (&self->cancellable, g_cancellable_new ());
  self->session = new_session (self, announce);
  g_signal_connect_object (self->session, "ended", G_CALLBACK (on_session_ended), self, 0);
  g_signal_connect_object (self->session, "warning", G_CALLBACK (on_session_warning), self, 0);
  return self->session;
}

/* The session failed to start: say why (not when the musician cancelled). */
static void
session_failed (JnWindow *self,
                GError   *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    toast (self, error->message);
  end_session (self);
}

static void join_full (JnWindow *self, const char *url, const char *passphrase);
static void ask_passphrase (JnWindow *self, const char *url, gboolean wrong);

static void
on_trust_response (AdwMessageDialog *dialog,
                   const char       *response,
                   JnWindow         *self)
{
  const char *url = g_object_get_data (G_OBJECT (dialog), "url");

  if (!g_str_equal (response, "accept"))
    return;
  self->trust_new = TRUE;
  if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "with-passphrase")))
    ask_passphrase (self, url, FALSE);
  else
    join_full (self, url, NULL);
}

/* The session at a known address presents another certificate than the
 * last time: the musician decides, knowing what it may mean. */
static void
ask_trust (JnWindow   *self,
           const char *url,
           gboolean    with_passphrase)
{
  GtkWidget *dialog =
    adw_message_dialog_new (GTK_WINDOW (self), _("Session Changed Its Identity"),
                            _("This session presents another certificate than when you last "
                              "joined it. If its host told you it made a new one (a new "
                              "computer, a reinstall), accept it. Otherwise someone may be "
                              "posing as the session: ask its host for a fresh invite link."));

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "accept", _("_Accept New Certificate"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "accept",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "url", g_strdup (url), g_free);
  g_object_set_data (G_OBJECT (dialog), "with-passphrase", GINT_TO_POINTER (with_passphrase));
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_trust_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_joined (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(JnWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  JnSession *session = JN_SESSION (source);
  gboolean ok = jn_session_join_finish (session, result, &error);

  if (session != self->session)   /* another session replaced it */
    return;
  if (!ok && g_error_matches (error, JN_SESSION_ERROR, JN_SESSION_ERROR_WRONG_PASSPHRASE))
    {
      g_autofree char *url = g_strdup (self->joining_url);
      gboolean tried = GPOINTER_TO_INT (g_object_get_data (source, "with-passphrase"));

      end_session (self);
      ask_passphrase (self, url, tried);
      return;
    }
  if (!ok && g_error_matches (error, JN_SESSION_ERROR, JN_SESSION_ERROR_CERTIFICATE_CHANGED))
    {
      g_autofree char *url = g_strdup (self->joining_url);

      end_session (self);
      ask_trust (self, url, GPOINTER_TO_INT (g_object_get_data (source, "with-passphrase")));
      return;
    }
  if (!ok)
    {
      session_failed (self, error);
      return;
    }
  remember_session (self, self->joining_url, jn_session_get_name (session));
  show_jam (self);
}

static void
join_full (JnWindow   *self,
           const char *url,
           const char *passphrase)
{
  JnSession *session = begin_session (self, FALSE);

  g_free (self->joining_url);
  self->joining_url = g_strdup (url);
  g_object_set_data (G_OBJECT (session), "with-passphrase", GINT_TO_POINTER (passphrase != NULL));
  adw_window_title_set_subtitle (self->title, _("Joining…"));
  jn_session_join_async (session, url, passphrase, self->cancellable, on_joined, g_object_ref (self));
}

void
jn_window_join (JnWindow   *self,
                const char *url)
{
  g_return_if_fail (JN_IS_WINDOW (self));
  g_return_if_fail (url != NULL);
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
on_passphrase_response (AdwMessageDialog *dialog,
                        const char       *response,
                        JnWindow         *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");
  g_autofree char *url = g_strdup (g_object_get_data (G_OBJECT (dialog), "url"));
  g_autofree char *passphrase = g_strdup (gtk_editable_get_text (entry));

  /* the dialog closes itself after this */
  release_passphrase_entry (GTK_WINDOW (dialog));
  if (g_str_equal (response, "join"))
    join_full (self, url, passphrase);
  else
    self->trust_new = FALSE;   /* a certificate accepted for this join only */
}

/* The session wants a passphrase (or the one given was wrong): ask, in one
 * dialog at a time.  The entry is a libadwaita row: GTK 4.8's
 * GtkPasswordEntry outlives its dialog's destruction badly (an invalid cast
 * on every close, and a crash when the window closes with it open). */
static void
ask_passphrase (JnWindow   *self,
                const char *url,
                gboolean    wrong)
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
on_hosted (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(JnWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  JnSession *session = JN_SESSION (source);
  gboolean ok = jn_session_host_finish (session, result, &error);

  if (session != self->session)
    return;
  if (!ok)
    session_failed (self, error);
  else
    show_jam (self);
}

static void
host_full (JnWindow   *self,
           const char *name,
           const char *passphrase,
           gboolean    announce)
{
  JnSession *session = begin_session (self, announce);

  jn_session_host_async (session, name, passphrase, self->cancellable, on_hosted, g_object_ref (self));
}

void
jn_window_host (JnWindow *self)
{
  g_return_if_fail (JN_IS_WINDOW (self));
  host_full (self, NULL, NULL, TRUE);
}

/* A room on a server, opened by joining it (docs/server.md) */
static void
open_room (JnWindow   *self,
           const char *server,
           const char *name,
           const char *passphrase,
           gboolean    listed)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *you = display_name (self);
  g_autofree char *fallback = g_strdup_printf (_("%s’s room"), you);
  g_autofree char *url = jn_server_room_url (server, name ? name : fallback, &error);

  if (url == NULL)
    {
      session_failed (self, error);
      return;
    }
  self->create_room = TRUE;
  self->room_listed = listed;
  join_full (self, url, passphrase);
}

static void
on_host_response (JnHostDialog *dialog,
                  const char   *response,
                  JnWindow     *self)
{
  if (!g_str_equal (response, "host"))
    return;
  if (jn_host_dialog_get_server (dialog) != NULL)
    open_room (self, jn_host_dialog_get_server (dialog), jn_host_dialog_get_session_name (dialog),
               jn_host_dialog_get_passphrase (dialog), jn_host_dialog_get_announce (dialog));
  else
    host_full (self, jn_host_dialog_get_session_name (dialog), jn_host_dialog_get_passphrase (dialog),
               jn_host_dialog_get_announce (dialog));
}

static void
ask_host (JnWindow *self)
{
  g_autofree char *you = display_name (self);
  g_autofree char *suggested = g_strdup_printf (_("%s’s session"), you);
  g_auto(GStrv) servers = self->settings ? g_settings_get_strv (self->settings, "servers") : NULL;
  GtkWidget *dialog = jn_host_dialog_new (GTK_WINDOW (self), suggested,
                                          (const char *const *) servers);

  g_signal_connect_object (dialog, "response", G_CALLBACK (on_host_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_demo_ready (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(JnWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  JnSession *session = JN_SESSION (source);
  gboolean ok = jn_session_demo_finish (session, result, &error);

  if (session != self->session)
    return;
  if (!ok)
    {
      session_failed (self, error);
      return;
    }
  show_jam (self);
  /* xgettext:no-c-format */
  toast (self, _("A simulated player joined, 20 ms away with some jitter and 2 % loss"));
}

/* A local session with a simulated player behind an emulated network: the
 * figures move and PNBTR works with no second machine. */
void
jn_window_demo (JnWindow *self)
{
  JnImpairment impairment = { .delay_us = JN_DEMO_DELAY_MS * 1000, .jitter_us = JN_DEMO_JITTER_MS * 1000,
                              .loss = JN_DEMO_LOSS_PERCENT / 100.0 };
  JnSession *session;

  g_return_if_fail (JN_IS_WINDOW (self));

  session = begin_session (self, TRUE);
  jn_session_demo_async (session, NULL, &impairment, self->cancellable, on_demo_ready, g_object_ref (self));
}

/* --- pages ------------------------------------------------------------------- */

static void
on_join_session (JnWindow      *self,
                 JnSessionInfo *info)
{
  jn_window_join_session (self, info);
}

static void
on_join_url (JnWindow   *self,
             const char *url)
{
  jn_window_join (self, url);
}

static void
on_peer_left (JnPeer     *peer,
              GParamSpec *pspec,
              JnWindow   *self)
{
  if (jn_peer_get_state (peer) != JN_PEER_LEFT || jn_peer_page_get_peer (self->peer_page) != peer)
    return;
  jn_peer_page_set_peer (self->peer_page, NULL);
  gtk_widget_set_visible (self->back_button, FALSE);
  adw_view_stack_set_visible_child_name (self->stack, "jam");
}

void
jn_window_show_peer (JnWindow *self,
                     JnPeer   *peer)
{
  JnPeer *old;

  g_return_if_fail (JN_IS_WINDOW (self));
  g_return_if_fail (JN_IS_PEER (peer));

  if (self->session == NULL || jn_peer_get_state (peer) == JN_PEER_LEFT)
    return;
  if ((old = jn_peer_page_get_peer (self->peer_page)) != NULL)
    g_signal_handlers_disconnect_by_func (old, on_peer_left, self);
  jn_peer_page_set_session (self->peer_page, self->session);
  jn_peer_page_set_peer (self->peer_page, peer);
  g_signal_connect_object (peer, "notify::state", G_CALLBACK (on_peer_left), self, 0);
  adw_view_stack_set_visible_child_name (self->stack, "peer");
  gtk_widget_set_visible (self->back_button, TRUE);
}

static void
on_back_clicked (JnWindow *self)
{
  jn_peer_page_set_peer (self->peer_page, NULL);
  gtk_widget_set_visible (self->back_button, FALSE);
  adw_view_stack_set_visible_child_name (self->stack, self->session != NULL ? "jam" : "sessions");
}

/* --- actions ----------------------------------------------------------------- */

/* A stray shortcut must never end a jam in progress: starting another
 * session takes Leave first. */
static void
action_host (GtkWidget *widget, const char *name, GVariant *param)
{
  if (JN_WINDOW (widget)->session == NULL)
    ask_host (JN_WINDOW (widget));
}

static void
action_demo (GtkWidget *widget, const char *name, GVariant *param)
{
  if (JN_WINDOW (widget)->session == NULL)
    jn_window_demo (JN_WINDOW (widget));
}

static void
action_leave (GtkWidget *widget, const char *name, GVariant *param)
{
  JnWindow *self = JN_WINDOW (widget);

  end_session (self);
}

static void
action_join_address (GtkWidget *widget, const char *name, GVariant *param)
{
  JnWindow *self = JN_WINDOW (widget);

  if (self->session == NULL)
    jn_sessions_page_focus_address (self->sessions_page);
}

static GWeakRef *
window_ref_new (JnWindow *self)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, self);
  return ref;
}

static void
window_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static void
on_report_written (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(AdwToast) progress = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JnWindow) self = g_weak_ref_get (g_object_get_data (G_OBJECT (progress), "window"));

  adw_toast_dismiss (progress);
  if (!jn_session_export_report_finish (JN_SESSION (source), result, &error))
    {
      g_autofree char *text = NULL;

      if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = g_strdup_printf (_("The report was not saved: %s"), error->message);
      toast (self, text);
    }
  else if (self != NULL)
    toast (self, _("Report saved"));
}

static void
on_report_file_chosen (GtkNativeDialog *dialog,
                       int              response,
                       JnWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT && self->session != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      AdwToast *progress = adw_toast_new (_("Writing the report…"));

      adw_toast_set_timeout (progress, 0);
      /* the window may close before the report is written */
      g_object_set_data_full (G_OBJECT (progress), "window", window_ref_new (self), window_ref_free);
      adw_toast_overlay_add_toast (self->toasts, g_object_ref (progress));
      jn_session_export_report_async (self->session, file, self->cancellable, on_report_written, progress);
    }
  g_object_unref (dialog);
}

static void
add_filter (GtkFileChooser *chooser,
            const char     *name,
            const char     *pattern)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_pattern (filter, pattern);
  gtk_file_chooser_add_filter (chooser, filter);
}

static void
action_export_report (GtkWidget *widget, const char *name, GVariant *param)
{
  JnWindow *self = JN_WINDOW (widget);
  GtkFileChooserNative *dialog;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *suggested = g_date_time_format (now, "jamnet-session-%Y-%m-%d-%H%M.pdf");

  if (self->session == NULL)
    return;
  /* the portal's save dialog where there is one (Flatpak) */
  dialog = gtk_file_chooser_native_new (_("Export Session Report"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), suggested);
  add_filter (GTK_FILE_CHOOSER (dialog), _("PDF document"), "*.pdf");
  add_filter (GTK_FILE_CHOOSER (dialog), _("Web page (HTML)"), "*.html");
  add_filter (GTK_FILE_CHOOSER (dialog), _("Spreadsheet (CSV)"), "*.csv");
  add_filter (GTK_FILE_CHOOSER (dialog), _("Data (JSON)"), "*.json");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_report_file_chosen), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* The preferences, on one of their pages ("general", "devices", ...) */
static void
open_preferences (JnWindow   *self,
                  const char *page)
{
  GtkWidget *preferences;

  if (self->settings == NULL)
    {
      toast (self, _("Preferences need JamNet’s settings schema, which is not installed"));
      return;
    }
  preferences = jn_preferences_new (GTK_WINDOW (self), self->settings);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (preferences), page);
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
action_preferences (GtkWidget *widget, const char *name, GVariant *param)
{
  open_preferences (JN_WINDOW (widget), "general");
}

/* the audio banner's way to the devices */
static void
action_devices (GtkWidget *widget, const char *name, GVariant *param)
{
  open_preferences (JN_WINDOW (widget), "devices");
}

/* --- object ------------------------------------------------------------------ */

static void
jn_window_dispose (GObject *object)
{
  JnWindow *self = JN_WINDOW (object);

  close_passphrase_dialog (self);
  if (self->jam_page != NULL)
    end_session (self);
  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), JN_TYPE_WINDOW);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->discovery);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->joining_url, g_free);
  G_OBJECT_CLASS (jn_window_parent_class)->dispose (object);
}

static void
jn_window_class_init (JnWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = jn_window_dispose;

  g_type_ensure (JN_TYPE_SESSIONS_PAGE);
  g_type_ensure (JN_TYPE_JAM_PAGE);
  g_type_ensure (JN_TYPE_PEER_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/jamnet/JamNet/jn-window.ui");
  gtk_widget_class_bind_template_child (widget_class, JnWindow, toasts);
  gtk_widget_class_bind_template_child (widget_class, JnWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, JnWindow, title);
  gtk_widget_class_bind_template_child (widget_class, JnWindow, leave_button);
  gtk_widget_class_bind_template_child (widget_class, JnWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, JnWindow, export_button);
  gtk_widget_class_bind_template_child (widget_class, JnWindow, record_button);
  gtk_widget_class_bind_template_child (widget_class, JnWindow, sessions_page);
  gtk_widget_class_bind_template_child (widget_class, JnWindow, jam_page);
  gtk_widget_class_bind_template_child (widget_class, JnWindow, peer_page);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_join_session);
  gtk_widget_class_bind_template_callback (widget_class, on_join_url);
  gtk_widget_class_bind_template_callback (widget_class, jn_window_show_peer);

  gtk_widget_class_install_action (widget_class, "win.host", NULL, action_host);
  gtk_widget_class_install_action (widget_class, "win.demo", NULL, action_demo);
  gtk_widget_class_install_action (widget_class, "win.leave", NULL, action_leave);
  gtk_widget_class_install_action (widget_class, "win.join-address", NULL, action_join_address);
  gtk_widget_class_install_action (widget_class, "win.export-report", NULL, action_export_report);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, action_preferences);
  gtk_widget_class_install_action (widget_class, "win.devices", NULL, action_devices);
  gtk_widget_class_install_action (widget_class, "win.record", NULL, action_record);
  gtk_widget_class_install_action (widget_class, "win.mute-myself", NULL, action_mute_myself);
  gtk_widget_class_install_action (widget_class, "win.metronome", NULL, action_metronome);
}

static void
jn_window_init (JnWindow *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  if (schema != NULL)
    self->settings = g_settings_new_full (schema, NULL, NULL);
  else
    g_message ("The settings schema %s is not installed: preferences are off", APP_ID);
  jn_sessions_page_set_settings (self->sessions_page, self->settings);
  if (self->settings != NULL)
    {
      g_signal_connect_object (self->settings, "changed::latency-safety", G_CALLBACK (on_latency_changed), self,
                               G_CONNECT_SWAPPED);
      for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
        {
          g_autofree char *signal = g_strconcat ("changed::", link_keys[k], NULL);

          g_signal_connect_object (self->settings, signal, G_CALLBACK (on_device_changed), self, 0);
        }
    }
}

JnWindow *
jn_window_new (AdwApplication *app,
               const char     *discovery_interface)
{
  JnWindow *self = g_object_new (JN_TYPE_WINDOW, "application", app, NULL);
  g_autoptr(GError) error = NULL;

  self->discovery = jn_discovery_new (discovery_interface, &error);
  if (self->discovery == NULL)
    toast (self, error->message);
  jn_sessions_page_set_sessions (self->sessions_page, self->discovery ? G_LIST_MODEL (self->discovery) : NULL);
  return self;
}

GListModel *
jn_window_get_sessions (JnWindow *self)
{
  g_return_val_if_fail (JN_IS_WINDOW (self), NULL);
  return self->discovery ? G_LIST_MODEL (self->discovery) : NULL;
}

JnSession *
jn_window_get_session (JnWindow *self)
{
  g_return_val_if_fail (JN_IS_WINDOW (self), NULL);
  return self->session;
}
