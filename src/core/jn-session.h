/* jn-session.h: one jam session, hosted, joined or a local demo
 *
 * JnSession owns everything a session is made of (the media engine, the
 * host or client, the LAN announcer, the demo player, the audio device and
 * its bridge, what it records) and states their order once; the app and
 * the CLI drive it and show its JnPeer objects.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "jn-audio.h"
#include "jn-capture-source.h"
#include "jn-client.h"
#include "jn-host.h"
#include "jn-latency-test.h"
#include "jn-levels.h"
#include "jn-media-engine.h"
#include "jn-peer.h"
#include "jn-recorder.h"
#include "jn-relay.h"

G_BEGIN_DECLS

typedef enum
{
  JN_SESSION_IDLE,       /* nothing started yet */
  JN_SESSION_STARTING,   /* hosting, joining, or waiting for the demo player */
  JN_SESSION_RUNNING,
  JN_SESSION_ENDED,      /* left, refused, or ended by the host */
} JnSessionState;

typedef enum
{
  JN_SESSION_ROLE_NONE,
  JN_SESSION_ROLE_HOST,
  JN_SESSION_ROLE_JOIN,
  JN_SESSION_ROLE_DEMO,
} JnSessionRole;

GType jn_session_state_get_type (void) G_GNUC_CONST;
#define JN_TYPE_SESSION_STATE (jn_session_state_get_type ())

/* How a session is set up; strings are copied by jn_session_new(). */
typedef struct
{
  const char   *player_name;     /* NULL: the account's real name */
  const char   *bind_address;    /* NULL: every interface */
  guint16       port;            /* host: WebSocket port, 0 picks a free one */
  guint16       udp_port;        /* 0 picks a free one */
  gboolean      announce;        /* host: on the LAN beacon (default TRUE) */
  JnAudioFormat format;          /* host: the session's format */
  double        tempo_bpm;       /* host (default 120) */
  guint         jitter_depth;    /* packets; 0: adaptive (the default) */
  double        latency_safety;  /* adaptive depth, 0..1 (default 0.5) */
  const char   *concealment;     /* NULL: "pnbtr" */
  const char   *pnbtr_backend;   /* NULL: the engine's default */
  guint         midi_redundancy; /* 1..JN_MIDI_REDUNDANCY_MAX (default 1) */
  guint         audio_copies;    /* copies of earlier packets in each audio packet, 0..4 (default 0) */
  gboolean      audio_copies_auto; /* instead, as the others' losses ask */
  guint         max_upload_kbps; /* auto: our upload to all, at most; 0: no bound */
  /* the audio device: NULL for none, else "auto", "pipewire", "alsa", "null" */
  const char   *audio_backend;
  /* TRUE: a device that does not open leaves the session silent (the
   * audio status says why) instead of failing it */
  gboolean      audio_optional;
  const char   *alsa_device;
  const char   *connect[JN_AUDIO_N_LINKS];   /* NULL: leave it to a patchbay */
  double        monitor_gain;    /* hear yourself, 0..4 (default 0) */
  double        master_gain;     /* the others' mix, 0..4 (default 1) */
  gboolean      metronome;       /* a click on the session's beat */
  /* TRUE: media in the clear, for benchmarks against peers that cannot
   * encrypt (jamnet-cli --insecure); such a session joins only its like */
  gboolean      insecure;
  /* host: a PEM file with the certificate and its key the control plane
   * presents; NULL: the user's own, made on first use (jn-identity.h) */
  const char   *certificate_file;
  /* join: a certificate that differs from the one remembered for the
   * address is accepted and remembered instead of refused */
  gboolean      trust_new_certificate;
  /* join a server's room (jamnet://SERVER/ROOM): make it when it is not
   * open, with the join's passphrase; listed in the server's room list
   * unless room_unlisted */
  gboolean      create_room;
  gboolean      room_unlisted;
  /* join a room: the player's own STUN server ("IP:PORT") and TURN
   * server ("USER:PASSWORD@IP:PORT"), used instead of the room's */
  const char   *stun;
  const char   *turn;
} JnSessionConfig;

void jn_session_config_init (JnSessionConfig *config);

#define JN_TYPE_SESSION (jn_session_get_type ())
G_DECLARE_FINAL_TYPE (JnSession, jn_session, JN, SESSION, GObject)

JnSession      *jn_session_new                 (const JnSessionConfig *config);

/* Before hosting or joining (each taken): what is sent when no device
 * captures (default: silence), what is recorded, a latency test (its
 * clicks are then all that is sent). */
void            jn_session_set_capture_source  (JnSession           *self,
                                                JnCaptureSource     *source);
void            jn_session_set_recorder        (JnSession           *self,
                                                JnRecorder          *recorder);
void            jn_session_set_latency_test    (JnSession           *self,
                                                JnLatencyTest       *test);
JnLatencyTest  *jn_session_get_latency_test    (JnSession           *self);

/* A session is hosted, joined or demonstrated once. */
void            jn_session_host_async          (JnSession           *self,
                                                const char          *session_name,
                                                const char          *passphrase,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean        jn_session_host_finish         (JnSession           *self,
                                                GAsyncResult        *result,
                                                GError             **error);
/* url: as jn_session_url_normalize() takes it.  A wrong or missing
 * passphrase fails with JN_SESSION_ERROR_WRONG_PASSPHRASE. */
void            jn_session_join_async          (JnSession           *self,
                                                const char          *url,
                                                const char          *passphrase,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean        jn_session_join_finish         (JnSession           *self,
                                                GAsyncResult        *result,
                                                GError             **error);
/* Hosts, and a simulated player joins through an emulated network. */
void            jn_session_demo_async          (JnSession           *self,
                                                const char          *session_name,
                                                const JnImpairment  *impairment,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean        jn_session_demo_finish         (JnSession           *self,
                                                GAsyncResult        *result,
                                                GError             **error);
/* Stops the media, writes what was recorded, says goodbye and closes the
 * audio device.  The figures stay readable.  Safe to call twice. */
void            jn_session_leave               (JnSession           *self);

JnSessionState  jn_session_get_state           (JnSession           *self);
JnSessionRole   jn_session_get_role            (JnSession           *self);
const char     *jn_session_get_name            (JnSession           *self);
/* host: the ws:// URL on loopback */
char           *jn_session_dup_local_url       (JnSession           *self);
/* A host's invite links (docs/protocol.md 2), one per address others may
 * reach it at: its bind address, else each interface's IPv4 address that
 * is up and not loopback, else 127.0.0.1; in a server's room, the
 * room's link as it was joined; NULL otherwise (the demo too). */
char          **jn_session_dup_invite_links    (JnSession           *self);
guint32         jn_session_get_local_id        (JnSession           *self);
const JnAudioFormat *jn_session_get_format     (JnSession           *self);
/* How lost packets are concealed: "pnbtr", "burg", "repeat" or "zero". */
const char     *jn_session_get_concealment     (JnSession           *self);

/* The others, a GListModel of JnPeer: a player is added when they join and
 * removed when they leave. */
GListModel     *jn_session_get_peers           (JnSession           *self);
JnPeer         *jn_session_lookup_peer         (JnSession           *self,
                                                guint32              peer_id);
void            jn_session_set_peer_gain       (JnSession           *self,
                                                guint32              peer_id,
                                                double               gain);
void            jn_session_set_peer_muted      (JnSession           *self,
                                                guint32              peer_id,
                                                gboolean             muted);
gboolean        jn_session_send_midi           (JnSession           *self,
                                                const guint8        *bytes,
                                                gsize                size,
                                                GError             **error);

/* The engine, to read figures from; the session configures and runs it. */
JnMediaEngine  *jn_session_get_engine          (JnSession           *self);
/* What the host's control plane turned away; zeros unless hosting. */
void            jn_session_get_host_stats      (JnSession           *self,
                                                JnHostStats         *stats);
/* The latest snapshot's engine figures. */
const JnEngineStats *jn_session_get_engine_stats (JnSession         *self);
/* The open device, NULL when none is; why not, for people, in
 * jn_session_get_audio_status(). */
JnAudioDevice  *jn_session_get_audio_device    (JnSession           *self);
const char     *jn_session_get_audio_status    (JnSession           *self);
/* Device periods and xruns (kept after the device closed). */
void            jn_session_get_audio_counts    (JnSession           *self,
                                                guint64             *periods,
                                                guint64             *xruns);
/* What the local audio path adds each way, ms (device plus bridge). */
void            jn_session_get_local_latency   (JnSession           *self,
                                                double              *capture_ms,
                                                double              *playback_ms);
/* What we play, before anyone hears it, from any time in the session:
 * a linear gain 0..4 ("input-gain", default 1) and "input-muted" (the
 * others hear silence; our meter still shows what we play). */
double          jn_session_get_input_gain      (JnSession           *self);
void            jn_session_set_input_gain      (JnSession           *self,
                                                double               gain);
gboolean        jn_session_get_input_muted     (JnSession           *self);
void            jn_session_set_input_muted     (JnSession           *self,
                                                gboolean             muted);
/* Hear ourselves, straight from the device's capture, 0..4
 * ("monitor-gain"; 0 is off; only with an audio device). */
double          jn_session_get_monitor_gain    (JnSession           *self);
void            jn_session_set_monitor_gain    (JnSession           *self,
                                                double               gain);
/* The jitter buffer's adaptive depth, 0 (lowest latency) .. 1 (safest),
 * at once, also while the session plays (a fixed depth becomes adaptive). */
void            jn_session_set_latency_safety  (JnSession           *self,
                                                double               safety);
/* Where our PipeWire node links `kind` (as JnSessionConfig's connect),
 * now: what it linked goes, the new device is linked as it appears.
 * FALSE with an error where the device links nothing itself (ALSA,
 * null). */
gboolean        jn_session_set_device_link     (JnSession           *self,
                                                JnAudioLinkKind      kind,
                                                const char          *connect,
                                                GError             **error);
/* A line of chat to everyone in the session (docs/protocol.md, "chat"):
 * 1 to JN_CHAT_MAX_CHARS characters, no control characters.  "chat"
 * (id, name, text) is what the others say; our own is not echoed. */
gboolean        jn_session_send_chat           (JnSession           *self,
                                                const char          *text,
                                                GError             **error);
/* Times `clicks` round trips (1..JN_LATENCY_TEST_MAX_CLICKS) through the
 * player peer_id, who plays them back (docs/protocol.md, "echo"): for
 * the few seconds it takes everyone hears the clicks from both of us
 * instead of our playing.  One test at a time; fails when no echo came
 * back. */
void            jn_session_test_latency_async  (JnSession           *self,
                                                guint32              peer_id,
                                                guint                clicks,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean        jn_session_test_latency_finish (JnSession           *self,
                                                GAsyncResult        *result,
                                                JnLatencyFigures    *figures,
                                                GError             **error);
/* The click on the session's beat, on or off at any time ("metronome"). */
void            jn_session_set_metronome       (JnSession           *self,
                                                gboolean             on);
gboolean        jn_session_get_metronome       (JnSession           *self);
/* The host sets the session's tempo (20..400 bpm; the beat grid keeps its
 * epoch) and every player's click follows; FALSE for a joiner. */
gboolean        jn_session_set_tempo           (JnSession           *self,
                                                double               bpm);
/* The host's tempo, as we know it */
double          jn_session_get_tempo           (JnSession           *self);
/* Record the jam from now on, into folder (made if need be): one WAV per
 * player ("jam-DATE-TIME - NAME.wav"), ours and the mix as we hear it
 * (before the master gain; only with an audio device), all starting at
 * the same sample and ending together (silence where a stream had none).
 * Files are written on the main context.  "recording" notifies. */
gboolean        jn_session_start_recording     (JnSession           *self,
                                                const char          *folder,
                                                GError             **error);
/* Stops; the files are complete a few periods later (or at once when the
 * session leaves). */
void            jn_session_stop_recording      (JnSession           *self);
gboolean        jn_session_get_recording       (JnSession           *self);
/* where the last recording went, NULL before one */
const char     *jn_session_get_recording_folder (JnSession          *self);
/* Every stream's level, each period (jn-levels.h): our input after its
 * gain, each peer's as it plays before our mix.  One reader. */
JnLevels       *jn_session_get_levels          (JnSession           *self);

/* The stats JSON (docs/protocol.md, "Stats JSON"): the engine's figures,
 * the role, the duration, each peer's end-to-end figure and recording, the
 * audio device's. */
JsonNode       *jn_session_stats_to_json       (JnSession           *self);
/* ICE's last word on the link with peer_id (kept after it left); FALSE
 * in a session whose links are not ICE's. */
gboolean        jn_session_get_link            (JnSession           *self,
                                                guint32              peer_id,
                                                JnLinkInfo          *link);
/* Writes the session report (format from the file's extension) off the
 * main thread; the figures are taken when this is called. */
void            jn_session_export_report_async (JnSession           *self,
                                                GFile               *file,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean        jn_session_export_report_finish (JnSession          *self,
                                                GAsyncResult        *result,
                                                GError             **error);

G_END_DECLS
