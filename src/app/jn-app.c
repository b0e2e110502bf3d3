/* jn-app.c: JamNet, the GTK app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <string.h>

#include "jn-discovery.h"
#include "jn-window.h"

typedef struct
{
  char     *discovery_interface;
  char     *join;
  gboolean  host;
  gboolean  demo;
  gboolean  join_first;
  char     *join_named;    /* the session the autopilot joins, by name */
  char     *shot_sessions;
  char     *shot_jam;
  char     *report;
  char     *export_report;
  char     *shot_peer;
  char     *shot_prefs;
  JnWindow *window;
  guint     state;
  gint64    since;
  gint64    shot_since;
} App;

/* The window's frame may still be on its way (a loaded CI machine can take
 * seconds): FALSE asks to try again on the next tick, with a redraw asked
 * for, for up to ten seconds. */
static gboolean
take_shot (App        *app,
           const char *path,
           gint64      now)
{
  g_autoptr(GError) error = NULL;

  if (path == NULL || jn_window_save_png (app->window, path, &error))
    {
      app->shot_since = 0;
      return TRUE;
    }
  if (app->shot_since == 0)
    app->shot_since = now;
  if (now - app->shot_since < 10 * G_USEC_PER_SEC)
    {
      gtk_widget_queue_draw (GTK_WIDGET (app->window));
      return FALSE;
    }
  g_printerr ("%s\n", error->message);
  app->shot_since = 0;
  return TRUE;
}

static void
on_exported (GObject *source, GAsyncResult *result, gpointer user_data)
{
  App *app = user_data;
  g_autoptr(GError) error = NULL;

  if (!jn_window_export_report_finish (JN_WINDOW (source), result, &error))
    g_printerr ("export failed: %s\n", error->message);
  gtk_window_destroy (GTK_WINDOW (app->window));
}

/* Pictures the preferences window (as PATH, then shows its Devices page
 * for the next picture when first) and, when first, any other dialog open
 * as PATH-2.png, ... */
static void
shoot_dialogs (App        *app,
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

      if (w == GTK_WIDGET (app->window) || !gtk_widget_get_mapped (w))
        continue;
      if (ADW_IS_PREFERENCES_WINDOW (w))
        path = g_strdup (prefs_path);
      else if (first)
        path = g_strdup_printf ("%.*s-%u.png", (int) (strlen (prefs_path) - 4), prefs_path, ++n + 1);
      else
        continue;
      if (!jn_save_png (w, path, &error))
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

/* For headless tests: wait for a session, picture the browser, join the
 * one named by --join-named (after opening a protected one's passphrase
 * dialog) or the first one, wait for a measured round trip, picture the jam view, say
 * what was seen, then (each when asked) picture the first player's graphs
 * and the preferences, export the session report, quit. */
static gboolean
autopilot (gpointer user_data)
{
  App *app = user_data;
  GListModel *sessions = jn_window_get_sessions (app->window);
  gint64 now = g_get_monotonic_time ();
  guint n_sessions = sessions ? g_list_model_get_n_items (sessions) : 0;

  /* on a loaded machine a session can be heard before the window is drawn */
  if (!gtk_widget_get_mapped (GTK_WIDGET (app->window)) || gtk_widget_get_width (GTK_WIDGET (app->window)) <= 0)
    return G_SOURCE_CONTINUE;
  if (app->state == 0 &&
      ((app->join_named != NULL ? find_named (sessions, app->join_named) != NULL : n_sessions > 0) ||
       now - app->since > 5 * G_USEC_PER_SEC))
    {
      JnSessionInfo *named = app->join_named ? find_named (sessions, app->join_named) : NULL;

      if (!take_shot (app, app->shot_sessions, now))
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
                  jn_window_join_session (app->window, info);
                  break;
                }
            }
          jn_window_join_session (app->window, named);
        }
      else if (app->join_first && n_sessions > 0)
        {
          g_autoptr(JnSessionInfo) info = g_list_model_get_item (sessions, 0);
          g_autofree char *url = jn_session_info_dup_url (info);

          jn_window_join (app->window, url);
        }
      app->state = 1;
      app->since = now;
    }
  else if (app->state == 1 &&
           ((jn_window_get_n_peers (app->window) > 0 && jn_window_get_first_peer_rtt (app->window) > 0 &&
             now - app->since > 2 * G_USEC_PER_SEC) || now - app->since > 10 * G_USEC_PER_SEC))
    {
      if (!take_shot (app, app->shot_jam, now))
        return G_SOURCE_CONTINUE;
      if (app->report != NULL)
        {
          g_autofree char *links = jn_window_dup_audio_links (app->window);
          g_autoptr(JsonBuilder) builder = json_builder_new ();
          g_autoptr(JsonNode) root = NULL;
          g_autofree char *text = NULL;

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "sessions");
          json_builder_add_int_value (builder, n_sessions);
          json_builder_set_member_name (builder, "peers");
          json_builder_add_int_value (builder, jn_window_get_n_peers (app->window));
          json_builder_set_member_name (builder, "rtt_ms");
          json_builder_add_double_value (builder, jn_window_get_first_peer_rtt (app->window));
          json_builder_set_member_name (builder, "audio");
          json_builder_add_string_value (builder, jn_window_get_audio_backend (app->window));
          json_builder_set_member_name (builder, "links");
          json_builder_add_string_value (builder, links);
          json_builder_end_object (builder);
          root = json_builder_get_root (builder);
          text = json_to_string (root, FALSE);
          g_file_set_contents (app->report, text, -1, NULL);
        }
      /* then the first player's graphs, as a click on its row opens them */
      if (app->shot_peer != NULL)
        jn_window_show_first_peer (app->window);
      app->state = 2;
      app->since = now;
    }
  else if (app->state == 2 && (app->shot_peer == NULL || now - app->since > 1500 * 1000))
    {
      if (!take_shot (app, app->shot_peer, now))
        return G_SOURCE_CONTINUE;
      if (app->shot_prefs != NULL)
        gtk_widget_activate_action (GTK_WIDGET (app->window), "win.preferences", NULL);
      app->state = 3;
      app->since = now;
    }
  else if (app->state == 3 && (app->shot_prefs == NULL || now - app->since > 1000 * 1000))
    {
      /* the preferences' pages: General as PATH, Devices as PATH-devices.png;
       * any other dialog open as PATH-2.png, ... */
      if (app->shot_prefs != NULL)
        shoot_dialogs (app, app->shot_prefs, TRUE);
      app->state = 4;
      app->since = now;
    }
  else if (app->state == 4 && (app->shot_prefs == NULL || now - app->since > 700 * 1000))
    {
      if (app->shot_prefs != NULL)
        {
          g_autofree char *path = g_strdup_printf ("%.*s-devices.png", (int) (strlen (app->shot_prefs) - 4),
                                                   app->shot_prefs);

          shoot_dialogs (app, path, FALSE);
        }
      if (app->export_report != NULL)
        {
          g_autoptr(GFile) file = g_file_new_for_path (app->export_report);

          /* the window closes when the report is written */
          jn_window_export_report_async (app->window, file, NULL, on_exported, app);
          return G_SOURCE_REMOVE;
        }
      gtk_window_destroy (GTK_WINDOW (app->window));
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
on_about (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  App *app = user_data;
  const char *developers[] = { _("The JamNet developers"), NULL };
  GtkWidget *about = adw_about_window_new ();

  g_object_set (about,
                "transient-for", app->window,
                "application-name", "JamNet",
                "application-icon", APP_ID,
                "version", PACKAGE_VERSION,
                "developer-name", developers[0],
                "developers", developers,
                "license-type", GTK_LICENSE_GPL_3_0,
                "comments", _("Play music live with other people over the network"),
                "website", "https://jamnet.org",
                "release-notes", _("<p>First release: sessions on the LAN, hosting and joining, "
                                   "PipeWire audio and MIDI, PNBTR loss concealment, live latency figures.</p>"),
                NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
on_quit (GSimpleAction *action,
         GVariant      *parameter,
         gpointer       user_data)
{
  App *app = user_data;

  if (app->window != NULL)
    gtk_window_destroy (GTK_WINDOW (app->window));
}

static void
on_startup (GApplication *application,
            App          *app)
{
  const GActionEntry entries[] = {
    { "about", on_about, NULL, NULL, NULL },
    { "quit", on_quit, NULL, NULL, NULL },
  };
  const struct { const char *action; const char *accels[2]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "win.host", { "<Control>n", NULL } },
    { "win.demo", { "<Control>d", NULL } },
    { "win.join-address", { "<Control>l", NULL } },
    { "win.leave", { "<Control>w", NULL } },
    { "win.export-report", { "<Control>e", NULL } },
    { "win.preferences", { "<Control>comma", NULL } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (application), entries, G_N_ELEMENTS (entries), app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (application), accels[i].action, accels[i].accels);
}

static void
on_activate (GApplication *application,
             App          *app)
{
  if (app->window != NULL)
    {
      gtk_window_present (GTK_WINDOW (app->window));
      return;
    }
  app->window = jn_window_new (ADW_APPLICATION (application), app->discovery_interface);
  gtk_window_present (GTK_WINDOW (app->window));
  if (app->join != NULL)
    jn_window_join (app->window, app->join);
  else if (app->host)
    jn_window_host (app->window);
  else if (app->demo)
    jn_window_demo (app->window);
  if (app->join_first || app->join_named || app->shot_sessions || app->shot_jam || app->report || app->export_report ||
      app->shot_peer || app->shot_prefs)
    {
      app->since = g_get_monotonic_time ();
      g_timeout_add (100, autopilot, app);
    }
}

int
main (int argc, char *argv[])
{
  App app = { 0 };
  g_autoptr(AdwApplication) application = NULL;
  GOptionEntry entries[] = {
    { "join", 'j', 0, G_OPTION_ARG_STRING, &app.join, N_("Join the session at this address"), "URL" },
    { "host", 0, 0, G_OPTION_ARG_NONE, &app.host, N_("Host a session"), NULL },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &app.demo, N_("Host a session with a simulated player on an emulated network"), NULL },
    { "discovery-interface", 0, 0, G_OPTION_ARG_STRING, &app.discovery_interface,
      N_("Look for sessions through this interface address only"), "ADDR" },
    { "join-first", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &app.join_first, NULL, NULL },
    { "join-named", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &app.join_named, NULL, NULL },
    { "screenshot-sessions", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &app.shot_sessions, NULL, NULL },
    { "screenshot-jam", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &app.shot_jam, NULL, NULL },
    { "report", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &app.report, NULL, NULL },
    { "export-report", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &app.export_report, NULL, NULL },
    { "screenshot-peer", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &app.shot_peer, NULL, NULL },
    { "screenshot-preferences", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &app.shot_prefs, NULL, NULL },
    { NULL }
  };
  int status;

  setlocale (LC_ALL, "");
  /* JAMNET_LOCALEDIR: the build tree's translations (build-aux/jamnet.sh run) */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("JAMNET_LOCALEDIR") ? g_getenv ("JAMNET_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  application = adw_application_new (APP_ID, G_APPLICATION_NON_UNIQUE);
  g_application_add_main_option_entries (G_APPLICATION (application), entries);
  g_signal_connect (application, "startup", G_CALLBACK (on_startup), &app);
  g_signal_connect (application, "activate", G_CALLBACK (on_activate), &app);
  status = g_application_run (G_APPLICATION (application), argc, argv);

  g_free (app.discovery_interface);
  g_free (app.join);
  g_free (app.join_named);
  g_free (app.shot_sessions);
  g_free (app.shot_jam);
  g_free (app.report);
  g_free (app.export_report);
  g_free (app.shot_peer);
  g_free (app.shot_prefs);
  return status;
}
