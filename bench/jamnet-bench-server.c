/* jamnet-bench-server.c: what a jamnet-server costs per room and player
 *
 * One jamnet-server process on 127.0.0.1 and R rooms of P idle players.
 * Each player is a control-plane client only (a real WebSocket over TLS
 * that says hello and waits for its roster, as JnClient does), so that the
 * figures are the server's and not those of R * P media engines in this
 * process.  Measured: each join's time (connect to roster), the server's
 * resident memory per room and per player, and its CPU while the rooms
 * sit idle (WebSocket keepalives only).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-bench"

#include "config.h"

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jamnet-bench.h"
#include "jn-bench-report.h"
#include "jn-control.h"
#include "jn-identity.h"
#include "jn-server.h"

typedef struct
{
  const char              *fingerprint;
  SoupWebsocketConnection *connection;
  gboolean                 done;
  char                    *error;
} Player;

static gboolean
on_accept_certificate (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  Player *player = user_data;
  g_autofree char *fingerprint = jn_certificate_fingerprint (certificate);

  return g_strcmp0 (fingerprint, player->fingerprint) == 0;
}

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *bytes,
            gpointer                 user_data)
{
  Player *player = user_data;
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);
  g_autoptr(JnControlMessage) message = jn_control_message_parse (data, (gssize) size, NULL);

  if (player->done || message == NULL)
    return;
  if (message->type == JN_CONTROL_ROSTER)
    player->done = TRUE;
  else if (message->type == JN_CONTROL_ERROR)
    {
      player->error = g_strdup (message->message);
      player->done = TRUE;
    }
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Player *player = user_data;
  g_autoptr(GError) error = NULL;

  player->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (player->connection == NULL)
    {
      player->error = g_strdup (error->message);
      player->done = TRUE;
    }
}

/* One player into room, opening it when create; its join time in ms,
 * or NAN with *error. */
static double
join (SoupSession *session,
      guint16      port,
      const char  *fingerprint,
      const char  *room,
      guint        index,
      gboolean     create,
      Player      *player,
      char       **error)
{
  g_autofree char *url = g_strdup_printf ("wss://127.0.0.1:%u" JN_ROOMS_PATH "/%s", port, room);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr(JnControlMessage) hello = jn_control_message_new (JN_CONTROL_HELLO);
  gint64 start = g_get_monotonic_time (), end = start + 10 * G_USEC_PER_SEC;

  player->fingerprint = fingerprint;
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), player);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_connected, player);
  while (player->connection == NULL && !player->done && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  if (player->connection == NULL)
    {
      *error = g_strdup (player->error ? player->error : "no WebSocket within 10 s");
      return NAN;
    }
  g_signal_connect (player->connection, "message", G_CALLBACK (on_message), player);
  hello->name = g_strdup_printf ("player %u", index);
  hello->udp_port = (guint16) (20000 + index);
  hello->create = create;
  hello->listed = TRUE;
  jn_control_message_send (hello, player->connection);
  while (!player->done && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  if (!player->done || player->error != NULL)
    {
      *error = g_strdup (player->error ? player->error : "no roster within 10 s");
      return NAN;
    }
  return (g_get_monotonic_time () - start) / 1000.0;
}

/* user + system CPU seconds of pid */
static void
wait_s (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  /* the players answer the server's keepalive pings meanwhile */
  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

GSubprocess *
jn_bench_start_server (const char  *argv0,
                       const char  *home,
                       const char  *config_text,
                       guint       *port,
                       char       **fingerprint,
                       GError     **error)
{
  g_autofree char *program = jn_bench_program_path (argv0, "JAMNET_SERVER", "server", "jamnet-server");
  g_autofree char *config = g_build_filename (home, "server.conf", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  if (program == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "jamnet-server not found (set JAMNET_SERVER)");
      return NULL;
    }
  if (!g_file_set_contents (config, config_text, -1, error))
    return NULL;
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "LANGUAGE", "C", TRUE);
  server = g_subprocess_launcher_spawn (launcher, error, program, "--config", config, "--listen",
                                        "127.0.0.1", "--port", "0", NULL);
  if (server == NULL)
    return NULL;
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, NULL);
  if (line == NULL || sscanf (line, "JamNet server listening on port %u", port) != 1 ||
      strrchr (line, ' ') == NULL)
    {
      g_subprocess_force_exit (server);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "jamnet-server did not start");
      return NULL;
    }
  *fingerprint = g_strdup (strrchr (line, ' ') + 1);
  return g_steal_pointer (&server);
}

int
jn_bench_server (const char *argv0,
                 int         argc,
                 char      **argv)
{
  guint rooms = 50, per_room = 4;
  double idle = 10;
  g_autofree char *home = g_dir_make_tmp ("jamnet-bench-server-XXXXXX", NULL);
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 10, NULL);
  g_autoptr(GArray) joins = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *fingerprint = NULL;
  g_autofree Player *players = NULL;
  double rss_start, rss_end, cpu_start, cpu_end, idle_pct;
  guint port = 0, n;
  GPid pid;
  int rc = 0;

  for (int i = 1; i + 1 < argc; i++)
    if (g_str_equal (argv[i], "--rooms"))
      rooms = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
    else if (g_str_equal (argv[i], "--players"))
      per_room = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
    else if (g_str_equal (argv[i], "--seconds"))
      idle = g_ascii_strtod (argv[++i], NULL);
  if (rooms < 1 || rooms > 1000 || per_room < 1 || per_room >= JN_SESSION_MAX_PEERS ||
      !(idle >= 1 && idle <= 3600))
    {
      g_printerr ("usage: jamnet-bench server [--rooms N (1..1000, default 50)] "
                  "[--players P (1..31, default 4)] [--seconds S idle (default 10)]\n");
      return 2;
    }
  if (home == NULL)
    return jn_bench_fail ("no temporary folder");
  n = rooms * per_room;
  players = g_new0 (Player, n);

  {
    /* every player here comes from 127.0.0.1 */
    g_autofree char *text = g_strdup_printf ("[server]\nmax-rooms = %u\nmax-rooms-per-address = %u\n"
                                             "max-players = %u\n", rooms, rooms, per_room);

    server = jn_bench_start_server (argv0, home, text, &port, &fingerprint, &error);
  }
  if (server == NULL)
    return jn_bench_fail (error->message);
  pid = (GPid) atoi (g_subprocess_get_identifier (server));

  g_print ("server: one jamnet-server on 127.0.0.1, %u rooms of %u idle players (%u WebSockets "
           "over TLS, control plane only); then %.0f s idle\n", rooms, per_room, n, idle);
  wait_s (1.0);
  rss_start = jn_bench_rss_kib (pid);
  for (guint r = 0; r < rooms && rc == 0; r++)
    for (guint p = 0; p < per_room && rc == 0; p++)
      {
        g_autofree char *room = g_strdup_printf ("room-%u", r);
        g_autofree char *why = NULL;
        double ms = join (session, (guint16) port, fingerprint, room, r * per_room + p, p == 0,
                          &players[r * per_room + p], &why);

        if (isnan (ms))
          {
            g_printerr ("server: player %u of room %u: %s\n", p, r, why);
            rc = 1;
            break;
          }
        g_array_append_val (joins, ms);
      }
  if (rc == 0)
    {
      wait_s (1.0);
      rss_end = jn_bench_rss_kib (pid);
      cpu_start = jn_bench_cpu_s (pid);
      wait_s (idle);
      cpu_end = jn_bench_cpu_s (pid);
      idle_pct = 100.0 * (cpu_end - cpu_start) / idle;

      jn_report_add_samples (jn_bench_report (), "server", "join_ms", "ms", JN_BETTER_LOWER,
                             (double *) joins->data, joins->len);
      jn_report_add_value (jn_bench_report (), "server", "rss_kib_per_room", "KiB",
                           JN_BETTER_LOWER, (rss_end - rss_start) / rooms);
      jn_report_add_value (jn_bench_report (), "server", "rss_kib_per_player", "KiB",
                           JN_BETTER_LOWER, (rss_end - rss_start) / n);
      jn_report_add_value (jn_bench_report (), "server", "rss_mib", "MiB", JN_BETTER_LOWER,
                           rss_end / 1024.0);
      jn_report_add_value (jn_bench_report (), "server", "idle_cpu_pct", "%", JN_BETTER_LOWER,
                           idle_pct);
      g_print ("server: %u players joined; resident %.1f MiB (%.1f MiB before the rooms): "
               "%.1f KiB per room, %.1f KiB per player; idle CPU %.3f %% of one core\n",
               joins->len, rss_end / 1024.0, rss_start / 1024.0, (rss_end - rss_start) / rooms,
               (rss_end - rss_start) / n, idle_pct);
      jn_report_add_suite (jn_bench_report (), "server", TRUE, NULL);
    }

  for (guint i = 0; i < n; i++)
    {
      if (players[i].connection != NULL)
        {
          soup_websocket_connection_close (players[i].connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
          g_object_unref (players[i].connection);
        }
      g_free (players[i].error);
    }
  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, NULL);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", home);

    if (system (cmd) != 0)
      g_printerr ("could not remove %s\n", home);
  }
  return rc;
}
