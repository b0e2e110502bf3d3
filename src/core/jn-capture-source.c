/* jn-capture-source.c: the tone, a file, silence or an echo as capture
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-capture-source"

#include "config.h"

#include <string.h>

#include "jn-audio.h"
#include "jn-capture-source.h"
#include "jn-test-signal.h"

struct _JnCaptureSource
{
  JnCaptureKind  kind;
  JnWav         *wav;
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

JnCaptureSource *
jn_capture_source_new_wav (JnWav *wav)
{
  JnCaptureSource *source;

  g_return_val_if_fail (wav != NULL, NULL);

  source = g_new0 (JnCaptureSource, 1);
  source->kind = JN_CAPTURE_WAV;
  source->wav = wav;
  return source;
}

void
jn_capture_source_free (JnCaptureSource *source)
{
  if (source == NULL)
    return;
  g_clear_pointer (&source->wav, jn_wav_free);
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

  if (source->kind != JN_CAPTURE_ECHO)
    return;
  g_free (source->echo_next);
  g_free (source->echo_now);
  source->echo_next = g_new0 (float, (gsize) frames * channels);
  source->echo_now = g_new0 (float, (gsize) frames * channels);
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
      for (guint i = 0; i < frames; i++)
        for (guint c = 0; c < channels; c++)
          out[i * channels + c] = position + i < source->wav->frames
            ? source->wav->samples[(position + i) * source->wav->channels + c % source->wav->channels]
            : 0.f;
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
