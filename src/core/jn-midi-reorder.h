/* jn-midi-reorder.h: one sender's MIDI events, delivered in sequence order
 *
 * Events that overtook others wait, at most JN_MIDI_REORDER_WINDOW_US, for
 * the ones before them, so that reordering on the network never turns a
 * note-off into one that comes before its note-on.  An event that arrives
 * after its successors were delivered is late: delivered, except a note-on,
 * which would sound after its own note-off may have gone, and is dropped
 * (docs/protocol.md, 3.3).  A sender's first event heard is held too,
 * unless it is its very first (sequence number 0).  Plain state, nothing allocated: for the media
 * thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "jn-midi.h"

G_BEGIN_DECLS

#define JN_MIDI_REORDER_WINDOW_US 30000
#define JN_MIDI_REORDER_SLOTS     32

typedef void (*JnMidiDeliver) (gpointer           user_data,
                               const JnMidiEvent *event,
                               gint64             now_us);

typedef struct
{
  gboolean    started;
  gboolean    priming;                        /* heard from the middle, nothing played yet */
  guint32     next_seq;                       /* the one delivery waits for */
  guint       n_held;
  JnMidiEvent held[JN_MIDI_REORDER_SLOTS];    /* sorted by sequence number */
  gint64      held_since[JN_MIDI_REORDER_SLOTS];
  guint64     reordered;                      /* delivered after waiting */
  guint64     late_note_ons;                  /* came after their turn: dropped */
  guint64     skipped;                        /* given up on: never came in time */
} JnMidiReorder;

void  jn_midi_reorder_init  (JnMidiReorder     *r);
/* A new (not duplicate) event; delivers it and whatever it unblocks, in
 * order, or holds it. */
void  jn_midi_reorder_push  (JnMidiReorder     *r,
                             const JnMidiEvent *event,
                             gint64             now_us,
                             JnMidiDeliver      deliver,
                             gpointer           user_data);
/* Delivers what has waited its window out, giving up on the events it
 * waited for. */
void  jn_midi_reorder_poll  (JnMidiReorder     *r,
                             gint64             now_us,
                             JnMidiDeliver      deliver,
                             gpointer           user_data);
/* Everything held, in order (the sender said bye or left). */
void  jn_midi_reorder_flush (JnMidiReorder     *r,
                             gint64             now_us,
                             JnMidiDeliver      deliver,
                             gpointer           user_data);

G_END_DECLS
