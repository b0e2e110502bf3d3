/* jn-midi-journal.h: a MIDI sender's recovery journal (docs/protocol.md 3.3)
 *
 * Each MIDI packet a sender sends, and a journal-only one while what it
 * wrote is not yet acknowledged, carries the state of every channel part
 * (chapter) that changed since the point all its receivers acknowledged:
 * the checkpoint.  A receiver that lost events compares the journal with
 * what it delivered and emits exactly the events that bring its MIDI out
 * to the sender's state, so a lost note-off never leaves a note stuck.
 * Modelled on RFC 6295's recovery journal, with JamNet's own layout.
 * Plain state, nothing allocated: for the media thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "jn-midi-state.h"

G_BEGIN_DECLS

/* A missed note-on still held starts late if the journal that reveals it
 * was sent at most this long after the note began; an older one is
 * skipped (it would come in far off the beat). */
#define JN_MIDI_LATE_START_US  150000
/* Largest journal in one packet; channels that do not fit follow in the
 * next packets. */
#define JN_MIDI_JOURNAL_MAX    1024
/* On the wire, a note's byte has this bit set when the note began longer
 * than JN_MIDI_LATE_START_US before the packet was sent. */
#define JN_MIDI_JOURNAL_NOTE_OLD 0x80

typedef struct
{
  guint8  channel;
  guint8  chapters;                     /* a bit per JnMidiChapter present */
  guint8  n_notes;                      /* of the notes chapter: those on */
  guint8  notes[128];                   /* note, | JN_MIDI_JOURNAL_NOTE_OLD */
  guint8  velocity[128];
  guint16 value[JN_MIDI_N_CHAPTERS];    /* the other chapters' values */
} JnMidiJournalChannel;

/* A journal, decoded: the sender's state after its event number seq, for
 * the channels and chapters it carries (the others did not change since
 * the checkpoint). */
typedef struct
{
  guint32              seq;
  guint                n_channels;
  JnMidiJournalChannel channels[JN_MIDI_CHANNELS];
} JnMidiJournal;

/* The sender's side: what it sent, and when each chapter last changed. */
typedef struct
{
  JnMidiState state;
  gboolean    any;                      /* an event was tracked */
  guint32     last_seq;                 /* the last one's number */
  guint8      touched[JN_MIDI_CHANNELS]; /* chapters ever changed */
  guint32     changed[JN_MIDI_CHANNELS][JN_MIDI_N_CHAPTERS];  /* by event number */
  gint64      on_since[JN_MIDI_CHANNELS][128];
  guint       next_channel;             /* where a journal too long for a packet resumes */
} JnMidiJournalWriter;

/* What applying journals changed at a receiver. */
typedef struct
{
  guint64 note_offs;        /* notes still sounding here the sender had ended */
  guint64 late_starts;      /* missed note-ons, started late */
  guint64 skipped_starts;   /* missed note-ons too old to start */
  guint64 controls;         /* controllers, program, bend, pressure set right */
} JnMidiRepairs;

typedef void (*JnMidiEmit) (gpointer           user_data,
                            const JnMidiEvent *event);

void      jn_midi_journal_writer_init   (JnMidiJournalWriter *writer);
/* An event sent at now_us. */
void      jn_midi_journal_writer_track  (JnMidiJournalWriter *writer,
                                         const JnMidiEvent   *event,
                                         gint64               now_us);
/* Writes the journal of what changed after the checkpoint (the event
 * number every receiver acknowledged; NULL: not every one has, so every
 * chapter ever set) into buf; its size, 0 when there is nothing to say. */
gsize     jn_midi_journal_writer_encode (JnMidiJournalWriter *writer,
                                         const guint32       *checkpoint,
                                         gint64               now_us,
                                         guint8              *buf,
                                         gsize                buf_size);

/* Decodes a journal from the network: every field is checked. */
gboolean  jn_midi_journal_decode        (const guint8        *data,
                                         gsize                size,
                                         JnMidiJournal       *journal,
                                         GError             **error);

/* Emits, through emit, the events that take state (what was delivered) to
 * what journal says; emit is expected to deliver and track them.  They
 * carry the journal's event number and the timestamp now_us. */
void      jn_midi_journal_apply         (const JnMidiJournal *journal,
                                         const JnMidiState   *state,
                                         gint64               now_us,
                                         JnMidiEmit           emit,
                                         gpointer             user_data,
                                         JnMidiRepairs       *repairs);

G_END_DECLS
