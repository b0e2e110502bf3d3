/* jn-midi-notes.h: which notes a peer's MIDI left sounding here
 *
 * Tracked from the events delivered to the local MIDI out, so that when
 * the peer goes (leaves, is removed, goes silent) every note it held is
 * released and its sustain pedal lifted.  Plain state, nothing allocated:
 * for the media thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "jn-midi.h"

G_BEGIN_DECLS

typedef struct
{
  guint32 on[16][4];   /* a bit per channel and note */
  guint16 sustain;     /* a bit per channel: the pedal is down */
  guint   sounding;    /* notes on */
} JnMidiNotes;

void      jn_midi_notes_init     (JnMidiNotes       *notes);
/* Follows one delivered event: note on and off, the sustain pedal (CC 64),
 * all notes off (CC 123) and all sound off (CC 120). */
void      jn_midi_notes_track    (JnMidiNotes       *notes,
                                  const JnMidiEvent *event);
/* The next event that releases what is left (a note-off per sounding note,
 * then sustain off per channel whose pedal is down), forgetting it; FALSE
 * when nothing is left.  The events have sequence number 0. */
gboolean  jn_midi_notes_next_release (JnMidiNotes   *notes,
                                  JnMidiEvent       *out);

G_END_DECLS
