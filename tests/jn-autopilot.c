/* jn-autopilot.c: the app, driven for headless tests (test-app.sh)
 *
 * The real JnApplication with extra options: wait for a session, picture
 * the browser, join the one named by --join-named (after opening a
 * protected one's passphrase dialog) or the first one, wait for a measured
 * round trip, picture the jam view, say what was seen as JSON (with how
 * many pixels the first graph drew of its line), then (each when asked)
 * picture the first player's graphs and the preferences, export the
 * session report, quit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <string.h>

#include "jn-application.h"
#include "jn-graph.h"
#include "jn-test-render.h"

typedef struct
{
  JnApplication *application;
  JnWindow      *window;
  gboolean       join_first;
  char          *join_named;
  char          *shot_sessions;
  char          *shot_jam;
  char          *report;
  char          *export_report;
  char          *shot_peer;
  char          *shot_prefs;
  guint          state;
  gint64         since;
  gint64         shot_since;
  int            graph_pixels;   /* -1: no frame */
  double         jam_wait_s;     /* after the first round trip, before the jam view's picture */
} Autopilot;

/* The window's frame may still be on its way (a loaded CI machine can take
 * seconds): FALSE asks to try again on the next tick, with a redraw asked
 * for, for up to ten seconds. */
static gboolean
take_shot (Autopilot  *ap,
           const char *path,
           gint64      now)
{
  g_autoptr(GError) error = NULL;

  if (path == NULL || jn_test_save_png (GTK_WIDGET (ap->window), path, &error))
    {
      ap->shot_since = 0;
      return TRUE;
    }
  if (ap->shot_since == 0)
    ap->shot_since = now;
  if (now - ap->shot_since < 10 * G_USEC_PER_SEC)
    {
      gtk_widget_queue_draw (GTK_WIDGET (ap->window));
      return FALSE;
    }
  g_printerr ("%s\n", error->message);
  ap->shot_since = 0;
  return TRUE;
}

static void
on_exported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Autopilot *ap = user_data;
  g_autoptr(GError) error = NULL;

  if (!jn_session_export_report_finish (JN_SESSION (source), result, &error))
    g_printerr ("export failed: %s\n", error->message);
  gtk_window_destroy (GTK_WINDOW (ap->window));
}

/* Pictures the preferences window (as PATH, then shows its Devices page
 * for the next picture when first) and, when first, any other dialog open
 * as PATH-2.png, ... */
static void
shoot_dialogs (Autopilot  *ap,
               const char *prefs_path,
               gboolean    first)
{
  g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;

      if (w == GTK_WIDGET (ap->window) || !gtk_widget_get_mapped (w))
        continue;
      if (ADW_IS_PREFERENCES_WINDOW (w))
        path = g_strdup (prefs_path);
      else if (first)
        path = g_strdup_printf ("%.*s-%u.png", (int) (strlen (prefs_path) - 4), prefs_path, ++n + 1);
      else
        continue;
      if (!jn_test_save_png (w, path, &error))
        g_printerr ("%s\n", error->message);
      if (first && ADW_IS_PREFERENCES_WINDOW (w))
        adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (w), "devices");
    }
}

/* The listed session called name (the model keeps its reference), or NULL. */
static JnSessionInfo *
find_named (GListModel *sessions,
            const char *name)
{
  for (guint i = 0; sessions != NULL && i < g_list_model_get_n_items (sessions); i++)
    {
      g_autoptr(JnSessionInfo) info = g_list_model_get_item (sessions, i);

      if (g_str_equal (jn_session_info_get_name (info), name))
        return info;
    }
  return NULL;
}

static JnPeer *
first_peer (Autopilot *ap)
{
  JnSession *session = jn_window_get_session (ap->window);
  GListModel *peers = session ? jn_session_get_peers (session) : NULL;
  g_autoptr(JnPeer) peer = peers && g_list_model_get_n_items (peers) > 0 ? g_list_model_get_item (peers, 0) : NULL;

  return peer;   /* the model keeps its reference */
}

/* a chat line in the jam view: a row titled with what the first player said */
static gboolean
is_chat_of (GtkWidget     *widget,
            gconstpointer  name)
{
  return ADW_IS_ACTION_ROW (widget) && name != NULL &&
         g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (widget)), name) == 0;
}

static void
write_report (Autopilot *ap,
              guint      n_sessions)
{
  JnSession *session = jn_window_get_session (ap->window);
  JnAudioDevice *device = session ? jn_session_get_audio_device (session) : NULL;
  g_autofree char *links = device ? jn_audio_device_describe_links (device) : g_strdup ("");
  JnPeer *peer = first_peer (ap);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "sessions");
  json_builder_add_int_value (builder, n_sessions);
  json_builder_set_member_name (builder, "peers");
  json_builder_add_int_value (builder, session ? g_list_model_get_n_items (jn_session_get_peers (session)) : 0);
  json_builder_set_member_name (builder, "rtt_ms");
  json_builder_add_double_value (builder, peer ? jn_peer_get_rtt_ms (peer) : 0.0);
  json_builder_set_member_name (builder, "end_to_end_ms");
  json_builder_add_double_value (builder, peer ? jn_peer_get_end_to_end_ms (peer) : 0.0);
  json_builder_set_member_name (builder, "audio");
  json_builder_add_string_value (builder, device ? jn_audio_device_get_backend (device) : "none");
  json_builder_set_member_name (builder, "links");
  json_builder_add_string_value (builder, links);
  {
    GtkWidget *chat = jn_test_find_first (GTK_WIDGET (ap->window), is_chat_of,
                                          peer ? jn_peer_get_name (peer) : NULL);

    json_builder_set_member_name (builder, "chat");
    json_builder_add_string_value (builder, chat ? adw_preferences_row_get_title (ADW_PREFERENCES_ROW (chat)) : "");
  }
  json_builder_set_member_name (builder, "graph_pixels");
  json_builder_add_int_value (builder, ap->graph_pixels);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  g_file_set_contents (ap->report, text, -1, NULL);
}

static gboolean
autopilot (gpointer user_data)
{
  Autopilot *ap = user_data;
  GListModel *sessions = jn_window_get_sessions (ap->window);
  gint64 now = g_get_monotonic_time ();
  guint n_sessions = sessions ? g_list_model_get_n_items (sessions) : 0;
  JnPeer *peer = first_peer (ap);

  /* on a loaded machine a session can be heard before the window is drawn */
  if (!gtk_widget_get_mapped (GTK_WIDGET (ap->window)) || gtk_widget_get_width (GTK_WIDGET (ap->window)) <= 0)
    return G_SOURCE_CONTINUE;
  if (ap->state == 0 &&
      ((ap->join_named != NULL ? find_named (sessions, ap->join_named) != NULL : n_sessions > 0) ||
       now - ap->since > 5 * G_USEC_PER_SEC))
    {
      JnSessionInfo *named = ap->join_named ? find_named (sessions, ap->join_named) : NULL;

      if (!take_shot (ap, ap->shot_sessions, now))
        return G_SOURCE_CONTINUE;
      if (named != NULL)
        {
          /* a musician who first clicks a protected session, leaves its
           * passphrase dialog open and joins another */
          for (guint i = 0; i < n_sessions; i++)
            {
              g_autoptr(JnSessionInfo) info = g_list_model_get_item (sessions, i);

              if (jn_session_info_has_passphrase (info))
                {
                  jn_window_join_session (ap->window, info);
                  break;
                }
            }
          jn_window_join_session (ap->window, named);
        }
      else if (ap->join_first && n_sessions > 0)
        {
          g_autoptr(JnSessionInfo) info = g_list_model_get_item (sessions, 0);
          g_autofree char *url = jn_session_info_dup_url (info);

          jn_window_join (ap->window, url);
        }
      ap->state = 1;
      ap->since = now;
    }
  else if (ap->state == 1 &&
           ((peer != NULL && jn_peer_get_rtt_ms (peer) > 0 &&
             now - ap->since > ap->jam_wait_s * G_USEC_PER_SEC) ||
            now - ap->since > (ap->jam_wait_s + 8) * G_USEC_PER_SEC))
    {
      if (!take_shot (ap, ap->shot_jam, now))
        return G_SOURCE_CONTINUE;
      if (ap->report != NULL && ap->shot_peer == NULL)
        write_report (ap, n_sessions);
      /* then the first player's graphs, as a click on its row opens them */
      if (ap->shot_peer != NULL && peer != NULL)
        jn_window_show_peer (ap->window, peer);
      ap->state = 2;
      ap->since = now;
    }
  else if (ap->state == 2 && (ap->shot_peer == NULL || now - ap->since > 1500 * 1000))
    {
      if (!take_shot (ap, ap->shot_peer, now))
        return G_SOURCE_CONTINUE;
      if (ap->shot_peer != NULL)
        {
          GtkWidget *graph = jn_test_find_widget (GTK_WIDGET (ap->window), JN_TYPE_GRAPH);

          ap->graph_pixels = graph ? jn_test_count_line_pixels (graph, 0) : -1;
          if (ap->report != NULL)
            write_report (ap, n_sessions);
        }
      if (ap->shot_prefs != NULL)
        gtk_widget_activate_action (GTK_WIDGET (ap->window), "win.preferences", NULL);
      ap->state = 3;
      ap->since = now;
    }
  else if (ap->state == 3 && (ap->shot_prefs == NULL || now - ap->since > 1000 * 1000))
    {
      /* the preferences' pages: General as PATH, Devices as PATH-devices.png;
       * any other dialog open as PATH-2.png, ... */
      if (ap->shot_prefs != NULL)
        shoot_dialogs (ap, ap->shot_prefs, TRUE);
      ap->state = 4;
      ap->since = now;
    }
  else if (ap->state == 4 && (ap->shot_prefs == NULL || now - ap->since > 700 * 1000))
    {
      JnSession *session = jn_window_get_session (ap->window);

      if (ap->shot_prefs != NULL)
        {
          g_autofree char *path = g_strdup_printf ("%.*s-devices.png", (int) (strlen (ap->shot_prefs) - 4),
                                                   ap->shot_prefs);

          shoot_dialogs (ap, path, FALSE);
        }
      if (ap->export_report != NULL && session != NULL)
        {
          g_autoptr(GFile) file = g_file_new_for_path (ap->export_report);

          /* the window closes when the report is written */
          jn_session_export_report_async (session, file, NULL, on_exported, ap);
          return G_SOURCE_REMOVE;
        }
      gtk_window_destroy (GTK_WINDOW (ap->window));
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
on_activate (GApplication *application,
             Autopilot    *ap)
{
  if (ap->window != NULL)
    return;
  ap->window = jn_application_get_window (ap->application);
  ap->since = g_get_monotonic_time ();
  g_timeout_add (100, autopilot, ap);
}

int
main (int argc, char *argv[])
{
  Autopilot ap = { .jam_wait_s = 2 };
  GOptionEntry entries[] = {
    { "join-first", 0, 0, G_OPTION_ARG_NONE, &ap.join_first, "Join the first session listed", NULL },
    { "join-named", 0, 0, G_OPTION_ARG_STRING, &ap.join_named, "Join the session of this name", "NAME" },
    { "screenshot-sessions", 0, 0, G_OPTION_ARG_FILENAME, &ap.shot_sessions, "Picture the browser", "PNG" },
    { "screenshot-jam", 0, 0, G_OPTION_ARG_FILENAME, &ap.shot_jam, "Picture the jam view", "PNG" },
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &ap.report, "Say what was seen, as JSON", "FILE" },
    { "export-report", 0, 0, G_OPTION_ARG_FILENAME, &ap.export_report, "Export the session report", "FILE" },
    { "screenshot-peer", 0, 0, G_OPTION_ARG_FILENAME, &ap.shot_peer, "Picture the first player's graphs", "PNG" },
    { "jam-wait", 0, 0, G_OPTION_ARG_DOUBLE, &ap.jam_wait_s, "Seconds from the first round trip to the jam view's picture (default 2)", "S" },
    { "screenshot-preferences", 0, 0, G_OPTION_ARG_FILENAME, &ap.shot_prefs, "Picture the preferences", "PNG" },
    { NULL }
  };
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("JAMNET_LOCALEDIR") ? g_getenv ("JAMNET_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  ap.application = jn_application_new ();
  g_application_add_main_option_entries (G_APPLICATION (ap.application), entries);
  /* after the application made its window */
  g_signal_connect_after (ap.application, "activate", G_CALLBACK (on_activate), &ap);
  status = g_application_run (G_APPLICATION (ap.application), argc, argv);
  g_clear_object (&ap.application);

  g_free (ap.join_named);
  g_free (ap.shot_sessions);
  g_free (ap.shot_jam);
  g_free (ap.report);
  g_free (ap.export_report);
  g_free (ap.shot_peer);
  g_free (ap.shot_prefs);
  return status;
}
