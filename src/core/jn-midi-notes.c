/* jn-midi-notes.c: the notes a peer left sounding, and their release
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-midi-notes"

#include "config.h"

#include <string.h>

#include "jn-midi-notes.h"

void
jn_midi_notes_init (JnMidiNotes *notes)
{
  memset (notes, 0, sizeof *notes);
}

static void
set_note (JnMidiNotes *notes,
          guint        channel,
          guint        note,
          gboolean     on)
{
  guint32 bit = 1u << (note % 32), *word = &notes->on[channel][note / 32];

  if (on && !(*word & bit))
    notes->sounding++;
  else if (!on && (*word & bit))
    notes->sounding--;
  *word = on ? *word | bit : *word & ~bit;
}

static void
clear_channel (JnMidiNotes *notes,
               guint        channel)
{
  for (guint note = 0; note < 128; note++)
    set_note (notes, channel, note, FALSE);
}

void
jn_midi_notes_track (JnMidiNotes       *notes,
                     const JnMidiEvent *event)
{
  guint8 status, channel;

  g_return_if_fail (notes != NULL && event != NULL);

  if (event->size < 3 || event->data[0] < 0x80 || event->data[0] >= 0xF0)
    return;
  status = event->data[0] & 0xF0;
  channel = event->data[0] & 0x0F;
  switch (status)
    {
    case 0x90:
      set_note (notes, channel, event->data[1] & 0x7F, event->data[2] > 0);
      break;
    case 0x80:
      set_note (notes, channel, event->data[1] & 0x7F, FALSE);
      break;
    case 0xB0:
      if (event->data[1] == 64)
        notes->sustain = event->data[2] >= 64 ? notes->sustain | (1u << channel)
                                              : notes->sustain & ~(1u << channel);
      else if (event->data[1] == 120 || event->data[1] == 123)
        clear_channel (notes, channel);
      break;
    default:
      break;
    }
}

gboolean
jn_midi_notes_next_release (JnMidiNotes *notes,
                            JnMidiEvent *out)
{
  g_return_val_if_fail (notes != NULL && out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  for (guint channel = 0; notes->sounding > 0 && channel < 16; channel++)
    for (guint w = 0; w < 4; w++)
      if (notes->on[channel][w] != 0)
        {
          guint note = w * 32 + (guint) __builtin_ctz (notes->on[channel][w]);

          set_note (notes, channel, note, FALSE);
          jn_midi_event_init_short (out, (guint8) (0x80 | channel), (guint8) note, 0);
          return TRUE;
        }
  for (guint channel = 0; notes->sustain != 0 && channel < 16; channel++)
    if (notes->sustain & (1u << channel))
      {
        notes->sustain &= ~(1u << channel);
        jn_midi_event_init_short (out, (guint8) (0xB0 | channel), 64, 0);
        return TRUE;
      }
  return FALSE;
}
