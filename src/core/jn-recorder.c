/* jn-recorder.c: per-peer WAV files, a JMID log and a metronome log
 *
 * An aligned recording counts the media thread's periods (a marker after
 * each) and keeps every file on that count: a stream that starts late
 * begins with the silence it missed, one that pauses or ends is filled
 * with silence, so that all files start at the same sample and end
 * together.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-recorder"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <glib/gi18n.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "jn-control.h"
#include "jn-recorder.h"
#include "jn-ring.h"
#include "jn-wav.h"

/* What the ring holds: half a second of periods of every stream a
 * session may have (its players, ours, the mix) and their markers, so
 * that a main loop busy for that long loses nothing */
#define RING_SECONDS 0.5
#define RING_STREAMS (JN_SESSION_MAX_PEERS + 3)

typedef enum { BLOCK_AUDIO, BLOCK_MIDI, BLOCK_BEAT, BLOCK_PERIOD } BlockKind;

typedef struct
{
  BlockKind   kind;
  guint32     peer_id;
  JnMidiEvent event;
  gint64      beat_us;     /* a click: on the host's clock */
  gint64      time_us;     /* arrival, or when the click sounds (local) */
  guint       n;           /* audio: samples; a period marker: periods */
  float       samples[];
} Block;

typedef struct
{
  JnWavWriter *wav;
  guint64      periods;      /* aligned: periods written, silence included */
} Writer;

struct _JnRecorder
{
  char        *audio_stem;   /* NULL: no audio recorded */
  FILE        *midi_out;
  FILE        *beats_out;
  guint        rate;
  guint        channels;
  JnRing      *blocks;       /* Block, in place: media thread -> main */
  guint        max_samples;  /* a block's room: one period */
  atomic_uint  dropped;      /* blocks the ring had no room for */
  guint        periods_owed; /* media thread: markers that did not fit */
  guint        dropped_told;
  GHashTable  *writers;      /* peer id -> Writer */
  GHashTable  *paths;        /* peer id -> path */
  GHashTable  *names;        /* peer id -> the file's name part */
  gboolean     aligned;
  guint64      periods;      /* aligned: period markers drained */
  guint        frames;       /* a period's, from its blocks */
  float       *silence;      /* frames x channels */
};

G_DEFINE_QUARK (jn-recorder-error-quark, jn_recorder_error)

static void
writer_free (Writer *writer)
{
  jn_wav_writer_free (writer->wav);
  g_free (writer);
}

static FILE *
open_log (const char  *path,
          GError     **error)
{
  FILE *file = fopen (path, "w");

  if (file == NULL)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot write “%s”: %s"), path, g_strerror (saved));
    }
  return file;
}

JnRecorder *
jn_recorder_new (const char  *audio_stem,
                 const char  *midi_path,
                 const char  *beats_path,
                 GError     **error)
{
  g_autoptr(JnRecorder) recorder = g_new0 (JnRecorder, 1);

  recorder->writers = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) writer_free);
  recorder->paths = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  recorder->names = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  recorder->rate = 48000;
  recorder->channels = 1;
  if (audio_stem != NULL)
    recorder->audio_stem = g_str_has_suffix (audio_stem, ".wav")
                           ? g_strndup (audio_stem, strlen (audio_stem) - 4) : g_strdup (audio_stem);
  if (midi_path != NULL && (recorder->midi_out = open_log (midi_path, error)) == NULL)
    return NULL;
  if (beats_path != NULL && (recorder->beats_out = open_log (beats_path, error)) == NULL)
    return NULL;
  return g_steal_pointer (&recorder);
}

void
jn_recorder_free (JnRecorder *recorder)
{
  if (recorder == NULL)
    return;
  jn_recorder_close (recorder, NULL);
  g_clear_pointer (&recorder->blocks, jn_ring_free);
  g_hash_table_unref (recorder->writers);
  g_hash_table_unref (recorder->paths);
  g_hash_table_unref (recorder->names);
  g_free (recorder->silence);
  g_free (recorder->audio_stem);
  g_free (recorder);
}

void
jn_recorder_set_format (JnRecorder *recorder,
                        guint       rate,
                        guint       channels,
                        guint       frames)
{
  double periods_per_s;

  g_return_if_fail (recorder != NULL);
  g_return_if_fail (recorder->blocks == NULL);
  g_return_if_fail (rate > 0 && channels > 0 && frames > 0);

  recorder->rate = rate;
  recorder->channels = channels;
  /* everything the media thread hands over, allocated now: it only fills */
  periods_per_s = (double) rate / frames;
  recorder->max_samples = frames * channels;
  recorder->blocks = jn_ring_new ((gsize) ceil (periods_per_s * RING_SECONDS) * (RING_STREAMS + 1),
                                  sizeof (Block) + sizeof (float) * recorder->max_samples);
}

/* media thread: the period markers owed, as one, before anything else
 * goes in; FALSE while there is no room for them */
static gboolean
pay_markers (JnRecorder *recorder)
{
  Block *block;

  if (recorder->periods_owed == 0)
    return TRUE;
  if (recorder->blocks == NULL || (block = jn_ring_reserve (recorder->blocks)) == NULL)
    return FALSE;
  memset (block, 0, sizeof (Block));
  block->kind = BLOCK_PERIOD;
  block->n = recorder->periods_owed;
  recorder->periods_owed = 0;
  jn_ring_commit (recorder->blocks);
  return TRUE;
}

/* media thread: a block to fill in place, or NULL (counted) */
static Block *
reserve (JnRecorder *recorder,
         BlockKind   kind)
{
  Block *block = pay_markers (recorder) && recorder->blocks != NULL ? jn_ring_reserve (recorder->blocks) : NULL;

  if (block == NULL)
    {
      atomic_fetch_add_explicit (&recorder->dropped, 1, memory_order_relaxed);
      return NULL;
    }
  memset (block, 0, sizeof (Block));
  block->kind = kind;
  return block;
}

void
jn_recorder_set_aligned (JnRecorder *recorder,
                         gboolean    aligned)
{
  g_return_if_fail (recorder != NULL);
  recorder->aligned = aligned;
}

void
jn_recorder_set_name (JnRecorder *recorder,
                      guint32     peer_id,
                      const char *name)
{
  GString *safe;

  g_return_if_fail (recorder != NULL);
  g_return_if_fail (name != NULL);

  /* a name from the network is no path: nothing that leaves the folder,
   * hides the file or breaks a shell's word */
  safe = g_string_new (NULL);
  for (const char *c = name; *c != '\0' && safe->len < 64; c = g_utf8_next_char (c))
    {
      gunichar u = g_utf8_get_char_validated (c, -1);

      if (u == (gunichar) -1 || u == (gunichar) -2)
        break;
      if (g_unichar_isalnum (u) || u == ' ' || u == '-' || u == '_')
        g_string_append_unichar (safe, u);
      else
        g_string_append_c (safe, '_');
    }
  if (safe->len == 0)
    g_string_printf (safe, "%u", peer_id);
  /* two players of one name get a file each */
  {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, recorder->names);
    while (g_hash_table_iter_next (&iter, &key, &value))
      if (GPOINTER_TO_UINT (key) != peer_id && g_str_equal (value, safe->str))
        {
          g_string_append_printf (safe, " %u", peer_id);
          break;
        }
  }
  g_hash_table_insert (recorder->names, GUINT_TO_POINTER (peer_id), g_string_free (safe, FALSE));
}

gboolean
jn_recorder_records_audio (JnRecorder *recorder)
{
  return recorder != NULL && g_atomic_pointer_get (&recorder->audio_stem) != NULL;
}

gboolean
jn_recorder_records_midi (JnRecorder *recorder)
{
  return recorder != NULL && recorder->midi_out != NULL;
}

gboolean
jn_recorder_records_beats (JnRecorder *recorder)
{
  return recorder != NULL && recorder->beats_out != NULL;
}

void
jn_recorder_push_audio (JnRecorder  *recorder,
                        guint32      peer_id,
                        const float *audio,
                        guint        frames,
                        guint        channels)
{
  Block *block;

  if (!jn_recorder_records_audio (recorder) || frames * channels > recorder->max_samples ||
      (block = reserve (recorder, BLOCK_AUDIO)) == NULL)
    return;
  block->peer_id = peer_id;
  block->n = frames * channels;
  memcpy (block->samples, audio, sizeof (float) * block->n);
  jn_ring_commit (recorder->blocks);
}

void
jn_recorder_period_end (JnRecorder *recorder)
{
  if (recorder == NULL || !recorder->aligned || !jn_recorder_records_audio (recorder))
    return;
  /* a marker that does not fit goes with the next one, ahead of the next
   * period's blocks: the count and the files' alignment hold */
  recorder->periods_owed++;
  pay_markers (recorder);
}

void
jn_recorder_push_midi (JnRecorder        *recorder,
                       guint32            peer_id,
                       const JnMidiEvent *event,
                       gint64             arrival_us)
{
  Block *block;

  if (!jn_recorder_records_midi (recorder) || (block = reserve (recorder, BLOCK_MIDI)) == NULL)
    return;
  block->peer_id = peer_id;
  block->event = *event;
  block->time_us = arrival_us;
  jn_ring_commit (recorder->blocks);
}

void
jn_recorder_push_beat (JnRecorder *recorder,
                       gint64      beat_us,
                       gint64      local_us)
{
  Block *block;

  if (!jn_recorder_records_beats (recorder) || (block = reserve (recorder, BLOCK_BEAT)) == NULL)
    return;
  block->beat_us = beat_us;
  block->time_us = local_us;
  jn_ring_commit (recorder->blocks);
}

static void
stop_audio (JnRecorder *recorder)
{
  char *stem = g_atomic_pointer_exchange (&recorder->audio_stem, NULL);

  g_free (stem);   /* stop recording, keep playing */
}

/* aligned: the writer's file up to `periods` periods, with silence */
static gboolean
pad (JnRecorder  *recorder,
     Writer      *writer,
     guint64      periods,
     GError     **error)
{
  for (; writer->periods < periods; writer->periods++)
    if (!jn_wav_writer_write (writer->wav, recorder->silence, recorder->frames, error))
      return FALSE;
  return TRUE;
}

static gboolean
write_audio (JnRecorder  *recorder,
             Block       *block,
             GError     **error)
{
  Writer *writer = g_hash_table_lookup (recorder->writers, GUINT_TO_POINTER (block->peer_id));
  guint frames = block->n / recorder->channels;

  if (recorder->audio_stem == NULL)
    return TRUE;   /* stopped after an error */
  if (recorder->aligned && recorder->silence == NULL)
    {
      recorder->frames = frames;
      recorder->silence = g_new0 (float, block->n);
    }
  if (writer == NULL)
    {
      const char *name = g_hash_table_lookup (recorder->names, GUINT_TO_POINTER (block->peer_id));
      g_autofree char *path = name != NULL ? g_strdup_printf ("%s - %s.wav", recorder->audio_stem, name)
                                           : g_strdup_printf ("%s-%u.wav", recorder->audio_stem, block->peer_id);
      JnWavWriter *wav = jn_wav_writer_new (path, recorder->rate, recorder->channels, error);

      if (wav == NULL)
        {
          stop_audio (recorder);
          return FALSE;
        }
      writer = g_new0 (Writer, 1);
      writer->wav = wav;
      g_hash_table_insert (recorder->writers, GUINT_TO_POINTER (block->peer_id), writer);
      g_hash_table_insert (recorder->paths, GUINT_TO_POINTER (block->peer_id), g_steal_pointer (&path));
    }
  if (recorder->aligned)
    {
      /* one period per stream and marker; a block of another size breaks
       * the count and is not written */
      if (frames != recorder->frames || writer->periods > recorder->periods)
        return TRUE;
      if (!pad (recorder, writer, recorder->periods, error))
        {
          stop_audio (recorder);
          return FALSE;
        }
      writer->periods++;
    }
  return jn_wav_writer_write (writer->wav, block->samples, frames, error);
}

gboolean
jn_recorder_drain (JnRecorder  *recorder,
                   GError     **error)
{
  g_autoptr(GError) first = NULL;
  Block *block;
  guint dropped;

  g_return_val_if_fail (recorder != NULL, FALSE);

  while (recorder->blocks != NULL && (block = jn_ring_peek (recorder->blocks, 0)) != NULL)
    {
      g_autoptr(GError) local = NULL;

      if (block->kind == BLOCK_BEAT && recorder->beats_out != NULL)
        /* the beat on the host's clock, and when it sounds on ours */
        fprintf (recorder->beats_out, "{\"beat_us\":%" G_GINT64_FORMAT ",\"local_us\":%" G_GINT64_FORMAT "}\n",
                 block->beat_us, block->time_us);
      else if (block->kind == BLOCK_MIDI && recorder->midi_out != NULL)
        {
          g_autofree char *jmid = jn_midi_event_to_jmid_string (&block->event);

          /* JMID plus who sent it and when it arrived (local monotonic us) */
          fprintf (recorder->midi_out, "{\"from\":%u,\"arrival\":%" G_GINT64_FORMAT ",\"event\":%s}\n",
                   block->peer_id, block->time_us, jmid);
        }
      else if (block->kind == BLOCK_AUDIO && !write_audio (recorder, block, &local) && first == NULL)
        first = g_steal_pointer (&local);
      else if (block->kind == BLOCK_PERIOD)
        recorder->periods += block->n;
      jn_ring_skip (recorder->blocks, 1);
    }
  /* said once per burst: the files have silence there */
  dropped = atomic_load_explicit (&recorder->dropped, memory_order_relaxed);
  if (dropped != recorder->dropped_told && first == NULL)
    {
      g_set_error (&first, JN_RECORDER_ERROR, JN_RECORDER_ERROR_BEHIND,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The recording fell behind: %u period of a player’s audio or MIDI "
                                "is missing from it (silence in the files)",
                                "The recording fell behind: %u periods of players’ audio or MIDI "
                                "are missing from it (silence in the files)",
                                dropped - recorder->dropped_told),
                   dropped - recorder->dropped_told);
      recorder->dropped_told = dropped;
    }
  if (first != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first));
      return FALSE;
    }
  return TRUE;
}

gboolean
jn_recorder_close (JnRecorder  *recorder,
                   GError     **error)
{
  gboolean ok;

  g_return_val_if_fail (recorder != NULL, FALSE);

  ok = jn_recorder_drain (recorder, error);
  if (recorder->aligned && recorder->audio_stem != NULL)
    {
      GHashTableIter iter;
      gpointer writer;

      /* every file ends with the last period */
      g_hash_table_iter_init (&iter, recorder->writers);
      while (g_hash_table_iter_next (&iter, NULL, &writer))
        if (!pad (recorder, writer, recorder->periods, ok ? error : NULL))
          ok = FALSE;
    }
  g_hash_table_remove_all (recorder->writers);   /* closes the WAV files */
  if (recorder->midi_out != NULL)
    fclose (recorder->midi_out);
  recorder->midi_out = NULL;
  if (recorder->beats_out != NULL)
    fclose (recorder->beats_out);
  recorder->beats_out = NULL;
  return ok;
}

const char *
jn_recorder_get_path (JnRecorder *recorder,
                      guint32     peer_id)
{
  g_return_val_if_fail (recorder != NULL, NULL);
  return g_hash_table_lookup (recorder->paths, GUINT_TO_POINTER (peer_id));
}
