/* jn-midi-state.h: the state a stream of MIDI events leaves a synth in
 *
 * Per channel: which notes sound (and how hard they were struck), the
 * controllers that shape what sounds (sustain pedal, modulation, volume,
 * expression), program, pitch bend and channel pressure.  A sender keeps
 * one for what it sent, to write its recovery journal (jn-midi-journal.h);
 * a receiver one per sender for what it delivered to its MIDI out, to
 * bring it where a journal says and to release what a sender left sounding
 * when it goes.  Plain state, nothing allocated: for the media thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "jn-midi.h"

G_BEGIN_DECLS

/* The parts of a channel's state a journal restores (docs/protocol.md 3.3);
 * their order is their order on the wire. */
typedef enum
{
  JN_MIDI_CHAPTER_NOTES,       /* which notes sound */
  JN_MIDI_CHAPTER_SUSTAIN,     /* CC 64 */
  JN_MIDI_CHAPTER_MODULATION,  /* CC 1 */
  JN_MIDI_CHAPTER_VOLUME,      /* CC 7 */
  JN_MIDI_CHAPTER_EXPRESSION,  /* CC 11 */
  JN_MIDI_CHAPTER_PROGRAM,
  JN_MIDI_CHAPTER_BEND,        /* 14 bits, centre 8192 */
  JN_MIDI_CHAPTER_PRESSURE,    /* channel pressure */
  JN_MIDI_N_CHAPTERS
} JnMidiChapter;

#define JN_MIDI_CHANNELS 16

typedef struct
{
  guint32 on[4];                       /* a bit per note */
  guint8  velocity[128];               /* of each sounding note */
  guint16 value[JN_MIDI_N_CHAPTERS];   /* the others' values; [NOTES] unused */
  guint8  known;                       /* a bit per chapter set by an event */
} JnMidiChannelState;

typedef struct
{
  JnMidiChannelState channel[JN_MIDI_CHANNELS];
  guint              sounding;         /* notes on, all channels */
} JnMidiState;

void      jn_midi_state_init     (JnMidiState       *state);
/* Follows one event: note on and off, the controllers above, all notes off
 * (CC 123), all sound off (CC 120), reset all controllers (CC 121), program,
 * bend and channel pressure.  Returns the chapters it touched (a bit per
 * JnMidiChapter) and their channel in *channel; 0 for anything else. */
guint     jn_midi_state_track    (JnMidiState       *state,
                                  const JnMidiEvent *event,
                                  guint             *channel);
gboolean  jn_midi_state_is_on    (const JnMidiState *state,
                                  guint              channel,
                                  guint              note);
gboolean  jn_midi_state_sustain_down (const JnMidiState *state,
                                  guint              channel);
/* The next event that releases what is left (a note-off per sounding note,
 * then sustain off per channel whose pedal is down), forgetting it; FALSE
 * when nothing is left.  The events have sequence number 0. */
gboolean  jn_midi_state_next_release (JnMidiState   *state,
                                  JnMidiEvent       *out);

G_END_DECLS
