/* jamnet-bench-hub.c: bands in a forward room, choirs in a mix room
 *
 * One jamnet-server process on 127.0.0.1 (media = forward, then mix) and,
 * for each N, N players in one room, each streaming the test tone for a
 * fixed time.  In a forward room the players are JnSessions in this
 * process (a media engine, its thread and a control connection each; no
 * audio device, no PNBTR worker), so that 16 of them fit on this machine's
 * 2 cores beside the server; in a mix room they are a choir driven from
 * one thread (jn-bench-choir.h), so that 100 fit.  The server's figures
 * are its own process's.  Measured over the window: the
 * server's CPU per player, each player's upload and download (JamNet
 * datagrams, sealed, without UDP/IP headers), the share of the others'
 * packets that arrived, and the one-way delay through the server; in a mix
 * room also the server's late mixes and what it adds to the delay (its
 * buffer and mix period), from its room list.  Jamulus and JackTrip are
 * not run here (docs/server.md says what that leaves open).
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
#include "jn-bench-choir.h"
#include "jn-bench-peers.h"
#include "jn-bench-report.h"
#include "jn-capture-source.h"
#include "jn-codec.h"
#include "jn-peer.h"
#include "jn-room-list.h"
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
  double late_mix_pct;     /* mix: periods mixed more than a period late, or skipped */
  double server_ms;        /* mix: what the server adds, its buffer and mix period */
  double mix_concealed_pct; /* mix: of the players' streams at the server */
  double worker_pct_per_player; /* mix: of the server's CPU, its PNBTR worker's (idle priority) */
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

/* A player hears every other (forward), or the room's mix and knows
 * every other (mix). */
static gboolean
player_hears (Player *player, guint n, gboolean mix)
{
  GListModel *peers = jn_session_get_peers (player->session);

  if (g_list_model_get_n_items (peers) != (mix ? n : n - 1))
    return FALSE;
  for (guint k = 0; k < g_list_model_get_n_items (peers); k++)
    {
      g_autoptr(JnPeer) peer = g_list_model_get_item (peers, k);

      if ((!mix || jn_peer_get_stats (peer)->room_mix) &&
          jn_peer_get_stats (peer)->audio_packets < 50)
        return FALSE;
    }
  return TRUE;
}

/* How many players do not hear (yet) */
static guint
not_hearing (Player *players, guint n, gboolean mix)
{
  guint short_of = 0;

  for (guint i = 0; i < n; i++)
    if (!player_hears (&players[i], n, mix))
      short_of++;
  return short_of;
}

typedef struct
{
  gboolean    done;
  JnRoomList *list;
} ListFetch;

static void
on_list (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ListFetch *fetch = user_data;

  fetch->list = jn_room_list_fetch_finish (result, NULL);
  fetch->done = TRUE;
}

/* The room's mix health from the server's room list; FALSE: not listed */
static gboolean
mix_health (const char *server, const char *room, JnRoomListing *out)
{
  ListFetch fetch = { FALSE, NULL };
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  gboolean found = FALSE;

  jn_room_list_fetch_async (server, NULL, on_list, &fetch);
  while (!fetch.done && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; fetch.list != NULL && i < fetch.list->rooms->len && !found; i++)
    {
      JnRoomListing *listing = g_ptr_array_index (fetch.list->rooms, i);

      if (g_str_equal (listing->name, room) && listing->mixed)
        {
          *out = *listing;
          found = TRUE;
        }
    }
  g_clear_pointer (&fetch.list, jn_room_list_free);
  return found;
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
run_band (const char *fingerprint, guint port, GPid server_pid, gboolean mix, gboolean opus,
          guint n, double seconds, HubFigures *fig, char **why)
{
  g_autofree char *room = g_strdup_printf ("%s-%s-%u", mix ? "choir" : "band", opus ? "opus" : "pcm", n);
  g_autofree char *url = g_strdup_printf ("jamnet://127.0.0.1:%u/%s?fp=%s", port, room, fingerprint);
  g_autofree char *server = g_strdup_printf ("jamnet://127.0.0.1:%u?fp=%s", port, fingerprint);
  JnRoomListing h0 = { 0 }, h1 = { 0 };
  double server_ms = 0;
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
  end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (ok && (n > 1 || mix) && not_hearing (players, n, mix) > 0 && g_get_monotonic_time () < end)
    iterate_for (0.05);
  if (ok && (n > 1 || mix) && not_hearing (players, n, mix) > 0)
    {
      guint short_of = not_hearing (players, n, mix);

      for (guint i = 0; i < n; i++)
        if (!player_hears (&players[i], n, mix))
          {
            GListModel *peers = jn_session_get_peers (players[i].session);
            guint64 packets = 0;

            for (guint k = 0; k < g_list_model_get_n_items (peers); k++)
              {
                g_autoptr(JnPeer) peer = g_list_model_get_item (peers, k);

                if (!mix || jn_peer_get_stats (peer)->room_mix)
                  packets = MAX (packets, jn_peer_get_stats (peer)->audio_packets);
              }
            g_printerr ("hub: player %u knows %u players, heard %" G_GUINT64_FORMAT " packets\n",
                        i + 1, g_list_model_get_n_items (peers), packets);
            break;
          }

      *why = g_strdup_printf (mix ? "%u of the players do not hear the room's mix within 20 s"
                                  : "%u of the players do not hear every other within 20 s", short_of);
      ok = FALSE;
    }
  if (ok)
    {
      iterate_for (0.5);
      if (mix && !mix_health (server, room, &h0))
        {
          *why = g_strdup ("the server's room list has no mix figures for the room");
          ok = FALSE;
        }
    }
  if (ok)
    {
      snapshot (players, n, a);
      cpu0 = jn_bench_cpu_s (server_pid);
      iterate_for (seconds);
      cpu1 = jn_bench_cpu_s (server_pid);
      snapshot (players, n, b);
      if (mix && !mix_health (server, room, &h1))
        {
          *why = g_strdup ("the server's room list has no mix figures for the room");
          ok = FALSE;
        }
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
              JnDelayParts parts;

              if (mix && !s->room_mix)
                continue;   /* heard in the mix only */
              p50 += s->one_way_ms.p50;
              p99 = MAX (p99, s->one_way_ms.p99);
              jn_peer_get_delay_parts (peer, &parts);
              server_ms += parts.server_ms;
              links++;
            }
        }
      fig->cpu_pct_per_player = 100.0 * (cpu1 - cpu0) / seconds / n;
      fig->up_kbps = up / n;
      fig->down_kbps = down / n;
      fig->delivery_pct = heard + lost > 0 ? 100.0 * heard / (heard + lost) : NAN;
      fig->one_way_p50 = links > 0 ? p50 / links : NAN;
      fig->one_way_p99 = links > 0 ? p99 : NAN;
      fig->server_ms = mix && links > 0 ? server_ms / links : NAN;
      fig->late_mix_pct = fig->mix_concealed_pct = fig->worker_pct_per_player = NAN;
      if (mix && h1.mixes > h0.mixes)
        fig->late_mix_pct = 100.0 * (h1.late_mixes - h0.late_mixes + h1.skipped - h0.skipped) /
                            (h1.mixes - h0.mixes + h1.skipped - h0.skipped);
      if (mix && h1.played + h1.concealed > h0.played + h0.concealed)
        fig->mix_concealed_pct = 100.0 * (h1.concealed - h0.concealed) /
                                 (h1.played - h0.played + h1.concealed - h0.concealed);
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

/* A mix room: the players are a choir driven from one thread
 * (jn-bench-choir.h), so that a hundred fit beside the server. */
static gboolean
run_choir (const char *fingerprint, guint port, GPid server_pid, gboolean opus, guint n,
           double seconds, HubFigures *fig, char **why)
{
  g_autofree char *room = g_strdup_printf ("choir-%s-%u", opus ? "opus" : "pcm", n);
  g_autofree char *url = g_strdup_printf ("jamnet://127.0.0.1:%u/%s?fp=%s", port, room, fingerprint);
  g_autofree char *server = g_strdup_printf ("jamnet://127.0.0.1:%u?fp=%s", port, fingerprint);
  JnAudioFormat format = { 48000, 128, 1, opus ? JN_SAMPLE_OPUS : JN_SAMPLE_S16 };
  double period_ms = 128 * 1000.0 / 48000;
  g_autoptr(GError) error = NULL;
  g_autoptr(JnBenchChoir) choir = jn_bench_choir_join (url, n, opus, &error);
  JnBenchChoirFigures a, b;
  JnRoomListing h0 = { 0 }, h1 = { 0 };
  double cpu0, cpu1, w0, w1;
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  if (choir == NULL)
    {
      *why = g_strdup (error->message);
      return FALSE;
    }
  do
    {
      iterate_for (0.1);
      jn_bench_choir_get (choir, &a);
    }
  while (a.voices_heard < n && g_get_monotonic_time () < end);
  if (a.voices_heard < n)
    {
      *why = g_strdup_printf ("%u of %u voices got no mix within 10 s", n - a.voices_heard, n);
      return FALSE;
    }
  iterate_for (0.5);
  if (!mix_health (server, room, &h0))
    {
      *why = g_strdup ("the server's room list has no mix figures for the room");
      return FALSE;
    }
  jn_bench_choir_get (choir, &a);
  cpu0 = jn_bench_cpu_s (server_pid);
  w0 = jn_bench_threads_cpu_s (server_pid, "jn-pnbtr-worker");
  iterate_for (seconds);
  cpu1 = jn_bench_cpu_s (server_pid);
  w1 = jn_bench_threads_cpu_s (server_pid, "jn-pnbtr-worker");
  jn_bench_choir_get (choir, &b);
  if (!mix_health (server, room, &h1))
    {
      *why = g_strdup ("the server's room list has no mix figures for the room");
      return FALSE;
    }
  fig->cpu_pct_per_player = 100.0 * (cpu1 - cpu0) / seconds / n;
  fig->worker_pct_per_player = 100.0 * (w1 - w0) / seconds / n;
  fig->up_kbps = (b.bytes_up - a.bytes_up) * 8.0 / seconds / 1000.0 / n;
  fig->down_kbps = (b.bytes_down - a.bytes_down) * 8.0 / seconds / 1000.0 / n;
  fig->delivery_pct = 100.0 * (b.mixes - a.mixes) / MAX (1.0, (double) (b.mixes - a.mixes + b.lost - a.lost));
  fig->one_way_p50 = b.rtt_ms_p50 / 2;
  fig->one_way_p99 = b.rtt_ms_p99 / 2;
  /* the way up, the server's buffer as it reports, a mix period, its codec */
  fig->server_ms = fig->one_way_p50 + (b.server_depth + 1) * period_ms +
                   jn_codec_delay_frames (&format) * 1000.0 / 48000;
  fig->late_mix_pct = h1.mixes > h0.mixes
                      ? 100.0 * (h1.late_mixes - h0.late_mixes + h1.skipped - h0.skipped) /
                        (h1.mixes - h0.mixes + h1.skipped - h0.skipped)
                      : NAN;
  fig->mix_concealed_pct = h1.played + h1.concealed > h0.played + h0.concealed
                           ? 100.0 * (h1.concealed - h0.concealed) /
                             (h1.played - h0.played + h1.concealed - h0.concealed)
                           : NAN;
  return TRUE;
}

static void
add_figures (const char *media, const char *codec, guint n, const HubFigures *f)
{
  static const struct { const char *name, *unit; JnBetter better; gsize offset; gboolean band; } items[] = {
    { "cpu_pct_per_player", "%", JN_BETTER_LOWER, G_STRUCT_OFFSET (HubFigures, cpu_pct_per_player), FALSE },
    { "up_kbps", "kbit/s", JN_BETTER_LOWER, G_STRUCT_OFFSET (HubFigures, up_kbps), FALSE },
    { "down_kbps", "kbit/s", JN_BETTER_LOWER, G_STRUCT_OFFSET (HubFigures, down_kbps), FALSE },
    { "delivery_pct", "%", JN_BETTER_HIGHER, G_STRUCT_OFFSET (HubFigures, delivery_pct), TRUE },
    { "one_way_ms.p99", "ms", JN_BETTER_LOWER, G_STRUCT_OFFSET (HubFigures, one_way_p99), TRUE },
    { "late_mix_pct", "%", JN_BETTER_LOWER, G_STRUCT_OFFSET (HubFigures, late_mix_pct), FALSE },
    { "server_ms", "ms", JN_BETTER_LOWER, G_STRUCT_OFFSET (HubFigures, server_ms), FALSE },
    { "concealed_pct", "%", JN_BETTER_LOWER, G_STRUCT_OFFSET (HubFigures, mix_concealed_pct), FALSE },
    { "worker_pct_per_player", "%", JN_BETTER_LOWER, G_STRUCT_OFFSET (HubFigures, worker_pct_per_player), FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      double v = G_STRUCT_MEMBER (double, f, items[i].offset);
      g_autofree char *id = g_strdup_printf ("%s.%s.%u.%s", media, codec, n, items[i].name);

      /* a forward room of one has nobody to hear */
      if (isnan (v) || (items[i].band && n == 1 && g_str_equal (media, "forward")))
        continue;
      jn_report_add_value (jn_bench_report (), "hub", id, items[i].unit, items[i].better, v);
    }
}

int
jn_bench_hub (const char *argv0,
              int         argc,
              char      **argv)
{
  static const guint forward_sizes[] = { 1, 4, 8, 16 };
  static const guint mix_sizes[] = { 1, 4, 8, 16, 32, 64, 100 };
  static const char *const media_names[] = { "forward", "mix" };
  double seconds = 5;
  g_autofree char *home = g_dir_make_tmp ("jamnet-bench-hub-XXXXXX", NULL);
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  HubFigures at[2][2][8];
  gboolean measured[2][2][8] = { { { FALSE } } };
  gboolean run_media[2] = { TRUE, TRUE };
  g_autofree char *realtime = g_strdup (g_getenv ("JAMNET_REALTIME"));
  int rc = 0;

  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--seconds") && i + 1 < argc)
      seconds = g_ascii_strtod (argv[++i], NULL);
    else if (g_str_equal (argv[i], "--media") && i + 1 < argc)
      {
        const char *m = argv[++i];

        run_media[0] = g_str_equal (m, "forward") || g_str_equal (m, "both");
        run_media[1] = g_str_equal (m, "mix") || g_str_equal (m, "both");
        if (!run_media[0] && !run_media[1])
          return jn_bench_fail ("--media takes forward, mix or both");
      }
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
        g_printerr ("usage: jamnet-bench hub [--media forward|mix|both (default both)] "
                    "[--players N[,N...] (forward 1..31, default 1,4,8,16; mix 1..127, default "
                    "1,4,8,16,32,64,100)] [--seconds S (default 5)]\n");
        return g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h") ? 0 : 2;
      }
  for (guint k = 0; k < sizes->len; k++)
    if (g_array_index (sizes, guint, k) < 1 ||
        g_array_index (sizes, guint, k) >= (run_media[0] ? JN_SESSION_MAX_PEERS : JN_ROOM_MAX_PLAYERS))
      return jn_bench_fail ("--players takes 1..31 players per forward room, 1..127 per mix room");
  if (!(seconds >= 1 && seconds <= 600) || home == NULL)
    return jn_bench_fail ("--seconds takes 1..600");

  g_print ("hub: one jamnet-server on 127.0.0.1; N players in one room streaming a tone, %.0f s "
           "each; forward: each player a JnSession in this process (no audio device, no PNBTR); "
           "mix: a choir of players driven from one thread (jn-bench-choir.h), the server "
           "concealing with PNBTR on its CPU worker\n", seconds);
  g_print ("  media    codec  players  server CPU/player  upload kbit/s  download kbit/s  delivery  "
           "one-way p50/p99 ms  late mixes  server adds\n");
  for (guint m = 0; m < 2 && rc == 0; m++)
    for (guint c = 0; c < 2 && rc == 0 && run_media[m]; c++)
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *fingerprint = NULL;
        /* every player here comes from 127.0.0.1 */
        /* the server's default worker, said aloud (docs/server.md) */
        g_autofree char *text = g_strdup_printf ("[server]\nmedia = %s\ncodec = %s\n"
                                                 "pnbtr-backend = cpu\n"
                                                 "max-players = %d\nmax-players-per-address = %d\n",
                                                 media_names[m], c ? "opus" : "pcm",
                                                 (m ? JN_ROOM_MAX_PLAYERS : JN_SESSION_MAX_PEERS) - 1,
                                                 (m ? JN_ROOM_MAX_PLAYERS : JN_SESSION_MAX_PEERS) - 1);
        g_autoptr(GSubprocess) server = NULL;
        const guint *defaults = m ? mix_sizes : forward_sizes;
        guint n_sizes = sizes->len > 0 ? sizes->len : (m ? G_N_ELEMENTS (mix_sizes) : G_N_ELEMENTS (forward_sizes));
        guint port = 0;
        GPid pid;

        /* the server as it would run; the players stand for machines of
         * their own, and here must not take its CPU: not real-time */
        if (realtime != NULL)
          g_setenv ("JAMNET_REALTIME", realtime, TRUE);
        else
          g_unsetenv ("JAMNET_REALTIME");
        server = jn_bench_start_server (argv0, home, text, &port, &fingerprint, &error);
        if (server == NULL)
          return jn_bench_fail (error->message);
        g_setenv ("JAMNET_REALTIME", "0", TRUE);
        pid = (GPid) atoi (g_subprocess_get_identifier (server));
        /* the first mix room opens the server's PNBTR worker (PoCL builds
         * its kernels then): not in any room's figures */
        if (m == 1)
          {
            HubFigures warm;
            g_autofree char *why = NULL;

            if (!run_choir (fingerprint, port, pid, c == 1, 1, 1.0, &warm, &why))
              g_printerr ("hub: warming up: %s\n", why);
          }
        for (guint k = 0; k < n_sizes; k++)
          {
            guint n = sizes->len > 0 ? g_array_index (sizes, guint, k) : defaults[k];
            g_autofree char *why = NULL;
            HubFigures *f = &at[m][c][k];

            if (m == 1 ? !run_choir (fingerprint, port, pid, c == 1, n, seconds, f, &why)
                       : !run_band (fingerprint, port, pid, FALSE, c == 1, n, seconds, f, &why))
              {
                g_printerr ("hub: %s, %s, %u players: %s\n", media_names[m], c ? "opus" : "pcm", n, why);
                if (g_subprocess_get_identifier (server) == NULL)
                  g_printerr ("hub: jamnet-server ended: %s %d\n",
                              g_subprocess_get_if_signaled (server) ? "signal" : "status",
                              g_subprocess_get_if_signaled (server) ? g_subprocess_get_term_sig (server)
                                                                    : g_subprocess_get_exit_status (server));
                rc = 1;
                break;
              }
            measured[m][c][k] = TRUE;
            g_print ("  %-7s  %-5s  %7u  %15.2f %%  %13.1f  %15.1f  %7.2f %%  %8.3f / %-7.3f",
                     media_names[m], c ? "opus" : "pcm", n, f->cpu_pct_per_player, f->up_kbps,
                     f->down_kbps, f->delivery_pct, f->one_way_p50, f->one_way_p99);
            if (m == 1)
              g_print ("  %8.2f %%  %8.2f ms  (worker %.2f %%)", f->late_mix_pct, f->server_ms,
                       f->worker_pct_per_player);
            g_print ("\n");
            add_figures (media_names[m], c ? "opus" : "pcm", n, f);
          }
        g_subprocess_send_signal (server, SIGTERM);
        g_subprocess_wait (server, NULL, NULL);

        /* upload per player does not grow with the room: the largest room's
         * against the smallest with listeners */
        if (rc == 0)
          {
            gint small = -1, large = -1;

            for (guint k = 0; k < n_sizes; k++)
              {
                guint n = sizes->len > 0 ? g_array_index (sizes, guint, k) : defaults[k];

                if (!measured[m][c][k] || n < 2)
                  continue;
                if (small < 0 || n < (sizes->len > 0 ? g_array_index (sizes, guint, small) : defaults[small]))
                  small = (gint) k;
                if (large < 0 || n > (sizes->len > 0 ? g_array_index (sizes, guint, large) : defaults[large]))
                  large = (gint) k;
              }
            if (small >= 0 && large != small)
              {
                g_autofree char *id = g_strdup_printf ("%s.%s.upload_ratio", media_names[m], c ? "opus" : "pcm");

                jn_report_add_value (jn_bench_report (), "hub", id, "x", JN_BETTER_LOWER,
                                     at[m][c][large].up_kbps / at[m][c][small].up_kbps);
                if (m == 1)
                  {
                    g_autofree char *d = g_strdup_printf ("mix.%s.download_ratio", c ? "opus" : "pcm");

                    jn_report_add_value (jn_bench_report (), "hub", d, "x", JN_BETTER_LOWER,
                                         at[m][c][large].down_kbps / at[m][c][small].down_kbps);
                  }
              }
          }
      }
  /* JackTrip's hub beside the forward rooms (PCM, as JackTrip sends) */
  if (rc == 0 && run_media[0])
    {
      const guint *defaults = forward_sizes;
      guint n_sizes = sizes->len > 0 ? sizes->len : G_N_ELEMENTS (forward_sizes);

      if (!jn_bench_jacktrip_found ())
        g_print ("  JackTrip: not installed (Debian's jacktrip and jackd2), so the targets against "
                 "it are SKIP\n");
      else
        g_print ("  JackTrip's hub (jacktrip -S -p 2) and N clients (jacktrip -C, a process each), "
                 "each side on a dummy JACK: the hub's CPU and its JACK server's, per client, "
                 "beside a forward room's (PCM)\n");
      for (guint k = 0; k < n_sizes && jn_bench_jacktrip_found (); k++)
        {
          guint n = sizes->len > 0 ? g_array_index (sizes, guint, k) : defaults[k];
          g_autofree char *why = NULL;
          double cpu = NAN;

          if (n < 2 || n > 16)
            continue;
          if (!jn_bench_jacktrip (home, n, seconds, &cpu, &why))
            {
              g_print ("  JackTrip, %u clients: %s\n", n, why);
              continue;
            }
          /* its hub sends each client one stream, the others' sum: a mix
           * room's PCM figure at the same N is the like for like */
          gint mk = -1;

          for (guint j = 0; j < (sizes->len > 0 ? sizes->len : G_N_ELEMENTS (mix_sizes)); j++)
            if ((sizes->len > 0 ? g_array_index (sizes, guint, j) : mix_sizes[j]) == n &&
                measured[1][0][j])
              mk = (gint) j;
          g_print ("  jacktrip pcm    %7u  %15.2f %%   (JamNet forward: %.2f %%, %.2fx; mix: %.2f %%, "
                   "%.2fx)\n", n, cpu,
                   measured[0][0][k] ? at[0][0][k].cpu_pct_per_player : NAN,
                   measured[0][0][k] ? at[0][0][k].cpu_pct_per_player / cpu : NAN,
                   mk >= 0 ? at[1][0][mk].cpu_pct_per_player : NAN,
                   mk >= 0 ? at[1][0][mk].cpu_pct_per_player / cpu : NAN);
          if (mk >= 0)
            {
              g_autofree char *mix_ratio = g_strdup_printf ("mix.pcm.%u.cpu_vs_jacktrip", n);

              jn_report_add_value (jn_bench_report (), "hub", mix_ratio, "x", JN_BETTER_LOWER,
                                   at[1][0][mk].cpu_pct_per_player / cpu);
            }
          {
            g_autofree char *id = g_strdup_printf ("jacktrip.%u.cpu_pct_per_player", n);
            g_autofree char *ratio = g_strdup_printf ("forward.pcm.%u.cpu_vs_jacktrip", n);

            jn_report_add_value (jn_bench_report (), "hub", id, "%", JN_BETTER_LOWER, cpu);
            if (measured[0][0][k])
              jn_report_add_value (jn_bench_report (), "hub", ratio, "x", JN_BETTER_LOWER,
                                   at[0][0][k].cpu_pct_per_player / cpu);
          }
        }
    }
  /* Jamulus beside the mix rooms, at the sizes its clients (a process
   * each, on JACK's dummy driver) fit on this machine */
  if (rc == 0 && run_media[1])
    {
      const guint *defaults = mix_sizes;
      guint n_sizes = sizes->len > 0 ? sizes->len : G_N_ELEMENTS (mix_sizes);

      if (!jn_bench_jamulus_found ())
        g_print ("  Jamulus: not installed (Debian's jamulus and jackd2), so the targets against it "
                 "are SKIP\n");
      else
        g_print ("  Jamulus %s: its server (--server --nogui) and N clients (--nogui --connect, a "
                 "process each, on a dummy JACK), server CPU per client beside a mix room's (Opus)\n",
                 "server");
      for (guint k = 0; k < n_sizes && jn_bench_jamulus_found (); k++)
        {
          guint n = sizes->len > 0 ? g_array_index (sizes, guint, k) : defaults[k];
          g_autofree char *why = NULL;
          double cpu = NAN;

          if (n > 32)
            continue;   /* 32 Jamulus processes already take a core here */
          if (!jn_bench_jamulus (home, n, seconds, &cpu, &why))
            {
              g_print ("  Jamulus, %u clients: %s\n", n, why);
              continue;
            }
          g_print ("  jamulus  opus   %7u  %15.2f %%   (JamNet mix: %.2f %%, %.2fx)\n", n, cpu,
                   measured[1][1][k] ? at[1][1][k].cpu_pct_per_player : NAN,
                   measured[1][1][k] ? at[1][1][k].cpu_pct_per_player / cpu : NAN);
          {
            g_autofree char *id = g_strdup_printf ("jamulus.%u.cpu_pct_per_player", n);
            g_autofree char *ratio = g_strdup_printf ("mix.opus.%u.cpu_vs_jamulus", n);

            jn_report_add_value (jn_bench_report (), "hub", id, "%", JN_BETTER_LOWER, cpu);
            if (measured[1][1][k])
              jn_report_add_value (jn_bench_report (), "hub", ratio, "x", JN_BETTER_LOWER,
                                   at[1][1][k].cpu_pct_per_player / cpu);
          }
        }
    }
  jn_report_add_suite (jn_bench_report (), "hub", rc == 0, NULL);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", home);

    if (system (cmd) != 0)
      g_printerr ("could not remove %s\n", home);
  }
  return rc;
}
