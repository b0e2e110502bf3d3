/* jn-capture-source.c: the tone, a file, silence or an echo as capture
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-capture-source"

#include "config.h"

#include <string.h>

#include "jn-audio.h"
#include "jn-capture-source.h"
#include "jn-ring.h"
#include "jn-test-signal.h"

/* frames of the file read ahead: about 2.7 s at 48 kHz */
#define READ_AHEAD_FRAMES (1u << 17)
#define READ_FRAMES       4096

struct _JnCaptureSource
{
  JnCaptureKind  kind;
  /* a file: read ahead by its thread into the ring, a frame per element */
  JnWavReader   *reader;
  guint          file_channels;
  JnRing        *ring;
  GThread       *thread;
  gint           stop;        /* atomic */
  gint           ended;       /* atomic: the reader read all there is */
  float         *read_buf;    /* the reader thread's */
  float         *scratch;     /* the media thread's: a period of the file */
  guint          scratch_frames;
  guint64        consumed;    /* frames the media thread has taken */
  guint64        owed;        /* frames to drop as they come: their time passed */
  /* echo: what the peers sent this period, sent back in the next one */
  float         *echo_next;
  float         *echo_now;
};

JnCaptureSource *
jn_capture_source_new (JnCaptureKind kind)
{
  JnCaptureSource *source;

  g_return_val_if_fail (kind != JN_CAPTURE_WAV, NULL);

  source = g_new0 (JnCaptureSource, 1);
  source->kind = kind;
  return source;
}

/* Reads what fits in the ring; FALSE at the file's end. */
static gboolean
read_some (JnCaptureSource *source)
{
  while (jn_ring_get_writable (source->ring) >= READ_FRAMES)
    {
      g_autoptr(GError) error = NULL;
      gsize n = jn_wav_reader_read (source->reader, source->read_buf, READ_FRAMES, &error);

      if (n > 0)
        jn_ring_write (source->ring, source->read_buf, n);
      if (n < READ_FRAMES)
        {
          if (error != NULL)
            g_warning ("%s", error->message);
          g_atomic_int_set (&source->ended, TRUE);
          return FALSE;
        }
    }
  return TRUE;
}

static gpointer
read_ahead (gpointer user_data)
{
  JnCaptureSource *source = user_data;

  while (!g_atomic_int_get (&source->stop) && read_some (source))
    g_usleep (10000);
  return NULL;
}

JnCaptureSource *
jn_capture_source_new_wav (JnWavReader *reader)
{
  JnCaptureSource *source;

  g_return_val_if_fail (reader != NULL, NULL);

  source = g_new0 (JnCaptureSource, 1);
  source->kind = JN_CAPTURE_WAV;
  source->reader = reader;
  source->file_channels = jn_wav_reader_get_channels (reader);
  source->ring = jn_ring_new (READ_AHEAD_FRAMES, sizeof (float) * source->file_channels);
  source->read_buf = g_new (float, (gsize) READ_FRAMES * source->file_channels);
  /* the start is there before the session is */
  if (read_some (source))
    source->thread = g_thread_new ("jamnet-wav", read_ahead, source);
  return source;
}

void
jn_capture_source_free (JnCaptureSource *source)
{
  if (source == NULL)
    return;
  g_atomic_int_set (&source->stop, TRUE);
  g_clear_pointer (&source->thread, g_thread_join);
  g_clear_pointer (&source->ring, jn_ring_free);
  g_clear_pointer (&source->reader, jn_wav_reader_free);
  g_free (source->read_buf);
  g_free (source->scratch);
  g_free (source->echo_next);
  g_free (source->echo_now);
  g_free (source);
}

JnCaptureKind
jn_capture_source_get_kind (JnCaptureSource *source)
{
  g_return_val_if_fail (source != NULL, JN_CAPTURE_SILENCE);
  return source->kind;
}

void
jn_capture_source_prepare (JnCaptureSource *source,
                           guint            frames,
                           guint            channels)
{
  g_return_if_fail (source != NULL);

  if (source->kind == JN_CAPTURE_WAV)
    {
      g_free (source->scratch);
      source->scratch = g_new0 (float, (gsize) frames * source->file_channels);
      source->scratch_frames = frames;
      return;
    }
  if (source->kind != JN_CAPTURE_ECHO)
    return;
  g_free (source->echo_next);
  g_free (source->echo_now);
  source->echo_next = g_new0 (float, (gsize) frames * channels);
  source->echo_now = g_new0 (float, (gsize) frames * channels);
}

/* The file's frames at position: what the reader has read, the rest
 * silence; the file's channels wrap round the session's. */
static void
fill_from_file (JnCaptureSource *source,
                float           *out,
                guint            frames,
                guint            channels,
                guint64          position)
{
  gsize ready, n;

  memset (out, 0, sizeof (float) * frames * channels);
  if (source->scratch == NULL || frames > source->scratch_frames)
    return;
  /* the packet clock skipped ahead: so does the file */
  if (position > source->consumed)
    source->owed += position - source->consumed;
  source->consumed = position;
  ready = jn_ring_get_readable (source->ring);
  n = (gsize) MIN (source->owed, (guint64) ready);
  jn_ring_skip (source->ring, n);
  source->owed -= n;
  ready -= n;

  n = MIN ((gsize) frames, ready);
  if (n > 0)
    jn_ring_read (source->ring, source->scratch, n);
  for (gsize i = 0; i < n; i++)
    for (guint c = 0; c < channels; c++)
      out[i * channels + c] = source->scratch[i * source->file_channels + c % source->file_channels];
  if (n < frames && !g_atomic_int_get (&source->ended))
    source->owed += frames - n;   /* they come later, when their time is gone */
  source->consumed += frames;
}

void
jn_capture_source_fill (JnCaptureSource *source,
                        float           *out,
                        guint            frames,
                        guint            channels,
                        guint            rate,
                        guint64          position)
{
  switch (source->kind)
    {
    case JN_CAPTURE_TONE:
      jn_test_signal_fill (out, frames, channels, rate, position);
      break;
    case JN_CAPTURE_SILENCE:
      memset (out, 0, sizeof (float) * frames * channels);
      break;
    case JN_CAPTURE_ECHO:
      if (source->echo_now != NULL)
        memcpy (out, source->echo_now, sizeof (float) * frames * channels);
      else
        memset (out, 0, sizeof (float) * frames * channels);
      break;
    case JN_CAPTURE_WAV:
      fill_from_file (source, out, frames, channels, position);
      break;
    }
}

void
jn_capture_source_add_playout (JnCaptureSource *source,
                               const float     *audio,
                               guint            frames,
                               guint            channels)
{
  if (source->kind != JN_CAPTURE_ECHO || source->echo_next == NULL)
    return;
  for (guint i = 0; i < frames * channels; i++)
    source->echo_next[i] += audio[i];
}

void
jn_capture_source_period_end (JnCaptureSource *source,
                              guint            frames,
                              guint            channels)
{
  float *swap;

  if (source->kind != JN_CAPTURE_ECHO || source->echo_next == NULL)
    return;
  swap = source->echo_now;
  source->echo_now = source->echo_next;
  source->echo_next = swap;
  memset (source->echo_next, 0, sizeof (float) * frames * channels);
}
