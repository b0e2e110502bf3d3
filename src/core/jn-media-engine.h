/* jn-media-engine.h: the media plane (UDP audio, MIDI and clock sync)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "jn-error.h"
#include "jn-media-snapshot.h"
#include "jn-media-stats.h"
#include "jn-midi.h"
#include "jn-packet.h"
#include "jn-secure-transport.h"
#include "jn-transport.h"

G_BEGIN_DECLS

#define JN_TYPE_MEDIA_ENGINE (jn_media_engine_get_type ())
G_DECLARE_FINAL_TYPE (JnMediaEngine, jn_media_engine, JN, MEDIA_ENGINE, GObject)

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

/* An audio device's clock (jn_audio_bridge_clock()), on the media thread:
 * how many packets the device captured since the last call, and when the
 * next one is due. */
typedef guint (*JnPacketClockFunc) (gpointer  user_data,
                                    gint64    now,
                                    gint64   *next_us);

/* Media in the clear: for tests and jamnet-cli --insecure. */
JnMediaEngine *jn_media_engine_new           (const char          *bind_address,
                                              guint16              port,
                                              GError             **error);
/* Every datagram sealed with its link's key (JnSecureTransport). */
JnMediaEngine *jn_media_engine_new_sealed    (const char          *bind_address,
                                              guint16              port,
                                              GError             **error);
gboolean       jn_media_engine_is_sealed     (JnMediaEngine       *self);
/* Sends and receives through transport (JnUdpTransport, or one that
 * reaches peers another way; docs/architecture.md). */
JnMediaEngine *jn_media_engine_new_for_transport (JnTransport     *transport);
JnTransport   *jn_media_engine_get_transport (JnMediaEngine       *self);
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
/* The same while the session plays, for every stream from its next
 * period: the depth moves into the new bounds at once, and then as the
 * network asks (a backlog drains as after a burst). */
void           jn_media_engine_change_latency_safety (JnMediaEngine *self,
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
/* How many copies of our earlier packets each audio packet carries, 0..4
 * (docs/protocol.md 3.2; PCM sessions only: an Opus session sends none). */
void           jn_media_engine_set_audio_copies (JnMediaEngine    *self,
                                              guint                copies);
/* Copies as the receivers' reports ask (docs/codec.md), keeping our upload
 * to all peers within max_upload_kbps (0: no bound). */
void           jn_media_engine_set_audio_copies_auto (JnMediaEngine *self,
                                              guint                max_upload_kbps);
/* Whether our MIDI packets carry a recovery journal (docs/protocol.md 3.3;
 * the default).  Off only to measure what it is worth. */
void           jn_media_engine_set_midi_journal (JnMediaEngine    *self,
                                              gboolean             journal);
void           jn_media_engine_set_send_audio (JnMediaEngine      *self,
                                              gboolean             send_audio);
void           jn_media_engine_set_callbacks (JnMediaEngine       *self,
                                              const JnMediaCallbacks *callbacks,
                                              gpointer             user_data);
/* The device drives the packet clock: a period runs for every packet it
 * captured, as soon as it did.  Without one (NULL, the default) the engine
 * keeps its own timer.  Call before jn_media_engine_start(). */
void           jn_media_engine_set_packet_clock (JnMediaEngine    *self,
                                              JnPacketClockFunc    func,
                                              gpointer             user_data);

/* The figures and the series' new samples, pushed JN_SNAPSHOT_RATE_HZ times
 * a second to func on context (NULL: the thread-default one); call before
 * jn_media_engine_start().  After jn_media_engine_stop() func is not called
 * again. */
void           jn_media_engine_set_snapshot_func (JnMediaEngine   *self,
                                              GMainContext        *context,
                                              JnMediaSnapshotFunc  func,
                                              gpointer             user_data);
void           jn_media_engine_set_local_id  (JnMediaEngine       *self,
                                              guint32              id);
guint32        jn_media_engine_get_local_id  (JnMediaEngine       *self);

gboolean       jn_media_engine_start         (JnMediaEngine       *self,
                                              GError             **error);
/* Says bye to every peer and joins the media thread. */
void           jn_media_engine_stop          (JnMediaEngine       *self);

/* Session membership, by peer id; thread-safe.  The transport is told how
 * to reach each member (for UDP its address).  A sealed engine needs the
 * link's key (JnLinkKey) and takes only what it opens; a
 * clear one ignores key and drops datagrams from anyone else, or carrying
 * another member's id.  Either way what is dropped is counted. */
gboolean       jn_media_engine_add_peer      (JnMediaEngine       *self,
                                              guint32              id,
                                              const char          *name,
                                              const char          *address,
                                              guint16              udp_port,
                                              const JnLinkKey     *key,
                                              GError             **error);
/* A forward room: every datagram goes to its server at address:udp_port
 * (sealed with key), which forwards it to the members; peers added later
 * are reached through it (docs/protocol.md 3.6).  Before any peer. */
gboolean       jn_media_engine_set_hub       (JnMediaEngine       *self,
                                              const char          *address,
                                              guint16              udp_port,
                                              const JnLinkKey     *key,
                                              GError             **error);
gboolean       jn_media_engine_has_hub       (JnMediaEngine       *self);
/* A mix room (docs/protocol.md 3.7), after jn_media_engine_set_hub() and
 * before the members: the server's mix for us plays as peer 1, named name;
 * the members are pinged no more. */
gboolean       jn_media_engine_set_mix       (JnMediaEngine       *self,
                                              const char          *name,
                                              GError             **error);
gboolean       jn_media_engine_has_mix       (JnMediaEngine       *self);
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

/* The same in two steps: the next event of ours (its sequence number and
 * time stamp) for bytes, then its sending; for a caller that also sends
 * it another way (the control plane, where no UDP path exists). */
gboolean       jn_media_engine_next_midi     (JnMediaEngine       *self,
                                              const guint8        *bytes,
                                              gsize                size,
                                              JnMidiEvent         *event,
                                              GError             **error);
void           jn_media_engine_send_midi_event (JnMediaEngine     *self,
                                              const JnMidiEvent   *event);
/* A peer's event that came another way than UDP (the room's control
 * plane): delivered on the media thread like one that came by UDP, and
 * once only if it comes both ways; thread-safe. */
void           jn_media_engine_deliver_midi  (JnMediaEngine       *self,
                                              guint32              peer_id,
                                              const JnMidiEvent   *event);

/* Snapshots; thread-safe.  Peer stats include departed peers. */
void           jn_media_engine_get_stats     (JnMediaEngine       *self,
                                              JnEngineStats       *stats);
GArray        *jn_media_engine_get_peer_stats (JnMediaEngine      *self);
gboolean       jn_media_engine_get_peer      (JnMediaEngine       *self,
                                              guint32              id,
                                              JnPeerStats         *stats);


/* A copy of one peer's series (GArray of JnSample), NULL for an unknown peer. */
GArray        *jn_media_engine_copy_series   (JnMediaEngine       *self,
                                              guint32              peer_id,
                                              JnMetric             metric);

G_END_DECLS
