/* jn-relay.h: a userspace UDP relay that emulates a network between two
 * media engines: delay, jitter, random loss and duplication, plus scripted
 * per-packet actions for tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "jn-packet.h"

G_BEGIN_DECLS

typedef struct _JnRelay JnRelay;

typedef enum
{
  JN_RELAY_A_TO_B,
  JN_RELAY_B_TO_A,
} JnRelayDirection;

typedef enum
{
  JN_RELAY_DROP,
  JN_RELAY_DUPLICATE,  /* forward twice */
  JN_RELAY_HOLD,       /* forward right after the next packet: a swap */
  JN_RELAY_LATE,       /* forward JN_RELAY_LATE_US later than the others */
} JnRelayAction;

#define JN_RELAY_LATE_US 30000

typedef struct
{
  guint   delay_us;
  guint   jitter_us;      /* extra delay, uniform in [0, jitter_us] */
  double  loss;           /* 0..1 of the packets */
  double  duplicate;      /* 0..1 */
  double  mean_burst;     /* > 1: losses come in bursts of this mean length
                           * (a Gilbert-Elliott channel); else independent */
  guint   loss_kinds;     /* a bit (1 << JnPacketKind) per kind loss applies to; 0: all */
} JnImpairment;

typedef struct
{
  guint64 received;
  guint64 forwarded;
  guint64 dropped;
  guint64 duplicated;
  guint64 held;
  guint64 late;
} JnRelayCounts;

/* Endpoint A and B are the two engines' UDP addresses.  A sends to the port
 * jn_relay_get_port (relay, JN_RELAY_A_TO_B) and B to the other one; both
 * relay sockets are bound to bind_address (NULL: 127.0.0.1). */
JnRelay  *jn_relay_new            (const char        *bind_address,
                                   const char        *a_address,
                                   guint16            a_port,
                                   const char        *b_address,
                                   guint16            b_port,
                                   guint32            seed,
                                   GError           **error);
void      jn_relay_free           (JnRelay           *relay);
guint16   jn_relay_get_port       (JnRelay           *relay,
                                   JnRelayDirection   direction);
void      jn_relay_set_impairment (JnRelay           *relay,
                                   JnRelayDirection   direction,
                                   const JnImpairment *impairment);
/* Applies action to the packet of this kind and sequence number. */
void      jn_relay_add_rule       (JnRelay           *relay,
                                   JnRelayDirection   direction,
                                   JnPacketKind       kind,
                                   guint32            seq,
                                   JnRelayAction      action);
void      jn_relay_get_counts     (JnRelay           *relay,
                                   JnRelayDirection   direction,
                                   JnRelayCounts     *counts);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnRelay, jn_relay_free)

G_END_DECLS
