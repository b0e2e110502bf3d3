/* jn-forwarder.h: a forward room's media, through its server
 *
 * Each member sends its stream once, to the forwarder's UDP port, sealed
 * with the key of its link with the server; the forwarder opens it, checks
 * that the datagram inside is the member's own and of the room's format,
 * and sends it on to the others, each sealed with their own link's key.
 * Nothing is decoded.  In a mix room the members' audio goes into the
 * room's mix instead (jn-room-mix.h, docs/protocol.md 3.7), and each member
 * is sent its own.  docs/protocol.md (3.6) is the wire format.  It runs
 * on a thread of its own; its functions may be called from any thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "jn-packet.h"
#include "jn-room-mix.h"
#include "jn-secure-transport.h"

G_BEGIN_DECLS

/* Datagrams a member may send each second, and in one burst: about five
 * times what a 64-frame stream with MIDI and clock sync needs. */
#define JN_FORWARDER_RATE   4000
#define JN_FORWARDER_BURST  800

typedef struct
{
  guint64 received;       /* authentic datagrams from members */
  guint64 forwarded;      /* datagrams sent on, each copy counted */
  guint64 dropped_budget; /* over a member's rate */
  guint64 dropped_forged; /* not the member's own inside, or for nobody in the room */
  guint64 dropped_format; /* audio of another format than the room's */
  guint64 unauthentic;    /* the transport's: failed to open, or from no member */
  guint64 mixed_in;       /* mix rooms: audio taken into the mix, not forwarded */
  guint64 mixes_sent;     /* mix rooms: personal mixes sent */
} JnForwarderStats;

typedef struct _JnForwarder JnForwarder;

JnForwarder *jn_forwarder_new            (const char          *bind_address,
                                          guint16              port,
                                          const JnAudioFormat *format,
                                          GError             **error);
/* A mix room's: the members' audio goes into mix (owned), and each is sent
 * its own mix; everything else is forwarded as in a forward room. */
JnForwarder *jn_forwarder_new_mix        (const char          *bind_address,
                                          guint16              port,
                                          JnRoomMix           *mix,
                                          GError             **error);
void         jn_forwarder_free           (JnForwarder         *self);
gboolean     jn_forwarder_is_mix         (JnForwarder         *self);
guint16      jn_forwarder_get_port       (JnForwarder         *self);
/* A member and the key of its link with the server; its address is
 * learnt from its first authentic datagram. */
void         jn_forwarder_add_member     (JnForwarder         *self,
                                          guint32              id,
                                          const JnLinkKey     *key);
void         jn_forwarder_remove_member  (JnForwarder         *self,
                                          guint32              id);
void         jn_forwarder_get_stats      (JnForwarder         *self,
                                          JnForwarderStats    *stats);
/* A mix room: what listener hears of source (jn_room_mix_set_gain()) */
gboolean     jn_forwarder_set_mix_gain   (JnForwarder         *self,
                                          guint32              listener,
                                          guint32              source,
                                          double               gain,
                                          gboolean             mute,
                                          double               pan);
gboolean     jn_forwarder_get_mix_gain   (JnForwarder         *self,
                                          guint32              listener,
                                          guint32              source,
                                          double              *gain,
                                          gboolean            *mute,
                                          double              *pan);
/* FALSE when it is not a mix room */
gboolean     jn_forwarder_get_mix_stats  (JnForwarder         *self,
                                          JnRoomMixStats      *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnForwarder, jn_forwarder_free)

G_END_DECLS
