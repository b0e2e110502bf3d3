/* jn-room-mix.h: a mix room's personal mixes, on its server
 *
 * Every member's stream is decoded into a jitter buffer of its own, its
 * losses concealed (PNBTR, with the models fitted by the worker), and each
 * period every member is sent one mix of everyone else, with that member's
 * own gain, mute and pan for each of the others.  docs/protocol.md (3.7) is
 * the wire format, docs/server.md the figures.
 *
 * It is not thread-safe: its owner (JnForwarder) serialises the calls.
 * Members are made with jn_room_mix_member_new() where allocating is fine,
 * then put in and taken out with the calls that do not allocate.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "jn-packet.h"

G_BEGIN_DECLS

/* A member's gain for another, as the bridge's (0 .. 4); pan -1 (left) .. 1 */
#define JN_MIX_GAIN_MAX 4.0
/* the server's jitter buffer for each member, packets (it adapts from there) */
#define JN_ROOM_MIX_JITTER_DEPTH 2

typedef struct
{
  guint64 mixes;          /* periods mixed */
  guint64 late_mixes;     /* periods mixed more than a period after their time */
  guint64 skipped;        /* periods left out: the mix had fallen that far behind */
  guint64 packets;        /* audio packets taken in */
  guint64 played;         /* member-periods played from a packet */
  guint64 concealed;      /* member-periods concealed */
  guint64 late;           /* packets after their playout, dropped */
  guint64 copies_disagree; /* copies unlike the packet they copy: refused */
  guint64 decode_errors;  /* packets that did not decode: concealed, not played */
  guint64 encode_errors;  /* mixes that could not be coded: not sent */
  guint   members;
  double  mix_us_mean;    /* one period's mixing, all members, mean and worst */
  double  mix_us_max;
} JnRoomMixStats;

typedef struct _JnRoomMix       JnRoomMix;
typedef struct _JnRoomMixMember JnRoomMixMember;

/* A mixed period, coded as a datagram from the server (peer 1) for member */
typedef void (*JnRoomMixSend) (gpointer      user_data,
                               guint32       member,
                               const guint8 *datagram,
                               gsize         size);

/* plc_method as the engine's (NULL or "zero": silence); backend: the PNBTR
 * worker's, NULL for none */
JnRoomMix       *jn_room_mix_new           (const JnAudioFormat *format,
                                            guint                jitter_depth,
                                            const char          *plc_method,
                                            const char          *backend,
                                            GError             **error);
void             jn_room_mix_free          (JnRoomMix           *self);
const JnAudioFormat *jn_room_mix_get_format (JnRoomMix          *self);

JnRoomMixMember *jn_room_mix_member_new    (JnRoomMix           *self,
                                            guint32              id,
                                            GError             **error);
void             jn_room_mix_member_free   (JnRoomMixMember     *member);
void             jn_room_mix_insert        (JnRoomMix           *self,
                                            JnRoomMixMember     *member);
/* The member, out of the mix (to free), or NULL */
JnRoomMixMember *jn_room_mix_take          (JnRoomMix           *self,
                                            guint32              id);

/* What listener hears of source; FALSE when either is not a member. */
gboolean         jn_room_mix_set_gain      (JnRoomMix           *self,
                                            guint32              listener,
                                            guint32              source,
                                            double               gain,
                                            gboolean             mute,
                                            double               pan);

/* What listener asked for source: FALSE while it asked nothing (it hears
 * it at unity, centred). */
gboolean         jn_room_mix_get_gain      (JnRoomMix           *self,
                                            guint32              listener,
                                            guint32              source,
                                            double              *gain,
                                            gboolean            *mute,
                                            double              *pan);

/* A member's audio packet (its format checked by the caller), arrived at
 * now */
void             jn_room_mix_push          (JnRoomMix           *self,
                                            guint32              id,
                                            const JnPacket      *packet,
                                            gint64               now);
/* How member id's stream arrives here, for the receiver report in the
 * server's pongs (docs/protocol.md 3.4); FALSE before it sent any audio. */
gboolean         jn_room_mix_fill_report   (JnRoomMix           *self,
                                            guint32              id,
                                            JnSyncPong          *pong,
                                            gint64               now);
/* One period: every member's next packet (or its concealment), then each
 * member's mix, coded and handed to send. */
void             jn_room_mix_run           (JnRoomMix           *self,
                                            guint32              seq,
                                            JnRoomMixSend        send,
                                            gpointer             user_data);
/* Paces jn_room_mix_run() from the monotonic clock: runs every period due
 * by now (a late one is counted; after a stall of more than a few periods
 * the rest are skipped) and returns when the next is due. */
gint64           jn_room_mix_run_due       (JnRoomMix           *self,
                                            gint64               now,
                                            JnRoomMixSend        send,
                                            gpointer             user_data);
void             jn_room_mix_get_stats     (JnRoomMix           *self,
                                            JnRoomMixStats      *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnRoomMix, jn_room_mix_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnRoomMixMember, jn_room_mix_member_free)

G_END_DECLS
