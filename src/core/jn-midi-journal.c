/* jn-midi-journal.c: a MIDI sender's recovery journal, written and applied
 *
 * On the wire (docs/protocol.md 3.3): the event number the state is after
 * (4 bytes), a channel count, then per channel its number, a byte with a
 * bit per chapter carried, and the chapters in order: notes (a count, then
 * note and velocity per sounding note), one byte per controller, program
 * and pressure, two for the bend.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-midi-journal"

#include "config.h"

#include <string.h>

#include "jn-byte-order.h"
#include "jn-error.h"
#include "jn-midi-journal.h"

#define BIT(chapter) (1u << (chapter))
#define JOURNAL_HEADER_SIZE 5

/* the chapters that are one value byte on the wire, in wire order */
static const JnMidiChapter byte_chapters[] = {
  JN_MIDI_CHAPTER_SUSTAIN, JN_MIDI_CHAPTER_MODULATION, JN_MIDI_CHAPTER_VOLUME,
  JN_MIDI_CHAPTER_EXPRESSION, JN_MIDI_CHAPTER_PROGRAM,
};
/* and their controller numbers (program: none) */
static const guint8 byte_chapter_cc[] = { 64, 1, 7, 11, 0 };

/* --- writing ------------------------------------------------------------- */

void
jn_midi_journal_writer_init (JnMidiJournalWriter *writer)
{
  memset (writer, 0, sizeof *writer);
  jn_midi_state_init (&writer->state);
}

void
jn_midi_journal_writer_track (JnMidiJournalWriter *writer,
                              const JnMidiEvent   *event,
                              gint64               now_us)
{
  guint channel, chapters;

  g_return_if_fail (writer != NULL && event != NULL);

  writer->any = TRUE;
  writer->last_seq = event->seq;
  chapters = jn_midi_state_track (&writer->state, event, &channel);
  if (chapters == 0)
    return;
  writer->touched[channel] |= (guint8) chapters;
  for (guint c = 0; c < JN_MIDI_N_CHAPTERS; c++)
    if (chapters & BIT (c))
      writer->changed[channel][c] = event->seq;
  if ((event->data[0] & 0xF0) == 0x90 && event->data[2] > 0)
    writer->on_since[channel][event->data[1] & 0x7F] = now_us;
}

static guint
count_notes (const JnMidiChannelState *ch)
{
  guint n = 0;

  for (guint w = 0; w < 4; w++)
    n += (guint) __builtin_popcount (ch->on[w]);
  return n;
}

static gsize
channel_size (const JnMidiJournalWriter *writer,
              guint                      channel,
              guint                      chapters)
{
  gsize size = 2;

  if (chapters & BIT (JN_MIDI_CHAPTER_NOTES))
    size += 1 + 2 * count_notes (&writer->state.channel[channel]);
  for (guint i = 0; i < G_N_ELEMENTS (byte_chapters); i++)
    if (chapters & BIT (byte_chapters[i]))
      size += 1;
  if (chapters & BIT (JN_MIDI_CHAPTER_BEND))
    size += 2;
  if (chapters & BIT (JN_MIDI_CHAPTER_PRESSURE))
    size += 1;
  return size;
}

/* The chapters of a channel that changed after the checkpoint. */
static guint
due_chapters (const JnMidiJournalWriter *writer,
              guint                      channel,
              const guint32             *checkpoint)
{
  guint chapters = 0;

  for (guint c = 0; c < JN_MIDI_N_CHAPTERS; c++)
    if ((writer->touched[channel] & BIT (c)) &&
        (checkpoint == NULL || (gint32) (writer->changed[channel][c] - *checkpoint) > 0))
      chapters |= BIT (c);
  return chapters;
}

static guint8 *
write_channel (const JnMidiJournalWriter *writer,
               guint                      channel,
               guint                      chapters,
               gint64                     now_us,
               guint8                    *p)
{
  const JnMidiChannelState *ch = &writer->state.channel[channel];

  *p++ = (guint8) channel;
  *p++ = (guint8) chapters;
  if (chapters & BIT (JN_MIDI_CHAPTER_NOTES))
    {
      *p++ = (guint8) count_notes (ch);
      for (guint note = 0; note < 128; note++)
        if ((ch->on[note / 32] >> (note % 32)) & 1)
          {
            gboolean old = now_us - writer->on_since[channel][note] > JN_MIDI_LATE_START_US;

            *p++ = (guint8) (note | (old ? JN_MIDI_JOURNAL_NOTE_OLD : 0));
            *p++ = ch->velocity[note];
          }
    }
  for (guint i = 0; i < G_N_ELEMENTS (byte_chapters); i++)
    if (chapters & BIT (byte_chapters[i]))
      *p++ = (guint8) ch->value[byte_chapters[i]];
  if (chapters & BIT (JN_MIDI_CHAPTER_BEND))
    {
      put_u16 (p, ch->value[JN_MIDI_CHAPTER_BEND]);
      p += 2;
    }
  if (chapters & BIT (JN_MIDI_CHAPTER_PRESSURE))
    *p++ = (guint8) ch->value[JN_MIDI_CHAPTER_PRESSURE];
  return p;
}

gsize
jn_midi_journal_writer_encode (JnMidiJournalWriter *writer,
                               const guint32       *checkpoint,
                               gint64               now_us,
                               guint8              *buf,
                               gsize                buf_size)
{
  gsize limit = MIN (buf_size, JN_MIDI_JOURNAL_MAX);
  guint8 *p = buf + JOURNAL_HEADER_SIZE;
  guint n = 0, start;

  g_return_val_if_fail (writer != NULL && buf != NULL, 0);

  if (!writer->any || limit < JOURNAL_HEADER_SIZE)
    return 0;
  start = writer->next_channel;
  writer->next_channel = 0;
  for (guint i = 0; i < JN_MIDI_CHANNELS; i++)
    {
      guint channel = (start + i) % JN_MIDI_CHANNELS;
      guint chapters = due_chapters (writer, channel, checkpoint);

      if (chapters == 0)
        continue;
      if ((gsize) (p - buf) + channel_size (writer, channel, chapters) > limit)
        {
          writer->next_channel = channel;   /* the rest in the next packet */
          break;
        }
      p = write_channel (writer, channel, chapters, now_us, p);
      n++;
    }
  if (n == 0)
    return 0;
  put_u32 (buf, writer->last_seq);
  buf[4] = (guint8) n;
  return (gsize) (p - buf);
}

/* --- reading ------------------------------------------------------------- */

static gboolean
fail (GError    **error,
      const char *what)
{
  g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
               "MIDI journal is malformed: %s", what);
  return FALSE;
}

gboolean
jn_midi_journal_decode (const guint8  *data,
                        gsize          size,
                        JnMidiJournal *journal,
                        GError       **error)
{
  const guint8 *p = data, *end = data + size;
  guint16 seen = 0;

  g_return_val_if_fail (journal != NULL, FALSE);

  if (data == NULL || size < JOURNAL_HEADER_SIZE)
    return fail (error, "too short");
  journal->seq = get_u32 (p);
  journal->n_channels = p[4];
  p += JOURNAL_HEADER_SIZE;
  if (journal->n_channels == 0 || journal->n_channels > JN_MIDI_CHANNELS)
    return fail (error, "channel count out of range");

  for (guint i = 0; i < journal->n_channels; i++)
    {
      JnMidiJournalChannel *ch = &journal->channels[i];

      memset (ch->value, 0, sizeof ch->value);
      if (end - p < 2)
        return fail (error, "ends inside a channel");
      ch->channel = p[0];
      ch->chapters = p[1];
      p += 2;
      if (ch->channel >= JN_MIDI_CHANNELS || (seen & (1u << ch->channel)))
        return fail (error, "bad or repeated channel");
      seen |= (guint16) (1u << ch->channel);
      if (ch->chapters == 0)
        return fail (error, "a channel with no chapter");
      ch->n_notes = 0;
      if (ch->chapters & BIT (JN_MIDI_CHAPTER_NOTES))
        {
          guint32 notes_seen[4] = { 0 };
          guint n;

          if (end - p < 1)
            return fail (error, "ends before a note count");
          n = *p++;
          if (n > 128 || (gsize) (end - p) < 2 * n)
            return fail (error, "note count out of range");
          for (guint k = 0; k < n; k++, p += 2)
            {
              guint note = p[0] & 0x7F;

              if (p[1] == 0 || p[1] > 127 || (notes_seen[note / 32] >> (note % 32)) & 1)
                return fail (error, "bad velocity or repeated note");
              notes_seen[note / 32] |= 1u << (note % 32);
              ch->notes[k] = p[0];
              ch->velocity[k] = p[1];
            }
          ch->n_notes = (guint8) n;
        }
      for (guint k = 0; k < G_N_ELEMENTS (byte_chapters); k++)
        if (ch->chapters & BIT (byte_chapters[k]))
          {
            if (end - p < 1 || *p > 127)
              return fail (error, "bad value");
            ch->value[byte_chapters[k]] = *p++;
          }
      if (ch->chapters & BIT (JN_MIDI_CHAPTER_BEND))
        {
          if (end - p < 2 || get_u16 (p) > 16383)
            return fail (error, "bad pitch bend");
          ch->value[JN_MIDI_CHAPTER_BEND] = get_u16 (p);
          p += 2;
        }
      if (ch->chapters & BIT (JN_MIDI_CHAPTER_PRESSURE))
        {
          if (end - p < 1 || *p > 127)
            return fail (error, "bad pressure");
          ch->value[JN_MIDI_CHAPTER_PRESSURE] = *p++;
        }
    }
  if (p != end)
    return fail (error, "stray bytes after the last channel");
  return TRUE;
}

/* --- applying ------------------------------------------------------------ */

static void
emit_short (JnMidiEmit  emit,
            gpointer    user_data,
            guint32     seq,
            gint64      now_us,
            guint8      status,
            guint8      data1,
            guint8      data2)
{
  JnMidiEvent event;

  memset (&event, 0, sizeof event);
  jn_midi_event_init_short (&event, status, data1, data2);
  event.seq = seq;
  event.timestamp_us = (guint64) now_us;
  emit (user_data, &event);
}

static gboolean
differs (const JnMidiChannelState *here,
         const JnMidiJournalChannel *there,
         JnMidiChapter              chapter)
{
  return (there->chapters & BIT (chapter)) &&
         (!(here->known & BIT (chapter)) || here->value[chapter] != there->value[chapter]);
}

void
jn_midi_journal_apply (const JnMidiJournal *journal,
                       const JnMidiState   *state,
                       gint64               now_us,
                       JnMidiEmit           emit,
                       gpointer             user_data,
                       JnMidiRepairs       *repairs)
{
  g_return_if_fail (journal != NULL && state != NULL && emit != NULL && repairs != NULL);

  for (guint i = 0; i < journal->n_channels; i++)
    {
      const JnMidiJournalChannel *jc = &journal->channels[i];
      const JnMidiChannelState *here = &state->channel[jc->channel];
      guint8 c = jc->channel;
      guint32 wanted[4] = { 0 };

      /* what shapes a note comes before it */
      if (differs (here, jc, JN_MIDI_CHAPTER_PROGRAM))
        {
          emit_short (emit, user_data, journal->seq, now_us, 0xC0 | c,
                      (guint8) jc->value[JN_MIDI_CHAPTER_PROGRAM], 0);
          repairs->controls++;
        }
      if (differs (here, jc, JN_MIDI_CHAPTER_BEND))
        {
          guint16 v = jc->value[JN_MIDI_CHAPTER_BEND];

          emit_short (emit, user_data, journal->seq, now_us, 0xE0 | c, v & 0x7F, v >> 7);
          repairs->controls++;
        }
      if (differs (here, jc, JN_MIDI_CHAPTER_PRESSURE))
        {
          emit_short (emit, user_data, journal->seq, now_us, 0xD0 | c,
                      (guint8) jc->value[JN_MIDI_CHAPTER_PRESSURE], 0);
          repairs->controls++;
        }
      for (guint k = 0; k < G_N_ELEMENTS (byte_chapters); k++)
        if (byte_chapter_cc[k] != 0 && differs (here, jc, byte_chapters[k]))
          {
            emit_short (emit, user_data, journal->seq, now_us, 0xB0 | c, byte_chapter_cc[k],
                        (guint8) jc->value[byte_chapters[k]]);
            repairs->controls++;
          }
      if (!(jc->chapters & BIT (JN_MIDI_CHAPTER_NOTES)))
        continue;

      for (guint k = 0; k < jc->n_notes; k++)
        {
          guint note = jc->notes[k] & 0x7F;

          wanted[note / 32] |= 1u << (note % 32);
        }
      /* ended there, sounding here: the note-off that was lost */
      for (guint note = 0; note < 128; note++)
        if (jn_midi_state_is_on (state, c, note) && !((wanted[note / 32] >> (note % 32)) & 1))
          {
            emit_short (emit, user_data, journal->seq, now_us, 0x80 | c, (guint8) note, 0);
            repairs->note_offs++;
          }
      /* held there, silent here: the note-on that was lost */
      for (guint k = 0; k < jc->n_notes; k++)
        {
          guint note = jc->notes[k] & 0x7F;

          if (jn_midi_state_is_on (state, c, note))
            continue;
          if (jc->notes[k] & JN_MIDI_JOURNAL_NOTE_OLD)
            {
              repairs->skipped_starts++;
              continue;
            }
          emit_short (emit, user_data, journal->seq, now_us, 0x90 | c, (guint8) note,
                      jc->velocity[k]);
          repairs->late_starts++;
        }
    }
}
