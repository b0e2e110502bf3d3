/* jn-session.c: one jam session and the order of its parts
 *
 * Starting: the engine (format, settings, callbacks), then the host or
 * client, then the audio device at the session's format, then the engine's
 * media thread, then the LAN announcer (host) or the demo player (demo).
 * Leaving, the other way round: the demo, the media thread, what was
 * recorded, goodbye on the control plane, the audio device.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-session"

#include "config.h"

#include <glib/gi18n.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "jn-audio-bridge.h"
#include "jn-client.h"
#include "jn-control.h"
#include "jn-demo.h"
#include "jn-echo.h"
#include "jn-discovery.h"
#include "jn-host.h"
#include "jn-identity.h"
#include "jn-levels.h"
#include "jn-metronome.h"
#include "jn-peer-private.h"
#include "jn-session-report.h"
#include "jn-session.h"
#include "jn-stats-json.h"

#define DRAIN_MS            50
#define DEVICE_MIDI_MS      2
#define METRONOME_FOLLOW_MS 250
#define MAX_ONSETS          8

struct _JnSession
{
  GObject          parent_instance;

  /* the configuration, copied */
  JnSessionConfig  config;
  char            *player_name;
  char            *bind_address;
  char            *concealment;
  char            *pnbtr_backend;
  char            *audio_backend;
  char            *alsa_device;
  char            *stun;
  char            *turn;
  char            *connect[JN_AUDIO_N_LINKS];

  JnSessionState   state;
  JnSessionRole    role;
  char            *name;
  gboolean         left;
  gint64           started_us;
  gint64           ended_us;

  JnMediaEngine   *engine;
  JnHost          *host;
  JnClient        *client;
  JnAnnouncer     *announcer;
  JnDemo          *demo;

  /* audio: opened before the media thread starts, closed after it stops */
  JnAudioDevice   *device;
  JnAudioBridge   *bridge;
  gboolean         had_device;
  gboolean         in_room;         /* joined a server's room */
  char            *room_url;        /* its link, as given */
  char            *recording_folder; /* the last recording's */
  char            *recording_stamp;  /* its name's date and time */
  guint            recording_repeat; /* recordings in that second */
  char            *audio_status;
  guint64          audio_periods;
  guint64          audio_xruns;
  char            *audio_scheduling; /* the device thread's, once the device closed */
  JnAudioBridgeStats bridge_stats;
  double           capture_ms;      /* kept when the device closes */
  double           playback_ms;

  JnCaptureSource *capture;
  JnRecorder      *recorder;
  /* a recording started during the jam: players, our input and the mix,
   * aligned (the media thread reads the pointer each callback) */
  JnRecorder      *jam_recorder;
  GPtrArray       *closing;         /* stopped ones, until the media thread let go */
  atomic_uint_least64_t periods_done;
  guint            jam_drain_source;
  guint            closing_source;
  JnLatencyTest   *latency_test;
  /* a latency test with one player, asked during the jam: the media
   * thread reads the pointer each callback; owned until it let go */
  JnLatencyTest   *live_test;
  JnLatencyTest   *live_owned;
  _Atomic guint32  live_peer;
  GTask           *live_task;
  guint            live_source;
  gint64           live_deadline_us;
  guint64          live_stopped_at;
  JnEcho          *echo;            /* a player's latency test, played back to it */

  GListStore      *peers;           /* JnPeer, the others now */
  GHashTable      *peer_by_id;      /* id -> JnPeer (ref) */
  GHashTable      *links;           /* id -> JnLinkInfo*: ICE's last word on each link */
  JnEngineStats    engine_stats;
  JnLevels        *levels;          /* media thread -> the meters: every stream's */
  _Atomic float    input_gain;      /* main -> media thread */
  atomic_bool      input_muted;
  atomic_bool      metronome_on;    /* main -> media thread: the click sounds */

  /* media thread */
  guint64          position;
  GMutex           metro_lock;
  JnMetronome      metronome;
  float           *metro_buf;

  guint            drain_source;
  guint            device_midi_source;
  guint            metronome_source;
};

enum { PROP_0, PROP_STATE, PROP_NAME, PROP_INPUT_GAIN, PROP_INPUT_MUTED, PROP_MONITOR_GAIN,
       PROP_RECORDING, PROP_METRONOME, PROP_PEERS, N_PROPS };
enum { ENDED, WARNING, FIGURES_UPDATED, CHAT, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_ENUM_TYPE (JnSessionState, jn_session_state,
                    G_DEFINE_ENUM_VALUE (JN_SESSION_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (JN_SESSION_STARTING, "starting"),
                    G_DEFINE_ENUM_VALUE (JN_SESSION_RUNNING, "running"),
                    G_DEFINE_ENUM_VALUE (JN_SESSION_ENDED, "ended"))

G_DEFINE_FINAL_TYPE (JnSession, jn_session, G_TYPE_OBJECT)

void
jn_session_config_init (JnSessionConfig *config)
{
  g_return_if_fail (config != NULL);

  memset (config, 0, sizeof *config);
  config->announce = TRUE;
  config->format = (JnAudioFormat) { 48000, 128, 1, JN_SAMPLE_S16 };
  config->tempo_bpm = 120.0;
  config->latency_safety = 0.5;
  config->midi_redundancy = 1;
  config->master_gain = 1.0;
}

static void
set_state (JnSession      *self,
           JnSessionState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
warn (JnSession  *self,
      const char *message)
{
  g_signal_emit (self, signals[WARNING], 0, message);
}

/* --- the media thread's side (engine callbacks, its lock held) -------------- */

static void
capture_cb (gpointer  user_data,
            float    *out,
            guint     frames,
            guint     channels,
            guint64   position)
{
  JnSession *self = user_data;
  guint rate = self->config.format.rate;
  gsize n = (gsize) frames * channels;
  gboolean musician = FALSE;   /* the musician's input, not a test's */

  self->position = position;
  if (self->latency_test != NULL)
    jn_latency_test_capture (self->latency_test, out, frames, channels, rate, position);
  else if (g_atomic_pointer_get (&self->live_test) != NULL)
    jn_latency_test_capture (g_atomic_pointer_get (&self->live_test), out, frames, channels, rate, position);
  else if (jn_echo_capture (self->echo, out, frames, channels))
    ;   /* a player's clicks back to them, not the musician */
  else if (self->capture != NULL && jn_capture_source_get_kind (self->capture) == JN_CAPTURE_ECHO)
    jn_capture_source_fill (self->capture, out, frames, channels, rate, position);
  else if (self->bridge != NULL)
    {
      jn_audio_bridge_capture (self->bridge, out, frames, channels);
      musician = TRUE;
    }
  else if (self->capture != NULL)
    {
      jn_capture_source_fill (self->capture, out, frames, channels, rate, position);
      musician = TRUE;
    }
  else
    memset (out, 0, sizeof (float) * n);

  if (musician)
    {
      float gain = atomic_load_explicit (&self->input_gain, memory_order_relaxed);

      if (gain != 1.f)
        for (gsize i = 0; i < n; i++)
          out[i] *= gain;
    }
  /* the meter shows what we play, also while the others do not hear it;
   * so does the recording */
  jn_levels_measure (self->levels, JN_LEVELS_INPUT, out, frames, channels);
  jn_recorder_push_audio (g_atomic_pointer_get (&self->jam_recorder), JN_RECORDER_LOCAL, out, frames, channels);
  if (musician && atomic_load_explicit (&self->input_muted, memory_order_relaxed))
    memset (out, 0, sizeof (float) * n);
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
  JnSession *self = user_data;

  if (self->capture != NULL)
    jn_capture_source_add_playout (self->capture, audio, frames, channels);
  if (self->latency_test != NULL)
    jn_latency_test_playout (self->latency_test, audio, frames, channels, self->config.format.rate);
  else if (g_atomic_pointer_get (&self->live_test) != NULL &&
           peer_id == atomic_load_explicit (&self->live_peer, memory_order_relaxed))
    jn_latency_test_playout (g_atomic_pointer_get (&self->live_test), audio, frames, channels,
                             self->config.format.rate);
  jn_echo_playout (self->echo, peer_id, audio, frames, channels);
  if (self->bridge != NULL)
    jn_audio_bridge_add_playout (self->bridge, peer_id, audio, frames, channels);
  /* as they play, before our own volume, mute or solo */
  jn_levels_measure (self->levels, peer_id, audio, frames, channels);
  jn_recorder_push_audio (self->recorder, peer_id, audio, frames, channels);
  jn_recorder_push_audio (g_atomic_pointer_get (&self->jam_recorder), peer_id, audio, frames, channels);
}

static void
midi_cb (gpointer           user_data,
         guint32            peer_id,
         const JnMidiEvent *event,
         gint64             arrival_us)
{
  JnSession *self = user_data;

  /* the others' MIDI goes out of our MIDI port (this thread is its only sender) */
  if (self->device != NULL)
    jn_audio_device_send_midi (self->device, event->data, event->size);
  jn_recorder_push_midi (self->recorder, peer_id, event, arrival_us);
}

static void
period_end_cb (gpointer user_data,
               guint    frames,
               guint    channels)
{
  JnSession *self = user_data;

  if (atomic_load_explicit (&self->metronome_on, memory_order_relaxed))
    {
      gint64 local = jn_media_engine_get_start_time (self->engine) +
                     (gint64) (self->position * G_USEC_PER_SEC / self->config.format.rate);
      gint64 onsets[MAX_ONSETS];
      guint n;

      memset (self->metro_buf, 0, sizeof (float) * frames * channels);
      g_mutex_lock (&self->metro_lock);
      n = self->metronome.epoch_us > 0
          ? jn_metronome_render (&self->metronome, local, self->metro_buf, frames, channels, onsets, MAX_ONSETS)
          : 0;
      for (guint k = 0; k < MIN (n, (guint) MAX_ONSETS); k++)
        jn_recorder_push_beat (self->recorder, onsets[k],
                               onsets[k] - (gint64) llround (self->metronome.offset_us));
      g_mutex_unlock (&self->metro_lock);
      if (self->bridge != NULL)
        jn_audio_bridge_add_playout (self->bridge, 0, self->metro_buf, frames, channels);
    }
  if (self->capture != NULL)
    jn_capture_source_period_end (self->capture, frames, channels);
  jn_echo_period_end (self->echo, frames, channels);
  {
    JnRecorder *jam = g_atomic_pointer_get (&self->jam_recorder);

    if (self->bridge != NULL)
      jn_recorder_push_audio (jam, JN_RECORDER_MIX, jn_audio_bridge_peek_mix (self->bridge), frames, channels);
    jn_recorder_period_end (jam);
  }
  if (self->bridge != NULL)
    jn_audio_bridge_period_end (self->bridge, frames, channels);
  atomic_fetch_add_explicit (&self->periods_done, 1, memory_order_release);
}

/* --- figures, on the main context ------------------------------------------ */

static void
local_latency (JnSession *self,
               double    *capture_ms,
               double    *playback_ms)
{
  guint dev_cap = 0, dev_play = 0, ring_cap = 0, ring_play = 0;
  double rate = self->config.format.rate;

  if (self->device == NULL)
    {
      *capture_ms = self->capture_ms;
      *playback_ms = self->playback_ms;
      return;
    }
  jn_audio_device_get_latency (self->device, &dev_cap, &dev_play);
  jn_audio_bridge_get_queued (self->bridge, &ring_cap, &ring_play);
  *capture_ms = (dev_cap + ring_cap) * 1000.0 / rate;
  *playback_ms = (dev_play + ring_play) * 1000.0 / rate;
}

/* From a peer's instrument to our ears: their capture (taken as ours: we
 * do not know theirs), the network one way, what our jitter buffer holds,
 * the codec and our playback (docs/architecture.md, "End to end"). */
static void
end_to_end (JnSession         *self,
            const JnPeerStats *stats,
            double             capture_ms,
            double             playback_ms,
            JnDelayParts      *parts)
{
  jn_peer_stats_delay_parts (stats, capture_ms, &self->config.format, playback_ms, parts);
}

static void
update_peers (JnSession *self,
              GArray    *stats)
{
  double capture_ms, playback_ms;

  local_latency (self, &capture_ms, &playback_ms);
  for (guint i = 0; i < stats->len; i++)
    {
      const JnPeerStats *s = &g_array_index (stats, JnPeerStats, i);
      JnPeer *peer = g_hash_table_lookup (self->peer_by_id, GUINT_TO_POINTER (s->id));

      if (peer != NULL)
        {
          JnDelayParts parts;

          end_to_end (self, s, capture_ms, playback_ms, &parts);
          jn_peer_update (peer, s, &parts);
        }
    }
}

static void
on_snapshot (const JnMediaSnapshot *snapshot,
             gpointer               user_data)
{
  JnSession *self = user_data;
  GHashTableIter iter;
  gpointer value;

  update_peers (self, snapshot->peers);
  for (guint i = 0; i < snapshot->samples->len; i++)
    {
      const JnSeriesSample *s = &g_array_index (snapshot->samples, JnSeriesSample, i);
      JnPeer *peer = g_hash_table_lookup (self->peer_by_id, GUINT_TO_POINTER (s->peer_id));

      if (peer != NULL)
        jn_peer_add_sample (peer, s->metric, &s->sample);
    }
  g_hash_table_iter_init (&iter, self->peer_by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    jn_peer_flush_samples (value);
  self->engine_stats = snapshot->engine;

  g_signal_emit (self, signals[FIGURES_UPDATED], 0);
}

/* --- who is in the session ------------------------------------------------- */

static gboolean
any_soloed (JnSession *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->peer_by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (jn_peer_get_soloed (value))
      return TRUE;
  return FALSE;
}

/* the peer's mix as we hear it: muted, or silent beside a soloed one */
static void
apply_mix (JnSession *self,
           JnPeer    *peer,
           gboolean   solo)
{
  guint32 id = jn_peer_get_id (peer);

  /* in a mix room the others come mixed by the server, as we ask it to;
   * the room's mix itself is ours to set */
  if (self->engine != NULL && jn_media_engine_has_mix (self->engine) && id != JN_HUB_PEER_ID)
    {
      if (self->client != NULL)
        jn_client_send_mix (self->client, id, jn_peer_get_gain (peer),
                            jn_mix_silenced (jn_peer_get_muted (peer), jn_peer_get_soloed (peer), solo),
                            jn_peer_get_pan (peer));
      return;
    }
  if (self->bridge != NULL)
    jn_audio_bridge_set_peer_gain (self->bridge, id, (float) jn_peer_get_gain (peer), jn_peer_get_muted (peer),
                                   jn_peer_get_soloed (peer), (float) jn_peer_get_pan (peer));
}

static void
on_peer_mix_changed (JnPeer     *peer,
                     GParamSpec *pspec,
                     JnSession  *self)
{
  gboolean solo = any_soloed (self);

  /* a solo changes what we hear of everyone */
  if (g_str_equal (pspec->name, "soloed"))
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->peer_by_id);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        apply_mix (self, value, solo);
      return;
    }
  apply_mix (self, peer, solo);
}

static void
update_announced_players (JnSession *self)
{
  if (self->announcer != NULL && self->host != NULL)
    jn_announcer_set_players (self->announcer, 1 + jn_host_get_n_members (self->host));
}

static void on_link_changed (JnClient *client, guint id, JnSession *self);

static void
on_peer_joined (GObject    *source,
                guint       id,
                const char *name,
                JnSession  *self)
{
  g_autoptr(JnPeer) peer = NULL;

  if (g_hash_table_contains (self->peer_by_id, GUINT_TO_POINTER (id)))
    return;
  peer = jn_peer_new (id, name);
  g_signal_connect_object (peer, "notify::gain", G_CALLBACK (on_peer_mix_changed), self, 0);
  g_signal_connect_object (peer, "notify::muted", G_CALLBACK (on_peer_mix_changed), self, 0);
  g_signal_connect_object (peer, "notify::pan", G_CALLBACK (on_peer_mix_changed), self, 0);
  g_signal_connect_object (peer, "notify::soloed", G_CALLBACK (on_peer_mix_changed), self, 0);
  g_hash_table_insert (self->peer_by_id, GUINT_TO_POINTER (id), g_object_ref (peer));
  if (self->engine != NULL && jn_media_engine_has_hub (self->engine))
    jn_peer_set_path (peer, JN_PEER_PATH_SERVER);
  else if (self->client != NULL)
    on_link_changed (self->client, id, self);   /* an ICE link has begun */
  g_list_store_append (self->peers, peer);
  if (self->jam_recorder != NULL)
    jn_recorder_set_name (self->jam_recorder, id, name);
  /* beside a soloed player, a newcomer is not heard until soloed too */
  if (any_soloed (self))
    apply_mix (self, peer, TRUE);
  update_announced_players (self);
}

static JnPeerPath
path_of (const JnLinkInfo *link)
{
  if (link->state == JN_ICE_FAILED)
    return JN_PEER_PATH_UNREACHABLE;
  if (!link->has_pair || (link->state != JN_ICE_CONNECTED && link->state != JN_ICE_READY))
    return JN_PEER_PATH_SEARCHING;
  if (g_str_equal (link->pair.local_type, "relay") || g_str_equal (link->pair.remote_type, "relay"))
    return JN_PEER_PATH_RELAYED;
  if (g_str_equal (link->pair.local_type, "host") && g_str_equal (link->pair.remote_type, "host"))
    return JN_PEER_PATH_DIRECT;
  return JN_PEER_PATH_NAT;
}

static void
on_link_changed (JnClient  *client,
                 guint      id,
                 JnSession *self)
{
  JnPeer *peer = g_hash_table_lookup (self->peer_by_id, GUINT_TO_POINTER (id));
  JnLinkInfo link;

  if (peer == NULL || !jn_client_get_link (client, id, &link))
    return;
  g_hash_table_replace (self->links, GUINT_TO_POINTER (id), g_memdup2 (&link, sizeof link));
  jn_peer_set_path (peer, path_of (&link));
}

gboolean
jn_session_get_link (JnSession  *self,
                     guint32     peer_id,
                     JnLinkInfo *link)
{
  JnLinkInfo *last;

  g_return_val_if_fail (JN_IS_SESSION (self), FALSE);

  last = g_hash_table_lookup (self->links, GUINT_TO_POINTER (peer_id));
  if (last == NULL)
    return FALSE;
  *link = *last;
  return TRUE;
}

static void
on_peer_left (GObject   *source,
              guint      id,
              JnSession *self)
{
  JnPeer *peer = g_hash_table_lookup (self->peer_by_id, GUINT_TO_POINTER (id));
  guint position;

  if (peer == NULL)
    return;
  jn_peer_set_left (peer);
  /* a soloed player who goes leaves the others heard again */
  jn_peer_set_soloed (peer, FALSE);
  if (g_list_store_find (self->peers, peer, &position))
    g_list_store_remove (self->peers, position);
  g_hash_table_remove (self->peer_by_id, GUINT_TO_POINTER (id));
  update_announced_players (self);
}

/* a line from someone in the session, with the name we know them by */
static void
on_chat (GObject    *source,
         guint       id,
         const char *text,
         JnSession  *self)
{
  JnPeer *peer = g_hash_table_lookup (self->peer_by_id, GUINT_TO_POINTER (id));

  if (peer == NULL)
    return;   /* not someone we know in this session */
  g_signal_emit (self, signals[CHAT], 0, id, jn_peer_get_name (peer), text);
}

/* A player times the delay to us: we play their clicks back for a few
 * seconds, instead of the musician (told, as the band hears it) */
static void
on_echo_requested (GObject   *source,
                   guint      id,
                   guint      seconds,
                   JnSession *self)
{
  JnPeer *peer = g_hash_table_lookup (self->peer_by_id, GUINT_TO_POINTER (id));
  g_autofree char *told = NULL;

  if (peer == NULL || self->echo == NULL || self->latency_test != NULL || self->live_task != NULL)
    return;   /* nobody we know, or busy timing ourselves */
  if (seconds == 0)
    {
      jn_echo_start (self->echo, 0, 0);   /* their test is over */
      return;
    }
  jn_echo_start (self->echo, id, seconds);
  told = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%s is timing the delay to you: for %u second everyone hears "
                                       "their clicks played back instead of you",
                                       "%s is timing the delay to you: for %u seconds everyone hears "
                                       "their clicks played back instead of you", seconds),
                          jn_peer_get_name (peer), seconds);
  warn (self, told);
}

static void
on_client_closed (JnClient     *client,
                  const GError *error,
                  JnSession    *self)
{
  set_state (self, JN_SESSION_ENDED);
  g_signal_emit (self, signals[ENDED], 0, error);
}

/* --- main-context helpers while the session runs ---------------------------- */

/* A recording stopped during the jam, kept until the media thread, which
 * may still hold it for the period under way, has let go */
typedef struct
{
  JnRecorder *recorder;
  guint64     stopped_at;   /* periods_done when it stopped */
} Closing;

static void
closing_free (Closing *closing)
{
  jn_recorder_free (closing->recorder);
  g_free (closing);
}

/* Closes the stopped recordings once the media thread has finished two
 * periods since (or at once when it has stopped: all), writing the rest. */
static void
close_recordings (JnSession *self,
                  gboolean   all)
{
  guint64 done = atomic_load_explicit (&self->periods_done, memory_order_acquire);

  for (guint i = 0; i < self->closing->len; )
    {
      Closing *closing = g_ptr_array_index (self->closing, i);
      g_autoptr(GError) error = NULL;

      if (!all && done < closing->stopped_at + 2)
        {
          i++;
          continue;
        }
      if (!jn_recorder_close (closing->recorder, &error))
        warn (self, error->message);
      g_ptr_array_remove_index (self->closing, i);
    }
}

static gboolean
on_closing (gpointer user_data)
{
  JnSession *self = user_data;

  close_recordings (self, FALSE);
  if (self->closing->len > 0)
    return G_SOURCE_CONTINUE;
  self->closing_source = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
on_jam_drain (gpointer user_data)
{
  JnSession *self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->jam_recorder != NULL && !jn_recorder_drain (self->jam_recorder, &error))
    {
      warn (self, error->message);
      /* a file that cannot be written ends it; having fallen behind does not */
      if (!g_error_matches (error, JN_RECORDER_ERROR, JN_RECORDER_ERROR_BEHIND))
        jn_session_stop_recording (self);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_drain (gpointer user_data)
{
  JnSession *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!jn_recorder_drain (self->recorder, &error))
    warn (self, error->message);
  return G_SOURCE_CONTINUE;
}

/* One event to every peer: by UDP, and over the room's control plane to
 * the peers no UDP path reaches. */
static gboolean
send_midi (JnSession     *self,
           const guint8  *bytes,
           gsize          size,
           GError       **error)
{
  JnMidiEvent event;

  if (!jn_media_engine_next_midi (self->engine, bytes, size, &event, error))
    return FALSE;
  jn_media_engine_send_midi_event (self->engine, &event);
  if (self->client != NULL)
    jn_client_send_midi (self->client, &event);
  return TRUE;
}

/* What a keyboard plays into our MIDI port goes to every peer (this is its
 * only receiver). */
static gboolean
on_device_midi (gpointer user_data)
{
  JnSession *self = user_data;
  guint8 message[JN_AUDIO_MIDI_MAX];
  gsize size;

  while ((size = jn_audio_device_receive_midi (self->device, message, sizeof message)) > 0)
    {
      g_autoptr(GError) error = NULL;

      if (!send_midi (self, message, size, &error))
        g_debug ("not sending MIDI from the device: %s", error->message);
    }
  return G_SOURCE_CONTINUE;
}

/* The metronome follows the host's grid: tempo and epoch from the control
 * plane, the clock offset from clock sync. */
static gboolean
on_metronome_follow (gpointer user_data)
{
  JnSession *self = user_data;
  double tempo = 0, offset = 0;
  gint64 epoch = 0;

  if (self->host != NULL)
    {
      tempo = jn_host_get_tempo (self->host);
      epoch = jn_host_get_epoch (self->host);
    }
  else if (self->client != NULL && self->in_room)
    {
      /* a room has no host player: the beat is the grid at 0 on the
       * clock of its oldest member (the lowest id), whoever that is now */
      guint32 oldest = jn_session_get_local_id (self);
      JnPeer *clock = NULL;

      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->peers)); i++)
        {
          g_autoptr(JnPeer) peer = g_list_model_get_item (G_LIST_MODEL (self->peers), i);

          if (jn_peer_get_id (peer) < oldest)
            {
              oldest = jn_peer_get_id (peer);
              clock = peer;
            }
        }
      tempo = jn_client_get_tempo (self->client);
      epoch = 1;   /* 0 is "unknown" */
      if (clock != NULL && !jn_peer_get_stats (clock)->synced)
        epoch = 0;   /* not before we know its clock */
      else if (clock != NULL)
        offset = jn_peer_get_stats (clock)->offset_ms * 1000.0;
    }
  else if (self->client != NULL)
    {
      JnPeer *host = jn_session_lookup_peer (self, JN_HOST_PEER_ID);

      tempo = jn_client_get_tempo (self->client);
      epoch = jn_client_get_epoch (self->client);
      if (host == NULL || !jn_peer_get_stats (host)->synced)
        epoch = 0;   /* not before we know the host's clock */
      else
        offset = jn_peer_get_stats (host)->offset_ms * 1000.0;
    }
  g_mutex_lock (&self->metro_lock);
  self->metronome.tempo_bpm = tempo;
  self->metronome.epoch_us = epoch;
  self->metronome.offset_us = offset;
  g_mutex_unlock (&self->metro_lock);
  return G_SOURCE_CONTINUE;
}

/* --- starting -------------------------------------------------------------- */

static gboolean
configure_engine (JnSession      *self,
                  JnMediaEngine  *engine,
                  GError        **error)
{
  if (self->config.jitter_depth > 0)
    jn_media_engine_set_jitter_depth (engine, self->config.jitter_depth);
  else
    jn_media_engine_set_jitter_adaptive (engine, self->config.latency_safety);
  jn_media_engine_set_midi_redundancy (engine, self->config.midi_redundancy);
  if (self->config.audio_copies_auto)
    jn_media_engine_set_audio_copies_auto (engine, self->config.max_upload_kbps);
  else
    jn_media_engine_set_audio_copies (engine, self->config.audio_copies);
  /* without a backend named, the engine's default: auto, or off where
   * JAMNET_PNBTR_BACKEND=off */
  return jn_media_engine_set_concealment (engine, self->concealment ? self->concealment : "pnbtr", error) &&
         (self->pnbtr_backend == NULL ||
          jn_media_engine_set_pnbtr_backend (engine, self->pnbtr_backend, error));
}

static void
configure_demo_engine (JnMediaEngine *engine,
                       gpointer       user_data)
{
  configure_engine (user_data, engine, NULL);
}

/* ice: the session's links are found by ICE (a server's room), else
 * every peer is reached at the UDP port it names. */
static gboolean
new_engine (JnSession  *self,
            gboolean    ice,
            GError    **error)
{
  static const JnMediaCallbacks callbacks = { capture_cb, playout_cb, midi_cb, period_end_cb };

  if (ice && self->config.insecure)
    {
      g_set_error_literal (error, JN_SESSION_ERROR, JN_SESSION_ERROR_INSECURE,
                           _("Rooms on a JamNet server always encrypt their audio; join "
                             "without --insecure"));
      return FALSE;
    }
  if (ice)
    {
      g_autoptr(JnIceTransport) links = jn_ice_transport_new (self->bind_address);
      g_autoptr(JnSecureTransport) seal = jn_secure_transport_new (JN_TRANSPORT (links));

      self->engine = jn_media_engine_new_for_transport (JN_TRANSPORT (seal));
    }
  else
    self->engine = self->config.insecure
                   ? jn_media_engine_new (self->bind_address, self->config.udp_port, error)
                   : jn_media_engine_new_sealed (self->bind_address, self->config.udp_port, error);
  if (self->engine == NULL || !configure_engine (self, self->engine, error))
    return FALSE;
  jn_media_engine_set_callbacks (self->engine, &callbacks, self);
  jn_media_engine_set_snapshot_func (self->engine, NULL, on_snapshot, self);
  return TRUE;
}

/* The device at the session's format, before the media thread runs (which
 * then only reads these pointers). */
static gboolean
open_audio (JnSession  *self,
            GError    **error)
{
  const JnAudioFormat *format = jn_media_engine_get_format (self->engine);
  g_autofree char *node = g_strdup_printf ("JamNet %s", self->player_name);
  JnAudioConfig config = { node, format->rate, format->channels, format->frames, TRUE, self->alsa_device };
  g_autoptr(GError) local = NULL;

  self->config.format = *format;
  if (self->capture != NULL)
    jn_capture_source_prepare (self->capture, format->frames, format->channels);
  if (self->recorder != NULL)
    jn_recorder_set_format (self->recorder, format->rate, format->channels, format->frames);
  g_mutex_lock (&self->metro_lock);
  jn_metronome_init (&self->metronome, format->rate);
  g_mutex_unlock (&self->metro_lock);
  self->metro_buf = g_new0 (float, (gsize) format->frames * format->channels);
  self->echo = jn_echo_new (format->frames, format->channels);

  if (self->audio_backend == NULL)
    return TRUE;
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    config.connect[k] = self->connect[k];
  self->bridge = jn_audio_bridge_new (format->frames, format->channels, format->rate);
  jn_audio_bridge_set_monitor (self->bridge, (float) self->config.monitor_gain);
  jn_audio_bridge_set_master (self->bridge, (float) self->config.master_gain);
  self->device = jn_audio_device_new (g_str_equal (self->audio_backend, "auto") ? NULL : self->audio_backend,
                                      &config, jn_audio_bridge_process, self->bridge, &local);
  if (self->device == NULL)
    {
      g_clear_pointer (&self->bridge, jn_audio_bridge_free);
      if (!self->config.audio_optional)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      /* TRANSLATORS: %s says why no audio device could be opened */
      self->audio_status = g_strdup_printf (_("no audio (%s)"), local->message);
      return TRUE;
    }
  self->had_device = TRUE;
  return TRUE;
}

static guint
device_clock (gpointer  user_data,
              gint64    now,
              gint64   *next_us)
{
  return jn_audio_bridge_clock (user_data, now, next_us);
}

static gboolean
start_media (JnSession  *self,
             GError    **error)
{
  if (!open_audio (self, error))
    return FALSE;
  /* with a device, its clock paces the packets (docs/architecture.md) */
  if (self->bridge != NULL)
    jn_media_engine_set_packet_clock (self->engine, device_clock, self->bridge);
  if (!jn_media_engine_start (self->engine, error))
    return FALSE;
  self->started_us = g_get_monotonic_time ();
  if (self->recorder != NULL)
    self->drain_source = g_timeout_add (DRAIN_MS, on_drain, self);
  if (self->device != NULL)
    self->device_midi_source = g_timeout_add (DEVICE_MIDI_MS, on_device_midi, self);
  if (self->config.metronome)
    {
      on_metronome_follow (self);
      self->metronome_source = g_timeout_add (METRONOME_FOLLOW_MS, on_metronome_follow, self);
    }
  return TRUE;
}

/* A name the control plane carries: UTF-8, no control characters, at most
 * JN_NAME_MAX_CHARS characters (the others' JamNets refuse anything else,
 * so it is refused here, at once, with the reason). */
static gboolean
check_name (const char  *text,
            gboolean     player,
            GError     **error)
{
  if (text == NULL)
    return TRUE;
  if (!g_utf8_validate (text, -1, NULL) || g_utf8_strlen (text, -1) > JN_NAME_MAX_CHARS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   player ? _("Your name is longer than %d characters; choose a shorter one")
                          : _("The session’s name is longer than %d characters; choose a shorter one"),
                   JN_NAME_MAX_CHARS);
      return FALSE;
    }
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             player ? _("Your name has a line break or another control character in it")
                                    : _("The session’s name has a line break or another control character in it"));
        return FALSE;
      }
  return TRUE;
}

static gboolean
begin (JnSession      *self,
       JnSessionRole   role,
       const char     *session_name,
       GError        **error)
{
  if (self->state != JN_SESSION_IDLE)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("This session has already been started"));
      return FALSE;
    }
  if (!check_name (self->player_name, TRUE, error) || !check_name (session_name, FALSE, error))
    {
      self->role = role;
      set_state (self, JN_SESSION_ENDED);
      return FALSE;
    }
  self->role = role;
  set_state (self, JN_SESSION_STARTING);
  return TRUE;
}

static void
fail (JnSession *self,
      GTask     *task,
      GError    *error)
{
  jn_session_leave (self);
  g_task_return_error (task, error);
}

static gboolean
start_host (JnSession        *self,
            const char       *session_name,
            const char       *passphrase,
            GTlsCertificate  *certificate,
            GError          **error)
{
  g_autoptr(GError) beacon_error = NULL;

  g_free (self->name);
  self->name = session_name != NULL ? g_strdup (session_name)
                                    : g_strdup_printf (_("%s’s session"), self->player_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  if (!jn_audio_format_validate (&self->config.format, error) || !new_engine (self, FALSE, error))
    return FALSE;
  jn_media_engine_set_format (self->engine, &self->config.format);
  self->host = jn_host_new (self->engine, self->name, self->player_name, passphrase);
  g_signal_connect_object (self->host, "peer-joined", G_CALLBACK (on_peer_joined), self, 0);
  g_signal_connect_object (self->host, "peer-left", G_CALLBACK (on_peer_left), self, 0);
  g_signal_connect_object (self->host, "chat", G_CALLBACK (on_chat), self, 0);
  g_signal_connect_object (self->host, "echo-requested", G_CALLBACK (on_echo_requested), self, 0);
  if (!jn_host_listen (self->host, self->bind_address, self->config.port, certificate, error))
    return FALSE;
  jn_host_set_transport (self->host, self->config.tempo_bpm, FALSE);
  if (!start_media (self, error))
    return FALSE;
  if (!self->config.announce)
    return TRUE;
  self->announcer = jn_announcer_new (self->bind_address, self->name, self->player_name,
                                      jn_host_get_port (self->host), passphrase != NULL,
                                      jn_host_get_fingerprint (self->host), &beacon_error);
  if (self->announcer == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Not announced on the LAN (join by address instead): %s"),
                                               beacon_error->message);

      warn (self, text);
    }
  return TRUE;
}

/* What hosting waits for while the identity loads (off the main thread). */
typedef struct
{
  char           *session_name;
  char           *passphrase;
  JnImpairment    impairment;   /* demo */
} HostArgs;

static void
host_args_free (HostArgs *args)
{
  g_free (args->session_name);
  g_free (args->passphrase);
  g_free (args);
}

static void
load_identity (JnSession           *self,
               GTask               *task,
               const char          *session_name,
               const char          *passphrase,
               GAsyncReadyCallback  callback)
{
  HostArgs *args = g_new0 (HostArgs, 1);

  args->session_name = g_strdup (session_name);
  args->passphrase = g_strdup (passphrase);
  g_task_set_task_data (task, args, (GDestroyNotify) host_args_free);
  jn_identity_load_async (self->config.certificate_file, g_task_get_cancellable (task), callback,
                          task);
}

/* The identity is in: hosting starts, or task fails (FALSE). */
static gboolean
host_with_identity (GTask        *task,
                    GAsyncResult *result)
{
  JnSession *self = g_task_get_source_object (task);
  HostArgs *args = g_task_get_task_data (task);
  g_autoptr(GTlsCertificate) certificate = NULL;
  GError *error = NULL;

  certificate = jn_identity_load_finish (result, &error);
  if (certificate == NULL || self->left ||
      !start_host (self, args->session_name, args->passphrase, certificate, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The session ended"));
      fail (self, task, error);
      return FALSE;
    }
  return TRUE;
}

static void
on_host_identity (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  if (!host_with_identity (task, result))
    return;
  set_state (g_task_get_source_object (task), JN_SESSION_RUNNING);
  g_task_return_boolean (task, TRUE);
}

void
jn_session_host_async (JnSession           *self,
                       const char          *session_name,
                       const char          *passphrase,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (JN_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jn_session_host_async);
  if (!begin (self, JN_SESSION_ROLE_HOST, session_name, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  load_identity (self, task, session_name, passphrase, on_host_identity);
  g_steal_pointer (&task);
}

gboolean
jn_session_host_finish (JnSession     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == jn_session_host_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_joined (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  JnSession *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!jn_client_join_finish (JN_CLIENT (source), result, &error) || !start_media (self, &error))
    {
      fail (self, task, error);
      return;
    }
  jn_client_media_started (self->client);
  g_free (self->name);
  self->name = g_strdup (jn_client_get_session_name (self->client));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  set_state (self, JN_SESSION_RUNNING);
  g_task_return_boolean (task, TRUE);
}

void
jn_session_join_async (JnSession           *self,
                       const char          *url,
                       const char          *passphrase,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (JN_IS_SESSION (self));
  g_return_if_fail (url != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jn_session_join_async);
  if (!begin (self, JN_SESSION_ROLE_JOIN, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  self->in_room = jn_session_url_is_room (url);
  g_free (self->room_url);
  self->room_url = self->in_room ? g_strdup (url) : NULL;
  if (!new_engine (self, self->in_room, &error))
    {
      fail (self, task, error);
      return;
    }
  self->client = jn_client_new (self->engine, self->player_name, passphrase);
  jn_client_set_trust_new_certificate (self->client, self->config.trust_new_certificate);
  jn_client_set_create_room (self->client, self->config.create_room, !self->config.room_unlisted);
  if (self->stun != NULL || self->turn != NULL)
    {
      g_autofree char *turn = NULL, *username = NULL, *password = NULL;

      if ((self->stun != NULL && !jn_ip_port_parse (self->stun, NULL, NULL)) ||
          (self->turn != NULL && !jn_turn_server_parse (self->turn, &turn, &username, &password)))
        {
          fail (self, task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                                 _("A STUN server is IP:PORT and a TURN server "
                                                   "USER:PASSWORD@IP:PORT, with numeric IPs")));
          return;
        }
      jn_client_set_ice_servers (self->client, self->stun, turn, username, password);
    }
  g_signal_connect_object (self->client, "peer-joined", G_CALLBACK (on_peer_joined), self, 0);
  g_signal_connect_object (self->client, "peer-left", G_CALLBACK (on_peer_left), self, 0);
  g_signal_connect_object (self->client, "chat", G_CALLBACK (on_chat), self, 0);
  g_signal_connect_object (self->client, "echo-requested", G_CALLBACK (on_echo_requested), self, 0);
  g_signal_connect_object (self->client, "closed", G_CALLBACK (on_client_closed), self, 0);
  g_signal_connect_object (self->client, "link-changed", G_CALLBACK (on_link_changed), self, 0);
  jn_client_join_async (self->client, url, cancellable, on_joined, g_steal_pointer (&task));
}

gboolean
jn_session_join_finish (JnSession     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == jn_session_join_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_demo_ready (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  JnSession *self = g_task_get_source_object (task);
  GError *error = NULL;
  JnDemo *demo = jn_demo_new_finish (result, &error);

  if (demo == NULL)
    {
      fail (self, task, error);
      return;
    }
  if (self->left)   /* left meanwhile */
    {
      jn_demo_free (demo);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The session ended"));
      return;
    }
  self->demo = demo;
  set_state (self, JN_SESSION_RUNNING);
  g_task_return_boolean (task, TRUE);
}

static void
on_demo_identity (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  JnSession *self = g_task_get_source_object (task);
  HostArgs *args = g_task_get_task_data (task);
  g_autofree char *url = NULL;
  GCancellable *cancellable;

  if (!host_with_identity (task, result))
    return;
  url = jn_host_dup_local_url (self->host);
  cancellable = g_task_get_cancellable (task);
  jn_demo_new_async (self->engine, url, &args->impairment, configure_demo_engine, self,
                     cancellable, on_demo_ready, g_steal_pointer (&task));
}

void
jn_session_demo_async (JnSession           *self,
                       const char          *session_name,
                       const JnImpairment  *impairment,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (JN_IS_SESSION (self));
  g_return_if_fail (impairment != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jn_session_demo_async);
  if (!begin (self, JN_SESSION_ROLE_DEMO, session_name, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  load_identity (self, task, session_name, NULL, on_demo_identity);
  ((HostArgs *) g_task_get_task_data (task))->impairment = *impairment;
  g_steal_pointer (&task);
}

gboolean
jn_session_demo_finish (JnSession     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == jn_session_demo_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- leaving --------------------------------------------------------------- */

void
jn_session_leave (JnSession *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (JN_IS_SESSION (self));

  if (self->left)
    return;
  self->left = TRUE;
  self->ended_us = g_get_monotonic_time ();
  g_clear_handle_id (&self->drain_source, g_source_remove);
  g_clear_handle_id (&self->metronome_source, g_source_remove);
  g_clear_handle_id (&self->device_midi_source, g_source_remove);
  g_clear_pointer (&self->demo, jn_demo_free);
  if (self->engine != NULL)
    {
      g_autoptr(GArray) stats = NULL;

      jn_media_engine_stop (self->engine);   /* no more callbacks after this */
      /* the last figures, now that nobody else holds the engine's lock */
      stats = jn_media_engine_get_peer_stats (self->engine);
      update_peers (self, stats);
      jn_media_engine_get_stats (self->engine, &self->engine_stats);
    }
  if (self->recorder != NULL && !jn_recorder_close (self->recorder, &error))
    warn (self, error->message);
  g_clear_error (&error);
  /* the media thread has stopped: what it recorded can close now */
  if (self->jam_recorder != NULL)
    jn_session_stop_recording (self);
  g_clear_handle_id (&self->closing_source, g_source_remove);
  close_recordings (self, TRUE);

  if (self->device != NULL)
    {
      local_latency (self, &self->capture_ms, &self->playback_ms);
      self->audio_periods = jn_audio_device_get_periods (self->device);
      self->audio_xruns = jn_audio_device_get_xruns (self->device);
      jn_audio_bridge_get_stats (self->bridge, &self->bridge_stats);
      g_free (self->audio_scheduling);
      self->audio_scheduling = jn_audio_device_describe_scheduling (self->device);
    }
  /* nobody is told of members leaving now: the figures stay as they were */
  if (self->client != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->client, self);
      jn_client_leave (self->client);
    }
  if (self->host != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->host, self);
      jn_host_shutdown (self->host);
    }
  /* says bye once the port is closed: browsers check that before they
   * drop the session */
  g_clear_pointer (&self->announcer, jn_announcer_free);
  /* the device's thread uses the bridge: stop it first */
  g_clear_pointer (&self->device, jn_audio_device_free);
  g_clear_pointer (&self->bridge, jn_audio_bridge_free);
  set_state (self, JN_SESSION_ENDED);
}

/* --- object ---------------------------------------------------------------- */

static void
jn_session_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  JnSession *self = JN_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_INPUT_GAIN: g_value_set_double (value, jn_session_get_input_gain (self)); break;
    case PROP_INPUT_MUTED: g_value_set_boolean (value, jn_session_get_input_muted (self)); break;
    case PROP_MONITOR_GAIN: g_value_set_double (value, self->config.monitor_gain); break;
    case PROP_RECORDING: g_value_set_boolean (value, self->jam_recorder != NULL); break;
    case PROP_METRONOME: g_value_set_boolean (value, jn_session_get_metronome (self)); break;
    case PROP_PEERS: g_value_set_object (value, self->peers); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jn_session_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  JnSession *self = JN_SESSION (object);

  switch (prop_id)
    {
    case PROP_INPUT_GAIN: jn_session_set_input_gain (self, g_value_get_double (value)); break;
    case PROP_INPUT_MUTED: jn_session_set_input_muted (self, g_value_get_boolean (value)); break;
    case PROP_MONITOR_GAIN: jn_session_set_monitor_gain (self, g_value_get_double (value)); break;
    case PROP_METRONOME: jn_session_set_metronome (self, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jn_session_dispose (GObject *object)
{
  JnSession *self = JN_SESSION (object);

  jn_session_leave (self);
  if (self->peers != NULL)
    g_list_store_remove_all (self->peers);
  g_hash_table_remove_all (self->peer_by_id);
  g_clear_object (&self->client);
  g_clear_object (&self->host);
  g_clear_object (&self->engine);
  G_OBJECT_CLASS (jn_session_parent_class)->dispose (object);
}

static void
jn_session_finalize (GObject *object)
{
  JnSession *self = JN_SESSION (object);

  g_clear_object (&self->peers);
  g_hash_table_unref (self->peer_by_id);
  g_hash_table_unref (self->links);
  g_clear_pointer (&self->capture, jn_capture_source_free);
  g_clear_pointer (&self->recorder, jn_recorder_free);
  g_clear_pointer (&self->latency_test, jn_latency_test_free);
  g_clear_pointer (&self->live_owned, jn_latency_test_free);
  g_clear_pointer (&self->echo, jn_echo_free);
  g_clear_pointer (&self->levels, jn_levels_free);
  g_free (self->metro_buf);
  g_mutex_clear (&self->metro_lock);
  g_free (self->name);
  g_free (self->audio_status);
  g_free (self->room_url);
  g_free (self->recording_folder);
  g_free (self->recording_stamp);
  g_ptr_array_unref (self->closing);
  g_free (self->audio_scheduling);
  g_free (self->player_name);
  g_free (self->bind_address);
  g_free (self->concealment);
  g_free (self->pnbtr_backend);
  g_free (self->audio_backend);
  g_free (self->alsa_device);
  g_free (self->stun);
  g_free (self->turn);
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    g_free (self->connect[k]);
  G_OBJECT_CLASS (jn_session_parent_class)->finalize (object);
}

static void
jn_session_class_init (JnSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = jn_session_get_property;
  object_class->set_property = jn_session_set_property;
  object_class->dispose = jn_session_dispose;
  object_class->finalize = jn_session_finalize;

  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, JN_TYPE_SESSION_STATE, JN_SESSION_IDLE, ro);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  properties[PROP_INPUT_GAIN] = g_param_spec_double ("input-gain", NULL, NULL, 0.0, 4.0, 1.0, rw);
  properties[PROP_INPUT_MUTED] = g_param_spec_boolean ("input-muted", NULL, NULL, FALSE, rw);
  properties[PROP_MONITOR_GAIN] = g_param_spec_double ("monitor-gain", NULL, NULL, 0.0, 4.0, 0.0, rw);
  properties[PROP_RECORDING] = g_param_spec_boolean ("recording", NULL, NULL, FALSE, ro);
  properties[PROP_METRONOME] = g_param_spec_boolean ("metronome", NULL, NULL, FALSE, rw);
  properties[PROP_PEERS] = g_param_spec_object ("peers", NULL, NULL, G_TYPE_LIST_MODEL, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* the host ended the session or the connection to it broke (joiners) */
  signals[ENDED] = g_signal_new ("ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                 G_TYPE_NONE, 1, G_TYPE_ERROR);
  /* something went wrong that does not stop the session, for people */
  signals[WARNING] = g_signal_new ("warning", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 1, G_TYPE_STRING);
  /* a snapshot of the media plane's figures was applied (about 20 Hz) */
  signals[FIGURES_UPDATED] = g_signal_new ("figures-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                           NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* someone said something to everyone: their id, name and the text */
  signals[CHAT] = g_signal_new ("chat", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_STRING, G_TYPE_STRING);
}

static void
jn_session_init (JnSession *self)
{
  self->peers = g_list_store_new (JN_TYPE_PEER);
  self->peer_by_id = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->links = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_mutex_init (&self->metro_lock);
  jn_metronome_init (&self->metronome, 48000);
  /* 17 streams at 375 periods a second, for a UI that misses a few frames */
  self->levels = jn_levels_new (4096);
  self->closing = g_ptr_array_new_with_free_func ((GDestroyNotify) closing_free);
  atomic_init (&self->periods_done, 0);
  atomic_init (&self->input_gain, 1.f);
  atomic_init (&self->input_muted, FALSE);
  atomic_init (&self->metronome_on, FALSE);
}

JnSession *
jn_session_new (const JnSessionConfig *config)
{
  JnSessionConfig defaults;
  JnSession *self;

  if (config == NULL)
    {
      jn_session_config_init (&defaults);
      config = &defaults;
    }
  self = g_object_new (JN_TYPE_SESSION, NULL);
  self->config = *config;
  atomic_store (&self->metronome_on, config->metronome);
  self->player_name = g_strdup (config->player_name && *config->player_name ? config->player_name
                                                                             : g_get_real_name ());
  self->bind_address = g_strdup (config->bind_address);
  self->concealment = g_strdup (config->concealment);
  self->pnbtr_backend = g_strdup (config->pnbtr_backend);
  self->audio_backend = g_strdup (config->audio_backend);
  self->alsa_device = g_strdup (config->alsa_device);
  self->stun = g_strdup (config->stun);
  self->turn = g_strdup (config->turn);
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    self->connect[k] = g_strdup (config->connect[k]);
  /* the copies own the strings; the config's pointers are not kept */
  self->config.player_name = self->config.bind_address = self->config.concealment = NULL;
  self->config.pnbtr_backend = self->config.audio_backend = self->config.alsa_device = NULL;
  self->config.stun = self->config.turn = NULL;
  memset (self->config.connect, 0, sizeof self->config.connect);
  self->config.midi_redundancy = CLAMP (self->config.midi_redundancy, 1, JN_MIDI_REDUNDANCY_MAX);
  self->config.audio_copies = MIN (self->config.audio_copies, JN_COPY_MAX);
  return self;
}

void
jn_session_set_capture_source (JnSession       *self,
                               JnCaptureSource *source)
{
  g_return_if_fail (JN_IS_SESSION (self));
  g_return_if_fail (self->state == JN_SESSION_IDLE);
  g_clear_pointer (&self->capture, jn_capture_source_free);
  self->capture = source;
}

void
jn_session_set_recorder (JnSession  *self,
                         JnRecorder *recorder)
{
  g_return_if_fail (JN_IS_SESSION (self));
  g_return_if_fail (self->state == JN_SESSION_IDLE);
  g_clear_pointer (&self->recorder, jn_recorder_free);
  self->recorder = recorder;
}

void
jn_session_set_latency_test (JnSession     *self,
                             JnLatencyTest *test)
{
  g_return_if_fail (JN_IS_SESSION (self));
  g_return_if_fail (self->state == JN_SESSION_IDLE);
  g_clear_pointer (&self->latency_test, jn_latency_test_free);
  self->latency_test = test;
}

JnLatencyTest *
jn_session_get_latency_test (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), NULL);
  return self->latency_test;
}

/* --- accessors ------------------------------------------------------------- */

JnSessionState
jn_session_get_state (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), JN_SESSION_ENDED);
  return self->state;
}

JnSessionRole
jn_session_get_role (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), JN_SESSION_ROLE_NONE);
  return self->role;
}

const char *
jn_session_get_name (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), NULL);
  return self->name;
}

char *
jn_session_dup_local_url (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), NULL);
  return self->host != NULL ? jn_host_dup_local_url (self->host) : NULL;
}

/* the addresses others may reach us at: each interface's IPv4 address
 * that is up and not loopback (a host listens on IPv4 only) */
static void
add_interface_addresses (GPtrArray *addresses)
{
  struct ifaddrs *list = NULL;

  if (getifaddrs (&list) != 0)
    return;
  for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next)
    {
      g_autoptr(GInetAddress) address = NULL;
      g_autofree char *text = NULL;

      if (ifa->ifa_addr == NULL || !(ifa->ifa_flags & IFF_UP) || (ifa->ifa_flags & IFF_LOOPBACK))
        continue;
      if (ifa->ifa_addr->sa_family != AF_INET)
        continue;
      address = g_inet_address_new_from_bytes ((const guint8 *) &((struct sockaddr_in *) ifa->ifa_addr)->sin_addr,
                                               G_SOCKET_FAMILY_IPV4);
      if (g_inet_address_get_is_loopback (address))
        continue;
      text = g_inet_address_to_string (address);
      if (!g_ptr_array_find_with_equal_func (addresses, text, g_str_equal, NULL))
        g_ptr_array_add (addresses, g_steal_pointer (&text));
    }
  freeifaddrs (list);
}

char **
jn_session_dup_invite_links (JnSession *self)
{
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GInetAddress) bound = NULL;
  GPtrArray *links;

  g_return_val_if_fail (JN_IS_SESSION (self), NULL);

  if (self->room_url != NULL)
    {
      char *room[] = { self->room_url, NULL };

      return g_strdupv (room);
    }
  /* the demo's player is simulated: nobody to invite */
  if (self->host == NULL || self->role == JN_SESSION_ROLE_DEMO)
    return NULL;
  bound = self->bind_address != NULL ? g_inet_address_new_from_string (self->bind_address) : NULL;
  if (bound != NULL && !g_inet_address_get_is_any (bound))
    g_ptr_array_add (addresses, g_inet_address_to_string (bound));
  else
    add_interface_addresses (addresses);
  if (addresses->len == 0)
    g_ptr_array_add (addresses, g_strdup ("127.0.0.1"));

  links = g_ptr_array_new ();
  for (guint i = 0; i < addresses->len; i++)
    {
      const char *address = g_ptr_array_index (addresses, i);

      g_ptr_array_add (links, g_strdup_printf ("jamnet://%s:%u/?fp=%s", address, jn_host_get_port (self->host),
                                               jn_host_get_fingerprint (self->host)));
    }
  g_ptr_array_add (links, NULL);
  return (char **) g_ptr_array_free (links, FALSE);
}

guint32
jn_session_get_local_id (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), 0);
  return self->engine != NULL ? jn_media_engine_get_local_id (self->engine) : 0;
}

const JnAudioFormat *
jn_session_get_format (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), NULL);
  return self->engine != NULL ? jn_media_engine_get_format (self->engine) : &self->config.format;
}

const char *
jn_session_get_concealment (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), NULL);
  return self->concealment != NULL ? self->concealment : "pnbtr";
}

GListModel *
jn_session_get_peers (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->peers);
}

JnPeer *
jn_session_lookup_peer (JnSession *self,
                        guint32    peer_id)
{
  g_return_val_if_fail (JN_IS_SESSION (self), NULL);
  return g_hash_table_lookup (self->peer_by_id, GUINT_TO_POINTER (peer_id));
}

void
jn_session_set_peer_gain (JnSession *self,
                          guint32    peer_id,
                          double     gain)
{
  JnPeer *peer;

  g_return_if_fail (JN_IS_SESSION (self));
  if ((peer = jn_session_lookup_peer (self, peer_id)) != NULL)
    jn_peer_set_gain (peer, gain);
}

void
jn_session_set_peer_muted (JnSession *self,
                           guint32    peer_id,
                           gboolean   muted)
{
  JnPeer *peer;

  g_return_if_fail (JN_IS_SESSION (self));
  if ((peer = jn_session_lookup_peer (self, peer_id)) != NULL)
    jn_peer_set_muted (peer, muted);
}

gboolean
jn_session_send_midi (JnSession     *self,
                      const guint8  *bytes,
                      gsize          size,
                      GError       **error)
{
  g_return_val_if_fail (JN_IS_SESSION (self), FALSE);

  if (self->engine == NULL || self->left)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, _("There is no session to play in"));
      return FALSE;
    }
  return send_midi (self, bytes, size, error);
}

void
jn_session_get_host_stats (JnSession   *self,
                           JnHostStats *stats)
{
  g_return_if_fail (JN_IS_SESSION (self));
  memset (stats, 0, sizeof *stats);
  if (self->host != NULL)
    jn_host_get_stats (self->host, stats);
}

JnMediaEngine *
jn_session_get_engine (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), NULL);
  return self->engine;
}

const JnEngineStats *
jn_session_get_engine_stats (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), NULL);
  return &self->engine_stats;
}

JnAudioDevice *
jn_session_get_audio_device (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), NULL);
  return self->device;
}

const char *
jn_session_get_audio_status (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), NULL);
  return self->audio_status;
}

void
jn_session_get_audio_counts (JnSession *self,
                             guint64   *periods,
                             guint64   *xruns)
{
  g_return_if_fail (JN_IS_SESSION (self));
  *periods = self->device != NULL ? jn_audio_device_get_periods (self->device) : self->audio_periods;
  *xruns = self->device != NULL ? jn_audio_device_get_xruns (self->device) : self->audio_xruns;
}

void
jn_session_get_local_latency (JnSession *self,
                              double    *capture_ms,
                              double    *playback_ms)
{
  g_return_if_fail (JN_IS_SESSION (self));
  local_latency (self, capture_ms, playback_ms);
}

double
jn_session_get_input_gain (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), 1.0);
  return atomic_load (&self->input_gain);
}

void
jn_session_set_input_gain (JnSession *self,
                           double     gain)
{
  g_return_if_fail (JN_IS_SESSION (self));

  gain = CLAMP (gain, 0.0, 4.0);
  if ((float) gain == atomic_load (&self->input_gain))
    return;
  atomic_store (&self->input_gain, (float) gain);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INPUT_GAIN]);
}

gboolean
jn_session_get_input_muted (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), FALSE);
  return atomic_load (&self->input_muted);
}

void
jn_session_set_input_muted (JnSession *self,
                            gboolean   muted)
{
  g_return_if_fail (JN_IS_SESSION (self));

  if (!!muted == atomic_load (&self->input_muted))
    return;
  atomic_store (&self->input_muted, !!muted);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INPUT_MUTED]);
}

double
jn_session_get_monitor_gain (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), 0.0);
  return self->config.monitor_gain;
}

void
jn_session_set_monitor_gain (JnSession *self,
                             double     gain)
{
  g_return_if_fail (JN_IS_SESSION (self));

  gain = CLAMP (gain, 0.0, 4.0);
  if (gain == self->config.monitor_gain)
    return;
  self->config.monitor_gain = gain;
  if (self->bridge != NULL)
    jn_audio_bridge_set_monitor (self->bridge, (float) gain);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MONITOR_GAIN]);
}

gboolean
jn_session_start_recording (JnSession   *self,
                            const char  *folder,
                            GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "jam-%Y-%m-%d-%H%M%S");
  g_autofree char *stem = NULL;
  JnRecorder *recorder;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (JN_IS_SESSION (self), FALSE);
  g_return_val_if_fail (folder != NULL, FALSE);

  if (self->state != JN_SESSION_RUNNING || self->left)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           _("Recording starts once the session plays"));
      return FALSE;
    }
  if (self->jam_recorder != NULL)
    return TRUE;
  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot record into “%s”: %s"), folder, g_strerror (saved));
      return FALSE;
    }
  /* two recordings in one second are two sets of files */
  if (g_strcmp0 (stamp, self->recording_stamp) == 0)
    {
      g_autofree char *again = g_strdup_printf ("%s-%u", stamp, ++self->recording_repeat);

      stem = g_build_filename (folder, again, NULL);
    }
  else
    {
      g_free (self->recording_stamp);
      self->recording_stamp = g_strdup (stamp);
      self->recording_repeat = 1;
      stem = g_build_filename (folder, stamp, NULL);
    }
  recorder = jn_recorder_new (stem, NULL, NULL, error);
  if (recorder == NULL)
    return FALSE;
  jn_recorder_set_format (recorder, self->config.format.rate, self->config.format.channels,
                          self->config.format.frames);
  jn_recorder_set_aligned (recorder, TRUE);
  /* TRANSLATORS: a recording's file of what this computer played */
  jn_recorder_set_name (recorder, JN_RECORDER_LOCAL, self->player_name != NULL ? self->player_name : _("me"));
  /* TRANSLATORS: a recording's file of what you heard of the others */
  jn_recorder_set_name (recorder, JN_RECORDER_MIX, _("mix"));
  g_hash_table_iter_init (&iter, self->peer_by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    jn_recorder_set_name (recorder, jn_peer_get_id (value), jn_peer_get_name (value));
  g_free (self->recording_folder);
  self->recording_folder = g_strdup (folder);
  g_atomic_pointer_set (&self->jam_recorder, recorder);
  self->jam_drain_source = g_timeout_add (DRAIN_MS, on_jam_drain, self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORDING]);
  return TRUE;
}

void
jn_session_stop_recording (JnSession *self)
{
  Closing *closing;

  g_return_if_fail (JN_IS_SESSION (self));

  if (self->jam_recorder == NULL)
    return;
  closing = g_new0 (Closing, 1);
  closing->recorder = g_atomic_pointer_exchange (&self->jam_recorder, NULL);
  closing->stopped_at = atomic_load_explicit (&self->periods_done, memory_order_acquire);
  g_ptr_array_add (self->closing, closing);
  g_clear_handle_id (&self->jam_drain_source, g_source_remove);
  if (self->closing_source == 0)
    self->closing_source = g_timeout_add (10, on_closing, self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORDING]);
}

gboolean
jn_session_get_recording (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), FALSE);
  return self->jam_recorder != NULL;
}

const char *
jn_session_get_recording_folder (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), NULL);
  return self->recording_folder;
}

gboolean
jn_session_set_device_link (JnSession        *self,
                            JnAudioLinkKind   kind,
                            const char       *connect,
                            GError          **error)
{
  g_return_val_if_fail (JN_IS_SESSION (self), FALSE);
  g_return_val_if_fail (kind < JN_AUDIO_N_LINKS, FALSE);

  if (connect != NULL && *connect == '\0')
    connect = NULL;
  /* before the device opens, and when it opens again: this one */
  g_free (self->connect[kind]);
  self->connect[kind] = g_strdup (connect);
  if (self->device == NULL || self->left)
    return TRUE;
  return jn_audio_device_set_link (self->device, kind, connect, error);
}

void
jn_session_set_latency_safety (JnSession *self,
                               double     safety)
{
  g_return_if_fail (JN_IS_SESSION (self));

  safety = CLAMP (safety, 0.0, 1.0);
  self->config.latency_safety = safety;
  self->config.jitter_depth = 0;
  if (self->engine != NULL && !self->left)
    jn_media_engine_change_latency_safety (self->engine, safety);
}

gboolean
jn_session_send_chat (JnSession   *self,
                      const char  *text,
                      GError     **error)
{
  gboolean sent = FALSE;

  g_return_val_if_fail (JN_IS_SESSION (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if (!jn_chat_text_is_valid (text))
    {
      /* TRANSLATORS: %d is the most characters a chat line may have */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("A chat line is 1 to %d characters, without line breaks or control characters"),
                   JN_CHAT_MAX_CHARS);
      return FALSE;
    }
  if (self->state == JN_SESSION_RUNNING && !self->left)
    {
      if (self->host != NULL)
        sent = jn_host_send_chat (self->host, text);
      else if (self->client != NULL)
        sent = jn_client_send_chat (self->client, text);
    }
  if (!sent)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, _("Not in a session: nobody to tell"));
  return sent;
}

/* --- a latency test with one player ------------------------------------------ */

#define LIVE_TEST_TICK_MS 100

static void
ask_echo (JnSession *self,
          guint32    peer_id,
          guint      seconds)
{
  if (self->host != NULL)
    jn_host_request_echo (self->host, peer_id, seconds);
  else if (self->client != NULL)
    jn_client_request_echo (self->client, peer_id, seconds);
}

/* The test is over (done, timed out, cancelled or the session left): the
 * media thread lets go of it within a period; then its figures. */
static gboolean
on_live_test_tick (gpointer data)
{
  JnSession *self = data;
  g_autoptr(GTask) task = NULL;
  g_autofree JnLatencyFigures *figures = g_new0 (JnLatencyFigures, 1);
  gboolean echoed;
  guint32 peer_id = atomic_load_explicit (&self->live_peer, memory_order_relaxed);

  if (g_atomic_pointer_get (&self->live_test) != NULL)
    {
      if (!self->left && !g_cancellable_is_cancelled (g_task_get_cancellable (self->live_task)) &&
          !jn_latency_test_is_done (self->live_owned) && g_get_monotonic_time () < self->live_deadline_us)
        return G_SOURCE_CONTINUE;
      g_atomic_pointer_set (&self->live_test, NULL);
      self->live_stopped_at = atomic_load_explicit (&self->periods_done, memory_order_acquire);
      if (!self->left)
        ask_echo (self, peer_id, 0);   /* no more playing back */
    }
  /* a whole period since: the media thread holds it no more */
  if (!self->left && atomic_load_explicit (&self->periods_done, memory_order_acquire) < self->live_stopped_at + 2)
    return G_SOURCE_CONTINUE;

  self->live_source = 0;
  task = g_steal_pointer (&self->live_task);
  echoed = jn_latency_test_get_figures (self->live_owned, figures);
  g_clear_pointer (&self->live_owned, jn_latency_test_free);
  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;
  if (!echoed)
    {
      JnPeer *peer = g_hash_table_lookup (self->peer_by_id, GUINT_TO_POINTER (peer_id));

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               self->left ? _("The session ended before the latency test did")
                                          : _("No click came back from %s. Their JamNet may be older than "
                                              "this one, or busy timing someone else."),
                               peer != NULL ? jn_peer_get_name (peer) : "?");
      return G_SOURCE_REMOVE;
    }
  g_task_return_pointer (task, g_steal_pointer (&figures), g_free);
  return G_SOURCE_REMOVE;
}

void
jn_session_test_latency_async (JnSession           *self,
                               guint32              peer_id,
                               guint                clicks,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  JnPeer *peer;
  double timeout_s;
  guint seconds;

  g_return_if_fail (JN_IS_SESSION (self));
  g_return_if_fail (clicks >= 1 && clicks <= JN_LATENCY_TEST_MAX_CLICKS);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jn_session_test_latency_async);
  peer = g_hash_table_lookup (self->peer_by_id, GUINT_TO_POINTER (peer_id));
  if (self->state != JN_SESSION_RUNNING || self->left || self->echo == NULL || peer == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               _("That player is not in the session"));
      return;
    }
  if (jn_media_engine_has_mix (self->engine))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("In a mix room the clicks would come back in everyone’s mix: the latency "
                                 "test works in sessions and forward rooms"));
      return;
    }
  if (self->latency_test != NULL || self->live_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                               _("A latency test is already running; try again when it is over"));
      return;
    }
  if (jn_echo_is_active (self->echo))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                               _("Someone is timing the delay to you; try again in a few seconds"));
      return;
    }
  self->live_owned = jn_latency_test_new (clicks);
  timeout_s = jn_latency_test_get_timeout_s (self->live_owned);
  seconds = (guint) MIN (ceil (timeout_s) + 1, JN_ECHO_MAX_S);
  ask_echo (self, peer_id, seconds);
  atomic_store_explicit (&self->live_peer, peer_id, memory_order_relaxed);
  g_atomic_pointer_set (&self->live_test, self->live_owned);
  self->live_deadline_us = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  self->live_task = g_steal_pointer (&task);
  self->live_source = g_timeout_add (LIVE_TEST_TICK_MS, on_live_test_tick, self);
}

gboolean
jn_session_test_latency_finish (JnSession         *self,
                                GAsyncResult      *result,
                                JnLatencyFigures  *figures,
                                GError           **error)
{
  g_autofree JnLatencyFigures *got = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == jn_session_test_latency_async, FALSE);

  got = g_task_propagate_pointer (G_TASK (result), error);
  if (got == NULL)
    return FALSE;
  if (figures != NULL)
    *figures = *got;
  return TRUE;
}

void
jn_session_set_metronome (JnSession *self,
                          gboolean   on)
{
  g_return_if_fail (JN_IS_SESSION (self));

  on = !!on;
  if (on == jn_session_get_metronome (self))
    return;
  self->config.metronome = on;
  atomic_store (&self->metronome_on, on);
  /* while the session plays, the click follows the host's grid */
  if (on && self->started_us != 0 && !self->left && self->metronome_source == 0)
    {
      on_metronome_follow (self);
      self->metronome_source = g_timeout_add (METRONOME_FOLLOW_MS, on_metronome_follow, self);
    }
  else if (!on)
    g_clear_handle_id (&self->metronome_source, g_source_remove);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_METRONOME]);
}

gboolean
jn_session_get_metronome (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), FALSE);
  return atomic_load (&self->metronome_on);
}

gboolean
jn_session_set_tempo (JnSession *self,
                      double     bpm)
{
  g_return_val_if_fail (JN_IS_SESSION (self), FALSE);

  if (self->host == NULL || self->left || !(bpm >= 20.0 && bpm <= 400.0))
    return FALSE;
  self->config.tempo_bpm = bpm;
  jn_host_set_transport (self->host, bpm, FALSE);
  return TRUE;
}

double
jn_session_get_tempo (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), 0.0);

  if (self->host != NULL)
    return jn_host_get_tempo (self->host);
  if (self->client != NULL && jn_client_get_tempo (self->client) > 0)
    return jn_client_get_tempo (self->client);
  return self->config.tempo_bpm;
}

JnLevels *
jn_session_get_levels (JnSession *self)
{
  g_return_val_if_fail (JN_IS_SESSION (self), NULL);
  return self->levels;
}

/* --- the figures, for files ------------------------------------------------ */

/* {"kind": "nat", "ice": "ready", "local": "host 10.0.0.2:40000", ...} */
static JsonNode *
link_to_json (JnSession *self,
              guint32    id)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  JnLinkInfo link;

  if (self->engine != NULL && jn_media_engine_has_hub (self->engine))
    json_object_set_string_member (object, "kind", jn_peer_path_to_string (JN_PEER_PATH_SERVER));
  else if (!jn_session_get_link (self, id, &link))
    json_object_set_string_member (object, "kind", jn_peer_path_to_string (JN_PEER_PATH_UDP));
  else
    {
      json_object_set_string_member (object, "kind", jn_peer_path_to_string (path_of (&link)));
      json_object_set_string_member (object, "ice", jn_ice_state_to_string (link.state));
      if (link.has_pair)
        {
          json_object_set_string_member (object, "local_type", link.pair.local_type);
          json_object_set_string_member (object, "local_address", link.pair.local_address);
          json_object_set_string_member (object, "remote_type", link.pair.remote_type);
          json_object_set_string_member (object, "remote_address", link.pair.remote_address);
        }
    }
  json_node_take_object (node, object);
  return node;
}

JsonNode *
jn_session_stats_to_json (JnSession *self)
{
  static const char *roles[] = { "none", "host", "join", "demo" };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GArray) stats = NULL;
  JsonObject *object;
  JsonArray *peers;
  double capture_ms, playback_ms;
  gint64 end;

  g_return_val_if_fail (JN_IS_SESSION (self), NULL);
  g_return_val_if_fail (self->engine != NULL, NULL);

  root = jn_media_engine_stats_to_json (self->engine);
  object = json_node_get_object (root);
  peers = json_object_get_array_member (object, "peers");
  end = self->left ? self->ended_us : g_get_monotonic_time ();
  json_object_set_string_member (object, "role", roles[self->role]);
  if (self->host != NULL)
    {
      JsonObject *control = json_object_new ();
      JnHostStats host;

      jn_host_get_stats (self->host, &host);
      json_object_set_int_member (control, "failed_passphrases", (gint64) host.failed_passphrases);
      json_object_set_int_member (control, "refused_guessing", (gint64) host.refused_guessing);
      json_object_set_int_member (control, "refused_hellos", (gint64) host.refused_hellos);
      json_object_set_int_member (control, "refused_connections", (gint64) host.refused_connections);
      json_object_set_int_member (control, "timed_out", (gint64) host.timed_out);
      json_object_set_int_member (control, "tls_failures", (gint64) host.tls_failures);
      json_object_set_int_member (control, "accept_failures", (gint64) host.accept_failures);
      json_object_set_int_member (control, "silent", (gint64) host.silent);
      json_object_set_object_member (object, "control", control);
    }
  json_object_set_double_member (object, "duration_s", self->started_us ? (end - self->started_us) / 1e6 : 0.0);
  local_latency (self, &capture_ms, &playback_ms);
  if (self->had_device)
    {
      JsonObject *audio = json_object_new ();
      JnAudioBridgeStats bridge = self->bridge_stats;
      guint64 periods, xruns;

      if (self->bridge != NULL)
        jn_audio_bridge_get_stats (self->bridge, &bridge);
      jn_session_get_audio_counts (self, &periods, &xruns);
      json_object_set_string_member (audio, "backend", self->device != NULL ? jn_audio_device_get_backend (self->device)
                                                                             : self->audio_backend);
      json_object_set_int_member (audio, "periods", (gint64) periods);
      json_object_set_int_member (audio, "xruns", (gint64) xruns);
      json_object_set_int_member (audio, "capture_overruns", (gint64) bridge.capture_overruns);
      json_object_set_int_member (audio, "capture_underruns", (gint64) bridge.capture_underruns);
      json_object_set_int_member (audio, "playback_underruns", (gint64) bridge.playback_underruns);
      json_object_set_int_member (audio, "playback_overruns", (gint64) bridge.playback_overruns);
      json_object_set_double_member (audio, "capture_latency_ms", capture_ms);
      json_object_set_double_member (audio, "playback_latency_ms", playback_ms);
      {
        g_autofree char *scheduling = self->device != NULL ? jn_audio_device_describe_scheduling (self->device)
                                                           : g_strdup (self->audio_scheduling);

        if (scheduling != NULL)
          json_object_set_string_member (audio, "thread_scheduling", scheduling);
      }
      json_object_set_object_member (object, "audio", audio);
    }
  stats = jn_media_engine_get_peer_stats (self->engine);
  for (guint i = 0; i < json_array_get_length (peers); i++)
    {
      JsonObject *peer = json_array_get_object_element (peers, i);
      guint32 id = (guint32) json_object_get_int_member (peer, "id");
      const char *path = self->recorder != NULL ? jn_recorder_get_path (self->recorder, id) : NULL;

      for (guint k = 0; k < stats->len; k++)
        if (g_array_index (stats, JnPeerStats, k).id == id)
          {
            const JnPeerStats *s = &g_array_index (stats, JnPeerStats, k);
            JnDelayParts parts;
            double total;

            end_to_end (self, s, capture_ms, playback_ms, &parts);
            total = jn_delay_parts_total (&parts);
            json_object_set_double_member (peer, "end_to_end_ms", total);
            json_object_set_string_member (peer, "delay_light",
                                           jn_delay_light_to_string (s->one_way_ms.count > 0
                                                                     ? jn_delay_light_for (total)
                                                                     : JN_DELAY_UNKNOWN));
          }
      if (path != NULL)
        json_object_set_string_member (peer, "record_file", path);
      json_object_set_member (peer, "path", link_to_json (self, id));
    }
  return g_steal_pointer (&root);
}

static void
write_report_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  JnReport *report = g_object_get_data (G_OBJECT (task), "report");
  GFile *file = task_data;
  g_autofree char *path = g_file_get_path (file);
  GError *error = NULL;

  if (path == NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                             _("Reports can only be saved to local files"));
  else if (!jn_report_write (report, path, NULL, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
jn_session_export_report_async (JnSession           *self,
                                GFile               *file,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GHashTableIter iter;
  gpointer id, value;
  JnReport *report;
  g_autoptr(GTask) task = NULL;
  g_autofree char *title = NULL;
  double capture_ms, playback_ms;

  g_return_if_fail (JN_IS_SESSION (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jn_session_export_report_async);
  if (self->engine == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               _("There is no session to report on"));
      return;
    }
  /* the figures are copied now (quick); the file is written off the main thread */
  title = g_strdup_printf (_("JamNet session report: %s"), self->name ? self->name : self->player_name);
  local_latency (self, &capture_ms, &playback_ms);
  report = jn_session_report_new (self->engine, title, capture_ms, playback_ms);
  /* each link's path, as ICE left it (a room's session) */
  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, &id, &value))
    {
      const JnLinkInfo *link = value;
      g_autofree char *key = g_strdup_printf ("path to peer %u", GPOINTER_TO_UINT (id));
      g_autofree char *text = link->has_pair
                              ? g_strdup_printf ("%s: %s %s ↔ %s %s", jn_peer_path_to_string (path_of (link)),
                                                 link->pair.local_type, link->pair.local_address,
                                                 link->pair.remote_type, link->pair.remote_address)
                              : g_strdup (jn_peer_path_to_string (path_of (link)));

      jn_report_set_machine (report, key, text);
    }
  g_object_set_data_full (G_OBJECT (task), "report", report, (GDestroyNotify) jn_report_free);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, write_report_thread);
}

gboolean
jn_session_export_report_finish (JnSession     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == jn_session_export_report_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
