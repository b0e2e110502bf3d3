/* jn-midi-state.c: the state MIDI events leave a synth in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-midi-state"

#include "config.h"

#include <string.h>

#include "jn-midi-state.h"

#define BIT(chapter) (1u << (chapter))

void
jn_midi_state_init (JnMidiState *state)
{
  memset (state, 0, sizeof *state);
}

static void
set_note (JnMidiState *state,
          guint        channel,
          guint        note,
          guint8       velocity)
{
  JnMidiChannelState *ch = &state->channel[channel];
  guint32 bit = 1u << (note % 32), *word = &ch->on[note / 32];

  if (velocity > 0 && !(*word & bit))
    state->sounding++;
  else if (velocity == 0 && (*word & bit))
    state->sounding--;
  *word = velocity > 0 ? *word | bit : *word & ~bit;
  ch->velocity[note] = velocity;
}

static void
set_value (JnMidiChannelState *ch,
           JnMidiChapter       chapter,
           guint16             value)
{
  ch->value[chapter] = value;
  ch->known |= BIT (chapter);
}

gboolean
jn_midi_state_is_on (const JnMidiState *state,
                     guint              channel,
                     guint              note)
{
  g_return_val_if_fail (state != NULL && channel < JN_MIDI_CHANNELS && note < 128, FALSE);

  return (state->channel[channel].on[note / 32] >> (note % 32)) & 1;
}

gboolean
jn_midi_state_sustain_down (const JnMidiState *state,
                            guint              channel)
{
  const JnMidiChannelState *ch;

  g_return_val_if_fail (state != NULL && channel < JN_MIDI_CHANNELS, FALSE);

  ch = &state->channel[channel];
  return (ch->known & BIT (JN_MIDI_CHAPTER_SUSTAIN)) && ch->value[JN_MIDI_CHAPTER_SUSTAIN] >= 64;
}

static guint
track_controller (JnMidiState *state,
                  guint        channel,
                  guint8       number,
                  guint8       value)
{
  JnMidiChannelState *ch = &state->channel[channel];

  switch (number)
    {
    case 64:
      set_value (ch, JN_MIDI_CHAPTER_SUSTAIN, value);
      return BIT (JN_MIDI_CHAPTER_SUSTAIN);
    case 1:
      set_value (ch, JN_MIDI_CHAPTER_MODULATION, value);
      return BIT (JN_MIDI_CHAPTER_MODULATION);
    case 7:
      set_value (ch, JN_MIDI_CHAPTER_VOLUME, value);
      return BIT (JN_MIDI_CHAPTER_VOLUME);
    case 11:
      set_value (ch, JN_MIDI_CHAPTER_EXPRESSION, value);
      return BIT (JN_MIDI_CHAPTER_EXPRESSION);
    case 120:
    case 123:
      for (guint note = 0; note < 128; note++)
        set_note (state, channel, note, 0);
      return BIT (JN_MIDI_CHAPTER_NOTES);
    case 121:
      /* reset all controllers: the defaults of MIDI's RP-015 */
      set_value (ch, JN_MIDI_CHAPTER_MODULATION, 0);
      set_value (ch, JN_MIDI_CHAPTER_EXPRESSION, 127);
      set_value (ch, JN_MIDI_CHAPTER_SUSTAIN, 0);
      set_value (ch, JN_MIDI_CHAPTER_BEND, 8192);
      set_value (ch, JN_MIDI_CHAPTER_PRESSURE, 0);
      return BIT (JN_MIDI_CHAPTER_MODULATION) | BIT (JN_MIDI_CHAPTER_EXPRESSION) |
             BIT (JN_MIDI_CHAPTER_SUSTAIN) | BIT (JN_MIDI_CHAPTER_BEND) |
             BIT (JN_MIDI_CHAPTER_PRESSURE);
    default:
      return 0;
    }
}

guint
jn_midi_state_track (JnMidiState       *state,
                     const JnMidiEvent *event,
                     guint             *channel_out)
{
  guint8 status;
  guint channel;
  JnMidiChannelState *ch;

  g_return_val_if_fail (state != NULL && event != NULL && channel_out != NULL, 0);

  *channel_out = 0;
  if (event->size < 2 || event->data[0] < 0x80 || event->data[0] >= 0xF0)
    return 0;
  status = event->data[0] & 0xF0;
  channel = event->data[0] & 0x0F;
  ch = &state->channel[channel];
  *channel_out = channel;
  if (event->size == 2)
    switch (status)
      {
      case 0xC0:
        set_value (ch, JN_MIDI_CHAPTER_PROGRAM, event->data[1] & 0x7F);
        return BIT (JN_MIDI_CHAPTER_PROGRAM);
      case 0xD0:
        set_value (ch, JN_MIDI_CHAPTER_PRESSURE, event->data[1] & 0x7F);
        return BIT (JN_MIDI_CHAPTER_PRESSURE);
      default:
        return 0;
      }
  switch (status)
    {
    case 0x90:
      set_note (state, channel, event->data[1] & 0x7F, event->data[2] & 0x7F);
      return BIT (JN_MIDI_CHAPTER_NOTES);
    case 0x80:
      set_note (state, channel, event->data[1] & 0x7F, 0);
      return BIT (JN_MIDI_CHAPTER_NOTES);
    case 0xB0:
      return track_controller (state, channel, event->data[1] & 0x7F, event->data[2] & 0x7F);
    case 0xE0:
      set_value (ch, JN_MIDI_CHAPTER_BEND, (guint16) ((event->data[1] & 0x7F) |
                                                      (event->data[2] & 0x7F) << 7));
      return BIT (JN_MIDI_CHAPTER_BEND);
    default:
      return 0;
    }
}

gboolean
jn_midi_state_next_release (JnMidiState *state,
                            JnMidiEvent *out)
{
  g_return_val_if_fail (state != NULL && out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  for (guint channel = 0; state->sounding > 0 && channel < JN_MIDI_CHANNELS; channel++)
    for (guint w = 0; w < 4; w++)
      if (state->channel[channel].on[w] != 0)
        {
          guint note = w * 32 + (guint) __builtin_ctz (state->channel[channel].on[w]);

          set_note (state, channel, note, 0);
          jn_midi_event_init_short (out, (guint8) (0x80 | channel), (guint8) note, 0);
          return TRUE;
        }
  for (guint channel = 0; channel < JN_MIDI_CHANNELS; channel++)
    if (jn_midi_state_sustain_down (state, channel))
      {
        set_value (&state->channel[channel], JN_MIDI_CHAPTER_SUSTAIN, 0);
        jn_midi_event_init_short (out, (guint8) (0xB0 | channel), 64, 0);
        return TRUE;
      }
  return FALSE;
}
