/* jn-codec.c: Opus custom mode encoders and decoders for the media thread
 *
 * Custom mode is Opus's CELT layer at frame sizes of its own, which is what
 * lets it code packets of 64 frames (1.3 ms at 48 kHz); the standard modes
 * stop at 2.5 ms steps.  A packet is coded as whole 64-frame Opus frames
 * (docs/codec.md: why not one frame of the packet's size), at a constant
 * bitrate, so each has the same size.  Opus's own concealment is never
 * asked for: a lost or broken packet is the jitter buffer's to conceal
 * (PNBTR), like any other.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-codec"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <opus_custom.h>

#include "jn-codec.h"
#include "jn-error.h"

/* docs/codec.md has the measurements behind them */
#define JN_OPUS_COMPLEXITY 4
#define JN_OPUS_LOSS_PERC  10

struct _JnCodec
{
  JnAudioFormat      format;
  guint              n_frames;     /* Opus frames per packet */
  gsize              frame_bytes;  /* each */
  OpusCustomMode    *mode;
  OpusCustomEncoder *encoder;
  OpusCustomDecoder *decoder;
};

static JnCodec *
codec_new (const JnAudioFormat  *format,
           gboolean              encoder,
           GError              **error)
{
  g_autoptr(JnCodec) codec = NULL;
  g_autoptr(GError) local_error = NULL;
  int err = OPUS_OK;

  g_return_val_if_fail (format != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (format->format != JN_SAMPLE_OPUS || !jn_audio_format_validate (format, &local_error))
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT,
                   _("This audio format cannot be coded with Opus: %s"),
                   local_error != NULL ? local_error->message : _("it is not Opus"));
      return NULL;
    }
  codec = g_new0 (JnCodec, 1);
  codec->format = *format;
  codec->n_frames = format->frames / JN_OPUS_FRAME_SIZE;
  codec->frame_bytes = jn_codec_packet_size (format) / codec->n_frames;
  codec->mode = opus_custom_mode_create ((opus_int32) format->rate, JN_OPUS_FRAME_SIZE, &err);
  if (codec->mode != NULL && encoder)
    {
      codec->encoder = opus_custom_encoder_create (codec->mode, format->channels, &err);
      if (codec->encoder != NULL &&
          /* constant bitrate: each frame fills the bytes it is given */
          (opus_custom_encoder_ctl (codec->encoder, OPUS_SET_VBR (0)) != OPUS_OK ||
           opus_custom_encoder_ctl (codec->encoder, OPUS_SET_BITRATE (OPUS_BITRATE_MAX)) != OPUS_OK ||
           opus_custom_encoder_ctl (codec->encoder,
                                    OPUS_SET_COMPLEXITY (JN_OPUS_COMPLEXITY)) != OPUS_OK ||
           /* codes band energies so that a decoder that lost a frame
            * comes back within a frame or two */
           opus_custom_encoder_ctl (codec->encoder,
                                    OPUS_SET_PACKET_LOSS_PERC (JN_OPUS_LOSS_PERC)) != OPUS_OK))
        err = OPUS_BAD_ARG;
    }
  else if (codec->mode != NULL)
    codec->decoder = opus_custom_decoder_create (codec->mode, format->channels, &err);
  if (err != OPUS_OK || codec->mode == NULL || (codec->encoder == NULL && codec->decoder == NULL))
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT,
                   _("Opus refused %d frames at %u Hz: %s"), JN_OPUS_FRAME_SIZE, format->rate,
                   opus_strerror (err != OPUS_OK ? err : OPUS_INTERNAL_ERROR));
      return NULL;
    }
  return g_steal_pointer (&codec);
}

JnCodec *
jn_codec_new_encoder (const JnAudioFormat  *format,
                      GError              **error)
{
  return codec_new (format, TRUE, error);
}

JnCodec *
jn_codec_new_decoder (const JnAudioFormat  *format,
                      GError              **error)
{
  return codec_new (format, FALSE, error);
}

void
jn_codec_free (JnCodec *codec)
{
  if (codec == NULL)
    return;
  if (codec->encoder != NULL)
    opus_custom_encoder_destroy (codec->encoder);
  if (codec->decoder != NULL)
    opus_custom_decoder_destroy (codec->decoder);
  if (codec->mode != NULL)
    opus_custom_mode_destroy (codec->mode);
  g_free (codec);
}

gsize
jn_codec_packet_size (const JnAudioFormat *format)
{
  /* bitrate x packet time, shared out in whole bytes per Opus frame */
  guint n = MAX (format->frames / JN_OPUS_FRAME_SIZE, 1);
  guint64 bits = (guint64) format->bitrate * format->channels * JN_OPUS_FRAME_SIZE;
  guint64 bytes = (bits + 4 * (guint64) format->rate) / (8 * (guint64) format->rate);

  return (gsize) CLAMP (bytes, 2, JN_OPUS_MAX_FRAME_BYTES) * n;
}

gsize
jn_codec_encode (JnCodec     *codec,
                 const float *interleaved,
                 guint8      *out,
                 gsize        out_size)
{
  guint channels;

  g_return_val_if_fail (codec != NULL && codec->encoder != NULL, 0);
  g_return_val_if_fail (interleaved != NULL && out != NULL, 0);

  channels = codec->format.channels;
  if (out_size < codec->n_frames * codec->frame_bytes)
    return 0;
  for (guint i = 0; i < codec->n_frames; i++)
    {
      int n = opus_custom_encode_float (codec->encoder,
                                        interleaved + (gsize) i * JN_OPUS_FRAME_SIZE * channels,
                                        JN_OPUS_FRAME_SIZE, out + i * codec->frame_bytes,
                                        (int) codec->frame_bytes);

      if (n != (int) codec->frame_bytes)
        return 0;
    }
  return codec->n_frames * codec->frame_bytes;
}

gboolean
jn_codec_decode (JnCodec      *codec,
                 const guint8 *data,
                 gsize         size,
                 float        *out)
{
  gsize n, each;
  guint channels;

  g_return_val_if_fail (codec != NULL && codec->decoder != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  channels = codec->format.channels;
  n = (gsize) codec->format.frames * channels;
  /* any size the packet rules allow: whole frames of one size */
  each = size / codec->n_frames;
  if (data == NULL || size % codec->n_frames != 0 || each < 2 || each > JN_OPUS_MAX_FRAME_BYTES)
    goto fail;
  for (guint i = 0; i < codec->n_frames; i++)
    if (opus_custom_decode_float (codec->decoder, data + i * each, (int) each,
                                  out + (gsize) i * JN_OPUS_FRAME_SIZE * channels,
                                  JN_OPUS_FRAME_SIZE) != JN_OPUS_FRAME_SIZE)
      goto fail;
  /* CELT may overshoot full scale a little; the jitter buffer wants [-1, 1] */
  for (gsize i = 0; i < n; i++)
    out[i] = out[i] == out[i] ? CLAMP (out[i], -1.f, 1.f) : 0.f;
  return TRUE;

fail:
  memset (out, 0, n * sizeof (float));
  return FALSE;
}

gboolean
jn_codec_decode_next (JnCodec      *codec,
                      const guint8 *data,
                      gsize         size,
                      float        *out,
                      guint64      *errors)
{
  if (data == NULL)
    {
      jn_codec_decode_lost (codec, out);
      return TRUE;
    }
  if (jn_codec_decode (codec, data, size, out))
    return TRUE;
  /* it arrived, but there is nothing to play: the period is concealed */
  (*errors)++;
  return FALSE;
}

void
jn_codec_decode_lost (JnCodec *codec,
                      float   *out)
{
  g_return_if_fail (codec != NULL && codec->decoder != NULL && out != NULL);

  for (guint i = 0; i < codec->n_frames; i++)
    if (opus_custom_decode_float (codec->decoder, NULL, 0,
                                  out + (gsize) i * JN_OPUS_FRAME_SIZE * codec->format.channels,
                                  JN_OPUS_FRAME_SIZE) != JN_OPUS_FRAME_SIZE)
      memset (out + (gsize) i * JN_OPUS_FRAME_SIZE * codec->format.channels, 0,
              sizeof (float) * JN_OPUS_FRAME_SIZE * codec->format.channels);
}

guint
jn_codec_delay_frames (const JnAudioFormat *format)
{
  g_return_val_if_fail (format != NULL, 0);
  return format->format == JN_SAMPLE_OPUS ? JN_OPUS_FRAME_SIZE : 0;
}

char *
jn_codec_describe (const JnAudioFormat *format)
{
  g_return_val_if_fail (format != NULL, NULL);

  switch (format->format)
    {
    case JN_SAMPLE_OPUS:
      return g_strdup_printf (_("Opus %u kbit/s"), format->bitrate * format->channels / 1000);
    case JN_SAMPLE_S24:
      return g_strdup (_("PCM s24"));
    case JN_SAMPLE_F32:
      return g_strdup (_("PCM f32"));
    case JN_SAMPLE_S16:
    default:
      return g_strdup (_("PCM s16"));
    }
}
