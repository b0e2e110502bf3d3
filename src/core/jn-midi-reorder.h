/* jn-midi-reorder.h: one sender's MIDI events, delivered in sequence order
 *
 * Events that overtook others wait, at most JN_MIDI_REORDER_WINDOW_US, for
 * the ones before them, so that reordering on the network never turns a
 * note-off into one that comes before its note-on.  An event that arrives
 * after its successors were delivered is late: delivered, except a note-on,
 * which would sound after its own note-off may have gone, and is dropped
 * (docs/protocol.md, 3.3).  A sender's first event heard is held too,
 * unless it is its very first (sequence number 0).
 *
 * It also keeps what it delivered (a JnMidiState) and applies the sender's
 * recovery journals (jn-midi-journal.h) where events were given up: a
 * journal takes effect once delivery has reached the event it follows, or
 * when the events before it have waited their window out.  Events that a
 * journal already covered are dropped if they come after all.  What it
 * acknowledges to the sender is the last event up to which it is sure to
 * match the sender's state.  Plain state, nothing allocated: for the media
 * thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "jn-midi-journal.h"

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

  JnMidiState   delivered;                    /* what our MIDI out was told */
  gboolean      consistent;                   /* delivered matches the sender's state at ack_seq */
  gboolean      acked;                        /* ack_seq means something */
  guint32       ack_seq;
  gboolean      journaled;                    /* a journal took effect, at journal_seq */
  guint32       journal_seq;
  gboolean      has_pending;                  /* a journal ahead of delivery, waiting */
  gint64        pending_since;
  JnMidiJournal pending;
  JnMidiRepairs repairs;
  guint64       covered;                      /* came after a journal had done their work: dropped */
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
/* A journal from the sender's packet (after its events were pushed). */
void  jn_midi_reorder_journal (JnMidiReorder     *r,
                             const JnMidiJournal *journal,
                             gint64             now_us,
                             JnMidiDeliver      deliver,
                             gpointer           user_data);
/* Something waits: jn_midi_reorder_poll() has work. */
gboolean jn_midi_reorder_waiting (const JnMidiReorder *r);
/* The event number to acknowledge to the sender; FALSE when there is none
 * yet (nothing heard, or joined late and no journal applied). */
gboolean jn_midi_reorder_get_ack (const JnMidiReorder *r,
                             guint32           *seq);
/* Everything held, in order, and a waiting journal (the sender said bye
 * or left). */
void  jn_midi_reorder_flush (JnMidiReorder     *r,
                             gint64             now_us,
                             JnMidiDeliver      deliver,
                             gpointer           user_data);

G_END_DECLS
