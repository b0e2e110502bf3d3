/* jamnet-cli.c: headless JamNet: host, join, demo, latency test, list
 *
 * The session is a JnSession; this file reads the options, starts it, and
 * prints what it says.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-cli"

#include "config.h"

#include <math.h>

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "jn-cli-options.h"
#include "jn-client.h"
#include "jn-codec.h"
#include "jn-device-list.h"
#include "jn-discovery.h"
#include "jn-room-list.h"

typedef struct
{
  JnCliOptions      o;
  GMainLoop        *loop;
  int               exit_status;
  JnSession        *session;
  gint64            started_us;
  int               midi_sent;
  guint             midi_source;
  guint             chat_source;   /* --chat: until it is said */
  JnAudioLinkState  link_state[JN_AUDIO_N_LINKS];
  char             *link_detail[JN_AUDIO_N_LINKS];
  /* an async call's answer, waited for by iterating the main context */
  gboolean          done;
  gboolean          quitting;   /* asked to end (signal, duration) */
  int               realtime_told;  /* the JnRealtimeState printed; -1: none */
  GError           *error;
} Cli;

static void
print_stats (Cli *cli)
{
  GListModel *peers = jn_session_get_peers (cli->session);
  const JnEngineStats *es = jn_session_get_engine_stats (cli->session);
  JnAudioDevice *device = jn_session_get_audio_device (cli->session);
  double t = (g_get_monotonic_time () - cli->started_us) / 1e6;
  JnMediaEngine *engine = jn_session_get_engine (cli->session);
  gboolean mix_room = engine != NULL && jn_media_engine_has_mix (engine);

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(JnPeer) peer = g_list_model_get_item (peers, i);
      const JnPeerStats *p = jn_peer_get_stats (peer);

      if (mix_room && jn_peer_get_id (peer) != JN_HUB_PEER_ID)
        {
          /* heard in the room's mix, not on its own */
          if (jn_peer_get_muted (peer))
            /* TRANSLATORS: a player of a mix room, heard in the server's mix: muted */
            g_print (_("[%6.1f s] %-12s in the room’s mix: muted\n"), t, jn_peer_get_name (peer));
          else
            /* TRANSLATORS: a player of a mix room, heard in the server's mix at this
             * gain and pan (-1 left, +1 right) */
            g_print (_("[%6.1f s] %-12s in the room’s mix: volume %.2f, pan %+.2f\n"), t,
                     jn_peer_get_name (peer), jn_peer_get_gain (peer), jn_peer_get_pan (peer));
          continue;
        }

      if (p->not_heard)
        {
          /* TRANSLATORS: nothing came from a player for this many seconds */
          g_print (_("[%6.1f s] %-12s not heard from for %.0f s\n"), t, p->name, p->silent_s);
          continue;
        }
      /* TRANSLATORS: one line per peer and second; keep the columns short */
      g_print (_("[%6.1f s] %-12s rtt %6.2f ms  one-way %6.2f ms  jitter %5.2f ms  "
                 "loss %5.2f %%  late %llu  concealed %llu  restored %llu"
                 "  buffer %u/%u pkts  end-to-end %5.1f ms\n"),
               t, p->name, p->rtt_ms.last, p->one_way_ms.last, p->jitter_ms.last,
               p->loss_percent, (unsigned long long) p->late, (unsigned long long) p->concealed,
               (unsigned long long) p->restored,
               (guint) p->buffer_level.last, p->jitter_depth, jn_peer_get_end_to_end_ms (peer));
      /* a clock on the same machine as ours is not worth a line */
      if (p->drift_valid && fabs (p->drift_ppm) >= 1)
        {
          if (p->resampled)
            /* TRANSLATORS: the player's sound card against ours, in ppm; then the ratio
             * its stream is resampled at, and the delay that adds */
            g_print (_("[%6.1f s] %-12s clock %+.1f ppm, resampled at %+.1f ppm (+%.1f ms)\n"),
                     t, p->name, p->drift_ppm, p->resample_ppm, p->resample_delay_ms);
          else
            /* TRANSLATORS: the player's sound card against ours, in ppm */
            g_print (_("[%6.1f s] %-12s clock %+.1f ppm\n"), t, p->name, p->drift_ppm);
        }
      if (jn_peer_get_path (peer) != JN_PEER_PATH_UDP)
        {
          JnLinkInfo link;

          if (jn_session_get_link (cli->session, jn_peer_get_id (peer), &link) && link.has_pair)
            /* TRANSLATORS: how audio reaches a player, then ICE's pair: local type and
             * address, remote type and address */
            g_print (_("[%6.1f s] %-12s path: %s, %s %s ↔ %s %s\n"), t, p->name,
                     jn_peer_path_describe (jn_peer_get_path (peer)), link.pair.local_type,
                     link.pair.local_address, link.pair.remote_type, link.pair.remote_address);
          else
            g_print (_("[%6.1f s] %-12s path: %s\n"), t, p->name,
                     jn_peer_path_describe (jn_peer_get_path (peer)));
        }
    }
  if (es->pnbtr_backend[0] != '\0')
    /* TRANSLATORS: the PNBTR worker's backend, its device, models fitted in time / late,
     * the time of its last batch, and how often each stream's model is refitted */
    g_print (_("[%6.1f s] PNBTR: %s on %s, %llu models in time, %llu late, batch %.2f ms, "
               "refit every %u periods\n"),
             t, es->pnbtr_backend, es->pnbtr_device, (unsigned long long) es->pnbtr_installed,
             (unsigned long long) es->pnbtr_late, es->pnbtr_batch_ms, es->pnbtr_refit_periods);
  if (device != NULL)
    g_print (_("[%6.1f s] audio: %s, %llu xruns\n"), t, jn_audio_device_get_backend (device),
             (unsigned long long) jn_audio_device_get_xruns (device));
  /* when the answer is known, and again if it changes */
  if (cli->realtime_told != (int) es->realtime && es->realtime != JN_REALTIME_PENDING &&
      es->media_scheduling[0] != '\0')
    {
      cli->realtime_told = es->realtime;
      if (es->realtime == JN_REALTIME_GRANTED)
        /* TRANSLATORS: the media thread's scheduling ("SCHED_FIFO 15") and who granted it
         * ("direct": the system lets us; "rtkit": RealtimeKit; "portal": Flatpak's portal) */
        g_print (_("[%6.1f s] media thread: %s (%s)\n"), t, es->media_scheduling, es->realtime_via);
      else
        /* TRANSLATORS: the media thread's scheduling ("SCHED_OTHER") and why real-time was refused */
        g_print (_("[%6.1f s] media thread: %s, real-time refused: %s\n"), t, es->media_scheduling,
                 es->realtime_refusal[0] != '\0' ? es->realtime_refusal : _("not asked (JAMNET_REALTIME=0)"));
    }
  fflush (stdout);
}

static gboolean
on_stats_timer (gpointer user_data)
{
  print_stats (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_quit (gpointer user_data)
{
  Cli *cli = user_data;

  cli->quitting = TRUE;
  g_main_loop_quit (cli->loop);
  return G_SOURCE_CONTINUE;
}

/* latency-test: done when every click came back */
static gboolean
on_latency_check (gpointer user_data)
{
  Cli *cli = user_data;

  if (jn_latency_test_is_done (jn_session_get_latency_test (cli->session)))
    g_main_loop_quit (cli->loop);
  return G_SOURCE_CONTINUE;
}

static void
print_latency (Cli           *cli,
               JnLatencyTest *test)
{
  double round_trip[JN_LATENCY_TEST_MAX_CLICKS];
  guint n_echoes = jn_latency_test_get_results (test, round_trip, JN_LATENCY_TEST_MAX_CLICKS);
  JnLatencyFigures figures;

  for (guint i = 0; i < n_echoes; i++)
    if (round_trip[i] < 0)
      g_print (_("click %u: no echo within 1 s\n"), i + 1);
    else
      g_print (_("click %u: %.2f ms\n"), i + 1, round_trip[i]);
  if (!jn_latency_test_get_figures (test, &figures))
    {
      g_printerr (_("No echo came back. Is the other side running with --echo?\n"));
      cli->exit_status = 1;
      return;
    }
  if (figures.echoes < figures.clicks)
    g_print (_("%u of %u clicks got no echo\n"), figures.clicks - figures.echoes, figures.clicks);
  g_print (_("round trip (network, both jitter buffers, the echo's period): "
             "min %.2f ms, median %.2f ms, max %.2f ms over %u clicks\n"),
           figures.min_ms, figures.median_ms, figures.max_ms, figures.echoes);
}

/* MIDI test pattern: event i is note on (even i) or off (odd i) of note
 * 60 + (i / 2) % 24, velocity 100, channel 1; sent once the media path
 * is known to work both ways, or to be none (then MIDI goes through the
 * room). */
static gboolean
on_midi_test (gpointer user_data)
{
  Cli *cli = user_data;
  GListModel *peers = jn_session_get_peers (cli->session);
  gboolean synced = FALSE;
  guint8 msg[3];

  /* or MIDI takes the control plane: no UDP path to that peer */
  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(JnPeer) peer = g_list_model_get_item (peers, i);

      synced |= jn_peer_get_stats (peer)->synced || jn_peer_get_path (peer) == JN_PEER_PATH_UNREACHABLE;
    }
  if (!synced)
    return G_SOURCE_CONTINUE;
  msg[0] = (cli->midi_sent % 2 == 0) ? 0x90 : 0x80;
  msg[1] = 60 + (cli->midi_sent / 2) % 24;
  msg[2] = 100;
  jn_session_send_midi (cli->session, msg, 3, NULL);
  if (++cli->midi_sent >= cli->o.midi_test)
    {
      cli->midi_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
on_peer_state (JnPeer     *peer,
               GParamSpec *pspec,
               Cli        *cli)
{
  if (jn_peer_get_state (peer) == JN_PEER_LEFT && jn_session_get_state (cli->session) == JN_SESSION_RUNNING)
    {
      g_print (_("Peer %u left\n"), jn_peer_get_id (peer));
      fflush (stdout);
    }
}

static void
on_peers_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Cli        *cli)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(JnPeer) peer = g_list_model_get_item (model, i);

      g_print (_("%s joined (peer %u)\n"), jn_peer_get_name (peer), jn_peer_get_id (peer));
      g_signal_connect (peer, "notify::state", G_CALLBACK (on_peer_state), cli);
      jn_cli_options_apply_volume (&cli->o, peer);
    }
  fflush (stdout);
}

/* what the others say */
static void
on_chat (JnSession  *session,
         guint       id,
         const char *name,
         const char *text,
         Cli        *cli)
{
  /* TRANSLATORS: a chat line: who said it, and what */
  g_print (_("[chat] %s: %s\n"), name, text);
  fflush (stdout);
}

/* --chat: said once someone is there to hear it */
static gboolean
on_chat_due (gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;

  if (jn_session_get_state (cli->session) != JN_SESSION_RUNNING ||
      g_list_model_get_n_items (jn_session_get_peers (cli->session)) == 0)
    return G_SOURCE_CONTINUE;
  cli->chat_source = 0;
  if (!jn_session_send_chat (cli->session, cli->o.chat, &error))
    {
      g_printerr (_("jamnet-cli: %s\n"), error->message);
      cli->exit_status = 1;
    }
  return G_SOURCE_REMOVE;
}

static void
on_ended (JnSession    *session,
          const GError *error,
          Cli          *cli)
{
  /* the host ending the session is a normal end; losing it is not */
  if (g_error_matches (error, JN_SESSION_ERROR, JN_SESSION_ERROR_CLOSED))
    g_print ("%s\n", error->message);
  else
    {
      g_printerr ("%s\n", error->message);
      cli->exit_status = 1;
    }
  g_main_loop_quit (cli->loop);
}

static void
on_warning (JnSession  *session,
            const char *message,
            Cli        *cli)
{
  g_printerr ("%s\n", message);
}

/* Says when one of the device's links changes: linked, waiting for a
 * device that went, refused */
static gboolean
watch_links (gpointer user_data)
{
  Cli *cli = user_data;
  JnAudioDevice *device = jn_session_get_audio_device (cli->session);

  if (device == NULL)
    return G_SOURCE_REMOVE;
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    {
      g_autofree char *detail = NULL;
      JnAudioLinkState state = jn_audio_device_get_link (device, k, &detail);

      if (state == cli->link_state[k] && g_strcmp0 (detail, cli->link_detail[k]) == 0)
        continue;
      /* MIDI nobody asked for is not news */
      if (!(state == JN_AUDIO_LINK_UNCONNECTED && (k == JN_AUDIO_LINK_MIDI_INPUT || k == JN_AUDIO_LINK_MIDI_OUTPUT)))
        {
          g_autofree char *line = jn_audio_link_describe (k, state, detail);

          g_print ("%s\n", line);
        }
      cli->link_state[k] = state;
      g_free (cli->link_detail[k]);
      cli->link_detail[k] = g_steal_pointer (&detail);
    }
  fflush (stdout);
  return G_SOURCE_CONTINUE;
}

/* jamnet-cli devices: what --audio-in and the others can name */
static int
list_devices (void)
{
  static const char *headings[] = {
    N_("Audio inputs (--audio-in):"), N_("Audio outputs (--audio-out):"),
    N_("MIDI inputs (--midi-in):"), N_("MIDI outputs (--midi-out):"),
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(JnDeviceList) list = jn_device_list_new (&error);
  gint64 deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

  if (list == NULL)
    {
      g_printerr (_("jamnet-cli: %s\n"), error->message);
      return 1;
    }
  while (!jn_device_list_is_ready (list) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (!jn_device_list_is_ready (list))
    {
      g_printerr (_("jamnet-cli: PipeWire did not answer in time\n"));
      return 1;
    }
  for (guint kind = JN_DEVICE_AUDIO_INPUT; kind <= JN_DEVICE_MIDI_OUTPUT; kind++)
    {
      g_print ("%s\n", _(headings[kind]));
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
        {
          g_autoptr(JnDevice) device = g_list_model_get_item (G_LIST_MODEL (list), i);

          if (jn_device_get_kind (device) == kind)
            g_print ("  %-40s %s\n", jn_device_get_name (device), jn_device_get_description (device));
        }
      if (kind <= JN_DEVICE_AUDIO_OUTPUT)
        g_print ("  %-40s %s\n", "default", _("the system's default device (the default)"));
      g_print ("  %-40s %s\n", "none", kind <= JN_DEVICE_AUDIO_OUTPUT ? _("connect it yourself, in a patchbay")
                                                                      : _("connect it yourself, in a patchbay (the default)"));
    }
  return 0;
}

static void
on_sessions_changed (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     gpointer    user_data)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(JnSessionInfo) info = g_list_model_get_item (model, i);
      g_autofree char *url = jn_session_info_dup_url (info);
      guint players = jn_session_info_get_players (info);

      g_print (_("%s — %s, %u %s%s  %s\n"), jn_session_info_get_name (info),
               jn_session_info_get_host_name (info), players,
               g_dngettext (GETTEXT_PACKAGE, "player", "players", players),
               jn_session_info_has_passphrase (info) ? _(", passphrase") : "", url);
    }
  fflush (stdout);
}

/* jamnet-cli list: the sessions the LAN beacon hears of */
static int
list_sessions (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnDiscovery) discovery = jn_discovery_new (cli->o.bind, &error);

  if (discovery == NULL)
    {
      g_printerr (_("jamnet-cli: %s\n"), error->message);
      return 1;
    }
  g_signal_connect (discovery, "items-changed", G_CALLBACK (on_sessions_changed), cli);
  g_timeout_add ((guint) ((cli->o.duration > 0 ? cli->o.duration : 2.0) * 1000), on_quit, cli);
  g_unix_signal_add (SIGINT, on_quit, cli);
  g_main_loop_run (cli->loop);
  if (g_list_model_get_n_items (G_LIST_MODEL (discovery)) == 0)
    g_print (_("No sessions found on the LAN. A session may be private: join it by address.\n"));
  return 0;
}

static void
on_rooms (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(JnRoomList) list = jn_room_list_fetch_finish (result, &cli->error);

  cli->done = TRUE;
  if (list == NULL)
    return;
  /* TRANSLATORS: a server's name and where it is, then how many rooms and players it has */
  g_print (_("%s (%s): "), list->server, list->host_port);
  g_print (g_dngettext (GETTEXT_PACKAGE, "%u room open, ", "%u rooms open, ", list->rooms_open),
           list->rooms_open);
  g_print (g_dngettext (GETTEXT_PACKAGE, "%u player\n", "%u players\n", list->players),
           list->players);
  for (guint i = 0; i < list->rooms->len; i++)
    {
      JnRoomListing *room = g_ptr_array_index (list->rooms, i);

      g_print (_("  %s — %u/%u players%s  %s\n"), room->name, room->players, room->max_players,
               room->passphrase ? _(", passphrase") : "", room->url);
    }
  if (list->rooms->len == 0)
    g_print (_("  No room is listed. Open one: jamnet-cli join jamnet://%s/ROOM --create\n"),
             list->host_port);
}

/* jamnet-cli rooms SERVER: the rooms a server lists */
static int
list_rooms (Cli *cli)
{
  jn_room_list_fetch_async (cli->o.url, NULL, on_rooms, cli);
  while (!cli->done)
    g_main_context_iteration (NULL, TRUE);
  if (cli->error != NULL)
    {
      g_printerr (_("jamnet-cli: %s\n"), cli->error->message);
      g_clear_error (&cli->error);
      return 1;
    }
  return 0;
}

static void
on_started (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Cli *cli = user_data;
  JnSession *session = JN_SESSION (source);

  switch (cli->o.mode)
    {
    case JN_CLI_HOST: jn_session_host_finish (session, result, &cli->error); break;
    case JN_CLI_DEMO: jn_session_demo_finish (session, result, &cli->error); break;
    default: jn_session_join_finish (session, result, &cli->error); break;
    }
  cli->done = TRUE;
}

/* The CLI has nothing else to do while the session starts: it iterates
 * the main context until the answer is in. */
static gboolean
start_session (Cli     *cli,
               GError **error)
{
  JnCliOptions *o = &cli->o;
  const JnAudioFormat *format;
  g_autofree char *codec = NULL;

  if (o->mode == JN_CLI_HOST)
    jn_session_host_async (cli->session, o->session, o->passphrase, NULL, on_started, cli);
  else if (o->mode == JN_CLI_DEMO)
    {
      JnImpairment impairment = { (guint) (o->delay_ms * 1000), (guint) (o->jitter_ms * 1000),
                                  o->loss_percent / 100.0, 0 };

      jn_session_demo_async (cli->session, o->session, &impairment, NULL, on_started, cli);
    }
  else
    jn_session_join_async (cli->session, o->url, o->passphrase, NULL, on_started, cli);
  while (!cli->done)
    g_main_context_iteration (NULL, TRUE);
  if (cli->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&cli->error));
      return FALSE;
    }

  format = jn_session_get_format (cli->session);
  codec = jn_codec_describe (format);
  if (jn_session_get_audio_device (cli->session) != NULL)
    {
      g_print (_("Audio: %s, %u Hz, %u-frame periods\n"),
               jn_audio_device_get_backend (jn_session_get_audio_device (cli->session)), format->rate, format->frames);
      for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
        cli->link_state[k] = (JnAudioLinkState) -1;
      g_timeout_add (250, watch_links, cli);
    }
  if (o->mode == JN_CLI_HOST || o->mode == JN_CLI_DEMO)
    {
      g_autofree char *url = jn_session_dup_local_url (cli->session);

      g_print (_("Hosting “%s” at %s (UDP port %u, %u Hz, %u frames, %u ch, %s)%s\n"),
               jn_session_get_name (cli->session), url, jn_media_engine_get_port (jn_session_get_engine (cli->session)),
               format->rate, format->frames, format->channels, codec, o->passphrase ? _(", passphrase protected") : "");
    }
  if (o->mode == JN_CLI_DEMO)
    g_print (_("Demo: a simulated player joined through an emulated network "
               "(delay %.1f ms, jitter %.1f ms, loss %.1f %%). Ctrl+C ends it.\n"),
             o->delay_ms, o->jitter_ms, o->loss_percent);
  else if (o->mode != JN_CLI_HOST)
    g_print (_("Joined “%s” as peer %u (%u Hz, %u frames, %u ch, %s)\n"), jn_session_get_name (cli->session),
             jn_session_get_local_id (cli->session), format->rate, format->frames, format->channels, codec);
  fflush (stdout);
  return TRUE;
}

static gboolean
write_stats_json (Cli     *cli,
                  GError **error)
{
  g_autoptr(JsonNode) root = jn_session_stats_to_json (cli->session);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  JsonObject *object = json_node_get_object (root);

  if (cli->o.mode == JN_CLI_LATENCY_TEST)
    json_object_set_string_member (object, "role", "latency-test");
  json_object_set_int_member (object, "midi_sent", cli->midi_sent);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_file (generator, cli->o.stats_json, error);
}

static void
on_report_written (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Cli *cli = user_data;

  jn_session_export_report_finish (JN_SESSION (source), result, &cli->error);
  cli->done = TRUE;
}

static void
finish (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  guint64 periods, xruns;

  g_clear_handle_id (&cli->midi_source, g_source_remove);
  g_clear_handle_id (&cli->chat_source, g_source_remove);
  jn_session_leave (cli->session);
  jn_session_get_audio_counts (cli->session, &periods, &xruns);
  if (periods > 0 && !cli->o.quiet)
    g_print (_("Audio: %llu periods, %llu xruns\n"), (unsigned long long) periods, (unsigned long long) xruns);
  if (cli->o.mode == JN_CLI_LATENCY_TEST)
    print_latency (cli, jn_session_get_latency_test (cli->session));
  else if (!cli->o.quiet)
    print_stats (cli);
  if (cli->o.stats_json != NULL && !write_stats_json (cli, &error))
    {
      g_printerr (_("Cannot write the stats: %s\n"), error->message);
      cli->exit_status = 1;
    }
  if (cli->o.report != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (cli->o.report);

      cli->done = FALSE;
      jn_session_export_report_async (cli->session, file, NULL, on_report_written, cli);
      while (!cli->done)
        g_main_context_iteration (NULL, TRUE);
      if (cli->error != NULL)
        {
          g_printerr (_("Cannot write the report: %s\n"), cli->error->message);
          g_clear_error (&cli->error);
          cli->exit_status = 1;
        }
      else if (!cli->o.quiet)
        g_print (_("Report written to %s\n"), cli->o.report);
    }
  /* let the close frames go out */
  for (guint i = 0; i < 20 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

static int
run_session (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  JnSessionConfig config;
  JnLatencyTest *test;
  guint wav_rate = 0;

  jn_cli_options_session_config (&cli->o, &config);
  cli->session = jn_session_new (&config);
  if (!jn_cli_options_setup_session (&cli->o, cli->session, &wav_rate, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  test = jn_session_get_latency_test (cli->session);
  g_signal_connect (cli->session, "ended", G_CALLBACK (on_ended), cli);
  g_signal_connect (cli->session, "warning", G_CALLBACK (on_warning), cli);
  g_signal_connect (cli->session, "chat", G_CALLBACK (on_chat), cli);
  g_signal_connect (jn_session_get_peers (cli->session), "items-changed", G_CALLBACK (on_peers_changed), cli);
  /* before starting: a SIGTERM while the session starts (its identity
   * loads in a thread) ends it cleanly rather than killing the process */
  g_unix_signal_add (SIGINT, on_quit, cli);
  g_unix_signal_add (SIGTERM, on_quit, cli);
  if (!start_session (cli, &error))
    {
      g_printerr (_("jamnet-cli: %s\n"), error->message);
      return 1;
    }
  if (wav_rate != 0 && wav_rate != jn_session_get_format (cli->session)->rate)
    g_printerr (_("Warning: %s is %u Hz but the session runs at %u Hz; it will play at the "
                  "wrong speed\n"), cli->o.input, wav_rate, jn_session_get_format (cli->session)->rate);

  cli->started_us = g_get_monotonic_time ();
  if (!cli->o.quiet)
    g_timeout_add_seconds (1, on_stats_timer, cli);
  if (cli->o.duration > 0)
    g_timeout_add ((guint) (cli->o.duration * 1000), on_quit, cli);
  else if (test != NULL)
    g_timeout_add ((guint) (jn_latency_test_get_timeout_s (test) * 1000), on_quit, cli);
  if (cli->o.midi_test > 0)
    cli->midi_source = g_timeout_add (cli->o.midi_interval_ms, on_midi_test, cli);
  if (cli->o.chat != NULL)
    cli->chat_source = g_timeout_add (100, on_chat_due, cli);
  if (test != NULL)
    g_timeout_add (50, on_latency_check, cli);
  if (!cli->quitting)
    g_main_loop_run (cli->loop);
  finish (cli);
  return cli->exit_status;
}

int
main (int argc, char *argv[])
{
  Cli cli = { .realtime_told = -1 };

  setlocale (LC_ALL, "");
  /* JAMNET_LOCALEDIR: the build tree's translations (build-aux/jamnet.sh run) */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("JAMNET_LOCALEDIR") ? g_getenv ("JAMNET_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (jn_cli_options_parse (&cli.o, &argc, &argv, &cli.exit_status))
    {
      cli.loop = g_main_loop_new (NULL, FALSE);
      if (cli.o.mode == JN_CLI_DEVICES)
        cli.exit_status = list_devices ();
      else if (cli.o.mode == JN_CLI_LIST)
        cli.exit_status = list_sessions (&cli);
      else if (cli.o.mode == JN_CLI_ROOMS)
        cli.exit_status = list_rooms (&cli);
      else
        cli.exit_status = run_session (&cli);
    }
  g_clear_object (&cli.session);
  g_clear_pointer (&cli.loop, g_main_loop_unref);
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    g_free (cli.link_detail[k]);
  jn_cli_options_clear (&cli.o);
  return cli.exit_status;
}
