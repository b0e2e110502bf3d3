/* jn-peer.h: one other player in a session, as the UI and the CLI see it
 *
 * Properties change on the main context, from the media plane's snapshots
 * (about twenty a second), and each notifies only when its value changed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "jn-media-stats.h"
#include "jn-packet.h"

G_BEGIN_DECLS

typedef enum
{
  JN_PEER_CONNECTING,   /* in the session; no clock-sync round trip yet */
  JN_PEER_PLAYING,      /* the media path works both ways */
  JN_PEER_LEFT,         /* left the session; figures are final */
} JnPeerState;

GType jn_peer_state_get_type (void) G_GNUC_CONST;
#define JN_TYPE_PEER_STATE (jn_peer_state_get_type ())

/* The way media takes to a peer (docs/internet.md). */
typedef enum
{
  JN_PEER_PATH_UDP,         /* straight to the UDP port the peer named (a LAN session) */
  JN_PEER_PATH_SEARCHING,   /* ICE checks under way */
  JN_PEER_PATH_DIRECT,      /* ICE: between host addresses (same network) */
  JN_PEER_PATH_NAT,         /* ICE: direct, through NATs (server- or peer-reflexive) */
  JN_PEER_PATH_RELAYED,     /* ICE: through a TURN relay */
  JN_PEER_PATH_UNREACHABLE, /* ICE found no path */
  JN_PEER_PATH_SERVER,      /* through a forward room's server */
} JnPeerPath;

GType jn_peer_path_get_type (void) G_GNUC_CONST;
#define JN_TYPE_PEER_PATH (jn_peer_path_get_type ())
/* "udp", "searching", "direct", "nat", "relayed", "unreachable", "server" */
const char *jn_peer_path_to_string (JnPeerPath path);
/* What the path means to a musician, translated. */
const char *jn_peer_path_describe  (JnPeerPath path);

/* What each stage adds from a peer's instrument to our ears, in ms
 * (docs/architecture.md, "End to end"). */
typedef struct
{
  double capture_ms;
  double one_way_ms;
  guint  buffer_packets;   /* what the jitter buffer holds: its level */
  double buffer_ms;
  double codec_ms;
  double server_ms;        /* a mix room's mix: the way up, the server's buffer,
                            * its mix period and its codec (0 elsewhere) */
  double playback_ms;
} JnDelayParts;

/* The delay light (docs/architecture.md): green up to JN_DELAY_GREEN_MS end
 * to end, yellow up to JN_DELAY_YELLOW_MS, red beyond. */
typedef enum
{
  JN_DELAY_UNKNOWN,       /* no one-way delay measured yet */
  JN_DELAY_GREEN,
  JN_DELAY_YELLOW,
  JN_DELAY_RED,
} JnDelayLight;

#define JN_DELAY_GREEN_MS  25.0
#define JN_DELAY_YELLOW_MS 50.0

#define JN_TYPE_PEER (jn_peer_get_type ())
G_DECLARE_FINAL_TYPE (JnPeer, jn_peer, JN, PEER, GObject)

guint32            jn_peer_get_id                (JnPeer   *self);
const char        *jn_peer_get_name              (JnPeer   *self);
JnPeerState        jn_peer_get_state             (JnPeer   *self);
JnPeerPath         jn_peer_get_path              (JnPeer   *self);
double             jn_peer_get_rtt_ms            (JnPeer   *self);
double             jn_peer_get_one_way_ms        (JnPeer   *self);
double             jn_peer_get_jitter_ms         (JnPeer   *self);
double             jn_peer_get_loss_percent      (JnPeer   *self);
double             jn_peer_get_concealed_percent (JnPeer   *self);
guint              jn_peer_get_buffer_level      (JnPeer   *self);
guint              jn_peer_get_buffer_target     (JnPeer   *self);
/* From their instrument to our ears (docs/architecture.md, "End to end"). */
double             jn_peer_get_end_to_end_ms     (JnPeer   *self);
void               jn_peer_get_delay_parts       (JnPeer   *self,
                                                  JnDelayParts *parts);
JnDelayLight       jn_peer_get_delay_light       (JnPeer   *self);
/* The mix: linear gain 0..4, mute, and pan -1 (left) .. 1 (right), which
 * a stereo session balances (a mono one has no sides). */
double             jn_peer_get_gain              (JnPeer   *self);
void               jn_peer_set_gain              (JnPeer   *self,
                                                  double    gain);
gboolean           jn_peer_get_muted             (JnPeer   *self);
void               jn_peer_set_muted             (JnPeer   *self,
                                                  gboolean  muted);
/* Solo: while any player is soloed, only the soloed ones are heard (what
 * we hear only: nobody else's mix changes). */
gboolean           jn_peer_get_soloed            (JnPeer   *self);
void               jn_peer_set_soloed            (JnPeer   *self,
                                                  gboolean  soloed);
double             jn_peer_get_pan               (JnPeer   *self);
void               jn_peer_set_pan               (JnPeer   *self,
                                                  double    pan);
/* Every figure of the latest snapshot ("figures-changed" when they change). */
const JnPeerStats *jn_peer_get_stats             (JnPeer   *self);
/* The peer's series so far (GArray of JnSample, oldest first, the last 15
 * minutes), grown by the samples each snapshot brings ("series-changed");
 * borrowed: g_array_ref() it to keep it. */
GArray            *jn_peer_get_series            (JnPeer   *self,
                                                  JnMetric  metric);

/* One end-to-end formula: what each stage adds, in ms, the packets the
 * jitter buffer holds back (its level) at the session's format,
 * and the codec's own delay (jn_codec_delay_frames()). */
void               jn_end_to_end_parts           (double    capture_ms,
                                                  double    one_way_ms,
                                                  guint     buffer_packets,
                                                  const JnAudioFormat *format,
                                                  double    playback_ms,
                                                  JnDelayParts *parts);
double             jn_delay_parts_total          (const JnDelayParts *parts);
/* A peer's from its latest figures; a mix room's mix goes up to the server
 * and waits there too (server_ms: the way up taken as the way down, the
 * server's buffer as it reports, its mix period and codec). */
void               jn_peer_stats_delay_parts     (const JnPeerStats *stats,
                                                  double    capture_ms,
                                                  const JnAudioFormat *format,
                                                  double    playback_ms,
                                                  JnDelayParts *parts);
JnDelayLight       jn_delay_light_for            (double    end_to_end_ms);
/* "unknown", "green", "yellow", "red" */
const char        *jn_delay_light_to_string      (JnDelayLight light);
/* What the light means to a musician, translated. */
const char        *jn_delay_light_describe       (JnDelayLight light);

G_END_DECLS
