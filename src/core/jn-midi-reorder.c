/* jn-midi-reorder.c: a sender's MIDI events in sequence order
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
}

static gboolean
is_note_on (const JnMidiEvent *event)
{
  return event->size == 3 && (event->data[0] & 0xF0) == 0x90 && event->data[2] > 0;
}

/* Delivers held events from the front while they are the next expected. */
static void
drain (JnMidiReorder *r,
       gint64         now_us,
       JnMidiDeliver  deliver,
       gpointer       user_data)
{
  while (r->n_held > 0 && r->held[0].seq == r->next_seq)
    {
      JnMidiEvent event = r->held[0];

      r->n_held--;
      memmove (r->held, r->held + 1, r->n_held * sizeof r->held[0]);
      memmove (r->held_since, r->held_since + 1, r->n_held * sizeof r->held_since[0]);
      r->next_seq++;
      if (!r->priming)
        r->reordered++;
      deliver (user_data, &event, now_us);
    }
}

/* Stops waiting for what is missing before the first held event. */
static void
skip_to_first_held (JnMidiReorder *r,
                    gint64         now_us,
                    JnMidiDeliver  deliver,
                    gpointer       user_data)
{
  if (r->n_held == 0)
    return;
  r->skipped += r->held[0].seq - r->next_seq;
  r->next_seq = r->held[0].seq;
  drain (r, now_us, deliver, user_data);
  r->priming = FALSE;
}

void
jn_midi_reorder_push (JnMidiReorder     *r,
                      const JnMidiEvent *event,
                      gint64             now_us,
                      JnMidiDeliver      deliver,
                      gpointer           user_data)
{
  gint32 ahead;
  guint at;

  g_return_if_fail (r != NULL && event != NULL && deliver != NULL);

  if (!r->started)
    {
      /* a sender's events start at 0; one heard from the middle (we joined
       * later) waits its window for any before it that are still on the way */
      r->started = TRUE;
      r->priming = event->seq != 0;
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
    skip_to_first_held (r, now_us, deliver, user_data);   /* delivers one at least */
  ahead = (gint32) (event->seq - r->next_seq);
  if (ahead < 0)
    {
      /* its successors have sounded: a late note-on would outlast its off */
      if (is_note_on (event))
        r->late_note_ons++;
      else
        deliver (user_data, event, now_us);
      return;
    }
  if (ahead == 0)
    {
      r->next_seq++;
      deliver (user_data, event, now_us);
      drain (r, now_us, deliver, user_data);
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
jn_midi_reorder_poll (JnMidiReorder *r,
                      gint64         now_us,
                      JnMidiDeliver  deliver,
                      gpointer       user_data)
{
  g_return_if_fail (r != NULL && deliver != NULL);

  /* once any held event has waited its window, the gaps before it are
   * given up, in order */
  for (;;)
    {
      gint64 oldest = G_MAXINT64;

      for (guint i = 0; i < r->n_held; i++)
        oldest = MIN (oldest, r->held_since[i]);
      if (r->n_held == 0 || now_us - oldest < JN_MIDI_REORDER_WINDOW_US)
        return;
      skip_to_first_held (r, now_us, deliver, user_data);
    }
}

void
jn_midi_reorder_flush (JnMidiReorder *r,
                       gint64         now_us,
                       JnMidiDeliver  deliver,
                       gpointer       user_data)
{
  g_return_if_fail (r != NULL && deliver != NULL);

  while (r->n_held > 0)
    skip_to_first_held (r, now_us, deliver, user_data);
}
