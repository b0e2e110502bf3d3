/* jn-midi-reorder.c: a sender's MIDI events in sequence order, its
 * journals applied where some were lost
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-midi-reorder"

#include "config.h"

#include <string.h>

#include "jn-midi-reorder.h"

void
jn_midi_reorder_init (JnMidiReorder *r)
{
  memset (r, 0, sizeof *r);
  jn_midi_state_init (&r->delivered);
}

static gboolean
is_note_on (const JnMidiEvent *event)
{
  return event->size == 3 && (event->data[0] & 0xF0) == 0x90 && event->data[2] > 0;
}

typedef struct
{
  JnMidiReorder *r;
  JnMidiDeliver  deliver;
  gpointer       user_data;
  gint64         now_us;
} Out;

static void
emit (Out               *out,
      const JnMidiEvent *event)
{
  guint channel;

  jn_midi_state_track (&out->r->delivered, event, &channel);
  out->deliver (out->user_data, event, out->now_us);
}

static void
emit_repair (gpointer           user_data,
             const JnMidiEvent *event)
{
  emit (user_data, event);
}

/* Delivery stands right after the journal's event: what was lost before
 * it is put right, and from here on we match the sender. */
static void
take_journal (Out                 *out,
              const JnMidiJournal *journal)
{
  JnMidiReorder *r = out->r;

  if (!r->consistent)
    jn_midi_journal_apply (journal, &r->delivered, out->now_us, emit_repair, out, &r->repairs);
  r->consistent = TRUE;
  r->acked = TRUE;
  r->ack_seq = journal->seq;
  r->journaled = TRUE;
  r->journal_seq = journal->seq;
}

/* An event delivered in its turn; a journal that waited for it follows. */
static void
delivered_in_turn (Out               *out,
                   const JnMidiEvent *event)
{
  JnMidiReorder *r = out->r;

  r->next_seq = event->seq + 1;
  emit (out, event);
  if (r->consistent)
    {
      r->acked = TRUE;
      r->ack_seq = event->seq;
    }
  if (r->has_pending && r->pending.seq == event->seq)
    {
      r->has_pending = FALSE;
      take_journal (out, &r->pending);
    }
}

/* Delivers held events from the front while they are the next expected. */
static void
drain (Out *out)
{
  JnMidiReorder *r = out->r;

  while (r->n_held > 0 && r->held[0].seq == r->next_seq)
    {
      JnMidiEvent event = r->held[0];

      r->n_held--;
      memmove (r->held, r->held + 1, r->n_held * sizeof r->held[0]);
      memmove (r->held_since, r->held_since + 1, r->n_held * sizeof r->held_since[0]);
      if (!r->priming)
        r->reordered++;
      delivered_in_turn (out, &event);
    }
}

/* Stops waiting for what is missing up to the waiting journal's event, and
 * applies it. */
static void
skip_to_journal (Out *out)
{
  JnMidiReorder *r = out->r;
  guint32 seq = r->pending.seq;

  if ((gint32) (seq - (r->next_seq - 1)) < 0)
    {
      r->has_pending = FALSE;   /* delivery went past it */
      drain (out);
      return;
    }
  if (seq + 1 != r->next_seq)
    {
      r->skipped += seq + 1 - r->next_seq;
      r->consistent = FALSE;
    }
  r->next_seq = seq + 1;
  r->priming = FALSE;
  r->has_pending = FALSE;
  take_journal (out, &r->pending);
  drain (out);
}

static gboolean
journal_before_first_held (const JnMidiReorder *r)
{
  return r->has_pending && (r->n_held == 0 || (gint32) (r->pending.seq - r->held[0].seq) < 0);
}

/* Stops waiting for what is missing before the first held event. */
static void
skip_to_first_held (Out *out)
{
  JnMidiReorder *r = out->r;

  if (r->n_held == 0)
    return;
  if (journal_before_first_held (r))
    skip_to_journal (out);
  if (r->n_held == 0)
    return;
  if (r->held[0].seq != r->next_seq)
    {
      if (!r->priming)
        r->consistent = FALSE;
      r->skipped += r->held[0].seq - r->next_seq;
      r->next_seq = r->held[0].seq;
    }
  drain (out);
  r->priming = FALSE;
}

void
jn_midi_reorder_push (JnMidiReorder     *r,
                      const JnMidiEvent *event,
                      gint64             now_us,
                      JnMidiDeliver      deliver,
                      gpointer           user_data)
{
  Out out = { r, deliver, user_data, now_us };
  gint32 ahead;
  guint at;

  g_return_if_fail (r != NULL && event != NULL && deliver != NULL);

  if (!r->started)
    {
      /* a sender's events start at 0; one heard from the middle (we joined
       * later) waits its window for any before it that are still on the
       * way, and what it sent before we joined is its journal's to say */
      r->started = TRUE;
      r->priming = event->seq != 0;
      r->consistent = !r->priming;
      r->next_seq = event->seq;
      if (r->priming)
        {
          r->held[0] = *event;
          r->held_since[0] = now_us;
          r->n_held = 1;
          return;
        }
    }
  if (r->priming && (gint32) (event->seq - r->next_seq) < 0)
    r->next_seq = event->seq;   /* still before anything played: not late */
  /* ahead of a gap with the queue full: the gap is given up first */
  if ((gint32) (event->seq - r->next_seq) > 0 && r->n_held == JN_MIDI_REORDER_SLOTS)
    skip_to_first_held (&out);   /* delivers one at least */
  ahead = (gint32) (event->seq - r->next_seq);
  if (ahead < 0)
    {
      /* a journal already brought what it did */
      if (r->journaled && (gint32) (event->seq - r->journal_seq) <= 0)
        {
          r->covered++;
          return;
        }
      /* its successors have sounded: a late note-on would outlast its off */
      if (is_note_on (event))
        r->late_note_ons++;
      else
        emit (&out, event);
      r->consistent = FALSE;
      return;
    }
  if (ahead == 0)
    {
      delivered_in_turn (&out, event);
      drain (&out);
      r->priming = FALSE;
      return;
    }
  /* ahead of a gap: wait for it, in order */
  for (at = 0; at < r->n_held && (gint32) (r->held[at].seq - event->seq) < 0; at++)
    ;
  if (at < r->n_held && r->held[at].seq == event->seq)
    return;   /* the caller's window already drops duplicates */
  memmove (r->held + at + 1, r->held + at, (r->n_held - at) * sizeof r->held[0]);
  memmove (r->held_since + at + 1, r->held_since + at, (r->n_held - at) * sizeof r->held_since[0]);
  r->held[at] = *event;
  r->held_since[at] = now_us;
  r->n_held++;
}

void
jn_midi_reorder_journal (JnMidiReorder       *r,
                         const JnMidiJournal *journal,
                         gint64               now_us,
                         JnMidiDeliver        deliver,
                         gpointer             user_data)
{
  Out out = { r, deliver, user_data, now_us };
  gint32 ahead;

  g_return_if_fail (r != NULL && journal != NULL && deliver != NULL);

  if (!r->started)
    {
      /* joined while the sender was quiet: its journal says where it is */
      r->started = TRUE;
      r->next_seq = journal->seq + 1;
      take_journal (&out, journal);
      return;
    }
  ahead = (gint32) (journal->seq - (r->next_seq - 1));
  if (ahead < 0)
    return;   /* delivery is past it */
  if (ahead == 0)
    {
      take_journal (&out, journal);
      return;
    }
  /* events before it are missing or held: it waits for them, as they do */
  if (!r->has_pending)
    r->pending_since = now_us;
  else if ((gint32) (journal->seq - r->pending.seq) <= 0)
    return;   /* the one waiting says as much */
  r->pending = *journal;
  r->has_pending = TRUE;
}

gboolean
jn_midi_reorder_waiting (const JnMidiReorder *r)
{
  return r->n_held > 0 || r->has_pending;
}

gboolean
jn_midi_reorder_get_ack (const JnMidiReorder *r,
                         guint32             *seq)
{
  g_return_val_if_fail (r != NULL && seq != NULL, FALSE);

  *seq = r->ack_seq;
  return r->acked;
}

/* Gives up the next gap: the one before the waiting journal, if that comes
 * first, else the one before the first held event. */
static void
give_up_next (Out *out)
{
  if (journal_before_first_held (out->r))
    skip_to_journal (out);
  else
    skip_to_first_held (out);
}

void
jn_midi_reorder_poll (JnMidiReorder *r,
                      gint64         now_us,
                      JnMidiDeliver  deliver,
                      gpointer       user_data)
{
  Out out = { r, deliver, user_data, now_us };

  g_return_if_fail (r != NULL && deliver != NULL);

  /* once anything held has waited its window, the gaps before it are
   * given up, in order */
  for (;;)
    {
      gint64 oldest = r->has_pending ? r->pending_since : G_MAXINT64;

      for (guint i = 0; i < r->n_held; i++)
        oldest = MIN (oldest, r->held_since[i]);
      if (oldest == G_MAXINT64 || now_us - oldest < JN_MIDI_REORDER_WINDOW_US)
        return;
      give_up_next (&out);
    }
}

void
jn_midi_reorder_flush (JnMidiReorder *r,
                       gint64         now_us,
                       JnMidiDeliver  deliver,
                       gpointer       user_data)
{
  Out out = { r, deliver, user_data, now_us };

  g_return_if_fail (r != NULL && deliver != NULL);

  while (jn_midi_reorder_waiting (r))
    give_up_next (&out);
}
