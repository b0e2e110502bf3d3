/* jn-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet"

#include "config.h"

#include <glib/gi18n.h>

#include "jn-application.h"

struct _JnApplication
{
  AdwApplication  parent_instance;

  char           *discovery_interface;
  char           *join;
  gboolean        host;
  gboolean        demo;
  JnWindow       *window;   /* weak */
};

G_DEFINE_FINAL_TYPE (JnApplication, jn_application, ADW_TYPE_APPLICATION)

static void
on_about (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  JnApplication *self = user_data;
  const char *developers[] = { _("The JamNet developers"), NULL };
  GtkWidget *about = adw_about_window_new ();

  g_object_set (about,
                "transient-for", self->window,
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
  JnApplication *self = user_data;

  if (self->window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->window));
}

static void
jn_application_startup (GApplication *application)
{
  JnApplication *self = JN_APPLICATION (application);
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
    { "win.record", { "<Control>r", NULL } },
    { "win.mute-myself", { "<Control>m", NULL } },
    { "win.metronome", { "<Control>k", NULL } },
  };

  G_APPLICATION_CLASS (jn_application_parent_class)->startup (application);
  g_action_map_add_action_entries (G_ACTION_MAP (application), entries, G_N_ELEMENTS (entries), self);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (application), accels[i].action, accels[i].accels);
}

static void
jn_application_activate (GApplication *application)
{
  JnApplication *self = JN_APPLICATION (application);

  if (self->window != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->window));
      return;
    }
  self->window = jn_window_new (ADW_APPLICATION (application), self->discovery_interface);
  g_object_add_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
  gtk_window_present (GTK_WINDOW (self->window));
  if (self->join != NULL)
    jn_window_join (self->window, self->join);
  else if (self->host)
    jn_window_host (self->window);
  else if (self->demo)
    jn_window_demo (self->window);
}

static void
jn_application_finalize (GObject *object)
{
  JnApplication *self = JN_APPLICATION (object);

  if (self->window != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
  g_free (self->discovery_interface);
  g_free (self->join);
  G_OBJECT_CLASS (jn_application_parent_class)->finalize (object);
}

static void
jn_application_class_init (JnApplicationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = jn_application_finalize;
  G_APPLICATION_CLASS (klass)->startup = jn_application_startup;
  G_APPLICATION_CLASS (klass)->activate = jn_application_activate;
}

static void
jn_application_init (JnApplication *self)
{
  GOptionEntry entries[] = {
    { "join", 'j', 0, G_OPTION_ARG_STRING, &self->join, N_("Join the session at this address"), "URL" },
    { "host", 0, 0, G_OPTION_ARG_NONE, &self->host, N_("Host a session"), NULL },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &self->demo, N_("Host a session with a simulated player on an emulated network"), NULL },
    { "discovery-interface", 0, 0, G_OPTION_ARG_STRING, &self->discovery_interface,
      N_("Look for sessions through this interface address only"), "ADDR" },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

JnApplication *
jn_application_new (void)
{
  return g_object_new (JN_TYPE_APPLICATION, "application-id", APP_ID, "flags", G_APPLICATION_NON_UNIQUE, NULL);
}

JnWindow *
jn_application_get_window (JnApplication *self)
{
  g_return_val_if_fail (JN_IS_APPLICATION (self), NULL);
  return self->window;
}
