/* jn-media-engine.h: the media plane (UDP audio, MIDI and clock sync)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "jn-error.h"
#include "jn-midi.h"
#include "jn-packet.h"
#include "jn-stats.h"

G_BEGIN_DECLS

#define JN_TYPE_MEDIA_ENGINE (jn_media_engine_get_type ())
G_DECLARE_FINAL_TYPE (JnMediaEngine, jn_media_engine, JN, MEDIA_ENGINE, GObject)

/* Clock-sync pings per second and peer. */
#define JN_SYNC_RATE_HZ 10

/* Callbacks run on the media thread, with the engine's lock held: they must
 * be quick and must not call back into the engine. */
typedef struct
{
  /* fill one packet of capture audio (frames x channels, interleaved);
   * position is the packet's first frame since the engine started */
  void (*capture) (gpointer     user_data,
                   float       *out,
                   guint        frames,
                   guint        channels,
                   guint64      position);
  /* one packet period of a peer's playout; concealed when it did not arrive */
  void (*playout) (gpointer     user_data,
                   guint32      peer_id,
                   guint32      seq,
                   const float *audio,
                   guint        frames,
                   guint        channels,
                   gboolean     concealed);
  /* a MIDI event from a peer, after de-duplication */
  void (*midi)    (gpointer           user_data,
                   guint32            peer_id,
                   const JnMidiEvent *event,
                   gint64             arrival_us);
  /* every peer's playout of this period has been handed over (a mixer
   * pushes its mix now); may be NULL */
  void (*period_end) (gpointer        user_data,
                      guint           frames,
                      guint           channels);
} JnMediaCallbacks;

typedef struct
{
  guint32   id;
  char      name[4 * 64 + 1];
  gboolean  synced;           /* at least one clock-sync round trip */
  gboolean  said_bye;
  gboolean  departed;         /* left the session; figures are final */
  JnSummary rtt_ms;
  JnSummary one_way_ms;
  JnSummary jitter_ms;
  JnSummary midi_one_way_ms;
  JnSummary buffer_level;     /* packets queued ahead of playout */
  double    offset_ms;        /* peer clock - local clock */
  guint     jitter_depth;     /* current target depth, packets */
  guint64   depth_grows;      /* depth raised after late packets */
  guint64   depth_shrinks;    /* depth lowered after calm stretches */
  guint64   stretched;        /* periods concealed to grow the depth */
  guint64   compressed;       /* packets merged away to shrink it */
  const char *concealment;    /* "pnbtr", "burg", ..., "zero" */
  guint64   audio_packets;    /* unique audio packets received */
  guint64   lost;             /* never arrived */
  guint64   late;             /* arrived after their playout time */
  guint64   out_of_order;
  guint64   duplicates;
  guint64   played;           /* packet periods played from real audio */
  guint64   concealed;        /* packet periods concealed */
  guint64   gaps_worker_model; /* gaps that began with a model from the PNBTR worker */
  guint64   gaps_local_fit;   /* gaps that fitted their model on the media thread */
  guint64   gaps_repeated;    /* gaps PNBTR filled partly from where the music repeated */
  guint64   gaps_light;       /* gaps begun the cheap way: the period's budget was spent */
  guint64   gaps_onset;       /* gaps with a quick model of a note begun since the model */
  double    loss_percent;
  double    concealed_percent; /* of the packet periods played out */
  guint64   midi_events;      /* unique MIDI events delivered */
  guint64   midi_duplicates;  /* copies dropped (redundancy, network) */
  guint64   midi_missing;     /* event sequence numbers never received */
  gboolean  playout_started;
  guint32   playout_first_seq; /* first sequence number played out */
} JnPeerStats;

typedef struct
{
  guint32 local_id;
  guint16 udp_port;
  guint64 packets_sent;
  guint64 send_errors;
  guint64 dropped_non_member;
  guint64 dropped_malformed;
  guint64 malformed[JN_PROTOCOL_ERROR_N_CODES];
  guint64 clock_skips;        /* periods skipped after the thread stalled */

  /* the PNBTR worker (all 0 and "" when none runs) */
  char    pnbtr_backend[16];  /* "starting", "cpu", "opencl", "cuda", "none" */
  char    pnbtr_device[256];
  guint64 pnbtr_jobs;         /* models asked of the worker */
  guint64 pnbtr_installed;    /* came back in time and were installed */
  guint64 pnbtr_late;         /* came back after their deadline: dropped */
  guint64 pnbtr_in_gap;       /* came back during a gap: dropped */
  guint64 pnbtr_queue_full;   /* could not be asked: the queue was full */
  guint64 pnbtr_failures;     /* batches a backend failed (redone on the CPU) */
  double  pnbtr_batch_ms;     /* the last batch, submit to result */
  double  pnbtr_job_ms;       /* what one stream's model costs the worker (average) */
  guint   pnbtr_refit_periods; /* each stream's model is refitted this often */
} JnEngineStats;

/* How often (in periods) each of `streams` streams has its model refitted
 * by a worker that takes job_us per model, so that refitting takes at most
 * a share of one core (see jn-media-engine.c); 1..6. */
guint          jn_pnbtr_refit_periods        (guint                streams,
                                              double               job_us,
                                              double               period_us);

JnMediaEngine *jn_media_engine_new           (const char          *bind_address,
                                              guint16              port,
                                              GError             **error);
guint16        jn_media_engine_get_port      (JnMediaEngine       *self);
/* When the packet clock started (g_get_monotonic_time()): frame n of the
 * capture positions is at start + n / rate. */
gint64         jn_media_engine_get_start_time (JnMediaEngine      *self);

/* Configuration; call before jn_media_engine_start(). */
void           jn_media_engine_set_format    (JnMediaEngine       *self,
                                              const JnAudioFormat *format);
const JnAudioFormat *jn_media_engine_get_format (JnMediaEngine    *self);
void           jn_media_engine_set_jitter_depth (JnMediaEngine    *self,
                                              guint                packets);
/* Adaptive depth, safety 0 ("lowest latency") .. 1 ("safest"); the default
 * (0.5).  jn_media_engine_set_jitter_depth() fixes the depth instead. */
void           jn_media_engine_set_jitter_adaptive (JnMediaEngine *self,
                                              double               safety);
/* The share of a packet period (0..1) that concealment may take in full;
 * streams that begin a gap after it has gone begin it the cheap way
 * (pnbtr_set_light()), so that many streams losing packets at once do not
 * make the period late.  Default JN_PLC_BUDGET_DEFAULT. */
#define JN_PLC_BUDGET_DEFAULT 0.4
void           jn_media_engine_set_plc_budget  (JnMediaEngine     *self,
                                              double               share);
/* How lost packets are concealed: "pnbtr" (default), "burg", "repeat",
 * "zero"; see libpnbtr. */
gboolean       jn_media_engine_set_concealment (JnMediaEngine     *self,
                                              const char          *method,
                                              GError             **error);
/* Where PNBTR's models are fitted, off the media thread: "auto" (the
 * default: CUDA, OpenCL, CPU; $JAMNET_PNBTR_BACKEND overrides), "cpu",
 * "opencl", "cuda", or "off" (each gap fits its own model in the media
 * thread). */
gboolean       jn_media_engine_set_pnbtr_backend (JnMediaEngine   *self,
                                              const char          *backend,
                                              GError             **error);
void           jn_media_engine_set_midi_redundancy (JnMediaEngine *self,
                                              guint                copies);
void           jn_media_engine_set_send_audio (JnMediaEngine      *self,
                                              gboolean             send_audio);
void           jn_media_engine_set_callbacks (JnMediaEngine       *self,
                                              const JnMediaCallbacks *callbacks,
                                              gpointer             user_data);

void           jn_media_engine_set_local_id  (JnMediaEngine       *self,
                                              guint32              id);
guint32        jn_media_engine_get_local_id  (JnMediaEngine       *self);

gboolean       jn_media_engine_start         (JnMediaEngine       *self,
                                              GError             **error);
/* Says bye to every peer and joins the media thread. */
void           jn_media_engine_stop          (JnMediaEngine       *self);

/* Session membership; thread-safe.  Packets from any other address are
 * dropped and counted. */
gboolean       jn_media_engine_add_peer      (JnMediaEngine       *self,
                                              guint32              id,
                                              const char          *name,
                                              const char          *address,
                                              guint16              udp_port,
                                              GError             **error);
gboolean       jn_media_engine_set_peer_address (JnMediaEngine    *self,
                                              guint32              id,
                                              const char          *address,
                                              guint16              udp_port,
                                              GError             **error);
/* The peer leaves: nothing more is sent to or accepted from it, what is
 * queued is played out, its figures stay in the stats. */
void           jn_media_engine_remove_peer   (JnMediaEngine       *self,
                                              guint32              id);
/* Plays out what is queued for the peer and then stops its playout. */
void           jn_media_engine_finish_peer   (JnMediaEngine       *self,
                                              guint32              id);

/* Sends one MIDI message to every peer, each event k times (redundancy);
 * thread-safe, not for the audio thread. */
gboolean       jn_media_engine_send_midi     (JnMediaEngine       *self,
                                              const guint8        *bytes,
                                              gsize                size,
                                              GError             **error);

/* Snapshots; thread-safe.  Peer stats include departed peers. */
void           jn_media_engine_get_stats     (JnMediaEngine       *self,
                                              JnEngineStats       *stats);
GArray        *jn_media_engine_get_peer_stats (JnMediaEngine      *self);
gboolean       jn_media_engine_get_peer      (JnMediaEngine       *self,
                                              guint32              id,
                                              JnPeerStats         *stats);


/* Figures kept as time series, one sample per clock-sync period (10 Hz),
 * for the last 15 minutes. */
typedef enum
{
  JN_METRIC_RTT_MS,
  JN_METRIC_ONE_WAY_MS,
  JN_METRIC_JITTER_MS,
  JN_METRIC_BUFFER_LEVEL,
  JN_METRIC_BUFFER_DEPTH,
  JN_METRIC_LOSS_PERCENT,
  JN_METRIC_LOST_PACKETS,       /* packets found missing since the previous sample */
  JN_METRIC_CONCEALED_PACKETS,  /* packet periods concealed since the previous sample */
  JN_N_METRICS
} JnMetric;

#define JN_SERIES_CAPACITY (15 * 60 * JN_SYNC_RATE_HZ)

const char    *jn_metric_to_string           (JnMetric             metric);
/* A copy of one peer's series (GArray of JnSample), NULL for an unknown peer. */
GArray        *jn_media_engine_copy_series   (JnMediaEngine       *self,
                                              guint32              peer_id,
                                              JnMetric             metric);

G_END_DECLS
