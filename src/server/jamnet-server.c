/* jamnet-server.c: rooms for players who are not on one LAN
 *
 * Reads its configuration (docs/server.md), loads its certificate, opens
 * the configured rooms and serves until SIGINT or SIGTERM.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-server"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jn-identity.h"
#include "jn-server.h"
#include "jn-server-config.h"

#define DEFAULT_CONFIG SYSCONFDIR "/jamnet/jamnet-server.conf"

typedef struct
{
  GMainLoop *loop;
  JnServer  *server;
  guint      status_source;
  guint      last_rooms, last_players;
} Server;

static gboolean
on_quit (gpointer user_data)
{
  Server *s = user_data;

  g_print (_("Closing every room.\n"));
  jn_server_shutdown (s->server);
  g_main_loop_quit (s->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_status (gpointer user_data)
{
  Server *s = user_data;
  guint rooms = jn_server_get_n_rooms (s->server);
  guint players = jn_server_get_n_players (s->server);

  /* a line when something changed, for the journal */
  if (rooms != s->last_rooms || players != s->last_players)
    {
      g_print (g_dngettext (GETTEXT_PACKAGE, "%u room open, ", "%u rooms open, ", rooms), rooms);
      g_print (g_dngettext (GETTEXT_PACKAGE, "%u player\n", "%u players\n", players), players);
      fflush (stdout);
    }
  s->last_rooms = rooms;
  s->last_players = players;
  return G_SOURCE_CONTINUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(JnServerConfig) config = jn_server_config_new ();
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config_file = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *certificate_file = NULL;
  g_autofree char *name = NULL;
  g_autofree char *stun = NULL;
  g_autofree char *turn = NULL;
  g_autofree char *turn_secret_file = NULL;
  int port = -1;
  gboolean check_only = FALSE;
  Server s = { 0 };
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file, N_("Read this configuration (default: the system's jamnet-server.conf, if it is there)"), "FILE" },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen, N_("IP address to listen on (default: all)"), "ADDR" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, N_("TCP port of the control plane (default 7420)"), "N" },
    { "certificate", 0, 0, G_OPTION_ARG_FILENAME, &certificate_file, N_("Present this certificate (a PEM file with its key) instead of the server's own, made on first use"), "FILE" },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name, N_("What the room list calls this server"), "NAME" },
    { "stun", 0, 0, G_OPTION_ARG_STRING, &stun, N_("The STUN server the rooms' players find their public addresses with"), "IP:PORT" },
    { "turn", 0, 0, G_OPTION_ARG_STRING, &turn, N_("The TURN server that relays for players no direct path joins"), "IP:PORT" },
    { "turn-secret-file", 0, 0, G_OPTION_ARG_FILENAME, &turn_secret_file, N_("Read the secret shared with the TURN server (its static-auth-secret) from this file"), "FILE" },
    { "check", 0, 0, G_OPTION_ARG_NONE, &check_only, N_("Read the configuration, say what is wrong in it, and exit"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("JAMNET_LOCALEDIR") ? g_getenv ("JAMNET_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Rooms for JamNet players who are not on one LAN."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr (_("jamnet-server takes no arguments, only options (see --help)\n"));
      return 2;
    }

  if (config_file != NULL || g_file_test (DEFAULT_CONFIG, G_FILE_TEST_EXISTS))
    if (!jn_server_config_load (config, config_file ? config_file : DEFAULT_CONFIG, &error))
      {
        g_printerr ("%s\n", error->message);
        return 1;
      }
  if (check_only)
    {
      g_print (_("The configuration is fine.\n"));
      return 0;
    }
  /* options win over the file */
  if (listen != NULL)
    {
      g_free (config->listen);
      config->listen = g_steal_pointer (&listen);
    }
  if (port >= 0)
    {
      if (port > 65535)
        {
          g_printerr (_("--port must be 0 to 65535\n"));
          return 2;
        }
      config->port = (guint16) port;
    }
  if (certificate_file != NULL)
    {
      g_free (config->certificate);
      config->certificate = g_steal_pointer (&certificate_file);
    }
  if (name != NULL)
    {
      g_free (config->name);
      config->name = g_steal_pointer (&name);
    }
  if (stun != NULL)
    {
      if (!jn_ip_port_parse (stun, NULL, NULL))
        {
          g_printerr (_("--stun must be a numeric IP:PORT (such as 203.0.113.1:3478), not “%s”\n"),
                      stun);
          return 2;
        }
      g_free (config->stun);
      config->stun = g_steal_pointer (&stun);
    }
  if (turn != NULL)
    {
      if (!jn_ip_port_parse (turn, NULL, NULL))
        {
          g_printerr (_("--turn must be a numeric IP:PORT (such as 203.0.113.1:3478), not “%s”\n"),
                      turn);
          return 2;
        }
      g_free (config->turn);
      config->turn = g_steal_pointer (&turn);
    }
  if (turn_secret_file != NULL)
    {
      /* from a file: a secret on the command line shows in ps */
      g_autofree char *secret = NULL;

      if (!g_file_get_contents (turn_secret_file, &secret, NULL, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      g_free (config->turn_secret);
      config->turn_secret = g_strdup (g_strstrip (secret));
    }
  if ((config->turn != NULL) != (config->turn_secret != NULL) ||
      (config->turn_secret != NULL && strlen (config->turn_secret) < 16))
    {
      g_printerr (_("A TURN server needs its secret of at least 16 characters (--turn with "
                    "--turn-secret-file, or turn and turn-secret in the configuration)\n"));
      return 2;
    }

  certificate = jn_identity_load (config->certificate, &error);
  if (certificate == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  s.server = jn_server_new (certificate, config->name);
  jn_server_set_limits (s.server, config->max_rooms, config->max_players,
                        config->rooms_per_address);
  {
    JnAudioFormat format = { 48000, 128, config->channels,
                             config->opus ? JN_SAMPLE_OPUS : JN_SAMPLE_S16,
                             config->opus ? config->bitrate : 0 };

    jn_server_set_format (s.server, &format);
  }
  jn_server_set_media (s.server, config->media);
  jn_server_set_pnbtr_backend (s.server, config->pnbtr_backend);
  jn_server_set_players_per_address (s.server, config->players_per_address);
  jn_server_set_media_ports (s.server, config->media_port_min, config->media_port_max);
  jn_server_set_stun (s.server, config->stun);
  jn_server_set_turn (s.server, config->turn, config->turn_secret, config->turn_lifetime_s);
  for (guint i = 0; i < config->rooms->len; i++)
    {
      JnServerRoomConfig *room = g_ptr_array_index (config->rooms, i);

      if (!jn_server_add_room (s.server, room->name, room->passphrase, room->listed,
                               room->max_players, &error))
        {
          g_printerr ("%s\n", error->message);
          g_object_unref (s.server);
          return 1;
        }
    }
  if (!jn_server_listen (s.server, config->listen, config->port, &error))
    {
      g_printerr (_("Cannot listen on port %u: %s\n"), config->port, error->message);
      g_object_unref (s.server);
      return 1;
    }

  g_print (_("JamNet server listening on port %u (TCP), certificate %s\n"),
           jn_server_get_port (s.server), jn_server_get_fingerprint (s.server));
  for (guint i = 0; i < config->rooms->len; i++)
    {
      JnServerRoomConfig *room = g_ptr_array_index (config->rooms, i);
      g_autofree char *host_port = g_strdup_printf ("HOST:%u", jn_server_get_port (s.server));
      g_autofree char *url = jn_room_url (host_port, room->name, jn_server_get_fingerprint (s.server));

      g_print (_("Room “%s”: %s\n"), room->name, url);
    }
  fflush (stdout);

  s.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_quit, &s);
  g_unix_signal_add (SIGTERM, on_quit, &s);
  s.status_source = g_timeout_add_seconds (10, on_status, &s);
  g_main_loop_run (s.loop);

  g_source_remove (s.status_source);
  g_main_loop_unref (s.loop);
  g_object_unref (s.server);
  return 0;
}
