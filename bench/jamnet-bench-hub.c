/* jamnet-bench-hub.c: bands in a forward room of a jamnet-server
 *
 * One jamnet-server process on 127.0.0.1 (media = forward) and, for each
 * N, N players in one room, each streaming the test tone for a fixed time.
 * The players are JnSessions in this process (a media engine, its thread
 * and a control connection each; no audio device, no PNBTR worker), so
 * that 16 of them fit on this machine's 2 cores beside the server; the
 * server's figures are its own process's.  Measured over the window: the
 * server's CPU per player, each player's upload and download (JamNet
 * datagrams, sealed, without UDP/IP headers), the share of the others'
 * packets that arrived, and the one-way delay through the server.
 * Jamulus and JackTrip are not run here (docs/server.md says why).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-bench"

#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "jamnet-bench.h"
#include "jn-bench-report.h"
#include "jn-capture-source.h"
#include "jn-peer.h"
#include "jn-server.h"
#include "jn-session.h"

typedef struct
{
  JnSession *session;
  gboolean   done;
  GError    *error;
} Player;

typedef struct
{
  double cpu_pct_per_player;
  double up_kbps;
  double down_kbps;
  double delivery_pct;
  double one_way_p50;
  double one_way_p99;
} HubFigures;

static void
on_joined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Player *player = user_data;

  jn_session_join_finish (JN_SESSION (source), result, &player->error);
  player->done = TRUE;
}

static void
iterate_for (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Every player hears every other. */
static gboolean
all_hear (Player *players, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      GListModel *peers = jn_session_get_peers (players[i].session);

      if (g_list_model_get_n_items (peers) != n - 1)
        return FALSE;
      for (guint k = 0; k < n - 1; k++)
        {
          g_autoptr(JnPeer) peer = g_list_model_get_item (peers, k);

          if (jn_peer_get_stats (peer)->audio_packets < 50)
            return FALSE;
        }
    }
  return TRUE;
}

typedef struct
{
  JnEngineStats engine;
  guint64       heard;   /* unique audio packets from the others */
  guint64       lost;
} Snapshot;

static void
snapshot (Player *players, guint n, Snapshot *out)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GArray) peers = jn_media_engine_get_peer_stats (jn_session_get_engine (players[i].session));

      jn_media_engine_get_stats (jn_session_get_engine (players[i].session), &out[i].engine);
      out[i].heard = out[i].lost = 0;
      for (guint k = 0; k < peers->len; k++)
        {
          out[i].heard += g_array_index (peers, JnPeerStats, k).audio_packets;
          out[i].lost += g_array_index (peers, JnPeerStats, k).lost;
        }
    }
}

static gboolean
run_band (const char *fingerprint, guint port, GPid server_pid, gboolean opus, guint n,
          double seconds, HubFigures *fig, char **why)
{
  g_autofree char *room = g_strdup_printf ("band-%s-%u", opus ? "opus" : "pcm", n);
  g_autofree char *url = g_strdup_printf ("jamnet://127.0.0.1:%u/%s?fp=%s", port, room, fingerprint);
  g_autofree Player *players = g_new0 (Player, n);
  g_autofree Snapshot *a = g_new0 (Snapshot, n);
  g_autofree Snapshot *b = g_new0 (Snapshot, n);
  double cpu0, cpu1, up = 0, down = 0, heard = 0, lost = 0, p50 = 0, p99 = 0;
  guint links = 0;
  gint64 end;
  gboolean ok = TRUE;

  for (guint i = 0; i < n && ok; i++)
    {
      g_autofree char *name = g_strdup_printf ("Player %u", i + 1);
      JnSessionConfig config;

      jn_session_config_init (&config);
      config.player_name = name;
      config.bind_address = "127.0.0.1";
      config.create_room = i == 0;
      config.concealment = "zero";
      config.pnbtr_backend = "off";
      config.jitter_depth = 4;
      players[i].session = jn_session_new (&config);
      jn_session_set_capture_source (players[i].session, jn_capture_source_new (JN_CAPTURE_TONE));
      jn_session_join_async (players[i].session, url, NULL, NULL, on_joined, &players[i]);
      end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
      while (!players[i].done && g_get_monotonic_time () < end)
        g_main_context_iteration (NULL, TRUE);
      if (!players[i].done || players[i].error != NULL)
        {
          *why = g_strdup_printf ("player %u did not join: %s", i + 1,
                                  players[i].error ? players[i].error->message : "timed out");
          ok = FALSE;
        }
    }
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (ok && n > 1 && !all_hear (players, n) && g_get_monotonic_time () < end)
    iterate_for (0.05);
  if (ok && n > 1 && !all_hear (players, n))
    {
      *why = g_strdup ("not every player hears every other within 10 s");
      ok = FALSE;
    }
  if (ok)
    {
      iterate_for (0.5);
      snapshot (players, n, a);
      cpu0 = jn_bench_cpu_s (server_pid);
      iterate_for (seconds);
      cpu1 = jn_bench_cpu_s (server_pid);
      snapshot (players, n, b);
      for (guint i = 0; i < n; i++)
        {
          GListModel *peers = jn_session_get_peers (players[i].session);

          up += (b[i].engine.bytes_sent - a[i].engine.bytes_sent) * 8.0 / seconds / 1000.0;
          down += (b[i].engine.bytes_received - a[i].engine.bytes_received) * 8.0 / seconds / 1000.0;
          heard += (double) (b[i].heard - a[i].heard);
          lost += (double) (b[i].lost - a[i].lost);
          for (guint k = 0; k < g_list_model_get_n_items (peers); k++)
            {
              g_autoptr(JnPeer) peer = g_list_model_get_item (peers, k);
              const JnPeerStats *s = jn_peer_get_stats (peer);

              p50 += s->one_way_ms.p50;
              p99 = MAX (p99, s->one_way_ms.p99);
              links++;
            }
        }
      fig->cpu_pct_per_player = 100.0 * (cpu1 - cpu0) / seconds / n;
      fig->up_kbps = up / n;
      fig->down_kbps = down / n;
      fig->delivery_pct = heard + lost > 0 ? 100.0 * heard / (heard + lost) : NAN;
      fig->one_way_p50 = links > 0 ? p50 / links : NAN;
      fig->one_way_p99 = links > 0 ? p99 : NAN;
    }
  for (guint i = 0; i < n; i++)
    {
      if (players[i].session != NULL)
        {
          jn_session_leave (players[i].session);
          g_object_unref (players[i].session);
        }
      g_clear_error (&players[i].error);
    }
  iterate_for (0.3);
  return ok;
}

int
jn_bench_hub (const char *argv0,
              int         argc,
              char      **argv)
{
  static const guint default_sizes[] = { 1, 4, 8, 16 };
  double seconds = 5;
  g_autofree char *home = g_dir_make_tmp ("jamnet-bench-hub-XXXXXX", NULL);
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  HubFigures at[2][8];
  gboolean measured[2][8] = { { FALSE } };
  int rc = 0;

  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--seconds") && i + 1 < argc)
      seconds = g_ascii_strtod (argv[++i], NULL);
    else if (g_str_equal (argv[i], "--players") && i + 1 < argc)
      {
        g_auto(GStrv) list = g_strsplit (argv[++i], ",", -1);

        for (guint k = 0; list[k] != NULL && sizes->len < 8; k++)
          {
            guint v = (guint) g_ascii_strtoull (list[k], NULL, 10);

            g_array_append_val (sizes, v);
          }
      }
    else
      {
        g_printerr ("usage: jamnet-bench hub [--players N[,N...] (1..31, default 1,4,8,16)] "
                    "[--seconds S (default 5)]\n");
        return g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h") ? 0 : 2;
      }
  if (sizes->len == 0)
    g_array_append_vals (sizes, default_sizes, G_N_ELEMENTS (default_sizes));
  for (guint k = 0; k < sizes->len; k++)
    if (g_array_index (sizes, guint, k) < 1 || g_array_index (sizes, guint, k) >= JN_SESSION_MAX_PEERS)
      return jn_bench_fail ("--players takes 1..31 players per room");
  if (!(seconds >= 1 && seconds <= 600) || home == NULL)
    return jn_bench_fail ("--seconds takes 1..600");

  g_print ("hub: one jamnet-server (media = forward) on 127.0.0.1; N players in one room, each a "
           "JnSession in this process streaming a tone (no audio device, no PNBTR), %.0f s each\n",
           seconds);
  g_print ("  codec  players  server CPU/player  upload kbit/s  download kbit/s  delivery  "
           "one-way p50/p99 ms\n");
  for (guint c = 0; c < 2 && rc == 0; c++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *fingerprint = NULL;
      /* every player here comes from 127.0.0.1 */
      g_autofree char *text = g_strdup_printf ("[server]\nmedia = forward\ncodec = %s\n"
                                               "max-players = 31\nmax-players-per-address = 31\n",
                                               c ? "opus" : "pcm");
      g_autoptr(GSubprocess) server = NULL;
      guint port = 0;
      GPid pid;

      server = jn_bench_start_server (argv0, home, text, &port, &fingerprint, &error);
      if (server == NULL)
        return jn_bench_fail (error->message);
      pid = (GPid) atoi (g_subprocess_get_identifier (server));
      for (guint k = 0; k < sizes->len; k++)
        {
          guint n = g_array_index (sizes, guint, k);
          g_autofree char *why = NULL;
          HubFigures *f = &at[c][k];

          if (!run_band (fingerprint, port, pid, c == 1, n, seconds, f, &why))
            {
              g_printerr ("hub: %s, %u players: %s\n", c ? "opus" : "pcm", n, why);
              rc = 1;
              break;
            }
          measured[c][k] = TRUE;
          g_print ("  %-5s  %7u  %15.2f %%  %13.1f  %15.1f  %7.2f %%  %8.3f / %.3f\n",
                   c ? "opus" : "pcm", n, f->cpu_pct_per_player, f->up_kbps, f->down_kbps,
                   f->delivery_pct, f->one_way_p50, f->one_way_p99);
          {
            g_autofree char *id = g_strdup_printf ("forward.%s.%u", c ? "opus" : "pcm", n);
            g_autofree char *cpu = g_strdup_printf ("%s.cpu_pct_per_player", id);
            g_autofree char *up = g_strdup_printf ("%s.up_kbps", id);
            g_autofree char *down = g_strdup_printf ("%s.down_kbps", id);
            g_autofree char *del = g_strdup_printf ("%s.delivery_pct", id);
            g_autofree char *ow = g_strdup_printf ("%s.one_way_ms.p99", id);

            jn_report_add_value (jn_bench_report (), "hub", cpu, "%", JN_BETTER_LOWER,
                                 f->cpu_pct_per_player);
            jn_report_add_value (jn_bench_report (), "hub", up, "kbit/s", JN_BETTER_LOWER, f->up_kbps);
            jn_report_add_value (jn_bench_report (), "hub", down, "kbit/s", JN_BETTER_LOWER,
                                 f->down_kbps);
            if (n > 1)
              {
                jn_report_add_value (jn_bench_report (), "hub", del, "%", JN_BETTER_HIGHER,
                                     f->delivery_pct);
                jn_report_add_value (jn_bench_report (), "hub", ow, "ms", JN_BETTER_LOWER,
                                     f->one_way_p99);
              }
          }
        }
      g_subprocess_send_signal (server, SIGTERM);
      g_subprocess_wait (server, NULL, NULL);
    }

  /* upload per player does not grow with the band: the largest band's
   * against the smallest with listeners */
  for (guint c = 0; c < 2 && rc == 0; c++)
    {
      gint small = -1, large = -1;

      for (guint k = 0; k < sizes->len; k++)
        if (measured[c][k] && g_array_index (sizes, guint, k) > 1)
          {
            if (small < 0 || g_array_index (sizes, guint, k) < g_array_index (sizes, guint, small))
              small = (gint) k;
            if (large < 0 || g_array_index (sizes, guint, k) > g_array_index (sizes, guint, large))
              large = (gint) k;
          }
      if (small >= 0 && large != small)
        {
          g_autofree char *id = g_strdup_printf ("forward.%s.upload_ratio", c ? "opus" : "pcm");

          jn_report_add_value (jn_bench_report (), "hub", id, "x", JN_BETTER_LOWER,
                               at[c][large].up_kbps / at[c][small].up_kbps);
        }
    }
  g_print ("  (Jamulus and JackTrip: not run by this benchmark yet, so the targets against them "
           "are SKIP)\n");
  jn_report_add_suite (jn_bench_report (), "hub", rc == 0, NULL);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", home);

    if (system (cmd) != 0)
      g_printerr ("could not remove %s\n", home);
  }
  return rc;
}
