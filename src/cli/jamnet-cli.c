/* jamnet-cli.c: headless JamNet: host, join, demo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-cli"

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jn-audio-bridge.h"
#include "jn-audio.h"
#include "jn-device-list.h"
#include "jn-client.h"
#include "jn-control.h"
#include "jn-demo.h"
#include "jn-discovery.h"
#include "jn-host.h"
#include "jn-media-engine.h"
#include "jn-metronome.h"
#include "jn-relay.h"
#include "jn-stats-json.h"
#include "jn-session-report.h"
#include "jn-test-signal.h"
#include "jn-wav.h"

typedef enum { MODE_HOST, MODE_JOIN, MODE_DEMO, MODE_LATENCY, MODE_LIST, MODE_DEVICES } Mode;

/* latency-test: a click every half second, timed when it comes back */
#define CLICK_INTERVAL_S 0.5
#define CLICK_FRAMES     16
#define MAX_CLICKS       64

typedef struct
{
  /* options */
  int       port;
  int       udp_port;
  char     *bind;
  char     *name;
  char     *session;
  char     *passphrase;
  char     *input;
  gboolean  silence;
  char     *record;
  char     *record_midi;
  double    duration;
  char     *stats_json;
  char     *report;
  gboolean  quiet;
  int       jitter_depth;
  double    safety;
  char     *latency;
  char     *plc;
  char     *pnbtr_backend;
  char     *audio;
  char     *audio_device;
  char     *connect[JN_AUDIO_N_LINKS];   /* --audio-in .. --midi-out */
  JnAudioLinkState link_state[JN_AUDIO_N_LINKS];
  char     *link_detail[JN_AUDIO_N_LINKS];
  int       frames;
  int       rate;
  int       channels;
  char     *sample_format;
  int       midi_test;
  int       midi_interval_ms;
  int       midi_redundancy;
  double    tempo;
  gboolean  echo;
  gboolean  private_session;
  int       count;
  double    monitor_gain;
  double    master_gain;
  gboolean  metronome_on;
  char     *metronome_log;
  double    delay_ms;
  double    jitter_ms;
  double    loss_percent;

  /* state */
  Mode           mode;
  GMainLoop     *loop;
  int            exit_status;
  JnMediaEngine *engine;
  JnHost        *host;
  JnClient      *client;
  JnWav         *wav;
  GAsyncQueue   *blocks;       /* Block*, media thread -> main */
  GHashTable    *writers;      /* peer id -> JnWavWriter */
  GHashTable    *record_paths; /* peer id -> path */
  FILE          *midi_out;
  int            midi_sent;
  guint          midi_source;
  gint64         started_us;

  /* --echo: what the peers sent, played back to them a period later */
  float         *echo_next;
  float         *echo_now;

  /* latency-test, on the media thread */
  guint64        position;          /* first frame of the current tick */
  guint64        next_click;
  guint64        clicks[MAX_CLICKS];
  guint          n_clicks;
  guint          n_echoes;
  double         round_trip_ms[MAX_CLICKS];

  /* the LAN beacon: hosts announce, list browses */
  JnAnnouncer   *announcer;
  JnDiscovery   *discovery;

  /* --metronome: rendered on the media thread, followed from the main one */
  GMutex         metro_lock;
  JnMetronome    metronome;
  float         *metro_buf;
  FILE          *metro_out;

  /* a real audio device, when --audio is given */
  JnAudioDevice *device;
  JnAudioBridge *bridge;

  /* demo: a simulated player behind an emulated network */
  JnDemo        *demo;
} Cli;

typedef struct
{
  guint32     peer_id;
  gboolean    is_midi;
  gboolean    is_beat;     /* a metronome click: beat_us on the host's clock, arrival_us ours */
  gint64      beat_us;
  JnMidiEvent event;
  gint64      arrival_us;
  guint       n;           /* samples */
  float       samples[];
} Block;

/* --- media thread callbacks ---------------------------------------------- */

static void
capture_cb (gpointer  user_data,
            float    *out,
            guint     frames,
            guint     channels,
            guint64   position)
{
  Cli *cli = user_data;

  cli->position = position;
  if (cli->mode == MODE_LATENCY)
    {
      guint rate = jn_media_engine_get_format (cli->engine)->rate;

      memset (out, 0, sizeof (float) * frames * channels);
      if (cli->next_click == 0)
        cli->next_click = position + rate;   /* let the session settle 1 s */
      /* an echo that has not come back within a second is lost */
      if (cli->n_echoes < cli->n_clicks && position > cli->clicks[cli->n_echoes] + rate)
        {
          cli->round_trip_ms[cli->n_echoes] = -1.0;
          g_atomic_int_inc ((gint *) &cli->n_echoes);
        }
      if (cli->next_click >= position && cli->next_click < position + frames &&
          cli->n_clicks < (guint) cli->count && cli->n_clicks == cli->n_echoes)
        {
          guint at = (guint) (cli->next_click - position);

          for (guint i = at; i < MIN (frames, at + CLICK_FRAMES); i++)
            for (guint c = 0; c < channels; c++)
              out[i * channels + c] = 0.8f;
          cli->clicks[cli->n_clicks++] = cli->next_click;
        }
      if (cli->next_click < position + frames)
        cli->next_click += (guint64) (CLICK_INTERVAL_S * rate);
      return;
    }
  if (cli->echo)
    memcpy (out, cli->echo_now, sizeof (float) * frames * channels);
  else if (cli->bridge != NULL)
    jn_audio_bridge_capture (cli->bridge, out, frames, channels);
  else if (cli->silence)
    memset (out, 0, sizeof (float) * frames * channels);
  else if (cli->wav != NULL)
    {
      /* the file plays once, then silence */
      for (guint i = 0; i < frames; i++)
        for (guint c = 0; c < channels; c++)
          out[i * channels + c] = position + i < cli->wav->frames
            ? cli->wav->samples[(position + i) * cli->wav->channels + c % cli->wav->channels]
            : 0.f;
    }
  else
    jn_test_signal_fill (out, frames, channels, jn_media_engine_get_format (cli->engine)->rate,
                         position);
}

static void
playout_cb (gpointer     user_data,
            guint32      peer_id,
            guint32      seq,
            const float *audio,
            guint        frames,
            guint        channels,
            gboolean     concealed)
{
  Cli *cli = user_data;
  Block *block;

  if (cli->echo)
    for (guint i = 0; i < frames * channels; i++)
      cli->echo_next[i] += audio[i];
  if (cli->mode == MODE_LATENCY && cli->n_echoes < cli->n_clicks)
    {
      guint rate = jn_media_engine_get_format (cli->engine)->rate;

      /* the first loud sample after the click went out is its echo; both
       * are on this engine's packet timeline */
      for (guint i = 0; i < frames; i++)
        if (fabsf (audio[i * channels]) > 0.4f && cli->position + i > cli->clicks[cli->n_echoes])
          {
            cli->round_trip_ms[cli->n_echoes] =
              (double) (cli->position + i - cli->clicks[cli->n_echoes]) * 1000.0 / rate;
            g_atomic_int_inc ((gint *) &cli->n_echoes);
            break;
          }
    }
  if (cli->bridge != NULL)
    jn_audio_bridge_add_playout (cli->bridge, peer_id, audio, frames, channels);
  if (cli->record == NULL)
    return;
  block = g_malloc0 (sizeof (Block) + sizeof (float) * frames * channels);
  block->peer_id = peer_id;
  block->n = frames * channels;
  memcpy (block->samples, audio, sizeof (float) * block->n);
  g_async_queue_push (cli->blocks, block);
}

static void
period_end_cb (gpointer user_data,
               guint    frames,
               guint    channels)
{
  Cli *cli = user_data;

  if (cli->metronome_on)
    {
      const JnAudioFormat *format = jn_media_engine_get_format (cli->engine);
      gint64 local = jn_media_engine_get_start_time (cli->engine) +
                     (gint64) (cli->position * G_USEC_PER_SEC / format->rate);
      gint64 onsets[8];
      guint n;

      memset (cli->metro_buf, 0, sizeof (float) * frames * channels);
      g_mutex_lock (&cli->metro_lock);
      n = cli->metronome.epoch_us > 0
          ? jn_metronome_render (&cli->metronome, local, cli->metro_buf, frames, channels, onsets, 8) : 0;
      for (guint k = 0; k < MIN (n, 8u) && cli->metro_out != NULL; k++)
        {
          Block *block = g_malloc0 (sizeof (Block));

          block->is_beat = TRUE;
          block->beat_us = onsets[k];
          block->arrival_us = onsets[k] - (gint64) llround (cli->metronome.offset_us);
          g_async_queue_push (cli->blocks, block);
        }
      g_mutex_unlock (&cli->metro_lock);
      if (cli->bridge != NULL)
        jn_audio_bridge_add_playout (cli->bridge, 0, cli->metro_buf, frames, channels);
    }
  if (cli->echo)
    {
      float *swap = cli->echo_now;

      cli->echo_now = cli->echo_next;
      cli->echo_next = swap;
      memset (cli->echo_next, 0, sizeof (float) * frames * channels);
    }
  if (cli->bridge != NULL)
    jn_audio_bridge_period_end (cli->bridge, frames, channels);
}

static void
midi_cb (gpointer           user_data,
         guint32            peer_id,
         const JnMidiEvent *event,
         gint64             arrival_us)
{
  Cli *cli = user_data;
  Block *block;

  /* the others' MIDI goes out of our MIDI port (media thread: the only
   * sender) */
  if (cli->device != NULL)
    jn_audio_device_send_midi (cli->device, event->data, event->size);
  if (cli->midi_out == NULL)
    return;
  block = g_malloc0 (sizeof (Block));
  block->peer_id = peer_id;
  block->is_midi = TRUE;
  block->event = *event;
  block->arrival_us = arrival_us;
  g_async_queue_push (cli->blocks, block);
}

/* --- main thread --------------------------------------------------------- */

static char *
record_path (Cli     *cli,
             guint32  peer_id)
{
  const char *dot = g_str_has_suffix (cli->record, ".wav") ? cli->record + strlen (cli->record) - 4
                                                           : NULL;
  g_autofree char *stem = dot ? g_strndup (cli->record, dot - cli->record) : g_strdup (cli->record);

  return g_strdup_printf ("%s-%u.wav", stem, peer_id);
}

static void
drain_blocks (Cli *cli)
{
  Block *block;

  while ((block = g_async_queue_try_pop (cli->blocks)) != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (block->is_beat)
        /* a metronome click: the beat on the host's clock, and when it
         * sounds on ours */
        fprintf (cli->metro_out, "{\"beat_us\":%" G_GINT64_FORMAT ",\"local_us\":%" G_GINT64_FORMAT "}\n",
                 block->beat_us, block->arrival_us);
      else if (block->is_midi)
        {
          g_autofree char *jmid = jn_midi_event_to_jmid_string (&block->event);

          /* JMID plus who sent it and when it arrived (local monotonic us) */
          fprintf (cli->midi_out, "{\"from\":%u,\"arrival\":%" G_GINT64_FORMAT ",\"event\":%s}\n",
                   block->peer_id, block->arrival_us, jmid);
        }
      else
        {
          const JnAudioFormat *format = jn_media_engine_get_format (cli->engine);
          JnWavWriter *writer = g_hash_table_lookup (cli->writers, GUINT_TO_POINTER (block->peer_id));

          if (writer == NULL)
            {
              g_autofree char *path = record_path (cli, block->peer_id);

              writer = jn_wav_writer_new (path, format->rate, format->channels, &error);
              if (writer == NULL)
                {
                  g_printerr ("%s\n", error->message);
                  g_free (block);
                  g_free (cli->record);
                  cli->record = NULL;   /* stop recording, keep playing */
                  continue;
                }
              g_hash_table_insert (cli->writers, GUINT_TO_POINTER (block->peer_id), writer);
              g_hash_table_insert (cli->record_paths, GUINT_TO_POINTER (block->peer_id),
                                   g_steal_pointer (&path));
            }
          if (!jn_wav_writer_write (writer, block->samples, block->n / format->channels, &error))
            g_printerr ("%s\n", error->message);
        }
      g_free (block);
    }
}

static gboolean
on_drain (gpointer user_data)
{
  drain_blocks (user_data);
  return G_SOURCE_CONTINUE;
}

/* What a keyboard plays into our MIDI port goes to every peer (main
 * thread: the only receiver). */
static gboolean
on_device_midi (gpointer user_data)
{
  Cli *cli = user_data;
  guint8 message[JN_AUDIO_MIDI_MAX];
  gsize size;

  while ((size = jn_audio_device_receive_midi (cli->device, message, sizeof message)) > 0)
    {
      g_autoptr(GError) error = NULL;

      if (!jn_media_engine_send_midi (cli->engine, message, size, &error))
        g_debug ("not sending MIDI from the device: %s", error->message);
    }
  return G_SOURCE_CONTINUE;
}

/* What the local audio path adds, in ms: device plus bridge, each way. */
static void
local_latency_ms (Cli    *cli,
                  double *capture_ms,
                  double *playback_ms)
{
  const JnAudioFormat *format = jn_media_engine_get_format (cli->engine);
  guint dev_cap = 0, dev_play = 0, ring_cap = 0, ring_play = 0;

  *capture_ms = *playback_ms = 0.0;
  if (cli->device == NULL)
    return;
  jn_audio_device_get_latency (cli->device, &dev_cap, &dev_play);
  jn_audio_bridge_get_queued (cli->bridge, &ring_cap, &ring_play);
  *capture_ms = (dev_cap + ring_cap) * 1000.0 / format->rate;
  *playback_ms = (dev_play + ring_play) * 1000.0 / format->rate;
}

/* End to end from a peer's instrument to our ears: their capture (taken as
 * ours: we do not know theirs), the network one way, our jitter buffer and
 * our playback. */
static double
end_to_end_ms (Cli               *cli,
               const JnPeerStats *p)
{
  const JnAudioFormat *format = jn_media_engine_get_format (cli->engine);
  double capture_ms, playback_ms;

  local_latency_ms (cli, &capture_ms, &playback_ms);
  return capture_ms + p->one_way_ms.last + p->jitter_depth * format->frames * 1000.0 / format->rate +
         playback_ms;
}

static void
print_stats (Cli *cli)
{
  g_autoptr(GArray) peers = jn_media_engine_get_peer_stats (cli->engine);
  double t = (g_get_monotonic_time () - cli->started_us) / 1e6;

  for (guint i = 0; i < peers->len; i++)
    {
      JnPeerStats *p = &g_array_index (peers, JnPeerStats, i);

      if (p->departed)
        continue;
      /* TRANSLATORS: one line per peer and second; keep the columns short */
      g_print (_("[%6.1f s] %-12s rtt %6.2f ms  one-way %6.2f ms  jitter %5.2f ms  "
                 "loss %5.2f %%  late %llu  concealed %llu"
                 "  buffer %u/%u pkts  end-to-end %5.1f ms\n"),
               t, p->name, p->rtt_ms.last, p->one_way_ms.last, p->jitter_ms.last,
               p->loss_percent, (unsigned long long) p->late, (unsigned long long) p->concealed,
               (guint) p->buffer_level.last, p->jitter_depth, end_to_end_ms (cli, p));
    }
  {
    JnEngineStats es;

    jn_media_engine_get_stats (cli->engine, &es);
    if (es.pnbtr_backend[0] != '\0')
      /* TRANSLATORS: the PNBTR worker's backend, its device, models fitted in time / late,
       * the time of its last batch, and how often each stream's model is refitted */
      g_print (_("[%6.1f s] PNBTR: %s on %s, %llu models in time, %llu late, batch %.2f ms, "
                 "refit every %u periods\n"),
               t, es.pnbtr_backend, es.pnbtr_device, (unsigned long long) es.pnbtr_installed,
               (unsigned long long) es.pnbtr_late, es.pnbtr_batch_ms, es.pnbtr_refit_periods);
  }
  if (cli->device != NULL)
    g_print (_("[%6.1f s] audio: %s, %llu xruns\n"), t, jn_audio_device_get_backend (cli->device),
             (unsigned long long) jn_audio_device_get_xruns (cli->device));
  fflush (stdout);
}

static gboolean
on_stats_timer (gpointer user_data)
{
  print_stats (user_data);
  return G_SOURCE_CONTINUE;
}

/* The metronome follows the host's grid: tempo and epoch from the control
 * plane, the clock offset from clock sync. */
static gboolean
on_metronome_follow (gpointer user_data)
{
  Cli *cli = user_data;
  JnPeerStats host = { 0 };
  double tempo = 0, offset = 0;
  gint64 epoch = 0;

  if (cli->host != NULL)
    {
      tempo = jn_host_get_tempo (cli->host);
      epoch = jn_host_get_epoch (cli->host);
    }
  else if (cli->client != NULL)
    {
      tempo = jn_client_get_tempo (cli->client);
      epoch = jn_client_get_epoch (cli->client);
      if (!jn_media_engine_get_peer (cli->engine, JN_HOST_PEER_ID, &host) || !host.synced)
        epoch = 0;   /* not before we know the host's clock */
      offset = host.offset_ms * 1000.0;
    }
  g_mutex_lock (&cli->metro_lock);
  cli->metronome.tempo_bpm = tempo;
  cli->metronome.epoch_us = epoch;
  cli->metronome.offset_us = offset;
  g_mutex_unlock (&cli->metro_lock);
  return G_SOURCE_CONTINUE;
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* latency-test: done when every click came back */
static gboolean
on_latency_check (gpointer user_data)
{
  Cli *cli = user_data;

  if (g_atomic_int_get ((gint *) &cli->n_echoes) >= cli->count)
    {
      g_main_loop_quit (cli->loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
print_latency (Cli *cli)
{
  double sorted[MAX_CLICKS];
  guint n = 0, lost = 0;

  for (guint i = 0; i < cli->n_echoes; i++)
    {
      if (cli->round_trip_ms[i] < 0)
        {
          g_print (_("click %u: no echo within 1 s\n"), i + 1);
          lost++;
          continue;
        }
      g_print (_("click %u: %.2f ms\n"), i + 1, cli->round_trip_ms[i]);
      sorted[n++] = cli->round_trip_ms[i];
    }
  if (n == 0)
    {
      g_printerr (_("No echo came back. Is the other side running with --echo?\n"));
      cli->exit_status = 1;
      return;
    }
  if (lost > 0)
    g_print (_("%u of %u clicks got no echo\n"), lost, cli->n_echoes);
  qsort (sorted, n, sizeof (double), compare_double);
  g_print (_("round trip (network, both jitter buffers, the echo's period): "
             "min %.2f ms, median %.2f ms, max %.2f ms over %u clicks\n"),
           sorted[0], sorted[n / 2], sorted[n - 1], n);
}

static gboolean
on_duration (gpointer user_data)
{
  Cli *cli = user_data;

  g_main_loop_quit (cli->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (gpointer user_data)
{
  Cli *cli = user_data;

  g_main_loop_quit (cli->loop);
  return G_SOURCE_CONTINUE;
}

/* MIDI test pattern: event i is note on (even i) or off (odd i) of note
 * 60 + (i / 2) % 24, velocity 100, channel 1. */
static gboolean
on_midi_test (gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GArray) peers = NULL;
  gboolean synced = FALSE;
  guint8 msg[3];

  /* send only once the UDP path is known to work both ways */
  peers = jn_media_engine_get_peer_stats (cli->engine);
  for (guint i = 0; i < peers->len; i++)
    synced |= g_array_index (peers, JnPeerStats, i).synced;
  if (!synced)
    return G_SOURCE_CONTINUE;

  msg[0] = (cli->midi_sent % 2 == 0) ? 0x90 : 0x80;
  msg[1] = 60 + (cli->midi_sent / 2) % 24;
  msg[2] = 100;
  jn_media_engine_send_midi (cli->engine, msg, 3, NULL);
  if (++cli->midi_sent >= cli->midi_test)
    {
      cli->midi_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
update_announced_players (Cli *cli)
{
  if (cli->announcer != NULL && cli->host != NULL)
    jn_announcer_set_players (cli->announcer, 1 + jn_host_get_n_members (cli->host));
}

static void
on_peer_joined (GObject    *source,
                guint       id,
                const char *name,
                gpointer    user_data)
{
  g_print (_("%s joined (peer %u)\n"), name, id);
  update_announced_players (user_data);
}

static void
on_peer_left (GObject  *source,
              guint     id,
              gpointer  user_data)
{
  g_print (_("Peer %u left\n"), id);
  update_announced_players (user_data);
}

static void
on_client_closed (JnClient     *client,
                  const GError *error,
                  gpointer      user_data)
{
  Cli *cli = user_data;

  g_print ("%s\n", error->message);
  g_main_loop_quit (cli->loop);
}

static gboolean
configure_engine (Cli            *cli,
                  JnMediaEngine  *engine,
                  GError        **error)
{
  static const JnMediaCallbacks callbacks = { capture_cb, playout_cb, midi_cb, period_end_cb };

  if (cli->jitter_depth > 0)
    jn_media_engine_set_jitter_depth (engine, cli->jitter_depth);
  else
    jn_media_engine_set_jitter_adaptive (engine, cli->safety);
  /* without --pnbtr-backend the engine's default: auto, or off where
   * JAMNET_PNBTR_BACKEND=off */
  if (!jn_media_engine_set_concealment (engine, cli->plc ? cli->plc : "pnbtr", error) ||
      (cli->pnbtr_backend != NULL &&
       !jn_media_engine_set_pnbtr_backend (engine, cli->pnbtr_backend, error)))
    return FALSE;
  jn_media_engine_set_midi_redundancy (engine, cli->midi_redundancy);
  if (engine == cli->engine)
    jn_media_engine_set_callbacks (engine, &callbacks, cli);
  return TRUE;
}

/* Says when one of the device's links changes: linked, waiting for a
 * device that went, refused */
static gboolean
watch_links (gpointer user_data)
{
  Cli *cli = user_data;

  if (cli->device == NULL)
    return G_SOURCE_REMOVE;
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    {
      g_autofree char *detail = NULL;
      JnAudioLinkState state = jn_audio_device_get_link (cli->device, k, &detail);

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
      guint shown = 0;

      g_print ("%s\n", _(headings[kind]));
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
        {
          g_autoptr(JnDevice) device = g_list_model_get_item (G_LIST_MODEL (list), i);

          if (jn_device_get_kind (device) != kind)
            continue;
          g_print ("  %-40s %s\n", jn_device_get_name (device), jn_device_get_description (device));
          shown++;
        }
      if (kind <= JN_DEVICE_AUDIO_OUTPUT)
        g_print ("  %-40s %s\n", "default", _("the system's default device (the default)"));
      g_print ("  %-40s %s\n", "none", kind <= JN_DEVICE_AUDIO_OUTPUT ? _("connect it yourself, in a patchbay")
                                                                      : _("connect it yourself, in a patchbay (the default)"));
    }
  return 0;
}

/* Opens the audio device at the session's format, once it is known. */
static gboolean
open_audio (Cli     *cli,
            GError **error)
{
  const JnAudioFormat *format = jn_media_engine_get_format (cli->engine);
  g_autofree char *node = g_strdup_printf ("JamNet %s", cli->name);
  JnAudioConfig config = { node, format->rate, format->channels, format->frames, TRUE,
                           cli->audio_device };

  if (cli->audio == NULL)
    return TRUE;
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    config.connect[k] = g_strcmp0 (cli->connect[k], "none") == 0 ? NULL : cli->connect[k];
  cli->bridge = jn_audio_bridge_new (format->frames, format->channels);
  jn_audio_bridge_set_monitor (cli->bridge, (float) cli->monitor_gain);
  jn_audio_bridge_set_master (cli->bridge, (float) cli->master_gain);
  cli->device = jn_audio_device_new (g_str_equal (cli->audio, "auto") ? NULL : cli->audio, &config,
                                     jn_audio_bridge_process, cli->bridge, error);
  if (cli->device == NULL)
    {
      g_clear_pointer (&cli->bridge, jn_audio_bridge_free);
      return FALSE;
    }
  g_print (_("Audio: %s, %u Hz, %u-frame periods\n"), jn_audio_device_get_backend (cli->device),
           format->rate, format->frames);
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    cli->link_state[k] = (JnAudioLinkState) -1;
  g_timeout_add (250, watch_links, cli);
  return TRUE;
}

static gboolean
parse_format (Cli            *cli,
              JnAudioFormat  *format,
              GError        **error)
{
  format->rate = cli->rate;
  format->frames = cli->frames;
  format->channels = cli->channels;
  if (g_str_equal (cli->sample_format, "s16"))
    format->format = JN_SAMPLE_S16;
  else if (g_str_equal (cli->sample_format, "s24"))
    format->format = JN_SAMPLE_S24;
  else if (g_str_equal (cli->sample_format, "f32"))
    format->format = JN_SAMPLE_F32;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Unknown sample format “%s” (use s16, s24 or f32)"), cli->sample_format);
      return FALSE;
    }
  return jn_audio_format_validate (format, error);
}

static gboolean
start_host (Cli     *cli,
            GError **error)
{
  JnAudioFormat format;
  g_autofree char *url = NULL;

  if (!parse_format (cli, &format, error))
    return FALSE;
  jn_media_engine_set_format (cli->engine, &format);
  if (!configure_engine (cli, cli->engine, error))
    return FALSE;

  cli->host = jn_host_new (cli->engine, cli->session, cli->name, cli->passphrase);
  g_signal_connect (cli->host, "peer-joined", G_CALLBACK (on_peer_joined), cli);
  g_signal_connect (cli->host, "peer-left", G_CALLBACK (on_peer_left), cli);
  if (!jn_host_listen (cli->host, cli->bind, (guint16) cli->port, error))
    return FALSE;
  jn_host_set_transport (cli->host, cli->tempo, FALSE);
  if (!open_audio (cli, error) || !jn_media_engine_start (cli->engine, error))
    return FALSE;

  if (!cli->private_session)
    {
      g_autoptr(GError) beacon_error = NULL;

      cli->announcer = jn_announcer_new (cli->bind, cli->session, cli->name, jn_host_get_port (cli->host),
                                         cli->passphrase != NULL, &beacon_error);
      if (cli->announcer == NULL)
        g_printerr (_("Not announced on the LAN (join by address instead): %s\n"), beacon_error->message);
    }

  url = jn_host_dup_local_url (cli->host);
  g_print (_("Hosting “%s” at %s (UDP port %u, %u Hz, %u frames, %u ch)%s\n"),
           cli->session, url, jn_media_engine_get_port (cli->engine), format.rate,
           format.frames, format.channels,
           cli->passphrase ? _(", passphrase protected") : "");
  fflush (stdout);
  return TRUE;
}

typedef struct
{
  Cli     *cli;
  GError  *error;
  gboolean done;
} JoinWait;

static void
on_joined (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  JoinWait *wait = user_data;

  jn_client_join_finish (JN_CLIENT (source), result, &wait->error);
  wait->done = TRUE;
}

/* Joining is asynchronous; the CLI has nothing else to do meanwhile, so it
 * iterates the main context until the answer is in. */
static gboolean
join_blocking (Cli       *cli,
               JnClient  *client,
               const char *url,
               GError   **error)
{
  JoinWait wait = { cli, NULL, FALSE };

  jn_client_join_async (client, url, NULL, on_joined, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  if (wait.error != NULL)
    {
      g_propagate_error (error, wait.error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
start_join (Cli         *cli,
            const char  *url,
            GError     **error)
{
  const JnAudioFormat *format;

  if (!configure_engine (cli, cli->engine, error))
    return FALSE;
  cli->client = jn_client_new (cli->engine, cli->name, cli->passphrase);
  g_signal_connect (cli->client, "peer-joined", G_CALLBACK (on_peer_joined), cli);
  g_signal_connect (cli->client, "peer-left", G_CALLBACK (on_peer_left), cli);
  g_signal_connect (cli->client, "closed", G_CALLBACK (on_client_closed), cli);
  if (!join_blocking (cli, cli->client, url, error))
    return FALSE;
  if (!open_audio (cli, error) || !jn_media_engine_start (cli->engine, error))
    return FALSE;

  format = jn_media_engine_get_format (cli->engine);
  g_print (_("Joined “%s” as peer %u (%u Hz, %u frames, %u ch)\n"),
           jn_client_get_session_name (cli->client), jn_media_engine_get_local_id (cli->engine),
           format->rate, format->frames, format->channels);
  fflush (stdout);
  return TRUE;
}

/* The demo: this process hosts, and a simulated remote player in the same
 * process joins through a relay that emulates the network. */
typedef struct
{
  JnDemo  *demo;
  GError  *error;
  gboolean done;
} DemoWait;

static void
on_demo_ready (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  DemoWait *wait = user_data;

  wait->demo = jn_demo_new_finish (result, &wait->error);
  wait->done = TRUE;
}

static void
configure_demo_engine (JnMediaEngine *engine,
                       gpointer       user_data)
{
  configure_engine (user_data, engine, NULL);
}

static gboolean
start_demo (Cli     *cli,
            GError **error)
{
  JnImpairment impairment = { 0 };
  g_autofree char *url = NULL;
  DemoWait wait = { 0 };

  if (!start_host (cli, error))
    return FALSE;
  impairment.delay_us = (guint) (cli->delay_ms * 1000);
  impairment.jitter_us = (guint) (cli->jitter_ms * 1000);
  impairment.loss = cli->loss_percent / 100.0;
  url = jn_host_dup_local_url (cli->host);
  jn_demo_new_async (cli->engine, url, &impairment, configure_demo_engine, cli, NULL, on_demo_ready, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  if (wait.demo == NULL)
    {
      g_propagate_error (error, wait.error);
      return FALSE;
    }
  cli->demo = wait.demo;

  g_print (_("Demo: a simulated player joined through an emulated network "
             "(delay %.1f ms, jitter %.1f ms, loss %.1f %%). Ctrl+C ends it.\n"),
           cli->delay_ms, cli->jitter_ms, cli->loss_percent);
  fflush (stdout);
  return TRUE;
}

static void
print_session (JnSessionInfo *info)
{
  g_autofree char *url = jn_session_info_dup_url (info);
  guint players = jn_session_info_get_players (info);

  g_print (_("%s — %s, %u %s%s  %s\n"), jn_session_info_get_name (info),
           jn_session_info_get_host_name (info), players,
           g_dngettext (GETTEXT_PACKAGE, "player", "players", players),
           jn_session_info_has_passphrase (info) ? _(", passphrase") : "", url);
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

      print_session (info);
    }
  fflush (stdout);
}

static gboolean
write_stats_json (Cli     *cli,
                  GError **error)
{
  g_autoptr(JsonNode) root = jn_media_engine_stats_to_json (cli->engine);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  JsonObject *object = json_node_get_object (root);
  JsonArray *peers = json_object_get_array_member (object, "peers");
  static const char *roles[] = { "host", "join", "demo", "latency-test", "list" };

  json_object_set_string_member (object, "role", roles[cli->mode]);
  json_object_set_double_member (object, "duration_s",
                                 (g_get_monotonic_time () - cli->started_us) / 1e6);
  json_object_set_int_member (object, "midi_sent", cli->midi_sent);
  if (cli->device != NULL)
    {
      JsonObject *audio = json_object_new ();
      JnAudioBridgeStats bridge;

      jn_audio_bridge_get_stats (cli->bridge, &bridge);
      json_object_set_string_member (audio, "backend", jn_audio_device_get_backend (cli->device));
      json_object_set_int_member (audio, "periods", (gint64) jn_audio_device_get_periods (cli->device));
      json_object_set_int_member (audio, "xruns", (gint64) jn_audio_device_get_xruns (cli->device));
      json_object_set_int_member (audio, "capture_overruns", (gint64) bridge.capture_overruns);
      json_object_set_int_member (audio, "capture_underruns", (gint64) bridge.capture_underruns);
      json_object_set_int_member (audio, "playback_underruns", (gint64) bridge.playback_underruns);
      json_object_set_int_member (audio, "playback_overruns", (gint64) bridge.playback_overruns);
      {
        double capture_ms, playback_ms;

        local_latency_ms (cli, &capture_ms, &playback_ms);
        json_object_set_double_member (audio, "capture_latency_ms", capture_ms);
        json_object_set_double_member (audio, "playback_latency_ms", playback_ms);
      }
      json_object_set_object_member (object, "audio", audio);
    }
  {
    g_autoptr(GArray) stats = jn_media_engine_get_peer_stats (cli->engine);

    for (guint i = 0; i < json_array_get_length (peers); i++)
      {
        JsonObject *peer = json_array_get_object_element (peers, i);

        for (guint k = 0; k < stats->len; k++)
          if (g_array_index (stats, JnPeerStats, k).id == json_object_get_int_member (peer, "id"))
            json_object_set_double_member (peer, "end_to_end_ms",
                                           end_to_end_ms (cli, &g_array_index (stats, JnPeerStats, k)));
      }
  }
  for (guint i = 0; i < json_array_get_length (peers); i++)
    {
      JsonObject *peer = json_array_get_object_element (peers, i);
      const char *path = g_hash_table_lookup (cli->record_paths,
                                              GUINT_TO_POINTER (json_object_get_int_member (peer, "id")));
      if (path != NULL)
        json_object_set_string_member (peer, "record_file", path);
    }
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_file (generator, cli->stats_json, error);
}

static void
finish (Cli *cli)
{
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&cli->midi_source, g_source_remove);
  g_clear_pointer (&cli->demo, jn_demo_free);
  jn_media_engine_stop (cli->engine);   /* no more callbacks after this */
  drain_blocks (cli);
  if (cli->device != NULL && !cli->quiet)
    g_print (_("Audio: %llu periods, %llu xruns\n"),
             (unsigned long long) jn_audio_device_get_periods (cli->device),
             (unsigned long long) jn_audio_device_get_xruns (cli->device));
  g_hash_table_remove_all (cli->writers);   /* closes the WAV files */
  if (cli->midi_out != NULL)
    fclose (cli->midi_out);
  cli->midi_out = NULL;
  if (cli->metro_out != NULL)
    fclose (cli->metro_out);
  cli->metro_out = NULL;

  if (cli->mode == MODE_LATENCY)
    print_latency (cli);
  else if (!cli->quiet)
    print_stats (cli);
  if (cli->stats_json != NULL && !write_stats_json (cli, &error))
    {
      g_printerr (_("Cannot write the stats: %s\n"), error->message);
      cli->exit_status = 1;
    }
  g_clear_error (&error);
  if (cli->report != NULL)
    {
      g_autofree char *title = g_strdup_printf (_("JamNet session report: %s"),
                                                cli->name ? cli->name : g_get_host_name ());
      g_autoptr(JnReport) report = jn_session_report_new (cli->engine, title);

      if (!jn_report_write (report, cli->report, NULL, &error))
        {
          g_printerr (_("Cannot write the report: %s\n"), error->message);
          cli->exit_status = 1;
        }
      else if (!cli->quiet)
        g_print (_("Report written to %s\n"), cli->report);
    }

  if (cli->client != NULL)
    jn_client_leave (cli->client);
  g_clear_pointer (&cli->announcer, jn_announcer_free);   /* says bye */
  if (cli->host != NULL)
    jn_host_shutdown (cli->host);
  /* let the close frames go out */
  for (guint i = 0; i < 20 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

static int
usage (GOptionContext *context)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("%s", help);
  return 2;
}

int
main (int argc, char *argv[])
{
  Cli cli = {
    .port = JN_DEFAULT_PORT, .udp_port = 0, .jitter_depth = 0, .frames = 128, .rate = 48000,
    .channels = 1, .midi_interval_ms = 10, .midi_redundancy = 1, .tempo = 120.0, .count = 10,
    .master_gain = 1.0,
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const char *command;
  const char *url = NULL;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &cli.port, N_("host: WebSocket port (0 picks a free one)"), "N" },
    { "udp-port", 0, 0, G_OPTION_ARG_INT, &cli.udp_port, N_("UDP media port (default: any free one)"), "N" },
    { "bind", 0, 0, G_OPTION_ARG_STRING, &cli.bind, N_("IP address to listen on (default: all)"), "ADDR" },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &cli.name, N_("Your name in the session"), "NAME" },
    { "session", 's', 0, G_OPTION_ARG_STRING, &cli.session, N_("host: session name"), "NAME" },
    { "passphrase", 0, 0, G_OPTION_ARG_STRING, &cli.passphrase, N_("Session passphrase"), "TEXT" },
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &cli.input, N_("Stream this WAV file (default: a test tone)"), "FILE" },
    { "silence", 0, 0, G_OPTION_ARG_NONE, &cli.silence, N_("Stream silence"), NULL },
    { "audio", 'a', 0, G_OPTION_ARG_STRING, &cli.audio, N_("Play and capture through an audio device: pipewire, null or auto"), "BACKEND" },
    { "record", 'r', 0, G_OPTION_ARG_FILENAME, &cli.record, N_("Record each peer to FILE-<peer id>.wav"), "FILE" },
    { "record-midi", 0, 0, G_OPTION_ARG_FILENAME, &cli.record_midi, N_("Write received MIDI as JMID lines"), "FILE" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &cli.duration, N_("Stop after this many seconds"), "S" },
    { "stats-json", 0, 0, G_OPTION_ARG_FILENAME, &cli.stats_json, N_("Write the final stats as JSON"), "FILE" },
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &cli.report, N_("At the end, write a session report: per-peer latency over time (.json, .csv, .html or .pdf)"), "FILE" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &cli.quiet, N_("No per-second stats lines"), NULL },
    { "latency", 'l', 0, G_OPTION_ARG_STRING, &cli.latency, N_("Jitter buffer: lowest, balanced (default), safest, or 0..1"), "MODE" },
    { "jitter-depth", 0, 0, G_OPTION_ARG_INT, &cli.jitter_depth, N_("Fixed jitter buffer depth in packets (default: adaptive)"), "N" },
    { "plc", 0, 0, G_OPTION_ARG_STRING, &cli.plc, N_("Loss concealment: pnbtr (default), burg, repeat, zero"), "METHOD" },
    { "pnbtr-backend", 0, 0, G_OPTION_ARG_STRING, &cli.pnbtr_backend, N_("Where PNBTR fits its models: auto (default), cpu, opencl, cuda, off"), "BACKEND" },
    { "frames", 0, 0, G_OPTION_ARG_INT, &cli.frames, N_("host: frames per packet (default 128)"), "N" },
    { "rate", 0, 0, G_OPTION_ARG_INT, &cli.rate, N_("host: sample rate (default 48000)"), "HZ" },
    { "channels", 0, 0, G_OPTION_ARG_INT, &cli.channels, N_("host: channels (default 1)"), "N" },
    { "sample-format", 0, 0, G_OPTION_ARG_STRING, &cli.sample_format, N_("host: s16, s24 or f32 (default s16)"), "FMT" },
    { "tempo", 0, 0, G_OPTION_ARG_DOUBLE, &cli.tempo, N_("host: session tempo in BPM (default 120)"), "BPM" },
    { "midi-test", 0, 0, G_OPTION_ARG_INT, &cli.midi_test, N_("Send N test MIDI notes on/off"), "N" },
    { "midi-interval", 0, 0, G_OPTION_ARG_INT, &cli.midi_interval_ms, N_("Milliseconds between test MIDI events (default 10)"), "MS" },
    { "midi-redundancy", 0, 0, G_OPTION_ARG_INT, &cli.midi_redundancy, N_("Send each MIDI event K times, 1..5 (default 1)"), "K" },
    { "audio-device", 0, 0, G_OPTION_ARG_STRING, &cli.audio_device, N_("ALSA: the PCM to use (default: default)"), "NAME" },
    { "audio-in", 0, 0, G_OPTION_ARG_STRING, &cli.connect[JN_AUDIO_LINK_INPUT], N_("PipeWire: record from this source (see “devices”; default: default, none: use a patchbay)"), "NAME" },
    { "audio-out", 0, 0, G_OPTION_ARG_STRING, &cli.connect[JN_AUDIO_LINK_OUTPUT], N_("PipeWire: play to this sink (see “devices”; default: default, none: use a patchbay)"), "NAME" },
    { "midi-in", 0, 0, G_OPTION_ARG_STRING, &cli.connect[JN_AUDIO_LINK_MIDI_INPUT], N_("PipeWire: take MIDI from this port (see “devices”; default: none)"), "PORT" },
    { "midi-out", 0, 0, G_OPTION_ARG_STRING, &cli.connect[JN_AUDIO_LINK_MIDI_OUTPUT], N_("PipeWire: send the others' MIDI to this port (see “devices”; default: none)"), "PORT" },
    { "monitor", 0, 0, G_OPTION_ARG_DOUBLE, &cli.monitor_gain, N_("With --audio: hear yourself at this gain, 0..4 (default 0)"), "GAIN" },
    { "master", 0, 0, G_OPTION_ARG_DOUBLE, &cli.master_gain, N_("With --audio: gain of the others' mix, 0..4 (default 1)"), "GAIN" },
    { "metronome", 0, 0, G_OPTION_ARG_NONE, &cli.metronome_on, N_("Play a click on the session's shared beat (needs --audio to be heard)"), NULL },
    { "metronome-log", 0, 0, G_OPTION_ARG_FILENAME, &cli.metronome_log, N_("Write when each click sounds, as JSON lines"), "FILE" },
    { "private", 0, 0, G_OPTION_ARG_NONE, &cli.private_session, N_("host: do not announce the session on the LAN"), NULL },
    { "echo", 0, 0, G_OPTION_ARG_NONE, &cli.echo, N_("Send back what the others send (for their latency-test)"), NULL },
    { "count", 0, 0, G_OPTION_ARG_INT, &cli.count, N_("latency-test: clicks to time (default 10)"), "N" },
    { "delay", 0, 0, G_OPTION_ARG_DOUBLE, &cli.delay_ms, N_("demo: emulated one-way delay"), "MS" },
    { "jitter", 0, 0, G_OPTION_ARG_DOUBLE, &cli.jitter_ms, N_("demo: emulated jitter"), "MS" },
    { "loss", 0, 0, G_OPTION_ARG_DOUBLE, &cli.loss_percent, N_("demo: emulated packet loss"), "PERCENT" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  /* JAMNET_LOCALEDIR: the build tree's translations (build-aux/jamnet.sh run) */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("JAMNET_LOCALEDIR") ? g_getenv ("JAMNET_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("host | join URL | demo | latency-test URL | list | devices"));
  g_option_context_set_summary (context,
    _("Play music live with other people over the network, headless.\n\n"
      "  host          host a session\n"
      "  join URL      join the session at URL (host:port, jamnet://host:port, ws://...)\n"
      "  demo          host a session with a simulated player behind an emulated network\n"
      "  latency-test URL  time clicks echoed by a peer running with --echo\n"
      "  list          the sessions announced on the LAN\n"
      "  devices       the audio and MIDI devices --audio-in, --audio-out, --midi-in, --midi-out can name"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      cli.exit_status = 2;
      goto out;
    }
  if (argc < 2)
    {
      cli.exit_status = usage (context);
      goto out;
    }

  command = argv[1];
  if (g_str_equal (command, "host") && argc == 2)
    cli.mode = MODE_HOST;
  else if (g_str_equal (command, "join") && argc == 3)
    {
      cli.mode = MODE_JOIN;
      url = argv[2];
    }
  else if (g_str_equal (command, "demo") && argc == 2)
    cli.mode = MODE_DEMO;
  else if (g_str_equal (command, "list") && argc == 2)
    cli.mode = MODE_LIST;
  else if (g_str_equal (command, "devices") && argc == 2)
    {
      cli.exit_status = list_devices ();
      goto out;
    }
  else if (g_str_equal (command, "latency-test") && argc == 3)
    {
      cli.mode = MODE_LATENCY;
      url = argv[2];
    }
  else
    {
      cli.exit_status = usage (context);
      goto out;
    }

  if (cli.sample_format == NULL)
    cli.sample_format = g_strdup ("s16");
  for (guint k = JN_AUDIO_LINK_INPUT; k <= JN_AUDIO_LINK_OUTPUT; k++)
    if (cli.connect[k] == NULL)
      cli.connect[k] = g_strdup ("default");
  if (cli.session == NULL)
    cli.session = g_strdup (_("JamNet session"));
  if (cli.name == NULL)
    cli.name = g_strdup (cli.mode == MODE_JOIN ? g_get_user_name () : g_get_host_name ());
  if (cli.port < 0 || cli.port > 65535 || cli.udp_port < 0 || cli.udp_port > 65535)
    {
      g_printerr (_("Ports are numbers from 0 to 65535\n"));
      cli.exit_status = 2;
      goto out;
    }
  if (cli.jitter_depth < 0 || cli.jitter_depth > 32)
    {
      g_printerr (_("--jitter-depth must be 1..32 packets\n"));
      cli.exit_status = 2;
      goto out;
    }
  if (cli.latency == NULL)
    cli.latency = g_strdup ("balanced");
  if (g_str_equal (cli.latency, "lowest"))
    cli.safety = 0.0;
  else if (g_str_equal (cli.latency, "balanced"))
    cli.safety = 0.5;
  else if (g_str_equal (cli.latency, "safest"))
    cli.safety = 1.0;
  else
    {
      char *end = NULL;

      cli.safety = g_ascii_strtod (cli.latency, &end);
      if (end == cli.latency || *end != '\0' || !(cli.safety >= 0.0 && cli.safety <= 1.0))
        {
          g_printerr (_("--latency takes lowest, balanced, safest or a number from 0 to 1\n"));
          cli.exit_status = 2;
          goto out;
        }
    }
  if (cli.midi_redundancy < 1 || cli.midi_redundancy > JN_MIDI_REDUNDANCY_MAX)
    {
      g_printerr (_("--midi-redundancy must be 1..%d\n"), JN_MIDI_REDUNDANCY_MAX);
      cli.exit_status = 2;
      goto out;
    }
  if (!(cli.monitor_gain >= 0 && cli.monitor_gain <= 4) || !(cli.master_gain >= 0 && cli.master_gain <= 4))
    {
      g_printerr (_("--monitor and --master take a gain from 0 to 4\n"));
      cli.exit_status = 2;
      goto out;
    }
  if (cli.count < 1 || cli.count > MAX_CLICKS)
    {
      g_printerr (_("--count must be 1..%d\n"), MAX_CLICKS);
      cli.exit_status = 2;
      goto out;
    }
  if (cli.midi_interval_ms < 1 || cli.midi_test < 0 || cli.duration < 0 ||
      cli.delay_ms < 0 || cli.jitter_ms < 0 || cli.loss_percent < 0 || cli.loss_percent > 100 ||
      cli.tempo < 20 || cli.tempo > 400)
    {
      g_printerr (_("An option has a value out of range; see --help\n"));
      cli.exit_status = 2;
      goto out;
    }

  if (cli.input != NULL)
    {
      cli.wav = jn_wav_load (cli.input, &error);
      if (cli.wav == NULL)
        {
          g_printerr ("%s\n", error->message);
          cli.exit_status = 1;
          goto out;
        }
    }
  if (cli.record_midi != NULL && (cli.midi_out = fopen (cli.record_midi, "w")) == NULL)
    {
      g_printerr (_("Cannot write “%s”: %s\n"), cli.record_midi, g_strerror (errno));
      cli.exit_status = 1;
      goto out;
    }

  if (cli.metronome_log != NULL && (cli.metro_out = fopen (cli.metronome_log, "w")) == NULL)
    {
      g_printerr (_("Cannot write “%s”: %s\n"), cli.metronome_log, g_strerror (errno));
      cli.exit_status = 1;
      goto out;
    }
  if (cli.metronome_log != NULL)
    cli.metronome_on = TRUE;
  g_mutex_init (&cli.metro_lock);
  jn_metronome_init (&cli.metronome, 48000);
  cli.metro_buf = g_new0 (float, JN_AUDIO_MAX_FRAMES * JN_AUDIO_MAX_CHANNELS);
  cli.loop = g_main_loop_new (NULL, FALSE);
  cli.echo_next = g_new0 (float, JN_AUDIO_MAX_FRAMES * JN_AUDIO_MAX_CHANNELS);
  cli.echo_now = g_new0 (float, JN_AUDIO_MAX_FRAMES * JN_AUDIO_MAX_CHANNELS);
  cli.blocks = g_async_queue_new_full (g_free);
  cli.writers = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) jn_wav_writer_free);
  cli.record_paths = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  if (cli.mode == MODE_LIST)
    {
      cli.discovery = jn_discovery_new (cli.bind, &error);
      if (cli.discovery == NULL)
        {
          g_printerr (_("jamnet-cli: %s\n"), error->message);
          cli.exit_status = 1;
          goto out;
        }
      g_signal_connect (cli.discovery, "items-changed", G_CALLBACK (on_sessions_changed), &cli);
      g_timeout_add ((guint) ((cli.duration > 0 ? cli.duration : 2.0) * 1000), on_duration, &cli);
      g_unix_signal_add (SIGINT, on_signal, &cli);
      g_main_loop_run (cli.loop);
      if (g_list_model_get_n_items (G_LIST_MODEL (cli.discovery)) == 0)
        g_print (_("No sessions found on the LAN. A session may be private: join it by address.\n"));
      goto out;
    }

  cli.engine = jn_media_engine_new (cli.bind, (guint16) cli.udp_port, &error);
  if (cli.engine == NULL ||
      !(cli.mode == MODE_HOST ? start_host (&cli, &error) :
        cli.mode == MODE_DEMO ? start_demo (&cli, &error) :
        start_join (&cli, url, &error)))
    {
      g_printerr (_("jamnet-cli: %s\n"), error->message);
      cli.exit_status = 1;
      goto out;
    }

  if (cli.wav != NULL && cli.wav->rate != jn_media_engine_get_format (cli.engine)->rate)
    g_printerr (_("Warning: %s is %u Hz but the session runs at %u Hz; it will play at the "
                  "wrong speed\n"), cli.input, cli.wav->rate, jn_media_engine_get_format (cli.engine)->rate);

  cli.started_us = g_get_monotonic_time ();
  g_timeout_add (50, on_drain, &cli);
  if (!cli.quiet)
    g_timeout_add_seconds (1, on_stats_timer, &cli);
  if (cli.duration > 0)
    g_timeout_add ((guint) (cli.duration * 1000), on_duration, &cli);
  if (cli.midi_test > 0)
    cli.midi_source = g_timeout_add (cli.midi_interval_ms, on_midi_test, &cli);
  if (cli.device != NULL)
    g_timeout_add (2, on_device_midi, &cli);
  if (cli.metronome_on)
    {
      g_mutex_lock (&cli.metro_lock);
      jn_metronome_init (&cli.metronome, jn_media_engine_get_format (cli.engine)->rate);
      g_mutex_unlock (&cli.metro_lock);
      on_metronome_follow (&cli);
      g_timeout_add (250, on_metronome_follow, &cli);
    }
  if (cli.mode == MODE_LATENCY)
    {
      g_timeout_add (50, on_latency_check, &cli);
      if (cli.duration <= 0)   /* clicks every 0.5 s, after 1 s; then give up */
        g_timeout_add ((guint) ((1.5 + cli.count * CLICK_INTERVAL_S) * 2000), on_duration, &cli);
    }
  g_unix_signal_add (SIGINT, on_signal, &cli);
  g_unix_signal_add (SIGTERM, on_signal, &cli);

  g_main_loop_run (cli.loop);
  finish (&cli);

out:
  g_clear_pointer (&cli.announcer, jn_announcer_free);
  g_clear_object (&cli.discovery);
  /* the device's thread uses the bridge: stop it first */
  g_clear_pointer (&cli.device, jn_audio_device_free);
  g_clear_pointer (&cli.bridge, jn_audio_bridge_free);
  g_clear_pointer (&cli.demo, jn_demo_free);
  g_clear_object (&cli.client);
  g_clear_object (&cli.host);
  g_clear_object (&cli.engine);
  g_clear_pointer (&cli.writers, g_hash_table_unref);
  g_clear_pointer (&cli.record_paths, g_hash_table_unref);
  g_clear_pointer (&cli.blocks, g_async_queue_unref);
  g_clear_pointer (&cli.loop, g_main_loop_unref);
  g_clear_pointer (&cli.wav, jn_wav_free);
  if (cli.midi_out != NULL)
    fclose (cli.midi_out);
  g_free (cli.bind);
  g_free (cli.name);
  g_free (cli.session);
  g_free (cli.passphrase);
  g_free (cli.input);
  g_free (cli.record);
  g_free (cli.record_midi);
  g_free (cli.stats_json);
  g_free (cli.report);
  g_free (cli.sample_format);
  g_free (cli.latency);
  g_free (cli.plc);
  g_free (cli.pnbtr_backend);
  g_free (cli.audio);
  g_free (cli.audio_device);
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    {
      g_free (cli.connect[k]);
      g_free (cli.link_detail[k]);
    }
  g_free (cli.echo_next);
  g_free (cli.echo_now);
  g_free (cli.metro_buf);
  g_free (cli.metronome_log);
  if (cli.metro_out != NULL)
    fclose (cli.metro_out);
  g_mutex_clear (&cli.metro_lock);
  return cli.exit_status;
}
