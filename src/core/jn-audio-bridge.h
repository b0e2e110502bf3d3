/* jn-audio-bridge.h: between an audio device's real-time thread and the
 * media thread: capture in, every peer's playout mixed out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "jn-audio.h"

G_BEGIN_DECLS

typedef struct _JnAudioBridge JnAudioBridge;

typedef struct
{
  guint64 capture_overruns;   /* capture dropped: the media thread was behind */
  guint64 capture_underruns;  /* periods sent as silence: no capture yet */
  guint64 playback_underruns; /* device periods played as silence */
  guint64 playback_overruns;  /* mixes dropped: the device was behind */
} JnAudioBridgeStats;

/* frames: the session's packet size; channels: the session's channel count
 * (the device runs with the same count); rate: the session's. */
JnAudioBridge *jn_audio_bridge_new           (guint           frames,
                                              guint           channels,
                                              guint           rate);
void           jn_audio_bridge_free          (JnAudioBridge  *bridge);

/* The device side: pass as the JnAudioProcess of jn_audio_device_new(). */
void           jn_audio_bridge_process       (gpointer            bridge,
                                              const float *const *capture,
                                              float *const       *playback,
                                              guint               frames,
                                              guint               channels);

/* The media thread side (JnMediaCallbacks). */
void           jn_audio_bridge_capture       (JnAudioBridge  *bridge,
                                              float          *out,
                                              guint           frames,
                                              guint           channels);
void           jn_audio_bridge_add_playout   (JnAudioBridge  *bridge,
                                              guint32         peer_id,
                                              const float    *audio,
                                              guint           frames,
                                              guint           channels);
/* The media thread, before period_end: this period's mix so far, as the
 * peers' gains, mutes, solos and pans made it (before the master gain). */
const float   *jn_audio_bridge_peek_mix      (JnAudioBridge  *bridge);
void           jn_audio_bridge_period_end    (JnAudioBridge  *bridge,
                                              guint           frames,
                                              guint           channels);

/* The device's clock, for the media thread (JnPacketClockFunc): how many
 * packets the device captured since the last call (the first call starts
 * the count: 0), and in *next_us when the next one will be complete. */
guint          jn_audio_bridge_clock         (JnAudioBridge  *bridge,
                                              gint64          now,
                                              gint64         *next_us);

/* Mixer settings, from any thread: linear gains, 0..4; pan -1..1, a
 * balance in a stereo session (none in mono); while any peer is soloed
 * only the soloed are heard (peer 0, the metronome, always). */
void           jn_audio_bridge_set_peer_gain (JnAudioBridge  *bridge,
                                              guint32         peer_id,
                                              float           gain,
                                              gboolean        mute,
                                              gboolean        solo,
                                              float           pan);
/* The rule for mute and solo, for mixes made elsewhere (a room's server) */
static inline gboolean
jn_mix_silenced (gboolean muted,
                 gboolean soloed,
                 gboolean any_soloed)
{
  return muted || (any_soloed && !soloed);
}
void           jn_audio_bridge_set_master    (JnAudioBridge  *bridge,
                                              float           gain);
/* The musician hears themself with this gain, straight from capture. */
void           jn_audio_bridge_set_monitor   (JnAudioBridge  *bridge,
                                              float           gain);
void           jn_audio_bridge_get_stats     (JnAudioBridge  *bridge,
                                              JnAudioBridgeStats *stats);
/* Frames waiting in each ring now: latency the bridge adds each way. */
void           jn_audio_bridge_get_queued    (JnAudioBridge  *bridge,
                                              guint          *capture_frames,
                                              guint          *playback_frames);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnAudioBridge, jn_audio_bridge_free)

G_END_DECLS
