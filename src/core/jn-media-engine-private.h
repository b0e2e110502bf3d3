/* jn-media-engine-private.h: one peer of the media engine
 *
 * A peer is its parts, each with its own state: the clock sync, the receive
 * statistics, the jitter buffer and the concealer that is its playout
 * filter.  The transport knows how to reach it; the engine knows it by id.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "jn-clock-sync.h"
#include "jn-codec.h"
#include "jn-concealer.h"
#include "jn-drift.h"
#include "jn-jitter-buffer.h"
#include "jn-media-engine.h"
#include "jn-midi-reorder.h"
#include "jn-rate-match.h"
#include "jn-receive-stats.h"

G_BEGIN_DECLS

typedef struct
{
  guint32         id;
  char            name[4 * 64 + 1];
  gboolean        said_bye;
  gboolean        departed;
  gint64          heard_us;    /* its last datagram (not stale); 0: none yet */

  JnClockSync     sync;
  JnReceiveStats  rx;
  JnJitterBuffer *jb;
  JnDrift         drift;       /* its sample clock against ours, from its packets' arrivals */
  JnRateMatch    *rate_match;  /* its stream at our device's rate */
  guint           level_off;   /* steers in a row with the level 2 packets or more off */
  double          mean_level;  /* its buffer's level and what its rate match holds,
                                * smoothed over about a second */
  JnConcealer    *concealer;   /* NULL: lost packets are silent */
  float          *scratch;     /* one packet, decoded */
  JnCodec        *decoder;     /* Opus sessions: this peer's stream */
  guint64         decode_errors; /* authentic packets that did not decode: not played */
  guint64         copies_disagree; /* copies unlike the packet they copy: refused */
  /* sending: what it reports of our audio (docs/protocol.md 3.4) */
  gboolean        have_report;
  gint64          report_us;
  guint32         report_lost;
  guint32         report_received;
  double          loss_rate;   /* of our packets there, smoothed over about a second */
  guint           report_depth;
  gint64          loss_us;     /* it last reported a loss */
  guint           loss_burst;  /* the longest burst it reported since losses began */
  guint64         midi_over_control; /* events that came over the control plane */
  JnMidiReorder   reorder;     /* its MIDI events, put back in order; what they left sounding */
  gboolean        midi_acked;  /* it acknowledged our MIDI up to midi_ack */
  guint32         midi_ack;
  gboolean        release_notes; /* it left: release them at the next period */
  guint64         notes_released; /* note-offs and pedal-offs sent for it when it left */
} JnMediaPeer;

G_END_DECLS
